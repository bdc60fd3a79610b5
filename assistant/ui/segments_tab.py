"""Segments tab: segment the customers, see the table, the 2-D map and the persona cards."""
from __future__ import annotations

import gradio as gr
import plotly.express as px
import pandas as pd

from assistant.core.text import markdown_literal as md, plot_label
from assistant.ui.session import SAFE_MARKDOWN, Session, session_of, user_message


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
        return (overview.table, _segment_map(state), "\n\n".join(cards),
                f"✅ {len(overview.table)} segments. {metrics}", state)
    except Exception as exc:  # noqa: BLE001
        return pd.DataFrame(), None, "", user_message(exc), state


def _segment_map(state: Session):
    points = getattr(state.assistant.segmenter, "map_2d_", None)
    if points is None or len(points) == 0:
        return None
    names = state.assistant.segment_names(with_llm=False)
    points = points.assign(segment=points["segment"].map(lambda s: plot_label(f"{s}: {names.get(int(s), s)}")))
    return px.scatter(points, x="x", y="y", color="segment", title="Customers on a 2-D map (PCA sample)",
                      opacity=0.7, height=480)


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
