"""`Recommender`: per-user and per-segment product recommendations from behaviour + product text.

One score blends four signals, each scaled to max 1 per user:
  repeat   the user's own items, frequency x recency decay (the strongest grocery baseline)
  knn      item-item cosine over the user-item matrix (top `n_neighbors` per item, precomputed)
  content  cosine between the user's recency-weighted mean item vector and every product vector (text
           embeddings from the encoder or the Chroma ProductStore), so products with text but no events appear
  pop      popularity in the user's segment (or overall)
  reorder  the repeat signal times the item's re-purchase rate (milk is bought again, a grill is not)
Blend weights are tuned on a validation split carved from the training events (`weights="tune"`), never on
the evaluation test split. Every recommendation carries a human-readable reason.
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from assistant.core.persistence import load_model, save_model
from assistant.core.errors import DataError
from campaigns.rec_eval import ItemVectors, temporal_split
from campaigns.rec_signals import (
    IdIndex, decay_factor, item_knn, l2_rows, popularity, prepare_interactions, user_item_matrix,
)

SIGNALS: tuple[str, ...] = ("repeat", "knn", "content", "pop", "reorder")
DEFAULT_WEIGHTS: dict[str, float] = {"repeat": 1.0, "knn": 0.1, "content": 0.03, "pop": 0.03, "reorder": 1.0}
# Coarse grid for weight tuning (repeat fixed at 1: only ratios matter).
WEIGHT_GRID: dict[str, tuple[float, ...]] = {
    "knn": (0.0, 0.03, 0.1, 0.2, 0.4, 0.8),
    "content": (0.0, 0.03, 0.1, 0.2, 0.4),
    "pop": (0.0, 0.01, 0.03, 0.1, 0.3),
    "reorder": (0.0, 0.5, 1.0, 2.0, 4.0),
}
COLD_START_EVENTS = 2
RESULT_COLUMNS = ["item_id", "score", "reason", "title", "category", "price"]


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


class Recommender:
    """Blended recommender (scikit-learn style). See module docstring."""

    def __init__(self, n_neighbors: int = 100, recency_half_life_days: float = 60.0,
                 weights: None | str | Mapping[str, float] = "tune", random_state: int = 0, store=None,
                 encoder=None, content_candidates: int = 200, max_validation_users: int = 3000):
        self.n_neighbors = n_neighbors
        self.recency_half_life_days = recency_half_life_days
        self.weights = weights
        self.random_state = random_state
        self.store = store
        self.encoder = encoder
        self.content_candidates = content_candidates
        self.max_validation_users = max_validation_users

    # ------------------------------------------------------------------------------------------------ fit
    def fit(self, events: pd.DataFrame, products: pd.DataFrame | None = None,
            segments: pd.Series | None = None, item_vectors: ItemVectors | None = None) -> "Recommender":
        """Learn from canonical events (user_id, item_id, timestamp[, event_type, basket_id]).

        products: canonical product table (titles for reasons, filters, text for content vectors).
        segments: Series user_id -> segment label (segment popularity, cold start, recommend_for_segment).
        item_vectors: precomputed item vectors; otherwise taken from `store` or computed with `encoder`.
        """
        inter = prepare_interactions(events, name="events")
        if inter.empty:
            raise DataError("no usable events (user_id, item_id and timestamp all needed)", file="events",
                            fix="load events through assistant.core.data before fitting")
        self._set_products(products, inter)
        self._set_vectors(products, item_vectors)
        self.segments_ = (pd.Series(segments).rename(index=str).astype(str) if segments is not None
                          else pd.Series(dtype=str))
        self.half_life_ = self.recency_half_life_days
        if isinstance(self.weights, str) and self.weights == "tune":
            # also try a half-life of 1/8 of the data's time span (short logs like a 9-day clickstream)
            ts = inter["timestamp"]
            span_days = (ts.quantile(0.99) - ts.quantile(0.01)).total_seconds() / 86400.0
            best = (-1.0, None, None, None)
            # and no decay at all: sparse logs (Complete Journey's sampled lines) need every past purchase
            candidates = [self.recency_half_life_days, max(span_days / 8.0, 0.5), None]
            for half_life in dict.fromkeys(candidates):
                self.half_life_ = half_life
                weights, tuning = self._tune(inter)
                score = -1.0 if tuning is None else float(tuning["val_ndcg@10"].max())
                if best[2] is None or score > best[0] + 1e-12:
                    best = (score, half_life, weights, tuning)
            _, self.half_life_, self.weights_, self.tuning_ = best
        elif self.weights is None:
            self.weights_, self.tuning_ = dict(DEFAULT_WEIGHTS), None
        else:
            self.weights_ = {s: float(dict(self.weights).get(s, 0.0)) for s in SIGNALS}
            self.tuning_ = None
        if not self.has_vectors_.any():
            self.weights_["content"] = 0.0
        self._build(inter)
        return self

    def _set_products(self, products: pd.DataFrame | None, inter: pd.DataFrame) -> None:
        if products is not None and "item_id" not in products.columns:
            raise DataError("products table has no item_id column", file="products", column="item_id")
        product_ids = products["item_id"].astype(str).to_numpy() if products is not None else []
        self.items_ = IdIndex.from_values(inter["item_id"], product_ids)
        n = len(self.items_)
        meta = pd.DataFrame(index=pd.Index(self.items_.ids, name="item_id"))
        if products is not None:
            p = products.assign(item_id=products["item_id"].astype(str)).drop_duplicates("item_id", keep="last")
            meta = meta.join(p.set_index("item_id"), how="left")
        self.titles_ = (meta["title"].astype("string").fillna("") if "title" in meta
                        else pd.Series("", index=meta.index)).to_numpy(dtype=object)
        self.titles_ = np.where(self.titles_ == "", self.items_.ids, self.titles_)
        self.categories_ = (meta["category"].astype("string").fillna("") if "category" in meta
                            else pd.Series("", index=meta.index)).to_numpy(dtype=object)
        self.prices_ = (pd.to_numeric(meta["price"], errors="coerce") if "price" in meta
                        else pd.Series(np.nan, index=meta.index)).to_numpy(dtype=float)
        stock = meta["in_stock"] if "in_stock" in meta else pd.Series(True, index=meta.index)
        self.in_stock_ = stock.astype("boolean").fillna(True).to_numpy(dtype=bool)
        assert len(self.titles_) == n
        self._category_masks: dict[str, np.ndarray] = {}

    def _set_vectors(self, products: pd.DataFrame | None, item_vectors: ItemVectors | None) -> None:
        n = len(self.items_)
        self.vectors_ = np.zeros((n, 1), dtype=np.float32)
        self.has_vectors_ = np.zeros(n, dtype=bool)
        if item_vectors is None and products is not None and len(products):
            ids = products["item_id"].astype(str).drop_duplicates(keep="last").to_numpy()
            if self.store is not None:
                try:
                    vectors = self.store.get_vectors(list(ids))
                except DataError:  # store not synced with these products: embed them with its encoder
                    vectors = self._encode(products, self.store.encoder)
                item_vectors = ItemVectors(ids, np.asarray(vectors, dtype=np.float32))
            elif self.encoder is not None:
                item_vectors = ItemVectors(ids, self._encode(products, self.encoder))
        if item_vectors is not None:
            vecs, found = item_vectors.lookup(self.items_.ids)
            self.vectors_ = l2_rows(vecs.astype(np.float32))
            self.has_vectors_ = found & (np.abs(self.vectors_).sum(axis=1) > 0)

    @staticmethod
    def _encode(products: pd.DataFrame, encoder) -> np.ndarray:
        from embeddings.text import product_texts
        texts = product_texts(products)
        return np.asarray(encoder.encode(list(texts.to_numpy())), dtype=np.float32)

    def _build(self, inter: pd.DataFrame) -> None:
        """Precompute everything the hot path needs (history matrices, neighbour lists, popularity)."""
        self.users_ = IdIndex.from_values(inter["user_id"])
        self.now_ = inter["timestamp"].max()
        decay = decay_factor(inter["timestamp"].to_numpy(), self.now_, self.half_life_)
        self.history_ = user_item_matrix(inter, self.users_, self.items_, inter["weight"].to_numpy() * decay)
        purchases = inter[inter["is_purchase"]]
        self.purchase_counts_ = user_item_matrix(purchases, self.users_, self.items_, np.ones(len(purchases)))
        self.event_counts_ = user_item_matrix(inter, self.users_, self.items_, np.ones(len(inter)))
        self.n_events_ = np.asarray(self.event_counts_.sum(axis=1)).ravel()
        # Share of an item's buyers who came back for it (smoothed: +1 / +2 so rare items sit near 0.5).
        repeat_users = np.asarray((self.event_counts_ >= 2).sum(axis=0)).ravel()
        any_users = np.asarray((self.event_counts_ >= 1).sum(axis=0)).ravel()
        self.reorder_rate_ = (repeat_users + 1.0) / (any_users + 2.0)
        self.neighbors_ = item_knn(self.history_, self.n_neighbors)
        counts = np.asarray(self.event_counts_.sum(axis=0)).ravel()
        pop = popularity(self.history_) + counts / (counts.max() + 1.0)  # distinct buyers; ties by volume
        self.popularity_ = pop / max(pop.max(), 1.0)
        self.user_vectors_ = (l2_rows(np.asarray(self.history_ @ self.vectors_, dtype=np.float32))
                              if self.has_vectors_.any() else None)
        # Segment popularity: segments x items counts of distinct buyers.
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

    # ---------------------------------------------------------------------------------------------- signals
    def _signals(self, row: int) -> np.ndarray:
        """5 x n_items matrix of per-user signals, each scaled to max 1."""
        n = len(self.items_)
        out = np.zeros((5, n))
        hist = self.history_[row]
        out[0, hist.indices] = hist.data
        knn = hist @ self.neighbors_
        out[1, knn.indices] = knn.data
        if self.user_vectors_ is not None:
            sims = self.vectors_ @ self.user_vectors_[row]
            c = min(self.content_candidates, n)
            top = np.argpartition(-sims, c - 1)[:c]
            # min-max over the candidates: sentence-embedding cosines bunch up (0.4-0.9), stretch them
            low = sims[top].min()
            out[2, top] = np.maximum(sims[top] - low, 0.0)
        seg = self.user_segment_[row]
        out[3] = self.segment_popularity_[seg] if seg >= 0 else self.popularity_
        out[4, hist.indices] = hist.data * self.reorder_rate_[hist.indices]
        top = out.max(axis=1, keepdims=True)
        return np.divide(out, top, out=np.zeros_like(out), where=top > 0)

    def _tune(self, inter: pd.DataFrame) -> tuple[dict[str, float], pd.DataFrame | None]:
        """Grid-search blend weights on a validation split carved from the training events."""
        has_baskets = "basket_id" in inter.columns and inter["basket_id"].notna().any()
        sub, val = temporal_split(inter, mode="last_basket" if has_baskets else "last_fraction")
        self._build(sub)
        truth = val[val["user_id"].isin(set(sub["user_id"]))].groupby("user_id")["item_id"].agg(set)
        if truth.empty:
            return dict(DEFAULT_WEIGHTS), None
        if len(truth) > self.max_validation_users:
            truth = truth.sample(self.max_validation_users, random_state=self.random_state).sort_index()
        # Candidate pool per user: top items of every signal; relevance and signal values on the pool only.
        pool_size = 100
        sig_stack, rel_stack, n_rel = [], [], []
        rows = self.users_.positions(truth.index.to_numpy())
        for row, items in zip(rows, truth.to_numpy()):
            s = self._signals(row)
            cand = np.unique(np.concatenate([np.argpartition(-s[j], min(pool_size, s.shape[1]) - 1)[:pool_size]
                                             for j in range(len(SIGNALS))]))
            pad = len(SIGNALS) * pool_size - len(cand)
            rel = np.isin(self.items_.ids[cand], list(items))
            sig_stack.append(np.pad(s[:, cand], ((0, 0), (0, pad)), constant_values=-1e3))
            rel_stack.append(np.pad(rel, (0, pad)))
            n_rel.append(len(items))
        sig = np.stack(sig_stack)          # users x signals x pool
        rel = np.stack(rel_stack)          # users x pool
        n_rel = np.array(n_rel, dtype=float)
        discounts = 1.0 / np.log2(np.arange(2, 12))
        idcg = np.cumsum(discounts)[np.minimum(n_rel, 10).astype(int) - 1]
        rows_out, best, best_w = [], -1.0, dict(DEFAULT_WEIGHTS)
        grid = itertools.product(WEIGHT_GRID["knn"],
                                 WEIGHT_GRID["content"] if self.has_vectors_.any() else (0.0,),
                                 WEIGHT_GRID["pop"], WEIGHT_GRID["reorder"])
        for wk, wc, wp, wr in grid:
            w = np.array([1.0, wk, wc, wp, wr])
            score = np.einsum("usp,s->up", sig, w)
            part = np.argpartition(-score, 9, axis=1)[:, :10]
            order = np.argsort(-np.take_along_axis(score, part, axis=1), axis=1, kind="stable")
            hits = np.take_along_axis(rel, np.take_along_axis(part, order, axis=1), axis=1)
            ndcg = float(((hits * discounts).sum(axis=1) / idcg).mean())
            weights = dict(zip(SIGNALS, (1.0, wk, wc, wp, wr)))
            rows_out.append({**weights, "val_ndcg@10": ndcg})
            if ndcg > best + 1e-12:
                best, best_w = ndcg, weights
        return best_w, pd.DataFrame(rows_out)

    # ------------------------------------------------------------------------------------------- filtering
    def _mask(self, category, min_price, max_price, in_stock_only) -> np.ndarray:
        mask = np.ones(len(self.items_), dtype=bool)
        if in_stock_only:
            mask &= self.in_stock_
        if min_price is not None:
            mask &= np.nan_to_num(self.prices_, nan=-np.inf) >= float(min_price)
        if max_price is not None:
            mask &= np.nan_to_num(self.prices_, nan=np.inf) <= float(max_price)
        if category:
            mask &= self._category_mask(str(category))
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
    def _check_fitted(self) -> None:
        if not hasattr(self, "history_"):
            raise RuntimeError("Recommender is not fitted yet: call fit(events, products) first")

    def _frame(self, idx: np.ndarray, scores: np.ndarray, reasons: list[str]) -> pd.DataFrame:
        return pd.DataFrame({"item_id": self.items_.ids[idx], "score": scores, "reason": reasons,
                             "title": self.titles_[idx], "category": self.categories_[idx],
                             "price": self.prices_[idx]}, columns=RESULT_COLUMNS)

    @staticmethod
    def _top(scores: np.ndarray, k: int) -> np.ndarray:
        valid = np.flatnonzero(np.isfinite(scores))
        if len(valid) == 0 or k <= 0:
            return np.zeros(0, dtype=int)
        k = min(k, len(valid))
        cand = valid[np.argpartition(-scores[valid], k - 1)[:k]]
        return cand[np.lexsort((cand, -scores[cand]))]  # best first; equal scores by item position

    def _blend(self, row: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(score, signals, weights) for a known user row; cold-start users get segment/popular only."""
        s = self._signals(row)
        cold = self.n_events_[row] <= COLD_START_EVENTS
        w = (np.array([0.0, 0.0, 0.0, 1.0, 0.0]) if cold
             else np.array([self.weights_.get(name, 0.0) for name in SIGNALS]))
        score = w @ s + 1e-6 * self.popularity_  # popularity breaks ties and fills short lists
        return score, s, w

    def _reasons(self, row: int | None, idx: np.ndarray, s: np.ndarray | None, w: np.ndarray | None) -> list[str]:
        if row is None:
            return ["popular overall"] * len(idx)
        seg = self.user_segment_[row]
        pop_reason = "popular in your segment" if seg >= 0 else "popular overall"
        hist = self.history_[row]
        out = []
        for i in idx:
            contrib = w * s[:, i]
            kind = int(np.argmax(contrib)) if contrib.max() > 0 else 3
            if kind in (0, 4):
                bought = int(self.purchase_counts_[row, i])
                n = bought or int(self.event_counts_[row, i])
                verb = "bought" if bought else "looked at"
                out.append(f"you {verb} it {n} time{'s' if n != 1 else ''}")
            elif kind == 1:
                anchors = hist.indices[hist.indices != i]
                sims = self.neighbors_[anchors, i].toarray().ravel() * hist.data[hist.indices != i]
                out.append(f"often bought with {self.titles_[anchors[np.argmax(sims)]]}" if len(anchors)
                           else pop_reason)
            elif kind == 2:
                anchors = hist.indices[(hist.indices != i) & self.has_vectors_[hist.indices]]
                if len(anchors):
                    sims = self.vectors_[anchors] @ self.vectors_[i]
                    # only claim similarity when it is real (cosine >= 0.3), else the fallback reason
                    out.append(f"similar to {self.titles_[anchors[np.argmax(sims)]]}" if sims.max() >= 0.3
                               else pop_reason)
                else:
                    out.append(pop_reason)
            else:
                out.append(pop_reason)
        return out

    def recommend(self, user_id, k: int = 10, exclude_purchased: bool = False, category: str | None = None,
                  max_price: float | None = None, min_price: float | None = None, in_stock_only: bool = True,
                  fallback: bool = False) -> pd.DataFrame:
        """Top-k items for one user: DataFrame[item_id, score, reason, title, category, price], best first.

        Unknown user: raises UnknownUserError (a KeyError) unless fallback=True, which returns items popular
        overall with the reason "popular overall". Users with <= 2 events get segment/popular items.
        """
        self._check_fitted()
        pos = int(self.users_.positions([str(user_id)])[0])
        mask = self._mask(category, min_price, max_price, in_stock_only)
        if pos < 0:
            if not fallback:
                raise UnknownUserError(user_id)
            score = np.where(mask, self.popularity_ + 1e-9, -np.inf)
            idx = self._top(score, k)
            return self._frame(idx, score[idx], self._reasons(None, idx, None, None))
        score, s, w = self._blend(pos)
        if exclude_purchased:
            mask = mask.copy()
            mask[self.purchase_counts_[pos].indices] = False
        score = np.where(mask, score, -np.inf)
        idx = self._top(score, k)
        return self._frame(idx, score[idx], self._reasons(pos, idx, s, w))

    def recommend_batch(self, user_ids: Sequence, k: int = 10) -> pd.DataFrame:
        """Evaluation protocol (campaigns.rec_eval): DataFrame[user_id, item_id, rank, score], no filters,
        unknown users get popular items."""
        self._check_fitted()
        frames = []
        for user in user_ids:
            pos = int(self.users_.positions([str(user)])[0])
            score = self._blend(pos)[0] if pos >= 0 else self.popularity_.copy()
            idx = self._top(score, k)
            frames.append(pd.DataFrame({"user_id": str(user), "item_id": self.items_.ids[idx],
                                        "rank": np.arange(1, len(idx) + 1), "score": score[idx]}))
        return pd.concat(frames, ignore_index=True)

    def recommend_for_segment(self, segment_id, k: int = 10, category: str | None = None,
                              max_price: float | None = None, min_price: float | None = None,
                              in_stock_only: bool = True) -> pd.DataFrame:
        """Items bought by the most distinct customers of one segment (needs fit(..., segments=...))."""
        self._check_fitted()
        key = str(segment_id)
        pos = int(np.searchsorted(self.segment_labels_, key)) if len(self.segment_labels_) else 0
        if not len(self.segment_labels_) or pos >= len(self.segment_labels_) or self.segment_labels_[pos] != key:
            raise UnknownSegmentError(segment_id, self.segment_labels_)
        pop = self.segment_popularity_[pos]
        score = np.where(self._mask(category, min_price, max_price, in_stock_only) & (pop > 0), pop, -np.inf)
        idx = self._top(score, k)
        return self._frame(idx, score[idx], [f"popular in segment {key}"] * len(idx))

    def similar_products(self, item_id, k: int = 10, in_stock_only: bool = True) -> pd.DataFrame:
        """Items often bought with, or textually similar to, one item (new items: text similarity only)."""
        self._check_fitted()
        pos = int(self.items_.positions([str(item_id)])[0])
        if pos < 0:
            raise UnknownItemError(item_id)
        n = len(self.items_)
        knn = np.zeros(n)
        row = self.neighbors_[pos]
        knn[row.indices] = row.data
        content = np.maximum(self.vectors_ @ self.vectors_[pos], 0.0) if self.has_vectors_[pos] else np.zeros(n)
        parts = np.stack([knn / max(knn.max(), 1e-12), content / max(content.max(), 1e-12)])
        w = np.array([max(self.weights_.get("knn", 0.0), 1e-3), max(self.weights_.get("content", 0.0), 1e-3)])
        score = w @ parts
        mask = (score > 0) & (self._mask(None, None, None, in_stock_only))
        mask[pos] = False
        score = np.where(mask, score, -np.inf)
        idx = self._top(score, k)
        title = self.titles_[pos]
        reasons = [f"often bought with {title}" if w[0] * parts[0, i] >= w[1] * parts[1, i] else f"similar to {title}"
                   for i in idx]
        return self._frame(idx, score[idx], reasons)

    # ------------------------------------------------------------------------------------------ persistence
    def __getstate__(self):
        state = dict(self.__dict__)
        state["store"] = None  # live clients (Chroma, the encoder) are not saved; pass them again after load
        state["encoder"] = None
        state["_category_masks"] = {}
        return state

    def save(self, path: str | Path) -> Path:
        """Write the fitted model with joblib (live clients such as Chroma or the encoder are not saved)."""
        return save_model(self, path)

    @classmethod
    def load(cls, path: str | Path) -> "Recommender":
        return load_model(cls, path)
