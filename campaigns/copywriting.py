"""Campaign copy from a plan and a persona, with the checks a marketer cannot skip done in code.

The prompt (prompts/campaign_copy.yaml) asks for the right thing; this module makes sure of it:
- no discount above the configured offer (regenerate once, then replace/strip the claim with a note),
- no personal data (e-mail addresses, phone numbers, known user ids): regenerate once, then the variant is
  rejected,
- channel length limits (trimmed at a word boundary, with a flag) — enforced by `CampaignCopy`'s validator.
Only the persona (segment-level text) and featured product titles (fenced as untrusted) go into the prompt.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.core.errors import LLMOutputError
from campaigns.strategy import CampaignPlan, Offer

log = logging.getLogger(__name__)

PROMPT = "campaign_copy"
LIMITS: dict[str, int] = {"subject": 60, "preheader": 100, "cta": 40, "sms": 160, "push_title": 40,
                          "push_body": 120, "body": 1500}
SMS_LIMIT_ZH = 70  # one UCS-2 SMS segment
ANGLES = {
    "en": ["the value of the offer", "the featured products and why this group will like them",
           "a timely, seasonal reason to shop now", "convenience and saving time"],
    "zh": ["优惠带来的实惠", "推荐商品以及这群顾客喜欢它们的理由", "应季、及时的购买理由", "方便省时"],
}
TEXT_FIELDS: tuple[str, ...] = ("subject", "preheader", "body", "cta", "sms", "push_title", "push_body")


class CopyRejected(LLMOutputError):
    """No variant passed the checks (e.g. every one contained personal data)."""


# ------------------------------------------------------------------------------------------------ the models
class CopyDraft(BaseModel):
    """What the LLM fills in (no length limits here: over-long text is trimmed with a flag, not refused)."""

    subject: str = Field(description="e-mail subject line")
    preheader: str = Field(description="preview text shown after the subject")
    body: str = Field(description="e-mail body, 2 to 4 sentences")
    cta: str = Field(description="call-to-action button text, 2 to 4 words")
    sms: str = Field(description="text message")
    push_title: str = Field(description="app notification title")
    push_body: str = Field(description="app notification text")


def _limit(field: str, language: str) -> int:
    return SMS_LIMIT_ZH if field == "sms" and language == "zh" else LIMITS[field]


def trim_text(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters at a word (or Chinese punctuation) boundary, adding '…'."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    boundary = max(cut.rfind(" "), *(cut.rfind(p) + 1 for p in "，。！？；、,.!?;"))
    if boundary >= limit // 2:
        cut = cut[:boundary]
    return cut.rstrip(" ,;:，、；：") + "…"


class CampaignCopy(BaseModel):
    """One copy variant. Limits: subject 60, preheader 100, sms 160 (70 in Chinese), push title 40 / body 120.

    Over-long fields are trimmed at a word boundary on construction and listed in `trimmed`.
    """

    model_config = ConfigDict(validate_assignment=True)

    language: Literal["en", "zh"] = "en"
    channel: Literal["email", "sms", "push"] = "email"
    variant: int = 1
    subject: str
    preheader: str = ""
    body: str
    cta: str = ""
    sms: str = ""
    push_title: str = ""
    push_body: str = ""
    trimmed: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _trim(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        language = data.get("language", "en")
        trimmed = list(data.get("trimmed") or [])
        for name in TEXT_FIELDS:
            value = data.get(name)
            if value is None:
                continue
            limit = _limit(name, language)
            if len(str(value)) > limit:
                data[name] = trim_text(value, limit)
                if name not in trimmed:
                    trimmed.append(name)
        data["trimmed"] = trimmed
        return data

    @model_validator(mode="after")
    def _check_limits(self) -> "CampaignCopy":
        for name in TEXT_FIELDS:
            if len(getattr(self, name)) > _limit(name, self.language):  # only reachable via assignment
                raise ValueError(f"{name} is longer than {_limit(name, self.language)} characters")
        return self

    def text(self) -> str:
        return "\n".join(getattr(self, name) for name in TEXT_FIELDS)


# ------------------------------------------------------------------------------------------------ checks
_NUM = r"(\d+(?:[.,]\d+)?)"
_CUR = r"[$€£¥￥]"
PERCENT_CLAIMS = [
    re.compile(_NUM + r"\s*%\s*(?:off|discount|savings?|cheaper|less|折扣|优惠|的优惠|off)", re.I),
    re.compile(r"(?:save|saving|savings of|discount of|up to|extra|get|enjoy|take)\s*" + _NUM + r"\s*%", re.I),
    re.compile(r"(?:优惠|立减|减|省|折扣|低至|高达)\s*" + _NUM + r"\s*%"),
    re.compile(_NUM + r"\s*%\s*(?:折|减)"),
]
AMOUNT_CLAIMS = [
    re.compile(_CUR + r"\s*" + _NUM + r"\s*(?:off|discount|back)", re.I),
    re.compile(r"(?:save|saving|discount of|get|take)\s*" + _CUR + r"\s*" + _NUM, re.I),
    re.compile(_NUM + r"\s*(?:dollars?|euros?|bucks|yuan|元|块)\s*(?:off|discount)", re.I),
    re.compile(r"(?:立减|减|省|优惠|满\d+减)\s*[¥￥]?\s*" + _NUM + r"\s*(?:元|块)?"),
]
ZHE = re.compile(r"(\d(?:\.\d)?)\s*折")  # Chinese "8折" = pay 80% = 20% off
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{5,}\d(?![\w.])")


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def discount_claims(text: str) -> list[tuple[str, str, float]]:
    """Every discount claim in `text` as (kind, matched text, value): kind "percent" or "amount"."""
    claims: list[tuple[str, str, float]] = []
    seen: set[tuple[int, int]] = set()
    for kind, patterns in (("percent", PERCENT_CLAIMS), ("amount", AMOUNT_CLAIMS)):
        for pattern in patterns:
            for match in pattern.finditer(text):
                if match.span() in seen:
                    continue
                seen.add(match.span())
                claims.append((kind, match.group(0), _number(match.group(1))))
    for match in ZHE.finditer(text):
        value = _number(match.group(1))
        if 0 < value < 10:
            claims.append(("percent", match.group(0), round((10 - value) * 10, 1)))
    return claims


def excess_discounts(text: str, offer: Offer) -> list[str]:
    """Claims that promise more than the configured offer."""
    out = []
    for kind, matched, value in discount_claims(text):
        allowed = offer.max_percent if kind == "percent" else offer.max_amount
        if value > allowed + 1e-9:
            out.append(matched)
    return out


def personal_data(text: str, known_ids: Iterable[str] = ()) -> list[str]:
    """E-mail addresses, phone numbers (7+ digits) and known user ids (whole tokens, 4+ characters) in `text`."""
    found = [m.group(0) for m in EMAIL.finditer(text)]
    found += [m.group(0) for m in PHONE.finditer(text) if sum(c.isdigit() for c in m.group(0)) >= 7]
    tokens = set(re.findall(r"[\w-]+", text))
    found += [uid for uid in known_ids if len(uid) >= 4 and uid in tokens]
    return found


def _fix_discounts(value: str, offer: Offer) -> str:
    """Replace over-generous numbers with the offer's, or drop the sentence when the offer has none."""
    for kind, matched, amount in discount_claims(value):
        allowed = offer.max_percent if kind == "percent" else offer.max_amount
        if amount <= allowed + 1e-9:
            continue
        if allowed > 0:
            if matched.endswith("折"):
                fixed = ZHE.sub(f"{(100 - allowed) / 10:g}折", matched)
            else:
                fixed = matched.replace(re.search(_NUM, matched).group(0), f"{allowed:g}", 1)
            value = value.replace(matched, fixed)
        else:
            sentences = re.split(r"(?<=[.!?。！？])\s*", value)
            value = " ".join(s for s in sentences if matched not in s).strip()
    return value


# ------------------------------------------------------------------------------------------------ generation
def _persona_text(persona) -> str:
    if persona is None:
        return "(no persona given)"
    get = (persona.get if isinstance(persona, dict) else lambda k, d=None: getattr(persona, k, d))
    parts = [f"{k}: {get(k)}" for k in ("name", "tagline", "description", "motivations", "price_sensitivity",
                                         "preferred_channels", "preferred_times", "suggested_offers") if get(k)]
    return "\n".join(parts) or str(persona)


def _products_text(plan: CampaignPlan) -> str:
    if not plan.products:
        return "(no specific products)"
    lines = []
    for p in plan.products:
        extra = f" ({p.category})" if p.category else ""
        lines.append(f"- {p.title}{extra}")
    return "\n".join(lines)


def _offer_text(offer: Offer, language: str) -> str:
    if offer.type == "none":
        return "无折扣（不要提任何折扣）" if language == "zh" else "no discount (do not mention any discount)"
    if language == "zh" and offer.type == "percent_off":
        return f"{offer.value:g}% 的折扣（即{(100 - offer.value) / 10:g}折），不能更多"
    return f"{offer.description} — no more than that"


def _problems(draft: CopyDraft, offer: Offer, known_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    text = "\n".join(getattr(draft, name) for name in TEXT_FIELDS)
    return excess_discounts(text, offer), personal_data(text, known_ids)


def write_copy(plan: CampaignPlan, persona=None, n_variants: int = 3, language: str = "en",
               channel: str | None = None, llm=None, *, known_user_ids: Iterable[str] = ()) -> list[CampaignCopy]:
    """`n_variants` copy variants for `plan`, each checked (discount cap, personal data, lengths).

    `llm` is anything with `structured(prompt, variables, schema, language=...)` (default: `get_llm()`).
    `known_user_ids` are ids that must never appear in copy (e.g. the segment's members).
    Raises CopyRejected when every variant failed the personal-data check twice.
    """
    from assistant.core.prompts import normalise_language

    language = normalise_language(language)
    channel = channel or plan.channel
    if n_variants < 1:
        raise ValueError("n_variants must be at least 1")
    if llm is None:
        from assistant.core.llm import get_llm

        llm = get_llm()
    known = [str(u) for u in known_user_ids]
    base = {"persona_untrusted": _persona_text(persona), "products_untrusted": _products_text(plan),
            "offer": _offer_text(plan.offer, language), "channel": channel}
    angles = ANGLES[language]
    copies: list[CampaignCopy] = []
    rejected: list[str] = []
    for i in range(n_variants):
        variables = {**base, "angle": angles[i % len(angles)], "feedback": ""}
        draft = llm.structured(PROMPT, variables, CopyDraft, language=language)
        notes: list[str] = []
        excess, pii = _problems(draft, plan.offer, known)
        if excess or pii:
            issues = ([f"it promised more than the offer ({', '.join(excess)})"] if excess else []) + \
                     (["it contained contact data or ids"] if pii else [])
            log.warning("campaign copy variant %d failed checks (%s); regenerating once", i + 1, "; ".join(issues))
            feedback = ("上一版不合格：" if language == "zh" else "The previous attempt was rejected because ") + \
                "; ".join(issues) + ("。请改正。" if language == "zh" else ". Fix that.")
            draft = llm.structured(PROMPT, {**variables, "feedback": feedback}, CopyDraft, language=language)
            notes.append(f"Regenerated once: {'; '.join(issues)}.")
            excess, pii = _problems(draft, plan.offer, known)
        if pii:
            rejected.append(f"variant {i + 1}: personal data {pii}")
            continue
        fields = draft.model_dump()
        if excess:
            for name in TEXT_FIELDS:
                fields[name] = _fix_discounts(fields[name], plan.offer)
            if not fields["subject"].strip():
                fields["subject"] = plan.products[0].title if plan.products else (
                    "为你精选" if language == "zh" else "Picked for you")
            notes.append(f"Discount claims {excess} exceeded the configured offer ({plan.offer.description}) "
                         "and were corrected or removed.")
        copies.append(CampaignCopy(language=language, channel=channel, variant=i + 1, notes=notes, **fields))
    if not copies:
        raise CopyRejected("every copy variant was rejected by the personal-data check: " + "; ".join(rejected))
    if rejected:
        extra = [f"Rejected (personal data): {r}" for r in rejected]
        copies[0] = copies[0].model_copy(update={"notes": copies[0].notes + extra})
    return copies
