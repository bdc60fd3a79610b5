"""Complete Journey-style data without a hold-out: receivers of a campaign vs comparable non-receivers.

Not randomised: the result is flagged observational in every rendering, and participation (coupon redemption),
which the comparison group cannot do by construction, is shown per arm but never tested.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from assistant.core.errors import DataError
from assistant.core.text import Bilingual
from assistant.core.data.schema import CONTROL_ARM, OUTCOME_FLAGS
from campaigns.evaluation.evaluate import evaluate_campaign
from campaigns.evaluation.result import CampaignEvaluation

@dataclass(frozen=True)
class ObservationalCampaign:
    """Receivers of one campaign and a comparison group of matched non-receivers, in the canonical
    exposures/outcomes layout (arms "treatment" and "control"). Not randomised: evaluate with
    observational=True (`evaluate_observational` does)."""

    campaign_id: str
    exposures: pd.DataFrame
    outcomes: pd.DataFrame
    notes: tuple[str, ...] = ()
    notes_zh: tuple[str, ...] = ()  # the same notes in Chinese


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
    notes = Bilingual()
    in_window = purchases[(purchases["timestamp"] >= start) & (purchases["timestamp"] < end_excl)]
    active = pd.Index(in_window["user_id"].unique())
    receivers_all = pd.Index(dataset.exposures.loc[dataset.exposures["campaign_id"].astype(str) == campaign_id,
                                                   "user_id"].unique())
    if receivers_all.empty:
        raise DataError(f"campaign '{campaign_id}' has no receivers in the exposures table", column="campaign_id")
    receivers = receivers_all.intersection(active)
    pool = active.difference(receivers_all)
    notes.add(f"Population: {len(active):,} households active in the window {start:%Y-%m-%d}..{end:%Y-%m-%d}; "
         f"{len(receivers):,} of {len(receivers_all):,} receivers were active.",
         f"对象：活动期间 {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 有购买的 {len(active):,} 户；"
         f"{len(receivers_all):,} 位收到活动的客户中有 {len(receivers):,} 位在此期间有购买。")
    if receivers.empty or pool.empty:
        raise DataError(f"campaign '{campaign_id}': no active receivers or no active non-receivers in its window",
                        fix="pick a campaign whose window overlaps the transactions")

    # Pre-period spend for matching; fall back to spend outside the window when the data starts too late.
    pre_start = start - pd.Timedelta(days=pre_period_days)
    pre = purchases[(purchases["timestamp"] >= pre_start) & (purchases["timestamp"] < start)]
    data_start = purchases["timestamp"].min()
    if data_start > start - pd.Timedelta(days=28):
        pre = purchases[(purchases["timestamp"] < start) | (purchases["timestamp"] >= end_excl)]
        notes.add("Less than 4 weeks of data before the campaign: matched on spend outside the campaign window.",
             "活动前的数据不足 4 周：按活动期以外的消费金额匹配。")
    else:
        notes.add(f"Matched on spend in the {pre_period_days} days before the campaign ({n_bins} quantile bins).",
             f"按活动前 {pre_period_days} 天的消费金额匹配（{n_bins} 个分位区间）。")
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
        notes.add(f"{short:,} comparison households could not be matched (too few non-receivers in some bins).",
             f"有 {short:,} 户对比客户无法匹配（部分区间里未收到活动的客户太少）。")
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
        notes.add("The campaign has no coupon products listed: conversion cannot be measured (all False).",
             "该活动没有列出优惠券商品：无法衡量转化（全部记为未转化）。")
    bought = in_window[in_window["item_id"].isin(items)].groupby("user_id")["revenue"].sum()
    outcomes = exposures[["campaign_id", "user_id"]].copy()
    for flag in ("opened", "clicked", "visited"):
        outcomes[flag] = False
    outcomes["redeemed"] = outcomes["user_id"].isin(redeemed) & (exposures["arm"] != CONTROL_ARM).to_numpy()
    outcomes["revenue"] = outcomes["user_id"].map(bought).fillna(0.0).astype(float)
    outcomes["converted"] = outcomes["user_id"].isin(bought.index)
    outcomes = outcomes[["campaign_id", "user_id", *OUTCOME_FLAGS, "revenue"]]
    notes.add("Participation (coupon redemption) is 0 in the comparison group by construction: only the "
         "conversion and revenue comparisons are informative.",
         "对比组的参与率（优惠券核销）按定义为 0：只有转化和收入的比较有意义。")
    return ObservationalCampaign(campaign_id, exposures, outcomes, tuple(notes.en), tuple(notes.zh))


def evaluate_observational(data: ObservationalCampaign, segments: pd.Series | None = None,
                           alpha: float = 0.05) -> CampaignEvaluation:
    """`evaluate_campaign` on an observational comparison: participation = redeemed, flagged observational.

    Redemption is impossible in the comparison group, so its "uplift" would be significant by construction:
    it stays in the per-arm table and is left out of the comparisons."""
    evaluation = evaluate_campaign(data.exposures, data.outcomes, participation="redeemed", conversion="converted",
                                   segments=segments, campaign_id=data.campaign_id, observational=True,
                                   alpha=alpha, check_split=False)
    return replace(evaluation, notes=tuple(data.notes) + evaluation.notes,
                   notes_zh=tuple(data.notes_zh) + evaluation.notes_zh,
                   uplift=evaluation.uplift[evaluation.uplift["metric"] != "participation"].reset_index(drop=True),
                   segments=evaluation.segments[evaluation.segments["metric"] != "participation"]
                   .reset_index(drop=True))
