"""The real app on a free loopback port, with the LLM pointed at a closed port (personas and copy fall back to
their rule-based versions at once: these tests are about what reaches the browser, not about wording)."""
from __future__ import annotations

import pytest

from tests.assistant.test_ui_browser import _free_port as free_port


@pytest.fixture(scope="module")
def offline_llm_env(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("MKT_WORKSPACE", str(tmp_path_factory.mktemp("saved_workspace")))
    mp.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")  # nothing listens: LLM unavailable
    mp.setenv("OPENAI_API_KEY", "unused")
    mp.setenv("MKT_LLM_MAX_RETRIES", "0")
    mp.setenv("MKT_LLM_TIMEOUT", "5")
    mp.delenv("MKT_UI_USER", raising=False)
    mp.delenv("MKT_UI_PASSWORD", raising=False)
    yield mp
    mp.undo()


def start_app(**launch_overrides):
    """build_app() launched with the product's own security options (plus overrides); returns (demo, url)."""
    from assistant.ui.app import build_app, launch_options
    demo = build_app(warm_up=False)  # no demo recommender: these tests work on small uploaded files
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                **{**launch_options(), **launch_overrides})
    return demo, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def app_url(offline_llm_env):
    demo, url = start_app()
    yield url
    demo.close()
