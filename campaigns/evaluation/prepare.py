"""Turn an export (one table, or exposures + outcomes) into one row per unit: unit, arm, outcome values,
optional pre-period covariate — running the data checks on the way.

Why a unit table: every test below (proportions, means, ratios, CUPED, omnibus) needs the per-user values;
aggregating repeated rows (weekly sales per store) and matching outcomes to exposures happen once, here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from assistant.core.errors import DataError
from assistant.core.text import Bilingual
from campaigns.evaluation import checks
from campaigns.evaluation.shapes import (
    CAMPAIGN_COLUMN_NAMES, UNIT_COLUMN_NAMES, Metric, arm_labels, choose_metrics, default_ratios, find_arm_column,
    find_column, find_control, find_covariate, infer_kind, numeric_or_flag,
)


@dataclass(frozen=True)
class PreparedTest:
    """One test read from an export: the unit table and what was recognised in it."""

    units: pd.DataFrame            # unit, arm, one column per (non-ratio) metric, optional "_covariate"
    arm_column: str
    control: str | None            # None: no control arm, compare all pairs
    metrics: tuple[Metric, ...]
    covariate: str | None = None
    campaign_id: str | None = None
    warnings: tuple[str, ...] = ()
    warnings_zh: tuple[str, ...] = ()  # the same warnings in Chinese
    notes: tuple[str, ...] = ()
    notes_zh: tuple[str, ...] = ()  # the same notes in Chinese
    match_share: float = float("nan")
    checks: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)  # (check, status, detail)

    @property
    def arms(self) -> list[str]:
        return order_arms(self.units["arm"].unique().tolist(), self.control)


def order_arms(arms: list[str], control: str | None) -> list[str]:
    """Control first, then the others in natural order (1, 2, 10 — not 1, 10, 2)."""
    def key(a):
        text = str(a)
        return (a != control, (0, float(text)) if text.replace(".", "", 1).lstrip("-").isdigit() else (1, text))
    return sorted(arms, key=key)


def _ids(series: pd.Series) -> pd.Series:
    """Ids as stripped text in an object array (fast hashing; Arrow strings are slow to match row by row)."""
    text = series.astype("str").str.strip()
    return pd.Series(text.to_numpy(dtype=object), index=series.index, dtype=object)


def _unit_column(frame: pd.DataFrame, given: str | None, role: str) -> str | None:
    if given:
        found = find_column(frame.columns, (given,))
        if found is None:
            raise DataError(f"the {role} have no column '{given}'", column=given,
                            fix=f"columns: {list(frame.columns)[:20]}")
        return found
    return find_column(frame.columns, UNIT_COLUMN_NAMES)


def _campaign_filter(exposures: pd.DataFrame, outcomes: pd.DataFrame | None, campaign_id,
                     unit_cols: tuple[str | None, str | None]):
    column = find_column(exposures.columns, CAMPAIGN_COLUMN_NAMES)
    if column is None or column in unit_cols:
        return exposures, outcomes, (str(campaign_id) if campaign_id is not None else None)
    ids = exposures[column].astype("str")
    known = sorted(ids.dropna().unique().tolist())
    if campaign_id is None:
        if len(known) > 1:
            raise DataError(f"the exposures hold {len(known)} campaigns", column=column,
                            fix=f"pass campaign_id=... (one of {known[:20]})")
        return exposures, outcomes, (known[0] if known else None)
    campaign_id = str(campaign_id)
    if campaign_id not in known:
        raise DataError(f"no exposures for campaign '{campaign_id}'", column=column,
                        fix=f"known campaigns: {known[:20]}")
    exposures = exposures[ids == campaign_id]
    if outcomes is not None:
        out_col = find_column(outcomes.columns, CAMPAIGN_COLUMN_NAMES)
        if out_col is not None:
            outcomes = outcomes[outcomes[out_col].astype("str") == campaign_id]
    return exposures, outcomes, campaign_id


def _values(frame: pd.DataFrame, metrics: list[Metric]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for metric in metrics:
        if metric.kind == "ratio":
            continue
        values = numeric_or_flag(frame[metric.name])
        if values is None:
            raise DataError(f"outcome column '{metric.name}' is not numeric", column=metric.name,
                            fix="use 0/1, counts or amounts (or choose other metrics)")
        out[metric.name] = values.fillna(0.0)
    return out


def _aggregate(values: pd.DataFrame, units: pd.Series, metrics: list[Metric]) -> pd.DataFrame:
    """One row per unit: binary outcomes = any, counts and amounts summed."""
    how = {m.name: ("max" if m.kind == "binary" else "sum") for m in metrics if m.kind != "ratio"}
    if units.is_unique:  # one row per unit already: no group-by needed
        return values[list(how)].set_axis(pd.Index(units.to_numpy(), name="unit", dtype=object))
    return values.assign(unit=units.to_numpy()).groupby("unit", sort=False).agg(how)


def prepare_test(table: pd.DataFrame | None = None, *, exposures: pd.DataFrame | None = None,
                 outcomes: pd.DataFrame | None = None, arm_column: str | None = None, control: str | None = None,
                 user_column: str | None = None, campaign_id=None, metrics=None, covariate="auto",
                 force: bool = False, ratios: bool = True) -> PreparedTest:
    """Read one test from `table` (arms and outcomes in one file) or `exposures` + `outcomes`."""
    if table is not None:
        if exposures is not None:
            raise DataError("give either one table or exposures + outcomes, not both",
                            fix="drop the table or the exposures")
        exposures = table
    if exposures is None:
        raise DataError("no test data given", fix="give the export with the arm column (and the outcomes file)")
    for name, frame in (("exposures", exposures), ("outcomes", outcomes)):
        if frame is not None and not isinstance(frame, pd.DataFrame):
            raise DataError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    warnings, notes, check_rows = Bilingual(), Bilingual(), []
    exp_unit = _unit_column(exposures, user_column, "exposures")
    out_unit = (_unit_column(outcomes, user_column if user_column in outcomes.columns else None, "outcomes")
                if outcomes is not None else None)
    if outcomes is not None and (exp_unit is None or out_unit is None):
        which = "exposures" if exp_unit is None else "outcomes"
        frame = exposures if exp_unit is None else outcomes
        raise DataError(f"the {which} have no user id column to match exposures and outcomes",
                        fix=f"name it (user_column=… or the mapping's user_id:); columns: {list(frame.columns)[:15]}")
    exposures, outcomes, campaign_id = _campaign_filter(exposures, outcomes, campaign_id, (exp_unit, out_unit))
    campaign_col = find_column(exposures.columns, CAMPAIGN_COLUMN_NAMES)
    skip = {c for c in (exp_unit, campaign_col) if c}
    arm_col = find_arm_column(exposures, arm_column, exclude=skip)
    skip.add(arm_col)

    source = exposures if outcomes is None else outcomes
    source_skip = skip if outcomes is None else {c for c in (out_unit, find_column(
        outcomes.columns, CAMPAIGN_COLUMN_NAMES), find_column(outcomes.columns, (arm_col,))) if c}
    cov_col = find_covariate(exposures, covariate, exclude=skip)
    cov_in = exposures
    if cov_col is None and outcomes is not None and covariate not in (None, False, "none"):
        cov_col, cov_in = find_covariate(outcomes, covariate, exclude=source_skip), outcomes
    chosen = choose_metrics(source, metrics, exclude=source_skip | ({cov_col} if cov_col else set()))
    if not chosen:
        if outcomes is None:
            raise DataError("the file has arms but no outcome column (visits, conversions, revenue, …)",
                            fix="give the outcomes file too (--outcomes), or name the outcome columns "
                                "(metrics=…, --metric)")
        raise DataError("the outcomes file has no recognisable outcome column", fix=f"name the outcome columns "
                        f"(metrics=…, --metric); columns: {list(outcomes.columns)[:20]}")

    arms = arm_labels(exposures[arm_col])
    missing_arm = int(arms.isna().sum())
    if missing_arm:
        notes.add(f"{missing_arm:,} rows without an arm are left out.", f"{missing_arm:,} 行没有分组，已排除。")
    keep = arms.notna().to_numpy()
    exposures, arms = exposures[keep], arms[keep]
    units = (_ids(exposures[exp_unit]) if exp_unit else
             pd.Series(np.arange(len(exposures)).astype(str).astype(object), index=exposures.index))
    if exp_unit is None:
        notes.add("No user id column: each row is one unit.", "没有用户 ID 列：每一行算作一个单位。")
    assignment = pd.DataFrame({"unit": units.to_numpy(), "arm": arms.to_numpy()})

    bad = checks.multi_arm_units(assignment)
    if len(bad):
        warnings.add(*checks.multi_arm_warning(len(bad), assignment["unit"].nunique()))
        check_rows.append(("users in one arm only", "warning", f"{len(bad):,} in several arms, left out"))
    else:
        check_rows.append(("users in one arm only", "ok", "no user in more than one arm"))
    repeated = len(assignment) - assignment["unit"].nunique()

    if outcomes is None:
        values = _values(exposures, chosen)
        unit_values = _aggregate(values, units, chosen)
        if repeated and exp_unit:
            notes.add(f"{len(assignment):,} rows for {assignment['unit'].nunique():,} units: outcomes are "
                      f"summed per unit (yes/no outcomes: any).",
                      f"{assignment['unit'].nunique():,} 个单位共 {len(assignment):,} 行：结果按单位求和（是/否类结果：任一为是即为是）。")
        frame = assignment.drop_duplicates("unit").set_index("unit").join(unit_values)
        share = 1.0
        check_rows.append(("outcomes present", "ok", "arms and outcomes in one table"))
    else:
        out_units = _ids(outcomes[out_unit])
        warning, share = checks.match_check(pd.Index(out_units), pd.Index(assignment["unit"]), force=force)
        check_rows.append(("outcome rows match exposures", "ok" if warning is None else "warning",
                           f"{share:.1%} of outcome users were exposed"))
        if warning:
            warnings.add(*warning)
        unit_values = _aggregate(_values(outcomes, chosen), out_units, chosen)
        frame = assignment.drop_duplicates("unit").set_index("unit").join(unit_values)
        no_outcome = int(frame[unit_values.columns[0]].isna().sum()) if len(unit_values.columns) else 0
        frame = frame.fillna({c: 0.0 for c in unit_values.columns})
        if no_outcome:
            notes.add(f"{no_outcome:,} exposed users have no outcome row: counted as 0 (no visit, no purchase).",
                      f"{no_outcome:,} 位触达用户没有结果记录：按 0 计（未到访、未购买）。")
        if repeated:
            notes.add(f"{repeated:,} repeated exposure rows (same user, same arm) were counted once.",
                      f"{repeated:,} 行重复触达记录（同一用户、同一组）只计一次。")
    if cov_col is not None:
        cov_values = numeric_or_flag(cov_in[cov_col])
        if cov_values is None:
            raise DataError(f"covariate '{cov_col}' is not numeric", column=cov_col, fix="choose a numeric column")
        cov_key = out_unit if cov_in is outcomes else exp_unit
        cov_unit = _ids(cov_in[cov_key]) if cov_key else units
        per_unit = cov_values.groupby(cov_unit.to_numpy()).first()
        frame["_covariate"] = frame.index.map(per_unit).astype(float)
        if frame["_covariate"].isna().mean() > 0.5:
            notes.add(f"Covariate '{cov_col}' is missing for most users: CUPED is not applied.",
                      f"大多数用户缺少协变量「{cov_col}」：未使用 CUPED。")
            frame = frame.drop(columns="_covariate")
            cov_col = None
        else:
            frame["_covariate"] = frame["_covariate"].fillna(frame["_covariate"].mean())
    frame = frame.drop(index=bad, errors="ignore").reset_index().rename(columns={"index": "unit"})
    if "unit" not in frame.columns:
        frame = frame.rename(columns={frame.columns[0]: "unit"})
    if frame.empty:
        raise DataError("no users left to compare", fix="check the arm column and the user ids")
    # types are re-read after aggregation: a 0/1 column summed over weeks is a count
    chosen = [Metric(m.name, infer_kind(frame[m.name]) if metrics is None or not isinstance(metrics, dict)
                     or metrics.get(m.name) is None else m.kind) if m.kind != "ratio" else m for m in chosen]
    if ratios and metrics is None:
        chosen += default_ratios(chosen, frame)
    control_arm = find_control(order_arms(frame["arm"].unique().tolist(), None), control)
    if frame["arm"].nunique() < 2:
        raise DataError(f"only one arm ('{frame['arm'].iloc[0]}') in column '{arm_col}'", column=arm_col,
                        fix="a test needs at least two arms; check the arm column")
    if control_arm is None and control is None:
        notes.add("No control arm recognised: every pair of arms is compared (name one with control=… to "
                  "compare against it).", "未识别出对照组：两两比较所有分组（用 control=… 指定对照组即可与之比较）。")
    return PreparedTest(units=frame, arm_column=arm_col, control=control_arm, metrics=tuple(chosen),
                        covariate=cov_col, campaign_id=campaign_id, warnings=tuple(warnings.en), warnings_zh=tuple(warnings.zh), notes=tuple(notes.en),
                        notes_zh=tuple(notes.zh), match_share=share, checks=tuple(check_rows))
