"""customer_features checked against numbers computed independently from the raw files / by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.core.data import load_complete_journey, load_files
from segmentation.features import customer_features

AS_OF = pd.Timestamp("2018-01-02")


@pytest.fixture(scope="module")
def cj_features(shared_data):
    data = load_complete_journey(shared_data / "completejourney")
    return customer_features(data, as_of=AS_OF)


@pytest.fixture(scope="module")
def cj_raw(shared_data):
    folder = shared_data / "completejourney"
    tx = pd.read_csv(folder / "transactions_sample.csv.gz", dtype={"household_id": str, "product_id": str,
                                                                    "basket_id": str})
    return tx, pd.read_csv(folder / "products.csv.gz", dtype={"product_id": str})


@pytest.mark.parametrize("household", ["1029", "1", "100", "2261"])
def test_rfm_matches_raw_pandas(cj_raw, cj_features, household):
    tx, products = cj_raw
    tx = tx[(tx["household_id"] == household) & (tx["quantity"] > 0)]
    when = pd.to_datetime(tx["transaction_timestamp"])
    row = cj_features.loc[household]
    assert row["monetary"] == pytest.approx(tx["sales_value"].sum())
    assert row["frequency"] == tx["basket_id"].nunique()
    assert row["n_purchases"] == len(tx)
    assert row["recency_days"] == pytest.approx((AS_OF - when.max()).total_seconds() / 86400)
    assert row["tenure_days"] == pytest.approx((AS_OF - when.min()).total_seconds() / 86400)
    assert row["aov"] == pytest.approx(tx["sales_value"].sum() / tx["basket_id"].nunique())
    basket_start = when.groupby(tx["basket_id"]).min()
    if len(basket_start) > 1:
        expected = (basket_start.max() - basket_start.min()).total_seconds() / 86400 / (len(basket_start) - 1)
        assert row["mean_purchase_interval_days"] == pytest.approx(expected)
    department = tx["product_id"].map(products.set_index("product_id")["department"])
    grocery = tx.loc[department == "GROCERY", "sales_value"].sum() / tx["sales_value"].sum()
    assert row["share_grocery"] == pytest.approx(grocery)


def test_feature_table_shape_and_scores(cj_features):
    features = cj_features
    assert features.index.name == "user_id"
    assert not features.isna().any().any()
    share_columns = [c for c in features.columns if c.startswith("share_")]
    assert len(share_columns) == 9 and "share_other" in share_columns
    assert np.allclose(features[share_columns].sum(axis=1), 1.0)
    for score in ("r_score", "f_score", "m_score"):
        counts = features[score].value_counts()
        assert set(counts.index) == {1, 2, 3, 4, 5}
        assert counts.max() / counts.min() < 1.6  # quintiles: roughly equal bins
    top = features.sort_values("monetary").iloc[-1]
    assert top["m_score"] == 5
    assert (features["rfm_score"] == features[["r_score", "f_score", "m_score"]].sum(axis=1)).all()
    # demographics: ordinal bands in order, nominal one-hot
    assert features.loc["1", "age_band_ord"] == 6  # '65+' is the oldest of six bands
    assert features.loc["1", "home_ownership=Homeowner"] == 1
    assert features["has_attributes"].sum() == 801


def test_funnel_and_non_buyers(tmp_path):
    path = tmp_path / "ev.csv"
    path.write_text("user_id,item_id,event_type,timestamp,price,category\n"
                    "a,i1,view,2024-01-01,2,Food > Soup\n"
                    "a,i1,view,2024-01-02,2,Food > Soup\n"
                    "a,i1,cart,2024-01-02,2,Food > Soup\n"
                    "a,i1,purchase,2024-01-03,2,Food > Soup\n"
                    "a,i2,purchase,2024-01-05,6,Toys\n"
                    "b,i2,view,2024-01-04,6,Toys\n")
    data = load_files(events=str(path))
    features = customer_features(data, as_of="2024-01-10")
    a, b = features.loc["a"], features.loc["b"]
    assert (a["n_views"], a["n_carts"], a["n_purchases"]) == (2, 1, 2)
    assert a["view_to_cart"] == 0.5 and a["cart_to_purchase"] == 2.0
    assert a["frequency"] == 2  # no basket ids: distinct purchase days
    assert a["monetary"] == 8.0 and a["recency_days"] == 5.0
    assert a["mean_purchase_interval_days"] == 2.0
    assert a["share_food"] == pytest.approx(0.25) and a["share_toys"] == pytest.approx(0.75)
    assert b["frequency"] == 0 and b["monetary"] == 0 and b["r_score"] == 1
    assert b["recency_days"] == 9.0  # never bought: the whole data window
    assert b["share_toys"] == 0.0


def test_users_only_dataset(tmp_path):
    users = tmp_path / "users.csv"
    users.write_text("user_id,income,segment,spend\n1,Under 15K,new,10\n2,50-74K,old,\n3,15-24K,new,30\n")
    features = customer_features(load_files(users=str(users)))
    assert features["income_ord"].tolist() == [1, 3, 2]
    assert features["segment=new"].tolist() == [1, 0, 1]
    assert features["spend"].tolist() == [10.0, 20.0, 30.0]  # missing -> median
