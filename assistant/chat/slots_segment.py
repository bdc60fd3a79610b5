"""Which segment(s) a message means: a number ("segment 2", "第3组"), every segment ("each of the groups",
"所有的分群"), or a name / description phrase kept as typed ("the night owl crowd" → "night owl",
"夜猫子用户这群人" → "夜猫子用户", "which group has the highest churn risk" → "highest churn risk"), and the two
names of a comparison ("学生党跟上班族比" → [学生党, 上班族]).

Names are found by grammar (the words after "for/to/describe/给/针对…", before "segment/客群…", the object of
"show/offer…", a people noun after "the") and cleaned by vocabularies: group words, pronouns, the data, everyone
taken together, rankings, metrics, offers and occasions are not names. A phrase is resolved to a segment later by
`assistant.api.segment_lookup`.
"""
from __future__ import annotations

import re

from assistant.chat.slots_copy import extract_explicit_language, extract_length, extract_offer
from assistant.chat.slots_metrics import extract_metrics
from assistant.chat.slots_numbers import CJK, EN_NUM_WORDS, EN_ORDINALS, NUM, ZH_NUM_CHARS, first_number, parse_number
from assistant.chat.slots_spoken import ZH_RELAYED, written
from assistant.core.text import normalise
from assistant.core.vocabulary import channel_of

_SEG_WORDS_EN = r"(?:segment|seg|group|grp|cluster|persona|cohort|tier|bucket)s?"
_SEG_WORDS_ZH = r"(?:细分|分群|客群|人群|群组|群体|簇|组|类|群|段)"
_ORDINAL_WORDS = "|".join(EN_ORDINALS)

SEGMENT_NUMBER_PATTERNS = [
    # "persona one-pagers", "all the segments one by one": no number
    re.compile(rf"\b{_SEG_WORDS_EN}\s*(?:#|no\.?|number|num|id)?\s*:?\s*({NUM})(?![\d%]|-|\s+by\s+one\b)"),
    re.compile(rf"\b(?:the\s+)?({_ORDINAL_WORDS}|\d+(?:st|nd|rd|th))\s+{_SEG_WORDS_EN}\b"),
    re.compile(rf"第\s*({NUM})\s*(?:个)?\s*{_SEG_WORDS_ZH}"),
    re.compile(rf"({NUM})\s*号\s*{_SEG_WORDS_ZH}"),
    # "群一个人平均花多少": a count after the group word ("一个人", "两单") is not the group's number
    re.compile(rf"(?:细分|分群|客群|群组|簇|组|群|segment)\s*(?:#|号|编号)?\s*({NUM})(?![\d%折]|共|起|直|定|样|般)"
               rf"(?!\s*(?:个人|个|位|人|名|次|天|周|月|年|单|笔|件|款|块|元|组|群))"),     # "一组一组": one by one
]


def extract_segment_number(text: str) -> int | None:
    """'segment two' → 2, 'group #3' → 3, 'the 2nd cluster' → 2, '第3组' → 3, '第三个细分' → 3, '2号群' → 2."""
    return first_number(SEGMENT_NUMBER_PATTERNS, text)


# Words that end an English name phrase ("for young families WITH 15% off").
_EN_BOUNDARY = (r"with|using|via|by|over|through|offering|offer|on|in|including|featuring|mentioning|that|who|"
                r"which|and|about|to|from|at|next|this|giving|plus|so|because|please|based|as|into|for|like|"
                r"highlighting|promoting|announcing|telling|before|after|during|ahead|focusing|around|buy|want|wants|need|needs|"
                r"prefer|look|like|are|is|do|does|vs|versus|against|compared|than|overall|instead|too|also|again|"
                r"thinks?|thought|says?|said|feels?|felt|believes?|reckons?|told|sry|soz|srry|sorry|"    # "the cfo thinks it's different"
                r"reads?|speaks?|understands?|"             # "our regulars speak mandarin, so …": who, then a clause
                r"roughly|approx|approximately|how|what|got|can|"    # "the bto couples roughly how much ah"
                r"w|pls|plz|thx|thanks|tho|asap|btw|tbh|rn|obv|obvs|lol|imo|fyi|idk|ngl|abt|re")
_EN_STOP_LEAD = {"the", "our", "my", "a", "an", "this", "that", "those", "these", "for", "to", "about", "of",
                 "is", "are", "who", "what", "describe", "me", "tell", "in", "on", "with", "at", "profile",
                 "explain", "summarize", "summarise", "show", "give", "write", "recommend", "suggest", "sell",
                 "target", "targeting", "plan", "campaign", "copy", "email", "sms", "push", "wechat", "message",
                 "post", "text", "notification", "ad", "an", "and", "which", "whats", "what's", "how", "do",
                 "does", "best", "products", "marketing", "plan", "every", "each", "all", "items", "offer", "offers", "promo", "promotion", "strategy",
                 "look", "like", "characterize", "characterise", "analyse", "analyze", "persona", "personas",
                 "some", "any", "you", "could", "can", "would", "generate", "create", "make", "build", "produce"}
_NOT_A_SEGMENT = {"them", "us", "me", "it", "him", "her", "you", "mind", "my mind", "everyone", "everybody", "all", "each",
                  "every", "all segments", "all customers", "every segment", "each segment", "all groups",
                  "customers", "segment", "segments", "everyone else", "the segment", "that segment",
                  "this segment", "it", "first one", "second one", "the first one", "the second one", "former",
                  "latter", "first", "second", "last", "next month", "next week", "today", "tomorrow", "this week",
                  "english", "chinese", "english version", "chinese version", "channel", "offer", "discount",
                  "length", "language", "tone", "format", "subject", "subject line", "cta", "copy", "same", "same thing",
                  "actually",
                  }
# The people a marketer answers to or works with, not customers: "the cfo thinks …", "for the sh team"
_ROLES_EN = {"boss", "cfo", "ceo", "cmo", "coo", "cto", "vp", "manager", "director", "founder", "team", "agency",
             "board", "lead", "head", "colleague", "colleagues", "office", "department", "dept"}
_TIME_LEAD = {"next", "last", "this", "tomorrow", "today", "tonight", "christmas", "black", "the weekend",
              "weekend", "summer", "winter", "holiday", "holidays", "spring", "autumn", "fall", "monday",
              "friday", "saturday", "sunday", "new", "cyber", "double", "singles", "618", "11.11", "double11"}
_TIME_NOUNS_EN = {"week", "weeks", "month", "months", "year", "years", "day", "days", "quarter", "quarters", "date",
                  "now", "time", "today", "weekday", "weekdays", "night", "morning", "evening"}
_SEASONS = {"spring", "summer", "winter", "autumn", "fall", "christmas", "easter", "halloween", "holiday", "holidays"}
_EN_VERBS = {"promote", "push", "feature", "sell", "show", "send", "offer", "recommend", "market", "advertise", "pitch",
             "reach", "buy", "write", "plan", "draft", "check", "see", "spot", "track", "measure", "understand", "verify",
             "confirm", "find", "gauge", "judge", "test", "go", "match", "accompany", "pair", "fit", "spotlight", "highlight"}
#              "to check for seasonality", "the copy to go with that plan": a purpose, no name
_WITH_PEOPLE = {"kids", "children", "child", "babies", "baby", "toddlers", "teens", "teenagers", "pets", "dogs", "cats",
                "families", "infants"}          # "families with kids": part of the name, not an offer's "with"
_EN_TRAILING_VERBS = {"spend", "spends", "buy", "buys", "shop", "shops", "purchase", "purchases", "prefer", "prefers",
                      "respond", "order", "orders", "reorder", "reorders", "return", "returns", "visit", "visits",
                      "come", "comes", "churn", "churns", "open", "opens", "click", "clicks", "redeem", "redeems"}
_ARTICLES_EN = {"the", "our", "my", "those", "these", "your"}
_CLAUSE_OPENERS_EN = {"when", "whenever", "where", "wherever", "if", "once", "while", "whether", "because", "since",
                      "until", "unless"}
_TEXT_UNITS_EN = {"sentence", "sentences", "line", "lines", "word", "words", "characters", "chars", "paragraph",
                  "paragraphs", "bullets", "points", "emojis"}
_OCCASION_NOUNS = {"sale", "sales", "promo", "promotion", "event", "launch", "drop", "campaign", "season", "offer"}
_EN_ADVERBS = {"usually", "typically", "generally", "normally", "mostly", "really", "actually", "often", "always",
               "ever", "still", "also", "tend", "tends", "currently", "recently", "regularly", "frequently", "even",
               "already", "just", "only", "better", "more", "most", "best", "less", "least", "overall", "then",
               "specifically", "particularly", "especially", "exclusively"}
_TIME_FIRST = {"next", "last", "this", "tomorrow", "today", "tonight", "every", "each", "all"}
# Words that make a phrase something other than a group of customers: pronouns (resolved from the conversation
# instead), the data itself ("in the dataset"), and everyone taken together ("the average customer", "overall").
_PRONOUNS_EN = {"they", "them", "their", "those", "these", "we", "us", "our", "you", "it", "he", "she", "him", "her",
                "everyone", "everybody", "anyone", "anybody", "someone", "somebody", "people", "folks"}
# A bare people noun names nobody in particular ("these shoppers" points back; "how many buyers" counts everyone)
_GENERIC_PEOPLE_EN = {"customers", "customer", "shoppers", "shopper", "buyers", "buyer", "users", "user", "households",
                      "household", "clients", "client", "members", "member", "consumers", "consumer", "guys", "ones",
                      "families", "family", "accounts", "lot", "crowd", "bunch", "group", "groups", "subscribers",
                      "subscriber", "followers", "fans", "patrons", "guests", "visitors", "readers"}
# ... and the business itself: "in my shop", "worth to our store" name where, not who
_DATA_WORDS_EN = {"data", "dataset", "datasets", "database", "system", "records", "table", "tables", "file", "files",
                  "shop", "store", "business", "company", "brand", "website", "site", "webshop", "app",
                  "catalog", "catalogue", "overall", "total", "totals", "whole", "entire", "everything", "base",
                  "sample", "numbers", "figures", "history", "shelf", "shelves", "till", "checkout", "register", "counter",
                  "mobile", "desktop", "phone", "phones", "tablet", "list", "lifetime",          # "too long for mobile": a device
                  # ... and the document the answer goes into ("that's what the template wants", "for the agency brief")
                  "template", "templates", "slide", "slides", "deck", "brief", "spreadsheet", "sheet", "dashboard",
                  # ... or the ticket it is tracked in ("a profile for the appendix", "quick one for the PRD")
                  "appendix", "prd", "doc", "docs", "document", "ticket", "story", "epic", "sprint", "backlog", "memo",
                  "wiki", "jira", "board"}
_EVERYONE_FIRST_EN = {"average", "typical", "mean", "median", "normal", "usual", "ordinary", "overall", "total",
                      "whole", "entire", "general", "any", "some", "one", "single", "individual", "many", "much",
                      "few", "more", "less"}
_RANKING_FIRST_EN = {"most", "least", "top", "bottom", "highest", "lowest"}  # "most popular": a ranking, unless a
#                                                                            noun of people follows ("top spenders")
# Collective nouns after a name: "the night owl crowd" → "night owl"; kept when the rest names no people
# ("the weekend crowd": "weekend" is a time), and "people"/"folks" stay after one adjective ("young people").
_COLLECTIVE_EN = {"crowd", "folks", "folk", "bunch", "lot", "gang", "types", "type", "sorts", "sort", "kind", "kinds",
                  "set", "people", "guys", "brigade", "contingent", "camp", "squad", "tribe", "clan", "cohort"}
# Ages and generations keep their digits in a name: "the over-60s", "under-25s", "18-24 year olds", "95后", "00后",
# "30岁以上"
_AGES = re.compile(r"\b(?:over|under|aged|age)[- ]?\d+s?\b|\b\d+s\b|\b\d+\s*(?:-|to)\s*\d+\s*(?:year[- ]olds?|yos?)\b|"
                   r"\d{2}后|\d+\s*岁(?:以上|以下|左右)?|\d+\s*(?:-|到|至)\s*\d+\s*岁")
_SEG_TRAIL_EN = re.compile(rf"\s+{_SEG_WORDS_EN}$")
# Verbs whose first object is who receives ("show the young families", "offer the pet owners"); the phrase after
# them is a segment only when it names people (products, offers and copy are rejected by _clean_en_phrase).
_GIVING_VERBS = (r"show|shows|offer|pitch|sell|send|give|recommend|suggest|feature|email|e-mail|text|mail|push|"
                 r"promote|market|advertise|serve|gift|target|message|ping|notify|tempt|entice|nudge")
_PHRASE = r"(?P<name>[a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){0,4})"

# "for X", "to X", "at X" open a name as often as a purpose or a time ("for the board narrative", "to size the
# opportunity properly", "at this point"): after them a phrase counts only when it could name people.
_FOR_NAME = re.compile(rf"\b(?:for|targeting|target|towards|aimed at)\s+(?:(?:the|our|my|all)\s+)?{_PHRASE}")
# "it has to fit …", "we need to win …": "to" after a modal opens a verb, never a name
_TO_OR_AT_NAME = re.compile(
    rf"\b(?:(?<!\bhas )(?<!\bhave )(?<!\bneed )(?<!\bneeds )(?<!\bwant )(?<!\bwants )(?<!\bgot )(?<!\bable )(?<!\bought )"
    rf"(?<!\bgoing )to|at)\s+(?!(?:promote|push|feature|sell|show|send|offer|recommend|market|reach|buy)\b)"
    rf"(?:(?:the|our|my|all)\s+)?{_PHRASE}")

_TOPIC_FIRST = re.compile(rf"^(?:(?:the|our|my)\s+)?(?P<name>[a-z][\w'&-]*(?:\s+[a-z0-9][\w'&-]*){{0,4}})\s*:")
# ... or before a question, when it ends in a people noun: "sale chasers what to recommend ah" (not "boss asking how")
_TOPIC_THEN_QUESTION = re.compile(rf"^(?:(?:the|our|my)\s+)?(?P<name>[a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){{0,3}}?)"
                                  rf"\s+(?=(?:what|which|how|who)\b)")
_AFTER_A_DASH = re.compile(rf"\s[-–—]\s+(?:(?:the|our|my)\s+)?{_PHRASE}")
_SUBJECT_FIRST = re.compile(rf"^(?:(?:the|our|my)\s+)?(?P<name>[a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){{0,3}}?)\s+"
                            rf"(?:contribute|bring|account for|make up|drive|spend|buy|shop|order|come|usually|always|never)\b")
_ON_NAME = re.compile(rf"\bon\s+(?:the|our|my)\s+{_PHRASE}")        # "purchase freq on the whales?", not "on the books"
# "write the grey nomads a newsletter": a verb of writing with two objects, who first
_WRITE_WHO_A_THING = re.compile(rf"\b(?:write|draft|do|make|whip up)\s+(?:the|our|my|those|these)\s+"
                                rf"(?P<name>[a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){{0,3}}?)\s+(?:a|an|some)\s")

_EN_NAME_PATTERNS = [
    # "the segment called Premium Foodies" — a name given outright
    re.compile(rf"\b{_SEG_WORDS_EN}\s+(?:called|named|labell?ed|known as)\s+['\"]?{_PHRASE}"),
    # "... the young families segment ..." — the words right before a segment word
    re.compile(rf"(?P<name>(?:[a-z][\w'&-]*\s+){{1,4}}){_SEG_WORDS_EN}\b"),
    re.compile(rf"\bwho\s+(?:exactly\s+|really\s+)?(?:are|is)\s+(?:(?:the|our|my|these|those)\s+)?{_PHRASE}"),
    re.compile(rf"\b(?:would|will|do|does|did|might|could|should)\s+(?:(?:the|our|my)\s+)?{_PHRASE}\s+(?:respond|like|"
               rf"love|buy|want|prefer|enjoy|click|react|need|care|contribute|bring|account|generate|spend|reorder|order|shop|"
               rf"purchase|return|come|visit|churn|open|redeem)\b"),
    re.compile(rf"\bwhat\s+(?:do|does|are|is)\s+(?:(?:the|our|my)\s+)?{_PHRASE}\s+(?:buy|buying|like|want|"
               rf"prefer|look|purchase|into|about|shop|worth|spend|value|care)\b"),
    re.compile(rf"\b(?:describes?|profiles?|explains?|summari[sz]es?|characteri[sz]es?|tell me about|tell me more about|"
               rf"more about|analy[sz]e|(?:lowdown|low-down|rundown|run-down|overview|summary|picture|portrait|profile|"
               rf"persona|breakdown|snapshot|details?|info|information|insights?|intel|read|take)s?\s+(?:on|of|about|for))"
               rf"\s+(?:(?:the|our|my)\s+)?{_PHRASE}"),
    _FOR_NAME,
    _TO_OR_AT_NAME,
    re.compile(rf"\b(?:of|among|in|from)\s+(?:the|our|my)\s+{_PHRASE}"),
    # a follow-up that only names a segment: "and the students?", "what about our night owls", "same for the X"
    re.compile(rf"^(?:and|or|but|now|then|ok|okay|so)?[\s,]*(?:(?:how|what)\s+about|same(?:\s+thing)?\s+for|"
               rf"likewise\s+for|ditto\s+for|for|now)?\s*(?:the|our|my|those|these)\s+{_PHRASE}\s*[?.!]*$"),
    # a topic said first: "moms with toddlers: what do they buy?"; "Revenue share - lapsing ones": after a dash
    _TOPIC_FIRST,
    _TOPIC_THEN_QUESTION,
    _AFTER_A_DASH,
    # who, then what they do: "atas customers contribute how many percent of our revenue"
    _SUBJECT_FIRST,
    # "which items would land with the new signups?"
    re.compile(rf"\b(?:land|resonate|click|connect|go down well|appeal)\s+(?:with|to)\s+(?:the|our|my)\s+{_PHRASE}"),
    # a verb with two objects: "which products should we show the young families?", "what can we offer the X"
    re.compile(rf"\b(?:{_GIVING_VERBS})\s+(?:the|our|my|those|these)\s+{_PHRASE}"),
    _WRITE_WHO_A_THING,
    # shorthand: "winback email -> lapsed whales", "one-time buyers -> sms w/ 30% off", "target = promo junkies"
    re.compile(rf"(?:->|→|=>|\btarget\s*[=:])\s*(?:(?:the|our|my)\s+)?{_PHRASE}"),
    re.compile(rf"^(?:(?:the|our|my)\s+)?(?P<name>[a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){{0,3}})\s*(?:->|→|=>)"),
    _ON_NAME,
]


def _clean_en_phrase(phrase: str, from_right: bool = False) -> str | None:
    """Trim a candidate name phrase. Left-anchored ('for X with ...'): cut at the first boundary word.
    Right-anchored ('... X segment'): keep the words after the last boundary or stop word."""
    words = phrase.strip().split()
    if re.search(r"\b(?:sale|promo|promotion|event|launch|season|campaign)s?$", phrase.strip()):
        return None   # "for a back to school promo": an occasion, even when a boundary word sits inside it
    if from_right:
        if words and re.fullmatch(rf"\d+|{EN_NUM_WORDS}", words[-1]):
            return None       # "whether six segments would fit better": a count of segments, not a name
        cut = [i for i, w in enumerate(words) if re.fullmatch(_EN_BOUNDARY, w) or w in _EN_STOP_LEAD]
        if cut and words[cut[-1]] in ("a", "an"):
            return None       # "the business case for a loyalty tier": a tier to be made, not one that exists
        words = words[cut[-1] + 1:] if cut else words
    else:
        article = next((i for i, w in enumerate(words) if i > 0 and w in _ARTICLES_EN), None)
        if article is not None and not any(re.fullmatch(_EN_BOUNDARY, w) for w in words[:article]):
            words = words[article + 1:]       # "win back the lapsed regulars": a verb phrase, then its object
    for i, w in enumerate(words):
        if w == "and" and 0 < i < len(words) - 2 and not _is_people_noun(words[i - 1]) and \
                _is_people_noun(words[i + 2]) and words[i + 1] not in _ARTICLES_EN:
            continue              # "the organic and fresh lovers": two adjectives of one people noun
        if i > 0 and w in _EN_ADVERBS and not (i + 1 < len(words) and _is_people_noun(words[i + 1])):
            # "the wine lovers typically spend" → "wine lovers"; "my best customers" / "most loyal buyers" stay
            words = words[:i]
            break
        if i > 0 and re.fullmatch(_EN_BOUNDARY, w) and not (w == "with" and _WITH_PEOPLE & set(words[i + 1:i + 3])) and \
                not (w == "at" and i + 1 < len(words) and words[i + 1] == "risk"):   # "households at risk of …"
            words = words[:i]
            break
        if i > 0 and w in _EN_TRAILING_VERBS:       # "how much do the deal hunters spend" → "deal hunters"
            words = words[:i]
            break
        if i > 0 and len(w) > 5 and w.endswith("ing") and (_is_people_noun(words[i - 1]) or words[i - 1] in
                                                           _GENERIC_PEOPLE_EN or words[i - 1] in _OCCASION_NOUNS):
            words = words[:i]     # "the senior shoppers informing them of …", "our sale starting on …": a clause
            break
    if words and words[0] in _EN_VERBS:
        return None           # "to promote to the health nuts": the verb's object comes in a later match
    if words and words[0] in _CLAUSE_OPENERS_EN:
        return None           # "add up to when people check out": a clause of time, no group
    while words and words[0] in _EN_STOP_LEAD and not (words[0] == "best" and len(words) > 1 and
                                                      words[1] in ("customers", "shoppers", "buyers", "clients")) \
            and not (words[0] in _OCCASION_NOUNS | {"promo", "deal", "coupon", "discount"} and len(words) == 2 and
                     _is_people_noun(words[1])):         # "the promo junkies", "deal hunters": people named by it
        words = words[1:]
    phrase = _SEG_TRAIL_EN.sub("", " ".join(words)).strip(" -'")
    phrase = re.sub(r"\s+ones?$", "", phrase)
    phrase = _without_collective_noun(phrase)
    if not phrase or phrase in _NOT_A_SEGMENT or phrase in _TIME_LEAD or phrase.split()[0] in _TIME_FIRST:
        return None
    if phrase.split()[-1] in ("you", "me", "us", "him", "her", "it", "them") or phrase.split()[-1] in _ROLES_EN:
        return None           # "sorry to bother you", "to help me": a verb and its object, no group
    if not _names_people_en(phrase) or set(phrase.split()) <= _TIME_NOUNS_EN or phrase.split()[-1] in _TEXT_UNITS_EN:
        return None           # "cut it to two sentences": a length, not who
    last = phrase.split()[-1]
    people = _is_people_noun(last) or last in _GENERIC_PEOPLE_EN      # "the holiday shoppers" are people
    if not people and re.search(r"(?:ity|ness|tion|sion|ment|ism)$", last):
        return None   # "look at seasonality", "for retention": an abstract noun names no group
    if not people and (phrase.split()[0] in _SEASONS or phrase.split()[0] in _TIME_LEAD or re.search(
            r"\b(?:sale|sales|promotion|promo|event|season|holiday|launch|weekend|day|drop|release|call|meeting|"
            r"review|deck|presentation|standup|sync|report|workshop|teaser|newsletter|blast|announcement|reminder|"
            r"countdown|preview|restock|qbr|board|all-hands|offsite|"
            # what is written or reported, not who: "for a letter to their email", "for a headline number"
            r"letter|note|blurb|caption|wording|headline|number|figure|count|stat|stats|metric|kpi|"
            r"incentive|perk|benefit|deal|discount|voucher|coupon)$", phrase) or re.match(r"(?:pre|post)-", phrase)):
        return None   # "the spring sale", "the black friday drop", "the monday call": an occasion, not a segment
    ageless = _AGES.sub(" ", phrase)                 # "the over-60s", "the under-25s": a number inside an age
    if channel_of(phrase) or re.search(r"\d|campaign|product|item|household(?!s\b)|user(?!s\b)|customer \d|\b(?:sales|revenue|"
                                       r"turnover|income|total)\b", ageless):
        return None
    return phrase


def _names_people_en(phrase: str) -> bool:
    """False for phrases that name no group: pronouns, the data, everyone taken together, a bare ranking."""
    words = phrase.split()
    if not words or phrase in _PRONOUNS_EN or phrase in _GENERIC_PEOPLE_EN or words[0] in _PRONOUNS_EN - {"people"} or set(words) & _DATA_WORDS_EN or words[0] in _EVERYONE_FIRST_EN:
        return False
    if words[0] in _RANKING_FIRST_EN and (len(words) == 1 or len(words) == 2 and not words[1].endswith("s")):
        return False
    if extract_metrics(phrase) and not (_is_people_noun(words[-1]) or words[-1] in _GENERIC_PEOPLE_EN):
        # "frequent flyers" and "the weekly big-shop households" are people
        return False
    return extract_length(phrase) is None and extract_explicit_language(phrase) is None


def _without_collective_noun(phrase: str) -> str:
    """'night owl crowd' → 'night owl'; 'weekend crowd', 'organic produce crowd' and 'young people' stay whole."""
    words = phrase.split()
    if len(words) < 2 or words[-1] not in _COLLECTIVE_EN:
        return phrase
    rest = words[:-1]
    if words[-1] in ("people", "folks", "folk") and (len(rest) == 1 and not rest[0].endswith("s") or
                                                      not (_is_people_noun(rest[-1]) or _is_people_noun(rest[-1] + "s"))):
        return phrase        # "young people", "the big basket people": the rest names no people on its own
    if rest[0] in _TIME_LEAD or rest[0] in _SEASONS or " ".join(rest) in _NOT_A_SEGMENT:
        return phrase
    if words[-1] in ("crowd", "bunch", "lot", "set") and not (_is_people_noun(rest[-1]) or
                                                               _is_people_noun(rest[-1] + "s")):
        return phrase        # "the organic produce crowd", "the weekday lunch crowd": the rest names a thing
    return " ".join(rest)


_ZH_STOP = r"(?:的(?:短信|邮件|推送|文案|微信|方案|活动|营销|推文|广告|海报|内容|消息|通知|计划|策略)|看(?=\s|$|，|。)|专属|专享|定制|写|推荐|选|挑|找|配|主推|推什么|推哪|推点|推些|推几|推个|发|设计|策划|做|制定|推送|准备|生成|创作|撰写|出|规划|安排|弄|整(?!体|理|个店)|来(?=一|个|条|份|版|封|篇|点)|想|搞|营销|卖|的营销|用(?!户)|应该|怎么|如何|适合|可以|需要|要|能|，|,|。|？|\?|！|$)"
_ZH_NAME = r"(?P<name>[^\s，。,.!?！？、:：]{2,12}?)"
# A group word after a name: "夜猫子用户这群人", "宝妈那帮人", "健身爱好者这一类人", "学生党这个群体", "老年用户们".
# A bare 人 only counts after a demonstrative (老年人 is a name); 们 only at the very end.
_ZH_DEMONSTRATIVE = r"(?:这|那)(?:一)?(?:个|类|群|些|帮|批|部分|种|伙|拨|样的)?"
_ZH_GROUP_NOUN = r"(?:人群|群体|客群|用户群|客户群|细分|分群|群|组)"
_ZH_SIDE = r"(?:那边|这边|那块|这块|那里|这里|方面|里面|里头|当中|之中|里)"          # "养宠人士那边呢"
_ZH_GROUP_TAIL = rf"(?:{_ZH_DEMONSTRATIVE}\s*(?:{_ZH_GROUP_NOUN}|人|客户|用户|顾客)?|{_ZH_GROUP_NOUN}|{_ZH_SIDE})?们?"
_ZH_GROUP_TAIL_END = re.compile(rf"(?:{_ZH_SIDE}|一个人|一人|每个人|每人|每位|一位|单人|{_ZH_DEMONSTRATIVE}\s*(?:{_ZH_GROUP_NOUN}|人|客户|用户|顾客)?|{_ZH_GROUP_NOUN}|们)$")
# The words a Chinese name of people ends in ("银发会员", "宝妈", "学生党", "周末囤货家庭")
# A "those who …" name: a verb of shopping or living, up to three characters, then 的 ("下班顺路买菜的")
_ZH_DOER_VERB = r"(?:买|来|逛|用(?!户)|吃|喝|玩|囤|养|带|薅|抢|蹲)"
_ZH_PEOPLE_NOUN = (r"(?:客户|顾客|客人|用户|会员|家庭|人群|群体|客群|人士|族|党|妈|爸|者|户|们|(?<!客)客|主顾|打工人|娃(?!娃)|"
                   r"(?<=[妈爸党族友粉货])团(?!购|长)|"          # "宝妈团", "吃货团": a people noun's club
                   rf"{_ZH_DOER_VERB}[^\s，。,.!?！？、的]{{0,3}}的)")
# ... said whole, ending in its 的 ("不怎么来的", "下班顺路买菜的")
_ZH_DOER_NAME = re.compile(rf"{_ZH_DOER_VERB}\S{{0,3}}的$")
# ... read without its 的 ("…顺路买菜"), when nothing else ends it as a people noun would
_ZH_DOER = re.compile(rf"{_ZH_DOER_VERB}[^\s，。,.!?！？、的]{{0,3}}(?<![户员客族党妈爸者们庭群士])$")
# What may sit between such a name and its verb (an occasion: "重阳节"), never more people ("很久没来的|老会员")
_ZH_GAP = rf"(?:会员日|会员节|会员周|(?!{_ZH_PEOPLE_NOUN})[^\s，。,.!?！？、]){{0,6}}?"
# Adverbs and modals between a name and its verb: "精致白领们会喜欢什么", "宝妈一般都爱买什么"
_ZH_ADVERBS = r"(?:会|都|更|最|比较|一般|通常|可能|大多|主要|平时|平常|经常|常常|往往|还|也|最常|常)*"
_ZH_NAME_PATTERNS = [
    # 给 before a doubled verb is "for me" left out ("给唠唠", "给瞅瞅"), no receiver
    re.compile(rf"(?:给(?!我|(?P<verb>[\u4e00-\u9fff])(?P=verb))|为(?!我|了)|向|对|针对|面向|推荐给|发给|卖给|投放给|投给|对于|关于|帮(?!我|忙|助)){_ZH_NAME}{_ZH_GROUP_TAIL}\s*{_ZH_ADVERBS}\s*{_ZH_STOP}"),
    re.compile(rf"(?:介绍一下|介绍下|介绍|描述一下|描述下|描述|说说|讲讲|聊聊|谈谈|说一说|讲一讲|聊一聊|谈一谈|讲一下|说一下|"
               rf"分析一下|分析下|分析|解释一下|画像一下|了解一下|了解下|了解|想知道|知道|认识一下|认识|看一下|看看|剖析一下|剖析)"
               rf"{_ZH_NAME}{_ZH_GROUP_TAIL}\s*(?:的[^\s，。,.!?！？的]{{0,4}}?(?:画像|特征|特点|特性|偏好|习惯|情况|构成|结构)|是谁|是怎样|"
               rf"是什么样|是哪些|是什么人|都是|$|，|。|？|\?)"),
    re.compile(rf"^{_ZH_NAME}{_ZH_GROUP_TAIL}\s*(?:都|主要|大多|一般|到底|究竟)?(?:是|算)(?:些|个)?(?:一群|一类|一些|一帮|哪些|哪类|什么|怎样|"
               rf"怎么样|啥|谁)"),
    re.compile(rf"^{_ZH_NAME}{_ZH_GROUP_TAIL}\s*(?:有什么|有哪些|有啥)[^\s，。,.!?！？、]{{0,4}}?的?(?:特点|特征|特性|习惯|偏好)"),
    re.compile(rf"^{_ZH_NAME}{_ZH_GROUP_TAIL}\s*{_ZH_ADVERBS}(?:(?:喜欢|爱|会|想|常)?(?:买|购买|要|用)(?:什么|啥|哪些)|喜欢(?:什么|啥)|的画像|"
               rf"的特征|的特点)"),
    # "写一段红酒爱好者专属的微信文案": a name said as the copy's owner
    re.compile(rf"(?:一段|一条|一封|一篇|一份|一个|段|条|封|篇|份|个){_ZH_NAME}{_ZH_GROUP_TAIL}(?:专属|专享|定制|专用)"),
    re.compile(rf"^{_ZH_NAME}{_ZH_GROUP_TAIL}\s*{_ZH_ADVERBS}(?:适合|应该|喜欢|会买|需要|想要|可能|"
               rf"爱买|偏好|想买|倾向|对)"),
    re.compile(rf"^(?:那|那么|还有)?{_ZH_NAME}{_ZH_GROUP_TAIL}\s*呢"),          # a follow-up: "宝妈群体呢？"
    # "学生党那边也来一份", "宝妈也要": a follow-up that asks the same for a name
    re.compile(rf"^(?:那|那么|还有)?{_ZH_NAME}{_ZH_GROUP_TAIL}\s*(?:(?:也|同样)(?:来|要|写|做|发|给|一样)|再(?:来|要|写|做|发|给))"),
    # a Chinese name in an English sentence: "write an email for 高价值客户"
    re.compile(r"(?:\bfor|\bto|\btargeting|\btarget|\baimed at|\babout|\bdescribe)\s*(?P<name>[\u4e00-\u9fff][^\s,.!?，。？！]{1,11})"),
    # "怎么才能留住红酒爱好者": verbs whose object is a group of customers
    re.compile(rf"(?:留住|挽回|召回|唤醒|激活|吸引|拉回|打动|触达|维系|争取|赢回|拉新|转化|留存){_ZH_NAME}{_ZH_GROUP_TAIL}"
               rf"\s*(?:$|？|\?|的|呢|，|,|。|！)"),
    # "同样的看一下流失客户", "也查查新客": a follow-up that names the segment after a looking verb
    re.compile(rf"^(?:那|同样的?|一样的?|也|再)?\s*(?:也)?(?:看一下|看看|看|查一下|查查|查|换成|换为|改成|改为|换|轮到)\s*{_ZH_NAME}"
               rf"{_ZH_GROUP_TAIL}"
               rf"\s*(?:的|呢|吧|$)"),
    # "出一个沉睡用户的唤醒方案": a plan made for a name (its purpose word sits between 的 and the plan)
    re.compile(rf"(?:出|做|写|定|制定|来|要)(?:一个|一份|一套|个|份|套)?{_ZH_NAME}{_ZH_GROUP_TAIL}的[^\s，。,.!?！？的]{{0,4}}?"
               rf"(?:方案|计划|活动|策略|打法)"),
    # a name opening the message, then a side / group word and what to make: "沉默会员那边写条短信", "宝妈群发个推送"
    re.compile(rf"^{_ZH_NAME}(?:{_ZH_SIDE}|{_ZH_DEMONSTRATIVE}\s*(?:{_ZH_GROUP_NOUN}|人|客户|用户|顾客)?|{_ZH_GROUP_NOUN})"
               rf"\s*(?:也|再|就)?(?:写|发|做|出|来|整|搞|弄|策划|制定|推荐|推)"),
    # a name ending in a people noun opens the message, then what to make or how to run it: "新开卡会员出一封欢迎邮件",
    # "银发会员重阳节怎么做活动比较好" (an occasion may sit between)
    re.compile(rf"^(?P<name>[^\s，。,.!?！？、]{{1,12}}?{_ZH_PEOPLE_NOUN})\s*(?:"
               rf"{_ZH_GAP}(?:也|再|就)?(?:写|发|做|出|整|来|搞|弄|安排)(?:一)?(?:封|条|篇|个|份|版|套)|"
               rf"{_ZH_GAP}(?:怎么|如何)(?:做|搞|办|推|营销|弄|运营|促活|召回|激活|唤醒|留住|把|让|才能)|"
               rf"{_ZH_GAP}(?:该|应该|要)?(?:主推|推荐|推|种草)(?:点|些)?(?:啥|什么|哪))"),
    # a name, then what to do for "them": "很久没来的客人 给他们发信息", "学生娃快开学了 给他们整条推送" (a short remark
    # may follow the name), "好久没来的客户,写封邮件把他们叫回来"
    re.compile(rf"^(?P<name>[^\s，。,.!?！？、]{{1,12}}{_ZH_PEOPLE_NOUN}|[^\s，。,.!?！？、]{{2,8}}(?=[，,\s]))"
               rf"[^\s，,。]{{0,6}}[，,\s]\s*[^，,。]{{0,8}}?"
               rf"(?:给|跟|对|帮|向|把|让)(?:他们|她们|这些人|这帮人)"),
    # a name opening the sentence with a demonstrative group word: "学生党这个群体推荐点什么产品好"
    re.compile(rf"^{_ZH_NAME}{_ZH_DEMONSTRATIVE}\s*(?:{_ZH_GROUP_NOUN}|人|客户|用户|顾客)"),
    # last: a message that opens with a name ending in a people noun, whatever follows ("高客单用户短信，包邮",
    # "沉睡用户什么特征", "囤货家庭GMV占比多少", "沉睡用户拉活"); the cleaner still rejects everyone and rankings
    # (no 的 inside: "下过单的用户一共多少人" is everyone who ordered; not before a count or a record of people:
    # "会员总数", "客户画像卡片")
    re.compile(r"^(?P<name>[^\s，。,.!?！？、的]{1,10}?(?:客户|顾客|用户|会员|家庭|人群|客群|人士|族|党|大户|女|男|妈|爸|者|粉))"
               r"(?![群们员户庭士族党总数量画信名列编])"),
]
_LATIN_NAME_IN_ZH = re.compile(rf"(?:给|为|向|对|针对|面向|介绍一下|介绍|描述)\s*(?P<name>[a-z][a-z'&-]*(?:\s+[a-z][a-z'&-]*){{0,4}})\s*"
                               rf"(?:这个|这群)?(?:群体|客群|人群|分群)?\s*{_ZH_STOP}")
_ZH_NOT_A_SEGMENT = {"前者", "后者", "第一个", "第二个", "他们", "她们", "我们", "所有人", "大家", "所有客户", "每个群", "每个细分", "所有细分", "全部客户",
                     "全部", "所有", "客户", "用户", "下个月", "下周", "这个月", "谁", "英文", "中文", "英语", "中文版",
                     "英文版", "短一点", "长一点", "这群人", "这些人", "那群人", "那些人", "这类人", "这帮人", "这部分人",
                     "这批人", "这些客户", "这群客户", "这部分客户", "这类客户", "会员", "顾客", "家庭", "买家",
                     "消费者", "前面", "后面", "前面那个", "后面那个", "前一个", "后一个", "一共", "总共", "总计", "目前", "现在", "平台", "店里", "店铺", "公司",
                     "就是", "那个", "这个", "同样", "一样", "同样的", "一样的", "可以", "能不能", "能否",
                     # who reads a translation, not a segment: "老外那边也要看 给我翻成英文"
                     "老外", "外国人", "外国团员", "外国朋友",
                     # English work nouns in a Chinese sentence ("沉睡用户出个召回plan"): what is made, not who
                     "plan", "copy", "list", "sku", "skus", "edm", "kpi", "roi", "gmv", "campaign", "report", "deck",
                     "banner", "ppt", "excel", "brief"}


# "每个月", "按周", "上个月", "最近三个月", "今年": when something happened, never who (a segment name)
_ZH_TIME = re.compile(rf"(?:按|每|每个|每一|这个|上个|下个|本|上|下|今|去|明|最近|近|过去)?\s*(?:{NUM})?\s*(?:个)?\s*"
                      r"(?:天|日|周|星期|礼拜|月|月份|季度|季|年|年度)(?:度|内|里|以来)?")


# Chinese phrases that name no group: everyone / the data / us, and rankings unless a people noun ends them
# ("最受欢迎" is a ranking, "最忠诚的客户" a group).
_ZH_EVERYONE = re.compile(r"(?:整体|总体|全体|全量|整个|全部|所有|平均|一般|普通|典型|数据|系统|表里|我们|咱们|店里|店铺|门店|本店|平台|"
                          r"咱|总共|一共|总|全店|全站|大盘|独立站|官网|商城|网店|旗舰店|小程序)")
_ZH_OCCASION = re.compile(r"双十一|双11|双十二|双12|618|春节|中秋|国庆|圣诞|元旦|情人节|周年庆|黑五|大促|年货节|开学季|七夕|端午|"
                          r"元宵|新年|假期|节日|节假日|周末|促销季|换季|会员日")
_ZH_GENERIC_PEOPLE_START = re.compile(r"(?:客户|顾客|客人|用户|会员|买家|消费者|人们|大家|他们|她们|人)(?!群)")
_ZH_RANKING = re.compile(r"^最|^前\s*\d|前[一二两三四五六七八九十]|销量|排名|排行|榜")
_ZH_PEOPLE_END = re.compile(r"(?:客户|顾客|用户|会员|家庭|人群|群体|客群|人|族|党|们|妈|爸|者|户|(?<!客)客|主顾|(?<=.)女|"
                            r"(?<=[妈爸党族友粉货])团)$")


# Names of people that end in no people noun above ("精致白领", "铁粉", "铲屎官", "退休阿姨"), and descriptions that
# name a group on their own ("流失风险", "高净值", "沉睡", "价格敏感").
# (人, 客 and the rest of _ZH_PEOPLE_END are not repeated here)
_ZH_OTHER_PEOPLE = re.compile(r"(?:白领|蓝领|金领|阿姨|大叔|大爷|学生|宝宝|娃|粉丝|粉|官|友|员|控|迷|狗|少女|青年|"
                              r"老年|中年|一代|新手|达人|玩家|大佬|土豪|吃货|子|人士|主|\d{2}后|专家|师|生|民|侠|星)$|"
                              r"(?:流失|沉睡|沉默|休眠|风险|价值|净值|敏感|忠诚|活跃|潜力|高频|低频|高消费|低消费)$")


# "这批人", "那组客户" point back; so does what is left once a lead "那" is cut ("组客户的")
_ZH_POINTER_PHRASE = re.compile(r"(?:这|那|该|此)(?:一)?(?:批|些|群|帮|类|部分|个|位|组|拨|伙)?(?:人|客户|用户|顾客|会员)|"
                                r"(?:批|些|群|帮|类|部分|个|位|组|拨|伙)(?:人|客户|用户|顾客|会员)的?$")


def _clean_zh_phrase(phrase: str) -> str | None:
    phrase = re.sub(r"[^\w\s]+$", "", phrase)           # "发给薅羊毛的😂": an emoji ends the name
    phrase = re.sub(r"(?<=..)(?:唷|喔|哦|哟|呦|啦|嘛)+$", "", phrase)          # "…唷": a sentence particle
    if re.search(r"新到|新品|上架|到货", phrase):
        return None          # "介绍新到的有机蔬菜": what the copy is about, not who
    phrase = re.sub(r"^(?:说说|讲讲|聊聊|谈谈|说一说|讲一讲|聊一聊|谈一谈|看看|介绍一下|介绍下|介绍|描述一下|描述|分析一下|分析|告诉我|请问|那么|那|还有|看一下|看下|查一下|查下)", "",
                    phrase)
    phrase = re.sub(r"^(?:只看|只要|只算|单看|就看|光看|仅看)(?=..)", "", phrase)       # "只看社区宝妈呢": only that group
    phrase = re.sub(rf"(?<=..)(?:蛮|挺|很|超|特别|非常|有点)(?:好奇|感兴趣|想了解|想知道).*$", "", phrase)   # "小资女蛮好奇"
    phrase = ZH_RELAYED.sub("", phrase)                         # "(那)上头问退休阿姨…": who asked is no name
    phrase = re.sub(r"^(?:发给|写给|卖给|推荐给|推给|投放给|投给|给|为(?!了)|向|面向|针对|换成|改成|换为|改为)(?=..)", "", phrase)
    inner = re.split(r"针对|面向|对于", phrase)[-1]          # "开学季针对学生用户": an occasion, then who
    phrase = inner if len(inner) >= 2 else phrase
    if re.match(r"(?:请|烦请|麻烦|能否|可否|劳驾|为了|作为|基于)|(?:先|再)?(?:拉齐|对齐|确认|核对|盘点)|(?:要|想|得|需要|让我|叫我)(?:看|查|知道|了解|算|拉)", phrase) or \
            _ZH_POINTER_PHRASE.match(phrase):
        return None          # a request frame, or a pronoun ("这批人占了…") pointing back, is no name
    if re.match(r"(?:再|更)?(?:大|小|多|少|高|低|长|短|强|弱)(?:一)?(?:点|些)", phrase) or \
            re.search(r"优惠|折扣|力度|渠道", phrase) and not _ZH_PEOPLE_END.search(phrase):
        return None          # "(优惠再给)大一点", "优惠(再给…)": a degree or the offer, not who ("优惠券爱好者" is)
    # "出一个沉睡用户(的方案)", "出一封给大客户的(邮件)"
    phrase = re.sub(r"^(?:出|做|写|整|搞|弄|来|定|制定)(?:一)?(?:个|份|版|套|条|封|篇)(?:给|为)?", "", phrase)
    phrase = re.sub(r"^(?:一下|下(?!班|午|周|次|单)|一个|这个|那个|这些|那些|我们的|我们|我的|的|该|此|就是)", "", phrase)
    phrase = re.sub(r"^(?:现在|目前|当前|如今|上个月|这个月|本月|上周|这周|本周|今年|去年|今天|昨天|(?:最近|近|过去)[^\s，。]{0,3}?(?:天|周|个月|年))"
                    r"(?=..)", "", phrase)                     # "上个月一共打了…": when, then the question
    if not _ZH_DOER_NAME.search(phrase):
        phrase = re.sub(r"的$", "", phrase)   # "下班顺路买菜的" (those who shop on the way home) keeps its 的
    for _ in range(2):                                         # "老年用户这群人们": two tails
        phrase = _ZH_GROUP_TAIL_END.sub("", phrase).strip()
    if len(phrase) < 2 or phrase in _ZH_NOT_A_SEGMENT or channel_of(phrase) or \
            _ZH_TIME.fullmatch(re.sub(r"(?<=.)(?:看|算|拉|列|统计)+$", "", phrase)) or \
            re.search(r"(?:店|商城|平台|官网|小程序)$", phrase):     # "给海外旗舰店用": a shop, not who
        return None
    phrase = re.sub(r"(?:试试|试一下|看看|一下|吧)+$", "", phrase)        # "八折试试": a hedge is no part of a name
    made = re.split(r"(?:做|搞|弄|写|出|整|发|来)(?:一)?(?:个|份|版|条|封|套|篇|下)", phrase)[0]
    phrase = made if len(made) >= 2 else phrase          # "新客做个首单转化": the name, then what to make for it
    pushed = re.split(r"主推|推荐|(?:该|要)推", phrase)[0]
    phrase = pushed if re.search(rf"{_ZH_PEOPLE_NOUN}$", pushed) else phrase   # "熬夜党主推哪…": who, then what
    if len(phrase) < 2 or re.match(r"哪", phrase) or re.search(r"到底|究竟|(.)没\1|(.)不\2|(?:像|类似|相似)$", phrase):
        return None          # "哪个月yyds", "上次直播到底拉没拉起来": a question, not who
    offer = extract_offer(phrase)[1]
    if offer and len(offer) >= len(phrase) - 1 or extract_length(phrase) or extract_explicit_language(phrase):
        return None          # "换成打九折", "改成短一点", "换成英文": a change of offer / length / language
    if _ZH_GENERIC_PEOPLE_START.match(phrase):
        return None          # "(这些)客户贡献了…": a generic people noun opens no name; the pronoun points back
    # "节日购物者", "每周都来的老顾客" end in people; so does "不怎么来的" (those who seldom come)
    people = bool(_ZH_PEOPLE_END.search(phrase) or _ZH_DOER_NAME.search(phrase))
    if not people and not _ZH_OTHER_PEOPLE.search(phrase):
        return None          # "周会复盘", "沉睡老客召回的抓手", "了打通": a purpose or a frame, nobody named
    # "平均消费高的客户" (a clause with 的) and "高客单用户" / "低频会员" (a high / low metric before a people noun)
    described = people and ("的" in phrase or bool(re.match(r"(?:高|低|中高|中低)(?!于)", phrase)))
    if (_ZH_OCCASION.search(phrase) or _ZH_RANKING.search(phrase)) and not people or \
            _ZH_EVERYONE.match(phrase) and not described:
        return None          # "整体", "数据里", "最受欢迎", "销量前八", "双十一": everyone, the data, a ranking, a date
    if not described and re.search(r"\d|活动|商品|产品|文案|短信|邮件|推送|销售|收入|订单|客单|品类|趋势|金额|营收|平均|人均|"
                                   r"消费额|多少|总数|总量|数量|推荐|写|策划|介绍|怎样|怎么|什么|方案|计划|策略|占|贡献|"
                                   r"特征|特点|画像|偏好", _AGES.sub("", phrase)) \
            or extract_metrics(phrase) and not people:   # "那购买频次呢": a metric, not a group
        return None
    return phrase


ALL_SEGMENTS = "all"
ALL_SEGMENTS_PATTERN = re.compile(
    rf"\b(?:every|each|all)(?:\s+(?:single|one|last|and every))?(?:\s+of)?(?:\s+(?:the|our|my|these|those|your))?\s+"
    rf"(?:\w+\s+)?{_SEG_WORDS_EN}\b|\b(?:per|by|across)\s+(?:the\s+)?{_SEG_WORDS_EN}\b|"
    rf"\b{_SEG_WORDS_EN} by {_SEG_WORDS_EN}\b|\bfor each\b|\b(?:both|all) of them\b|"
    rf"(?:每个|每一个|每一|所有|全部|各个|各|全体|整个)\s*(?:的)?\s*(?:分群|客群|细分|人群|群体|群组|用户群|客户群|群|组|类)|"
    rf"分(?:出来|好)?的(?:那|这)?几(?:个)?(?:分群|组|群|类)")       # "分的那几组": the groups made, all of them
_EN_DESCRIPTION = [
    # "who is likely to churn?" → "likely to churn" (a prediction, matched by the churn-risk rule)
    re.compile(r"\bwho\s+(?:is|are|will be)\s+(?:the\s+)?(?:most\s+)?(?P<name>(?:likely|about|going) to (?:churn|leave|lapse|"
               r"stop buying)|at risk(?: of churning)?)"),
    # "which segment is (the) most likely to churn" → "likely to churn"
    # "most" only grades the description; "highest" / "lowest" / "biggest" say which end, and stay
    re.compile(rf"\b(?:which|what)\s+{_SEG_WORDS_EN}(?:'s|\s+(?:is|are|has|have))?\s+(?:the\s+)?(?:most\s+)?"
               rf"(?P<name>[a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){{0,3}})"),
]
_ZH_DESCRIPTION = [
    # "流失客户的人均消费" → "流失客户" (a data question about a described segment)
    re.compile(r"^(?P<name>[^\s，。,.!?！？、]{2,8}?)(?:这个|这群)?(?:客群|群体|人群)?的\s*(?:ltv|clv|gmv|aov|人均|平均|客单|销售|收入|购买|消费|热销|生命周期|终身价值|"
               r"畅销|占比|订单|品类|商品|复购|频率|频次|购物|回购)"),
    re.compile(r"^(?P<name>[^\s，。,.!?！？、]{2,8}?)(?:这个|这群)?(?:客群|群体|人群)?(?:贡献|占了|占|带来)"),
    # "养宠人士的营销方案怎么做": a name, 的, and what is made for it
    re.compile(rf"^(?P<name>[^\s，。,.!?！？、的]{{2,10}}?){_ZH_GROUP_TAIL}的(?:(?!{_ZH_PEOPLE_NOUN}|写|做|发|出|整|来)[^\s，。,.!?！？、的]){{0,4}}?(?:营销|方案|计划|活动|文案|推送|推播|短信|简讯|邮件|电子报|画像|特征|特点|"
               rf"推荐|偏好|喜好|习惯|消费习惯|购物习惯|用户画像|人物画像)"),
    # "退休老人平均每人花多少钱": words that never start a name may follow it without 的
    re.compile(rf"^(?P<name>[^\s，。,.!?！？、]{{2,10}}?){_ZH_GROUP_TAIL}(?:一单|每单)?(?:平均|人均|每人|每单|每张|每笔|客单价|复购|多久|隔多久|一般|通常|最常|最爱|最喜欢|经常|平时|平常)"
               # ... unless those words describe the people named after them ("高频复购的老客")
               r"(?![^\s，。,.!?！？、]{0,4}的[^\s，。,.!?！？、]{0,3}(?:客户|顾客|用户|会员|老客|家庭|人))"),
    # "高价值客户有多少人" → "高价值客户" (a count over a described segment)
    re.compile(r"^(?P<name>[^\s，。,.!?！？、的]{2,8}?)(?:这个|这群)?(?:客群|群体|人群)?(?:一共|总共|共)?有?(?:多少|几)(?!\s*(?:个|款|件|样)?\s*(?:商品|产品|东西|推荐))"),
    # "流失风险高的是哪一群人" → "流失风险"
    re.compile(r"^(?P<name>[^\s，。,.!?！？、]{2,8}?)(?:最高|较高|高|最大|大|最多|多)?的(?:是|有)?哪"),
    re.compile(r"哪(?:个|些|一)?(?:个)?(?:分群|客群|细分|人群|群体|群|组|类)(?:的)?(?:最|更)?(?P<name>[^\s，。,.!?！？、]{2,8}?)(?:高|大|多)?[？?]?$"),
]


# A group described by what its people do: "the customers who came once and never again", "the ones that only shop
# on weekends", "our people who buy in the sales". The name runs through the relative clause and stops where the
# request goes on: punctuation, an offer / channel / second name after "with" / "w/" / "via", a modal ("… might
# like"), "please". Only after an article, so "customers who bought X in the last month" stays an audience filter.
_RELATIVE_NAME = re.compile(
    r"\b(?:the|our|my|those|these|all the)\s+(?P<name>(?:[a-z][\w'-]*\s+)?(?:customers|people|shoppers|buyers|ones|"
    r"folks|users|clients|members|households|guys|families|visitors|subscribers)\s+(?:who|that|which)\s+"
    r"[a-z][^?.!,;:()]*)")
_RELATIVE_END = re.compile(
    r"\s+(?:w/|w/o|with\s+(?=\d|an?\s|the\s|my\s|our\s|free|bogo|\$|email|sms|push|wechat|text)|via|using|"
    r"offering|giving|please|pls|plz|thx|thanks|might|would|could|should|may|can|will\s+(?:get|receive|like|love|want)|"
    r"to\s+(?:come back|return|buy again|shop again|order again)\b|"      # "get the X who stopped to come back"
    r"vs\.?|versus|compared|and\s+(?:the|my|our|those)\s|(?:in|by|as|over)\s+(?:an?\s+)?(?:email|sms|text message|"
    r"push|wechat|app notification)s?\b).*$")


def _relative_clause_name(text: str) -> str | None:
    """'… for the customers who came once and never again? I want …' → 'customers who came once and never again'."""
    m = _RELATIVE_NAME.search(text)
    if not m:
        return None
    name = _RELATIVE_END.sub("", m.group("name")).strip()
    if re.search(r"\b(?:might|would|will|do|does|did|could|should|may|can)\s+$", text[:m.start()]):
        # "what might the members who joined this spring like": the question's own verb closes the sentence
        name = re.sub(r"\s+(?:like|want|buy|prefer|need|love|enjoy|choose|pick|respond to|go for)$", "", name)
    words = name.split()
    if len(words) < 3 or words[-1] in ("who", "that", "which"):
        return None
    if re.search(r"\b(?:who|that|which)\s+(?:are|is|were|was)\s+(?:they|these|those|it|we)\b", name):
        return None       # "the bargain people who are they": a question about them, not a clause of the name
    return name


# What opens a formal or polite Chinese request before its topic: "请计算…", "烦请介绍一下…", "能否为…", "请协助为…",
# and a leading occasion clause ("年货节期间，…"). Patterns anchored at the start of the message read the topic
# after it: "请计算高价值客户的销售额占比" is about 高价值客户.
_ZH_REQUEST_LEAD = re.compile(
    r"^(?:(?:那个|就是|嗯|呃|那么)\s*)*(?:(?:请问|烦请|麻烦(?:您|你)?|劳驾|能否|可否|能不能|可不可以|是否可以|是否能|请(?:您|你)?|帮忙|帮我|您能|你能|我想|想)\s*)*"
    r"(?:(?:协助|帮忙|帮我|帮)\s*)?(?:(?:为(?!了)|给|针对|面向|向)(?=\S{2})\s*)?"
    r"(?:(?:计算|测算|估算|统计|查询|查一下|查看|看一下|看看|算一下|算算|输出|列出|告诉我|说明|汇总|整理|拉|导出)(?:一下|下)?\s*)?"
    r"(?:基于\s*)?")
_ZH_OCCASION_LEAD = re.compile(r"^[^，,。？?！!]{1,12}(?:期间|之际|前夕|来临|当天|的时候|时)[，,]\s*")


# ... the group in that context clause: "作为沉睡老客召回的抓手", "基于沉睡老客的召回目标"
_ZH_CONTEXT_NAME = re.compile(rf"^(?:作为|基于|针对|围绕|为了|面向|对)?(?P<name>[^\s，。,的]{{1,10}}?{_ZH_PEOPLE_NOUN})"
                              rf"(?=召回|唤醒|激活|拉新|留存|复购|转化|促活|的|$)")
# A formal Chinese request often gives its context first, then asks: "为了拉齐对用户规模的认知，烦请确认一下…",
# "周会复盘需要，烦请按周…". The clause before the ask says why, and names a group only when the ask does not.
_ZH_ASK_AFTER_CONTEXT = re.compile(r"[，,]\s*(?=(?:烦请|请|麻烦|劳驾|能否|可否|帮忙|帮我|想先看|想看|想了解|需要看)\S)")


def _without_request_lead(text: str) -> str:
    return _ZH_REQUEST_LEAD.sub("", _ZH_OCCASION_LEAD.sub("", text, count=1), count=1)


def clean_segment_phrase(text: str, language: str) -> str | None:
    """A bare answer naming a segment ("the young families", "高价值客户") as a name phrase, or None."""
    text = written(normalise(text)).strip(" ?.!？。")       # "the X no wait the Y": the Y
    if language == "zh" or CJK.search(text):
        return _clean_zh_phrase(text)
    return _clean_en_phrase(text)


def mentions_all_segments(text: str) -> bool:
    """'every segment', 'all groups', 'per segment', '每个分群', '所有客群' → True."""
    return bool(ALL_SEGMENTS_PATTERN.search(normalise(text)))


def extract_segment(text: str, language: str) -> int | str | None:
    """A segment number if one is said, "all" for every segment, else a name or description phrase kept as text
    (resolved later by `assistant.api.segment_lookup`)."""
    number = extract_segment_number(text)
    if number is not None:
        return number
    if ALL_SEGMENTS_PATTERN.search(text):
        return ALL_SEGMENTS
    ask = _ZH_ASK_AFTER_CONTEXT.search(text)
    if ask and CJK.search(text):
        named = extract_segment(text[ask.end():], language)     # the ask first; its context only if it names none
        context = _ZH_CONTEXT_NAME.search(text[:ask.start()])
        named = named if named is not None else context and _clean_zh_phrase(context.group("name"))
        if named:
            return named
    if language == "zh" or CJK.search(text):
        for pattern in _ZH_DESCRIPTION:
            m = pattern.search(_without_request_lead(text))
            candidate = m and m.group("name")
            if candidate and _ZH_DOER.search(candidate) and candidate + "的" in text:
                candidate += "的"        # "不怎么来的 终身价值": the 的 ends the name, the possessive is left out
            if candidate and _clean_zh_phrase(candidate):
                name = _clean_zh_phrase(candidate)
                # "下班顺路买菜的平均…": the 的 that ends a "those who …" name was read as the possessive
                return name + "的" if _ZH_DOER.search(name) and name + "的" in text else name
    if not CJK.search(text):
        described = _relative_clause_name(text)
        if described:
            return described
    for pattern in _EN_DESCRIPTION:
        m = pattern.search(text)
        if m:  # a description ("likely to churn") keeps its small words; only the tail is cut
            name = re.split(r"\s+(?:and|so|because|please|right now|now|today)\b|[?.!,]", m.group("name"))[0].strip()
            if name and name not in _NOT_A_SEGMENT and not channel_of(name):
                return name
    if language == "zh" or CJK.search(text):
        topic = _without_request_lead(text)
        for pattern in _ZH_NAME_PATTERNS:
            for m in pattern.finditer(topic if pattern.pattern.startswith("^") else text):
                name = _clean_zh_phrase(m.group("name"))
                if name:
                    return name
        m = _LATIN_NAME_IN_ZH.search(text)      # "给young families写一条短信": an English name in a Chinese sentence
        if m and _clean_en_phrase(m.group("name")):
            return _clean_en_phrase(m.group("name"))
    for k, pattern in enumerate(_EN_NAME_PATTERNS):
        for m in _overlapping(pattern, text):
            if re.search(r"\b(?:a|an)\s+$", text[:m.start("name")]) or re.match(r"an?\s", m.group("name")):
                continue      # ... "for a loyalty tier" read from its left end
            name = _clean_en_phrase(m.group("name"), from_right=(k == 1))
            if name and pattern in _PEOPLE_ONLY and not _could_name_people(name) or \
                    name and pattern is _TOPIC_THEN_QUESTION and not _is_people_noun(name.split()[-1]):
                continue
            if name and _TOPIC_LEAD.match(m.group(0)) and not _is_people_noun(name.split()[-1]):
                continue      # "more details about the knives": what the copy is about, not who it is for
            if name:
                return name
    return _group_noun_phrase(text) if not CJK.search(text) else None


_TOPIC_LEAD = re.compile(r"(?:details?|info|information|more|something|a bit|a line|words?)\s+(?:on|of|about)\b")
# Name patterns whose words may as well name a purpose, a ticket or a thing: a name there must be able to name people
_PEOPLE_ONLY = (_FOR_NAME, _TO_OR_AT_NAME, _ON_NAME, _TOPIC_FIRST, _AFTER_A_DASH, _SUBJECT_FIRST)


def _overlapping(pattern: re.Pattern, text: str):
    """Every match of `pattern`, including those that start inside an earlier match ("of our sales comes from the
    X": the rejected "sales comes" must not hide "the X")."""
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        yield m
        following = _WORD_START.search(text, m.start() + 1)     # the next try starts at a word, never inside one
        if following is None:
            return
        pos = following.start()


_WORD_START = re.compile(r"(?<![a-z0-9'&-])[a-z0-9]")


# The last resort for English: "the/our <words> <people noun>" anywhere ("what makes the weekend warriors tick",
# "write the snack lovers a short email"). A people noun is a known one or an agent noun (-ers, -ors, -ists, -ants,
# -ents, -ans, -ees, -ies); plural things (products, results, holidays …) are not.
_PEOPLE_NOUNS_EN = {"people", "folks", "moms", "mums", "dads", "kids", "teens", "singles", "couples", "millennials",
                    "boomers", "seniors", "locals", "regulars", "vips", "whales", "nuts", "foodies", "fans", "pros",
                    "newbies", "owls", "birds", "bees", "youth", "elderly", "crowd", "bunch", "gen", "students",
                    "parents", "families", "newcomers", "loyalists", "churners", "lapsers", "spenders", "savers",
                    "signups", "sign-ups", "joiners", "aunties", "uncles"}
_PEOPLE_SUFFIX_EN = re.compile(r"(?:ers|ors|ists|ants|ents|ans|ees|ies)$")
_NOT_PEOPLE_EN = {"products", "items", "categories", "departments", "sales", "numbers", "figures", "results", "stats",
                  "details", "basics", "options", "changes", "differences", "trends", "insights", "channels",
                  "campaigns", "offers", "deals", "discounts", "coupons", "emails", "messages", "texts", "words",
                  "orders", "baskets", "transactions", "purchases", "prices", "costs", "margins", "holidays",
                  "metrics", "kpis", "sellers", "goods", "skus", "brands", "stores", "ideas", "recommendations",
                  "suggestions", "picks", "alternatives", "substitutes", "others", "contents", "plans", "entries",
                  "deliveries", "groceries", "batteries", "berries", "cherries", "pastries", "supplies", "accessories",
                  "vegetables", "centers", "counters", "burgers", "crackers", "peppers", "containers", "ingredients",
                  "points", "answers", "reports", "charts", "tables", "letters", "posters", "banners",
                  "vouchers", "stickers", "timers", "filters", "parameters", "numbers", "orders", "members",
                  "denominators", "numerators", "indicators", "factors", "vectors", "errors", "colors", "colours",
                  "flavors", "flavours", "layers", "headers", "folders", "identifiers", "queries", "summaries",
                  "quantities", "varieties", "properties", "moves", "steps", "decisions", "conversations", "discussions",
                  "books", "hampers", "sliders", "boosters", "heaters", "coolers", "toasters", "blenders"}


_ARTICLE_PHRASE = re.compile(r"\b(?:the|our|my|those|these)\s+([a-z][\w'&-]*(?:\s+[a-z][\w'&-]*){0,3})")


# "a push about our christmas hampers": what a message is about, not who gets it
_ABOUT_A_THING = re.compile(r"\b(?:push|email|text|sms|post|message|copy|newsletter|blast)\s+"
                            r"(?:about|on|re|regarding)\s+$")


def _group_noun_phrase(text: str) -> str | None:
    for m in _overlapping(_ARTICLE_PHRASE, text):
        if _ABOUT_A_THING.search(text[:m.start()]):
            continue
        words: list[str] = []
        tokens = m.group(1).split()
        for k, w in enumerate(tokens):
            best_people = w == "best" and k + 1 < len(tokens) and _is_people_noun(tokens[k + 1])   # "my best customers"
            if re.fullmatch(_EN_BOUNDARY, w) or w in _EN_STOP_LEAD and not best_people or \
                    w in ("a", "an", "some", "any", "their", "its"):
                break
            words.append(w)
        while words and not (_is_people_noun(words[-1]) or len(words) > 1 and words[-1] in _GENERIC_PEOPLE_EN and
                             words[-1].endswith("s")):
            words.pop()          # "the dormant loyalty members": a described group of a generic people noun
        name = _clean_en_phrase(" ".join(words)) if words else None
        if name:
            return name
    return None


# One word that describes customers without a people noun: "the lapsing", "for high value", "price-sensitive"
_DESCRIBING_WORD_EN = re.compile(r"(?:ing|sensitive|ed|value|vip|vips|elderly|youth|loyal|new|budget|premium)$")


def _could_name_people(name: str) -> bool:
    """'young families', 'single-origin enthusiasts', 'lapsing' could; 'board narrative', 'point', 'earliest',
    'merchandising moves' could not."""
    last = name.split()[-1]
    if _is_people_noun(last) or last in _GENERIC_PEOPLE_EN or _DESCRIBING_WORD_EN.search(last):
        return True
    return last.endswith("s") and not last.endswith("ss") and last not in _NOT_PEOPLE_EN


def _is_people_noun(word: str) -> bool:
    return word in _PEOPLE_NOUNS_EN or bool(_PEOPLE_SUFFIX_EN.search(word)) and word not in _NOT_PEOPLE_EN


def extract_segment_list(text: str, language: str) -> list[int | str] | None:
    """Segments to compare: numbers ('segment 0 and 1', '第0组和第3组') or name phrases ('the young families with
    the high-value customers'); None = all segments."""
    if ALL_SEGMENTS_PATTERN.search(text):
        return None
    if re.search(r"\ball\b|side by side|所有|全部|各个", text) and not re.search(r"\d", text) and \
            extract_segment_number(text) is None:       # "group one and group three side by side" are numbered
        return _two_compared_names(text)         # "all of them side by side" → None; "A side by side with B" → [A, B]
    if re.search(rf"{_SEG_WORDS_EN}|{_SEG_WORDS_ZH}|第", text):
        tokens = re.findall(rf"(?<![\d.])(\d+)(?![\d%折])|第\s*([{ZH_NUM_CHARS}]+)|([{ZH_NUM_CHARS}]+)\s*(?:号|组|群|类)|"
                            rf"\b(?:{_SEG_WORDS_EN}|and|vs|or)\s+({EN_NUM_WORDS})\b", text)
        numbers = [parse_number(next(t for t in groups if t)) for groups in tokens]
        numbers = [n for n in numbers if n is not None and n < 100]
        if len(numbers) >= 2:
            return list(dict.fromkeys(numbers))
    pair = _BARE_PAIR.search(text)            # "compare 2 and 5", "1 vs 3": in a comparison, two numbers are segments
    if pair:
        numbers = [parse_number(pair.group(1)), parse_number(pair.group(2))]
        if all(n is not None and n < 100 for n in numbers) and numbers[0] != numbers[1]:
            return numbers
    return _two_compared_names(text)


_BARE_PAIR = re.compile(rf"(?<![\d.#])({NUM})\s*(?:and|vs\.?|versus|with|to|against|&|和|与|跟|对比|比)\s*({NUM})(?![\d%.])")


# Two names around a comparison word: "A vs B", "A compared with B", "what separates A from B", "学生党跟上班族比，
# 有什么不同", "宝妈和白领用户相比". The left name is read from its right end (after the last verb or article), the
# right name from its left end; a comparison verb or question after either is not part of it.
_COMPARE_LEAD = re.compile(r"^.*?\b(?:compare|comparison of|contrast|difference between|differences between|"
                           r"differentiates|distinguishes|separates|sets apart)\s+|"
                           r"^(?:please\s+|pls\s+|can you\s+|could you\s+)?(?:put|place|set|line up|stack)\s+|"   # "put A next to B"
                           r"^(?:请|帮我|麻烦|烦请|劳驾|能否|可否|请您|请你)?(?:比较|对比|比一比|比一下|区分)(?:一下|下)?|"
                           r"^(?:请|帮我|麻烦|烦请|劳驾|能否|可否)?(?:把|将|拿)")
_COMPARE_SPLIT = re.compile(r"\s+(?:compared (?:to|with)|as opposed to|next to|beside|alongside|vs\.?|versus|against|with|and|or|to|from)\s+|"
                            r"(?<=\S)\s*(?:和|与|跟|同|对比|对上|vs\.?|比(?!较))\s*")   # 比较好 = "rather good"
_COMPARE_LEFT_TAIL_EN = re.compile(r"\s+(?:side by side|next to each other|together|(?:stack|measure|match|line|size)s?\s+up|compare[sd]?|differs?|fares?|"
                                   r"contrasts?|rank|ranks|different|similar|alike|unlike|distinct|vary|varies|"
                                   r"(?:so\s+|any\s+|really\s+)?(?:different|similar))$")
_COMPARE_RIGHT_TAIL_EN = re.compile(r"\s*(?:[?.!,;:]|\s[—–-]\s|\b(?:which|who|how|what|in terms|side by side|compare)\b).*$")
_COMPARE_TAIL_ZH = re.compile(r"(?<=.)(?:之间|两者|二者|两个|这两).*$|(?<=.)放(?:在)?一起.*$|(?<=.)(?:帮我|给我|麻烦)?(?:相比|相比较|比起来|比较起来|比较|对比|比一比|比)(?:一下|起来|之下)?.*$|[，,。？?!！].*$|"
                              r"(?:有什么|有何|有啥|的)?(?:主要|核心|最大|具体|关键)?(?:区别|不同|差别|差异|不一样|差在|哪个|谁更|谁).*$")


def _two_compared_names(text: str) -> list[str] | None:
    text = re.sub(r"\bsets?\s+(.+?)\s+apart\s+from\b", r"separates \1 from", text)    # "what sets A apart from B"
    for body in dict.fromkeys((_COMPARE_LEAD.sub("", text.strip()), text.strip())):
        names = _names_around_connector(body)   # "compare A with B", or "how do A compare with B"
        if names:
            return names
    return None


def _names_around_connector(body: str) -> list[str] | None:
    parts = _COMPARE_SPLIT.split(body, maxsplit=1)
    if len(parts) != 2:
        return None
    names = []
    for side, part in zip(("left", "right"), parts):
        part = part.strip()
        if CJK.search(part):       # "基于消费行为维度，A和B之间…": the left name starts after the context clause
            part = re.split(r"[，,。]", part)[-1] if side == "left" else part
            name = _clean_zh_phrase(_COMPARE_TAIL_ZH.sub("", part).strip())
        elif side == "left" and _relative_clause_name(part):
            name = _relative_clause_name(part)
        elif side == "left":
            name = _clean_en_phrase(_COMPARE_LEFT_TAIL_EN.sub("", part), from_right=True)
        else:
            right = _COMPARE_RIGHT_TAIL_EN.sub("", part)
            # "… next to the people who used to come a lot but stopped and tell me the differences"
            clause = _relative_clause_name(re.sub(r"\s+and\s+(?:tell|show|give|explain|list)\b.*$", "", part))
            name = clause or _clean_en_phrase(right)
        if not name:
            return None
        names.append(name)
    return names
