"""Why a recommender scores what it scores: test targets split by kind (repeat / new / cold), each model's
NDCG@k split by the kind of its hits, and the oracle ceilings — on a hand-made case checked by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaigns.rec_eval import (
    ModelSpec, PopularityRecommender, RepeatRecommender, ranking_metrics, reachability, run_protocol,
    target_kind_breakdown, target_kinds,
)

L3 = 1 / np.log2(3)          # discount at rank 2 (rank 1: 1, rank 3: 1/2)
IDCG_A = 1 + L3 + 0.5        # user a has three targets, k = 3


def _case():
    history = pd.DataFrame({"user_id": ["a", "a", "b", "c"], "item_id": ["x", "y", "z", "w"]})
    # a: x is a repeat, w is new to a (c bought it), q was never bought (cold); b: w is new
    truth = pd.Series({"a": {"x", "w", "q"}, "b": {"w"}})
    return history, truth


def test_target_kinds_and_composition_by_hand():
    history, truth = _case()
    kinds = target_kinds(history, truth)
    assert kinds["a"] == {"x": "repeat", "w": "new", "q": "cold"} and kinds["b"] == {"w": "new"}
    b = target_kind_breakdown(kinds, {}, k=3)
    assert b.targets_per_user == 2.0                                    # 3 + 1 target items over 2 users
    comp = b.composition.set_index("kind")
    assert list(comp["target_share"]) == [1 / 4, 2 / 4, 1 / 4]          # repeat, new, cold of 4 target items
    assert list(comp["users_with_any"]) == [1 / 2, 1.0, 1 / 2]
    assert list(comp["users_only"]) == [0.0, 1 / 2, 0.0]                  # b's targets are all new
    assert list(comp["reachable"]) == [True, True, False]
    d = reachability(kinds, exclude_seen=False)
    assert d["cold_target_share"] == 1 / 4 and d["users_unreachable_share"] == 0.0


def test_ndcg_splits_exactly_by_hit_kind_and_oracles_bound_it():
    history, truth = _case()
    kinds = target_kinds(history, truth)
    recs = [["w", "y", "x"], ["z", "w", "y"]]   # a: new hit at rank 1, repeat hit at rank 3; b: new hit at rank 2
    b = target_kind_breakdown(kinds, {"m": recs}, k=3)
    row = b.models.set_index("model").loc["m"]
    assert row["from_repeat"] == pytest.approx((0.5 / IDCG_A + 0) / 2)
    assert row["from_new"] == pytest.approx((1 / IDCG_A + L3 / 1) / 2)
    # the parts add up to the model's NDCG@3 as the metric computes it
    assert row["ndcg"] == pytest.approx(row["from_repeat"] + row["from_new"])
    assert row["ndcg"] == pytest.approx(ranking_metrics(recs, list(truth), k=3).ndcg)
    assert row["from_repeat_se"] == pytest.approx(np.std([0.5 / IDCG_A, 0], ddof=1) / np.sqrt(2))
    # oracle: a's two reachable targets at ranks 1-2 (q is cold), b's one at rank 1
    assert b.oracles["ceiling"] == pytest.approx(((1 + L3) / IDCG_A + 1) / 2)
    assert b.oracles["repeat"] == pytest.approx((1 / IDCG_A + 0) / 2)
    assert b.oracles["new"] == pytest.approx((1 / IDCG_A + 1) / 2)
    assert row["of_ceiling"] == pytest.approx(row["ndcg"] / b.oracles["ceiling"])
    assert row["repeat_taken"] == pytest.approx(row["from_repeat"] / b.oracles["repeat"])
    assert row["new_taken"] <= 1 and row["repeat_taken"] <= 1


def test_excluded_past_items_are_unreachable():
    history, truth = _case()
    kinds = target_kinds(history, truth)
    b = target_kind_breakdown(kinds, {"m": [["w"], ["w"]]}, exclude_seen=True, k=3)
    assert b.oracles["repeat"] == 0.0
    assert b.oracles["ceiling"] == pytest.approx(b.oracles["new"]) == pytest.approx((1 / IDCG_A + 1) / 2)
    assert not b.composition.set_index("kind").loc["repeat", "reachable"]
    assert reachability(kinds, exclude_seen=True)["excluded_target_share"] == 1 / 4
    assert reachability(target_kinds(history, pd.Series({"d": {"q"}})), False)["users_unreachable_share"] == 1.0


def test_protocol_breaks_down_the_scores_it_reports():
    """The breakdown comes from the same test lists as the table: its NDCG equals the table's for every model."""
    rng = np.random.default_rng(0)
    rows = [(f"u{u}", f"i{rng.integers(12) if rng.random() < 0.6 else 20 + rng.integers(30)}",
             pd.Timestamp("2024-01-01") + pd.Timedelta(days=b), f"u{u}-{b}")
            for u in range(40) for b in range(4) for _ in range(3)]
    events = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "basket_id"])
    result = run_protocol({"popularity": ModelSpec(PopularityRecommender),
                           "repeat": ModelSpec(RepeatRecommender)}, events)
    by_model = result.by_kind.models.set_index("model")
    for _, r in result.table.iterrows():
        assert by_model.loc[r["model"], "ndcg"] == pytest.approx(r["ndcg@10"])
        assert by_model.loc[r["model"], "ndcg"] <= result.by_kind.oracles["ceiling"] + 1e-12
        assert by_model.loc[r["model"], "ndcg"] == pytest.approx(by_model.loc[r["model"], "from_repeat"]
                                                                  + by_model.loc[r["model"], "from_new"])
    # own items first: the repeat baseline's repeat hits outweigh what popularity's fill-up finds new
    assert by_model.loc["repeat", "from_repeat"] > by_model.loc["repeat", "from_new"]
