"""The real local model fills the audience schema (grammar-enforced JSON on llama.cpp) for a sentence the
rules do not fully understand."""
from __future__ import annotations

import pytest

from assistant.core.llm import get_llm
from segmentation.audience import AudienceFilter
from segmentation.audience_llm import llm_filter, parse_sentence

pytestmark = [pytest.mark.llm, pytest.mark.timeout(900)]


def test_local_model_returns_a_valid_filter():
    llm = get_llm()
    result = llm_filter("customers who bought beer in the last 30 days", llm, "en")
    assert isinstance(result, AudienceFilter)
    assert any("beer" in p.category for p in result.purchases)


def test_product_path_keeps_what_the_rules_understood():
    parsed = parse_sentence("women who love jazz festivals", get_llm())
    assert parsed.source in ("rules+llm", "rules") and parsed.filter.gender == "female"
