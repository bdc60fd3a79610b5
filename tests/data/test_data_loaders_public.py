"""The four real datasets load through the loaders with the figures that raw pandas gives independently."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.core.data import Dataset, load_complete_journey, load_demo, load_hillstrom, load_instacart, load_taobao
from assistant.core.data.schema import CAMPAIGN_COLUMNS, EVENT_COLUMNS, OUTCOME_COLUMNS, PRODUCT_COLUMNS


@pytest.fixture(scope="module")
def cj(shared_data) -> Dataset:
    return load_complete_journey(shared_data / "completejourney")


@pytest.fixture(scope="module")
def cj_raw(shared_data) -> dict[str, pd.DataFrame]:
    folder = shared_data / "completejourney"
    return {stem: pd.read_csv(folder / f"{stem}.csv.gz", dtype={"household_id": str, "product_id": str,
                                                                 "campaign_id": str, "basket_id": str})
            for stem in ("transactions_sample", "products", "demographics", "campaigns", "coupons",
                         "coupon_redemptions", "campaign_descriptions")}


def test_complete_journey_tables_and_counts(cj, cj_raw):
    tx = cj_raw["transactions_sample"]
    assert list(cj.events.columns[:len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)
    assert list(cj.products.columns[:len(PRODUCT_COLUMNS)]) == list(PRODUCT_COLUMNS)
    assert len(tx) == 75_000
    assert len(cj.events) == int((tx["quantity"] > 0).sum()) == 74_584
    assert cj.quality.dropped("events", "zero quantity") == 416
    assert cj.events["user_id"].nunique() == tx.loc[tx["quantity"] > 0, "household_id"].nunique()
    assert len(cj.products) == 92_331
    assert len(cj.users) == 801
    assert len(cj.campaigns) == 27 and list(cj.campaigns.columns[:5]) == list(CAMPAIGN_COLUMNS)
    assert len(cj.exposures) == 6_589 and set(cj.exposures["arm"]) == {"treatment"}
    assert len(cj.coupons) == len(cj_raw["coupons"].drop_duplicates()) == 111_332
    assert cj.quality["coupons"].duplicates_removed == 4_872
    assert list(cj.outcomes.columns) == list(OUTCOME_COLUMNS)
    assert np.isclose(cj.events["revenue"].sum(), tx.loc[tx["quantity"] > 0, "sales_value"].sum())
    assert cj.events["user_id"].map(type).eq(str).all()
    assert pd.api.types.is_datetime64_any_dtype(cj.events["timestamp"])


def test_complete_journey_products_are_readable(cj, cj_raw):
    products = cj.products.set_index("item_id")
    ice = products.loc["25671"]
    assert ice["title"] == "Ice - Crushed/Cubed, 22 LB"
    assert ice["category"] == "GROCERY > FRZN ICE > ICE - CRUSHED/CUBED"
    assert products.loc["26081", "category"] == "MISCELLANEOUS"  # empty parts are skipped, no dangling ' > '
    assert not products["category"].dropna().str.contains(" >  | > $", regex=True).any()
    assert set(products["brand"].dropna()) == {"National", "Private"}
    # price = median paid unit price where the product was bought
    tx = cj_raw["transactions_sample"]
    tx = tx[(tx["quantity"] > 0) & (tx["sales_value"] > 0)]
    top = tx["product_id"].value_counts().index[0]
    rows = tx[tx["product_id"] == top]
    assert np.isclose(products.loc[top, "price"], (rows["sales_value"] / rows["quantity"]).median())
    assert products["price"].notna().sum() == tx["product_id"].nunique() - (~tx["product_id"].isin(products.index)).any()


def test_complete_journey_outcomes(cj, cj_raw):
    redemptions = cj_raw["coupon_redemptions"]
    keys = redemptions[["campaign_id", "household_id"]].drop_duplicates()
    assert int(cj.outcomes["redeemed"].sum()) == len(keys)
    # converted, checked independently for household 1029: coupon products bought within the campaign window
    tx = cj_raw["transactions_sample"]
    tx = tx[(tx["household_id"] == "1029") & (tx["quantity"] > 0)]
    dates = cj_raw["campaign_descriptions"].astype({"campaign_id": str}).set_index("campaign_id")
    expected = {}
    for campaign in cj_raw["campaigns"].query("household_id == '1029'")["campaign_id"]:
        items = set(cj_raw["coupons"].query("campaign_id == @campaign")["product_id"])
        start, end = pd.Timestamp(dates.loc[campaign, "start_date"]), pd.Timestamp(dates.loc[campaign, "end_date"])
        when = pd.to_datetime(tx["transaction_timestamp"])
        hit = tx[tx["product_id"].isin(items) & (when >= start) & (when < end + pd.Timedelta(days=1))]
        expected[campaign] = (len(hit) > 0, round(hit["sales_value"].sum(), 2))
    got = cj.outcomes[cj.outcomes["user_id"] == "1029"].set_index("campaign_id")
    assert len(got) == len(expected) > 0
    for campaign, (converted, revenue) in expected.items():
        assert bool(got.loc[campaign, "converted"]) == converted
        assert round(got.loc[campaign, "revenue"], 2) == revenue
    assert got["converted"].any() and got["redeemed"].any()


def test_instacart(shared_data):
    data = load_instacart(shared_data / "instacart")
    assert len(data.events) == 150_000
    assert data.events["user_id"].nunique() == 593
    assert data.events["basket_id"].nunique() == 15_183
    assert len(data.products) == 49_688
    assert data.events["revenue"].isna().all()  # Instacart publishes no prices
    products = data.products.set_index("item_id")
    assert products.loc["1", "title"] == "Chocolate Sandwich Cookies"
    assert products.loc["1", "category"] == "snacks > cookies cakes"
    # synthetic order times: strictly increasing with order_number for every user, one time per order
    orders = data.events.drop_duplicates("basket_id").sort_values(["user_id", "order_number"])
    assert orders.groupby("user_id")["timestamp"].apply(lambda s: s.is_monotonic_increasing and s.is_unique).all()
    assert data.events.groupby("basket_id")["timestamp"].nunique().max() == 1
    # the gap between two orders keeps the real days_since_prior_order (up to the hour and tie-break seconds)
    user = orders[orders["user_id"] == orders["user_id"].iloc[0]]
    gaps = user["timestamp"].diff().dt.total_seconds().iloc[1:] / 86400
    assert (np.abs(gaps.to_numpy() - user["days_since_prior_order"].iloc[1:].to_numpy()) < 1.01).all()


def test_taobao(shared_data):
    data = load_taobao(shared_data / "taobao")
    assert len(data.events) == 84_475
    assert data.events["user_id"].nunique() == 815
    assert data.events["item_id"].nunique() == len(data.products) == 55_368
    counts = data.events["event_type"].value_counts().to_dict()
    assert counts == {"view": 75_872, "cart": 4_497, "fav": 2_356, "purchase": 1_750}
    assert data.events["timestamp"].max() == pd.Timestamp("2017-12-03 15:59:23")
    assert data.products["title"].isna().all() and data.products["category"].notna().all()


def test_hillstrom_published_means(shared_data):
    data = load_hillstrom(shared_data / "hillstrom" / "hillstrom.csv.gz")
    assert len(data.users) == len(data.exposures) == len(data.outcomes) == 64_000
    assert data.events.empty
    assert round(data.outcomes["visited"].mean(), 5) == 0.14678
    assert round(data.outcomes["converted"].mean(), 5) == 0.00903
    assert round(data.outcomes["revenue"].mean(), 5) == 1.05091
    arms = data.exposures["arm"].value_counts()
    assert set(arms.index) == {"mens_email", "womens_email", "control"}
    assert arms.sum() == 64_000 and arms.min() > 21_000
    assert {"recency", "history", "mens", "womens", "zip_code", "newbie", "channel", "history_segment"} <= \
        set(data.users.columns)
    assert data.campaigns["campaign_id"].tolist() == ["hillstrom"]


def test_demo_is_small_real_and_consistent():
    from assistant.core.settings import DEMO_DIR

    size = sum(p.stat().st_size for p in DEMO_DIR.glob("*"))
    assert size < 5 * 1024 * 1024
    data = load_demo()
    assert data.name == "demo"
    assert 700 <= data.events["user_id"].nunique() <= 900
    assert len(data.users) == 801
    assert "1029" in set(data.events["user_id"])
    assert data.outcomes.loc[data.outcomes["user_id"] == "1029", "redeemed"].any()
    # every product bought is described; exposures only for kept households
    assert data.events["item_id"].isin(data.products["item_id"]).mean() > 0.999
    assert data.exposures["user_id"].isin(set(data.events["user_id"]) | set(data.users["user_id"])).all()
    summary = data.summary()
    assert summary.n_users == data.n_users and summary.n_campaigns == 27
    assert "| users |" in summary.to_markdown()
