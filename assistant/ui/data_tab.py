"""Data tab: load the user's own export (with a column mapping) and see the data-quality report."""
from __future__ import annotations

import gradio as gr

from assistant.api.facade import MarketingAssistant
from assistant.core.errors import DataError
from assistant.core.text import markdown_literal as md
from assistant.ui.session import SAFE_MARKDOWN, Session, session_of, tab_handler, upload_path, user_message


def load_user_data(events_file, products_file, users_file, mapping_text: str, state: Session | None):
    """Load uploaded files into a NEW assistant; on any error the session keeps what it had."""
    state = session_of(state)
    try:
        if events_file is None:
            raise DataError("no events file uploaded", fix="upload a CSV/Parquet of events (user_id, item_id, "
                                                           "timestamp, ...) or keep using the demo data")
        mapping = None
        if mapping_text and mapping_text.strip():
            import yaml
            try:
                mapping = yaml.safe_load(mapping_text)
            except yaml.YAMLError as exc:
                raise DataError(f"the column mapping is not valid YAML/JSON ({exc.__class__.__name__})",
                                fix='write e.g. {"events": {"user_id": "visitor", "item_id": "sku"}}') from None
        new = MarketingAssistant.from_files(events=upload_path(events_file), products=upload_path(products_file),
                                            users=upload_path(users_file), mapping=mapping, name="upload",
                                            workspace=state.folder / "upload",
                                            encoder=state.assistant.encoder, language=state.assistant.language)
        state = state.with_assistant(new)
        return (f"✅ Loaded: {new.dataset.n_users:,} customers, {new.dataset.n_items:,} products.\n\n"
                f"{new.quality.to_markdown()}"), new.summary().to_frame(), state
    except Exception as exc:  # noqa: BLE001
        return user_message(exc), None, state


@tab_handler(n_outputs=3, status=0)
def show_data(state: Session):
    quality = state.assistant.data_quality()
    return quality.to_markdown(), quality.summary.to_frame(), state


@tab_handler(n_outputs=2, status=0)
def save_workspace(state: Session):
    """Save this session's data and fitted models to its workspace (an explicit request: the button)."""
    return f"✅ Saved to {md(state.assistant.save())}", state


@tab_handler(n_outputs=2, status=0)
def reopen_workspace(state: Session):
    """Reopen what this session saved (its own workspace only: a browser never names a server path)."""
    old = state.assistant
    new = MarketingAssistant.load(old.workspace, encoder=old.encoder, store=old.store, language=old.language,
                                  settings=old.settings)
    return f"✅ Reopened {md(repr(new))}", state.with_assistant(new)


def build(state: gr.State) -> None:
    """The tab's components and events (called inside the app's Blocks)."""
    with gr.Tab("Data"):
        gr.Markdown("Upload your own export (CSV, gzip CSV or Parquet). Columns under other names? Give a "
                    "mapping, e.g. `{\"events\": {\"user_id\": \"visitor\", \"item_id\": \"sku\", "
                    "\"event_type\": \"action\", \"timestamp\": \"ts\"}}`. Your current data stays loaded "
                    "if anything is wrong.")
        with gr.Row():
            ev_file = gr.File(label="Events", elem_id="upload-events", file_types=[".csv", ".gz", ".parquet", ".tsv", ".txt"])
            pr_file = gr.File(label="Products (optional)", elem_id="upload-products")
            us_file = gr.File(label="Users (optional)", elem_id="upload-users")
        mapping = gr.Textbox(label="Column mapping (YAML or JSON, optional)", lines=3, elem_id="mapping")
        with gr.Row():
            load_btn = gr.Button("Load my data", elem_id="load-button", variant="primary")
            show_btn = gr.Button("Show current data")
        data_status = gr.Markdown(elem_id="data-status", **SAFE_MARKDOWN)
        data_table = gr.Dataframe(elem_id="data-summary", interactive=False)
        load_btn.click(load_user_data, [ev_file, pr_file, us_file, mapping, state], [data_status, data_table, state])
        show_btn.click(show_data, [state], [data_status, data_table, state])
        with gr.Row():
            save_btn = gr.Button("Save workspace", elem_id="save-button")
            reopen_btn = gr.Button("Reopen saved workspace", elem_id="reopen-button")
        save_btn.click(save_workspace, [state], [data_status, state])
        reopen_btn.click(reopen_workspace, [state], [data_status, state])
