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

Why a score is what it is (`target_kind_breakdown`, computed from the same test top-k lists, no second look at
the test split): every test target item is of one kind for its user — `repeat` (the user had it in the
history), `new` (in the training catalogue, new to the user) or `cold` (never in the training history: no method
that learns from the history can rank it; under `exclude_seen` repeats are unreachable too). Each user's NDCG@k
splits exactly into what the hits of each kind contribute (DCG of that kind's hits / the user's ideal DCG), so a
model's NDCG@k = from repeats + from new, each with its SE over users. Baskets mix kinds, so this additive split
is used rather than NDCG restricted to users whose targets are all of one kind (most users would drop out).
The ceiling is the oracle that ranks every reachable target first; the per-kind oracles rank only that kind's
targets first and bound what that kind can contribute (a model's from-kind <= the kind's oracle, user by user).
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


def top_k_lists(model, users: Sequence[str], k: int, exclude_seen: bool) -> list[list[str]]:
    """The model's top-k item ids for each user, in the order of `users` (empty list for a user it skips)."""
    recs = model.recommend_batch(list(users), k, exclude_seen=exclude_seen)
    lists = recs.sort_values(["user_id", "rank"]).groupby("user_id")["item_id"].agg(list)
    return [list(map(str, lists.get(u, []))) for u in users]


def score_model(model, truth: pd.Series, k: int, exclude_seen: bool, catalogue_size: int) -> RankingMetrics:
    """Recommend k items to every user of `truth` and score the lists against it."""
    return ranking_metrics(top_k_lists(model, truth.index, k, exclude_seen), list(truth.to_numpy()), k=k,
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
    by_kind: "KindBreakdown | None" = None  # each model's NDCG split by target kind, and the oracle ceilings


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
    rows, per_user, fitted, rankings = [], {}, {}, {}
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
        rankings[name] = top_k_lists(model, test_truth.index, k, exclude_seen)  # the one look at the test split
        m = ranking_metrics(rankings[name], list(test_truth.to_numpy()), k=k, catalogue_size=catalogue)
        fitted[name] = model
        per_user[name] = m.per_user_ndcg
        rows.append({"model": name, "users": m.n_users, f"ndcg@{k}": m.ndcg, "ndcg_se": m.ndcg_se,
                     f"recall@{k}": m.recall, f"hit_rate@{k}": m.hit_rate, "coverage": m.coverage,
                     "fit_s": fit_s, "tune_s": tune_s, "val_ndcg": val_ndcg,
                     "params": ", ".join(f"{a}={b}" for a, b in chosen.items()), "project": spec.is_project})
        log(f"  {name}: test NDCG@{k} {m.ndcg:.4f} (SE {m.ndcg_se:.4f}), fit {fit_s:.1f}s")
    table = pd.DataFrame(rows)
    kinds = target_kinds(history, test_truth)
    diagnostics = reachability(kinds, exclude_seen)
    diagnostics.update({"history_rows": len(history), "test_users": len(test_truth),
                        "validation_users": len(val_truth)})
    by_kind = target_kind_breakdown(kinds, rankings, exclude_seen=exclude_seen, k=k)
    return ProtocolResult(table, per_user, diagnostics, fitted, test_truth, by_kind)


# ----------------------------------------------------------------------------------------------- why (target kinds)
TARGET_KINDS = ("repeat", "new", "cold")


def target_kinds(history: pd.DataFrame, truth: pd.Series) -> pd.Series:
    """user_id -> {target item: kind}: `repeat` if the user has the item in `history`, `cold` if no one has,
    else `new` (same users and order as `truth`)."""
    catalogue = set(history["item_id"].astype(str))
    seen = history.assign(user_id=history["user_id"].astype(str), item_id=history["item_id"].astype(str))
    seen = seen.groupby("user_id")["item_id"].agg(set)
    out = {}
    for user, items in truth.items():
        past = seen.get(user, set())
        out[user] = {i: "repeat" if i in past else "new" if i in catalogue else "cold" for i in items}
    return pd.Series(out, dtype=object).reindex(truth.index)


def _reachable(kind: str, exclude_seen: bool) -> bool:
    return kind == "new" or (kind == "repeat" and not exclude_seen)


def reachability(kinds: pd.Series, exclude_seen: bool) -> dict[str, float]:
    """Why a target can be out of every method's reach: the item never occurs in the training history (no
    collaborative signal can rank it), or it is one of the user's past items under `exclude_seen`."""
    n_items = sum(len(k) for k in kinds)
    counts = {kind: sum(list(k.values()).count(kind) for k in kinds) for kind in TARGET_KINDS}
    none_reachable = sum(not any(_reachable(v, exclude_seen) for v in k.values()) for k in kinds)
    return {"target_items": n_items, "cold_target_share": counts["cold"] / max(n_items, 1),
            "excluded_target_share": (counts["repeat"] if exclude_seen else 0) / max(n_items, 1),
            "users_unreachable_share": none_reachable / max(len(kinds), 1)}


@dataclass
class KindBreakdown:
    """Target composition, oracle ceilings and each model's NDCG@k split by target kind (module docstring)."""

    composition: pd.DataFrame   # per kind: share of target items, share of users with any / only that kind
    oracles: dict[str, float]   # "ceiling" (all reachable targets first), "repeat", "new" (that kind only); + _se
    models: pd.DataFrame        # per model: ndcg, from_<kind> (+ _se), of_ceiling, <kind>_taken
    targets_per_user: float = float("nan")  # mean size of a user's target set (a thin basket caps what helps)


def _ideal_dcg(n: np.ndarray, k: int) -> np.ndarray:
    """Ideal DCG@k of n relevant items, per user (0 for n = 0)."""
    cum = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))])
    return cum[np.minimum(n, k)]


def target_kind_breakdown(kinds: pd.Series, rankings: Mapping[str, Sequence[Sequence[str]]], *,
                          exclude_seen: bool = False, k: int = 10) -> KindBreakdown:
    """Split each model's NDCG@k into what its repeat / new hits contribute, next to the oracle ceilings.
    `kinds` from `target_kinds`; `rankings` model -> top-k lists in the same user order."""
    maps = list(kinds.to_numpy())
    n = len(maps)
    count = {kind: np.array([list(m.values()).count(kind) for m in maps]) for kind in TARGET_KINDS}
    total = sum(count.values())
    idcg = _ideal_dcg(total, k)
    items = max(int(total.sum()), 1)
    composition = pd.DataFrame([{"kind": kind, "target_share": count[kind].sum() / items,
                                 "users_with_any": float(np.mean(count[kind] > 0)) if n else 0.0,
                                 "users_only": float(np.mean(count[kind] == total)) if n else 0.0,
                                 "reachable": _reachable(kind, exclude_seen)} for kind in TARGET_KINDS])
    reach = {kind: count[kind] * _reachable(kind, exclude_seen) for kind in ("repeat", "new")}
    oracle_users = {"ceiling": _ideal_dcg(reach["repeat"] + reach["new"], k) / idcg,
                    "repeat": _ideal_dcg(reach["repeat"], k) / idcg, "new": _ideal_dcg(reach["new"], k) / idcg}
    oracles = {name: float(v.mean()) if n else 0.0 for name, v in oracle_users.items()}
    oracles.update({f"{name}_se": standard_error(v) for name, v in oracle_users.items()})
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    rows = []
    for model, lists in rankings.items():
        parts = {kind: np.zeros(n) for kind in TARGET_KINDS}
        for u, (recs, kind_of) in enumerate(zip(lists, maps)):
            for rank, item in enumerate(list(recs)[:k]):
                if item in kind_of:
                    parts[kind_of[item]][u] += discounts[rank] / idcg[u]
        ndcg = sum(parts.values())
        row = {"model": model, "ndcg": float(ndcg.mean()) if n else 0.0}
        for kind in ("repeat", "new"):
            row[f"from_{kind}"] = float(parts[kind].mean()) if n else 0.0
            row[f"from_{kind}_se"] = standard_error(parts[kind])
        row["of_ceiling"] = row["ndcg"] / oracles["ceiling"] if oracles["ceiling"] else float("nan")
        for kind in ("repeat", "new"):
            row[f"{kind}_taken"] = row[f"from_{kind}"] / oracles[kind] if oracles[kind] else float("nan")
        rows.append(row)
    return KindBreakdown(composition, oracles, pd.DataFrame(rows), float(total.mean()) if n else float("nan"))


def paired_difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean per-user difference a - b and its standard error (same users in the same order)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    return float(d.mean()), standard_error(d)
