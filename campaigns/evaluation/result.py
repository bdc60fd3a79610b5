"""`CampaignEvaluation`: the result of an evaluation and its renderings (Markdown for chat/CLI, HTML for
notebooks and the UI). Every rendering opens with the warnings, then the plain-language verdict, then tables.

Tables:
arms      one row per arm: arm, n, then per metric `<metric>` (rate or mean per user; ratio of sums for ratio
          metrics), `<metric>_sum` and `<metric>_se`
uplift    one row per (arm, baseline, metric): values, absolute uplift with CI, relative uplift with a log-ratio
          CI (always contains its estimate), p-value, Holm-adjusted p-value, significance, method; CUPED and
          always-valid columns when used (see `compare.UPLIFT_COLUMNS`)
omnibus   3+ arms: one overall test per metric (chi-square / ANOVA / Kruskal-Wallis)
segments  the uplift columns plus `segment` first (empty when no segments were given)
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from assistant.core.text import in_language, markdown_literal
from assistant.core.vocabulary import markdown_table
from campaigns.evaluation.verdict import metric_label, verdict

OBSERVATIONAL_NOTE = ("OBSERVATIONAL: receivers were not randomly assigned; differences vs the comparison group "
                      "may reflect who was selected, not the campaign's effect.")
SEQUENTIAL_NOTE = ("Always-valid interval: stays correct however often you look at results while the campaign "
                   "runs (wider than the fixed-sample interval).")
CUPED_NOTE = ("CUPED: the same uplift estimated with the pre-period covariate '{cov}' removing variance that "
              "existed before the campaign; the interval is narrower by the percentage shown.")
SEQUENTIAL_NOTE_ZH = "始终有效区间：无论活动进行中查看多少次结果都保持正确（比固定样本区间更宽）。"
CUPED_NOTE_ZH = "CUPED：用活动前的协变量「{cov}」去除活动前已存在的差异后估计同一提升；区间按所示百分比变窄。"
HEADINGS = {
    "en": {"warnings": "Warnings", "verdict": "Verdict", "checks": "Data checks", "arms": "Arms",
           "uplift": "Uplift", "vs": "vs", "omnibus": "Overall test across arms", "segments": "Uplift by {name}",
           "notes": "Notes"},
    "zh": {"warnings": "警告", "verdict": "结论", "checks": "数据检查", "arms": "各组结果", "uplift": "提升",
           "vs": "对比", "omnibus": "多组整体检验", "segments": "按{name}分组的提升", "notes": "说明"},
}


@dataclass(frozen=True)
class CampaignEvaluation:
    """Per-arm results, uplift per comparison, checks and warnings of one campaign test."""

    arms: pd.DataFrame
    uplift: pd.DataFrame
    segments: pd.DataFrame
    campaign_id: str | None = None
    participation: str = "visited"
    conversion: str = "converted"
    control_arm: str | None = "control"
    observational: bool = False
    alpha: float = 0.05
    segment_name: str | None = None
    notes: tuple[str, ...] = ()
    notes_zh: tuple[str, ...] = ()  # the same notes in Chinese, one per note (else the English ones are shown)
    warnings: tuple[str, ...] = ()
    warnings_zh: tuple[str, ...] = ()  # the same warnings in Chinese
    omnibus: pd.DataFrame = field(default_factory=pd.DataFrame)
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    arm_column: str = "arm"
    metric_kinds: tuple[tuple[str, str], ...] = ()
    covariate: str | None = None
    sequential: bool = False
    robust: str | None = None

    # ------------------------------------------------------------------ access
    @property
    def treatment_arms(self) -> list[str]:
        return [a for a in self.arms["arm"] if a != self.control_arm]

    @property
    def metrics(self) -> list[str]:
        return [m for m, _ in self.metric_kinds] or list(dict.fromkeys(self.uplift["metric"]))

    def kind_of(self, metric: str) -> str:
        return dict(self.metric_kinds).get(metric, "continuous")

    def uplift_for(self, arm: str, metric: str = "conversion", baseline: str | None = None) -> pd.Series:
        """The uplift row of one arm and metric (vs the control, or vs `baseline` when comparing all pairs)."""
        rows = self.uplift[(self.uplift["arm"] == arm) & (self.uplift["metric"] == metric)]
        if baseline is not None:
            rows = rows[rows["baseline"] == baseline]
        if rows.empty:
            raise KeyError(f"no uplift row for arm '{arm}' and metric '{metric}'; arms: {list(self.arms['arm'])}, "
                           f"metrics: {self.metrics}")
        return rows.iloc[0]

    def verdict(self, language: str = "en") -> str:
        return verdict(self.uplift, control=self.control_arm, warnings=self.warnings,
                       observational=self.observational, language=language)

    def title(self, language: str = "en") -> str:
        if language == "zh":
            label = f"活动 {self.campaign_id}" if self.campaign_id is not None else "活动测试"
            kind = "观察性对比（非随机分组）" if self.observational else "随机对照试验"
            base = f"对照组：{self.control_arm}" if self.control_arm is not None else "各组两两比较（无对照组）"
            return (f"{label} — {kind}，分组列「{self.arm_column}」，{base}，"
                    f"{int(round((1 - self.alpha) * 100))}% 置信区间")
        label = f"Campaign {self.campaign_id}" if self.campaign_id is not None else "Campaign test"
        kind = "OBSERVATIONAL comparison (not randomised)" if self.observational else "randomised test"
        base = f"vs {self.control_arm}" if self.control_arm is not None else "all pairs of arms (no control)"
        return f"{label} — {kind}, arms in '{self.arm_column}', {base}, {int(round((1 - self.alpha) * 100))}% CIs"

    def all_warnings(self, language: str = "en") -> list[str]:
        out = list(in_language(self.warnings, self.warnings_zh, language))
        if self.observational:
            out.insert(0, OBSERVATIONAL_NOTE_ZH if language == "zh" else OBSERVATIONAL_NOTE)
        return out

    def all_notes(self, language: str = "en") -> list[str]:
        zh = language == "zh"
        notes = list(in_language(self.notes, self.notes_zh, language))
        if self.covariate and "cuped_uplift" in self.uplift and self.uplift["cuped_uplift"].notna().any():
            notes.append((CUPED_NOTE_ZH if zh else CUPED_NOTE).format(cov=self.covariate))
        if self.sequential:
            notes.append(SEQUENTIAL_NOTE_ZH if zh else SEQUENTIAL_NOTE)
        return notes

    # ------------------------------------------------------------------ tables for people
    def arms_display(self, language: str = "en") -> pd.DataFrame:
        out = pd.DataFrame({"arm": self.arms["arm"], "n": self.arms["n"].map(lambda v: f"{int(v):,}")})
        if language == "zh":
            out = out.rename(columns={"arm": "组别", "n": "人数"})
        for metric in self.metrics:
            if metric not in self.arms:
                continue
            kind = self.kind_of(metric)
            label = metric_label(metric, kind, language)
            if kind not in ("binary", "ratio") and not any(w in label for w in ("per ", "人均")):
                label += " per customer" if language == "en" else " 人均"
            out[label] = self.arms[metric].map(lambda v: "" if pd.isna(v) else (f"{v:.2%}" if kind == "binary"
                                                                                else f"{v:,.3f}"))
        return out

    def uplift_display(self, frame: pd.DataFrame | None = None, language: str = "en") -> pd.DataFrame:
        frame = self.uplift if frame is None else frame
        if language == "zh":
            out = self.uplift_display(frame)
            if out.empty:
                return out
            out["comparison"] = [f"{a} 对比 {b}" for a, b in zip(frame["arm"], frame["baseline"])]
            out["metric"] = [metric_label(m, k, "zh") for m, k in zip(frame["metric"], frame["kind"])]
            out["significant"] = frame["significant"].map(lambda s: "是" if s else "否").to_numpy()
            out["method"] = [_METHODS_ZH.get(m, m) for m in frame["method"]]
            for col in ("uplift", "95% CI", "always-valid 95% CI", "CUPED uplift [95% CI]"):
                if col in out:
                    out[col] = out[col].str.replace(" pp", " 个百分点", regex=False)
            return out.rename(columns=_UPLIFT_COLUMNS_ZH)
        if frame.empty:
            return pd.DataFrame()
        out = pd.DataFrame()
        if "segment" in frame:
            out["segment"] = frame["segment"]
        out["comparison"] = [f"{a} vs {b}" for a, b in zip(frame["arm"], frame["baseline"])]
        out["metric"] = [metric_label(m, k, "en") for m, k in zip(frame["metric"], frame["kind"])]
        rate = (frame["kind"] == "binary").to_numpy()

        def level(v, r):
            return "" if pd.isna(v) else (f"{v:.2%}" if r else f"{v:,.3f}")

        def diff(v, r):
            return "" if pd.isna(v) else (f"{v * 100:+.2f} pp" if r else f"{v:+,.3f}")

        out["baseline value"] = [level(v, r) for v, r in zip(frame["control_value"], rate)]
        out["arm value"] = [level(v, r) for v, r in zip(frame["arm_value"], rate)]
        out["uplift"] = [diff(v, r) for v, r in zip(frame["uplift"], rate)]
        out["95% CI"] = [f"[{diff(lo, r)}, {diff(hi, r)}]" if pd.notna(lo) else ""
                         for lo, hi, r in zip(frame["ci_low"], frame["ci_high"], rate)]
        out["relative [95% CI]"] = ["" if pd.isna(v) or pd.isna(lo) else f"{v:+.1%} [{lo:+.1%}, {hi:+.1%}]"
                                    for v, lo, hi in zip(frame["rel_uplift"], frame["rel_ci_low"],
                                                         frame["rel_ci_high"])]
        out["p"] = frame["p_value"].map(_p)
        if (frame["p_adjusted"] != frame["p_value"]).any():
            out["p (Holm)"] = frame["p_adjusted"].map(_p)
        out["significant"] = frame["significant"].map(lambda s: "yes" if s else "no")
        if frame["cuped_uplift"].notna().any():
            out["CUPED uplift [95% CI]"] = [
                "" if pd.isna(u) else f"{diff(u, r)} [{diff(lo, r)}, {diff(hi, r)}] ({_narrower(red)})"
                for u, lo, hi, red, r in zip(frame["cuped_uplift"], frame["cuped_ci_low"], frame["cuped_ci_high"],
                                             frame["cuped_ci_reduction"], rate)]
        if frame["seq_ci_low"].notna().any():
            out["always-valid 95% CI"] = [f"[{diff(lo, r)}, {diff(hi, r)}]" if pd.notna(lo) else ""
                                          for lo, hi, r in zip(frame["seq_ci_low"], frame["seq_ci_high"], rate)]
        out["method"] = frame["method"]
        return out

    def omnibus_display(self) -> pd.DataFrame:
        if self.omnibus.empty:
            return self.omnibus
        return self.omnibus.assign(statistic=self.omnibus["statistic"].map(lambda v: f"{v:.3f}"),
                                   p_value=self.omnibus["p_value"].map(_p))

    # ------------------------------------------------------------------ renderings
    def to_markdown(self, language: str = "en") -> str:
        """Warnings first, then the verdict, the checks, the tables and the notes. Every piece of text that can
        carry data (arm and column names in the title, warnings, verdict, checks and notes; table cells) is
        encoded once with `markdown_literal`: it shows as text, never as a link or HTML."""
        h = HEADINGS.get(language, HEADINGS["en"])
        md = markdown_literal
        parts = [f"### {md(self.title(language))}"]
        if self.all_warnings(language):
            parts += ["", f"**⚠️ {h['warnings']}**"] + [f"> ⚠️ **{md(w)}**" for w in self.all_warnings(language)]
        parts += ["", f"**{h['verdict']}**", "", "\n\n".join(md(line) for line in self.verdict(language).splitlines())]
        if not self.checks.empty:
            parts += ["", f"**{h['checks']}**: " + "; ".join(
                f"{md(_CHECKS_ZH.get(r.check, r.check))}：{'✅ 通过' if r.status == 'ok' else '⚠️ 请注意'}"
                if language == "zh" else
                f"{md(r.check)}: {'✅' if r.status == 'ok' else '⚠️'} {md(r.detail)}" for r in self.checks.itertuples())]
        parts += ["", f"**{h['arms']}**", "", _markdown(self.arms_display(language)), "",
                  f"**{h['uplift']}** ({h['vs']} {md(self.control_arm or ('彼此' if language == 'zh' else 'each other'))})",
                  "", _markdown(self.uplift_display(language=language))]
        if not self.omnibus.empty:
            parts += ["", f"**{h['omnibus']}**", "", _markdown(self.omnibus_display())]
        if not self.segments.empty:
            segment_name = self.segment_name or ("客群" if language == "zh" else "segment")
            if language == "zh" and segment_name == "segment":
                segment_name = "客群"
            parts += ["", f"**{h['segments'].format(name=md(segment_name))}**", "",
                      _markdown(self.uplift_display(self.segments, language))]
        notes = self.all_notes(language)
        if notes:
            parts += ["", f"**{h['notes']}**"] + [f"- {md(n)}" for n in notes]
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_html(self, language: str = "en") -> str:
        esc = html.escape
        h = HEADINGS.get(language, HEADINGS["en"])
        body = [f"<h4>{esc(self.title(language))}</h4>"]
        body += [f"<p style='color:#b00;font-weight:bold'>⚠️ {esc(w)}</p>" for w in self.all_warnings(language)]
        body += [f"<p><b>{esc(h['verdict'])}</b><br>" + "<br>".join(esc(line) for line in
                                                                     self.verdict(language).splitlines()) + "</p>"]
        if not self.checks.empty:
            body.append("<p>" + esc(h["checks"]) + ": " + "; ".join(
                esc(f"{r.check}: {'ok' if r.status == 'ok' else 'WARNING'} — {r.detail}")
                for r in self.checks.itertuples()) + "</p>")
        body += [f"<b>{esc(h['arms'])}</b>", self.arms_display(language).to_html(index=False, escape=True),
                 f"<b>{esc(h['uplift'])}</b>", self.uplift_display(language=language).to_html(index=False, escape=True)]
        if not self.omnibus.empty:
            body += [f"<b>{esc(h['omnibus'])}</b>", self.omnibus_display().to_html(index=False, escape=True)]
        if not self.segments.empty:
            body += [f"<b>{esc(h['segments'])} {esc(self.segment_name or 'segment')}</b>",
                     self.uplift_display(self.segments).to_html(index=False, escape=True)]
        body += [f"<p><em>{esc(n)}</em></p>" for n in self.all_notes()]
        return "<div>" + "".join(body) + "</div>"


def _narrower(reduction: float) -> str:
    if pd.isna(reduction):
        return ""
    return f"CI {reduction:.1%} narrower" if reduction >= 0 else f"CI {-reduction:.1%} wider"


OBSERVATIONAL_NOTE_ZH = "观察性对比：收到活动的客户不是随机挑选的；与对比组的差异可能来自挑选了谁，而不是活动本身的效果。"
_METHODS_ZH = {"score test (two proportions)": "两比例得分检验", "Welch t-test": "Welch t 检验",
               "delta method (ratio of sums)": "Delta 方法（总和之比）"}
_CHECKS_ZH = {"sample ratio": "样本比例", "users in one arm only": "每位客户只在一组",
              "outcome rows match exposures": "结果与触达记录一致"}
_UPLIFT_COLUMNS_ZH = {"segment": "客群", "comparison": "比较", "metric": "指标", "baseline value": "对照值",
                      "arm value": "实验组值", "uplift": "提升", "95% CI": "95% 置信区间",
                      "relative [95% CI]": "相对提升 [95% 置信区间]", "p": "p 值", "p (Holm)": "p 值（Holm 校正）",
                      "significant": "显著", "CUPED uplift [95% CI]": "CUPED 提升 [95% 置信区间]",
                      "always-valid 95% CI": "随时有效 95% 置信区间", "method": "方法"}


def _p(p) -> str:
    return "" if pd.isna(p) else ("<0.0001" if p < 1e-4 else f"{p:.4f}")


def _markdown(frame: pd.DataFrame) -> str:
    """A results table in Markdown through the one table renderer (its text cells are encoded once)."""
    return markdown_table(frame, max_rows=None) if not frame.empty else "_(none)_"
