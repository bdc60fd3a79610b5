"""Baselines the recommender must beat, each in the form a specialist would tune it.

Every baseline has `fit(interactions) -> self` and `recommend_batch(user_ids, k, exclude_seen=False)`; the
settings to try live in `BASELINE_GRIDS` and are chosen by `campaigns.rec_eval.run_protocol` on the validation
split only. Scores are computed over the whole training catalogue (full ranking); `exclude_seen` removes each
user's past items, as the product's `recommend(..., exclude_purchased=True)` does.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from campaigns.rec_signals import (
    IdIndex, decay_factor, ease_weights, item_knn, normalise_rows, popularity, prepare_interactions,
    user_item_matrix,
)


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise top-k positions and scores, best first (deterministic for equal inputs)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(vals, order, axis=1)


class MatrixBaseline:
    """Common fit/recommend plumbing: index ids, build a users x items matrix, score users in chunks."""

    half_life_days: float | None = None

    def fit(self, interactions: pd.DataFrame):
        inter = prepare_interactions(interactions)
        self.users_ = IdIndex.from_values(inter["user_id"])
        self.items_ = IdIndex.from_values(inter["item_id"])
        now = inter["timestamp"].max()
        values = inter["weight"].to_numpy() * decay_factor(inter["timestamp"].to_numpy(), now, self.half_life_days)
        self.matrix_ = user_item_matrix(inter, self.users_, self.items_, values)
        self.popularity_ = popularity(self.matrix_)
        self._fit_more(inter)
        return self

    def _fit_more(self, inter: pd.DataFrame) -> None:
        pass

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def recommend_batch(self, user_ids: Sequence[str], k: int = 10, exclude_seen: bool = False,
                        chunk: int = 256) -> pd.DataFrame:
        user_ids = [str(u) for u in user_ids]
        rows = self.users_.positions(user_ids)
        out = []
        pop = self.popularity_ / max(self.popularity_.max(), 1.0)
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            known = part >= 0
            scores = np.tile(pop * 1e-9, (len(part), 1))  # popularity breaks ties / fills short lists
            if known.any():
                scores[known] += self._scores(part[known])
            if exclude_seen and known.any():
                seen = self.matrix_[part[known]].tocoo()
                scores[np.flatnonzero(known)[seen.row], seen.col] = -np.inf
            idx, vals = top_k(scores, k)
            uid = np.repeat(np.asarray(user_ids[start:start + chunk], dtype=object), idx.shape[1])
            out.append(pd.DataFrame({"user_id": uid, "item_id": self.items_.ids[idx.ravel()],
                                     "rank": np.tile(np.arange(1, idx.shape[1] + 1), len(part)),
                                     "score": vals.ravel()}))
        return (pd.concat(out, ignore_index=True) if out
                else pd.DataFrame(columns=["user_id", "item_id", "rank", "score"]))


class PopularityRecommender(MatrixBaseline):
    """Most-bought items overall (distinct buyers)."""

    def _scores(self, rows):
        return np.tile(self.popularity_, (len(rows), 1))


class RepeatRecommender(MatrixBaseline):
    """The user's own items by frequency, recency breaking ties, popular items filling up (P-TopFreq)."""

    def _fit_more(self, inter):
        self.last_ = user_item_matrix(inter, self.users_, self.items_,
                                      decay_factor(inter["timestamp"].to_numpy(), inter["timestamp"].max(), 365.0))
        self.freq_ = user_item_matrix(inter, self.users_, self.items_, np.ones(len(inter)))

    def _scores(self, rows):
        freq = self.freq_[rows].toarray()
        recency = self.last_[rows].toarray()
        return freq + 1e-3 * normalise_rows(recency)


class ItemKNNRecommender(MatrixBaseline):
    """Item-based CF: the user's items times item-item cosine (top K neighbours, no self-similarity)."""

    def __init__(self, n_neighbors: int = 100):
        self.n_neighbors = n_neighbors

    def _fit_more(self, inter):
        self.sim_ = item_knn(self.matrix_, self.n_neighbors, keep_self=False)

    def _scores(self, rows):
        return (self.matrix_[rows] @ self.sim_).toarray()


class EASERecommender(MatrixBaseline):
    """EASE (closed-form linear autoencoder, Steck 2019) over every item bought by >= 2 users (an item seen
    once has no co-occurrence to learn from), capped at `max_items` by popularity because the closed form is
    cubic in the item count; the bench prints the share of test targets inside that item set."""

    def __init__(self, lam: float = 100.0, max_items: int = 5000):
        self.lam, self.max_items = lam, max_items

    def _fit_more(self, inter):
        eligible = np.flatnonzero(self.popularity_ >= 2)
        order = eligible[np.argsort(-self.popularity_[eligible], kind="stable")]
        self.cols_ = np.sort(order[: self.max_items])
        self.b_ = ease_weights(self.matrix_[:, self.cols_], self.lam, dtype=np.float32)

    def _scores(self, rows):
        scores = np.zeros((len(rows), len(self.items_)), dtype=np.float32)
        x = self.matrix_[rows][:, self.cols_].copy()
        x.data = np.ones_like(x.data)
        scores[:, self.cols_] = np.asarray(x @ self.b_)
        return scores


class ALSRecommender(MatrixBaseline):
    """Implicit-feedback matrix factorisation (the `implicit` package, CPU ALS)."""

    def __init__(self, factors: int = 64, regularization: float = 0.05, alpha: float = 2.0, iterations: int = 15,
                 random_state: int = 0):
        self.factors, self.regularization, self.alpha = factors, regularization, alpha
        self.iterations, self.random_state = iterations, random_state

    def _fit_more(self, inter):
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits
        with threadpool_limits(1, "blas"):  # implicit warns (and slows) when BLAS is multi-threaded
            self.model_ = AlternatingLeastSquares(factors=self.factors, regularization=self.regularization,
                                                  alpha=self.alpha, iterations=self.iterations,
                                                  random_state=self.random_state, num_threads=1)
            self.model_.fit(self.matrix_.astype(np.float32).tocsr(), show_progress=False)

    def _scores(self, rows):
        return self.model_.user_factors[rows] @ self.model_.item_factors.T


# Settings tried on the validation split (one fit each). EASE lambdas span sparse to dense data.
BASELINE_GRIDS: dict[str, tuple[type, list[dict]]] = {
    "popularity": (PopularityRecommender, [{}]),
    "repeat (own items)": (RepeatRecommender, [{}]),
    "ItemKNN (K tuned)": (ItemKNNRecommender, [{"n_neighbors": k} for k in (20, 50, 100, 200, 400)]),
    "EASE (lambda tuned)": (EASERecommender, [{"lam": lam} for lam in (10.0, 50.0, 250.0, 1000.0)]),
    "ALS (grid)": (ALSRecommender, [{"factors": f, "alpha": a, "regularization": 0.05}
                                    for f in (64, 128) for a in (4.0, 16.0)]),
}
