"""Campaigns tab: plan and copy for a segment (evaluation has its own tab: `evaluate_tab`)."""
from __future__ import annotations

import gradio as gr
import pandas as pd

from assistant.api.results import plan_html
from assistant.core.vocabulary import CHANNELS
from assistant.ui.session import SAFE_MARKDOWN, Session, session_of, user_message



def make_plan(segment: str, channel: str, offer_pct: float, language: str, state: Session | None):
    """Plan a campaign; the plan card shows it and the fields below it can be edited before writing copy."""
    state = session_of(state)
    try:
        state.assistant.ensure_segments()
        offer = float(offer_pct) if offer_pct else None
        plan = state.assistant.plan_campaign(segment.strip(), offer=offer, channel=channel, language=language)
        state.plan = plan
        products = "\n".join(p.title for p in plan.products)
        value = plan.offer.value if plan.offer.type == "percent_off" else None
        return (plan_html(plan, language), value, plan.channel, products,
                "✅ 方案已生成，可修改后写文案" if language == "zh" else "✅ plan ready — edit it, then write copy", state)
    except Exception as exc:  # noqa: BLE001
        return "", None, channel, "", user_message(exc), state


def edited_plan(state: Session, offer_pct, channel: str, products_text: str):
    """The session's plan with the marketer's edits (offer, channel, which products stay, in which order)."""
    from assistant.api.facade import parse_offer
    from campaigns.strategy import CampaignPlan, Offer
    plan = getattr(state, "plan", None)
    if plan is None:
        return None
    wanted = [line.strip() for line in str(products_text or "").splitlines() if line.strip()]
    by_title = {p.title: p for p in plan.products}
    products = [by_title[t] for t in wanted if t in by_title] if wanted else plan.products
    offer = parse_offer(float(offer_pct)) if offer_pct else Offer(type="none")
    return CampaignPlan.model_validate({**plan.model_dump(), "offer": offer.model_dump(), "channel": channel,
                                        "products": [p.model_dump() for p in products]})


def write_plan_copy(segment: str, channel: str, offer_pct: float, language: str, products_text: str,
                    state: Session | None):
    """Copy from the (edited) plan: the template variants at once, then the LLM's where they pass the checks."""
    state = session_of(state)
    try:
        state.assistant.ensure_segments()
        plan = edited_plan(state, offer_pct, channel, products_text)
        if plan is None:
            plan = state.assistant.plan_campaign(segment.strip(), offer=float(offer_pct) if offer_pct else None,
                                                 channel=channel, language=language)
            state.plan = plan
        if state.assistant.copy_by_llm:  # else the templates are the copy (MKT_COPY_LLM): nothing to wait for
            quick = state.assistant.write_copy(plan=plan, language=language, use_llm=False)
            wait = "⏳ 模板文案已就绪，语言模型正在改写…" if language == "zh" else "⏳ template copy ready; the LLM is improving it…"
            yield plan_html(plan, language), quick.to_html(), quick.to_frame(), wait, state
        full = state.assistant.write_copy(plan=plan, language=language)
        state.copy = full
        counts = {s: sum(v.source == s for v in full.variants) for s in ("llm", "llm-retry", "template")}
        done = (f"✅ {len(full.variants)} 个版本（语言模型 {counts['llm'] + counts['llm-retry']}，模板 {counts['template']}）"
                if language == "zh" else f"✅ {len(full.variants)} variants (LLM {counts['llm'] + counts['llm-retry']}, "
                f"template {counts['template']}) — edit them in the table, then export")
        yield plan_html(plan, language), full.to_html(), full.to_frame(), done, state
    except Exception as exc:  # noqa: BLE001
        yield "", "", pd.DataFrame(), user_message(exc), state


def preview_edits(table: pd.DataFrame, language: str, state: Session | None):
    """Re-render the previews from the edited table (what will be exported)."""
    state = session_of(state)
    copy = getattr(state, "copy", None)
    if copy is None or table is None or len(table) == 0:
        return ""
    state.copy = copy.with_edits(table.to_dict("records"))
    return state.copy.to_html()


def export_copy(table: pd.DataFrame, state: Session | None):
    """Write the (edited) variants to a CSV file in the session's workspace and offer it for download; an SMS
    is exported as it is sent, with its opt-out instruction."""
    state = session_of(state)
    if table is None or len(table) == 0:
        return None
    copy = getattr(state, "copy", None)
    if copy is not None:
        state.copy = copy.with_edits(table.to_dict("records"))
        table = state.copy.to_frame()
    out = state.assistant.workspace / "exports" / "campaign_copy.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    return str(out)


def build(state: gr.State) -> None:
    """The tab's components and events (called inside the app's Blocks)."""
    with gr.Tab("Campaigns"):
        with gr.Row():
            camp_seg = gr.Textbox(label="Segment (number or persona name)", value="0", elem_id="camp-segment")
            channel = gr.Dropdown(list(CHANNELS), value="email", label="Channel", elem_id="camp-channel")
            offer = gr.Number(label="Offer (% off, optional)", value=None, elem_id="camp-offer")
            camp_lang = gr.Radio(["en", "zh"], value="en", label="Language")
            plan_btn = gr.Button("Plan campaign", elem_id="plan-button")
        camp_status = gr.Markdown(elem_id="camp-status", **SAFE_MARKDOWN)
        plan_card = gr.HTML(elem_id="plan")
        products_box = gr.Textbox(label="Featured products (edit: delete or reorder lines)", lines=3,
                                  elem_id="plan-products")
        copy_btn = gr.Button("Write copy", variant="primary", elem_id="copy-button")
        copy_preview = gr.HTML(elem_id="copy-preview")
        copy_table = gr.Dataframe(elem_id="copy-table", interactive=True, wrap=True,
                                  label="Copy (editable before export)")
        with gr.Row():
            export_btn = gr.Button("Export copy (CSV)", elem_id="copy-export")
            export_file = gr.File(label="Exported copy", interactive=False)
        plan_btn.click(make_plan, [camp_seg, channel, offer, camp_lang, state],
                       [plan_card, offer, channel, products_box, camp_status, state])
        copy_btn.click(write_plan_copy, [camp_seg, channel, offer, camp_lang, products_box, state],
                       [plan_card, copy_preview, copy_table, camp_status, state])
        copy_table.input(preview_edits, [copy_table, camp_lang, state], [copy_preview])
        export_btn.click(export_copy, [copy_table, state], [export_file])
