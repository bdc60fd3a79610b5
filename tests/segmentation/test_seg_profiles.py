"""Profiles: every number recomputed independently with plain pandas; privacy of the summary."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segmentation import build_profiles


def test_sizes_and_shares_match_groupby(demo_profiles, fitted):
    expected = fitted.labels_.value_counts()
    ov = demo_profiles.overview
    assert ov["size"].to_dict() == expected.to_dict()
    assert ov["share"].sum() == pytest.approx(1.0)
    assert ov.loc[0, "share"] == pytest.approx(expected[0] / expected.sum())


def test_mean_and_median_monetary_match_groupby(demo_profiles, fitted, demo_features):
    by = demo_features["monetary"].groupby(fitted.labels_)
    np.testing.assert_allclose(demo_profiles.overview["monetary_mean"].sort_index(), by.mean().sort_index())
    np.testing.assert_allclose(demo_profiles.overview["monetary_median"].sort_index(), by.median().sort_index())


def test_top_category_share_matches_independent_computation(demo_profiles, fitted, demo):
    ev = demo.events[demo.events["event_type"] == "purchase"].copy()
    ev["segment"] = ev["user_id"].map(fitted.labels_)
    cat = demo.products.drop_duplicates("item_id").set_index("item_id")["category"]
    ev["cat2"] = ev["item_id"].map(cat).str.split(" > ").str[:2].str.join(" > ")
    for s in demo_profiles.segments:
        seg = ev[ev["segment"] == s]
        shares = seg.groupby("cat2")["revenue"].sum() / seg["revenue"].sum()
        top = demo_profiles.top_categories.query("segment == @s and rank == 1").iloc[0]
        assert top["category"] == shares.idxmax()
        assert top["spend_share"] == pytest.approx(shares.max())
        pop = ev.groupby("cat2")["revenue"].sum() / ev["revenue"].sum()
        assert top["lift"] == pytest.approx(shares.max() / pop[shares.idxmax()])


def test_numeric_z_scores_match_definition(demo_profiles, fitted, demo_features):
    d = demo_profiles.distinguishing.query("feature == 'frequency' and segment == 0").iloc[0]
    f = demo_features["frequency"]
    expected = (f[fitted.labels_ == 0].mean() - f.mean()) / f.std(ddof=0)
    assert d["z_score"] == pytest.approx(expected)


def test_categorical_lift_matches_crosstab(demo_profiles, fitted, demo):
    users = demo.users.set_index("user_id")
    known = users["marital_status"].dropna()
    seg = fitted.labels_.reindex(known.index)
    seg_share = (known[seg == 0] == "Married").mean()
    pop_share = (known == "Married").mean()
    row = demo_profiles.distinguishing.query("segment == 0 and feature == 'marital_status = Married'").iloc[0]
    assert row["kind"] == "categorical"
    assert row["lift"] == pytest.approx(seg_share / pop_share)


def test_keywords_are_ctfidf_terms(demo_profiles):
    kw = demo_profiles.keywords
    assert set(kw["segment"]) == set(demo_profiles.segments)
    assert (kw.groupby("segment")["score"].apply(lambda s: s.is_monotonic_decreasing)).all()


def test_summary_is_aggregates_only(demo_profiles, demo):
    ids = set(demo.events["user_id"].unique())
    baskets = set(demo.events["basket_id"].dropna().unique())
    for s in demo_profiles.segments:
        summary = demo_profiles.segment_summary(s)
        text = json.dumps(summary)
        strings = {v for v in _leaves(summary) if isinstance(v, str)}  # numbers like 1 are counts, not ids
        assert not strings & ids, "a user id leaked into the summary"
        assert not any(b in text for b in baskets), "a basket id leaked into the summary"
        assert "user_id" not in text
        assert summary["size"] == int(demo_profiles.overview.loc[s, "size"])


def test_tiny_segment_details_are_withheld(demo, demo_features, fitted):
    labels = fitted.labels_.copy()
    labels.iloc[:3] = 99  # a segment of three people
    profiles = build_profiles(labels, demo_features, demo.events, demo.products, demo.users)
    summary = profiles.segment_summary(99)
    assert summary["size"] == 3 and "behaviour" not in summary and "top_products" not in summary
    big = profiles.distinguishing.query("segment == 99 and kind == 'categorical'")
    assert big.empty


def _leaves(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _leaves(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _leaves(v)
    else:
        yield obj
