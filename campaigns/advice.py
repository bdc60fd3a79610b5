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
from campaigns.evaluation.verdict import metric_label
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
    evidence_zh: str = Field(default="", description="the same evidence in Chinese")
    confidence: Literal["high", "medium", "low"]
    required_n_per_arm: int | None = None


# The evidence sentence, per language: {m} metric, {a}/{c} arm and control values, {u} uplift, {lo}/{hi} CI.
_EVIDENCE = {
    "en": {"money": "{a:.3f} vs {c:.3f} per user, difference {u:+.3f} (95% CI {lo:+.3f} to {hi:+.3f})",
           "rate": "{m} {a:.2%} vs {c:.2%} in control, uplift {u:+.2f} pp (95% CI {lo:+.2f} to {hi:+.2f} pp)",
           "p_tiny": ", p < 0.0001", "p": ", p = {p:.4f}", "beat": ", P(beat control) = {b:.3f}",
           "n": ", n = {na:,} vs {nc:,}"},
    "zh": {"money": "{m} {a:.3f} 对比 {c:.3f}，差值 {u:+.3f}（95% 置信区间 {lo:+.3f} 至 {hi:+.3f}）",
           "rate": "{m} {a:.2%}，对照组 {c:.2%}，提升 {u:+.2f} 个百分点（95% 置信区间 {lo:+.2f} 至 {hi:+.2f}）",
           "p_tiny": "，p < 0.0001", "p": "，p = {p:.4f}", "beat": "，优于对照组的概率 = {b:.3f}",
           "n": "，人数 {na:,} 对比 {nc:,}"},
}


def _fmt(row: pd.Series, language: str = "en") -> str:
    t = _EVIDENCE[language]
    money = row["metric"] == "revenue_per_user"
    scale = 1 if money else 100
    metric = row["metric"] if language == "en" else metric_label(row["metric"], "continuous" if money else "binary",
                                                                 language)
    body = t["money" if money else "rate"].format(m=metric, a=row["arm_value"], c=row["control_value"],
                                                  u=row["uplift"] * scale, lo=row["ci_low"] * scale,
                                                  hi=row["ci_high"] * scale)
    p = row["p_value"]
    body += t["p_tiny"] if p < 1e-4 else t["p"].format(p=p)
    if pd.notna(row.get("prob_beat_control")):
        body += t["beat"].format(b=row["prob_beat_control"])
    return body + t["n"].format(na=int(row["n_arm"]), nc=int(row["n_control"]))


# The advice table's words in Chinese (advice_frame(language="zh")).
_ZH_VALUES = {"action": {"target": "重点投放", "drop": "停用", "keep_variant": "保留该方案", "test_more": "继续测试"},
              "target_kind": {"arm": "实验组", "segment": "客群"},
              "confidence": {"high": "高", "medium": "中", "low": "低"}}


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
    obs_zh = "（观察性对比：仅供参考，不代表因果）" if evaluation.observational else ""
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
                             evidence_zh=("最佳方案：" if prefix else "") + _fmt(row, "zh") + obs_zh,
                             confidence=_confidence(row["p_value"], evaluation.observational, alpha)))
    for _, row in rows[rows["ci_high"] < 0].iterrows():
        advice.append(Advice(action="drop", target_kind="arm", target=row["arm"], arm=row["arm"], metric=metric,
                             evidence="Worse than control: " + _fmt(row) + obs,
                             evidence_zh="不如对照组：" + _fmt(row, "zh") + obs_zh,
                             confidence=_confidence(row["p_value"], evaluation.observational, alpha)))
    for _, row in rows[rows["p_value"] >= alpha].iterrows():
        needed = _needed_n(row, mde_relative)
        have = int(min(row["n_arm"], row["n_control"]))
        text, text_zh = "Inconclusive: " + _fmt(row), "尚无定论：" + _fmt(row, "zh")
        if needed:
            lift = max(abs(row['uplift']), row['control_value'] * mde_relative) * 100
            text += (f"; detecting a lift of {lift:.2f}"
                     f" pp with 80% power needs {needed:,} users per arm (have {have:,})")
            text_zh += f"；以 80% 的把握检测 {lift:.2f} 个百分点的提升，每组需要 {needed:,} 位客户（现有 {have:,} 位）"
        advice.append(Advice(action="test_more", target_kind="arm", target=row["arm"], arm=row["arm"], metric=metric,
                             evidence=text + obs, evidence_zh=text_zh + obs_zh, confidence="low",
                             required_n_per_arm=needed))

    segs = evaluation.segments
    if not segs.empty:
        seg_rows = segs[segs["metric"] == metric]
        for _, row in seg_rows.iterrows():
            if pd.isna(row["ci_low"]):
                continue
            label = f"{evaluation.segment_name or 'segment'} {row['segment']}"
            label_zh = f"客群 {row['segment']} 使用 {row['arm']}：" if (evaluation.segment_name or "segment") == "segment" \
                else f"{evaluation.segment_name} {row['segment']} 使用 {row['arm']}："
            if row["ci_high"] < 0:
                advice.append(Advice(action="drop", target_kind="segment", target=str(row["segment"]), arm=row["arm"],
                                     metric=metric, evidence=f"{label} with {row['arm']}: " + _fmt(row) + obs,
                                     evidence_zh=label_zh + _fmt(row, "zh") + obs_zh,
                                     confidence=_confidence(row["p_value"], evaluation.observational, alpha)))
            elif row["ci_low"] > 0:
                advice.append(Advice(action="target", target_kind="segment", target=str(row["segment"]),
                                     arm=row["arm"], metric=metric,
                                     evidence=f"{label} with {row['arm']}: " + _fmt(row) + obs,
                                     evidence_zh=label_zh + _fmt(row, "zh") + obs_zh,
                                     confidence=_confidence(row["p_value"], evaluation.observational, alpha)))
    order = {"keep_variant": 0, "drop": 1, "target": 2, "test_more": 3}
    rank = {"high": 0, "medium": 1, "low": 2}
    return sorted(advice, key=lambda a: (order[a.action], rank[a.confidence]))


def advice_frame(advice: list[Advice], language: str = "en") -> pd.DataFrame:
    """The advice as a table (for the UI and reports), its words in `language` (arm names are the data's)."""
    columns = [c for c in Advice.model_fields if c != "evidence_zh"]
    frame = pd.DataFrame([a.model_dump() for a in advice], columns=[*columns, "evidence_zh"])
    if language == "zh":
        frame["evidence"] = frame["evidence_zh"].where(frame["evidence_zh"].astype(bool), frame["evidence"])
        for column, words in _ZH_VALUES.items():
            frame[column] = frame[column].map(lambda v, w=words: w.get(v, v))
        frame["metric"] = frame["metric"].map(lambda m: metric_label(m, "binary" if m != "revenue_per_user" else
                                                                     "continuous", "zh"))
    return frame[columns]
