"""LLM throughput: the project's path (LLMClient.stream → ChatOpenAI → managed llama.cpp server) vs llama.cpp
in-process (`Llama.create_chat_completion(stream=True)`) — same model, prompt, sampling and threads, runs
interleaved so machine load hits both alike. Prints a Markdown table. Goal: project ≥ 90 % of direct.

    python bench/llm_bench.py [--runs 3] [--threads N] [--language en|zh]

Tokens are counted by re-tokenising each answer with the model's own tokenizer (the same for both sides).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.core.settings import Settings, offline_environment  # noqa: E402

PROMPT = "persona_check"
VARIABLES = {
    "aggregates": {"customers": 1840, "share_of_customers": 0.12, "orders_per_month": 3.4, "avg_basket_eur": 18.5,
                   "days_since_last_order_median": 6, "coupon_redemption_rate": 0.41},
    "top_categories": ["Baby food", "Diapers", "Fresh milk"],
}


def timed(pieces) -> tuple[str, float, float, float]:
    """(text, ttft, t_last, total) from an iterator of text pieces, timed from before the first next()."""
    start = time.perf_counter()
    first = last = None
    parts = []
    for piece in pieces:
        now = time.perf_counter()
        if piece:
            first = first or now
            last = now
            parts.append(piece)
    end = time.perf_counter()
    first, last = first or end, last or end
    return "".join(parts), first - start, last - start, end - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="default: free cores now")
    parser.add_argument("--language", default="en")
    args = parser.parse_args()
    offline_environment()

    from llama_cpp import Llama

    from assistant.core.llm import build_llm
    from assistant.core.local_llm import free_cores, resolve_model_path

    threads = args.threads or free_cores()
    os.environ["MKT_LLM_THREADS"] = str(threads)
    model_path = resolve_model_path(os.environ.get("MKT_LOCAL_MODEL"))
    settings = Settings(workspace=Path(tempfile.mkdtemp(prefix="llm_bench_")), openai_api_key=None,
                        openai_base_url=None)
    client = build_llm(settings)
    t0 = time.perf_counter()
    client.warm_up()
    server_start = time.perf_counter() - t0

    t0 = time.perf_counter()
    direct = Llama(model_path=str(model_path), n_threads=threads, n_threads_batch=threads, n_ctx=4096,
                   verbose=False)
    direct_load = time.perf_counter() - t0

    # the same messages and sampling for both sides
    messages = [{"role": {"human": "user", "ai": "assistant"}.get(m.type, m.type), "content": m.content}
                for m in client.messages(PROMPT, VARIABLES, language=args.language)]
    from assistant.core.prompts import read_spec

    spec = read_spec(PROMPT)  # the project's path takes temperature and max_tokens from the prompt file
    temperature = spec.temperature
    gen = {"temperature": temperature, "max_tokens": spec.max_tokens}

    def project_pieces():
        return client.stream(PROMPT, VARIABLES, language=args.language)

    def direct_pieces():
        for chunk in direct.create_chat_completion(messages=messages, stream=True, **gen):
            yield chunk["choices"][0]["delta"].get("content") or ""

    results: dict[str, list[tuple[int, float, float, float]]] = {"project": [], "direct": []}
    for run in range(args.runs + 1):  # run 0 warms both caches and is discarded
        for name, pieces in (("project", project_pieces), ("direct", direct_pieces)):
            text, ttft, t_last, total = timed(pieces())
            tokens = len(direct.tokenize(text.encode(), add_bos=False, special=False))
            if run:
                results[name].append((tokens, ttft, t_last, total))

    def summary(rows):
        tokens = statistics.median(r[0] for r in rows)
        ttft = statistics.median(r[1] for r in rows)
        decode = statistics.median((r[0] - 1) / (r[2] - r[1]) for r in rows if r[2] > r[1] and r[0] > 1)
        e2e = statistics.median(r[0] / r[3] for r in rows)
        return tokens, ttft, decode, e2e

    p, d = summary(results["project"]), summary(results["direct"])
    print(f"\nLLM bench: {model_path.name}, threads={threads}, runs={args.runs} (medians), "
          f"max_tokens={spec.max_tokens}, temperature={temperature}, language={args.language}, "
          f"load avg now {os.getloadavg()[0]:.2f}")
    print(f"server start (incl. model load) {server_start:.1f} s; in-process model load {direct_load:.1f} s\n")
    print("| path | tokens | time to first token (s) | decode tok/s | end-to-end tok/s |")
    print("|---|---:|---:|---:|---:|")
    print(f"| project: LLMClient.stream → llama.cpp server | {p[0]:.0f} | {p[1]:.3f} | {p[2]:.1f} | {p[3]:.1f} |")
    print(f"| direct: Llama.create_chat_completion | {d[0]:.0f} | {d[1]:.3f} | {d[2]:.1f} | {d[3]:.1f} |")
    print(f"| project / direct | | {d[1] / p[1]:.0%} (direct TTFT ÷ project) | {p[2] / d[2]:.0%} | "
          f"{p[3] / d[3]:.0%} |")
    client._local.stop()


if __name__ == "__main__":
    main()
