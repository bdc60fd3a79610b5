"""Deterministic slot extraction for the chat router (English and Chinese).

Why rules and not the LLM: the local 0.5B model cannot fill tool arguments reliably, while the slots a marketer
types are few and regular ("segment 2", "第3组", "15% off", "八折", "household #1029", "活动18"). Regexes over a
normalised text are exact, fast and testable. Hand-written because no maintained library covers this mix of
marketing phrases in two languages; the Chinese-numeral parser is ~20 lines, too little to justify a dependency.

Slots per intent (every key is always present in the dict; None means "not said"):

=================  =====================================================================================
intent             slots
=================  =====================================================================================
segment            n_segments: int|None (2..100), algorithm: "kmeans"|"hdbscan"|"gmm"|"agglomerative"|None
describe_segment   segment: int|str|None — a number ("segment 2" → 2) or a name phrase ("young families")
recommend_user     user_id: str|None, top_k: int|None
recommend_segment  segment: int|str|None, top_k: int|None
similar_products   product: str|None (id or product text), product_is_id: bool, top_k: int|None
write_copy         segment, channel: "email"|"sms"|"push"|"wechat"|None, offer_pct: float|None (percent OFF,
                   "八折" → 20.0), offer: str|None (the offer as typed: "15% off", "包邮"), language: "en"|"zh"
                   (language of the copy: said explicitly, else the language of the utterance),
                   length: "shorter"|"longer"|None
plan_campaign      segment (None = every segment), channel, offer_pct, offer
data_question      metrics: list of METRICS in the order said ("how many customers and the AOV" →
                   ["customers", "aov"]), segment (int|str|"all"|None = everyone), period: "week"|"month"|None,
                   top_k
compare_segments   segments: list of ints / name phrases (None = all segments)
next_campaign      campaign_id (the campaign whose results the advice builds on; None = the latest known);
                   derived, not scored by the router bench: focus "target" ("who should we send to next time":
                   uplift targeting) | "advice" ("what should we change"), outcome (uplift outcome column|None)
personas           segment (None = every segment): persona cards written for the segments
search_products    query: str|None (words to look for in the catalogue), top_k
sample_size        mde_pct: float|None (relative lift to detect, % of the baseline: "a 10% lift" → 10.0),
                   mde_points: float|None (absolute lift in percentage points), baseline_pct: float|None,
                   campaign_id (its control group gives the baseline)
save_workspace, load_workspace: no slots (saving over an earlier save and reopening ask for confirmation)
audience           bought: product/category words, within_days: int|None (bought within the last N days),
                   not_within_days: int|None (but not within the last N days)
follow_up          segment, user_id, campaign_id, channel, offer_pct, offer, language (only when said),
                   length, metrics, period, top_k — what changes against the previous turn ("and for segment 3?", "now
                   in Chinese", "那收入呢", "by week instead?")
confirm, cancel, undo: no slots (answers to a confirmation question; undo restores the previous segments)
evaluate_campaign  campaign_id: str|None
report             format: "html"|"md"|None (None = the caller's default)
data_quality, help, smalltalk, unknown: no slots
=================  =====================================================================================
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping


from assistant.chat.slots_metrics import METRIC_RES as _METRIC_RES, METRICS, extract_metrics, extract_period
from assistant.core.text import normalise
from assistant.core.vocabulary import channel_of, without_channels, zhe_to_percent_off

# ----------------------------------------------------------------------------------------------------------------
# Which slots each intent has, and which of them the caller must ask for when missing.
SLOT_NAMES: dict[str, tuple[str, ...]] = {
    "segment": ("n_segments", "algorithm"),
    "describe_segment": ("segment",),
    "recommend_user": ("user_id", "top_k"),
    "recommend_segment": ("segment", "top_k"),
    "similar_products": ("product", "product_is_id", "top_k"),
    "write_copy": ("segment", "channel", "offer_pct", "offer", "language", "length"),
    "plan_campaign": ("segment", "channel", "offer_pct", "offer"),
    "evaluate_campaign": ("campaign_id",),
    "report": ("format",),
    "data_question": ("metrics", "segment", "period", "top_k"),
    "compare_segments": ("segments",),
    "next_campaign": ("campaign_id",),
    "personas": ("segment",),
    "search_products": ("query", "top_k"),
    "sample_size": ("mde_pct", "mde_points", "baseline_pct", "campaign_id"),
    "save_workspace": (),
    "load_workspace": (),
    "audience": ("bought", "within_days", "not_within_days"),
    "follow_up": ("segment", "user_id", "campaign_id", "channel", "offer_pct", "offer", "language", "length",
                  "metrics", "period", "top_k"),
    "confirm": (),
    "cancel": (),
    "undo": (),
    "data_quality": (),
    "help": (),
    "smalltalk": (),
    "unknown": (),
}
REQUIRED_SLOTS: dict[str, tuple[str, ...]] = {
    "describe_segment": ("segment",),
    "recommend_user": ("user_id",),
    "recommend_segment": ("segment",),
    "similar_products": ("product",),
    "write_copy": ("segment",),
    "evaluate_campaign": ("campaign_id",),
    "search_products": ("query",),
}

# ----------------------------------------------------------------------------------------------------------------
# Text normalisation, language, numbers

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def detect_language(text: str) -> str:
    """'zh' when Chinese carries the sentence, else 'en'.

    A Chinese word is ~2 characters, so zh wins when CJK characters / 2 >= Latin words: "给segment 2写一条sms" is
    Chinese, "write an email for 高价值客户" is English with a Chinese name in it.
    """
    cjk = len(_CJK.findall(text))
    if cjk == 0:
        return "en"
    latin = len(_LATIN_WORD.findall(text))
    return "zh" if cjk / 2 >= latin else "en"


_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_ZH_NUM_CHARS = "零〇一幺二两俩三四五六七八九十百千万"
_EN_NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_EN_NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "a couple of": 2, "a dozen": 12, "dozen": 12})
_EN_ORDINALS = {w: i + 1 for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split())}


def zh_to_int(token: str) -> int | None:
    """Chinese numerals to int: 三 → 3, 十二 → 12, 二十 → 20, 一百零五 → 105, 两万 → 20000. None if not a number."""
    if not token or any(ch not in _ZH_NUM_CHARS for ch in token):
        return None
    if all(ch in _ZH_DIGITS for ch in token) and len(token) > 1:   # digit by digit: 一零二九 → 1029
        return int("".join(str(_ZH_DIGITS[ch]) for ch in token))
    total = section = digit = 0
    for ch in token:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        else:
            unit = _ZH_UNITS[ch]
            if unit == 10000:
                total += (section + digit) * unit
                section = 0
            else:
                section += (digit or 1) * unit
            digit = 0
    return total + section + digit


_EN_NUM_WORDS = "|".join(sorted((re.escape(w) for w in _EN_NUMBERS), key=len, reverse=True))
NUM = rf"(?:\d+|[{_ZH_NUM_CHARS}]+|\b(?:{_EN_NUM_WORDS})\b)"


def parse_number(token: str) -> int | None:
    """'5', 'five', '五', '十二' → int; anything else → None."""
    token = normalise(token).strip()
    if token.isdigit():
        return int(token)
    if token in _EN_NUMBERS:
        return _EN_NUMBERS[token]
    if token in _EN_ORDINALS:
        return _EN_ORDINALS[token]
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", token)
    if m:
        return int(m.group(1))
    return zh_to_int(token)


# ----------------------------------------------------------------------------------------------------------------
# Single-slot extractors. Each takes the normalised text and returns a value or None.

_SEG_WORDS_EN = r"(?:segment|seg|group|cluster|persona|cohort|tier|bucket)s?"
_SEG_WORDS_ZH = r"(?:细分|分群|客群|人群|群组|群体|簇|组|类|群|段)"
_ORDINAL_WORDS = "|".join(_EN_ORDINALS)

_SEGMENT_NUMBER_PATTERNS = [
    re.compile(rf"\b{_SEG_WORDS_EN}\s*(?:#|no\.?|number|num|id)?\s*:?\s*({NUM})(?![\d%])"),
    re.compile(rf"\b(?:the\s+)?({_ORDINAL_WORDS}|\d+(?:st|nd|rd|th))\s+{_SEG_WORDS_EN}\b"),
    re.compile(rf"第\s*({NUM})\s*(?:个)?\s*{_SEG_WORDS_ZH}"),
    re.compile(rf"({NUM})\s*号\s*{_SEG_WORDS_ZH}"),
    re.compile(rf"(?:细分|分群|客群|群组|簇|组|群|segment)\s*(?:#|号|编号)?\s*({NUM})(?![\d%折])"),
]


def extract_segment_number(text: str) -> int | None:
    """'segment two' → 2, 'group #3' → 3, 'the 2nd cluster' → 2, '第3组' → 3, '第三个细分' → 3, '2号群' → 2."""
    return _first_number(_SEGMENT_NUMBER_PATTERNS, text)


# Words that end an English name phrase ("for young families WITH 15% off").
_EN_BOUNDARY = (r"with|using|via|by|over|through|offering|offer|on|in|including|featuring|mentioning|that|who|"
                r"which|and|about|to|from|at|next|this|giving|plus|so|because|please|based|as|into|for|like|"
                r"highlighting|promoting|announcing|telling|before|after|during|focusing|around|buy|want|need|"
                r"prefer|look|like|are|is|do|does")
_EN_STOP_LEAD = {"the", "our", "my", "a", "an", "this", "that", "those", "these", "for", "to", "about", "of",
                 "is", "are", "who", "what", "describe", "me", "tell", "in", "on", "with", "at", "profile",
                 "explain", "summarize", "summarise", "show", "give", "write", "recommend", "suggest", "sell",
                 "target", "targeting", "plan", "campaign", "copy", "email", "sms", "push", "wechat", "message",
                 "post", "text", "notification", "ad", "an", "and", "which", "whats", "what's", "how", "do",
                 "does", "best", "products", "marketing", "plan", "every", "each", "all", "items", "offer", "offers", "promo", "promotion", "strategy",
                 "look", "like", "characterize", "characterise", "analyse", "analyze", "persona", "personas"}
_NOT_A_SEGMENT = {"them", "us", "me", "it", "him", "her", "you", "everyone", "everybody", "all", "each",
                  "every", "all segments", "all customers", "every segment", "each segment", "all groups",
                  "customers", "segment", "segments", "everyone else", "the segment", "that segment",
                  "this segment", "it", "first one", "second one", "the first one", "the second one", "former",
                  "latter", "first", "second", "last", "next month", "next week", "today", "tomorrow", "this week",
                  "english", "chinese", "english version", "chinese version"}
_TIME_LEAD = {"next", "last", "this", "tomorrow", "today", "tonight", "christmas", "black", "the weekend",
              "weekend", "summer", "winter", "holiday", "holidays", "spring", "autumn", "fall", "monday",
              "friday", "saturday", "sunday", "new", "cyber", "double", "singles", "618", "11.11", "double11"}
_SEASONS = {"spring", "summer", "winter", "autumn", "fall", "christmas", "easter", "halloween", "holiday", "holidays"}
_EN_VERBS = {"promote", "push", "feature", "sell", "show", "send", "offer", "recommend", "market", "advertise", "pitch",
             "reach", "buy", "write", "plan", "draft"}
_WITH_PEOPLE = {"kids", "children", "child", "babies", "baby", "toddlers", "teens", "teenagers", "pets", "dogs", "cats",
                "families", "infants"}          # "families with kids": part of the name, not an offer's "with"
_EN_TRAILING_VERBS = {"spend", "spends", "buy", "buys", "shop", "shops", "purchase", "purchases", "prefer", "prefers",
                      "respond", "order", "orders"}
_ARTICLES_EN = {"the", "our", "my", "those", "these", "your"}
_EN_ADVERBS = {"usually", "typically", "generally", "normally", "mostly", "really", "actually", "often", "always",
               "ever", "still", "also", "tend", "tends", "currently", "recently", "regularly", "frequently", "even",
               "already", "just", "only", "better", "more", "most", "best", "less", "least", "overall", "then"}
_TIME_FIRST = {"next", "last", "this", "tomorrow", "today", "tonight", "every", "each", "all"}
# Words that make a phrase something other than a group of customers: pronouns (resolved from the conversation
# instead), the data itself ("in the dataset"), and everyone taken together ("the average customer", "overall").
_PRONOUNS_EN = {"they", "them", "their", "those", "these", "we", "us", "our", "you", "it", "he", "she", "him", "her",
                "everyone", "everybody", "anyone", "anybody", "someone", "somebody", "people", "folks"}
# A bare people noun names nobody in particular ("these shoppers" points back; "how many buyers" counts everyone)
_GENERIC_PEOPLE_EN = {"customers", "customer", "shoppers", "shopper", "buyers", "buyer", "users", "user", "households",
                      "household", "clients", "client", "members", "member", "consumers", "consumer", "guys", "ones",
                      "families", "family", "accounts", "lot", "crowd", "bunch", "group", "groups"}
_DATA_WORDS_EN = {"data", "dataset", "datasets", "database", "system", "records", "table", "tables", "file", "files",
                  "catalog", "catalogue", "overall", "total", "totals", "whole", "entire", "everything", "base",
                  "sample", "numbers", "figures", "history"}
_EVERYONE_FIRST_EN = {"average", "typical", "mean", "median", "normal", "usual", "ordinary", "overall", "total",
                      "whole", "entire", "general", "any", "some", "one", "single", "individual", "many", "much",
                      "few", "more", "less"}
_RANKING_FIRST_EN = {"most", "least", "top", "bottom", "highest", "lowest"}  # "most popular": a ranking, unless a
#                                                                            noun of people follows ("top spenders")
# Collective nouns after a name: "the night owl crowd" → "night owl"; kept when the rest names no people
# ("the weekend crowd": "weekend" is a time), and "people"/"folks" stay after one adjective ("young people").
_COLLECTIVE_EN = {"crowd", "folks", "folk", "bunch", "lot", "gang", "types", "type", "sorts", "sort", "kind", "kinds",
                  "set", "people", "guys", "brigade", "contingent", "camp", "squad", "tribe", "clan", "cohort"}
_SEG_TRAIL_EN = re.compile(rf"\s+{_SEG_WORDS_EN}$")
# Verbs whose first object is who receives ("show the young families", "offer the pet owners"); the phrase after
# them is a segment only when it names people (products, offers and copy are rejected by _clean_en_phrase).
_GIVING_VERBS = (r"show|shows|offer|pitch|sell|send|give|recommend|suggest|feature|email|e-mail|text|mail|push|"
                 r"promote|market|advertise|serve|gift|target|message|ping|notify|tempt|entice|nudge")
_PHRASE = r"(?P<name>[a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){0,4})"

_EN_NAME_PATTERNS = [
    # "the segment called Premium Foodies" — a name given outright
    re.compile(rf"\b{_SEG_WORDS_EN}\s+(?:called|named|labell?ed|known as)\s+['\"]?{_PHRASE}"),
    # "... the young families segment ..." — the words right before a segment word
    re.compile(rf"(?P<name>(?:[a-z][\w'&-]*\s+){{1,4}}){_SEG_WORDS_EN}\b"),
    re.compile(rf"\bwho\s+(?:exactly\s+|really\s+)?(?:are|is)\s+(?:(?:the|our|my|these|those)\s+)?{_PHRASE}"),
    re.compile(rf"\b(?:would|will|do|does|did|might|could|should)\s+(?:(?:the|our|my)\s+)?{_PHRASE}\s+(?:respond|like|"
               rf"love|buy|want|prefer|enjoy|click|react|need|care|contribute|bring|account|generate|spend)\b"),
    re.compile(rf"\bwhat\s+(?:do|does|are|is)\s+(?:(?:the|our|my)\s+)?{_PHRASE}\s+(?:buy|buying|like|want|"
               rf"prefer|look|purchase|into|about|shop|worth|spend|value|care)\b"),
    re.compile(rf"\b(?:describe|profile|explain|summari[sz]e|characteri[sz]e|tell me about|tell me more about|"
               rf"more about|analy[sz]e|(?:lowdown|low-down|rundown|run-down|overview|summary|picture|portrait|profile|"
               rf"persona|breakdown|snapshot|details?|info|information|insights?|intel|read|take)s?\s+(?:on|of|about|for))"
               rf"\s+(?:(?:the|our|my)\s+)?{_PHRASE}"),
    re.compile(rf"\b(?:for|targeting|target|towards|aimed at)\s+(?:(?:the|our|my|all)\s+)?{_PHRASE}"),
    re.compile(rf"\b(?:to|at)\s+(?!(?:promote|push|feature|sell|show|send|offer|recommend|market|reach|buy)\b)"
               rf"(?:(?:the|our|my|all)\s+)?{_PHRASE}"),
    re.compile(rf"\b(?:of|among|in|from)\s+(?:the|our|my)\s+{_PHRASE}"),
    # a follow-up that only names a segment: "and the students?", "what about our night owls", "same for the X"
    re.compile(rf"^(?:and|or|but|now|then|ok|okay|so)?[\s,]*(?:(?:how|what)\s+about|same(?:\s+thing)?\s+for|"
               rf"likewise\s+for|ditto\s+for|for|now)?\s*(?:the|our|my|those|these)\s+{_PHRASE}\s*[?.!]*$"),
    # a verb with two objects: "which products should we show the young families?", "what can we offer the X"
    re.compile(rf"\b(?:{_GIVING_VERBS})\s+(?:the|our|my|those|these)\s+{_PHRASE}"),
]


def _clean_en_phrase(phrase: str, from_right: bool = False) -> str | None:
    """Trim a candidate name phrase. Left-anchored ('for X with ...'): cut at the first boundary word.
    Right-anchored ('... X segment'): keep the words after the last boundary or stop word."""
    words = phrase.strip().split()
    if re.search(r"\b(?:sale|promo|promotion|event|launch|season|campaign)s?$", phrase.strip()):
        return None   # "for a back to school promo": an occasion, even when a boundary word sits inside it
    if from_right:
        cut = [i for i, w in enumerate(words) if re.fullmatch(_EN_BOUNDARY, w) or w in _EN_STOP_LEAD]
        words = words[cut[-1] + 1:] if cut else words
    else:
        article = next((i for i, w in enumerate(words) if i > 0 and w in _ARTICLES_EN), None)
        if article is not None and not any(re.fullmatch(_EN_BOUNDARY, w) for w in words[:article]):
            words = words[article + 1:]       # "win back the lapsed regulars": a verb phrase, then its object
    for i, w in enumerate(words):
        if i > 0 and w in _EN_ADVERBS:         # "the wine lovers typically spend" → "wine lovers"
            words = words[:i]
            break
        if i > 0 and re.fullmatch(_EN_BOUNDARY, w) and not (w == "with" and i + 1 < len(words) and
                                                             words[i + 1] in _WITH_PEOPLE):
            words = words[:i]
            break
        if i > 0 and w in _EN_TRAILING_VERBS:       # "how much do the deal hunters spend" → "deal hunters"
            words = words[:i]
            break
    if words and words[0] in _EN_VERBS:
        return None           # "to promote to the health nuts": the verb's object comes in a later match
    while words and words[0] in _EN_STOP_LEAD and not (words[0] == "best" and len(words) > 1 and
                                                      words[1] in ("customers", "shoppers", "buyers", "clients")):
        words = words[1:]
    phrase = _SEG_TRAIL_EN.sub("", " ".join(words)).strip(" -'")
    phrase = re.sub(r"\s+ones?$", "", phrase)
    phrase = _without_collective_noun(phrase)
    if not phrase or phrase in _NOT_A_SEGMENT or phrase in _TIME_LEAD or phrase.split()[0] in _TIME_FIRST:
        return None
    if not _names_people_en(phrase):
        return None
    if phrase.split()[0] in _SEASONS or re.search(r"\b(?:sale|sales|promotion|promo|event|season|holiday|launch|"
                                                     r"weekend|day)$", phrase):
        return None   # "the spring sale", "black friday weekend" name an occasion, not a segment
    if channel_of(phrase) or re.search(r"\d|campaign|product|item|household|user|customer \d|\b(?:sales|revenue|"
                                         r"turnover|income|total)\b", phrase):
        return None
    return phrase


def _names_people_en(phrase: str) -> bool:
    """False for phrases that name no group: pronouns, the data, everyone taken together, a bare ranking."""
    words = phrase.split()
    if not words or phrase in _PRONOUNS_EN or phrase in _GENERIC_PEOPLE_EN or words[0] in _PRONOUNS_EN - {"people"} or set(words) & _DATA_WORDS_EN or words[0] in _EVERYONE_FIRST_EN:
        return False
    if words[0] in _RANKING_FIRST_EN and (len(words) == 1 or len(words) == 2 and not words[1].endswith("s")):
        return False
    if extract_metrics(phrase) and not _is_people_noun(words[-1]):     # "frequent flyers" are people
        return False
    return extract_length(phrase) is None and extract_explicit_language(phrase) is None


def _without_collective_noun(phrase: str) -> str:
    """'night owl crowd' → 'night owl'; 'weekend crowd' and 'young people' stay whole (see _COLLECTIVE_EN)."""
    words = phrase.split()
    if len(words) < 2 or words[-1] not in _COLLECTIVE_EN:
        return phrase
    rest = words[:-1]
    if words[-1] in ("people", "folks", "folk") and len(rest) == 1 and not rest[0].endswith("s"):
        return phrase
    if rest[0] in _TIME_LEAD or rest[0] in _SEASONS or " ".join(rest) in _NOT_A_SEGMENT:
        return phrase
    return " ".join(rest)


_ZH_STOP = r"(?:的(?:短信|邮件|推送|文案|微信|方案|活动|营销|推文|广告|海报|内容|消息|通知|计划|策略)|专属|专享|定制|写|推荐|主推|推什么|推哪|发|设计|策划|做|制定|推送|准备|生成|创作|撰写|出|规划|安排|弄|想|搞|营销|卖|的营销|用(?!户)|应该|怎么|如何|适合|可以|需要|要|能|，|,|。|？|\?|！|$)"
_ZH_NAME = r"(?P<name>[^\s，。,.!?！？、:：]{2,12}?)"
# A group word after a name: "夜猫子用户这群人", "宝妈那帮人", "健身爱好者这一类人", "学生党这个群体", "老年用户们".
# A bare 人 only counts after a demonstrative (老年人 is a name); 们 only at the very end.
_ZH_DEMONSTRATIVE = r"(?:这|那)(?:一)?(?:个|类|群|些|帮|批|部分|种|伙|拨|样的)?"
_ZH_GROUP_NOUN = r"(?:人群|群体|客群|用户群|客户群|细分|分群|群|组)"
_ZH_SIDE = r"(?:那边|这边|那块|这块|那里|这里|方面|里面|里头|当中|之中|里)"          # "养宠人士那边呢"
_ZH_GROUP_TAIL = rf"(?:{_ZH_DEMONSTRATIVE}\s*(?:{_ZH_GROUP_NOUN}|人|客户|用户|顾客)?|{_ZH_GROUP_NOUN}|{_ZH_SIDE})?们?"
_ZH_GROUP_TAIL_END = re.compile(rf"(?:{_ZH_SIDE}|{_ZH_DEMONSTRATIVE}\s*(?:{_ZH_GROUP_NOUN}|人|客户|用户|顾客)?|{_ZH_GROUP_NOUN}|们)$")
# Adverbs and modals between a name and its verb: "精致白领们会喜欢什么", "宝妈一般都爱买什么"
_ZH_ADVERBS = r"(?:会|都|更|最|比较|一般|通常|可能|大多|主要|平时|平常|经常|常常|往往|还|也|最常|常)*"
_ZH_NAME_PATTERNS = [
    re.compile(rf"(?:给(?!我)|为(?!我)|向|对|针对|面向|推荐给|发给|卖给|对于|关于|帮(?!我|忙|助)){_ZH_NAME}{_ZH_GROUP_TAIL}\s*{_ZH_ADVERBS}\s*{_ZH_STOP}"),
    re.compile(rf"(?:介绍一下|介绍下|介绍|描述一下|描述下|描述|说说|讲讲|聊聊|谈谈|说一说|讲一讲|聊一聊|谈一谈|讲一下|说一下|"
               rf"分析一下|分析下|分析|解释一下|画像一下|了解一下|了解下|了解|认识一下|认识|看一下|看看|剖析一下|剖析)"
               rf"{_ZH_NAME}{_ZH_GROUP_TAIL}\s*(?:的画像|的特征|的特点|是谁|是怎样|是什么样|是哪些|是什么人|都是|$|，|。|？|\?)"),
    re.compile(rf"^{_ZH_NAME}{_ZH_GROUP_TAIL}\s*(?:都|主要|大多|一般|到底|究竟)?(?:是|算)(?:一群|一类|一些|一帮|哪些|哪类|什么|怎样|"
               rf"怎么样|啥|谁)"),
    re.compile(rf"^{_ZH_NAME}{_ZH_GROUP_TAIL}\s*(?:有什么|有哪些|有啥)(?:特点|特征|特性|习惯|偏好)"),
    re.compile(rf"^{_ZH_NAME}{_ZH_GROUP_TAIL}\s*{_ZH_ADVERBS}(?:(?:喜欢|爱|会|想|常)?(?:买|购买|要|用)(?:什么|啥|哪些)|喜欢(?:什么|啥)|的画像|"
               rf"的特征|的特点)"),
    # "写一段红酒爱好者专属的微信文案": a name said as the copy's owner
    re.compile(rf"(?:一段|一条|一封|一篇|一份|一个|段|条|封|篇|份|个){_ZH_NAME}{_ZH_GROUP_TAIL}(?:专属|专享|定制|专用)"),
    re.compile(rf"^{_ZH_NAME}{_ZH_GROUP_TAIL}\s*{_ZH_ADVERBS}(?:适合|应该|喜欢|会买|需要|想要|可能|"
               rf"爱买|偏好|想买|倾向|对)"),
    re.compile(rf"^(?:那|那么|还有)?{_ZH_NAME}{_ZH_GROUP_TAIL}\s*呢"),          # a follow-up: "宝妈群体呢？"
    # "怎么才能留住红酒爱好者": verbs whose object is a group of customers
    re.compile(rf"(?:留住|挽回|召回|唤醒|激活|吸引|拉回|打动|触达|维系|争取|赢回|拉新|转化|留存){_ZH_NAME}{_ZH_GROUP_TAIL}"
               rf"\s*(?:$|？|\?|的|呢|，|,|。|！)"),
    # "同样的看一下流失客户", "也查查新客": a follow-up that names the segment after a looking verb
    re.compile(rf"^(?:那|同样的?|一样的?|也|再)?\s*(?:也)?(?:看一下|看看|看|查一下|查查|查|换成|换为|改成|改为|换|轮到)\s*{_ZH_NAME}"
               rf"{_ZH_GROUP_TAIL}"
               rf"\s*(?:的|呢|吧|$)"),
]
_ZH_NOT_A_SEGMENT = {"前者", "后者", "第一个", "第二个", "他们", "她们", "我们", "所有人", "大家", "所有客户", "每个群", "每个细分", "所有细分", "全部客户",
                     "全部", "所有", "客户", "用户", "下个月", "下周", "这个月", "谁", "英文", "中文", "英语", "中文版",
                     "英文版", "短一点", "长一点", "这群人", "这些人", "那群人", "那些人", "这类人", "这帮人", "这部分人",
                     "这批人", "这些客户", "这群客户", "这部分客户", "这类客户", "会员", "顾客", "家庭", "买家",
                     "消费者", "前面", "后面", "前面那个", "后面那个", "前一个", "后一个", "一共", "总共", "总计", "目前", "现在", "平台", "店里", "店铺", "公司"}


# "每个月", "按周", "上个月", "最近三个月", "今年": when something happened, never who (a segment name)
_ZH_TIME = re.compile(rf"(?:按|每|每个|每一|这个|上个|下个|本|上|下|今|去|明|最近|近|过去)?\s*(?:{NUM})?\s*(?:个)?\s*"
                      r"(?:天|日|周|星期|礼拜|月|月份|季度|季|年|年度)(?:度|内|里|以来)?")


# Chinese phrases that name no group: everyone / the data / us, and rankings unless a people noun ends them
# ("最受欢迎" is a ranking, "最忠诚的客户" a group).
_ZH_EVERYONE = re.compile(r"(?:整体|总体|全体|整个|全部|所有|平均|一般|普通|典型|数据|系统|表里|我们|咱们|店里|平台|"
                          r"总共|一共|总|全店|全站|大盘)")
_ZH_OCCASION = re.compile(r"双十一|双11|双十二|双12|618|春节|中秋|国庆|圣诞|元旦|情人节|周年庆|黑五|大促|年货节|开学季|七夕|端午|"
                          r"元宵|新年|假期|节日|节假日|周末|促销季|换季|会员日")
_ZH_GENERIC_PEOPLE_START = re.compile(r"(?:客户|顾客|用户|会员|买家|消费者|人们|大家|他们|她们|人)(?!群)")
_ZH_RANKING = re.compile(r"^最|^前\s*\d|前[一二两三四五六七八九十]|销量|排名|排行|榜")
_ZH_PEOPLE_END = re.compile(r"(?:客户|顾客|用户|会员|家庭|人群|群体|客群|人|族|党|们|妈|爸|者|户)$")


def _clean_zh_phrase(phrase: str) -> str | None:
    phrase = re.sub(r"^(?:说说|讲讲|聊聊|谈谈|说一说|讲一讲|聊一聊|谈一谈|看看|介绍一下|介绍下|介绍|描述一下|描述|分析一下|分析|告诉我|请问|那么|那|还有)", "",
                    phrase)
    phrase = re.sub(r"^(?:发给|写给|卖给|推荐给|推给|给|为|向|面向|针对)(?=..)", "", phrase)
    phrase = re.sub(r"^(?:一下|下|一个|这个|那个|这些|那些|我们的|我们|我的|的|该|此)", "", phrase)
    phrase = re.sub(r"的$", "", phrase)
    for _ in range(2):                                         # "老年用户这群人们": two tails
        phrase = _ZH_GROUP_TAIL_END.sub("", phrase).strip()
    if len(phrase) < 2 or phrase in _ZH_NOT_A_SEGMENT or channel_of(phrase) or _ZH_TIME.fullmatch(phrase):
        return None
    offer = extract_offer(phrase)[1]
    if offer and len(offer) >= len(phrase) - 1 or extract_length(phrase) or extract_explicit_language(phrase):
        return None          # "换成打九折", "改成短一点", "换成英文": a change of offer / length / language
    if _ZH_GENERIC_PEOPLE_START.match(phrase):
        return None          # "(这些)客户贡献了…": a generic people noun opens no name; the pronoun points back
    if _ZH_OCCASION.search(phrase) or _ZH_EVERYONE.match(phrase) or _ZH_RANKING.search(phrase) and not _ZH_PEOPLE_END.search(phrase):
        return None          # "整体", "数据里", "最受欢迎", "销量前八": everyone, the data, a ranking — no group
    if re.search(r"\d|活动|商品|产品|文案|短信|邮件|推送|销售|收入|订单|客单|品类|趋势|金额|营收|平均|人均|消费额|多少|总数|总量|数量|"
                 r"推荐|写|策划|介绍|怎样|怎么|什么", phrase) \
            or extract_metrics(phrase) and not _ZH_PEOPLE_END.search(phrase):   # "那购买频次呢": a metric
    #                                      ("每周都来的老顾客" names people, though 每周 is also a period)
        return None
    return phrase


ALL_SEGMENTS = "all"
_ALL_SEGMENTS = re.compile(
    rf"\b(?:every|each|all)(?:\s+(?:single|one|last|and every))?(?:\s+of)?(?:\s+(?:the|our|my|these|those|your))?\s+"
    rf"(?:\w+\s+)?{_SEG_WORDS_EN}\b|\b(?:per|by|across)\s+(?:the\s+)?{_SEG_WORDS_EN}\b|"
    rf"\b{_SEG_WORDS_EN} by {_SEG_WORDS_EN}\b|\bfor each\b|\b(?:both|all) of them\b|"
    rf"(?:每个|每一个|每一|所有|全部|各个|各|全体|整个)\s*(?:的)?\s*(?:分群|客群|细分|人群|群体|群组|用户群|客户群|群|组|类)")
_EN_DESCRIPTION = [
    # "who is likely to churn?" → "likely to churn" (a prediction, matched by the churn-risk rule)
    re.compile(r"\bwho\s+(?:is|are|will be)\s+(?:the\s+)?(?:most\s+)?(?P<name>(?:likely|about|going) to (?:churn|leave|lapse|"
               r"stop buying)|at risk(?: of churning)?)"),
    # "which segment is (the) most likely to churn" → "likely to churn"
    # "most" only grades the description; "highest" / "lowest" / "biggest" say which end, and stay
    re.compile(rf"\b(?:which|what)\s+{_SEG_WORDS_EN}\s+(?:is|are|has|have)\s+(?:the\s+)?(?:most\s+)?"
               rf"(?P<name>[a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){{0,3}})"),
]
_ZH_DESCRIPTION = [
    # "流失客户的人均消费" → "流失客户" (a data question about a described segment)
    re.compile(r"^(?P<name>[^\s，。,.!?！？、]{2,8}?)(?:这个|这群)?(?:客群|群体|人群)?的(?:人均|平均|客单|销售|收入|购买|消费|热销|"
               r"畅销|占比|订单|品类|商品|复购|频率|频次|购物|回购)"),
    re.compile(r"^(?P<name>[^\s，。,.!?！？、]{2,8}?)(?:这个|这群)?(?:客群|群体|人群)?(?:贡献|占了|占|带来)"),
    # "养宠人士的营销方案怎么做": a name, 的, and what is made for it
    re.compile(rf"^(?P<name>[^\s，。,.!?！？、的]{{2,10}}?){_ZH_GROUP_TAIL}的(?:营销|方案|计划|活动|文案|推送|短信|邮件|画像|特征|特点|"
               rf"推荐|偏好|喜好|习惯|消费习惯|购物习惯|用户画像|人物画像)"),
    # "退休老人平均每人花多少钱": words that never start a name may follow it without 的
    re.compile(rf"^(?P<name>[^\s，。,.!?！？、]{{2,10}}?){_ZH_GROUP_TAIL}(?:平均|人均|每人|每单|客单价|复购|多久|隔多久|一般|通常|最常|最爱|最喜欢|经常|平时|平常)"),
    # "高价值客户有多少人" → "高价值客户" (a count over a described segment)
    re.compile(r"^(?P<name>[^\s，。,.!?！？、的]{2,8}?)(?:这个|这群)?(?:客群|群体|人群)?(?:一共|总共|共)?有?(?:多少|几)(?!\s*(?:个|款|件|样)?\s*(?:商品|产品|东西|推荐))"),
    # "流失风险高的是哪一群人" → "流失风险"
    re.compile(r"^(?P<name>[^\s，。,.!?！？、]{2,8}?)(?:最高|较高|高|最大|大|最多|多)?的(?:是|有)?哪"),
    re.compile(r"哪(?:个|些|一)?(?:个)?(?:分群|客群|细分|人群|群体|群|组|类)(?:的)?(?:最|更)?(?P<name>[^\s，。,.!?！？、]{2,8}?)(?:高|大|多)?[？?]?$"),
]


def clean_segment_phrase(text: str, language: str) -> str | None:
    """A bare answer naming a segment ("the young families", "高价值客户") as a name phrase, or None."""
    text = normalise(text).strip(" ?.!？。")
    if language == "zh" or _CJK.search(text):
        return _clean_zh_phrase(text)
    return _clean_en_phrase(text)


def mentions_all_segments(text: str) -> bool:
    """'every segment', 'all groups', 'per segment', '每个分群', '所有客群' → True."""
    return bool(_ALL_SEGMENTS.search(normalise(text)))


def extract_segment(text: str, language: str) -> int | str | None:
    """A segment number if one is said, "all" for every segment, else a name or description phrase kept as text
    (resolved later by `assistant.api.segment_lookup`)."""
    number = extract_segment_number(text)
    if number is not None:
        return number
    if _ALL_SEGMENTS.search(text):
        return ALL_SEGMENTS
    if language == "zh" or _CJK.search(text):
        for pattern in _ZH_DESCRIPTION:
            m = pattern.search(text)
            if m and _clean_zh_phrase(m.group("name")):
                return _clean_zh_phrase(m.group("name"))
    for pattern in _EN_DESCRIPTION:
        m = pattern.search(text)
        if m:  # a description ("likely to churn") keeps its small words; only the tail is cut
            name = re.split(r"\s+(?:and|so|because|please|right now|now|today)\b|[?.!,]", m.group("name"))[0].strip()
            if name and name not in _NOT_A_SEGMENT and not channel_of(name):
                return name
    if language == "zh" or _CJK.search(text):
        for pattern in _ZH_NAME_PATTERNS:
            for m in pattern.finditer(text):
                name = _clean_zh_phrase(m.group("name"))
                if name:
                    return name
    for k, pattern in enumerate(_EN_NAME_PATTERNS):
        for m in _overlapping(pattern, text):
            name = _clean_en_phrase(m.group("name"), from_right=(k == 1))
            if name:
                return name
    return _group_noun_phrase(text) if not _CJK.search(text) else None


def _overlapping(pattern: re.Pattern, text: str):
    """Every match of `pattern`, including those that start inside an earlier match ("of our sales comes from the
    X": the rejected "sales comes" must not hide "the X")."""
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        yield m
        following = _WORD_START.search(text, m.start() + 1)     # the next try starts at a word, never inside one
        if following is None:
            return
        pos = following.start()


_WORD_START = re.compile(r"(?<![a-z0-9'&-])[a-z0-9]")


# The last resort for English: "the/our <words> <people noun>" anywhere ("what makes the weekend warriors tick",
# "write the snack lovers a short email"). A people noun is a known one or an agent noun (-ers, -ors, -ists, -ants,
# -ents, -ans, -ees, -ies); plural things (products, results, holidays …) are not.
_PEOPLE_NOUNS_EN = {"people", "folks", "moms", "mums", "dads", "kids", "teens", "singles", "couples", "millennials",
                    "boomers", "seniors", "locals", "regulars", "vips", "whales", "nuts", "foodies", "fans", "pros",
                    "newbies", "owls", "birds", "bees", "youth", "elderly", "crowd", "bunch", "gen", "students",
                    "parents", "families", "newcomers", "loyalists", "churners", "lapsers", "spenders", "savers"}
_PEOPLE_SUFFIX_EN = re.compile(r"(?:ers|ors|ists|ants|ents|ans|ees|ies)$")
_NOT_PEOPLE_EN = {"products", "items", "categories", "departments", "sales", "numbers", "figures", "results", "stats",
                  "details", "basics", "options", "changes", "differences", "trends", "insights", "channels",
                  "campaigns", "offers", "deals", "discounts", "coupons", "emails", "messages", "texts", "words",
                  "orders", "baskets", "transactions", "purchases", "prices", "costs", "margins", "holidays",
                  "metrics", "kpis", "sellers", "goods", "skus", "brands", "stores", "ideas", "recommendations",
                  "suggestions", "picks", "alternatives", "substitutes", "others", "contents", "plans", "entries",
                  "deliveries", "groceries", "batteries", "berries", "cherries", "pastries", "supplies", "accessories",
                  "vegetables", "centers", "counters", "burgers", "crackers", "peppers", "containers", "ingredients",
                  "points", "answers", "reports", "charts", "tables", "letters", "posters", "banners",
                  "vouchers", "stickers", "timers", "filters", "parameters", "numbers", "orders", "members"}


def _group_noun_phrase(text: str) -> str | None:
    for m in re.finditer(r"\b(?:the|our|my|those|these)\s+([a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){0,3})", text):
        words: list[str] = []
        for w in m.group(1).split():
            if re.fullmatch(_EN_BOUNDARY, w) or w in _EN_STOP_LEAD or w in ("a", "an", "some", "any", "their", "its"):
                break
            words.append(w)
        while words and not _is_people_noun(words[-1]):
            words.pop()
        name = _clean_en_phrase(" ".join(words)) if words else None
        if name:
            return name
    return None


def _is_people_noun(word: str) -> bool:
    return word in _PEOPLE_NOUNS_EN or bool(_PEOPLE_SUFFIX_EN.search(word)) and word not in _NOT_PEOPLE_EN


def extract_channel(text: str) -> str | None:
    """email / sms / push / wechat (the first one mentioned), else None."""
    return channel_of(text)


_PCT = r"(\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b|pct\b)"
_OFFER_PCT_PATTERNS = [
    re.compile(rf"{_PCT}\s*(?:off\b|discount|reduction|cheaper|lower|saving|coupon|voucher|promo|markdown|sale)"),
    re.compile(rf"(?:save|saving|discount of|discount|get|take|with|offering|offer|coupon for|coupon|voucher|"
               rf"sale of|markdown of|reduction of|knock off)\s+(?:an?\s+)?(?:extra\s+|additional\s+)?{_PCT}"),
    re.compile(rf"(?:优惠|折扣|立减|直降|减|降价|便宜|让利|打折)\s*{_PCT}"),
    re.compile(rf"{_PCT}\s*(?:的)?\s*(?:优惠|折扣|减免|立减|off)"),
]
_ZHE = re.compile(rf"(?:打\s*)?((?:\d+(?:\.\d+)?)|[{_ZH_NUM_CHARS}点]+)\s*折")
_OTHER_OFFERS = re.compile(
    r"free shipping|free delivery|buy one,? get one(?: free)?|bogo|\$\s?\d+(?:\.\d+)? off|\d+ (?:dollars?|euros?|"
    r"yuan|rmb) off|double points|free gift|gift with purchase|half price|half off|包邮|免运费|免邮|买一送一|第二件半价|"
    r"满\s*\d+\s*减\s*\d+|\d+\s*元(?:优惠券|券|红包|立减)|(?:立减|减)\s*\d+\s*元|半价|赠品|送礼品|双倍积分|优惠券|coupon")


def extract_offer(text: str) -> tuple[float | None, str | None]:
    """(percent off, offer as typed). '15% off' → (15.0, '15% off'); '八折' → (20.0, '八折'); '包邮' → (None, '包邮')."""
    for pattern in _OFFER_PCT_PATTERNS:
        m = pattern.search(text)
        if m:
            pct = float(m.group(1))
            if 0 < pct < 100:
                return pct, _offer_span(text, m)
    m = _ZHE.search(text)
    if m:
        pct = zhe_to_percent_off(m.group(1))
        if pct is not None:
            return pct, m.group(0).replace(" ", "")
    if "半价" in text or re.search(r"\bhalf (?:price|off)\b", text):
        m = re.search(r"第二件半价|半价|half (?:price|off)", text)
        return (50.0 if m.group(0) != "第二件半价" else None), m.group(0)
    m = _OTHER_OFFERS.search(text)
    if m:
        return None, m.group(0)
    m = re.search(_PCT, text)              # a bare percentage in a copy/plan request is the discount
    if m:
        pct = float(m.group(1))
        if 0 < pct < 100:
            return pct, m.group(0)
    return None, None


def _offer_span(text: str, m: re.Match) -> str:
    """The offer as typed, minus lead-in verbs: 'with 15% off' → '15% off'."""
    span = m.group(0)
    span = re.sub(r"^(?:save|saving|get|take|with|offering|offer|coupon for|knock off|discount of|discount|sale of|"
                  r"markdown of|reduction of)\s+", "", span)
    return span.strip()


_ALGORITHMS = [
    ("kmeans", r"k-?means|k means|k均值|k-均值"),
    ("hdbscan", r"hdbscan|dbscan|density[- ]based|密度聚类"),
    ("gmm", r"\bgmm\b|gaussian mixture|mixture model|高斯混合"),
    ("agglomerative", r"agglomerative|hierarchical|ward|层次聚类|层级聚类"),
]


def _first_named(table: Iterable[tuple[str, str]], text: str) -> str | None:
    """The name of the first (name, pattern) row whose pattern occurs in `text`."""
    return next((name for name, pattern in table if re.search(pattern, text)), None)


def extract_algorithm(text: str) -> str | None:
    return _first_named(_ALGORITHMS, text)


_GROUPS_EN = (r"(?:segments|groups|clusters|personas|buckets|tiers|cohorts|audiences|segs|types|kinds|categories|"
              r"components|partitions|classes|profiles)")
_N_SEGMENTS_PATTERNS = [
    re.compile(rf"\bk\s*=\s*(\d+)"),
    re.compile(rf"({NUM})\s+(?:[a-z-]+\s+){{0,2}}{_GROUPS_EN}\b"),
    re.compile(rf"\binto\s+({NUM})\b"),
    re.compile(rf"(?:(?:分|划|划分|聚|聚类|切|切分|拆|拆分|归|归纳|细分)(?:成|为|出)|分)\s*({NUM})\s*(?:个)?\s*"
               rf"(?:组|类|群|簇|段|细分|客群|人群|部分|档)?"),
    re.compile(rf"({NUM})\s*个\s*(?:组|类|群|簇|段|细分|客群|人群|分群|用户群)"),
]


def _first_number(patterns, text: str, low: int | None = None, high: int | None = None) -> int | None:
    """The first number captured by any pattern that lies in [low, high] (unbounded where None)."""
    for pattern in patterns:
        for m in pattern.finditer(text):     # every match: '分一下群，分成十类' → skip 一, take 十
            value = parse_number(m.group(1))
            if value is not None and (low is None or value >= low) and (high is None or value <= high):
                return value
    return None


def extract_n_segments(text: str) -> int | None:
    """'split into 5 groups' → 5, 'six clusters' → 6, 'k=4' → 4, '分成五组' → 5, '聚成8类' → 8."""
    return _first_number(_N_SEGMENTS_PATTERNS, text, 2, 100)


_ID = r"([a-z]*[-_]?\d[a-z0-9_-]*)"  # ASCII only: \w would swallow Chinese
_USER_PATTERNS = [
    re.compile(rf"\b(?:household|house hold|hh|user|customer|client|member|shopper|buyer|account|uid|user id|"
               rf"customer id|household id|household_key|id)\s*(?:#|no\.?|number|id|key)?\s*[:=]?\s*#?\s*{_ID}"),
    re.compile(rf"(?:用户|客户|顾客|会员|家庭|住户|买家|账号|账户)\s*(?:编号|号|id|#)?\s*(?:是|为)?\s*[:：]?\s*#?\s*{_ID}"),
    re.compile(rf"(\d+)\s*号\s*(?:用户|客户|顾客|会员|家庭)"),
    re.compile(r"#\s*([a-z0-9_]*\d[a-z0-9_]*)"),
]


def extract_user_id(text: str) -> str | None:
    """'household #1029' → '1029', 'user 1029' → '1029', '用户1029' → '1029', 'customer C-042' → 'c-042'.

    Falls back to the one longish number (>= 3 digits) in the sentence when no keyword precedes it."""
    for pattern in _USER_PATTERNS:
        m = pattern.search(text)
        if m:
            return m.group(1).strip("-_")
    numbers = [n for n in re.findall(r"(?<![a-z0-9_.%])(\d{3,})(?![a-z0-9_%])", text)]   # not \w: 汉字 are \w
    return numbers[0] if len(numbers) == 1 else None


_CAMPAIGN_PATTERNS = [
    re.compile(rf"\b(?:campaign|promo|promotion|coupon campaign|mailing|campaign id)\s*(?:#|no\.?|number|id)?\s*"
               rf"[:=]?\s*#?\s*{_ID}"),
    re.compile(rf"(?:活动|营销活动|促销活动|促销|campaign)\s*(?:编号|号|id|#)?\s*[:：]?\s*#?\s*(\d[a-z0-9_-]*|[{_ZH_NUM_CHARS}]+)"),
    re.compile(rf"(\d+|[{_ZH_NUM_CHARS}]+)\s*号\s*(?:活动|促销|营销活动)"),
    re.compile(rf"第\s*(\d+|[{_ZH_NUM_CHARS}]+)\s*(?:期|个|次|号)?\s*(?:活动|促销|营销活动)"),
    re.compile(r"#\s*([a-z0-9_]*\d[a-z0-9_]*)"),
]


def _keyword_user_id(text: str) -> str | None:
    """A customer id only when a keyword names it ('household 2500'), never a bare number."""
    for pattern in _USER_PATTERNS[:3]:
        m = pattern.search(text)
        if m:
            return m.group(1).strip("-_")
    return None


def _keyword_campaign_id(text: str) -> str | None:
    """A campaign id only when a keyword names it ('campaign 13', '活动18')."""
    for pattern in _CAMPAIGN_PATTERNS[:4]:
        m = pattern.search(text)
        if m:
            token = m.group(1).strip("-_")
            value = zh_to_int(token)
            return str(value) if value is not None else token
    return None


def extract_campaign_id(text: str) -> str | None:
    """'campaign 18' / 'campaign #18' / '活动18' / '18号活动' / '第十八期活动' → '18'; else the one number said."""
    for pattern in _CAMPAIGN_PATTERNS:
        m = pattern.search(text)
        if m:
            token = m.group(1).strip("-_")
            value = zh_to_int(token)
            return str(value) if value is not None else token
    numbers = re.findall(r"(?<![\w.%])(\d+)(?![\w%])", text)
    return numbers[0] if len(numbers) == 1 else None


_PRODUCT_ID = re.compile(rf"\b(?:item|product|sku|article|prod|item id|product id|商品|产品|货号)\s*"
                         rf"(?:#|no\.?|id|编号|号)?\s*[:：=]?\s*#?\s*{_ID}")
_PRODUCT_ID_ZH = re.compile(rf"(?:商品|产品|货号|sku)\s*(?:编号|号|id|#)?\s*[:：]?\s*#?\s*{_ID}")
_PRODUCT_TEXT_EN = [
    re.compile(r"(?:similar to|alternatives? (?:to|for)|substitutes? (?:for|to)|replacements? for|related to|"
               r"comparable to|resembling|close to|lookalikes? (?:of|for)|dupes? (?:of|for)|instead of|"
               r"in place of|swap for|similar items to|similar products to|(?:goes?|pairs?|works?|fits?|matches?)\s+(?:well\s+|nicely\s+|best\s+|great\s+)?with|"
               r"complements?|along with|in the (?:same )?(?:vein|style|spirit|mould|mold) (?:as|of)|along the lines of|"
               r"akin to|reminiscent of|in the same (?:category|range|family) as|same kind of thing as|"
               r"(?:other|more) versions of|the likes of)\s+(?:(?:the|a|an|our|my|this|that|some)\s+)?(?P<p>[^?.!,;]+)"),
    re.compile(r"(?:products?|items?|things?|stuff|more|anything|something|others?|else|ones?)\s+(?:(?:is|are|that'?s|"
               r"that are|which (?:is|are)|we (?:have|sell|carry|stock))\s+)?(?:just\s+|a bit\s+|kind of\s+|sort of\s+|"
               r"a lot\s+|much\s+|quite\s+)?like\s+"
               r"(?:(?:the|a|an|our|my|this|that|some)\s+)?(?P<p>[^?.!,;]+)"),
    re.compile(r"(?:people|customers|shoppers|those) who (?:buy|bought|like|liked|purchase|purchased)\s+"
               r"(?:(?:the|a|an|our|my)\s+)?(?P<p>[^?.!,;]+?)\s+(?:also|usually|often|tend)"),
    re.compile(r"^(?P<p>[^?.!,;]+?)\s+(?:alternatives|substitutes|lookalikes|dupes)\b"),
    re.compile(r"\b(?:replace|substitute|swap out|stand in for|take the place of|fill in for)\s+(?:(?:the|a|an|our|my|this|that)\s+)?"
               r"(?P<p>[^?.!,;]+)"),
    # the last resort: "... like the X", "... resembling our X" (a likeness said any other way)
    re.compile(r"\b(?:like|resembles?|resembling|as)\s+(?:the|a|an|our|my|this|that)\s+(?P<p>[^?.!,;]+)"),
]
_PRODUCT_TEXT_ZH = [
    re.compile(r"(?:和|与|跟|同|像)\s*(?P<p>[^，。,.!?！？]{1,30}?)\s*(?:类似|相似|差不多|相近|一样|相关|同类|接近|搭配)"),
    re.compile(r"^(?:有没有|有什么|有哪些)?\s*(?P<p>[^，。,.!?！？]{1,30}?)\s*的\s*(?:替代品|同类商品|同类产品|相似商品|"
               r"类似商品|相似产品|类似产品|平替|替代)"),
    re.compile(r"^(?P<p>[^，。,.!?！？]{1,30}?)\s*(?:有什么|有哪些|有没有|有啥)\s*(?:可以|能|能够)?\s*(?:替代|代替|平替|"
               r"类似|相似)"),
    re.compile(r"(?:类似于|相似于|类似|相似|替代|代替)\s*(?P<p>[^，。,.!?！？的品]{2,30})\s*(?:的|$)"),
    re.compile(r"(?:买了|购买|喜欢)\s*(?P<p>[^，。,.!?！？]{1,30}?)\s*(?:的人|的顾客|的用户|的客户)"),
]
_PRODUCT_TRAIL = re.compile(r"\s+(?:please|pls|for me|for us|in stock|instead|too|also|we sell|we have|"
                            r"in the catalog(?:ue)?|in our catalog(?:ue)?|that we carry)$")


def extract_product(text: str) -> tuple[str | None, bool]:
    """(product id or product text, is_id). 'products similar to item 12345' → ('12345', True);
    'alternatives to organic whole milk' → ('organic whole milk', False); '和有机牛奶类似的商品' → ('有机牛奶', False)."""
    for pattern in (_PRODUCT_ID, _PRODUCT_ID_ZH):
        m = pattern.search(text)
        if m:
            return m.group(1).strip("-_"), True
    patterns = (_PRODUCT_TEXT_ZH + _PRODUCT_TEXT_EN) if _CJK.search(text) else _PRODUCT_TEXT_EN
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            product = m.group("p").strip(" '\"“”‘’「」《》")
            product = re.sub(r"^(?:what|which|any|the|a|an)\s+", "", product)
            product = re.sub(r"^(?:这个|那个|这款|那款|一款)", "", product)
            for _ in range(2):
                product = _PRODUCT_TRAIL.sub("", product).strip()
            if product and not re.fullmatch(r"(?:it|this|that|them|one|这个|那个)", product):
                return product, False
    m = re.search(r"#\s*([a-z0-9_]*\d[a-z0-9_]*)", text)
    if m:
        return m.group(1), True
    return None, False


_TOP_K_PATTERNS = [
    re.compile(rf"\btop\s*-?\s*({NUM})\b"),
    re.compile(rf"\b(?:just|only|max|maximum|at most|up to|no more than|limit(?: it)? to)\s+({NUM})\b(?!\s*%)"),
    re.compile(rf"\b({NUM})\s+(?:[\w-]+\s+)?(?:products|items|recommendations|recs|suggestions|ideas|skus|picks|"
               rf"things|alternatives|substitutes|options|categories|departments|brands|sellers)\b"),
    re.compile(rf"前\s*({NUM})\s*(?:个|款|件|名|样)?"),
    re.compile(rf"(?:推荐|挑|选|列出|列|给我|要|来|看|显示|只要|只看)\s*({NUM})\s*(?:个|款|件|样|条)"),
    re.compile(rf"({NUM})\s*(?:个|款|件|样)\s*(?!会员|用户|客户|顾客|家庭|人)(?:\w{{0,4}})?(?:商品|产品|推荐|替代品|东西|品类|类目|类别|"
               rf"大类|单品)"),
]


def extract_top_k(text: str) -> int | None:
    """'top 5' / '10 products' / '前5个' / '三款商品' → k."""
    return _first_number(_TOP_K_PATTERNS, text, 1, 200)


def extract_report_format(text: str) -> str | None:
    if re.search(r"markdown|\bmd\b|\.md\b", text):
        return "md"
    if re.search(r"html|web ?page|browser|网页|浏览器", text):
        return "html"
    return None


def extract_copy_language(text: str, language: str) -> str:
    """The language the copy must be written in: said explicitly ('in Chinese', '英文版'), else the utterance's."""
    if re.search(r"\b(?:in|into)\s+(?:simplified\s+)?(?:chinese|mandarin)\b|\bchinese\s+(?:copy|version|text|"
                 r"message|sms|email|post|ad)\b|用中文|中文版|中文的|写成中文|翻译成中文", text):
        return "zh"
    if re.search(r"\b(?:in|into)\s+english\b|\benglish\s+(?:copy|version|text|message|sms|email|post|ad)\b|"
                 r"英文|英语", text):
        return "en"
    return language


# ----------------------------------------------------------------------------------------------------------------
# Data questions, comparisons, audiences, follow-ups

def extract_segment_list(text: str, language: str) -> list[int | str] | None:
    """Segments to compare: numbers ('segment 0 and 1', '第0组和第3组') or name phrases ('the young families with
    the high-value customers'); None = all segments."""
    if _ALL_SEGMENTS.search(text) or re.search(r"\ball\b|side by side|所有|全部|各个", text) and \
            not re.search(r"\d", text):
        return None
    if re.search(rf"{_SEG_WORDS_EN}|{_SEG_WORDS_ZH}|第", text):
        tokens = re.findall(rf"(?<![\d.])(\d+)(?![\d%折])|第\s*([{_ZH_NUM_CHARS}]+)|([{_ZH_NUM_CHARS}]+)\s*(?:号|组|群|类)|"
                            rf"\b(?:{_SEG_WORDS_EN}|and|vs|or)\s+({_EN_NUM_WORDS})\b", text)
        numbers = [parse_number(next(t for t in groups if t)) for groups in tokens]
        numbers = [n for n in numbers if n is not None and n < 100]
        if len(numbers) >= 2:
            return list(dict.fromkeys(numbers))
    return _two_compared_names(text)


# Two names around a comparison word: "A vs B", "A compared with B", "what separates A from B", "学生党跟上班族比，
# 有什么不同", "宝妈和白领用户相比". The left name is read from its right end (after the last verb or article), the
# right name from its left end; a comparison verb or question after either is not part of it.
_COMPARE_LEAD = re.compile(r"^.*?\b(?:compare|comparison of|contrast|difference between|differences between)\s+|"
                           r"^(?:请|帮我|麻烦)?(?:比较|对比|比一比|比一下|区分)(?:一下)?")
_COMPARE_SPLIT = re.compile(r"\s+(?:compared (?:to|with)|as opposed to|vs\.?|versus|against|with|and|to|from)\s+|"
                            r"(?<=\S)\s*(?:和|与|跟|同|对比|对上|vs\.?|比)\s*")
_COMPARE_LEFT_TAIL_EN = re.compile(r"\s+(?:(?:stack|measure|match|line|size)s?\s+up|compare[sd]?|differs?|fares?|"
                                   r"contrasts?|rank|ranks|different|similar|alike|unlike|distinct|vary|varies|"
                                   r"(?:so\s+|any\s+|really\s+)?(?:different|similar))$")
_COMPARE_RIGHT_TAIL_EN = re.compile(r"\s*(?:[?.!,;:]|\s[—–-]\s|\b(?:which|who|how|what|in terms|side by side)\b).*$")
_COMPARE_TAIL_ZH = re.compile(r"(?<=.)(?:相比|相比较|比起来|比较起来|比较|对比|比一比|比)(?:一下|起来|之下)?.*$|[，,。？?!！].*$|"
                              r"(?:有什么|有何|有啥|的)?(?:区别|不同|差别|差异|不一样|差在|哪个|谁更|谁).*$")


def _two_compared_names(text: str) -> list[str] | None:
    for body in dict.fromkeys((_COMPARE_LEAD.sub("", text.strip()), text.strip())):
        names = _names_around_connector(body)   # "compare A with B", or "how do A compare with B"
        if names:
            return names
    return None


def _names_around_connector(body: str) -> list[str] | None:
    parts = _COMPARE_SPLIT.split(body, maxsplit=1)
    if len(parts) != 2:
        return None
    names = []
    for side, part in zip(("left", "right"), parts):
        part = part.strip()
        if _CJK.search(part):
            name = _clean_zh_phrase(_COMPARE_TAIL_ZH.sub("", part).strip())
        elif side == "left":
            name = _clean_en_phrase(_COMPARE_LEFT_TAIL_EN.sub("", part), from_right=True)
        else:
            name = _clean_en_phrase(_COMPARE_RIGHT_TAIL_EN.sub("", part))
        if not name:
            return None
        names.append(name)
    return names


_WORD_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "quarter": 90, "year": 365,
              "天": 1, "日": 1, "周": 7, "星期": 7, "个月": 30, "月": 30, "季度": 90, "年": 365}
_EN_UNITS = r"(days?|weeks?|fortnight|months?|quarters?|years?)"
_ZH_UNITS_TIME = r"(天|日|周|星期|个月|月|季度|年)"
# A window said as "the last 3 weeks", or, when nothing says "last", as "in/for/within 45 days" ("haven't in 45
# days", "haven't come back for six weeks"); Chinese "最近两周", "近三个月", or a span before 没/未/内 ("半年没再买").
_PERIOD_PATTERNS = [
    re.compile(rf"(?:last|past|previous|recent)\s+(?:({NUM})\s+)?{_EN_UNITS}"),
    re.compile(rf"\b(?:in|for|within|over)\s+(?:the\s+)?({NUM}|a|an)\s+{_EN_UNITS}"),
    re.compile(rf"(?:最近|近|过去|这|上)\s*({NUM})?\s*(?:个)?\s*{_ZH_UNITS_TIME}"),
    re.compile(rf"({NUM}|半)\s*(?:个)?\s*{_ZH_UNITS_TIME}\s*(?:内|以来|里|没|未|都没|不曾)"),
]


def _period_days(text: str) -> tuple[int | None, re.Match | None]:
    for pattern in _PERIOD_PATTERNS:
        m = pattern.search(text)
        if m:
            token = m.group(1)
            n = 0.5 if token == "半" else 1 if token in (None, "a", "an") else parse_number(token)
            unit = m.group(2)
            unit = unit if _CJK.search(unit) else unit.rstrip("s")
            if token == "半" and unit == "年":
                return 180, m                                  # half a year = six 30-day months
            return int(round((n or 1) * _WORD_DAYS.get(unit, 30))), m
    return None, None


def extract_audience(text: str) -> dict[str, Any]:
    """'customers who bought baby products but not in the last month' → {'bought': 'baby products',
    'within_days': None, 'not_within_days': 30}."""
    bought = None
    m = re.search(r"\b(?:bought|purchased|buy|buys|purchase|ordered|order)\s+(?:any\s+|some\s+)?(?P<p>[a-z][\w'&-]*"
                  r"(?:\s+[a-z][\w'&-]*){0,3}?)(?=\s+(?:but|in|during|within|over|last|and|who|before|since|recently|"
                  r"not|at)\b|[,?.!]|$)", text)
    m = m or re.search(r"\b(?:buyers|purchasers|customers|shoppers|fans)\s+of\s+(?:the\s+)?(?P<p>[a-z][\w'&-]*"
                       r"(?:\s+[a-z][\w'&-]*){0,3}?)(?=\s+(?:who|that|but|in|and)\b|[,?.!]|$)", text)
    if m:
        bought = re.sub(r"^(?:the|a|an)\s+", "", m.group("p"))
    else:
        m = re.search(r"(?:买过|购买过|买了|购买了|购买|买)(?P<p>[^，。,.!?！？、但的没]{1,12}?)(?:但|的|，|,|。|、|$|却|而)", text)
        if m:
            bought = m.group("p")
    days, pm = _period_days(text)
    negated = bool(re.search(r"\bbut not\b|\bnot (?:in|within|during|over|since)\b|haven'?t|hasn'?t|have not|"
                             r"has not|didn'?t|no (?:purchase|order)s?|没买|没有买|没购买|未购买|没再买|没有再买", text))
    return {"bought": bought, "within_days": None if negated else days,
            "not_within_days": days if negated else None}


# Length changes, said many ways. A bare "short" in a first request ("draft a short push") is a format, not a change:
# only comparatives and change verbs count.
_SHORTER = re.compile(
    r"shorter|shorten|more concise|\bconcise|less text|less wordy|fewer words|fewer lines|tighter|tighten|\btrim|"
    r"cut (?:it |this |that |the copy |the text )?(?:down|back|in half)|briefer|keep it (?:brief|short|tight)|"
    r"make it (?:brief|short|tight)|condense|crisper|less long|too long|"
    r"短一点|短一些|短些|更短|改短|写短|缩短|精简|简短|压缩|删减|字数少|少一点字|少点字|少写|简洁|简练|太长|长了")
_LONGER = re.compile(
    r"longer|lengthen|more detail(?:ed)?|expand|elaborate|flesh (?:it |this )?out|fuller|richer|more words|"
    r"too short|add more|more content|"
    r"长一点|长一些|长些|更长|写长|扩写|扩充|展开|详细|多写一点|多写一些|多写点|丰富|充实|太短|短了|具体一点|具体一些|具体些")


def extract_length(text: str) -> str | None:
    if _SHORTER.search(text):
        return "shorter"
    if _LONGER.search(text):
        return "longer"
    return None


def extract_explicit_language(text: str) -> str | None:
    """The language asked for explicitly ('now in Chinese', '用英文写'), else None."""
    if re.search(r"\b(?:in|into|to)\s+(?:simplified\s+)?(?:chinese|mandarin)\b|\bchinese\b|中文|汉语|华文", text):
        return "zh"
    if re.search(r"\b(?:in|into|to)\s+english\b|\benglish\b|英文|英语", text):
        return "en"
    return None


# ----------------------------------------------------------------------------------------------------------------
# The next campaign: who to send to, how big the next test must be; product search

_TARGET_QUESTION = re.compile(
    r"\bwho(?:m)?\b|\bwhich (?:customers|users|people|households|shoppers|buyers|audience|segments?|groups?)\b|"
    r"\bsend (?:it |them |the (?:next )?\w+ )?to\b|\btarget\b|\bgo after\b|\bworth (?:sending|contacting)\b|"
    r"\bpersuadable|\buplift model|针对|投放|发给|发送给|哪些人|哪些客户|哪个客群|哪些客群|找谁|给谁|谁")
_OUTCOMES = (("converted", r"convert|conversion|purchase|buy|sale|转化|购买|下单"),
             ("visited", r"visit|came back|come back|到店|到访|回访"),
             ("clicked", r"click|点击"), ("opened", r"\bopen|打开|打开率"), ("redeemed", r"redeem|coupon use|核销|兑换"))


def extract_next_campaign_focus(text: str) -> str:
    """'target' when the question is who to send the next campaign to (uplift targeting), else 'advice'."""
    return "target" if _TARGET_QUESTION.search(text) else "advice"


def extract_outcome(text: str) -> str | None:
    """The outcome an uplift model should lift ('who will convert' → 'converted'); None = the caller's default."""
    return _first_named(_OUTCOMES, text)


_NUMBER = r"(\d+(?:\.\d+)?)"
_MDE_POINTS = [re.compile(rf"{_NUMBER}\s*(?:percentage[- ]points?|pp\b|points?\b)"),
               re.compile(rf"{_NUMBER}\s*个?\s*百分点")]
_MDE_PCT = [re.compile(rf"{_NUMBER}\s*%\s*(?:relative\s+)?(?:lift|uplift|increase|improvement|effect|change|"
                       rf"difference|rise|boost|gain|better|more)"),
            re.compile(rf"(?:lift|uplift|increase|improvement|effect|change|difference|rise|boost|gain)\s+"
                       rf"(?:of\s+|by\s+)?{_NUMBER}\s*%"),
            re.compile(rf"(?:提升|提高|增长|增加|上升|差异|效果)(?:了)?\s*{_NUMBER}\s*%"),
            re.compile(rf"{_NUMBER}\s*%\s*(?:的)?(?:提升|提高|增长|增加|上升|差异|效果)")]
_BASELINE = [re.compile(rf"(?:baseline|base rate|current (?:conversion )?rate|conversion rate|control rate)\s*"
                        rf"(?:conversion\s+)?(?:rate\s+)?(?:of|is|=|at|:)?\s*{_NUMBER}\s*%"),
             re.compile(rf"(?:基线|基准|当前转化率|现在的转化率|转化率|对照组转化率)\s*(?:是|为|在|=|：|:)?\s*{_NUMBER}\s*%")]


def _first_float(patterns, text: str) -> tuple[float | None, str]:
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            return float(m.group(1)), text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    return None, text


def extract_sample_size(text: str) -> dict[str, Any]:
    """'how many customers per arm to detect a 10% lift?' → mde_pct 10.0; '2 percentage points' → mde_points 2.0;
    'baseline 5%' / '转化率5%' → baseline_pct 5.0; 'campaign 18' → campaign_id '18'."""
    baseline, rest = _first_float(_BASELINE, text)
    points, rest = _first_float(_MDE_POINTS, rest)
    pct, rest = _first_float(_MDE_PCT, rest) if points is None else (None, rest)
    if pct is None and points is None:
        m = re.search(rf"{_NUMBER}\s*%", rest)          # a bare percentage in a sample-size question is the lift
        pct = float(m.group(1)) if m else None
    return {"mde_pct": pct, "mde_points": points, "baseline_pct": baseline, "campaign_id": _keyword_campaign_id(text)}


# Where a search looks (not what it looks for): "search our range for kombucha", "find X in our store"
_CATALOGUE_EN = (r"range|catalog(?:ue)?|shop|store|inventory|assortment|selection|stock|products?|items?|listings?|"
                 r"shelves|site|website|offer|offering|lines|skus")
_SEARCH_EN = [
    re.compile(r"\b(?:look up|lookup|find|search for|search)\s+(?P<q>[^?!]+?)\s+in (?:the|our) (?:product\s+)?(?:catalog(?:ue)?|shop|store)"),
    re.compile(r"\b(?:search|look up|lookup|find|show)\s+(?:(?:the|our|my)\s+)?(?:products?|items?|catalog(?:ue)?|"
               r"skus?)\s*(?:for|about|matching|with|containing|named|called|on)?\s*[:\-]?\s*(?P<q>[^?!]+)"),
    re.compile(rf"\b(?:search|look|looking|browse|check|scan|comb|dig|hunt)\s+(?:through\s+|in\s+|in\s+to\s+|into\s+|"
               rf"across\s+)?(?:(?:the|our|my|your)\s+)?(?:(?:{_CATALOGUE_EN})\s+)?(?:for)\s+(?P<q>[^?!]+)"),
    re.compile(r"\b(?:do|does|did)\s+(?:we|you|the (?:shop|store))\s+(?:still\s+|even\s+|currently\s+)?(?:sell|have|carry|"
               r"stock|offer|list|do|got)\s+(?:any\s+|some\s+)?(?P<q>[^?!]+?)\s*(?:in (?:the|our) (?:catalog(?:ue)?|"
               r"range|store|shop)|in stock|at all)?[?!.\s]*$"),
    re.compile(r"\b(?:do we (?:sell|have|carry)|are there any|any)\s+(?:products?|items?)?\s*(?:with|about|for|"
               r"containing|named|called|like)?\s*(?P<q>[^?!]+?)\s*(?:in (?:the|our) catalog(?:ue)?|in stock)?[?!.\s]*$"),
    re.compile(r"\bsearch(?:\s+for)?\s+(?P<q>[^?!]+)"),
    re.compile(r"\b(?:look up|lookup|look for|looking for|find me|find|hunt for|locate|pull up|check for)\s+(?P<q>[^?!]+)"),
]
_SEARCH_ZH = [
    # "店里有没有卖无糖可乐", "查查有没有黑巧克力", "我们卖不卖燕麦奶": whether the catalogue has something
    re.compile(r"(?:有没有|有没|是否有|有无|卖不卖|有不有)\s*(?:在)?(?:卖|售|出售|销售|上架)?\s*(?P<q>[^，。,.!?！？]+?)\s*"
               r"(?:相关的|有关的|的)?(?:商品|产品|卖)?\s*[?？吗呢]*\s*$"),
    re.compile(r"(?:搜索|搜一下|搜搜|搜|查找|查一下|查查|找一下|找找|检索)(?:一下)?(?:商品|产品)?\s*[:：]?\s*(?P<q>[^，。,.!?！？]+?)\s*"
               r"(?:相关的|有关的|的)?(?:商品|产品)?\s*$"),
    re.compile(r"(?:有没有|有哪些|有什么)\s*(?P<q>[^，。,.!?！？]+?)\s*(?:相关的|有关的|的)?(?:商品|产品)"),
    re.compile(r"(?:商品|产品)(?:搜索|检索)\s*[:：]?\s*(?P<q>[^，。,.!?！？]+)"),
]
_SEARCH_TRAIL = re.compile(rf"\s+(?:please|pls|for me|(?:in|on|from) (?:the|our|my|your) (?:product )?(?:{_CATALOGUE_EN})|"
                          rf"in stock|that we (?:sell|carry|stock|have)|at all)$")


def extract_search_query(text: str) -> str | None:
    """'search products: organic milk' → 'organic milk'; 'do we sell gluten free bread?' → 'gluten free bread';
    '搜索有机牛奶' → '有机牛奶'."""
    patterns = (_SEARCH_ZH + _SEARCH_EN) if _CJK.search(text) else _SEARCH_EN
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            query = m.group("q").strip(" .:'\"“”‘’「」《》")
            for _ in range(2):
                query = _SEARCH_TRAIL.sub("", query).strip()
            query = re.sub(r"^(?:for|about|the|a|an|some|any)\s+", "", query)
            query = re.sub(r"^(?:一下|下|卖|售|有没有|有没|帮我|请|我们|咱们|店里|商城里|平台上)+", "", query)
            query = re.sub(r"(?:吗|呢|没有|不)$", "", query)
            query = re.sub(r"\s*(?:products?|items?)$", "", query).strip()
            if query and not re.fullmatch(r"(?:products?|items?|catalog(?:ue)?|商品|产品|it|this|that)", query):
                return query
    return None


_HISTORY = re.compile(r"\bhistor|\bto date\b|\bso far\b|\bup to now\b|\bpast\b|\balready\b|\bspent\b|累计|历史|至今|"
                      r"到目前|过去|已经")


_HORIZON = [(re.compile(rf"(?:next|coming|following)\s+({NUM})\s+(days?|weeks?|months?|years?)|({NUM})[- ](day|week|month|year)\b"), "en"),
            (re.compile(rf"(?:未来|接下来|之后)\s*({NUM})\s*(?:个)?\s*(天|周|星期|个月|月|年)"), "zh")]


def extract_horizon_days(text: str) -> int | None:
    """'next 6 months' / '12-month value' / '未来三个月' → days; 'next year' / '未来一年' → 365; None = not said."""
    t = normalise(text)
    if re.search(r"\bnext year\b|\bcoming year\b|未来一年|明年", t):
        return 365
    for pattern, _ in _HORIZON:
        m = pattern.search(t)
        if m:
            groups = [g for g in m.groups() if g]
            n, unit = parse_number(groups[0]), groups[1].rstrip("s")
            days = {"day": 1, "天": 1, "week": 7, "周": 7, "星期": 7, "month": 30, "个月": 30, "月": 30,
                    "year": 365, "年": 365}.get(unit)
            if n and days:
                if days == 30 and n % 12 == 0:   # "12-month" is a year, not 360 days
                    n, days = n // 12, 365
                return min(n * days, 730)
    return None


def asks_about_history(text: str) -> bool:
    """True when a value question is about the past ('historical lifetime value', '累计价值'); otherwise a
    'lifetime value' / 'CLV' question is about the future and is answered by the predictive model."""
    return bool(_HISTORY.search(normalise(text)))


# ----------------------------------------------------------------------------------------------------------------

def extract_slots(intent: str, text: str, language: str | None = None) -> dict[str, Any]:
    """All slots of `intent` found in `text` (keys per SLOT_NAMES; None when not said)."""
    if intent not in SLOT_NAMES:
        raise ValueError(f"unknown intent '{intent}' — expected one of {sorted(SLOT_NAMES)}")
    language = language or detect_language(text)
    t = normalise(text)
    slots: dict[str, Any] = {}
    if intent == "segment":
        slots = {"n_segments": extract_n_segments(t), "algorithm": extract_algorithm(t)}
    elif intent == "describe_segment":
        slots = {"segment": extract_segment(t, language)}
    elif intent == "recommend_user":
        slots = {"user_id": extract_user_id(t), "top_k": extract_top_k(t)}
    elif intent == "recommend_segment":
        slots = {"segment": extract_segment(t, language), "top_k": extract_top_k(t)}
    elif intent == "similar_products":
        product, is_id = extract_product(t)
        slots = {"product": product, "product_is_id": is_id, "top_k": extract_top_k(t)}
    elif intent in ("write_copy", "plan_campaign"):
        segment = extract_segment(t, language)
        pct, offer = extract_offer(_without_name(t, segment))
        slots = {"segment": segment, "channel": extract_channel(t), "offer_pct": pct, "offer": offer}
        if intent == "write_copy":
            slots["language"] = extract_copy_language(t, language)
            slots["length"] = extract_length(t)
    elif intent == "evaluate_campaign":
        slots = {"campaign_id": extract_campaign_id(t)}
    elif intent == "data_question":
        metrics = extract_metrics(t)
        slots = {"metrics": metrics, "segment": extract_segment(t, language), "period": extract_period(t),
                 "top_k": extract_top_k(t)}
        if metrics and "trend" not in metrics:
            slots["period"] = None
    elif intent == "compare_segments":
        slots = {"segments": extract_segment_list(t, language)}
    elif intent == "next_campaign":
        focus = extract_next_campaign_focus(t)
        slots = {"campaign_id": _keyword_campaign_id(t), "focus": focus,
                 "outcome": extract_outcome(t) if focus == "target" else None}
    elif intent == "personas":
        slots = {"segment": extract_segment(t, language)}
        if slots["segment"] is None or slots["segment"] in ("persona", "personas"):
            slots["segment"] = None
    elif intent == "search_products":
        slots = {"query": extract_search_query(t), "top_k": extract_top_k(t)}
    elif intent == "sample_size":
        slots = extract_sample_size(t)
    elif intent == "audience":
        slots = extract_audience(t)
    elif intent == "follow_up":
        segment = extract_segment(t, language)
        pct, offer = extract_offer(_without_name(t, segment))
        slots = {"segment": segment, "user_id": _keyword_user_id(t), "campaign_id": _keyword_campaign_id(t),
                 "channel": extract_channel(t), "offer_pct": pct, "offer": offer,
                 "language": extract_explicit_language(t), "length": extract_length(t),
                 "metrics": extract_metrics(t), "period": extract_period(t), "top_k": extract_top_k(t)}
        if slots["user_id"] is None and slots["campaign_id"] is None and segment is None:
            bare = re.fullmatch(rf"\s*(?:and|what about|how about|same for|和|那)?\s*({NUM})\s*[?？呢]*\s*", t)
            if bare:  # "and 3?" after a segment turn: the caller decides what the number is
                slots["segment"] = parse_number(bare.group(1))
    elif intent == "report":
        slots = {"format": extract_report_format(t)}
    return slots


def _without_name(text: str, segment: int | str | None) -> str:
    """`text` with a segment name blanked: a word inside the name ("the coupon clippers", "优惠券爱好者") is no offer."""
    if isinstance(segment, str) and segment != ALL_SEGMENTS and segment in text:
        return text.replace(segment, " ")
    return text


# Words that only frame a change against the previous turn: "switch it to …", "same for …", "同样的给 … 来一份",
# "改用 … 发吧". A message made of these and slot values alone is a follow-up, whatever else it resembles.
_CHANGE_FRAME_EN = re.compile(
    r"\b(?:and|or|same|thing|for|what|about|how|now|then|please|pls|try|use|using|with|instead|switch(?:ed)?|"
    r"change(?:d)?|make|it|do|the|a|an|as|to|into|in|version|channel|offer|deal|discount|copy|message|one|ones|"
    r"that|this|but|ok|okay|so|let'?s|again|also|too|rewrite|redo|translate|send|via|over|by|group|groups|"
    r"segment|segments|cluster|customers|people|shoppers|them|those|go|of|on|just|rather|actually|can|could|you|"
    r"would|will|i|we|us|me|want|prefer|need|let|bit|little|here|is|are|show|give|look|at|view|break|down|"
    r"broken|per|each|every|same|similar|please|let's|do|done|only|more|fewer|less|few|some|couple|list|"
    r"recommend|suggest|picks?|results?|instead|again)\b")
_CHANGE_FRAME_ZH = re.compile(
    r"那么|那|还有|也要|也是|也|同样的|同样|一样的|一样|照样|照着|呢|吧|吗|啊|呀|改成|改为|换成|换为|改用|换用|换个|换|改|"
    r"用|变成|加上|加个|加|再|一点|一些|点|写|发|来一份|来一个|来个|一份|一条|一封|一篇|一个|一下|要|给|对|针对|方案|文案|"
    r"版本|版|渠道|的|了|请|帮我|麻烦|试试|试一下|优惠|活动|看|看看|按|分|呢|么|吗|成|为|语言|写成|翻译成|翻译|译成|"
    r"更多|多来|多|几个|几款|几条|只要|只|就|推荐|列出|列|个|款|条")
_FOLLOW_UP_CUE = re.compile(r"^(?:and|or|but|same|what about|how about|now)\b|\b(?:instead|too|as well)\b|"
                            r"^(?:那|还有|同样|一样|也|换|改|再)|呢[?？!！。.]*$")


def slot_change(text: str, language: str | None = None) -> dict[str, Any] | None:
    """The slots a message changes when it is made only of slot values and framing words ("use 15% off",
    "改用邮件发", "同样的给流失客户", "所有分群呢"), else None. `cued` in the result: it also opens like a
    follow-up ("same for", "那…呢"), which outweighs the router's reading."""
    t = normalise(text)
    language = language or detect_language(t)
    changes = {k: v for k, v in extract_slots("follow_up", t, language).items() if v is not None}
    if not changes:
        return None
    rest = t
    for value in (changes.get("segment"), changes.get("offer")):
        if isinstance(value, str) and value != ALL_SEGMENTS:
            rest = rest.replace(value, " ")
    for pattern in (*_SEGMENT_NUMBER_PATTERNS, _ALL_SEGMENTS, *_OFFER_PCT_PATTERNS, _ZHE, _OTHER_OFFERS, _SHORTER,
                    _LONGER, *(p for _, p in _METRIC_RES), *_USER_PATTERNS[:3], *_CAMPAIGN_PATTERNS[:4],
                    *_TOP_K_PATTERNS):
        rest = pattern.sub(" ", rest)
    rest = without_channels(rest)
    rest = re.sub(r"\b(?:simplified\s+)?(?:chinese|mandarin|english)\b|中文|汉语|英文|英语|"
                  r"\b(?:weekly|monthly|week|month)\b|每周|按周|每月|按月|每个月|逐月|逐周|周度|月度", " ", rest)
    rest = _CHANGE_FRAME_ZH.sub(" ", _CHANGE_FRAME_EN.sub(" ", rest))
    if re.sub(r"[\s\W_]+", "", rest):
        return None
    return {**changes, "cued": bool(_FOLLOW_UP_CUE.search(t))}


def missing_slots(intent: str, slots: Mapping[str, Any]) -> tuple[str, ...]:
    """Required slots of `intent` that are None in `slots`."""
    return tuple(name for name in REQUIRED_SLOTS.get(intent, ()) if slots.get(name) is None)


__all__ = ["slot_change", "extract_next_campaign_focus", "extract_outcome", "extract_sample_size", "extract_search_query",
           "asks_about_history", "extract_horizon_days", "METRICS", "ALL_SEGMENTS", "mentions_all_segments", "clean_segment_phrase", "extract_metrics", "extract_period",
           "extract_segment_list", "extract_audience", "extract_length", "extract_explicit_language", "SLOT_NAMES", "REQUIRED_SLOTS", "detect_language", "normalise", "zh_to_int", "parse_number",
           "extract_slots", "missing_slots", "extract_offer", "extract_segment",
           "extract_user_id", "extract_campaign_id", "extract_product", "extract_n_segments", "extract_channel",
           "extract_top_k", "extract_report_format", "extract_copy_language", "extract_algorithm"]
