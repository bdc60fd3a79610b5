"""Offline evaluation of recommenders on any interactions table, plus the baselines we must beat.

Interactions: DataFrame[user_id, item_id, timestamp, basket_id?, event_type?, weight?].
A model is anything with `fit(interactions) -> self` and
`recommend_batch(user_ids, k) -> DataFrame[user_id, item_id, rank, score]` (rank 1 = best).

Metrics (binary relevance: an item is relevant if the user touched it in the test period):
- Recall@k   = hits in top k / number of relevant items
- NDCG@k     = DCG / ideal DCG with gains 1/log2(rank+1); equals sklearn.metrics.ndcg_score on binary labels
               (vectorised here because sklearn needs a dense score for every catalogue item per user)
- HitRate@k  = share of users with at least one hit
- MAP@k      = mean of AP@k = sum_r P@r * rel_r / min(#relevant, k)
- coverage   = distinct recommended items / items in the training catalogue
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assistant.core.errors import DataError
from campaigns.rec_signals import (
    IdIndex, decay_factor, ease_weights, item_knn, l2_rows, normalise_rows, popularity, prepare_interactions,
    user_item_matrix,
)

SPLIT_MODES = ("last_basket", "last_fraction")


# ----------------------------------------------------------------------------------------------- splitting
def temporal_split(interactions: pd.DataFrame, mode: str = "last_basket",
                   fraction: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split by time so the model never sees the future.

    last_basket: each user's latest basket (by its last timestamp) is the test set; users with one basket stay
                 wholly in train. Needs a basket_id column.
    last_fraction: a global time cut; the latest `fraction` of rows (by timestamp) is the test set.
    """
    if mode not in SPLIT_MODES:
        raise ValueError(f"unknown split mode {mode!r}; use one of {SPLIT_MODES}")
    for col in ("user_id", "item_id", "timestamp"):
        if col not in interactions.columns:
            raise DataError(f"missing column '{col}'", column=col, fix="pass user_id, item_id, timestamp columns")
    frame = interactions.reset_index(drop=True)
    if mode == "last_basket":
        if "basket_id" not in frame.columns or frame["basket_id"].isna().all():
            raise DataError("split mode 'last_basket' needs baskets", column="basket_id",
                            fix="use mode='last_fraction' for data without basket ids")
        baskets = (frame.dropna(subset=["basket_id"]).groupby(["user_id", "basket_id"], sort=True)["timestamp"]
                   .max().reset_index())
        baskets = baskets.sort_values(["user_id", "timestamp", "basket_id"])
        n_baskets = baskets.groupby("user_id")["basket_id"].transform("size")
        last = baskets[n_baskets > 1].groupby("user_id").tail(1)
        key = pd.MultiIndex.from_frame(frame[["user_id", "basket_id"]])
        is_test = key.isin(pd.MultiIndex.from_frame(last[["user_id", "basket_id"]]))
    else:
        if not 0 < fraction < 1:
            raise ValueError(f"fraction must be in (0, 1), got {fraction}")
        order = frame["timestamp"].rank(method="first").to_numpy()
        is_test = order > (1 - fraction) * len(frame)
    return frame[~is_test].reset_index(drop=True), frame[is_test].reset_index(drop=True)


# ----------------------------------------------------------------------------------------------- metrics
@dataclass(frozen=True)
class RankingMetrics:
    recall: float
    ndcg: float
    hit_rate: float
    map: float
    coverage: float
    n_users: int


def hit_matrix(recommended: Sequence[Sequence[str]], relevant: Sequence[set]) -> np.ndarray:
    """Bool matrix users x k: True where the recommended item is relevant (short lists padded with False)."""
    k = max((len(r) for r in recommended), default=0)
    hits = np.zeros((len(recommended), k), dtype=bool)
    for row, (recs, truth) in enumerate(zip(recommended, relevant)):
        hits[row, :len(recs)] = [item in truth for item in recs]
    return hits


def ranking_metrics(recommended: Sequence[Sequence[str]], relevant: Sequence[set], k: int = 10,
                    catalogue_size: int | None = None) -> RankingMetrics:
    """Recall/NDCG/HitRate/MAP@k averaged over users (users with no relevant items are skipped)."""
    pairs = [(list(r)[:k], set(t)) for r, t in zip(recommended, relevant) if len(t)]
    if not pairs:
        return RankingMetrics(0.0, 0.0, 0.0, 0.0, 0.0, 0)
    recs, truth = zip(*pairs)
    hits = hit_matrix(recs, truth)
    if hits.shape[1] < k:
        hits = np.pad(hits, ((0, 0), (0, k - hits.shape[1])))
    n_rel = np.array([len(t) for t in truth], dtype=float)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits * discounts).sum(axis=1)
    ideal_len = np.minimum(n_rel, k).astype(int)
    idcg = np.cumsum(discounts)[ideal_len - 1]
    cum_hits = np.cumsum(hits, axis=1)
    precision_at = cum_hits / np.arange(1, k + 1)
    ap = (precision_at * hits).sum(axis=1) / np.minimum(n_rel, k)
    distinct = len({item for r in recs for item in r})
    return RankingMetrics(
        recall=float((hits.sum(axis=1) / n_rel).mean()),
        ndcg=float((dcg / idcg).mean()),
        hit_rate=float(hits.any(axis=1).mean()),
        map=float(ap.mean()),
        coverage=float(distinct / catalogue_size) if catalogue_size else float("nan"),
        n_users=len(pairs),
    )


def evaluate(model_factory: Callable[[], object] | Mapping[str, Callable[[], object]], train: pd.DataFrame,
             test: pd.DataFrame, k: int = 10, max_users: int | None = None, random_state: int = 0) -> pd.DataFrame:
    """Fit each model on `train`, recommend k items to every test user seen in train, score against `test`.

    Returns one row per model: model, users, recall@k, ndcg@k, hit_rate@k, map@k, coverage, fit_s, recommend_s.
    """
    factories = model_factory if isinstance(model_factory, Mapping) else {"model": model_factory}
    train_users = set(train["user_id"].astype(str))
    truth = test.assign(user_id=test["user_id"].astype(str), item_id=test["item_id"].astype(str))
    truth = truth[truth["user_id"].isin(train_users)].groupby("user_id")["item_id"].agg(set)
    if max_users and len(truth) > max_users:
        truth = truth.sample(max_users, random_state=random_state).sort_index()
    users = list(truth.index)
    catalogue = train["item_id"].astype(str).nunique()
    rows = []
    for name, factory in factories.items():
        start = time.perf_counter()
        model = factory().fit(train)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        recs = model.recommend_batch(users, k)
        rec_s = time.perf_counter() - start
        lists = recs.sort_values(["user_id", "rank"]).groupby("user_id")["item_id"].agg(list)
        lists = [lists.get(u, []) for u in users]
        m = ranking_metrics(lists, list(truth.values), k=k, catalogue_size=catalogue)
        rows.append({"model": name, "users": m.n_users, f"recall@{k}": m.recall, f"ndcg@{k}": m.ndcg,
                     f"hit_rate@{k}": m.hit_rate, f"map@{k}": m.map, "coverage": m.coverage,
                     "fit_s": fit_s, "recommend_s": rec_s})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------- baselines
def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise top-k positions and scores, best first (deterministic for equal inputs)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
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

    def recommend_batch(self, user_ids: Sequence[str], k: int = 10, chunk: int = 256) -> pd.DataFrame:
        rows = self.users_.positions(list(user_ids))
        out = []
        pop = self.popularity_ / max(self.popularity_.max(), 1.0)
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            known = part >= 0
            scores = np.tile(pop * 1e-9, (len(part), 1))  # popularity breaks ties / fills short lists
            if known.any():
                scores[known] += self._scores(part[known])
            idx, vals = top_k(scores, k)
            uid = np.repeat(np.asarray(user_ids[start:start + chunk], dtype=object), idx.shape[1])
            out.append(pd.DataFrame({"user_id": uid, "item_id": self.items_.ids[idx.ravel()],
                                     "rank": np.tile(np.arange(1, idx.shape[1] + 1), len(part)),
                                     "score": vals.ravel()}))
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["user_id", "item_id", "rank", "score"])


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
    """Item-based CF: history (with self-similarity, so repeats count) times item-item cosine."""

    def __init__(self, n_neighbors: int = 100):
        self.n_neighbors = n_neighbors

    def _fit_more(self, inter):
        self.sim_ = item_knn(self.matrix_, self.n_neighbors, keep_self=True)

    def _scores(self, rows):
        return (self.matrix_[rows] @ self.sim_).toarray()


class EASERecommender(MatrixBaseline):
    """EASE (closed-form linear autoencoder) on the `max_items` most popular items; lambda tuned on a
    validation split carved from the training data."""

    def __init__(self, lambdas: Sequence[float] = (20.0, 100.0, 500.0, 2000.0), max_items: int = 2000,
                 split_mode: str | None = None):
        self.lambdas, self.max_items, self.split_mode = tuple(lambdas), max_items, split_mode

    def fit(self, interactions):
        if len(self.lambdas) == 1:
            self.lambda_ = self.lambdas[0]
            return self._fit_lambda(interactions, self.lambdas[0])
        mode = self.split_mode or ("last_basket" if "basket_id" in interactions.columns
                                   and interactions["basket_id"].notna().any() else "last_fraction")
        sub_train, val = temporal_split(interactions, mode=mode)
        best, best_lam = -1.0, self.lambdas[0]
        if len(val):
            for lam in self.lambdas:
                probe = EASERecommender(lambdas=(lam,), max_items=self.max_items, split_mode=mode)
                score = evaluate(lambda: probe, sub_train, val, max_users=500)["ndcg@10"].iloc[0]
                if score > best:
                    best, best_lam = score, lam
        self.lambda_ = best_lam
        self.lambdas_tried_ = self.lambdas
        return self._fit_lambda(interactions, best_lam)

    def _fit_lambda(self, interactions, lam):
        MatrixBaseline.fit(self, interactions)
        top = np.sort(np.argsort(-self.popularity_, kind="stable")[: self.max_items])
        self.cols_ = top
        self.b_ = ease_weights(self.matrix_[:, top], lam)
        return self

    def _scores(self, rows):
        scores = np.zeros((len(rows), len(self.items_)))
        scores[:, self.cols_] = self.matrix_[rows][:, self.cols_].toarray() @ self.b_
        return scores


class ALSRecommender(MatrixBaseline):
    """Implicit-feedback matrix factorisation (the `implicit` package, CPU ALS), already-bought items allowed."""

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


@dataclass(frozen=True)
class ItemVectors:
    """Precomputed (L2-normalised) item vectors: text embeddings, or category one-hots when there is no text."""

    item_ids: np.ndarray
    vectors: np.ndarray

    def lookup(self, item_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, found mask) for the given ids; missing ids get zero vectors."""
        order = np.argsort(self.item_ids.astype(str))
        pos = IdIndex(self.item_ids.astype(str)[order]).positions(item_ids)
        found = pos >= 0
        out = np.zeros((len(pos), self.vectors.shape[1]), dtype=np.float32)
        out[found] = self.vectors[order[pos[found]]]
        return out, found


class ContentRecommender(MatrixBaseline):
    """Content-only vector search: user vector = recency-weighted mean of the user's item vectors; items ranked
    by cosine over every item that has a vector (so items without events can be recommended)."""

    half_life_days = 30.0

    def __init__(self, item_vectors: ItemVectors):
        self.item_vectors = item_vectors

    def fit(self, interactions):
        inter = prepare_interactions(interactions)
        self.users_ = IdIndex.from_values(inter["user_id"])
        self.items_ = IdIndex.from_values(inter["item_id"], self.item_vectors.item_ids)
        now = inter["timestamp"].max()
        values = inter["weight"].to_numpy() * decay_factor(inter["timestamp"].to_numpy(), now, self.half_life_days)
        self.matrix_ = user_item_matrix(inter, self.users_, self.items_, values)
        self.popularity_ = popularity(self.matrix_)
        vecs, _ = self.item_vectors.lookup(self.items_.ids)
        self.vectors_ = l2_rows(vecs.astype(np.float32))
        return self

    def _scores(self, rows):
        user_vecs = l2_rows(np.asarray(self.matrix_[rows] @ self.vectors_))
        return user_vecs @ self.vectors_.T
