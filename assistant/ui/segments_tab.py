"""Segments tab: segment the customers, see the table, the 2-D map and the persona cards."""
from __future__ import annotations

import gradio as gr
import pandas as pd

from assistant.core.text import markdown_literal as md
from assistant.ui.session import SAFE_MARKDOWN, Session, session_of, tab_handler, user_message


def run_segmentation(n_segments: str, weight: float, language: str, state: Session | None):
    state = session_of(state)
    try:
        n = "auto" if n_segments == "auto" else int(n_segments)
        state.assistant.segment(n, behaviour_weight=float(weight))
        overview = state.assistant.segments_overview(language, with_personas=True)
        personas = state.assistant.personas(language)
        cards = []
        for seg, p in personas.items():
            cards.append(f"### Segment {seg}: {md(p.name)}\n_{md(p.tagline)}_\n\n"
                         f"{md(p.description)}\n\n- Motivations: {md(', '.join(p.motivations))}\n"
                         f"- Price sensitivity: {md(p.price_sensitivity)}\n"
                         f"- Channels: {md(', '.join(p.preferred_channels))}; times: "
                         f"{md(p.preferred_times)}\n- Offers: {md('; '.join(p.suggested_offers))}")
        metrics = ", ".join(f"{k}: {v:.3g}" for k, v in overview.metrics.items())
        return (overview.table, state.assistant.segment_map(language, with_personas=True).figure(), "\n\n".join(cards),
                f"✅ {len(overview.table)} segments. {metrics}", state)
    except Exception as exc:  # noqa: BLE001
        return pd.DataFrame(), None, "", user_message(exc), state


@tab_handler(n_outputs=3, status=0)
def describe_segment(segment: str, language: str, state: Session):
    state.assistant.ensure_segments()
    description = state.assistant.describe_segment((segment or "").strip(), language)
    return md(description.to_markdown()), description.distinguishing, state


def build(state: gr.State) -> None:
    """The tab's components and events (called inside the app's Blocks)."""
    with gr.Tab("Segments"):
        with gr.Row():
            n_seg = gr.Dropdown(["auto"] + [str(i) for i in range(2, 13)], value="auto", label="Segments")
            weight = gr.Slider(0, 1, value=0.5, step=0.05, label="Weight of 'what they buy' vs 'how they buy'")
            seg_lang = gr.Radio(["en", "zh"], value="en", label="Persona language")
            seg_btn = gr.Button("Segment customers", elem_id="segment-button", variant="primary")
        seg_status = gr.Markdown(elem_id="segment-status", **SAFE_MARKDOWN)
        seg_table = gr.Dataframe(elem_id="segment-table", interactive=False, wrap=True)
        seg_map = gr.Plot(label="2-D map")
        personas_md = gr.Markdown(elem_id="personas", **SAFE_MARKDOWN)
        seg_btn.click(run_segmentation, [n_seg, weight, seg_lang, state],
                      [seg_table, seg_map, personas_md, seg_status, state])
        with gr.Row():
            which = gr.Textbox(label="Describe a segment (number or persona name)", elem_id="describe-segment")
            describe_btn = gr.Button("Describe", elem_id="describe-button")
        description_md = gr.Markdown(elem_id="segment-description", **SAFE_MARKDOWN)
        description_table = gr.Dataframe(interactive=False, wrap=True)
        describe_btn.click(describe_segment, [which, seg_lang, state], [description_md, description_table, state])
