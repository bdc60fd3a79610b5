"""Recommendations tab: a customer's picks with reasons, and a segment's picks."""
from __future__ import annotations

import gradio as gr

from assistant.core.text import markdown_literal as md
from assistant.ui.session import SAFE_MARKDOWN, Session, tab_handler


def _why(recs, state: Session) -> str:
    """Why the list is empty (the marketing policy hides every candidate), in the session's language."""
    why = recs.why_empty(state.assistant.language)
    return f"\n\n{why}" if why else ""


@tab_handler(n_outputs=3, status=1)
def lookup_recommendations(user_id: str, k: float, exclude_purchased: bool, state: Session):
    recs = state.assistant.recommend((user_id or "").strip(), k=int(k), exclude_purchased=bool(exclude_purchased))
    return recs.items, f"Top {len(recs.items)} for customer {md(user_id)}" + _why(recs, state), state


@tab_handler(n_outputs=3, status=1)
def segment_recommendations(segment: str, k: float, state: Session):
    state.assistant.ensure_segments()
    recs = state.assistant.recommend_for_segment((segment or "").strip(), k=int(k))
    return recs.items, f"Top {len(recs.items)} for {md(recs.target)}" + _why(recs, state), state


@tab_handler(n_outputs=3, status=1)
def search_products(query: str, k: float, state: Session):
    found = state.assistant.search_products(query, k=int(k))
    return found.items, f"{len(found.items)} products for {md(found.target)}", state


@tab_handler(n_outputs=3, status=1)
def similar_products(product: str, k: float, state: Session):
    similar = state.assistant.similar_products((product or "").strip(), k=int(k))
    return similar.items, f"{len(similar.items)} similar to {md(similar.target)}", state


def build(state: gr.State) -> None:
    """The tab's components and events (called inside the app's Blocks)."""
    with gr.Tab("Recommendations"):
        with gr.Row():
            user_box = gr.Textbox(label="Customer id", elem_id="rec-user", placeholder="e.g. 1029")
            k_box = gr.Slider(1, 30, value=10, step=1, label="How many")
            excl = gr.Checkbox(label="Exclude products already bought")
            rec_btn = gr.Button("Recommend", elem_id="rec-button", variant="primary")
        rec_status = gr.Markdown(elem_id="rec-status", **SAFE_MARKDOWN)
        rec_table = gr.Dataframe(elem_id="rec-table", interactive=False, wrap=True)
        rec_btn.click(lookup_recommendations, [user_box, k_box, excl, state], [rec_table, rec_status, state])
        with gr.Row():
            seg_box = gr.Textbox(label="Segment (number or persona name)", elem_id="rec-segment")
            seg_rec_btn = gr.Button("Recommend for segment")
        seg_rec_btn.click(segment_recommendations, [seg_box, k_box, state], [rec_table, rec_status, state])
        with gr.Row():
            product_box = gr.Textbox(label="Product (words or id)", elem_id="rec-product",
                                     placeholder="e.g. organic milk")
            search_btn = gr.Button("Search products", elem_id="search-button")
            similar_btn = gr.Button("Similar products", elem_id="similar-button")
        search_btn.click(search_products, [product_box, k_box, state], [rec_table, rec_status, state])
        similar_btn.click(similar_products, [product_box, k_box, state], [rec_table, rec_status, state])
