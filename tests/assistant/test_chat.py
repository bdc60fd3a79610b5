"""The chat agent over the real router, encoder and demo data (fake LLM): right handler, computed numbers,
clarifying questions, readable errors."""
from __future__ import annotations

import pytest

from assistant.chat.agent import ChatAgent
from assistant.api.facade import MarketingAssistant
from tests.assistant.fakes import RecordingLLM
from tests.assistant.test_facade import _reply
from tests.conftest import demo_copy


@pytest.fixture(scope="module")
def agent(tmp_path_factory, shared_store):
    from embeddings.cache import get_cached_encoder
    data = demo_copy()
    ma = MarketingAssistant(data, workspace=tmp_path_factory.mktemp("chat"), llm=RecordingLLM(_reply),
                            encoder=get_cached_encoder(), store=shared_store(data))
    return ChatAgent(ma)


def final(agent, message):
    replies = list(agent.respond(message))
    assert replies, message
    return replies[-1]


def test_segment_then_describe(agent):
    reply = final(agent, "split my customers into 3 groups")
    assert reply.intent == "segment"
    assert "3 segments" in reply.text and "Segment 2 —" in reply.text
    sizes = agent.assistant.profiles.overview["size"]
    assert f"{int(sizes.iloc[0]):,} customers" in reply.text  # numbers are the computed ones
    reply = final(agent, "who is segment 1?")
    assert reply.intent == "describe_segment"
    assert f"{int(sizes.loc[1]):,} customers" in reply.text


def test_recommendation_and_unknown_customer(agent):
    reply = final(agent, "what should I recommend to household 1029?")
    assert reply.intent == "recommend_user" and reply.table is not None and len(reply.table) == 10
    reply = final(agent, "what should I recommend to household 99999999?")
    assert reply.text.startswith("⚠️") and "99999999" in reply.text


def test_missing_slot_gets_a_clarifying_question(agent):
    from assistant.chat.state import ConversationState
    agent.state = ConversationState()  # a new conversation: no customer to point back to ("this customer")
    reply = final(agent, "what should I recommend to this customer?")
    assert "Which customer" in reply.text
    reply = final(agent, "今天天气怎么样")
    assert "抱歉" in reply.text or "Sorry" in reply.text


def test_campaign_evaluation_and_data_quality(agent):
    reply = final(agent, "how did campaign 18 do?")
    assert reply.intent == "evaluate_campaign"
    assert "observational" in reply.text.lower()
    reply = final(agent, "show me the data quality report")
    assert reply.intent == "data_quality" and "802" in reply.text


def test_chinese_copy_request(agent):
    reply = final(agent, "给第1组客户写一条促销短信，打八折")
    assert reply.intent == "write_copy"
    call = [c for c in agent.assistant.llm.calls if c.prompt.startswith("copy_")][-1]
    assert call.language == "zh"


def test_segment_replies_read_as_a_marketer_reads(agent):
    """Segment lists, descriptions and comparisons name things for people: categories as shoppers read them,
    what sets a segment apart as its number next to everyone's (no z-scores, no column names), and a category
    'bought more than others' only when the segment really buys more of it (lift shown ≥ 1.1×)."""
    import re
    listing = final(agent, "split my customers into 4 groups").text
    assert "buys more than others: " in listing, listing
    for lifts in re.findall(r"buys more than others: ([^\n]*)\)", listing):
        assert all(float(x) >= 1.1 for x in re.findall(r"\((\d+\.\d)×\)", lifts)), lifts
    for lang, message in (("en", "who is segment 1?"), ("zh", "第1组是什么样的客户")):
        text = final(agent, message).text
        raw = re.findall(r"\b(?:recency_days|r_score|f_score|m_score|monetary|share_\w+|household_comp)\b|\(z [+-]|"
                         r"[A-Z]{3,}(?: [A-Z]+)* > ", text)
        assert not raw, (lang, raw, text)
        assert ("all customers: " if lang == "en" else "全体客户：") in text, text
    text = final(agent, "compare segment 0 and 1").text
    assert "spend per customer" in text and "days since last purchase" in text and "monetary_mean" not in text, text
    assert re.search(r"share of revenue \d+\.\d% vs \d+\.\d%", text), text   # shares read as percents


def test_copy_without_an_offer_says_the_plan_chose_it(agent):
    text = final(agent, "write an sms for segment 0").text
    assert "No offer was named" in text and "campaign plan chose" in text, text
    text = final(agent, "write an sms for segment 0 with 10% off").text
    assert "No offer was named" not in text, text


def test_customer_ids_are_found_whatever_case_they_are_typed_in(agent):
    """The router lower-cases what it reads ('C0001' -> 'c0001'); the data's id is found all the same, unless two
    ids differ only in case (then neither is guessed)."""
    from types import SimpleNamespace
    import pandas as pd
    data = SimpleNamespace(features=pd.DataFrame(index=pd.Index(["C0001", "hh-7", "Ab", "aB"])))
    find = MarketingAssistant.customer_id
    assert find(data, "c0001") == "C0001" and find(data, "HH-7") == "hh-7" and find(data, "ab") is None
    assert find(data, "C0002") is None
    assert agent.assistant.customer_id(1029) == "1029"
