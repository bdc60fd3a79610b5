"""The Gradio app: a thin shell over `MarketingAssistant`, one module per tab (all logic lives below the shells).

Binds 127.0.0.1 by default; analytics off; optional login (MKT_UI_USER + MKT_UI_PASSWORD): without it no page,
no API call and no file is reachable; uploads capped by MKT_UI_MAX_UPLOAD (default 50mb). Files: the server
serves only Gradio's private cache of this process (uploads and the downloads a session generated in its own
folder), and each of those files only to the browser it was handed to (`file_access`); never the temp folder,
another session's folder or the saved workspace (`launch` blocks it explicitly). Run: `mkt ui` or `python app.py`.
"""
from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

from assistant.core.settings import Settings, offline_environment

offline_environment()

from assistant.ui.file_access import FileAccessMiddleware  # noqa: E402
from assistant.ui.session import close_session, files_root, gradio_cache_dir, new_session  # noqa: E402
# Gradio's upload/download cache: a private folder of this process instead of the machine-wide /tmp/gradio
# (read by Gradio when its components are created, so set before they are).
os.environ["GRADIO_TEMP_DIR"] = str(gradio_cache_dir())

import gradio as gr  # noqa: E402  (after the offline environment is set)

from assistant.ui import (  # noqa: E402
    audience_tab, campaigns_tab, chat_tab, data_tab, evaluate_tab, next_tab, recs_tab, reports_tab, segments_tab,
)

# The tabs in display order; each module has build(state). A new capability's tab is registered here.
TABS = (chat_tab, segments_tab, audience_tab, recs_tab, campaigns_tab, evaluate_tab, next_tab, data_tab, reports_tab)

# Cached copies of uploads and downloads are deleted every 30 min once older than 4 h (and all at restart).
CACHE_CLEANUP = (1800, 4 * 3600)


@functools.lru_cache(maxsize=1)
def warm_up_in_background() -> threading.Thread:
    """Load what the first questions need while the page opens: the chat router, the demo recommender (its
    product vectors are the slow part on a fresh machine) and the local LLM server. Failures are left for the
    request that needs the part, which reports them readably."""
    from assistant.core.llm import get_llm
    from assistant.chat.router import get_router

    def demo_recommender():
        session = new_session()
        try:
            session.assistant.recommender
        finally:
            session.close()

    def work():
        for step in (get_router, demo_recommender, lambda: get_llm().warm_up()):
            try:
                step()
            except Exception as exc:  # noqa: BLE001
                print(f"warm-up step failed (will be retried on use): {exc}")
    thread = threading.Thread(target=work, name="mkt-warm-up", daemon=True)
    thread.start()
    return thread


def build_app(warm_up: bool = True) -> gr.Blocks:
    """The Blocks of the UI; `warm_up` loads the router, the demo recommender and the LLM in the background."""
    if warm_up:
        warm_up_in_background()
    with gr.Blocks(title="Marketing assistant", delete_cache=CACHE_CLEANUP) as demo:
        # one Session per browser session; Gradio calls close_session when it drops the state (tab closed)
        state = gr.State(None, delete_callback=close_session)
        gr.Markdown("# Marketing assistant\nSegments with personas, recommendations, campaign copy and "
                    "evaluation. Runs offline on the bundled Complete Journey demo data (CC0) unless you load your own.")
        for tab in TABS:
            tab.build(state)
    return demo


def launch_options(settings: Settings | None = None) -> dict:
    """The security-relevant `Blocks.launch` arguments (also used by tests that start the app themselves)."""
    settings = settings or Settings.from_env()
    workspace = Path(settings.workspace).expanduser().resolve()
    # the saved workspace holds customer data: never served, even if someone adds an allowed path later
    # (unless it encloses the UI's own files, e.g. MKT_WORKSPACE=/tmp, which would block every download)
    blocked = [] if files_root().is_relative_to(workspace) else [str(workspace)]
    # a file is served only to the browser it was handed to (assistant.ui.file_access)
    from starlette.middleware import Middleware
    files_only_to_their_browser = Middleware(FileAccessMiddleware, roots=lambda: [gradio_cache_dir()])
    return {"auth": settings.ui_login, "max_file_size": settings.ui_max_upload, "allowed_paths": [],
            "blocked_paths": blocked, "app_kwargs": {"middleware": [files_only_to_their_browser]}}


def launch(host: str | None = None, port: int | None = None, demo: gr.Blocks | None = None, **kwargs):
    """Start the UI (127.0.0.1:7860 by default; MKT_UI_HOST / MKT_UI_PORT to change)."""
    settings = Settings.from_env()
    demo = demo or build_app()
    return demo.launch(server_name=host or settings.ui_host, server_port=port or settings.ui_port,
                       **{**launch_options(settings), **kwargs})
