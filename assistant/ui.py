"""The Gradio app: a thin shell over `MarketingAssistant` (all logic lives in the packages).

Per-browser-session state: every session gets its own `MarketingAssistant` (its own segments, uploads and
reports, in its own workspace sub-folder); only read-only things are shared (the bundled demo tables, the
embedding model, the LLM client). Binds 127.0.0.1 by default; analytics off; optional login with
MKT_UI_USER / MKT_UI_PASSWORD; uploads capped by MKT_UI_MAX_UPLOAD (default 50mb).

Run: `mkt ui` or `python app.py` (app.py at the project root re-exports this module).
"""
from __future__ import annotations

import functools
import html
import os
import tempfile
import threading
import uuid
from pathlib import Path

from assistant.config import Settings, offline_environment

offline_environment()

import gradio as gr  # noqa: E402  (after the offline environment is set)
import pandas as pd  # noqa: E402
import plotly.express as px  # noqa: E402

from assistant.chat import ChatAgent  # noqa: E402
from assistant.data import DataError, load_demo  # noqa: E402
from assistant.facade import MarketingAssistant, NotReadyError  # noqa: E402

CHANNELS = ["email", "sms", "push", "wechat"]
_shared_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def demo_dataset():
    """The bundled demo tables, loaded once and shared read-only by every session."""
    return load_demo()


@functools.lru_cache(maxsize=1)
def shared_encoder():
    from embeddings.cache import get_cached_encoder
    return get_cached_encoder()


class Session:
    """What one browser session owns."""

    def __init__(self, assistant: MarketingAssistant):
        self.assistant = assistant
        self.agent = ChatAgent(assistant)


def _new_session(dataset=None) -> Session:
    settings = Settings.from_env()
    workspace = Path(settings.workspace) / "sessions" / uuid.uuid4().hex[:12]
    with _shared_lock:
        encoder = shared_encoder()
    assistant = MarketingAssistant(dataset if dataset is not None else demo_dataset(), workspace=workspace,
                                   encoder=encoder, language=settings.language)
    return Session(assistant)


def _session(state: Session | None) -> Session:
    return state if state is not None else _new_session()


def user_message(exc: Exception) -> str:
    """A readable message for anything a user can cause; unexpected errors are named, never a traceback."""
    from assistant.llm import LLMOutputError, LLMUnavailable
    if isinstance(exc, (DataError, NotReadyError, LLMUnavailable, LLMOutputError, ValueError, KeyError)):
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        return f"⚠️ {html.escape(str(text), quote=False)}"
    return (f"⚠️ Something went wrong ({type(exc).__name__}: {html.escape(str(exc), quote=False)}). "
            "Your data is unchanged; please try again.")


def _escape_frame(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Data strings are untrusted: escape them before the browser renders them."""
    if frame is None:
        return pd.DataFrame()
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: html.escape(str(v)) if isinstance(v, str) else v)
    return frame


# ---------------------------------------------------------------------- chat
def respond(message: str, history: list, state: Session | None):
    """Stream the assistant's reply into the chat (tables inline as Markdown, charts as plots)."""
    state = _session(state)
    history = list(history or []) + [{"role": "user", "content": message}]
    base = len(history)
    try:
        for reply in state.agent.respond(message):
            messages = [{"role": "assistant", "content": reply.text}]
            if reply.figure is not None:
                messages.append({"role": "assistant", "content": gr.Plot(reply.figure)})
            if reply.file:
                messages.append({"role": "assistant", "content": gr.File(reply.file)})
            yield history[:base] + messages, state, ""
    except Exception as exc:  # noqa: BLE001 — shown to the user, the session stays usable
        yield history[:base] + [{"role": "assistant", "content": user_message(exc)}], state, ""


# ---------------------------------------------------------------------- segments
def run_segmentation(n_segments: str, weight: float, language: str, state: Session | None):
    state = _session(state)
    try:
        n = "auto" if n_segments == "auto" else int(n_segments)
        state.assistant.segment(n, behaviour_weight=float(weight))
        overview = state.assistant.segments_overview(language, with_personas=True)
        personas = state.assistant.personas(language)
        cards = []
        for seg, p in personas.items():
            cards.append(f"### Segment {seg}: {html.escape(p.name)}\n_{html.escape(p.tagline)}_\n\n"
                         f"{html.escape(p.description)}\n\n- Motivations: {html.escape(', '.join(p.motivations))}\n"
                         f"- Price sensitivity: {html.escape(p.price_sensitivity)}\n"
                         f"- Channels: {html.escape(', '.join(p.preferred_channels))}; times: "
                         f"{html.escape(p.preferred_times)}\n- Offers: {html.escape('; '.join(p.suggested_offers))}")
        metrics = ", ".join(f"{k}: {v:.3g}" for k, v in overview.metrics.items())
        return (_escape_frame(overview.table), _segment_map(state), "\n\n".join(cards),
                f"✅ {len(overview.table)} segments. {metrics}", state)
    except Exception as exc:  # noqa: BLE001
        return pd.DataFrame(), None, "", user_message(exc), state


def _segment_map(state: Session):
    points = getattr(state.assistant.segmenter, "map_2d_", None)
    if points is None or len(points) == 0:
        return None
    names = state.assistant.segment_names(with_llm=False)
    points = points.assign(segment=points["segment"].map(lambda s: f"{s}: {names.get(int(s), s)}"))
    return px.scatter(points, x="x", y="y", color="segment", title="Customers on a 2-D map (PCA sample)",
                      opacity=0.7, height=480)


# ---------------------------------------------------------------------- recommendations
def lookup_recommendations(user_id: str, k: float, exclude_purchased: bool, state: Session | None):
    state = _session(state)
    try:
        recs = state.assistant.recommend((user_id or "").strip(), k=int(k), exclude_purchased=bool(exclude_purchased))
        return _escape_frame(recs.items), f"Top {len(recs.items)} for customer {html.escape(user_id)}", state
    except Exception as exc:  # noqa: BLE001
        return pd.DataFrame(), user_message(exc), state


def segment_recommendations(segment: str, k: float, state: Session | None):
    state = _session(state)
    try:
        recs = state.assistant.recommend_for_segment((segment or "").strip(), k=int(k))
        return _escape_frame(recs.items), f"Top {len(recs.items)} for {html.escape(recs.target)}", state
    except Exception as exc:  # noqa: BLE001
        return pd.DataFrame(), user_message(exc), state


# ---------------------------------------------------------------------- campaigns
def make_plan_and_copy(segment: str, channel: str, offer_pct: float, language: str, state: Session | None):
    state = _session(state)
    try:
        offer = float(offer_pct) if offer_pct else None
        plan = state.assistant.plan_campaign(segment.strip(), offer=offer, channel=channel, language=language)
        copy = state.assistant.write_copy(segment.strip(), channel=channel, offer=offer, language=language)
        plan_md = plan.to_markdown() if hasattr(plan, "to_markdown") else str(plan.model_dump())
        return html.escape(plan_md, quote=False), _escape_frame(copy.to_frame()), "✅ plan and copy ready", state
    except Exception as exc:  # noqa: BLE001
        return "", pd.DataFrame(), user_message(exc), state


def evaluate_campaign(campaign_id: str, exposures_file, outcomes_file, participation: str, state: Session | None):
    state = _session(state)
    try:
        from campaigns.charts import rates_chart, uplift_by_segment_chart
        if exposures_file is not None:
            from assistant.data import load_files
            uploaded = load_files(exposures=_path(exposures_file), outcomes=_path(outcomes_file), name="upload")
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


def _path(upload) -> str | None:
    if upload is None:
        return None
    return upload if isinstance(upload, str) else getattr(upload, "name", str(upload))


# ---------------------------------------------------------------------- data
def load_user_data(events_file, products_file, users_file, mapping_text: str, state: Session | None):
    """Load uploaded files into a NEW assistant; on any error the session keeps what it had."""
    state = _session(state)
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
        new = MarketingAssistant.from_files(events=_path(events_file), products=_path(products_file),
                                            users=_path(users_file), mapping=mapping, name="upload",
                                            workspace=state.assistant.workspace / "upload",
                                            encoder=state.assistant.encoder, language=state.assistant.language)
        state = Session(new)
        return (f"✅ Loaded: {new.dataset.n_users:,} customers, {new.dataset.n_items:,} products.\n\n"
                f"{html.escape(new.quality.to_markdown(), quote=False)}"), _escape_frame(new.summary().to_frame()), state
    except Exception as exc:  # noqa: BLE001
        return user_message(exc), None, state


def show_data(state: Session | None):
    state = _session(state)
    return (html.escape(state.assistant.quality.to_markdown(), quote=False),
            _escape_frame(state.assistant.summary().to_frame()), state)


# ---------------------------------------------------------------------- reports
def make_report(language: str, state: Session | None):
    state = _session(state)
    try:
        if state.assistant.segmenter is None:
            state.assistant.segment("auto")
        files = state.assistant.report(language=language)
        return [str(files.html), str(files.markdown)], f"✅ Report written ({Path(files.html).name})", state
    except Exception as exc:  # noqa: BLE001
        return None, user_message(exc), state


# ---------------------------------------------------------------------- layout
@functools.lru_cache(maxsize=1)
def warm_up_in_background() -> threading.Thread:
    """Load what the first questions need while the page opens: the chat router, the demo recommender (its
    product vectors are the slow part on a fresh machine) and the local LLM server. Failures are left for the
    request that needs the part, which reports them readably."""
    from assistant.llm import get_llm
    from assistant.router import get_router

    def work():
        for step in (get_router, lambda: _new_session().assistant.recommender, lambda: get_llm().warm_up()):
            try:
                step()
            except Exception as exc:  # noqa: BLE001
                print(f"warm-up step failed (will be retried on use): {exc}")
    thread = threading.Thread(target=work, name="mkt-warm-up", daemon=True)
    thread.start()
    return thread


def build_app() -> gr.Blocks:
    warm_up_in_background()
    with gr.Blocks(title="Marketing assistant") as demo:
        state = gr.State(None)
        gr.Markdown("# Marketing assistant\nSegments with personas, recommendations, campaign copy and "
                    "evaluation. Runs offline on the bundled Complete Journey demo data (CC0) unless you load your own.")
        with gr.Tab("Chat"):
            chatbot = gr.Chatbot(elem_id="chat", height=520, label="Assistant")
            with gr.Row():
                box = gr.Textbox(elem_id="chat-input", placeholder="e.g. split my customers into 5 groups · 给高价值客户写一条促销短信",
                                 show_label=False, scale=8)
                send = gr.Button("Send", elem_id="chat-send", variant="primary", scale=1)
            gr.Examples(["split my customers into 5 groups", "who is segment 1?",
                         "what should I recommend to household 1029?", "how did campaign 18 do?",
                         "write an email for segment 0 with 15% off", "给第1组客户写一条促销短信"], inputs=box)
            send.click(respond, [box, chatbot, state], [chatbot, state, box])
            box.submit(respond, [box, chatbot, state], [chatbot, state, box])
        with gr.Tab("Segments"):
            with gr.Row():
                n_seg = gr.Dropdown(["auto"] + [str(i) for i in range(2, 13)], value="auto", label="Segments")
                weight = gr.Slider(0, 1, value=0.5, step=0.05, label="Weight of 'what they buy' vs 'how they buy'")
                seg_lang = gr.Radio(["en", "zh"], value="en", label="Persona language")
                seg_btn = gr.Button("Segment customers", elem_id="segment-button", variant="primary")
            seg_status = gr.Markdown(elem_id="segment-status")
            seg_table = gr.Dataframe(elem_id="segment-table", interactive=False, wrap=True)
            seg_map = gr.Plot(label="2-D map")
            personas_md = gr.Markdown(elem_id="personas")
            seg_btn.click(run_segmentation, [n_seg, weight, seg_lang, state],
                          [seg_table, seg_map, personas_md, seg_status, state])
        with gr.Tab("Recommendations"):
            with gr.Row():
                user_box = gr.Textbox(label="Customer id", elem_id="rec-user", placeholder="e.g. 1029")
                k_box = gr.Slider(1, 30, value=10, step=1, label="How many")
                excl = gr.Checkbox(label="Exclude products already bought")
                rec_btn = gr.Button("Recommend", elem_id="rec-button", variant="primary")
            rec_status = gr.Markdown(elem_id="rec-status")
            rec_table = gr.Dataframe(elem_id="rec-table", interactive=False, wrap=True)
            rec_btn.click(lookup_recommendations, [user_box, k_box, excl, state], [rec_table, rec_status, state])
            with gr.Row():
                seg_box = gr.Textbox(label="Segment (number or persona name)", elem_id="rec-segment")
                seg_rec_btn = gr.Button("Recommend for segment")
            seg_rec_btn.click(segment_recommendations, [seg_box, k_box, state], [rec_table, rec_status, state])
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
            data_status = gr.Markdown(elem_id="data-status")
            data_table = gr.Dataframe(elem_id="data-summary", interactive=False)
            load_btn.click(load_user_data, [ev_file, pr_file, us_file, mapping, state], [data_status, data_table, state])
            show_btn.click(show_data, [state], [data_status, data_table, state])
        with gr.Tab("Reports"):
            rep_lang = gr.Radio(["en", "zh"], value="en", label="Language")
            rep_btn = gr.Button("Write the persona report", variant="primary", elem_id="report-button")
            rep_status = gr.Markdown(elem_id="report-status")
            rep_files = gr.File(label="Download", file_count="multiple", elem_id="report-files")
            rep_btn.click(make_report, [rep_lang, state], [rep_files, rep_status, state])
    return demo


def launch(host: str | None = None, port: int | None = None, demo: gr.Blocks | None = None, **kwargs):
    """Start the UI (127.0.0.1 by default; MKT_UI_HOST / MKT_UI_PORT to change)."""
    user, password = os.environ.get("MKT_UI_USER"), os.environ.get("MKT_UI_PASSWORD")
    demo = demo or build_app()
    return demo.launch(
        server_name=host or os.environ.get("MKT_UI_HOST", "127.0.0.1"),
        server_port=port or int(os.environ.get("MKT_UI_PORT", "7860")),
        auth=(user, password) if user and password else None,
        max_file_size=os.environ.get("MKT_UI_MAX_UPLOAD", "50mb"),
        allowed_paths=[tempfile.gettempdir(), str(Settings.from_env().workspace)],
        **kwargs,
    )


if __name__ == "__main__":
    launch()
