"""Audience-builder benchmark: sentence → filter accuracy on the labelled EN/ZH sets (tests/segmentation/).

Modes: `rules` (deterministic parser only), `product` (what `parse_audience` does: rules, then the local LLM with
grammar-enforced JSON only for sentences the rules did not fully understand), `llm` (the local LLM alone on every
sentence — the ablation; slow on 2 CPU cores, so `--llm-sample` sentences by default). Prints exact-filter
accuracy and per-field accuracy per set, language and mode, and the time per sentence. Goal: >= 90 % exact on
the product path.

    python bench/audience_bench.py [--modes rules product llm] [--llm-sample 40]
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import yaml

from segmentation.audience import AudienceFilter
from segmentation.audience_llm import parse_sentence
from segmentation.audience_parser import comparable, is_chinese

SETS = {"labelled (tuned on)": "audience_sentences.yaml", "unseen (written after tuning)": "audience_sentences_unseen.yaml"}
HERE = Path(__file__).resolve().parents[1] / "tests" / "segmentation"


def score(cases, mode, llm):
    exact, per_field, times, by_lang, failures = 0, {}, [], {"en": [0, 0], "zh": [0, 0]}, []
    for case in cases:
        expected = comparable(AudienceFilter(**case["filter"]))
        start = time.perf_counter()
        try:
            parsed = parse_sentence(case["text"], llm, mode="auto" if mode == "product" else mode)
            got, complete = comparable(parsed.filter), not parsed.not_understood
        except Exception as exc:  # noqa: BLE001 — an LLM failure counts as a miss
            got, complete = comparable(AudienceFilter()), False
            failures.append(f"{case['text']}: {type(exc).__name__}")
        times.append(time.perf_counter() - start)
        hit = got == expected and complete
        exact += hit
        lang = "zh" if is_chinese(case["text"]) else "en"
        by_lang[lang][0] += hit
        by_lang[lang][1] += 1
        for field, value in expected.items():
            per_field.setdefault(field, []).append(got[field] == value)
        if not hit and mode != "llm":
            failures.append(f"{case['text']}")
    return exact / len(cases), by_lang, per_field, times, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modes", nargs="+", default=["rules", "product", "llm"])
    parser.add_argument("--llm-sample", type=int, default=40, help="sentences per set for the llm-only mode")
    args = parser.parse_args()
    llm = None
    if {"product", "llm"} & set(args.modes):
        from assistant.core.llm import get_llm
        llm = get_llm()
        start = time.perf_counter()
        llm.warm_up()
        print(f"LLM: {llm.backend_name} (ready in {time.perf_counter() - start:.1f} s)")
    rows = []
    for set_name, file in SETS.items():
        cases = yaml.safe_load((HERE / file).read_text(encoding="utf-8"))
        for mode in args.modes:
            sample = cases
            if mode == "llm" and args.llm_sample and len(cases) > args.llm_sample:
                sample = random.Random(0).sample(cases, args.llm_sample)
            exact, by_lang, per_field, times, failures = score(sample, mode, llm if mode != "rules" else None)
            rows.append((set_name, mode, len(sample), exact, by_lang, per_field, times))
            for failure in failures[:12]:
                print(f"  miss [{set_name} / {mode}] {failure}")
    print("\n| set | mode | sentences | exact filter | EN | ZH | median s / sentence |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for set_name, mode, n, exact, by_lang, _, times in rows:
        en, zh = (f"{h / t:.1%}" if t else "—" for h, t in (by_lang["en"], by_lang["zh"]))
        print(f"| {set_name} | {mode} | {n} | {exact:.1%} | {en} | {zh} | {statistics.median(times):.3f} |")
    print("\nPer-field accuracy:")
    fields = list(rows[0][5])
    print("| set | mode | " + " | ".join(fields) + " |")
    print("|---|---|" + "---:|" * len(fields))
    for set_name, mode, _, _, _, per_field, _ in rows:
        print(f"| {set_name} | {mode} | " + " | ".join(f"{sum(v) / len(v):.0%}" for v in per_field.values()) + " |")


if __name__ == "__main__":
    main()
