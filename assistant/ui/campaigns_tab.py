"""Campaigns tab: plan and copy for a segment (evaluation has its own tab: `evaluate_tab`)."""
from __future__ import annotations

import gradio as gr
import pandas as pd

from assistant.api.results import model_markdown
from assistant.core.vocabulary import CHANNELS
from assistant.ui.session import SAFE_MARKDOWN, Session, session_of, user_message



def make_plan_and_copy(segment: str, channel: str, offer_pct: float, language: str, state: Session | None):
    state = session_of(state)
    try:
        state.assistant.ensure_segments()
        offer = float(offer_pct) if offer_pct else None
        plan = state.assistant.plan_campaign(segment.strip(), offer=offer, channel=channel, language=language)
        copy = state.assistant.write_copy(segment.strip(), channel=channel, offer=offer, language=language)
        return model_markdown(plan), copy.to_frame(), "✅ plan and copy ready", state
    except Exception as exc:  # noqa: BLE001
        return "", pd.DataFrame(), user_message(exc), state


def build(state: gr.State) -> None:
    """The tab's components and events (called inside the app's Blocks)."""
    with gr.Tab("Campaigns"):
        with gr.Row():
            camp_seg = gr.Textbox(label="Segment (number or persona name)", value="0")
            channel = gr.Dropdown(list(CHANNELS), value="email", label="Channel")
            offer = gr.Number(label="Offer (% off, optional)", value=None)
            camp_lang = gr.Radio(["en", "zh"], value="en", label="Language")
            plan_btn = gr.Button("Plan + write copy", variant="primary")
        camp_status = gr.Markdown(**SAFE_MARKDOWN)
        plan_md = gr.Markdown(elem_id="plan", **SAFE_MARKDOWN)
        copy_table = gr.Dataframe(elem_id="copy-table", interactive=False, wrap=True)
        plan_btn.click(make_plan_and_copy, [camp_seg, channel, offer, camp_lang, state],
                       [plan_md, copy_table, camp_status, state])
