"""The plain-language verdict a marketer can act on, in English and Chinese, built from the computed rows only.

Example: "mens_email raised visit rate by 7.7 points (95% CI 7.0 to 8.3), clearly better than control; spend
+0.77 per customer, also significant."
"""
from __future__ import annotations

import re

import pandas as pd

TEXT = {
    "en": {
        "raised": "{arm} raised {label} by {delta} (95% CI {lo} to {hi}), clearly better than {base}",
        "lowered": "{arm} lowered {label} by {delta} (95% CI {lo} to {hi}), clearly worse than {base}",
        "flat": "{arm} vs {base}: no clear difference in {label} ({delta}, 95% CI {lo} to {hi})",
        "also_sig": "{label} {delta}, also significant",
        "also_not": "{label} {delta}, not significant",
        "act_win": "Roll out {arm}: it is the clear winner on {label}.",
        "act_some": "{arms} beat {base} on {label}.",
        "act_none": "No arm clearly beat {base} on {label}: do not roll out on this evidence (a larger test could "
                    "detect a smaller effect).",
        "act_pairs": "Clear differences on {label}: {pairs}.",
        "act_pairs_none": "No pair of arms differs clearly on {label}.",
        "caution": "Caution — the data checks raised warnings (listed above): treat these numbers with care.",
        "observational": "Observational comparison (not randomised): differences may come from who was "
                         "selected, not from the campaign.",
        "points": "{v:+.1f} points", "points_abs": "{v:.1f} points", "per_customer": "{v:+.2f} per customer",
        "per_customer_abs": "{v:.2f} per customer",
        "rate": "{name} rate", "value": "{v:+.3g}",
    },
    "zh": {
        "raised": "{arm} 使{label}提高了 {delta}（95% 置信区间 {lo} 至 {hi}），明显优于{base}",
        "lowered": "{arm} 使{label}降低了 {delta}（95% 置信区间 {lo} 至 {hi}），明显差于{base}",
        "flat": "{arm} 与{base}相比，{label}没有明显差异（{delta}，95% 置信区间 {lo} 至 {hi}）",
        "also_sig": "{label} {delta}，同样显著",
        "also_not": "{label} {delta}，不显著",
        "act_win": "建议推广 {arm}：它在{label}上明显胜出。",
        "act_some": "{arms} 在{label}上优于{base}。",
        "act_none": "没有任何一组在{label}上明显优于{base}：不建议据此推广（更大的样本可以检测更小的效果）。",
        "act_pairs": "{label}上有明显差异的组合：{pairs}。",
        "act_pairs_none": "各组在{label}上没有明显差异。",
        "caution": "注意：数据检查发现了问题（见上方警告），请谨慎解读这些数字。",
        "observational": "观察性比较（非随机分组）：差异可能来自选择了谁，而不是活动本身。",
        "points": "{v:+.1f} 个百分点", "points_abs": "{v:.1f} 个百分点", "per_customer": "每位客户 {v:+.2f}", "per_customer_abs": "每位客户 {v:.2f}",
        "rate": "「{name}」比率", "value": "{v:+.3g}",
    },
}


# The canonical outcome metrics (assistant.core.data.schema outcomes) in Chinese; other metric names are the
# user's own and stay quoted as they were given.
METRICS_ZH = {"participation": "参与", "conversion": "转化", "revenue_per_user": "人均收入", "revenue": "收入",
              "aov": "客单价", "visited": "到店", "converted": "转化", "participated": "参与"}


# ... and in English, where the column name is not already what a marketer says.
METRICS_EN = {"revenue_per_user": "revenue per customer", "aov": "average order value"}


def metric_label(name: str, kind: str, language: str = "en") -> str:
    t = TEXT[language]
    if language == "zh" and str(name) in METRICS_ZH:
        label = METRICS_ZH[str(name)]
        return label + "率" if kind == "binary" else label
    if kind == "binary" and not str(name).lower().endswith("rate"):
        return t["rate"].format(name=name)
    return METRICS_EN.get(str(name), str(name)) if language == "en" else f"「{name}」"


def _delta(value: float, kind: str, language: str, signed: bool = True, label: str = "") -> str:
    t = TEXT[language]
    if kind == "binary":
        return t["points" if signed else "points_abs"].format(v=value * 100)
    if kind in ("count", "continuous") and re.search(r"per (?:customer|user)|人均|每位", label):
        return f"{value:+.2f}" if signed else f"{value:.2f}"   # "revenue per customer +3.19", not "… per customer" twice
    if kind in ("count", "continuous"):
        return t["per_customer" if signed else "per_customer_abs"].format(v=value)
    return t["value"].format(v=value) if signed else f"{value:.3g}"


def _bound(value: float, kind: str) -> str:
    return f"{value * 100:.1f}" if kind == "binary" else f"{value:.2f}" if kind != "ratio" else f"{value:.3g}"


def verdict(uplift: pd.DataFrame, *, control: str | None, warnings: tuple[str, ...] = (),
            observational: bool = False, language: str = "en") -> str:
    """A few sentences: per comparison the primary metric (the first) with its interval, the others briefly,
    then what to do. Only numbers from `uplift` appear."""
    language = language if language in TEXT else "en"
    t = TEXT[language]
    if uplift.empty:
        return ""
    metrics = list(dict.fromkeys(uplift["metric"]))
    primary = metrics[0]
    lines = []
    if warnings:
        lines.append(t["caution"])
    if observational:
        lines.append(t["observational"])
    for (arm, base), part in uplift.groupby(["arm", "baseline"], sort=False):
        first = part[part["metric"] == primary].iloc[0]
        kind = first["kind"]
        label = metric_label(primary, kind, language)
        size = abs(first["uplift"])
        fields = dict(arm=arm, base=base, label=label, lo=_bound(first["ci_low"], kind),
                      hi=_bound(first["ci_high"], kind))
        if first["significant"] and first["uplift"] > 0:
            sentence = t["raised"].format(delta=_delta(size, kind, language, signed=False, label=label), **fields)
        elif first["significant"] and first["uplift"] < 0:
            fields.update(lo=_bound(-first["ci_high"], kind), hi=_bound(-first["ci_low"], kind))
            sentence = t["lowered"].format(delta=_delta(size, kind, language, signed=False, label=label), **fields)
        else:
            sentence = t["flat"].format(delta=_delta(first["uplift"], kind, language, label=label), **fields)
        others = []
        for _, row in part[part["metric"] != primary].iterrows():
            if row["kind"] == "ratio" or pd.isna(row["uplift"]):
                continue
            key = "also_sig" if row["significant"] else "also_not"
            other = metric_label(row["metric"], row["kind"], language)
            others.append(t[key].format(label=other, delta=_delta(row["uplift"], row["kind"], language, label=other)))
        sep = "; " if language == "en" else "；"
        end = "." if language == "en" else "。"
        lines.append(sentence + (sep + sep.join(others) if others else "") + end)
    rows = uplift[uplift["metric"] == primary]
    label = metric_label(primary, rows["kind"].iloc[0], language)
    winners = rows[rows["significant"] & (rows["uplift"] > 0)]
    if control is not None:
        if len(winners) == 1 and len(rows) >= 1:
            lines.append(t["act_win"].format(arm=winners["arm"].iloc[0], label=label))
        elif len(winners) > 1:
            best = winners.sort_values("uplift", ascending=False)["arm"].tolist()
            lines.append(t["act_some"].format(arms=", ".join(best), base=control, label=label))
        else:
            lines.append(t["act_none"].format(base=control, label=label))
    else:
        sig = rows[rows["significant"]]
        if sig.empty:
            lines.append(t["act_pairs_none"].format(label=label))
        else:
            text = ", ".join(f"{r.arm} {'>' if r.uplift > 0 else '<'} {r.baseline}" for r in sig.itertuples())
            lines.append(t["act_pairs"].format(label=label, pairs=text))
    return "\n".join(lines)
