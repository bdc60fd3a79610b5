"""Deterministic parser: the common "customers who …" sentences (EN and ZH) → `AudienceFilter`.

Why rules first: the small local model fills a long schema unreliably, while the common patterns (demographics,
bought / not bought a category in a window, lapsed for N days, spend / order thresholds, value, churn, CLV,
segment) are a few dozen regular expressions. Every matched span is consumed; whatever meaningful text is left
is returned as `unparsed`, so the caller can hand the sentence to the LLM and never silently drops a condition.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.core.text import normalise
from segmentation.audience import NEW_CUSTOMER_DAYS, AudienceFilter, PurchaseCondition

# ------------------------------------------------------------------------------------------------ vocabulary
GENERIC_CATEGORY_WORDS = {"products", "product", "items", "item", "goods", "stuff", "things", "category",
                          "categories", "section", "department", "some", "any", "the", "our", "from", "of"}
# Chinese category words → the English catalogue term (MiniLM, the catalogue matcher, is English-only).
ZH_CATEGORIES = {
    "母婴用品": "baby", "母婴": "baby", "婴儿用品": "baby", "婴儿食品": "baby food", "宝宝": "baby", "婴儿": "baby",
    "奶粉": "infant formula", "纸尿裤": "diapers", "尿布": "diapers", "啤酒": "beer", "红酒": "wine",
    "葡萄酒": "wine", "白酒": "liquor", "烈酒": "liquor", "零食": "snacks", "饮料": "soft drinks",
    "碳酸饮料": "soft drinks", "咖啡": "coffee", "茶叶": "tea", "茶": "tea", "水果": "fruit", "蔬菜": "vegetables",
    "肉类": "meat", "牛肉": "beef", "猪肉": "pork", "鸡肉": "chicken", "海鲜": "seafood", "奶酪": "cheese",
    "牛奶": "milk", "乳制品": "dairy", "酸奶": "yogurt", "面包": "bread", "糖果": "candy", "巧克力": "candy",
    "冰淇淋": "ice cream", "冷冻食品": "frozen", "速冻食品": "frozen", "宠物用品": "pet", "宠物食品": "pet food",
    "宠物": "pet", "狗粮": "dog food", "猫粮": "cat food", "化妆品": "makeup", "彩妆": "makeup", "美妆": "makeup",
    "护发用品": "hair care", "洗发水": "hair care", "护肤品": "skin care", "维生素": "vitamins", "保健品": "vitamins",
    "感冒药": "cold and flu", "清洁用品": "household cleaning", "洗衣液": "laundry detergent",
    "麦片": "cereal", "早餐麦片": "cereal", "披萨": "pizza", "冷冻披萨": "frozen pizza", "鲜花": "flowers",
    "汤": "soup", "烘焙用品": "baking", "烘焙": "baking", "调味品": "condiments", "香料": "spices",
    "有机食品": "organic", "有机": "organic", "意面": "pasta", "面条": "pasta", "纸巾": "paper towels",
    "卫生纸": "bath tissue", "贺卡": "greeting cards", "玩具": "toys", "文具": "stationery", "杂志": "magazines",
    "鸡蛋": "eggs", "果汁": "juice", "矿泉水": "water", "瓶装水": "water", "饼干": "cookies", "薯片": "chips",
    "坚果": "nuts", "熟食": "deli", "口腔护理": "oral hygiene", "牙膏": "oral hygiene", "电池": "batteries",
}
_ZH_NUM = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_EN_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "eighteen": 18, "thirty": 30, "sixty": 60, "ninety": 90}
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30, "quarter": 90, "quarters": 90,
              "year": 365, "years": 365, "天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7, "个月": 30, "月": 30,
              "季度": 90, "个季度": 90, "年": 365}

FILLER_EN = set("""customers customer shoppers shopper people users user households household buyers buyer members
clients client who that which are is was were have has had been be the a an all show me find list get give i want
my our with and but or of in on those them any everyone audience build create make please let let's lets see only
also for from to already who've who’ve whom whose ones one folks persons person consumers accounts s
me: us can you could would like need select pull out group here there these this everybody anyone someone""".split())
FILLER_ZH = ["的", "家庭", "住户", "客户", "用户", "顾客", "会员", "人群", "人", "找出", "找到", "显示", "给我", "列出", "所有", "哪些",
             "有哪些", "并且", "而且", "同时", "以及", "请", "帮我", "筛选", "圈出", "一下", "那些", "群体", "我的", "我",
             "们", "是", "且", "和", "但", "还", "都", "中", "里", "或", "并", "看看", "看", "查", "想", "要", "出",
             "哪", "些", "谁", "位", "名单", "吗", "呢", "吧", "了", "有", "把", "这", "个", "那", "的话"]

_DUR_EN = (r"(?:(?:in|within|during|over|for|since)\s+)?(?:the\s+)?(?:last|past|previous|recent)?\s*"
           r"(?P<{g}n>\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)?\s*"
           r"(?P<{g}u>days?|weeks?|months?|quarters?|years?)\b")
_ZH_NUMBER = r"\d+|[零一二两三四五六七八九十百半]+"
_DUR_ZH = (r"(?:在)?(?:最近|近|过去|这|上)?\s*(?P<{g}n>" + _ZH_NUMBER + r")?\s*"
           r"(?P<{g}u>个季度|季度|个月|星期|礼拜|天|日|周|月|年)(?:内|以内|里|之内|来|以来)?")


def _dur(group: str, zh: bool = False) -> str:
    return (_DUR_ZH if zh else _DUR_EN).format(g=group)


def zh_number(text: str) -> float | None:
    """'30' -> 30; '三' -> 3; '十二' -> 12; '两' -> 2; '半' -> 0.5; '一百' -> 100."""
    if not text:
        return None
    if text.isdigit():
        return float(text)
    if text == "半":
        return 0.5
    total, current = 0, 0
    for ch in text:
        if ch in _ZH_NUM:
            current = _ZH_NUM[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)


def to_days(number: str | None, unit: str, zh: bool = False) -> int | None:
    """A duration in days ("2 weeks" -> 14, "三个月" -> 90, "半年" -> 182, "month" -> 30)."""
    if zh:
        n = zh_number(number) if number else 1.0
    else:
        n = float(number) if number and number.isdigit() else _EN_NUM.get(number or "a", 1)
    if n is None:
        return None
    per = _UNIT_DAYS.get(unit, _UNIT_DAYS.get(unit.rstrip("s"), 1))
    days = n * per
    return 182 if (per == 365 and n == 0.5) else int(round(days))


def category_key(text: str) -> str:
    """Comparable form of a category phrase: lower case, generic words dropped, crude singular ("diapers" ->
    "diaper"), Chinese terms translated."""
    text = normalise(text)
    for zh, en in sorted(ZH_CATEGORIES.items(), key=lambda kv: -len(kv[0])):
        if text == zh:
            return category_key(en)
    words = [w for w in re.split(r"[\s/&,-]+", text) if w and w not in GENERIC_CATEGORY_WORDS]
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


@dataclass
class ParseResult:
    """The filter the rules understood, plus any text they could not place (then the LLM is asked)."""

    filter: AudienceFilter
    unparsed: list[str] = field(default_factory=list)
    language: str = "en"

    @property
    def complete(self) -> bool:
        return not self.unparsed


class _Text:
    """The sentence with consumed spans blanked out, so later rules and the leftover check skip them."""

    def __init__(self, text: str):
        self.text = text

    def take(self, pattern: str, fn) -> None:
        """Call fn(match) for each match of `pattern` in the unconsumed text; consume the span if fn returns True."""
        for match in list(re.finditer(pattern, self.text)):
            current = self.text[match.start():match.end()]
            if current != match.group(0):  # overlapped by an earlier consumption in this loop
                continue
            if fn(match) is not False:
                self.text = self.text[:match.start()] + " " * (match.end() - match.start()) + self.text[match.end():]

    def leftover(self, zh: bool) -> list[str]:
        if zh:
            rest = self.text
            for word in sorted(FILLER_ZH, key=len, reverse=True):
                rest = rest.replace(word, " ")
            rest = re.sub(r"[\s,，。.;；:：!！?？、\"'“”()（）-]+", " ", rest)
            return [p for p in rest.split() if re.search(r"[\u4e00-\u9fff]{1,}|[a-z]{2,}", p)]
        words = re.findall(r"[a-z][a-z'’]*|\d+", self.text)
        return [w for w in words if w not in FILLER_EN and len(w) > 1]


def is_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def parse_rules(sentence: str) -> ParseResult:
    """The deterministic parse of one sentence (EN or ZH; the language is detected from the script)."""
    text = normalise(sentence).replace("–", "-").replace("—", "-").replace("~", "-")
    if is_chinese(text):
        return _parse_zh(text)
    return _parse_en(text)


# ------------------------------------------------------------------------------------------------ English
_CAT_EN = r"(?P<cat>[a-z][a-z0-9 &'/-]*?)"
_CAT_END = (r"(?=\s+(?:in|within|during|over|for|but|or|who|that|more|less|at|since|recently|last|past|before|"
            r"with|from|aged|are|is|have|has)\b|\s+and\s+(?:have|has|had|are|is|was|were|who|spent|spend|spending|"
            r"bought|purchased|ordered|not|never|did|didn't|haven't|hasn't|likely|at|in|with|a|an|the|live|also)\b"
            r"|\s*[,.;!?]|$)")
_NOT_A_CATEGORY = ("in", "was", "more", "less", "than", "at", "over", "the", "a", "an", "for", "only", "once", "it",
                   "them", "anything", "something", "nothing", "any", "recently", "online", "again", "within")
_BUY = r"(?:bought|buy|buys|buying|purchased|purchase|purchases|ordered|order|shopped\s+for|shop\s+for|got)"


def _parse_en(text: str) -> ParseResult:
    f: dict = {"purchases": []}
    t = _Text(text)

    def dur_days(m, g="d"):
        if m.group(f"{g}u") is None:
            return None
        return to_days(m.group(f"{g}n"), m.group(f"{g}u"))

    def add_purchase(category: str, bought: bool, within: int | None) -> bool:
        words = [w for w in category.split() if w not in GENERIC_CATEGORY_WORDS]
        cleaned = " ".join(words).strip()
        if not cleaned or category.split()[0] in _NOT_A_CATEGORY or re.search(r"\d", cleaned):
            return False
        item = {"category": cleaned, "bought": bought, "within_days": within}
        if item not in f["purchases"]:
            f["purchases"].append(item)
        return True

    # "bought X but not in the last month" / "but haven't in 30 days" -> X bought ever, not bought in the window
    t.take(rf"(?:who\s+)?(?:have\s+|has\s+)?{_BUY}\s+{_CAT_EN}{_CAT_END}(?:\s+{_dur('w')})?\s*,?\s*"
           rf"but\s+(?:have\s+not|haven't|has\s+not|hasn't|did\s+not|didn't|not)\s*(?:{_BUY}\s*(?:it|them|any)?\s*)?"
           rf"(?:anything\s+)?{_dur('d')}",
           lambda m: add_purchase(m.group("cat"), True, dur_days(m, "w")) and add_purchase(m.group("cat"), False,
                                                                                     dur_days(m)))
    t.take(rf"(?:who\s+)?(?:have\s+|has\s+)?{_BUY}\s+{_CAT_EN}{_CAT_END}\s*,?\s*but\s+not\s+recently",
           lambda m: add_purchase(m.group("cat"), True, None) and add_purchase(m.group("cat"), False, 30))
    # lapsed: "have not bought (anything) in 60 days", "no purchase in the last 2 months", "inactive for 90 days"
    neg = r"(?:have\s+not|haven't|has\s+not|hasn't|did\s+not|didn't|not|never|haven’t|hasn’t|didn’t)"
    t.take(rf"{neg}\s+(?:{_BUY}|shopped|been\s+back|come\s+back|returned)\s+(?:anything\s+|at\s+all\s+)?"
           rf"(?:in|for|within|during|over|since)\s+{_dur('d')}",
           lambda m: f.__setitem__("inactive_days", dur_days(m)))
    t.take(rf"(?:no|zero)\s+(?:purchases?|orders?|visits?|activity|baskets?)\s+{_dur('d')}",
           lambda m: f.__setitem__("inactive_days", dur_days(m)))
    t.take(rf"(?:inactive|lapsed|dormant|idle|gone\s+quiet|silent)\s+(?:customers?\s+)?(?:for\s+)?(?:over\s+|more\s+than\s+)?{_dur('d')}",
           lambda m: f.__setitem__("inactive_days", dur_days(m)))
    t.take(r"last\s+(?:purchase|order|bought|ordered|purchased|visit)\w*\s+(?:was\s+)?(?:more\s+than\s+|over\s+)?"
           rf"(?P<dn>\d+|a|an|one|two|three|four|five|six)\s*(?P<du>days?|weeks?|months?|years?)\s+ago",
           lambda m: f.__setitem__("inactive_days", dur_days(m)))
    # activity without a category: "bought (anything) in the last 30 days", "active in the last week"
    t.take(rf"(?:{_BUY}|shopped|active|visited)\s+(?:anything\s+|something\s+)?(?:in|within|during|over)\s+{_dur('d')}",
           lambda m: f.__setitem__("active_within_days", dur_days(m)))
    t.take(rf"(?:{_BUY}|shopped)\s+recently", lambda m: f.__setitem__("active_within_days", 30))
    # new customers
    t.take(rf"(?:new|first[- ]time)\s+(?:customers?|buyers?|shoppers?)(?:\s+{_dur('d')})?",
           lambda m: f.__setitem__("new_within_days", dur_days(m) or NEW_CUSTOMER_DAYS))
    t.take(rf"(?:first\s+(?:order|purchase)(?:\s+was)?|joined|signed\s+up)\s+{_dur('d')}",
           lambda m: f.__setitem__("new_within_days", dur_days(m)))
    # orders
    more = r"(?P<op>more\s+than|over|above|at\s+least|fewer\s+than|less\s+than|under|below|at\s+most|no\s+more\s+than|exactly)"
    t.take(rf"(?:{_BUY}|shopped|visited|with|placed|made|have|has)?\s*{more}\s+(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten)"
           rf"\s+(?:orders?|purchases?|times|visits?|baskets?|trips?)",
           lambda m: _orders(f, m.group("op"), m.group("n")))
    t.take(r"(?P<n>\d+)\s*\+\s*(?:orders?|purchases?|visits?)|(?P<n2>\d+)\s+or\s+more\s+(?:orders?|purchases?|times|visits?)",
           lambda m: f.__setitem__("min_orders", int(m.group("n") or m.group("n2"))))
    t.take(r"(?:one[- ]time|single[- ]purchase)\s+(?:buyers?|customers?|shoppers?)|(?:only\s+)?(?:bought|ordered|purchased)\s+only\s+once|only\s+(?:one|1)\s+order",
           lambda m: f.__setitem__("max_orders", 1))
    t.take(r"repeat\s+(?:customers?|buyers?|shoppers?|purchasers?)|(?:came|come)\s+back", lambda m: f.__setitem__("min_orders", 2))
    # spend
    money = r"(?:\$|usd\s*|¥|rmb\s*)?(?P<v>\d+(?:[.,]\d+)?)(?:\s*k\b)?(?:\s*(?:dollars|usd|\$|yuan|rmb))?"
    # predicted value (before plain "high value": "high lifetime value" is CLV)
    t.take(rf"(?:predicted\s+|expected\s+)?(?:clv|ltv|(?:customer\s+)?lifetime\s+value|predicted\s+value|expected\s+spend)\s+"
           rf"(?:is\s+|of\s+)?{more}\s+{money}",
           lambda m: _money(f, "clv", m.group("op"), m.group("v"), m.group(0)))
    t.take(r"(?:expected|predicted|likely)\s+to\s+spend\s+" + more + r"\s+" + money
           + r"(?:\s+(?:in|over|during)\s+the\s+next\s+(?:\d+\s+)?(?:days?|weeks?|months?|quarter|year))?",
           lambda m: _money(f, "clv", m.group("op"), m.group("v"), m.group(0)))
    t.take(rf"(?:spent|spend|spends|spending|total\s+spend(?:ing)?|lifetime\s+spend|paid)\s+(?:of\s+)?{more}\s+{money}",
           lambda m: _money(f, "spend", m.group("op"), m.group("v"), m.group(0)))
    t.take(rf"(?:spent|spend|spends|spending)\s+{money}\s+or\s+(?P<op2>more|less)",
           lambda m: _money(f, "spend", "at least" if m.group("op2") == "more" else "at most", m.group("v"), m.group(0)))
    t.take(r"(?:high|highest|top|best)\s+(?:predicted\s+)?(?:clv|ltv|(?:customer\s+)?lifetime\s+value|predicted\s+value)",
           lambda m: f.__setitem__("clv_tier", "high"))
    t.take(r"(?:low|lowest)\s+(?:predicted\s+)?(?:clv|ltv|(?:customer\s+)?lifetime\s+value|predicted\s+value)",
           lambda m: f.__setitem__("clv_tier", "low"))
    # not bought a category: "have not bought beer in 30 days", "never bought baby products"
    t.take(rf"{neg}\s+(?:ever\s+)?{_BUY}\s+{_CAT_EN}{_CAT_END}(?:\s+{_dur('d')})?",
           lambda m: add_purchase(m.group("cat"), False, dur_days(m)))
    # bought a category: "who bought baby products in the last 30 days", "buyers of wine"
    t.take(rf"(?:who\s+)?(?:have\s+|has\s+)?(?:recently\s+)?{_BUY}\s+{_CAT_EN}{_CAT_END}(?:\s+{_dur('d')})?",
           lambda m: add_purchase(m.group("cat"), True, dur_days(m)))
    t.take(rf"(?:buyers|purchasers|shoppers|customers)\s+of\s+{_CAT_EN}{_CAT_END}(?:\s+{_dur('d')})?",
           lambda m: add_purchase(m.group("cat"), True, dur_days(m)))
    t.take(rf"\b(?P<cat>[a-z][a-z &'-]*?)\s+(?:buyers|purchasers|shoppers|lovers|fans)\b(?:\s+{_dur('d')})?",
           lambda m: add_purchase(m.group("cat"), True, dur_days(m)) if m.group("cat").split()[-1] not in FILLER_EN
           and m.group("cat").split()[-1] not in ("value", "high", "low", "repeat", "new", "frequent", "big", "top")
           else False)
    # "bought cheese but not crackers"
    t.take(rf"but\s+(?:not|never)\s+(?:{_BUY}\s+)?{_CAT_EN}{_CAT_END}",
           lambda m: add_purchase(m.group("cat"), False, None) if f["purchases"] else False)
    # churn
    t.take(r"(?:high|medium|low)\s+(?:churn|attrition)\s+risk|(?:churn|attrition)\s+risk\s+(?:is\s+)?(?:high|medium|low)",
           lambda m: f.__setitem__("churn_risk", re.search(r"high|medium|low", m.group(0)).group(0)))
    t.take(r"(?:most\s+|very\s+)?(?:likely|about|going|expected|set|at\s+risk)\s+(?:of\s+|to\s+)(?:churning|churn|leaving|leave|lapsing|lapse|stop\s+buying|defect)"
           r"|at[- ]risk|(?:churn|attrition)\s+risk|risk\s+of\s+(?:churn|churning|leaving)|(?:churners|churning)",
           lambda m: f.__setitem__("churn_risk", "high"))
    t.take(r"unlikely\s+to\s+(?:churn|leave)", lambda m: f.__setitem__("churn_risk", "low"))
    # value tier
    t.take(r"high[- ]value|most\s+valuable|top\s+(?:customers|spenders|buyers)|best\s+customers|\bvips?\b|big\s+spenders|"
           r"high\s+spenders|heavy\s+(?:buyers|spenders)|valuable", lambda m: f.__setitem__("value_tier", "high"))
    t.take(r"low[- ]value|least\s+valuable|low\s+spenders|light\s+(?:buyers|spenders)",
           lambda m: f.__setitem__("value_tier", "low"))
    # demographics
    t.take(r"\b(?:moms|mums|mothers|mommies)\b", lambda m: f.update(gender="female", has_kids=True))
    t.take(r"\b(?:dads|fathers)\b", lambda m: f.update(gender="male", has_kids=True))
    t.take(r"\b(?:women|woman|female|females|ladies|girls)\b", lambda m: f.__setitem__("gender", "female"))
    t.take(r"\b(?:men|man|male|males|gentlemen|guys)\b", lambda m: f.__setitem__("gender", "male"))
    age_ctx = r"(?:aged?|ages|between\s+the\s+ages\s+of)"
    t.take(rf"(?:{age_ctx}\s+)?(?:between\s+)?(?P<a>\d{{2}})\s*(?:-|to|and)\s*(?P<b>\d{{2}})(?:\s*(?:years?\s+old|year[- ]olds|yrs|y/?o))?"
           r"(?!\s*(?:orders?|times|days|weeks|months|%|dollars|\$|k\b|purchases?))",
           lambda m: f.update(age_min=int(m.group("a")), age_max=int(m.group("b"))) if 10 <= int(m.group("a")) < int(m.group("b")) <= 110 else False)
    t.take(rf"(?:{age_ctx}\s+)?(?:under|below|younger\s+than|less\s+than)\s+(?P<a>\d{{2}})(?=\s*(?:years|yrs|y/?o)|\s*$|\s*[,.;]|\s+(?:who|that|with|and))"
           rf"|{age_ctx}\s+(?:under|below|younger\s+than)\s+(?P<b>\d{{2}})|younger\s+than\s+(?P<c>\d{{2}})",
           lambda m: f.__setitem__("age_max", int(m.group("a") or m.group("b") or m.group("c")) - 1))
    t.take(rf"(?:{age_ctx}\s+)?(?:over|above|older\s+than)\s+(?P<a>\d{{2}})(?=\s*(?:years|yrs|y/?o)|\s*$|\s*[,.;]|\s+(?:who|that|with|and))"
           rf"|{age_ctx}\s+(?P<b>\d{{2}})\s*(?:\+|and\s+(?:over|above|older)|or\s+(?:over|older))|older\s+than\s+(?P<c>\d{{2}})"
           r"|(?P<d>\d{2})\s*\+(?:\s*(?:years\s+old|year[- ]olds))?(?!\s*(?:orders?|purchases?))",
           lambda m: f.__setitem__("age_min", int(m.group("a") or m.group("b") or m.group("c") or m.group("d"))
                                   + (1 if ("older" in m.group(0) or m.group("c")) else 0)))
    t.take(r"in\s+their\s+(?P<d>[2-8]0)s|(?P<e>[2-8]0)-somethings",
           lambda m: f.update(age_min=int(m.group("d") or m.group("e")), age_max=int(m.group("d") or m.group("e")) + 9))
    t.take(r"\b(?:seniors?|elderly|retirees|pensioners)\b", lambda m: f.__setitem__("age_min", 65))
    t.take(r"\byoung\s+(?:adults|people|customers|shoppers)\b|\byoung\b", lambda m: f.__setitem__("age_max", 34))
    t.take(r"(?:with(?:out)?|no|have|has|having)\s+(?:young\s+|small\s+)?(?:kids|children|a\s+baby|babies|toddlers|a\s+child|child)"
           r"|\bparents\b|families\s+with\s+(?:kids|children)|childless|empty[- ]nesters",
           lambda m: f.__setitem__("has_kids", not re.match(r"without|no\b|childless|empty", m.group(0))))
    t.take(r"\b(?:unmarried|not\s+married|single)\b", lambda m: f.__setitem__("married", False))
    t.take(r"\bmarried\b", lambda m: f.__setitem__("married", True))
    t.take(r"high[- ]income|affluent|wealthy|high\s+earners|rich", lambda m: f.__setitem__("income", "high"))
    t.take(r"low[- ]income|low\s+earners", lambda m: f.__setitem__("income", "low"))
    # segments: "in segment 2", "segments 1 and 3", "cluster 4"
    t.take(r"(?:segments?|clusters?|groups?)\s+(?:#|no\.?\s*)?(?P<ids>\d+(?:\s*(?:,|and|or|&)\s*\d+)*)",
           lambda m: f.__setitem__("segments", sorted({int(x) for x in re.findall(r"\d+", m.group("ids"))})))
    return _result(f, t, "en")


def _orders(f: dict, op: str, n: str) -> None:
    value = int(n) if n.isdigit() else _EN_NUM[n]
    op = re.sub(r"\s+", " ", op)
    if op in ("more than", "over", "above"):
        f["min_orders"] = value + 1
    elif op == "at least":
        f["min_orders"] = value
    elif op in ("fewer than", "less than", "under", "below"):
        f["max_orders"] = max(value - 1, 0)
    elif op == "exactly":
        f["min_orders"] = f["max_orders"] = value
    else:  # at most, no more than
        f["max_orders"] = value


def _money(f: dict, what: str, op: str, value: str, whole: str) -> None:
    amount = float(value.replace(",", ""))
    if re.search(r"\d\s*k\b", whole):
        amount *= 1000
    op = re.sub(r"\s+", " ", op)
    upper = op in ("less than", "under", "below", "at most", "no more than", "fewer than", "less", "低于", "少于",
                   "小于", "不到", "不超过")
    if what == "clv":
        f["min_clv"] = amount
    else:
        f["max_spend" if upper else "min_spend"] = amount


# ------------------------------------------------------------------------------------------------ Chinese
_ZH_CAT = r"(?P<cat>(?![的了过东西任何])[\u4e00-\u9fffa-z]+?)"
_ZH_CAT_END = r"(?=的|但|，|,|。|且|并|而|或|最近|近|在|客户|用户|顾客|人|没|还|又|、|超过|以上|$|\s)"
_ZH_BUY = r"(?:买过|购买过|买了|购买了|购入过|下单过|买|购买)"
_ZH_NOT = r"(?:没有?再?|未曾?|从未|从没有?|不曾)"
_ZH_BUY_VERB = r"(?:购买|买过?|下单|下过单|消费|购物|光顾|复购)"


def _zh_category(phrase: str) -> str:
    phrase = phrase.strip()
    for zh, en in sorted(ZH_CATEGORIES.items(), key=lambda kv: -len(kv[0])):
        if zh in phrase:
            return en
    return phrase


def _parse_zh(text: str) -> ParseResult:
    f: dict = {"purchases": []}
    t = _Text(text)
    unknown: list[str] = []

    def days(m, g="d"):
        return to_days(m.group(f"{g}n"), m.group(f"{g}u"), zh=True) if m.group(f"{g}u") else None

    def add(cat: str, bought: bool, within: int | None) -> bool:
        name = _zh_category(cat)
        if not name or name in ("东西", "商品", "过", "任何东西"):
            return False
        if re.search(r"[\u4e00-\u9fff]", name):
            unknown.append(name)  # a category the dictionary does not know: the LLM (or the marketer) names it
        item = {"category": name, "bought": bought, "within_days": within}
        if item not in f["purchases"]:
            f["purchases"].append(item)
        return True

    # orders
    t.take(r"(?:购买|下单|买|消费)(?:了|过)?(?:超过|多于|大于)(?P<n>\d+|[一二两三四五六七八九十]+)次(?:以上)?",
           lambda m: f.__setitem__("min_orders", int(zh_number(m.group("n"))) + 1))
    t.take(r"(?:购买|下单|买|消费)(?:了|过)?(?:至少|不少于)?(?P<n>\d+|[一二两三四五六七八九十]+)次(?:及)?以上|(?:至少|不少于)(?:购买|下单|买)(?:了|过)?(?P<n2>\d+|[一二两三四五六七八九十]+)次",
           lambda m: f.__setitem__("min_orders", int(zh_number(m.group("n") or m.group("n2")))))
    t.take(r"(?:购买|下单|买)(?:了|过)?(?:少于|不到|低于)(?P<n>\d+|[一二两三四五六七八九十]+)次",
           lambda m: f.__setitem__("max_orders", int(zh_number(m.group("n"))) - 1))
    t.take(r"只(?:买过|购买过|下过|消费过)(?:一次|一单|1次)|一次性(?:客户|买家)?", lambda m: f.__setitem__("max_orders", 1))
    t.take(r"复购(?:客户|用户)?|回头客|老客户|老客", lambda m: f.__setitem__("min_orders", 2))
    # spend
    zh_more = r"(?P<op>超过|大于|高于|多于|至少|不少于|低于|少于|小于|不到|不超过)"
    t.take(rf"(?:累计)?(?:消费|花费|花了|支出|消费金额|总消费|购物金额)(?:金额)?(?:在)?{zh_more}\s*(?:¥|￥|\$)?(?P<v>\d+(?:\.\d+)?)\s*(?P<wan>万)?(?:元|块|美元|刀)?(?:以上)?",
           lambda m: _money(f, "spend", m.group("op"), str(float(m.group("v")) * (10000 if m.group("wan") else 1)), m.group(0)))
    t.take(r"(?:消费|花费)(?:了)?\s*(?:¥|￥|\$)?(?P<v>\d+(?:\.\d+)?)\s*(?:元|块|美元)?(?P<op>以上|以下)",
           lambda m: _money(f, "spend", "at most" if m.group("op") == "以下" else "at least", m.group("v"), m.group(0)))
    # 买过X但最近一个月没买 -> X ever, not X in the window
    t.take(rf"(?:{_dur('w', True)})?{_ZH_BUY}{_ZH_CAT}{_ZH_CAT_END}(?:的)?(?:客户|用户|顾客)?[，,]?\s*(?:但是?|可是|然而|却)\s*{_dur('d', True)}"
           rf"(?:都|再|也)?{_ZH_NOT}(?:再)?{_ZH_BUY_VERB}(?:过)?(?:了)?",
           lambda m: add(m.group("cat"), True, days(m, "w")) and add(m.group("cat"), False, days(m)))
    # 最近30天买过X
    t.take(rf"{_dur('d', True)}(?:内|里)?(?:有)?{_ZH_BUY}{_ZH_CAT}{_ZH_CAT_END}",
           lambda m: add(m.group("cat"), True, days(m)))
    # 最近30天没买X / 从未买过X
    t.take(rf"(?:{_dur('d', True)})?(?:都|也)?{_ZH_NOT}(?:买过|购买过|买|购买){_ZH_CAT}{_ZH_CAT_END}",
           lambda m: add(m.group("cat"), False, days(m)) if not m.group("cat").startswith(("东西", "任何")) else False)
    # 60天没买(东西) / 超过两个月未购买 -> lapsed
    t.take(rf"(?:超过|已经|已|有|连续)?{_dur('d', True)}(?:以上|多)?(?:都|一直|也)?{_ZH_NOT}(?:再)?{_ZH_BUY_VERB}(?:过)?(?:任何)?(?:东西|商品)?",
           lambda m: f.__setitem__("inactive_days", days(m)))
    t.take(rf"(?:沉睡|休眠|不活跃)(?:了)?(?:超过)?{_dur('d', True)}(?:以上)?",
           lambda m: f.__setitem__("inactive_days", days(m)))
    # 买过X (ever)
    t.take(rf"{_ZH_BUY}{_ZH_CAT}{_ZH_CAT_END}",
           lambda m: add(m.group("cat"), True, None) if not m.group("cat").startswith(("东西", "过东西")) else False)
    # 最近30天有购买 -> active
    t.take(rf"{_dur('d', True)}(?:内|里)?(?:有过?|都有)?(?:购买|下单|消费|购物|买过东西|买东西)(?:过)?(?:记录)?",
           lambda m: f.__setitem__("active_within_days", days(m)))
    # 新客
    t.take(rf"(?:{_dur('d', True)})?(?:的)?(?:新客户|新客|新用户|新顾客|首次购买|首单)",
           lambda m: f.__setitem__("new_within_days", days(m) or NEW_CUSTOMER_DAYS))
    # predicted value
    t.take(rf"(?:预测|预计)?(?:的)?(?:客户)?(?:生命周期价值|终身价值|clv|ltv|未来消费|预计消费)(?:在)?{zh_more}\s*(?:¥|￥|\$)?(?P<v>\d+(?:\.\d+)?)\s*(?:元|块)?",
           lambda m: _money(f, "clv", m.group("op"), m.group("v"), m.group(0)))
    t.take(r"(?:预测|预计)?(?:客户)?(?:生命周期价值|终身价值|clv|ltv)(?:最高|高|较高|前列|靠前)|(?:最高|高)(?:的)?(?:生命周期价值|终身价值|clv|ltv)",
           lambda m: f.__setitem__("clv_tier", "high"))
    t.take(r"(?:生命周期价值|终身价值|clv|ltv)(?:最低|低|较低)|(?:低)(?:的)?(?:生命周期价值|终身价值)",
           lambda m: f.__setitem__("clv_tier", "low"))
    # churn
    t.take(r"流失风险(?:为|是)?(?P<b>高|中等?|低|较高|很高|大)|(?P<b2>高|中|低)流失风险",
           lambda m: f.__setitem__("churn_risk", {"高": "high", "中": "medium", "低": "low", "大": "high"}
                                   [(m.group("b") or m.group("b2")).replace("较", "").replace("很", "").replace("等", "")[:1]]))
    t.take(r"(?:可能|容易|即将|快要|有可能|大概率|最可能|最有可能|会)(?:会)?流失|有流失风险|流失风险|濒临流失|流失预警",
           lambda m: f.__setitem__("churn_risk", "high"))
    # value
    t.take(r"高价值|高消费|大客户|vip|优质客户|最有价值|核心客户|重要客户|高净值|大额消费|消费大户",
           lambda m: f.__setitem__("value_tier", "high"))
    t.take(r"低价值|低消费|小额消费", lambda m: f.__setitem__("value_tier", "low"))
    # demographics
    t.take(r"宝妈|妈妈|母亲", lambda m: f.update(gender="female", has_kids=True))
    t.take(r"宝爸|爸爸|父亲", lambda m: f.update(gender="male", has_kids=True))
    t.take(r"女性|女士|女生|女孩|女", lambda m: f.__setitem__("gender", "female"))
    t.take(r"男性|男士|男生|男孩|男", lambda m: f.__setitem__("gender", "male"))
    t.take(r"(?P<a>\d{2})\s*(?:-|到|至|~)\s*(?P<b>\d{2})\s*岁(?:之间)?",
           lambda m: f.update(age_min=int(m.group("a")), age_max=int(m.group("b"))))
    t.take(r"(?P<a>\d{2})\s*岁(?:以下|以内)|(?:小于|低于|不到|不满)(?P<b>\d{2})\s*岁",
           lambda m: f.__setitem__("age_max", int(m.group("a")) if m.group("a") else int(m.group("b")) - 1))
    t.take(r"(?P<a>\d{2})\s*岁(?:及)?以上|(?:超过|大于|高于)(?P<b>\d{2})\s*岁",
           lambda m: f.__setitem__("age_min", int(m.group("a")) if m.group("a") else int(m.group("b")) + 1))
    t.take(r"(?P<d>[2-8]0|[二三四五六七八]十)多岁|(?P<e>[2-8]0)后",
           lambda m: f.update(age_min=int(zh_number(m.group("d"))), age_max=int(zh_number(m.group("d"))) + 9)
           if m.group("d") else False)
    t.take(r"老年|老人|长者|退休", lambda m: f.__setitem__("age_min", 65))
    t.take(r"年轻", lambda m: f.__setitem__("age_max", 34))
    t.take(r"(?P<neg>没有|无|不带)(?:孩子|小孩|子女|娃)|丁克", lambda m: f.__setitem__("has_kids", False))
    t.take(r"有(?:孩子|小孩|子女|娃|宝宝)|带娃|(?:有孩|亲子)家庭", lambda m: f.__setitem__("has_kids", True))
    t.take(r"未婚|单身", lambda m: f.__setitem__("married", False))
    t.take(r"已婚", lambda m: f.__setitem__("married", True))
    t.take(r"高收入|富裕|有钱", lambda m: f.__setitem__("income", "high"))
    t.take(r"低收入", lambda m: f.__setitem__("income", "low"))
    t.take(r"第\s*(?P<a>\d+|[一二三四五六七八九十]+)\s*(?:组|类|群|个细分|个客群|个分群)|(?:细分|分群|客群|群组|分组|组)\s*(?P<b>\d+)",
           lambda m: f.__setitem__("segments", sorted(set(f.get("segments", [])) | {int(zh_number(m.group("a") or m.group("b")))})))
    result = _result(f, t, "zh")
    result.unparsed.extend(f"category '{u}' (not in the Chinese category list)" for u in unknown)
    return result


def _result(f: dict, t: _Text, language: str) -> ParseResult:
    f["purchases"] = [PurchaseCondition(**p) for p in f["purchases"]]
    try:
        parsed = AudienceFilter(**f)
    except ValueError:  # e.g. an age range the schema rejects: let the LLM / marketer handle it
        parsed = AudienceFilter()
        return ParseResult(filter=parsed, unparsed=[t.text.strip() or "(sentence)"], language=language)
    return ParseResult(filter=parsed, unparsed=t.leftover(language == "zh"), language=language)


def comparable(f: AudienceFilter) -> dict:
    """The filter with categories as `category_key`s and lists sorted: two filters that mean the same compare
    equal (the labelled-set tests and the audience bench use it)."""
    data = f.canonical()
    data["purchases"] = sorted(({**p, "category": category_key(p["category"])} for p in data["purchases"]),
                               key=lambda p: (p["category"], p["bought"], p["within_days"] or 0))
    return data
