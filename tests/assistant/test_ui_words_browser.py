"""Persona cards and copy previews in a real browser (Debian's Chromium + Playwright), with the LLM endpoint
down: the template results must appear, marked as such, readable (no raw dict, no '&amp;', no 16-decimal
numbers), without waiting for the model."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.assistant.test_ui_browser import ARTIFACTS, CHROMIUM, _free_port, browser  # noqa: F401 — fixture

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    mp = pytest.MonkeyPatch()
    mp.setenv("MKT_WORKSPACE", str(tmp_path_factory.mktemp("ui_words")))
    mp.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{_free_port()}/v1")  # nothing listens: the LLM is down
    mp.setenv("OPENAI_API_KEY", "none")
    mp.setenv("MKT_LLM_MAX_RETRIES", "0")
    mp.setenv("MKT_LLM_TIMEOUT", "3")
    from assistant.ui import build_app
    demo = build_app()
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()
    mp.undo()


@pytest.fixture(scope="module")
def page(browser, app_url):  # noqa: F811 — the shared browser fixture
    context = browser.new_context()
    page = context.new_page()
    page.goto(app_url)
    yield page
    context.close()


def _readable(text: str) -> None:
    assert "&amp;" not in text and "&lt;" not in text
    assert not re.search(r"\d\.\d{6,}", text), "a long-decimal number is shown"
    assert not re.search(r"\{'\w+':", text), "a raw dict is shown"


def test_persona_cards_then_copy_preview(page):
    page.get_by_role("tab", name="Segments").click()
    page.click("#segment-button")
    page.wait_for_selector("#personas .mkt-persona", timeout=300_000)
    page.wait_for_function("() => document.querySelector('#segment-status').innerText.includes('✅')",
                           timeout=300_000)
    cards = page.locator("#personas .mkt-persona")
    assert cards.count() >= 2
    text = page.inner_text("#personas")
    _readable(text)
    assert "template" in text.lower() and "Motivations" in text
    page.get_by_role("tab", name="Campaigns").click()
    page.fill("#camp-segment textarea", "0")
    page.fill("#camp-offer input", "15")
    page.click("#copy-button")
    page.wait_for_selector("#copy-preview .mkt-email", timeout=120_000)
    page.wait_for_function("() => document.querySelector('#camp-status').innerText.includes('✅')",
                           timeout=120_000)
    preview = page.inner_text("#copy-preview")
    _readable(preview)
    assert "15% off" in preview and page.locator("#copy-preview .mkt-copy").count() == 3
    assert page.locator("#copy-preview .mkt-cta").first.inner_text().strip()
    _readable(page.inner_text("#plan"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "words_copy_preview.png"), full_page=True)
