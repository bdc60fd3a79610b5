"""The chat's newer capabilities (issue 12) and its predictive answers (issue 18), EN and ZH: personas, product
search, next-campaign advice and uplift targeting, the next test's sample size, save/load with confirmations,
and "likely to churn" / "high-value" / "lifetime value" decided by the predictive model, naming it.

Real router, encoder, Chroma collection, segmentation and predictive model on 120 demo households plus a
randomised campaign (tests/api/conftest.py); the LLM is the scripted one (persona wording is not tested here).
"""
from __future__ import annotations

import re

import pandas as pd
import pytest

from assistant.api.facade import MarketingAssistant
from assistant.api.segment_lookup import match_segment, segment_statistics
from assistant.chat.agent import ChatAgent
from tests.api.conftest import RANDOMISED_CAMPAIGN as C, demo_subset, with_randomised_campaign
from tests.assistant.fakes import RecordingLLM
from tests.assistant.test_facade import _reply

# English framing a Chinese reply must not contain (data names such as arm labels may be English)
EN_FRAMING = re.compile(r"\b(?:Segment|segment|customers|Sorry|Which|Understood|Top \d+|Do you want|Variant|"
                        r"Next campaign|Who to target|Sample size|per arm|Baseline|Saved|Reopened|confidence|"
                        r"Inconclusive|Predicted|text close to)\b")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, shared_store):
    from embeddings.cache import get_cached_encoder
    data = with_randomised_campaign(demo_subset(120))
    ma = MarketingAssistant(data, workspace=tmp_path_factory.mktemp("next"), llm=RecordingLLM(_reply),
                            encoder=get_cached_encoder(), store=shared_store(data))
    ma.segment(4)
    return ma


def final(agent, message):
    replies = list(agent.respond(message))
    assert replies, message
    return replies[-1]


def test_next_campaign_loop_in_chinese(assistant):
    agent = ChatAgent(assistant)
    who = final(agent, f"根据活动{C}，下次活动应该发给谁？")
    assert who.intent == "next_campaign" and "下次活动的目标客户" in who.text and "Qini" in who.text
    targeting = assistant.uplift_targeting(C)
    assert f"{int(targeting.ranking['target'].sum()):,} / {len(targeting.ranking):,}" in who.text
    advice = final(agent, f"活动{C}之后，下次活动应该怎么调整？")
    assert advice.intent == "next_campaign" and f"活动 {C} 之后的下次活动" in advice.text
    size = final(agent, "下次测试要检测出10%的提升，每组需要多少人？")
    plan = assistant.sample_size(0.1, campaign_id=C)   # the campaign talked about gives the baseline
    assert size.intent == "sample_size" and f"{plan.n_per_arm:,}" in size.text and "对照组" in size.text
    search = final(agent, "搜索一下milk")
    assert search.intent == "search_products" and "相似度" in search.text and len(search.table) == 10
    # Chinese words on English product names: no look-alikes listed, the reason and what to do instead
    nothing = final(agent, "搜索一下牛奶")
    assert nothing.intent == "search_products" and nothing.table is None
    assert "目录里可能没有" in nothing.text and "英文词" in nothing.text
    personas = final(agent, "为每个客群写一份用户画像")
    assert personas.intent == "personas" and personas.text.count("第") >= 4 and "文字来源" in personas.text
    for reply in (who, advice, size, search, nothing, personas):
        assert not EN_FRAMING.search(reply.text), reply.text


def test_next_campaign_in_english_says_who_and_what(assistant):
    agent = ChatAgent(assistant)
    absent = final(agent, "do we sell bicycle helmets?")    # the nearest text ("Sunglasses Sport") is far
    assert absent.intent == "search_products" and absent.table is None
    assert "probably does not carry it" in absent.text and "English words" not in absent.text
    who = final(agent, f"who should we send the next campaign to, based on campaign {C}?")
    assert "Who to target next" in who.text and who.table is not None and "mean_uplift" in who.table
    what = final(agent, f"what should we change in the next campaign after campaign {C}?")
    assert f"Next campaign after campaign {C}" in what.text
    assert "keep variant" not in what.text and not re.search(r"\b(?:arm|segment) \*\*", what.text), what.text
    assert re.search(r"\*\*(?:keep|drop|target|test more)\*\* (?:the \S+ arm|segment \S+)", what.text), what.text
    # the demo's own campaigns have no control group: the chat says so and still answers with the model's view
    other = next(c for c in assistant.dataset.exposures["campaign_id"].astype(str).unique() if c != C)
    observational = final(ChatAgent(assistant), f"after campaign {other}, who should the next campaign target?")
    assert f"cannot be learnt from campaign {other}" in observational.text
    assert "By the predictive model (BG/NBD + Gamma-Gamma, next 90 days" in observational.text
    size = final(agent, "what sample size for a 2 percentage point lift with a baseline of 5%?")
    assert f"{assistant.sample_size(0.02, relative=False, baseline_rate=0.05).n_per_arm:,} customers per arm" \
        in size.text


def test_save_asks_before_overwriting_and_reopening(tmp_path, assistant):
    ma = MarketingAssistant(assistant.dataset, workspace=tmp_path, llm=assistant.llm, encoder=assistant.encoder)
    agent = ChatAgent(ma)
    first = final(agent, "save my workspace")
    customers = f"{ma.dataset.n_users:,} customers"
    assert first.intent == "save_workspace" and f"Saved the data '{ma.dataset.name}' ({customers}" in first.text
    meta = tmp_path / "dataset" / "meta.json"
    written = meta.stat().st_mtime_ns
    ask = final(agent, "save my workspace")
    assert "Saving now replaces it" in ask.text and meta.stat().st_mtime_ns == written
    assert final(agent, "no").intent == "cancel" and meta.stat().st_mtime_ns == written
    ask = final(agent, "保存工作区")
    assert "覆盖" in ask.text and meta.stat().st_mtime_ns == written
    saved_zh = final(agent, "确认").text      # wholly Chinese: no developer repr ("MarketingAssistant(…)")
    assert "已将数据" in saved_zh and "位客户" in saved_zh and "MarketingAssistant" not in saved_zh
    assert meta.stat().st_mtime_ns >= written
    ask = final(agent, "reopen the saved workspace")
    assert "Reply 'yes' or 'no'" in ask.text and agent.assistant is ma
    done = final(agent, "yes")
    assert done.intent == "load_workspace" and agent.assistant is not ma and "Reopened" in done.text
    assert f"the data '{ma.dataset.name}' ({customers}" in done.text and "MarketingAssistant(" not in done.text


def test_future_questions_use_the_predictive_model_and_say_which(assistant):
    agent = ChatAgent(assistant)
    by_segment = assistant.predict().segments
    risky = int(by_segment.loc[by_segment["churn_risk_mean"].idxmax(), "segment"])
    valuable = int(by_segment.loc[by_segment["expected_spend_mean"].idxmax(), "segment"])
    churn = final(agent, "who is likely to churn?")
    assert f"→ segment {risky}" in churn.text and "predicted churn risk" in churn.text
    assert "BG/NBD + Gamma-Gamma" in churn.text
    value = final(agent, "what's the lifetime value of my best customers?")
    mean = float(by_segment.loc[by_segment["segment"] == valuable, "expected_spend_mean"].iloc[0])
    assert value.intent == "data_question" and f"→ segment {valuable}" in value.text
    assert f"Predicted 90-day value per customer — segment {valuable}" in value.text and f"{mean:,.2f}" in value.text
    assert "Predicted with BG/NBD + Gamma-Gamma" in value.text
    year = final(agent, "what is the predicted 12-month value per segment?")
    assert "Predicted 365-day value" in year.text and len(year.table) == len(by_segment)
    history = final(agent, "what's the historical lifetime value per customer?")
    assert "Predicted" not in history.text    # value to date: the computed history, not the model
    zh = final(agent, "高价值客户都是谁")
    assert f"→ 第{valuable}组" in zh.text and "预测未来 90 天人均价值最高" in zh.text
    lapsing = final(agent, "describe the lapsing customers")   # about the past: recency, not the model
    assert f"→ segment {int(assistant.profiles.overview['recency_days_mean'].idxmax())}" in lapsing.text


def test_churn_and_value_rules_read_the_predictions_and_fall_back_to_history():
    overview = pd.DataFrame({"size": [50, 50], "monetary_mean": [900.0, 100.0], "recency_days_mean": [10.0, 90.0]},
                            index=pd.Index([0, 1], name="segment"))
    labels = pd.Series([0] * 50 + [1] * 50, index=[f"u{i}" for i in range(100)])
    # the model disagrees with history: segment 0 spent most but is predicted to leave, 1 to grow
    predicted = pd.DataFrame({"expected_spend_mean": [20.0, 80.0], "churn_risk_mean": [0.8, 0.3]},
                             index=pd.Index([0, 1], name="segment"))
    names = {0: "A", 1: "B"}
    stats = segment_statistics(overview, labels, predicted=predicted, predicted_by={"en": "BG/NBD", "zh": "BG/NBD"})
    churn = match_segment("likely to churn", stats, names)
    assert churn.segment == 0 and "80%" in churn.reason["en"] and "BG/NBD" in churn.reason["en"]
    assert match_segment("高价值", stats, names).segment == 1
    assert match_segment("lapsing", stats, names).segment == 1          # past: recency
    assert match_segment("big spenders", stats, names).segment == 0     # past: spend to date
    history = segment_statistics(overview, labels)
    fallback = match_segment("likely to churn", history, names)
    assert fallback.segment == 1 and "no dated orders" in fallback.reason["en"]
    assert "没有带日期的订单" in match_segment("高价值", history, names).reason["zh"]
