"""Whether a chat message consents: a yes or a no to what the chat proposed, an explicit request to change state
(re-segmenting, undoing) or a hedged one to confirm first, and whether it tries to steer the assistant instead.

Its own module because the conversation state (`assistant.chat.state`) asks these questions at several points, and
the safety rules they carry ("nothing changes state on a guess", a refusal that starts like a yes still cancels) are
read and tested on their own. Hand-written word lists: exact, fast and testable, in EN and ZH.
"""
from __future__ import annotations

import re

from assistant.chat.slots import normalise

CONFIDENT = 0.6          # a router reading at least this sure counts as the user's request

# An answer that accepts what the chat proposed; it may go on ("sure, go ahead and rerun", "确认，请执行。",
# "好的，不过分5组") and whatever slots it goes on with change the proposal (see `ConversationState._accept`).
# A Latin yes may run straight into Chinese ("OK跑吧", "yes开始"); a Chinese one needs its end ("是不是" is no yes).
# A thanks may come first ("Thank you, yes, please go ahead", "谢谢，好的"): it adds nothing to the answer.
YES = re.compile(r"^(?:(?:thank you|thanks|many thanks|谢谢|多谢)[\s,，.。!！]*)?(?:(?:y|yes|yeah|yea|ya|yah|yep|yup|sure|ok|okay|k|alright|all right|fine|absolutely|definitely|"
                 r"of course|confirm|confirmed|go ahead|go for it|go on|do it|do that|please do|proceed|"
                 r"let'?s do (?:it|that)|let'?s go|sounds good|looks good|lgtm|sgtm|execute|run it|rerun|re-run|please proceed)(?![a-z0-9'])|"
                 r"(?:确认|确定|好|好的|好吧|是|是的|可以|行|行吧|执行|同意|没问题|对|就这么(?:办|弄|整|定|来)|开始吧|来吧|"
                 r"请执行|照办|"
                 # chat slang for "go for it" ("冲！！", "整吧", "安排", "走起"); each needs its end, so "整个方案"
                 # or "冲什么" is no yes
                 r"冲+(?:鸭|吧)?|整|整吧|整起|开整|搞吧|搞起(?:来)?|开搞|干吧|开干|干就完了|安排(?:吧|上)?|走起|妥了?|"
                 r"没毛病|"
                 # dialect and shop talk: 中 (Henan "OK"), "你弄吧" (you do it)
                 r"中|(?:你)?弄吧)\b)", re.I)
LEAD_YES = re.compile(r"^(?:ok(?:ay)?|yes|yeah|yep|sure|fine|alright|good|great|cool|nice|好的?|好吧|行|嗯|可以|那)"
                      r"[\s,，.。!！~]*", re.I)
NO = re.compile(r"^(?:n|no|nope|nah|cancel|stop|don'?t|do not|never ?mind|forget it|取消|不|不要|不用|算了|别|否)", re.I)
# A refusal anywhere in the answer: "fine, forget it" / "ok no" / "好，算了" start like a yes but change nothing
# ("no problem", "不过" — but — and the apology "不好意思" are no refusal).
REFUSAL = re.compile(r"\b(?:no(?!\s+(?:problem|worries))|not|nope|nah|don'?t|do not|cancel|stop|never ?mind|"
                     r"forget (?:it|that|about it)|hold off|wait)\b|不要|不用|算了|取消|别(?!的)|不行|不好(?!意思)|不做|先不|等等", re.I)
# Giving up what the proposed action replaces ("current one is not required", "we don't need the current data",
# "现在的不需要了", "当前的不用保留"): a reason for the yes, no refusal of it (see `refuses`)
_CURRENT = r"(?:current|existing|present|old)\s+(?:one|data|work|session|state|setup|version|stuff)s?"
LETS_GO_OF_CURRENT = re.compile(
    rf"\b(?:the\s+)?{_CURRENT}\s+(?:is|are)\s+(?:not|no longer)\s+(?:required|needed|necessary|important|wanted)\b|"
    rf"\b(?:i|we)\s+(?:don'?t|do not|no longer)\s+need\s+(?:the\s+)?{_CURRENT}\b|"
    # (the time word alone is no thing: "现在不要" is "not now", a refusal)
    r"(?:当前|现在|目前|手上|眼下)(?:(?:的|这个|这份)(?:数据|结果|工作|版本)?|数据|结果|工作|版本)(?:的)?"
    r"(?:不需要|不用|不要)(?:了|保留|留着)?", re.I)


def refuses(t: str) -> bool:
    """A refusal anywhere in the answer (see `REFUSAL`), except in giving up what the proposal replaces ("yes, load
    it, current one is not required" is a yes)."""
    return bool(REFUSAL.search(LETS_GO_OF_CURRENT.sub(" ", t)))


# Hedged or questioning wording: not an explicit request to change state.
# A wish ("I'd like to …", "我想…", "打算…") or an opinion ("我觉得…更合理") states a plan, not a command: the
# re-segmenting it would do is confirmed.
HEDGED = re.compile(r"\b(?:maybe|perhaps|might|what if|how about|what about|wonder|should (?:we|i)|would .* better|"
                    r"do you think|could we try|is it worth|i(?:'d| would) like to|i want to|i wanna|"
                    r"(?:i'm |i am )?(?:thinking|considering|planning) (?:of|about|to)|i plan to|i (?:think|feel|guess))\b|"
                    r"我觉得|我认为|我感觉|要不|也许|可能|是不是|要不要|试试|会不会|吗[？?]?$|^我?(?:想|想要|打算|考虑|希望)")
# A count put forward against the present one ("6 segs might work better", "5个群更清楚", "改为划分4个客群")
PROPOSAL = re.compile(r"\b(?:better|more sense|instead|enough|too (?:many|few)|rather|prefer|fewer|more)\b|[?？]\s*$|"
                      r"更好|更合适|更合理|更清楚|更清晰|比较好|就够|够了|太多|太少|改为|改成|还是")
_POLITE = re.compile(r"^(?:please\s+)?(?:can|could|would|will) you\b|^please\b|^(?:请|麻烦|能不能|能否|可以帮|帮我)")
# Taking back what was done ("roll it back", "revert that", "改回去", "撤销"): with nothing waiting for a yes, a
# "no, roll it back" cannot cancel anything; it undoes the re-segmentation that just ran
UNDO_VERB = re.compile(r"\b(?:undo|revert|roll(?: (?:it|that|this|them|those|the \w+))? back|go back|put (?:it|that|them|"
                       r"the (?:\w+ )?\w+) back|take (?:it|that) back|bring back|restore)\b|撤销|撤回|回退|回滚|还原|恢复|退回|改回|"
                       r"回到(?:之前|原来|上一)")
EXPLICIT_SEGMENT = re.compile(r"\b(?:re-?)?(?:segment|cluster|split|group|divide|partition|bucket)\w*\b|"
                              r"分群|聚类|分成|分为|聚成|聚为|划分|细分|分组|重新分")
# Text that tries to steer the assistant instead of asking it something.
INJECTION = re.compile(
    r"(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|my|previous|prior|above|earlier|these|"
    r"those)\s+)*(?:instructions|rules|prompts?|guidelines|restrictions|previous|prior|above|earlier|your)|"
    r"system prompt|you are now|act as|pretend (?:to be|you)|developer mode|jailbreak|"
    r"\bdan\b|override (?:your|the) (?:rules|instructions)|new instructions|forget (?:all |your )?(?:previous |prior )?"
    r"instructions|```|<\s*/?\s*(?:system|untrusted|script)|忽略(?:之前|以上|上面|前面|所有)|无视(?:之前|以上|所有)|"
    r"系统提示|你现在是|扮演|越狱|新的指令|忘记(?:之前|所有)", re.I)


BULK_IDS = re.compile(r"\b(?:list|print|show|give|dump|export|all|every)\b.{0,40}\b(?:customer|user|household|member|"
                      r"client)s?[ _-]?ids?\b|(?:所有|全部|列出|导出).{0,12}(?:用户|客户|会员|家庭).{0,4}(?:id|编号|号码)", re.I)


def is_injection(text: str) -> bool:
    """True for messages that try to give the assistant instructions ("ignore previous instructions …")."""
    return bool(INJECTION.search(normalise(text)))


def _last_sentence(text: str) -> str:
    """The last sentence of `text` ("hmm, I prefer the old ones. could you go back?" → "could you go back?")."""
    sentences = [part for part in re.split(r"(?<=[.!?;。！？；])\s*", text) if part.strip()]
    return sentences[-1].strip() if sentences else text


def _asks_politely(text: str) -> bool:
    """The last sentence of `text` is a polite request, in any of its clauses ("Oh dear, these look worse, sorry,
    could you put the previous ones back?")."""
    return any(_POLITE.match(clause.strip()) for clause in re.split(r"[,，]", _last_sentence(text)))


def is_explicit_request(intent: str, text: str, confidence: float) -> bool:
    """A state-changing intent runs without asking only when the router is confident, the wording says so
    plainly (a segmenting verb, no hedging such as "maybe" / "要不…试试") and nothing tries to steer the bot."""
    t = normalise(text)
    if confidence < CONFIDENT or HEDGED.search(t) or is_injection(t):
        return False
    if re.search(r"[?？]\s*$", t) and (intent == "segment" or not _asks_politely(t)):
        # a question, not a request: ask first. Re-segmenting replaces the segments every later answer builds on,
        # so even a polite question asks first ("能否将客户重新划分为6个客群？"); undoing is itself the way back and
        # runs on a polite request, wherever it stands ("Hmm, I prefer the old groups. Could you please go back?")
        return False
    if intent == "segment":   # a bare word ("groups", "分群") names the topic, it does not ask for anything
        bare = len(t.split()) < 2 and len(re.sub(r"[^\u4e00-\u9fff]", "", t)) < 3
        return bool(EXPLICIT_SEGMENT.search(t)) and not bare
    return True


__all__ = ["BULK_IDS", "CONFIDENT", "EXPLICIT_SEGMENT", "HEDGED", "INJECTION", "LEAD_YES", "LETS_GO_OF_CURRENT", "NO",
           "PROPOSAL", "REFUSAL", "UNDO_VERB", "YES", "is_explicit_request", "is_injection", "refuses"]
