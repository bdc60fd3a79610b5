"""The Gradio app: a thin shell over `MarketingAssistant`, one module per tab (all logic lives below the shells).

Binds 127.0.0.1 by default; analytics off; optional login with MKT_UI_USER / MKT_UI_PASSWORD; uploads capped by
MKT_UI_MAX_UPLOAD (default 50mb). Run: `mkt ui` or `python app.py`.
"""
from __future__ import annotations

import functools
import os
import tempfile
import threading

from assistant.core.settings import Settings, offline_environment

offline_environment()

import gradio as gr  # noqa: E402  (after the offline environment is set)

from assistant.ui import (  # noqa: E402
    audience_tab, campaigns_tab, chat_tab, data_tab, evaluate_tab, recs_tab, reports_tab, segments_tab,
)
from assistant.ui.session import new_session  # noqa: E402


@functools.lru_cache(maxsize=1)
def warm_up_in_background() -> threading.Thread:
    """Load what the first questions need while the page opens: the chat router, the demo recommender (its
    product vectors are the slow part on a fresh machine) and the local LLM server. Failures are left for the
    request that needs the part, which reports them readably."""
    from assistant.core.llm import get_llm
    from assistant.chat.router import get_router

    def work():
        for step in (get_router, lambda: new_session().assistant.recommender, lambda: get_llm().warm_up()):
            try:
                step()
            except Exception as exc:  # noqa: BLE001
                print(f"warm-up step failed (will be retried on use): {exc}")
    thread = threading.Thread(target=work, name="mkt-warm-up", daemon=True)
    thread.start()
    return thread


def build_app() -> gr.Blocks:
    warm_up_in_background()
    with gr.Blocks(title="Marketing assistant") as demo:
        state = gr.State(None)
        gr.Markdown("# Marketing assistant\nSegments with personas, recommendations, campaign copy and "
                    "evaluation. Runs offline on the bundled Complete Journey demo data (CC0) unless you load your own.")
        for tab in (chat_tab, segments_tab, audience_tab, recs_tab, campaigns_tab, evaluate_tab, data_tab,
                    reports_tab):
            tab.build(state)
    return demo


def launch(host: str | None = None, port: int | None = None, demo: gr.Blocks | None = None, **kwargs):
    """Start the UI (127.0.0.1 by default; MKT_UI_HOST / MKT_UI_PORT to change)."""
    user, password = os.environ.get("MKT_UI_USER"), os.environ.get("MKT_UI_PASSWORD")
    demo = demo or build_app()
    return demo.launch(
        server_name=host or os.environ.get("MKT_UI_HOST", "127.0.0.1"),
        server_port=port or int(os.environ.get("MKT_UI_PORT", "7860")),
        auth=(user, password) if user and password else None,
        max_file_size=os.environ.get("MKT_UI_MAX_UPLOAD", "50mb"),
        allowed_paths=[tempfile.gettempdir(), str(Settings.from_env().workspace)],
        **kwargs,
    )


