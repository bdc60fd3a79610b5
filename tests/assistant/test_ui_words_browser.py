"""Persona cards and copy previews in a real browser (Debian's Chromium + Playwright), with the LLM endpoint
down: the template results must appear, marked as such, readable (no raw dict, no '&amp;', no 16-decimal
numbers), without waiting for the model."""
from __future__ import annotations

import re

import pytest

from tests.browser import ARTIFACTS, llm_down, new_page, running_app

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, catalogue_workspace):
    # the LLM is down; the run's shared demo collection (the demo recommender is fitted once per run)
    with running_app(tmp_path_factory, "ui_words", env=llm_down(), workspace=catalogue_workspace) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser, app_url):
    with new_page(browser, app_url) as page:
        yield page


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
    # (the plan needs the demo recommender: its first fit, started by the warm-up, takes minutes on a busy machine)
    page.wait_for_selector("#copy-preview .mkt-email", timeout=400_000)
    page.wait_for_function("() => document.querySelector('#camp-status').innerText.includes('✅')",
                           timeout=400_000)
    preview = page.inner_text("#copy-preview")
    _readable(preview)
    assert "15% off" in preview and page.locator("#copy-preview .mkt-copy").count() == 3
    assert page.locator("#copy-preview .mkt-cta").first.inner_text().strip()
    _readable(page.inner_text("#plan"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "words_copy_preview.png"), full_page=True)
