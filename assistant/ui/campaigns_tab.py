"""Campaigns tab: plan and copy for a segment; evaluate a campaign of the data or an uploaded export."""
from __future__ import annotations

import html

import gradio as gr
import pandas as pd

from assistant.ui.session import Session, escape_frame, session_of, upload_path, user_message

CHANNELS = ["email", "sms", "push", "wechat"]


def make_plan_and_copy(segment: str, channel: str, offer_pct: float, language: str, state: Session | None):
    state = session_of(state)
    try:
        offer = float(offer_pct) if offer_pct else None
        plan = state.assistant.plan_campaign(segment.strip(), offer=offer, channel=channel, language=language)
        copy = state.assistant.write_copy(segment.strip(), channel=channel, offer=offer, language=language)
        plan_md = plan.to_markdown() if hasattr(plan, "to_markdown") else str(plan.model_dump())
        return html.escape(plan_md, quote=False), escape_frame(copy.to_frame()), "✅ plan and copy ready", state
    except Exception as exc:  # noqa: BLE001
        return "", pd.DataFrame(), user_message(exc), state


def evaluate_campaign(campaign_id: str, exposures_file, outcomes_file, participation: str, state: Session | None):
    state = session_of(state)
    try:
        from campaigns.charts import rates_chart, uplift_by_segment_chart
        if exposures_file is not None:
            from assistant.core.data import load_files
            uploaded = load_files(exposures=upload_path(exposures_file), outcomes=upload_path(outcomes_file), name="upload")
            evaluation = state.assistant.evaluate(campaign_id or None, exposures=uploaded.exposures,
                                                  outcomes=uploaded.outcomes, participation=participation)
        else:
            evaluation = state.assistant.evaluate(campaign_id or None, participation=participation)
        segment_chart = None
        try:
            segment_chart = uplift_by_segment_chart(evaluation)
        except Exception:  # noqa: BLE001 — no segment breakdown available
            segment_chart = None
        return html.escape(evaluation.to_markdown(), quote=False), rates_chart(evaluation), segment_chart, state
    except Exception as exc:  # noqa: BLE001
        return user_message(exc), None, None, state


def build(state: gr.State) -> None:
    """The tab's components and events (called inside the app's Blocks)."""
    with gr.Tab("Campaigns"):
        with gr.Row():
            camp_seg = gr.Textbox(label="Segment (number or persona name)", value="0")
            channel = gr.Dropdown(CHANNELS, value="email", label="Channel")
            offer = gr.Number(label="Offer (% off, optional)", value=None)
            camp_lang = gr.Radio(["en", "zh"], value="en", label="Language")
            plan_btn = gr.Button("Plan + write copy", variant="primary")
        camp_status = gr.Markdown()
        plan_md = gr.Markdown(elem_id="plan")
        copy_table = gr.Dataframe(elem_id="copy-table", interactive=False, wrap=True)
        plan_btn.click(make_plan_and_copy, [camp_seg, channel, offer, camp_lang, state],
                       [plan_md, copy_table, camp_status, state])
        gr.Markdown("### Evaluate a campaign\nPick a campaign of the loaded data, or upload exposures "
                    "(campaign_id, user_id, arm — with a `control` arm) and outcomes (user_id, visited, "
                    "converted, revenue...).")
        with gr.Row():
            camp_id = gr.Textbox(label="Campaign id", placeholder="e.g. 18")
            exp_file = gr.File(label="Exposures file", file_types=[".csv", ".gz", ".parquet"])
            out_file = gr.File(label="Outcomes file", file_types=[".csv", ".gz", ".parquet"])
            part = gr.Dropdown(["visited", "opened", "clicked", "redeemed"], value="visited", label="Participation")
            eval_btn = gr.Button("Evaluate", variant="primary")
        eval_md = gr.Markdown(elem_id="evaluation")
        with gr.Row():
            rates_plot = gr.Plot(label="Rates per arm")
            seg_plot = gr.Plot(label="Uplift per segment")
        eval_btn.click(evaluate_campaign, [camp_id, exp_file, out_file, part, state],
                       [eval_md, rates_plot, seg_plot, state])
