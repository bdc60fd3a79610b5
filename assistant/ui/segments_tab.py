"""Segments tab: segment the customers, see the table, the 2-D map and the persona cards."""
from __future__ import annotations

import gradio as gr
import pandas as pd

from assistant.api.results import persona_cards_html
from assistant.core.text import markdown_literal as md
from assistant.ui.session import SAFE_MARKDOWN, Session, session_of, tab_handler, user_message


def run_segmentation(n_segments: str, weight: float, language: str, state: Session | None):
    """Segment, show the table and the template persona cards at once, then the LLM's personas where they
    pass the quality checks (each card says which one it is)."""
    state = session_of(state)
    try:
        n = "auto" if n_segments == "auto" else int(n_segments)
        state.assistant.segment(n, behaviour_weight=float(weight))
        overview = state.assistant.segments_overview(language)
        metrics = ", ".join(f"{k}: {v:.3g}" for k, v in overview.metrics.items())
        table, seg_map = overview.table, state.assistant.segment_map(language).figure()
        quick = persona_cards_html(state.assistant.personas(language, use_llm=False), language)
        wait = ("⏳ 模板画像已就绪，语言模型正在改写…" if language == "zh"
                else "⏳ template personas shown; the LLM is improving them…")
        yield table, seg_map, quick, f"{wait} {metrics}", state
        personas = state.assistant.personas(language)
        overview = state.assistant.segments_overview(language, with_personas=True)
        n_llm = sum(p.source != "template" for p in personas.values())
        done = (f"✅ {len(overview.table)} 个细分（{n_llm} 个画像由语言模型撰写）。{metrics}" if language == "zh"
                else f"✅ {len(overview.table)} segments ({n_llm} personas written by the LLM). {metrics}")
        seg_map = state.assistant.segment_map(language, with_personas=True).figure()
        yield overview.table, seg_map, persona_cards_html(personas, language), done, state
    except Exception as exc:  # noqa: BLE001
        yield pd.DataFrame(), None, "", user_message(exc), state


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
        personas_md = gr.HTML(elem_id="personas")
        seg_btn.click(run_segmentation, [n_seg, weight, seg_lang, state],
                      [seg_table, seg_map, personas_md, seg_status, state])
        with gr.Row():
            which = gr.Textbox(label="Describe a segment (number or persona name)", elem_id="describe-segment")
            describe_btn = gr.Button("Describe", elem_id="describe-button")
        description_md = gr.Markdown(elem_id="segment-description", **SAFE_MARKDOWN)
        description_table = gr.Dataframe(interactive=False, wrap=True)
        describe_btn.click(describe_segment, [which, seg_lang, state], [description_md, description_table, state])
