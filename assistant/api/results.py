"""Typed results the facade returns: small frozen objects that render well in a notebook and in the UI.

Each holds DataFrames (for code) and can render itself as Markdown (chat, CLI) and HTML (`_repr_html_`, with every
data string escaped because product names and segment names can be hostile).
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from assistant.core.text import markdown_literal


def frame_markdown(frame: pd.DataFrame, max_rows: int = 20) -> str:
    """A Markdown table without the optional `tabulate` dependency. Every text cell is untrusted (product
    titles, category and persona names) and goes through `markdown_literal`, so it shows as text."""
    frame = frame.head(max_rows)
    if frame.empty:
        return "_(no rows)_"

    def cell(value: Any) -> str:
        if isinstance(value, float):  # numbers are the code's own text
            return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
        return markdown_literal(value)

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


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
class Recommendations:
    """Top-k products for one user or segment, each with a short reason."""

    target: str  # "user 1029" / "segment 2 (Busy Parents)"
    items: pd.DataFrame  # item_id, score, reason, title, category, price
    notes: tuple[str, ...] = ()

    def to_markdown(self) -> str:
        shown = self.items[[c for c in ("title", "category", "price", "reason") if c in self.items]]
        body = frame_markdown(shown.assign(price=shown["price"].round(2)) if "price" in shown else shown)
        notes = "".join(f"\n\n_{markdown_literal(n)}_" for n in self.notes)
        return f"**Top {len(self.items)} for {markdown_literal(self.target)}**\n\n{body}{notes}"

    def _repr_html_(self) -> str:
        return f"<h4>Top {len(self.items)} for {html.escape(self.target)}</h4>" + frame_html(self.items)


@dataclass(frozen=True)
class ReportFiles:
    html: Any
    markdown: Any

    def _repr_html_(self) -> str:
        return f"<p>Report written: {html.escape(str(self.html))} and {html.escape(str(self.markdown))}</p>"


@dataclass(frozen=True)
class CopyVariants:
    """Campaign copy variants for one plan, with the checks that were applied."""

    segment: str
    channel: str
    language: str
    variants: list = field(default_factory=list)  # campaigns.copywriting.CampaignCopy
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([v.model_dump() for v in self.variants])

    def to_markdown(self) -> str:
        blocks = []
        for i, v in enumerate(self.variants, 1):
            data = v.model_dump()
            fields = "\n".join(f"- **{k}**: {markdown_literal(val)}" for k, val in data.items()
                               if val not in (None, "", [], {}))
            blocks.append(f"**Variant {i}**\n{fields}")
        notes = "".join(f"\n\n_{markdown_literal(n)}_" for n in self.notes)
        return (f"**{markdown_literal(self.channel)} copy for {markdown_literal(self.segment)} ({self.language})**"
                "\n\n" + "\n\n".join(blocks) + notes)

    def _repr_html_(self) -> str:
        return frame_html(self.to_frame())


@dataclass(frozen=True)
class Predictions:
    """Predicted orders, spend (CLV), P(active), churn risk and next order date per customer, and per segment."""

    customers: pd.DataFrame  # indexed by user_id; columns documented in campaigns.predictive
    horizon_days: int
    as_of: Any  # pd.Timestamp: predictions cover [as_of, as_of + horizon_days)
    model: str
    segments: pd.DataFrame | None = None  # campaigns.predictive.segment_summary, when segments exist
    notes: tuple[str, ...] = ()

    def _head(self) -> str:
        return (f"**Next {self.horizon_days} days from {self.as_of:%Y-%m-%d}** ({self.model}; "
                f"{len(self.customers):,} customers with orders)")

    def to_markdown(self, max_rows: int = 10) -> str:
        parts = [self._head()]
        if self.segments is not None:
            parts.append(frame_markdown(self.segments))
        top = self.customers.head(max_rows).reset_index()
        parts.append(f"Top {len(top)} customers by expected spend:\n\n" + frame_markdown(top))
        parts.extend(f"_{n}_" for n in self.notes)
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
        lines = [f"**{'将要筛选' if zh else 'Audience to build'}:** {self.words}"]
        for phrase, match in self.categories.items():
            if match.categories:
                shown = ", ".join(match.categories[:6])
                lines.append(f"- 「{phrase}」→ {shown}（{match.n_products:,} 个商品）" if zh else
                             f"- '{phrase}' → {shown} ({match.n_products:,} products; matched by {match.how})")
        for problem in self.problems:
            lines.append(f"- ⚠️ {problem}")
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
        title = f"**{self.name}**: " if self.name else ""
        share = self.size / self.total_customers if self.total_customers else 0.0
        parts = [f"{title}{self.words}", f"**{self.size:,}** of {self.total_customers:,} customers ({share:.1%})",
                 frame_markdown(self.funnel)]
        if self.summary:
            parts.append(", ".join(f"{k.replace('_', ' ')} {v:,.4g}" if isinstance(v, float) else f"{k} {v}"
                                   for k, v in self.summary.items()))
        parts.extend(f"_{n}_" for n in self.notes)
        return "\n\n".join(parts)

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.words)}: {self.size:,} customers</p>" + frame_html(self.funnel)
