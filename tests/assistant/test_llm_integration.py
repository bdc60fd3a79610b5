"""The real embedded model (llama.cpp server + packaged Qwen2.5-0.5B) through the project's path: 3 calls."""
from __future__ import annotations

import os
import re

import pytest
from pydantic import BaseModel, Field

from assistant.core.settings import Settings
from assistant.core.llm import get_llm

pytestmark = [pytest.mark.llm, pytest.mark.timeout(600)]

CJK = re.compile(r"[\u4e00-\u9fff]")
AGGREGATES = {"customers": 1840, "share_of_customers": 0.12, "orders_per_month": 3.4, "avg_basket_eur": 18.5,
              "days_since_last_order_median": 6, "coupon_redemption_rate": 0.41}
TOP_CATEGORIES = ["Baby food", "Diapers", "Fresh milk"]


class PersonaCheck(BaseModel):
    name: str = Field(min_length=2, max_length=80, description="short persona name")
    summary: str = Field(min_length=10, max_length=800, description="one or two sentences")


@pytest.fixture(scope="module")
def llm(tmp_path_factory):
    if os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY"):
        pytest.skip("a remote LLM is configured; this test checks the embedded default")
    settings = Settings(workspace=tmp_path_factory.mktemp("llm_ws"), openai_api_key=None, openai_base_url=None)
    client = get_llm(settings)  # shared with any later get_llm() of this process: one server per run
    client.warm_up()
    return client


def test_backend_is_the_embedded_model(llm):
    assert llm.backend_name.startswith("local llama.cpp (")


def test_structured_persona_in_english(llm):
    persona = llm.structured("persona_check", {"aggregates": AGGREGATES, "top_categories": TOP_CATEGORIES},
                             PersonaCheck)
    assert isinstance(persona, PersonaCheck)
    assert re.search(r"[A-Za-z]{3}", persona.name) and len(persona.summary.split()) >= 3


def test_structured_persona_in_chinese(llm):
    persona = llm.structured("persona_check", {"aggregates": AGGREGATES, "top_categories": ["婴儿食品", "纸尿裤", "鲜牛奶"]},
                             PersonaCheck, language="zh")
    assert isinstance(persona, PersonaCheck)
    assert CJK.search(persona.name + persona.summary), persona


def test_stream_gives_text_in_pieces(llm):
    pieces = list(llm.stream("persona_check", {"aggregates": AGGREGATES, "top_categories": TOP_CATEGORIES}))
    assert len(pieces) > 3 and len("".join(pieces).split()) >= 5
