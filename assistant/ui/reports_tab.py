"""Reports tab: write and download the persona report."""
from __future__ import annotations

import gradio as gr

from assistant.ui.session import SAFE_MARKDOWN, Session, session_of, user_message
from pathlib import Path


def make_report(language: str, state: Session | None):
    state = session_of(state)
    try:
        state.assistant.ensure_segments()
        files = state.assistant.report(language=language)
        return [str(files.html), str(files.markdown)], f"✅ Report written ({Path(files.html).name})", state
    except Exception as exc:  # noqa: BLE001
        return None, user_message(exc), state


def build(state: gr.State) -> None:
    """The tab's components and events (called inside the app's Blocks)."""
    with gr.Tab("Reports"):
        rep_lang = gr.Radio(["en", "zh"], value="en", label="Language")
        rep_btn = gr.Button("Write the persona report", variant="primary", elem_id="report-button")
        rep_status = gr.Markdown(elem_id="report-status", **SAFE_MARKDOWN)
        rep_files = gr.File(label="Download", file_count="multiple", elem_id="report-files")
        rep_btn.click(make_report, [rep_lang, state], [rep_files, rep_status, state])
