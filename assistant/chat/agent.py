"""The chat: route a marketer's message (EN or ZH) to the facade and answer with computed numbers.

Routing never asks the LLM (the small local model cannot call tools reliably): `assistant.chat.router` classifies the
message and extracts slots; a missing slot gets a clarifying question. Every number in a reply comes from the
facade's computations; the LLM only contributes what it is for (persona wording, campaign copy), and those
parts are labelled as such. Replies stream: `respond()` yields growing `ChatReply` objects.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator

import pandas as pd

from assistant.core.data import DataError
from assistant.api.facade import MarketingAssistant, NotReadyError
from assistant.api.results import model_markdown
from assistant.core.text import markdown_literal as md

CLARIFY = {
    "en": {
        "segment": "Which segment do you mean? Give its number (e.g. 'segment 2') or its persona name.",
        "user_id": "Which customer? Give their id, e.g. 'household 1029'.",
        "product": "Which product? Give its id or a few words of its name.",
        "campaign_id": "Which campaign? Give its number, e.g. 'campaign 18'.",
        "unknown": ("Sorry, I did not get that. I can segment customers, describe a segment, recommend products "
                    "to a customer or a segment, plan a campaign, write campaign copy, evaluate a campaign, show "
                    "data quality and write the persona report."),
    },
    "zh": {
        "segment": "请问是哪个客群？请给出编号（如“第2组”）或客群名称。",
        "user_id": "请问是哪位客户？请给出客户编号，例如“客户 1029”。",
        "product": "请问是哪个商品？请给出商品编号或名称中的几个词。",
        "campaign_id": "请问是哪次活动？请给出活动编号，例如“活动18”。",
        "unknown": "抱歉，我没有理解。我可以：客户分群、介绍客群、为客户或客群推荐商品、制定活动方案、撰写营销文案、评估活动效果、查看数据质量、生成画像报告。",
    },
}
HELP_EXAMPLES = (
    "split my customers into 5 groups", "who is segment 2?", "what should I recommend to household 1029?",
    "write an email campaign for segment 1 with 15% off", "plan a campaign for segment 0",
    "how did campaign 18 do?", "show the data quality report", "给高价值客户写一条促销短信",
)


@dataclass(frozen=True)
class ChatReply:
    """One assistant turn: Markdown text, plus an optional table, chart and downloadable file."""

    text: str
    intent: str = ""
    table: pd.DataFrame | None = None
    figure: Any = None
    file: str | None = None


class ChatAgent:
    """Answers chat messages against one `MarketingAssistant` (one per UI session)."""

    def __init__(self, assistant: MarketingAssistant, router=None):
        self.assistant = assistant
        if router is None:
            from assistant.chat.router import get_router
            router = get_router()
        self.router = router

    def respond(self, message: str) -> Iterator[ChatReply]:
        """Yield growing replies for one message; every user-caused problem becomes a readable message."""
        message = (message or "").strip()
        if not message:
            yield ChatReply(CLARIFY["en"]["unknown"], intent="unknown")
            return
        route = self.router.route(message)
        lang = route.language if route.language in CLARIFY else "en"
        if route.intent in ("unknown", "smalltalk"):
            yield ChatReply(CLARIFY[lang]["unknown"], intent=route.intent)
            return
        if route.missing:
            yield ChatReply(CLARIFY[lang].get(route.missing[0], CLARIFY[lang]["unknown"]), intent=route.intent)
            return
        handler: Callable[..., Iterator[ChatReply]] = getattr(self, f"_on_{route.intent}", None)
        if handler is None:
            yield ChatReply(CLARIFY[lang]["unknown"], intent=route.intent)
            return
        try:
            for reply in handler(route.slots, lang):
                yield replace(reply, intent=route.intent)
        except (DataError, NotReadyError) as exc:
            yield ChatReply(f"⚠️ {md(exc)}", intent=route.intent)
        except Exception as exc:  # LLM down and similar: say what failed, never a traceback
            from assistant.core.llm import LLMOutputError, LLMUnavailable
            if isinstance(exc, (LLMUnavailable, LLMOutputError)):
                yield ChatReply(f"⚠️ The language model could not answer: {md(exc)}",
                                intent=route.intent)
            else:
                raise

    # ------------------------------------------------------------------ helpers
    def _ensure_segments(self) -> Iterator[ChatReply]:
        if self.assistant.segmenter is None:
            yield ChatReply("_No segments yet — segmenting the customers first (automatic number of segments)…_")
            self.assistant.ensure_segments()

    def _segment_listing(self, lang: str) -> str:
        table = self.assistant.segments_overview(lang, with_personas=True).table
        lines = []
        for row in table.itertuples(index=False):
            figures = (f"mean spend {row.spend_mean:,.2f}; buys more than others: {md(row.stands_out_for)}"
                       if hasattr(row, "spend_mean") else  # browse-only data: the funnel, no spend
                       f"{row.views_mean:,.1f} views and {row.cart_adds_mean:,.1f} cart adds per visitor; "
                       f"looks more than others at: {md(row.stands_out_for)}")
            lines.append(f"- **Segment {row.segment} — {md(row.persona)}**: {md(row.tagline)} "
                         f"({row.size:,} customers, {row.share:.0%}; {figures})")
        return "\n".join(lines)

    # ------------------------------------------------------------------ intents
    def _on_segment(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        n = slots.get("n_segments") or "auto"
        yield ChatReply(f"_Segmenting {self.assistant.dataset.n_users:,} customers into "
                        f"{n if n != 'auto' else 'an automatically chosen number of'} segments…_")
        overview = self.assistant.segment(n)
        yield ChatReply("_Segments found; writing personas with the language model…_", table=overview.table)
        overview = self.assistant.segments_overview(lang, with_personas=True)
        metrics = ", ".join(f"{k.replace('_', ' ')} {v:.2f}" for k, v in overview.metrics.items()
                            if k in ("silhouette", "davies_bouldin", "stability_ari"))
        text = (f"I split the customers into **{len(overview.table)} segments** ({metrics}).\n\n"
                f"{self._segment_listing(lang)}\n\n_Persona names and taglines are written by the language model "
                "from segment aggregates (names it gets wrong are replaced by rule-based ones); all numbers are computed._")
        yield ChatReply(text, table=overview.table)

    def _on_describe_segment(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield from self._ensure_segments()
        description = self.assistant.describe_segment(slots["segment"], lang)
        yield ChatReply(description.to_markdown(), table=description.distinguishing)

    def _on_recommend_user(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        recs = self.assistant.recommend(slots["user_id"], k=slots.get("top_k") or 10)
        yield ChatReply(recs.to_markdown(), table=recs.items)

    def _on_recommend_segment(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield from self._ensure_segments()
        recs = self.assistant.recommend_for_segment(slots["segment"], k=slots.get("top_k") or 10)
        yield ChatReply(recs.to_markdown(), table=recs.items)

    def _on_similar_products(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        recs = self.assistant.similar_products(str(slots["product"]), k=slots.get("top_k") or 10)
        yield ChatReply(recs.to_markdown(), table=recs.items)

    def _on_plan_campaign(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield from self._ensure_segments()
        segments = [slots["segment"]] if slots.get("segment") is not None else self.assistant.profiles.segments
        blocks = []
        for segment in segments:
            plan = self.assistant.plan_campaign(segment, offer=slots.get("offer_pct"), channel=slots.get("channel"),
                                                language=lang)
            blocks.append(model_markdown(plan))
            yield ChatReply("\n\n---\n\n".join(blocks))

    def _on_write_copy(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield from self._ensure_segments()
        language = slots.get("language") or lang
        yield ChatReply("_Writing copy with the language model…_")
        copy = self.assistant.write_copy(slots["segment"], channel=slots.get("channel") or "email",
                                         offer=slots.get("offer_pct"), language=language)
        yield ChatReply(copy.to_markdown(), table=copy.to_frame())

    def _on_evaluate_campaign(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        evaluation = self.assistant.evaluate(slots["campaign_id"])
        figure = None
        try:
            from campaigns.charts import rates_chart
            figure = rates_chart(evaluation)
        except Exception:  # a chart is a bonus; the numbers are the answer
            figure = None
        yield ChatReply(evaluation.to_markdown(), table=getattr(evaluation, "arms", None), figure=figure)

    def _on_report(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield from self._ensure_segments()
        yield ChatReply("_Writing the persona report…_")
        files = self.assistant.report(language=lang)
        chosen = files.markdown if slots.get("format") == "md" else files.html
        yield ChatReply(f"The persona report is ready: {md(Path(chosen).name)} (download it below or from the "
                        "Reports tab).", file=str(chosen))

    def _on_data_quality(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        quality = self.assistant.data_quality()
        yield ChatReply(quality.to_markdown(), table=quality.to_frame())

    def _on_help(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield ChatReply("Things you can ask me:\n" + "\n".join(f"- {e}" for e in HELP_EXAMPLES))


