"""The sentence → filter step: deterministic rules first, the LLM (grammar-enforced JSON) for what they miss.

The rules (`audience_parser.parse_rules`) are exact on the common patterns; when they leave words they could not
place, the sentence goes to the LLM with the `AudienceFilter` JSON schema (on llama.cpp the schema is a grammar,
so even the 0.5B model returns valid JSON). The LLM only ADDS conditions the rules did not set — it never
overrides one they understood — and whatever neither understood is reported back, never silently dropped.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pydantic import model_validator

from assistant.core.errors import LLMOutputError, LLMUnavailable
from segmentation.audience import AudienceFilter, PurchaseCondition, condition_phrases
from segmentation.audience_parser import category_key, is_chinese, parse_rules

log = logging.getLogger(__name__)
PROMPT = "audience_filter"


@dataclass(frozen=True)
class ParsedSentence:
    """A filter from a sentence, where it came from ("rules", "rules+llm", "llm") and what was not understood."""

    filter: AudienceFilter
    source: str
    language: str
    not_understood: tuple[str, ...] = field(default_factory=tuple)
    model_added: tuple[str, ...] = field(default_factory=tuple)  # conditions only the LLM read: to be checked


class ModelAnswer(AudienceFilter):
    """The schema the model fills (same JSON schema, so the same grammar). A small model writes 0 or "" for
    "not asked" where the schema wants null — a grammar cannot express `ge=1` — so those read as unset."""

    @model_validator(mode="before")
    @classmethod
    def _zero_means_unset(cls, data):
        if not isinstance(data, dict):
            return data

        def unset(value):
            return value == "" or (type(value) in (int, float) and value == 0)

        data = {k: (None if unset(v) and k not in ("purchases", "segments") else v) for k, v in data.items()}
        if isinstance(data.get("purchases"), list):
            data["purchases"] = [{**p, "within_days": None if unset(p.get("within_days")) else p.get("within_days")}
                                 for p in data["purchases"] if isinstance(p, dict) and str(p.get("category", "")).strip()]
        return data


def llm_filter(sentence: str, llm: Any, language: str) -> AudienceFilter:
    """The LLM's filter for the whole sentence (raises LLMUnavailable / LLMOutputError)."""
    answer = llm.structured(PROMPT, {"sentence": sentence}, ModelAnswer, language=language)
    return AudienceFilter(**answer.model_dump())


def merge(rules: AudienceFilter, model: AudienceFilter) -> AudienceFilter:
    """The rules' filter plus the conditions only the model found (the rules win where both set a field)."""
    data = rules.model_dump()
    extra = model.model_dump()
    if extra["purchases"]:  # a Chinese category the rules could not translate: the model's English one replaces it
        data["purchases"] = [p for p in data["purchases"] if not is_chinese(p["category"])]
    for name, value in extra.items():
        if name == "purchases":
            known = {(category_key(p["category"]), p["bought"]) for p in data["purchases"]}
            data["purchases"] += [p for p in value if (category_key(p["category"]), p["bought"]) not in known]
        elif name == "segments":
            data["segments"] = data["segments"] or value
        elif data[name] is None and value is not None:
            data[name] = value
    data["purchases"] = [PurchaseCondition(**p) for p in data["purchases"]]
    return AudienceFilter(**data)


def parse_sentence(sentence: str, llm: Any = None, *, mode: str = "auto") -> ParsedSentence:
    """mode "auto": rules, then the LLM only if the rules left something; "rules": rules only; "llm": LLM only."""
    language = "zh" if is_chinese(sentence) else "en"
    if mode == "llm":
        return ParsedSentence(filter=llm_filter(sentence, llm, language), source="llm", language=language)
    parsed = parse_rules(sentence)
    if parsed.complete or mode == "rules" or llm is None:
        return ParsedSentence(filter=parsed.filter, source="rules", language=language,
                              not_understood=tuple(parsed.unparsed))
    try:
        model = llm_filter(sentence, llm, language)
    except (LLMUnavailable, LLMOutputError) as exc:
        log.warning("audience LLM step failed (%s); keeping the rule-based filter", exc)
        return ParsedSentence(filter=parsed.filter, source="rules", language=language,
                              not_understood=tuple(parsed.unparsed))
    merged = merge(parsed.filter, model)
    # What the rules missed is now covered only if the model added something; otherwise keep reporting it.
    known = set(condition_phrases(parsed.filter, language))
    added = tuple(p for p in condition_phrases(merged, language) if p not in known)
    return ParsedSentence(filter=merged, source="rules+llm", language=language,
                          not_understood=() if added else tuple(parsed.unparsed), model_added=added)
