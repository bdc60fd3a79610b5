"""The Gradio app in a real browser (Debian's Chromium driven by Playwright), with the real embedded LLM.

Covers what a marketer does first: ask the chat to segment and see persona names, look up a recommendation,
upload a malformed CSV and read the error, and — with two browser contexts — that sessions are isolated.
"""
from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS, new_page, running_app

pytestmark = [pytest.mark.browser, pytest.mark.llm]

LONG = 900_000  # ms: persona writing with the local 0.5B model on 2 cores


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, catalogue_workspace):
    # the run's shared demo collection: the demo recommender is fitted once per run, not once per app
    with running_app(tmp_path_factory, "ui_workspace", workspace=catalogue_workspace) as url:
        yield url


@pytest.fixture()
def page(browser, app_url):
    with new_page(browser, app_url) as page:
        yield page


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_chat_segments_and_shows_persona_names(page):
    page.fill("#chat-input textarea", "split my customers into 4 groups")
    page.click("#chat-send")
    page.wait_for_function(
        "() => document.querySelector('#chat').innerText.includes('Segment 3 —')", timeout=LONG)
    text = page.inner_text("#chat")
    for segment in range(4):
        assert f"Segment {segment} —" in text
    # every listed segment has a non-empty persona name between the dash and the colon
    names = [line.split("—", 1)[1].split(":", 1)[0].strip() for line in text.splitlines() if "Segment" in line and "—" in line]
    assert len(names) >= 4 and all(names)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat_segments.png"), full_page=True)


def test_recommendation_lookup_shows_reasons(page):
    _tab(page, "Recommendations")
    page.fill("#rec-user textarea", "1029")
    page.click("#rec-button")
    page.wait_for_function("() => document.querySelector('#rec-status').innerText.includes('Top 10')", timeout=LONG)
    table = page.inner_text("#rec-table")
    assert "reason" in table.lower()
    page.fill("#rec-user textarea", "no-such-customer")
    page.click("#rec-button")
    page.wait_for_function("() => document.querySelector('#rec-status').innerText.includes('not in the data')",
                           timeout=60_000)


def test_malformed_csv_upload_shows_clear_error(page, tmp_path):
    bad = tmp_path / "broken_events.csv"
    bad.write_text("visitor;product;when\n1;2;yesterday\n", encoding="utf-8")
    _tab(page, "Data")
    page.set_input_files("#upload-events input[type=file]", str(bad))
    page.wait_for_timeout(1000)
    page.click("#load-button")
    page.wait_for_function("() => document.querySelector('#data-status').innerText.includes('⚠️')", timeout=60_000)
    status = page.inner_text("#data-status")
    assert "broken_events.csv" in status
    assert "Traceback" not in status
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "upload_error.png"), full_page=True)


def test_two_sessions_do_not_see_each_others_data(browser, app_url, tmp_path):
    own = tmp_path / "my_events.csv"
    own.write_text("user_id,item_id,timestamp,revenue\nu1,a,2024-01-01,3.5\nu2,b,2024-01-02,4\n"
                   "u3,a,2024-01-03,1.25\n", encoding="utf-8")
    first, second = browser.new_context(), browser.new_context()
    try:
        a, b = first.new_page(), second.new_page()
        for p in (a, b):
            p.goto(app_url)
            p.wait_for_selector("#chat-input textarea")
            _tab(p, "Data")
        a.set_input_files("#upload-events input[type=file]", str(own))
        a.wait_for_timeout(1000)
        a.click("#load-button")
        a.wait_for_function("() => document.querySelector('#data-status').innerText.includes('Loaded: 3 customers')",
                            timeout=60_000)
        b.get_by_role("button", name="Show current data").click()
        b.wait_for_function("() => document.querySelector('#data-summary').innerText.includes('demo')",
                            timeout=60_000)
        assert "upload" not in b.inner_text("#data-summary")
        a.get_by_role("button", name="Show current data").click()
        a.wait_for_function("() => document.querySelector('#data-summary').innerText.includes('upload')",
                            timeout=60_000)
    finally:
        first.close()
        second.close()


def test_evaluate_tab_upload_with_own_arm_names(page, tmp_path):
    """Upload an export whose arms have their own names, pick the control from the dropdown filled from the file,
    and see the checks, the verdict, the per-arm table and the uplift chart."""
    rows = ["shopper,offer_cell,orders,spend"]
    for i in range(400):
        cell = "Coupon A" if i % 2 else "Coupon B"
        orders = (i % 3) + (1 if cell == "Coupon B" and i % 5 == 0 else 0)
        rows.append(f"S{i},{cell},{orders},{orders * 12.5:.2f}")
    export = tmp_path / "spring_coupon_test.csv"
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _tab(page, "Evaluate")
    page.set_input_files("#eval-file input[type=file]", str(export))
    page.wait_for_function(  # the first action of a session also loads its assistant: allow for it
        "() => document.querySelector('#eval-upload-status').innerText.includes('Recognised')", timeout=LONG)
    status = page.inner_text("#eval-upload-status")
    assert "offer_cell" in status and "please choose" in status  # no usual control name: the user picks it
    page.locator("#eval-control input").click()
    page.get_by_role("option", name="Coupon A").click()
    page.click("#eval-button")
    page.wait_for_function("() => document.querySelector('#evaluation').innerText.includes('Verdict')",
                           timeout=60_000)
    text = page.inner_text("#evaluation")
    assert "vs Coupon A" in text and "Coupon B raised orders by 0.20 per customer" in text
    assert text.index("Verdict") < text.index("Data checks") and "sample ratio" in text
    assert "Traceback" not in text
    assert "Coupon B" in page.inner_text("#eval-arms")
    page.wait_for_selector("#eval-uplift-chart .js-plotly-plot", timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evaluate_upload.png"), full_page=True)


def test_messages_sent_back_to_back_are_answered_in_order_and_a_draft_survives(page):
    """Two questions sent before the first is answered both get their answer, in order, and text typed while
    they run is still in the box afterwards (a streaming reply used to empty the box at every update)."""
    for question in ("how many customers do we have?", "what's the average order value?"):
        page.fill("#chat-input textarea", question)
        page.click("#chat-send")
    page.fill("#chat-input textarea", "draft: write an email for segment 2")
    page.wait_for_function("() => document.querySelector('#chat').innerText.includes('Average order value')",
                           timeout=LONG)
    page.wait_for_timeout(1000)
    text = page.inner_text("#chat")
    asked_first, asked_second = text.index("how many customers"), text.index("average order value?")
    assert asked_first < text.index("Customers") < asked_second < text.rindex("Average order value")
    assert page.input_value("#chat-input textarea") == "draft: write an email for segment 2"
