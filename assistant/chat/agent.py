"""The chat: route a marketer's message (EN or ZH) to the facade and answer with computed numbers.

Routing never asks the LLM (the small local model cannot call tools reliably): `assistant.chat.router` classifies the
message, `assistant.chat.state.ConversationState` resolves it against the conversation (follow-ups, "that
segment", confirmations) and a missing slot gets a clarifying question. Every number in a reply comes from the
facade's computations; the LLM only contributes what it is for (persona wording, campaign copy), and those parts
are labelled as such. The message text itself never reaches an LLM prompt: handlers pass only parsed slots.
State-changing requests (re-segmenting, restoring) run on a confident, explicit request or after a "yes".
Replies are entirely in the user's language (`assistant.chat.messages`). `respond()` yields growing replies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator

import pandas as pd

from assistant.api.facade import MarketingAssistant
from assistant.api.results import SOURCE_LABELS, frame_markdown, model_markdown
from assistant.chat.consent import BULK_IDS
from assistant.chat.messages import (CHANNEL_NAMES, COLUMN_NAMES, COPY_FIELDS, COPY_SOURCES, HELP_EXAMPLES,
                                     LANGUAGE_NAMES, LENGTH_WORDS, PERIOD_NAMES, PRICE_WORDS, listing,
                                     say)
from assistant.chat.slots import asks_about_history, extract_horizon_days
from assistant.chat.slots_numbers import CJK
from assistant.chat.state import COPY_EDITS, ConversationState, Turn
from assistant.core.errors import DataError, LLMOutputError, LLMUnavailable, NotReadyError
from assistant.core.policy import category_name
from assistant.core.text import markdown_literal
from assistant.core.vocabulary import distinguishing_phrase, with_sms_opt_out, without_sms_opt_out
from campaigns.copywriting import TEMPLATE_COPY_NOTE
from campaigns.strategy import describe_offer
from campaigns.recommender import reason_in

HELP_EXAMPLES_EN = HELP_EXAMPLES["en"]


@dataclass(frozen=True)
class ChatReply:
    """One assistant turn: Markdown text, plus an optional table, chart and downloadable file."""

    text: str
    intent: str = ""
    table: pd.DataFrame | None = None
    figure: Any = None
    file: str | None = None


class _Ask(Exception):
    """A handler needs the user to choose (ambiguous segment): the message is the question."""

    def __init__(self, message: str, slot: str = "segment"):
        super().__init__(message)
        self.slot = slot


def _persona_facts(persona, lang: str) -> str:
    """Price sensitivity and channels, and the best times only when the data gave them (no empty "—")."""
    price = PRICE_WORDS.get(lang, {}).get(persona.price_sensitivity, persona.price_sensitivity)
    text = say("persona_facts", lang, price=_esc(price), channels=_esc(", ".join(persona.preferred_channels)))
    return text + (say("best_times", lang, times=_esc(persona.preferred_times)) if persona.preferred_times else "")


def _esc(text: Any) -> str:
    """Untrusted text placed into the Markdown reply: the project's one encoder (shows as the same characters)."""
    return markdown_literal(text)


class ChatAgent:
    """Answers chat messages against one `MarketingAssistant` (one per UI session), remembering the conversation."""

    def __init__(self, assistant: MarketingAssistant, router=None):
        self.assistant = assistant
        if router is None:
            from assistant.chat.router import get_router
            router = get_router()
        self.router = router
        self.state = ConversationState(language=getattr(assistant, "language", "en") or "en")
        self._resolved: int | None = None
        self._message = ""
        self._copy_segment: int | None = None
        self._turn: Turn | None = None
        self._no_prediction = ""

    # ------------------------------------------------------------------ entry point
    def respond(self, message: str) -> Iterator[ChatReply]:
        """Yield growing replies for one message; every user-caused problem becomes a readable message."""
        message = (message or "").strip()
        if not message:
            yield ChatReply(say("unknown", self.state.language), intent="unknown")
            return
        route = self.router.route(message)
        turn = self.state.resolve(route, message)
        self._message = message
        lang = turn.language if turn.language in ("en", "zh") else "en"
        if BULK_IDS.search(message):
            yield ChatReply(say("no_ids", lang), intent="refused")
            return
        if turn.injection and turn.intent == "unknown":
            yield ChatReply(say("injection", lang), intent="unknown")
            return
        if turn.intent == "follow_up" and any(turn.slots.get(name) is not None for name in COPY_EDITS):
            yield ChatReply(say("no_copy", lang), intent=turn.intent)    # "make it shorter" with no copy to edit
            return
        if turn.intent in ("unknown", "smalltalk", "follow_up"):
            key = "smalltalk" if turn.intent == "smalltalk" else "unknown" if route.intent != "follow_up" \
                else "not_applicable" if self.state.last_intent else "no_previous"
            yield ChatReply(say(key, lang), intent=turn.intent)
            return
        if turn.intent == "cancel":
            yield ChatReply(say("cancelled", lang), intent="cancel")
            return
        if turn.intent == "confirm":
            yield ChatReply(say("nothing_pending", lang), intent="confirm")
            return
        if turn.intent == "evaluate_campaign" and turn.ask == "campaign_id" and self.assistant.has_test:
            turn = replace(turn, ask=None)  # "how did my test do?" after an upload: the uploaded test
        if turn.ask:
            self.state.remember(turn)
            yield ChatReply(say(f"ask_{turn.ask}", lang), intent=turn.intent)
            return
        if not turn.confirmed and self._would_overwrite(turn):
            turn = replace(turn, needs_confirmation=True)
        if turn.needs_confirmation:
            question = self._confirmation_question(turn, lang)
            if question is not None:
                self.state.remember(turn)
                yield ChatReply(question, intent=turn.intent)
                return
        handler: Callable[..., Iterator[ChatReply]] | None = getattr(self, f"_on_{turn.intent}", None)
        if handler is None:
            yield ChatReply(say("unknown", lang), intent=turn.intent)
            return
        prefix = self._context_note(turn, lang)
        self._resolved = None
        self._turn = turn
        try:
            for reply in handler(turn.slots, lang):
                text = f"{prefix}\n\n{reply.text}" if prefix else reply.text
                yield replace(reply, text=text, intent=turn.intent)
        except _Ask as ask:
            self.state.remember(replace(turn, ask=ask.slot))
            yield ChatReply(ask.args[0], intent=turn.intent)
            return
        except (DataError, NotReadyError) as exc:
            message = exc.message_in(lang) if isinstance(exc, DataError) else str(exc)
            if isinstance(exc, DataError):
                self.state.remember_failed(turn)     # "买二送一" refused: "那就包邮吧" runs the request again
            yield ChatReply(say("error", lang, message=_esc(message)), intent=turn.intent)
            return
        except (LLMUnavailable, LLMOutputError) as exc:
            yield ChatReply(say("llm_error", lang, message=_esc(exc)), intent=turn.intent)
            return
        self.state.remember(turn, segment=self._resolved)

    # ------------------------------------------------------------------ conversation helpers
    def _context_note(self, turn: Turn, lang: str) -> str:
        parts = []
        for slot in turn.from_context:
            value = turn.slots.get(slot)
            if value is None or slot == "offer_pct" and turn.slots.get("offer"):
                continue                  # the offer as said ("15% off", "八五折") already names the percent
            if slot == "channel" and lang == "zh":
                value = CHANNEL_NAMES["zh"].get(value, value)
            elif slot == "language":
                value = LANGUAGE_NAMES[lang].get(value, value)
            elif slot == "length":
                value = LENGTH_WORDS[lang].get(value, value)
            elif slot == "period":
                value = PERIOD_NAMES[lang].get(value, value)
            elif isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            text = say(f"ctx_{slot}", lang, value=_esc(value))
            if text:
                parts.append(text)
        return say("context", lang, what="; ".join(parts) if lang == "en" else "；".join(parts)) if parts else ""

    def _would_overwrite(self, turn: Turn) -> bool:
        """Saving over an earlier save, or reopening a save (which replaces this chat's data and models), runs
        only after a "yes", however plainly it was asked for."""
        return turn.intent in ("save_workspace", "load_workspace") and self.assistant.saved_at is not None

    def _confirmation_question(self, turn: Turn, lang: str) -> str | None:
        if turn.intent == "undo":
            return say("confirm_undo", lang)
        if turn.intent in ("save_workspace", "load_workspace"):
            when = self.assistant.saved_at
            return say("confirm_save" if turn.intent == "save_workspace" else "confirm_load", lang,
                       when=f"{when:%Y-%m-%d %H:%M}") if when is not None else None
        n = turn.slots.get("n_segments")
        groups = say("n_groups", lang, n=n) if n else say("n_auto", lang)
        if self.assistant.segmenter is None:
            return say("confirm_segment_first", lang, n=groups)
        return say("confirm_segment", lang, n=groups, current=len(self.assistant.profiles.segments))

    def _ensure_segments(self, lang: str) -> Iterator[ChatReply]:
        if self.assistant.segmenter is None:
            yield ChatReply(say("segmenting_first", lang))
            self.assistant.ensure_segments()

    def _names(self, lang: str) -> dict[int, str]:
        return self.assistant.display_names(lang)

    def _segment(self, phrase: int | str, lang: str) -> tuple[int, str]:
        """(segment id, a note saying how a description was matched); asks when ambiguous."""
        names = self._names(lang)
        options = listing([f"{s} ({_esc(n)})" for s, n in names.items()], lang)
        if isinstance(phrase, int) or str(phrase).strip().isdigit():
            value = int(phrase)
            if value not in names:
                raise DataError(say("no_segment_n", lang, n=value, options=options))
            self._resolved = value
            return value, ""
        found = self.assistant.segment_match(phrase, lang)
        if found.ambiguous:
            tied = listing([f"{s} ({_esc(names.get(s, ''))})" for s in found.candidates], lang)
            raise _Ask(say("ambiguous", lang, phrase=_esc(phrase), options=tied))
        if not isinstance(found.segment, int):
            raise DataError(say("no_match", lang, phrase=_esc(phrase), options=options))
        self._resolved = found.segment
        note = say("matched", lang, phrase=_esc(phrase), segment=found.segment, name=_esc(names[found.segment]),
                   reason=_esc(found.reason.get(lang, ""))) if found.reason else ""
        return found.segment, note

    def _segments_of(self, phrase: int | str | None, lang: str) -> list[tuple[int, str]]:
        """One (id, note) for a segment, or every segment for "all"/None."""
        if phrase is None or phrase == "all":
            return [(s, "") for s in self.assistant.profiles.segments if s >= 0]
        return [self._segment(phrase, lang)]

    # ------------------------------------------------------------------ state-changing intents
    def _on_segment(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        n = slots.get("n_segments") or "auto"
        groups = say("n_groups", lang, n=n) if n != "auto" else say("n_auto", lang)
        yield ChatReply(say("segmenting", lang, users=f"{self.assistant.dataset.n_users:,}", n=groups))
        kwargs = {"algorithm": slots["algorithm"]} if slots.get("algorithm") else {}
        overview = self.assistant.segment(n, **kwargs)
        yield ChatReply(say("segments_found", lang), table=overview.table)
        overview = self.assistant.segments_overview(lang, with_personas=True)
        metrics = ", ".join(f"{k.replace('_', ' ')} {v:.2f}" for k, v in overview.metrics.items()
                            if k in ("silhouette", "davies_bouldin", "stability_ari"))
        lines = [say("segment_line", lang, s=row.segment, name=_esc(row.persona), tagline=_esc(row.tagline),
                     size=f"{row.size:,}", share=f"{row.share:.0%}", spend=_spend(row),
                     stands_out=_stands_out(row.stands_out_for, lang))
                 for row in overview.table.itertuples(index=False)]
        text = "\n\n".join([say("segmented", lang, n=len(overview.table), metrics=metrics), "\n".join(lines),
                            say("persona_note", lang)])
        yield ChatReply(text, table=overview.table)

    def _on_undo(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        if not getattr(self.assistant, "can_restore_segments", False):
            yield ChatReply(say("nothing_to_restore", lang))
            return
        overview = self.assistant.restore_segments()
        yield ChatReply(say("restored", lang, n=len(overview.table)), table=overview.table)

    # ------------------------------------------------------------------ segments
    def _on_describe_segment(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield from self._ensure_segments(lang)
        if slots.get("segment") == "all":
            overview = self.assistant.segments_overview(lang, with_personas=True)
            lines = [say("segment_line", lang, s=row.segment, name=_esc(row.persona), tagline=_esc(row.tagline),
                         size=f"{row.size:,}", share=f"{row.share:.0%}", spend=_spend(row),
                         stands_out=_stands_out(row.stands_out_for, lang))
                     for row in overview.table.itertuples(index=False)]
            yield ChatReply(say("all_segments", lang, n=len(lines)) + "\n\n" + "\n".join(lines), table=overview.table)
            return
        segment, note = self._segment(slots["segment"], lang)
        facts = self._facts(segment, lang)
        name = self._names(lang)[segment]
        head = f"**{'第' + str(segment) + '组' if lang == 'zh' else 'Segment ' + str(segment)} — {_esc(name)}**"
        yield ChatReply("\n".join(x for x in (note, head, "", *facts) if x is not None))
        persona = self.assistant.personas(lang)[segment]
        profiles = self.assistant.profiles
        dist = profiles.distinguishing[profiles.distinguishing["segment"] == segment].head(5)
        head = (f"**{'第' + str(segment) + '组' if lang == 'zh' else 'Segment ' + str(segment)} — "
                f"{_esc(persona.name)}**: _{_esc(persona.tagline)}_")
        facts.append("- " + _persona_facts(persona, lang))
        if persona.suggested_offers:
            facts.append("- " + say("offers", lang, offers=_esc("; ".join(persona.suggested_offers))))
        text = "\n".join(x for x in (note, head, "", _esc(persona.description), "", *facts) if x is not None)
        yield ChatReply(text, table=dist.reset_index(drop=True))

    def _facts(self, segment: int, lang: str) -> list[str]:
        profiles = self.assistant.profiles
        row = profiles.overview.loc[segment]
        facts = ["- " + say("size", lang, size=f"{int(row['size']):,}", share=f"{row['share']:.1%}")]
        for col, key in (("monetary_mean", "mean_spend"), ("frequency_mean", "mean_baskets"),
                         ("aov_mean", "aov"), ("recency_days_mean", "recency")):
            if col in row:
                facts.append(f"- {say(key, lang)}: {row[col]:,.2f}")
        cats = profiles.top_categories[profiles.top_categories["segment"] == segment].head(5)
        if len(cats):
            facts.append(f"- {say('top_cats', lang)}: " + ", ".join(
                f"{_esc(category_name(c))} ({s:.0%}, {say('lift_value', lang, value=f'{l:.1f}×')})"
                for c, s, l in cats[["category", "spend_share", "lift"]]
                .itertuples(index=False)))
        predicted = self._predicted_fact(segment, lang)
        if predicted:
            facts.append(f"- {predicted}")
        dist = profiles.distinguishing[profiles.distinguishing["segment"] == segment].head(5)
        if len(dist):
            parts = [distinguishing_phrase(*row, lang) for row in
                     dist[["feature", "kind", "segment_value", "population_value"]].itertuples(index=False)]
            facts.append(f"- {say('apart', lang)}: " + "; ".join(parts))
        return facts

    def _predicted_fact(self, segment: int, lang: str) -> str | None:
        """The predictive model's value and churn risk for one segment (None for data without dated orders)."""
        stats = self.assistant.segment_statistics
        if segment not in stats.index or pd.isna(stats.loc[segment, "clv"]):
            return None
        prediction = stats.attrs["prediction"]
        return say("predicted_fact", lang, h=prediction["horizon"], model=prediction["model"][lang],
                   value=f"{stats.loc[segment, 'clv']:,.2f}", risk=f"{stats.loc[segment, 'churn_risk']:.0%}")

    # ------------------------------------------------------------------ personas
    def _on_personas(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield from self._ensure_segments(lang)
        yield ChatReply(say("writing_personas", lang))
        personas = self.assistant.personas(lang)
        blocks = [self._persona_text(segment, personas[segment], note, lang)
                  for segment, note in self._segments_of(slots.get("segment"), lang) if segment in personas]
        table = self.assistant.segments_overview(lang, with_personas=True).table
        yield ChatReply("\n\n---\n\n".join(blocks) + "\n\n" + say("persona_note", lang), table=table)

    @staticmethod
    def _persona_text(segment: int, persona, note: str, lang: str) -> str:
        lines = [x for x in (note, say("persona_head", lang, s=segment, name=_esc(persona.name),
                                        tagline=_esc(persona.tagline)), "", _esc(persona.description), "") if x is not None]
        if persona.motivations:
            lines.append("- " + say("persona_motivations", lang, value=_esc("; ".join(persona.motivations))))
        if persona.suggested_offers:
            lines.append("- " + say("offers", lang, offers=_esc("; ".join(persona.suggested_offers))))
        lines.append("- " + _persona_facts(persona, lang))
        lines.extend(f"- {_esc(fact)}" for fact in persona.facts)
        source = SOURCE_LABELS[lang].get(persona.source, persona.source)
        lines.append(say("persona_source", lang, source=_esc(source)))
        return "\n".join(lines)

    def _on_compare_segments(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield from self._ensure_segments(lang)
        wanted = slots.get("segments")
        notes = []
        if wanted:
            ids = []
            for phrase in wanted:
                seg, note = self._segment(phrase, lang)
                ids.append(seg)
                notes.append(note)
        else:
            ids = [s for s in self.assistant.profiles.segments if s >= 0]
        if len(set(ids)) < 2:
            yield ChatReply(say("compare_need_two", lang))
            return
        names = self._names(lang)
        overview = self.assistant.profiles.overview.loc[ids]
        columns = [c for c in ("size", "share", "monetary_mean", "frequency_mean", "aov_mean", "recency_days_mean",
                               "spend_share") if c in overview]
        table = overview[columns].round(3).reset_index()
        table.insert(1, "name", [names.get(int(s), "") for s in table["segment"]])
        diffs = []
        if len(ids) == 2:
            a, b = overview.iloc[0], overview.iloc[1]
            rel = {c: abs(a[c] - b[c]) / max(abs(a[c]), abs(b[c]), 1e-9) for c in columns
                   if c not in ("size", "share")}
            for c in sorted(rel, key=rel.get, reverse=True)[:3]:
                label = COLUMN_NAMES.get(lang, {}).get(c, c.replace("_mean", "").replace("_", " "))
                number = (lambda v: f"{v:.1%}") if c == "spend_share" else (lambda v: f"{v:,.2f}")
                diffs.append(f"{label} " + say("versus", lang, a=number(a[c]), b=number(b[c])))
        text = "\n".join(n for n in notes if n)
        text = (text + "\n\n" if text else "") + say("compare_header", lang) + "\n\n" + _table(table, lang)
        if diffs:
            text += "\n\n" + say("compare_diff", lang, diffs="; ".join(diffs))
        self.state.segments = ids
        yield ChatReply(text, table=table)

    # ------------------------------------------------------------------ data questions
    def _on_data_question(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        metrics = slots.get("metrics")
        if not metrics:
            yield ChatReply(say("no_metric", lang))
            return
        segment = slots.get("segment")
        note = ""
        if segment is not None or "revenue_share" in metrics:
            yield from self._ensure_segments(lang)
        if segment is not None and segment != "all":
            segment, note = self._segment(segment, lang)
        blocks, table, figure = [note] if note else [], None, None
        for metric in metrics:
            if metric == "clv" and not asks_about_history(self._message):
                predicted = self._predicted_value(segment, lang)
                if predicted is not None:
                    text, frame = predicted
                    blocks.append(text)
                    table = frame if table is None or len(frame) > 1 else table
                    continue
                blocks.append(say("no_prediction", lang, reason=_esc(self._no_prediction)))
            answer = self.assistant.answer_question(metric, segment=segment, period=slots.get("period"),
                                                    top_k=slots.get("top_k"), language=lang)
            scope = _esc(answer.scope[lang])
            if answer.value is not None and len(answer.table) <= 1:
                blocks.append(say("answer", lang, label=answer.label(lang), scope=scope,
                                  value=answer.formatted(lang)))
            else:
                blocks.append(say("answer_table", lang, label=answer.label(lang), scope=scope) + "\n\n" +
                              _table(answer.table, lang))
            blocks.append(say("definition", lang, definition=_esc(answer.definition[lang])))
            table = answer.table if table is None or len(answer.table) > 1 else table
            if answer.chart is not None and figure is None:
                figure = answer.chart
                figure.update_layout(title=answer.label(lang))
        yield ChatReply("\n\n".join(blocks), table=table, figure=figure)

    def _predicted_value(self, segment, lang: str) -> tuple[str, pd.DataFrame] | None:
        """'What is the lifetime value …' is a question about the future: the facade's predictive model answers
        it (expected spend over the horizon), naming the model. None when the data cannot be modelled."""
        try:
            prediction = self.assistant.predict(extract_horizon_days(self._message) or 90, language=lang)
        except DataError as exc:
            self._no_prediction = str(exc)
            return None
        h, as_of = prediction.horizon_days, f"{prediction.as_of:%Y-%m-%d}"
        model = prediction.model_name(lang)
        note = say("predicted_by", lang, model=model, as_of=as_of, h=h)
        by_segment = prediction.segments
        if segment == "all" and by_segment is not None:
            frame = by_segment[[c for c in ("segment", "name", "customers", "expected_spend_mean",
                                            "churn_risk_mean", "high_churn_share") if c in by_segment]]
            return "\n\n".join([say("predicted_value_table", lang, h=h, scope=say("scope_all", lang)),
                                  _table(frame, lang), note]), frame
        if isinstance(segment, int) and by_segment is not None:
            row = by_segment[by_segment["segment"] == segment]
            value = float(row["expected_spend_mean"].iloc[0]) if len(row) else float("nan")
            scope = say("scope_segment", lang, s=segment, name=_esc(self._names(lang).get(segment, "")))
            frame = row.reset_index(drop=True)
        else:
            value = float(prediction.customers["expected_spend"].mean())
            scope, frame = say("scope_everyone", lang), pd.DataFrame()
        return "\n\n".join([say("predicted_value", lang, h=h, scope=scope, value=f"{value:,.2f}"), note]), frame

    def _predicted_segments(self, lang: str) -> str | None:
        """One sentence: the segments with the highest predicted value and churn risk (the predictive model)."""
        if self.assistant.segmenter is None:
            return None
        try:
            prediction = self.assistant.predict(language=lang)
        except DataError:
            return None
        table = prediction.segments
        if table is None or table.empty:
            return None
        best = table.loc[table["expected_spend_mean"].idxmax()]
        risk = table.loc[table["churn_risk_mean"].idxmax()]
        names = self._names(lang)
        return say("predicted_segments", lang, model=prediction.model_name(lang),
                   h=prediction.horizon_days, as_of=f"{prediction.as_of:%Y-%m-%d}",
                   best=int(best["segment"]), best_name=_esc(names.get(int(best["segment"]), "")),
                   best_value=f"{best['expected_spend_mean']:,.2f}", risk=int(risk["segment"]),
                   risk_name=_esc(names.get(int(risk["segment"]), "")), risk_value=f"{risk['churn_risk_mean']:.0%}")

    def _on_audience(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        built = self._predictive_audience(lang)
        if built is not None:
            yield built
            return
        if not slots.get("bought"):
            yield ChatReply(say("no_metric", lang))
            return
        count, total, table, definition = self.assistant.audience_size(
            slots["bought"], within_days=slots.get("within_days"), not_within_days=slots.get("not_within_days"))
        text = say("audience", lang, count=f"{count:,}", share=f"{count / max(total, 1):.1%}", total=f"{total:,}",
                   definition=("— " if lang == "en" else "——") + _esc(definition[lang]))
        if len(table):
            text += "\n\n" + _table(table, lang)
        yield ChatReply(text + "\n\n" + say("audience_ids", lang), table=table)

    def _predictive_audience(self, lang: str) -> ChatReply | None:
        """The facade's audience builder (rules only: the chat text never goes to the LLM) when it is available
        and understands the whole sentence; counts per segment only, never the members' ids."""
        parse = getattr(self.assistant, "parse_audience", None)
        if parse is None:
            return None
        try:
            draft = parse(self._message, use_llm=False)
            if not draft.ready:
                return None
            audience = self.assistant.build_audience(draft, language=lang)
        except (DataError, NotReadyError):
            return None
        total = max(int(audience.total_customers), 1)
        text = say("audience", lang, count=f"{audience.size:,}", share=f"{audience.size / total:.1%}",
                   total=f"{audience.total_customers:,}", definition=("— " if lang == "en" else "——") +
                   _esc(audience.words))
        table = pd.DataFrame()
        if self.assistant.segmenter is not None and audience.size:
            counts = self.assistant.labels.reindex(audience.members).value_counts().sort_index()
            table = pd.DataFrame({"segment": counts.index.astype(int), "customers": counts.to_numpy()})
            text += "\n\n" + _table(table, lang)
        return ChatReply(text + "\n\n" + say("audience_ids", lang), table=table)

    # ------------------------------------------------------------------ recommendations
    def _on_recommend_user(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        user = self.assistant.customer_id(slots["user_id"])
        if user is None:
            raise DataError(say("unknown_customer", lang, id=_esc(slots["user_id"]),
                                n=f"{self.assistant.dataset.n_users:,}"))
        recs = self.assistant.recommend(user, k=slots.get("top_k") or 10)
        yield ChatReply(self._recs_text(recs, say("target_customer", lang, id=_esc(user)), lang), table=recs.items)

    def _on_recommend_segment(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield from self._ensure_segments(lang)
        names, blocks, table = self._names(lang), [], None
        for segment, note in self._segments_of(slots.get("segment"), lang):
            recs = self.assistant.recommend_for_segment(segment, k=slots.get("top_k") or (10 if table is None and
                                                        slots.get("segment") != "all" else 5))
            target = say("target_segment", lang, s=segment, name=_esc(names.get(segment, "")))
            blocks.append("\n\n".join(x for x in (note, self._recs_text(recs, target, lang)) if x))
            table = recs.items if table is None else table
            yield ChatReply("\n\n---\n\n".join(blocks), table=table)

    @staticmethod
    def _recs_text(recs, target: str, lang: str) -> str:
        shown = recs.items[[c for c in ("title", "category", "price", "reason") if c in recs.items]]
        if "reason" in shown:
            shown = shown.assign(reason=[reason_in(lang, r) for r in shown["reason"]])
        if "price" in shown:
            shown = shown.assign(price=shown["price"].round(2))
        if "category" in shown:  # the department, as the rankings name it ("Packaged Meat", not "MEAT-PCKGD > …")
            shown = shown.assign(category=[category_name(c, level=0) if isinstance(c, str) else c
                                           for c in shown["category"]])
        why = recs.why_empty(lang)  # the policy hid every candidate: say why instead of an empty table
        return say("top_for", lang, k=len(recs.items), target=target) + "\n\n" + (why or _table(shown, lang))

    def _on_similar_products(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        recs = self.assistant.similar_products(str(slots["product"]), k=slots.get("top_k") or 10)
        yield ChatReply(self._recs_text(recs, ("商品 " if lang == "zh" else "product ") + _esc(slots["product"]), lang),
                        table=recs.items)

    def _on_search_products(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        query = str(slots["query"])
        hits = self.assistant.search_products(query, k=slots.get("top_k") or 10)
        floor = self.assistant.CLOSE_TEXT_SIMILARITY
        best = float(hits.items["score"].max()) if len(hits.items) else 0.0
        if best < floor:   # the nearest text is still far: say the catalogue lacks it, never list look-alikes
            titles = self.assistant.dataset.products["title"].head(500).astype(str).str.cat(sep=" ")
            english = CJK.search(query) and not CJK.search(titles)
            yield ChatReply(say("search_none", lang, query=_esc(query), best=f"{best:.2f}", floor=f"{floor:.2f}") +
                            (say("search_english_catalogue", lang) if english else ""))
            return
        # the similarity in Chinese replies (the facade's reason is English text)
        shown = hits.items[[c for c in ("title", "category", "price", "reason" if lang == "en" else "score")
                            if c in hits.items]]
        shown = shown.assign(**{c: shown[c].round(2) for c in ("price", "score") if c in shown})
        yield ChatReply(say("search_header", lang, query=_esc(query)) + "\n\n" + _table(shown, lang),
                        table=hits.items)

    # ------------------------------------------------------------------ campaigns
    def _on_plan_campaign(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield from self._ensure_segments(lang)
        names, blocks = self._names(lang), []
        for segment, note in self._segments_of(slots.get("segment"), lang):
            plan = self.assistant.plan_campaign(segment, offer=slots.get("offer_pct") or slots.get("offer"),
                                                channel=slots.get("channel"), language=lang)
            body = plan.to_markdown(lang) if hasattr(plan, "to_markdown") else model_markdown(plan)
            head = say("plan_header", lang, s=segment, name=_esc(names.get(segment, "")))
            blocks.append("\n\n".join(x for x in (note, head, body) if x))
            yield ChatReply("\n\n---\n\n".join(blocks))

    def _on_write_copy(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        if slots.get("length") == "shorter" and self.state.copy is not None and \
                self.state.last_intent == "write_copy" and _same_copy_request(self.state.last_slots, slots):
            yield from self._shorter_copy(lang)
            return
        yield from self._ensure_segments(lang)
        language = slots.get("language") or lang
        blocks, frames = [], []
        targets = self._segments_of(slots.get("segment"), lang)
        for segment, note in targets:
            yield ChatReply("\n\n---\n\n".join([*blocks, say("writing_copy", lang)]))
            copy = self.assistant.write_copy(segment, channel=slots.get("channel") or "email",
                                             offer=slots.get("offer_pct") or slots.get("offer"), language=language)
            if slots.get("length") == "shorter":
                copy = _shorten(copy)
            self.state.copy = copy
            self._copy_segment = segment
            chosen = None if slots.get("offer_pct") or slots.get("offer") or copy.plan is None else \
                say("offer_chosen", lang, offer=describe_offer(copy.plan.offer.type, copy.plan.offer.value, lang))
            blocks.append("\n\n".join(x for x in (note, self._copy_text(copy, lang, segment), chosen) if x))
            frames.append(copy.to_frame().assign(segment=segment))
        if len(targets) > 1:
            blocks.append(say("copy_all_note", lang))
        yield ChatReply("\n\n---\n\n".join(blocks), table=pd.concat(frames, ignore_index=True) if frames else None)

    def _shorter_copy(self, lang: str) -> Iterator[ChatReply]:
        copy = _shorten(self.state.copy)
        changed = copy != self.state.copy
        note = say("shortened" if changed else "already_short", lang)
        kept = [say("variant", lang, i=i).strip("*") for i, (old, new) in
                enumerate(zip(self.state.copy.variants, copy.variants), 1) if old == new]
        if changed and kept:   # say which variants could not get shorter, so none looks ignored
            note += " " + say("some_already_short", lang, variants=listing(kept, lang))
        self.state.copy = copy
        yield ChatReply(note + "\n\n" + self._copy_text(copy, lang, self._copy_segment), table=copy.to_frame())

    @staticmethod
    def _copy_text(copy, lang: str, segment: int | None) -> str:
        channel = CHANNEL_NAMES.get(lang, {}).get(copy.channel, copy.channel)
        blocks = []
        labels, sources = COPY_FIELDS.get(lang, COPY_FIELDS["en"]), COPY_SOURCES.get(lang, COPY_SOURCES["en"])
        notes = list(copy.notes)
        for i, v in enumerate(copy.variants, 1):
            data = v.model_dump()
            notes += list(data.get("notes") or [])
            if data.get("source"):
                data["source"] = sources.get(data["source"], data["source"])
            fields = "\n".join(f"- **{labels[k]}**: {_esc(val)}" for k, val in data.items()
                               if k in labels and val not in (None, "", [], {}))
            blocks.append(f"{say('variant', lang, i=i)}\n{fields}")
        notes = "".join(f"\n\n_{_esc(n)}_" for n in dict.fromkeys(_copy_note(n, lang) for n in notes))
        head = say("copy_header", lang, channel=channel, segment=_esc(copy.segment), s=segment,
                   lang_name=LANGUAGE_NAMES[lang].get(copy.language, copy.language))
        return head + "\n\n" + "\n\n".join(blocks) + notes

    def _on_evaluate_campaign(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        if slots.get("campaign_id") is None:  # the uploaded test (the facade keeps it; see load_test)
            evaluation = self.assistant.evaluate()
        else:
            self._check_campaign(slots["campaign_id"], lang)
            evaluation = self.assistant.evaluate(slots["campaign_id"])
        figure = None
        try:
            from campaigns.charts import rates_chart
            figure = rates_chart(evaluation)
        except Exception:  # noqa: BLE001 — a chart is a bonus; the numbers are the answer
            figure = None
        yield ChatReply(evaluation.to_markdown(lang), table=getattr(evaluation, "arms", None), figure=figure)

    def _check_campaign(self, campaign_id: str, lang: str) -> None:
        exposures = self.assistant.dataset.exposures
        if exposures.empty:
            return  # the facade explains what to upload
        known = sorted(exposures["campaign_id"].astype(str).unique().tolist(), key=lambda c: (len(c), c))
        if str(campaign_id) not in known:
            raise DataError(say("unknown_campaign", lang, id=_esc(campaign_id), known=", ".join(known[:30])))

    def _on_next_campaign(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        """Who to send the next campaign to (facade.uplift_targeting, from a campaign with a control group) or
        what to change (facade.next_campaign_advice); without either, the segments the predictive model ranks
        highest on value and churn risk."""
        campaign = slots.get("campaign_id")
        exposures = self.assistant.dataset.exposures
        if campaign is None and not exposures.empty:
            campaign = str(exposures["campaign_id"].astype(str).value_counts().index[0])
        blocks: list[str] = []
        table = None
        if campaign is not None:
            self._check_campaign(campaign, lang)
            self.state.campaign = str(campaign)
            if slots.get("focus") == "target":
                try:
                    targeting = self.assistant.uplift_targeting(campaign, outcome=slots.get("outcome") or "visited")
                except DataError as exc:
                    blocks.append(say("uplift_unavailable", lang, campaign=_esc(campaign), reason=_esc(exc)))
                else:
                    yield ChatReply(targeting.to_markdown(lang), table=targeting.by_segment)
                    return
            try:
                advice = self.assistant.next_campaign_advice(campaign)
            except DataError as exc:   # e.g. no conversion metric: the predictive view still answers
                blocks.append(say("error", lang, message=_esc(exc)))
            else:
                blocks.append(advice.to_markdown(lang))
                table = advice.to_frame(lang)
            yield ChatReply("\n\n".join(blocks), table=table)
        predicted = self._predicted_segments(lang)
        if predicted:
            blocks.append(predicted)
            yield ChatReply("\n\n".join(blocks), table=table)
        elif campaign is None:
            yield ChatReply(say("next_no_campaign", lang))

    def _on_sample_size(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        """facade.sample_size: the lift said (relative %, or percentage points), the baseline said, else the
        control rate of the campaign talked about, else the data's purchase rate."""
        notes = []
        if slots.get("mde_points"):
            mde, relative = float(slots["mde_points"]) / 100, False
        else:
            mde, relative = float(slots.get("mde_pct") or 10) / 100, True
            if not slots.get("mde_pct"):
                notes.append(say("sample_default_lift", lang))
        baseline = float(slots["baseline_pct"]) / 100 if slots.get("baseline_pct") else None
        campaign = slots.get("campaign_id") if baseline is None else None
        if campaign is not None:
            self._check_campaign(campaign, lang)
        try:
            plan = self.assistant.sample_size(mde, relative=relative, baseline_rate=baseline, campaign_id=campaign)
        except DataError as exc:
            from_context = self._turn is not None and "campaign_id" in self._turn.from_context
            if campaign is None or not from_context:
                raise
            notes.append(say("sample_fallback", lang, campaign=_esc(campaign), reason=_esc(exc)))
            plan = self.assistant.sample_size(mde, relative=relative)
        yield ChatReply("\n\n".join([plan.to_markdown(lang), *notes]))

    def _on_save_workspace(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        folder = self.assistant.save()
        yield ChatReply(say("saved", lang, what=self._workspace_in_words(lang), path=_esc(folder),
                            when=f"{self.assistant.saved_at:%Y-%m-%d %H:%M}"))

    def _workspace_in_words(self, lang: str) -> str:
        """What a saved or reopened workspace holds, in the user's language ("数据“demo”（802 位客户，4 个客群）"):
        the facade's repr is English and for developers."""
        ma = self.assistant
        state = say("saved_segments", lang, n=ma.segmenter.n_segments_) if ma.segmenter is not None else \
            say("saved_unsegmented", lang)
        return say("saved_what", lang, name=_esc(ma.dataset.name), customers=f"{ma.dataset.n_users:,}", state=state)

    def _on_load_workspace(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        when = self.assistant.saved_at
        if when is None:
            yield ChatReply(say("nothing_saved", lang))
            return
        self.assistant = self.assistant.reopen()   # the UI session picks it up (assistant.ui.chat_tab)
        yield ChatReply(say("reopened", lang, what=self._workspace_in_words(lang), when=f"{when:%Y-%m-%d %H:%M}"))

    # ------------------------------------------------------------------ other intents
    def _on_report(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        yield from self._ensure_segments(lang)
        yield ChatReply(say("writing_report", lang))
        files = self.assistant.report(language=lang)
        chosen = files.markdown if slots.get("format") == "md" else files.html
        yield ChatReply(say("report_ready", lang, path=_esc(Path(chosen).name)), file=str(chosen))

    def _on_data_quality(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        quality = self.assistant.data_quality()
        yield ChatReply(quality.to_markdown(lang), table=quality.to_frame())

    def _on_help(self, slots: dict, lang: str) -> Iterator[ChatReply]:
        examples = HELP_EXAMPLES.get(lang, HELP_EXAMPLES["en"])
        yield ChatReply(say("help", lang) + "\n" + "\n".join(f"- {e}" for e in examples))


def _copy_note(note: str, lang: str) -> str:
    """A copywriting note (campaigns.copywriting writes them in English, for logs) in the reply's language."""
    if lang == "en":
        return note
    if note.startswith("Template kept"):
        return say("template_kept", lang)
    if note == TEMPLATE_COPY_NOTE:
        return say("template_default", lang)
    return say("attempt_failed", lang)


def _spend(row) -> str:
    value = getattr(row, "spend_mean", None)   # browse-only data has no spend
    return "—" if value is None or pd.isna(value) else f"{value:,.2f}"


def _same_copy_request(last: dict, now: dict) -> bool:
    keys = ("segment", "channel", "offer_pct", "offer", "language")
    return all(last.get(k) == now.get(k) for k in keys)


_SENTENCE = re.compile(r"[^.!?。！？]+(?:[.!?。！？]+|$)")
_OFFER_SENTENCE = re.compile(r"\d\s*%|\boff\b|free (?:shipping|delivery)|bundle|折|包邮|免运费|优惠|立减", re.I)
_SHORTENED_FIELDS = ("body", "sms", "text", "push_body")


def _fewer_sentences(text: str, language: str) -> str:
    """The opening sentence (what the variant is about) and the offer's, when there were three or more: whole
    sentences only, so nothing ends mid-phrase and the offer is never cut (subject, title and button stay as
    they were); two sentences are already short (dropping one made every variant the same offer line)."""
    sentences = [x.strip() for x in _SENTENCE.findall(text) if x.strip()]
    if len(sentences) < 3:
        return text
    offer = next((x for x in sentences if _OFFER_SENTENCE.search(x)), sentences[-1])
    keep = [sentences[0]] + ([offer] if offer != sentences[0] else [])
    return ("" if language == "zh" else " ").join(keep)


def _shorten(copy):
    """The same variants with fewer sentences: "make it shorter" without asking the model again, so no new
    claim can appear. An SMS's own words are shortened, and it still ends with its opt-out instruction."""
    variants = []
    for v in copy.variants:
        data = v.model_dump()
        for name in _SHORTENED_FIELDS:
            if data.get(name):
                words = without_sms_opt_out(data[name]) if name == "sms" else data[name]
                short = _fewer_sentences(words, v.language)
                data[name] = with_sms_opt_out(short, v.language) if name == "sms" else short
        variants.append(type(v).model_validate(data))
    return replace(copy, variants=variants)


def _stands_out(names: str, lang: str) -> str:
    """The "buys more than others: …" clause of a segment line; nothing when no category stands out."""
    return say("stands_out", lang, names=_esc(names)) if names else ""


def _table(frame: pd.DataFrame, lang: str, max_rows: int = 20) -> str:
    """A table as Markdown in the user's language: readable numbers, translated column names (`frame_markdown`
    encodes every text cell once)."""
    shown = frame.head(max_rows).copy()
    for col in shown.columns:
        if col in ("share", "spend_share") and pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.1%}")  # a share reads as a percent
        elif pd.api.types.is_float_dtype(shown[col]):
            digits = 4 if col == "p_value" else 2
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:,.{digits}f}")
    shown = shown.rename(columns=COLUMN_NAMES.get(lang, {}))
    return frame_markdown(shown, max_rows=max_rows)


