"""The words that mark a chat message as a change of the last turn rather than a request of its own: a correction
("sorry, I meant …"), a narrowing ("only for …"), "the same again for …", an answer's opening ("send it to …",
"target = …"), a follow-up's opening ("and for …", "那…呢"), a complaint about the copy's length, the colleagues a
translation is for.

Their own module so the conversation state (`assistant.chat.state`) keeps only the rules that use them; hand-written
because they are a closed set of phrasings in EN and ZH that must be exact and testable.
"""
from __future__ import annotations

import re

# A correction of the last request ("sorry, I meant …", "my mistake, it should be …", "我是说…") and what it takes
# back ("…, not week-wise", "不是第2组"); a narrowing of it ("only for segment 2", "只看…")
CORRECTION = re.compile(r"\b(?:sorry|oops|my (?:mistake|bad)|i (?:meant|mean)|meant to say|correction|"
                         r"(?:it|that) should (?:be|have been)|(?:i\s+)?should have said|i said wrong)\b|"
                         r"说错了|搞错了|写错了|打错了|"
                         r"我是说|我的意思是|应该是|不好意思", re.I)
NEGATED = re.compile(r"(?:,\s*|\s)(?:not|rather than|instead of)\s+[^,.;!?]*|(?:而)?不是[^，,。；;!！?？]*", re.I)
# A narrowing says "only" or a verb of narrowing ("restrict to seg 0", "filter it down to the vips", "光看第二组")
# (a polite opener may come first: "could you restrict that to segment 0, please?")
NARROW = re.compile(r"^(?:and\s+|but\s+)?(?:(?:could|can|would|will) you\s+(?:please\s+|kindly\s+)?|please\s+|kindly\s+)?"
                     r"(?:(?:only|just)(?=\s+(?:for|in|the|segment|group)\b)|"
                     r"(?:now\s+)?(?:restrict|limit|narrow|filter|cut|zoom)(?:\s+(?:it|this|that|them|the \w+))?"
                     r"(?:\s+(?:down|in))?\s+(?:to|on|by)\b)|^(?:只|仅|光|单)(?=[\u4e00-\u9fff])", re.I)
# A closing "how is it?" of a narrowing ("光看学生娃的咋样", "只看新客呢", "just the lapsing ones, how about it?"):
# it asks the last question again, it names no audience
HOW_IS_IT = re.compile(r"\s*(?:(?:咋样|怎么样|怎样|如何|啥情况|什么情况)(?:呢|啊|呀)?|呢)\s*$|"
                       r"[\s,]*\b(?:how (?:about|is|does) (?:it|that|this)(?: look)?|"
                       r"how (?:do|does) (?:they|it) look)\s*$",
                       re.I)
# A filter added to the last question, said as a label before the narrowing ("再加个筛选条件：只要第2组", "add a
# filter: just the lapsing ones"): the label is cut, the narrowing after it is read as one
FILTER_LABEL = re.compile(r"^(?:(?:and\s+|also\s+|now\s+)*(?:add|apply|put)\s+(?:a|one more|another|an extra)\s+"
                          r"(?:filter|condition)(?:\s+on)?|(?:再|另外|还)?(?:加|添|增加|设)(?:个|一个|上|一下)?"
                          r"(?:筛选|过滤)(?:条件)?)\s*[:：,\-]?\s*", re.I)
# "The same again, for another audience": "identical brief, seg 5", "do the regulars the same way", "00后学生党也安排
# 一条", "照这个给新客来一份", "第2组的也推荐下". What is left once the cue is cut must name the new audience
# (see `ConversationState._same_for_another`)
SAME_BRIEF = re.compile(r"\b(?:(?:identical|same|similar)\s+(?:brief|setup|set-up|specs?|settings?|treatment|deal|"
                         r"thing|one|copy|message|plan|figures?|numbers?|metrics?|stats?)|"
                         r"(?:the\s+)?same\s+(?:way|again|as before)|likewise|ditto|"
                         # "do the budget families next w the same": with the same brief
                         r"(?:with|w/?)\s+(?:the\s+)?same(?:\s+(?:brief|setup|offer|deal|everything|stuff))?|"
                         # "prepare the same for the lapsed subscribers", "could I have exactly the same for segment 2"
                         r"(?:(?:prepare|do|make|write|draft|have|get|give (?:me|us))\s+)?(?:exactly\s+|just\s+)?"
                         r"the\s+same(?=\s+(?:for|to)\b))\b|"
                         r"也(?:给|帮)?(?:安排|整|来|搞|弄|写|出|做|发|推荐|推(?![文送])|算|查|看|分析)(?:上|一下|下)?(?:一)?"
                         r"(?:条|份|封|个|篇|版)?|"
                         r"(?:照|按)(?:这个|着|样|原样|刚才的?)(?:来|写|整|搞|弄|发)?(?:一)?(?:条|份|封|个|篇|版)?|"
                         r"同样(?:的)?(?:来|安排|整|搞|弄|写|发)?(?:一)?(?:条|份|封|个|篇|版)?", re.I)
# "Send to" opening an answer to "Which segment?" ("发VIP老客", "发给薅羊毛的", "send it to the night owls")
# (a bare 发 only before no word of its own: "发烧友" are enthusiasts)
SEND_TO = re.compile(r"^(?:发送给|发给|推给|发(?!烧|财|福)|send(?: it| this| them)? to\s+|to\s+)", re.I)
# A label opening an answer to "Which segment?" ("target = promo junkies", "audience: the night owls", "受众：宝妈")
ANSWER_LABEL = re.compile(r"^(?:(?:the\s+)?(?:target(?:ing)?|audience|segment|seg|group)\s*(?:[=:：]|->|is\b)|"
                           r"(?:目标|受众|人群|客群|对象){1,2}\s*(?:[=:：]|是))\s*", re.I)
# A follow-up's opening: "and for …", "what about …", "那…呢" (the last request again, for what the message names)
ANOTHER_ONE = re.compile(r"^(?:and|what about|how about|now|same for)\b|^(?:那|还有)|呢[?？!！。.\s]*$")
# A message's lead clause and what follows it ("And for segment 3? They suspect …", "Only the top 3 for that one,
# the client's template has three slots", "第3组呢？感觉他们更高"): see `ConversationState._lead_of`
# (normalised Chinese punctuation is ASCII: "给3个就够了,版面有限"; a dash sets a remark off too: "group 2 - the CFO …")
LEAD_CLAUSE = re.compile(r"^(.+?)(?:[?？!！。;；，—–]|[.,](?=\s|[\u4e00-\u9fff])|\s-+\s)\s*(\S.*)$")
NARROW_VERB = re.compile(r"^(?:看|算|要|限)")   # "只看社区宝妈呢" names 社区宝妈; a bare "熬夜党" is read after 看
# What a copy edit points at ("make it longer", "shorten this email", "把文案改短") and how an audience is named
COPY_POINTER = re.compile(r"\b(?:it|this|that|the (?:copy|text|message|email|sms|push|post|draft|wording|version))\b|"
                           r"它|这条|这封|这篇|这版|这个版本|文案|内容|字数")
# A complaint about the length of the copy just written is a wish for the other length ("这么长谁看 弄短", "way too
# wordy", "太短了", "a tad long", "有点长"): only in context, since alone "too long" names no request. The channel is
# no length: "邮件没人看". A softened "long" complains ("rather long", "偏长"); a softened "short" may be the wish
# itself ("keep it pretty short"), so only a "too" or "a bit" makes it one. Group 1 / 2 = too long (EN / ZH).
_TOO = r"too|so|way too|far too|much too|overly|(?:a\s+)?(?:bit|little|tad|touch|wee bit)(?:\s+too)?"
LENGTH_COMPLAINT = re.compile(rf"\b(?:(?:{_TOO}|rather|quite|pretty|kinda|kind of|sort of|very|really|awfully)\s+"
                              rf"(long|wordy|lengthy|verbose)|(?:{_TOO})\s+(?:short|brief))\b|"
                              r"(?:太|这么|那么|好|过于|忒|有点|有些|稍微|稍|略微?|偏)(?:有点)?"
                              r"(?:(长(?!期|远|久|效|大|辈|处|线|尾)|啰嗦|啰唆|冗长)|短|简单)", re.I)
# A length wish said as a scale of the copy just written ("at roughly half the length", "twice as long", "篇幅砍一半",
# "字数翻倍"): alone it names no request either. Group 1 = shorter.
LENGTH_SCALE = re.compile(r"\b((?:half|a third|a quarter|a fraction)\s+(?:of\s+)?(?:the|its|that|this)\s+"
                          r"(?:length|size|word count)|half as (?:long|many words))\b|"
                          r"\b(?:twice|double)\s+(?:the|its)\s+length\b|\btwice as long\b|"
                          r"((?:篇幅|长度|字数)(?:减半|砍半|砍一半|压一半|缩一半|砍掉一半|减一半)|一半(?:的)?(?:篇幅|长度|字数))|"
                          r"(?:篇幅|长度|字数)(?:翻倍|加倍|翻一倍)|两倍(?:的)?(?:篇幅|长度|字数)", re.I)
# Field labels of a brief said before their values ("渠道走邮件，利益点满300减40", "offer: 20% off", "channel = sms"):
# they name the slot, the value after them is the change
# (a question's time grain too: "颗粒度改成按周", "granularity: weekly", "change the time grain to monthly")
BRIEF_LABEL = re.compile(r"(?:\b(?:channel|offer|discount|incentive|hook|mechanic)\s*(?:[=:：]|->|is\b|will be\b)|"
                         r"\b(?:the\s+)?(?:time\s+)?(?:granularity|grain|bucketing|time buckets?)\b"
                         r"\s*(?:[=:：]|->|is\b)?|"
                         r"(?:渠道|触达渠道|投放渠道|利益点|优惠(?:力度|方式|机制)?(?!券|码)|折扣|玩法|(?:时间)?(?:颗)?粒度)"
                         r"\s*(?:[=:：]|是|为|就|用)?)\s*", re.I)
# Colleagues a translation of the copy is for ("need it in chinese for the sh team", "老外那边也要看 翻成英文"): they
# read it, they are no customers to aim it at
READERS = re.compile(r"\b(?:team|teams|colleagues?|staff|office|hq|dept|department|boss|manager|agency|branch)$|"
                      r"(?:那边|团队|同事|总部|老板|领导|分公司|办公室)(?:也|都|要|的|$)", re.I)
# Readers of a translation named by the language's country or people ("for the PRC customers", "the mainland
# folks", "港澳客人", "外国技术员"): who reads that version, no new audience to aim the copy at
LANGUAGE_PEOPLE = re.compile(r"\b(?:prc|mainland|chinese|china|taiwanese|hk|hong kong|english[- ]speaking|"
                             r"expats?|foreign(?:ers?)?|western(?:ers?)?|overseas|international|ang mohs?)\b|"
                             r"大陆|内地|港澳|香港|台湾|外国|老外|外籍|国外|海外|华人", re.I)
# Why a translation is asked, said of its readers ("most of the locals read chinese, so …", "老外客户习惯看英文"):
# the clause after a name read as an audience (or swallowed into it); they read the copy, no new audience to aim at
READS_LANGUAGE = re.compile(r"\b(?:(?:all|mostly|mainly|only|just|really|actually)\s+)?"
                            r"(?:prefer to\s+|would rather\s+)?(?:reads?|speaks?|prefers?|understands?)\s+(?:in\s+)?"
                            r"(?:simplified\s+|traditional\s+)?(?:chinese|mandarin|cantonese|english)\b|"
                            r"(?:们)?(?:都|只|主要|大多|基本上?|更)?(?:习惯|喜欢|爱)?(?:看|读|说|讲|用|懂|认)(?:得懂)?"
                            r"(?:中文|汉语|普通话|简体|繁体|英文|英语)", re.I)
# A remark of what the reader can or cannot take in ("多了他也看不过来", "周环比更能看出问题", "too many to read"): it
# says a verb of looking without asking to look, so it is a reason, no request
ABILITY = re.compile(r"(?:能|才能|更能|容易|不能)?[看读记用找](?:不|得)?(?:过来|完|懂|出来?|清楚?|进去|上)|"
                     r"\b(?:too many|so many|too much)(?:\s+to\s+(?:read|look at|go through|see))?\b", re.I)
# A "segment" read out of a request for the copy itself ("see the actual message copy", "the final email text",
# "正式的推送文案"): the thing to write, never an audience
COPY_THING = re.compile(r"\b(?:copy|copies|message|messages|text|wording|draft|version|email|e-mail|sms|push|post|"
                        r"notification|mailer|newsletter)$|(?:文案|短信|推送|推文|内容|话术|邮件)$", re.I)
# Whom something is meant for, said of the request ("it's intended for …", "this one is aimed at …", "这条是给…的"):
# the frame is cut, the audience after "for" / "给" stays
PURPOSE_FRAME = re.compile(r"\b(?:it|this(?: one)?|that(?: one)?|"
                           r"the (?:copy|message|push|email|sms|post|plan|campaign))"
                           r"(?:'s|\s+is|\s+was|\s+should be|\s+will be)\s+"
                           r"(?:(?:really|actually|mainly|primarily)\s+)?"
                           r"(?:intended|meant|aimed|targeted|designed|supposed to be|geared)\s+(?=for\b|at\b|to\b)|"
                           r"^(?:这|那)(?:条|封|篇|个|版)?(?:文案|短信|推送|邮件)?(?:是|其实是|主要是)(?=给|针对|面向)", re.I)
AUDIENCE_CUE = re.compile(r"(?:\b(?:for|to|at|targeting|target|aimed at)\s+(?:the\s+|our\s+|my\s+|all\s+)?|给|为|针对|对|"
                           r"发给|面向)\s*$")


__all__ = [
    "CORRECTION", "NEGATED", "NARROW", "SAME_BRIEF", "SEND_TO", "ANSWER_LABEL", "ANOTHER_ONE",
    "LEAD_CLAUSE", "NARROW_VERB", "COPY_POINTER", "LENGTH_COMPLAINT", "LENGTH_SCALE", "BRIEF_LABEL", "READERS",
    "READS_LANGUAGE", "FILTER_LABEL", "HOW_IS_IT", "LANGUAGE_PEOPLE", "ABILITY",
    "AUDIENCE_CUE", "COPY_THING", "PURPOSE_FRAME",
]
