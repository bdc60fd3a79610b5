"""When the marketing policy hides every product that could be recommended, the result says why (which rules,
how many products, what to change) in English and Chinese, on every surface, instead of "Top 0 … (no rows)"."""
from __future__ import annotations

import dataclasses

import pytest

from assistant.api.facade import MarketingAssistant
from tests.api.conftest import demo_subset

# fuel, tobacco and lines with markup (no name a shopper can read): nothing may be offered
KINDS = [("Unleaded fuel", "FUEL"), ("Menthol cigarettes", "TOBACCO"), ("<img src=x onerror=alert(1)>", "SNACKS")]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    data = demo_subset(40)
    products = data.products.copy().reset_index(drop=True)
    products["title"] = [KINDS[i % 3][0] for i in range(len(products))]
    products["category"] = [KINDS[i % 3][1] for i in range(len(products))]
    return MarketingAssistant(dataclasses.replace(data, products=products),
                              workspace=tmp_path_factory.mktemp("ws"), content_signal=False)


def test_the_result_says_which_rules_hid_how_many_products(hostile):
    recs = hostile.recommend("1029")
    assert recs.items.empty
    counts = dict(recs.hidden.reasons)
    n = len(hostile.dataset.products[hostile.dataset.products["item_id"].isin(hostile.dataset.events["item_id"])])
    assert recs.hidden.total == n and sum(counts.values()) == n
    assert set(counts) == {"fuel", "tobacco", "unnamed"} and min(counts.values()) > 0
    en = recs.to_markdown("en")
    assert f"all {n:,} candidate products are excluded by the marketing policy" in en
    assert f"fuel: {counts['fuel']:,}" in en and f"tobacco: {counts['tobacco']:,}" in en
    assert "MKT\\_POLICY=off" in en or "MKT_POLICY=off" in en  # how to change it
    assert "readable titles" in en  # the markup lines cannot be fixed by the policy: the titles must change
    assert "(no rows)" not in en
    zh = recs.to_markdown("zh")
    assert f"全部 {n:,} 个候选商品都被营销策略排除" in zh and "燃油" in zh and "烟草" in zh


def test_every_surface_shows_the_reason(hostile):
    from assistant.chat.agent import ChatAgent
    from assistant.ui.recs_tab import lookup_recommendations
    from assistant.ui.session import Session
    recs = hostile.recommend("1029")
    chat_en = ChatAgent._recs_text(recs, "customer 1029", "en")
    chat_zh = ChatAgent._recs_text(recs, "客户 1029", "zh")
    assert "excluded by the marketing policy" in chat_en and "(no rows)" not in chat_en
    assert "营销策略排除" in chat_zh
    _, status, _ = lookup_recommendations("1029", 10, False, Session(hostile))
    assert "Top 0" in status and "excluded by the marketing policy" in status


def test_an_ordinary_result_has_no_explanation(hostile):
    ok = MarketingAssistant(demo_subset(40), workspace=hostile.workspace / "ok", content_signal=False)
    recs = ok.recommend("1029")
    assert len(recs.items) and recs.hidden is None and recs.why_empty() == ""
    assert "marketing policy" not in recs.to_markdown()
