"""Data-question templates on a small table whose answers are known by hand."""
from __future__ import annotations

import pandas as pd
import pytest

from assistant.api.questions import METRICS, answer_question, audience_counts
from assistant.core.errors import DataError


@pytest.fixture(scope="module")
def tables():
    rows = [  # user, item, basket, day, revenue
        ("a", "milk", "b1", "2024-01-03", 10.0), ("a", "bread", "b1", "2024-01-03", 5.0),
        ("a", "milk", "b2", "2024-02-10", 10.0), ("b", "diapers", "b3", "2024-01-20", 30.0),
        ("b", "milk", "b4", "2024-03-30", 10.0), ("c", "bread", "b5", "2024-03-31", 5.0),
    ]
    events = pd.DataFrame(rows, columns=["user_id", "item_id", "basket_id", "timestamp", "revenue"])
    events["timestamp"] = pd.to_datetime(events["timestamp"])
    events["event_type"] = "purchase"
    events = pd.concat([events, pd.DataFrame({"user_id": ["d"], "item_id": ["milk"], "basket_id": [None],
                                              "timestamp": [pd.Timestamp("2024-03-01")], "revenue": [None],
                                              "event_type": ["view"]})], ignore_index=True)
    products = pd.DataFrame({"item_id": ["milk", "bread", "diapers"], "title": ["Whole milk", "Rye bread", "Baby diapers"],
                             "category": ["DAIRY > MILK", "BAKERY > BREAD", "BABY > DIAPERS"]})
    labels = pd.Series({"a": 0, "b": 1, "c": 1, "d": 0})
    return events, products, labels


@pytest.mark.parametrize("metric, value", [("customers", 3), ("orders", 5), ("revenue", 70.0), ("aov", 14.0),
                                           ("spend", 70 / 3), ("frequency", 5 / 3), ("clv", 70 / 3)])
def test_scalar_metrics_for_everyone(tables, metric, value):
    events, products, _ = tables
    answer = answer_question(events, products, metric)
    assert answer.value == pytest.approx(value)
    assert answer.definition["en"] and answer.definition["zh"] and "2024-01-03" in answer.definition["en"]
    assert answer.scope["en"] == "all customers"


def test_one_segment_and_every_segment(tables):
    events, products, labels = tables
    one = answer_question(events, products, "aov", labels=labels, segment=1, segment_names={1: "Parents"})
    assert one.value == pytest.approx(45 / 3) and one.scope["en"] == "segment 1 (Parents)"
    share = answer_question(events, products, "revenue_share", labels=labels, segment=0)
    assert share.value == pytest.approx(25 / 70) and share.unit == "share"
    every = answer_question(events, products, "spend", labels=labels, segment="all")
    assert every.table.set_index("segment")["spend"].to_dict() == {0: 25.0, 1: 22.5}
    shares = answer_question(events, products, "revenue_share", labels=labels)
    assert shares.table["share"].sum() == pytest.approx(1.0)


def test_rankings_and_trend(tables):
    events, products, labels = tables
    top = answer_question(events, products, "top_categories", top_k=2)
    assert top.table["category"].tolist() == ["Dairy", "Baby"] and top.table["revenue"].tolist() == [30.0, 30.0]
    products_top = answer_question(events, products, "top_products", labels=labels, segment=1, top_k=1)
    assert products_top.table["title"].tolist() == ["Baby Diapers"]
    trend = answer_question(events, products, "trend", period="month")
    assert trend.table.set_index("month")["revenue"].to_dict() == {"2024-01": 45.0, "2024-02": 10.0, "2024-03": 15.0}
    assert trend.chart is not None


def test_unknown_metric_and_missing_segments_are_readable(tables):
    events, products, _ = tables
    with pytest.raises(DataError, match="not a question"):
        answer_question(events, products, "profit_margin")
    with pytest.raises(DataError, match="no segments yet"):
        answer_question(events, products, "aov", segment=1)
    assert "clv" in METRICS


def test_audience_counts_never_list_ids(tables):
    events, products, labels = tables
    count, total, table, definition = audience_counts(events, products, "milk", labels=labels)
    assert (count, total) == (2, 3)
    assert set(table.columns) == {"segment", "customers"} and table["customers"].sum() == 2
    count, *_ = audience_counts(events, products, "milk products", not_within_days=30)
    assert count == 1  # a: milk in Feb only; b bought milk on the last day
    count, *_ = audience_counts(events, products, "milk", within_days=30)
    assert count == 1
    assert "'milk'" in definition["en"]
    with pytest.raises(DataError, match="no product"):
        audience_counts(events, products, "rocket fuel")


def test_rankings_name_lines_as_shoppers_read_them_and_mark_what_is_never_promoted():
    """Department codes read as words, sizes of one product merge, and fuel (real revenue, so ranked) is marked
    as not promoted in the user's language."""
    events = pd.DataFrame({"user_id": ["a", "a", "b", "b"], "item_id": ["gas", "milk1", "milk2", "ham"],
                           "basket_id": ["b1", "b1", "b2", "b3"], "revenue": [40.0, 3.0, 4.0, 6.0],
                           "timestamp": pd.to_datetime(["2024-01-01"] * 4), "event_type": "purchase"})
    products = pd.DataFrame({"item_id": ["gas", "milk1", "milk2", "ham"],
                             "title": ["GASOLINE-REG UNLEADED", "FLUID MILK WHITE ONLY, 1 GA",
                                       "FLUID MILK WHITE ONLY, 0.5 GA", "HAM SLICED"],
                             "category": ["FUEL", "GROCERY > MILK", "GROCERY > MILK", "MEAT-PCKGD > HAM"]})
    categories = answer_question(events, products, "top_categories", top_k=3)
    assert categories.table["category"].tolist() == ["Fuel", "Grocery", "Packaged Meat"]
    assert categories.table["promoted"].tolist() == ["not promoted (fuel)", "", ""]
    titles = answer_question(events, products, "top_products", top_k=3, language="zh").table
    assert titles["title"].tolist()[1] == "White Milk" and titles["revenue"].tolist()[1] == 7.0
    assert titles["promoted"].tolist()[0].startswith("不推广")
    plain = answer_question(events[events["item_id"] != "gas"], products, "top_categories", top_k=3)
    assert "promoted" not in plain.table


def test_a_product_ranking_reads_the_category_too():
    """A product whose title does not say what it is ("MARLBORO GOLD KING") is still marked by its category, as
    the policy reads products everywhere else."""
    events = pd.DataFrame({"user_id": ["a", "b"], "item_id": ["gas", "milk"], "basket_id": ["b1", "b2"],
                           "revenue": [40.0, 3.0], "timestamp": pd.to_datetime(["2024-01-01"] * 2),
                           "event_type": "purchase"})
    products = pd.DataFrame({"item_id": ["gas", "milk"], "title": ["MARLBORO GOLD KING", "WHOLE MILK"],
                             "category": ["TOBACCO > CIGARETTES", "DAIRY > MILK"]})
    titles = answer_question(events, products, "top_products", top_k=2).table
    assert titles["promoted"].tolist() == ["not promoted (tobacco)", ""]


def test_a_trend_leaves_out_an_edge_period_with_under_half_its_days_and_says_so():
    """A month with one day of data would read as sales collapsing to almost nothing."""
    days = ["2017-01-01", "2017-01-05", "2017-02-10", "2017-03-03", "2017-12-30", "2018-01-01"]
    events = pd.DataFrame({"user_id": "a", "item_id": "milk", "basket_id": [f"b{i}" for i in range(6)],
                           "timestamp": pd.to_datetime(days), "revenue": 10.0, "event_type": "purchase"})
    products = pd.DataFrame({"item_id": ["milk"], "title": ["Milk"], "category": ["DAIRY"]})
    monthly = answer_question(events, products, "trend", period="month")
    assert monthly.table["month"].tolist()[0] == "2017-01" and monthly.table["month"].tolist()[-1] == "2017-12"
    assert "1 month at the edge of the data" in monthly.definition["en"] and "1 个月已略去" in monthly.definition["zh"]
    weekly = answer_question(events, products, "trend", period="week")
    assert weekly.table["week"].tolist()[0] == "2017-01-09"          # Dec 27 – Jan 2 has 2 of 7 days of data
    assert weekly.table["week"].tolist()[-1] == "2018-01-01"         # Dec 26 – Jan 1 is covered whole
