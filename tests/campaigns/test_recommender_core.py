"""Recommender behaviour on a small hand-made shop (fake item vectors here; the real encoder in the slow test)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaigns.rec_eval import ItemVectors
from campaigns.recommender import Recommender, UnknownItemError, UnknownSegmentError, UnknownUserError

T0 = pd.Timestamp("2024-03-01")


def _products() -> pd.DataFrame:
    rows = [
        ("milk", "Whole Milk", "DAIRY > MILK", 1.2, True),
        ("cheese", "Cheddar Cheese", "DAIRY > CHEESE", 4.5, True),
        ("yogurt", "Greek Yogurt", "DAIRY > YOGURT", 2.0, False),   # out of stock
        ("bread", "Rye Bread", "BAKERY > BREAD", 2.5, True),
        ("bagel", "Plain Bagels", "BAKERY > BREAD", 3.0, True),
        ("beer", "Lager Beer", "DRINKS > BEER", 9.0, True),
        ("chips", "Salted Chips", "SNACKS > CHIPS", 1.8, True),
        ("salsa", "Tomato Salsa", "SNACKS > DIPS", 3.2, True),
        ("tea", "Green Tea", "DRINKS > TEA", 4.0, True),
        ("matcha", "Matcha Green Tea Powder", "DRINKS > TEA", 12.0, True),  # text only, never bought
    ]
    return pd.DataFrame(rows, columns=["item_id", "title", "category", "price", "in_stock"])


def _events() -> pd.DataFrame:
    baskets = {
        "dairy1": [["milk", "cheese", "yogurt"], ["milk", "bread"], ["milk", "yogurt", "bagel"], ["milk", "cheese"]],
        "dairy2": [["milk", "yogurt"], ["milk", "cheese", "bread"], ["cheese", "yogurt"]],
        "dairy3": [["milk", "bread", "bagel"], ["milk", "cheese"], ["yogurt", "milk"]],
        "party1": [["beer", "chips"], ["beer", "chips", "salsa"], ["beer"]],
        "party2": [["chips", "salsa"], ["beer", "salsa"], ["beer", "chips"]],
        "tea1": [["tea", "bread"], ["tea"], ["tea", "milk"]],
        "cold": [["chips"]],
    }
    rows = []
    for user, user_baskets in baskets.items():
        for b, items in enumerate(user_baskets):
            for item in items:
                rows.append((user, item, "purchase", T0 + pd.Timedelta(days=5 * b), 1.0, 1.0, f"{user}-{b}"))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "event_type", "timestamp", "quantity", "revenue",
                                       "basket_id"])


def _vectors() -> ItemVectors:
    groups = {"milk": 0, "cheese": 0, "yogurt": 0, "bread": 1, "bagel": 1, "beer": 2, "chips": 3, "salsa": 3,
              "tea": 4, "matcha": 4}
    ids = np.array(sorted(groups), dtype=object)
    rng = np.random.default_rng(1)
    basis = rng.standard_normal((5, 16))
    vecs = np.stack([basis[groups[i]] + 0.05 * rng.standard_normal(16) for i in ids]).astype(np.float32)
    return ItemVectors(ids, vecs)


SEGMENTS = pd.Series({"dairy1": "A", "dairy2": "A", "dairy3": "A", "party1": "B", "party2": "B", "tea1": "A",
                      "cold": "B"})


@pytest.fixture(scope="module")
def model() -> Recommender:
    return Recommender(n_neighbors=20, weights=None).fit(_events(), _products(), segments=SEGMENTS,
                                                         item_vectors=_vectors())


def test_output_columns_no_duplicates_and_reason_for_repeat(model):
    recs = model.recommend("dairy1", k=5)
    assert list(recs.columns) == ["item_id", "score", "reason", "title", "category", "price"]
    assert recs["item_id"].is_unique and len(recs) == 5
    assert recs["score"].is_monotonic_decreasing
    top = recs.iloc[0]
    assert top["item_id"] == "milk" and top["reason"] == "you bought it 4 times" and top["title"] == "Whole Milk"


def test_in_stock_only_and_exclude_purchased(model):
    all_recs = model.recommend("dairy1", k=9, in_stock_only=False)
    assert "yogurt" in set(all_recs["item_id"])  # bought twice: a strong candidate when allowed
    assert "yogurt" not in set(model.recommend("dairy1", k=9)["item_id"])
    bought = {"milk", "cheese", "yogurt", "bread", "bagel"}
    fresh = model.recommend("dairy1", k=5, exclude_purchased=True)
    assert not bought & set(fresh["item_id"]) and len(fresh) > 0


def test_category_and_price_filters(model):
    recs = model.recommend("party1", k=10, category="dairy")
    assert len(recs) and recs["category"].str.startswith("DAIRY").all()
    assert recs["item_id"].isin(["milk", "cheese"]).all()  # yogurt out of stock
    cheap = model.recommend("party1", k=10, max_price=3.0, min_price=1.5)
    assert len(cheap) and cheap["price"].between(1.5, 3.0).all()
    assert model.recommend("party1", k=10, category="bread")["item_id"].isin(["bread", "bagel"]).all()


def test_cold_start_and_unknown_users(model):
    cold = model.recommend("cold", k=3)
    assert (cold["reason"] == "popular in your segment").all()
    assert cold.iloc[0]["item_id"] in {"beer", "chips"}  # segment B's favourites, not the global "milk"
    with pytest.raises(UnknownUserError, match="nobody") as info:
        model.recommend("nobody")
    assert isinstance(info.value, KeyError)
    popular = model.recommend("nobody", k=3, fallback=True)
    assert (popular["reason"] == "popular overall").all() and popular.iloc[0]["item_id"] == "milk"


def test_product_with_text_but_no_events_reachable_via_content():
    m = Recommender(weights={"repeat": 0.0, "knn": 0.0, "content": 1.0, "pop": 0.0}).fit(
        _events(), _products(), item_vectors=_vectors())
    recs = m.recommend("tea1", k=3, exclude_purchased=True)
    assert "matcha" in set(recs["item_id"])
    assert recs.set_index("item_id").loc["matcha", "reason"] == "similar to Green Tea"
    similar = m.similar_products("matcha", k=2)
    assert similar.iloc[0]["item_id"] == "tea" and similar.iloc[0]["reason"] == "similar to Matcha Green Tea Powder"


def test_knn_reason_names_the_anchor_item(model):
    recs = model.recommend("dairy2", k=3, exclude_purchased=True).set_index("item_id")
    assert recs.loc["bagel", "reason"] in {"often bought with Cheddar Cheese", "often bought with Whole Milk",
                                           "often bought with Rye Bread"}
    assert not recs["reason"].str.startswith("you bought").any()
    similar = model.similar_products("beer", k=3)
    assert "beer" not in set(similar["item_id"]) and similar.iloc[0]["item_id"] in {"chips", "salsa"}
    with pytest.raises(UnknownItemError):
        model.similar_products("spaceship")


def test_segment_recommendations(model):
    seg_b = model.recommend_for_segment("B", k=3)
    assert set(seg_b["item_id"]) <= {"beer", "chips", "salsa"}
    assert (seg_b["reason"] == "popular in segment B").all()
    with pytest.raises(UnknownSegmentError):
        model.recommend_for_segment("Z")


def test_same_seed_same_output_and_save_load(tmp_path):
    a = Recommender(weights="tune", random_state=0).fit(_events(), _products(), item_vectors=_vectors())
    b = Recommender(weights="tune", random_state=0).fit(_events(), _products(), item_vectors=_vectors())
    assert a.weights_ == b.weights_ and set(a.weights_) == {"repeat", "reorder", "knn", "ease", "seq", "content",
                                                            "pop"}
    for user in ("dairy1", "party2", "tea1"):
        pd.testing.assert_frame_equal(a.recommend(user), b.recommend(user))
    path = a.save(tmp_path / "rec.joblib")
    loaded = Recommender.load(path)
    pd.testing.assert_frame_equal(loaded.recommend("dairy2", k=4), a.recommend("dairy2", k=4))


def test_not_fitted_and_bad_input():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError, match="fit"):
        Recommender().recommend("x")
    from assistant.core.errors import DataError
    with pytest.raises(DataError, match="timestamp"):
        Recommender().fit(pd.DataFrame({"user_id": ["a"], "item_id": ["b"]}))


def test_id_index_positions_survive_pickling_and_unknown_ids_are_minus_one():
    import pickle
    from campaigns.rec_signals import IdIndex
    index = IdIndex.from_values(["b", "a", "c"], ["d"])
    assert index.positions(["a", "d", "zz", "b"]).tolist() == [0, 3, -1, 1]
    again = pickle.loads(pickle.dumps(index))           # the cached lookup keys travel with it
    assert again.ids.tolist() == index.ids.tolist() and again.positions(["c", "x"]).tolist() == [2, -1]
    assert IdIndex.from_values([]).positions(["a"]).tolist() == [-1]
