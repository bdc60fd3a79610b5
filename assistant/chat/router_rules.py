"""What the router does after its classifier: ordered rules that correct an unsure or look-alike reading from what
the message plainly says, then two gates that no reading passes (private writing, smuggled commands).

Why rules on top of a classifier: the classifier reads a message as a whole and is pulled by names and look-alike
words ("the young families" → describe, "push" → copy); a rule sees one plain sign ("compare … and …", a customer
id, a metric asked, a copy verb with a channel) and applies only below a stated confidence, so a sure reading
keeps its answer. Each rule is a small function named for what it decides, with the wording that asked for it;
`RULES` is their order (the first that answers wins), `rule_for` returns the name of the rule that decided, so the
router bench and a "why this answer" can say which one did. No library does this for EN + ZH marketing chat; an
LLM reader would break the < 1 s budget for non-LLM turns (see bench/router_llm_reader.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from assistant.chat.consent import HEDGED, PROPOSAL, UNDO_VERB, YES
from assistant.chat.slots import (asked_metrics, extract_algorithm, extract_audience, extract_campaign_id,
                                  extract_channel, extract_explicit_language, extract_length, extract_metrics,
                                  extract_n_segments, extract_offer, extract_product, extract_sample_size,
                                  extract_search_query, extract_segment_list, extract_segment_number, extract_slots,
                                  extract_user_id, mentions_all_segments, says_intent_verb, slot_change)
from assistant.core.vocabulary import channel_of, switched_channel, without_channels

UNKNOWN = "unknown"
# Below this probability a message made only of slot values and follow-up wording ("年轻家庭呢？", "same for the
# lapsing ones") is a follow-up whatever the classifier's top intent: the classifier sees the name's characters
# (which also occur in describe / copy requests), the rule sees that nothing but the name was said.
FOLLOW_UP_OVERRIDE = 0.6
# Below the same probability, a comparison verb with two segments parsed (or "side by side") is a comparison:
# the names in it ("young families", "high-value") otherwise pull towards the intents those names occur in.
_COMPARISON = re.compile(r"\b(?:compare|comparison|contrast|versus|vs\.?|side[- ]by[- ]side|differ(?:s|ence|ences)?|"
                         r"against|stack(?:s|ed)? up|next to)\b|"
                         r"比较|对比|比一比|比一下|区别|差别|差异|不同|不一样|差在|差哪|差距")
# A comparison of two parsed names is a comparison up to this probability ("weekend shoppers vs loyal customers,
# what's the difference?" reads like a description of each name to the classifier).
COMPARISON_OVERRIDE = 0.9
# Between this share of `threshold` and `threshold` (and only while the classifier is unsure, < 0.5), an intent whose
# own verb or noun the message uses ("copy", "写", "plan", "推荐") is kept instead of asking: the classifier spreads
# its belief over look-alikes, the word says which is meant. A stricter threshold still asks.
OWN_VERB_FLOOR = 0.6
# Up to this probability, a "description" of a named group that asks for a metric outside the name and uses no
# profiling verb ("rev share of the vips?", "aov for the night owls") is a data question: the group's name pulls the
# classifier towards describing it, the metric says what is wanted.
METRIC_OVER_PROFILE = 0.9
# Below this probability an off-topic or follow-up reading is unsure: a message that asks a metric of the data
# ("营业额按礼拜给我拉出来") is a data question, one that says a runner-up action's verb is that action. A confident
# reading keeps its answer.
UNSURE_READING = 0.5
# Writing for someone in the user's private life ("a letter to my landlord", "给老师写请假条") is no marketing copy,
# whatever the classifier makes of the writing verb: the assistant writes for customers only.
_PRIVATE_RECIPIENT = re.compile(
    r"\b(?:to|for)\s+(?:my|our)\s+(?:landlord|landlady|boss|mum|mom|mother|dad|father|parents|teacher|neighbou?r|wife|"
    r"husband|partner|girlfriend|boyfriend|friend|sister|brother|bank|doctor|lawyer|kids?|son|daughter|grandma|grandpa|"
    r"grandmother|grandfather|colleague|coworker|co-worker|uncle|aunt|cousin|roommate|flatmate|tenant)s?\b|"
    r"给(?:我的?)?(?:房东|老板|领导|妈妈|爸爸|父母|老师|邻居|老婆|老公|男朋友|女朋友|朋友|姐姐|妹妹|哥哥|弟弟|银行|医生|律师|同事|孩子|"
    r"室友|物业)(?:写|发)|(?:请假条|辞职信|检讨书|情书|求职信|贺卡)")
# ... and private documents, asked as writing or as a report ("帮我写一份个人年终述职报告", "my cv")
_PRIVATE_DOCUMENT = re.compile(r"述职报告|个人总结|简历|论文|作业|个税|提成|工资条|房租|水电费|房贷|车贷|话费|"
                               r"\b(?:my|a)\s+(?:own\s+|personal\s+)?(?:[\w-]+\s+)?(?:cv|resume|résumé|thesis|homework|essay|"
                               r"performance review|self[- ]review|tax return|rent|mortgage|phone bill)\b|"
                               # ... and the paperwork of running a shop, which is no marketing: an appeal to a
                               # marketplace, a contract to translate, a courier to book
                               r"申诉信|申诉材料|合同|报关单|快递员|\b(?:supplier|rental|lease|employment|tenancy|vendor)\s+"
                               r"(?:contract|agreement)s?\b|\bcourier\b|\bappeal letter\b|"
                               r"\bmy\s+(?:\w+\s+)?shifts?\b|换班|调班")      # a staff rota, not a campaign
# "Which group first, next time?" asks for the next-campaign advice; a plan for it would also ask how (an offer, a
# channel): "下一次活动针对哪个人群、用什么优惠比较好" is a plan.
_NEXT_WORD = r"(?:\bnext\b|下一|下次|下回|下轮|下期|下波|下个月|下周|下个?季度|下半年|明年)"
_WHICH_GROUP = r"(?:\bwhich (?:group|segment|cluster|customers|audience)|\bwho\b|哪个|哪些|哪类|哪一|哪群|谁)"
_NEXT_TARGET = re.compile(rf"{_NEXT_WORD}.*{_WHICH_GROUP}|{_WHICH_GROUP}.*{_NEXT_WORD}")   # "which segment … next quarter"
_PLAN_DETAIL = re.compile(r"\b(?:offer|discount|deal|channel|how|what kind)\b|优惠|折扣|渠道|怎么|如何|什么样|方案")
# Shell or SQL commands inside a message ("printenv; rm -rf /", "drop table orders", "curl … | sh") steer, they do
# not ask: whatever marketing words surround them, the message is not acted on (the chat asks what was meant).
_SHELL_OR_SQL = re.compile(r"\brm\s+-|\bsudo\b|\bprintenv\b|\bchmod\b|\bshutdown\s+-|\b(?:cat|curl|wget)\s+(?:/|https?://)|"
                           r"\|\s*(?:sh|bash)\b|\$\(|\bdrop\s+table\b|\bdelete\s+from\b|;\s*--|\bexec\s*\(")
# Intents that act on a segment or customer, told apart by their verbs ("plan", "recommend", "推荐")
_ACTIONS = ("plan_campaign", "recommend_segment", "recommend_user")
# Asking for a product's likes ("what's similar?", "alternatives?", "有差不多的吗"): with a product named and no segment,
# the similar-products question, however the product's name pulls the classifier ("the 2-person dome tent").
_LIKENESS = re.compile(r"\b(?:similar|alternatives?|substitutes?|lookalikes?|replacements?|dupes?|anything close|"
                       r"could replace|(?:kind of|sort of|pretty much|more or less) the same)\b|相似|类似|替代|代替|平替|差不多的|顶上|同款|"
                       r"(?:很|挺|蛮|超)像")
SIMILAR_OVERRIDE = 0.9
# A message that opens by asking for a plan is a plan, whatever channel and offer follow
_PLAN_OPENING = re.compile(r"^(?:please\s+|pls\s+|can you\s+|could you\s+|let'?s\s+|help me\s+)?(?:plan|map out|strategi[sz]e)\b|"
                           r"^(?:so\s+|ok\s+|and\s+)?how (?:do|should|can|could|would|might) we\b|"
                           r"^(?:请|帮我|麻烦)?(?:策划|规划)")
_PLAN_NOUN = re.compile(r"\b(?:plan|strategy)\b|方案|策划|计划|"     # "出个促活方案，走短信": a plan, with its channel
                        r"\b(?:put together|set up|organi[sz]e|design|run|map out)\s+(?:a|an|the|our)\s+(?:[\w-]+\s+)?"
                        r"(?:campaign|promo|promotion)\b")       # "put together a campaign for …": a plan, not copy
# "what else can you do besides copy?", "除了写文案还能帮运营做啥": what the assistant is for
_WHAT_ELSE = re.compile(r"\bwhat else can (?:you|it|this)\b|\bwhat (?:sorts?|kinds?|types?) of (?:things|stuff) can (?:you|it|this)\b|\b(?:besides|apart from|other than) .{0,30}\bwhat (?:can|does)\b|"
                        r"除了.{0,12}还能.{0,8}(?:做|干|帮)(?:啥|什么|哪些)|还能(?:帮我|帮运营)?(?:做|干)(?:啥|什么|哪些)")
_MAKE_WORD = re.compile(r"\b(?:generate|create|build|make|write|draft|produce|cards?)\b|生成|创建|写|做|制作|输出|"
                        r"出(?:一)?(?:张|份|个|套)|卡")       # persona cards are made, not read
_SEARCH_VERB = re.compile(r"\b(?:search|find|look for|look up|stock|carry|sell)\b|搜|查找|检索|找|卖|上架|有货")
# "多写几行，顺便讲个笑话": a second request rides along, which no intent claims; ask instead of guessing
_SECOND_REQUEST = re.compile(r"顺便|另外|还有|\band then\b|\balso (?:tell|write|do|make|give|send)\b")
_QUESTION = re.compile(r"[?？]|咋样|怎么样|如何|好不好|行不行|\bhow (?:did|was|were|has)\b")
_EVALUATION_WORD = re.compile(r"\b(?:evaluat\w*|assess\w*|review\w*|results?|perform\w*|land(?:ed)?|work(?:ed)?|lift|"
                              r"uplift|impact|effect\w*|roi|test|significan\w*|winner|won|holdout|moved the needle|read-?outs?)\b|评估|效果|复盘|结果|表现|显著|"
                              r"提升|增量")
# How a send did, asked for as a document: "need the readout on the spring promo"
_READOUT = re.compile(r"\bread-?outs?\b|\brecap\b|\bpost-?mortem\b|复盘")
_REPORT_WORD = re.compile(r"\breport\b|\bpdf\b|\bhtml\b|报告|报表")
_WHICH = re.compile(r"\b(?:which|what)\b|哪|什么|啥")
_SIDE_BY_SIDE = re.compile(r"side[- ]by[- ]side|next to each other|放在一起|并排|摆一起|"
                           r"\bline(?:s|d)?\s+(?:\w+\s+){0,4}?up\s+(?:together|against each other)\b")
# What a group is told about, in place of a metric: "which products to feature for the Budget Families", "best sellers
# to feature for the young families" (a ranking word that only says which products are meant)
_PRODUCTS_TO_FEATURE = re.compile(r"\b(?:products?|items?|skus?|sellers?|things?|merchandise|stuff)\s+(?:\w+\s+)?to\s+"
                                  r"(?:feature|push|promote|recommend|highlight|spotlight|pitch|offer|show)\b|"
                                  r"(?:主推|推荐|推)(?:哪些|哪几|什么)(?:商品|产品|单品|sku)")
# One message sent, said as a send: "send a text to the folks who …", "ping the X with a push"
_SEND_ONE_MESSAGE = re.compile(r"\b(?:send|shoot|fire off|drop|ping)\s+(?:them |the \w+ )?(?:a|an|one)\s+(?:quick\s+|short\s+)?(?:text|sms|push|message|note|email)\b|"
                               r"发(?:一)?(?:条|封)|发(?:一)?个(?=短信|推送|邮件|信息|push|sms)")
# A group won back, asked how: "i want to get the X to come back, how should we go about it", "沉睡用户怎么召回"
_HOW_TO_WIN = re.compile(r"\bhow (?:should|do|can|could|would|might) (?:we|i)\s+(?:go about|get|win|bring|make|reach|"
                         r"approach|re-?engage|reactivate)\b|怎么(?:召回|唤醒|激活|拉回|挽回|拉活)|如何(?:召回|唤醒|激活|拉回|挽回)")
# A send that ran, asked against those who did not get it: "that discount thing we ran, number 16, did the people
# who got it buy more than the ones who didn't"
_RAN_AGAINST_HOLDOUT = re.compile(r"\b(?:we ran|we sent|we did|that went out)\b.*\b(?:didn'?t|did not|weren'?t|"
                                  r"without|holdout|control)\b|"
                                  r"(?:跟|和|比|对比)(?:那些)?(?:没|未)(?:领|收到|拿到|参加|参与|发)")   # "跟没领券的人比"
# Questions that are not about the shop's data at all: where to eat, travel, the weather
_OFF_TOPIC_PLACE = re.compile(r"\b(?:restaurant|pizza place|coffee shop|caf[eé]|bar|hotel|flight|weather|near (?:me|their|"
                              r"our|my|the) (?:office|place|house|home)|(?:good|nice|best|cheap)\s+[\w ]{2,25}\s+near\s+\w+)\b|"
                              r"餐厅|饭店|酒店|机票|天气|"
                              r"(?:上哪|去哪)儿?(?:吃|喝|玩|撸串|聚餐|吃饭)|撸串去|吃饭去")
# Copy asked by its channel's name for it ("烦请输出一版短信文案", "the SMS text for segment 0"): copy, not a plan
_CHANNEL_COPY = re.compile(r"(?:短信|推送|邮件|微信|朋友圈|push|sms|edm)\s*(?:的)?\s*(?:文案|内容|话术)|"
                           r"\b(?:sms|email|push|wechat|text message)\s+(?:copy|wording|text|message body)\b")
# The world outside the shop, asked as if it were data: markets, prices of money, taxes
_OFF_TOPIC_WORLD = re.compile(r"\bs&p\b|\bnasdaq\b|\bdow jones\b|\bftse\b|\bhang seng\b|stock market|share price|"
                              r"\bbitcoin\b|\bcrypto\w*|exchange rate|interest rate|\b(?:gst|vat|sales tax|income tax)\b|"
                              r"\btax rate|\b4d\b|\btoto\b|lottery|\bpayroll\b|\bexpense claims?\b|"
                              r"股市|股票|大盘指数|比特币|汇率|利率|税率|增值税|彩票|工资|薪水|报销")
# Holding off what was asked: "please don't go ahead", "park that for now", "先别分 等等再说"
_HOLD_OFF = re.compile(r"\b(?:don'?t|do not) (?:go ahead|proceed|do (?:it|that|this))\b|\bhold off\b|"
                       r"\bpark (?:that|it|this)\b|\blet'?s not\b|\bleave it for now\b|\bnot now\b|"
                       r"先别|先不|等等再说|回头再说|以后再说|暂时不|先放着|先搁着|先放一放")
# A yes-or-no question about how a past send did: "上次过年那个活动 赚没赚到钱", "did the last promo pay off"
_HOW_IT_WENT = re.compile(r"(\S)没\1|有没有(?:效果|用|赚)|\bdid (?:it|that|the \w+(?: \w+)?) (?:work|pay off|pay back)\b|"
                          r"\bwas it worth\b")
# A saved workspace kept or reopened, said in a shopkeeper's words: "先存上 明天在弄", "昨天存的那个 打开"
_SAVE_VERB = re.compile(r"\bsave\b|存上|存一下|存下|保存|存个档|存档")
_OPEN_SAVED = re.compile(r"(?:存的|保存的|\bsaved\b|存档).{0,6}(?:打开|开|加载|\bload\b|\bopen\b)|"
                         r"(?:打开|加载|\bload\b|\bopen\b|\breopen\b).{0,12}(?:存的|保存的|\bsaved\b|存档)")
# Copy asked as a channel with its receiver: "txt msg for every seg abt …", "sms for seg 4 but in chinese, 10% off",
# "can u do an emial for the lapsed regulars"
_CHANNEL_FOR = re.compile(r"^(?:can (?:u|you) |could (?:u|you) |pls |please )?(?:do |make |need |want |get |whip up )?"
                          r"(?:me |us )?(?:an? |one )?(?:quick |short )?(?P<channel>\S+(?: msgs?| message| blast)?)\s+"
                          r"(?:for|to|->)\s")
# ... or, in Chinese, as a name's message: "沉睡顾客的唤回简讯，75折"
_NAMED_CHANNEL_ZH = re.compile(r"的[^\s，。,]{0,4}?(?:短信|简讯|推送|推播|邮件|电子报|贴文|朋友圈)")
# Persona cards asked for by another name: "persona one-pagers for each seg", "人物志卡片"
_PERSONA_CARDS = re.compile(r"\bpersonas?\b.{0,20}\b(?:one-?pagers?|cards?|sheets?|profiles?)\b|\bpersona\s+one-?pagers?\b|"
                            r"\bpersonas?\b.{0,60}\bprint\b|"      # "persona for each segment …, I want to print"
                            r"人物志|人设卡|画像卡")
# What to do next, asked from a result: "照着活动23的结果 下回咋整", "given how #12 went, what do we do next"
_WHAT_NOW = re.compile(r"咋整|怎么办|怎么做|怎么搞|怎么弄|\bwhat (?:do|should|can) we do\b|\bwhat now\b|\bnext steps?\b")


def _two_compared(text: str, language: str) -> bool:
    """Two segments named (not numbered): 'weekend shoppers vs loyal customers'; or two of any kind put next to each
    other: 'a side-by-side of segment 1 and segment 3'."""
    pair = extract_segment_list(text, language)
    return bool(pair) and len(pair) == 2 and (all(isinstance(p, str) for p in pair) or bool(_SIDE_BY_SIDE.search(text)))


def _opens_with_channel_for(text: str) -> bool:
    """'sms for seg 4 …', 'txt msg for every seg …', 'can u do an emial for …': a channel with its receiver first."""
    channel_first = _CHANNEL_FOR.match(text)
    return bool(channel_first and channel_of(channel_first.group("channel")))


def _names_product_only(text: str, language: str) -> bool:
    """A product is named and no segment apart from it ("similar to the dome tent": the tent is no segment)."""
    product = extract_product(text)[0]
    segment = extract_slots("describe_segment", text, language)["segment"]
    return bool(product) and (segment is None or isinstance(segment, str) and segment in product)


# One customer, not a group: "one of our loyalty card holders", "a particular member", "某个会员", "一个老粉"
_ONE_CUSTOMER = re.compile(r"\b(?:one of (?:our|my|the)|a (?:single|particular|specific|certain))\s+(?:[\w-]+\s+){0,2}?"
                           r"(?:customers?|members?|shoppers?|households?|(?:card ?)?holders?|buyers?|clients?|users?)\b|"
                           r"(?:某|某一|一|有)(?:个|位)(?:老|铁|忠实|死忠|新)?(?:客户|会员|顾客|用户|粉丝|粉|团员|熟客|老主顾|客人|buyer|user|"
                           r"customer|member)"
                           r"(?!群|们)|一对一|"              # "给一个铁粉推荐点好物", "有个老客户，给他推几个SKU"
                           r"(?:一|有)(?:个|位)[^，,。\s]{0,4}的?(?:老太太|老大爷|老人家|大爷|大妈|阿姨|大叔|大姐|老板娘)")
# A send that is over ("上回那个团购", "the last push"): how it went is an evaluation
_PAST_SEND = re.compile(r"上次|上回|上一次|上一波|上周|上个月|那场|那波|那次|\b(?:last|previous|past|latest|most recent)\b")


def _runner_up_action(alternatives, text: str, default: str) -> str:
    """The first runner-up among the actions (plan, recommend) whose own verb `text` uses, else `default`; for one
    customer, recommending to that customer comes before recommending to a segment."""
    said = [name for name, _ in alternatives[1:] if name in _ACTIONS and says_intent_verb(name, text)]
    if "recommend_segment" in said and _ONE_CUSTOMER.search(text) and says_intent_verb("recommend_user", text):
        return "recommend_user"
    return said[0] if said else default


# What a saved workspace is called ("load my last session", "存一下进度", "工作区"): without one, "reopen" and "save"
# may be about the shop ("the grand reopening", "save 20%")
_WORKSPACE_WORD = re.compile(r"workspace|work ?space|session|project|saved|snapshot|checkpoint|progress|my work|"
                             r"where (?:i|we) left|工作区|工作|存档|进度|保存|存上|存一下|存下")


# What to put in front of a group, asked as a question ("推点啥好", "主推什么", "what should we push to …")
_RECOMMEND_QUESTION = re.compile(r"(?:主推|推荐|推|种草)(?:点|些|个)?(?:啥|什么|哪些|哪几)|"
                                 r"\bwhat (?:should|could|can) (?:i|we) (?:push|recommend|feature|pitch|offer)\b")


# How many people a test needs, asked per group or arm ("how many per group", "每组要多少人")
_PER_GROUP = re.compile(r"\bhow many\b.{0,25}?\b(?:per|each|every|in each)\s+(?:group|arm|side|variant|cell|bucket)\b|"
                        r"(?:每组|每个组|每边|每个版本|每一组|一组得|一组要).{0,6}?(?:多少|几)")


def _has_effect_size(text: str) -> bool:
    """A lift to detect said in the message ('1 point more', 'a 10% lift', '提升2个点')."""
    found = extract_sample_size(text)
    return found["mde_pct"] is not None or found["mde_points"] is not None


def _is_audience(text: str) -> bool:
    """A purchase of something within / outside a time window: the audience builder's question."""
    slots = extract_audience(text)
    return bool(slots["bought"]) and (slots["within_days"] or slots["not_within_days"]) is not None


@dataclass(frozen=True)
class Reading:
    """The classifier's reading of one message, as the rules see it."""

    text: str                                   # as typed
    t: str                                      # normalised
    language: str
    intent: str                                 # the classifier's intent ("unknown" below its threshold)
    confidence: float                           # the classifier's probability of its top intent
    alternatives: tuple[tuple[str, float], ...]  # top intents, best first
    change: dict[str, Any] | None               # `slot_change` where a follow-up could outweigh the reading

    def said(self, intent: str) -> bool:
        return says_intent_verb(intent, self.t)

    def segment_as(self, intent: str) -> Any:
        return extract_slots(intent, self.text, self.language)["segment"]


def change_of(text: str, language: str, intent: str, confidence: float) -> dict[str, Any] | None:
    """The slot change a follow-up rule may use: a message made only of slot values that opens like a follow-up
    ("exactly the same for segment 4, please") outweighs all but a sure reading; one that does not open so only an
    unsure one."""
    if intent == "follow_up" or confidence >= METRIC_OVER_PROFILE and intent != UNKNOWN:
        return None
    change = slot_change(text, language)
    if change is not None and not change["cued"] and confidence >= FOLLOW_UP_OVERRIDE and intent != UNKNOWN:
        return None
    return change


def _plan_for_a_named_group(r: Reading) -> str | None:
    """"囤货大户这活动咋整 短信发 打九折": how to run a campaign for a named group, with its channel and offer, is a
    plan, not a change of the last one."""
    if not r.said("plan_campaign") or r.segment_as("plan_campaign") is None:
        return None
    if r.intent == "follow_up" and r.confidence < METRIC_OVER_PROFILE and not (r.change or {}).get("cued"):
        return "plan_campaign"
    if r.intent in ("recommend_user", "recommend_segment", "write_copy", UNKNOWN) and r.confidence < UNSURE_READING and \
            not r.said(r.intent):
        return "plan_campaign"
    return None


def _cued_follow_up(r: Reading) -> str | None:
    """"年轻家庭呢？", "same for the churn risk group": slot values only, opened like a follow-up."""
    return "follow_up" if r.change is not None and r.change["cued"] else None


def _comparison(r: Reading) -> str | None:
    """"compare the young families with the high-value customers": a comparison verb and two groups."""
    side_by_side = bool(_SIDE_BY_SIDE.search(r.t))
    if r.intent in ("compare_segments", "follow_up") or r.confidence >= COMPARISON_OVERRIDE or \
            r.intent == "evaluate_campaign" and _EVALUATION_WORD.search(r.t) or _has_effect_size(r.t) or \
            not (_COMPARISON.search(r.t) or side_by_side):
        return None
    unsure = r.confidence < FOLLOW_UP_OVERRIDE
    if _two_compared(r.t, r.language) or unsure and (extract_segment_list(r.t, r.language) or side_by_side) or \
            side_by_side and mentions_all_segments(r.t):      # "line up all the groups side by side"
        return "compare_segments"
    return None


def _count_put_forward(r: Reading) -> str | None:
    """"whether six segments might describe our subscribers better": a count of segments put forward (still
    confirmed before it runs), not "上述两个人群"."""
    if r.intent in ("describe_segment", "recommend_segment", "data_question", UNKNOWN) and \
            r.confidence < METRIC_OVER_PROFILE and extract_n_segments(r.t) and \
            (HEDGED.search(r.t) or PROPOSAL.search(r.t)) and r.segment_as("describe_segment") is None and \
            not asked_metrics(r.t, r.language):          # "what are our 3 biggest categories?": a ranking
        return "segment"
    return None


def _metric_of_their_profile(r: Reading) -> str | None:
    """"what's their AOV?": a metric asked about a segment, not its profile."""
    if r.intent == "describe_segment" and r.confidence < FOLLOW_UP_OVERRIDE and \
            r.alternatives[1][0] == "data_question" and asked_metrics(r.t, r.language):   # "高客单用户": a name
        return "data_question"
    return None


def _who_next(r: Reading) -> str | None:
    """"下一轮活动应优先针对哪个客群": who comes first next time, not a plan (no offer, channel or how)."""
    if r.intent == "plan_campaign" and r.confidence < METRIC_OVER_PROFILE and _NEXT_TARGET.search(r.t) and \
            not _PLAN_DETAIL.search(without_channels(r.t)) and extract_channel(r.t) is None:
        # "给高价值客户推哪些货？…下个月的选品表": what to push to a named group, whenever it is for
        named = r.said("recommend_segment") and r.segment_as("recommend_segment") is not None
        return "recommend_segment" if named else "next_campaign"
    return None


def _metric_of_a_name(r: Reading) -> str | None:
    """"rev share of the vips?": a metric outside the name, no profiling verb."""
    if r.intent == "describe_segment" and r.confidence < METRIC_OVER_PROFILE and \
            not r.said(r.intent) and asked_metrics(r.t, r.language):
        return "data_question"
    return None


def _likes_of_a_product(r: Reading) -> str | None:
    """"we're OOS on the dome tent, what's similar?": a product's likes, no segment."""
    if (r.intent in ("describe_segment", UNKNOWN, "search_products", "follow_up") or
            r.intent == "data_question" and not asked_metrics(r.t, r.language) or
            r.intent == "recommend_segment" and r.confidence < UNSURE_READING) and \
            r.confidence < SIMILAR_OVERRIDE and _LIKENESS.search(r.t) and _names_product_only(r.t, r.language):
        return "similar_products"
    return None


def _every_profile(r: Reading) -> str | None:
    """"summarise each of the segments for the team": every profile, no plan, report or metric."""
    if r.intent in ("plan_campaign", "data_question", UNKNOWN, "report", "personas", "next_campaign") and \
            r.confidence < METRIC_OVER_PROFILE and not _MAKE_WORD.search(r.t) and not re.search(_NEXT_WORD, r.t) and \
            mentions_all_segments(r.t) and r.said("describe_segment") and \
            not r.said(r.intent) and not _REPORT_WORD.search(r.t) and not extract_metrics(r.t):
        return "describe_segment"
    return None


def _audience_count(r: Reading) -> str | None:
    """"最近10天买过鸡蛋的顾客有多少": who bought what, when — an audience count."""
    if r.intent in ("data_question", UNKNOWN) and r.confidence < METRIC_OVER_PROFILE and _is_audience(r.t):
        return "audience"
    return None


def _customer_id(r: Reading) -> str | None:
    """"top 6 suggestions for loyalty card 558210": a customer's id and no segment number."""
    if r.intent == "recommend_segment" and r.confidence < METRIC_OVER_PROFILE and extract_user_id(r.t) and \
            extract_segment_number(r.t) is None and not mentions_all_segments(r.t):
        return "recommend_user"
    return None


def _group_not_customer(r: Reading) -> str | None:
    """"第三个分群的热门推荐商品，前10个", "给囤货大户推荐8个商品": picks for a segment, no customer id, read as picks for
    one person."""
    if r.intent == "recommend_user" and r.confidence < FOLLOW_UP_OVERRIDE and extract_user_id(r.t) is None and \
            r.segment_as("recommend_segment") is not None and not _ONE_CUSTOMER.search(r.t) and \
            not (extract_channel(r.t) and r.said("write_copy")):      # "老客户那边整个推送 … 写得…": copy
        return "recommend_segment"
    return None


def _one_customer(r: Reading) -> str | None:
    """"products for one of my regular customers": one person, not the group."""
    if r.intent == "recommend_segment" and r.confidence < METRIC_OVER_PROFILE and _ONE_CUSTOMER.search(r.t) and \
            extract_segment_number(r.t) is None:
        return "recommend_user"
    if r.intent == UNKNOWN and r.confidence < UNSURE_READING and _ONE_CUSTOMER.search(r.t) and r.said("recommend_user"):
        return "recommend_user"          # "店里一个常来的老太太 帮她挑几样": one person, picks said
    return None


def _look_back(r: Reading) -> str | None:
    """"上周直播那场复盘一下": a look back at a past send, nothing about next time."""
    if r.intent == "next_campaign" and r.confidence < FOLLOW_UP_OVERRIDE and _EVALUATION_WORD.search(r.t) and \
            not re.search(_NEXT_WORD, r.t) and not _NEXT_TARGET.search(r.t) and not _PLAN_NOUN.search(r.t):
        return "evaluate_campaign"
    return None


def _table_not_evaluation(r: Reading) -> str | None:
    """"rev by week pls, to see if the BFCM prep is moving anything": a table asked, no campaign id."""
    if r.intent == "evaluate_campaign" and r.confidence < METRIC_OVER_PROFILE and \
            extract_campaign_id(r.t) is None and extract_metrics(r.t) and not _EVALUATION_WORD.search(r.t):
        return "data_question"
    return None


def _table_not_plan(r: Reading) -> str | None:
    """"按月看下GMV，想知道会员日有没有拉起来": a table asked, no plan, no target, no channel or offer."""
    if r.intent in ("plan_campaign", "next_campaign") and r.confidence < METRIC_OVER_PROFILE and \
            extract_metrics(r.t) and not r.said("plan_campaign") and not _NEXT_TARGET.search(r.t) and \
            not _HOW_TO_WIN.search(r.t) and \
            extract_channel(r.t) is None and extract_offer(r.t)[1] is None:
        return "data_question"
    return None


def _how_by_a_channel(r: Reading) -> str | None:
    """"how should we go after the X w/ push": how, by a channel or with an offer, is a plan."""
    if r.intent == "next_campaign" and r.confidence < FOLLOW_UP_OVERRIDE and \
            (extract_channel(r.t) is not None or extract_offer(r.t)[1] is not None):
        return "plan_campaign"
    return None


def _numbered_campaign_compared(r: Reading) -> str | None:
    """"whether promotion no. 9 gave any uplift versus the control group": one campaign against its control."""
    if r.intent == "compare_segments" and r.confidence < METRIC_OVER_PROFILE and _EVALUATION_WORD.search(r.t) and \
            extract_campaign_id(r.t) is not None:
        return "evaluate_campaign"
    return None


def _how_a_send_did(r: Reading) -> str | None:
    """"上次那波短信召回效果咋样": how a send did, not a new one."""
    readout = _READOUT.search(r.t)        # "need the readout on the spring promo": asked as a document
    if r.intent in ("write_copy", "plan_campaign") and \
            r.confidence < (METRIC_OVER_PROFILE if readout else FOLLOW_UP_OVERRIDE) and \
            not r.said(r.intent) and _EVALUATION_WORD.search(r.t) and (_QUESTION.search(r.t) or readout):
        return "evaluate_campaign"
    return None


def _what_else(r: Reading) -> str | None:
    """"这个工具除了写文案还能帮运营做啥": what the assistant can do."""
    return "help" if r.intent != "help" and r.confidence < 0.95 and _WHAT_ELSE.search(r.t) else None


def _copy_edit(r: Reading) -> str | None:
    """"shorter pls, nobody reads past line 2": a length or language edit of the last copy, nothing else asked.
    Read unsure as new copy or a plan ("写长一点！卖点多写几条", "Can we get that in Chinese? The client's office will
    run it"), it is still an edit when it names no segment, channel or offer of its own."""
    if not (extract_length(r.t) or extract_explicit_language(r.t)) or _SECOND_REQUEST.search(r.t):
        return None
    if (r.intent == UNKNOWN or r.intent == "report" and r.confidence < 0.5 and not _REPORT_WORD.search(r.t)) and \
            not any(r.said(name) for name in _ACTIONS):
        return "follow_up"
    if r.intent in ("write_copy", "plan_campaign", "describe_segment") and r.confidence < UNSURE_READING and \
            r.segment_as("write_copy") is None and extract_channel(r.t) is None and extract_offer(r.t)[1] is None:
        return "follow_up"          # "在写长点 多说说好处": read unsure as a description of nobody
    return None


def _sales_not_stock(r: Reading) -> str | None:
    """"按周看下销售额，想知道店庆有没有拉动": 有没有 asks about sales, not stock."""
    if r.intent == "search_products" and r.confidence < METRIC_OVER_PROFILE and extract_metrics(r.t) and \
            not _SEARCH_VERB.search(r.t):
        return "data_question"
    return None


def _catalogue_question(r: Reading) -> str | None:
    """"do we sell bicycle helmets?", "do we carry X?": whether the catalogue has something, read unsure as a data
    question without a metric or as off-topic."""
    if r.intent in ("data_question", UNKNOWN) and r.confidence < UNSURE_READING and not extract_metrics(r.t) and \
            extract_search_query(r.t):
        return "search_products"
    return None


def _test_size(r: Reading) -> str | None:
    """"used 3% of the time, how many per group to catch 1 point more": a test's size."""
    if r.intent in ("data_question", "compare_segments") and r.confidence < METRIC_OVER_PROFILE and \
            _PER_GROUP.search(r.t) and _has_effect_size(r.t):
        return "sample_size"
    return None


def _what_to_push_to_a_name(r: Reading) -> str | None:
    """"不怎么来的 推点啥好": what to offer a named group, whatever 不 looks like."""
    if r.intent in (UNKNOWN, "data_question") and r.confidence < UNSURE_READING and \
            _RECOMMEND_QUESTION.search(r.t) and not extract_metrics(r.t) and \
            r.segment_as("recommend_segment") is not None:
        return "recommend_segment"
    return None


def _what_a_group_buys(r: Reading) -> str | None:
    """"学生娃最爱买哪几类货": which categories / products a group buys most, asked, read unsure as picks for it; no
    recommending verb is said."""
    ranked = set(asked_metrics(r.t, r.language) or ()) & {"top_categories", "top_products"}
    if r.intent == "recommend_segment" and r.confidence < UNSURE_READING and ranked and \
            not r.said("recommend_segment") and _WHICH.search(r.t):
        return "data_question"
    return None


def _unsure_metric(r: Reading) -> str | None:
    """"一般会员隔几天来买一次", "营业额按礼拜给我拉出来": no intent won (or an unsure off-topic reading, or an unsure
    undo with no undoing verb), and a metric of the data is asked."""
    unsure = r.intent == UNKNOWN or r.intent == "undo" and not UNDO_VERB.search(r.t)   # "rev trend by week pls"
    return "data_question" if unsure and r.confidence < UNSURE_READING and extract_metrics(r.t) else None


def _copy_verb_and_channel(r: Reading) -> str | None:
    """"帮我写条国庆团购的push～～", "帮我写给第3群的推播": a copy verb and a channel, whatever else is unsure; "txt msg for
    every seg abt the new holiday hours": a channel with its receiver is a copy brief by itself."""
    if extract_channel(r.t) is None or r.intent in ("write_copy", "plan_campaign", "follow_up"):
        return None
    unsure = r.intent == UNKNOWN and r.confidence < METRIC_OVER_PROFILE or \
        r.confidence < UNSURE_READING and not r.said(r.intent)
    if unsure and (r.said("write_copy") or _opens_with_channel_for(r.t) or
                   _NAMED_CHANNEL_ZH.search(r.t) and r.segment_as("write_copy") is not None):
        return "write_copy"
    return None


def _channel_brief_not_edit(r: Reading) -> str | None:
    """"sms for seg 4 but in chinese, 10% off": a channel for a segment opens a new brief, not a change of the last
    copy ("but in chinese" only reads like one)."""
    if r.intent == "follow_up" and r.confidence < METRIC_OVER_PROFILE and _opens_with_channel_for(r.t) and \
            r.segment_as("write_copy") is not None:
        return "write_copy"
    return None


def _picks_for_one(r: Reading) -> str | None:
    """"帮一个老buyer挑几个SKU": picks for one customer."""
    if r.intent == UNKNOWN and r.confidence < UNSURE_READING and _ONE_CUSTOMER.search(r.t) and \
            r.said("recommend_user"):
        return "recommend_user"
    return None


def _past_send_reviewed(r: Reading) -> str | None:
    """"老板让我复盘下上回那个车厘子团购", "a proper readout on our most recent promotion": how a past send went;
    "上次过年那个活动 赚没赚到钱" asks it yes or no, however much the festival reads like a plan."""
    if r.intent == UNKNOWN and r.confidence < UNSURE_READING and _EVALUATION_WORD.search(r.t) and \
            _PAST_SEND.search(r.t):
        return "evaluate_campaign"
    if r.intent in ("plan_campaign", "write_copy") and r.confidence < METRIC_OVER_PROFILE and not r.said(r.intent) and \
            _PAST_SEND.search(r.t) and _HOW_IT_WENT.search(r.t):
        return "evaluate_campaign"
    return None


def _traits_of_a_name(r: Reading) -> str | None:
    """"宝妈团有啥特点，老板让我摸摸底": a named group's traits, around an aside."""
    if r.intent == UNKNOWN and r.confidence < UNSURE_READING and r.said("describe_segment") and \
            not extract_metrics(r.t) and r.segment_as("describe_segment") is not None:
        return "describe_segment"
    return None


def _algorithm_named(r: Reading) -> str | None:
    """"cluster the beauty list w/ hdbscan", "try hdbscan on the newsletter list": a clustering algorithm named,
    and no copy or plan asked for, is a segmentation (still confirmed before it runs)."""
    if r.intent in (UNKNOWN, "write_copy", "plan_campaign", "recommend_segment", "recommend_user", "describe_segment",
                    "data_question") and r.confidence < METRIC_OVER_PROFILE and \
            extract_algorithm(r.t) and not r.said(r.intent):
        return "segment"
    return None


def _half_read_yes(r: Reading) -> str | None:
    """"好的，确认": a yes the classifier half reads as chat; "中 你弄吧": one it half reads as a change that changes
    nothing."""
    yes = YES.search(r.t)
    if r.intent == "smalltalk" and r.confidence < UNSURE_READING and \
            "confirm" in (name for name, _ in r.alternatives) and yes:
        return "confirm"
    rest = r.t[yes.end():].strip(" ,，.。!！~") if yes else None
    if r.intent in ("follow_up", UNKNOWN) and r.confidence < UNSURE_READING and rest is not None and \
            (not rest or YES.search(rest)):         # a yes and nothing else ("okay ignore … and send me …" is more)
        return "confirm"
    return None


def _only_slot_values(r: Reading) -> str | None:
    """"多写几句，丰富点": nothing but slot values, which no intent claims."""
    return "follow_up" if r.intent == UNKNOWN and r.change is not None else None


def _no_customer_no_verb(r: Reading) -> str | None:
    """"做个活动" read as picks for a customer, with no customer id and no recommending verb: a runner-up action
    whose verb is said."""
    if r.intent == "recommend_user" and r.confidence < 0.5 and extract_user_id(r.t) is None and not r.said(r.intent):
        return _runner_up_action(r.alternatives, r.t, r.intent)
    return None


def _plan_first(r: Reading) -> str | None:
    """"plan a winback for the lapsed cat owners, email + 15% off": a plan first, no copy word."""
    if r.intent == "write_copy" and r.confidence < METRIC_OVER_PROFILE and not r.said(r.intent) and \
            (_PLAN_OPENING.search(r.t) or _PLAN_NOUN.search(r.t)):
        return "plan_campaign"
    return None


def _no_workspace_word(r: Reading) -> str | None:
    """"draft a push about the grand reopening": a shop reopening, not a saved workspace; a runner-up whose own
    verb is said is meant."""
    if r.intent in ("load_workspace", "save_workspace") and r.confidence < UNSURE_READING and \
            not _WORKSPACE_WORD.search(r.t):
        if _OFF_TOPIC_WORLD.search(r.t):
            return UNKNOWN               # "what's the 4D result today, … got open already": a lottery draw
        return next((name for name, _ in r.alternatives[1:] if r.said(name)), r.intent)
    return None


def _nothing_to_follow(r: Reading) -> str | None:
    """"老客户该推点啥 列五个": an unsure follow-up reading, while a runner-up action's own verb is said and nothing
    opens like a follow-up; without a turn before it there is nothing to follow."""
    if r.intent == "follow_up" and r.confidence < UNSURE_READING and \
            not (slot_change(r.text, r.language) or {}).get("cued"):
        action = _runner_up_action(r.alternatives, r.t, r.intent)
        return action if action != r.intent else None
    return None


def _copy_without_a_copy_word(r: Reading) -> str | None:
    """Copy is asked for with a copy word ("write", "文案"); without one, a runner-up action whose own verb the
    message uses is meant: "need recs for one of our members", "给这个人群做个唤醒方案，走短信"; recommendations
    for a named group ("merch recs for the weekend shoppers - blocked on the landing page") whatever the runner-up."""
    if r.intent == "write_copy" and r.confidence < FOLLOW_UP_OVERRIDE and not r.said(r.intent):
        if r.said("recommend_segment") and extract_channel(r.t) is None and not _ONE_CUSTOMER.search(r.t) and \
                r.segment_as("recommend_segment") is not None:
            return "recommend_segment"
        return _runner_up_action(r.alternatives, r.t, r.intent)
    return None


def _channel_switched(r: Reading) -> str | None:
    """"switch channel to push - email queue is blocked", "邮件打开率太惨了，渠道换短信": the last send moved to another
    channel, read as a new copy or plan; a change of the last turn."""
    if r.intent in ("write_copy", "plan_campaign", "next_campaign") and r.confidence < FOLLOW_UP_OVERRIDE and \
            switched_channel(r.t) and not r.said("write_copy") and \
            r.segment_as("write_copy") is None:
        return "follow_up"
    return None


def _products_to_feature(r: Reading) -> str | None:
    """"which products to feature for the Budget Families": picks for a group, read as a ranking of products."""
    if r.intent == "data_question" and r.confidence < 0.995 and _PRODUCTS_TO_FEATURE.search(r.t) and \
            r.segment_as("recommend_segment") is not None:
        return "recommend_segment"
    return None


def _put_back(r: Reading) -> str | None:
    """"can you roll back to the segmentation we had before?", "put the old segments back": taking back a
    re-segmentation, not another one (no count of segments said)."""
    if r.intent == "segment" and r.confidence < METRIC_OVER_PROFILE and UNDO_VERB.search(r.t) and \
            extract_n_segments(r.t) is None:
        return "undo"
    return None


def _share_of_a_group(r: Reading) -> str | None:
    """"the people who used to come a lot but stopped, what chunk of our money came from them": a metric of a
    described group, no product bought, is no audience."""
    if r.intent == "audience" and r.confidence < UNSURE_READING and not extract_audience(r.t)["bought"] and \
            asked_metrics(r.t, r.language):
        return "data_question"
    return None


def _send_one_message(r: Reading) -> str | None:
    """"send a text to the folks who only show up when there's a sale, give them $10 off": one message, not a plan."""
    if r.intent in ("plan_campaign", "next_campaign") and r.confidence < FOLLOW_UP_OVERRIDE and not r.said(r.intent) and \
            _SEND_ONE_MESSAGE.search(r.t):
        return "write_copy"
    return None


def _how_to_win_a_group(r: Reading) -> str | None:
    """"i want to get the X to come back, how should we go about it": how to win a group is a plan."""
    if r.intent in ("data_question", UNKNOWN) and r.confidence < UNSURE_READING and not asked_metrics(r.t, r.language) \
            and _HOW_TO_WIN.search(r.t) and r.segment_as("plan_campaign") is not None:
        return "plan_campaign"
    return None


def _ran_against_holdout(r: Reading) -> str | None:
    """"that discount thing we ran, number 16, did the people who got it buy more than the ones who didn't"."""
    if r.intent in ("data_question", UNKNOWN, "compare_segments") and r.confidence < FOLLOW_UP_OVERRIDE and \
            _RAN_AGAINST_HOLDOUT.search(r.t) and extract_campaign_id(r.t) is not None:
        return "evaluate_campaign"
    return None


def _off_topic_place(r: Reading) -> str | None:
    """"the best pizza place near their office", "any good restaurant near our office?": a place to go, read unsure
    as something in the catalogue."""
    if r.intent in ("similar_products", "search_products", "smalltalk", UNKNOWN) and r.confidence < UNSURE_READING and \
            _OFF_TOPIC_PLACE.search(r.t) and not _LIKENESS.search(r.t):
        return UNKNOWN
    return None


def _persona_cards(r: Reading) -> str | None:
    """"persona one-pagers for each seg -> agency brief", "每个客群的人物志卡片可以帮我做吗？": the persona cards."""
    if r.intent in ("describe_segment", "data_question", "report", "personas", "write_copy", UNKNOWN) and \
            r.confidence < METRIC_OVER_PROFILE and _PERSONA_CARDS.search(r.t):
        return "personas"
    return None


def _next_from_a_result(r: Reading) -> str | None:
    """"照着活动23的结果 下回咋整": what to do next time, from how a campaign went."""
    if r.intent == "evaluate_campaign" and r.confidence < METRIC_OVER_PROFILE and re.search(_NEXT_WORD, r.t) and \
            _WHAT_NOW.search(r.t):
        return "next_campaign"
    return None


def _ranking_for_no_group(r: Reading) -> str | None:
    """"which products fly off the shelves?": a ranking of the shop's products, no group to recommend to; "arpu for
    seg 2": an unsure reading of picks where a metric is asked and no picking verb said."""
    if r.intent != "recommend_segment" or r.said(r.intent):
        return None
    if r.confidence < METRIC_OVER_PROFILE and "top_products" in (extract_metrics(r.t) or []) and \
            r.segment_as(r.intent) is None and not mentions_all_segments(r.t):
        return "data_question"
    if r.confidence < UNSURE_READING and set(asked_metrics(r.t, r.language) or ()) - {"top_products", "top_categories"}:
        return "data_question"           # ... but "top 6 items for the snack stockers" are picks for them
    return None


def _copy_not_plan(r: Reading) -> str | None:
    """"烦请输出一版短信文案，全场八折": the copy of a channel asked by name, no plan noun: copy."""
    if r.intent == "plan_campaign" and r.confidence < METRIC_OVER_PROFILE and _CHANNEL_COPY.search(r.t) and \
            not _PLAN_NOUN.search(r.t):
        return "write_copy"
    return None


def _full_brief_not_edit(r: Reading) -> str | None:
    """"第0组 推送 九五折", "What should be the SMS text for segment 0? Put 10% off in it.": a segment, a channel and an
    offer, with no word of change, are a whole new brief, not an edit of the last copy."""
    if r.intent != "follow_up" or r.confidence >= 0.95 or extract_segment_number(r.t) is None or \
            not extract_channel(r.t) or not extract_offer(r.t)[1]:
        return None
    change = slot_change(r.t, r.language)        # only now: the reading is no change_of (it is a follow-up)
    return None if change and change["cued"] else "write_copy"


def _off_topic_world(r: Reading) -> str | None:
    """"where the S&P 500 is heading", "the GST rate on biscuits": the world outside the shop, read unsure as data
    (or sure, when no metric of the shop is asked: "增值税税率是多少")."""
    unsure = r.confidence < FOLLOW_UP_OVERRIDE or r.intent == "data_question" and not extract_metrics(r.t)
    if r.intent in ("data_question", "search_products", UNKNOWN) and unsure and _OFF_TOPIC_WORLD.search(r.t):
        return UNKNOWN
    return None


def _held_off(r: Reading) -> str | None:
    """"I'd rather we park that for now, so please don't go ahead", "先别分 等等再说": holding off, not a request."""
    if r.intent in (UNKNOWN, "segment", "follow_up", "smalltalk") and r.confidence < UNSURE_READING and \
            _HOLD_OFF.search(r.t) and extract_n_segments(r.t) is None:
        return "cancel"
    return None


def _picks_for_a_group(r: Reading) -> str | None:
    """"第3组的客人 进点啥货好。推荐下": what to offer a numbered or named group, with nothing about next time, read
    unsure as next-campaign advice or as the group's description."""
    unsure = r.intent == "next_campaign" and r.confidence < UNSURE_READING or \
        r.intent == "describe_segment" and r.confidence < FOLLOW_UP_OVERRIDE and not r.said("describe_segment")
    if unsure and r.said("recommend_segment") and not re.search(_NEXT_WORD, r.t) and \
            r.segment_as("recommend_segment") is not None:
        return "recommend_segment"
    return None


def _workspace_in_other_words(r: Reading) -> str | None:
    """"先存上 明天在弄" keeps the work; "昨天存的那个 打开" reopens it: read unsure as chat or nothing."""
    if r.intent not in ("smalltalk", UNKNOWN) or r.confidence >= UNSURE_READING:
        return None
    if _OPEN_SAVED.search(r.t):
        return "load_workspace"
    return "save_workspace" if _SAVE_VERB.search(r.t) else None


# The order matters: the first rule that answers decides.
RULES: tuple[Callable[[Reading], str | None], ...] = (
    _channel_brief_not_edit, _plan_for_a_named_group, _cued_follow_up, _comparison, _count_put_forward,
    _metric_of_their_profile, _who_next, _metric_of_a_name, _likes_of_a_product, _persona_cards, _every_profile,
    _audience_count, _customer_id, _group_not_customer, _one_customer, _look_back, _table_not_evaluation,
    _table_not_plan, _send_one_message, _channel_switched, _how_by_a_channel, _numbered_campaign_compared,
    _how_a_send_did, _what_else, _copy_edit, _sales_not_stock, _off_topic_place, _catalogue_question, _test_size,
    _what_to_push_to_a_name, _what_a_group_buys, _unsure_metric, _copy_verb_and_channel, _picks_for_one,
    _past_send_reviewed, _traits_of_a_name, _algorithm_named, _half_read_yes, _only_slot_values,
    _no_customer_no_verb, _plan_first, _no_workspace_word, _nothing_to_follow,
    _copy_without_a_copy_word, _products_to_feature, _put_back, _share_of_a_group, _how_to_win_a_group,
    _ran_against_holdout, _ranking_for_no_group, _next_from_a_result, _copy_not_plan, _full_brief_not_edit,
    _off_topic_world, _held_off, _picks_for_a_group, _workspace_in_other_words,
)


def rule_for(reading: Reading) -> tuple[str, str | None]:
    """(intent, name of the rule that decided it or None): the first rule that answers, then the gates — private
    writing ("write a letter to my landlord") and commands smuggled in ("printenv; rm -rf /") are never acted on."""
    intent, decided = reading.intent, None
    for rule in RULES:
        answer = rule(reading)
        if answer is not None:
            intent, decided = answer, rule.__name__.lstrip("_")
            break
    if intent in ("write_copy", "plan_campaign", "follow_up") and _PRIVATE_RECIPIENT.search(reading.t) or \
            _PRIVATE_DOCUMENT.search(reading.t):
        intent, decided = UNKNOWN, "private"
    if _SHELL_OR_SQL.search(reading.t):
        intent, decided = UNKNOWN, "shell_or_sql"
    return intent, decided


def keeps_own_verb(intent: str, text: str, confidence: float, threshold: float) -> bool:
    """Below the threshold but above OWN_VERB_FLOOR of it (and unsure, < 0.5), a reading whose own verb the message
    says is kept: "email copy for the X, bogo on Y"."""
    return OWN_VERB_FLOOR * threshold <= confidence < 0.5 and says_intent_verb(intent, text)


__all__ = ["UNKNOWN", "Reading", "RULES", "rule_for", "change_of", "keeps_own_verb"]
