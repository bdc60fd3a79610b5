"""Applying an audience filter to the canonical tables: each condition narrows the right customers."""
from __future__ import annotations

import pandas as pd
import pytest

from assistant.core.errors import DataError
from segmentation.audience import AudienceFilter, apply_audience, unsupported_conditions
from segmentation.audience_categories import CategoryMatcher


def _events():
    rows = [  # user, item, date, revenue, basket
        ("a", "baby1", "2020-03-25", 10.0, "b1"), ("a", "beer1", "2020-01-10", 5.0, "b2"),
        ("b", "baby2", "2020-01-05", 20.0, "b3"), ("b", "milk", "2020-01-06", 2.0, "b4"),
        ("c", "milk", "2020-03-30", 200.0, "b5"), ("c", "milk", "2020-03-01", 200.0, "b6"),
        ("d", "beer1", "2019-12-01", 1.0, "b7"),
    ]
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "revenue", "basket_id"])
    return frame.assign(timestamp=pd.to_datetime(frame["timestamp"]), event_type="purchase", quantity=1.0)


USERS = pd.DataFrame({"user_id": ["a", "b", "c", "d", "e"], "age": ["25-34", "35-44", "45-54", "65+", "19-24"],
                      "kids_count": ["1", "0", "3+", "0", None], "marital_status": ["Married", "Unmarried", None,
                                                                                    "Married", "Unmarried"]})
PRODUCTS = pd.DataFrame({"item_id": ["baby1", "baby2", "beer1", "milk"],
                         "category": ["GROCERY > BABY FOODS", "DRUG GM > DIAPERS & DISPOSABLES",
                                      "SPIRITS > BEERS/ALES", "GROCERY > FLUID MILK PRODUCTS"]})
CUSTOMERS = pd.Index(["a", "b", "c", "d", "e"], name="user_id")


def _run(f, **kw):
    matcher = CategoryMatcher(PRODUCTS)
    items = {p.category: matcher.items(matcher.match(p.category).categories) for p in f.purchases}
    return apply_audience(f, events=_events(), users=USERS, customers=CUSTOMERS, category_items=items, **kw)


def test_bought_and_not_bought_in_windows():
    # the data ends 2020-03-30: "the last 30 days" starts 2020-03-01
    bought_recently = AudienceFilter(purchases=[{"category": "baby food", "within_days": 30}])
    assert list(_run(bought_recently).members) == ["a"]
    lapsed_baby = AudienceFilter(purchases=[{"category": "diapers"}, {"category": "diapers", "bought": False,
                                                                        "within_days": 30}])
    assert list(_run(lapsed_baby).members) == ["b"]
    assert list(_run(AudienceFilter(purchases=[{"category": "beer", "bought": False}])).members) == ["b", "c", "e"]


def test_activity_orders_spend_and_value():
    assert list(_run(AudienceFilter(inactive_days=60)).members) == ["b", "d", "e"]
    assert list(_run(AudienceFilter(active_within_days=30)).members) == ["a", "c"]
    assert list(_run(AudienceFilter(min_orders=2, min_spend=300)).members) == ["c"]
    assert list(_run(AudienceFilter(value_tier="high")).members) == ["c"]
    assert list(_run(AudienceFilter(new_within_days=30)).members) == ["c"]  # first order on 2020-03-01


def test_demographics_from_bands_and_counts():
    result = _run(AudienceFilter(age_min=30, age_max=50))
    assert list(result.members) == ["a", "b", "c"]  # 35-44 inside; 25-34 and 45-54 overlap partly: included, named
    assert "25-34, 45-54" in result.notes[0] and "partly overlaps" in result.notes[0]
    assert list(_run(AudienceFilter(age_min=35, age_max=44)).members) == ["b"]
    assert list(_run(AudienceFilter(has_kids=True)).members) == ["a", "c"]
    assert list(_run(AudienceFilter(has_kids=False, married=True)).members) == ["d"]
    assert list(_run(AudienceFilter(age_min=65)).members) == ["d"]


def test_funnel_counts_each_condition():
    result = _run(AudienceFilter(has_kids=True, inactive_days=20))
    assert result.funnel["customers_left"].tolist() == [5, 2, 0]


def test_conditions_the_data_cannot_answer_are_named():
    f = AudienceFilter(gender="female", churn_risk="high", segments=[7])
    problems = unsupported_conditions(f, USERS, has_predictions=False, segment_ids=[0, 1])
    assert any(p.startswith("gender") for p in problems) and any("CLV / churn" in p for p in problems)
    assert any("no segment 7" in p for p in problems)
    with pytest.raises(DataError, match="gender"):
        _run(AudienceFilter(gender="female"))


def test_predictions_and_segments():
    predictions = pd.DataFrame({"churn_band": ["high", "low", "low", "high"],
                                "expected_spend": [1.0, 50.0, 500.0, 0.5]}, index=["a", "b", "c", "d"])
    segments = pd.Series([0, 1, 1, 0, 1], index=CUSTOMERS)
    assert list(_run(AudienceFilter(churn_risk="high"), predictions=predictions).members) == ["a", "d"]
    assert list(_run(AudienceFilter(min_clv=40), predictions=predictions).members) == ["b", "c"]
    assert list(_run(AudienceFilter(segments=[1], churn_risk="low"), predictions=predictions,
                     segments=segments).members) == ["b", "c"]


def test_category_matching_words_then_embeddings():
    import numpy as np

    class ToyEncoder:  # dog / pet / chow texts share one direction; "zzz" is orthogonal to everything
        def encode(self, texts):
            return np.array([[1.0, 0, 0] if any(w in t for w in ("pet", "dog", "chow")) else
                             [0, 0, 1.0] if "zzz" in t else [0, 1.0, 0] for t in texts])

    products = pd.concat([PRODUCTS, pd.DataFrame({"item_id": ["dog1"], "category": ["PET > DOG FOODS"]})])
    matcher = CategoryMatcher(products, encoder=ToyEncoder())
    baby = matcher.match("baby products")
    assert baby.how == "words" and baby.categories == ("BABY FOODS",) and baby.n_products == 1
    assert matcher.match("diapers").categories == ("DIAPERS & DISPOSABLES",)
    dog = matcher.match("puppy chow")
    assert dog.how == "embedding" and set(dog.categories) == {"DOG FOODS", "PET"}
    assert matcher.items(dog.categories) == {"dog1"}
    assert matcher.match("zzz").how == "none"
    with pytest.raises(DataError, match="unknown catalogue category"):
        matcher.items(["NOPE"])
