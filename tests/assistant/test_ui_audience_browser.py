"""The Audiences tab in a real browser: a sentence is shown in words before it runs, a condition the data lacks
is named, the run reports the size, and the predictions table fills."""
from __future__ import annotations

import pytest

from tests.assistant.test_ui_browser import _tab, app_url, page  # noqa: F401  (the demo app with the real LLM)

pytestmark = [pytest.mark.browser]
WAIT = 600_000  # ms, a loaded 2-core machine


def test_sentence_is_shown_then_run(page):  # noqa: F811
    _tab(page, "Audiences")
    page.fill("#audience-sentence textarea", "high-value customers who have not bought in 60 days")
    page.click("#audience-parse")
    page.wait_for_function("() => document.querySelector('#audience-words').innerText.includes('60 days')",
                           timeout=WAIT)
    assert "high-value" in page.inner_text("#audience-words")
    assert page.inner_text("#audience-status").strip() == ""  # nothing ran yet
    page.click("#audience-run")
    page.wait_for_function("() => document.querySelector('#audience-status').innerText.includes('customers')",
                           timeout=WAIT)
    assert " of 8" in page.inner_text("#audience-status")  # "N of 8xx customers" on the demo data


def test_missing_attribute_is_named_and_predictions_show(page):  # noqa: F811
    _tab(page, "Audiences")
    page.fill("#audience-sentence textarea", "women who bought beer")
    page.click("#audience-parse")
    page.wait_for_function("() => document.querySelector('#audience-words').innerText.includes('gender')",
                           timeout=WAIT)
    page.click("#predict-button")
    page.wait_for_function("() => document.querySelector('#predict-status').innerText.includes('Next 90 days')",
                           timeout=WAIT)
    assert "expected_spend" in page.inner_text("#predict-customers")
