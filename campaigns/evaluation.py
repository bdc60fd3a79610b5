"""Campaign evaluation: participation / conversion / revenue per arm, uplift vs control with real statistics.

Why statsmodels/scipy rather than hand-written formulas: the score interval and test for two independent
proportions (Miettinen-Nurminen / Newcombe family) and Welch's t interval are easy to get subtly wrong; we call
`statsmodels.stats.proportion.confint_proportions_2indep` / `test_proportions_2indep` and `scipy.stats.ttest_ind`
with the same method so the interval and the p-value always agree.

Tables of a `CampaignEvaluation`:

arms      one row per arm: arm, n, participants, participation_rate, conversions, conversion_rate, revenue,
          revenue_per_user, aov (revenue per converter)
uplift    one row per (treatment arm, metric) with metric in participation / conversion / revenue_per_user:
          arm, metric, n_arm, n_control, control_value, arm_value, uplift (absolute), ci_low, ci_high,
          rel_uplift, rel_ci_low, rel_ci_high, p_value, prob_beat_control, significant
segments  the same columns as `uplift` plus `segment` first (empty frame when no segments were given)
"""
from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

from assistant.core.errors import DataError
from assistant.core.data.schema import CONTROL_ARM, OUTCOME_FLAGS

PARTICIPATION_CHOICES: tuple[str, ...] = ("visited", "opened", "clicked", "redeemed")
CONVERSION_CHOICES: tuple[str, ...] = ("converted", "redeemed", "visited", "clicked", "opened")
METRICS: tuple[str, ...] = ("participation", "conversion", "revenue_per_user")
ARM_COLUMNS: tuple[str, ...] = ("arm", "n", "participants", "participation_rate", "conversions", "conversion_rate",
                                "revenue", "revenue_per_user", "aov")
UPLIFT_COLUMNS: tuple[str, ...] = ("arm", "metric", "n_arm", "n_control", "control_value", "arm_value", "uplift",
                                   "ci_low", "ci_high", "rel_uplift", "rel_ci_low", "rel_ci_high", "p_value",
                                   "prob_beat_control", "significant")
# One method for interval and test so they agree (the score interval inverts the score test).
PROPORTION_METHOD = "score"
FALLBACK_DIFF_METHOD, FALLBACK_RATIO_METHOD = "newcomb", "log-adjusted"
OBSERVATIONAL_NOTE = ("OBSERVATIONAL: receivers were not randomly assigned; differences vs the comparison group "
                      "may reflect who was selected, not the campaign's effect.")


@dataclass(frozen=True)
class CampaignEvaluation:
    """The result of `evaluate_campaign`: per-arm rates, uplift vs control, optional per-segment breakdown."""

    arms: pd.DataFrame
    uplift: pd.DataFrame
    segments: pd.DataFrame
    campaign_id: str | None = None
    participation: str = "visited"
    conversion: str = "converted"
    control_arm: str = CONTROL_ARM
    observational: bool = False
    alpha: float = 0.05
    segment_name: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def treatment_arms(self) -> list[str]:
        return [a for a in self.arms["arm"] if a != self.control_arm]

    def uplift_for(self, arm: str, metric: str = "conversion") -> pd.Series:
        """The uplift row of one treatment arm and metric."""
        rows = self.uplift[(self.uplift["arm"] == arm) & (self.uplift["metric"] == metric)]
        if rows.empty:
            raise KeyError(f"no uplift row for arm '{arm}' and metric '{metric}'; arms: {self.treatment_arms}, "
                           f"metrics: {list(METRICS)}")
        return rows.iloc[0]

    def title(self) -> str:
        label = f"Campaign {self.campaign_id}" if self.campaign_id is not None else "Campaign"
        kind = "OBSERVATIONAL comparison (not randomised)" if self.observational else "randomised test"
        return (f"{label} — {kind}; participation = {self.participation}, conversion = {self.conversion}, "
                f"{int((1 - self.alpha) * 100)}% CIs")

    def _all_notes(self) -> list[str]:
        notes = list(self.notes)
        if self.observational and OBSERVATIONAL_NOTE not in notes:
            notes.insert(0, OBSERVATIONAL_NOTE)
        return notes

    def to_markdown(self) -> str:
        """A Markdown report: title, observational warning, arms table, uplift table, segment table."""
        parts = [f"### {self.title()}"]
        parts += [f"> **{note}**" if note == OBSERVATIONAL_NOTE else f"> {note}" for note in self._all_notes()]
        parts += ["", "**Arms**", "", _frame_markdown(_format_arms(self.arms)), "",
                  f"**Uplift vs `{self.control_arm}`**", "", _frame_markdown(_format_uplift(self.uplift))]
        if not self.segments.empty:
            parts += ["", f"**Uplift by {self.segment_name or 'segment'}**", "",
                      _frame_markdown(_format_uplift(self.segments))]
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        esc = html.escape
        notes = "".join(
            f"<p style='color:#b00;font-weight:bold'>{esc(n)}</p>" if n == OBSERVATIONAL_NOTE else f"<p>{esc(n)}</p>"
            for n in self._all_notes())
        body = [f"<h4>{esc(self.title())}</h4>", notes, "<b>Arms</b>",
                _format_arms(self.arms).to_html(index=False, escape=True),
                f"<b>Uplift vs {esc(self.control_arm)}</b>", _format_uplift(self.uplift).to_html(index=False, escape=True)]
        if not self.segments.empty:
            body += [f"<b>Uplift by {esc(self.segment_name or 'segment')}</b>",
                     _format_uplift(self.segments).to_html(index=False, escape=True)]
        return "<div>" + "".join(body) + "</div>"


def _frame_markdown(frame: pd.DataFrame) -> str:
    # Hand-written because DataFrame.to_markdown needs the optional `tabulate` package.
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def _format_arms(arms: pd.DataFrame) -> pd.DataFrame:
    out = arms.copy()
    for column in ("participation_rate", "conversion_rate"):
        out[column] = out[column].map(lambda v: f"{v:.2%}")
    for column in ("revenue", "revenue_per_user", "aov"):
        out[column] = out[column].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
    return out


def _format_uplift(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    is_rate = out["metric"] != "revenue_per_user"

    def fmt(value, rate):
        if pd.isna(value):
            return ""
        return f"{value * 100:+.2f} pp" if rate else f"{value:+.3f}"

    def fmt_level(value, rate):
        return "" if pd.isna(value) else (f"{value:.2%}" if rate else f"{value:.3f}")

    out["control_value"] = [fmt_level(v, r) for v, r in zip(frame["control_value"], is_rate)]
    out["arm_value"] = [fmt_level(v, r) for v, r in zip(frame["arm_value"], is_rate)]
    out["uplift"] = [fmt(v, r) for v, r in zip(frame["uplift"], is_rate)]
    out["95% CI"] = [f"[{fmt(lo, r)}, {fmt(hi, r)}]" for lo, hi, r in zip(frame["ci_low"], frame["ci_high"], is_rate)]
    out["relative"] = ["" if pd.isna(v) else f"{v:+.1%} [{lo:+.1%}, {hi:+.1%}]"
                       for v, lo, hi in zip(frame["rel_uplift"], frame["rel_ci_low"], frame["rel_ci_high"])]
    out["p_value"] = frame["p_value"].map(lambda p: "" if pd.isna(p) else ("<0.0001" if p < 1e-4 else f"{p:.4f}"))
    out["P(beat control)"] = frame["prob_beat_control"].map(lambda p: "" if pd.isna(p) else f"{p:.3f}")
    keep = [c for c in ("segment", "arm", "metric", "n_arm", "n_control", "control_value", "arm_value", "uplift",
                        "95% CI", "relative", "p_value", "P(beat control)", "significant") if c in out.columns]
    return out[keep]


# --------------------------------------------------------------------------------------------------- statistics
def prob_beat_control(x_arm: int, n_arm: int, x_control: int, n_control: int) -> float:
    """P(p_arm > p_control) with independent Beta(1,1) priors, computed exactly (Evan Miller's closed form).

    Exact rather than Monte Carlo so the number is reproducible without a seed and accurate in the tails.
    """
    a_t, b_t = 1 + x_arm, 1 + n_arm - x_arm
    a_c, b_c = 1 + x_control, 1 + n_control - x_control
    i = np.arange(a_t)  # sum over i = 0 .. a_t - 1
    log_terms = (special.betaln(a_c + i, b_c + b_t) - np.log(b_t + i) - special.betaln(1 + i, b_t)
                 - special.betaln(a_c, b_c))
    return float(np.clip(np.exp(special.logsumexp(log_terms)), 0.0, 1.0))


def proportion_uplift(x_arm: int, n_arm: int, x_control: int, n_control: int, alpha: float = 0.05) -> dict:
    """Absolute and relative uplift of two proportions with statsmodels' score interval and test."""
    with warnings.catch_warnings():  # statsmodels divides by a zero control rate before we can skip the ratio
        warnings.simplefilter("ignore", RuntimeWarning)
        return _proportion_uplift(x_arm, n_arm, x_control, n_control, alpha)


def _proportion_uplift(x_arm: int, n_arm: int, x_control: int, n_control: int, alpha: float) -> dict:
    p_arm, p_ctl = x_arm / n_arm, x_control / n_control
    out = {"n_arm": n_arm, "n_control": n_control, "control_value": p_ctl, "arm_value": p_arm,
           "uplift": p_arm - p_ctl, "ci_low": np.nan, "ci_high": np.nan, "rel_uplift": np.nan,
           "rel_ci_low": np.nan, "rel_ci_high": np.nan, "p_value": np.nan,
           "prob_beat_control": prob_beat_control(x_arm, n_arm, x_control, n_control)}
    if x_arm + x_control == 0 or x_arm + x_control == n_arm + n_control:
        out["p_value"] = 1.0  # no variation at all: nothing to test
        out["ci_low"] = out["ci_high"] = 0.0
        return out
    try:
        low, high = confint_proportions_2indep(x_arm, n_arm, x_control, n_control, method=PROPORTION_METHOD,
                                               compare="diff", alpha=alpha)
    except ValueError:
        # statsmodels' score-interval root finder can fail to bracket (seen on Hillstrom's "$1,000 +" segment:
        # 94/428 vs 69/416); Newcombe's hybrid score interval is the closest well-behaved alternative.
        low, high = confint_proportions_2indep(x_arm, n_arm, x_control, n_control, method=FALLBACK_DIFF_METHOD,
                                               compare="diff", alpha=alpha)
    test = test_proportions_2indep(x_arm, n_arm, x_control, n_control, method=PROPORTION_METHOD, compare="diff")
    out.update(ci_low=float(low), ci_high=float(high), p_value=float(test.pvalue))
    if x_control > 0:
        try:
            r_low, r_high = confint_proportions_2indep(x_arm, n_arm, x_control, n_control,
                                                       method=PROPORTION_METHOD, compare="ratio", alpha=alpha)
        except ValueError:
            r_low, r_high = confint_proportions_2indep(x_arm, n_arm, x_control, n_control,
                                                       method=FALLBACK_RATIO_METHOD, compare="ratio", alpha=alpha)
        out.update(rel_uplift=p_arm / p_ctl - 1, rel_ci_low=float(r_low) - 1, rel_ci_high=float(r_high) - 1)
    return out


def mean_difference(arm: np.ndarray, control: np.ndarray, alpha: float = 0.05) -> dict:
    """Difference of means (revenue per user) with Welch's t interval and p-value (scipy)."""
    m_arm, m_ctl = float(np.mean(arm)), float(np.mean(control))
    out = {"n_arm": len(arm), "n_control": len(control), "control_value": m_ctl, "arm_value": m_arm,
           "uplift": m_arm - m_ctl, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
           "rel_uplift": np.nan, "rel_ci_low": np.nan, "rel_ci_high": np.nan, "prob_beat_control": np.nan}
    if len(arm) < 2 or len(control) < 2 or (np.var(arm) == 0 and np.var(control) == 0):
        if len(arm) >= 2 and len(control) >= 2:
            out.update(ci_low=out["uplift"], ci_high=out["uplift"], p_value=1.0 if out["uplift"] == 0 else 0.0)
        return out
    result = stats.ttest_ind(arm, control, equal_var=False)
    ci = result.confidence_interval(confidence_level=1 - alpha)
    out.update(ci_low=float(ci.low), ci_high=float(ci.high), p_value=float(result.pvalue))
    if m_ctl > 0:
        out.update(rel_uplift=m_arm / m_ctl - 1, rel_ci_low=float(ci.low) / m_ctl, rel_ci_high=float(ci.high) / m_ctl)
    return out


# --------------------------------------------------------------------------------------------------- tables
def _merge(exposures: pd.DataFrame, outcomes: pd.DataFrame, campaign_id, participation: str,
           conversion: str) -> tuple[pd.DataFrame, str | None]:
    for name, frame, needed in (("exposures", exposures, ("campaign_id", "user_id", "arm")),
                                ("outcomes", outcomes, ("campaign_id", "user_id"))):
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}",
                            fix="pass the Dataset's exposures/outcomes tables")
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise DataError(f"{name} table lacks column(s) {missing}", column=missing[0],
                            fix=f"the {name} table needs {list(needed)} (see assistant/data/schema.py)")
    for flag in {participation, conversion}:
        if flag not in outcomes.columns:
            raise DataError(f"outcomes table has no '{flag}' column", column=flag,
                            fix=f"choose a column that exists: {[c for c in OUTCOME_FLAGS if c in outcomes.columns]}")
    exp = exposures[["campaign_id", "user_id", "arm"]].copy()
    out = outcomes.copy()
    exp["campaign_id"] = exp["campaign_id"].astype(str)
    out["campaign_id"] = out["campaign_id"].astype(str)
    if campaign_id is not None:
        campaign_id = str(campaign_id)
        exp = exp[exp["campaign_id"] == campaign_id]
        out = out[out["campaign_id"] == campaign_id]
        if exp.empty:
            raise DataError(f"no exposures for campaign '{campaign_id}'", column="campaign_id",
                            fix=f"known campaigns: {sorted(exposures['campaign_id'].astype(str).unique())[:20]}")
    else:
        ids = exp["campaign_id"].unique()
        if len(ids) > 1:
            raise DataError(f"exposures hold {len(ids)} campaigns", column="campaign_id",
                            fix=f"pass campaign_id=... (one of {sorted(ids)[:20]})")
        if len(ids) == 1:
            campaign_id = str(ids[0])
    if exp.empty:
        raise DataError("the exposures table is empty", fix="load a dataset with campaign exposures")
    dupes = exp.duplicated(["campaign_id", "user_id"])
    if dupes.any():
        row = int(np.flatnonzero(dupes.to_numpy())[0])
        raise DataError(f"{int(dupes.sum())} users appear more than once in the exposures of one campaign",
                        column="user_id", row=row, fix="each user must be exposed to exactly one arm per campaign")
    if out.duplicated(["campaign_id", "user_id"]).any():
        out = out.drop_duplicates(["campaign_id", "user_id"], keep="last")
    keep = ["campaign_id", "user_id", *dict.fromkeys([participation, conversion])]
    keep += ["revenue"] if "revenue" in out.columns else []
    merged = exp.merge(out[keep], on=["campaign_id", "user_id"], how="left")
    merged["_participation"] = merged[participation].fillna(False).astype(bool)
    merged["_conversion"] = merged[conversion].fillna(False).astype(bool)
    merged["_revenue"] = (merged["revenue"].fillna(0.0).astype(float) if "revenue" in merged.columns else 0.0)
    merged["arm"] = merged["arm"].astype(str)
    return merged, campaign_id


def _arm_table(frame: pd.DataFrame, control_arm: str) -> pd.DataFrame:
    grouped = frame.groupby("arm", sort=True).agg(
        n=("user_id", "size"), participants=("_participation", "sum"), conversions=("_conversion", "sum"),
        revenue=("_revenue", "sum"))
    grouped["participation_rate"] = grouped["participants"] / grouped["n"]
    grouped["conversion_rate"] = grouped["conversions"] / grouped["n"]
    grouped["revenue_per_user"] = grouped["revenue"] / grouped["n"]
    grouped["aov"] = grouped["revenue"] / grouped["conversions"].where(grouped["conversions"] > 0)
    # Control first, then treatments alphabetically: stable order for tables and charts.
    order = sorted(grouped.index, key=lambda a: (a != control_arm, a))
    out = grouped.loc[order].reset_index()
    for column in ("n", "participants", "conversions"):
        out[column] = out[column].astype(int)
    return out[list(ARM_COLUMNS)]


def _uplift_rows(frame: pd.DataFrame, control_arm: str, alpha: float) -> list[dict]:
    control = frame[frame["arm"] == control_arm]
    rows: list[dict] = []
    if control.empty:
        return rows
    n_c = len(control)
    for arm in sorted(a for a in frame["arm"].unique() if a != control_arm):
        treated = frame[frame["arm"] == arm]
        n_t = len(treated)
        for metric, column in (("participation", "_participation"), ("conversion", "_conversion")):
            row = proportion_uplift(int(treated[column].sum()), n_t, int(control[column].sum()), n_c, alpha)
            rows.append({"arm": arm, "metric": metric, **row})
        row = mean_difference(treated["_revenue"].to_numpy(float), control["_revenue"].to_numpy(float), alpha)
        rows.append({"arm": arm, "metric": "revenue_per_user", **row})
    for row in rows:
        row["significant"] = bool(pd.notna(row["p_value"]) and row["p_value"] < alpha)
    return rows


def evaluate_campaign(exposures: pd.DataFrame, outcomes: pd.DataFrame, participation: str = "visited",
                      conversion: str = "converted", control_arm: str = CONTROL_ARM,
                      segments: pd.Series | None = None, campaign_id=None, observational: bool = False,
                      alpha: float = 0.05) -> CampaignEvaluation:
    """Rates per arm and uplift of every treatment arm vs `control_arm` (overall and per segment).

    `segments` is a Series indexed by user_id whose values are segment labels (e.g. Hillstrom's
    history_segment); its `name` labels the breakdown. Set `observational=True` when arms were not randomised
    (every rendering then carries a warning).
    """
    if participation not in PARTICIPATION_CHOICES:
        raise DataError(f"participation '{participation}' is not supported",
                        fix=f"use one of {list(PARTICIPATION_CHOICES)}")
    if conversion not in CONVERSION_CHOICES:
        raise DataError(f"conversion '{conversion}' is not supported", fix=f"use one of {list(CONVERSION_CHOICES)}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    frame, campaign_id = _merge(exposures, outcomes, campaign_id, participation, conversion)
    notes: list[str] = []
    if control_arm not in set(frame["arm"]):
        raise DataError(f"no '{control_arm}' arm among {sorted(frame['arm'].unique())}", column="arm",
                        fix="pass control_arm=<the hold-out arm's name>; uplift needs a control group")
    arms = _arm_table(frame, control_arm)
    uplift = pd.DataFrame(_uplift_rows(frame, control_arm, alpha), columns=list(UPLIFT_COLUMNS))

    segment_table = pd.DataFrame(columns=["segment", *UPLIFT_COLUMNS])
    segment_name = None
    if segments is not None:
        if not isinstance(segments, pd.Series):
            raise DataError(f"segments must be a pandas Series indexed by user_id, got {type(segments).__name__}")
        segment_name = str(segments.name) if segments.name is not None else "segment"
        labels = segments.copy()
        labels.index = labels.index.astype(str)
        labels = labels[~labels.index.duplicated(keep="last")]
        frame["_segment"] = frame["user_id"].astype(str).map(labels)
        unmatched = int(frame["_segment"].isna().sum())
        if unmatched:
            notes.append(f"{unmatched} exposed users have no {segment_name}; they are left out of the breakdown.")
        rows = []
        for label, part in frame.dropna(subset=["_segment"]).groupby("_segment", sort=True):
            for row in _uplift_rows(part, control_arm, alpha):
                rows.append({"segment": str(label), **row})
        segment_table = pd.DataFrame(rows, columns=["segment", *UPLIFT_COLUMNS])
    return CampaignEvaluation(arms=arms, uplift=uplift, segments=segment_table,
                              campaign_id=campaign_id, participation=participation, conversion=conversion,
                              control_arm=control_arm, observational=observational, alpha=alpha,
                              segment_name=segment_name, notes=tuple(notes))


def marketing_activity_evaluation(exposures: pd.DataFrame, outcomes: pd.DataFrame,
                                  participation: str = "visited", conversion: str = "converted",
                                  campaign_id=None) -> pd.DataFrame:
    """The product brief's summary: one row per arm with participation_rate and conversion_rate."""
    frame, _ = _merge(exposures, outcomes, campaign_id, participation, conversion)
    arms = _arm_table(frame, CONTROL_ARM)
    return arms[["arm", "participation_rate", "conversion_rate"]].reset_index(drop=True)


# ------------------------------------------------------------------------------ Complete Journey (observational)
@dataclass(frozen=True)
class ObservationalCampaign:
    """Receivers of one campaign and a comparison group of matched non-receivers, in the canonical
    exposures/outcomes layout (arms "treatment" and "control"). Not randomised: evaluate with
    observational=True (`evaluate_observational` does)."""

    campaign_id: str
    exposures: pd.DataFrame
    outcomes: pd.DataFrame
    notes: tuple[str, ...] = ()


def complete_journey_campaign_outcomes(dataset, campaign_id, *, controls_per_receiver: float = 1.0,
                                       pre_period_days: int = 84, n_bins: int = 10,
                                       random_state: int = 0) -> ObservationalCampaign:
    """Receivers of `campaign_id` vs comparable non-receivers, for data without a hold-out (Complete Journey).

    Population: households with at least one purchase inside the campaign window (in the transactions
    available). Comparison group: non-receivers drawn within pre-period spend deciles so that their spend
    before the campaign matches the receivers' (exact stratified sampling, `controls_per_receiver` each).
    participation = redeemed one of the campaign's coupons (receivers only: non-receivers cannot redeem);
    conversion = bought one of the campaign's coupon products in the window; revenue = spend on them then.
    """
    campaign_id = str(campaign_id)
    campaigns = dataset.campaigns.assign(campaign_id=dataset.campaigns["campaign_id"].astype(str))
    row = campaigns[campaigns["campaign_id"] == campaign_id]
    if row.empty:
        raise DataError(f"unknown campaign '{campaign_id}'", column="campaign_id",
                        fix=f"known campaigns: {sorted(campaigns['campaign_id'])[:30]}")
    start, end = row["start_date"].iloc[0], row["end_date"].iloc[0]
    if pd.isna(start) or pd.isna(end):
        raise DataError(f"campaign '{campaign_id}' has no start/end date", column="start_date",
                        fix="the campaigns table needs start_date and end_date for an observational comparison")
    end_excl = end + pd.Timedelta(days=1)
    purchases = dataset.purchases[["user_id", "item_id", "timestamp", "revenue"]]
    if purchases.empty:
        raise DataError("the dataset has no purchase events", fix="load transactions to compare receivers")
    notes: list[str] = []
    in_window = purchases[(purchases["timestamp"] >= start) & (purchases["timestamp"] < end_excl)]
    active = pd.Index(in_window["user_id"].unique())
    receivers_all = pd.Index(dataset.exposures.loc[dataset.exposures["campaign_id"].astype(str) == campaign_id,
                                                   "user_id"].unique())
    if receivers_all.empty:
        raise DataError(f"campaign '{campaign_id}' has no receivers in the exposures table", column="campaign_id")
    receivers = receivers_all.intersection(active)
    pool = active.difference(receivers_all)
    notes.append(f"Population: {len(active):,} households active in the window {start:%Y-%m-%d}..{end:%Y-%m-%d}; "
                 f"{len(receivers):,} of {len(receivers_all):,} receivers were active.")
    if receivers.empty or pool.empty:
        raise DataError(f"campaign '{campaign_id}': no active receivers or no active non-receivers in its window",
                        fix="pick a campaign whose window overlaps the transactions")

    # Pre-period spend for matching; fall back to spend outside the window when the data starts too late.
    pre_start = start - pd.Timedelta(days=pre_period_days)
    pre = purchases[(purchases["timestamp"] >= pre_start) & (purchases["timestamp"] < start)]
    data_start = purchases["timestamp"].min()
    if data_start > start - pd.Timedelta(days=28):
        pre = purchases[(purchases["timestamp"] < start) | (purchases["timestamp"] >= end_excl)]
        notes.append("Less than 4 weeks of data before the campaign: matched on spend outside the campaign window.")
    else:
        notes.append(f"Matched on spend in the {pre_period_days} days before the campaign ({n_bins} quantile bins).")
    spend = pre.groupby("user_id")["revenue"].sum().reindex(active, fill_value=0.0)
    bins = pd.qcut(spend.rank(method="first"), q=min(n_bins, len(spend)), labels=False)
    rng = np.random.default_rng(random_state)
    chosen: list[str] = []
    short = 0
    for label, members in pd.Series(bins.index, index=bins.index).groupby(bins.to_numpy()):
        treated = members.index.intersection(receivers)
        candidates = members.index.intersection(pool)
        want = int(round(len(treated) * controls_per_receiver))
        take = min(want, len(candidates))
        short += want - take
        if take:
            chosen.extend(rng.choice(np.asarray(candidates, dtype=object), size=take, replace=False).tolist())
    if short:
        notes.append(f"{short:,} comparison households could not be matched (too few non-receivers in some bins).")
    controls = pd.Index(sorted(chosen))

    exposures = pd.concat([
        pd.DataFrame({"campaign_id": campaign_id, "user_id": receivers.sort_values(), "arm": "treatment"}),
        pd.DataFrame({"campaign_id": campaign_id, "user_id": controls, "arm": CONTROL_ARM}),
    ], ignore_index=True)
    exposures["sent_at"] = start

    known = dataset.outcomes[dataset.outcomes["campaign_id"].astype(str) == campaign_id]
    redeemed = set(known.loc[known["redeemed"].astype(bool), "user_id"])
    items = set(dataset.coupons.loc[dataset.coupons["campaign_id"].astype(str) == campaign_id, "item_id"])
    if not items:
        notes.append("The campaign has no coupon products listed: conversion cannot be measured (all False).")
    bought = in_window[in_window["item_id"].isin(items)].groupby("user_id")["revenue"].sum()
    outcomes = exposures[["campaign_id", "user_id"]].copy()
    for flag in ("opened", "clicked", "visited"):
        outcomes[flag] = False
    outcomes["redeemed"] = outcomes["user_id"].isin(redeemed) & (exposures["arm"] != CONTROL_ARM).to_numpy()
    outcomes["revenue"] = outcomes["user_id"].map(bought).fillna(0.0).astype(float)
    outcomes["converted"] = outcomes["user_id"].isin(bought.index)
    outcomes = outcomes[["campaign_id", "user_id", *OUTCOME_FLAGS, "revenue"]]
    notes.append("Participation (coupon redemption) is 0 in the comparison group by construction: only the "
                 "conversion and revenue comparisons are informative.")
    return ObservationalCampaign(campaign_id, exposures, outcomes, tuple(notes))


def evaluate_observational(data: ObservationalCampaign, segments: pd.Series | None = None,
                           alpha: float = 0.05) -> CampaignEvaluation:
    """`evaluate_campaign` on an observational comparison: participation = redeemed, flagged observational."""
    evaluation = evaluate_campaign(data.exposures, data.outcomes, participation="redeemed", conversion="converted",
                                   segments=segments, campaign_id=data.campaign_id, observational=True,
                                   alpha=alpha)
    from dataclasses import replace

    return replace(evaluation, notes=tuple(data.notes) + evaluation.notes)
