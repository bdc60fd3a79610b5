"""The chat router: which intent a marketer's message is, with its slots, without asking the LLM.

Why not the LLM: the local 0.5B model cannot do tool calling reliably (STACK.md), so routing is a small classifier
trained on example utterances (assistant/chat/router_examples.yaml, EN + ZH):
  features = [ sentence embedding (all-MiniLM-L6-v2, English semantics),  char 1-3-gram TF-IDF (Chinese and
               wording the embedding misses) ]  →  LogisticRegression.
MiniLM is English-only, so the character n-grams carry Chinese. Below `threshold` the route is "unknown" and the
caller asks a clarifying question. Slots come from deterministic rules (assistant.chat.slots).

    router = IntentRouter().fit()
    route = router.route("给高价值客户写一条促销短信")
    route.intent, route.slots, route.missing   # 'write_copy', {'segment': '高价值客户', 'channel': 'sms', ...}, ()
"""
from __future__ import annotations

import hashlib
import re
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import yaml

from assistant.chat.consent import HEDGED, YES
from assistant.chat.slots import (REQUIRED_SLOTS, SLOT_NAMES, asked_metrics, detect_language, extract_algorithm,
                                  extract_audience, extract_campaign_id, extract_channel, extract_explicit_language,
                                  extract_length, extract_metrics, extract_n_segments, extract_offer, extract_product, extract_sample_size,
                                  extract_segment_list, extract_segment_number, extract_slots, extract_user_id,
                                  mentions_all_segments, missing_slots, normalise,
                                  says_intent_verb,
                                  slot_change)
from assistant.core.vocabulary import without_channels

EXAMPLES_PATH = Path(__file__).with_name("router_examples.yaml")
INTENTS: tuple[str, ...] = tuple(SLOT_NAMES)
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
_NEXT_WORD = r"(?:\bnext\b|下一|下次|下轮|下期|下波|下个月|下周)"
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
                       r"could replace)\b|相似|类似|替代|代替|平替|差不多的|顶上|同款")
SIMILAR_OVERRIDE = 0.9
# A message that opens by asking for a plan is a plan, whatever channel and offer follow
_PLAN_OPENING = re.compile(r"^(?:please\s+|pls\s+|can you\s+|could you\s+|let'?s\s+|help me\s+)?(?:plan|map out|strategi[sz]e)\b|"
                           r"^(?:so\s+|ok\s+|and\s+)?how (?:do|should|can|could|would|might) we\b|"
                           r"^(?:请|帮我|麻烦)?(?:策划|规划)")
_PLAN_NOUN = re.compile(r"\b(?:plan|strategy)\b|方案|策划|计划")      # "出个促活方案，走短信": a plan, with its channel
# "what else can you do besides copy?", "除了写文案还能帮运营做啥": what the assistant is for
_WHAT_ELSE = re.compile(r"\bwhat else can (?:you|it|this)\b|\b(?:besides|apart from|other than) .{0,30}\bwhat (?:can|does)\b|"
                        r"除了.{0,12}还能.{0,8}(?:做|干|帮)(?:啥|什么|哪些)|还能(?:帮我|帮运营)?(?:做|干)(?:啥|什么|哪些)")
_MAKE_WORD = re.compile(r"\b(?:generate|create|build|make|write|draft|produce|cards?)\b|生成|创建|写|做|制作|输出|"
                        r"出(?:一)?(?:张|份|个|套)|卡")       # persona cards are made, not read
_SEARCH_VERB = re.compile(r"\b(?:search|find|look for|look up|stock|carry|sell)\b|搜|查找|检索|找|卖|上架|有货")
# "多写几行，顺便讲个笑话": a second request rides along, which no intent claims; ask instead of guessing
_SECOND_REQUEST = re.compile(r"顺便|另外|还有|\band then\b|\balso (?:tell|write|do|make|give|send)\b")
_QUESTION = re.compile(r"[?？]|咋样|怎么样|如何|好不好|行不行|\bhow (?:did|was|were|has)\b")
_EVALUATION_WORD = re.compile(r"\b(?:evaluat\w*|assess\w*|review\w*|results?|perform\w*|land(?:ed)?|work(?:ed)?|lift|"
                              r"uplift|impact|effect\w*|roi|test|significan\w*|winner|won)\b|评估|效果|复盘|结果|表现|显著|提升")
_REPORT_WORD = re.compile(r"\breport\b|\bpdf\b|\bhtml\b|报告|报表")
_SIDE_BY_SIDE = re.compile(r"side[- ]by[- ]side|next to each other|放在一起|并排")


def _two_names(text: str, language: str) -> bool:
    """Two segments named (not numbered) side by side: 'weekend shoppers vs loyal customers'."""
    pair = extract_segment_list(text, language)
    return bool(pair) and len(pair) == 2 and all(isinstance(p, str) for p in pair)


def _names_product_only(text: str, language: str) -> bool:
    """A product is named and no segment apart from it ("similar to the dome tent": the tent is no segment)."""
    product = extract_product(text)[0]
    segment = extract_slots("describe_segment", text, language)["segment"]
    return bool(product) and (segment is None or isinstance(segment, str) and segment in product)


# One customer, not a group: "one of our loyalty card holders", "a particular member", "某个会员", "一个老粉"
_ONE_CUSTOMER = re.compile(r"\b(?:one of (?:our|my|the)|a (?:single|particular|specific|certain))\s+(?:[\w-]+\s+){0,2}?"
                           r"(?:customers?|members?|shoppers?|households?|(?:card ?)?holders?|buyers?|clients?|users?)\b|"
                           r"(?:某|某一|一)(?:个|位)(?:老)?(?:客户|会员|顾客|用户|粉丝|粉|团员|buyer|user|customer|member)")
# A send that is over ("上回那个团购", "the last push"): how it went is an evaluation
_PAST_SEND = re.compile(r"上次|上回|上一次|上一波|上周|上个月|那场|那波|那次|\b(?:last|previous|past)\b")


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
                        r"(?:每组|每个组|每边|每个版本|每一组).{0,6}?(?:多少|几)")


def _has_effect_size(text: str) -> bool:
    """A lift to detect said in the message ('1 point more', 'a 10% lift', '提升2个点')."""
    found = extract_sample_size(text)
    return found["mde_pct"] is not None or found["mde_points"] is not None


def _is_audience(text: str) -> bool:
    """A purchase of something within / outside a time window: the audience builder's question."""
    slots = extract_audience(text)
    return bool(slots["bought"]) and (slots["within_days"] or slots["not_within_days"]) is not None


@dataclass(frozen=True)
class Route:
    """Where a chat message goes.

    intent        one of INTENTS ("unknown" when the router is not confident: ask the user to rephrase)
    slots         the intent's slots (see assistant.chat.slots for each slot's meaning); None = not said
    confidence    the classifier's probability of `intent` (0..1)
    language      "en" | "zh": the language of the message (answer in it)
    missing       required slots that were not found: ask for them before acting
    alternatives  the top intents with their probabilities, best first (for "did you mean ...?")
    """

    intent: str
    slots: dict[str, Any]
    confidence: float
    language: str
    missing: tuple[str, ...] = ()
    alternatives: tuple[tuple[str, float], ...] = field(default=())

    @property
    def needs_clarification(self) -> bool:
        return self.intent == UNKNOWN or bool(self.missing)


def load_examples(path: str | Path | None = None) -> tuple[list[str], list[str]]:
    """(texts, intents) from an examples YAML shaped `intent: {en: [...], zh: [...]}`."""
    path = Path(path) if path else EXAMPLES_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"router examples file '{path}' not found — pass examples_path= pointing at a "
                                "YAML file of `intent: {en: [...], zh: [...]}`") from exc
    if not isinstance(data, dict):
        raise ValueError(f"router examples file '{path}' must map intent names to example lists")
    texts, labels = [], []
    for intent, groups in data.items():
        if intent not in SLOT_NAMES:
            raise ValueError(f"router examples file '{path}': unknown intent '{intent}' — expected one of "
                             f"{sorted(SLOT_NAMES)}")
        items = groups.values() if isinstance(groups, dict) else [groups]
        for group in items:
            for text in group or []:
                texts.append(str(text))
                labels.append(intent)
    if len(set(labels)) < 2:
        raise ValueError(f"router examples file '{path}' needs examples for at least two intents")
    return texts, labels


def _tfidf_preprocess(text: str) -> str:
    """Normalised text with every number replaced by 0: 'segment 7' and 'segment 2' look the same to the model."""
    return re.sub(r"\d+(?:\.\d+)?", "0", normalise(text))


# Embeddings of example sets, shared by all routers in the process: fit() embeds the examples once.
_EMBED_CACHE: dict[tuple[str, str], np.ndarray] = {}
_EMBED_LOCK = threading.Lock()


_THREADS_LOCK = threading.Lock()
_THREADS_STATE = {"depth": 0, "saved": None}


@contextmanager
def _torch_threads(n: int | None):
    """Run a short encode with `n` torch threads, then restore the previous count.

    Measured on the shared 2-core machine (load ~15): one short message took 1,170 ms p50 with 2 torch threads
    and 50-70 ms with 1 — intra-op threads fight for busy cores, and one sentence has nothing to parallelise.
    Nested/concurrent uses share one saved value (depth counter), so the count is restored exactly once.
    """
    torch = sys.modules.get("torch")
    if n is None or torch is None:
        yield
        return
    with _THREADS_LOCK:
        if _THREADS_STATE["depth"] == 0:
            _THREADS_STATE["saved"] = torch.get_num_threads()
            torch.set_num_threads(n)
        _THREADS_STATE["depth"] += 1
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _THREADS_STATE["depth"] -= 1
            if _THREADS_STATE["depth"] == 0:
                torch.set_num_threads(_THREADS_STATE["saved"])


def _default_encoder() -> Any:
    from embeddings.encoder import get_encoder
    return get_encoder()


class IntentRouter:
    """Semantic + character n-gram intent classifier with rule-based slots (scikit-learn estimator style).

    Parameters
    ----------
    encoder : object with `encode(list[str]) -> np.ndarray` (L2-normalised); None = the project's encoder
        (`embeddings.encoder.get_encoder()`), loaded at `fit`.
    examples_path : YAML of example utterances; None = assistant/chat/router_examples.yaml.
    threshold : below this probability the route is "unknown".
    use_embeddings : False = character n-grams only (no model; for ablation and tests).
    embedding_weight, ngram_weight : scale of each feature block before the linear model.
    C : inverse regularisation of the LogisticRegression.
    random_state : seed of the solver.
    class_weight : LogisticRegression class weights (None, or "balanced": small intents weigh as much as big ones).
    rules : False = the classifier alone, without the follow-up / comparison / audience overrides (for ablation).
    route_threads : torch threads while embedding a message or a few (None = leave torch's setting alone).
    """

    def __init__(self, encoder: Any = None, examples_path: str | Path | None = None, threshold: float = 0.25,
                 use_embeddings: bool = True, embedding_weight: float = 1.0, ngram_weight: float = 1.0,
                 C: float = 100.0, random_state: int = 0, route_threads: int | None = 1,
                 class_weight: str | None = None, rules: bool = True):
        self.encoder = encoder
        self.examples_path = examples_path
        self.threshold = threshold
        self.use_embeddings = use_embeddings
        self.embedding_weight = embedding_weight
        self.ngram_weight = ngram_weight
        self.C = C
        self.random_state = random_state
        self.route_threads = route_threads
        self.class_weight = class_weight
        self.rules = rules

    # -------------------------------------------------------------------------------------------------- fitting
    def _encoder(self) -> Any:
        """The encoder in use (`encoder_`): the one given, else the project's shared one, resolved once."""
        if getattr(self, "encoder_", None) is None:
            self.encoder_ = self.encoder if self.encoder is not None else _default_encoder()
        return self.encoder_

    def _embed(self, texts: Sequence[str], cache: bool = False) -> np.ndarray:
        encoder = self._encoder()
        if not cache:
            threads = self.route_threads if len(texts) <= 8 else None
            with _torch_threads(threads):
                return np.asarray(encoder.encode(list(texts)), dtype=np.float32)
        model_id = str(getattr(encoder, "model_id", id(encoder)))
        key = (model_id, hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest())
        with _EMBED_LOCK:
            if key not in _EMBED_CACHE:
                _EMBED_CACHE[key] = np.asarray(encoder.encode(list(texts)), dtype=np.float32)
            return _EMBED_CACHE[key]

    def _features(self, texts: Sequence[str], cache: bool = False):
        from scipy import sparse
        blocks = [self.vectorizer_.transform(texts) * self.ngram_weight]
        if self.use_embeddings:
            blocks.append(sparse.csr_matrix(self._embed(texts, cache=cache) * self.embedding_weight))
        return sparse.hstack(blocks, format="csr")

    def fit(self, texts: Sequence[str] | None = None, intents: Sequence[str] | None = None) -> "IntentRouter":
        """Learn from (texts, intents), default: the examples file. Embeddings of the examples are cached."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if texts is None:
            texts, intents = load_examples(self.examples_path)
        elif intents is None or len(intents) != len(texts):
            raise ValueError("fit(texts, intents) needs one intent per text")
        unknown = sorted(set(intents) - set(SLOT_NAMES))
        if unknown:
            raise ValueError(f"unknown intents {unknown} — expected one of {sorted(SLOT_NAMES)}")
        self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), preprocessor=_tfidf_preprocess,
                                           sublinear_tf=True, min_df=1)
        self.vectorizer_.fit(texts)
        features = self._features(texts, cache=True)
        self.classifier_ = LogisticRegression(C=self.C, max_iter=5000, random_state=self.random_state,
                                              class_weight=self.class_weight)
        self.classifier_.fit(features, list(intents))
        self.classes_ = np.asarray(self.classifier_.classes_)
        self.n_examples_ = len(texts)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "classifier_"):
            self.fit()

    # ------------------------------------------------------------------------------------------------ routing
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities over `classes_`, one row per text."""
        self._check_fitted()
        return self.classifier_.predict_proba(self._features(list(texts)))

    def route(self, text: str) -> Route:
        """Route one message (see `Route`)."""
        return self.route_many([text])[0]

    def route_many(self, texts: Iterable[str]) -> list[Route]:
        """Route several messages with one call of the encoder."""
        texts = [str(t) for t in texts]
        routes: list[Route | None] = [None] * len(texts)
        todo = [i for i, t in enumerate(texts) if normalise(t)]
        for i, t in enumerate(texts):
            if i not in todo:
                routes[i] = Route(UNKNOWN, {}, 0.0, detect_language(t), ())
        if todo:
            probabilities = self.predict_proba([texts[i] for i in todo])
            for i, row in zip(todo, probabilities):
                routes[i] = self._make_route(texts[i], row)
        return routes  # type: ignore[return-value]

    def _make_route(self, text: str, row: np.ndarray) -> Route:
        order = np.argsort(row)[::-1]
        alternatives = tuple((str(self.classes_[j]), round(float(row[j]), 4)) for j in order[:3])
        intent, confidence = alternatives[0][0], float(row[order[0]])
        if confidence < self.threshold and not (getattr(self, "rules", True) and
                                                 OWN_VERB_FLOOR * self.threshold <= confidence < 0.5 and
                                                 says_intent_verb(intent, text)):
            intent = UNKNOWN              # unsure; but "email copy for the X, bogo on Y" says its intent's own word
        language = detect_language(text)
        t = normalise(text)
        # a message made only of slot values that opens like a follow-up ("exactly the same for segment 4, please")
        # outweighs all but a sure reading; one that does not open so only an unsure one
        change = slot_change(text, language) if intent != "follow_up" and \
            (confidence < METRIC_OVER_PROFILE or intent == UNKNOWN) else None
        if change is not None and not change["cued"] and confidence >= FOLLOW_UP_OVERRIDE and intent != UNKNOWN:
            change = None
        if not getattr(self, "rules", True):
            pass                          # ablation: the classifier alone
        elif change is not None and change["cued"]:   # "年轻家庭呢？", "same for the churn risk group"
            intent = "follow_up"
        elif intent not in ("compare_segments", "follow_up") and confidence < COMPARISON_OVERRIDE and \
                not (intent == "evaluate_campaign" and _EVALUATION_WORD.search(t)) and \
                _COMPARISON.search(t) and (_two_names(t, language) or confidence < FOLLOW_UP_OVERRIDE and
                                           (extract_segment_list(t, language) or _SIDE_BY_SIDE.search(t))):
            intent = "compare_segments"   # "compare the young families with the high-value customers"
        elif intent == "describe_segment" and confidence < METRIC_OVER_PROFILE and extract_n_segments(t) and \
                HEDGED.search(t) and extract_slots("describe_segment", text, language)["segment"] is None:
            # "whether six segments might describe our subscribers better": a count put forward, not "上述两个人群"
            intent = "segment"
        elif intent == "describe_segment" and confidence < FOLLOW_UP_OVERRIDE and \
                alternatives[1][0] == "data_question" and extract_metrics(t):
            intent = "data_question"      # "what's their AOV?": a metric asked about a segment, not its profile
        elif intent == "plan_campaign" and confidence < METRIC_OVER_PROFILE and _NEXT_TARGET.search(t) and \
                not _PLAN_DETAIL.search(without_channels(t)) and extract_channel(t) is None:
            intent = "next_campaign"      # "下一轮活动应优先针对哪个客群": who comes first next time, not a plan
        elif intent == "describe_segment" and confidence < METRIC_OVER_PROFILE and \
                not says_intent_verb(intent, t) and asked_metrics(t, language):
            intent = "data_question"      # "rev share of the vips?": a metric outside the name, no profiling verb
        elif intent in ("describe_segment", "unknown", "search_products", "follow_up") and \
                confidence < SIMILAR_OVERRIDE and _LIKENESS.search(t) and _names_product_only(t, language):
            intent = "similar_products"   # "we're OOS on the dome tent, what's similar?": a product's likes, no segment
        elif intent in ("plan_campaign", "data_question", "unknown", "report", "personas") and \
                confidence < METRIC_OVER_PROFILE and not _MAKE_WORD.search(t) and \
                mentions_all_segments(t) and says_intent_verb("describe_segment", t) and \
                not says_intent_verb(intent, t) and not _REPORT_WORD.search(t) and not extract_metrics(t):
            intent = "describe_segment"   # "summarise each of the segments for the team": every profile, no plan
        elif intent in ("data_question", UNKNOWN) and confidence < FOLLOW_UP_OVERRIDE and _is_audience(t):
            intent = "audience"           # "最近10天买过鸡蛋的顾客有多少": who bought what, when — an audience count
        elif intent == "recommend_segment" and confidence < METRIC_OVER_PROFILE and extract_user_id(t) and \
                extract_segment_number(t) is None and not mentions_all_segments(t):
            intent = "recommend_user"     # "top 6 suggestions for loyalty card 558210": a customer's id, no segment
        elif intent == "recommend_segment" and confidence < METRIC_OVER_PROFILE and _ONE_CUSTOMER.search(t) and \
                extract_segment_number(t) is None:
            intent = "recommend_user"     # "products for one of my regular customers": one person, not the group
        elif intent == "next_campaign" and confidence < UNSURE_READING and _EVALUATION_WORD.search(t) and \
                not re.search(_NEXT_WORD, t) and not _NEXT_TARGET.search(t):
            intent = "evaluate_campaign"  # "上周直播那场复盘一下": a look back at a past send, nothing about next time
        elif intent == "evaluate_campaign" and confidence < METRIC_OVER_PROFILE and \
                extract_campaign_id(t) is None and extract_metrics(t) and \
                not _EVALUATION_WORD.search(t):
            intent = "data_question"      # "rev by week pls, to see if the BFCM prep is moving anything": a table asked
        elif intent in ("plan_campaign", "next_campaign") and confidence < METRIC_OVER_PROFILE and extract_metrics(t) \
                and not says_intent_verb("plan_campaign", t) and not _NEXT_TARGET.search(t) and \
                extract_channel(t) is None and extract_offer(t)[1] is None:
            intent = "data_question"      # "按月看下GMV，想知道会员日有没有拉起来": a table asked, no plan, no target
        elif intent == "next_campaign" and confidence < FOLLOW_UP_OVERRIDE and \
                (extract_channel(t) is not None or extract_offer(t)[1] is not None):
            intent = "plan_campaign"      # "how should we go after the X w/ push": how, by a channel, is a plan
        elif intent == "compare_segments" and confidence < METRIC_OVER_PROFILE and _EVALUATION_WORD.search(t) and \
                extract_campaign_id(t) is not None:
            intent = "evaluate_campaign"  # "whether promotion no. 9 gave any uplift versus the control group"
        elif intent in ("write_copy", "plan_campaign") and confidence < FOLLOW_UP_OVERRIDE and \
                not says_intent_verb(intent, t) and _EVALUATION_WORD.search(t) and _QUESTION.search(t):
            intent = "evaluate_campaign"  # "上次那波短信召回效果咋样": how a send did, not a new one
        elif intent != "help" and confidence < 0.95 and _WHAT_ELSE.search(t):
            intent = "help"               # "这个工具除了写文案还能帮运营做啥": what the assistant can do
        elif (intent == UNKNOWN or intent == "report" and confidence < 0.5 and not _REPORT_WORD.search(t)) and \
                (extract_length(t) or extract_explicit_language(t)) and not _SECOND_REQUEST.search(t) and \
                not any(says_intent_verb(name, t) for name in _ACTIONS):
            intent = "follow_up"          # "shorter pls, nobody reads past line 2": an edit of the last copy
        elif intent == "search_products" and confidence < METRIC_OVER_PROFILE and extract_metrics(t) and \
                not _SEARCH_VERB.search(t):
            intent = "data_question"      # "按周看下销售额，想知道店庆有没有拉动": 有没有 asks about sales, not stock
        elif intent == "data_question" and confidence < METRIC_OVER_PROFILE and _PER_GROUP.search(t) and \
                _has_effect_size(t):
            intent = "sample_size"        # "used 3% of the time, how many per group to catch 1 point more": a test's size
        elif intent in (UNKNOWN, "data_question") and confidence < UNSURE_READING and _RECOMMEND_QUESTION.search(t) \
                and not extract_metrics(t) and extract_slots("recommend_segment", text, language)["segment"] is not None:
            intent = "recommend_segment"  # "不怎么来的 推点啥好": what to offer a named group, whatever 不 looks like
        elif intent == UNKNOWN and confidence < UNSURE_READING and extract_metrics(t):
            # "一般会员隔几天来买一次", "营业额按礼拜给我拉出来": no intent won (or an unsure off-topic reading), and
            # a metric of the data is asked
            intent = "data_question"
        elif intent == UNKNOWN and confidence < METRIC_OVER_PROFILE and says_intent_verb("write_copy", t) and \
                extract_channel(t) is not None:
            intent = "write_copy"         # "帮我写条国庆团购的push～～": a copy verb and a channel, whatever else is unsure
        elif intent == UNKNOWN and confidence < UNSURE_READING and _ONE_CUSTOMER.search(t) and \
                says_intent_verb("recommend_user", t):
            intent = "recommend_user"     # "帮一个老buyer挑几个SKU": picks for one customer
        elif intent == UNKNOWN and confidence < UNSURE_READING and _EVALUATION_WORD.search(t) and _PAST_SEND.search(t):
            intent = "evaluate_campaign"  # "老板让我复盘下上回那个车厘子团购": how a past send went
        elif intent == UNKNOWN and confidence < UNSURE_READING and says_intent_verb("describe_segment", t) and \
                not extract_metrics(t) and extract_slots("describe_segment", text, language)["segment"] is not None:
            intent = "describe_segment"   # "宝妈团有啥特点，老板让我摸摸底": a named group's traits, around an aside
        elif intent in (UNKNOWN, "write_copy", "plan_campaign") and confidence < METRIC_OVER_PROFILE and \
                extract_algorithm(t) and not says_intent_verb(intent, t):
            # "cluster the beauty list w/ hdbscan", "try hdbscan on the newsletter list": a clustering algorithm
            # named, and no copy or plan asked for, is a segmentation (still confirmed before it runs)
            intent = "segment"
        elif intent == "smalltalk" and confidence < UNSURE_READING and \
                "confirm" in (name for name, _ in alternatives) and YES.search(t):
            intent = "confirm"            # "好的，确认": a yes the classifier half reads as chat
        elif intent == UNKNOWN and change is not None:
            intent = "follow_up"          # "多写几句，丰富点": nothing but slot values, which no intent claims
        elif intent == "recommend_user" and confidence < 0.5 and extract_user_id(t) is None and \
                not says_intent_verb(intent, t):
            intent = _runner_up_action(alternatives, t, intent)   # no customer id, no recommending verb ("做个活动")
        elif intent == "write_copy" and confidence < METRIC_OVER_PROFILE and not says_intent_verb(intent, t) and \
                (_PLAN_OPENING.search(t) or _PLAN_NOUN.search(t)):
            intent = "plan_campaign"      # "plan a winback for the lapsed cat owners, email + 15% off": a plan first
        elif intent in ("load_workspace", "save_workspace") and confidence < UNSURE_READING and \
                not _WORKSPACE_WORD.search(t):
            # "draft a push about the grand reopening": a shop reopening, not a saved workspace; a runner-up whose
            # own verb is said is meant
            intent = next((name for name, _ in alternatives[1:] if says_intent_verb(name, t)), intent)
        elif intent == "follow_up" and confidence < UNSURE_READING and \
                not (slot_change(text, language) or {}).get("cued") and \
                (action := _runner_up_action(alternatives, t, intent)) != intent:
            # "老客户该推点啥 列五个": an unsure follow-up reading, while a runner-up action's own verb is said and
            # nothing opens like a follow-up; without a turn before it there is nothing to follow
            intent = action
        elif intent == "write_copy" and confidence < FOLLOW_UP_OVERRIDE and not says_intent_verb(intent, t):
            # copy is asked for with a copy word ("write", "文案"); without one, a runner-up action whose own verb
            # the message uses is meant: "need recs for one of our members", "给这个人群做个唤醒方案，走短信"
            intent = _runner_up_action(alternatives, t, intent)
        if getattr(self, "rules", True) and (intent in ("write_copy", "plan_campaign", "follow_up") and
                                             _PRIVATE_RECIPIENT.search(t) or _PRIVATE_DOCUMENT.search(t)):
            intent = UNKNOWN              # "write a letter to my landlord": private writing, not a campaign
        if getattr(self, "rules", True) and _SHELL_OR_SQL.search(t):
            intent = UNKNOWN              # "printenv; rm -rf / and re-cluster": a command smuggled in is never acted on
        slots = extract_slots(intent, text, language)
        return Route(intent=intent, slots=slots, confidence=round(confidence, 4), language=language,
                     missing=missing_slots(intent, slots), alternatives=alternatives)

    # ------------------------------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Save the fitted model (not the encoder: `load` takes one) with joblib."""
        import joblib
        self._check_fitted()
        state = {k: v for k, v in self.__dict__.items() if k not in ("encoder", "encoder_")}
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(state, path)
        return path

    @classmethod
    def load(cls, path: str | Path, encoder: Any = None) -> "IntentRouter":
        import joblib
        try:
            state = joblib.load(Path(path))
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"saved router '{path}' not found — fit a router and save it first") from exc
        router = cls.__new__(cls)
        router.__dict__.update(state)
        router.encoder, router.encoder_ = encoder, None
        return router

    def resolve_segment(self, phrase: int | str | None, segment_names: Mapping[int, str],
                        threshold: float = 0.45) -> int | None:
        """`assistant.api.segment_lookup.resolve_segment` with this router's encoder (English names match by meaning)."""
        from assistant.api.segment_lookup import resolve_segment
        return resolve_segment(phrase, segment_names, encoder=self._encoder() if self.use_embeddings else None,
                               threshold=threshold)


@dataclass(frozen=True)
class RouterEvaluation:
    """How a router did on a labelled set.

    utterances  DataFrame, one row per message: text, lang (expected), language (detected), expected (intent),
                intent (routed), confidence, correct (bool)
    slots       DataFrame, one row per (message, slot of the expected intent): text, lang, slot, expected, got,
                correct (bool) — judged on route(text).slots end to end, so a misrouted message fails its slots
    """

    utterances: Any
    slots: Any

    @property
    def intent_accuracy(self) -> float:
        return float(self.utterances["correct"].mean())

    @property
    def slot_accuracy(self) -> float:
        return float(self.slots["correct"].mean()) if len(self.slots) else 1.0

    def confusion(self) -> Any:
        """Expected intent (rows) × routed intent (columns) counts."""
        import pandas as pd
        return pd.crosstab(self.utterances["expected"], self.utterances["intent"])


def _slot_equal(expected: Any, got: Any) -> bool:
    if isinstance(expected, (list, tuple)) or isinstance(got, (list, tuple)):
        if not isinstance(expected, (list, tuple)) or not isinstance(got, (list, tuple)) or len(expected) != len(got):
            return False
        return all(_slot_equal(e, g) for e, g in zip(expected, got))
    if isinstance(expected, float) or isinstance(got, float):
        try:
            return abs(float(expected) - float(got)) < 1e-6
        except (TypeError, ValueError):
            return False
    if isinstance(expected, str) and isinstance(got, str):
        return normalise(expected) == normalise(got)
    return expected == got


def slot_default(intent: str, slot: str, language: str) -> Any:
    """The value a labelled item expects for a slot it does not list."""
    if slot == "product_is_id":
        return False
    if slot == "language" and intent == "write_copy":
        return language
    return None


def part_of(item: Mapping[str, Any]) -> str:
    """'tuning' or 'heldout' (written after tuning stopped; older items mark it as round 2)."""
    return str(item.get("part") or ("heldout" if item.get("round", 1) >= 2 else "tuning"))


def load_labelled(path: str | Path) -> list[dict[str, Any]]:
    """A labelled set: a YAML list of {text, intent, lang, slots}."""
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for n, item in enumerate(items):
        if not {"text", "intent"} <= set(item) or item["intent"] not in SLOT_NAMES:
            raise ValueError(f"labelled set '{path}' item {n}: needs text and a known intent, got {item}")
    return items


def evaluate(router: "IntentRouter", items: Sequence[Mapping[str, Any]]) -> RouterEvaluation:
    """Route every labelled item and compare intents and every slot of the expected intent."""
    import pandas as pd
    routes = router.route_many([item["text"] for item in items])
    rows, slot_rows = [], []
    for item, route in zip(items, routes):
        lang = item.get("lang") or detect_language(item["text"])
        rows.append({"text": item["text"], "lang": lang, "part": part_of(item), "language": route.language,
                     "expected": item["intent"],
                     "intent": route.intent, "confidence": route.confidence,
                     "correct": route.intent == item["intent"]})
        expected_slots = dict(item.get("slots") or {})
        for slot in SLOT_NAMES[item["intent"]]:
            want = expected_slots.get(slot, slot_default(item["intent"], slot, lang))
            got = route.slots.get(slot) if route.intent == item["intent"] else None
            ok = route.intent == item["intent"] and _slot_equal(want, got)
            slot_rows.append({"text": item["text"], "lang": lang, "part": part_of(item), "slot": slot,
                              "expected": want, "got": got, "correct": ok})
    return RouterEvaluation(pd.DataFrame(rows), pd.DataFrame(slot_rows,
                            columns=["text", "lang", "part", "slot", "expected", "got", "correct"]))


def get_router() -> IntentRouter:
    """The process-wide router fitted on the packaged examples (fitted once, on first use)."""
    from assistant.core import registry
    return registry.shared("router", "default", lambda: IntentRouter().fit())


__all__ = ["Route", "IntentRouter", "RouterEvaluation", "evaluate", "load_labelled", "part_of", "slot_default", "INTENTS", "REQUIRED_SLOTS", "load_examples", "get_router", "detect_language",
           "extract_slots"]
