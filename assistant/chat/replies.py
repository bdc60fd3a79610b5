"""What a short reply says once its wording is cut away: the one id of an answer ("编号是42", "it's uh nineteen"),
a bare count ("三个就够", "five is plenty"), and the courtesy around a request ("Thank you. And, if I may, …") or
the relaying of someone else's wish ("the client wants …, per the brief").

Its own module because the conversation state (`assistant.chat.state`) reads replies at several points (an answer
to the chat's question, a change of the last turn) and these readers are exact rules tested on their own.
Hand-written: the wording is a closed set of courtesy and number forms, in EN and ZH.
"""
from __future__ import annotations

import re

from assistant.chat.slots import normalise
from assistant.chat.slots_numbers import EN_NUM_WORDS, ZH_NUM_CHARS, parse_number

# The one number of a short answer ("编号是42", "it's 42 I think", "42号"); read only when the chat has just asked
# for that id. A span of time or a rate ("最近7天", "30 days", "8%") is no id.
_LONE_NUMBER = re.compile(r"(?<![\d.])(\d+)(?![\d.]|\s*(?:%|％|折|天|日|周|个月|月|年)|\s*(?:days?|weeks?|months?|years?)\b)")

# A dictated id is spelled ("it's uh campaign nineteen", "number forty two", "二十七号"); "that one" is no number
_SPELLED_EN = re.compile(rf"(?<![\w'])(?:{EN_NUM_WORDS})(?:[\s-]+(?:{EN_NUM_WORDS}))?(?![\w'])")
_SPELLED_ZH = re.compile(rf"(?:^|是|编号|号码|id)\s*([{ZH_NUM_CHARS}]+)\s*(?:号|$)|^([{ZH_NUM_CHARS}]+)号")


def _spelled_number(t: str) -> int | None:
    """The one number a short answer spells out, in words: "nineteen", "forty two" (tens + units), "二十七号"."""
    words = [m.group(0) for m in _SPELLED_EN.finditer(t) if m.group(0) not in ("one", "a dozen", "a couple of")]
    if len(words) == 1 and parse_number(words[0]) is not None:
        return parse_number(words[0])
    zh = _SPELLED_ZH.search(t.strip(" ~～。!！"))
    return parse_number(zh.group(1) or zh.group(2)) if zh and not words else None


# A bare count after a ranked answer ("三个就够", "five is plenty", "just give me 4"): how many to show, nothing else.
# The count may say which of the ranking it keeps: its best ("the best 3", "3 best ones", "挑3个最好的就够了"), and
# that it is a start ("先来两个", "暂时给我三个就好", "I only need 3 for now")
_COUNT_ONLY = re.compile(rf"^(?:(?:ok(?:ay)?|so|well|hmm+|alright|actually)[\s,]+)*"
                         # an opening that asks for nothing: "let's limit …", "please just give 4"
                         rf"(?:(?:let'?s|let us|please|pls|kindly)\s+)?(?:just|only|maybe)?\s*"
                         # a need: "i only need 3", "we just want two"
                         rf"(?:(?:i|we)(?:'d| would)?\s+(?:just\s+|only\s+)?(?:need|want|like)\s+)?"
                         # a cap on the list: "cap it at 5", "limit it to 4", "limit that one to the top 3", "max 3"
                         rf"(?:(?:cap|limit|trim|cut|keep|restrict)(?:\s+(?:it|that(?: one)?|this(?: one)?|them|those|"
                         rf"these|the (?:list|recs|recommendations|results|picks)))?\s+(?:at|to|down to)\s+|"
                         rf"max(?:imum)?\s+|"
                         rf"no more than\s+|at most\s+)?"
                         rf"(?:(?:give|show|send|list|pick)(?:\s+(?:me|us))?\s+)?(?:(?:just|only)\s+)?(?:the\s+)?"
                         rf"(?:(?:top|best)\s+)?(?P<en>\d+|{EN_NUM_WORDS})(?:\s+(?:best|top))?"
                         rf"(?:\s+(?:of them|items?|products?|picks?|recs?|things|ones?))?"
                         rf"(?:\s+(?:is|are|will|would|should)\s+(?:be\s+)?(?:enough|fine|plenty|do|ok|okay|good))?"
                         # "give 3 can liao", "5 enough already": colloquial "that is enough"
                         rf"(?:\s+(?:can|enough|ok|okay|suffices?)(?:\s+(?:liao|already|lah|la|le))?)?"
                         rf"(?:\s+(?:only|max|at most|tops))?(?:\s+(?:for now))?(?:\s+(?:please|pls|thanks))?|"
                         rf"^(?:那|嗯)?(?:先|暂时|目前|这次)?(?:我|我们)?(?:就|只|先)?(?:要|给我|来|推|挑|列|给)?(?:前)?"
                         rf"(?P<zh>\d+|[{ZH_NUM_CHARS}]+)"
                         rf"(?:个|款|样|件|条|种)(?:最(?:好|棒|佳|合适|相关|热门|火|值得(?:买|推荐|入手)?)的)?(?:就够了?|就行了?|就好|够了|即可|好了)?(?:吧|哈|啊|喔|哦|噢|呀|唷|哟|呢)?", re.I)


def count_only(t: str) -> int | None:
    """The count a message says and nothing else ("三个就够" → 3, "five is plenty" → 5); the punctuation and emoji
    around it say nothing ("挑3个最好的就够了✨")."""
    m = _COUNT_ONLY.fullmatch(re.sub(r"^[\W_]+|[\W_]+$", "", t))
    value = None if m is None else parse_number(m.group("en") or m.group("zh"))
    return value if value is not None and 0 < value <= 100 else None


def lone_id(text: str) -> str | None:
    """The id a short answer gives: its only number (said or spelled), when that number is no time span or rate."""
    found = _LONE_NUMBER.findall(normalise(text))
    if not re.search(r"\d", text):
        spelled = _spelled_number(normalise(text))
        return None if spelled is None else str(spelled)
    return found[0] if len(found) == 1 and len(re.findall(r"\d+", text)) == 1 else None


# Courtesy that asks for nothing ("Thank you.", "I would be grateful if you could …", "if I may", "my apologies",
# "oh dear", "亲～"): cut before a message is read as a change of the last turn, so a formal or apologetic writer's
# "And for subscriber 40912, if you would be so kind?" is read like the plain "and for 40912?"
_COURTESY = re.compile(
    r"\b(?:(?:thank you|thanks)(?: (?:so|very) much| a lot)?|many thanks|cheers|splendid|lovely|wonderful|"
    r"(?:my )?apologies|sorry(?: (?:to|if|for) [^,.;!?]*)?|sry|srry|soz|oh(?: dear)?|um+|uh+|"
    r"i(?: would|'d) be (?:grateful|glad|obliged|delighted) if you (?:could|would)|"
    r"would you be so kind as to|if (?:i may|you (?:would|could) be so kind|(?:that's|that is|it's) (?:ok|okay|alright|fine)|"
    r"possible|you don't mind)|(?:could|can|may) (?:i|we)(?: please)?(?: (?:have|get))?|"
    r"(?:would|is) it (?:be )?possible to(?: (?:see|get|have))?|as well|please|kindly|"
    # a wish worded as what would help ("it would be helpful to see …"), and the emphasis of "… specifically"
    r"it(?: would|'d) be (?:helpful|great|useful|good|nice|ideal|handy) to(?: (?:see|get|have))?|"
    r"specifically|in particular|particularly)\b|"
    r"谢谢(?:你|您|啦|了)?|多谢|感谢|麻烦(?:你|您)?了?|(?<![\u4e00-\u9fff])亲(?=[\s，,~～]|$)|[~～]+", re.I)


# Whose wish it is, said by someone passing it on ("the client wants …", "they were thinking …", "…, per the brief",
# "a correction from the client: …", "客户说…", "老板要…"): it asks for nothing itself, so "They were thinking SMS
# with 15% off, per the brief." changes the last turn as "SMS with 15% off" does. An opening acknowledgement
# ("Great, …", "Perfect.") is cut with it.
_WHO = r"(?:the|our|my|their|his|her)\s+(?:client|customer|boss|manager|team|cfo|ceo|brand|partner|stakeholders?)"
_REPORTED = re.compile(
    rf"\b(?:{_WHO}(?:'s\s+[\w ]{{1,20}}?\s+team)?|they|he|she|we)(?:\s+(?:are|were|was|is|also|really|now))*\s*"
    r"(?:thinking(?:\s+(?:of|about))?|wants?|wanted|would (?:like|prefer)|'d (?:like|prefer)|asked for|asks for|suggested|prefers?|"
    r"hoping for|(?:is|are) after|signed off on)\b|"
    r"\b(?:as\s+)?(?:per|according to|in line with)\s+(?:the|our|their)\s+(?:brief|request|client|email)\b|"
    r"\bas (?:agreed|discussed|requested)\b|\bfrom\s+(?:the|our|my)\s+(?:client|boss|manager|team|cfo|ceo|brand|partner)\b|"
    r"^(?:great|perfect|awesome|brilliant|excellent)(?=\s*[,.!;])|"
    r"(?:客户|甲方|老板|领导|品牌方|他们|她们)(?:那边)?(?:说|想要|想|要求|要|希望|的意思是)(?:的是)?|"
    r"按(?:照)?(?:brief|需求|要求)", re.I)


def without_courtesy(t: str) -> str:
    """`t` without its courtesy (see `_COURTESY`), whose wish it relays (see `_REPORTED`) and the punctuation left
    dangling at its start."""
    return re.sub(r"^[\s,，.。!！;；]+", "", _REPORTED.sub(" ", _COURTESY.sub(" ", t))).strip()


__all__ = ["count_only", "lone_id", "without_courtesy"]
