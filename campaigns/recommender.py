"""`Recommender`: per-user and per-segment product recommendations from behaviour (+ product text when asked).

One score blends seven signals, each scaled to max 1 per user:
  repeat   the user's own items, frequency x recency decay (the strongest grocery baseline)
  reorder  the repeat signal times the item's re-purchase rate (milk is bought again, a grill is not)
  knn      item-item cosine over the user-item matrix (top `n_neighbors` per item, no self-similarity)
  ease     EASE (Steck 2019) item-item regression on the `ease_max_items` most popular items, lambda tuned
  seq      what followed the user's last sessions in other users' histories (session-to-session transitions)
  content  cosine between the user's mean item vector and every product vector (text embeddings), so products
           with text but no events appear; vectors are only computed when a signal needs them
  pop      popularity in the user's segment (or overall)

How it serves decides how it is tuned (`weights="tune"`): the last session of every user in the fitted events
is the validation target (per user, never a global time cut), a clone of this estimator is fitted on the rest,
and blend weights (0 allowed, the repeat weight too), the recency half-life and EASE's lambda are chosen on it —
separately for the two ways `recommend()` ranks: with the user's purchases allowed, and with them excluded
(`exclude_purchased=True`), so the validation applies the same exclusion as serving. The data's own repeat
share picks the default: on repeat-free data (Amazon-style sequences) past purchases are excluded unless asked.
Every recommendation carries a human-readable reason.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from assistant.core.errors import DataError
from assistant.core.persistence import load_model, save_model
from assistant.core.policy import consumer_name
from campaigns.rec_eval import split_last_session, targets
from campaigns.rec_signals import (
    IdIndex, ItemVectors, decay_factor, ease_weights, item_knn, l2_rows, popularity, prepare_interactions,
    session_numbers, session_transitions, user_item_matrix,
)

SIGNALS: tuple[str, ...] = ("repeat", "reorder", "knn", "ease", "seq", "content", "pop")
DEFAULT_WEIGHTS: dict[str, float] = {"repeat": 1.0, "reorder": 1.0, "knn": 0.1, "ease": 0.1, "seq": 0.1,
                                     "content": 0.03, "pop": 0.03}
# Weight steps for the coordinate search (scores are scaled per user, so only ratios matter; 0 switches off).
WEIGHT_STEPS: tuple[float, ...] = (0.0, 0.03, 0.1, 0.3, 1.0, 3.0)
EASE_LAMBDAS: tuple[float, ...] = (10.0, 50.0, 250.0, 1000.0)
MODES: tuple[str, ...] = ("all", "exclude_purchased")
REPEAT_FREE_SHARE = 0.05      # below this share of events re-buying a user's earlier items: "repeat-free"
COLD_START_EVENTS = 2
POOL_PER_SIGNAL = 50          # validation scores each user's top items of every signal (the union)
RESULT_COLUMNS = ["item_id", "score", "reason", "title", "category", "price"]

# The reasons `recommend` / `similar_items` write (English, kept in the frames for logs and the API) and their
# Chinese wording; the anchor (a product title) and the counts come from the data. One table, so a new reason
# without a translation shows up in tests/assistant/test_chat_zh_replies.py.
_REASONS_ZH = [
    (re.compile(r"^you bought it (\d+) times?$"), "您买过 {0} 次"),
    (re.compile(r"^you looked at it (\d+) times?$"), "您看过 {0} 次"),
    (re.compile(r"^often bought after (.+)$"), "常在「{0}」之后购买"),
    (re.compile(r"^often bought with (.+)$"), "常与「{0}」一起购买"),
    (re.compile(r"^similar to (.+)$"), "与「{0}」相似"),
    (re.compile(r"^popular in your segment$"), "在您所在的客群中热销"),
    (re.compile(r"^popular in segment (.+)$"), "在第{0}组中热销"),
    (re.compile(r"^popular overall$"), "整体热销"),
]


def reason_in(language: str, reason: str) -> str:
    """A recommendation reason in `language` ("en" returns it as written)."""
    if language != "zh" or not isinstance(reason, str):
        return reason
    for pattern, template in _REASONS_ZH:
        m = pattern.match(reason)
        if m:
            return template.format(*m.groups())
    return reason


def _first_k_by_position(score: np.ndarray, k: int) -> np.ndarray:
    """Column positions (ascending) of each row's k largest scores, equal scores at the cut taken by position.

    Why not `argpartition` alone: which of several equal scores it keeps at the cut depends on numpy's build (its
    AVX-512 sort picks differently), and tuning on candidate pools must rank exactly as serving does."""
    kth = -np.partition(-score, k - 1, axis=1)[:, k - 1:k]
    above = score > kth
    equal = score == kth
    take = above | equal & (np.cumsum(equal, axis=1) <= k - above.sum(axis=1, keepdims=True))
    return np.nonzero(take)[1].reshape(len(score), k)


class UnknownUserError(KeyError):
    """The user id has no events in the data the recommender was fitted on."""

    def __init__(self, user_id):
        self.user_id = user_id
        super().__init__(f"unknown user id {user_id!r}: no events for this customer in the fitted data — "
                         f"check the id, or call recommend(..., fallback=True) to get popular items")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.args[0]


class UnknownItemError(KeyError):
    def __init__(self, item_id):
        super().__init__(f"unknown item id {item_id!r}: not in the events or product table used to fit")

    def __str__(self) -> str:
        return self.args[0]


class UnknownSegmentError(KeyError):
    def __init__(self, segment_id, known):
        super().__init__(f"unknown segment {segment_id!r}; known segments: {list(known)[:20]} — "
                         f"pass segments= to fit()")

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class _Settings:
    """What tuning chooses: weights per serving mode, recency half-life, EASE lambda."""

    weights: dict[str, dict[str, float]]
    half_life: float | None
    ease_lambda: float


def _flat_weights(weights: Mapping[str, float]) -> dict[str, float]:
    return {s: float(weights.get(s, 0.0)) for s in SIGNALS}


class Recommender(BaseEstimator):
    """Blended recommender, a scikit-learn estimator (see the module docstring).

    weights: "tune" (default), None (DEFAULT_WEIGHTS), a mapping signal -> weight, or a mapping
             {"all": {...}, "exclude_purchased": {...}} with one blend per serving mode.
    store:   optional product vector store (`get_vectors(ids)`, `query(vector, k)`, `encoder`): item vectors
             for the content signal and candidates for `similar_products`. encoder: embeds product texts when
             no vectors were given — only when a vector signal is used (content weight > 0, similar_products).
    max_validation_users: the tuning budget — tuning scores at most this many users' last sessions (a seeded
             sample; None = every user). At 1,000 users the validation NDCG@10's standard error (~0.005 on
             grocery baskets) is below the steps between the coarse weight grid's blends, and the demo's 802
             households are all used; bench/recs_bench.py compares it with tuning on every user (Complete Journey).
    """

    def __init__(self, n_neighbors: int = 100, recency_half_life_days: float = 60.0,
                 weights: None | str | Mapping = "tune", random_state: int = 0, store=None, encoder=None,
                 content_candidates: int = 200, max_validation_users: int | None = 1000,
                 ease_max_items: int = 2000):
        self.n_neighbors = n_neighbors
        self.recency_half_life_days = recency_half_life_days
        self.weights = weights
        self.random_state = random_state
        self.store = store
        self.encoder = encoder
        self.content_candidates = content_candidates
        self.max_validation_users = max_validation_users
        self.ease_max_items = ease_max_items

    # ------------------------------------------------------------------------------------------------ fit
    def fit(self, events: pd.DataFrame, products: pd.DataFrame | None = None,
            segments: pd.Series | None = None, item_vectors: ItemVectors | None = None) -> "Recommender":
        """Learn from canonical events (user_id, item_id, timestamp[, event_type, basket_id]).

        products: canonical product table (titles for reasons, filters, text for content vectors).
        segments: Series user_id -> segment label (segment popularity, cold start, recommend_for_segment).
        item_vectors: precomputed item vectors; otherwise taken from `store`, or embedded with `encoder` when a
        vector signal is switched on.
        """
        inter = prepare_interactions(events, name="events")
        if inter.empty:
            raise DataError("no usable events (user_id, item_id and timestamp all needed)", file="events",
                            fix="load events through assistant.core.data before fitting")
        if products is not None and "item_id" not in products.columns:
            raise DataError("products table has no item_id column", file="products", column="item_id")
        segments = (pd.Series(segments).rename(index=str).astype(str) if segments is not None
                    else pd.Series(dtype=str))
        vectors = item_vectors if item_vectors is not None else self._stored_vectors(products)
        tuning = None
        if isinstance(self.weights, str):
            if self.weights != "tune":
                raise ValueError(f"weights must be 'tune', None or a mapping, got {self.weights!r}")
            settings, tuning = self._tune(inter, products, segments, vectors)
        else:
            settings = self._fixed_settings()
            if vectors is None and any(w["content"] > 0 for w in settings.weights.values()):
                vectors = self._embed_products(products)
        self._fit_state(inter, products, segments, vectors, settings)
        self.tuning_ = tuning
        return self

    def _fixed_settings(self) -> _Settings:
        given = DEFAULT_WEIGHTS if self.weights is None else dict(self.weights)
        if given and set(given) <= set(MODES):
            by_mode = {m: _flat_weights(given.get(m, DEFAULT_WEIGHTS)) for m in MODES}
        else:
            by_mode = {m: _flat_weights(given) for m in MODES}
        return _Settings(by_mode, self.recency_half_life_days, EASE_LAMBDAS[2])

    def _fit_state(self, inter: pd.DataFrame, products: pd.DataFrame | None, segments: pd.Series,
                   vectors: ItemVectors | None, settings: _Settings) -> None:
        """Set every fitted attribute from the events and the chosen settings."""
        self._set_products(products, inter)
        self._set_vectors(vectors)
        self.pending_texts_ = None
        if vectors is None and products is not None and (self.encoder is not None or self.store is not None):
            self.pending_texts_ = products  # embedded on first use by similar_products
        self.segments_ = segments
        self.users_ = IdIndex.from_values(inter["user_id"])
        self._set_item_models(inter, settings.ease_lambda)
        self._set_user_state(inter, settings.half_life)
        self.weights_by_mode_ = {m: dict(w) for m, w in settings.weights.items()}
        if not self.has_vectors_.any():
            for w in self.weights_by_mode_.values():
                w["content"] = 0.0
        self.profile_ = self._profile(inter)
        self.default_mode_ = "exclude_purchased" if self.profile_["repeat_free"] else "all"
        self.weights_ = self.weights_by_mode_[self.default_mode_]

    def _stored_vectors(self, products: pd.DataFrame | None) -> ItemVectors | None:
        """Vectors the store already holds (cheap); None when there is no store or it is not synced."""
        if self.store is None or products is None or not len(products):
            return None
        ids = products["item_id"].astype(str).drop_duplicates(keep="last").to_numpy()
        try:
            return ItemVectors(ids, np.asarray(self.store.get_vectors(list(ids)), dtype=np.float32))
        except DataError:
            return None

    def _embed_products(self, products: pd.DataFrame | None) -> ItemVectors | None:
        encoder = self.encoder if self.encoder is not None else getattr(self.store, "encoder", None)
        if encoder is None or products is None or not len(products):
            return None
        from embeddings.text import product_texts
        texts = product_texts(products.drop_duplicates("item_id", keep="last"))
        vectors = np.asarray(encoder.encode(list(texts.to_numpy())), dtype=np.float32)
        return ItemVectors(texts.index.astype(str).to_numpy(dtype=object), vectors)

    def _set_products(self, products: pd.DataFrame | None, inter: pd.DataFrame) -> None:
        product_ids = products["item_id"].astype(str).to_numpy() if products is not None else []
        self.items_ = IdIndex.from_values(inter["item_id"], product_ids)
        meta = pd.DataFrame(index=pd.Index(self.items_.ids, name="item_id"))
        if products is not None:
            p = products.assign(item_id=products["item_id"].astype(str)).drop_duplicates("item_id", keep="last")
            meta = meta.join(p.set_index("item_id"), how="left")
        titles = (meta["title"].astype("string").fillna("") if "title" in meta
                  else pd.Series("", index=meta.index)).to_numpy(dtype=object)
        self.titles_ = np.where(titles == "", self.items_.ids, titles)
        self.categories_ = (meta["category"].astype("string").fillna("") if "category" in meta
                            else pd.Series("", index=meta.index)).to_numpy(dtype=object)
        self.prices_ = (pd.to_numeric(meta["price"], errors="coerce") if "price" in meta
                        else pd.Series(np.nan, index=meta.index)).to_numpy(dtype=float)
        stock = meta["in_stock"] if "in_stock" in meta else pd.Series(True, index=meta.index)
        self.in_stock_ = stock.astype("boolean").fillna(True).to_numpy(dtype=bool)
        self._category_masks: dict[str, np.ndarray] = {}

    def _set_vectors(self, item_vectors: ItemVectors | None) -> None:
        n = len(self.items_)
        self.vectors_ = np.zeros((n, 1), dtype=np.float32)
        self.has_vectors_ = np.zeros(n, dtype=bool)
        if item_vectors is not None:
            vecs, found = item_vectors.lookup(self.items_.ids)
            self.vectors_ = l2_rows(vecs.astype(np.float32))
            self.has_vectors_ = found & (np.abs(self.vectors_).sum(axis=1) > 0)

    def _set_item_models(self, inter: pd.DataFrame, ease_lambda: float) -> None:
        """Item-item models (independent of the recency half-life): neighbours, transitions, EASE."""
        counts = user_item_matrix(inter, self.users_, self.items_, np.ones(len(inter)))
        self.neighbors_ = item_knn(counts, self.n_neighbors)
        self.sessions_ = session_numbers(inter)
        self.transitions_ = session_transitions(inter, self.sessions_, self.users_, self.items_)
        buyers = popularity(counts)
        eligible = np.flatnonzero(buyers >= 2)
        order = eligible[np.argsort(-buyers[eligible], kind="stable")]
        self.ease_cols_ = np.sort(order[: self.ease_max_items])
        self._ease_input = counts[:, self.ease_cols_]
        self.set_ease_lambda(ease_lambda)

    def set_ease_lambda(self, lam: float) -> None:
        """(Re)solve EASE with regularisation `lam` (tuning tries several on the validation clone)."""
        self.ease_lambda_ = float(lam)
        self.ease_b_ = (ease_weights(self._ease_input, lam, dtype=np.float32) if len(self.ease_cols_) >= 2
                        else np.zeros((len(self.ease_cols_), len(self.ease_cols_)), dtype=np.float32))

    def _set_user_state(self, inter: pd.DataFrame, half_life: float | None) -> None:
        """Everything that depends on the users' histories and the recency half-life."""
        self.half_life_ = half_life
        self.now_ = inter["timestamp"].max()
        decay = decay_factor(inter["timestamp"].to_numpy(), self.now_, half_life)
        self.history_ = user_item_matrix(inter, self.users_, self.items_, inter["weight"].to_numpy() * decay)
        purchases = inter[inter["is_purchase"]]
        self.purchase_counts_ = user_item_matrix(purchases, self.users_, self.items_, np.ones(len(purchases)))
        self.event_counts_ = user_item_matrix(inter, self.users_, self.items_, np.ones(len(inter)))
        self.n_events_ = np.asarray(self.event_counts_.sum(axis=1)).ravel()
        # Share of an item's buyers who came back for it (smoothed: +1 / +2 so rare items sit near 0.5).
        repeat_users = np.asarray((self.event_counts_ >= 2).sum(axis=0)).ravel()
        any_users = np.asarray((self.event_counts_ >= 1).sum(axis=0)).ravel()
        self.reorder_rate_ = (repeat_users + 1.0) / (any_users + 2.0)
        counts = np.asarray(self.event_counts_.sum(axis=0)).ravel()
        pop = popularity(self.history_) + counts / (counts.max() + 1.0)  # distinct buyers; ties by volume
        self.popularity_ = pop / max(pop.max(), 1.0)
        # The user's last three sessions (weights 1, 1/2, 1/4) are the query of the sequential signal.
        last = pd.Series(self.sessions_).groupby(inter["user_id"].to_numpy()).transform("max").to_numpy()
        age = last - self.sessions_
        recent = age < 3
        self.last_items_ = user_item_matrix(inter[recent], self.users_, self.items_, 0.5 ** age[recent])
        self.last_items_.data = np.minimum(self.last_items_.data, 1.0)
        self.user_vectors_ = (l2_rows(np.asarray(self.history_ @ self.vectors_, dtype=np.float32))
                              if self.has_vectors_.any() else None)
        self._set_segments()

    def _set_segments(self) -> None:
        """Segment popularity: segments x items counts of distinct buyers."""
        self.segment_labels_ = np.array(sorted(set(self.segments_.astype(str))), dtype=object)
        self.user_segment_ = np.full(len(self.users_), -1)
        if len(self.segment_labels_):
            seg = self.segments_.reindex(self.users_.ids)
            known = seg.notna().to_numpy()
            self.user_segment_[known] = np.searchsorted(self.segment_labels_, seg[known].astype(str).to_numpy())
            rows = np.flatnonzero(known)
            member = sparse.csr_matrix((np.ones(len(rows)), (self.user_segment_[rows], rows)),
                                       shape=(len(self.segment_labels_), len(self.users_)))
            binary = self.history_.copy()
            binary.data = np.ones_like(binary.data)
            counts = np.asarray((member @ binary).todense())
            self.segment_popularity_ = counts / np.maximum(counts.max(axis=1, keepdims=True), 1.0)
            self.segment_sizes_ = np.asarray(member.sum(axis=1)).ravel()
        else:
            self.segment_popularity_ = np.zeros((0, len(self.items_)))
            self.segment_sizes_ = np.zeros(0)

    def _profile(self, inter: pd.DataFrame) -> dict:
        """What kind of data this is: the share of events (after a user's first session) that re-buy or revisit
        an item the user had in an earlier session. Near zero (with enough evidence) means repeat-free."""
        frame = pd.DataFrame({"u": inter["user_id"].to_numpy(), "i": inter["item_id"].to_numpy(),
                              "n": self.sessions_})
        first = frame.groupby(["u", "i"], sort=False)["n"].transform("min").to_numpy()
        later = frame["n"].to_numpy() >= 1
        n = int(later.sum())
        share = float((first[later] < frame["n"].to_numpy()[later]).mean()) if n else 1.0
        return {"repeat_share": share, "repeat_free": bool(n >= 20 and share < REPEAT_FREE_SHARE),
                "users": len(self.users_), "items": len(self.items_),
                "sessions_per_user": float((frame.groupby("u")["n"].max() + 1).mean())}

    # ---------------------------------------------------------------------------------------------- signals
    def _signal_block(self, rows: np.ndarray, names: Iterable[str] = SIGNALS, serving: bool = False) -> np.ndarray:
        """len(names) x len(rows) x n_items float32 signals for known user rows, each row scaled to max 1.
        serving: content candidates come from the vector store's index when one is attached (tuning scores
        thousands of users: there one exact matrix product beats a store round trip per user)."""
        names = list(names)
        n = len(self.items_)
        out = np.zeros((len(names), len(rows), n), dtype=np.float32)
        hist = self.history_[rows]
        for j, name in enumerate(names):
            if name == "repeat":
                out[j] = hist.toarray()
            elif name == "reorder":
                out[j] = hist.multiply(self.reorder_rate_[None, :]).toarray()
            elif name == "knn":
                out[j] = (hist @ self.neighbors_).toarray()
            elif name == "ease" and len(self.ease_cols_):
                x = self.event_counts_[rows][:, self.ease_cols_]
                x.data = np.ones_like(x.data)
                out[j][:, self.ease_cols_] = np.maximum(np.asarray(x @ self.ease_b_), 0.0)
            elif name == "seq":
                out[j] = (self.last_items_[rows] @ self.transitions_).toarray()
            elif name == "content" and self.user_vectors_ is not None and serving and self.store is not None:
                for r, row in enumerate(rows):
                    hits = self.store.query(self.user_vectors_[row], k=min(self.content_candidates, n))
                    idx = self.items_.positions(hits["item_id"].astype(str).to_numpy())
                    vals = hits["score"].to_numpy(dtype=float)[idx >= 0]
                    if len(vals):
                        out[j, r, idx[idx >= 0]] = np.maximum(vals - vals.min(), 0.0)
            elif name == "content" and self.user_vectors_ is not None:
                sims = self.user_vectors_[rows] @ self.vectors_.T
                c = min(self.content_candidates, n)
                top = np.argpartition(-sims, c - 1, axis=1)[:, :c]
                vals = np.take_along_axis(sims, top, axis=1)
                # min-max over the candidates: sentence-embedding cosines bunch up (0.4-0.9), stretch them
                np.put_along_axis(out[j], top, np.maximum(vals - vals.min(axis=1, keepdims=True), 0.0), axis=1)
            elif name == "pop":
                seg = self.user_segment_[rows]
                out[j] = self.popularity_
                if (seg >= 0).any():
                    out[j][seg >= 0] = self.segment_popularity_[seg[seg >= 0]]
        top = out.max(axis=2, keepdims=True)
        np.divide(out, top, out=out, where=top > 0)
        return out

    def _mode(self, exclude_purchased: bool | None) -> str:
        if exclude_purchased is None:
            return self.default_mode_
        return "exclude_purchased" if exclude_purchased else "all"

    def _weight_vector(self, row: int, mode: str) -> np.ndarray:
        if self.n_events_[row] <= COLD_START_EVENTS:  # too little history: segment / overall favourites
            return np.array([1.0 if s == "pop" else 0.0 for s in SIGNALS])
        return np.array([self.weights_by_mode_[mode].get(s, 0.0) for s in SIGNALS])

    def _blend_rows(self, rows: np.ndarray, mode: str, serving: bool = False
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(scores users x items, signals, weights users x signals); only signals some user weighs are built."""
        w = np.stack([self._weight_vector(r, mode) for r in rows])
        used = np.flatnonzero(w.max(axis=0) > 0)
        block = self._signal_block(rows, [SIGNALS[j] for j in used], serving=serving)
        full = np.zeros((len(SIGNALS), len(rows), len(self.items_)), dtype=np.float32)
        full[used] = block
        score = np.einsum("sun,us->un", full, w.astype(np.float32)) + 1e-6 * self.popularity_[None, :]
        if mode == "exclude_purchased":
            sub = self.purchase_counts_[rows].tocoo()
            score[sub.row, sub.col] = -np.inf
        return score, full, w

    # ----------------------------------------------------------------------------------------------- tuning
    def _tune(self, inter: pd.DataFrame, products, segments, vectors) -> tuple[_Settings, pd.DataFrame | None]:
        """Choose weights per serving mode, half-life and EASE lambda on each user's last session, using a clone
        fitted on everything before it (this estimator is untouched until the final fit)."""
        sub, val = split_last_session(inter)
        truth = targets(sub, val)
        default = _Settings({m: dict(DEFAULT_WEIGHTS) for m in MODES}, self.recency_half_life_days, EASE_LAMBDAS[0])
        if truth.empty:
            return default, None
        if self.max_validation_users is not None and len(truth) > self.max_validation_users:
            truth = truth.sample(self.max_validation_users, random_state=self.random_state).sort_index()
        # An unfitted copy with the same hyperparameters (what sklearn.base.clone makes), without the live
        # store/encoder: clone() would deep-copy those clients; the probe gets the vectors directly.
        params = {**self.get_params(deep=False), "store": None, "encoder": None, "weights": dict(DEFAULT_WEIGHTS)}
        probe = clone(type(self)(**params))
        probe._fit_state(sub, products, segments, vectors, default)
        rows = probe.users_.positions(truth.index.to_numpy())
        modes = [probe.default_mode_] + [m for m in MODES if m != probe.default_mode_]
        records = []
        # 1. EASE lambda on the EASE signal alone, in the data's natural mode
        best_lam, best_val, best_b = default.ease_lambda, -1.0, probe.ease_b_
        for lam in EASE_LAMBDAS:
            if lam != probe.ease_lambda_:
                probe.set_ease_lambda(lam)
            val_ndcg = probe._pools(rows, truth, modes[:1], ["ease"])[modes[0]].ndcg(np.ones(1))
            records.append({"step": "ease_lambda", "mode": modes[0], "ease_lambda": lam, "val_ndcg@10": val_ndcg,
                            "validation_users": len(rows)})
            if val_ndcg > best_val + 1e-12:
                best_lam, best_val, best_b = lam, val_ndcg, probe.ease_b_
        probe.ease_lambda_, probe.ease_b_ = best_lam, best_b  # kept, not solved again (cubic in the items)
        # 2. recency half-life x blend weights (coordinate search), per serving mode
        ts = sub["timestamp"]
        span_days = (ts.quantile(0.99) - ts.quantile(0.01)).total_seconds() / 86400.0
        half_lives = list(dict.fromkeys([self.recency_half_life_days, max(span_days / 8.0, 0.5), None]))
        best: dict[str, tuple[float, float | None, dict]] = {}
        for half_life in half_lives:
            probe._set_user_state(sub, half_life)
            pools = probe._pools(rows, truth, modes)
            for mode in modes:
                start_ndcg = pools[mode].ndcg(np.array([DEFAULT_WEIGHTS[s] for s in SIGNALS]))
                weights, val_ndcg = pools[mode].coordinate_search(has_content=probe.has_vectors_.any())
                records.append({"step": "blend", "mode": mode, "half_life": half_life, **weights,
                                "validation_users": len(rows),
                                "val_ndcg@10": val_ndcg, "default_blend_val_ndcg@10": start_ndcg})
                if mode not in best or val_ndcg > best[mode][0] + 1e-12:
                    best[mode] = (val_ndcg, half_life, weights)
        # one half-life serves both modes: the one best for the data's natural mode
        half_life = best[modes[0]][1]
        chosen = {}
        for mode in modes:
            at = [r for r in records if r["step"] == "blend" and r["mode"] == mode and r["half_life"] == half_life]
            top = max(at, key=lambda r: r["val_ndcg@10"])
            chosen[mode] = {s: float(top[s]) for s in SIGNALS}
        return _Settings(chosen, half_life, best_lam), pd.DataFrame(records)

    def _pools(self, rows: np.ndarray, truth: pd.Series, modes: Sequence[str],
               names: Sequence[str] = SIGNALS, chunk: int = 64) -> dict[str, "_Pools"]:
        """Per serving mode, each validation user's candidate pool (the top items of every signal among the
        items that mode may return) with signal values and relevance, so blends are scored without rebuilding
        signals. Only an item some signal scores above zero can be a candidate: the top items are found among
        a row's positive entries (most signals are sparse), and popularity, the one dense signal, is ranked
        once per segment instead of once per user."""
        names = list(names)
        n = len(self.items_)
        p = min(POOL_PER_SIGNAL, n)
        width = p * len(names)
        pop_j = names.index("pop") if "pop" in names else -1
        pop_order: dict[int, np.ndarray] = {}
        sig_list = {m: [] for m in modes}
        rel_list = {m: [] for m in modes}
        tie_list = {m: [] for m in modes}
        sizes = np.array([len(t) for t in truth])
        relevant_all = np.split(self.items_.positions([i for t in truth for i in sorted(t)]), np.cumsum(sizes)[:-1])
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            block = self._signal_block(part, names)
            bought = self.purchase_counts_[part]
            for u in range(len(part)):
                relevant = relevant_all[start + u]
                for mode in modes:
                    user_block = block[:, u, :]
                    drop = bought[u].indices if mode == "exclude_purchased" else np.zeros(0, dtype=int)
                    if len(drop):  # the same exclusion recommend() applies
                        user_block = user_block.copy()
                        user_block[:, drop] = 0.0
                    cand = [self._pool_top(user_block[j], p) for j in range(len(names)) if j != pop_j]
                    if pop_j >= 0:
                        seg = int(self.user_segment_[part[u]])
                        if seg not in pop_order:
                            pop_order[seg] = np.argsort(-block[pop_j, u], kind="stable")
                        order = pop_order[seg][:p + len(drop)]
                        cand.append(order[user_block[pop_j, order] > 0][:p])
                    cand = np.unique(np.concatenate(cand)) if cand else np.zeros(0, dtype=int)
                    sig = np.full((len(names), width), -1e3, dtype=np.float32)
                    sig[:, :len(cand)] = user_block[:, cand]
                    sig_list[mode].append(sig)
                    rel_list[mode].append(np.pad(np.isin(cand, relevant), (0, width - len(cand))))
                    tie_list[mode].append(np.pad(self.popularity_[cand], (0, width - len(cand))))
        cold = self.n_events_[rows] <= COLD_START_EVENTS
        n_rel = np.array([len(t) for t in truth], dtype=float)
        return {m: _Pools(np.stack(sig_list[m]), np.stack(rel_list[m]), n_rel, cold, names,
                          tie=np.stack(tie_list[m])) for m in modes}

    @staticmethod
    def _pool_top(values: np.ndarray, p: int) -> np.ndarray:
        """Positions of the (at most) p largest positive values."""
        positive = np.flatnonzero(values > 0)
        if len(positive) > p:
            positive = positive[np.argpartition(-values[positive], p - 1)[:p]]
        return positive

    # ------------------------------------------------------------------------------------------- filtering
    def _mask(self, category, min_price, max_price, in_stock_only, exclude_items=None) -> np.ndarray:
        mask = np.ones(len(self.items_), dtype=bool)
        if in_stock_only:
            mask &= self.in_stock_
        if min_price is not None:
            mask &= np.nan_to_num(self.prices_, nan=-np.inf) >= float(min_price)
        if max_price is not None:
            mask &= np.nan_to_num(self.prices_, nan=np.inf) <= float(max_price)
        if category:
            mask &= self._category_mask(str(category))
        if exclude_items:
            pos = self.items_.positions([str(i) for i in exclude_items])
            mask[pos[pos >= 0]] = False
        return mask

    def _category_mask(self, category: str) -> np.ndarray:
        """Items whose category path equals, starts with, or has a level named `category` (case-insensitive)."""
        key = category.strip().lower()
        if key not in self._category_masks:
            paths = pd.Series(self.categories_, dtype="string").str.lower().fillna("")
            levels = paths.str.split(" > ")
            match = (paths == key) | paths.str.startswith(key + " > ") | levels.map(lambda lv: key in lv)
            self._category_masks[key] = match.to_numpy(dtype=bool)
        return self._category_masks[key]

    # -------------------------------------------------------------------------------------------- serving
    def _frame(self, idx: np.ndarray, scores: np.ndarray, reasons: list[str]) -> pd.DataFrame:
        return pd.DataFrame({"item_id": self.items_.ids[idx], "score": scores, "reason": reasons,
                             "title": self.titles_[idx], "category": self.categories_[idx],
                             "price": self.prices_[idx]}, columns=RESULT_COLUMNS)

    @staticmethod
    def _top(scores: np.ndarray, k: int) -> np.ndarray:
        """Positions of the k best finite scores, best first; equal scores by item position, at the cut too."""
        valid = np.flatnonzero(np.isfinite(scores))
        if len(valid) == 0 or k <= 0:
            return np.zeros(0, dtype=int)
        k = min(k, len(valid))
        cand = valid[_first_k_by_position(scores[valid][None, :], k)[0]]
        return cand[np.lexsort((cand, -scores[cand]))]

    def _reason_name(self, i: int) -> str:
        """The anchor product as a reason names it: the shopper's name ("Bananas", not "Bananas, 40 LB")."""
        return consumer_name(self.titles_[i]) or str(self.titles_[i])

    def _anchor(self, row: int, item: int, kind: str) -> str | None:
        """The user's item that explains a collaborative or sequential score (None if there is none)."""
        if kind == "seq":
            last = self.last_items_[row]
            sims = self.transitions_[last.indices, item].toarray().ravel() * last.data
            anchors = last.indices
        elif kind == "ease":
            hist = self.event_counts_[row]
            cols = np.searchsorted(self.ease_cols_, hist.indices)
            ok = (cols < len(self.ease_cols_)) & (self.ease_cols_[np.minimum(cols, len(self.ease_cols_) - 1)]
                                                   == hist.indices)
            target = np.searchsorted(self.ease_cols_, item)
            anchors = hist.indices[ok]
            sims = self.ease_b_[cols[ok], target] if len(anchors) else np.zeros(0)
        else:
            hist = self.history_[row]
            keep = hist.indices != item
            anchors = hist.indices[keep]
            sims = self.neighbors_[anchors, item].toarray().ravel() * hist.data[keep]
        if not len(anchors) or sims.max() <= 0:
            return None
        return self._reason_name(anchors[int(np.argmax(sims))])

    def _reasons(self, row: int | None, idx: np.ndarray, s: np.ndarray | None, w: np.ndarray | None) -> list[str]:
        if row is None:
            return ["popular overall"] * len(idx)
        pop_reason = "popular in your segment" if self.user_segment_[row] >= 0 else "popular overall"
        out = []
        for i in idx:
            contrib = w * s[:, i]
            kind = SIGNALS[int(np.argmax(contrib))] if contrib.max() > 0 else "pop"
            reason = pop_reason
            if kind in ("repeat", "reorder"):
                bought = int(self.purchase_counts_[row, i])
                n = bought or int(self.event_counts_[row, i])
                verb = "bought" if bought else "looked at"
                reason = f"you {verb} it {n} time{'s' if n != 1 else ''}"
            elif kind in ("knn", "ease", "seq"):
                anchor = self._anchor(row, i, kind)
                if anchor is not None:
                    reason = f"often bought after {anchor}" if kind == "seq" else f"often bought with {anchor}"
            elif kind == "content":
                hist = self.history_[row]
                anchors = hist.indices[(hist.indices != i) & self.has_vectors_[hist.indices]]
                if len(anchors):
                    sims = self.vectors_[anchors] @ self.vectors_[i]
                    # only claim similarity when it is real (cosine >= 0.3), else the fallback reason
                    if sims.max() >= 0.3:
                        reason = f"similar to {self._reason_name(anchors[np.argmax(sims)])}"
            out.append(reason)
        return out

    def recommend(self, user_id, k: int = 10, exclude_purchased: bool | None = None, category: str | None = None,
                  max_price: float | None = None, min_price: float | None = None, in_stock_only: bool = True,
                  fallback: bool = False, exclude_items: Iterable | None = None) -> pd.DataFrame:
        """Top-k items for one user: DataFrame[item_id, score, reason, title, category, price], best first.

        exclude_purchased: True never returns the user's past purchases, False allows them; None (default)
        follows the data (excluded when customers in the fitted data hardly ever re-buy). exclude_items: item
        ids never returned (e.g. a marketing policy). Unknown user: raises UnknownUserError (a KeyError) unless
        fallback=True, which returns items popular overall. Users with <= 2 events get segment/popular items.
        """
        check_is_fitted(self, "history_")
        pos = int(self.users_.positions([str(user_id)])[0])
        mask = self._mask(category, min_price, max_price, in_stock_only, exclude_items)
        if pos < 0:
            if not fallback:
                raise UnknownUserError(user_id)
            score = np.where(mask, self.popularity_ + 1e-9, -np.inf)
            idx = self._top(score, k)
            return self._frame(idx, score[idx], self._reasons(None, idx, None, None))
        scores, s, w = self._blend_rows(np.array([pos]), self._mode(exclude_purchased), serving=True)
        score = np.where(mask, scores[0], -np.inf)
        idx = self._top(score, k)
        return self._frame(idx, score[idx], self._reasons(pos, idx, s[:, 0, :], w[0]))

    def recommend_batch(self, user_ids: Sequence, k: int = 10, exclude_seen: bool | None = None,
                        chunk: int = 64) -> pd.DataFrame:
        """Evaluation protocol (campaigns.rec_eval): DataFrame[user_id, item_id, rank, score], the same ranking
        as recommend() without filters; exclude_seen = recommend's exclude_purchased; unknown users get
        popular items."""
        check_is_fitted(self, "history_")
        user_ids = [str(u) for u in user_ids]
        positions = self.users_.positions(user_ids)
        mode = self._mode(exclude_seen)
        frames = []
        for start in range(0, len(user_ids), chunk):
            part = positions[start:start + chunk]
            scores = np.tile(self.popularity_.astype(np.float32), (len(part), 1))
            known = np.flatnonzero(part >= 0)
            if len(known):
                scores[known] = self._blend_rows(part[known], mode)[0]
            for u, score in enumerate(scores):
                idx = self._top(score, k)
                frames.append(pd.DataFrame({"user_id": user_ids[start + u], "item_id": self.items_.ids[idx],
                                            "rank": np.arange(1, len(idx) + 1), "score": score[idx]}))
        return (pd.concat(frames, ignore_index=True) if frames
                else pd.DataFrame(columns=["user_id", "item_id", "rank", "score"]))

    def recommend_for_segment(self, segment_id, k: int = 10, category: str | None = None,
                              max_price: float | None = None, min_price: float | None = None,
                              in_stock_only: bool = True, exclude_items: Iterable | None = None) -> pd.DataFrame:
        """Items bought by the most distinct customers of one segment (needs fit(..., segments=...))."""
        check_is_fitted(self, "history_")
        key = str(segment_id)
        pos = int(np.searchsorted(self.segment_labels_, key)) if len(self.segment_labels_) else 0
        if not len(self.segment_labels_) or pos >= len(self.segment_labels_) or self.segment_labels_[pos] != key:
            raise UnknownSegmentError(segment_id, self.segment_labels_)
        pop = self.segment_popularity_[pos]
        mask = self._mask(category, min_price, max_price, in_stock_only, exclude_items) & (pop > 0)
        score = np.where(mask, pop, -np.inf)
        idx = self._top(score, k)
        return self._frame(idx, score[idx], [f"popular in segment {key}"] * len(idx))

    def _ensure_vectors(self) -> None:
        """Embed the product texts the first time a vector signal is needed (similar_products)."""
        if self.has_vectors_.any() or self.pending_texts_ is None:
            return
        vectors = self._embed_products(self.pending_texts_)
        self.pending_texts_ = None
        if vectors is not None:
            self._set_vectors(vectors)

    def _content_scores(self, pos: int, k: int) -> np.ndarray:
        """Cosine to item `pos` for every item: from the store's nearest-neighbour index when one is attached
        (`query(vector, k)` -> item_id, score), else an exact scan of the item vectors."""
        n = len(self.items_)
        if not self.has_vectors_[pos]:
            return np.zeros(n)
        query = getattr(self.store, "query", None)
        if query is not None:
            try:
                hits = query(self.vectors_[pos], k=max(5 * k, 50))
                out = np.zeros(n)
                idx = self.items_.positions(hits["item_id"].astype(str).to_numpy())
                out[idx[idx >= 0]] = np.maximum(hits["score"].to_numpy(dtype=float)[idx >= 0], 0.0)
                return out
            except (KeyError, TypeError, ValueError, DataError):
                pass  # a store that cannot answer: exact scan below
        return np.maximum(self.vectors_ @ self.vectors_[pos], 0.0)

    def similar_products(self, item_id, k: int = 10, in_stock_only: bool = True,
                         exclude_items: Iterable | None = None) -> pd.DataFrame:
        """Items often bought with, or textually similar to, one item (new items: text similarity only)."""
        check_is_fitted(self, "history_")
        pos = int(self.items_.positions([str(item_id)])[0])
        if pos < 0:
            raise UnknownItemError(item_id)
        self._ensure_vectors()
        n = len(self.items_)
        knn = np.zeros(n)
        row = self.neighbors_[pos]
        knn[row.indices] = row.data
        content = self._content_scores(pos, k)
        parts = np.stack([knn / max(knn.max(), 1e-12), content / max(content.max(), 1e-12)])
        w = np.array([max(self.weights_.get("knn", 0.0), 1e-3), max(self.weights_.get("content", 0.0), 1e-3)])
        score = w @ parts
        mask = (score > 0) & self._mask(None, None, None, in_stock_only, exclude_items)
        mask[pos] = False
        score = np.where(mask, score, -np.inf)
        idx = self._top(score, k)
        title = self._reason_name(pos)
        reasons = [f"often bought with {title}" if w[0] * parts[0, i] >= w[1] * parts[1, i] else f"similar to {title}"
                   for i in idx]
        return self._frame(idx, score[idx], reasons)

    # ------------------------------------------------------------------------------------------ persistence
    def __getstate__(self):
        state = dict(self.__dict__)
        state["store"] = None  # live clients (Chroma, the encoder) are not saved; pass them again after load
        state["encoder"] = None
        state["_category_masks"] = {}
        state["pending_texts_"] = None
        return state

    def save(self, path: str | Path) -> Path:
        """Write the fitted model with joblib (live clients such as Chroma or the encoder are not saved)."""
        return save_model(self, path)

    @classmethod
    def load(cls, path: str | Path) -> "Recommender":
        return load_model(cls, path)


class _Pools:
    """Validation users' candidate pools: signals (users x signals x pool), relevance, and blend scoring."""

    def __init__(self, sig: np.ndarray, rel: np.ndarray, n_rel: np.ndarray, cold: np.ndarray,
                 names: Sequence[str] = SIGNALS, tie: np.ndarray | None = None):
        self.sig, self.rel, self.cold = sig, rel, cold
        # recommend() breaks ties by popularity (+1e-6 x popularity): the same here, so pooled and served agree
        self.tie = (1e-6 * tie).astype(np.float32) if tie is not None else 0.0
        self.discounts = 1.0 / np.log2(np.arange(2, 12))
        self.idcg = np.cumsum(self.discounts)[np.minimum(n_rel, 10).astype(int) - 1]
        # cold users are ranked by popularity alone, as recommend() does (if the pool has that signal)
        self.cold_score = sig[:, list(names).index("pop"), :] if "pop" in names else None

    def ndcg(self, w: np.ndarray) -> float:
        """Validation NDCG@10 of one blend (cold users ranked by popularity, as recommend() does)."""
        score = np.einsum("usp,s->up", self.sig, np.asarray(w, dtype=np.float32)) + self.tie
        if self.cold_score is not None and self.cold.any():
            score[self.cold] = self.cold_score[self.cold]
        k = min(10, score.shape[1])
        part = _first_k_by_position(score, k)          # pool columns are in item order, as serving breaks ties
        order = np.argsort(-np.take_along_axis(score, part, axis=1), axis=1, kind="stable")
        hits = np.take_along_axis(self.rel, np.take_along_axis(part, order, axis=1), axis=1)
        return float(((hits * self.discounts[:k]).sum(axis=1) / self.idcg).mean())

    def coordinate_search(self, has_content: bool, rounds: int = 2) -> tuple[dict[str, float], float]:
        """Tune one weight at a time over WEIGHT_STEPS (a bounded search: signals x steps x rounds blends)."""
        w = np.array([DEFAULT_WEIGHTS[s] for s in SIGNALS])
        if not has_content:
            w[SIGNALS.index("content")] = 0.0
        best = self.ndcg(w)
        for _ in range(rounds):
            improved = False
            for j, name in enumerate(SIGNALS):
                if name == "content" and not has_content:
                    continue
                for step in WEIGHT_STEPS:
                    trial = w.copy()
                    trial[j] = step
                    if not trial.any():
                        continue
                    value = self.ndcg(trial)
                    if value > best + 1e-9:
                        best, w, improved = value, trial, True
            if not improved:
                break
        return dict(zip(SIGNALS, map(float, w))), best
