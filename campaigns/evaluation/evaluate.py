"""Entry points: `evaluate_test` for any export (one table or exposures + outcomes, any arm names, any outcome
types) and `evaluate_campaign` for the canonical exposures/outcomes tables of a loaded `Dataset`.
"""
from __future__ import annotations

import pandas as pd

from assistant.core.errors import DataError
from assistant.core.data.schema import CONTROL_ARM
from campaigns.evaluation import checks
from campaigns.evaluation.compare import compare_arms
from campaigns.evaluation.prepare import PreparedTest, prepare_test
from campaigns.evaluation.result import CampaignEvaluation

PARTICIPATION_CHOICES: tuple[str, ...] = ("visited", "opened", "clicked", "redeemed")
CONVERSION_CHOICES: tuple[str, ...] = ("converted", "redeemed", "visited", "clicked", "opened")
ROBUST_CHOICES = (None, "bootstrap", "trimmed")


def evaluate_prepared(prepared: PreparedTest, *, alpha: float = 0.05, robust: str | None = None,
                      sequential: bool = False, expected_split=None, segments: pd.Series | None = None,
                      observational: bool = False, check_split: bool = True,
                      names: tuple[str, str] = ("visited", "converted")) -> CampaignEvaluation:
    """Checks, then numbers: sample-ratio check on the arm sizes, per-arm table, comparisons, omnibus."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if robust not in ROBUST_CHOICES:
        raise DataError(f"robust='{robust}' is not known", fix="use 'bootstrap' or 'trimmed' (or leave it out)")
    warnings, warnings_zh, check_rows = list(prepared.warnings), list(prepared.warnings_zh), list(prepared.checks)
    if check_split and not observational:
        counts = prepared.units["arm"].value_counts().reindex(prepared.arms)
        warning, p_srm = checks.sample_ratio_check(counts, expected_split)
        split = "intended split" if expected_split is not None else "equal split"
        check_rows.insert(0, ("sample ratio", "ok" if warning is None else "warning",
                              f"arm sizes vs {split}, chi-square p = {p_srm:.3g}"))
        if warning:
            warnings.insert(0, warning[0])
            warnings_zh.insert(0, warning[1])
    arms, uplift, omnibus, seg_frame, seg_note = compare_arms(prepared, alpha=alpha, robust=robust,
                                                              sequential=sequential, segments=segments)
    notes = list(prepared.notes) + ([seg_note[0]] if seg_note else [])
    notes_zh = list(prepared.notes_zh) + ([seg_note[1]] if seg_note else [])
    return CampaignEvaluation(
        arms=arms, uplift=uplift, segments=seg_frame, campaign_id=prepared.campaign_id, participation=names[0],
        conversion=names[1], control_arm=prepared.control, observational=observational, alpha=alpha,
        segment_name=(str(segments.name) if segments is not None and segments.name is not None else
                      ("segment" if segments is not None else None)),
        notes=tuple(notes), notes_zh=tuple(notes_zh), warnings=tuple(warnings), warnings_zh=tuple(warnings_zh), omnibus=omnibus,
        checks=pd.DataFrame(check_rows, columns=["check", "status", "detail"]), arm_column=prepared.arm_column,
        metric_kinds=tuple((m.name, m.kind) for m in prepared.metrics), covariate=prepared.covariate,
        sequential=sequential, robust=robust)


def evaluate_test(table: pd.DataFrame | None = None, *, exposures: pd.DataFrame | None = None,
                  outcomes: pd.DataFrame | None = None, arm_column: str | None = None, control: str | None = None,
                  user_column: str | None = None, campaign_id=None, metrics=None, covariate="auto",
                  robust: str | None = None, sequential: bool = False, expected_split=None, force: bool = False,
                  segments: pd.Series | None = None, alpha: float = 0.05) -> CampaignEvaluation:
    """Evaluate a test from the marketer's own export.

    table / exposures + outcomes: one table with arms and outcomes, or an exposures table (user, arm) and an
    outcomes table (user, outcome columns). arm_column / control: named, or recognised (control, holdout,
    no e-mail, 对照组, 0 in a 0/1 column); control="none" compares all pairs. metrics: outcome columns
    (list, {name: "binary"|"count"|"continuous"}, or "revenue/orders" ratios); by default the columns with
    outcome-like names, typed from their values. covariate: pre-period column for CUPED ("auto" finds
    history / pre_* columns, None turns it off). robust: "bootstrap" or "trimmed" for heavy-tailed amounts.
    sequential: add always-valid intervals. force: evaluate even when under half the outcomes match.
    """
    prepared = prepare_test(table, exposures=exposures, outcomes=outcomes, arm_column=arm_column, control=control,
                            user_column=user_column, campaign_id=campaign_id, metrics=metrics, covariate=covariate,
                            force=force)
    return evaluate_prepared(prepared, alpha=alpha, robust=robust, sequential=sequential,
                             expected_split=expected_split, segments=segments)


def evaluate_campaign(exposures: pd.DataFrame, outcomes: pd.DataFrame, participation: str = "visited",
                      conversion: str = "converted", control_arm: str | None = CONTROL_ARM,
                      segments: pd.Series | None = None, campaign_id=None, observational: bool = False,
                      alpha: float = 0.05, *, covariate: pd.Series | None = None, robust: str | None = None,
                      sequential: bool = False, expected_split=None, force: bool = False,
                      check_split: bool = True) -> CampaignEvaluation:
    """Rates per arm and uplift vs `control_arm` on canonical tables (exposures: campaign_id, user_id, arm;
    outcomes: campaign_id, user_id, flags, revenue). Metrics: participation, conversion, revenue_per_user and
    aov (revenue per converter). Outcome columns the source file did not have (recorded by the loader in
    `outcomes.attrs["measured"]`) are left out instead of being shown as 0. `covariate`: a Series indexed by
    user_id (pre-period spend) for CUPED; `segments`: a Series of labels indexed by user_id."""
    if participation not in PARTICIPATION_CHOICES:
        raise DataError(f"participation '{participation}' is not supported",
                        fix=f"use one of {list(PARTICIPATION_CHOICES)}")
    if conversion not in CONVERSION_CHOICES:
        raise DataError(f"conversion '{conversion}' is not supported", fix=f"use one of {list(CONVERSION_CHOICES)}")
    for name, frame, needed in (("exposures", exposures, ("campaign_id", "user_id", "arm")),
                                ("outcomes", outcomes, ("campaign_id", "user_id"))):
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}",
                            fix="pass the Dataset's exposures/outcomes tables")
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise DataError(f"{name} table lacks column(s) {missing}", column=missing[0],
                            fix=f"the {name} table needs {list(needed)}")
    measured = set(outcomes.attrs.get("measured", outcomes.columns))
    source = {"participation": participation, "conversion": conversion, "revenue_per_user": "revenue"}
    available = {name: col for name, col in source.items() if col in outcomes.columns and col in measured}
    if not available:
        raise DataError("the outcomes have none of the columns to evaluate",
                        fix=f"they need {sorted(set(source.values()))}")
    out = pd.DataFrame({"campaign_id": outcomes["campaign_id"].astype(str), "user_id": outcomes["user_id"]})
    for name, col in available.items():
        out[name] = outcomes[col].astype(float)
    kinds = {"participation": "binary", "conversion": "binary", "revenue_per_user": "continuous"}
    metrics = {name: kinds[name] for name in available}
    if "revenue_per_user" in available and "conversion" in available:
        metrics["revenue_per_user/conversion"] = None
    exp = exposures[["campaign_id", "user_id", "arm"]].assign(campaign_id=exposures["campaign_id"].astype(str))
    if covariate is not None:
        cov = covariate.copy()
        cov.index = cov.index.astype(str)
        exp = exp.assign(pre_period=exp["user_id"].astype(str).map(cov[~cov.index.duplicated()]))
    prepared = prepare_test(exposures=exp, outcomes=out, arm_column="arm", control=control_arm or "none",
                            user_column="user_id", campaign_id=campaign_id, metrics=metrics,
                            covariate="pre_period" if covariate is not None else None, force=force)
    prepared = _rename_ratio(prepared)
    evaluation = evaluate_prepared(prepared, alpha=alpha, robust=robust, sequential=sequential,
                                   expected_split=expected_split, segments=segments, observational=observational,
                                   check_split=check_split, names=(participation, conversion))
    return _with_legacy_columns(evaluation)


def _rename_ratio(prepared: PreparedTest) -> PreparedTest:
    from dataclasses import replace

    from campaigns.evaluation.shapes import Metric
    metrics = tuple(Metric("aov", m.kind, m.numerator, m.denominator) if m.kind == "ratio" else m
                    for m in prepared.metrics)
    return replace(prepared, metrics=metrics)


def _with_legacy_columns(evaluation: CampaignEvaluation) -> CampaignEvaluation:
    """The canonical per-arm names (participants, participation_rate, conversions, conversion_rate, revenue,
    revenue_per_user, aov) beside the generic ones, for code written against them."""
    from dataclasses import replace
    arms = evaluation.arms.copy()
    for metric, count, rate in (("participation", "participants", "participation_rate"),
                                ("conversion", "conversions", "conversion_rate")):
        if metric in arms:
            arms[count] = arms[f"{metric}_sum"].astype(int)
            arms[rate] = arms[metric]
    if "revenue_per_user" in arms:
        arms["revenue"] = arms["revenue_per_user_sum"]
    return replace(evaluation, arms=arms)


def marketing_activity_evaluation(exposures: pd.DataFrame, outcomes: pd.DataFrame, participation: str = "visited",
                                  conversion: str = "converted", campaign_id=None) -> pd.DataFrame:
    """The product brief's summary: one row per arm with participation_rate and conversion_rate."""
    evaluation = evaluate_campaign(exposures, outcomes, participation, conversion, campaign_id=campaign_id,
                                   check_split=False)
    return evaluation.arms[["arm", "participation_rate", "conversion_rate"]].reset_index(drop=True)
