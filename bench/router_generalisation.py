"""How well does the chat router generalise to a writer it has never seen? Leave-one-batch-out over the labelled sets.

The labelled utterances were written in batches by different people (the first tuning set, held-out v1/v2, t3, v3,
v4, v5). A new batch by someone who never saw the router lands lower than any tuned-on batch, so accuracy on the
labelled set after tuning says little about the next writer. The proxy here: for each batch B, fit the router on
the packaged examples plus every OTHER batch's single turns, and route batch B's single turns and dialogues
(dialogue turns judged on the intent the conversation state resolves). The mean over batches estimates "a new
writer"; router settings (C, feature weights, class weights, threshold, rules) are chosen on it, not on the
labelled accuracy the examples were tuned towards.

Usage:  python bench/router_generalisation.py [--configs default,...]   (≈2-4 min: embeds every text once)
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

from assistant.chat.router import IntentRouter, load_examples, load_labelled, part_of  # noqa: E402
from assistant.chat.state import evaluate_dialogues, load_dialogues  # noqa: E402

# Settings tried against the proxy (IntentRouter keyword arguments); "default" is the shipped router.
CONFIGS: dict[str, dict] = {
    "default": {},
    "no threshold": {"threshold": 0.0},
    "threshold 0.35": {"threshold": 0.35},
    "threshold 0.15": {"threshold": 0.15},
    "C=5": {"C": 5.0},
    "C=20": {"C": 20.0},
    "C=100": {"C": 100.0},
    "C=50 threshold 0.15": {"C": 50.0, "threshold": 0.15},
    "C=100 threshold 0.15": {"C": 100.0, "threshold": 0.15},
    "C=50": {"C": 50.0},
    "balanced classes": {"class_weight": "balanced"},
    "embeddings x1.5": {"embedding_weight": 1.5},
    "embeddings x0.7": {"embedding_weight": 0.7},
    "no rules": {"rules": False},
    "char n-grams only": {"use_embeddings": False},
}


class MemoEncoder:
    """Wraps the project encoder: every distinct text is embedded once for all folds and configs."""

    def __init__(self, encoder):
        self.encoder, self.model_id, self.memo = encoder, f"memo:{encoder.model_id}", {}

    def encode(self, texts):
        todo = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if todo:
            for t, v in zip(todo, np.asarray(self.encoder.encode(todo), dtype=np.float32)):
                self.memo[t] = v
        return np.stack([self.memo[t] for t in texts])


def example_groups(which: str) -> tuple[list[str], list[str]]:
    """(texts, intents) of the packaged examples, all or only some groups (see --examples)."""
    import yaml

    from assistant.chat.router import EXAMPLES_PATH
    if which == "all":
        return load_examples()
    texts, labels = [], []
    for intent, groups in yaml.safe_load(EXAMPLES_PATH.read_text(encoding="utf-8")).items():
        for key, group in groups.items():
            if which != "none" and key.endswith("_broad") == (which == "broad"):
                texts += [str(t) for t in group or []]
                labels += [intent] * len(group or [])
    return texts, labels


def batch_name(item) -> str:
    return str(item.get("batch") or part_of(item))


def folds(encoder, items, train_texts, train_labels, batches=None, **kwargs):
    """For each batch (all, or those in `batches`): (batch, router fit on the examples plus every OTHER batch's
    single turns, the batch's items, their routes)."""
    for batch in sorted({batch_name(i) for i in items} & set(batches or {batch_name(i) for i in items})):
        others = [i for i in items if batch_name(i) != batch]
        texts = list(train_texts) + [i["text"] for i in others]
        labels = list(train_labels) + [i["intent"] for i in others]
        router = IntentRouter(encoder=encoder, **kwargs).fit(texts, labels)
        held = [i for i in items if batch_name(i) == batch]
        yield batch, router, held, router.route_many([i["text"] for i in held])


def leave_one_batch_out(encoder, items, dialogues, train_texts, train_labels, misses=None,
                        **kwargs) -> pd.DataFrame:
    """One row per held-out batch: single-turn intent accuracy and dialogue-turn intent accuracy.
    `misses` (a list) collects (batch, expected, routed) of every missed single turn."""
    rows = []
    for batch, router, held, routes in folds(encoder, items, train_texts, train_labels, **kwargs):
        single = np.mean([r.intent == i["intent"] for r, i in zip(routes, held)])
        if misses is not None:
            misses += [(batch, i["intent"], r.intent) for r, i in zip(routes, held) if r.intent != i["intent"]]
        dl = [d for d in dialogues if batch_name(d) == batch]
        turns = evaluate_dialogues(router, dl) if dl else None
        rows.append({"batch": batch, "single_turns": len(held), "intent_acc": single,
                     "dialogue_turns": 0 if turns is None else len(turns),
                     "dialogue_intent_acc": np.nan if turns is None else turns["intent_ok"].mean()})
    return pd.DataFrame(rows).set_index("batch")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", default=str(ROOT / "tests" / "assistant" / "chat_utterances.yaml"))
    parser.add_argument("--dialogues", default=str(ROOT / "tests" / "assistant" / "chat_dialogues.yaml"))
    parser.add_argument("--configs", default="default", help="comma-separated names from CONFIGS, or 'all'")
    parser.add_argument("--examples", default="all", choices=("all", "none", "broad", "not-broad"),
                        help="which packaged examples join the other batches in training: all; none (writers "
                             "only: the cleanest proxy, since the examples paraphrase earlier batches' misses); "
                             "broad (only the `*_broad` groups, written by style and vocabulary, not from misses)")
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.float_format", lambda v: f"{v:.3f}")

    from embeddings.encoder import get_encoder
    encoder = MemoEncoder(get_encoder())
    items, dialogues = load_labelled(args.labelled), load_dialogues(args.dialogues)
    train_texts, train_labels = example_groups(args.examples)
    start = time.perf_counter()
    encoder.encode(list(train_texts) + [i["text"] for i in items] +
                   [t["text"] for d in dialogues for t in d["turns"]])
    print(f"examples ({args.examples}): {len(train_texts)}  labelled single turns: {len(items)}  dialogues: {len(dialogues)}  "
          f"(embedded in {time.perf_counter() - start:.0f} s)")
    names = list(CONFIGS) if args.configs == "all" else args.configs.split(",")
    summary = []
    for name in names:
        misses: list = []
        table = leave_one_batch_out(encoder, items, dialogues, train_texts, train_labels, misses, **CONFIGS[name])
        if name == names[0]:
            print(f"\n## Leave-one-batch-out, {name}\n{table.to_string()}")
            counts = pd.DataFrame(misses, columns=["batch", "expected", "routed"]).value_counts(["expected", "routed"])
            print(f"\nmissed single turns over all folds (expected -> routed, count):\n{counts.head(25).to_string()}")
        weights = table["single_turns"] / table["single_turns"].sum()
        summary.append({"config": name, "mean_batch_acc": table["intent_acc"].mean(),
                        "worst_batch_acc": table["intent_acc"].min(),
                        "pooled_acc": float((table["intent_acc"] * weights).sum()),
                        "v5_acc": table["intent_acc"].get("v5", np.nan),
                        "dialogue_acc": float(np.nanmean(table["dialogue_intent_acc"]))})
        print(f"  {name}: {summary[-1]}", flush=True)
    print("\n## Proxy for a new writer (leave-one-batch-out intent accuracy)")
    print(pd.DataFrame(summary).set_index("config").to_string())


if __name__ == "__main__":
    main()
