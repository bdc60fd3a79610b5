"""Building blocks shared by the recommender and the evaluation baselines: id indexes, sessions, user-item
matrices, item-item neighbours, session-to-session transitions, popularity, EASE. All work in integer index space
on scipy sparse matrices.

`interactions` here means a DataFrame with columns user_id, item_id, timestamp and optionally event_type,
quantity, basket_id, weight (canonical `events` tables qualify).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from assistant.core.data.schema import REQUIRED_EVENT_COLUMNS
from assistant.core.errors import DataError
from assistant.core.vocabulary import is_purchase

# How much one event says about interest (a purchase is the strongest signal; a page view the weakest).
EVENT_WEIGHTS: dict[str, float] = {"purchase": 1.0, "cart": 0.6, "fav": 0.4, "view": 0.15}
REQUIRED = REQUIRED_EVENT_COLUMNS
# Without basket ids a session is a run of events with less than this gap between them (web-analytics habit).
SESSION_GAP = pd.Timedelta(minutes=30)


def prepare_interactions(interactions: pd.DataFrame, name: str = "interactions") -> pd.DataFrame:
    """Validate and normalise: string ids, datetime timestamps, a `weight` column (event-type weight)."""
    missing = [c for c in REQUIRED if c not in interactions.columns]
    if missing:
        raise DataError(f"missing column(s) {missing}", file=name, column=missing[0],
                        fix="pass a table with user_id, item_id and timestamp (the canonical events table)")
    frame = interactions.dropna(subset=list(REQUIRED))
    out = pd.DataFrame({
        "user_id": frame["user_id"].astype(str).to_numpy(),
        "item_id": frame["item_id"].astype(str).to_numpy(),
        "timestamp": pd.to_datetime(frame["timestamp"]).to_numpy(),
    })
    if "weight" in frame.columns:
        out["weight"] = frame["weight"].astype(float).to_numpy()
    elif "event_type" in frame.columns:
        out["weight"] = frame["event_type"].map(EVENT_WEIGHTS).fillna(0.15).astype(float).to_numpy()
    else:
        out["weight"] = 1.0
    out["is_purchase"] = is_purchase(frame).to_numpy()
    if "basket_id" in frame.columns:
        out["basket_id"] = frame["basket_id"].astype("string").to_numpy()
    return out


@dataclass(frozen=True)
class IdIndex:
    """Sorted ids <-> dense positions (sorted so the same data always gives the same positions)."""

    ids: np.ndarray

    @classmethod
    def from_values(cls, *values) -> "IdIndex":
        joined = np.concatenate([np.asarray(v, dtype=object).astype(str) for v in values]) if values else []
        return cls(np.array(sorted(set(joined)), dtype=object))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def _keys(self) -> np.ndarray:
        """The ids as a fixed-width str array, built once (converting 50k object ids costs ~0.1 s per lookup)."""
        keys = self.__dict__.get("_keys_cache")
        if keys is None:
            keys = np.asarray(self.ids, dtype=object).astype(str)
            object.__setattr__(self, "_keys_cache", keys)
        return keys

    def positions(self, values) -> np.ndarray:
        """Positions of `values` (-1 where unknown)."""
        values = np.asarray(values, dtype=object).astype(str)
        if not len(self.ids):
            return np.full(len(values), -1)
        keys = self._keys
        pos = np.clip(np.searchsorted(keys, values), 0, len(keys) - 1)
        return np.where(keys[pos] == values, pos, -1)


def decay_factor(timestamps: np.ndarray, now: np.datetime64, half_life_days: float | None) -> np.ndarray:
    """0.5 ** (age / half_life): recent events count more. None -> no decay."""
    if not half_life_days:
        return np.ones(len(timestamps))
    timestamps = np.asarray(timestamps, dtype="datetime64[ns]")
    now = np.datetime64(pd.Timestamp(now).to_datetime64(), "ns")
    age_days = (now - timestamps).astype("timedelta64[s]").astype(float) / 86400.0
    return 0.5 ** (np.maximum(age_days, 0.0) / float(half_life_days))


def user_item_matrix(inter: pd.DataFrame, users: IdIndex, items: IdIndex, values: np.ndarray) -> sparse.csr_matrix:
    """Sum `values` per (user, item) into a users x items CSR matrix (rows of unknown ids are dropped)."""
    u = users.positions(inter["user_id"].to_numpy())
    i = items.positions(inter["item_id"].to_numpy())
    keep = (u >= 0) & (i >= 0)
    m = sparse.coo_matrix((np.asarray(values, float)[keep], (u[keep], i[keep])), shape=(len(users), len(items)))
    out = m.tocsr()
    out.sum_duplicates()
    return out


def top_n_per_row(matrix: sparse.csr_matrix, n: int) -> sparse.csr_matrix:
    """Keep the n largest entries of each row. Hand-written: scipy/sklearn have no sparse row-wise top-n."""
    matrix = matrix.tocsr()
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    rows, cols, vals = [], [], []
    for r in range(matrix.shape[0]):
        start, end = indptr[r], indptr[r + 1]
        if end == start:
            continue
        d = data[start:end]
        if end - start > n:
            keep = np.argpartition(-d, n - 1)[:n]
        else:
            keep = np.arange(end - start)
        rows.append(np.full(len(keep), r))
        cols.append(indices[start:end][keep])
        vals.append(d[keep])
    if not rows:
        return sparse.csr_matrix(matrix.shape)
    return sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=matrix.shape)


def item_knn(user_items: sparse.csr_matrix, n_neighbors: int = 50, keep_self: bool = False,
             shrink: float = 0.0) -> sparse.csr_matrix:
    """Item-item cosine similarity over binarised user-item data, top `n_neighbors` per item (items x items)."""
    binary = user_items.copy().tocsc()
    binary.data = np.ones_like(binary.data)
    counts = np.asarray(binary.sum(axis=0)).ravel()
    co = (binary.T @ binary).tocsr().astype(np.float64)
    norm = np.sqrt(np.maximum(counts, 1.0))
    co = sparse.diags(1.0 / norm) @ co @ sparse.diags(1.0 / norm)
    if shrink:
        # shrink similarities of rarely co-bought pairs (classic ItemKNN shrinkage)
        raw = (binary.T @ binary).tocsr()
        co = co.multiply(raw / (raw + shrink)).tocsr()
    co = co.tocsr()
    if not keep_self:
        co.setdiag(0.0)
        co.eliminate_zeros()
    return top_n_per_row(co, n_neighbors)


def popularity(user_items: sparse.csr_matrix) -> np.ndarray:
    """Number of distinct users per item (robust to a few heavy buyers)."""
    binary = user_items.copy()
    binary.data = np.ones_like(binary.data)
    return np.asarray(binary.sum(axis=0)).ravel().astype(float)


def ease_weights(user_items: sparse.csr_matrix, lam: float, dtype=np.float64) -> np.ndarray:
    """EASE (Steck 2019) closed form: B = I - P / diag(P), P = (X'X + lam I)^-1, on the given item columns.
    O(items^3): float32 halves memory and time for the thousands of items the recommender uses."""
    binary = user_items.copy()
    binary.data = np.ones_like(binary.data)
    gram = (binary.T @ binary).toarray().astype(dtype)
    gram[np.diag_indices_from(gram)] += lam
    p = np.linalg.inv(gram)
    b = -p / np.diag(p)
    b[np.diag_indices_from(b)] = 0.0
    return b


def session_numbers(inter: pd.DataFrame, gap: pd.Timedelta = SESSION_GAP) -> np.ndarray:
    """Per row, the user's session number in time order (0 = first session).

    A session is a basket when `basket_id` is present (ordered by the basket's last timestamp), otherwise a run
    of the user's events with gaps shorter than `gap`. Rows without a basket id form one session per timestamp.
    """
    users = inter["user_id"].to_numpy()
    ts = pd.to_datetime(inter["timestamp"]).to_numpy()
    if "basket_id" in inter.columns and inter["basket_id"].notna().any():
        basket = inter["basket_id"].astype("string")
        basket = basket.fillna("~t" + pd.Series(ts.astype("int64"), index=inter.index).astype(str)).to_numpy()
        frame = pd.DataFrame({"u": users, "b": basket, "t": ts})
        end = frame.groupby(["u", "b"], sort=False)["t"].transform("max")
        keys = frame.assign(t=end).drop_duplicates(["u", "b"]).sort_values(["u", "t", "b"], kind="stable")
        keys["n"] = keys.groupby("u", sort=False).cumcount()
        return frame.merge(keys[["u", "b", "n"]], on=["u", "b"], how="left")["n"].to_numpy(dtype=np.int64)
    order = pd.DataFrame({"u": users, "t": ts}).sort_values(["u", "t"], kind="stable").index.to_numpy()
    u_sorted, t_sorted = users[order], ts[order]
    new_user = np.r_[True, u_sorted[1:] != u_sorted[:-1]]
    new_session = new_user | np.r_[True, (t_sorted[1:] - t_sorted[:-1]) > gap.to_timedelta64()]
    session_id = np.cumsum(new_session)
    first_of_user = np.maximum.accumulate(np.where(new_user, session_id, 0))
    out = np.empty(len(users), dtype=np.int64)
    out[order] = session_id - first_of_user
    return out


def session_transitions(inter: pd.DataFrame, sessions: np.ndarray, users: IdIndex, items: IdIndex,
                        window: int = 2, max_items_per_session: int = 30, top_n: int = 200) -> sparse.csr_matrix:
    """Items x items: how often item j appears in one of the next `window` sessions after item i (lag d counts
    1/d), divided by how often i was followed at all, so row i estimates P(next | i). Self-transitions are
    dropped (the repeat signal covers them); each row keeps its `top_n` largest entries."""
    u = users.positions(inter["user_id"].to_numpy())
    i = items.positions(inter["item_id"].to_numpy())
    frame = pd.DataFrame({"u": u, "n": sessions, "i": i, "t": pd.to_datetime(inter["timestamp"]).to_numpy()})
    frame = frame[(frame["u"] >= 0) & (frame["i"] >= 0)].drop_duplicates(["u", "n", "i"], keep="last")
    frame = frame.sort_values(["u", "n", "t"], kind="stable").groupby(["u", "n"], sort=False).tail(
        max_items_per_session)[["u", "n", "i"]]
    parts = []
    for lag in range(1, window + 1):
        nxt = frame.assign(n=frame["n"] - lag).rename(columns={"i": "j"})
        pairs = frame.merge(nxt, on=["u", "n"])
        pairs = pairs[pairs["i"] != pairs["j"]]
        parts.append((pairs["i"].to_numpy(), pairs["j"].to_numpy(), np.full(len(pairs), 1.0 / lag)))
    n = len(items)
    if not parts or not sum(len(p[0]) for p in parts):
        return sparse.csr_matrix((n, n))
    rows, cols, vals = (np.concatenate(x) for x in zip(*parts))
    counts = sparse.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    counts.sum_duplicates()
    out_total = np.asarray(counts.sum(axis=1)).ravel()
    probs = sparse.diags(1.0 / np.maximum(out_total, 1.0)) @ counts
    return top_n_per_row(probs.tocsr(), top_n)


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Scale each row to max 1 (rows of zeros stay zero) so signals on different scales can be blended."""
    top = matrix.max(axis=1, keepdims=True)
    return np.divide(matrix, top, out=np.zeros_like(matrix), where=top > 0)


def l2_rows(matrix: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norm, out=np.zeros_like(matrix), where=norm > 0)


@dataclass(frozen=True)
class ItemVectors:
    """Precomputed (L2-normalised) item vectors: text embeddings, or category one-hots when there is no text."""

    item_ids: np.ndarray
    vectors: np.ndarray

    def lookup(self, item_ids) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, found mask) for the given ids; missing ids get zero vectors."""
        ids = np.asarray(self.item_ids, dtype=object).astype(str)
        order = np.argsort(ids)
        pos = IdIndex(ids[order]).positions(item_ids)
        found = pos >= 0
        out = np.zeros((len(pos), self.vectors.shape[1]), dtype=np.float32)
        out[found] = self.vectors[order[pos[found]]]
        return out, found
