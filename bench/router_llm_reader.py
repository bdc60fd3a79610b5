"""Would the local LLM read the router's unsure turns better than the router? (It does not: measured here.)

The router's misses on a new writer's wording are mostly turns it is unsure of (probability < 0.6). A second
reader for just those turns — the packaged Qwen2.5 GGUF choosing among the router's top intents plus "something
else", scored by the log-probability of one answer letter — is the obvious structural change. The protocol is the
leave-one-batch-out proxy of bench/router_generalisation.py with the writer-independent `*_broad` examples: for
each batch, fit on those examples plus every other batch, route the batch, and let the LLM re-read the unsure turns.

Usage:  python bench/router_llm_reader.py [--model PATH.gguf] [--threshold 0.6] [--top 2] [--batches v3,v4]
        (≈10 s per unsure turn with the 1.5B on a busy machine)
Measured 2026-11-30 after round 5 (1.5B Q4_K_M, 2 threads, `--batches v3,v4,v5,v6,v7`): 34 unsure turns of 465;
router right on 24, LLM on 19 (it fixed 6 and broke 11, mostly off-topic and safety turns), 3.6 s per turn — so
the chat does not route on the local LLM. (An earlier run of the same protocol before round 5: 35 vs 31 of 50.)
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assistant.core.settings import offline_environment  # noqa: E402

offline_environment()

from assistant.chat.router import load_labelled  # noqa: E402
from router_generalisation import MemoEncoder, example_groups, folds  # noqa: E402

# One line per intent, as a marketer would recognise it (the LLM's options).
MEANINGS = {
    "segment": "(re)run customer segmentation / clustering into groups",
    "describe_segment": "describe who is in one customer segment (profile, traits, persona)",
    "recommend_user": "recommend products for one specific customer/household id",
    "recommend_segment": "recommend products to push to a customer segment",
    "similar_products": "find products similar to a given product",
    "write_copy": "write marketing copy/message text (email, SMS, push, WeChat post) for a segment",
    "plan_campaign": "plan a new campaign for a segment (who, channel, offer, timing)",
    "evaluate_campaign": "evaluate how a past campaign performed (lift, results, did it work)",
    "report": "export/generate a persona report file (PDF/HTML/markdown)",
    "data_question": "a question about numbers in the data: counts, averages, AOV, spend, revenue share, LTV, "
                     "top categories/products, trends",
    "compare_segments": "compare two or more segments",
    "next_campaign": "advice on what the next campaign should do or target, learning from past campaigns",
    "personas": "write/generate personas for all segments",
    "search_products": "search the product catalogue for an item",
    "sample_size": "sample size / power calculation for an A/B test",
    "save_workspace": "save the current work/workspace",
    "load_workspace": "load/open a saved workspace or data",
    "audience": "build an audience of customers who bought X within / not within some days",
    "follow_up": "change the previous answer (shorter, other channel, other segment, other language, more detail)",
    "confirm": "yes / go ahead", "cancel": "no / stop / cancel", "undo": "undo the last change",
    "data_quality": "check the quality of the uploaded data (missing fields, errors)",
    "help": "what can you do / how to use", "smalltalk": "greeting or thanks",
    "unknown": "something else, not a task for a marketing data assistant",
}
LETTERS = "ABCDEF"


def unsure_turns(threshold: float, batches: set[str] | None = None) -> list[dict]:
    """Leave-one-batch-out routes of every labelled batch; the turns the router is unsure of."""
    from embeddings.encoder import get_encoder
    encoder = MemoEncoder(get_encoder())
    items = load_labelled(ROOT / "tests" / "assistant" / "chat_utterances.yaml")
    texts, labels = example_groups("broad")
    unsure, total = [], 0
    for _, _, held, routes in folds(encoder, items, texts, labels, batches):
        total += len(held)
        for item, route in zip(held, routes):
            if route.confidence < threshold or route.intent == "unknown":
                unsure.append({"text": item["text"], "expected": item["intent"], "routed": route.intent,
                               "options": [name for name, _ in route.alternatives]})
    print(f"labelled single turns: {total}; unsure (probability < {threshold}): {len(unsure)}")
    return unsure


def llm_choice(llm, text: str, options: list[str]) -> str:
    lines = "\n".join(f"{LETTERS[n]}) {MEANINGS[name]}" for n, name in enumerate(options))
    prompt = ("<|im_start|>system\nYou classify a marketer's chat message to a marketing analytics assistant."
              f"<|im_end|>\n<|im_start|>user\nMessage: \"{text}\"\n\nWhich request is it?\n{lines}\n\n"
              "Answer with one letter.<|im_end|>\n<|im_start|>assistant\n")
    top = llm.create_completion(prompt, max_tokens=1, logprobs=10, temperature=0)["choices"][0]["logprobs"]
    scores = top["top_logprobs"][0]
    return max(options, key=lambda name: scores.get(LETTERS[options.index(name)], -99.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.environ.get("MKT_LOCAL_MODEL"), help="GGUF (default: the packaged one)")
    parser.add_argument("--threshold", type=float, default=0.6)
    parser.add_argument("--top", type=int, default=2, help="router intents offered to the LLM (plus 'unknown')")
    parser.add_argument("--batches", default="", help="comma-separated batches to leave out in turn (default: all)")
    args = parser.parse_args()
    from llama_cpp import Llama

    from assistant.core.local_llm import resolve_model_path
    turns = unsure_turns(args.threshold, set(filter(None, args.batches.split(","))) or None)
    llm = Llama(model_path=str(resolve_model_path(args.model)), n_ctx=1024, n_threads=2, verbose=False,
                logits_all=True)
    start, fixed, broken, llm_right = time.perf_counter(), [], [], 0
    for turn in turns:
        options = list(dict.fromkeys(turn["options"][:args.top] + ["unknown"]))
        chosen = llm_choice(llm, turn["text"], options)
        llm_right += chosen == turn["expected"]
        if (chosen == turn["expected"]) != (turn["routed"] == turn["expected"]):
            (fixed if chosen == turn["expected"] else broken).append((turn["text"], turn["expected"], chosen))
    seconds = (time.perf_counter() - start) / max(len(turns), 1)
    router_right = sum(t["routed"] == t["expected"] for t in turns)
    print(f"\n| reader | right on the unsure turns |\n|---|---|\n| router | {router_right} / {len(turns)} |\n"
          f"| LLM ({Path(llm.model_path).name}) | {llm_right} / {len(turns)} |\nLLM: {seconds:.1f} s per turn; "
          f"fixed {len(fixed)}, broke {len(broken)}")
    for label, rows in (("fixed", fixed), ("broke", broken)):
        for text, expected, chosen in rows:
            print(f"  {label}: {text!r} expected {expected}, LLM {chosen}")


if __name__ == "__main__":
    main()
