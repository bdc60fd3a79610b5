"""Dictated, spoken-style messages made written before slots are read: fillers dropped ("um", "uh", "you know",
"like $5 off", "basically") and self-repairs applied ("seg two no sorry seg three" → "seg three", "20% off um no
make that 25% off" → "25% off", "email no wait a push" → "a push", "第二组 不对 第三组" → "第三组"). Also made
plain first: Traditional characters and Cantonese words (Simplified Mandarin through OpenCC and a small word map),
Singlish particles, a few homophone typos of shop words, words dictation heard for others ("group for" → "group
4"), and who a request is relayed for ("王总想知道…").

Why a step of its own: speech-to-text and phone typing put these words between a segment name and the rest of
the sentence, so every slot reader (names, offers, products, search words) would otherwise need its own copy of
the filler list. No library does disfluency removal for short chat turns in EN and ZH without a model, and a
model would break the < 1 s budget for non-LLM turns. Text without fillers or repairs comes back unchanged.
"""
from __future__ import annotations

import re
from functools import lru_cache

from assistant.chat.slots_numbers import CJK, EN_NUM_WORDS, EN_TENS_UNITS, ZH_NUM_CHARS, parse_number
from assistant.core.vocabulary import channel_of

# Sounds that carry nothing ("um", "uh", "erm") and stock phrases of speech that carry nothing in a request.
_EN_SOUNDS = re.compile(r"\s*(?<![\w'])(?:u+m+|u+h+m*|e+r+m+|hmm+)(?![\w'])[,.]?")
# A sound before a new clause is a pause ("the oat milk creamer um what's close to it").
_EN_SOUNDS_BEFORE_CLAUSE = re.compile(r"\s*(?<![\w'])(?:u+m+|u+h+m*|e+r+m+|hmm+)[,.]?(?=\s+(?:what|what's|whats|how|who|"
                                      r"which|where|when|why|i|i'm|we|we're|you|so|and|can|could|is|are|do|does)\b)")
# Phrases of speech end what was said before them ("the big spenders basically free shipping"): a pause.
_EN_PAUSES = re.compile(r"\s*(?<![\w'])(?:you know|i guess|basically|(?<!who )(?<!what )(?<!which )(?<!how )exactly|"
                        r"kind of like|sort of like|or something|or whatever|i can'?t remember|i don'?t remember|"
                        r"i forget)(?![\w'])[,.]?")
# "like" as a filler comes before an amount, an article or a wh-word ("like $5 off", "like a win back thing",
# "like what kind of people"); after a verb or a thing ("would like", "products like oat milk") it is a word.
_EN_LIKE = re.compile(r"\s*(?<![\w'])(?<!\bwould )(?<!\bfor )(?<!\bis )(?<!\bare )(?<!\belse )(?<!\bones )(?<!\bd )(?<!\bi )"
                      r"(?<!\bwe )(?<!\bthey )(?<!\bwho )(?<!\bthat )(?<!\byou )(?<!\bproducts )(?<!\bitems )(?<!\bsomething )(?<!\banything )(?<!\bstuff )"
                      r"(?<!\bthings )(?<!\bmore )(?<!\bjust )(?<!\blooks )(?<!\bfeel )(?<!\bdon't )(?<!\bdo )"
                      rf"like,?\s+(?=[$¥€£]|\d|(?:{EN_NUM_WORDS})\b|(?:a|an|the|what|how|versus|vs|side|ballpark|"
                      r"product|roughly|about|around|maybe|within|past|during)\b)")
_EN_LIKE_AFTER_PREPOSITION = re.compile(r"\b(for|to|of|at|on|in|with|about|from) like,?\s+")  # "search for like flour"

# Numbers said as words where a digit is meant: an id after its keyword ("campaign twelve"), and, for readers of
# rates, an amount before its unit ("a ten percent lift"); "twenty five" is one number. Other number words ("the new
# one") stay words.
_NUMBER_WORDS = rf"(?<![\w'-])(?:{EN_TENS_UNITS}|{EN_NUM_WORDS})(?![\w'-])"
_NUMBER_BEFORE_UNIT = re.compile(rf"{_NUMBER_WORDS}(?=\s*(?:%|percent\b|per cent\b|pct\b|percentage points?\b|points?\b|pp\b|"
                                 r"pts?\b))")
_ID_THEN_NUMBER = re.compile(rf"\b(campaign|promo|promotion|experiment|mailing|blast|household)\s+(?:number\s+|#\s*)?"
                             rf"({_NUMBER_WORDS})")
_PERCENT_WORD = re.compile(r"(\d+(?:\.\d+)?)\s*(?:percent|per cent|pct)\b(?!\.?\s*points?)")


def _digits(words: str) -> str:
    """'ten' → '10', 'twenty five' → '25'."""
    number = parse_number(words)
    return words if number is None else str(number)


# A repair marker: what comes after it replaces the last thing of the same kind before it.
_EN_REPAIR_WORDS = re.compile(r"(?<![\w'])(?:(?:sorry,? )?(?:no,? sorry|sorry,? no|no,? wait|wait,? no|no,? make (?:that|it)|"
                              r"make that|i mean|i meant|or rather|scratch that)|sorry(?=,? \d))(?![\w'])")
# A repair that gives numbers ("Sorry, 1 and 3") replaces as many numbers before it ("segment 1 and segment 4").
_EN_NUMBER_LIST = re.compile(r"\d+(?:\.\d+)?%?(?:\s*(?:,|and|&)\s*\d+(?:\.\d+)?%?)*")
_EN_NUMBER = re.compile(rf"(?<![\w'])(?:\d+(?:\.\d+)?%?|(?:{EN_NUM_WORDS}))(?![\w'])")
_ZH_REPAIR_WORDS = re.compile(r"[，,。\s]*(?:哦不对|不对不对|不对|哦不|啊不|不是不是|说错了|错了)[，,。\s]*(?:是)?")
_ZH_NUMBER = re.compile(rf"第?\s*(?:\d+(?:\.\d+)?|[{ZH_NUM_CHARS}]+)")


# Words dictation hears for others: a segment number heard as a word ("group for", "segment to"), a week heard as
# "weak", "buy" heard as "by". Only where the written word cannot stand: the number where nothing that names
# people follows ("segment for the young families" keeps its "for"), "weak" beside a time word.
_HEARD_NUMBER = {"for": "4", "four": "4", "to": "2", "too": "2", "won": "1"}
_EN_HEARD_SEGMENT_NUMBER = re.compile(
    r"\b(segment|seg|group|grp|cluster)\s+(for|to|too|won)(?=\s*(?:[,.?!]|$|and\b|or\b|vs\b|versus\b|please\b|"
    r"pls\b|again\b|come\b|buy\b|order\b|shop\b|spend\b|purchase\b|return\b|bring\b|brings\b|bringing\b))")
_EN_HEARD_WEEK = re.compile(r"\bweak(?=\s+over\s+wee?ak\b)|\b(over|per|each|every|last|next)\s+weak\b")
_EN_HEARD_BUY = re.compile(r"\b(used to|who|that|didn't|don't|never|stopped)\s+by\b(?!\s+(?:the|then|now|far|way)\b)")


def _heard_as_meant(text: str) -> str:
    """'compare group one and group to' → '… group 2'; 'sales weak over weak' → 'week over week'."""
    text = _EN_HEARD_SEGMENT_NUMBER.sub(lambda m: f"{m.group(1)} {_HEARD_NUMBER[m.group(2)]}", text)
    text = _EN_HEARD_WEEK.sub(lambda m: f"{m.group(1)} week" if m.group(1) else "week", text)
    return _EN_HEARD_BUY.sub(r"\1 buy", text)


def _last_channel_word(text: str) -> int | None:
    """Where the last channel word of `text` starts, with its article ("make it an email" → 8), else None."""
    starts = [m.start() for m in re.finditer(r"(?<![\w'])\w", text)]
    start = next((i for i in reversed(starts) if channel_of(text[i:])), None)
    article = start is not None and re.search(r"\b(?:a|an|the)\s+$", text[:start])
    return article.start() if article else start


def _repair_en(text: str) -> str:
    """'seg two no sorry seg three' → 'seg three'; 'group one 20% off um no make that 25% off' → 'group one 25% off'.
    The repair replaces the last word of its own kind before the marker: the same head word ("seg … seg"), or
    else the last number; without either the text is kept."""
    for _ in range(3):                                  # "two no wait three no sorry four": each repair in turn
        # a marker that opens the message ("make that a push …") is the change asked for, not a repair
        marker = next((m for m in _EN_REPAIR_WORDS.finditer(text) if text[:m.start()].strip(" ,.")), None)
        if not marker:
            return text
        before, after = text[:marker.start()].rstrip(" ,."), text[marker.end():].lstrip(" ,.")
        first = re.match(r"[\w$%.]+", after)
        if not before or not first:
            return text
        head = first.group(0)
        start = None
        if not _EN_NUMBER.fullmatch(head):
            numbered = re.match(r"(?:the\s+)?([a-z]+)\s+(\d+(?:\.\d+)?)(?![\w.])", after)
            said = numbered and list(re.finditer(rf"(?<![\w']){numbered.group(1)}\s+(\d+(?:\.\d+)?)(?![\w.])", before))
            if said:
                # "the top 5 best-selling products? sorry, I mean the top 10": only the number is repaired, the
                # words after it ("best-selling products") still stand
                number = said[-1].span(1)
                text = (before[:number[0]] + numbered.group(2) + before[number[1]:] + after[numbered.end():]).strip()
                continue
            same = [m.start() for m in re.finditer(rf"(?<![\w']){re.escape(head)}(?![\w'])", before)]
            start = same[-1] if same else _last_channel_word(before) if channel_of(after) else None
        else:
            numbers = list(_EN_NUMBER.finditer(before))
            given = _EN_NUMBER_LIST.match(after)
            count = len(re.findall(r"\d+(?:\.\d+)?%?", given.group(0))) if given else 1
            start = numbers[-count].start() if len(numbers) >= count else None
        if start is None:
            return text
        text = (before[:start] + after).strip()
    return text


def _repair_zh(text: str) -> str:
    """'第二组 不对 第三组' → '第三组'; '打八折 哦不 七折' → '打七折' (the last number before the marker is replaced)."""
    marker = _ZH_REPAIR_WORDS.search(text)
    if not marker or marker.start() == 0:
        return text
    before, after = text[:marker.start()], text[marker.end():]
    if not _ZH_NUMBER.match(after):
        return text
    numbers = list(_ZH_NUMBER.finditer(before))
    if not numbers:
        return text
    start = numbers[-1].start()
    if after.startswith("第") or not before[start:].startswith("第"):
        return before[:start] + after
    return before[:start] + "第" + after                # "第二组 不对 三组" keeps its 第


# Calling the reader by a pet name ("家人们", "宝子", "亲") opens or closes a message and names nobody.
_ZH_ADDRESS_FIRST = re.compile(r"^(?:家人们|宝子们|宝子|宝宝们|姐妹们|集美们|亲们|亲亲|亲|老铁们?)[，,\s!！~～]+")
_ZH_ADDRESS_LAST = re.compile(r"(?<=[\u4e00-\u9fff])(?:[，,\s]*(?:呗|吧|啊|呀|哈|嘛|哦))?[，,\s]*(?:家人们|宝子们|宝子|姐妹们|"
                              r"集美们|亲们|亲亲|(?<![母父双乡相])亲)(?=[。.!！?？~～…\s]*$)")


@lru_cache(maxsize=1)
def _to_simplified():
    """OpenCC's Traditional → Simplified converter (phrase-aware: 營業額 → 营业额, 電郵 → 电邮), loaded once."""
    import opencc
    return opencc.OpenCC("t2s")


# Everyday Cantonese written as Chinese ("几多", "俾", "嘅", "睇下"), in the Mandarin the chat reads; only words that
# mean nothing else in Mandarin, longest first ("边啲" before "啲")
_CANTONESE = {"几多": "多少", "幾多": "多少", "几耐": "多久", "边啲": "哪些", "边个": "哪个", "边几个": "哪几个",
              "佢哋": "他们", "我哋": "我们", "你哋": "你们", "佢": "他", "嘅": "的", "咗": "了", "啲": "些",
              "嘢": "东西", "睇": "看", "揀": "挑", "拣": "挑", "揾": "找", "搵": "找", "冇": "没有", "唔该": "请",
              "唔": "不", "喺": "在", "嚟": "来", "咩": "什么", "系咩": "是什么", "系边": "是哪", "系唔系": "是不是",
              "系啲": "是些", "俾": "给", "畀": "给", "谂": "想", "咁": "这么",
              "老细": "老板", "使咗": "花了", "返嚟": "回来", "推介": "推荐", "嗰": "那", "𠮶": "那",   # OpenCC: 嗰 → 𠮶
              "冇货": "没货", "钟意": "喜欢", "而家": "现在", "入面": "里面", "成个": "整个", "点样": "怎样", "乜嘢": "什么"}
_CANTONESE_WORD = re.compile("|".join(sorted(map(re.escape, _CANTONESE), key=len, reverse=True)))


def simplified(text: str) -> str:
    """`text` with Traditional characters made Simplified and Cantonese function words made Mandarin ("高價值客戶
    佔營業額幾多" → "高价值客户占营业额多少"): the chat's Chinese vocabulary and the personas are Simplified
    Mandarin, and a Hong Kong, Taiwan or Malaysian shopkeeper asks the same things. Latin text comes back as is."""
    if not CJK.search(text):
        return text
    return _CANTONESE_WORD.sub(lambda m: _CANTONESE[m.group(0)], _to_simplified().convert(text))


# Singlish sentence particles ("for the aunties lah", "how much ah, dun need exact"): a pause, nothing more
_EN_PARTICLES = re.compile(r"\s*(?<![\w'])(?:lah|leh|lor|liao|hor|meh|sia|ah(?=\s*(?:[,.?!]|$)))(?![\w'])[,.]?")
# Homophone typos of a few shop words, fixed where nothing else is meant ("发个短新" is an SMS, "领卷" a coupon)
_ZH_TYPOS = {"短新": "短信", "消售": "销售", "趋式": "趋势", "统记": "统计", "对帐": "对账", "流水帐": "流水账",
             "领卷": "领券", "优惠卷": "优惠券", "代金卷": "代金券", "满减卷": "满减券", "终生价值": "终身价值"}
_ZH_TYPO = re.compile("|".join(_ZH_TYPOS))


# A request relayed for someone ("王总想知道…", "帮李总查一下…", "老板要…"): who asked names no segment or product.
_ZH_ASKER = (r"(?:老板|老大|上头|上面|领导|经理|主管|店长|同事|客户|"
             r"[王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许沈彭苏卢蒋蔡魏叶潘杜戴钟汪田任姜范方石姚谭"
             r"邹金陆孔白崔毛邱秦江顾侯邵孟龙段雷钱汤黎武贺](?:总|经理|主管|老师|姐|哥))")
ZH_RELAYED = re.compile(rf"^(?:(?:帮|替){_ZH_ASKER}(?:问|说|想知道|想看看|想看|想要|要)?|"
                        rf"{_ZH_ASKER}(?:问|说|想知道|想看看|想看|想要|要|让我|要我|叫我|交代|吩咐))[，,：:\s]*(?=..)")


def written(text: str) -> str:
    """`text` (already `normalise`d) in Simplified Mandarin, without fillers and with its self-repairs applied."""
    text = _ZH_ADDRESS_LAST.sub("", _ZH_ADDRESS_FIRST.sub("", simplified(text)))
    text = ZH_RELAYED.sub("", _ZH_TYPO.sub(lambda m: _ZH_TYPOS[m.group(0)], text))
    text = _EN_PARTICLES.sub(",", text)
    text = _EN_SOUNDS_BEFORE_CLAUSE.sub(",", text)
    text = _EN_SOUNDS.sub("", text)
    text = _EN_PAUSES.sub(",", text)
    text = _EN_LIKE.sub(", ", text)
    text = _EN_LIKE_AFTER_PREPOSITION.sub(r"\1 ", text)
    text = _heard_as_meant(text)
    text = _repair_en(text)
    text = _repair_zh(text)
    text = _ID_THEN_NUMBER.sub(lambda m: f"{m.group(1)} {_digits(m.group(2))}", text)
    text = re.sub(r"\s*,(?:\s*,)*\s*", ", ", text)            # one comma per pause, none at either end
    return re.sub(r"\s+", " ", text).strip(" ,")


def amounts_as_digits(text: str) -> str:
    """'a ten percent lift' → 'a 10% lift', 'one point more' → '1 point more': for readers of rates and effects
    (sample sizes). Not used for copy, whose offer keeps the words the user wrote ("twenty percent off")."""
    text = _NUMBER_BEFORE_UNIT.sub(lambda m: _digits(m.group(0)), text)
    return _PERCENT_WORD.sub(r"\1%", text)
