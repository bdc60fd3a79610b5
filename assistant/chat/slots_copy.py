"""Slots of a copy request and its changes: channel, offer ("15% off", "八折", "包邮"), length ("shorter", "扩写")
and language ("now in Chinese", "英文版"). Vocabularies are named tables; a change is said by a comparative or a
change verb, never by a bare adjective of the first request ("draft a short push").
"""
from __future__ import annotations

import re

from assistant.chat.slots_numbers import ZH_NUM_CHARS
from assistant.core.vocabulary import channel_of, zhe_to_percent_off


def extract_channel(text: str) -> str | None:
    """email / sms / push / wechat (the first one mentioned), else None."""
    return channel_of(text)


_PCT = r"(\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b|pct\b)"
OFFER_PCT_PATTERNS = [
    re.compile(rf"{_PCT}\s*(?:off\b|discount|reduction|cheaper|lower|saving|coupon|voucher|promo|markdown|sale)"),
    re.compile(rf"(?:save|saving|discount of|discount|get|take|with|offering|offer|coupon for|coupon|voucher|"
               rf"sale of|markdown of|reduction of|knock off)\s+(?:an?\s+)?(?:extra\s+|additional\s+)?{_PCT}"),
    re.compile(rf"(?:优惠|折扣|立减|直降|减|降价|便宜|让利|打折)\s*{_PCT}"),
    re.compile(rf"{_PCT}\s*(?:的)?\s*(?:优惠|折扣|减免|立减|off)"),
]
ZHE_PATTERN = re.compile(rf"(?:打\s*)?((?:\d+(?:\.\d+)?)|[{ZH_NUM_CHARS}点]+)\s*折")
# Offers that are not a percentage, as typed. Built from shapes, not phrases: "buy N get M (free)", "$10 voucher",
# "triple points", "满99包邮", "20元无门槛券", "送20元红包".
_EN_COUNT = r"(?:\d+|one|two|three|four|five)"
OTHER_OFFERS = re.compile(
    rf"free (?:home |next[- ]day |express )?(?:shipping|delivery|postage|returns|gift|sample)s?|buy {_EN_COUNT},? get {_EN_COUNT}(?: free| half off)?|"
    rf"bogo|(?:\$|£|€|¥|₹|rs\.?|inr|aud|a\$|s\$|hk\$)\s?\d+(?:\.\d+)?\s*(?:off|voucher|coupon|gift card|credit|cashback|discount)|"
    rf"\d+ (?:dollars?|euros?|pounds?|yuan|rmb) (?:off|voucher|coupon)|"
    rf"(?:double|triple|2x|3x|bonus|extra) (?:loyalty )?points|gift with purchase|half price|half off|"
    r"满\s*\d+\s*(?:减\s*\d+|包邮|免运费|送\S{1,4})|包邮|免运费|免邮|买\s*(?:\d+|[一二两三四五])\s*送\s*(?:\d+|[一二两三四五])|第二件半价|"
    r"\d+\s*元(?:无门槛)?(?:优惠券|券|红包|立减|代金券)|(?:立减|减|直降)\s*\d+\s*元|半价|赠品|送礼品|"
    r"(?:双倍|三倍|多倍)积分|积分(?:翻倍|加倍|双倍)|优惠券|coupon|bundle deal|组合优惠|套装优惠")


def extract_offer(text: str) -> tuple[float | None, str | None]:
    """(percent off, offer as typed). '15% off' → (15.0, '15% off'); '八折' → (20.0, '八折'); '包邮' → (None, '包邮')."""
    for pattern in OFFER_PCT_PATTERNS:
        m = pattern.search(text)
        if m:
            pct = float(m.group(1))
            if 0 < pct < 100:
                return pct, _offer_span(text, m)
    m = ZHE_PATTERN.search(text)
    if m:
        pct = zhe_to_percent_off(m.group(1))
        if pct is not None:
            return pct, m.group(0).replace(" ", "")
    if "半价" in text or re.search(r"\bhalf (?:price|off)\b", text):
        m = re.search(r"第二件半价|半价|half (?:price|off)", text)
        return (50.0 if m.group(0) != "第二件半价" else None), m.group(0)
    m = OTHER_OFFERS.search(text)
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


def extract_copy_language(text: str, language: str) -> str:
    """The language the copy must be written in: said explicitly ('in Chinese', '英文版'), else the utterance's."""
    if re.search(r"\b(?:in|into)\s+(?:simplified\s+)?(?:chinese|mandarin)\b|\b(?:chinese|mandarin)[- ]language\b|\bzh version\b|\bchinese\s+(?:copy|version|text|"
                 r"message|sms|email|post|ad)\b|用中文|中文版|中文的|写成中文|翻译成中文", text):
        return "zh"
    if re.search(r"\b(?:in|into)\s+english\b|\benglish[- ]language\b|\benglish\s+(?:copy|version|text|message|sms|email|post|ad)\b|"
                 r"英文|英语", text):
        return "en"
    return language


# Length changes, said many ways. A bare "short" in a first request ("draft a short push") is a format, not a change:
# only comparatives and change verbs count.
SHORTER = re.compile(
    r"shorter|shorten|more concise|\bconcise|less text|less wordy|fewer words|fewer lines|tighter|tighten|\btrim|"
    r"cut (?:it |this |that |the copy |the text )?(?:right |way |well |all the way )?(?:down|back|in half)|briefer|keep it (?:brief|short|tight)|"
    r"make it (?:brief|short|tight)|cut (?:it |this |that |the copy |the text )?short|condense|crisper|less long|too long|too lengthy|(?:too|very|quite|a bit|bit) (?:lengthy|long-winded)|punchier|snappier|pithier|leaner|"
    r"(?:cut|trim|bring|get|keep|limit|shrink|squeeze)\s+(?:it|this|that|the copy|the text|the message)?\s*(?:down\s+)?"
    r"to\s+(?:\d+|one|two|three|four|five|a few|a couple of)\s+(?:sentences|lines|words|characters|chars)\b|"
    r"too (?:wordy|much text|many words)|wordy|\bmore short\b|\b(?:little|bit)\s+shorter\b|\b(?:halve|chop|slash)\s+(?:it|this|that|the)\b|in half\b|get to the point|one[- ]liner|"
    r"短一点|短一些|短些|短点|更短|(?:改|写|弄|搞|整|缩)短(?!信)|缩短|精简|简短|压缩|删减|字数少|少一点字|少点字|少写|简洁|简练|太长|长了|"
    r"(?:字|字数|内容|废话)(?:也)?(?:太多|多了|太长)|太啰嗦|啰嗦|啰唆|冗长|砍(?:一半|掉|短|点|些)|减半|删(?:一半|掉|点|些)|"
    r"(?:一|两|几)句话|言简意赅|干脆点|利落点|"
    # "字数压一压", "篇幅再压压", "压到100字以内", "一屏能看完": squeezing the text, or a size it must fit
    r"(?:字数|篇幅|内容|文案|长度)(?:再|还得|得|要)?压|压(?:一压|一下|压|短)|压(?:到|在|成)[^，,。；]{0,8}字|"
    r"(?:字数|篇幅|长度)(?:再|还得|得|要)?控制|控制(?:一下)?(?:字数|篇幅|长度)|控制在[^，,。；]{0,8}字|一(?:屏|眼|口气)(?:就|能|可以)?(?:看|读)完")
LONGER = re.compile(
    r"longer|lengthen|more detail(?:ed)?|expand|elaborate|flesh (?:it |this )?out|fuller|richer|more words|"
    r"too short|\b(?:a )?(?:little|bit|tad) (?:too )?short\b(?!er)|add more|more content|more specifics|in more depth|beef (?:it |this )?up|"
    r"长一点|长一些|长些|更长|写长|扩写|扩充|展开|详细|多写一点|多写一些|多写点|多写几(?:句|段|行)|丰富|充实|太短|短了|具体一点|"
    r"具体一些|具体些|(?:字|内容)(?:太少|少了)|太单薄|单薄|补充(?:一些|一点|点|些)?(?:细节|内容|信息|卖点)|多(?:加|补)(?:点|些|一些)")


def extract_length(text: str) -> str | None:
    if SHORTER.search(text):
        return "shorter"
    if LONGER.search(text):
        return "longer"
    return None


def extract_explicit_language(text: str) -> str | None:
    """The language asked for explicitly ('now in Chinese', '用英文写'), else None."""
    if re.search(r"\b(?:in|into|to)\s+(?:simplified\s+)?(?:chinese|mandarin)\b|\bchinese\b|\bzh\b|中文|汉语|华文", text):
        return "zh"
    if re.search(r"\b(?:in|into|to)\s+english\b|\benglish\b|英文|英语", text):
        return "en"
    return None
