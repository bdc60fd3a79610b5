"""The template words (persona names and text, copy variants — also the fallback when the LLM fails) fit the
shop whose data was uploaded: a camping-gear or cosmetics shop's customers, who rebuy a tent or a palette after
months if ever, are not told about "your weekly shop" / "每周采购" / "你常买的", and their categories are named by
the data ("帐篷", "Lips"), not "everyday groceries" / "日常百货". A shop whose customers do restock weekly keeps
those words. Each shop goes through the loader and the facade as a user's upload does; the LLM is unavailable so
the templates stand."""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from assistant.api.facade import MarketingAssistant
from assistant.core.data import load_files
from assistant.core.errors import LLMUnavailable
from assistant.core.gates import COPY_GATES, check_fields
from campaigns.copywriting import brief_context
from segmentation.profiles import repeat_buying
from tests.assistant.fakes import RecordingLLM

# restock and grocery words: true of a segment only when its customers rebuy
RESTOCK = re.compile(r"weekly shop|every week|everyday|groceries|stock(?:ed)? up|stocked|buy most|you often buy|"
                     r"每周|日常百货|常买|囤货|采购", re.I)
CAMPING = [("T1", "双人帐篷", "帐篷", 399), ("T2", "四人帐篷", "帐篷", 699), ("S1", "羽绒睡袋", "睡袋", 459),
           ("S2", "信封睡袋", "睡袋", 199), ("L1", "头灯", "照明", 89), ("L2", "营地灯", "照明", 129),
           ("J1", "冲锋衣", "户外服饰", 599), ("J2", "速干裤", "户外服饰", 259), ("P1", "防潮垫", "睡垫", 99),
           ("C1", "登山杖", "徒步装备", 159)]
COSMETICS = [("A1", "Hydrating Serum", "Skincare", 32), ("A2", "Night Cream", "Skincare", 45),
             ("B1", "Matte Lipstick", "Lips", 18), ("B2", "Lip Gloss", "Lips", 14), ("C1", "Volume Mascara", "Eyes", 22),
             ("C2", "Eyeshadow Palette", "Eyes", 39), ("D1", "Eau de Parfum", "Fragrance", 85),
             ("E1", "Foundation", "Face Makeup", 36), ("E2", "Setting Powder", "Face Makeup", 28),
             ("F1", "Makeup Brush Set", "Tools", 49)]
GROCERY = [("M1", "Whole Milk", "Dairy", 2.5), ("M2", "Greek Yogurt", "Dairy", 4.0), ("B1", "Sourdough Bread", "Bakery", 3.5),
           ("B2", "Bagels", "Bakery", 3.0), ("F1", "Bananas", "Fresh Produce", 1.5), ("F2", "Apples", "Fresh Produce", 3.0),
           ("E1", "Large Eggs", "Dairy", 3.2), ("C1", "Breakfast Cereal", "Pantry", 4.5)]


class HashEncoder:
    """Deterministic 16-d vectors from a text hash: a stand-in for the sentence encoder in unit tests."""

    def encode(self, texts):
        return np.array([np.frombuffer(hashlib.sha256(t.encode()).digest()[:16], dtype=np.uint8) / 255.0
                         for t in texts], dtype=np.float32)


def _orders(items, weekly: bool, seed: int = 1) -> list[tuple]:
    """90 customers. weekly: each comes back every 6-8 days for 10 weeks and buys 3 of the same few staples;
    otherwise 1-4 orders over a year, each of a different item (a tent is not bought again next week)."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(90):
        if weekly:
            usual = rng.choice(len(items), size=4, replace=False)
            day = int(rng.integers(0, 7))
            for trip in range(10):
                for i in rng.choice(usual, size=3, replace=False):
                    rows.append((u, items[i], day, trip))
                day += int(rng.integers(6, 9))
        else:
            n = int(rng.integers(1, 5))
            for trip, (i, day) in enumerate(zip(rng.choice(len(items), size=n, replace=False),
                                                np.sort(rng.choice(330, size=n, replace=False)))):
                rows.append((u, items[i], int(day), trip))
    return rows


def _shop(tmp_path, name: str, items, weekly: bool, chinese_headers: bool):
    """The shop's two export files (orders + products) with the headers a shop system writes, loaded with no
    mapping as an upload is."""
    orders = _orders(items, weekly)
    start = pd.Timestamp("2025-01-01")
    if chinese_headers:
        o_cols, p_cols = ("会员ID", "商品编号", "实付金额", "下单时间", "订单号"), ("商品编号", "商品名称", "类目", "单价")
    else:
        o_cols, p_cols = ("customer_id", "product_id", "amount", "order_date", "order_id"), \
            ("product_id", "product_name", "category", "price")
    pd.DataFrame([(f"C{u:04d}", it[0], float(it[3]), (start + pd.Timedelta(days=d)).strftime("%Y-%m-%d %H:%M"),
                   f"O{u}-{trip}") for u, it, d, trip in orders], columns=o_cols).to_csv(tmp_path / f"{name}_orders.csv",
                                                                                          index=False)
    pd.DataFrame(items, columns=p_cols).to_csv(tmp_path / f"{name}_items.csv", index=False)
    data = load_files(events=tmp_path / f"{name}_orders.csv", products=tmp_path / f"{name}_items.csv")
    ma = MarketingAssistant(data, workspace=tmp_path / f"ws-{name}", encoder=HashEncoder(), content_signal=False,
                            llm=RecordingLLM({"persona": LLMUnavailable("offline")}))
    ma.segment(3)
    return ma


def _words(ma, language: str) -> tuple[list[str], list[str], list]:
    """(persona texts, copy texts, plans) of every segment in `language`, the LLM unavailable."""
    personas = ma.personas(language)
    persona_text = [" | ".join([p.name, p.tagline, p.description, *p.motivations, *p.suggested_offers])
                    for s, p in personas.items() if s != -1]
    copy_text, plans = [], []
    for s in personas:
        if s == -1:
            continue
        plan = ma.plan_campaign(s, offer=15, channel="email", language=language)
        plans.append(plan)
        for channel in ("email", "sms", "push"):
            result = ma.write_copy(plan=plan, channel=channel, language=language, use_llm=False)
            copy_text += [v.text() + f" [{v.angle}]" for v in result.variants]
            _, ctx = brief_context(plan.model_copy(update={"channel": channel}), personas[s], language, channel,
                                   ma.policy)
            for v in result.variants:  # every named gate, the restock gate with this plan's evidence included
                assert check_fields(v.fields(), COPY_GATES, ctx) == [], v.fields()
    return persona_text, copy_text, plans


@pytest.fixture(scope="module")
def shops(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shops")
    return {"camping": _shop(tmp, "camping", CAMPING, weekly=False, chinese_headers=True),
            "cosmetics": _shop(tmp, "cosmetics", COSMETICS, weekly=False, chinese_headers=False),
            "grocery": _shop(tmp, "grocery", GROCERY, weekly=True, chinese_headers=False)}


@pytest.mark.parametrize("shop", ["camping", "cosmetics"])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_shop_whose_customers_do_not_rebuy_gets_no_restock_or_grocery_words(shops, shop, language):
    ma = shops[shop]
    personas, copies, plans = _words(ma, language)
    assert personas and len(copies) == 9 * len(plans)
    for text in personas + copies:
        assert not RESTOCK.search(text), text
    assert not any(p.restock for p in plans)
    assert any("restock" in line for line in plans[0].rationale)  # the marketer is told why
    # the families are the shop's own categories (or the table's family words), never a grocery catch-all
    # (cosmetics: "Skincare", "Face Makeup" are the table's health & beauty; "Lips", "Eyes" keep their own names)
    words = {c for *_, c, _ in (CAMPING if shop == "camping" else COSMETICS)} | {"health & beauty", "个护健康"}
    for s, persona in ma.personas(language).items():
        if "behaviour" in ma.profiles.segment_summary(s):  # too small a segment has no families to name
            assert any(w.lower() in persona.name.lower() for w in words), persona.name


def test_a_shop_whose_customers_restock_weekly_keeps_its_restock_words(shops):
    ma = shops["grocery"]
    summary = ma.profiles.segment_summary(ma.profiles.segments[0])
    assert summary["repeat_buying"]["habitual"] and summary["repeat_buying"]["days_between_trips"] <= 8
    for language, words in (("en", r"weekly shop|keep coming back"), ("zh", r"每周采购|常买")):
        personas, copies, plans = _words(ma, language)
        assert all(p.restock for p in plans)
        assert any(re.search(words, t) for t in copies) and any(re.search(words, t) for t in personas), language


def test_repeat_buying_measures_trips_and_rebuying_per_segment():
    """Weekly rebuyers of one category are habitual; customers with months between orders of different
    categories are not; a segment with too few repeat customers is no evidence."""
    rows = []
    for u in range(8):  # segment 0: every 7 days, the same category
        rows += [(0, u, 1, 100 + u, 7 * t) for t in range(6)]
    for u in range(8, 16):  # segment 1: three orders 90 days apart, each a different category
        rows += [(1, u, c, 200 + c, 90 * c) for c in range(3)]
    rows += [(2, 99, 1, 5, 0), (2, 99, 1, 5, 7)]  # segment 2: one customer
    frame = pd.DataFrame(rows, columns=["segment", "user", "category", "item", "day"])
    out = repeat_buying(frame)
    assert out.loc[0, "habitual"] and out.loc[0, "days_between_trips"] == 7 and out.loc[0, "repeat_share"] == 1.0
    assert not out.loc[1, "habitual"] and out.loc[1, "days_between_trips"] == 90 and out.loc[1, "repeat_share"] == 0
    assert not out.loc[2, "habitual"] and out.loc[2, "customers"] == 1
