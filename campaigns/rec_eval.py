"""Offline evaluation of recommenders: the common leave-last-session-out protocol, metrics with standard errors.

Protocol (`run_protocol`): for every user with at least two sessions the last session is the test target and
the rest is the history; the second-to-last session is the validation target (history before it). Models rank
the whole training catalogue (full ranking). Every setting of every model (`BASELINE_GRIDS`, and whatever the
project's recommender tunes inside its own `fit`) is chosen on the validation split only; then each model is
refitted on the full history with its chosen setting and the test split is scored exactly once.
Repeat-free data (e.g. Amazon 5-core sequences) is evaluated with each user's past items excluded from the
ranking (`exclude_seen=True`), the same rule as `Recommender.recommend(..., exclude_purchased=True)`.

A model is anything with `fit(interactions) -> self` and
`recommend_batch(user_ids, k, exclude_seen) -> DataFrame[user_id, item_id, rank, score]` (rank 1 = best).

Metrics (binary relevance: an item is relevant if the user touched it in the target session), per user, then
averaged with the standard error of the mean (std / sqrt(users)):
- NDCG@k     = DCG / ideal DCG with gains 1/log2(rank+1); equals sklearn.metrics.ndcg_score on binary labels
               (vectorised here because sklearn needs a dense score for every catalogue item per user)
- Recall@k   = hits in top k / number of relevant items
- HitRate@k  = share of users with at least one hit
- MAP@k      = mean of AP@k = sum_r P@r * rel_r / min(#relevant, k)
- coverage   = distinct recommended items / items in the training catalogue
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from assistant.core.data.schema import REQUIRED_EVENT_COLUMNS
from assistant.core.errors import DataError
from campaigns.rec_baselines import (  # noqa: F401 - re-exported: the baselines are part of the evaluation API
    BASELINE_GRIDS, ALSRecommender, EASERecommender, ItemKNNRecommender, PopularityRecommender, RepeatRecommender,
)
from campaigns.rec_signals import ItemVectors, session_numbers  # noqa: F401 - ItemVectors re-exported


# ----------------------------------------------------------------------------------------------- splitting
def split_last_session(interactions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(history, target): each user's last session is the target, for users with at least two sessions (users
    with one session stay wholly in the history). Sessions: baskets, else 30-minute activity runs
    (`rec_signals.session_numbers`). Per user, never a global time cut."""
    for col in REQUIRED_EVENT_COLUMNS:
        if col not in interactions.columns:
            raise DataError(f"missing column '{col}'", column=col, fix="pass user_id, item_id, timestamp columns")
    frame = interactions.reset_index(drop=True)
    if frame.empty:
        return frame, frame
    sessions = session_numbers(frame)
    last = pd.Series(sessions).groupby(frame["user_id"].astype(str).to_numpy()).transform("max").to_numpy()
    is_target = (sessions == last) & (last >= 1)
    return frame[~is_target].reset_index(drop=True), frame[is_target].reset_index(drop=True)


def targets(history: pd.DataFrame, target: pd.DataFrame) -> pd.Series:
    """user_id -> set of target item ids, for users who have a history (str ids, sorted by user)."""
    known = set(history["user_id"].astype(str))
    t = target.assign(user_id=target["user_id"].astype(str), item_id=target["item_id"].astype(str))
    return t[t["user_id"].isin(known)].groupby("user_id")["item_id"].agg(set).sort_index()


# ----------------------------------------------------------------------------------------------- metrics
@dataclass(frozen=True)
class RankingMetrics:
    recall: float
    ndcg: float
    hit_rate: float
    map: float
    coverage: float
    n_users: int
    ndcg_se: float = float("nan")
    per_user_ndcg: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)


def hit_matrix(recommended: Sequence[Sequence[str]], relevant: Sequence[set]) -> np.ndarray:
    """Bool matrix users x k: True where the recommended item is relevant (short lists padded with False)."""
    k = max((len(r) for r in recommended), default=0)
    hits = np.zeros((len(recommended), k), dtype=bool)
    for row, (recs, truth) in enumerate(zip(recommended, relevant)):
        hits[row, :len(recs)] = [item in truth for item in recs]
    return hits


def standard_error(values: np.ndarray) -> float:
    """Standard error of the mean (sample std / sqrt(n)); nan for fewer than two values."""
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")


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
    ndcg = dcg / idcg
    return RankingMetrics(
        recall=float((hits.sum(axis=1) / n_rel).mean()),
        ndcg=float(ndcg.mean()),
        hit_rate=float(hits.any(axis=1).mean()),
        map=float(ap.mean()),
        coverage=float(distinct / catalogue_size) if catalogue_size else float("nan"),
        n_users=len(pairs),
        ndcg_se=standard_error(ndcg),
        per_user_ndcg=ndcg,
    )


def score_model(model, truth: pd.Series, k: int, exclude_seen: bool, catalogue_size: int) -> RankingMetrics:
    """Recommend k items to every user of `truth` and score the lists against it."""
    users = list(truth.index)
    recs = model.recommend_batch(users, k, exclude_seen=exclude_seen)
    lists = recs.sort_values(["user_id", "rank"]).groupby("user_id")["item_id"].agg(list)
    return ranking_metrics([lists.get(u, []) for u in users], list(truth.to_numpy()), k=k,
                           catalogue_size=catalogue_size)


# ----------------------------------------------------------------------------------------------- protocol
@dataclass
class ModelSpec:
    """How to build one model: `make(**params)` and the settings to try on validation (one fit each)."""

    make: Callable[..., object]
    grid: list[dict] = field(default_factory=lambda: [{}])
    is_project: bool = False


@dataclass
class ProtocolResult:
    table: pd.DataFrame                 # one row per model: test metrics, chosen params, fit time
    per_user: dict[str, np.ndarray]     # model -> per-user test NDCG@k (same user order for every model)
    diagnostics: dict[str, float]       # reachability of the targets and split sizes
    models: dict[str, object]           # the fitted test-time models
    truth: pd.Series                    # user_id -> set of test target items (the scored users)


def _sample(truth: pd.Series, max_users: int | None, seed: int) -> pd.Series:
    if max_users and len(truth) > max_users:
        return truth.sample(max_users, random_state=seed).sort_index()
    return truth


def run_protocol(specs: Mapping[str, ModelSpec], events: pd.DataFrame, *, exclude_seen: bool = False, k: int = 10,
                 seed: int = 0, max_users: int | None = None, max_validation_users: int = 3000,
                 log: Callable[[str], None] | None = None) -> ProtocolResult:
    """Tune every model on validation, then score each once on the test split (see module docstring)."""
    log = log or (lambda _msg: None)
    history, test = split_last_session(events)
    val_history, val = split_last_session(history)
    test_truth = _sample(targets(history, test), max_users, seed)
    val_truth = _sample(targets(val_history, val), max_validation_users, seed)
    catalogue = history["item_id"].astype(str).nunique()
    rows, per_user, fitted = [], {}, {}
    for name, spec in specs.items():
        start = time.perf_counter()
        chosen, val_ndcg = spec.grid[0], float("nan")
        if len(spec.grid) > 1:
            scores = []
            for params in spec.grid:
                model = spec.make(**params).fit(val_history)
                scores.append(score_model(model, val_truth, k, exclude_seen, catalogue).ndcg)
                log(f"    {name} {params}: validation NDCG@{k} {scores[-1]:.4f}")
            best = int(np.argmax(scores))
            chosen, val_ndcg = spec.grid[best], scores[best]
        tune_s = time.perf_counter() - start
        start = time.perf_counter()
        model = spec.make(**chosen).fit(history)
        fit_s = time.perf_counter() - start
        m = score_model(model, test_truth, k, exclude_seen, catalogue)  # the one look at the test split
        fitted[name] = model
        per_user[name] = m.per_user_ndcg
        rows.append({"model": name, "users": m.n_users, f"ndcg@{k}": m.ndcg, "ndcg_se": m.ndcg_se,
                     f"recall@{k}": m.recall, f"hit_rate@{k}": m.hit_rate, "coverage": m.coverage,
                     "fit_s": fit_s, "tune_s": tune_s, "val_ndcg": val_ndcg,
                     "params": ", ".join(f"{a}={b}" for a, b in chosen.items()), "project": spec.is_project})
        log(f"  {name}: test NDCG@{k} {m.ndcg:.4f} (SE {m.ndcg_se:.4f}), fit {fit_s:.1f}s")
    table = pd.DataFrame(rows)
    diagnostics = reachability(history, test_truth, exclude_seen)
    diagnostics.update({"history_rows": len(history), "test_users": len(test_truth),
                        "validation_users": len(val_truth)})
    return ProtocolResult(table, per_user, diagnostics, fitted, test_truth)


def reachability(history: pd.DataFrame, truth: pd.Series, exclude_seen: bool) -> dict[str, float]:
    """Why a target can be out of every method's reach: the item never occurs in the training history (no
    collaborative signal can rank it), or it is one of the user's past items under `exclude_seen`."""
    catalogue = set(history["item_id"].astype(str))
    seen = history.assign(user_id=history["user_id"].astype(str), item_id=history["item_id"].astype(str))
    seen = seen.groupby("user_id")["item_id"].agg(set)
    n_items = cold = excluded = 0
    users_all_unreachable = 0
    for user, items in truth.items():
        past = seen.get(user, set())
        unreachable = {i for i in items if i not in catalogue or (exclude_seen and i in past)}
        n_items += len(items)
        cold += sum(i not in catalogue for i in items)
        excluded += sum(exclude_seen and i in past and i in catalogue for i in items)
        users_all_unreachable += len(unreachable) == len(items)
    return {"target_items": n_items, "cold_target_share": cold / max(n_items, 1),
            "excluded_target_share": excluded / max(n_items, 1),
            "users_unreachable_share": users_all_unreachable / max(len(truth), 1)}


def paired_difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean per-user difference a - b and its standard error (same users in the same order)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    return float(d.mean()), standard_error(d)
