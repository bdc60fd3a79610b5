"""On the demo data: nothing the marketing policy excludes reaches a recommendation, a segment pick, a persona, a
plan or copy — walked over every segment, both languages, every channel and the 20 most active households.
The template path is used (no LLM needed); the LLM path is gated by the same checks (test_copy_campaigns)."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from assistant.api.facade import MarketingAssistant
from assistant.core.gates import COPY_GATES, check_fields
from campaigns.copywriting import brief_context
from segmentation.personas import persona_failures
from tests.conftest import demo_copy

CHANNELS = ("email", "sms", "push", "wechat")
pytestmark = pytest.mark.slow  # fits the demo recommender with tuning (~1 min idle, several under load)


@pytest.fixture(scope="module")
def ma(tmp_path_factory, shared_store):
    from embeddings.cache import get_cached_encoder
    data = demo_copy()
    assistant = MarketingAssistant(data, workspace=tmp_path_factory.mktemp("words"), llm=None,
                                   encoder=get_cached_encoder(), store=shared_store(data))
    assistant.segment(5)
    return assistant


def _offer_ok(ma, items: pd.DataFrame) -> None:
    policy = ma.policy
    for row in items.itertuples(index=False):
        assert policy.allows(row.category, row.catalogue_title), row
        assert row.title and "misc" not in row.title.lower() and not re.search(r"\d+\s*(LB|OZ|CT)\b", row.title)
        assert pd.isna(row.price) or 0.1 <= row.price < 5000
    assert items["title"].is_unique


def test_segment_picks_personas_plans_and_copy_hold_no_excluded_item(ma):
    policy = ma.policy
    for stands_out in ma.segments_overview().table["stands_out_for"]:  # "buys more than others" in the overview
        names = [part.rsplit(" (", 1)[0] for part in stands_out.split(", ") if part]
        assert names and len(names) == len(set(names)) and not policy.blocked_terms(stands_out), stands_out
        assert not re.search(r"\b(?:Refrgratd|DRNKS|BKD|Misc)\b", stands_out), stands_out
    for segment in ma.profiles.segments:
        _offer_ok(ma, ma.recommend_for_segment(segment, k=10).items)
    for language in ("en", "zh"):
        personas = ma.personas(language, use_llm=False)
        for p in personas.values():
            text = " ".join([p.name, p.tagline, p.description, *p.motivations, *p.suggested_offers])
            assert not policy.blocked_terms(text), (p.name, policy.blocked_terms(text))
            assert not persona_failures(p, language, policy)
        for segment in ma.profiles.segments:
            for channel in CHANNELS:
                plan = ma.plan_campaign(segment, offer=15, channel=channel, language=language)
                assert all(policy.allows(p.category, p.title, channel=channel) for p in plan.products)
                copy = ma.write_copy(plan=plan, language=language, use_llm=False)
                _, ctx = brief_context(plan, personas.get(segment), language, channel, policy)
                for v in copy.variants:
                    assert v.source == "template"
                    assert check_fields(v.fields(), COPY_GATES, ctx) == [], v


def test_the_20_most_active_households_get_no_excluded_item(ma):
    active = ma.dataset.events["user_id"].value_counts().head(20).index
    for user in active:
        _offer_ok(ma, ma.recommend(user, k=10).items)


def test_household_1029_is_not_offered_gasoline(ma):
    items = ma.recommend("1029", k=20).items
    assert not items["catalogue_title"].str.contains("Gasoline", case=False).any()
    assert not (items["price"].dropna() < 0.1).any()
