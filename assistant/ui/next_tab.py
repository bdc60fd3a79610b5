"""Next campaign tab: the loop's last step — advice from a campaign's evaluation, who to target next (uplift
model), and how many customers the next test needs."""
from __future__ import annotations

import gradio as gr

from assistant.ui.session import SAFE_MARKDOWN, Session, tab_handler


@tab_handler(n_outputs=3, status=0)
def advise_next_campaign(campaign_id: str, metric: str, state: Session):
    advice = state.assistant.next_campaign_advice((campaign_id or "").strip() or None, metric=metric)
    return advice.to_markdown(), advice.to_frame(), state


@tab_handler(n_outputs=4, status=0)
def target_next_campaign(campaign_id: str, outcome: str, state: Session):
    targeting = state.assistant.uplift_targeting((campaign_id or "").strip() or None, outcome=outcome)
    # The ranked audience as a file in the session's own folder (the UI serves only files it wrote for the session).
    audience = state.folder / "next_campaign_audience.csv"
    targeting.ranking.to_csv(audience, index=False)
    return targeting.to_markdown(), targeting.by_segment, str(audience), state


@tab_handler(n_outputs=2, status=0)
def size_next_test(mde_pct: float, baseline_pct: float | None, campaign_id: str, state: Session):
    baseline = float(baseline_pct) / 100 if baseline_pct else None
    plan = state.assistant.sample_size(float(mde_pct) / 100, relative=True, baseline_rate=baseline,
                                       campaign_id=(campaign_id or "").strip() or None)
    return plan.to_markdown(), state


def build(state: gr.State) -> None:
    """The tab's components and events (called inside the app's Blocks)."""
    with gr.Tab("Next campaign"):
        gr.Markdown("What to change next time: advice from a campaign's results, who to send to (customers "
                    "ranked by predicted uplift; needs a campaign with a control group) and the sample size of "
                    "the next test.")
        with gr.Row():
            campaign = gr.Textbox(label="Campaign id", elem_id="next-campaign", placeholder="e.g. 18")
            metric = gr.Dropdown(["conversion", "participation", "revenue_per_user"], value="conversion",
                                 label="Metric to improve")
            advise_btn = gr.Button("Advise", elem_id="advise-button", variant="primary")
        advice_md = gr.Markdown(elem_id="advice", **SAFE_MARKDOWN)
        advice_table = gr.Dataframe(interactive=False, wrap=True)
        advise_btn.click(advise_next_campaign, [campaign, metric, state], [advice_md, advice_table, state])
        with gr.Row():
            outcome = gr.Dropdown(["visited", "converted", "clicked", "opened", "redeemed"], value="visited",
                                  label="Outcome to lift")
            uplift_btn = gr.Button("Who to target next", elem_id="uplift-button")
        uplift_md = gr.Markdown(elem_id="uplift", **SAFE_MARKDOWN)
        uplift_table = gr.Dataframe(interactive=False, wrap=True)
        audience = gr.File(label="Ranked customers (CSV)")
        uplift_btn.click(target_next_campaign, [campaign, outcome, state], [uplift_md, uplift_table, audience, state])
        with gr.Row():
            mde = gr.Number(value=10, label="Lift to detect (% of the baseline)")
            baseline = gr.Number(value=None, label="Baseline rate % (optional: from the campaign or the data)")
            size_btn = gr.Button("Sample size", elem_id="sample-size-button")
        size_md = gr.Markdown(elem_id="sample-size", **SAFE_MARKDOWN)
        size_btn.click(size_next_test, [mde, baseline, campaign, state], [size_md, state])
