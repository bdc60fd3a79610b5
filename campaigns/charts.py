"""Plotly figures of an evaluation: rates per arm with CIs, uplift per segment, the Qini curve.

Each function returns a `go.Figure` (the UI embeds it, reports save it as HTML); titles carry the
observational warning when the evaluation is not randomised.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from statsmodels.stats.proportion import proportion_confint

from campaigns.evaluation import CampaignEvaluation


def _title(evaluation: CampaignEvaluation, text: str) -> str:
    return text + (" — OBSERVATIONAL (not randomised)" if evaluation.observational else "")


def rates_chart(evaluation: CampaignEvaluation) -> go.Figure:
    """Participation and conversion rate per arm, with Wilson 95% intervals as error bars."""
    arms = evaluation.arms
    fig = go.Figure()
    for metric, count_col, label in (("participation_rate", "participants", evaluation.participation),
                                     ("conversion_rate", "conversions", evaluation.conversion)):
        low, high = proportion_confint(arms[count_col], arms["n"], alpha=evaluation.alpha, method="wilson")
        rate = arms[metric]
        fig.add_trace(go.Bar(
            name=f"{label} rate", x=arms["arm"], y=rate,
            error_y=dict(type="data", symmetric=False, array=(high - rate).to_numpy(),
                         arrayminus=(rate - low).to_numpy()),
            hovertemplate="%{x}: %{y:.2%}<extra>" + label + "</extra>"))
    fig.update_layout(barmode="group", title=_title(evaluation, "Rates per arm (95% CI)"), yaxis_tickformat=".1%",
                      yaxis_title="rate", xaxis_title="arm")
    return fig


def uplift_by_segment_chart(evaluation: CampaignEvaluation, metric: str = "conversion") -> go.Figure:
    """Absolute uplift vs control per segment (one marker per treatment arm) with 95% CI bars."""
    table = evaluation.segments
    if table.empty:
        table = evaluation.uplift.assign(segment="all users")
    table = table[table["metric"] == metric]
    if table.empty:
        raise ValueError(f"no uplift rows for metric '{metric}'")
    scale = 100.0 if metric != "revenue_per_user" else 1.0
    unit = " (pp)" if scale == 100 else ""
    fig = go.Figure()
    for arm, part in table.groupby("arm", sort=True):
        fig.add_trace(go.Scatter(
            name=str(arm), x=part["segment"].astype(str), y=part["uplift"] * scale, mode="markers",
            error_y=dict(type="data", symmetric=False, array=((part["ci_high"] - part["uplift"]) * scale).to_numpy(),
                         arrayminus=((part["uplift"] - part["ci_low"]) * scale).to_numpy()),
            customdata=part[["p_value"]].to_numpy(),
            hovertemplate="%{x}: %{y:+.2f}" + unit + ", p=%{customdata[0]:.4f}<extra>" + str(arm) + "</extra>"))
    fig.add_hline(y=0, line_dash="dash", line_color="grey")
    fig.update_layout(title=_title(evaluation, f"{metric} uplift vs {evaluation.control_arm} by "
                                               f"{evaluation.segment_name or 'segment'} (95% CI)"),
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
