"""Conversation state of one chat session: what "that segment", "make it shorter" or "now in Chinese" refer to.

The router classifies one message at a time; `ConversationState.resolve(route, text)` turns that route into the
`Turn` the chat will run, using what the session said before:
  - follow-ups ("and for segment 3?", "same for the lapsing ones", "now in Chinese", "换成短信") repeat the
    previous intent with the changed slots;
  - a missing segment / customer / campaign is taken from the last one talked about, when the message points
    back at it ("write an email for them", "给这个客群推荐", or simply leaves it out);
  - an answer to a clarifying question ("segment 0" after "Which segment?") completes the asked turn;
  - "yes" / "确认" runs the action waiting for confirmation, "no" / "取消" drops it.
Every slot taken from context is listed in `Turn.from_context`, so the reply can say what it understood.

State-changing intents (re-segmenting) run only on a confident, explicit request; otherwise the turn is marked
`needs_confirmation` and the chat asks first (see `assistant.chat.consent`). Hand-written because the rules are few
and must be exact and testable; no dialogue-state library fits a rule-based router without an LLM.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.chat.consent import (BULK_IDS, CONFIDENT, EXPLICIT_SEGMENT, HEDGED, LEAD_YES, NO, PROPOSAL, REFUSAL,
                                    UNDO_VERB, YES, is_explicit_request, is_injection, refuses)
from assistant.chat.cues import (ABILITY, ANOTHER_ONE, ANSWER_LABEL, AUDIENCE_CUE, BRIEF_LABEL, COPY_POINTER,
                                 COPY_THING, CORRECTION, FILTER_LABEL, HOW_IS_IT, LANGUAGE_PEOPLE, LEAD_CLAUSE,
                                 LENGTH_COMPLAINT, LENGTH_SCALE, NARROW, NARROW_VERB, NEGATED, PURPOSE_FRAME, READERS,
                                 READS_LANGUAGE, SAME_BRIEF, SEND_TO)
from assistant.chat.pointers import (BACK_REFERENCE, BOTH, OF_THE_PAIR, ONE_PERSON, ORDINAL_BACK, ORDINAL_NAME,
                                     ORDINAL_ONE, PAIR_WORDS, PEOPLE_ZH, POINTER_NAME, names_no_people_zh)
from assistant.chat.router import UNKNOWN, Route
from assistant.chat.slots import (ALL_SEGMENTS, REQUIRED_SLOTS, SLOT_NAMES, asked_metrics, clean_segment_phrase,
                                  extract_campaign_id, extract_channel, extract_metrics, extract_next_campaign_focus, extract_n_segments, extract_offer,
                                  extract_explicit_language, extract_length, extract_segment,
                                  extract_segment_list, extract_slots,
                                  extract_user_id, missing_slots, normalise, says_intent_verb,
                                  slot_change)
from assistant.chat.replies import count_only, lone_id, without_courtesy
from assistant.chat.slots_spoken import simplified, written

STATE_CHANGING = frozenset({"segment", "undo"})
# Reopening a save replaces this chat's data and models: it is always confirmed first (README, "Safe actions")
ASKS_FIRST = frozenset({"load_workspace"})
_CARRIED_BY_ANSWER = ("channel", "offer_pct", "offer", "length")   # said beside the asked slot, they count too
# Readings that ask the tools for nothing: no intent won, or chit-chat ("太长啦 再短点😂" and "文案也安排上！！" read
# as smalltalk). Right after a turn, such a reading of a message that changes or continues it is no answer of its own.
_NO_REQUEST = (UNKNOWN, "smalltalk")
_SLOT_MEMORY = {"segment": "segment", "user_id": "customer", "campaign_id": "campaign"}


def _length_wish(t: str) -> str | None:
    """The copy length a message asks for: said ("shorter", "再短点"), meant by a complaint ("这么长谁看") or by a
    scale of the present copy ("at roughly half the length", "字数翻倍")."""
    complaint = LENGTH_COMPLAINT.search(t) or LENGTH_SCALE.search(t)
    return extract_length(t) or (None if complaint is None else
                                 "shorter" if complaint.group(1) or complaint.group(2) else "longer")


def _bare_audience(rest: str, language: str) -> int | str | None:
    """The audience a message names once its framing is cut ("00后学生党", "新来的", "the night owls"): the slot rules
    read a Chinese name only inside a frame ("给…写"), so a bare one is read as a name phrase. A pointer is none."""
    named = extract_segment(rest, language) or clean_segment_phrase(rest, language)
    return None if named is None or isinstance(named, str) and POINTER_NAME.fullmatch(named) else named


def _reads_in(at: int, name: str, t: str) -> bool:
    """The name read at `at` in `t` is the subject of a clause saying the language they read ("most locals read
    chinese, so …", also when the clause was swallowed into the name: "regulars speak mandarin"): the readers a
    translation is asked for, so no new audience."""
    said = READS_LANGUAGE.search(t, at)
    return said is not None and at < said.start() <= at + len(name) + 1


def _answer_body(text: str) -> str:
    """An answer without its apology, correction cue and framing of whom the request is for ("Apologies, I should
    have said: it's intended for the night owls" → "for the night owls"): a formal writer's answer is read like the
    plain "for the night owls". Its self-repairs come first, as in a request ("the night owls no sorry the early
    birds" → "the early birds"), before the apology of the repair is cut."""
    cut = PURPOSE_FRAME.sub(" ", CORRECTION.sub(" ", without_courtesy(written(text))))
    return re.sub(r"^[\s,，.。:：;；!！-]+", "", cut).strip() or text


def _recommend_for_one(route: Route, text: str, t: str) -> Route:
    """A weak reading of a message that says none of its intent's words but asks for recommendations for one
    person ("有个重点客户下周要回访，烦请给他做一版个性化推荐", "a key account visits Monday, pick some products for
    her"): recommendations for that customer, whose id is asked or taken from context."""
    if route.confidence >= CONFIDENT or route.intent in ("recommend_user", "recommend_segment") or \
            says_intent_verb(route.intent, t) or not (says_intent_verb("recommend_user", t) and ONE_PERSON.search(t)):
        return route
    return replace(route, intent="recommend_user", slots=extract_slots("recommend_user", text, route.language))


def _copy_after_plan(route: Route, t: str) -> str | None:
    """The clause asking for the copy in a message read as a plan that signs the plan off first ("方案对齐了，文案也
    一并输出一版", "plan looks solid, now the copy please"), else None: the sign-off is no request (nor a name)."""
    split = LEAD_CLAUSE.match(t.strip()) if route.intent == "plan_campaign" else None
    asks = split is not None and says_intent_verb("write_copy", split.group(2)) and \
        not says_intent_verb("plan_campaign", split.group(2))
    return split.group(2) if asks else None


def _copy_not_plan(route: Route, text: str, t: str, last_intent: str | None) -> Route:
    """A plan reading of a message that says the copy's own verb and none of a plan's ("针对这个群出一封邮件，打九折",
    "draft an sms for them with 10% off"): the piece of copy it asks for. After a plan, its copy is weighed with
    the plan (see `_copy_after_plan`, `ConversationState._change_of_last_turn`)."""
    if route.intent != "plan_campaign" or last_intent == "plan_campaign" or \
            not says_intent_verb("write_copy", t) or says_intent_verb("plan_campaign", t):
        return route
    return replace(route, intent="write_copy", slots=extract_slots("write_copy", text, route.language))


# What a follow-up changes in a copy (or plan) and in nothing else
COPY_EDITS = ("length", "channel", "offer_pct", "offer")


@dataclass(frozen=True)
class Turn:
    """What the chat will do for one message.

    intent, slots        the resolved intent and slots (follow-ups carry the previous intent)
    language             the language to answer in ("en" / "zh")
    from_context         slots filled from the conversation, for "I took segment 3 from our conversation"
    needs_confirmation   a state-changing action that must be confirmed before it runs
    ask                  the slot to ask for (None = ready to run)
    confirmed            this turn runs an action the user just confirmed
    """

    intent: str
    slots: dict[str, Any]
    language: str
    confidence: float = 1.0
    from_context: tuple[str, ...] = ()
    needs_confirmation: bool = False
    ask: str | None = None
    confirmed: bool = False
    injection: bool = False


# Turns that are no request a follow-up could continue
_NOT_REMEMBERED = (UNKNOWN, "confirm", "cancel", "help", "smalltalk", "undo", "save_workspace", "load_workspace")


@dataclass
class ConversationState:
    """Per-session memory: the last intent and slots, and the last segment, customer, campaign, copy, audience."""

    last_intent: str | None = None
    last_slots: dict[str, Any] = field(default_factory=dict)
    segment: int | str | None = None           # last single segment talked about (id once resolved)
    segments: list[int | str] = field(default_factory=list)   # last compared segments, in order
    recent_segments: list[int | str] = field(default_factory=list)   # single segments talked about, oldest first
    customer: str | None = None
    campaign: str | None = None
    copy: Any = None                            # the last copy variants (for "make it shorter")
    audience: dict[str, Any] | None = None
    language: str = "en"
    pending: Turn | None = None                 # waiting for yes / no
    asking: Turn | None = None                  # waiting for a missing slot

    # ------------------------------------------------------------------ resolution
    def resolve(self, route: Route, text: str) -> Turn:
        """The turn to run for `route` (the router's reading of `text`) in this conversation."""
        text = simplified(text)              # as the router read it: Simplified Mandarin
        t = normalise(text)
        lang = route.language
        injection = is_injection(t) or bool(BULK_IDS.search(t))
        had_pending = self.pending is not None
        if self.pending is not None:
            pending, self.pending = self.pending, None
            # a drawn-out yes is a yes ("yesss", "lets gooo", "okkk")
            if YES.search(re.sub(r"([a-z])\1{2,}", r"\1", t)) and not injection and not refuses(t):
                return self._accept(pending, text, lang)
            if NO.search(t) or refuses(t) or route.intent == "cancel":
                return Turn("cancel", {}, lang, route.confidence)
            if route.intent == "confirm" and route.confidence >= 0.8 and not injection and not HEDGED.search(t) \
                    and not refuses(t):
                return self._accept(pending, text, lang)     # "that works for me": a sure agreement, not a "maybe"
        undo = self._undo_of_last_change(route, t)
        if undo is not None:
            return undo
        if route.intent in ("confirm", "cancel") and not had_pending:
            change = self._plain_change(route, text, t)
            if change is not None:      # "走推送，九折", "可以再短点吗": nothing waits for a yes, it changes the last turn
                route = replace(route, intent="follow_up", slots=change)
        if route.intent in ("confirm", "cancel") or (len(t) <= 12 and (YES.fullmatch(t.strip(" .!。！")) or
                                                                   NO.fullmatch(t.strip(" .!。！")))):
            intent = route.intent if route.intent in ("confirm", "cancel") else \
                "confirm" if YES.fullmatch(t.strip(" .!。！")) else "cancel"
            return Turn(intent, {}, lang, route.confidence)
        asked: Turn | None = None
        if self.asking is not None:
            asked, self.asking = self.asking, None
            filled = self._change_of_asked(asked, route, text) or self._answer_to(asked, route, t)
            if filled is not None:
                return filled
        if injection and route.intent not in STATE_CHANGING:
            return Turn(UNKNOWN, {}, lang, route.confidence, injection=True)
        copy_asked = _copy_after_plan(route, t) if self.last_intent == "plan_campaign" else None
        if self.last_intent == "plan_campaign" and (route.intent in (*_NO_REQUEST, "follow_up") and
                                                    says_intent_verb("write_copy", t) or copy_asked):
            # "now write the copy", "文案顺便也出一下" right after a plan, which the router cannot place alone: the
            # plan's copy (its segment, channel and offer are filled from context below)
            route = replace(route, intent="write_copy", slots=extract_slots("write_copy", copy_asked or text, lang))
        route, proposed = self._reread_empty(route, text, t)
        route = self._reread_after(route, text, t)
        route = _recommend_for_one(route, text, t)
        route = _copy_not_plan(route, text, t, self.last_intent)
        intent, slots, from_context = route.intent, dict(route.slots), []
        if self._not_a_new_audience(intent, slots.get("segment"), t):
            slots = self._without_segment(intent, slots, t)     # the segment talked about is filled in below
        chosen = self._one_of_compared(route, t)
        if chosen is not None:          # "dig into the latter", "前面那个详细讲讲" right after a comparison
            return Turn("describe_segment", {"segment": chosen}, lang, route.confidence, ("segment",),
                        injection=injection)
        change = self._correction(route, t)
        if change is None:
            change = self._change_of_last_turn(route, text)
        if change is None:
            change = self._same_for_another(route, t)
        if change is None:
            change = self._count_for_last(route, t)
        if change is None:
            change = self._new_id_for_last(route, t)
        if change is None:
            change = self._edit_of_copy(route, t)
        if change is not None:
            intent, slots = "follow_up", change
        elif intent != UNKNOWN and route.confidence < CONFIDENT and not re.search(r"[A-Za-z\u4e00-\u9fff]", t):
            # a bare "8" or "#25" that answers no question and changes nothing of the last turn could be a segment,
            # a campaign, a customer or a count: a weak guess at one is no request; the chat asks
            return Turn(UNKNOWN, {}, lang, route.confidence)
        if intent == "follow_up" and self.last_intent is None:
            # nothing to follow up: a complete request that merely looks like one ("write a push for the
            # high spenders") takes the router's next-best reading
            # (a runner-up whose own verb the message says comes first: "draft a push about the grand reopening"
            # is copy, whatever "reopening" looks like)
            others = [(name, p) for name, p in route.alternatives if name != "follow_up"]
            other = next(((name, p) for name, p in others if p >= 0.1 and says_intent_verb(name, t)),
                         others[0] if others else None)
            words = re.search(r"[A-Za-z\u4e00-\u9fff]", t)   # a bare "8" or "#25" is no request: ask
            if other is None or other[1] < (0.1 if says_intent_verb(other[0], t) else 0.2) or other[0] == UNKNOWN or \
                    not words:
                return Turn(UNKNOWN, {}, lang, route.confidence)
            intent, slots = other[0], extract_slots(other[0], text, lang)
        if intent == "follow_up" and self.last_intent in STATE_CHANGING and not any(
                value is not None and name in SLOT_NAMES.get(self.last_intent, ()) for name, value in slots.items()):
            # "make it shorter" right after a segmentation changes nothing of it: never re-run a state change on
            # a follow-up that does not apply to it
            return Turn(UNKNOWN, {}, lang, route.confidence)
        if intent == "follow_up" and self.last_intent not in ("write_copy", "plan_campaign") and \
                any(slots.get(name) is not None for name in ("length", "channel")) and \
                not any(value is not None and name in SLOT_NAMES.get(self.last_intent, ())
                        for name, value in slots.items()):
            # "这么长谁看 弄短", "换成推送吧" after a data question (or after a copy request that failed): an edit of
            # copy when there is none; the last question is not re-run as if it had been changed
            return Turn("follow_up", {name: slots[name] for name in COPY_EDITS if slots.get(name) is not None}, lang,
                        route.confidence)
        if intent == "follow_up":
            intent, slots, from_context = self._follow_up(slots, text, lang)
        if intent == "recommend_user" and slots.get("user_id") is None and self.customer is None and \
                self.segment is not None and BACK_REFERENCE.search(t):
            intent, slots = "recommend_segment", extract_slots("recommend_segment", text, lang)  # "给他们推荐商品"
            if self._not_a_new_audience(intent, slots.get("segment"), t):
                slots = self._without_segment(intent, slots, t)       # "recs for that cluster": "cluster" is the pointer
        named = slots.get("segment") if intent == "recommend_segment" else None
        if intent == "recommend_segment" and self.segment is None and ONE_PERSON.search(t) and \
                (named is None or isinstance(named, str) and ONE_PERSON.match(named)):
            # "有位熟客，想推荐些东西给他" with no segment talked about: recommendations for one customer (whose id is
            # asked), not for a segment nobody named ("有位老顾客" read as a name is that one person)
            intent, slots = "recommend_user", extract_slots("recommend_user", text, lang)
        if intent in SLOT_NAMES and intent != UNKNOWN:
            self._fill_from_context(intent, slots, t, from_context)
        missing = missing_slots(intent, slots) if intent in REQUIRED_SLOTS else ()
        if asked is not None and intent == asked.intent and missing[:1] == (asked.ask,):
            # "send it tomorrow morning" after "Which segment?" for a push: no answer, and the same request still
            # waits for the same slot; what was said of it before (the push) stays, what is said now is added
            slots = {**asked.slots, **{name: value for name, value in slots.items() if value is not None}}
        turn = Turn(intent, slots, lang, route.confidence, tuple(from_context), injection=injection,
                    ask=missing[0] if missing else None)
        confidence = route.confidence
        if intent == "undo" and self.last_intent == "segment" and UNDO_VERB.search(t):
            # "please go back to the earlier segments" right after a re-segmentation: the verb says it plainly,
            # however unsure the router is of the rest of the sentence (hedges and questions still ask first)
            confidence = max(confidence, CONFIDENT)
        if intent in STATE_CHANGING and (proposed or not is_explicit_request(intent, text, confidence)) or \
                intent in ASKS_FIRST:
            turn = replace(turn, needs_confirmation=True)
        return turn

    def _reread_empty(self, route: Route, text: str, t: str) -> tuple[Route, bool]:
        """(route, proposed): a reading that asks for nothing (no intent won; a data question naming no metric)
        re-read from what the message does say.
          - A number of segments proposes re-segmenting ("tbh 6 segs might work better?", "5个群是不是更清楚"):
            proposed=True, so it is confirmed first whatever the wording (it was read from a weak route).
          - A runner-up intent whose own verb the message uses is meant ("请为该客群推荐6款商品": the count reads
            like a ranking, the verb says recommend)."""
        if route.intent != UNKNOWN and not (route.intent == "data_question" and not route.slots.get("metrics")):
            return route, False
        named = extract_segment(t, route.language)
        if extract_n_segments(t) is not None and not isinstance(named, int) and named != ALL_SEGMENTS and \
                (HEDGED.search(t) or PROPOSAL.search(t) or EXPLICIT_SEGMENT.search(t)):
            return replace(route, intent="segment", slots=extract_slots("segment", text, route.language)), True
        if route.intent == "data_question":
            runner = next((name for name, p in route.alternatives[1:] if p >= 0.1 and
                           name not in (UNKNOWN, "follow_up", "data_question") and says_intent_verb(name, t)), None)
            if runner is not None:
                return replace(route, intent=runner, slots=extract_slots(runner, text, route.language)), False
        return route, False

    def _reread_after(self, route: Route, text: str, t: str) -> Route:
        """A reading the router could not place (no intent won, not surely out of scope), re-read from what it says
        and the turn before:
          - a question naming a metric ("帮我看看全店客单价", "whats the basket size overall") is a data question,
            when the router has it among its readings;
          - a weak undo without an undo verb that names a metric ("rev trend by week pls") is that question;
          - right after a campaign's evaluation, asking whom to send to ("so who do we hit next?", "那下次发给谁",
            also read as a follow-up that changes nothing) is the next-campaign question about that campaign
            (its id is filled from context below);
          - right after a re-segmentation, a message the router could not place that says a verb of taking back
            ("the new clusters are far less actionable, so please revert to what we had before") is the undo
            the router half read (it runs only as `is_explicit_request` allows)."""
        if route.intent == UNKNOWN and self.last_intent == "segment" and UNDO_VERB.search(t) and \
                "undo" in {name for name, p in route.alternatives[:3] if p >= 0.1}:
            return replace(route, intent="undo", slots={})
        targets = self.last_intent in ("evaluate_campaign", "next_campaign") and \
            extract_next_campaign_focus(t) == "target"
        if route.intent == "follow_up" and targets and \
                not any(v is not None for k, v in route.slots.items() if k not in ("channel", "offer", "offer_pct")):
            # "and who do we send the holiday mailer to?": a follow-up that changes nothing of the evaluation (the
            # next send's channel is no part of it)
            return replace(route, intent="next_campaign", slots=extract_slots("next_campaign", text, route.language))
        readings = {name: p for name, p in route.alternatives[:3] if p >= 0.1}
        if route.intent == "undo" and route.confidence < CONFIDENT and not UNDO_VERB.search(t) and \
                "data_question" in readings and asked_metrics(t, route.language):
            # "rev trend by week pls": a weak undo that says no verb of taking back ("rev" looks like "revert")
            # but names a metric is the question; an undo is never guessed
            return replace(route, intent="data_question", slots=extract_slots("data_question", text, route.language))
        if route.intent != UNKNOWN or route.confidence >= CONFIDENT:
            return route          # a sure "none of mine" ("what is apple's revenue this year") stays unknown
        if "data_question" in readings and asked_metrics(t, route.language):
            return replace(route, intent="data_question", slots=extract_slots("data_question", text, route.language))
        if targets and "next_campaign" in readings:
            return replace(route, intent="next_campaign", slots=extract_slots("next_campaign", text, route.language))
        return route

    def _undo_of_last_change(self, route: Route, t: str) -> Turn | None:
        """"no, roll it back" right after a re-segmentation ran: nothing waits for a yes, so it cannot cancel; it
        undoes. Its confidence is that of both readings of taking something back (cancel + undo), so a weak one
        still asks first."""
        if route.intent != "cancel" or self.last_intent != "segment" or not UNDO_VERB.search(t):
            return None
        readings = dict(route.alternatives)
        confidence = readings.get("cancel", route.confidence) + readings.get("undo", 0.0)
        turn = Turn("undo", {}, route.language, confidence)
        return turn if is_explicit_request("undo", t, confidence) else replace(turn, needs_confirmation=True)

    def _plain_change(self, route: Route, text: str, t: str) -> dict[str, Any] | None:
        """The changes of the last turn in a message read as a yes / no while nothing waits for one ("走推送，九折",
        "ok, by email with 10% off", "可以再短点吗" after a copy, "sorry, I meant monthly"): its channel, offer,
        length or correction are no answer. A
        refusal ("no, don't") stays one; a leading "ok" / "好的" / "可以" only opens the change."""
        if REFUSAL.search(t):
            return None
        unsure = replace(route, intent=UNKNOWN, confidence=0.0)
        body = LEAD_YES.sub("", text.strip()) or text
        # an apologetic correction ("不好意思 我是说按月") reads like a "no" too
        return self._change_of_last_turn(unsure, body) or self._correction(unsure, t) or self._edit_of_copy(unsure, t)

    def _correction(self, route: Route, t: str) -> dict[str, Any] | None:
        """The changes of the last turn in a correction ("sorry, I meant month-wise, not week-wise", "my mistake,
        it should be for segment 5, not the joint families", "我是说第3组，不是第2组") or a narrowing of it ("only
        for segment 2, please", "只看第2组"): what is taken back ("not …", "不是…") is dropped, and the rest must
        be made only of slot values of the last turn (see `slot_change`). A message using another intent's own
        verb ("sorry, write an email instead") is that request; a state change is never repeated this way. A filter's
        label before the narrowing ("add a filter: only …") and a closing "how is it?" ("光看…咋样") ask nothing else."""
        t = FILTER_LABEL.sub("", t)       # "再加个筛选条件：只要第2组": the narrowing after the label
        if self.last_intent not in SLOT_NAMES or self.last_intent in STATE_CHANGING or \
                not (CORRECTION.search(t) or NARROW.search(t)):
            return None
        if route.intent not in (UNKNOWN, "follow_up", self.last_intent) and says_intent_verb(route.intent, t):
            return None
        body = re.sub(r"\b(month|week|day|quarter|year)-?wise\b", r"\1", NEGATED.sub(" ", t))
        body = NARROW.sub("", without_courtesy(CORRECTION.sub(" ", body))).strip()
        narrowed = HOW_IS_IT.sub("", NARROW_VERB.sub("", body))     # "光看学生娃的咋样" names 学生娃的
        named = _bare_audience(narrowed, route.language) if NARROW.search(t) else None   # "光看新来的"
        if names_no_people_zh(named):
            named = None      # "只要数字": a bare narrowing names people ("新来的", "银发族", "老主顾"), not a thing
        change = slot_change(narrowed, route.language, self.last_intent) or \
            ({"segment": named, "cued": True} if named is not None else None) or \
            slot_change(body, route.language, self.last_intent)
        if change is None:
            return None
        change.pop("cued")
        names = SLOT_NAMES[self.last_intent]
        if not any(name in names for name in change):
            return None
        return {name: change.get(name) for name in SLOT_NAMES["follow_up"]}

    def _same_for_another(self, route: Route, t: str) -> dict[str, Any] | None:
        """The changes of "the same again for another audience" ("identical brief, seg 5", "okay do the regulars the
        same way", "00后学生党也安排一条"): the last turn with the new segment (and whatever else the message changes),
        keeping everything else of its brief, its length wish too. The router cannot tell alone whom "the same" is
        for, so it reads anything; a message that uses another intent's own verb ("also recommend products to the
        regulars") is that request, and a state change is never repeated this way."""
        if self.last_intent not in SLOT_NAMES or self.last_intent in STATE_CHANGING or \
                "segment" not in SLOT_NAMES[self.last_intent] or not SAME_BRIEF.search(t):
            return None
        if route.intent not in (*_NO_REQUEST, "follow_up", self.last_intent) and route.confidence >= CONFIDENT and \
                says_intent_verb(route.intent, t) or self._says_other_verb(t):
            return None
        rest = re.sub(r"[也都还]$", "", without_courtesy(SAME_BRIEF.sub(" ", t)).strip(" ,，.。!！?？~～")).strip()
        change = slot_change(rest, route.language, self.last_intent) or {}
        change.pop("cued", None)
        if change.get("segment") is None:
            # a bare name is the topic said before the cue ("00后学生党也安排一条", "学生党照这个来一份"); words after
            # it are a wish about the copy ("similar one but funnier", "同样来一条 语气活泼点"), not an audience
            if re.search(r"[a-z\u4e00-\u9fff]", t[SAME_BRIEF.search(t).end():], re.I):
                return None
            bare = _bare_audience(rest, route.language)
            if bare is None:
                return None
            change = {"segment": bare}
        return {name: change.get(name) for name in SLOT_NAMES["follow_up"]}

    def _new_task(self, route: Route, text: str) -> bool:
        """A sure reading of another request whose own verb the message says, and not the last one's ("那给这组人写个
        短信" after recommendations, "ok now write them an email" after a description): a new task, however much it
        opens like a follow-up ("那…") or names only slot values of the last turn; it is never swallowed as the
        last request again (the plan and its copy are weighed in `_change_of_last_turn`)."""
        pair = {route.intent, self.last_intent} <= {"plan_campaign", "write_copy"}
        return not pair and route.intent not in (*_NO_REQUEST, "follow_up", self.last_intent) and \
            route.confidence >= CONFIDENT and says_intent_verb(route.intent, text) and \
            self._says_other_verb(normalise(text))

    def _says_other_verb(self, t: str) -> bool:
        """`t` says another intent's own verb and not the last one's ("第2组也推荐下" after a copy): "the same" is
        then that other request, not the last one again."""
        return not says_intent_verb(self.last_intent, t) and any(
            says_intent_verb(name, t) for name in SLOT_NAMES if name not in (self.last_intent, "follow_up"))

    def _count_for_last(self, route: Route, t: str) -> dict[str, Any] | None:
        """The changes of a bare count right after a ranked answer ("三个就够" after recommendations for a customer,
        "five is plenty" after the top products): the number to show. Alone it names no request, so the router
        reads anything, even confidently ("挑3个最好的就够了" looks like a top-products question); a confident
        reading stays only when the message says that intent's own verb."""
        if self.last_intent not in SLOT_NAMES or "top_k" not in SLOT_NAMES[self.last_intent] or \
                route.intent not in (*_NO_REQUEST, "follow_up", self.last_intent) and route.confidence >= CONFIDENT \
                and says_intent_verb(route.intent, t):
            return None
        lead = self._lead_of(t, route.language)
        count = count_only(t) or (None if lead is None else count_only(lead))
        return None if count is None else {**dict.fromkeys(SLOT_NAMES["follow_up"]), "top_k": count}

    def _new_id_for_last(self, route: Route, t: str) -> dict[str, Any] | None:
        """The changes of "the same for another customer / campaign" right after a request about one ("Thank you.
        And for subscriber 40912, if you would be so kind?", "那16号活动呢"): the new id. The router reads such a
        courteous, id-only message as chit-chat; it must open like a follow-up ("and …", "what about …", "那…") and,
        its courtesy cut, say one id and little else. A confident reading of its own stays."""
        names = SLOT_NAMES.get(self.last_intent or "", ())
        key = "user_id" if "user_id" in names else "campaign_id" if "campaign_id" in names else None
        if key is None or "segment" in names or \
                route.intent not in (*_NO_REQUEST, "follow_up", self.last_intent) and route.confidence >= CONFIDENT:
            return None
        rest = without_courtesy(t)
        if not ANOTHER_ONE.search(rest) or len(rest.split()) > 6 or len(rest) > 40 or \
                isinstance(extract_segment(rest, route.language), int):
            return None           # "and for segment 3?" after a campaign names a segment, no campaign
        found = lone_id(rest)
        return None if found is None else {**dict.fromkeys(SLOT_NAMES["follow_up"]), key: found}

    def _edit_of_copy(self, route: Route, t: str) -> dict[str, Any] | None:
        """The changes of an edit of the copy just written that the router read as something else: its length
        ("way too long, trim it down", "字数压一压") or its language ("could you also produce it in Chinese?").
        Only when the router names no intent of its own (nothing, or a weak reading), or the message points at
        the copy without that intent's verb; the segment stays (a word of the edit names no audience)."""
        if self.last_intent != "write_copy" or route.intent == "follow_up":
            return None      # that reading carries the length and language itself, beside a new segment
        complaint = LENGTH_COMPLAINT.search(t)
        named = route.slots.get("segment")
        if route.intent == "write_copy" and not (complaint and isinstance(named, str) and complaint.group(0) in named):
            return None      # a copy request carries its own length; unless all it "named" is the complaint
        length, language = _length_wish(t), extract_explicit_language(t)
        if length is None and language is None:
            return None
        weak = route.intent in _NO_REQUEST or route.confidence < 0.5
        # "could you produce it in Chinese?" read as a search; but "what's the revenue of this segment, in Chinese?"
        # is a data question that found its own slots
        pointed = bool(COPY_POINTER.search(t)) and not says_intent_verb(route.intent, t) and \
            route.confidence < CONFIDENT and not any(v is not None for k, v in route.slots.items() if k != "language")
        if not (weak or pointed):
            return None
        pct, offer = extract_offer(t)
        return {**dict.fromkeys(SLOT_NAMES["follow_up"]), "length": length, "language": language,
                "channel": extract_channel(t), "offer_pct": pct, "offer": offer}

    def _not_a_new_audience(self, intent: str, name: Any, t: str) -> bool:
        """True when the segment name read from `t` is no new audience, so the segment talked about stays:
          - the copy itself read as a name ("see the actual message copy", "正式的推送文案");
          - a fragment cut from the words around a pointer back at that segment ("这批人占了" out of
            "这批人占了多少GMV", "请针" out of "请针对该人群制定…"): it overlaps the pointer, or beside a Chinese
            pointer it names no people;
          - the topic of an edit of the copy just written ("make it a bit longer, with more details about the
            knives"): the message changes the copy's length or language, points at the copy, and does not say the
            name as its audience ("for …", "给…")."""
        if not isinstance(name, str) or name == ALL_SEGMENTS:
            return False
        if intent == "write_copy" and COPY_THING.search(name.strip()):
            return True                   # "now let me see the actual message copy": the copy itself, no audience
        if self.segment is None:
            return False
        if POINTER_NAME.fullmatch(name.strip()):
            return True                   # "write the message for the same": the pointer read as a name
        at = t.find(name)
        for pointer in BACK_REFERENCE.finditer(t):
            ref = pointer.group(0)
            if ref in ("it", "him", "her"):
                continue
            overlaps = ref in name or name in ref or (at >= 0 and at < pointer.end() and pointer.start() < at + len(name))
            if not overlaps and at >= 0 and pointer.start() == at + len(name):
                continue                  # the name the pointer points at: "宝妈那群人呢" is the 宝妈
            if overlaps or (re.search(r"[\u4e00-\u9fff]", ref) and not re.search(PEOPLE_ZH, name)):
                return True
        # "also need it in chinese for the sh team", "most locals read chinese, so …", "for the mainland folks":
        # who reads the translation
        readers = READERS.search(name.strip()) or LANGUAGE_PEOPLE.search(name) or at >= 0 and (
            READERS.match(t[at + len(name):].split(" ")[0]) or _reads_in(at, name, t))
        if intent in ("write_copy", "follow_up") and self.last_intent == "write_copy" and \
                extract_explicit_language(t) and readers:
            return True
        if intent in ("write_copy", "follow_up") and self.last_intent == "write_copy" and COPY_POINTER.search(t) and \
                (extract_length(t) or extract_explicit_language(t)):
            return at < 0 or not AUDIENCE_CUE.search(t[:at])
        return False

    @staticmethod
    def _without_segment(intent: str, slots: dict[str, Any], t: str) -> dict[str, Any]:
        """`slots` with the segment left out, and the slots the wrong name had hidden read again from the whole
        text (a metric or offer word inside it: "占了多少gmv" is a revenue share)."""
        slots = {**slots, "segment": None}
        if "metrics" in slots:
            slots["metrics"] = extract_metrics(t) or slots["metrics"]
        if "offer" in slots and slots.get("offer") is None:
            slots["offer_pct"], slots["offer"] = extract_offer(t)
        return slots

    def _accept(self, pending: Turn, text: str, language: str) -> Turn:
        """The confirmed proposal, with what the answer changes of it ("ok, but 5 groups", "好的，用k-means"): the
        user confirmed the changed action, so it runs as changed."""
        changed = {name: value for name, value in extract_slots(pending.intent, text, language).items()
                   if value is not None and name != "language"}
        return replace(pending, slots={**pending.slots, **changed}, language=language, needs_confirmation=False,
                       confirmed=True)

    def _one_of_compared(self, route: Route, text: str) -> int | str | None:
        """The segment an ordinal picks out of the pair just compared ("the latter", "前面那个"), when the message
        asks for nothing else (the router reads it as a follow-up, a comparison or nothing); a new pair or
        another intent ("write copy for the former") is left to the usual resolution. A weak reading of another
        intent whose own verb the message does not say is a guess from the ordinal's few words ("第二个再展开讲讲"
        read as a recommendation): it asks for nothing else either, unless it names a metric ("how big is the
        first one?" is a question about it)."""
        if self.last_intent != "compare_segments" or not self.segments:
            return None
        if route.intent not in (UNKNOWN, "follow_up", "compare_segments", "describe_segment") and \
                (route.confidence >= CONFIDENT or says_intent_verb(route.intent, text) or
                 asked_metrics(text, route.language)):
            return None
        ordinal = ORDINAL_ONE.search(text)
        if ordinal is None or extract_segment_list(text, route.language):
            return None
        named = extract_segment(text, route.language)
        if isinstance(named, str) and (ordinal.group(0).strip() in named or PAIR_WORDS.search(named) or
                                       OF_THE_PAIR.search(text) or ORDINAL_NAME.fullmatch(named.strip())):
            # "explain in detail about the first of these two", "the latter of the two" → "two", "first of the
            # pair", "the first lot": the pointer itself, and the pair decides
            named = None
        if names_no_people_zh(named):
            named = None                  # "前面那个细说说呗亲": a leftover ("呗亲") names no people, the ordinal decides
        if isinstance(named, int) and ORDINAL_NAME.search(text) and not re.search(r"\d(?!st|nd)", text):
            named = None                  # "the second group" is the second of the pair, not group 2
        if named is not None:
            return None
        return self.segments[ORDINAL_BACK.get(ordinal.group(1) or ordinal.group(0), 0)]

    def _lead_of(self, t: str, language: str) -> str | None:
        """The lead clause of a message whose rest is a remark that asks for nothing ("And for segment 3? They
        suspect that group skews higher.", "Only the top 3 for that one, the client's template has three slots."),
        else None. The readers of a change take the whole message as slot values and framing, so a remark (a reason,
        a guess) would hide the change. A remark is a statement (no question) that uses no intent's verb and names
        no slot value of the last turn other than the one it has (or the lead says again: "top 5, AC is 5 items
        max"): "…. Also write them an email" or "…. what is their revenue share?" ask for something themselves. What
        the reader can take in is no verb of a request ("多了他也看不过来", "周环比更能看出问题")."""
        split = LEAD_CLAUSE.match(t.strip())
        if split is None or self.last_intent not in SLOT_NAMES:
            return None
        rest = ABILITY.sub(" ", split.group(2))    # "多了他也看不过来": a reason, no wish to look at anything
        if re.search(r"[?？吗]\s*$", rest) or any(says_intent_verb(name, rest) for name in SLOT_NAMES):
            return None
        said = {name: value for name, value in extract_slots("follow_up", rest, language).items() if value is not None}
        if asked_metrics(rest, language):
            said["metrics"] = asked_metrics(rest, language)
        names = SLOT_NAMES[self.last_intent]
        # a value the lead says, said again in the remark, is no other change ("top 5, AC is 5 items max")
        lead = extract_slots("follow_up", split.group(1), language)
        lead["top_k"] = lead.get("top_k") or count_only(split.group(1))     # "cut it to the best 6"
        if "metrics" in said and "metrics" not in names or any(name in names and value not in (
                self.last_slots.get(name), lead.get(name)) for name, value in said.items()):
            return None
        return split.group(1)

    def _change_of_last_turn(self, route: Route, text: str) -> dict[str, Any] | None:
        """The slots `text` changes when it only re-aims the last turn ("use 15% off", "改用邮件发", "同样的给
        流失客户", "所有分群呢") and the router read it as something else; None = take the router's reading.

        The router judges one message alone, so a bare change often looks like another intent (an offer alone
        looks like a sample-size question); with a previous turn whose slots it changes, it is a follow-up.
        The router still wins when it confidently names an intent that takes those slots itself, unless the
        message opens like a follow-up ("same for …", "那…呢"); and always when it is sure of another request whose
        own verb the message says ("那给这组人写个短信" after recommendations: see `_new_task`)."""
        if self.last_intent not in SLOT_NAMES or route.intent == "follow_up":
            return None
        lead = self._lead_of(normalise(text), route.language)
        # (a brief's field labels name the slot of the value after them: "渠道走邮件，利益点满300减40")
        plain = BRIEF_LABEL.sub(" ", without_courtesy(normalise(text)))
        change = slot_change(text, route.language, self.last_intent) or \
            slot_change(plain, route.language, self.last_intent) or \
            (None if lead is None else slot_change(BRIEF_LABEL.sub(" ", without_courtesy(lead)), route.language,
                                                   self.last_intent))
        if change is None:
            return None
        cued = change.pop("cued")
        if not set(change) & set(SLOT_NAMES[self.last_intent]) or self._new_task(route, text):
            return None
        routed = set(SLOT_NAMES.get(route.intent, ()))
        # a sibling intent read from slot values alone ("用公众号推文，九五折" after a plan reads like copy) is a
        # change of the last turn unless the message uses that intent's own verb ("写文案")
        pair = route.intent in ("plan_campaign", "write_copy") and self.last_intent in ("plan_campaign", "write_copy")
        sibling = pair and not says_intent_verb(route.intent, text)
        if pair and route.intent != self.last_intent and not sibling and not cued:
            return None     # "短信也帮我写了" after a plan, however unsure the router: the copy of that plan
        if cued or sibling or route.intent in (UNKNOWN, self.last_intent) or route.confidence < 0.5 or \
                not set(change) & routed:
            return {name: change.get(name) for name in SLOT_NAMES["follow_up"]}
        return None

    def _follow_up(self, changes: dict[str, Any], text: str, language: str) -> tuple[str, dict[str, Any], list[str]]:
        intent, slots = self.last_intent, dict(self.last_slots)
        if intent == "compare_segments":
            pair = extract_segment_list(normalise(text), language)
            if pair:                       # "第3组和第4组呢" after a comparison: a new pair
                return intent, {**slots, "segments": pair}, []
        names = SLOT_NAMES.get(intent, ())
        if "segment" not in names and not isinstance(extract_segment(normalise(text), language), int):
            # "what about #25" after a campaign, "hh 3817" / "and for card 300915?" after a customer: the id
            # ("and segment 3?" is none)
            changes = dict(changes)
            if "campaign_id" in names and changes.get("campaign_id") is None:
                changes["campaign_id"] = extract_campaign_id(normalise(text))
            if "user_id" in names and changes.get("user_id") is None:
                changes["user_id"] = extract_user_id(normalise(text))
        from_context = [k for k, v in slots.items() if v is not None and k != "language"]
        wish = _length_wish(normalise(text)) if "length" in names and changes.get("length") is None else None
        if wish is not None:
            # "this would land better at half the length": a wish only a copy in context gives a meaning
            changes = {**changes, "length": wish}
        if "channel" in names:
            changes = dict(changes)
            self._switched_channel(changes, normalise(text))
        for key, value in changes.items():
            if value is None or key not in names:
                continue
            if key == "offer_pct" or key == "offer":
                slots["offer_pct"], slots["offer"] = changes.get("offer_pct"), changes.get("offer")
            else:
                slots[key] = value
            if key in from_context:
                from_context.remove(key)
        if intent == "compare_segments" and changes.get("segment") is not None:
            slots["segments"] = [*(slots.get("segments") or [])[:1], changes["segment"]]
        return intent, slots, from_context

    def _switched_channel(self, changes: dict[str, Any], text: str) -> None:
        """A message naming the copy's channel and another ("短信不得劲 换推送", "sms is meh, switch to push") changes
        to the other one: the one said first is usually the one complained about, so the router's first is wrong."""
        old = self.last_slots.get("channel")
        if old is None or changes.get("channel") != old:
            return
        for clause in reversed(re.split(r"[\s,，。;；!！?？]+", text)):
            channel = extract_channel(clause) if clause else None
            if channel is not None and channel != old:
                changes["channel"] = channel
                return

    def _fill_from_context(self, intent: str, slots: dict[str, Any], text: str, from_context: list[str]) -> None:
        names = SLOT_NAMES[intent]
        back = bool(BACK_REFERENCE.search(text))
        if "segment" in names and slots.get("segment") is None:
            ordinal = ORDINAL_ONE.search(text)
            if ordinal and self.segments:
                key = ordinal.group(1) or ordinal.group(0)
                slots["segment"] = self.segments[ORDINAL_BACK.get(key, 0)]
                from_context.append("segment")
            elif self.segment is not None and (back or "segment" in REQUIRED_SLOTS.get(intent, ())):
                slots["segment"] = self.segment
                from_context.append("segment")
        if intent == "compare_segments" and slots.get("segments") is None and len(self.recent_segments) == 2 and \
                BOTH.search(text):       # "compare these two" after talking about two segments
            slots["segments"] = list(self.recent_segments)
            from_context.append("segments")
        if "user_id" in names and slots.get("user_id") is None and self.customer and back:
            slots["user_id"] = self.customer
            from_context.append("user_id")
        if "campaign_id" in names and slots.get("campaign_id") is None and self.campaign and \
                (back or intent in ("next_campaign", "sample_size")):
            slots["campaign_id"] = self.campaign
            from_context.append("campaign_id")
        if intent == "write_copy" and self.last_intent in ("plan_campaign", "write_copy"):
            keys = ("channel", "offer_pct", "offer") + (("length",) if self.last_intent == "write_copy" else ())
            said_offer = slots.get("offer") is not None or slots.get("offer_pct") is not None
            for key in keys:   # "now write the copy" after a plan; "用英文写" after "再短一点"
                if key in ("offer", "offer_pct") and said_offer:
                    continue   # an offer is one thing: "包邮" replaces "八五折" and its percentage
                if slots.get(key) is None and self.last_slots.get(key) is not None:
                    slots[key] = self.last_slots[key]
                    from_context.append(key)

    def _answer_to(self, asked: Turn, route: Route, text: str) -> Turn | None:
        """`text` answers the question asked for `asked.ask` ("segment 0", "1029", "the lapsing ones"). An answer
        is short; one the router reads as nothing else (or as the asked request) may be a polite sentence ("I would
        like it for my best customers, please.")."""
        # a weak reading of anything else is no request of its own either ("That one is having the number 12.")
        words, chars = (6, 30) if route.intent not in (UNKNOWN, "follow_up", "describe_segment", asked.intent) and \
            route.confidence >= CONFIDENT else (14, 60)
        slot = asked.ask
        body = _answer_body(text)
        framed = slot_change(text, route.language, asked.intent) or \
            slot_change(body, route.language, asked.intent)        # "For the bulk-buying joint families."
        if (len(text.split()) > words and not re.search(r"[\u4e00-\u9fff]", text) or len(text) > chars) and \
                not (framed and framed.get(slot) is not None):
            return None
        value: Any = None
        if slot == "segment":
            # the courtesy and a label around the name name nobody ("oh for the organic millennials sry",
            # "target = promo junkies", "受众：宝妈")
            # (after a label, the whole rest is the name: "promo junkies" are people, not a promotion)
            unlabelled = body
            named = ANSWER_LABEL.sub("", unlabelled).strip() or text
            value = extract_segment(named, route.language)
            if named != unlabelled.strip() and not isinstance(value, int) and len(named.split()) <= 5:
                value = re.sub(r"^(?:the|our|my|all)\s+", "", named, flags=re.I).strip(" .!?。！？") or value
            if value is None and text.strip().isdigit():
                value = int(text.strip())
            if value is None and (route.intent in ("follow_up", UNKNOWN, "describe_segment") or named != text.strip()):
                value = (route.slots.get("segment") if named == text.strip() else None) or \
                    clean_segment_phrase(named, route.language)
            sent = SEND_TO.match(text.strip()) if asked.intent in ("write_copy", "plan_campaign") else None
            if value is None and sent is not None and not sent.group(0).lower().startswith("to"):
                # "发高客单用户", "send it to the big spenders": whom to send the asked copy to answers, whatever
                # the router reads into the name alone ("客单" looks like a metric)
                value = _bare_audience(text.strip()[sent.end():], route.language)
            send = SEND_TO.match(value) if isinstance(value, str) and asked.intent in ("write_copy", "plan_campaign") \
                else None
            if send is not None and value[send.end():].strip():
                value = value[send.end():].strip()   # "发VIP老客": whom to send the asked copy to is the audience
        elif slot == "user_id":
            value = extract_user_id(text) or lone_id(text) or \
                (text.strip() if re.fullmatch(r"[A-Za-z_-]*\d[\w-]*", text.strip()) else None)
        elif slot == "campaign_id":
            value = extract_campaign_id(text) or lone_id(text)
        elif slot == "product":
            value = text.strip() or None
        if value is None:
            return None
        # the answer may say more of the same request ("the vips, by sms", "给新会员，包邮"): it is taken too
        said = {name: found for name, found in extract_slots(asked.intent, text, route.language).items()
                if found is not None and name in _CARRIED_BY_ANSWER}
        if "language" in SLOT_NAMES.get(asked.intent, ()) and extract_explicit_language(text):
            said["language"] = extract_explicit_language(text)
        slots = {**asked.slots, **said, slot: value}
        if slot == "product":
            slots["product_is_id"] = bool(re.fullmatch(r"\d+", str(value)))
        return replace(asked, slots=slots, ask=None, from_context=asked.from_context)

    @staticmethod
    def _change_of_asked(asked: Turn, route: Route, text: str) -> Turn | None:
        """A change of the request the chat is still asking about ("make it a push" after "Which segment?", "加上
        包邮"): the request changes and the question stands."""
        change = slot_change(text, route.language, asked.intent)
        if change is None or change.get(asked.ask) is not None:     # "the vips, by sms" answers: see _answer_to
            return None
        said = {name: value for name, value in change.items()
                if name in SLOT_NAMES.get(asked.intent, ()) and name != asked.ask}
        if not said:
            return None
        if "offer" in said or "offer_pct" in said:          # an offer is one thing: "包邮" replaces "八五折"
            said["offer_pct"], said["offer"] = change.get("offer_pct"), change.get("offer")
        return replace(asked, slots={**asked.slots, **said})

    # ------------------------------------------------------------------ memory
    def remember_failed(self, turn: Turn) -> None:
        """Keep a request that failed on a value the user gave (an offer, a name) as the last request, so a
        follow-up that changes that value runs it again ("买二送一" refused → "那就包邮吧"). Its segment, customer and
        campaign are not taken as what the conversation is about: they may be the value that failed."""
        if turn.ask is None and not turn.needs_confirmation and turn.intent not in _NOT_REMEMBERED:
            self.language = turn.language
            self.last_intent, self.last_slots = turn.intent, dict(turn.slots)

    def remember(self, turn: Turn, *, segment: int | str | None = None) -> None:
        """Record a turn that ran (or asked): later follow-ups refer to it. `segment` = the resolved segment id."""
        self.language = turn.language
        if turn.ask is not None:
            self.asking = turn
            return
        if turn.needs_confirmation:
            self.pending = turn
            return
        if turn.intent in _NOT_REMEMBERED:
            return
        self.last_intent, self.last_slots = turn.intent, dict(turn.slots)
        chosen = segment if segment is not None else turn.slots.get("segment")
        if chosen is not None and chosen != ALL_SEGMENTS:
            self.segment = chosen
            self.recent_segments = [*(s for s in self.recent_segments if s != chosen), chosen][-2:]
        if turn.slots.get("segments"):
            self.segments = list(turn.slots["segments"])
        if turn.slots.get("user_id"):
            self.customer = str(turn.slots["user_id"])
        if turn.slots.get("campaign_id"):
            self.campaign = str(turn.slots["campaign_id"])
        if turn.intent == "audience":
            self.audience = dict(turn.slots)


def load_dialogues(path) -> list[dict[str, Any]]:
    """A labelled set of dialogues: a YAML list of {id, lang, part, turns: [{text, intent, slots, ask?, confirm?}]}."""
    from pathlib import Path

    import yaml
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for item in items:
        if not item.get("turns") or any("text" not in t or "intent" not in t for t in item["turns"]):
            raise ValueError(f"dialogue {item.get('id')} in '{path}': every turn needs text and intent")
    return items


def evaluate_dialogues(router, dialogues) -> Any:
    """Play each dialogue through a fresh `ConversationState` (segments assumed to exist) and compare every turn:
    the resolved intent, every slot of it (unlisted → default), the asked slot and the confirmation flag.
    Returns a DataFrame: dialogue, part, lang, turn, text, expected, intent, intent_ok, slots_ok, wrong (text)."""
    import pandas as pd

    from assistant.chat.router import _slot_equal, slot_default
    rows = []
    for dialogue in dialogues:
        state = ConversationState(language=dialogue.get("lang", "en"))
        for n, spec in enumerate(dialogue["turns"]):
            turn = state.resolve(router.route(spec["text"]), spec["text"])
            state.remember(turn)
            want = dict(spec.get("slots") or {})
            lang = dialogue.get("lang", "en")
            intent_ok = turn.intent == spec["intent"] and (turn.ask or None) == spec.get("ask") and \
                turn.needs_confirmation == bool(spec.get("confirm"))
            wrong = []
            for slot in SLOT_NAMES.get(spec["intent"], ()):
                expected = want.get(slot, slot_default(spec["intent"], slot, lang))
                got = turn.slots.get(slot) if turn.intent == spec["intent"] else None
                if not _slot_equal(expected, got) and not (expected is None and got is None):
                    wrong.append(f"{slot}: want {expected!r} got {got!r}")
            rows.append({"dialogue": dialogue.get("id"), "part": dialogue.get("part", "tuning"), "lang": lang,
                         "turn": n, "text": spec["text"], "expected": spec["intent"], "intent": turn.intent,
                         "ask": turn.ask, "confirm": turn.needs_confirmation, "intent_ok": intent_ok,
                         "slots_ok": intent_ok and not wrong, "wrong": "; ".join(wrong)})
    return pd.DataFrame(rows)


__all__ = ["ConversationState", "Turn", "STATE_CHANGING", "load_dialogues", "evaluate_dialogues"]
