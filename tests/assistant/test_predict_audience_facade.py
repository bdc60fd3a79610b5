"""Predictions and audiences through the facade on the demo data: per-customer and per-segment CLV / churn,
sentences → confirmed filters → saved audiences used like segments (recommend, plan, copy, evaluate, predict)."""
from __future__ import annotations

import pandas as pd
import pytest

from assistant.api.facade import MarketingAssistant
from assistant.core.data import DataError
from tests.assistant.fakes import RecordingLLM
from tests.assistant.test_facade import ID_MARK, _reply, demo  # noqa: F401  (demo: the shared fixture)


@pytest.fixture(scope="module")
def ma(demo, tmp_path_factory):
    from embeddings.cache import get_cached_encoder
    assistant = MarketingAssistant(demo, workspace=tmp_path_factory.mktemp("ws"), llm=RecordingLLM(_reply),
                                   encoder=get_cached_encoder())
    assistant.segment(3)
    assistant._recommender = _recommender_without_text_vectors(demo, assistant.labels)
    return assistant


def _recommender_without_text_vectors(demo, labels):
    """A real recommender whose content vectors are seeded stand-ins, so this module does not pay for embedding
    the catalogue (the facade tests of recommendations cover the real vectors)."""
    import numpy as np
    from campaigns.rec_eval import ItemVectors
    from campaigns.recommender import DEFAULT_WEIGHTS, Recommender
    ids = demo.events["item_id"].unique().astype(str)
    vectors = np.random.default_rng(0).normal(size=(len(ids), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Recommender(weights=dict(DEFAULT_WEIGHTS)).fit(demo.events, demo.products, segments=labels,
                                                          item_vectors=ItemVectors(ids, vectors))


def test_predict_per_customer_and_per_segment(ma):
    result = ma.predict(90)
    assert result.model == "bgnbd" and result.horizon_days == 90
    assert len(result.customers) == ma.dataset.purchases["user_id"].nunique()
    assert list(result.segments["segment"]) == [0, 1, 2]
    assert result.segments["customers"].sum() == len(result.customers)
    assert "high_churn_share" in result.segments and "expected_spend_mean" in result.segments
    text = result.to_markdown().replace("\\", "")  # table cells are Markdown-escaped
    assert "Next 90 days from 2018-01-02" in text and "expected_spend" in text
    overview = ma.segments_overview().table
    assert overview["clv_90d_mean"].notna().all() and overview["high_churn_share"].between(0, 1).all()
    check = ma.predict_check(60)
    assert check.customers > 500 and "baseline: cohort mean" in set(check.table["model"])


def _purchases(ma):
    return ma.dataset.purchases


def test_lapsed_high_value_sentence_runs_as_described(ma):
    draft = ma.parse_audience("high-value customers who have not bought in 60 days")
    assert draft.ready and draft.source == "rules"
    assert "no order in the last 60 days" in draft.words and "high-value" in draft.words
    audience = ma.build_audience(draft)
    end = ma.dataset.events["timestamp"].max().normalize() + pd.Timedelta(days=1)
    last = _purchases(ma).groupby("user_id")["timestamp"].max()
    assert audience.size > 0
    assert (last.reindex(audience.members).fillna(pd.Timestamp("1900-01-01")) < end - pd.Timedelta(days=60)).all()
    assert not [c for c in ma.llm.calls if c.prompt == "audience_filter"]  # complete: no LLM call


def test_chinese_sentence_matches_baby_categories_and_runs(ma):
    draft = ma.parse_audience("买过母婴用品但最近一个月没买的客户")
    assert draft.language == "zh" and draft.ready
    assert "买过「baby」" in draft.words
    baby = draft.categories["baby"]
    assert baby.how == "words" and "BABY FOODS" in baby.categories
    audience = ma.build_audience(draft)
    items = ma._category_matcher.items(baby.categories)
    lines = _purchases(ma)[_purchases(ma)["item_id"].isin(items)]
    end = ma.dataset.events["timestamp"].max().normalize() + pd.Timedelta(days=1)
    recent = set(lines.loc[lines["timestamp"] >= end - pd.Timedelta(days=30), "user_id"])
    assert set(audience.members) == set(lines["user_id"]) - recent and audience.size > 0
    assert audience.funnel["customers_left"].is_monotonic_decreasing


def test_a_condition_the_data_lacks_is_named_not_dropped(ma):
    draft = ma.parse_audience("women 25–34 who bought baby products in the last 30 days")
    assert not draft.ready and any(p.startswith("gender") for p in draft.problems)
    assert "women" in draft.words
    with pytest.raises(DataError, match="gender"):
        ma.build_audience(draft)
    edited = draft.filter.model_copy(update={"gender": None})  # the marketer removes it, then it runs
    assert ma.build_audience(edited, categories=draft.category_choices()).size >= 0


def test_saved_audience_works_where_a_segment_does(ma, demo):
    saved = ma.save_audience("lapsed high value", ma.parse_audience("high-value customers who have not bought in 30 days"))
    assert saved.size > 0 and "lapsed high value" in ma.audiences()["name"].tolist()
    with pytest.raises(DataError, match="already exists"):
        ma.save_audience("lapsed high value", saved.filter)
    recs = ma.recommend_for_segment("lapsed high value", k=5)
    assert recs.target == "audience lapsed high value" and len(recs.items) == 5
    assert recs.items["reason"].str.contains("of this audience").all()
    plan = ma.plan_campaign("audience: lapsed high value", offer=10)
    assert plan.expected_reach == saved.size
    copy = ma.write_copy("lapsed high value", channel="sms", offer=10, n_variants=1)
    assert copy.segment == "audience lapsed high value" and len(copy.variants) == 1
    assert ID_MARK not in ma.llm.prompt_text
    campaign = demo.exposures["campaign_id"].value_counts().index[0]
    evaluation = ma.evaluate(campaign, audience="lapsed high value")
    groups = set(evaluation.segments["segment"].astype(str))
    assert "in audience lapsed high value" in groups or "not in the audience" in groups
    predicted = ma.predict(audience="lapsed high value")
    assert set(predicted.customers.index) <= set(saved.members)
    with pytest.raises(DataError, match="no saved audience"):
        ma.audience("nobody")


def test_llm_only_for_what_the_rules_miss(demo, tmp_path):
    from segmentation.audience import AudienceFilter
    llm = RecordingLLM({"audience_filter": AudienceFilter(min_orders=3)})
    assistant = MarketingAssistant(demo, workspace=tmp_path, llm=llm, encoder=_NoEncoder())
    draft = assistant.parse_audience("loyal regulars who bought coffee")
    assert draft.source == "rules+llm" and draft.filter.min_orders == 3
    assert "read by the language model, please check: at least 3 orders" in draft.problems  # shown, not trusted
    assert [c.prompt for c in llm.calls] == ["audience_filter"]
    with pytest.raises(DataError, match="empty"):
        assistant.parse_audience("  ")


class _NoEncoder:
    def encode(self, texts):
        raise AssertionError("word matches must not need the encoder")
