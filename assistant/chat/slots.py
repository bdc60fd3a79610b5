"""Deterministic slot extraction for the chat router (English and Chinese).

Why rules and not the LLM: the local 0.5B model cannot fill tool arguments reliably, while the slots a marketer
types are few and regular ("segment 2", "第3组", "15% off", "八折", "household #1029", "活动18"). Regexes over a
normalised text are exact, fast and testable. Hand-written because no maintained library covers this mix of
marketing phrases in two languages; the Chinese-numeral parser is ~20 lines, too little to justify a dependency.

One home per slot family: numbers and language in `slots_numbers`, segments (numbers, names, comparisons) in
`slots_segment`, copy slots (channel, offer, length, language) in `slots_copy`, data-question metrics in
`slots_metrics`; this module holds the rest, `extract_slots` (per intent) and `slot_change` (follow-ups), and
re-exports the families' public functions.

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


from assistant.chat.slots_copy import (LONGER, OFFER_PCT_PATTERNS, OTHER_OFFERS, SHORTER, ZHE_PATTERN, extract_channel,
                                     extract_copy_language, extract_explicit_language, extract_length, extract_offer)
from assistant.chat.slots_metrics import METRIC_RES as _METRIC_RES, METRICS, extract_metrics, extract_period
from assistant.chat.slots_numbers import (CJK, NUM, ZH_NUM_CHARS, detect_language, first_number, parse_number,
                                         zh_percents_to_digits, zh_to_int)
from assistant.chat.slots_segment import (ALL_SEGMENTS, ALL_SEGMENTS_PATTERN, SEGMENT_NUMBER_PATTERNS,
                                        clean_segment_phrase, extract_segment, extract_segment_list,
                                        extract_segment_number, mentions_all_segments)
from assistant.chat.slots_spoken import amounts_as_digits, written
from assistant.core.text import normalise
from assistant.core.vocabulary import without_channels

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
# Single-slot extractors. Each takes the normalised text and returns a value or None.

_ALGORITHMS = [
    ("kmeans", r"k-?means|k means|k均值|k-均值"),
    ("hdbscan", r"hdbscan|dbscan|density[- ]based|密度聚类"),
    ("gmm", r"(?<![a-z])gmm(?![a-z])|gaussian mixture|mixture model|高斯混合"),
    ("agglomerative", r"agglomerative|hierarchical|ward|层次聚类|层级聚类|阶层式|階層式"),
]


def _first_named(table: Iterable[tuple[str, str]], text: str) -> str | None:
    """The name of the first (name, pattern) row whose pattern occurs in `text`."""
    return next((name for name, pattern in table if re.search(pattern, text)), None)


def extract_algorithm(text: str) -> str | None:
    return _first_named(_ALGORITHMS, text)


_GROUPS_EN = (r"(?:segments|groups|clusters|personas|buckets|tiers|cohorts|audiences|segs|types|kinds|categories|"
              r"components|partitions|classes|profiles|piles|batches|bins|buckets)")      # "5 piles of customers"
_N_SEGMENTS_PATTERNS = [
    re.compile(rf"\bk\s*(?:=|set to|of|equal to|equals|as)\s*(\d+)"),
    re.compile(rf"({NUM})\s+(?:[a-z-]+\s+){{0,2}}{_GROUPS_EN}\b"),
    re.compile(rf"\binto\s+({NUM})\b"),
    re.compile(rf"\b{_GROUPS_EN}\b.{{0,30}}?\b({NUM}) of them\b"),      # "redo the groups with k-means, five of them"
    re.compile(rf"(?:(?:分|划|划分|聚|聚类|切|切分|拆|拆分|归|归纳|细分)(?:成|为|出|个)|分)\s*({NUM})\s*(?:个)?\s*"
               rf"(?:组|类|群|簇|段|细分|客群|人群|部分|档)?"),
    re.compile(rf"({NUM})\s*个\s*(?:组|类|群|簇|段|细分|客群|人群|分群|用户群)"),
    re.compile(rf"({NUM})\s*个?\s*(?:clusters?|groups?|segments?|segs?)(?![a-z])"),      # "5个cluster就行": 中英混写
]


# A count said to be wrong ("5 groups abit too little", "分四组是不是太少了"), before the one put forward
_COUNT_FAULTED = re.compile(r"(?:too (?:few|little|many|much)|not enough|太少|太多|不够|少了|多了)")
_COUNT_PROPOSED = re.compile(rf"\b(?:maybe|perhaps|try|how about|what about|or)\s+({NUM})\b|"
                             rf"(?:分成|分为|改成|换成|聚成|弄成|分个|分)\s*({NUM})\s*(?:个)?\s*(?:组|类|群|簇)")


def extract_n_segments(text: str) -> int | None:
    """'split into 5 groups' → 5, 'six clusters' → 6, 'k=4' → 4, '分成五组' → 5, '聚成8类' → 8; '5 groups too
    little, maybe 7 better?' → 7 (the count put forward, not the one faulted)."""
    fault = _COUNT_FAULTED.search(text)
    if fault:
        proposed = _COUNT_PROPOSED.search(text, fault.end())
        number = proposed and parse_number(proposed.group(1) or proposed.group(2))
        if number and 2 <= number <= 100:
            return number
    return first_number(_N_SEGMENTS_PATTERNS, text, 2, 100)


_ID = r"([a-z]*[-_]?\d[a-z0-9_-]*)"  # ASCII only: \w would swallow Chinese
_HASH_ID = re.compile(r"#\s*([a-z0-9_]*\d[a-z0-9_]*)")       # "#29": an id with no keyword; what of, the intent says
_USER_PATTERNS = [
    re.compile(rf"\b(?:household|house hold|hh|user|customer|client|member|shopper|buyer|account|uid|user id|"
               rf"(?:loyalty |member(?:ship)? |club |rewards )card|"
               rf"customer id|household id|household_key|id)\s*(?:#|no\.?|number|id|key)?\s*[:=]?\s*#?\s*{_ID}"),
    re.compile(rf"(?:用户|客户|顾客|会员|家庭|住户|买家|账号|账户)\s*(?:编号|号|id|#)?\s*(?:是|为)?\s*[:：]?\s*#?\s*{_ID}"),
    re.compile(rf"(\d+)\s*号\s*(?:用户|客户|顾客|会员|家庭)"),
    _HASH_ID,
]


def extract_user_id(text: str) -> str | None:
    """'household #1029' → '1029', 'user 1029' → '1029', '用户1029' → '1029', 'customer C-042' → 'c-042'.

    Falls back to the one longish number (>= 3 digits) in the sentence when no keyword precedes it."""
    for pattern in _USER_PATTERNS:
        m = pattern.search(text)
        if m:
            return m.group(1).strip("-_")
    # not \w: 汉字 are \w; a price is no customer ("满200减20", "$100 off", "300元")
    numbers = [n for n in re.findall(r"(?<![a-z0-9_.%满减送¥$£€₹])(\d{3,})(?![a-z0-9_%])(?!\s*(?:元|块|减|off\b|折))", text)
               if n not in _SHOPPING_FESTIVALS]   # "618准备…", "1111大促": a date, not a customer
    return numbers[0] if len(numbers) == 1 else None


_SHOPPING_FESTIVALS = {"618", "1111", "1212", "520", "315"}




# A campaign named by a keyword ("campaign 13", "活动18", "第8期"); a "#29" alone is read only where a campaign is meant
_CAMPAIGN_KEYWORD_PATTERNS = [
    re.compile(rf"\b(?:campaign|promo|promotion|coupon campaign|mailing|campaign id)\s*(?:#|no\.?|number|id)?\s*"
               rf"[:=]?\s*#?\s*{_ID}"),
    re.compile(rf"(?:活动|营销活动|促销活动|促销|campaign)\s*(?:编号|号|id|#)?\s*[:：]?\s*#?\s*(\d[a-z0-9_-]*|[{ZH_NUM_CHARS}]+)"),
    re.compile(rf"(\d+|[{ZH_NUM_CHARS}]+)\s*号\s*(?:活动|促销|营销活动)"),
    re.compile(rf"第\s*(\d+|[{ZH_NUM_CHARS}]+)\s*(?:期|个|次|号)?\s*(?:短信|邮件|推送|微信|push|app|线上|线下|满减|折扣|"
               rf"优惠券|会员)?\s*(?:活动|促销|营销活动)"),
    # "第十五期拼团活动": a few words of the campaign's kind between its number and 活动
    re.compile(rf"第\s*(\d+|[{ZH_NUM_CHARS}]+)\s*(?:期|次|号|场)\s*[^\s，。,.!?！？的]{{1,5}}?(?:活动|促销|营销活动)"),
    re.compile(rf"第\s*(\d+|[{ZH_NUM_CHARS}]+)\s*(?:期|档)"),      # "第8期满减到底带没带来增量", "第12档": an issue number alone
]
_CAMPAIGN_PATTERNS = [*_CAMPAIGN_KEYWORD_PATTERNS, _HASH_ID]


def _keyword_user_id(text: str) -> str | None:
    """A customer id only when a keyword names it ('household 2500'), never a bare number."""
    for pattern in _USER_PATTERNS[:3]:
        m = pattern.search(text)
        if m:
            return m.group(1).strip("-_")
    return None


def _keyword_campaign_id(text: str) -> str | None:
    """A campaign id only when a keyword names it ('campaign 13', '活动18')."""
    for pattern in _CAMPAIGN_KEYWORD_PATTERNS:
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
    numbers = re.findall(r"(?<![\w.%])(\d+)(?![\w%]|\.\d)", text)      # "the 9.9 campaign": a sale's date, no id
    return numbers[0] if len(numbers) == 1 else None


_PRODUCT_ID = re.compile(rf"\b(?:item|product|sku|article|prod|item id|product id|商品|产品|货号)\s*"
                         rf"(?:#|no\.?|id|编号|号)?\s*[:：=]?\s*#?\s*{_ID}")
_PRODUCT_ID_ZH = re.compile(rf"(?:商品|产品|货号|sku)\s*(?:编号|号|id|#)?\s*[:：]?\s*#?\s*{_ID}|"
                            rf"编号\s*[:：]?\s*#?\s*{_ID}(?=\s*的?(?:货|商品|产品|东西|单品))")     # "编号55012的货没了"
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
    # a stock-out: "we're OOS on the 2-person tent, what's similar?", "the oat milk is sold out, anything close?"
    re.compile(r"\b(?:out of stock (?:on|of)|oos (?:on|of)|stock-?outs? (?:on|of)|sold out (?:of|on)|ran out of|run out of|running out of|"
               r"out of(?! stock\b)|no more)\s+(?:(?:the|a|an|our|my|this|that)\s+)?(?P<p>[^?.!,;]+?)\s*(?:[?.!,;]|$)"),
    re.compile(r"^(?:(?:the|our|my|this|that)\s+)?(?P<p>[^?.!,;]+?)\s+(?:is|are|'s|went|has gone|have gone)\s+"
               r"(?:now\s+)?(?:out of stock|oos|sold out|gone|unavailable|discontinued|out)\b"),
    # "the milo out of stock again": said without its verb
    re.compile(r"^(?:(?:the|our|my|this|that)\s+)?(?P<p>[^?.!,;]+?)\s+(?:out of stock|oos|sold out)\b"),
    # the last resort: "... like the X", "... resembling our X" (a likeness said any other way)
    re.compile(r"\b(?:like|resembles?|resembling|as)\s+(?:the|a|an|our|my|this|that)\s+(?P<p>[^?.!,;]+)"),
]
_PRODUCT_TEXT_ZH = [
    re.compile(r"(?:和|与|跟|同|像)\s*(?P<p>[^，。,.!?！？]{1,30}?)\s*(?:类似|相似|差不多|相近|一样|相关|同类|接近|搭配|(?:很|挺|蛮|超)?像)"),
    # a stock-out first: "那个网红气垫断货了 有啥平替" is about 网红气垫
    re.compile(r"^(?:那款|这款|那个|这个)?(?P<p>[^，。,.!?！？]{1,30}?)\s*(?:断货|缺货|卖完|卖光|卖断|卖没|断档|没货|售罄|下架)"),
    re.compile(r"^(?:有没有|有什么|有哪些)?\s*(?P<p>[^，。,.!?！？]{1,30}?)\s*的\s*(?:替代品|同类商品|同类产品|相似商品|"
               r"类似商品|相似产品|类似产品|平替|替代)"),
    re.compile(r"^(?P<p>[^，。,.!?！？]{1,30}?)\s*(?:有什么|有哪些|有没有|有啥)\s*(?:可以|能|能够)?\s*(?:替代|代替|平替|"
               r"类似|相似)"),
    re.compile(r"(?:类似于|相似于|类似|相似|替代|代替)\s*(?P<p>[^，。,.!?！？的品]{2,30})\s*(?:的|$)"),
    re.compile(r"(?:买了|买过|购买了|购买过|购买|喜欢|买)\s*(?P<p>[^，。,.!?！？]{1,30}?)\s*(?:的人|的顾客|的用户|的客户)"),
    # the product said first as the topic: "燕麦片这个单品毛利偏低，烦请找4个相似商品"
    re.compile(r"^(?P<p>[^，。,.!?！？\s]{1,20}?)(?:这个|这款|那个|那款)(?:单品|商品|产品|货|sku)"),
]
_PRODUCT_TRAIL = re.compile(r"\s+(?:please|pls|for me|for us|in stock|instead|too|also|we sell|we have|we are having|"
                            r"we're having|we are selling|we stock|we carry|"
                            r"in the catalog(?:ue)?|in our catalog(?:ue)?|that we carry|got|or not|anot)$")   # Singlish "got?"


def extract_product(text: str) -> tuple[str | None, bool]:
    """(product id or product text, is_id). 'products similar to item 12345' → ('12345', True);
    'alternatives to organic whole milk' → ('organic whole milk', False); '和有机牛奶类似的商品' → ('有机牛奶', False)."""
    for pattern in (_PRODUCT_ID, _PRODUCT_ID_ZH):
        m = pattern.search(text)
        if m:
            return next(g for g in m.groups() if g).strip("-_"), True
    patterns = (_PRODUCT_TEXT_ZH + _PRODUCT_TEXT_EN) if CJK.search(text) else _PRODUCT_TEXT_EN
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            product = m.group("p").strip(" '\"“”‘’「」《》")
            product = re.sub(r"^(?:what|which|any|the|a|an)\s+", "", product)
            product = re.sub(r"^(?:这个|那个|这款|那款|一款)", "", product)
            product = re.sub(r"(?<=.)(?:这个|这款|那个|那款)(?:单品|商品|产品|货|sku)$", "", product)   # "酸奶这个单品断货了"
            for _ in range(2):
                product = _PRODUCT_TRAIL.sub("", product).strip()
            if product and not re.fullmatch(r"(?:it|this|that|them|one|这个|那个)", product):
                return product, False
    m = _HASH_ID.search(text)
    if m:
        return m.group(1), True
    return None, False


_TOP_K_PATTERNS = [
    re.compile(rf"(?<![a-z])top\s*-?\s*({NUM})(?!\d|\.\d)"),   # "爆品top5": no \b after 汉字; "top 3." ends a sentence
    # "not just one store": more than one, and of places, no size
    re.compile(rf"(?<!not )(?<!n't )\b(?:just|only|max|maximum|at most|up to|no more than|limit(?: it)? to)\s+({NUM})\b(?!\s*%)"
               r"(?!\s+(?:stores?|shops?|branch(?:es)?|locations?|sites?|regions?|markets?|countries|country)\b)"),
    re.compile(r"\bk\s*=\s*(\d+)\b"),                         # "k=5": an analyst's size of a neighbour list
    re.compile(rf"\b({NUM})\s+max\b"),                           # "8 max"
    re.compile(rf"\b(?:give|show|list)\s+(?:me\s+|us\s+)?({NUM})\s*(?:[.!?]|$|please|pls)"),    # "Kindly give 5."
    re.compile(rf"(?<!segment )(?<!group )(?<!cluster )\b({NUM})\s+(?:[\w-]+\s+){{0,2}}(?:products|items|recommendations|recs|suggestions|ideas|skus|picks|"
               rf"things|alternatives|substitutes|subs|options|categories|departments|brands|sellers|articles)\b"),
    re.compile(rf"(?<![目之以当眼提从面])前\s*({NUM})(?![共直定起般])\s*(?:个|款|件|名|样)?"),     # 目前一共: "now", no size
    re.compile(rf"(?:推荐|推|挑|选|筛|列出|列|找|搜|出)\s*({NUM})\s*(?:个|款|件|样|条)"),
    re.compile(rf"\b(?:show|give|find|get)\s+(?:me\s+|us\s+)?({NUM})\s+(?:that|which)\b"),     # "show me 4 that are …"
    # "要10个", "只看5条"; but "给我一个英文版" is an article, not a size
    re.compile(rf"(?:给我|给|要|来|看|显示|只要|只看)\s*(?:整|弄|挑|找|来)?\s*(?!一\s*(?:个|条|份|版|样))({NUM})\s*(?:个|款|件|样|条)"
               r"(?!\s*\w?(?:会员|用户|客户|顾客|家庭|人|粉|客))"),             # "给3个会员发": people, not a size
    re.compile(rf"({NUM})\s*(?:个|款|件|样|条)\s*(?:就够|就行|就好|够了)"),                # "三个就够": the size, said alone
    re.compile(rf"(?<!第)(?<!第\s)({NUM})\s*(?:个|款|件|样)\s*(?!\w?(?:会员|用户|客户|顾客|家庭|人|粉|客|客群|分群|群|组|细分|团员|"
               rf"买家|buyer|user|member|customer)|类(?!目|别|型))"   # "一个老顾客": a customer, not a size
               rf"(?:\w{{0,4}})?(?:商品|产品|推荐|替代品|东西|品类|类目|类别|"
               rf"大类|单品|sku)"),
]


def extract_top_k(text: str) -> int | None:
    """'top 5' / '10 products' / '前5个' / '三款商品' → k."""
    return first_number(_TOP_K_PATTERNS, text, 1, 200)


def extract_report_format(text: str) -> str | None:
    # "出个md格式的报告": no \b beside 汉字; "forward it to the MD" is a managing director, not markdown
    if re.search(r"markdown|(?<![a-z])(?<!to )(?<!the )(?<!our )(?<!my )(?<!for )md(?![a-z])", text):
        return "md"
    if re.search(r"html|web ?page|browser|网页|浏览器", text):
        return "html"
    return None


# ----------------------------------------------------------------------------------------------------------------
# Data questions, comparisons, audiences, follow-ups

_WORD_DAYS = {"day": 1, "d": 1, "week": 7, "wk": 7, "fortnight": 14, "month": 30, "mo": 30, "quarter": 90, "year": 365, "yr": 365,
              "天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7, "个月": 30, "月": 30, "季度": 90, "年": 365}
_EN_UNITS = r"(days?|weeks?|wks?|fortnight|months?|mos?|quarters?|years?|yrs?|(?<=\d)d\b)"     # "21d": shorthand
_ZH_UNITS_TIME = r"(天|日|周|星期|礼拜|个月|月|季度|年)"
# A window said as "the last 3 weeks", or, when nothing says "last", as "in/for/within 45 days" ("haven't in 45
# days", "haven't come back for six weeks"); Chinese "最近两周", "近三个月", or a span before 没/未/内 ("半年没再买").
_PERIOD_PATTERNS = [
    re.compile(rf"(?:last|past|previous|recent)\s+(?:({NUM})\s*)?{_EN_UNITS}"),
    re.compile(rf"\b(?:in|for|within|over)\s+(?:the\s+)?({NUM}|a|an)\s*{_EN_UNITS}"),        # "in 90d"
    re.compile(rf"\b({NUM})\s*{_EN_UNITS}\s+(?:never|no|not|haven'?t|hasn'?t|didn'?t|without)\b"),  # "3 months never come"
    re.compile(rf"(?:最近|近|过去|这|上)\s*({NUM})?\s*(?:个)?\s*{_ZH_UNITS_TIME}"),
    re.compile(rf"({NUM}|半)\s*(?:个)?\s*{_ZH_UNITS_TIME}\s*(?:之内|内|以来|里|没|未|都没|不曾)"),
]


def _period_days(text: str) -> tuple[int | None, re.Match | None]:
    for pattern in _PERIOD_PATTERNS:
        m = pattern.search(text)
        if m:
            token = m.group(1)
            n = 0.5 if token == "半" else 1 if token in (None, "a", "an") else parse_number(token)
            unit = m.group(2)
            unit = unit if CJK.search(unit) else unit.rstrip("s")
            if token == "半" and unit == "年":
                return 180, m                                  # half a year = six 30-day months
            return int(round((n or 1) * _WORD_DAYS.get(unit, 30))), m
    return None, None


def extract_audience(text: str) -> dict[str, Any]:
    """'customers who bought baby products but not in the last month' → {'bought': 'baby products',
    'within_days': None, 'not_within_days': 30}."""
    bought = None
    m = re.search(r"\b(?:bought|purchased|buy|buys|purchase|ordered|order|picked up|grabbed|got|snapped up|"
                  r"shopped for|added)\s+(?:any\s+|some\s+)?(?P<p>[a-z][\w'&-]*"
                  r"(?:\s+[a-z][\w'&-]*){0,3}?)(?=\s+(?:but|in|during|within|over|last|and|who|before|since|recently|"
                  r"not|at|previously|earlier|already|once|ever|from)\b|\s+in the past|[,?.!]|$)", text)
    if m and m.group("p") in ("before", "previously", "earlier", "once", "ever", "already", "recently", "something",
                              "anything", "stuff"):
        m = None                             # "purchased before": no product named there
    m = m or re.search(r"\b(?:buyers|purchasers|customers|shoppers|fans)\s+of\s+(?:the\s+)?(?P<p>[a-z][\w'&-]*"
                       r"(?:\s+[a-z][\w'&-]*){0,3}?)(?=\s+(?:who|that|but|in|and)\b|[,?.!]|$)", text)
    m = m or re.search(r"(?:^|\b(?:the|our|all|lapsed|recent|past|former|regular|of)\s+)(?P<p>[a-z][\w'&-]*(?:\s+[a-z][\w'&-]*)?)"
                       r"\s+(?:buyers|purchasers)\b", text)                  # "lapsed pet food buyers"
    if m and m.group("p") in ("them", "it", "those", "these", "that", "this", "one", "any") or not m and re.search(
            r"\b(?:picked|bought|got|grabbed|ordered|purchased)\s+(?:some|any|it|them|one)\b", text):
        topic = re.match(r"(?P<p>[a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){0,2}?),?\s+(?:how many|who|which|count)\b", text)
        m = topic                            # "eggs, how many people bought them": the thing said first
    if m:   # "lapsed kombucha buyers": who they are is no part of what they bought
        bought = re.sub(r"^(?:the|a|an)\s+", "", m.group("p"))
        bought = re.sub(r"^(?:lapsed|recent|past|former|regular|loyal|new|old|repeat|one-time)\s+(?=\S)", "", bought)
    else:
        m = re.search(r"(?:买过|购买过|下单过|下过单|入手过|买了|购买了|下单了|购买|买)(?P<p>[^，。,.!?！？、但的没\s]{1,12}?)(?:但|的|，|,|。|、|\s|$|却|而)", text)
        if m is None or m.group("p") in ("过", "了"):
            # "面膜以前买过、…", "酱油 二十天之内买过的人": the thing said before its verb
            m = re.match(r"(?P<p>[^，。,.!?！？、\s]{1,8}?)(?:以前|之前|曾经|都|有)?(?:买过|购买过|下单过|入手过)", text) or \
                re.match(r"(?P<p>[^，。,.!?！？、\s]{1,8})[\s，,]+[^，。,.!?！？、]{1,12}?(?:买过|购买过|下单过)的", text)
        if m:
            bought = m.group("p")
    days, pm = _period_days(text)
    negated = bool(re.search(r"\bbut not\b|\b(?:not|nothing|none) (?:in|within|during|over|since)\b|"
                             r"\bno\s+(?:[a-z]+\s+){1,2}(?:in|within|during|over|for)\b|haven'?t|hasn'?t|have not|"
                             r"has not|didn'?t|no (?:purchase|order)s?|(?:没|没有|未|不曾)再?来?(?:买|购买|回购|复购|下单|下过单|光顾)|"
                             r"\bused to (?:buy|order|get)\b.*\b(?:stopped|quit)\b|\bno longer\b|"   # lapsed
                             r"\bnever (?:come|came|buy|bought|order|ordered|return|returned)\b", text))
    return {"bought": bought, "within_days": None if negated else days,
            "not_within_days": days if negated else None}


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
_MDE_POINTS = [re.compile(rf"{_NUMBER}\s*(?:percentage[- ]points?|pct\.? points?|pp\b|ppts?\b|pts?\b|points?\b)"),
               re.compile(rf"{_NUMBER}\s*个?\s*百分点"),
               re.compile(rf"{_NUMBER}\s*个?\s*点(?:的)?(?:提升|提高|增长|增加|上升|差异|差距|变化)")]   # "0.8个点的提升"
_MDE_PCT = [re.compile(rf"{_NUMBER}\s*%\s*(?:relative\s+)?(?:lift|uplift|increase|improvement|effect|change|"
                       rf"difference|rise|boost|gain|better|more)"),
            re.compile(rf"(?:lift|uplift|increase|improvement|effect|change|difference|rise|boost|gain)\s+"
                       rf"(?:of\s+|by\s+)?{_NUMBER}\s*%"),
            re.compile(rf"(?:提升|提高|增长|增加|上升|差异|效果)(?:了)?\s*{_NUMBER}\s*%"),
            re.compile(rf"{_NUMBER}\s*%\s*(?:的)?(?:提升|提高|增长|增加|上升|差异|效果)")]
_CONV = r"(?:conv(?:ersion)?|cvr|cr)"          # "baseline conv is 3%": chat shorthand for the conversion rate
_BASELINE = [re.compile(rf"{_NUMBER}\s*%\s*(?:base|baseline)\b"),          # "+1pt on a 5% base"
             re.compile(rf"(?:baseline|base rate|current (?:{_CONV} )?rate|{_CONV} rate|control rate)\s*"
                        rf"(?:{_CONV}\s+|[a-z-]+\s+)?(?:rate\s+)?(?:of|is|'s|=|at|:|sits at|runs at|around|about)?\s*{_NUMBER}\s*%"),
             # "加购转化2%左右", "复购3%": a rate's name, then its level
             re.compile(rf"(?:转化|转换|核销|打开|点击|复购|回购|下单)率?\s*(?:是|为|在|大概|大约|约|差不多)?\s*{_NUMBER}\s*%"),
             # "现在cvr大概3%": the rate's abbreviation, then its level
             re.compile(rf"(?<![a-z])(?:cvr|ctr|cr|open rate|redemption rate)\s*(?:是|为|在|is|of|at|=|:)?\s*"
                        rf"(?:大概|大约|约|差不多|around|about|roughly)?\s*{_NUMBER}\s*%"),
             # "3% of people buy after my email", "平时有3%的人会下单": the share who act now is the baseline
             re.compile(rf"{_NUMBER}\s*%\s*of\s+(?:the\s+|my\s+|our\s+)?(?:people|customers|recipients|users|"
                        rf"shoppers|buyers|members|subscribers|them|those|visitors)\s+(?:\w+\s+)?(?:buy|convert|open|"
                        rf"click|redeem|respond|order|purchase|reply|use)"),
             # "平时买的人大概4%": who acts, then their share
             re.compile(rf"(?:买|购买|下单|转化|核销|打开|点击)的(?:人|用户|客户|顾客|会员)\s*(?:大概|大约|约|差不多|有|是|在)*\s*"
                        rf"{_NUMBER}\s*%"),
             re.compile(rf"{_NUMBER}\s*%\s*的?(?:人|用户|客户|顾客|会员|收件人)\s*(?:会|才|能)?(?:买|购买|下单|转化|打开|"
                        rf"点击|核销|回复|响应)"),
             re.compile(rf"(?:基线|基准|当前转化率|现在的转化率|转化率|核销率|打开率|点击率|对照组转化率)\s*(?:是|为|在|=|：|:)?\s*"
                        rf"(?:大概|大约|约|差不多|一般|通常|平时|按)?\s*(?:是|在)?\s*{_NUMBER}\s*%"),
             # "if redemption is usually 8%": a rate said with its usual level is the baseline
             re.compile(rf"\b(?:redemption|conversion|response|open|click(?:-through)?|uptake|take-up)(?:\s+rate)?\s+"
                        rf"(?:usually\s+|typically\s+|normally\s+|currently\s+)?(?:is|was|runs|sits|of|at|now)\s+(?:usually\s+|typically\s+|normally\s+|currently\s+|around\s+|"
                        rf"about\s+|roughly\s+|at\s+)*{_NUMBER}\s*%"),
             re.compile(rf"{_NUMBER}\s*%\s*(?:baseline|base rate|(?:current |control )?conversion(?: rate)?|control rate)"),
             re.compile(rf"{_NUMBER}\s*%\s*的?(?:基线|基准|转化率)"),
             re.compile(rf"{_NUMBER}\s*%\s*of the time\b")]              # "coupons get used 3% of the time"


def _first_float(patterns, text: str) -> tuple[float | None, str]:
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            return float(m.group(1)), text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    return None, text


def extract_sample_size(text: str) -> dict[str, Any]:
    """'how many customers per arm to detect a 10% lift?' → mde_pct 10.0; '2 percentage points' → mde_points 2.0;
    'baseline 5%' / '转化率5%' → baseline_pct 5.0; 'campaign 18' → campaign_id '18'."""
    text = amounts_as_digits(zh_percents_to_digits(text))
    baseline, rest = _first_float(_BASELINE, text)
    points, rest = _first_float(_MDE_POINTS, rest)
    pct, rest = _first_float(_MDE_PCT, rest) if points is None else (None, rest)
    if pct is None and points is None:
        m = re.search(rf"{_NUMBER}\s*%", rest)          # a bare percentage in a sample-size question is the lift
        pct = float(m.group(1)) if m else None
    return {"mde_pct": pct, "mde_points": points, "baseline_pct": baseline, "campaign_id": _keyword_campaign_id(text)}


# Where a search looks (not what it looks for): "search our range for kombucha", "find X in our store"
_CATALOGUE_EN = (r"range|catalog(?:ue)?|shop|store|inventory|assortment|selection|stock|products?|items?|listings?|"
                 r"shelves|site|website|offer|offering|lines|skus|(?:product |item )?(?:table|list|database|db)|"
                 r"list of (?:stuff|things|products|items|goods)")          # "look through our list of stuff for X"
_SEARCH_EN = [
    re.compile(r"\b(?:we|you)\s+(?:got\s+)?(?:sell|carry|stock|have)\s+(?P<q>[^?!,]+?)\s+(?:or not|anot)\b"),  # Singlish
    # "look in my catalogue whether I sell silicone spatulas", "check if we still carry oat milk"
    re.compile(r"\b(?:whether|if)\s+(?:i|we|you|they|the (?:shop|store))\s+(?:still\s+|even\s+|currently\s+|already\s+)?"
               r"(?:sell|have|carry|stock|offer|list|got)\s+(?:any\s+|some\s+)?(?P<q>[^?!]+)"),
    re.compile(r"\b(?:look up|lookup|find|search for|search)\s+(?P<q>[^?!]+?)\s+in (?:the|our) (?:product\s+)?(?:catalog(?:ue)?|shop|store)"),
    re.compile(rf"\bis there (?:any |some )?(?P<q>[^?!]+?)\s+in (?:the|our) (?:{_CATALOGUE_EN})\b"),   # "is there oat milk in the products"
    re.compile(r"\b(?:search|look up|lookup|find|show)\s+(?:(?:the|our|my)\s+)?(?:products?|items?|catalog(?:ue)?|"
               r"skus?)\s*(?:for|about|matching|with|containing|named|called|on)?\s*[:\-]?\s*(?P<q>[^?!]+)"),
    re.compile(rf"\b(?:search|look|looking|browse|check|scan|comb|dig|hunt|query|squiz|peek|gander|rummage)\s+"
               rf"(?:through\s+|in\s+|in\s+to\s+|into\s+|"
               rf"across\s+)?(?:(?:the|our|my|your)\s+)?(?:(?:{_CATALOGUE_EN})\s+)?(?:for)\s+(?P<q>[^?!]+)"),
    re.compile(r"\b(?:do|does|did)\s+(?:we|you|the (?:shop|store))\s+(?:still\s+|even\s+|currently\s+)?(?:sell|have|carry|"
               r"stock|offer|list|do|got)\s+(?:any\s+|some\s+)?(?P<q>[^?!]+?)\s*(?:in (?:the|our) (?:catalog(?:ue)?|"
               r"range|store|shop)|in stock|at all)?(?:[?!]|\.\s|\.?$)"),      # the question ends at its sentence
    # "check whether our catalogue includes a ceramic dripper": the catalogue as the subject
    re.compile(rf"\b(?:{_CATALOGUE_EN})\s+(?:still\s+|already\s+|currently\s+|even\s+|actually\s+|really\s+)?(?:includes?|has|have|contains?|carries|carry|lists?|"
               r"stocks?|offers?)\s+(?:an?\s+|any\s+|some\s+)?(?P<q>[^?!]+)"),
    re.compile(r"\b(?:do we (?:sell|have|carry)|are there any|any)\s+(?:products?|items?)?\s*(?:with|about|for|"
               r"containing|named|called|like)?\s*(?P<q>[^?!]+?)\s*(?:in (?:the|our) catalog(?:ue)?|in stock)?[?!.\s]*$"),
    re.compile(r"\bsearch(?:\s+for)?\s*[:\-]?\s+(?P<q>[^?!]+)"),
    re.compile(r"\b(?:catalog(?:ue)?|product|sku)\s+(?:lookup|look-up|search)\s*[:\-]\s*(?P<q>[^?!]+)"),   # "catalog lookup: kimchi"
    # "show me our rice products": the words before a catalogue noun
    re.compile(rf"\b(?:show|list|give|find)\s+(?:me\s+|us\s+)?(?:all\s+)?(?:(?:the|our|my)\s+)?(?P<q>[a-z][\w' -]*?)\s+"
               rf"(?:products|items|range|selection|skus|lines)\b"),
    re.compile(r"\b(?:look up|lookup|look for|looking for|find me|find|hunt for|locate|pull up|check for)\s+(?P<q>[^?!]+)"),
]
_SEARCH_ZH = [
    # the thing said first, then whether it is stocked: "龙须挂面 咱店有进过没", "燕麦奶这个品我们有没有在售"
    re.compile(r"^(?P<q>[^，。,.!?！？\s]{2,12}?)(?:这个品|这个货|这款|[\s，,]+)(?:我们|咱们|咱|咱店|店里|我们店)?\s*"
               r"(?:有没有|有没|有)(?:进过|在售|在卖|卖|货|上架)"),
    # "店里有没有卖无糖可乐", "查查有没有黑巧克力", "我们卖不卖燕麦奶": whether the catalogue has something
    re.compile(r"(?:有没有|有没|是否有|有无|卖不卖|有不有|上没上|卖没卖)\s*(?:在)?(?:卖|售|出售|销售|上架)?\s*(?P<q>[^，。,.!?！？]+?)\s*"
               r"(?:相关的|有关的|的)?(?:商品|产品|卖)?\s*[?？吗呢]*\s*(?:[，,]|$)"),     # "…电子秤，盘点表里没找到": a remark
    re.compile(r"(?:搜索|搜一下|搜搜|搜|查找|查询|查看|查一下|查查|找一下|找找|检索|寻找)(?:一下|下)?(?:商品|产品)?\s*[:：]?\s*(?P<q>[^，。,.!?！？]+?)\s*"
               r"(?:相关的|有关的|的)?(?:商品|产品)?\s*(?:[，。,.!?！？]|$)"),
    # "商品库里查下羊排", "库里找下冻梨": a short verb after the place searched
    re.compile(r"(?:商品库|产品库|目录|库)(?:里面|里|中|内)\s*(?:查|找|搜)(?:一下|下)?\s*(?P<q>[^，。,.!?！？]+?)\s*(?:[，。,.!?！？]|$)"),
    re.compile(r"(?:有没有|有哪些|有什么)\s*(?P<q>[^，。,.!?！？]+?)\s*(?:相关的|有关的|的)?(?:商品|产品)"),
    re.compile(r"(?:商品|产品)(?:搜索|检索)\s*[:：]?\s*(?P<q>[^，。,.!?！？]+)"),
    # "商品库里有冻梨不": whether the place searched has it, asked with 不 / 没 / 吗 at the end
    re.compile(r"(?:商品库|产品库|目录|库|店|货架)(?:里面|里|中|上)?有\s*(?P<q>[^，。,.!?！？\s]+?)\s*(?:不|没|吗|没有)$"),
]
# Where a Chinese search looks, said before the thing: "商品库里的冷冻虾仁", "在目录中是否有…"
_SEARCH_PLACE_ZH = re.compile(r"^(?:在|从)?(?:我们的?|咱们的?|店里的?)?(?:商品库|产品库|商品目录|产品目录|商品列表|目录|货架|商城|店铺|店|库|"
                              r"平台|系统)(?:里面|里头|里|中|内|上)?(?:的|有没有|是否有|有无)?")
# A search verb said after the thing, as its own clause ("有没有冻梨啊，搜搜", "有没有在卖玄米茶，帮忙查下")
_SEARCH_VERB_AFTER_ZH = re.compile(r"(?<=.)[，,\s]+(?:帮忙|帮我|你|烦请|麻烦|请)?(?:搜搜|搜一下|搜下|查查|查下|查一下|找找|找一下|看看|瞅瞅)"
                                   r"(?:呗|吧|呀|啊|哈)?[。.!！?？～~\s]*$")
# What ends a search without being searched for: punctuation and sentence particles ("搜一下凤梨酥唷")
_SEARCH_END = "。.!！?？ ～~啊呀唷哟喔哦呦哈"
_SEARCH_TRAIL = re.compile(rf"[\s,]+(?:please|pls|for me|(?:in|on|from) (?:the|our|my|your) (?:product )?(?:{_CATALOGUE_EN})|"
                          rf"in stock|that we (?:sell|carry|stock|have)|at all|in it|on it|"
                          rf"and (?:revert|let me know|tell me|get back(?: to me)?|report back|confirm))$")


def extract_search_query(text: str) -> str | None:
    """'search products: organic milk' → 'organic milk'; 'do we sell gluten free bread?' → 'gluten free bread';
    '搜索有机牛奶' → '有机牛奶'."""
    patterns = (_SEARCH_ZH + _SEARCH_EN) if CJK.search(text) else _SEARCH_EN
    text = text.strip().rstrip(_SEARCH_END)          # "请在商品库中检索保温杯。": the full stop is no part of it
    text = _SEARCH_VERB_AFTER_ZH.sub("", text).rstrip(_SEARCH_END)   # "有没有冻梨啊，搜搜": the ask, then the verb
    text = re.sub(r"(?<=\S)(?:看看|看一下)?(?:有没有|有没)[吗呢]*$", "", text)    # "搜一下X看看有没有": the X
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            query = m.group("q").strip(" .:'\"“”‘’「」《》")
            if not CJK.search(query):     # "search sambal chilli pls, customer ask whether we carry": a remark after
                query = re.split(r"\s*[,;]\s+|\s+(?:pls|plz|please)\b", query)[0]
            query = _SEARCH_PLACE_ZH.sub("", query)
            for _ in range(2):
                query = _SEARCH_TRAIL.sub("", query).strip()
            query = re.sub(r"^(?:(?:the|our|my)\s+)?(?:product\s+)?(?:catalog(?:ue)?|range|assortment|inventory|store|shop)"
                           r"\s+(?:for|to find)\s+", "", query)       # "search the product catalogue for X" → X
            query = re.sub(r"^(?:for|about|the|a|an|some|any)\s+", "", query)
            query = re.sub(r"^(?:anything|something|stuff|things?)\s+(?:with|containing|like|made with|that has)\s+", "",
                           query)
            query = re.sub(r"^(?:一下|下|卖|售|有没有|有没|有哪些|有什么|哪些|什么|帮我|请|我们|咱们|店里|商城里|平台上|目录里|"
                           r"商品里|库里)+", "", query)
            query = re.sub(r"(?:看看|看一下)?(?:有没有|有没|吗|呢|没有|不)$", "", query)
            query = re.sub(r"^(?:那个|这个|那款|这款)(?=..)", "", query)
            query = re.sub(r"(?:类的?|系列|相关)$", "", query)
            query = re.sub(r"(?<=..)(?:这个|这种|这款|那个|那种)(?:货|东西|商品|产品)$", "", query)   # "红糖这个货"
            if CJK.match(query):       # "有没有卖酸梅汤 查一下": in Chinese a space ends the thing searched for
                query = re.split(r"\s+(?=[\u4e00-\u9fff])", query)[0]
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
    t = written(normalise(text))
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
        segment = extract_segment(t, language)
        # a metric word inside the name ("the repeat buyers", "高客单用户") is not asked for, unless nothing else is
        metrics = extract_metrics(_without_name(t, segment)) or extract_metrics(t)
        slots = {"metrics": metrics, "segment": segment, "period": extract_period(t), "top_k": extract_top_k(t)}
        if metrics and "trend" not in metrics:
            slots["period"] = None
    elif intent == "compare_segments":
        slots = {"segments": extract_segment_list(t, language)}
    elif intent == "next_campaign":
        focus = extract_next_campaign_focus(t)
        hashed = _HASH_ID.search(t)        # "knowing how #29 went, what next?": only campaigns go next
        slots = {"campaign_id": _keyword_campaign_id(t) or (hashed.group(1) if hashed else None), "focus": focus,
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
                 "metrics": extract_metrics(_without_name(t, segment)), "period": extract_period(t),
                 "top_k": extract_top_k(t)}   # "and for the repeat buyers?": a word of the name is no metric
        if slots["user_id"] is None and slots["campaign_id"] is None and segment is None:
            bare = re.fullmatch(rf"\s*(?:and|what about|how about|same for|和|那)?\s*(?:#|no\.?|number)?\s*({NUM})\s*[?？呢]*\s*", t)
            if bare:  # "and 3?" after a segment turn: the caller decides what the number is
                slots["segment"] = parse_number(bare.group(1))
    elif intent == "report":
        slots = {"format": extract_report_format(t)}
    return slots


def asked_metrics(text: str, language: str | None = None) -> list[str] | None:
    """The metrics a message asks about outside any segment name in it: "rev share of the vips?" → ['revenue_share'];
    "who are the big spenders?" → None (the metric word names the group)."""
    t = written(normalise(text))
    return extract_metrics(_without_name(t, extract_segment(t, language or detect_language(t))))


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
    r"picks?|results?|instead|again|hm+|um+|well|kindly|switch|bigger|smaller|larger|discount|channel|"
    r"set|adjust|update|modify|pls|plz|run|repeat|apply|exercise|analysis|steps?|kindly|also|"
    # courtesy around a change: "thank you, this reads well. could you possibly make it a touch shorter?",
    # "would you mind preparing exactly the same for segment 4", "on reflection, might we …", "sorry to change my mind"
    r"thanks?|thank you|reads|possibly|touch|tad|mind|prepar(?:e|ing)|exactly|reflection|second|thoughts?|"
    r"might|may|sorry|"
    r"my|grateful|if|be|kind|alright|possible|it'?s|lovely|great|nice|good|looks?|cheers|much|mistake|than|"
    # the consultant's verbs and nouns for the offer in place: "could we leverage 30% off instead of the current incentive"
    r"leverage|current|existing|previous|incentive|incentives|perk|benefit)\b")
_CHANGE_FRAME_ZH = re.compile(
    # polite and degree words of a change first (longest first): "请将优惠调整为…", "折扣再大点", "力度小一些"
    r"烦请|劳驾|调整为|调整成|调整|调成|修改为|修改成|修改|变更为|变更|设置为|设为|发送|通过|渠道为|渠道|折扣|力度|幅度|"
    r"就行|就好|即可|将|把|再大|再小|大|小|"
    r"那么|那|还是|还有|也要|也是|也|同样的|同样|一样的|一样|照样|照着|照|呢|吧|吗|啊|呀|改成|改为|换成|换为|改用|换用|换个|换|改|"
    r"用|走|变成|加上|加个|加|带上|带个|带|附上|附带|配上|配个|的券|券|这个样子|这样子|这样|样子|给我|弄|搞|整|再|一点|一些|点|写|发|来一份|来一个|来个|一份|一条|一封|一篇|一个|一下|要|给|对|针对|方案|文案|推文|"
    r"版本|版|渠道|的|了|请|帮我|麻烦|试试|试一下|优惠|活动|看下|看|看看|按|分|呢|么|吗|成|为|语言|写成|翻译成|翻译|译成|"
    r"更多|多来|多|几个|几款|几条|只要|只|就|列出|列|个|款|条|"
    r"利益点|拉齐|对齐|输出|出|一版")          # 大厂黑话: "利益点再拉齐一下，改成满199减20", "同样的文案，第3组也输出一版"
# The verbs of an intent, which frame a change of that intent's last turn ("recommend more", "再写一条")
_INTENT_VERBS = {
    "recommend_segment": r"\b(?:recommend|suggest|recs?|picks?)\b|推荐|推(?![文送])|挑|选",
    "recommend_user": r"\b(?:recommend|suggest|recs?|picks?)\b|推荐|推(?![文送])|挑|选",
    "similar_products": r"\b(?:alternatives?|similar|substitutes?|options)\b|替代|类似|相似",
    "write_copy": r"\b(?:write|draft|compose|redo|rewrite|copy|copywriting|wording|headline|tagline|slogan|blurb)\b|"
                  r"写|撰写|重写|文案|文字|标题|口号|广告语|话术|出(?:一)?(?:条|封|篇)|整(?:一)?(?:条|封|篇)|拟|草拟|起草",
    "plan_campaign": r"\b(?:plan|campaign|strategy|promotion)\b|策划|方案|计划|(?:做|搞|办|弄)(?:个|一个|一场|一波|场|波)?活动|"
                     r"活动(?:咋整|怎么做|怎么搞|怎么办|咋办|咋搞)",
    "data_question": r"\b(?:show|list|numbers?|figures?|stats?)\b|看|列|统计|数据",
    "describe_segment": r"\b(?:describe|profile|tell me about|who (?:are|is|r)|characteri[sz]e|overview|rundown|lowdown|"
                        r"persona|portrait|summari[sz]e|sum up|in a nutshell|one-liner)\b|\bwhat (?:are|is) .{0,40} like\b|"
                        r"介绍|描述|说说|讲讲|画像|特征|特点|是什么样|什么样|啥样|过一遍|过一下|哪类人|哪些人|了解",
}
# A polite lead ("please change …", "请将优惠调整为…", "麻烦改成…") opens a change as plainly as "and" / "那"
_FOLLOW_UP_CUE = re.compile(r"\b(?:exactly\s+|just\s+)?the\s+same\s+(?:thing\s+|again\s+)?for\b|"
                            r"\b(?:make|send|turn|put|have)\s+(?:it|this|that|them)\b|\brather than\b|"   # "make it shorter"
                            r"^(?:please\s+|pls\s+|kindly\s+|could you\s+|can you\s+)?(?:(?:do|run|repeat)\s+the\s+same|"
                            r"and|or|but|same|what about|"
                            r"how about|now|change|switch|swap|adjust|update|make the (?:offer|discount|channel)|"
                            r"bigger|smaller|deeper|larger|steeper)\b|\b(?:instead|too|as well)\b|"
                            r"^(?:那|还是|还有|同样|一样|也|换|改|再)|^(?:请|麻烦|烦请|劳驾)\S{0,6}?(?:改|换|调整|修改|变更)|"
                            r"再(?:大|小|多|少|高|低|长|短)|"
                            r"呢[?？!！。.]*$")   # 还是…吧: "rather …"


def says_intent_verb(intent: str, text: str) -> bool:
    """True when `text` uses a verb or noun of `intent` ("write", "文案", "plan", "方案", "recs"); False for intents
    without them. Channel names are no verbs: "推送" / "推文" do not say "推荐"."""
    return intent in _INTENT_VERBS and bool(re.search(_INTENT_VERBS[intent], without_channels(normalise(text))))


def slot_change(text: str, language: str | None = None, last_intent: str | None = None) -> dict[str, Any] | None:
    """The slots a message changes when it is made only of slot values and framing words ("use 15% off",
    "改用邮件发", "同样的给流失客户", "所有分群呢"), else None. `cued` in the result: it also opens like a
    follow-up ("same for", "那…呢"), which outweighs the router's reading. The verbs of `last_intent` frame too:
    after a recommendation, "再多推荐几个，要10个" only changes the size."""
    t = normalise(text)
    language = language or detect_language(t)
    changes = {k: v for k, v in extract_slots("follow_up", t, language).items() if v is not None}
    if not changes:
        return None
    rest = t
    for value in (changes.get("segment"), changes.get("offer")):
        if isinstance(value, str) and value != ALL_SEGMENTS:
            rest = rest.replace(value, " ")
    for pattern in (*SEGMENT_NUMBER_PATTERNS, ALL_SEGMENTS_PATTERN, *OFFER_PCT_PATTERNS, ZHE_PATTERN, OTHER_OFFERS, SHORTER,
                    LONGER, *(p for _, p in _METRIC_RES), *_USER_PATTERNS[:3], *_CAMPAIGN_KEYWORD_PATTERNS,
                    *_TOP_K_PATTERNS):
        rest = pattern.sub(" ", rest)
    rest = without_channels(rest)
    rest = re.sub(r"\b(?:simplified\s+)?(?:chinese|mandarin|english)\b|中文|汉语|英文|英语|"
                  r"\b(?:weekly|monthly|week|month)\b|每周|按周|每月|按月|每个月|逐月|逐周|周度|月度", " ", rest)
    rest = _CHANGE_FRAME_ZH.sub(" ", _CHANGE_FRAME_EN.sub(" ", rest))
    if last_intent in _INTENT_VERBS:
        rest = re.sub(_INTENT_VERBS[last_intent], " ", rest)
    if re.sub(r"[\s\W_]+", "", rest):
        return None
    return {**changes, "cued": bool(_FOLLOW_UP_CUE.search(t))}


def missing_slots(intent: str, slots: Mapping[str, Any]) -> tuple[str, ...]:
    """Required slots of `intent` that are None in `slots`."""
    return tuple(name for name in REQUIRED_SLOTS.get(intent, ()) if slots.get(name) is None)


__all__ = ["slot_change", "says_intent_verb", "asked_metrics", "extract_next_campaign_focus", "extract_outcome", "extract_sample_size", "extract_search_query",
           "asks_about_history", "extract_horizon_days", "METRICS", "ALL_SEGMENTS", "mentions_all_segments", "clean_segment_phrase", "extract_metrics", "extract_period",
           "extract_segment_list", "extract_audience", "extract_length", "extract_explicit_language", "SLOT_NAMES", "REQUIRED_SLOTS", "detect_language", "normalise", "zh_to_int", "parse_number",
           "extract_slots", "missing_slots", "extract_offer", "extract_segment",
           "extract_user_id", "extract_campaign_id", "extract_product", "extract_n_segments", "extract_channel",
           "extract_top_k", "extract_report_format", "extract_copy_language", "extract_algorithm",
           "extract_segment_number"]
