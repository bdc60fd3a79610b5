"""A browse-only log (views, carts, favourites; no purchase) gets funnel-based segments and names: no spend
tiers, no "0.0x" spend statistics, no keywords for behaviour the file does not hold."""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from assistant.api.facade import MarketingAssistant
from assistant.core.data import load_files
from assistant.core.errors import LLMUnavailable
from tests.assistant.fakes import RecordingLLM

SPEND_TIERS = re.compile(r"spend|spender|high-value|low-value|big|vip|budget|bargain", re.I)


class HashEncoder:
    """Deterministic 16-d vectors from a text hash: a stand-in for the sentence encoder in unit tests."""

    def encode(self, texts):
        return np.array([np.frombuffer(hashlib.sha256(t.encode()).digest()[:16], dtype=np.uint8) / 255.0
                         for t in texts], dtype=np.float32)


def browse_log(tmp_path, with_favourites: bool = False) -> str:
    """60 visitors in three kinds: heavy browsers, cart-fillers and light visitors; never a purchase."""
    rng = np.random.default_rng(0)
    rows = ["visitor,product,action,ts,category_code"]
    cats = ["electronics.audio.headphone", "apparel.shoes", "kids.toys"]
    for u in range(60):
        kind = u % 3
        n_views = [25, 8, 2][kind]
        for i in range(n_views):
            item = int(rng.integers(0, 30))
            rows.append(f"v{u},p{item},view,2024-02-{1 + i % 27:02d} 10:00:00,{cats[item % 3]}")
        for i in range([1, 6, 0][kind]):
            rows.append(f"v{u},p{i},addtocart,2024-02-28 11:00:00,{cats[i % 3]}")
        if with_favourites and kind == 0:
            rows.append(f"v{u},p1,wishlist,2024-02-28 12:00:00,{cats[1]}")
    path = tmp_path / "browse.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def assistant_on(path, tmp_path, llm) -> MarketingAssistant:
    data = load_files(events=path, mapping={"events": {"user_id": "visitor", "item_id": "product",
                                                       "event_type": "action", "timestamp": "ts"}})
    assert (data.events["event_type"] != "purchase").all()
    return MarketingAssistant(data, workspace=tmp_path / "ws", llm=llm, encoder=HashEncoder())


@pytest.fixture(scope="module")
def browsed(tmp_path_factory):
    """One assistant on the browse-only log, segmented into 3, with the LLM unavailable (rule-based names)."""
    tmp_path = tmp_path_factory.mktemp("browse")
    ma = assistant_on(browse_log(tmp_path), tmp_path, RecordingLLM({"persona": LLMUnavailable("offline")}))
    ma.segment(3)
    return ma


def test_browse_only_segments_are_named_by_the_funnel_not_by_spend(browsed):
    ma = browsed
    overview = ma.segments_overview()
    assert ma.profiles.browse_only
    assert {"views_mean", "cart_adds_mean", "view_to_cart"} <= set(overview.table.columns)
    assert "spend_mean" not in overview.table.columns
    personas = ma.personas("en")
    for persona in personas.values():
        text = " ".join([persona.name, persona.tagline, persona.description])
        assert not SPEND_TIERS.search(persona.name), persona.name
        assert "0.0x" not in text and "shop 0" not in text
        assert "no purchases" in persona.description
    assert any(w in " ".join(p.name for p in personas.values()) for w in ("browsers", "Cart-fillers"))
    summary = ma.profiles.segment_summary(ma.profiles.segments[0])
    assert "monetary" not in summary["behaviour"] and "n_views" in summary["behaviour"]
    assert "share_of_total_spend" not in summary


def test_chinese_funnel_names_too(browsed):
    for persona in browsed.personas("zh").values():
        assert "消费" not in persona.name and ("访客" in persona.name or "浏览" in persona.name), persona.name


def test_keywords_name_no_behaviour_that_is_not_in_the_file(browsed):
    terms = set(browsed.profiles.keywords["term"])
    assert not terms & {"favourite", "favourites", "views", "cart", "adds", "purchases", "spend"}


def test_an_llm_spend_tier_name_for_browse_only_data_is_replaced(tmp_path):
    from segmentation.personas import PersonaWords
    reply = PersonaWords(name="Big Spenders", tagline="They love shopping", description="A group of visitors "
                         "who browse a lot and compare products before deciding.", motivations=["discovery"])
    ma = assistant_on(browse_log(tmp_path), tmp_path, RecordingLLM({"persona": reply}))
    ma.segment(3)
    names = [p.name for p in ma.personas("en").values()]
    assert not any("Spenders" in n for n in names), names
    llm_prompt = ma.llm.prompt_text
    assert "no purchases" in llm_prompt and "Total spend per customer" not in llm_prompt
