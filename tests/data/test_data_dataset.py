"""Dataset / QualityReport behaviour that other packages rely on."""
from __future__ import annotations

import dataclasses

import pytest

from assistant.core.data import Dataset, QualityReport, TableQuality, empty_table
from assistant.core.data.schema import EVENT_COLUMNS, OUTCOME_COLUMNS


def test_empty_dataset_has_canonical_columns_and_is_frozen():
    data = Dataset(name="nothing")
    assert list(data.events.columns) == list(EVENT_COLUMNS)
    assert list(data.outcomes.columns) == list(OUTCOME_COLUMNS)
    assert data.n_users == 0 and data.n_items == 0
    assert data.summary().n_events == 0 and data.summary().date_min is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.name = "other"
    assert "events=0" in repr(data)


def test_replace_and_counts():
    events = empty_table("events")
    events.loc[0] = ["u1", "i1", "purchase", None, 1.0, 2.0, "b1"]
    events.loc[1] = ["u2", "i1", "view", None, 1.0, 0.0, None]
    data = dataclasses.replace(Dataset(name="x"), events=events)
    assert data.n_users == 2 and data.n_items == 1 and len(data.purchases) == 1
    assert data.summary().revenue == 2.0


def test_quality_report_views():
    report = QualityReport((TableQuality("events", "a.csv", 10, 7, 1, {"missing id": 2}, ("w1",)),),
                           ("top warning",))
    assert report["events"].rows_dropped == 2 and report.dropped("events", "missing id") == 2
    assert report.dropped("users", "missing id") == 0 and "users" not in report
    frame = report.to_frame()
    assert frame["dropped"].tolist() == [2, 2]
    markdown = report.to_markdown()
    assert "| events | a.csv | 10 | 7 | 1 | missing id: 2 |" in markdown and "- top warning" in markdown
    with pytest.raises(KeyError):
        report["users"]
