"""Segments by description: rules over computed statistics and demographics, names, ties, "all"."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.api.segment_lookup import ALL, match_segment, resolve_segment, segment_statistics

NAMES = {0: "Mid-spend regular shoppers", 1: "High-spend frequent shoppers", 2: "Lapsing low-spend shoppers",
         3: "Deal-seeking families"}


@pytest.fixture(scope="module")
def stats() -> pd.DataFrame:
    overview = pd.DataFrame({"size": [40, 20, 25, 15], "monetary_mean": [300.0, 900.0, 80.0, 310.0],
                             "frequency_mean": [10.0, 25.0, 2.0, 9.0], "recency_days_mean": [20.0, 8.0, 120.0, 25.0],
                             "aov_mean": [30.0, 36.0, 40.0, 22.0], "tenure_days_mean": [300.0, 350.0, 200.0, 90.0]},
                            index=pd.Index([0, 1, 2, 3], name="segment"))
    users = [f"u{i}" for i in range(100)]
    labels = pd.Series(np.repeat([0, 1, 2, 3], [40, 20, 25, 15]), index=users)
    kids = np.r_[np.zeros(40), np.zeros(20), np.zeros(25), np.ones(15)]
    demo = pd.DataFrame({"user_id": users, "kids_count": np.where(kids > 0, "2", "None/Unknown"),
                         "age": np.where(kids > 0, "25-34", "45-54"), "household_size": "2"})
    events = pd.DataFrame({"user_id": users, "item_id": "i", "event_type": "purchase",
                           "revenue": 10.0, "coupon_disc": np.where(labels.to_numpy() == 3, 5.0, 0.1)})
    return segment_statistics(overview, labels, demo, events)


@pytest.mark.parametrize("phrase, segment", [
    ("high-value", 1), ("高价值客户", 1), ("best customers", 1), ("lapsing", 2), ("likely to churn", 2),
    ("流失风险", 2), ("young families", 3), ("年轻家庭", 3), ("price-sensitive", 3), ("价格敏感用户", 3),
    ("new customers", 3), ("loyal shoppers", 1), ("low-value", 2),
    ("老主顾", 1), ("熟客", 1), ("不怎么来的", 2), ("seldom shoppers", 2),
    ("shoppers who stopped coming", 2), ("people who used to come a lot but stopped", 2), ("好久没来的", 2),
    ("高客单用户", 2), ("the big basket people", 2),          # the largest AOV
])
def test_descriptions_resolve_by_the_numbers(stats, phrase, segment):
    found = match_segment(phrase, stats, NAMES)
    assert found.segment == segment, (phrase, found)
    assert found.how == "rule" and found.reason["en"] and found.reason["zh"]


def test_reason_quotes_the_computed_numbers(stats):
    found = match_segment("lapsing customers", stats, NAMES)
    assert "120" in found.reason["en"] and "120" in found.reason["zh"]
    found = match_segment("young families", stats, NAMES)
    assert "100%" in found.reason["en"]


def test_ids_names_and_every_segment(stats):
    assert match_segment(2, stats, NAMES).segment == 2
    assert match_segment("7", stats, NAMES).segment is None
    assert match_segment("every segment", stats, NAMES).segment == ALL
    assert match_segment("每个分群", stats, NAMES).segment == ALL
    assert match_segment("deal-seeking families", stats, NAMES).how == "name"
    assert match_segment("rocket engines", stats, NAMES).segment is None


def test_near_ties_are_ambiguous(stats):
    tied = stats.copy()
    tied.loc[0, "monetary"] = 890.0
    found = match_segment("high-value", tied, NAMES)
    assert found.segment is None and found.ambiguous and set(found.candidates) == {0, 1}


def test_names_only_lookup_kept_for_callers_with_names():
    assert resolve_segment("Lapsing low-spend shoppers", NAMES) == 2
    assert resolve_segment(3, NAMES) == 3
    assert resolve_segment(None, NAMES) is None
