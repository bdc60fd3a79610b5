"""A Chinese conversation gets Chinese replies (issue 15, point 5): framing, plan text, data-quality text,
recommendation reasons, errors and segment names. Every reply of a set of Chinese turns over a small fitted
workspace (120 demo households, no language model: every writer falls back to its template) is scanned for
English words; the only Latin text allowed is the data's own (product titles, categories, departments,
demographic values, ids) and a few acronyms."""
from __future__ import annotations

import re

import pytest

from assistant.api.facade import MarketingAssistant
from assistant.chat.agent import ChatAgent
from assistant.core.errors import LLMUnavailable
from tests.api.conftest import demo_subset, with_randomised_campaign
from tests.assistant.fakes import RecordingLLM

# Latin tokens a Chinese reply may carry that are not from the data: acronyms, units and the names of the tests.
ALLOWED = {"app", "td", "rfm", "ci", "id", "sms", "html", "md", "pp", "gmv", "aov", "clv", "ltv", "vip", "cuped",
           "welch", "holm", "delta", "z", "p", "t",
           "bg", "nbd", "gamma", "qini"}  # model names: BG/NBD + Gamma-Gamma (CLV), the Qini coefficient (uplift)
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
FILE_NAME = re.compile(r"\S+\.(?:html|md|csv|png|json)\b")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, shared_store):
    from embeddings.cache import get_cached_encoder
    data = with_randomised_campaign(demo_subset(120))
    no_llm = RecordingLLM(lambda call: LLMUnavailable("scripted: no language model in this test"))
    ma = MarketingAssistant(data, workspace=tmp_path_factory.mktemp("zh"), llm=no_llm, encoder=get_cached_encoder(),
                            language="zh", store=shared_store(data))
    ma.segment(3)
    return ma


def data_phrases(workspace) -> list[str]:
    """The data's own text, lower-cased, longest first (with the consumer names shown for titles): every text value of the products, users, campaigns and
    exposures (and each part of a 'A > B' category path), their column names, the dataset and source file names."""
    import pandas as pd
    from assistant.core.policy import consumer_name
    dataset = workspace.dataset
    phrases = {dataset.name.lower()}
    for frame in (dataset.products, dataset.users, dataset.campaigns, dataset.exposures):
        phrases.update(str(c).lower() for c in frame.columns)
        for column in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[column]):
                for value in frame[column].dropna().astype(str).unique():
                    value = value.lower().strip()
                    phrases.add(value)
                    phrases.update(part.strip() for part in value.split(">"))
                    phrases.add((consumer_name(value) or "").lower())  # the shopper-facing form of a title
                    phrases.update((consumer_name(part.strip()) or "").lower() for part in value.split(">"))  # of a category level
    for table in workspace.data_quality().report.tables:
        phrases.update(part.strip().lower() for part in str(table.source).split("+"))
    return sorted((p for p in phrases if len(p) >= 2), key=len, reverse=True)


def product_titles(table) -> list[str]:
    """The product titles and categories a reply's table shows (display titles are derived from the catalogue)."""
    if table is None:
        return []
    values = {str(v).lower().strip() for c in ("title", "catalogue_title", "category") if c in table
              for v in table[c].dropna()}
    values |= {part.strip() for v in values for part in v.split(">")}
    return sorted(values, key=len, reverse=True)


def english_left(text: str, phrases: list[str]) -> list[str]:
    """Latin words of `text` that are neither the data's own text nor an allowed acronym."""
    text = FILE_NAME.sub(" ", text.replace("\\", "")).lower()
    for phrase in phrases:
        if phrase in text:   # whole words only: a short value must not cut an English word apart
            text = re.sub(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", " ", text)
    return [w for w in LATIN_WORD.findall(text) if w not in ALLOWED]


def zh_turns(workspace) -> list[str]:
    item = str(workspace.dataset.events["item_id"].value_counts().index[0])
    return [
        "介绍一下第1组", "为每个分群写一个用户画像", "给客户1029推荐几个商品", "第2组应该推荐哪些商品",
        f"和商品{item}类似的商品", "给第1组写一条短信，打八折", "短一点", "换成邮件", "为第2组制定一个推广计划",
        "活动900效果如何", "哪个品类卖得最好？", "我们一共有多少个客户？客单价是多少", "按月看一下销售额趋势",
        "高价值客户贡献了多少比例的收入", "比较第0组和第1组", "下次活动应该针对哪些人？", "流失风险高的是哪一群人",
        "最近一个月买过牛奶的客户有多少", "数据质量怎么样", "你能做什么", "明天会下雨吗", "给客户999999推荐商品",
        "活动999效果如何", "第9组有什么特点",
    ]


def test_a_chinese_conversation_is_answered_in_chinese(workspace):
    allowed = data_phrases(workspace)
    agent = ChatAgent(workspace)
    leaks = []
    for message in zh_turns(workspace):
        replies = list(agent.respond(message))
        assert replies, message
        for reply in replies:
            left = english_left(reply.text, product_titles(reply.table) + allowed)
            if left:
                leaks.append(f"{message} [{reply.intent}] → {sorted(set(left))}\n{reply.text}")
    assert not leaks, "English in Chinese replies:\n\n" + "\n\n".join(leaks)


def test_segment_names_in_a_chinese_conversation_come_from_the_chinese_personas(workspace):
    agent = ChatAgent(workspace)
    names = {s: p.name for s, p in workspace.personas("zh").items()}
    reply = list(agent.respond("介绍一下第1组"))[-1]
    assert names[1] in reply.text and re.search(r"[\u4e00-\u9fff]", names[1])
    english = {s: p.name for s, p in workspace.personas("en").items()}
    assert english[1] not in reply.text


def test_the_leak_check_can_fail(workspace):
    allowed = data_phrases(workspace)
    assert english_left("您买过 2 次", allowed) == []
    assert english_left("you bought it 2 times", allowed)
    assert english_left("Template kept: the language model is unavailable", allowed)
