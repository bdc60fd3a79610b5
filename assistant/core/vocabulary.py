"""The shared vocabulary of the product, one home each: channels, languages, offers (percent / 折), purchases,
Markdown tables, customer features' names for people. Every layer above imports these instead of keeping its own list or parser."""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from assistant.core.errors import DataError
from assistant.core.text import markdown_literal, normalise

# ------------------------------------------------------------------------------------------------ channels
CHANNELS: tuple[str, ...] = ("email", "sms", "push", "wechat")
# Which copy format a channel uses: a WeChat service message is short text + link, i.e. push-length copy.
COPY_FORMAT: dict[str, str] = {"email": "email", "sms": "sms", "push": "push", "wechat": "push"}
# Latin channel words are bounded by non-letters, not \b: Chinese characters count as word characters, so
# "写一条push" / "写个SMS，" have no \b around the channel word.
_CHANNEL_WORDS: tuple[tuple[str, str], ...] = (
    ("wechat", r"wechat|we chat|weixin|wecom|微信|企微|朋友圈|公众号|小程序"),   # 企微 = WeChat Work
    # ... and the words used in Taiwan / Hong Kong (简讯, 电子报, 推播) and typed in a hurry ("txt msg", "emial")
    # ... a shopkeeper's 发个信息 (send a text; 信息 alone is "information": 客户信息)
    ("sms", r"(?<![a-z])sms(?![a-z])|text messages?|\btexts?\b(?! copy)|\btxt(?: msgs?)?\b|短信|短讯|简讯|簡訊|手机消息|"
            r"(?:(?<=[发写编])|^)(?:个|条|一条|一个|几条)?信息"),
    ("email", r"e-?mails?|\bemials?\b|\bmail\b|\bmailers?\b|\bmailshots?\b|newsletter|(?<![a-z])edm(?![a-z])|邮件|邮箱|"
              r"电邮|电子报|電子報"),
    # "the app popup thingy", "a message pops up on their phone from our app"
    ("push", r"(?<![a-z])push(?![a-z])|notifications?|\bapp notis?\b|app alert|\bpop-?ups?\b|\bpops? up\b|推送|推播|通知|弹窗"),
)


def without_channels(text: str) -> str:
    """`text` with every channel word blanked out (what else a message says besides "短信" / "via push")."""
    for _, pattern in _CHANNEL_WORDS:
        text = re.sub(pattern, " ", text)
    return text


# A channel said only to be left ("instead of SMS", "not by email", "不用短信", "别发邮件"): not the one meant
_NOT_THIS_CHANNEL = re.compile(r"\b(?:(?:instead of|rather than)(?:\s+(?:by|via|through|over|as))?|not (?:by|via|as an?|through|over)|"
                               r"no more)\s+(?:an?\s+)?|"
                               r"(?:不用|不要|别用|别发|不发|而不是|不走)")

# A channel switched to ("换成短信", "改用推送", "switch it to push", "change to email"): the one meant
_SWITCH_TO_CHANNEL = re.compile(r"\b(?:switch|change|move|turn)\s+(?:the\s+)?(?:channel\s+)?(?:it\s+|this\s+|that\s+)?(?:over\s+)?to\s+(?:an?\s+)?|"
                                r"(?:换成|改成|改用|换用|换为|改为|改发|换到|改到|调整成|调整为|调成|调为|换|改)\s*")      # "短信不得劲 换推送"


def _channel_at(t: str, start: int) -> tuple[str, int] | None:
    """(channel, length) of the channel word that starts at `start` in `t`, else None."""
    for channel, pattern in _CHANNEL_WORDS:
        hit = re.match(pattern, t[start:])
        if hit:
            return channel, hit.end()
    return None


def switched_channel(text: str) -> str | None:
    """The channel a message switches to ("switch channel to push", "渠道换短信", "改发短信"), None when it switches
    to none."""
    t = normalise(text)
    for m in _SWITCH_TO_CHANNEL.finditer(t):
        switched = _channel_at(t, m.end())
        if switched:
            return switched[0]
    return None


def channel_of(text: Any) -> str | None:
    """The channel a word or sentence names first ("E-mail", "短信", "App push", "微信"), None when it names none;
    a channel said only to be left ("instead of SMS, as an e-mail") does not count."""
    t = normalise(str(text or ""))
    for m in _NOT_THIS_CHANNEL.finditer(t):
        left = _channel_at(t, m.end())
        if left:
            t = t[:m.end()] + " " * left[1] + t[m.end() + left[1]:]
    if t in CHANNELS:
        return t
    switched = switched_channel(t)
    if switched:
        return switched              # "邮件没人看 换成短信吧": the channel switched to, not the one complained about
    best: tuple[str, int] | None = None
    for channel, pattern in _CHANNEL_WORDS:
        m = re.search(pattern, t)
        if m and (best is None or m.start() < best[1]):
            best = (channel, m.start())
    return best[0] if best else None


def check_channel(channel: str | None) -> str | None:
    """A channel name for the API (None stays None); unknown names are a user error that lists the choices."""
    if channel is None:
        return None
    found = channel_of(channel)
    if found is None:
        raise DataError(f"unknown channel '{channel}'", fix=f"use one of {', '.join(CHANNELS)}")
    return found


# The opt-out instruction every marketing SMS carries, in the copy's language. It is a property of the channel,
# not of whoever wrote the text: code appends it to every SMS (LLM or template), the length gate counts it, and
# the `sms_opt_out` gate checks it. This is the one home of its wording.
SMS_OPT_OUT: dict[str, str] = {"en": "Reply STOP to opt out.", "zh": "回复TD退订"}
# opt-out instructions a writer may have added itself, in any usual wording ("Text STOP to unsubscribe",
# "Opt out: reply STOP", "回T退订", "退订回TD", "拒收请回复R"), with the punctuation around them
_OPT_OUT = re.compile(
    r"(?:(?:to )?(?:opt[- ]out|unsubscribe|stop (?:receiving|these|messages))[^.!?。！]{0,20}?[,:：]?\s*)?"
    r"\b(?:reply|text|txt|send|respond)(?: with)?\s*[\"'“”‘’]?stop[\"'“”‘’]?\b[^.!?。！\n]{0,40}[.!?。！]?"
    r"|(?:退订|拒收)(?:请)?(?:回复|回)\s*[\"“”]?(?:TD|T|R|N|STOP)[\"“”]?[。！!.]?"
    r"|(?:回复|回)\s*[\"“”]?(?:TD|T|R|N|STOP|退订)[\"“”]?\s*(?:即可)?\s*(?:退订|拒收)[。！!.]?", re.I)
_CLOSED = ".!?。！？…)）\"'”’】"  # a text ending in one of these needs no full stop before the instruction
_JOINERS = ",，:：;；、-–—"


def sms_opt_out(language: str) -> str:
    """The opt-out instruction of an SMS in `language` ('en' | 'zh')."""
    return SMS_OPT_OUT["zh" if language == "zh" else "en"]


def opt_out_count(text: str) -> int:
    """How many opt-out instructions `text` carries (any usual wording, EN or ZH)."""
    return len(_OPT_OUT.findall(str(text or "")))


def _remove_opt_outs(text: str) -> tuple[str, int]:
    rest, removed = _OPT_OUT.subn(" ", str(text or ""))
    return re.sub(r"\s+([.!?,，。！])", r"\1", " ".join(rest.split())).strip(), removed


def without_sms_opt_out(text: str) -> str:
    """The SMS text with every opt-out instruction taken out: the message its writer is responsible for (what
    the format gate checks for a text cut mid-phrase)."""
    return _remove_opt_outs(text)[0]


def with_sms_opt_out(text: str, language: str) -> str:
    """`text` ending with the opt-out instruction of `language`, exactly once: an instruction the writer added
    (in any wording) is replaced, with the comma that led into it; a missing full stop is added."""
    body, removed = _remove_opt_outs(text)
    if removed:
        body = body.rstrip(_JOINERS).rstrip()
    footer = sms_opt_out(language)
    if not body:
        return footer
    zh = language == "zh"
    if body[-1] not in _CLOSED + _JOINERS:  # a text cut at a comma keeps it: the format gate names the cut
        body += "。" if zh else "."
    return f"{body}{footer}" if zh else f"{body} {footer}"


# ----------------------------------------------------------------------------------------------- languages
LANGUAGES: tuple[str, ...] = ("en", "zh")
_LANGUAGE_WORDS = {"en": ("english", "英文", "英语"), "zh": ("chinese", "mandarin", "中文", "汉语", "简体中文")}


def language_of(value: Any, default: str = "en") -> str:
    """'en' | 'zh' from a code or a name ("EN", "en-US", "zh_Hans", "English", "中文"); None/empty gives
    `default`; anything else is a user error listing the choices."""
    text = normalise(str(value or ""))
    if not text:
        return default
    code = re.split(r"[-_ ]", text, maxsplit=1)[0]
    if code in LANGUAGES:
        return code
    for lang, words in _LANGUAGE_WORDS.items():
        if text in words:
            return lang
    raise DataError(f"language '{value}' is not supported", fix=f"use one of {', '.join(LANGUAGES)}")


# -------------------------------------------------------------------------------------------------- offers
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_ZHE = re.compile(r"^(?:打\s*)?([\d.]+|[零〇一幺二两俩三四五六七八九点]+)\s*折$")
_PCT = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:%|percent|pct)?\s*(?:off)?$")
FREE_SHIPPING_WORDS: tuple[str, ...] = ("free shipping", "free delivery", "包邮", "免运费", "免邮")
BUNDLE_WORDS: tuple[str, ...] = ("bundle", "组合优惠", "套装优惠", "搭配购")
# "buy 2 get 1", "买二送一", "bogo", "第二件半价": a multi-buy, which copy and plans cannot state yet (no offer type
# carries two quantities), so it is refused with what can be offered instead, never silently turned into another deal
_MULTI_BUY = re.compile(r"\bbuy\s*\w+,?\s*get\s*\w+|\bbogo\b|买\s*\S{1,2}\s*送\s*\S{1,2}|第二件")


def zhe_to_percent_off(token: str) -> float | None:
    """X折 means paying X tenths: '八' / '8' → 20, '八五' / '85' / '8.5' → 15, '七点五' → 25; None if not a price."""
    token = str(token).replace("点", ".")
    if not re.fullmatch(r"\d+(?:\.\d+)?", token):
        if not token.replace(".", "") or any(ch not in _ZH_DIGITS and ch != "." for ch in token):
            return None
        token = "".join(str(_ZH_DIGITS[ch]) if ch in _ZH_DIGITS else "." for ch in token)
    paid = float(token)
    if paid <= 0:
        return None
    if paid < 10:
        paid *= 10
    return None if paid >= 100 else round(100.0 - paid, 2)


def offer_terms(value: Any) -> tuple[str, float | None]:
    """("percent_off", 15.0) from 15, "15", "15%", "15% off", "八五折"; ("free_shipping", None) from "free
    shipping" / "包邮"; ("bundle", None) from "a bundle deal" / "组合优惠". Anything else is a user error saying what
    is understood, in English and Chinese."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        pct = float(value)
    else:
        text = normalise(str(value))
        if any(word in text for word in FREE_SHIPPING_WORDS):
            return "free_shipping", None
        if any(word in text for word in BUNDLE_WORDS):
            return "bundle", None
        if _MULTI_BUY.search(text):
            raise DataError(f"a multi-buy offer ('{value}') cannot be written yet",
                            fix="use a percent off (15%, '八五折'), 'free shipping' or 'a bundle deal' instead",
                            zh=f"暂不支持“{value}”这类买赠优惠——请改用折扣（如 15%、八五折）、包邮或组合优惠。")
        zhe = _ZHE.match(text)
        pct_match = _PCT.match(text)
        if zhe:
            pct = zhe_to_percent_off(zhe.group(1))
        elif pct_match:
            pct = float(pct_match.group(1))
        else:
            pct = None
    if pct is None or not 0 < pct < 100:
        raise DataError(f"offer '{value}' is not understood",
                        fix="give a percent off between 0 and 100 such as 15 (or '15%', '八五折'), 'free shipping' or "
                            "'a bundle deal'",
                        zh=f"没看懂优惠“{value}”——请给出 0 到 100 之间的折扣（如 15、15%、八五折），或包邮、组合优惠。")
    return "percent_off", pct


# ----------------------------------------------------------------------------------------------- purchases
PURCHASE = "purchase"


def purchases(events: pd.DataFrame) -> pd.DataFrame:
    """The purchase rows of a canonical events table (a table without event_type is all purchases)."""
    if "event_type" not in events.columns:
        return events
    return events[events["event_type"] == PURCHASE]


def habitual(summary: dict | None) -> bool:
    """Whether a segment summary shows its customers restocking (they come back often and rebuy the same kinds
    of products: `segmentation.profiles.repeat_buying`). Only then may customer-facing words speak of a weekly
    shop, stocking up or what they often buy (每周采购, 囤货, 常买). False without evidence."""
    return bool(((summary or {}).get("repeat_buying") or {}).get("habitual", False))


def is_purchase(events: pd.DataFrame) -> pd.Series:
    """Boolean mask of purchase rows, aligned with `events`."""
    if "event_type" not in events.columns:
        return pd.Series(True, index=events.index)
    return events["event_type"].eq(PURCHASE)


# ---------------------------------------------------------------------------------------- Markdown tables
def markdown_table(frame: pd.DataFrame, max_rows: int | None = 20, *, floats: str = "{:,.4g}") -> str:
    """A Markdown table without the optional `tabulate` dependency. Every text cell is untrusted (product
    titles, category and persona names, file names) and goes through `markdown_literal`; NaN is blank."""
    if max_rows is not None:
        frame = frame.head(max_rows)
    if frame.empty:
        return "_(no rows)_"

    def cell(value: Any) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if isinstance(value, float):  # numbers are the code's own text
            return floats.format(value) if abs(value) < 1e6 else f"{value:,.0f}"
        return markdown_literal(value)  # text is untrusted: it shows as text (escapes pipes and line breaks too)

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


# ------------------------------------------------------------------------------------------ customer features
FEATURE_NAMES = {"en": {
    "recency_days": "days since last purchase", "frequency": "purchases", "monetary": "spend", "r_score": "recency score",
    "f_score": "frequency score", "m_score": "spend score", "rfm_score": "RFM score", "aov": "average order value",
    "tenure_days": "days as a customer", "mean_purchase_interval_days": "days between purchases", "n_views": "views",
    "n_carts": "add-to-carts", "n_favs": "favourites", "n_purchases": "purchases", "view_to_cart": "view-to-cart rate",
    "cart_to_purchase": "cart-to-purchase rate", "has_attributes": "demographics known", "age_band": "age",
    "income_band": "income", "home_ownership": "home ownership", "marital_status": "marital status",
    "household_size": "household size", "household_comp": "household", "kids_count": "children",
}, "zh": {
    "recency_days": "距上次购买天数", "frequency": "购物次数", "monetary": "消费金额", "r_score": "近度评分",
    "f_score": "频度评分", "m_score": "金额评分", "rfm_score": "RFM 评分", "aov": "客单价", "tenure_days": "成为客户天数",
    "mean_purchase_interval_days": "平均购买间隔天数", "n_views": "浏览次数", "n_carts": "加购次数", "n_favs": "收藏次数",
    "n_purchases": "购买次数", "view_to_cart": "浏览到加购转化率", "cart_to_purchase": "加购到购买转化率",
    "has_attributes": "有人口属性", "age_band": "年龄段", "income_band": "收入段", "home_ownership": "住房情况",
    "marital_status": "婚姻状况", "household_size": "家庭人数", "household_comp": "家庭构成", "kids_count": "子女数",
}}


def feature_label(feature: str, language: str) -> str:
    """A customer feature's name for people: 'recency_days' → '距上次购买天数'; 'share_meat' → 'meat 消费占比';
    'household_comp=2 Adults Kids' → '家庭构成：2 Adults Kids' (the value is the data's own); English likewise
    ('recency_days' → 'days since last purchase', 'share_meat' → 'share of spend on meat')."""
    names = FEATURE_NAMES.get(language)
    if not names:
        return feature
    column, eq, value = feature.partition("=")
    column = column.strip()
    base = column[:-4] if column.endswith("_ord") else column
    if base.startswith("share_") and base not in names:
        rest = base[len('share_'):].replace("_", " ")
        label = f"{rest} 消费占比" if language == "zh" else f"share of spend on {rest}"
    else:
        label = names.get(base, base)
    if column.endswith("_ord"):
        label += "（等级）" if language == "zh" else " (level)"
    if not eq:
        return label
    return f"{label}：{value.strip()}" if language == "zh" else f"{label}: {value.strip()}"


def distinguishing_phrase(feature: str, kind: str, segment_value: float, population_value: float,
                          language: str) -> str:
    """One thing that sets a segment apart, as a marketer reads it: 'days since last purchase 40.7 (all
    customers: 14.2)', 'household=2 Adults Kids 31% (all customers: 12%)' — the two numbers, not a z-score.
    Shares (categorical values, share_* and *_to_* rates) show as percentages."""
    percent = kind != "numeric" or feature.startswith("share_") or "_to_" in feature
    mine, everyone = ((f"{v:.0%}" if percent else f"{v:,.1f}") for v in (segment_value, population_value))
    label = markdown_literal(feature_label(feature, language))
    return f"{label} {mine}（全体客户：{everyone}）" if language == "zh" else f"{label} {mine} (all customers: {everyone})"
