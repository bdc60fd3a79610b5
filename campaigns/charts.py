"""Plotly figures of an evaluation: results per arm with CIs, relative uplift per comparison, uplift per
segment, the Qini curve.

Each function returns a `go.Figure` (the UI embeds it, reports save it as HTML); titles carry the
observational warning when the evaluation is not randomised.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from campaigns.evaluation import CampaignEvaluation
from campaigns.evaluation.verdict import metric_label


def _title(evaluation: CampaignEvaluation, text: str) -> str:
    return text + (" — OBSERVATIONAL (not randomised)" if evaluation.observational else "")


def rates_chart(evaluation: CampaignEvaluation) -> go.Figure:
    """Per-arm values with 95% error bars: rates (Wilson intervals) on the left axis, per-user amounts and
    ratios (t intervals) on the right axis, so a 15 % rate and a 1.05 spend are both readable."""
    arms = evaluation.arms
    z = stats.norm.ppf(1 - evaluation.alpha / 2)
    fig = go.Figure()
    for metric in evaluation.metrics:
        if metric not in arms:
            continue
        kind = evaluation.kind_of(metric)
        value = arms[metric]
        if kind == "binary":
            low, high = proportion_confint(arms[f"{metric}_sum"].round().astype(int), arms["n"],
                                           alpha=evaluation.alpha, method="wilson")
        else:
            low, high = value - z * arms[f"{metric}_se"], value + z * arms[f"{metric}_se"]
        fig.add_trace(go.Bar(
            name=metric_label(metric, kind), x=arms["arm"].astype(str), y=value,
            yaxis="y" if kind == "binary" else "y2", offsetgroup=metric,
            error_y=dict(type="data", symmetric=False, array=(high - value).to_numpy(),
                         arrayminus=(value - low).to_numpy()),
            hovertemplate="%{x}: %{y:" + (".2%" if kind == "binary" else ",.3f") + "}<extra>" + metric + "</extra>"))
    fig.update_layout(barmode="group", title=_title(evaluation, "Results per arm (95% CI)"),
                      yaxis=dict(title="rate", tickformat=".1%"),
                      yaxis2=dict(title="per user", overlaying="y", side="right", showgrid=False),
                      xaxis_title=evaluation.arm_column, legend=dict(orientation="h"))
    return fig


arms_chart = rates_chart


def uplift_chart(evaluation: CampaignEvaluation) -> go.Figure:
    """Relative uplift of every comparison and metric with its 95% interval (one scale for rates and amounts)."""
    table = evaluation.uplift.dropna(subset=["rel_uplift", "rel_ci_low", "rel_ci_high"])  # no interval, no point
    fig = go.Figure()
    for metric, part in table.groupby("metric", sort=False):
        labels = [f"{a} vs {b}" for a, b in zip(part["arm"], part["baseline"])]
        fig.add_trace(go.Scatter(
            name=str(metric), x=part["rel_uplift"] * 100, y=labels, mode="markers",
            error_x=dict(type="data", symmetric=False, array=((part["rel_ci_high"] - part["rel_uplift"]) * 100)
                         .to_numpy(), arrayminus=((part["rel_uplift"] - part["rel_ci_low"]) * 100).to_numpy()),
            customdata=part[["p_adjusted"]].to_numpy(),
            hovertemplate="%{y}: %{x:+.1f}%, p=%{customdata[0]:.4f}<extra>" + str(metric) + "</extra>"))
    fig.add_vline(x=0, line_dash="dash", line_color="grey")
    fig.update_layout(title=_title(evaluation, "Relative uplift with 95% CI"), xaxis_title="relative uplift (%)",
                      yaxis_title="comparison", legend=dict(orientation="h"))
    return fig


def uplift_by_segment_chart(evaluation: CampaignEvaluation, metric: str | None = None) -> go.Figure:
    """Absolute uplift per segment (one marker per comparison) with 95% CI bars; the first rate metric by
    default."""
    table = evaluation.segments
    if table.empty:
        table = evaluation.uplift.assign(segment="all users")
    if metric is None:
        rates = [m for m in evaluation.metrics if evaluation.kind_of(m) == "binary"]
        metric = rates[-1] if rates else evaluation.metrics[0]
    table = table[table["metric"] == metric]
    if table.empty:
        raise ValueError(f"no uplift rows for metric '{metric}'")
    scale = 100.0 if evaluation.kind_of(metric) == "binary" else 1.0
    unit = " (pp)" if scale == 100 else ""
    fig = go.Figure()
    for (arm, base), part in table.groupby(["arm", "baseline"], sort=True):
        fig.add_trace(go.Scatter(
            name=f"{arm} vs {base}", x=part["segment"].astype(str), y=part["uplift"] * scale, mode="markers",
            error_y=dict(type="data", symmetric=False, array=((part["ci_high"] - part["uplift"]) * scale).to_numpy(),
                         arrayminus=((part["uplift"] - part["ci_low"]) * scale).to_numpy()),
            customdata=part[["p_value"]].to_numpy(),
            hovertemplate="%{x}: %{y:+.2f}" + unit + ", p=%{customdata[0]:.4f}<extra>" + str(arm) + "</extra>"))
    fig.add_hline(y=0, line_dash="dash", line_color="grey")
    fig.update_layout(title=_title(evaluation, f"{metric} uplift by {evaluation.segment_name or 'segment'} "
                                               f"(95% CI)"),
                      yaxis_title=f"uplift{unit}", xaxis_title=evaluation.segment_name or "segment")
    return fig


def qini_chart(curve: pd.DataFrame, label: str = "model", qini_coefficient: float | None = None) -> go.Figure:
    """The Qini curve (from `campaigns.uplift.qini_curve`) against random targeting."""
    for column in ("fraction_targeted", "qini", "random"):
        if column not in curve.columns:
            raise ValueError(f"curve lacks column '{column}': pass the frame from campaigns.uplift.qini_curve")
    name = label if qini_coefficient is None else f"{label} (Qini coefficient {qini_coefficient:.3f})"
    fig = go.Figure([
        go.Scatter(x=curve["fraction_targeted"], y=curve["qini"], mode="lines", name=name),
        go.Scatter(x=curve["fraction_targeted"], y=curve["random"], mode="lines", name="random targeting",
                   line=dict(dash="dash")),
    ])
    fig.update_layout(title="Qini curve: incremental responders by share of users targeted",
                      xaxis_title="share of users targeted (highest predicted uplift first)", xaxis_tickformat=".0%",
                      yaxis_title="incremental responders")
    return fig
