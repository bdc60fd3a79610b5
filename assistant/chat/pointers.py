"""How a chat message points back at what the conversation talked about: "them", "that segment", "这个客群", "该人群"
(the segment, customer or campaign just discussed), "these two" (the pair just talked about) and an ordinal of the
pair just compared ("the latter", "第二个", "排后面的那组").

Its own module because the conversation state (`assistant.chat.state`) reads these pointers at several points
(filling a slot from context, picking one of a pair, telling a pointer from a new audience's name). Hand-written:
the pointers are a closed set of words in EN and ZH.
"""
from __future__ import annotations

import re
from typing import Any

from assistant.chat.slots_numbers import CJK

# "them", "that segment", "这个客群" … a pointer back to the segment talked about
PEOPLE_EN = (r"customers|people|shoppers|ones|folks|buyers|users|households|members|guys|clients|families|"
             r"consumers|lot|crowd|bunch|segments?|groups?|clusters?|personas?|audiences?|cohorts?")
PEOPLE_ZH = r"客户|顾客|用户|会员|家庭|人|买家|消费者|家伙|群体|客群|人群|分群|细分|群|组|姐妹|宝妈|妈妈|朋友|小伙伴|老铁|粉丝|亲们|家人|老人家"
# Formal pointers of written Chinese: 该人群, 此客群, 上述客户, 前述群体, 以上用户 (the one just talked about)
FORMAL_POINTER_ZH = r"(?:该|此|上述|前述|以上|上面(?:的|那个|那些|这个|这些)?|刚才(?:的|那个|那些|说的)?)(?:的)?(?:那个|这个|那些|这些)?"
# (an emphasis may stand between: "that particular group", "those specific customers", "this very cohort")
_JUST_THAT = r"(?:(?:particular|specific|very|exact|same|one|last|latest)\s+)?"
BACK_REFERENCE = re.compile(
    rf"\b(?:them|they|their|theirs|(?:those|these|the same|said) {_JUST_THAT}(?:{PEOPLE_EN})|"
    rf"(?:that|this|same) {_JUST_THAT}(?:segment|seg|group|grp|cluster|persona|audience|one|crowd|bunch|lot|cohort)|"
    rf"it|him|her|(?:this|that|the same) {_JUST_THAT}(?:customer|shopper|household|user|member|client|buyer))\b|"
    r"the (?:above|aforementioned|said) (?:\w+ )?(?:segment|group|cluster|persona|audience|customers|people)|"
    rf"他们|她们|他(?!们)|她(?!们)|这位|那位|(?:这|那)一?(?:个|些|群|批|帮|部分|类|组|拨|伙|波)(?:{PEOPLE_ZH})|"
    # a bare "这组" / "那群" before 的 or a pause ("这组的客单价", "给这组, 写条短信"); "这组数据" is data
    r"(?:这|那)一?(?:组|群|批)(?=的|呢|吧|[^\u4e00-\u9fff]|$)|"
    rf"{FORMAL_POINTER_ZH}(?:{PEOPLE_ZH})")
BOTH = re.compile(r"\b(?:these|those|the|both|the last)\s+two\b|\bboth\b|这两|这俩|两者|二者|它们俩|他们俩|"
                  r"(?<![第分成为])两(?:个)?(?:组|群|客群|分群|类|细分)")
PAIR_WORDS = re.compile(r"^(?:two|pair|both|those|these|them|the two|the pair)$|\b(?:of (?:the|those|these) (?:two|pair)|"
                        r"of both|of them)\b")
# The English ordinals that pick one of a pair ("the former", "second of the two")
_ORDINAL_EN = r"first|1st|second|2nd|former|latter|last"
OF_THE_PAIR = re.compile(rf"\b(?:{_ORDINAL_EN})(?: one)? of (?:the|these|those|them|both)"
                         r"(?: two| pair)?\b|(?:这|那)两(?:个|组|群)?(?:里|中|当中|之中)?的?(?:第一|第二|前|后)")
ORDINAL_BACK = {"first": 0, "1st": 0, "former": 0, "second": 1, "2nd": 1, "latter": -1, "last": -1,
                "前者": 0, "第一个": 0, "后者": -1, "第二个": 1, "前面": 0, "前一": 0, "后面": -1, "后一": -1,
                "前头": 0, "前边": 0, "后头": -1, "后边": -1,       # 前头 / 后边: spoken forms of 前面 / 后面
                "靠前": 0, "靠后": -1,                               # "靠后的那组": the one placed later
                "先": 0, "后": -1}                                   # "后说的那个": the one said later
# (a position may be said with 的: "排后面的那组", "前边的那个")
ORDINAL_ONE = re.compile(rf"\b(?:the\s+)?({_ORDINAL_EN})(?:\s+one)?\b|前者|后者|第一个|第二个|"
                         r"(前面|后面|前一|后一|前头|后头|前边|后边|靠前|靠后)(?=(?:(?:说|提|讲)(?:的|到的))?的?(?:那|这)?(?:个|组|群|类))|"
                         # the one said first / later: "后说的那个", "先提到的那组"
                         r"(?:先|后)(?=(?:说|提|讲|报)(?:的|到的)(?:那|这)?(?:个|组|群|类)?)")
# An ordinal said with a people word ("the first lot", "the latter group", "second one"): read as a name, it is
# only the ordinal, which picks one of the pair just compared ("the first-time buyers" are a name)
ORDINAL_NAME = re.compile(rf"\b(?:the\s+)?(?:{_ORDINAL_EN})\s+(?:one|{PEOPLE_EN})", re.I)
# A segment "name" that is only a pointer back ("for the same", "for said"), never a new audience
POINTER_NAME = re.compile(r"(?:the\s+)?(?:same|said|above|aforementioned|former|latter|ones?|these|those|them|"
                          r"same (?:ones?|again))|同样|一样|照样|原样")
# How a Chinese name of people ends (a people word, 党, 族, 们 …): a phrase ending otherwise names no audience
PEOPLE_TAIL_ZH = re.compile(rf"(?:{PEOPLE_ZH}|的|党|族|客|户|员|粉|妈|爸|友|们|家|生|者|顾|子|后|娃|仔|崽)$")


def names_no_people_zh(named: Any) -> bool:
    """A Chinese phrase read as an audience that ends in no people word ("只要数字", "细说说呗亲"): no audience."""
    return isinstance(named, str) and bool(CJK.search(named)) and not PEOPLE_TAIL_ZH.search(named)


# One person, not a group: "有位熟客…推荐给他", "a regular of mine, what would suit him", "这位顾客"
ONE_PERSON = re.compile(r"\b(?:him|her|this (?:customer|shopper|member|household|client)|"
                        r"(?:a|one) (?:customer|shopper|member|household|client|regular))\b|"
                        r"(?:有|一|这|那)位|他(?!们)|她(?!们)", re.I)

__all__ = ["ONE_PERSON", "PEOPLE_EN", "PEOPLE_ZH", "FORMAL_POINTER_ZH", "BACK_REFERENCE", "BOTH", "PAIR_WORDS",
           "OF_THE_PAIR", "ORDINAL_BACK", "ORDINAL_NAME", "ORDINAL_ONE", "POINTER_NAME", "PEOPLE_TAIL_ZH",
           "names_no_people_zh"]
