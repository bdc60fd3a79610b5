"""Personas: who the customers of each segment are (needs, habits, motivations), grounded in the profile.

Grounded by design:
- Every number a marketer sees on a persona (size, share, spend, trips, recency) is in `facts`, written by code
  from the computed profile. The LLM gets a brief WITHOUT numbers (comparisons in words, consumer product
  families and cleaned, policy-checked product names) and writes only wording: name, tagline, description,
  motivations. Price sensitivity, channels and suggested offers come from code.
- Every LLM field passes the named gates of `assistant.core.gates` (no numbers it was not given, no prompt
  echo, no placeholders, no retailer goals, no facts it was not given such as income or region, the language
  asked for, a readable name). A failing answer is asked again once with the failures named, then replaced by
  the deterministic template persona; `source` says which one the marketer got (llm / llm-retry / template).
- Template personas are built from the same profile, so they are always there at once (the UI shows them first
  and the LLM improves them) and stable: the same segment and data give the same name. LLM answers are cached
  on disk by content (brief, language, prompt version, model), so names do not change between runs either.
- Time: the LLM gets a per-call budget and a total budget; when either runs out the template stands, marked.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from assistant.core.budget import BudgetExceeded, call_within
from assistant.core.vocabulary import habitual, language_of
from assistant.core.errors import LLMOutputError, LLMUnavailable
from assistant.core.gates import (PERSONA_GATES, PERSONA_NAME_GATES, GateContext, check_fields, distinct_items,
                                   retry_feedback)
from assistant.core.policy import (DEFAULT_FAMILY, MarketingPolicy, is_grocery, product_family, unique_names,
                                   zh_product_name)
from assistant.core.settings import PROMPTS_DIR
from assistant.core.text import title_case
from segmentation.profiles import SegmentProfiles, funnel_name

log = logging.getLogger(__name__)

PROMPT_NAME = "persona"
CACHE_FILE = "personas.json"
Source = Literal["llm", "llm-retry", "template"]


class PersonaWords(BaseModel):
    """What the LLM writes (the structured-output schema): wording only, no numbers."""
    name: str = Field(description="2 to 4 words naming this kind of shopper")
    tagline: str = Field(description="one short sentence about them")
    description: str = Field(description="3 short sentences: their needs, habits and what they buy")
    motivations: list[str] = Field(description="2 or 3 short phrases: why they buy")


class Persona(PersonaWords):
    """A persona of one segment: wording (LLM or template) + fields and numbers from code."""
    segment_id: int
    language: str = "en"
    price_sensitivity: Literal["low", "medium", "high"] = "medium"
    preferred_channels: list[str] = Field(default_factory=list)
    preferred_times: str = ""
    suggested_offers: list[str] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list)
    source: Source = "template"
    notes: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- the profile in words (no numbers)
def _ratio(summary: dict, metric: str) -> float | None:
    b = summary.get("behaviour", {}).get(metric)
    if not b or not b.get("all_customers_median"):
        return None
    return (b.get("segment_median") or 0.0) / b["all_customers_median"]


def _levels(summary: dict) -> dict:
    spend, freq, rec = _ratio(summary, "monetary"), _ratio(summary, "frequency"), _ratio(summary, "recency_days")
    return {"spend": "high" if spend and spend > 1.3 else "low" if spend is not None and spend < 0.7 else "mid",
            "freq": "high" if freq and freq > 1.3 else "low" if freq is not None and freq < 0.7 else "mid",
            "lapsed": bool(rec and rec > 2.0)}


def _families(summary: dict, policy: MarketingPolicy, zh: bool) -> list[str]:
    """Consumer families the segment buys more of (signature first, then by spend), policy-allowed, no repeats; a
    category the family table does not know keeps its own name unless the segment buys mostly food."""
    rows = list(summary.get("buys_more_than_others", [])) + list(summary.get("top_categories", []))
    grocery = is_grocery((r.get("category"), r.get("spend_share")) for r in summary.get("top_categories", []))
    out: list[str] = []
    for r in rows:
        category = str(r.get("category", ""))
        if not policy.allows(category):
            continue
        en, cn = product_family(category, grocery=grocery)
        word = cn if zh else en
        if word not in out:
            out.append(word)
    return out or [DEFAULT_FAMILY[1 if zh else 0]]


def _products(summary: dict, policy: MarketingPolicy, zh: bool, n: int = 3) -> list[str]:
    rows = [r for r in summary.get("top_products", []) if policy.allows(r.get("category"), r.get("title"))]
    names = unique_names(r.get("title") for r in rows)
    if zh:
        names = list(dict.fromkeys(zh_product_name(x) for x in names))
    return names[:n]


# the brief's line labels that read as pasted when they appear in a persona (gate `no_brief_echo`); labels that
# are ordinary words ("消费", "Last purchase") are left out. "Most" (by spend), not "often": a tent is a top
# product without anyone buying it often
BRIEF_LABELS = {"en": ("How often they shop", "How much they spend in total",
                       "They buy more of these than other customers", "Products they buy most"),
                "zh": ("最近一次购物", "比其他顾客买得更多的", "买得最多的商品")}


def persona_brief(summary: dict, language: str = "en", policy: MarketingPolicy | None = None) -> str:
    """The segment as a few plain lines without numbers. Why no numbers: the model copied and invented them
    ("spend over $139" for a mean of 104); the numbers are shown by code in `facts`."""
    policy = policy or MarketingPolicy()
    zh = language == "zh"
    lv = _levels(summary)
    fams, prods = _families(summary, policy, zh), _products(summary, policy, zh)
    if _browse_only(summary):  # no purchases in the data: the funnel is all there is to describe
        return ("数据中只有浏览记录，没有购买记录。\n他们浏览最多的：" + "、".join(fams[:3]) + "。" if zh else
                "The data shows browsing only, no purchases.\nWhat they look at most: " + ", ".join(fams[:3]) + ".")
    if zh:
        freq = {"high": "比大多数顾客更常来购物", "low": "比大多数顾客来得少", "mid": "和大多数顾客差不多常来"}[lv["freq"]]
        spend = {"high": "总消费比大多数顾客高", "low": "总消费比大多数顾客低", "mid": "总消费和大多数顾客差不多"}[lv["spend"]]
        last, more, often = BRIEF_LABELS["zh"]
        lines = [f"购物频率：{freq}。", f"消费：{spend}。",
                 f"{last}：已经有一段时间了，可能正在流失。" if lv["lapsed"] else f"{last}：不久前。",
                 f"{more}：{'、'.join(fams[:3])}。", "回购：常回购同类商品。" if habitual(summary) else
                 "回购：很少重复购买同类商品。", f"{often}：{'、'.join(prods) or DEFAULT_FAMILY[1]}。"]
    else:
        freq = {"high": "more often than most customers", "low": "less often than most customers",
                "mid": "about as often as most customers"}[lv["freq"]]
        spend = {"high": "more than most customers", "low": "less than most customers",
                 "mid": "about as much as most customers"}[lv["spend"]]
        how_often, how_much, more, often = BRIEF_LABELS["en"]
        lines = [f"{how_often}: {freq}.", f"{how_much}: {spend}.",
                 "Last purchase: a while ago, they may be drifting away." if lv["lapsed"] else "Last purchase: recently.",
                 f"{more}: {', '.join(fams[:3])}.", "Buying again: they often rebuy the same kinds of products."
                 if habitual(summary) else "Buying again: they rarely buy the same kind of product twice.", f"{often}: {', '.join(prods) or DEFAULT_FAMILY[0]}."]
    return "\n".join(lines)


def persona_facts(summary: dict, language: str = "en") -> list[str]:
    """The segment's numbers, formatted by code for people (the only numbers a persona shows)."""
    zh = language == "zh"
    size, share = int(summary.get("size", 0)), float(summary.get("share_of_customers", 0.0))
    facts = [f"{size:,} 位顾客（占 {share:.1%}）" if zh else f"{size:,} customers ({share:.1%} of all)"]
    labels = {"monetary": ("每位顾客消费（中位数）", "Spend per customer (median)", 2),
              "frequency": ("购物次数（中位数）", "Shopping trips (median)", 0),
              "recency_days": ("距上次购物天数（中位数）", "Days since last purchase (median)", 0)}
    for metric, (zh_label, en_label, digits) in labels.items():
        row = summary.get("behaviour", {}).get(metric)
        if not row or row.get("segment_median") is None or row.get("all_customers_median") is None:
            continue
        seg, all_ = float(row["segment_median"]), float(row["all_customers_median"])
        facts.append(f"{zh_label}：{seg:,.{digits}f}（全体 {all_:,.{digits}f}）" if zh
                     else f"{en_label}: {seg:,.{digits}f} (all customers: {all_:,.{digits}f})")
    return facts


def _browse_only(summary: dict) -> bool:
    return str(summary.get("data", "")).startswith("browse-only")


# ---------------------------------------------------------------- the template persona (deterministic)
_EN = {"freq": {"high": "Loyal", "mid": "Regular", "low": "Occasional"}, "spend": {"high": "Big-Basket", "mid": "",
                                                                                  "low": "Light"}}
_ZH = {"freq": {"high": "高频", "mid": "稳定", "low": "低频"}, "spend": {"high": "高消费", "mid": "", "low": "轻量"}}


def _template_name(lv: dict, family: str, zh: bool) -> str:
    family = "" if family in DEFAULT_FAMILY else family  # "Regular Shoppers", not "Regular Our Range Shoppers"
    if zh:
        freq = "沉睡" if lv["lapsed"] else _ZH["freq"][lv["freq"]]
        return f"{freq}{_ZH['spend'][lv['spend']]}{family}顾客"
    freq = "Drifting" if lv["lapsed"] else _EN["freq"][lv["freq"]]
    words = [freq, _EN["spend"][lv["spend"]], title_case(family) if family else "", "Shoppers"]
    name = " ".join(w for w in words if w)
    if len(name) > 40:
        name = " ".join(w for w in (freq, title_case(family), "Shoppers") if w)
    return name if len(name) <= 40 else f"{freq} Shoppers"


def template_persona(summary: dict, language: str = "en", policy: MarketingPolicy | None = None,
                     family_index: int = 0) -> Persona:
    """A well-written persona from the profile alone: always available at once, always passes the gates."""
    policy = policy or MarketingPolicy()
    zh = language == "zh"
    s = int(summary["segment"])
    facts = persona_facts(summary, language)
    if s == -1 or "behaviour" not in summary:
        small = s != -1
        name = ("小众顾客" if small else "未归类顾客") if zh else ("Small Group" if small else "Unassigned Customers")
        desc = (("这组顾客人数太少，无法给出可靠的画像。" if small else "这些顾客的购物方式不属于任何一个明显的群体。") if zh
                else ("Too few customers for a reliable persona." if small
                      else "Customers whose shopping fits no clear group; reach them with general campaigns."))
        return Persona(segment_id=s, language=language, name=name, tagline=desc, description=desc, motivations=[],
                       facts=facts, source="template")
    if _browse_only(summary):
        return _browse_persona(summary, language, policy, facts)
    lv = _levels(summary)
    fams, prods = _families(summary, policy, zh), _products(summary, policy, zh, n=2)
    fam = fams[min(family_index, len(fams) - 1)]  # a later family when an earlier one named another segment
    rest = [f for f in fams if f != fam]
    f1, f2 = fam, (rest[0] if rest else fam)
    price = {"high": "low", "low": "high"}.get(lv["spend"], "medium")
    # restock words (weekly shop, keeping stocked, 常买) only where the segment's customers do rebuy
    # (`segmentation.profiles.repeat_buying`); otherwise words true of any shop
    restock = habitual(summary)
    if zh:
        sentence1 = {"high": "他们比大多数顾客更常来购物", "low": "他们来店的次数不多",
                     "mid": "他们按自己的节奏定期购物" if restock else "他们来店的次数和大多数顾客差不多"}[lv["freq"]]
        sentence1 += {"high": "，每次都买得不少。", "low": "，每次买得不多。", "mid": "。"}[lv["spend"]]
        fav = f"，最爱{'和'.join(prods)}" if prods else ""
        sentence2 = f"购物篮里多是{f1}和{f2}{fav}。" if f1 != f2 else f"购物篮里多是{f1}{fav}。"
        sentence3 = ((f"他们已经有一阵子没来了，提醒他们{'常买的好物' if restock else '喜欢的商品'}能把他们请回来。")
                     if lv["lapsed"] else
                     {"high": "他们在意价格，清楚实在的优惠最能打动他们。", "low": "比起最低价，他们更看重品质和方便。",
                      "medium": "他们喜欢在每周常买的东西上得到实惠。" if restock else "他们看重所买商品的性价比。"}[price])
        tagline = ((f"常为家里采购{f1}的顾客。" if restock else f"主要购买{f1}的顾客。") if lv["freq"] != "low"
                   else f"偶尔来买{f1}的顾客。")
        motivations = [f"买齐常用的{f1}" if restock else f"挑到合适的{f1}",
                       {"high": "日常用品更实惠" if restock else "买得更实惠", "low": "品质与方便",
                        "medium": "物有所值"}[price],
                       "省时省心地购物" if lv["freq"] == "high" else "需要时一次买齐"]
        offers = [f"{f1}折扣", f"{f1}与{f2}组合优惠" if f1 != f2 else f"{f1}满额优惠"]
        channels = ["电子邮件", "短信"] if lv["lapsed"] else ["电子邮件", "App 推送"]
    else:
        sentence1 = {"high": "They shop more often than most customers", "low": "They visit now and then",
                     "mid": "They shop at a steady, regular pace" if restock
                     else "They shop about as often as most customers"}[lv["freq"]]
        sentence1 += {"high": " and fill big baskets.", "low": " and keep their baskets small.", "mid": "."}[lv["spend"]]
        fav = f", with favourites such as {' and '.join(prods)}" if prods else ""
        sentence2 = (f"Their baskets lean towards {f1} and {f2}{fav}." if f1 != f2
                     else f"Their baskets lean towards {f1}{fav}.")
        sentence3 = ("It has been a while since their last visit, so a reminder of what they like can bring them back."
                     if lv["lapsed"] else
                     {"high": "They watch prices and respond to clear savings on everyday items." if restock
                      else "They watch prices and respond to clear savings.",
                      "low": "They value quality and convenience more than the lowest price.",
                      "medium": "They like good value on the things they buy every week." if restock
                      else "They look for good value in what they choose."}[price])
        tagline = ((f"Shoppers who keep coming back for {f1}." if restock else f"Shoppers who mostly buy {f1}.")
                   if lv["freq"] != "low" else f"Shoppers who drop in now and then for {f1}.")
        motivations = [f"keeping {f1} stocked at home" if restock else f"finding the right {f1}",
                       {"high": "good value on everyday items" if restock else "good value",
                        "low": "quality and convenience", "medium": "value for money"}[price],
                       "quick, reliable shopping trips" if lv["freq"] == "high" else "getting everything in one trip"]
        offers = [f"A discount on {f1}", f"A bundle deal on {f1} and {f2}" if f1 != f2 else f"A basket deal on {f1}"]
        channels = ["email", "SMS"] if lv["lapsed"] else ["email", "app push"]
    return Persona(segment_id=s, language=language, name=_template_name(lv, fam, zh), tagline=tagline,
                   description=f"{sentence1} {sentence2} {sentence3}" if not zh else sentence1 + sentence2 + sentence3,
                   motivations=motivations, price_sensitivity=price, preferred_channels=channels,
                   suggested_offers=offers, facts=facts, source="template")


def _browse_persona(summary: dict, language: str, policy: MarketingPolicy, facts: list[str]) -> Persona:
    """A browse-only segment (no purchases in the data): named by its place in the funnel, no spend tier."""
    zh = language == "zh"
    words = funnel_name(summary, language)
    fams = _families(summary, policy, zh)
    f1 = fams[0]
    if zh:
        tagline, description = f"主要浏览{f1}的访客。", (f"他们常来浏览{f1}，但数据中还没有他们的购买记录。"
                                                     "他们在比较和挑选，适合用提醒和推荐把兴趣变成购买。")
    else:
        tagline = f"Visitors who mostly look at {f1}."
        description = (f"They come to browse {f1} but the data shows no purchases from them yet. They compare and "
                       "shortlist, so reminders and recommendations can turn interest into a first order.")
    return Persona(segment_id=int(summary["segment"]), language=language, name=words["name"], tagline=tagline,
                   description=description, motivations=["发现新品", "比较选择"] if zh else ["discovery",
                                                                                   "comparing options"],
                   preferred_channels=["App 推送", "电子邮件"] if zh else ["app push", "email"],
                   suggested_offers=["购物车提醒", "收藏商品降价提醒"] if zh else
                   ["Reminder of items left in the cart", "Price-drop alert on saved items"],
                   facts=facts + [words["description"]], source="template")


# ---------------------------------------------------------------- gates
_SPEND_WORDS = re.compile(r"spend|spender|high.value|big|vip|premium|budget|bargain|loyal|buyer|消费|高价值|买家", re.I)

def persona_failures(words: PersonaWords, language: str, policy: MarketingPolicy, product_names=(),
                     summary: dict | None = None) -> list[str]:
    """Every gate failure of an LLM-written persona, as 'field: reason' (empty = passes). With the segment's
    summary of a browse-only file, a name claiming a spend tier fails too (the data shows no spend); with a
    summary whose customers rarely rebuy, restock words fail (gate `no_ungrounded_restock`)."""
    ctx = GateContext(language=language, policy=policy, product_names=tuple(product_names),
                      brief_phrases=BRIEF_LABELS["zh" if language == "zh" else "en"],
                      restock=summary is None or habitual(summary))
    fields = {"name": words.name, "tagline": words.tagline, "description": words.description,
              "motivations": "; ".join(words.motivations)}
    failures = [str(f) for f in check_fields(fields, PERSONA_GATES, ctx, name_gates=PERSONA_NAME_GATES)]
    if not 1 <= len(words.motivations) <= 4:
        failures.append("motivations: give 2 or 3 short phrases")
    repeated = distinct_items(words.motivations, ctx)
    if repeated:
        failures.append(f"motivations: {repeated}")
    if len(words.description) < 40:
        failures.append("description: too short")
    tagline = words.tagline.strip().rstrip(".。!！").lower()
    if len(tagline) >= 8 and (tagline in words.description.lower()
                              or any(tagline in m.lower() for m in words.motivations)):
        failures.append("tagline: it is repeated in the description or the motivations; each field says something new")
    if summary is not None and _browse_only(summary) and _SPEND_WORDS.search(words.name):
        failures.append("name: it claims a spending level that browse-only data cannot show")
    return failures


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


def cache_key(brief: str, language: str, version: int, model: str) -> str:
    payload = json.dumps({"brief": brief, "language": language, "prompt_version": version, "model": model},
                         sort_keys=True, ensure_ascii=False)
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


# ---------------------------------------------------------------- generation
def _ask(llm, brief: str, language: str, feedback: str, budget: float) -> PersonaWords:
    variables = {"facts_untrusted": brief, "feedback": feedback}
    words = call_within(lambda: llm.structured(PROMPT_NAME, variables, PersonaWords, language=language), budget)
    return words if isinstance(words, PersonaWords) else PersonaWords.model_validate(words)


def llm_persona(llm, summary: dict, template: Persona, language: str, policy: MarketingPolicy,
                budget: float) -> tuple[PersonaWords | None, Source, list[str]]:
    """(words, source, notes): the LLM's wording if it passes the gates (first try or one retry), else None."""
    brief = persona_brief(summary, language, policy)
    products = _products(summary, policy, language == "zh")
    started, notes = time.monotonic(), []
    words = _ask(llm, brief, language, "", budget)
    failures = persona_failures(words, language, policy, products, summary)
    if not failures:
        return words, "llm", notes
    notes.append("First answer failed: " + "; ".join(failures))
    words = _ask(llm, brief, language, retry_feedback(failures, language), budget - (time.monotonic() - started))
    failures = persona_failures(words, language, policy, products, summary)
    if not failures:
        return words, "llm-retry", notes
    notes.append("Retry failed: " + "; ".join(failures))
    return None, "template", notes


def generate_personas(profiles: SegmentProfiles, llm=None, language: str = "en",
                      cache_dir: str | Path | None = None, segments: list[int] | None = None, *,
                      use_llm: bool = True, policy: MarketingPolicy | None = None,
                      time_budget_s: float = 60.0, call_budget_s: float = 25.0) -> dict[int, Persona]:
    """One Persona per segment (segment id -> Persona).

    llm: an assistant.core.llm client (default: `get_llm()` when use_llm); use_llm=False gives the template
    personas at once. time_budget_s bounds the whole call, call_budget_s each LLM request; when a budget runs
    out, the remaining segments keep their template persona (with a note saying so).
    """
    language = language_of(language)
    policy = policy or MarketingPolicy()
    cache_path = Path(cache_dir) / CACHE_FILE if cache_dir is not None else None
    cache = _read_cache(cache_path) if use_llm else {}
    from assistant.core.llm import optional_llm
    llm = optional_llm(llm, use_llm, "personas")
    version, model = prompt_version(), (model_name(llm) if llm is not None else "none")
    deadline = time.monotonic() + time_budget_s
    out: dict[int, Persona] = {}
    dirty = False
    wanted = profiles.segments if segments is None else [int(x) for x in segments]
    for s in wanted:
        summary = profiles.segment_summary(s)
        persona = template_persona(summary, language, policy)
        if llm is None and use_llm and version is not None and model != "none" and s != -1:
            persona = persona.model_copy(update={"notes": ["Template kept: the language model was too slow or "
                                                           "unavailable for an earlier segment."]})
        if llm is None or s == -1 or "behaviour" not in summary:
            out[s] = persona
            continue
        key = cache_key(persona_brief(summary, language, policy), language, version, model)
        if key in cache:
            entry = cache[key]
            out[s] = persona.model_copy(update={**PersonaWords.model_validate(entry["words"]).model_dump(),
                                                "source": entry["source"]})
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 1.0:
            out[s] = persona.model_copy(update={"notes": ["Template kept: the time budget for the language model "
                                                          f"({time_budget_s:g} s) was used up."]})
            continue
        try:
            words, source, notes = llm_persona(llm, summary, persona, language, policy,
                                               min(call_budget_s, remaining))
        except BudgetExceeded as exc:
            # the abandoned request still occupies the model: asking again would only queue behind it
            out[s] = persona.model_copy(update={"notes": [f"Template kept: {exc}."]})
            llm = None
            continue
        except LLMUnavailable as exc:
            log.warning("LLM unavailable (%s): template personas for the rest", exc)
            llm = None
            out[s] = persona.model_copy(update={"notes": [f"Template kept: the language model is unavailable ({exc})."]})
            continue
        except LLMOutputError as exc:
            out[s] = persona.model_copy(update={"notes": [f"Template kept: unusable answer ({str(exc)[:200]})."]})
            continue
        if words is None:
            out[s] = persona.model_copy(update={"notes": notes})
            continue
        cache[key] = {"words": words.model_dump(), "source": source}
        dirty = True
        out[s] = persona.model_copy(update={**words.model_dump(), "source": source, "notes": notes})
    if dirty and cache_path is not None:
        _write_cache(cache_path, cache)
    return distinct_names(out, profiles, language, policy)


def distinct_names(personas: dict[int, Persona], profiles: SegmentProfiles, language: str = "en",
                   policy: MarketingPolicy | None = None) -> dict[int, Persona]:
    """A marketer must tell segments apart: a repeated name is replaced by the template name built on the
    segment's next distinguishing family (deterministic, so it is stable too)."""
    seen: set[str] = set()
    out = {}
    for s, p in personas.items():
        name = p.name.strip()
        index = 0
        while name.lower() in seen and s != -1 and index < 4:
            index += 1
            name = template_persona(profiles.segment_summary(s), language, policy, family_index=index).name
        if name.lower() in seen:  # still the same: the segment's own number tells them apart (it is shown beside)
            name = f"{name}（第{s}组）" if language == "zh" else f"{name} (segment {s})"
        seen.add(name.lower())
        if name != p.name and p.source == "template" and index:  # the whole template on the new family
            p = template_persona(profiles.segment_summary(s), language, policy, family_index=index).model_copy(
                update={"notes": p.notes})
        out[s] = p if name == p.name else p.model_copy(update={"name": name})
    return out
