"""A time budget for one LLM call: the answer if it comes in time, else `BudgetExceeded` (the caller keeps its
template). Why a thread and not the client's timeout: the client's timeout (MKT_LLM_TIMEOUT) bounds each HTTP
attempt and its retries multiply it; a marketer's wait is bounded per answer. The abandoned request finishes
in the background (bounded by the prompt's max_tokens) and its result is dropped.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class BudgetExceeded(TimeoutError):
    """The call did not finish within its time budget."""


def call_within(fn: Callable[[], T], seconds: float) -> T:
    """`fn()` if it returns within `seconds`; its exception if it raises; else BudgetExceeded."""
    if seconds <= 0:
        raise BudgetExceeded("no time left in the budget for the language model")
    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 — re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True, name="llm-budget")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise BudgetExceeded(f"the language model took longer than {seconds:.0f} s")
    if "error" in box:
        raise box["error"]
    return box["value"]
