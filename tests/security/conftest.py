"""The real app on a free loopback port, with the LLM pointed at a closed port (personas and copy fall back to
their rule-based versions at once: these tests are about what reaches the browser, not about wording)."""
from __future__ import annotations

import pytest

from tests.browser import app_environment, llm_down, start_app


@pytest.fixture(scope="module")
def offline_llm_env(tmp_path_factory):
    with app_environment(tmp_path_factory, "saved_workspace", env=llm_down()) as mp:
        yield mp


@pytest.fixture(scope="module")
def app_url(offline_llm_env):
    demo, url = start_app(warm_up=False)  # no demo recommender: these tests work on small uploaded files
    yield url
    demo.close()
