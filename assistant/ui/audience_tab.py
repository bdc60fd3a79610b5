"""Audiences & predictions tab: "customers who …" → the filter in words (editable JSON) → run → save; and the
predicted lifetime value / churn risk per segment and per customer."""
from __future__ import annotations

import json

import gradio as gr
import pandas as pd

from assistant.core.text import markdown_literal
from assistant.ui.session import SAFE_MARKDOWN, Session, tab_handler


@tab_handler(n_outputs=3, status=0)
def understand(sentence: str, state: Session):
    """Parse only: show the filter in words and as editable JSON; nothing runs yet."""
    draft = state.assistant.parse_audience(sentence or "")
    editable = {"filter": draft.filter.model_dump(exclude_defaults=True), "categories": draft.category_choices()}
    return draft.to_markdown(), json.dumps(editable, ensure_ascii=False, indent=1), state


def _parse_editor(text: str) -> tuple[dict, dict]:
    from assistant.core.errors import DataError
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError as exc:
        raise DataError(f"the filter is not valid JSON ({exc.msg}, line {exc.lineno})",
                        fix="fix the JSON, or click 'Understand' again") from None
    if not isinstance(data, dict) or "filter" not in data:
        raise DataError("the filter box must hold {\"filter\": {...}, \"categories\": {...}}",
                        fix="click 'Understand' to fill it")
    return data["filter"], data.get("categories") or {}


@tab_handler(n_outputs=4, status=1)
def run_audience(editor: str, name: str, save: bool, state: Session):
    audience_filter, categories = _parse_editor(editor)
    if save:
        if not (name or "").strip():
            return gr.update(), "⚠️ Give the audience a name to save it.", _saved(state), state
        audience = state.assistant.save_audience(name.strip(), audience_filter, categories=categories)
    else:
        audience = state.assistant.build_audience(audience_filter, categories=categories)
    status = markdown_literal(audience.words)
    status += f"\n\n**{audience.size:,}** of {audience.total_customers:,} customers"
    if audience.summary:
        status += " · " + ", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in audience.summary.items())
    status += "".join(f"\n\n_{markdown_literal(n)}_" for n in audience.notes)
    if save:
        status += f"\n\n✅ Saved as '{markdown_literal(name.strip())}' — use the name wherever a segment goes."
    return audience.funnel, status, _saved(state), state


def _saved(state: Session) -> pd.DataFrame:
    try:
        return state.assistant.audiences()
    except Exception:  # noqa: BLE001
        return pd.DataFrame()


@tab_handler(n_outputs=4, status=2)
def predict(horizon: float, state: Session):
    result = state.assistant.predict(int(horizon))
    segments = result.segments if result.segments is not None else pd.DataFrame()
    head = (f"Next {result.horizon_days} days from {result.as_of:%Y-%m-%d} ({markdown_literal(result.model)}). "
            + ("" if result.segments is not None else "Segment the customers to see the per-segment view. ")
            + " ".join(markdown_literal(n) for n in result.notes))
    return segments, result.customers.head(50).reset_index(), head, state


def build(state: gr.State) -> None:
    """The tab's components and events (called inside the app's Blocks)."""
    with gr.Tab("Audiences"):
        gr.Markdown("Describe customers in a sentence (English or 中文). Check the filter, edit it if needed, "
                    "then run or save it. Saved audiences work wherever a segment does.")
        with gr.Row():
            sentence = gr.Textbox(label="Customers who …", elem_id="audience-sentence", scale=4,
                                  placeholder="e.g. high-value customers who have not bought in 60 days")
            parse_btn = gr.Button("Understand", elem_id="audience-parse", variant="primary")
        words = gr.Markdown(elem_id="audience-words", **SAFE_MARKDOWN)
        editor = gr.Code(label="Filter (editable)", language="json", elem_id="audience-filter", interactive=True)
        with gr.Row():
            run_btn = gr.Button("Run audience", elem_id="audience-run")
            name = gr.Textbox(label="Name", elem_id="audience-name", placeholder="e.g. lapsed parents")
            save_btn = gr.Button("Save audience", elem_id="audience-save")
        status = gr.Markdown(elem_id="audience-status", **SAFE_MARKDOWN)
        funnel = gr.Dataframe(label="How each condition narrows it", elem_id="audience-funnel", interactive=False)
        saved = gr.Dataframe(label="Saved audiences", elem_id="audience-saved", interactive=False)
        parse_btn.click(understand, [sentence, state], [words, editor, state])
        sentence.submit(understand, [sentence, state], [words, editor, state])
        run_btn.click(lambda e, n, s: run_audience(e, n, False, s), [editor, name, state],
                      [funnel, status, saved, state])
        save_btn.click(lambda e, n, s: run_audience(e, n, True, s), [editor, name, state],
                       [funnel, status, saved, state])
        gr.Markdown("### Predicted lifetime value and churn risk")
        with gr.Row():
            horizon = gr.Slider(7, 365, value=90, step=1, label="Horizon (days)")
            predict_btn = gr.Button("Predict", elem_id="predict-button")
        predict_status = gr.Markdown(elem_id="predict-status", **SAFE_MARKDOWN)
        by_segment = gr.Dataframe(label="Per segment", elem_id="predict-segments", interactive=False)
        customers = gr.Dataframe(label="Top customers by expected spend", elem_id="predict-customers",
                                 interactive=False)
        predict_btn.click(predict, [horizon, state], [by_segment, customers, predict_status, state])
