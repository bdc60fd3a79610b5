"""End-to-end with the real parts: the packaged sentence-transformer (slow) and the local LLM (llm)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from assistant.core.policy import MarketingPolicy
from segmentation import Segmenter, build_profiles, generate_personas, write_report
from segmentation.personas import persona_failures


@pytest.fixture(scope="module")
def real_llm():
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    from assistant.core.llm import get_llm
    return get_llm()


# Slow: up to a minute of the real model per language on 2 cores. The default run covers the same ground in parts:
# the real model answers the structured persona prompt in English and Chinese (test_llm_integration) and writes
# the personas the app shows (test_ui_browser); the persona pipeline's gates, retry, cache and Chinese path run
# with scripted answers (test_seg_personas).
@pytest.mark.llm
@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "zh"])
def test_real_llm_persona_for_one_demo_segment(demo_profiles, real_llm, language, tmp_path):
    personas = generate_personas(demo_profiles, llm=real_llm, language=language, cache_dir=tmp_path,
                                 segments=[0])
    p = personas[0]
    assert p.source in ("llm", "llm-retry", "template") and p.language == language
    assert not persona_failures(p, language, MarketingPolicy())  # whoever wrote it, it passes the gates
    assert p.name.strip() and p.description.strip() and p.price_sensitivity in ("low", "medium", "high")
    if language == "zh":
        assert re.search(r"[\u4e00-\u9fff]", p.name + p.description), "the zh persona should be in Chinese"
    print(f"\n[{language}] {p.model_dump_json(indent=1)}")  # shown with -s: the team report quotes it
    again = generate_personas(demo_profiles, llm=real_llm, language=language, cache_dir=tmp_path, segments=[0])
    if p.source != "template":  # an LLM-written persona is served from the cache; a template (slow model) is not
        assert again[0] == p
    else:
        assert not persona_failures(again[0], language, MarketingPolicy())


@pytest.mark.slow
def test_real_encoder_end_to_end(demo, demo_features, tmp_path):
    from embeddings.encoder import get_encoder
    from embeddings.text import user_texts

    texts = user_texts(demo.events, demo.products).reindex(demo_features.index).fillna("")
    emb = np.asarray(get_encoder().encode(texts.tolist()), dtype=np.float32)
    seg = Segmenter(n_segments="auto", k_range=(3, 6), n_stability_runs=2).fit(demo_features, emb)
    assert 3 <= seg.n_segments_ <= 6 and seg.embedding_dim_ == emb.shape[1]
    profiles = build_profiles(seg.labels_, demo_features, demo.events, demo.products, demo.users,
                              user_texts=texts)
    assert not profiles.keywords.empty
    page = write_report(profiles, None, seg, out=tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Choosing k" in page
