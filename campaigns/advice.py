"""Next-campaign advice: plain rules over a `CampaignEvaluation`, each with the numbers that justify it.

Rules (per treatment arm on the primary metric, and per segment):
- keep_variant: the arm beats control with p < alpha (the best such arm when several do);
- drop:         an arm or a segment whose uplift CI lies entirely below 0;
- target:       a segment whose uplift CI lies entirely above 0;
- test_more:    inconclusive (p >= alpha): the power calculation says how many users per arm a next test needs.
Observational evaluations never get "high" confidence and every evidence text says so.
"""
from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from campaigns.evaluation import CampaignEvaluation
from campaigns.power import sample_size_per_arm


class Advice(BaseModel):
    """One recommendation for the next campaign."""

    model_config = ConfigDict(frozen=True)

    action: Literal["target", "drop", "keep_variant", "test_more"]
    target_kind: Literal["arm", "segment"]
    target: str = Field(description="arm name, or segment label (with the arm it applies to in `arm`)")
    arm: str | None = None
    metric: str
    evidence: str = Field(description="the numbers behind the advice")
    confidence: Literal["high", "medium", "low"]
    required_n_per_arm: int | None = None


def _fmt(row: pd.Series) -> str:
    if row["metric"] == "revenue_per_user":
        body = (f"{row['arm_value']:.3f} vs {row['control_value']:.3f} per user, difference {row['uplift']:+.3f} "
                f"(95% CI {row['ci_low']:+.3f} to {row['ci_high']:+.3f})")
    else:
        body = (f"{row['metric']} {row['arm_value']:.2%} vs {row['control_value']:.2%} in control, uplift "
                f"{row['uplift'] * 100:+.2f} pp (95% CI {row['ci_low'] * 100:+.2f} to {row['ci_high'] * 100:+.2f} pp)")
    p = row["p_value"]
    body += ", p < 0.0001" if p < 1e-4 else f", p = {p:.4f}"
    if pd.notna(row.get("prob_beat_control")):
        body += f", P(beat control) = {row['prob_beat_control']:.3f}"
    return body + f", n = {int(row['n_arm']):,} vs {int(row['n_control']):,}"


def _confidence(p_value: float, observational: bool, alpha: float) -> str:
    level = "high" if p_value < alpha / 5 else ("medium" if p_value < alpha else "low")
    if observational and level == "high":
        level = "medium"
    return level


def _needed_n(row: pd.Series, mde_relative: float) -> int | None:
    """Users per arm to detect the observed effect (or `mde_relative` of baseline when it is tiny)."""
    base = float(row["control_value"])
    if row["metric"] == "revenue_per_user" or not 0 < base < 1:
        return None
    effect = abs(float(row["uplift"]))
    effect = max(effect, base * mde_relative)
    if base + effect >= 1:
        return None
    return sample_size_per_arm(base, effect, alpha=0.05, power=0.8)


def next_campaign_advice(evaluation: CampaignEvaluation, metric: str = "conversion",
                         mde_relative: float = 0.1) -> list[Advice]:
    """Advice for the next campaign from an evaluation, most decisive first.

    `metric` is the primary metric (participation, conversion or revenue_per_user); `mde_relative` is the
    smallest relative lift worth detecting when sizing a follow-up test.
    """
    alpha = evaluation.alpha
    obs = " (observational comparison: treat as indicative, not causal)" if evaluation.observational else ""
    advice: list[Advice] = []
    rows = evaluation.uplift[evaluation.uplift["metric"] == metric]
    if rows.empty:
        raise ValueError(f"no uplift rows for metric '{metric}'; choose participation, conversion or "
                         "revenue_per_user")
    winners = rows[(rows["p_value"] < alpha) & (rows["uplift"] > 0)].sort_values("uplift", ascending=False)
    for i, (_, row) in enumerate(winners.iterrows()):
        prefix = "Best variant: " if i == 0 and len(winners) > 1 else ""
        advice.append(Advice(action="keep_variant", target_kind="arm", target=row["arm"], arm=row["arm"],
                             metric=metric, evidence=prefix + _fmt(row) + obs,
                             confidence=_confidence(row["p_value"], evaluation.observational, alpha)))
    for _, row in rows[rows["ci_high"] < 0].iterrows():
        advice.append(Advice(action="drop", target_kind="arm", target=row["arm"], arm=row["arm"], metric=metric,
                             evidence="Worse than control: " + _fmt(row) + obs,
                             confidence=_confidence(row["p_value"], evaluation.observational, alpha)))
    for _, row in rows[rows["p_value"] >= alpha].iterrows():
        needed = _needed_n(row, mde_relative)
        have = int(min(row["n_arm"], row["n_control"]))
        text = "Inconclusive: " + _fmt(row)
        if needed:
            text += (f"; detecting a lift of {max(abs(row['uplift']), row['control_value'] * mde_relative) * 100:.2f}"
                     f" pp with 80% power needs {needed:,} users per arm (have {have:,})")
        advice.append(Advice(action="test_more", target_kind="arm", target=row["arm"], arm=row["arm"], metric=metric,
                             evidence=text + obs, confidence="low", required_n_per_arm=needed))

    segs = evaluation.segments
    if not segs.empty:
        seg_rows = segs[segs["metric"] == metric]
        for _, row in seg_rows.iterrows():
            if pd.isna(row["ci_low"]):
                continue
            label = f"{evaluation.segment_name or 'segment'} {row['segment']}"
            if row["ci_high"] < 0:
                advice.append(Advice(action="drop", target_kind="segment", target=str(row["segment"]), arm=row["arm"],
                                     metric=metric, evidence=f"{label} with {row['arm']}: " + _fmt(row) + obs,
                                     confidence=_confidence(row["p_value"], evaluation.observational, alpha)))
            elif row["ci_low"] > 0:
                advice.append(Advice(action="target", target_kind="segment", target=str(row["segment"]),
                                     arm=row["arm"], metric=metric,
                                     evidence=f"{label} with {row['arm']}: " + _fmt(row) + obs,
                                     confidence=_confidence(row["p_value"], evaluation.observational, alpha)))
    order = {"keep_variant": 0, "drop": 1, "target": 2, "test_more": 3}
    rank = {"high": 0, "medium": 1, "low": 2}
    return sorted(advice, key=lambda a: (order[a.action], rank[a.confidence]))


def advice_frame(advice: list[Advice]) -> pd.DataFrame:
    """The advice as a table (for the UI and reports)."""
    columns = list(Advice.model_fields)
    return pd.DataFrame([a.model_dump() for a in advice], columns=columns)
