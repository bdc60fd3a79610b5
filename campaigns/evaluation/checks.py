"""Data checks that run before any number is shown: sample-ratio mismatch, outcome rows that match no exposure,
users in several arms. Each returns a warning as an (English, Chinese) pair (text that travels with the result and
is shown first, in the reader's language) or raises `DataError` when the numbers would be meaningless.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats

from assistant.core.errors import DataError

SRM_ALPHA = 0.001  # the usual threshold: a mismatch this unlikely means broken assignment or logging
MATCH_WARN, MATCH_REFUSE = 0.99, 0.50


Warning = tuple[str, str]   # (English, Chinese)


def sample_ratio_check(counts: pd.Series, expected_split=None) -> tuple[Warning | None, float]:
    """Chi-square test of the arm sizes against the intended split (default: equal). Returns (warning, p)."""
    counts = counts.astype(float)
    if len(counts) < 2 or counts.sum() == 0:
        return None, np.nan
    if expected_split is None:
        shares = pd.Series(1.0, index=counts.index)
    elif isinstance(expected_split, dict):
        missing = [a for a in counts.index if a not in expected_split]
        if missing:
            raise DataError(f"the intended split has no share for arm(s) {missing}",
                            fix=f"give a share for every arm: {list(counts.index)}")
        shares = pd.Series({a: float(expected_split[a]) for a in counts.index})
    else:
        values = list(expected_split)
        if len(values) != len(counts):
            raise DataError(f"the intended split has {len(values)} shares for {len(counts)} arms",
                            fix=f"one share per arm, in this order: {list(counts.index)}")
        shares = pd.Series(values, index=counts.index, dtype=float)
    expected = shares / shares.sum() * counts.sum()
    p_value = float(stats.chisquare(counts.to_numpy(), expected.to_numpy()).pvalue)
    if p_value >= SRM_ALPHA:
        return None, p_value
    detail = ", ".join(f"{arm} {int(n):,} (expected {e:,.0f})" for arm, n, e in zip(counts.index, counts, expected))
    detail_zh = "，".join(f"{arm} {int(n):,}（应为 {e:,.0f}）" for arm, n, e in zip(counts.index, counts, expected))
    return ((f"Sample ratio mismatch: arm sizes {detail} differ from the intended split (chi-square p = "
             f"{p_value:.2g}). Assignment or logging is likely broken; the uplift below may be biased.",
             f"样本比例不符：各组人数 {detail_zh} 与计划的分组比例不一致（卡方检验 p = {p_value:.2g}）。"
             f"分组或日志记录很可能有问题，下面的提升可能有偏差。"), p_value)


def _id_shape_hint(outcome_ids: pd.Index, exposure_ids: pd.Index) -> str:
    """Say why ids fail to match when they only differ in format (C6001 vs 6001, leading zeros, case)."""
    def key(value: str) -> str:
        digits = re.sub(r"\D", "", str(value)).lstrip("0")
        return digits or str(value).strip().lower()
    sample_out, sample_exp = list(outcome_ids[:2000]), set(map(key, exposure_ids))
    if sample_out and np.mean([key(v) in sample_exp for v in sample_out]) > 0.5:
        return (f" The ids look alike but differ in format (outcomes '{outcome_ids[0]}' vs exposures "
                f"'{exposure_ids[0]}'): export both with the same id format.")
    return f" Examples: outcomes '{outcome_ids[0]}', exposures '{exposure_ids[0]}'."


def _objects(values) -> list:
    return pd.Series(values).to_numpy(dtype=object).tolist()


def match_check(outcome_ids: pd.Index, exposure_ids: pd.Index, *, force: bool = False) -> tuple[Warning | None, float]:
    """Share of outcome rows whose user was exposed: warn under 99 %, refuse under 50 % unless forced."""
    # plain Python sets: Index.isin on Arrow-backed strings took 5 s on 64,000 ids here
    outcome_ids = pd.Index(list(dict.fromkeys(_objects(outcome_ids))), dtype=object)
    exposure_set = set(_objects(exposure_ids))
    exposure_ids = pd.Index(list(exposure_set), dtype=object)
    if len(outcome_ids) == 0:
        raise DataError("the outcomes table has no rows", fix="export the outcomes again")
    matched = np.fromiter((v in exposure_set for v in outcome_ids), dtype=bool, count=len(outcome_ids))
    share = float(matched.mean())
    if share >= MATCH_WARN:
        return None, share
    unmatched = outcome_ids[~matched]
    text = (f"Only {share:.1%} of the {len(outcome_ids):,} users in the outcomes match an exposed user "
            f"({len(unmatched):,} do not).")
    if share < MATCH_REFUSE and not force:
        raise DataError(text + " The outcomes probably belong to another test or use other ids."
                        + _id_shape_hint(unmatched, exposure_ids),
                        column="user_id", fix="check the files (or force=True / --force to evaluate anyway)")
    hint = _id_shape_hint(unmatched, exposure_ids) if share < MATCH_REFUSE else ""
    return (text + " Unmatched outcomes are ignored; exposed users without an outcome row count as 0." + hint,
            f"结果文件的 {len(outcome_ids):,} 个用户中只有 {share:.1%} 能对上曝光用户（{len(unmatched):,} 个对不上）。"
            f"对不上的结果已忽略；没有结果行的曝光用户按 0 计。" + (f"示例：结果 '{outcome_ids[~matched][0]}'，曝光 "
                                                     f"'{exposure_ids[0]}'。" if hint else "")), share


def multi_arm_units(units: pd.DataFrame) -> pd.Index:
    """Units that appear in more than one arm (contaminated: they saw several treatments)."""
    if units["unit"].is_unique:  # the usual case: skip the group-by
        return pd.Index([])
    arms_per_unit = units.groupby("unit")["arm"].nunique()
    return arms_per_unit.index[arms_per_unit > 1]


def multi_arm_warning(n_bad: int, n_total: int) -> Warning:
    return (f"{n_bad:,} of {n_total:,} users appear in more than one arm; they are left out "
            f"({n_bad / n_total:.1%} of users). Check the assignment if this is more than a handful.",
            f"{n_total:,} 个用户中有 {n_bad:,} 个出现在多个分组里，已排除（占 {n_bad / n_total:.1%}）。"
            f"如果不止几个，请检查分组。")
