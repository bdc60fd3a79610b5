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
import re
import logging
import os
import tempfile
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from assistant.core.settings import PROMPTS_DIR
from assistant.core.vocabulary import language_of
from assistant.core.errors import LLMOutputError, LLMUnavailable
from segmentation.profiles import SegmentProfiles, funnel_name

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
    if _browse_only(summary):
        words = funnel_name(summary, language)
        return Persona(segment_id=s, language=language, generated_by="rules", name=f"{words['name']} {mark}",
                       tagline=words["tagline"], description=words["description"],
                       motivations=["发现新品", "比较选择"] if zh else ["discovery", "comparing options"],
                       price_sensitivity="medium", preferred_channels=["App 推送", "电子邮件"] if zh else
                       ["app push", "email"], preferred_times="晚间" if zh else "evenings",
                       suggested_offers=["购物车提醒", "收藏商品降价提醒"] if zh else
                       ["Reminder of items left in the cart", "Price-drop alert on saved items"])
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
def _num(value) -> str:
    return f"{value:,.0f}" if value is not None and abs(value) >= 10 else f"{value:,.1f}" if value is not None else "?"


def _browse_only(summary: dict) -> bool:
    return str(summary.get("data", "")).startswith("browse-only")


def persona_brief(summary: dict, language: str = "en") -> str:
    """The segment's aggregates as a few plain sentences. Why not JSON: a 0.5B model copies JSON keys and
    category codes into the persona ("Fruit > COUPON/MISC ITEMS"); short factual lines it paraphrases well.
    A browse-only segment is described by its funnel: there is no spend to describe."""
    zh = language == "zh"
    if _browse_only(summary):
        looked = [_last_level(r["category"]).lower() for r in summary.get("top_categories", [])[:4]]
        facts = funnel_name(summary, language)["description"]
        return facts + ("\n他们浏览最多的品类：" + "、".join(looked) + "。" if zh else
                        "\nWhat they look at most: " + ", ".join(looked) + ".")
    b = summary.get("behaviour", {})

    def pair(metric):
        row = b.get(metric, {})
        return _num(row.get("segment_median")), _num(row.get("all_customers_median"))

    trips, spend, recency = pair("frequency"), pair("monetary"), pair("recency_days")
    more = [f"{_last_level(r['category']).lower()} ({r['lift']:.1f}x)" for r in summary.get("buys_more_than_others", [])[:4]
            if (r.get("lift") or 0) > 1.05]
    biggest = [_last_level(r["category"]).lower() for r in summary.get("top_categories", [])[:4]]
    products = [str(r["title"]) for r in summary.get("top_products", [])[:3]]
    share, spend_share = summary.get("share_of_customers", 0) * 100, (summary.get("share_of_total_spend") or 0) * 100
    if zh:
        lines = [f"本组顾客占全部顾客的 {share:.1f}%，贡献 {spend_share:.1f}% 的销售额。",
                 f"每位顾客的购物次数：{trips[0]}（全体顾客：{trips[1]}）。",
                 f"每位顾客的总消费额：{spend[0]}（全体顾客：{spend[1]}）。",
                 f"距上次购买天数：{recency[0]}（全体顾客：{recency[1]}）。",
                 f"他们比其他顾客买得更多的品类：{'、'.join(more) or '无明显差异'}。",
                 f"他们花钱最多的品类：{'、'.join(biggest)}。", f"最常买的商品：{'；'.join(products)}。"]
    else:
        lines = [f"This group is {share:.1f}% of all customers and {spend_share:.1f}% of all spend.",
                 f"Shopping trips per customer: {trips[0]} (all customers: {trips[1]}).",
                 f"Total spend per customer: {spend[0]} (all customers: {spend[1]}).",
                 f"Days since the last purchase: {recency[0]} (all customers: {recency[1]}).",
                 f"They buy more of these than other customers do: {', '.join(more) or 'nothing stands out'}.",
                 f"Where most of their money goes: {', '.join(biggest)}.", f"Top products: {'; '.join(products)}."]
    return "\n".join(lines)


def persona_variables(summary: dict, language: str = "en") -> dict:
    """The prompt variables: the plain-language brief (fenced — category and product names come from data
    files) and the segment's share as a trusted number."""
    return {"share_pct": round(float(summary.get("share_of_customers", 0.0)) * 100, 1),
            "summary_untrusted": persona_brief(summary, language)}


_BAD_NAME = re.compile(r">|/|_|\d|customer|segment|group|顾客\s*\d|某顾客|细分|画像", re.I)
_SPEND_WORDS = re.compile(r"spend|spender|high.value|big|vip|premium|budget|bargain|loyal|buyer|消费|高价值|买家", re.I)
_BAD_TEXT = re.compile(r"recency_days|monetary|aov|tenure|json|untrusted|<<<|aggregat", re.I)


def checked(content: PersonaContent, summary: dict, language: str) -> PersonaContent:
    """Small models sometimes name a persona after a category code or echo the prompt. Checks in code, not
    only prompt wording: a name or description that fails is replaced by the rule-based one, so every segment
    keeps a readable, distinct persona."""
    rules = rule_based_persona(summary, language, reason="checked")
    update = {}
    name = content.name.strip().strip('"“”')
    spend_tier = _browse_only(summary) and _SPEND_WORDS.search(name)  # a spend the data cannot show
    if not name or len(name) > 40 or _BAD_NAME.search(name) or spend_tier:
        update["name"] = rules.name.split(" (")[0].split("（")[0].strip()
    if _BAD_TEXT.search(content.description) or len(content.description) < 20:
        update["description"] = rules.description
    if _BAD_TEXT.search(content.tagline):
        update["tagline"] = rules.tagline
    return content.model_copy(update=update) if update else content


def generate_personas(profiles: SegmentProfiles, llm=None, language: str = "en",
                      cache_dir: str | Path | None = None, segments: list[int] | None = None) -> dict[int, Persona]:
    """One Persona per segment (segment id -> Persona), via `llm.structured("persona", ...)`.

    llm: an assistant.core.llm client (default: assistant.core.llm.get_llm()); language: "en" or "zh"; cache_dir: folder
    for personas.json (no cache when None); segments: only these (default all). LLMUnavailable -> marked
    rule-based personas for every remaining segment.
    """
    language = language_of(language)
    cache_path = Path(cache_dir) / CACHE_FILE if cache_dir is not None else None
    cache = _read_cache(cache_path)
    if llm is None:
        try:
            from assistant.core.llm import get_llm
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
            content = llm.structured(PROMPT_NAME, persona_variables(summary, language), PersonaContent,
                                     language=language)
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
        content = checked(content, summary, language)
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
            p = p.model_copy(update={"name": f"{p.name.strip()} ({tag})"})
        out[s] = p
    return out
