"""A dataset campaign's evaluation is kept for the same data, segments and options (the chat's follow-ups reuse
it), and made again when the segments change."""
from __future__ import annotations

from assistant.api.facade import MarketingAssistant


def test_the_same_evaluation_is_reused_until_the_segments_change(campaign_data, tmp_path):
    from embeddings.cache import get_cached_encoder
    ma = MarketingAssistant(campaign_data, workspace=tmp_path, encoder=get_cached_encoder())
    ma.segment(2)
    first = ma.evaluate("900")
    assert ma.evaluate("900") is first and ma.evaluate(900) is first
    assert ma.evaluate("900", alpha=0.1) is not first          # other options: computed again
    ma.segment(3)
    again = ma.evaluate("900")
    assert again is not first and set(again.segments["segment"]) != set(first.segments["segment"])
