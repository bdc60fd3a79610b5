"""Chat router benchmark: routing and slot accuracy on the labelled EN/ZH set, an ablation of the two feature
blocks, and route() latency.

Usage:  python bench/router_bench.py [--labelled tests/assistant/chat_utterances.yaml]
                                    [--dialogues tests/assistant/chat_dialogues.yaml] [--repeat 3]
The router trains on assistant/chat/router_examples.yaml only; the labelled set is disjoint from it (checked here too).
Both labelled files are split into a tuning part and a held-out part (written before tuning, never tuned on);
accuracy is printed per part and per batch, and every miss is listed (`--misses tuning` while tuning, so held-out
misses stay unseen). A held-out batch becomes tuning data once it has been measured and its misses seen: batch v3
was held out until its first measurement (2026-11-30) and is now `part: tuning, batch: v3`; batch v4 (written by a
separate engineer who had not seen the router) likewise, measured once while held out, is now `part: tuning,
batch: v4`; so are v5, v6 and v7 (each written by another engineer who had not seen the router, measured once
while held out, then tuned on; their one measurement is in the README). Batches v8a and v8b (two more such
engineers) were measured once after round 4, then tuned on in round 5; v9a and v9b, measured once after round 5,
were tuned on in round 6; v10a and v10b, measured once after round 6, were tuned on in round 7; v11a and v11b,
measured once after round 7, were tuned on in round 8; v12a and v12b, measured once after round 8, were tuned
on in round 9; v13a and v13b, measured once after round 9, were tuned on in round 10; v14a and v14b, measured once
after round 10, were tuned on in round 11; v15a and v15b, measured once after round 11, were tuned on in round 12;
v16a and v16b, measured once after round 12, were tuned on in round 13; v17a and v17b (written from the brief
revised to ask for the voice's mess), measured once after round 13, were tuned on in round 14; v18a and v18b,
measured once after round 14, were tuned on in round 15; v19a and v19b, measured once after round 15, stay
`part: heldout`, never tuned on (the writers' brief is bench/router_writer_brief.md). Dialogues are played through the conversation state
(`assistant.chat.state`): a turn is right when its resolved intent (and asked slot / confirmation) matches, its
slots are right when every slot of that intent matches.
Latency is wall time of single-message `route()` calls (one embedding each) on this machine, after warm-up.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.core.settings import offline_environment  # noqa: E402

offline_environment()

from assistant.chat.router import IntentRouter, evaluate, load_examples, load_labelled, part_of  # noqa: E402
from assistant.chat.state import evaluate_dialogues, load_dialogues  # noqa: E402
from assistant.chat.slots import extract_slots, normalise  # noqa: E402


def accuracy_table(evaluation) -> pd.DataFrame:
    u, s = evaluation.utterances, evaluation.slots
    rows = []
    for lang in ("en", "zh", "all"):
        uu = u if lang == "all" else u[u["lang"] == lang]
        ss = s if lang == "all" else s[s["lang"] == lang]
        rows.append({"language": lang, "messages": len(uu), "intent_acc": uu["correct"].mean(),
                     "slot_values": len(ss), "slot_acc": ss["correct"].mean()})
    return pd.DataFrame(rows).set_index("language")


def batch_of(item) -> str:
    """'<part>' or '<part>-<batch>': 'heldout' (held-out v1/v2), 'heldout-v5' (a later held-out batch),
    'tuning-v4' (a batch that was held out until measured, then tuned on)."""
    part = part_of(item)
    return f"{part}-{item['batch']}" if item.get("batch") else part


def part_table(evaluation) -> pd.DataFrame:
    """Accuracy per part (tuning / held-out), per held-out batch, and per language."""
    u, s = evaluation.utterances, evaluation.slots
    rows = []
    groups = [("tuning", "part", "tuning"), ("heldout (all)", "part", "heldout")]
    groups += [(b, "batch", b) for b in sorted(set(u["batch"])) if "-" in b]
    for name, column, value in groups:
        for lang in ("en", "zh", "all"):
            uu = u[(u[column] == value) & ((u["lang"] == lang) if lang != "all" else True)]
            ss = s[(s[column] == value) & ((s["lang"] == lang) if lang != "all" else True)]
            rows.append({"part": name, "language": lang, "messages": len(uu), "intent_acc": uu["correct"].mean(),
                         "slot_values": len(ss), "slot_acc": ss["correct"].mean()})
    return pd.DataFrame(rows).set_index(["part", "language"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", default=str(ROOT / "tests" / "assistant" / "chat_utterances.yaml"))
    parser.add_argument("--dialogues", default=str(ROOT / "tests" / "assistant" / "chat_dialogues.yaml"))
    parser.add_argument("--repeat", type=int, default=3, help="route() calls per message for latency")
    parser.add_argument("--misses", choices=("all", "tuning", "none"), default="all",
                        help="which parts' misses to list; 'tuning' while tuning, so held-out misses stay unseen")
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.float_format", lambda v: f"{v:.3f}")

    items = load_labelled(args.labelled)
    train, _ = load_examples()
    overlap = {normalise(t) for t in train} & {normalise(i["text"]) for i in items}
    print(f"training examples: {len(train)}   labelled messages: {len(items)}   overlap: {len(overlap)}")

    from embeddings.encoder import get_encoder
    t0 = time.perf_counter()
    encoder = get_encoder()
    encoder.encode(["warm up"])
    t1 = time.perf_counter()
    router = IntentRouter(encoder=encoder).fit()
    t2 = time.perf_counter()
    print(f"model load {t1 - t0:.1f} s, fit (embed {len(train)} examples + train) {t2 - t1:.1f} s")

    evaluation = evaluate(router, items)
    batches = {i["text"]: batch_of(i) for i in items}
    evaluation.utterances["batch"] = evaluation.utterances["text"].map(batches)
    evaluation.slots["batch"] = evaluation.slots["text"].map(batches)
    shown = {"all": {"tuning", "heldout"}, "tuning": {"tuning"}, "none": set()}[args.misses]
    print("\n## Accuracy (router = MiniLM embedding + char 1-3-gram TF-IDF -> LogisticRegression)")
    print(accuracy_table(evaluation).to_string())

    print("\n## Single turns per part (held-out = written before tuning, never tuned on)")
    print(part_table(evaluation).to_string())

    dialogues = load_dialogues(args.dialogues)
    turns = evaluate_dialogues(router, dialogues)
    turns["batch"] = turns["dialogue"].map({d["id"]: batch_of(d) for d in dialogues})
    print(f"\n## Dialogues: {len(dialogues)} dialogues, {len(turns)} turns (resolved intent and slots)")
    print(turns.groupby(["part", "lang"]).agg(dialogues=("dialogue", "nunique"), turns=("turn", "size"),
                                              intent_acc=("intent_ok", "mean"), slot_acc=("slots_ok", "mean"))
          .to_string())
    print(turns.groupby(["part", "batch"]).agg(turns=("turn", "size"), intent_acc=("intent_ok", "mean"),
                                               slot_acc=("slots_ok", "mean")).to_string())
    missed = turns[~turns["slots_ok"] & turns["part"].isin(shown)]
    if len(missed):
        print("\ndialogue misses:\n" + missed[["dialogue", "text", "expected", "intent", "ask", "confirm", "wrong"]]
              .to_string())
    combined = pd.concat([
        evaluation.utterances.assign(slot_ok=evaluation.utterances["text"].map(
            evaluation.slots.groupby("text")["correct"].all()).fillna(True))[["part", "batch", "correct", "slot_ok"]],
        turns.rename(columns={"intent_ok": "correct", "slots_ok": "slot_ok"})[["part", "batch", "correct", "slot_ok"]]])
    print("\n## All labelled utterances (single turns + dialogue turns) per part and batch")
    print(combined.groupby(["part", "batch"]).agg(utterances=("correct", "size"), intent_acc=("correct", "mean"),
                                       all_slots_right=("slot_ok", "mean")).to_string())

    s = evaluation.slots
    per_slot = s.pivot_table(index="slot", columns="lang", values="correct", aggfunc=["mean", "count"])
    per_slot.columns = [f"{a}_{b}".replace("mean", "acc").replace("count", "n") for a, b in per_slot.columns]
    print("\n## Slot accuracy per slot and language (end to end: a misrouted message fails its slots)")
    print(per_slot.to_string(na_rep="-"))

    u = evaluation.utterances
    print("\n## Intent accuracy per intent")
    print(u.groupby("expected")["correct"].agg(["mean", "count"]).rename(columns={"mean": "acc"}).to_string())
    print("\n## Confusion (rows expected, columns routed)")
    print(evaluation.confusion().to_string())
    wrong = u[~u["correct"] & u["part"].isin(shown)]
    if len(wrong):
        print("\nmisrouted (rule: the post-classifier rule that decided, if any):\n" +
              wrong[["text", "expected", "intent", "confidence", "rule"]].to_string())
    bad_slots = s[~s["correct"] & s["text"].isin(u[u["correct"]]["text"]) & s["part"].isin(shown)]
    if len(bad_slots):
        print("\nwrong slots (intent right):\n" + bad_slots[["text", "slot", "expected", "got"]].to_string())

    print("\n## Ablation: intent accuracy by feature block")
    rows = []
    for name, kwargs in [("char n-grams only", {"use_embeddings": False}),
                         ("embeddings only", {"ngram_weight": 0.0}),
                         ("both (default)", {})]:
        ev = evaluate(IntentRouter(encoder=encoder, **kwargs).fit(), items)
        table = accuracy_table(ev)
        rows.append({"features": name, "en": table.loc["en", "intent_acc"], "zh": table.loc["zh", "intent_acc"],
                     "all": table.loc["all", "intent_acc"]})
    print(pd.DataFrame(rows).set_index("features").to_string())

    texts = [i["text"] for i in items]
    for text in texts[:5]:
        router.route(text)
    latencies = []
    for _ in range(args.repeat):
        for text in texts:
            start = time.perf_counter()
            router.route(text)
            latencies.append((time.perf_counter() - start) * 1000)
    slot_lat = []
    for item in items:
        start = time.perf_counter()
        extract_slots(item["intent"], item["text"])
        slot_lat.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    router.route_many(texts)
    batch_ms = (time.perf_counter() - start) * 1000 / len(texts)
    print("\n## Latency (ms)")
    print(pd.DataFrame([
        {"what": "route() one message", "calls": len(latencies), "p50": np.percentile(latencies, 50),
         "p95": np.percentile(latencies, 95)},
        {"what": "extract_slots() alone", "calls": len(slot_lat), "p50": np.percentile(slot_lat, 50),
         "p95": np.percentile(slot_lat, 95)},
        {"what": f"route_many({len(texts)}) per message", "calls": 1, "p50": batch_ms, "p95": batch_ms},
    ]).set_index("what").to_string())


if __name__ == "__main__":
    main()
