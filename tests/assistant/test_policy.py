"""The marketing policy: what is never promoted (EN and ZH), alcohol per channel/region, consumer names, prices."""
from __future__ import annotations

import pandas as pd
import pytest

from assistant.core.policy import (DEFAULT_FAMILY, MarketingPolicy, consumer_name, display_price, is_case_pack,
                                   is_grocery, offer_frame, product_family, zh_product_name)
from assistant.core.settings import Settings

POLICY = MarketingPolicy()


@pytest.mark.parametrize("texts, kind", [
    (("FUEL > COUPON/MISC ITEMS > GASOLINE-REG UNLEADED", "Gasoline-Reg Unleaded"), "fuel"),
    (("DRUG GM > CIGARETTES > CIGARETTES", "Cigarettes, 20 CT"), "tobacco"),
    (("MISC SALES TRAN > COUPON/MISC ITEMS", "Coupon/Misc Items"), "coupon"),
    (("MISCELLANEOUS > COUPON/MISC ITEMS > AMERICAN EXPRESS GIFT CARD", ""), "coupon"),
    (("GROCERY > REFRGRATD JUICES/DRNKS > CRV DEPOSIT NT/F", ""), "deposit"),
    (("Lottery > Scratch-off", ""), "lottery"),
    (("Store > Gift cards", "Prepaid card"), "gift_card"),
    (("Checkout > Carry out bags", ""), "bag"),
    (("GROCERY > BEERS/ALES > BEERALEMALT LIQUORS", "Beeralemalt Liquors"), "alcohol"),
    (("SPIRITS > LIQUOR", "Vodka 750 ML"), "alcohol"),
    (("酒水 > 啤酒", "青岛啤酒 500ml"), "alcohol"),
    (("汽车用品 > 燃油", "92号汽油"), "fuel"),
    (("烟草 > 香烟", "中华香烟"), "tobacco"),
    (("礼品卡", "100元购物卡"), "gift_card"),
])
def test_never_promoted_and_restricted_classes_are_recognised_in_english_and_chinese(texts, kind):
    assert POLICY.classify(*texts) == kind
    assert not POLICY.allows(*texts)


@pytest.mark.parametrize("texts", [("GROCERY > FLUID MILK PRODUCTS", "Fluid Milk White Only"),
                                   ("GROCERY > FD WRAPS/BAGS/TRSH BG > FREEZER BAGS", "Freezer Bags"),
                                   ("GROCERY > BAG SNACKS", "Bagged Cheese Snacks"),
                                   ("PRODUCE > GINGER ROOT", "Ginger"), ("乳制品 > 牛奶", "鲜牛奶")])
def test_ordinary_goods_are_allowed(texts):
    assert POLICY.classify(*texts) is None and POLICY.allows(*texts)


def test_alcohol_is_configurable_per_channel_and_region():
    beer = ("GROCERY > BEERS/ALES", "Beer")
    assert not MarketingPolicy().allows(*beer)
    assert MarketingPolicy(alcohol="on").allows(*beer)
    email_only = MarketingPolicy(alcohol=frozenset({"email"}))
    assert email_only.allows(*beer, channel="email") and not email_only.allows(*beer, channel="sms")
    regional = MarketingPolicy(alcohol="on", alcohol_regions=frozenset({"de"}))
    assert regional.allows(*beer, region="DE") and not regional.allows(*beer, region="us")
    # fuel stays excluded whatever alcohol allows
    assert not MarketingPolicy(alcohol="on").allows("FUEL", "Gasoline")


def test_policy_comes_from_settings(monkeypatch):
    monkeypatch.setenv("MKT_POLICY_ALCOHOL", "email,push")
    monkeypatch.setenv("MKT_POLICY_EXCLUDE", "energy drink")
    policy = MarketingPolicy.from_settings(Settings.from_env())
    assert policy.allows("BEERS/ALES", channel="push") and not policy.allows("BEERS/ALES", channel="sms")
    assert policy.classify("Monster Energy Drink") == "custom"
    monkeypatch.setenv("MKT_POLICY", "off")
    assert MarketingPolicy.from_settings(Settings.from_env()).allows("FUEL", "Gasoline")


@pytest.mark.parametrize("raw, clean", [
    ("Refgratd Juices/Drnks", "Refrigerated Juices & Drinks"),
    ("REFRGRATD JUICES/DRNKS, 64 OZ", "Refrigerated Juices & Drinks"),
    ("BEERALEMALT LIQUORS", "Beer Ale & Malt Liquors"),
    ("COUPON/MISC ITEMS", "Coupon Items"), ("FROZEN/MISC PIZZA", "Frozen Pizza"),   # a hidden word takes its "&"
    ("Fluid Milk White Only, 1 GA", "White Milk"), ("EGGS - LARGE", "Large Eggs"), ("GRAPES RED", "Red Grapes"),
    ("SW GDS:DONUTS", "Sweet Goods & Donuts"), ("LEAN", None), ("Chocolate Milk", "Chocolate Milk"),
    ("Frzn Jce Conc/Drnks", "Frozen Juice Concentrate & Drinks"),
    ("Soft Drinks 12/18&15pk Can Car, 12 OZ", "Soft Drinks"),
    ("Misc", None), ("Eau de Parfum", "Eau de Parfum"), ("", None), (None, None), (float("nan"), None), ("Milk <script>alert(1)</script>", None),
])
def test_consumer_names_are_readable(raw, clean):
    assert consumer_name(raw) == clean


def test_case_packs_and_unreal_prices_are_not_offered():
    assert is_case_pack("Dog Food, 40 LB") and is_case_pack("Water", "2 CS") and not is_case_pack("Milk, 1 GA")
    assert display_price(0.0023) is None and display_price(None) is None and display_price(2.499) == 2.5


def test_offer_frame_filters_merges_duplicates_and_hides_bad_prices():
    items = pd.DataFrame({
        "item_id": ["1", "2", "3", "4", "5", "6"],
        "score": [6, 5, 4, 3, 2, 1],
        "title": ["Gasoline-Reg Unleaded", "Fluid Milk White Only, 1 GA", "Fluid Milk White Only, 0.5 GA",
                  "Dog Food, 40 LB", "Bananas", "Cigarettes"],
        "category": ["FUEL > FUEL", "GROCERY > MILK", "GROCERY > MILK", "GROCERY > DOG FOODS", "PRODUCE > BANANAS",
                     "DRUG GM > CIGARETTES"],
        "price": [0.0023, 2.49, 1.5, 30.0, 0.004, 9.0]})
    out = offer_frame(items, POLICY)
    assert out["title"].tolist() == ["White Milk", "Bananas"]
    assert out["price"].iloc[0] == 2.49 and pd.isna(out["price"].iloc[1])
    assert out["catalogue_title"].iloc[0] == "Fluid Milk White Only, 1 GA"


def test_families_and_chinese_names():
    assert product_family("GROCERY > FLUID MILK PRODUCTS") == ("dairy", "乳制品")
    assert zh_product_name("Fluid Milk White Only") == "牛奶"
    assert zh_product_name("Frozen Pizza") == "披萨"
    # no family known: its own name, never a family word it may not belong to (a tent is not 日常百货)
    assert zh_product_name("Something Unknown") == "Something Unknown"


def test_a_category_the_family_table_does_not_know_keeps_its_own_name():
    """A camping or cosmetics shop's categories are named by the data, not as "everyday groceries"; a grocery
    shop's unknown lines still are."""
    assert product_family("帐篷") == ("帐篷", "帐篷")
    assert product_family("Outdoor > SLEEPING BAGS") == ("sleeping bags", "Sleeping Bags")
    assert product_family("Lips", grocery=True) == ("everyday groceries", "日常百货")
    assert product_family("") == DEFAULT_FAMILY and "grocer" not in DEFAULT_FAMILY[0]
    assert is_grocery([("GROCERY > FLUID MILK PRODUCTS", 0.4), ("GROCERY > BAG SNACKS", 0.2), ("帐篷", 0.3)])
    assert not is_grocery([("帐篷", 0.5), ("睡袋", 0.3), ("Face Makeup", 0.2)])
