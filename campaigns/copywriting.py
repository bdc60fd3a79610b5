"""Campaign copy from a (possibly edited) plan: grounded, gated, with a template that always stands.

How a variant is made:
1. The brief is built by code: the offer phrase (`copy_templates.offer_words`: "15% off" / "八五折"), the product
   names (cleaned and policy-checked for the channel: `assistant.core.policy`), the audience in words (persona
   tagline and motivations, fenced). No statistics go in, so none can leak out.
2. The template variant for the same angle is built first (deterministic, passes every gate).
3. With an LLM, it writes the channel's fields (prompts/copy_<channel>.yaml); every field runs the named gates
   of `assistant.core.gates` (no leaked statistics, prompt text, markers, self-commentary, placeholders, persona
   name; the offer stated exactly; no claim outside the brief; only given numbers; nothing the policy excludes;
   channel format; the language asked for; an SMS's opt-out instruction) plus a personal-data check. Every SMS,
   whoever wrote it, ships with the opt-out instruction of its language appended by code (`shipped_fields`),
   once, and is checked with it: the LLM is told to leave it out and how many characters it has without it.
   A failing answer is asked again once with the failures named; if it fails again, or the LLM is slow (per-call
   and total budgets) or down, the template variant stands. `source` tells the marketer which one they got: llm / llm-retry / template; `notes` (shown
   behind a details toggle) say why.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.budget import BudgetExceeded, call_within
from assistant.core.errors import LLMOutputError, LLMUnavailable
from assistant.core.gates import COPY_GATES, FIELD_LIMITS, GateContext, check_fields, retry_feedback
from assistant.core.policy import MarketingPolicy, consumer_name, zh_product_name
from assistant.core.vocabulary import sms_opt_out, with_sms_opt_out
from campaigns.copy_templates import CHANNEL_FIELDS, angles, offer_words, template_fields
from campaigns.strategy import CampaignPlan

log = logging.getLogger(__name__)

TEXT_FIELDS: tuple[str, ...] = ("subject", "preheader", "body", "cta", "sms", "push_title", "push_body")
Source = Literal["llm", "llm-retry", "template"]


class CopyRejected(LLMOutputError):
    """Kept for callers that catch it; the template fallback means write_copy no longer raises it."""


# ------------------------------------------------------------------------------------------------ the models
class EmailDraft(BaseModel):
    subject: str = Field(description="e-mail subject line")
    preheader: str = Field(description="preview text after the subject")
    body: str = Field(description="2 or 3 short sentences")
    cta: str = Field(description="button text, 2 to 4 words")


class SmsDraft(BaseModel):
    sms: str = Field(description="one short text message")


class PushDraft(BaseModel):
    push_title: str = Field(description="notification title")
    push_body: str = Field(description="notification text, one sentence")


DRAFTS: dict[str, type[BaseModel]] = {"email": EmailDraft, "sms": SmsDraft, "push": PushDraft, "wechat": PushDraft}
PROMPTS = {"email": "copy_email", "sms": "copy_sms", "push": "copy_push", "wechat": "copy_push"}


class CampaignCopy(BaseModel):
    """One copy variant. Only the fields of `channel` are filled; `source` says who wrote it."""

    model_config = ConfigDict(validate_assignment=True)

    language: Literal["en", "zh"] = "en"
    channel: Literal["email", "sms", "push", "wechat"] = "email"
    variant: int = 1
    subject: str = ""
    preheader: str = ""
    body: str = ""
    cta: str = ""
    sms: str = ""
    push_title: str = ""
    push_body: str = ""
    source: Source = "template"
    angle: str = ""
    notes: list[str] = Field(default_factory=list)

    def fields(self) -> dict[str, str]:
        """The customer-facing fields of this channel, in display order."""
        return {name: getattr(self, name) for name in CHANNEL_FIELDS[self.channel]}

    def text(self) -> str:
        return "\n".join(self.fields().values())


# ------------------------------------------------------------------------------------------------ checks
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{5,}\d(?![\w.])")


def personal_data(text: str, known_ids: Iterable[str] = ()) -> list[str]:
    """E-mail addresses, phone numbers (7+ digits) and known user ids (whole tokens, 4+ characters) in `text`."""
    found = [m.group(0) for m in EMAIL.finditer(text)]
    found += [m.group(0) for m in PHONE.finditer(text) if sum(c.isdigit() for c in m.group(0)) >= 7]
    tokens = set(re.findall(r"[\w-]+", text))
    found += [uid for uid in known_ids if len(uid) >= 4 and uid in tokens]
    return found


def copy_failures(fields: dict[str, str], ctx: GateContext, known_ids: Iterable[str] = ()) -> list[str]:
    """Every gate failure of a draft as 'field: reason' (empty list = sendable)."""
    failures = [str(f) for f in check_fields(fields, COPY_GATES, ctx)]
    pii = personal_data("\n".join(fields.values()), known_ids)
    if pii:
        failures.append(f"it contains personal data ({', '.join(pii[:3])})")
    return failures


def brief_context(plan: CampaignPlan, persona, language: str, channel: str,
                  policy: MarketingPolicy) -> tuple[list[str], GateContext]:
    """The product names the copy may use (policy-checked for the channel, cleaned, ZH names in Chinese) and
    the gate context of the brief."""
    seen: dict[str, tuple[str, str | None]] = {}
    for p in plan.products:
        name = consumer_name(p.title)
        if name and name.lower() not in seen and policy.allows(p.category, p.title, channel=channel):
            seen[name.lower()] = (name, p.category)
    names = [n for n, _ in seen.values()]
    if language == "zh":
        names = list(dict.fromkeys(zh_product_name(n, c) for n, c in seen.values()))
    persona_name = _get(persona, "name")
    background = (str(_get(persona, "tagline", "") or ""), *map(str, _get(persona, "motivations", []) or []))
    ctx = GateContext(language=language, channel=channel, offer_kind=plan.offer.type, offer_value=plan.offer.value,
                      product_names=tuple(names), persona_name=persona_name, policy=policy,
                      brief_phrases=tuple(p for p in background if p), restock=plan.restock)
    return names[:3], ctx


def _get(obj, name: str, default=None):
    if obj is None:
        return default
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def _audience(persona, language: str) -> str:
    """The persona in customer terms only (tagline + motivations): no statistics, no internal name."""
    if persona is None:
        return "顾客喜欢实惠和方便。" if language == "zh" else "Customers who like good value and convenience."
    parts = [str(_get(persona, "tagline", "") or "")]
    motivations = _get(persona, "motivations", []) or []
    if motivations:
        parts.append(("他们看重：" if language == "zh" else "They care about: ") + "; ".join(map(str, motivations)))
    return "\n".join(p for p in parts if p)


# The note on template copy when the caller asked for the default and no model was chosen (MKT_COPY_LLM; notes
# are English, for logs: the chat translates them)
TEMPLATE_COPY_NOTE = ("Template copy: the packaged small model does not write sendable copy; set MKT_COPY_LLM=on "
                      "to try it, or configure a stronger model (OPENAI_BASE_URL or MKT_LOCAL_MODEL).")


# ------------------------------------------------------------------------------------------------ generation
def shipped_fields(channel: str, fields: dict[str, str], language: str) -> dict[str, str]:
    """The fields as they are sent: an SMS ends with the opt-out instruction of its language, exactly once
    (one the writer added is replaced). Templates, LLM answers and edited texts all go through here."""
    if channel == "sms" and "sms" in fields:
        return {**fields, "sms": with_sms_opt_out(fields["sms"], language)}
    return fields


def sms_room(language: str) -> int:
    """Characters the writer of an SMS may use: one message less the opt-out instruction and its separator, with
    a margin because small models count characters loosely."""
    limit = FIELD_LIMITS["sms"][1 if language == "zh" else 0]
    return int((limit - len(sms_opt_out(language)) - 2) * 0.9)


def _ask(llm, channel: str, variables: dict, language: str, budget: float) -> dict[str, str]:
    schema = DRAFTS[channel]
    draft = call_within(lambda: llm.structured(PROMPTS[channel], variables, schema, language=language), budget)
    draft = draft if isinstance(draft, schema) else schema.model_validate(draft)
    return {k: " ".join(str(v).split()) if k != "body" else str(v).strip() for k, v in draft.model_dump().items()}


def write_copy(plan: CampaignPlan, persona=None, n_variants: int = 3, language: str = "en",
               channel: str | None = None, llm=None, *, known_user_ids: Iterable[str] = (), use_llm: bool = True,
               policy: MarketingPolicy | None = None, time_budget_s: float = 60.0,
               call_budget_s: float = 20.0) -> list[CampaignCopy]:
    """`n_variants` sendable variants for the given (possibly edited) `plan`; every shipped variant passes the
    gates. use_llm=False (or llm=None with no LLM available) returns the template variants at once."""
    from assistant.core.prompts import normalise_language

    language = normalise_language(language)
    channel = channel or plan.channel
    if channel not in CHANNEL_FIELDS:
        raise ValueError(f"unknown channel '{channel}'; use one of {sorted(CHANNEL_FIELDS)}")
    if n_variants < 1:
        raise ValueError("n_variants must be at least 1")
    policy = policy or MarketingPolicy()
    from assistant.core.llm import optional_llm
    llm = optional_llm(llm, use_llm, "copy")
    known = [str(u) for u in known_user_ids]
    names, ctx = brief_context(plan, persona, language, channel, policy)
    offer = offer_words(plan.offer.type, plan.offer.value, language)
    base = {"audience_untrusted": _audience(persona, language),
            "products_untrusted": "\n".join(f"- {n}" for n in names) or (
                ("（常买好物）" if plan.restock else "（精选好物）") if language == "zh"
                else "(their usual favourites)" if plan.restock else "(products picked for them)"),
            "offer": offer.prompt}
    if channel == "sms":
        base["max_chars"] = sms_room(language)
    deadline = time.monotonic() + time_budget_s
    copies: list[CampaignCopy] = []
    variant_angles = angles(language, plan.restock)
    for i in range(n_variants):
        angle = variant_angles[i % len(variant_angles)]
        template = CampaignCopy(language=language, channel=channel, variant=i + 1, angle=angle, source="template",
                                **shipped_fields(channel, template_fields(i, channel, names, offer, language,
                                                                 plan.restock), language))
        if llm is None:
            if use_llm and copies and copies[-1].notes:
                template = template.model_copy(update={"notes": ["Template kept: the language model was too slow "
                                                                 "or unavailable for an earlier variant."]})
            copies.append(template)
            continue
        copy, llm = _llm_variant(llm, template, channel, {**base, "angle": angle}, language, ctx, known,
                                 deadline, call_budget_s)
        copies.append(copy)
    return copies


def _llm_variant(llm, template: CampaignCopy, channel: str, variables: dict, language: str, ctx: GateContext,
                 known: list[str], deadline: float, call_budget_s: float) -> tuple[CampaignCopy, object]:
    """(variant, llm or None when it went down): the LLM's variant if it passes (first try or one retry)."""
    notes: list[str] = []
    feedback = ""
    for attempt, source in ((1, "llm"), (2, "llm-retry")):
        remaining = deadline - time.monotonic()
        if remaining <= 1.0:
            notes.append("Template kept: the time budget for the language model was used up.")
            return template.model_copy(update={"notes": notes}), llm
        try:
            fields = _ask(llm, channel, {**variables, "feedback": feedback}, language, min(call_budget_s, remaining))
            fields = shipped_fields(channel, fields, language)
        except BudgetExceeded as exc:  # the abandoned request still occupies the model: do not queue more
            notes.append(f"Template kept: {exc}.")
            return template.model_copy(update={"notes": notes}), None
        except LLMUnavailable as exc:
            notes.append(f"Template kept: the language model is unavailable ({str(exc)[:160]}).")
            return template.model_copy(update={"notes": notes}), None
        except LLMOutputError as exc:
            notes.append(f"Attempt {attempt}: unusable answer ({str(exc)[:160]}).")
            continue
        failures = copy_failures(fields, ctx, known)
        if not failures:
            return template.model_copy(update={**fields, "source": source, "notes": notes}), llm
        notes.append(f"Attempt {attempt} failed: " + "; ".join(failures))
        feedback = retry_feedback(failures, language)
    notes.append("Template kept after the retry failed.")
    return template.model_copy(update={"notes": notes}), llm
