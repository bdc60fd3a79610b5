"""Evaluate tab: upload a campaign test export, pick the columns and the control from dropdowns filled from the
file, then see the data checks (warnings first), the verdict, the per-arm table and the uplift chart.

Each handler calls one facade method (`load_test`, `describe_test`, `evaluate`); errors become readable text
through the shared `tab_handler`.
"""
from __future__ import annotations

import gradio as gr
import pandas as pd

from assistant.ui.session import SAFE_MARKDOWN, Session, tab_handler, upload_path

NO_COVARIATE = "(none)"
ROBUST = {"standard (Welch t)": None, "bootstrap (heavy-tailed amounts)": "bootstrap",
          "trimmed means (Yuen)": "trimmed"}


def _dropdowns(layout):
    """Dropdown updates from a `TestLayout`: arm column, control, metrics, covariate."""
    first = [layout.arm_column] if layout.arm_column else []
    arm_choices = list(dict.fromkeys([*first, *layout.arm_column_options, *layout.columns]))
    metrics = [m for m, _ in layout.metrics]
    return (gr.Dropdown(choices=arm_choices, value=layout.arm_column),
            gr.Dropdown(choices=list(layout.control_options),
                        value=(layout.control if layout.control is not None else
                               (layout.control_options[-1] if layout.control_recognised and layout.control_options
                                else None))),
            gr.Dropdown(choices=list(dict.fromkeys([*metrics, *layout.metric_options])), value=metrics),
            gr.Dropdown(choices=[NO_COVARIATE, *layout.columns], value=layout.covariate or NO_COVARIATE))


NO_TEST = ("⚠️ Upload the test export first (one file with the arm column and the outcomes, or exposures + "
           "outcomes).")


@tab_handler(n_outputs=6, status=0)
def on_upload(test_file, outcomes_file, mapping_file, state: Session):
    """Read the uploaded test and fill the dropdowns from what was recognised."""
    if test_file is None:
        empty = (gr.Dropdown(choices=[], value=None), gr.Dropdown(choices=[], value=None),
                 gr.Dropdown(choices=[], value=[]), gr.Dropdown(choices=[NO_COVARIATE], value=NO_COVARIATE))
        return ("Upload the test export: one file with the arm column and the outcomes, or the exposures "
                "(user + arm) plus an outcomes file.", *empty, state)
    layout = state.assistant.load_test(exposures=upload_path(test_file), outcomes=upload_path(outcomes_file),
                                       mapping=upload_path(mapping_file))
    status = (f"✅ Read the file. Recognised: {layout.to_markdown()}\n\n"
              "Check the choices below, then press **Evaluate**.")
    return (status, *_dropdowns(layout), state)


@tab_handler(n_outputs=3, status=1)
def on_arm_column(arm_column: str | None, state: Session):
    """A new arm column: refill the control dropdown with its values."""
    if not arm_column or not state.assistant.has_test:
        return gr.Dropdown(), gr.update(), state
    layout = state.assistant.describe_test(arm_column=arm_column)
    return _dropdowns(layout)[1], gr.update(), state


@tab_handler(n_outputs=5, status=0)
def evaluate_upload(arm_column, control, metrics, covariate, robust, sequential, language, state: Session):
    if not state.assistant.has_test:
        return NO_TEST, pd.DataFrame(), None, None, state
    evaluation = state.assistant.evaluate(
        arm_column=arm_column or None, control=control or None, metrics=list(metrics) or None,
        covariate=None if covariate in (None, NO_COVARIATE) else covariate, robust=ROBUST.get(robust),
        sequential=bool(sequential))
    return (*_outputs(evaluation, language), state)


@tab_handler(n_outputs=5, status=0)
def evaluate_dataset_campaign(campaign_id: str, language, state: Session):
    evaluation = state.assistant.evaluate((campaign_id or "").strip() or None)
    return (*_outputs(evaluation, language), state)


def _outputs(evaluation, language):
    """The verdict (Markdown that encodes its data once), the per-arm table and the two charts."""
    from campaigns.charts import rates_chart, uplift_chart
    language = language or "en"
    return (evaluation.to_markdown(language=language), evaluation.arms_display(language),
            uplift_chart(evaluation), rates_chart(evaluation))


def build(state: gr.State) -> None:
    """The tab's components and events (called inside the app's Blocks)."""
    with gr.Tab("Evaluate"):
        gr.Markdown("### Evaluate a campaign test\nUpload your export: **one file** with an arm/group column and "
                    "outcome columns (visits, orders, revenue…), or the **exposures** (user id + arm) plus an "
                    "**outcomes** file. No campaign id is needed. Optional: a column mapping (YAML/JSON).")
        with gr.Row():
            test_file = gr.File(label="Test export / exposures", file_types=[".csv", ".gz", ".parquet", ".tsv",
                                                                              ".txt"], elem_id="eval-file")
            outcomes_file = gr.File(label="Outcomes file (optional)", file_types=[".csv", ".gz", ".parquet",
                                                                                  ".tsv", ".txt"],
                                    elem_id="eval-outcomes")
            mapping_file = gr.File(label="Column mapping (optional)", file_types=[".yaml", ".yml", ".json"],
                                   elem_id="eval-mapping")
        upload_status = gr.Markdown(elem_id="eval-upload-status", **SAFE_MARKDOWN)
        with gr.Row():
            arm_column = gr.Dropdown(label="Arm / group column", choices=[], elem_id="eval-arm-column",
                                     allow_custom_value=True)
            control = gr.Dropdown(label="Control arm", choices=[], elem_id="eval-control", allow_custom_value=True)
            metrics = gr.Dropdown(label="Outcomes to evaluate", choices=[], multiselect=True, elem_id="eval-metrics")
            covariate = gr.Dropdown(label="Pre-period covariate (CUPED)", choices=[NO_COVARIATE],
                                    value=NO_COVARIATE, elem_id="eval-covariate")
        with gr.Row():
            robust = gr.Dropdown(list(ROBUST), value=list(ROBUST)[0], label="Amounts (revenue) interval")
            sequential = gr.Checkbox(label="Campaign still running: always-valid intervals (safe to peek)",
                                     value=False)
            language = gr.Radio(["en", "zh"], value="en", label="Verdict language")
            eval_btn = gr.Button("Evaluate", variant="primary", elem_id="eval-button")
        with gr.Accordion("Or: a campaign of the loaded data", open=False):
            with gr.Row():
                campaign_id = gr.Textbox(label="Campaign id", placeholder="e.g. 18", elem_id="eval-campaign-id")
                campaign_btn = gr.Button("Evaluate campaign", elem_id="eval-campaign-button")
        result_md = gr.Markdown(elem_id="evaluation", **SAFE_MARKDOWN)
        arms_table = gr.Dataframe(label="Per arm", interactive=False, wrap=True, elem_id="eval-arms")
        with gr.Row():
            uplift_plot = gr.Plot(label="Uplift (relative, 95% CI)", elem_id="eval-uplift-chart")
            arms_plot = gr.Plot(label="Results per arm", elem_id="eval-arms-chart")

        upload_inputs = [test_file, outcomes_file, mapping_file, state]
        upload_outputs = [upload_status, arm_column, control, metrics, covariate, state]
        for component in (test_file, outcomes_file, mapping_file):
            component.change(on_upload, upload_inputs, upload_outputs)
        arm_column.input(on_arm_column, [arm_column, state], [control, upload_status, state])
        outputs = [result_md, arms_table, uplift_plot, arms_plot, state]
        eval_btn.click(evaluate_upload, [arm_column, control, metrics, covariate, robust, sequential, language,
                                         state], outputs)
        campaign_btn.click(evaluate_dataset_campaign, [campaign_id, language, state], outputs)
