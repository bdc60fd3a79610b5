"""Language detection and numbers for the chat's slot rules: "五" → 5, "十二" → 12, "twelve" → 12, "2nd" → 2.

Hand-written for the reason given in `assistant.chat.slots` (the Chinese-numeral parser is ~20 lines).
"""
from __future__ import annotations

import re

from assistant.core.text import normalise

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


# Function words of Chinese grammar: around English nouns they make the sentence Chinese ("GMV按周拉个trend")
_ZH_GRAMMAR = re.compile(r"[的了吧个条把给按拉呢吗啊呀么是没]|一下")      # "kmeans跑一下，k=5"


def detect_language(text: str) -> str:
    """'zh' when Chinese carries the sentence, else 'en'.

    A Chinese word is ~2 characters, so zh wins when CJK characters / 2 >= Latin words: "给segment 2写一条sms" is
    Chinese, "write an email for 高价值客户" is English with a Chinese name in it.
    """
    cjk = len(CJK.findall(text))
    if cjk == 0:
        return "en"
    latin = len(_LATIN_WORD.findall(text))
    if cjk / 2 >= latin:
        return "zh"
    # Chinese grammar around English nouns ("GMV按周拉个trend", "写条Prime Day预热的push", "OK的，没问题") is Chinese,
    # unless the message opens as an English sentence ("write a push for 高价值的客户")
    opens_english = re.match(r"\s*[a-z][a-z'-]*\s+[a-z]", text, re.I)
    return "zh" if cjk >= latin and _ZH_GRAMMAR.search(text) and not opens_english else "en"


_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
ZH_NUM_CHARS = "零〇一幺二两俩三四五六七八九十百千万"
_EN_NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_EN_NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
                    "a couple of": 2, "a dozen": 12, "dozen": 12})
EN_ORDINALS = {w: i + 1 for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split())}


def zh_to_int(token: str) -> int | None:
    """Chinese numerals to int: 三 → 3, 十二 → 12, 二十 → 20, 一百零五 → 105, 两万 → 20000. None if not a number."""
    if not token or any(ch not in ZH_NUM_CHARS for ch in token):
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


# "forty two", "twenty-five": tens and units said as two words
EN_TENS_UNITS = r"(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s-]+(one|two|three|four|five|six|seven|eight|nine)"
EN_NUM_WORDS = "|".join(sorted((re.escape(w) for w in _EN_NUMBERS), key=len, reverse=True))
NUM = rf"(?:\d+|[{ZH_NUM_CHARS}]+|\b(?:{EN_NUM_WORDS})\b)"


def parse_number(token: str) -> int | None:
    """'5', 'five', 'forty two', 'twenty-five', '五', '十二' → int; anything else → None."""
    token = normalise(token).strip()
    if token.isdigit():
        return int(token)
    if token in _EN_NUMBERS:
        return _EN_NUMBERS[token]
    tens_units = re.fullmatch(EN_TENS_UNITS, token)
    if tens_units:
        return _EN_NUMBERS[tens_units.group(1)] + _EN_NUMBERS[tens_units.group(2)]
    if token in EN_ORDINALS:
        return EN_ORDINALS[token]
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", token)
    if m:
        return int(m.group(1))
    return zh_to_int(token)


_ZH_PERCENT = re.compile(rf"百分之\s*([\d{ZH_NUM_CHARS}]+)(?:\s*点\s*([\d零〇一二三四五六七八九]+))?")
_ZH_POINTS = re.compile(rf"(?<![\d.])([{ZH_NUM_CHARS}]+)(?:\s*点\s*([零〇一二三四五六七八九]+))?\s*(个\s*百分点|个\s*点)")


def _zh_decimal(whole: str, fraction: str | None) -> str | None:
    value = parse_number(whole)
    if value is None:
        return None
    digits = "".join(str(parse_number(ch)) for ch in fraction or "")
    return f"{value}.{digits}" if digits else str(value)


def zh_percents_to_digits(text: str) -> str:
    """Chinese-numeral percentages as digits, so one percent rule reads both: '百分之八' → '8%', '百分之零点五' →
    '0.5%', '三个百分点' → '3个百分点', '一点五个点' → '1.5个点'."""
    def percent(m: re.Match) -> str:
        value = _zh_decimal(m.group(1), m.group(2))
        return f"{value}%" if value is not None else m.group(0)

    def points(m: re.Match) -> str:
        value = _zh_decimal(m.group(1), m.group(2))
        return f"{value}{m.group(3)}" if value is not None else m.group(0)

    return _ZH_POINTS.sub(points, _ZH_PERCENT.sub(percent, text))


def first_number(patterns, text: str, low: int | None = None, high: int | None = None) -> int | None:
    """The first number captured by any pattern that lies in [low, high] (unbounded where None)."""
    for pattern in patterns:
        for m in pattern.finditer(text):     # every match: '分一下群，分成十类' → skip 一, take 十
            value = parse_number(m.group(1))
            if value is not None and (low is None or value >= low) and (high is None or value <= high):
                return value
    return None
