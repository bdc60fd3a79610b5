"""Ranking metrics on hand-made cases (and against sklearn) and their standard errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import ndcg_score

from campaigns.rec_eval import paired_difference, ranking_metrics, standard_error


def test_metrics_hand_made():
    recs = [["a", "b", "c"], ["x", "y", "z"]]
    truth = [{"b", "q"}, {"nope"}]
    m = ranking_metrics(recs, truth, k=3, catalogue_size=10)
    # user 1: hit at rank 2 of 2 relevant; user 2: no hit
    assert m.recall == pytest.approx((1 / 2 + 0) / 2)
    assert m.hit_rate == pytest.approx(0.5)
    idcg = 1 + 1 / np.log2(3)
    assert m.ndcg == pytest.approx(((1 / np.log2(3)) / idcg + 0) / 2)
    assert m.map == pytest.approx(((1 / 2) / 2 + 0) / 2)  # P@2 * 1 / min(2, 3)
    assert m.coverage == pytest.approx(6 / 10)
    assert m.n_users == 2


def test_users_without_relevant_items_are_skipped_and_perfect_list_scores_one():
    m = ranking_metrics([["a", "b"], ["c"]], [{"a", "b"}, set()], k=2)
    assert m.n_users == 1 and m.ndcg == pytest.approx(1.0) and m.map == pytest.approx(1.0)


def test_ndcg_matches_sklearn():
    rng = np.random.default_rng(3)
    n_items, k = 30, 10
    items = np.array([f"i{j}" for j in range(n_items)])
    y_true, y_score, recs, truth = [], [], [], []
    for _ in range(20):
        rel = rng.random(n_items) < 0.15
        rel[rng.integers(n_items)] = True
        score = rng.permutation(n_items).astype(float)  # distinct scores: no tie handling differences
        y_true.append(rel.astype(float))
        y_score.append(score)
        recs.append(list(items[np.argsort(-score)][:k]))
        truth.append(set(items[rel]))
    ours = ranking_metrics(recs, truth, k=k).ndcg
    assert ours == pytest.approx(ndcg_score(np.array(y_true), np.array(y_score), k=k))


def test_standard_errors_per_user():
    m = ranking_metrics([["a"], ["b"], ["c"], ["d"]], [{"a"}, {"x"}, {"c"}, {"y"}], k=1)
    assert m.ndcg == pytest.approx(0.5)
    assert m.ndcg_se == pytest.approx(np.std([1, 0, 1, 0], ddof=1) / 2)
    assert list(m.per_user_ndcg) == [1, 0, 1, 0]
    diff, se = paired_difference(np.array([1.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    assert diff == pytest.approx(1 / 3) and se == pytest.approx(standard_error(np.array([1.0, 0.0, 0.0])))
