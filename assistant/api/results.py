"""Typed results the facade returns: small frozen objects that render well in a notebook and in the UI.

Each holds DataFrames (for code) and can render itself as Markdown (chat, CLI) and HTML (`_repr_html_`, with every
data string escaped because product names and segment names can be hostile).
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from assistant.core.text import in_language, markdown_literal
from assistant.core.policy import category_name
from assistant.core.vocabulary import distinguishing_phrase, markdown_table

# The one Markdown table renderer (assistant.core.vocabulary): text cells are untrusted and go through
# `markdown_literal`, so they show as text.
frame_markdown = markdown_table


def model_markdown(model: Any) -> str:
    """A pydantic model (e.g. a campaign plan) as a two-column Markdown table of its fields."""
    data = model.model_dump() if hasattr(model, "model_dump") else dict(model)
    return frame_markdown(pd.DataFrame([(k, v) for k, v in data.items()], columns=["field", "value"]), max_rows=100)


def frame_html(frame: pd.DataFrame, max_rows: int = 50) -> str:
    return frame.head(max_rows).to_html(index=False, escape=True, border=0, classes="mkt-table")


@dataclass(frozen=True)
class SegmentOverview:
    """The segments of one run: who they are (persona names), how big, how they buy."""

    table: pd.DataFrame  # segment, name, tagline, size, share, monetary_mean, frequency_mean, recency_days_mean, top_categories
    metrics: dict[str, float]
    k_curve: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()

    def to_markdown(self) -> str:
        lines = [frame_markdown(self.table)]
        if self.metrics:
            lines.append("Quality: " + ", ".join(f"{k} {v:.3g}" for k, v in self.metrics.items()))
        lines.extend(f"_{markdown_literal(note)}_" for note in self.notes)
        return "\n\n".join(lines)

    def _repr_html_(self) -> str:
        notes = "".join(f"<p><em>{html.escape(n)}</em></p>" for n in self.notes)
        return frame_html(self.table) + notes


@dataclass(frozen=True)
class PolicyHidden:
    """Why a recommendation is empty: every candidate product is one the marketing policy never offers.
    `reasons` counts them per reason (a policy class such as "fuel", or "unnamed", "case_pack")."""

    total: int
    reasons: tuple[tuple[str, int], ...]

    @classmethod
    def count(cls, reasons: pd.Series) -> "PolicyHidden":
        counts = reasons.dropna().value_counts()
        return cls(total=int(len(reasons)), reasons=tuple((str(k), int(v)) for k, v in counts.items()))

    def explain(self, language: str = "en") -> str:
        """What hid the products and what the marketer can change (plain text, EN or ZH)."""
        from assistant.core.policy import CATEGORY_LABELS, CATEGORY_LABELS_ZH, RESTRICTED
        zh = language == "zh"
        labels = CATEGORY_LABELS_ZH if zh else CATEGORY_LABELS
        kinds = {k for k, _ in self.reasons}
        listed = ("；" if zh else "; ").join(f"{labels.get(k, k)}{'：' if zh else ': '}{n:,}" for k, n in self.reasons)
        fixes = []
        if kinds & set(RESTRICTED):
            fixes.append("设置 MKT_POLICY_ALCOHOL=on（或渠道列表，如 email,push）可推广酒类" if zh else
                         "set MKT_POLICY_ALCOHOL=on (or channels, e.g. email,push) to promote alcohol")
        if "custom" in kinds:
            fixes.append("从 MKT_POLICY_EXCLUDE 中删掉不想排除的词" if zh else
                         "remove words you do not want excluded from MKT_POLICY_EXCLUDE")
        if kinds - set(RESTRICTED) - {"custom", "unnamed", "case_pack"}:
            fixes.append("燃油、烟草、彩票、礼品卡、押金、购物袋和优惠券从不推广（MKT_POLICY=off 可关闭营销策略）" if zh else
                         "fuel, tobacco, lottery, gift cards, deposits, bags and coupons are never promoted "
                         "(MKT_POLICY=off turns the policy off)")
        if "unnamed" in kinds:
            fixes.append("在商品文件中给这些商品起顾客能读懂的名称" if zh else
                         "give those products readable titles in the product file")
        if "case_pack" in kinds:
            fixes.append("整箱装商品不向顾客推荐" if zh else "case packs are not offered to shoppers")
        if zh:
            return (f"没有可推荐的商品：全部 {self.total:,} 个候选商品都被营销策略排除（{listed}）。"
                    f"可以这样修改：{'；'.join(fixes)}（设置见 README 的配置一节）。")
        return (f"Nothing to recommend: all {self.total:,} candidate products are excluded by the marketing policy "
                f"({listed}). To change it: {'; '.join(fixes)} (settings in the README's configuration section).")


@dataclass(frozen=True)
class Recommendations:
    """Top-k products for one user or segment, each with a short reason. `hidden` is set when the list is
    empty because the marketing policy excludes every candidate product (it says which rules and how to change
    them)."""

    target: str  # "user 1029" / "segment 2 (Busy Parents)"
    items: pd.DataFrame  # item_id, score, reason, title, category, price
    notes: tuple[str, ...] = ()
    hidden: PolicyHidden | None = None

    def why_empty(self, language: str = "en") -> str:
        """Markdown explaining an empty list ("" when the list is not empty or nothing explains it)."""
        if not self.items.empty or self.hidden is None:
            return ""
        return f"⚠️ {markdown_literal(self.hidden.explain(language))}"

    def to_markdown(self, language: str = "en") -> str:
        shown = self.items[[c for c in ("title", "category", "price", "reason") if c in self.items]]
        if "reason" in shown:
            from campaigns.recommender import reason_in
            shown = shown.assign(reason=[reason_in(language, r) for r in shown["reason"]])
        body = frame_markdown(shown.assign(price=shown["price"].round(2)) if "price" in shown else shown)
        notes = "".join(f"\n\n_{markdown_literal(n)}_" for n in self.notes)
        body = self.why_empty(language) or body  # an empty list says why instead of "(no rows)"
        return f"**Top {len(self.items)} for {markdown_literal(self.target)}**\n\n{body}{notes}"

    def _repr_html_(self) -> str:
        why = f"<p>{html.escape(self.hidden.explain())}</p>" if self.items.empty and self.hidden else ""
        return f"<h4>Top {len(self.items)} for {html.escape(self.target)}</h4>" + why + frame_html(self.items)


@dataclass(frozen=True)
class ReportFiles:
    html: Any
    markdown: Any

    def _repr_html_(self) -> str:
        return f"<p>Report written: {html.escape(str(self.html))} and {html.escape(str(self.markdown))}</p>"


SOURCE_LABELS = {"en": {"llm": "written by the LLM", "llm-retry": "written by the LLM (second try)",
                         "template": "template (LLM text failed a check, was slow or unavailable)"},
                  "zh": {"llm": "由语言模型撰写", "llm-retry": "由语言模型撰写（第二次）",
                         "template": "模板文案（语言模型的文字未通过检查、太慢或不可用）"}}
_CARD_CSS = ("<style>.mkt-cards{display:flex;flex-wrap:wrap;gap:12px}.mkt-card{border:1px solid #ddd;"
             "border-radius:10px;padding:12px;max-width:420px;flex:1 1 320px;background:#fff;color:#222}"
             ".mkt-badge{font-size:12px;padding:1px 6px;border-radius:8px;background:#eef;color:#335}"
             ".mkt-badge.template{background:#fff4d6;color:#7a5a00}.mkt-sms{background:#e5f6e5;border-radius:14px;"
             "padding:8px 12px;display:inline-block;max-width:300px}.mkt-push{border-radius:10px;background:#f4f4f6;"
             "padding:8px 12px}.mkt-cta{display:inline-block;background:#2b6cb0;color:#fff;border-radius:6px;"
             "padding:4px 12px;margin-top:6px}.mkt-muted{color:#666;font-size:12px}</style>")


def _e(text) -> str:
    """Escape untrusted text exactly once for HTML."""
    return html.escape(str(text), quote=True)


def copy_preview_html(variant, language: str = "en") -> str:
    """One variant as the customer would see it: an e-mail card, an SMS bubble with its character count, or a
    push / WeChat notification; internal notes behind a details toggle."""
    zh = language == "zh"
    labels = SOURCE_LABELS["zh" if zh else "en"]
    source = getattr(variant, "source", "template")
    head = (f"<div class='mkt-muted'>{'版本' if zh else 'Variant'} {variant.variant} · "
            f"<span class='mkt-badge {source}' data-source='{source}'>{_e(labels.get(source, source))}</span></div>")
    if variant.channel == "email":
        body = (f"<div class='mkt-email'><div><b>{_e(variant.subject)}</b></div>"
                f"<div class='mkt-muted'>{_e(variant.preheader)}</div><p>{_e(variant.body)}</p>"
                f"<span class='mkt-cta'>{_e(variant.cta)}</span></div>")
    elif variant.channel == "sms":
        body = (f"<div class='mkt-sms'>{_e(variant.sms)}</div><div class='mkt-muted'>{len(variant.sms)} "
                f"{'字' if zh else 'characters'}</div>")
    else:
        app = "微信服务通知" if variant.channel == "wechat" and zh else "WeChat" if variant.channel == "wechat" else "App"
        body = (f"<div class='mkt-push'><div class='mkt-muted'>{_e(app)}</div><b>{_e(variant.push_title)}</b>"
                f"<div>{_e(variant.push_body)}</div></div>")
    notes = ""
    if getattr(variant, "notes", None):
        notes = (f"<details><summary>{'内部说明' if zh else 'Internal notes'}</summary><ul>"
                 + "".join(f"<li>{_e(n)}</li>" for n in variant.notes) + "</ul></details>")
    return f"<div class='mkt-card mkt-copy' data-channel='{_e(variant.channel)}'>{head}{body}{notes}</div>"


def plan_html(plan, language: str = "en") -> str:
    """The campaign plan as a readable card (prices rounded, reasons behind a toggle)."""
    zh = language == "zh"
    channels = ({"email": "电子邮件", "sms": "短信", "push": "App 推送", "wechat": "微信"} if zh else
                {"email": "E-mail", "sms": "SMS", "push": "App push", "wechat": "WeChat"})
    rows = [("优惠" if zh else "Offer", plan.offer.description),
            ("渠道" if zh else "Channel", channels.get(plan.channel, plan.channel)),
            ("发送时间" if zh else "Send", f"{plan.send_day} {plan.send_hour:02d}:00"),
            ("预计触达" if zh else "Expected reach", f"{plan.expected_reach:,}")]
    products = "".join(f"<li>{_e(p.title)}" + (f" · {p.price:,.2f}" if p.price is not None else "") + "</li>"
                       for p in plan.products)
    why = "".join(f"<li>{_e(r)}</li>" for r in plan.rationale)
    title = (f"{'活动方案' if zh else 'Campaign plan'} · {'细分' if zh else 'Segment'} {_e(plan.segment_id)}"
             + (f" — {_e(plan.persona_name)}" if plan.persona_name else ""))
    return (f"{_CARD_CSS}<div class='mkt-card mkt-plan'><b>{title}</b><table>"
            + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows) + "</table>"
            + (f"<div>{'主推商品' if zh else 'Featured products'}</div><ul>{products}</ul>" if products else "")
            + (f"<details><summary>{'依据' if zh else 'Why this plan'}</summary><ul>{why}</ul></details>" if why else "")
            + "</div>")


def persona_cards_html(personas: dict, language: str = "en") -> str:
    """Persona cards: name, tagline, description, motivations, offers, numbers from the profile, and source."""
    zh = language == "zh"
    labels = SOURCE_LABELS["zh" if zh else "en"]
    cards = []
    for seg, p in personas.items():
        source = getattr(p, "source", "template")
        facts = "".join(f"<li>{_e(f)}</li>" for f in getattr(p, "facts", []))
        parts = [f"<div class='mkt-muted'>{'细分' if zh else 'Segment'} {_e(seg)} · <span class='mkt-badge {source}' "
                 f"data-source='{source}'>{_e(labels.get(source, source))}</span></div>",
                 f"<h3>{_e(p.name)}</h3><i>{_e(p.tagline)}</i><p>{_e(p.description)}</p>"]
        if p.motivations:
            parts.append(f"<div><b>{'购买动机' if zh else 'Motivations'}</b>: {_e('; '.join(p.motivations))}</div>")
        if p.suggested_offers:
            parts.append(f"<div><b>{'建议优惠' if zh else 'Suggested offers'}</b>: {_e('; '.join(p.suggested_offers))}</div>")
        if p.preferred_channels:
            parts.append(f"<div><b>{'渠道' if zh else 'Channels'}</b>: {_e(', '.join(p.preferred_channels))} · "
                         f"<b>{'价格敏感度' if zh else 'price sensitivity'}</b>: {_e(p.price_sensitivity)}</div>")
        if facts:
            parts.append(f"<ul class='mkt-muted'>{facts}</ul>")
        if getattr(p, "notes", None):
            parts.append(f"<details><summary>{'内部说明' if zh else 'Internal notes'}</summary><ul>"
                         + "".join(f"<li>{_e(n)}</li>" for n in p.notes) + "</ul></details>")
        cards.append(f"<div class='mkt-card mkt-persona'>{''.join(parts)}</div>")
    return f"{_CARD_CSS}<div class='mkt-cards'>{''.join(cards)}</div>"


@dataclass(frozen=True)
class CopyVariants:
    """Campaign copy variants for one plan; each variant passed the quality gates and says who wrote it."""

    segment: str
    channel: str
    language: str
    variants: list = field(default_factory=list)  # campaigns.copywriting.CampaignCopy
    notes: tuple[str, ...] = ()
    plan: Any = None  # campaigns.strategy.CampaignPlan the copy was written from

    def to_frame(self) -> pd.DataFrame:
        """One row per variant: the channel's fields and the source (for editing and export)."""
        rows = [{"variant": v.variant, **v.fields(), "source": v.source} for v in self.variants]
        return pd.DataFrame(rows)

    def with_edits(self, rows: list[dict]) -> "CopyVariants":
        """The variants with the marketer's edits (rows as `to_frame` gives them, in order): only the channel's
        fields change, and an SMS still ends with its opt-out instruction, once (deleted or not)."""
        from campaigns.copywriting import shipped_fields
        variants = []
        for v, row in zip(self.variants, rows):
            edits = {k: str(row[k]) for k in v.fields() if k in row and row[k] is not None and not pd.isna(row[k])}
            variants.append(v.model_copy(update=shipped_fields(v.channel, edits, v.language)))
        return CopyVariants(segment=self.segment, channel=self.channel, language=self.language,
                            variants=variants + list(self.variants[len(variants):]), notes=self.notes, plan=self.plan)

    def to_markdown(self) -> str:
        zh = self.language == "zh"
        labels = SOURCE_LABELS["zh" if zh else "en"]
        names = {"subject": "标题" if zh else "Subject", "preheader": "预览" if zh else "Preheader",
                 "body": "正文" if zh else "Body", "cta": "按钮" if zh else "Button", "sms": "短信" if zh else "SMS",
                 "push_title": "标题" if zh else "Title", "push_body": "内容" if zh else "Text"}
        blocks = []
        for v in self.variants:
            lines = [f"**{'版本' if zh else 'Variant'} {v.variant}** · _{labels.get(v.source, v.source)}_"]
            lines += [f"- {names[k]}: {markdown_literal(val)}" for k, val in v.fields().items()]
            if v.channel == "sms":
                lines.append(f"- ({len(v.sms)} {'字' if zh else 'characters'})")
            blocks.append("\n".join(lines))
        segment = markdown_literal(self.segment)
        title = f"**{self.channel} 文案 · {segment}**" if zh else f"**{self.channel} copy for {segment}**"
        notes = "".join(f"\n\n_{markdown_literal(n)}_" for n in self.notes)
        return title + "\n\n" + "\n\n".join(blocks) + notes

    def to_html(self) -> str:
        return (_CARD_CSS + "<div class='mkt-cards'>"
                + "".join(copy_preview_html(v, self.language) for v in self.variants) + "</div>")

    def _repr_html_(self) -> str:
        return self.to_html()


@dataclass(frozen=True)
class Predictions:
    """Predicted orders, spend (CLV), P(active), churn risk and next order date per customer, and per segment."""

    customers: pd.DataFrame  # indexed by user_id; columns documented in campaigns.predictive
    horizon_days: int
    as_of: Any  # pd.Timestamp: predictions cover [as_of, as_of + horizon_days)
    model: str
    segments: pd.DataFrame | None = None  # campaigns.predictive.segment_summary, when segments exist
    notes: tuple[str, ...] = ()

    def model_name(self, language: str = "en") -> str:
        """The model as a marketer reads it ("BG/NBD + Gamma-Gamma")."""
        from campaigns.predictive import MODEL_LABELS
        return MODEL_LABELS.get(self.model, {}).get(language, self.model)

    def _head(self) -> str:
        return (f"**Next {self.horizon_days} days from {self.as_of:%Y-%m-%d}** ({self.model_name()}; "
                f"{len(self.customers):,} customers with orders)")

    def to_markdown(self, max_rows: int = 10) -> str:
        parts = [self._head()]
        if self.segments is not None:
            parts.append(frame_markdown(self.segments))
        top = self.customers.head(max_rows).reset_index()
        parts.append(f"Top {len(top)} customers by expected spend:\n\n" + frame_markdown(top))
        parts.extend(f"_{markdown_literal(n)}_" for n in self.notes)
        return "\n\n".join(parts)

    def _repr_html_(self) -> str:
        segments = frame_html(self.segments) if self.segments is not None else ""
        return (f"<p>{html.escape(self._head())}</p>" + segments + frame_html(self.customers.reset_index(), 20)
                + "".join(f"<p><em>{html.escape(n)}</em></p>" for n in self.notes))


@dataclass(frozen=True)
class HoldoutCheck:
    """Calibration-vs-holdout check of the CLV models against simple baselines (campaigns.predictive)."""

    table: pd.DataFrame  # model, mae_orders, auc_buys_again, predicted_total, actual_total, mae_spend
    calibration_end: Any
    holdout_days: int
    customers: int
    notes: tuple[str, ...] = ()

    def to_markdown(self) -> str:
        head = (f"Holdout check: fitted on orders before {self.calibration_end:%Y-%m-%d}, predicting the next "
                f"{self.holdout_days} days for {self.customers:,} customers (lower MAE, higher AUC is better).")
        return "\n\n".join([head, frame_markdown(self.table), *[f"_{n}_" for n in self.notes]])

    def _repr_html_(self) -> str:
        return frame_html(self.table)


@dataclass(frozen=True)
class AudienceDraft:
    """A sentence turned into a filter, shown in words before anything runs (edit `filter` / `categories`)."""

    sentence: str
    filter: Any  # segmentation.audience.AudienceFilter
    words: str
    categories: dict = field(default_factory=dict)  # phrase -> segmentation.audience_categories.CategoryMatch
    problems: tuple[str, ...] = ()  # conditions the data cannot answer, categories without a match, text not understood
    source: str = "rules"  # "rules", "rules+llm" or "llm"
    language: str = "en"

    @property
    def ready(self) -> bool:
        """True when it can run as it is (no problems left)."""
        return not self.problems

    def category_choices(self) -> dict[str, list[str]]:
        return {phrase: list(match.categories) for phrase, match in self.categories.items()}

    def to_markdown(self) -> str:
        zh = self.language == "zh"
        lines = [f"**{'将要筛选' if zh else 'Audience to build'}:** {markdown_literal(self.words)}"]
        for phrase, match in self.categories.items():
            if match.categories:
                shown, phrase = markdown_literal(", ".join(match.categories[:6])), markdown_literal(phrase)
                lines.append(f"- 「{phrase}」→ {shown}（{match.n_products:,} 个商品）" if zh else
                             f"- '{phrase}' → {shown} ({match.n_products:,} products; matched by {match.how})")
        for problem in self.problems:
            lines.append(f"- ⚠️ {markdown_literal(problem)}")
        lines.append("_确认后再运行；可以修改条件。_" if zh else "_Check it, edit it if needed, then run it._")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "<br>".join(html.escape(line) for line in self.to_markdown().splitlines())


@dataclass(frozen=True)
class Audience:
    """A run audience: its members, how each condition narrowed it, and a predictive summary when available."""

    name: str | None
    filter: Any
    words: str
    categories: dict  # phrase -> list of confirmed catalogue categories
    members: pd.Index
    total_customers: int
    funnel: pd.DataFrame
    summary: dict = field(default_factory=dict)  # spend / orders / CLV / churn aggregates of the members
    notes: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.members)

    def to_markdown(self) -> str:
        title = f"**{markdown_literal(self.name)}**: " if self.name else ""
        share = self.size / self.total_customers if self.total_customers else 0.0
        parts = [f"{title}{markdown_literal(self.words)}",
                 f"**{self.size:,}** of {self.total_customers:,} customers ({share:.1%})",
                 frame_markdown(self.funnel)]
        if self.summary:
            parts.append(", ".join(f"{k.replace('_', ' ')} {v:,.4g}" if isinstance(v, float) else f"{k} {v}"
                                   for k, v in self.summary.items()))
        parts.extend(f"_{markdown_literal(n)}_" for n in self.notes)
        return "\n\n".join(parts)

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.words)}: {self.size:,} customers</p>" + frame_html(self.funnel)


# The dataset summary's figures and the cleaning's drop reasons (assistant.core.data) in Chinese.
_ZH_FIGURES = {"dataset": "数据集", "users": "客户数", "items": "商品数", "events": "事件数", "purchase": "购买",
               "view": "浏览", "cart": "加购", "fav": "收藏", "baskets / orders": "订单数", "revenue": "销售额",
               "first event": "最早事件", "last event": "最晚事件", "campaigns": "活动数", "campaign exposures": "活动触达数",
               "users with attributes": "有人口属性的客户"}
_ZH_TABLES = {"events": "行为事件", "products": "商品", "users": "客户", "campaigns": "活动", "exposures": "活动触达",
              "coupons": "优惠券", "outcomes": "活动结果"}
_ZH_REASONS = {"zero quantity": "数量为零", "negative quantity": "数量为负", "absurd quantity": "数量异常",
               "negative revenue": "金额为负", "absurd price": "单价异常", "timestamp in the future": "时间在未来",
               "unparseable timestamp": "时间无法解析", "missing id": "缺少编号", "unknown event type": "未知事件类型"}


@dataclass(frozen=True)
class DataQuality:
    """What was loaded and what the cleaning did: the dataset summary and the cleaning report."""

    name: str
    summary: Any  # assistant.core.data.dataset.DatasetSummary
    report: Any  # assistant.core.data.QualityReport

    def to_frame(self) -> pd.DataFrame:
        return self.report.to_frame()

    def to_markdown(self, language: str = "en") -> str:
        if language != "zh":
            return (f"**Data: {self.name}**\n\n{self.summary.to_markdown()}\n\n"
                    f"**Cleaning report**\n\n{self.report.to_markdown()}")
        summary = self.summary.to_frame().astype({"value": str})
        summary["figure"] = [_ZH_FIGURES.get(f, _ZH_FIGURES.get(f.removesuffix(" events"), f) + "事件"
                                             if f.endswith(" events") else f) for f in summary["figure"]]
        rows = [(_ZH_TABLES.get(q.table, q.table), q.source, f"{q.rows_in:,}", f"{q.rows_out:,}", f"{q.duplicates_removed:,}",
                 "，".join(f"{_ZH_REASONS.get(r, r)}：{n:,}" for r, n in q.dropped.items() if n) or "无")
                for q in self.report.tables]
        cleaning = markdown_table(pd.DataFrame(rows, columns=["表", "来源文件", "输入行数", "输出行数", "去除重复",
                                                              "丢弃（原因：行数）"]), max_rows=None) if rows else ""
        warnings = "".join(f"\n- {markdown_literal(w)}" for w in self.report.warnings_in("zh"))
        return (f"**数据：{markdown_literal(self.name)}**\n\n"
                f"{markdown_table(summary.rename(columns={'figure': '项目', 'value': '数值'}), max_rows=None)}\n\n"
                f"**清洗报告**\n\n{cleaning}" + (f"\n\n警告：{warnings}" if warnings else ""))


@dataclass(frozen=True)
class SegmentMap:
    """Customers on a 2-D map (PCA of a sample of the clustering space; no user ids), labelled by segment."""

    points: pd.DataFrame  # x, y, segment (int), label ("2: Busy Parents")

    def figure(self):
        """A plotly scatter (None when there is nothing to show)."""
        if self.points.empty:
            return None
        import plotly.express as px
        return px.scatter(self.points, x="x", y="y", color="label", title="Customers on a 2-D map (PCA sample)",
                          opacity=0.7, height=480)


@dataclass(frozen=True)
class SegmentDescription:
    """Who one segment is: the persona (LLM wording) beside computed facts."""

    segment: int
    persona: Any  # segmentation.personas.Persona
    size: int
    share: float
    figures: dict[str, float]  # label -> value (mean spend, baskets, recency)
    top_categories: pd.DataFrame  # category, spend_share, lift
    distinguishing: pd.DataFrame  # feature, kind, z_score, lift
    measure: str = "spend"  # what the category shares measure ("views" for a log without purchases)

    def to_markdown(self) -> str:
        p, md = self.persona, markdown_literal  # persona wording and data names are untrusted text
        lines = [f"**Segment {self.segment} — {md(p.name)}**: _{md(p.tagline)}_", "", md(p.description), "",
                 f"- Size: {self.size:,} customers ({self.share:.1%})"]
        lines += [f"- {label}: {value:,.2f}" for label, value in self.figures.items()]
        if len(self.top_categories):
            lines.append(f"- Top categories by {self.measure}: " + ", ".join(
                f"{md(category_name(c))} ({s:.0%}, lift {lift:.1f}×)" for c, s, lift in
                self.top_categories[["category", "spend_share", "lift"]].itertuples(index=False)))
        if len(self.distinguishing):
            lines.append("- What sets them apart: " + "; ".join(
                distinguishing_phrase(*row, "en") for row in
                self.distinguishing[["feature", "kind", "segment_value", "population_value"]].itertuples(index=False)))
        times = f"; best times: {md(p.preferred_times)}" if p.preferred_times else ""
        lines.append(f"- Price sensitivity: {md(p.price_sensitivity)}; channels: {md(', '.join(p.preferred_channels))}"
                     + times)
        lines.append(f"- Suggested offers: {md('; '.join(p.suggested_offers))}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.to_markdown())}</pre>"


_ADVICE_WORDS = {
    "en": {"campaign": "campaign", "title": "**Next campaign after {campaign}**",
           "none": ": no clear signal — nothing to keep, drop or target.",
           "actions": {"keep_variant": "keep", "drop": "drop", "target": "target", "test_more": "test more"},
           "kinds": {"arm": "the {name} arm", "segment": "segment {name}"}, "levels": {"high": "high", "medium": "medium", "low": "low"},
           "with_arm": " with {arm}", "size": " — next test: {n:,} users per arm",
           "line": "- **{action}** {who} ({level} confidence): {evidence}{size}"},
    "zh": {"campaign": "活动", "title": "**{campaign} 之后的下次活动**",
           "none": "：没有明确信号——没有需要保留、停用或重点投放的对象。",
           "actions": {"keep_variant": "保留", "drop": "停用", "target": "重点投放", "test_more": "继续测试"},
           "kinds": {"arm": "方案 {name}", "segment": "客群 {name}"}, "levels": {"high": "高", "medium": "中", "low": "低"},
           "with_arm": "（{arm}）", "size": "——下次测试：每组 {n:,} 人",
           "line": "- **{action}** {who}（可信度{level}）：{evidence}{size}"},
}


@dataclass(frozen=True)
class NextCampaignAdvice:
    """What to do next after a campaign: keep / drop / target / test more, each with the numbers behind it."""

    campaign: str
    advice: list = field(default_factory=list)  # campaigns.advice.Advice
    observational: bool = False

    def to_frame(self, language: str = "en") -> pd.DataFrame:
        from campaigns.advice import advice_frame
        return advice_frame(self.advice, language)

    def to_markdown(self, language: str = "en") -> str:
        md = markdown_literal  # arm and segment names come from the user's data
        w = _ADVICE_WORDS["zh" if language == "zh" else "en"]
        campaign = md(self.campaign.replace("campaign", w["campaign"]).strip())
        if not self.advice:
            return w["title"].format(campaign=campaign) + w["none"]
        lines = [w["title"].format(campaign=campaign), ""]
        for a in self.advice:
            who = w["kinds"][a.target_kind].format(name=md(a.target))
            if a.target_kind == "segment" and a.arm:
                who += w["with_arm"].format(arm=md(a.arm))
            size = w["size"].format(n=a.required_n_per_arm) if a.required_n_per_arm else ""
            lines.append(w["line"].format(action=w["actions"][a.action], who=who, level=w["levels"][a.confidence],
                                          evidence=md(a.evidence_zh if language == "zh" and a.evidence_zh
                                                      else a.evidence), size=size))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return frame_html(self.to_frame())


_OUTCOMES_ZH = {"visited": "到访", "converted": "转化", "clicked": "点击", "opened": "打开", "redeemed": "核销"}


@dataclass(frozen=True)
class UpliftTargeting:
    """Who to send the next campaign to: customers ranked by predicted uplift (T-learner), scored on a hold-out."""

    campaign: str
    outcome: str
    ranking: pd.DataFrame  # user_id, segment, uplift (predicted), target (bool) — best first
    by_segment: pd.DataFrame  # segment, customers, mean_uplift, share_positive
    qini: float  # Qini coefficient on the hold-out (0 = random, 1 = perfect)
    holdout_users: int
    notes: tuple[str, ...] = ()
    notes_zh: tuple[str, ...] = ()   # the same notes in Chinese

    @property
    def audience(self) -> pd.Series:
        """The user ids recommended for the next send (predicted uplift > 0)."""
        return self.ranking.loc[self.ranking["target"], "user_id"]

    def to_markdown(self, language: str = "en") -> str:
        n, total = int(self.ranking["target"].sum()), len(self.ranking)
        table = self.by_segment.assign(mean_uplift=(self.by_segment["mean_uplift"] * 100).round(2))
        if language == "zh":
            campaign = markdown_literal(self.campaign.replace("the uploaded campaign", "上传的活动")
                                        .replace("campaign", "活动").replace(" vs ", " 对比 "))
            outcome = markdown_literal(_OUTCOMES_ZH.get(self.outcome, self.outcome))
            lines = [f"**下次活动的目标客户（{campaign}，结果指标：{outcome}）**", "",
                     f"建议发送给预测提升为正的 **{n:,} / {total:,}** 位客户。在 {self.holdout_users:,} 位留出客户上检验模型："
                     f"Qini 系数 {self.qini:.3f}（0 = 与随机无异，1 = 完美）。", "",
                     markdown_table(table.rename(columns={"segment": "客群", "customers": "客户数",
                                                          "mean_uplift": "平均提升（百分点）",
                                                          "share_positive": "提升为正的占比"}))]
            lines.extend(f"_{note}_" for note in in_language(self.notes, self.notes_zh, language))
            return "\n".join(lines)
        lines = [f"**Who to target next ({markdown_literal(self.campaign)}, outcome {markdown_literal(self.outcome)})**", "",
                 f"Send to the **{n:,} of {total:,}** customers whose predicted uplift is positive. "
                 f"Model check on {self.holdout_users:,} held-out customers: Qini coefficient {self.qini:.3f} "
                 "(0 = no better than random, 1 = perfect).", "",
                 markdown_table(table.rename(columns={"mean_uplift": "mean uplift (pp)"}))]
        lines.extend(f"_{note}_" for note in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return frame_html(self.by_segment)


@dataclass(frozen=True)
class SampleSizePlan:
    """Users per arm a two-arm test needs to detect a lift with the chosen power."""

    baseline_rate: float
    mde: float  # absolute lift in rate units
    n_per_arm: int
    alpha: float = 0.05
    power: float = 0.8
    source: str = ""  # where the baseline came from
    source_zh: str = ""  # the same in Chinese

    def to_markdown(self, language: str = "en") -> str:
        if language == "zh":
            text = (f"**下次测试的样本量**：每组（对照组和实验组）需要 {self.n_per_arm:,} 位客户，才能以 {self.power:.0%} 的把握、"
                    f"{self.alpha:.0%} 的双侧显著性水平检测出从 {self.baseline_rate:.2%} 到 "
                    f"{self.baseline_rate + self.mde:.2%} 的提升（{self.mde * 100:+.2f} 个百分点）。")
            source = self.source_zh or self.source
            return text + (f"\n\n_基线：{source}_" if source else "")
        text = (f"**Sample size for the next test**: {self.n_per_arm:,} customers per arm (control and treatment) "
                f"to detect a lift from {self.baseline_rate:.2%} to {self.baseline_rate + self.mde:.2%} "
                f"({self.mde * 100:+.2f} pp) with {self.power:.0%} power at a {self.alpha:.0%} two-sided level.")
        return text + (f"\n\n_Baseline: {self.source}_" if self.source else "")
