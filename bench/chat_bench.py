"""Latency of non-LLM chat turns through the UI path.

Two measurements on the bundled demo data, after warm-up (router fitted, recommender fitted, segments made):
  handler   the Gradio chat handlers `assistant.ui.chat_tab.take_message` + `respond` called in-process (routing +
            facade + rendering)
  http      the same turn through a launched Gradio app with `gradio_client` (both steps: HTTP, queue,
            serialisation)

Usage: python bench/chat_bench.py [--repeat 20]
"""
from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.core.settings import offline_environment  # noqa: E402

offline_environment()

MESSAGES = {
    "recommend (EN)": "what should I recommend to household 1029?",
    "recommend (ZH)": "给客户1029推荐几个商品",
    "similar products": "products similar to product 1082185",
    "evaluate campaign": "how did campaign 18 do?",
    "data quality": "show me the data quality report",
    "data question (EN)": "how many customers do we have and what's the average order value?",
    "data question (ZH)": "哪个品类卖得最好？",
    "trend by month": "show me revenue by month",
    "follow-up (and for segment 2?)": "and for segment 2?",
    "segment by description": "what's the AOV of the lapsing customers?",
    "compare segments": "compare segment 0 and segment 1",
    "audience count": "show me customers who bought baby products but not in the last month",
    "next campaign": "who should the next campaign target?",
    "confirmation question": "maybe 6 groups would be better?",
}


def _percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times) * 1000, times[int(0.95 * (len(times) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    import os
    os.environ.setdefault("MKT_WORKSPACE", tempfile.mkdtemp(prefix="mkt_chat_bench_"))
    from assistant.ui import app as ui, chat_tab, session

    state = session.new_session()
    t0 = time.perf_counter()
    state.assistant.segment(4)
    state.assistant.recommender  # noqa: B018 — fit outside the timed turns
    from assistant.chat.router import get_router
    get_router()
    print(f"warm-up (segments + recommender + router): {time.perf_counter() - t0:.1f} s")

    def turn(message: str) -> list:
        chat_tab.take_message(message, state)
        *_, (history, _) = chat_tab.respond(state)
        return history

    rows = []
    turn("what's the average order value?")  # context for the follow-up turn
    for label, message in MESSAGES.items():
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            history = turn(message)
            times.append(time.perf_counter() - start)
            if label == "confirmation question":
                turn("no")  # answer it, outside the timing
        p50, p95 = _percentiles(times)
        text = next(m["content"] for m in reversed(history) if m["role"] == "assistant" and isinstance(m["content"], str))
        rows.append(("handler", label, args.repeat, p50, p95, text[:60].replace("\n", " ")))

    demo = ui.build_app()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True)
    try:
        from gradio_client import Client
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        for label in ("recommend (EN)", "evaluate campaign"):
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                client.predict(MESSAGES[label], api_name="/take_message")
                client.predict(api_name="/respond")
                times.append(time.perf_counter() - start)
            p50, p95 = _percentiles(times)
            rows.append(("http", label, args.repeat, p50, p95, "(new session: includes first-use cost)"))
    except Exception as exc:  # noqa: BLE001 — report what could not be measured
        rows.append(("http", "not measured", 0, float("nan"), float("nan"), f"{type(exc).__name__}: {exc}"[:60]))
    finally:
        demo.close()

    print("\n| path | turn | n | p50 ms | p95 ms | answer starts |\n|---|---|---:|---:|---:|---|")
    for path, label, n, p50, p95, answer in rows:
        print(f"| {path} | {label} | {n} | {p50:.1f} | {p95:.1f} | {answer} |")


if __name__ == "__main__":
    main()
