"""The evaluation harness: splits, metrics on hand-made cases (and against sklearn), baselines run."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import ndcg_score

from assistant.core.errors import DataError
from campaigns.rec_eval import (
    ALSRecommender, ContentRecommender, EASERecommender, ItemKNNRecommender, ItemVectors, PopularityRecommender,
    RepeatRecommender, evaluate, ranking_metrics, temporal_split,
)


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


def _toy_interactions() -> pd.DataFrame:
    rows = []
    t0 = pd.Timestamp("2024-01-01")
    for u in range(6):
        for b in range(3):
            basket = f"u{u}b{b}"
            for item in (["milk", "bread"] if u % 2 else ["beer", "chips"]) + [f"x{u}{b}"]:
                rows.append((f"u{u}", item, t0 + pd.Timedelta(days=7 * b + u), basket))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "basket_id"])


def test_last_basket_split_holds_out_each_users_latest_basket():
    inter = _toy_interactions()
    train, test = temporal_split(inter, mode="last_basket")
    assert set(test["basket_id"]) == {f"u{u}b2" for u in range(6)}
    assert len(train) + len(test) == len(inter)
    assert (train.groupby("user_id")["timestamp"].max() < test.groupby("user_id")["timestamp"].min()).all()


def test_last_fraction_split_is_a_time_cut_and_bad_modes_fail():
    inter = _toy_interactions()
    train, test = temporal_split(inter, mode="last_fraction", fraction=0.25)
    assert train["timestamp"].max() <= test["timestamp"].min()
    assert len(test) == pytest.approx(0.25 * len(inter), abs=1)
    with pytest.raises(ValueError):
        temporal_split(inter, mode="random")
    with pytest.raises(DataError, match="basket"):
        temporal_split(inter.drop(columns="basket_id"), mode="last_basket")


def test_baselines_run_and_repeat_wins_on_repeat_data():
    inter = _toy_interactions()
    train, test = temporal_split(inter, mode="last_basket")
    ids = np.array(sorted(inter["item_id"].unique()), dtype=object)
    vectors = ItemVectors(ids, np.random.default_rng(0).standard_normal((len(ids), 8)).astype(np.float32))
    table = evaluate({
        "pop": PopularityRecommender, "repeat": RepeatRecommender, "knn": ItemKNNRecommender,
        "ease": lambda: EASERecommender(lambdas=(1.0, 10.0), max_items=50), "als": lambda: ALSRecommender(factors=4),
        "content": lambda: ContentRecommender(vectors),
    }, train, test, k=2)
    assert list(table["model"]) == ["pop", "repeat", "knn", "ease", "als", "content"]
    assert (table["users"] == 6).all()
    by = table.set_index("model")
    # next basket = milk+bread or beer+chips again: the user's own top items get both
    assert by.loc["repeat", "recall@2"] == pytest.approx(2 / 3)
    assert by.loc["repeat", "ndcg@2"] > by.loc["pop", "ndcg@2"]
