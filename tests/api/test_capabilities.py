"""The capability table, walked through all four surfaces: Python (the facade), the chat (ChatAgent.respond),
the UI (the tab handler functions the Gradio events call) and the CLI (`mkt` verbs, in-process).

Every capability of the product is one row; a row whose surface is missing fails here, so a new capability
cannot be left half-wired.

Real parts: demo data (+ one randomised campaign), real encoder, real Chroma collection, real segmentation and
recommender; the LLM is the scripted RecordingLLM (persona and copy wording are not what is tested here).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd
import pytest

from assistant.api.facade import MarketingAssistant
from assistant.api.results import model_markdown
from tests.api.conftest import RANDOMISED_CAMPAIGN as C
from tests.assistant.fakes import RecordingLLM

SURFACES = ("python", "chat", "ui", "cli")


@dataclass(frozen=True)
class Capability:
    name: str
    marker: str  # regex every surface's answer must contain
    python: Callable[[MarketingAssistant], str]
    chat: str | tuple[str, ...]  # an utterance asking for it (or a short exchange: the last reply is checked)
    chat_intent: str  # the intent the chat must route it to (the reply's `intent`)
    ui: Callable[[Any], Any]  # calls the tab handler(s) with a Session; returns what the handler shows
    cli: tuple[tuple[str, ...], ...]  # one or more `mkt` command lines (without --workspace)
    markers: dict[str, str] = field(default_factory=dict)  # per-surface override of `marker`


def _ui(module: str, handler: str, *args):
    def call(session):
        import importlib
        import inspect
        result = getattr(importlib.import_module(f"assistant.ui.{module}"), handler)(*args, session)
        return list(result)[-1] if inspect.isgenerator(result) else result  # streaming handlers: the last answer
    return call


def _ui_steps(*steps):
    def call(session):
        shown = []
        for step in steps:
            out = step(session)
            session = out[-1]
            shown.append(out)
        return [x for out in shown for x in out]
    return call


CAPABILITIES = [
    Capability("load / quality", r"Cleaning report", lambda ma: ma.data_quality().to_markdown(),
               "show me the data quality report", "data_quality", _ui("data_tab", "show_data"), (("quality",),)),
    Capability("segment", r"segment", lambda ma: ma.segment(4).to_markdown(),
               "split my customers into 4 groups", "segment", _ui("segments_tab", "run_segmentation", "4", 0.5, "en"),
               (("segment", "--n", "4"),), markers={"python": r"\| segment \|", "chat": r"4 segments",
                                                   "ui": r"4 segments", "cli": r"\| segment \|"}),
    Capability("describe a segment", r"Segment 1 —", lambda ma: ma.describe_segment(1).to_markdown(),
               "who is segment 1?", "describe_segment", _ui("segments_tab", "describe_segment", "1", "en"), (("describe", "1"),)),
    Capability("personas", r"Persona [A-Z]", lambda ma: ma.segments_overview(with_personas=True).to_markdown(),
               "write a persona for every segment", "personas", _ui("segments_tab", "run_segmentation", "4", 0.5, "en"),
               (("personas",),)),
    Capability("report", r"persona\\?_report\.(html|md)", lambda ma: str(ma.report().html),
               "write the persona report", "report", _ui("reports_tab", "make_report", "en"), (("report",),)),
    Capability("recommend (customer)", r"Top 10 for customer 1029", lambda ma: ma.recommend("1029").to_markdown(),
               "what should I recommend to household 1029?", "recommend_user", _ui("recs_tab", "lookup_recommendations", "1029", 10, False),
               (("recommend", "1029"),)),
    Capability("recommend (segment)", r"Top 10 for segment 1", lambda ma: ma.recommend_for_segment(1).to_markdown(),
               "what should I recommend to segment 1?", "recommend_segment", _ui("recs_tab", "segment_recommendations", "1", 10),
               (("recommend", "--segment", "1"),)),
    Capability("product search", r"text close to", lambda ma: ma.search_products("milk").to_markdown(),
               "search products: organic milk", "search_products", _ui("recs_tab", "search_products", "milk", 10),
               (("products", "milk"),)),
    Capability("similar products", r"similar to|often bought with", lambda ma: ma.similar_products("milk").to_markdown(),
               "show me products similar to milk", "similar_products", _ui("recs_tab", "similar_products", "milk", 10),
               (("similar", "milk"),)),
    Capability("plan", r"(?i)segment\\?_id|segment 1", lambda ma: model_markdown(ma.plan_campaign(1, offer=15, channel="email")),
               "plan a campaign for segment 1", "plan_campaign", _ui("campaigns_tab", "make_plan", "1", "email", 15, "en"),
               (("plan", "--segment", "1", "--offer", "15"),)),
    Capability("copy", r"Variant 1|subject", lambda ma: ma.write_copy(1, channel="sms", offer=15).to_markdown(),
               "write an sms for segment 1 with 15% off", "write_copy", _ui("campaigns_tab", "write_plan_copy", "1", "sms", 15, "en", ""),
               (("copy", "--segment", "1", "--channel", "sms", "--offer", "15"),)),
    Capability("evaluate", r"control", lambda ma: ma.evaluate(C).to_markdown(),
               f"how did campaign {C} do?", "evaluate_campaign", _ui("evaluate_tab", "evaluate_dataset_campaign", C, "en"),
               (("evaluate", "--campaign", C),)),
    Capability("next-campaign advice", r"Next campaign after", lambda ma: ma.next_campaign_advice(C).to_markdown(),
               f"what should we change in the next campaign after campaign {C}?", "next_campaign",
               _ui("next_tab", "advise_next_campaign", C, "conversion"), (("advise", "--campaign", C),)),
    Capability("uplift targeting", r"Who to target next", lambda ma: ma.uplift_targeting(C).to_markdown(),
               f"who should we send the next campaign to, based on campaign {C}?", "next_campaign",
               _ui("next_tab", "target_next_campaign", C, "visited"), (("uplift", "--campaign", C),)),
    Capability("sample size", r"per arm", lambda ma: ma.sample_size(0.1, campaign_id=C).to_markdown(),
               "how many customers per arm does the next test need to detect a 10% lift?", "sample_size",
               _ui("next_tab", "size_next_test", 10, None, C), (("sample-size", "--campaign", C),)),
    Capability("save / load", r"\d[\d,]* customers, \d+ segments", lambda ma: repr(MarketingAssistant.load(ma.save(), encoder=ma.encoder)),
               # the workspace already holds a save: overwriting it and reopening it each wait for a "yes"
               ("save my workspace", "yes", "reopen the saved workspace", "yes"), "load_workspace",
               _ui_steps(_ui("data_tab", "save_workspace"), _ui("data_tab", "reopen_workspace")),
               (("save",), ("load",))),
]


def shown_text(value: Any) -> str:
    """Everything a surface showed, as text (tables as CSV, nested outputs flattened)."""
    if isinstance(value, pd.DataFrame):
        return value.to_csv(index=False)
    if isinstance(value, (list, tuple)):
        return "\n".join(shown_text(v) for v in value)
    if isinstance(value, str):
        return value
    return ""


def check(cap: Capability, surface: str, text: str) -> None:
    assert "⚠️" not in text and "Traceback" not in text, f"{cap.name} on {surface}: {text[:400]}"
    marker = cap.markers.get(surface, cap.marker)
    assert re.search(marker, text), f"{cap.name} on {surface}: no /{marker}/ in {text[:400]!r}"


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def workspace_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("capabilities")


@pytest.fixture(scope="module")
def llm(fake_llm_reply):
    return RecordingLLM(fake_llm_reply)


def _assistant(data, workspace_dir, llm) -> MarketingAssistant:
    from embeddings.cache import get_cached_encoder
    ma = MarketingAssistant(data, workspace=workspace_dir, llm=llm, encoder=get_cached_encoder())
    ma.segment(4)
    return ma


@pytest.fixture(scope="module")
def python_ma(campaign_data, workspace_dir, llm):
    ma = _assistant(campaign_data, workspace_dir, llm)
    ma.save()  # the CLI column works on this workspace
    return ma


@pytest.fixture(scope="module")
def chat_agent(campaign_data, workspace_dir, llm, python_ma):
    from assistant.chat.agent import ChatAgent
    return ChatAgent(_assistant(campaign_data, workspace_dir, llm))


@pytest.fixture(scope="module")
def ui_session(campaign_data, workspace_dir, llm, python_ma):
    from assistant.ui.session import Session
    return Session(_assistant(campaign_data, workspace_dir, llm))


@pytest.fixture(scope="module")
def cli(workspace_dir, llm, python_ma):
    from assistant.cli import main
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("assistant.core.llm.get_llm", lambda *a, **k: llm)  # the CLI's assistants get the fake

        def run(argv, capsys):
            code = main([*argv, "--workspace", str(workspace_dir)])
            out, err = capsys.readouterr()
            assert code == 0, f"mkt {' '.join(argv)} exited {code}: {err}"
            return out
        yield run


def _cells():
    for cap in CAPABILITIES:
        for surface in SURFACES:
            yield pytest.param(cap, surface, id=f"{cap.name}-{surface}")


@pytest.mark.parametrize("cap,surface", list(_cells()))
def test_capability_reachable(cap: Capability, surface: str, request, capsys):
    if surface == "python":
        text = cap.python(request.getfixturevalue("python_ma"))
    elif surface == "chat":
        agent = request.getfixturevalue("chat_agent")
        for utterance in ([cap.chat] if isinstance(cap.chat, str) else cap.chat):
            replies = list(agent.respond(utterance))
            assert replies, utterance
        assert replies[-1].intent == cap.chat_intent, f"{cap.chat!r} went to {replies[-1].intent!r}"
        text = replies[-1].text
    elif surface == "ui":
        text = shown_text(cap.ui(request.getfixturevalue("ui_session")))
    else:
        run = request.getfixturevalue("cli")
        text = "\n".join(run(list(argv), capsys) for argv in cap.cli)
    check(cap, surface, text)


def test_every_capability_has_all_four_surfaces():
    """The table itself: one row per facade capability, no surface left empty."""
    names = [c.name for c in CAPABILITIES]
    assert len(names) == len(set(names))
    for cap in CAPABILITIES:
        assert cap.python and cap.chat and cap.ui and cap.cli, cap.name
    from assistant.cli import build_parser
    verbs = set(build_parser()._subparsers._group_actions[0].choices)
    used = {argv[0] for cap in CAPABILITIES for argv in cap.cli}
    assert used <= verbs
    from assistant.ui.app import TABS
    assert {"next_tab"} <= {t.__name__.rsplit(".", 1)[-1] for t in TABS}
