"""Named quality gates for customer-facing and persona text (EN and ZH): each a small function, each tested.

A gate takes the text of one field and a `GateContext` (what the brief allowed: the offer, the product names,
the language, the channel, the persona name...) and returns None when the text passes, or a short reason that
names the fault. The reason is what a retry prompt tells the model, and what the marketer sees in the details.

Why here (core) and not in campaigns/: personas (segmentation) and copy (campaigns) share the same checks and
the two stage packages never import each other. Why hand-written regexes: the faults are specific to small
models writing marketing text (leaked prompt lines, fence markers, self-commentary) and no library checks them.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field as dataclass_field

from assistant.core.policy import MarketingPolicy
from assistant.core.vocabulary import opt_out_count, sms_opt_out, without_sms_opt_out

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

# channel limits in characters: (en, zh); an SMS is one GSM-7 segment (160) or one UCS-2 segment (70)
FIELD_LIMITS: dict[str, tuple[int, int]] = {"subject": (60, 30), "preheader": (100, 50), "body": (700, 300),
                                            "cta": (30, 10), "sms": (160, 70), "push_title": (40, 20),
                                            "push_body": (120, 60), "tagline": (90, 30)}

# Chinese discount wording: 八五折 / 85折 / 8.5折 = pay 85 % = 15 % off
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZHE_ARABIC = re.compile(r"(\d{1,2}(?:\.\d)?)\s*折")
_ZHE_HANZI = re.compile(r"([一二两三四五六七八九])([一二三四五六七八九五])?\s*折")
_PCT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|％|percent|个百分点)")
_NUMBER = re.compile(r"(?<![A-Za-z])\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class GateContext:
    """What the brief allows the text to say."""

    language: str = "en"
    channel: str | None = None
    field: str | None = None
    offer_kind: str = "none"  # percent_off, amount_off, free_shipping, bundle, none
    offer_value: float = 0.0
    product_names: tuple[str, ...] = ()
    persona_name: str | None = None
    allowed_numbers: frozenset[str] = frozenset()
    brief_phrases: tuple[str, ...] = ()  # background the model must not copy (brief labels, the persona's words)
    restock: bool = True  # False: the customers rarely rebuy (segment profile), so no restock words
    policy: MarketingPolicy = dataclass_field(default_factory=MarketingPolicy)


Gate = Callable[[str, GateContext], "str | None"]


def _zh(ctx: GateContext) -> bool:
    return ctx.language == "zh"


# ------------------------------------------------------------------------------------ leaks and artefacts
_STATS = re.compile(
    r"of (?:all )?(?:our )?customers|of (?:all )?spend|share of|\bmedian\b|\baverage (?:spend|basket)|\bsegment\b|"
    r"\bcluster\b|\bpersona\b|\blift\b|z-score|recency|monetary|\bcohort\b|spend per customer|shopping trips per|"
    r"全部顾客|全体顾客|顾客的\s*\d|销售额的|贡献.{0,6}销售|中位数|细分|画像|占比|人均消费|购物次数", re.I)
_PROMPT_ECHO = re.compile(
    r"\bangle\b|target group|featured products|main channel|write the (?:campaign )?copy|persona of|"
    r"\bpreheader\b|\bcta\b|push_title|push_body|\bsubject:|\bbody:|untrusted|as an ai|language model|"
    r"切入角度|目标人群|推荐商品[:：]|主要渠道|优惠[:：]|请用简体中文|字段|用户画像|不要提任何折扣", re.I)
_MARKERS = re.compile(r"<<<|>>>|```|<\|im_|\{\{|\}\}")
_SELF_TALK = re.compile(
    r"this (?:copy|version|variant|message|text|email|sms) (?:is|will|has|uses)|here(?: i|')s (?:the|your|a)|"
    r"here is|i hope|as requested|feel free to|let me know|note:|本版本|这则文案|文案非常|这条文案|营销文案|"
    r"以下是|希望这|如下[:：]|注[:：]|"
    # a refusal or a question back to the reader is the model talking, not copy ("I'm sorry, but I can't assist")
    r"i'?m sorry|i (?:can(?:no|')t|am unable to|'m unable to) (?:assist|help|provide|write)|as an ai|"
    r"抱歉|无法(?:协助|提供|完成)|我不能|请问您(?:需要|想)", re.I)
_PLACEHOLDER = re.compile(r"\[[^\]]{0,40}\]|\{[^}]{0,40}\}|<[A-Za-z_ ]{2,30}>|\bXXX\b|\bTBD\b|lorem ipsum|"
                          r"your (?:company|store|shop|brand) name|【[^】]{0,20}】|某某|顾客X|客户X|Customer [A-Z]\b",
                          re.I)


def _pattern_gate(pattern: re.Pattern, message: str, doc: str) -> Gate:
    """A gate that fails when `pattern` occurs; the reason quotes the match."""
    def gate(text: str, ctx: GateContext) -> str | None:
        m = pattern.search(text)
        return f"{message} ('{m.group(0)}')" if m else None
    gate.__doc__ = doc
    return gate


no_leaked_statistics = _pattern_gate(_STATS, "it reveals internal analytics", "No segment statistics in copy.")
no_prompt_text = _pattern_gate(_PROMPT_ECHO, "it repeats the instructions", "No echo of the prompt.")
no_fence_markers = _pattern_gate(_MARKERS, "it contains a marker", "No <<<fence>>> or code markers.")
no_self_commentary = _pattern_gate(_SELF_TALK, "it comments on itself", "No remarks about the text itself.")
no_placeholders = _pattern_gate(_PLACEHOLDER, "it contains a placeholder", "No [CODE] / [Your Company Name].")


# a shop's service boilerplate in a promotion ("contact us if you have questions", "不要泄露个人信息") is
# off-topic filler small models add; nothing in a brief asks for it
_SERVICE_LINES = re.compile(
    r"contact us|any (?:other )?questions|need (?:any )?help|happy to help|your feedback|personal (?:information|data)|"
    r"\bprivacy\b|terms and conditions|thank you for your (?:purchase|order|support)|"
    r"联系我们|如有(?:任何)?(?:问题|疑问)|如果您有.{0,6}问题|需要帮助|反馈和建议|意见和建议|个人信息|隐私|优惠条款|"
    r"感谢您的(?:购买|支持|关注)", re.I)
no_service_boilerplate = _pattern_gate(_SERVICE_LINES, "it adds customer-service boilerplate",
                                       "No 'contact us' / privacy / thank-you-for-your-order lines in a promotion.")


_ECHO_WORDS = re.compile(r"[a-z0-9&']+")


def no_brief_echo(text: str, ctx: GateContext) -> str | None:
    """The brief's background (its line labels, the persona's tagline and motivations) is not copied into the
    text: small models paste it whole ("They buy more of these than other customers, frozen food…") or nearly
    ("You're not the only one who keeps coming back for meat & seafood"). A run of 5 words (6 Chinese
    characters) of a background phrase counts; shorter phrases count whole from 4 words (5 characters)."""
    words = _ECHO_WORDS.findall(text.lower())
    joined, cjk = " ".join(words), "".join(CJK.findall(text))
    for phrase in ctx.brief_phrases:
        if CJK.search(phrase):
            chars = "".join(CJK.findall(phrase))
            grams = [chars] if len(chars) <= 6 else [chars[i:i + 6] for i in range(len(chars) - 5)]
            hit = next((g for g in grams if len(g) >= 5 and g in cjk), None)
        else:
            tokens = _ECHO_WORDS.findall(phrase.lower())
            grams = [" ".join(tokens)] if len(tokens) <= 5 else [" ".join(tokens[i:i + 5])
                                                                   for i in range(len(tokens) - 4)]
            hit = next((g for g in grams if len(g.split()) >= 4 and f" {g} " in f" {joined} "), None)
        if hit:
            return f"it copies the brief's words ('{hit}') instead of writing its own"
    return None


def no_persona_name(text: str, ctx: GateContext) -> str | None:
    """Customers never see the internal persona name (small models use it as the shop's name)."""
    name = (ctx.persona_name or "").strip()
    if len(name) >= 3 and name.lower() in text.lower():
        return f"it uses the internal persona name '{name}'"
    return None


# ------------------------------------------------------------------------------------ offer and claims
def percent_claims(text: str) -> list[float]:
    """Every discount stated in `text`, as percent off: "15% off" -> 15, "八五折"/"85折"/"8.5折" -> 15."""
    found = [float(m.group(1)) for m in _PCT.finditer(text)]
    for m in _ZHE_ARABIC.finditer(text):
        v = float(m.group(1))
        pay = v * 10 if v < 10 else v  # 8.5折 / 85折 -> pay 85 %
        if 0 < pay < 100:
            found.append(round(100 - pay, 1))
    for m in _ZHE_HANZI.finditer(text):
        tens = _ZH_DIGITS[m.group(1)]
        ones = _ZH_DIGITS.get(m.group(2), 0) if m.group(2) else 0
        found.append(round(100 - (tens * 10 + ones), 1))
    return found


def zhe_text(percent_off: float) -> str:
    """15 -> "八五折", 20 -> "八折", 12.5 -> "87.5折" (pay 85 % / 80 %)."""
    pay = 100 - percent_off
    digits = "零一二三四五六七八九"
    if pay == int(pay) and 10 <= pay < 100:
        tens, ones = divmod(int(pay), 10)
        return digits[tens] + (digits[ones] if ones else "") + "折"
    return f"{pay:g}折"


# Chinese copy may say "15%优惠" / "立减15%"; a bare "15%" next to other words is not a discount
_ZH_PCT_AS_DISCOUNT = re.compile(r"\d\s*[%％]\s*(?:的)?(?:折扣|优惠|off)|(?:减|省|享|优惠|折扣)\s*\d+(?:\.\d+)?\s*[%％]",
                                 re.I)
_NO_DISCOUNT = re.compile(r"no discount|without (?:a )?discount|not on sale|full price|无折扣|不打折|没有折扣|无优惠|原价",
                          re.I)


def offer_stated_correctly(text: str, ctx: GateContext) -> str | None:
    """Any discount mentioned is exactly the offer; no "no discount" when there is one; none without an offer."""
    claims = percent_claims(text)
    if ctx.offer_kind == "percent_off":
        wrong = [c for c in claims if abs(c - ctx.offer_value) > 0.01]
        if wrong:
            return f"it states {wrong[0]:g}% off but the offer is {ctx.offer_value:g}% off"
        if _NO_DISCOUNT.search(text):
            return f"it says there is no discount but the offer is {ctx.offer_value:g}% off"
        if _zh(ctx):
            bare = next((m for m in _PCT.finditer(text) if not _ZH_PCT_AS_DISCOUNT.search(
                text[max(0, m.start() - 3):m.end() + 3])), None)
            if bare:  # "即购买15%的商品" reads as "buy 15 % of the goods"
                return f"it states '{bare.group(0)}' without saying it is a discount (write {zhe_text(ctx.offer_value)})"
    elif claims:
        return f"it promises {claims[0]:g}% off but the brief has no percentage discount"
    if ctx.offer_kind != "amount_off" and re.search(r"[$€£¥￥]\s*\d|\d\s*(?:元|块|dollars?)\b.{0,6}(?:off|减)", text):
        return "it promises a money-off amount that is not in the brief"
    return None


_CLAIMS = {
    "a gift": r"\bfree gift|\bgifts? with|\bbonus gift|赠品|送礼|赠送|买.送",
    "years of history": r"\b(?:over|for|since) \d+ years|\b\d+ years\b|\bsince (?:18|19|20)\d\d|百年|多年历史|年历史|老字号",
    "an award": r"award|\bwinning\b|best[- ]selling|#1\b|number one|no\. ?1|获奖|冠军|第一品牌|销量第一",
    "free shipping": r"free (?:shipping|delivery)|ships free|包邮|免运费|免费配送|免费送货",
    "a guarantee": r"guarantee|money[- ]back|保证|无效退款",
    "a deadline": r"today only|only today|last chance|ends (?:tonight|today|soon)|\b\d+ hours? left|仅限今天|最后一天|"
                  r"最后机会|今天截止",
    "health effects": r"\bcures?\b|\bheal|clinically|boosts? (?:your )?immun|healthier|healthy lifestyle|治愈|治疗|增强免疫|"
                      r"更(?:加)?健康|健康生活",
    "a bundle or set": r"\bbundle|\bcombo\b|set meal|套餐|礼包|组合装",
    "a coupon code": r"\bcode\b|promo ?code|优惠码|兑换码",
    "a storewide offer": r"\ball (?:of )?our (?:[\w&]+ ){0,3}products|everything (?:in|at) (?:the|our) (?:store|shop)|"
                         r"storewide|sitewide|across the store|全场|所有商品|全部商品|全店",
    "a description of the shop": r"welcome to (?:our|the)\b|\bour (?:[\w&]+ ){1,3}(?:shop|store|market)\b|欢迎(?:光临|来到)|"
                                 r"本店|我们(?:的)?(?:超市|商店|店铺)|欢迎购买",
    "a season or stock claim": r"peak (?:season|time)|new arrivals?|just arrived|limited stock|while (?:stocks|supplies) "
                               r"last|selling fast|高峰期|新品上市|新到货|库存有限|限量|售完即止|抢购",
    "contact details": r"https?://|www\.|@\w+\.\w|\b\d{3}[- ]?\d{3,4}[- ]?\d{4}\b",
}
_CLAIMS_RE = {k: re.compile(v, re.I) for k, v in _CLAIMS.items()}


def no_unbriefed_claims(text: str, ctx: GateContext) -> str | None:
    for claim, pattern in _CLAIMS_RE.items():
        if (claim, ctx.offer_kind) in (("free shipping", "free_shipping"), ("a bundle or set", "bundle")):
            continue
        m = pattern.search(text)
        if m:
            return f"it claims {claim} ('{m.group(0)}') that the brief does not offer"
    return None


# Words that say the customer rebuys the same things often: true of a segment only when its profile shows it
# (`segmentation.profiles.repeat_buying`); a camping shop's tent buyers have no "weekly shop"
_RESTOCK = re.compile(r"weekly shop|every week|each week|stock(?:ing)? up|\bstocked\b|restock|\busual (?:shop|order)|"
                      r"(?:you|they) (?:often|regularly|always) buy|(?:things|products) (?:you|they) buy (?:most|often)|"
                      r"每周|每星期|囤货|常买|常用的|补货|回购|定期采购|日常采购", re.I)


def no_ungrounded_restock(text: str, ctx: GateContext) -> str | None:
    """No restock words ("your weekly shop", "stock up", 每周采购, 常买) for customers who rarely rebuy."""
    if ctx.restock:
        return None
    m = _RESTOCK.search(text)
    if m:
        return f"it speaks of regular rebuying ('{m.group(0)}') but these customers rarely buy the same kind of product again"
    return None


def grounded_numbers(text: str, ctx: GateContext) -> str | None:
    """Every number in the text was given: the offer (15, 八五折's 85) or an allowed number of the brief."""
    allowed = set(ctx.allowed_numbers)
    if ctx.offer_kind in ("percent_off", "amount_off"):
        v = ctx.offer_value
        allowed |= {f"{v:g}", f"{100 - v:g}", f"{(100 - v) / 10:g}"}
    for m in _NUMBER.finditer(text):
        if m.group(0).replace(",", "") not in allowed:
            return f"it contains the number {m.group(0)} that the brief does not give"
    return None


def no_policy_items(text: str, ctx: GateContext) -> str | None:
    found = ctx.policy.blocked_terms(text, channel=ctx.channel)
    return f"it promotes something the marketing policy excludes ('{found[0]}')" if found else None


# ------------------------------------------------------------------------------------ format and language
_CUT = re.compile(r"(?:…|\.\.\.|,|，|、|:|：|;|；|-|–)\s*$")
_DANGLING_EN = re.compile(r"\b(?:and|or|to|for|with|the|a|an|of|your|our|in|on|at|from|by)\s*[.!]?$", re.I)


def channel_format(text: str, ctx: GateContext) -> str | None:
    """Length per field and language; an SMS is one message (one segment, one line) counting the opt-out
    instruction it ships with; nothing cut mid-phrase (an SMS's own words, before its opt-out)."""
    name = ctx.field or ""
    if name in FIELD_LIMITS:
        limit = FIELD_LIMITS[name][1 if _zh(ctx) else 0]
        if len(text) > limit:
            extra = f" (with the opt-out instruction '{sms_opt_out(ctx.language)}')" if name == "sms" else ""
            return f"the {name} has {len(text)} characters{extra}, more than {limit}"
    if name == "sms" and "\n" in text.strip():
        return "the SMS is more than one message (line breaks)"
    stripped = without_sms_opt_out(text) if name == "sms" else text.strip()
    if not stripped:
        return f"the {name or 'text'} is empty"
    if _CUT.search(stripped):
        return f"the {name or 'text'} ends mid-phrase ('{stripped[-8:]}')"
    if name == "cta":
        words = len(stripped.split()) if not _zh(ctx) else len(stripped)
        if (not _zh(ctx) and not 1 <= words <= 5) or (_zh(ctx) and not 2 <= words <= 10):
            return "the call to action is not a short phrase"
        if not _zh(ctx) and _DANGLING_EN.search(stripped):
            return f"the call to action is incomplete ('{stripped}')"
    if name in ("body", "sms", "push_body", "description") and not _zh(ctx) and _DANGLING_EN.search(stripped):
        return f"the {name} ends mid-sentence"
    return None


def sms_opt_out_present(text: str, ctx: GateContext) -> str | None:
    """A marketing SMS ends with the opt-out instruction of its language, and carries it once."""
    if ctx.field != "sms":
        return None
    footer = sms_opt_out(ctx.language)
    if not text.rstrip().endswith(footer):
        return f"the SMS does not end with the opt-out instruction '{footer}'"
    count = opt_out_count(text)
    if count != 1:
        return f"the SMS carries the opt-out instruction {count} times"
    return None


def language_matches(text: str, ctx: GateContext) -> str | None:
    """ZH text is Chinese (known product names may stay as given); EN text has no Chinese."""
    rest = text
    for name in ctx.product_names:
        rest = rest.replace(name, " ")
    if _zh(ctx):
        cjk = len(CJK.findall(rest))
        latin = sum(len(w) for w in LATIN_WORD.findall(rest))
        if cjk == 0 or latin > cjk:
            return "it is not written in Chinese"
    elif CJK.search(rest):
        return "it contains Chinese in English copy"
    return None


# ------------------------------------------------------------------------------------ persona-specific
_RETAILER_GOALS = re.compile(r"increase (?:revenue|sales|profit)|drive (?:revenue|sales)|\brevenue\b|\bprofit|"
                             r"\bretention rate|\bROI\b|upsell|cross-sell|营收|利润|提高销售|增加收入|提升销量", re.I)
_UNGIVEN_FACTS = re.compile(r"income|wealthy|\brich\b|\bpoor\b|\bage[ds]?\b|years old|\bregions?\b|countr|\bcity\b|"
                            r"\bgender|\bmale\b|\bfemale\b|\bmen\b|\bwomen\b|married|retired|students?|收入|富裕|年龄|"
                            r"岁|地区|国家|城市|性别|男性|女性|已婚|退休|学生", re.I)
_CAPS_CODE = re.compile(r"\b[A-Z]{4,}\b")  # catalogue codes are upper case ("BEERALEMALT")
_CODE_NAME = re.compile(r"[>/_|]|\d|segment|cluster|group \w$|顾客\s*[A-Z0-9]|某顾客|细分|画像|"
                        r"customer [a-z0-9]\b", re.I)


# a persona speaking as the shop ("we're here to help you", "our team of experts") or to the customer ("your
# family's kitchen") is an advert, not a description of customers
_SHOP_VOICE = re.compile(r"\b(?:we|we're|we've|we'll|our|ours|us|you|you're|your|yours)\b|我们|本店|我店|您|你", re.I)


def describes_customers(text: str, ctx: GateContext) -> str | None:
    """Personas describe customers in the third person, not the shop's goals or an advert's 'we'/'you'."""
    m = _RETAILER_GOALS.search(text)
    if m:
        return f"it states the retailer's goals, not the customers' ('{m.group(0)}')"
    m = _SHOP_VOICE.search(text)
    if m:
        return f"it speaks as the shop or to the customer ('{m.group(0)}'); describe the shoppers as 'they'"
    return None
no_ungiven_facts = _pattern_gate(_UNGIVEN_FACTS, "it states facts about customers that were not given",
                                 "No income, age, region... (not in the brief).")


def readable_name(text: str, ctx: GateContext) -> str | None:
    name = text.strip()
    limit = 12 if _zh(ctx) else 40
    if not name or len(name) > limit:
        return f"the name is empty or longer than {limit} characters"
    m = _CODE_NAME.search(name) or _CAPS_CODE.search(name)
    if m:
        return f"the name looks like a code or a placeholder ('{m.group(0)}')"
    return None


def distinct_items(items: Iterable[str], ctx: GateContext) -> str | None:
    seen = set()
    for item in items:
        key = item.strip().lower()
        if key in seen:
            return f"'{item}' is repeated"
        seen.add(key)
    return None


# ------------------------------------------------------------------------------------ gate sets
_COMMON_GATES: dict[str, Gate] = {
    "no_prompt_text": no_prompt_text, "no_fence_markers": no_fence_markers,
    "no_self_commentary": no_self_commentary, "no_placeholders": no_placeholders,
    "grounded_numbers": grounded_numbers, "no_policy_items": no_policy_items,
    "channel_format": channel_format, "language_matches": language_matches, "no_brief_echo": no_brief_echo,
    "no_ungrounded_restock": no_ungrounded_restock,
}
COPY_GATES: dict[str, Gate] = {**_COMMON_GATES, "no_leaked_statistics": no_leaked_statistics,
                               "no_persona_name": no_persona_name, "offer_stated_correctly": offer_stated_correctly,
                               "no_unbriefed_claims": no_unbriefed_claims, "sms_opt_out": sms_opt_out_present,
                               "no_service_boilerplate": no_service_boilerplate}
PERSONA_GATES: dict[str, Gate] = {**_COMMON_GATES, "describes_customers": describes_customers,
                                  "no_ungiven_facts": no_ungiven_facts}
PERSONA_NAME_GATES: dict[str, Gate] = {**PERSONA_GATES, "readable_name": readable_name}


@dataclass(frozen=True)
class Failure:
    gate: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def retry_feedback(failures: list[str], language: str) -> str:
    """The retry prompt's note naming what failed (wording in prompts/_common.yaml)."""
    from assistant.core.prompts import common_piece
    return common_piece("retry", language) + "\n- " + "\n- ".join(failures[:5])


def check_fields(fields: dict[str, str], gates: dict[str, Gate], ctx: GateContext,
                 name_gates: dict[str, Gate] | None = None, name_field: str = "name") -> list[Failure]:
    """Run `gates` on every field (and `name_gates` on `name_field`); every failure, in order."""
    out: list[Failure] = []
    for fname, text in fields.items():
        if text is None:
            continue
        local = GateContext(**{**ctx.__dict__, "field": fname})
        chosen = name_gates if (name_gates is not None and fname == name_field) else gates
        for gname, gate in chosen.items():
            reason = gate(str(text), local)
            if reason:
                out.append(Failure(gname, fname, reason))
    return out


def gate_results(fields: dict[str, str], gates: dict[str, Gate], ctx: GateContext,
                 name_gates: dict[str, Gate] | None = None) -> dict[str, bool]:
    """gate name -> passed on every field (for the words bench's per-gate pass rates)."""
    failures = check_fields(fields, gates, ctx, name_gates)
    names = set(gates) | set(name_gates or {})
    failed = {f.gate for f in failures}
    return {g: g not in failed for g in sorted(names)}
