"""The Evaluate and Audiences tabs encode data once (Markdown link syntax and HTML from the file show as text,
never `&amp;`) and turn user errors into a readable message through the shared `tab_handler`."""
from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from assistant.api.facade import MarketingAssistant
from assistant.ui import audience_tab, evaluate_tab
from assistant.ui.session import Session
from tests.api.conftest import demo_subset

HOSTILE_ARM = "[win](javascript:alert(1)) <img src=x onerror=alert(2)>"
AMPERSAND_ARM = "Wine & Soft Drinks"


def rendered(markdown: str) -> str:
    """The HTML a CommonMark renderer (Gradio's is markdown-it) makes of the tab's Markdown."""
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").enable("table").render(markdown)


def shown(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def assert_text_only(markup: str) -> None:
    assert "<img" not in markup and "<a " not in markup and "&amp;amp;" not in markup and "&amp;lt;" not in markup
    text = shown(markup)
    assert "&amp;" not in text and "&lt;" not in text  # what the user reads is escaped exactly once


@pytest.fixture(scope="module")
def session(offline_llm_env, tmp_path_factory):  # (the LLM is down: the rules parse the sentence)
    return Session(MarketingAssistant(demo_subset(40), workspace=tmp_path_factory.mktemp("ws"), content_signal=False))


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    rows = []
    for i in range(300):
        arm = ("control", HOSTILE_ARM, AMPERSAND_ARM)[i % 3]
        orders = (i % 4) + (1 if arm != "control" and i % 5 == 0 else 0)
        rows.append({"customer": f"c{i}", "group": arm, "orders": orders, "revenue": orders * 9.5})
    path = tmp_path_factory.mktemp("upload") / "test.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def test_evaluate_tab_shows_hostile_arm_names_as_text_escaped_once(session, export):
    status, *_, state = evaluate_tab.on_upload(export, None, None, session)
    assert status.startswith("✅") and state is session
    page = rendered(status)
    assert_text_only(page)
    assert HOSTILE_ARM in shown(page) and AMPERSAND_ARM in shown(page)
    text, arms, *_ = evaluate_tab.evaluate_upload("group", "control", ["orders"], evaluate_tab.NO_COVARIATE,
                                                  list(evaluate_tab.ROBUST)[0], False, "en", session)
    page = rendered(text)
    assert_text_only(page)
    assert "Verdict" in shown(page) and HOSTILE_ARM in shown(page) and AMPERSAND_ARM in shown(page)
    assert AMPERSAND_ARM in arms.to_csv()  # the table is plain text: not escaped at all


def test_evaluate_tab_errors_go_through_the_shared_handler(session, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("", encoding="utf-8")  # an empty export
    status, *rest = evaluate_tab.on_upload(str(bad), None, None, session)
    assert status.startswith("⚠️") and "Traceback" not in status and rest[-1] is session
    text, *_ = evaluate_tab.evaluate_upload("no_such_column", "control", [], None, None, False, "en", session)
    assert text.startswith("⚠️") and "Traceback" not in text


def test_unexpected_errors_are_worded_in_the_users_language(session, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("<b>boom</b>")
    monkeypatch.setattr(session.assistant, "evaluate", broken)
    monkeypatch.setattr(session.assistant, "language", "zh")
    text, *_ = evaluate_tab.evaluate_dataset_campaign("18", "zh", session)
    assert text.startswith("⚠️ 出错了") and "RuntimeError" in text
    assert "<b>" not in rendered(text)  # the exception text is encoded too


def test_audience_tab_encodes_once_and_reports_errors_readably(session):
    words, editor, state = audience_tab.understand("customers who bought <b>Snacks</b> & [x](javascript:1)", session)
    assert state is session
    assert_text_only(rendered(words))
    funnel, status, saved, _ = audience_tab.run_audience("{not json", "", False, session)
    assert status.startswith("⚠️") and "not valid JSON" in status
    _, status, _, _ = audience_tab.run_audience(editor, "", True, session)
    assert "name" in status
