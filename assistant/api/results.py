"""Typed results the facade returns: small frozen objects that render well in a notebook and in the UI.

Each holds DataFrames (for code) and can render itself as Markdown (chat, CLI) and HTML (`_repr_html_`, with every
data string escaped because product names and segment names can be hostile).
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


def frame_markdown(frame: pd.DataFrame, max_rows: int = 20) -> str:
    """A Markdown table without the optional `tabulate` dependency; cells are pipe-escaped."""
    frame = frame.head(max_rows)
    if frame.empty:
        return "_(no rows)_"

    def cell(value: Any) -> str:
        if isinstance(value, float):
            value = f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


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
        lines.extend(f"_{note}_" for note in self.notes)
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
        notes = "".join(f"\n\n_{n}_" for n in self.notes)
        return f"**Top {len(self.items)} for {self.target}**\n\n{body}{notes}"

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
            fields = "\n".join(f"- **{k}**: {val}" for k, val in data.items() if val not in (None, "", [], {}))
            blocks.append(f"**Variant {i}**\n{fields}")
        notes = "".join(f"\n\n_{n}_" for n in self.notes)
        return f"**{self.channel} copy for {self.segment} ({self.language})**\n\n" + "\n\n".join(blocks) + notes

    def _repr_html_(self) -> str:
        return frame_html(self.to_frame())
