"""Personas: a readable name and marketing brief for each segment, written by the LLM from aggregates only.

The prompt (prompts/persona.yaml) receives `SegmentProfiles.segment_summary(s)` — segment-level numbers and
product/category texts, fenced as untrusted — and nothing else. Answers are cached on disk by
sha256(summary JSON, language, prompt version, model name), so a re-run with the same data and model does not
ask again. When no LLM is available (or it answers badly twice), a rule-based persona built from the
distinguishing features is returned instead, clearly marked "(auto-named, LLM unavailable)" in its name and
with `generated_by="rules"`, so no one mistakes it for the LLM's work. Fallbacks are never cached.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from assistant.config import PROMPTS_DIR
from assistant.llm_errors import LLMOutputError, LLMUnavailable
from segmentation.profiles import SegmentProfiles

log = logging.getLogger(__name__)

PROMPT_NAME = "persona"
AUTO_MARK = {"en": "(auto-named, LLM unavailable)", "zh": "（自动命名，LLM 不可用）"}
CACHE_FILE = "personas.json"


class PersonaContent(BaseModel):
    """What the LLM writes (the structured-output schema)."""
    name: str = Field(description="Short persona name, 2-5 words")
    tagline: str = Field(description="One short sentence")
    description: str = Field(description="3-4 sentences: who they are, what they buy, how they shop")
    motivations: list[str] = Field(description="2-4 short buying motivations")
    price_sensitivity: Literal["low", "medium", "high"]
    preferred_channels: list[str] = Field(description="1-3 marketing channels")
    preferred_times: str = Field(description="When to reach them")
    suggested_offers: list[str] = Field(description="2-4 concrete offers")


class Persona(PersonaContent):
    """A persona of one segment, with where it came from."""
    segment_id: int
    language: str = "en"
    generated_by: Literal["llm", "rules"] = "llm"


# ---------------------------------------------------------------- cache
def prompt_version() -> int:
    data = yaml.safe_load((PROMPTS_DIR / f"{PROMPT_NAME}.yaml").read_text(encoding="utf-8"))
    return int(data["version"])


def model_name(llm) -> str:
    for attr in ("backend_name", "model_name", "model"):
        value = getattr(llm, attr, None)
        if isinstance(value, str) and value:
            return value
    return type(llm).__name__


def cache_key(summary: dict, language: str, version: int, model: str) -> str:
    payload = json.dumps({"summary": summary, "language": language, "prompt_version": version, "model": model},
                         sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _read_cache(path: Path | None) -> dict:
    if path is None or not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        log.warning("persona cache %s is unreadable; it will be rebuilt", path)
        return {}


def _write_cache(path: Path, cache: dict) -> None:
    """Atomic replace so an interrupted run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".personas-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(cache, fh, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


# ---------------------------------------------------------------- rule-based fallback
def _ratio(summary: dict, metric: str) -> float | None:
    b = summary.get("behaviour", {}).get(metric)
    if not b or not b.get("all_customers_median"):
        return None
    return (b.get("segment_median") or 0.0) / b["all_customers_median"]


def _last_level(category: str) -> str:
    return category.split(" > ")[-1].strip().title()


def rule_based_persona(summary: dict, language: str = "en", reason: str = "unavailable") -> Persona:
    """A plain persona from the numbers: spend / frequency / recency against all customers + top category."""
    zh = language == "zh"
    mark = AUTO_MARK["zh" if zh else "en"]
    if reason != "unavailable":
        mark = mark.replace("unavailable", reason).replace("不可用", "输出无效")
    s = int(summary["segment"])
    if s == -1 or "behaviour" not in summary:
        small = s != -1
        name = ("小众顾客群" if small else "未归类顾客") if zh else ("Small group" if small else "Unassigned customers")
        desc = (("该组顾客太少，无法给出可靠画像。" if small else "这些顾客不属于任何密集的细分。") if zh else
                ("Too few customers for a reliable persona." if small
                 else "Customers who fit no dense segment; treat them with general campaigns."))
        return Persona(segment_id=s, language=language, generated_by="rules", name=f"{name} {mark}",
                       tagline=desc, description=desc, motivations=[], price_sensitivity="medium",
                       preferred_channels=["email"] if not zh else ["电子邮件"], preferred_times="-",
                       suggested_offers=[])
    spend, freq, rec = _ratio(summary, "monetary"), _ratio(summary, "frequency"), _ratio(summary, "recency_days")
    cats = summary.get("top_categories", [])
    top_lift = max(cats, key=lambda c: c.get("lift") or 0, default=None)
    cat = _last_level(top_lift["category"]) if top_lift else ""
    spend_word = "high" if spend and spend > 1.3 else "low" if spend and spend < 0.7 else "mid"
    freq_word = "frequent" if freq and freq > 1.3 else "occasional" if freq and freq < 0.7 else "regular"
    lapsed = bool(rec and rec > 2.0)
    price = {"high": "low", "low": "high"}.get(spend_word, "medium")
    share = summary.get("share_of_customers", 0) * 100
    if zh:
        words = {"high": "高消费", "low": "低消费", "mid": "中等消费", "frequent": "常客", "occasional": "偶尔光顾",
                 "regular": "稳定顾客"}
        name = f"{'流失风险' if lapsed else ''}{words[spend_word]}{words[freq_word]}"
        desc = (f"该细分占全部顾客的 {share:.1f}%。消费额约为全体中位数的 {spend or 0:.1f} 倍，购物次数约为 "
                f"{freq or 0:.1f} 倍。最突出的品类是 {cat or '—'}。")
        tagline, channels, times = f"偏爱 {cat} 的{words[freq_word]}", ["电子邮件", "App 推送"], "周末"
        offers = [f"{cat} 满减券"] if cat else []
        motivations = ["性价比"] if price == "high" else ["便利", "品质"]
    else:
        name = f"{'Lapsing ' if lapsed else ''}{spend_word.title()}-spend {freq_word} shoppers"
        desc = (f"This segment holds {share:.1f}% of customers. They spend {spend or 0:.1f}x and shop "
                f"{freq or 0:.1f}x as often as the median customer. Their most over-represented category is "
                f"{cat or 'none in particular'}.")
        tagline, channels, times = f"{freq_word.title()} shoppers who favour {cat or 'the basics'}", \
            ["email", "app push"], "weekends"
        offers = [f"Discount on {cat}"] if cat else []
        motivations = ["value for money"] if price == "high" else ["convenience", "quality"]
    return Persona(segment_id=s, language=language, generated_by="rules", name=f"{name} {mark}", tagline=tagline,
                   description=desc, motivations=motivations, price_sensitivity=price, preferred_channels=channels,
                   preferred_times=times, suggested_offers=offers)


# ---------------------------------------------------------------- main entry
def prompt_summary(summary: dict) -> dict:
    """The summary trimmed to what a small model can read in one go (~600 tokens instead of ~1,900): medians
    against everyone, the top distinguishing features, what the segment buys more of, top products."""
    keep = dict(summary)
    keep["behaviour"] = {k: {"segment_median": v.get("segment_median"), "all_customers_median": v.get("all_customers_median")}
                         for k, v in summary.get("behaviour", {}).items()}
    keep["distinguishing_features"] = [
        {"feature": f["feature"], "segment": f["segment_value"], "all": f["all_customers_value"]}
        for f in summary.get("distinguishing_features", [])[:5]]
    for key in ("top_categories", "top_products", "buys_more_than_others"):
        if key in summary:
            keep[key] = [{k: v for k, v in row.items() if k in ("category", "title", "spend_share", "lift")}
                         for row in summary[key][:4]]
    keep.pop("typical_customer", None)
    keep.pop("top_brands", None)
    keep["keywords"] = summary.get("keywords", [])[:6]
    return keep


def persona_variables(summary: dict) -> dict:
    """The prompt variables: the trimmed summary JSON (fenced — category and product names come from data
    files) and the segment's share as a trusted number."""
    return {"share_pct": round(float(summary.get("share_of_customers", 0.0)) * 100, 1),
            # compact JSON: a third of the tokens of an indented dump, which small local models read better
            "summary_untrusted": json.dumps(prompt_summary(summary), ensure_ascii=False, separators=(",", ":"))}


def generate_personas(profiles: SegmentProfiles, llm=None, language: str = "en",
                      cache_dir: str | Path | None = None, segments: list[int] | None = None) -> dict[int, Persona]:
    """One Persona per segment (segment id -> Persona), via `llm.structured("persona", ...)`.

    llm: an assistant.llm client (default: assistant.llm.get_llm()); language: "en" or "zh"; cache_dir: folder
    for personas.json (no cache when None); segments: only these (default all). LLMUnavailable -> marked
    rule-based personas for every remaining segment.
    """
    language = "zh" if str(language).lower().startswith("zh") else "en"
    cache_path = Path(cache_dir) / CACHE_FILE if cache_dir is not None else None
    cache = _read_cache(cache_path)
    if llm is None:
        try:
            from assistant.llm import get_llm
            llm = get_llm()
        except LLMUnavailable as exc:
            log.warning("no LLM for personas (%s): using rule-based names", exc)
            llm = None
    version, model = prompt_version(), (model_name(llm) if llm is not None else "none")
    out: dict[int, Persona] = {}
    dirty = False
    for s in (profiles.segments if segments is None else [int(x) for x in segments]):
        summary = profiles.segment_summary(s)
        if llm is None or s == -1 or "behaviour" not in summary:
            out[s] = rule_based_persona(summary, language)
            continue
        key = cache_key(summary, language, version, model)
        if key in cache:
            out[s] = Persona(**{**cache[key], "segment_id": s, "language": language, "generated_by": "llm"})
            continue
        try:
            content = llm.structured(PROMPT_NAME, persona_variables(summary), PersonaContent, language=language)
        except LLMUnavailable as exc:
            log.warning("LLM became unavailable (%s): rule-based personas for the rest", exc)
            llm = None
            out[s] = rule_based_persona(summary, language)
            continue
        except LLMOutputError as exc:
            log.warning("persona for segment %s: unusable LLM answer (%s)", s, exc)
            out[s] = rule_based_persona(summary, language, reason="output invalid")
            continue
        content = content if isinstance(content, PersonaContent) else PersonaContent.model_validate(content)
        cache[key] = content.model_dump()
        dirty = True
        out[s] = Persona(**content.model_dump(), segment_id=s, language=language, generated_by="llm")
    if dirty and cache_path is not None:
        _write_cache(cache_path, cache)
    return _distinct_names(out, profiles)


def _distinct_names(personas: dict[int, Persona], profiles: SegmentProfiles) -> dict[int, Persona]:
    """Small models often give two segments the same name; a marketer must tell them apart, so repeated names
    get the segment's most over-represented category appended (or the segment number when there is none)."""
    seen: dict[str, int] = {}
    for p in personas.values():
        seen[p.name.strip().lower()] = seen.get(p.name.strip().lower(), 0) + 1
    sig = getattr(profiles, "signature_categories", None)
    out = {}
    for s, p in personas.items():
        if seen[p.name.strip().lower()] > 1:
            rows = sig[sig["segment"] == s].sort_values("rank") if sig is not None and len(sig) else None
            tag = _last_level(str(rows["category"].iloc[0])).title() if rows is not None and len(rows) else f"#{s}"
            p = p.model_copy(update={"name": f"{p.name} ({tag})"})
        out[s] = p
    return out
