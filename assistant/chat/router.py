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

from assistant.chat.router_rules import UNKNOWN, Reading, change_of, keeps_own_verb, rule_for
from assistant.chat.slots import REQUIRED_SLOTS, SLOT_NAMES, detect_language, extract_slots, missing_slots, normalise
from assistant.chat.slots_spoken import simplified

EXAMPLES_PATH = Path(__file__).with_name("router_examples.yaml")
INTENTS: tuple[str, ...] = tuple(SLOT_NAMES)


@dataclass(frozen=True)
class Route:
    """Where a chat message goes.

    intent        one of INTENTS ("unknown" when the router is not confident: ask the user to rephrase)
    slots         the intent's slots (see assistant.chat.slots for each slot's meaning); None = not said
    confidence    the classifier's probability of `intent` (0..1)
    language      "en" | "zh": the language of the message (answer in it)
    missing       required slots that were not found: ask for them before acting
    alternatives  the top intents with their probabilities, best first (for "did you mean ...?")
    rule          the rule of `assistant.chat.router_rules` that decided the intent over the classifier, or None
    """

    intent: str
    slots: dict[str, Any]
    confidence: float
    language: str
    missing: tuple[str, ...] = ()
    alternatives: tuple[tuple[str, float], ...] = field(default=())
    rule: str | None = None

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
        texts = [simplified(str(t)) for t in texts]        # one script and one dialect for everything below
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
        rules = getattr(self, "rules", True)          # False: the classifier alone (an ablation in the benches)
        if confidence < self.threshold and not (rules and keeps_own_verb(intent, text, confidence, self.threshold)):
            intent = UNKNOWN              # unsure; but "email copy for the X, bogo on Y" says its intent's own word
        language = detect_language(text)
        rule = None
        if rules:
            reading = Reading(text=text, t=normalise(text), language=language, intent=intent, confidence=confidence,
                              alternatives=alternatives, change=change_of(text, language, intent, confidence))
            intent, rule = rule_for(reading)
        slots = extract_slots(intent, text, language)
        return Route(intent=intent, slots=slots, confidence=round(confidence, 4), language=language,
                     missing=missing_slots(intent, slots), alternatives=alternatives, rule=rule)

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
    if isinstance(expected, str) and isinstance(got, str):       # "高價值客戶" is "高价值客户"
        return normalise(simplified(expected)) == normalise(simplified(got))
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
                     "intent": route.intent, "confidence": route.confidence, "rule": route.rule,
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
