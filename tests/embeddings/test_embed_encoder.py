"""The real packaged sentence-transformer: normalised vectors, semantic order, one load per process."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.core.settings import Settings
from embeddings.encoder import MIN_AGREEMENT, Encoder, EncoderError, SentenceTransformerEncoder, get_encoder
from embeddings.text import product_texts


def test_vectors_are_normalised_float32(real_encoder):
    vectors = real_encoder.encode(["organic whole milk", "laundry detergent", ""])
    assert isinstance(real_encoder, Encoder)
    assert vectors.dtype == np.float32 and vectors.shape == (3, real_encoder.dim) == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert real_encoder.encode([]).shape == (0, 384)


def test_similar_products_are_closer_than_unrelated(real_encoder, products):
    texts = product_texts(products)
    vectors = dict(zip(texts.index, real_encoder.encode(texts.tolist())))
    whole, reduced, detergent, towels = vectors["1"], vectors["2"], vectors["3"], vectors["8"]
    assert whole @ reduced > whole @ detergent + 0.1
    assert whole @ reduced > whole @ towels
    assert detergent @ towels > detergent @ reduced  # household goods closer to each other
    q = real_encoder.encode(["something to drink for breakfast: milk"])[0]
    ranked = sorted(vectors, key=lambda item: -float(q @ vectors[item]))
    assert set(ranked[:2]) == {"1", "2"}


def test_get_encoder_is_process_wide(real_encoder):
    assert get_encoder() is real_encoder
    assert get_encoder(Settings()) is real_encoder
    assert real_encoder.model_id.startswith("all-MiniLM-L6-v2") or "@" in real_encoder.model_id


def test_unknown_model_folder_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MKT_EMBEDDING_MODEL", str(tmp_path / "nope"))
    with pytest.raises(EncoderError, match="MKT_EMBEDDING_MODEL"):
        get_encoder()
    with pytest.raises(EncoderError, match="nope"):
        SentenceTransformerEncoder(tmp_path / "nope")


def test_model_from_env_directory(real_encoder, monkeypatch):
    monkeypatch.setenv("MKT_EMBEDDING_MODEL", str(real_encoder.model_path))
    enc = get_encoder()
    assert enc.model_id == real_encoder.model_id


def test_unknown_backend_is_a_clear_error(monkeypatch):
    with pytest.raises(EncoderError, match="MKT_EMBEDDING_BACKEND"):
        SentenceTransformerEncoder(backend="tpu")
    monkeypatch.setenv("MKT_EMBEDDING_BACKEND", "quantum")
    with pytest.raises(EncoderError, match="quantum"):
        SentenceTransformerEncoder()


@pytest.mark.slow
def test_onnx_backend_agrees_with_torch_and_the_choice_is_cached(tmp_path, products):
    import json
    texts = product_texts(products).tolist() + ["household buys dairy and bakery weekly", "电子产品", ""]
    reference = SentenceTransformerEncoder(backend="torch", cache_dir=tmp_path)
    onnx = SentenceTransformerEncoder(backend="onnx", cache_dir=tmp_path)
    a, b = reference.encode(texts), onnx.encode(texts)
    assert b.dtype == np.float32 and b.shape == a.shape
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(a * b, axis=1)  # edge cases included (empty, Chinese for an English model): a looser bar
    assert cosine.mean() >= 0.98 and cosine.min() >= 0.95
    assert onnx.model_id == reference.model_id + "+onnx-int8"  # cached vectors of the two never mix
    meta = json.loads(next((tmp_path / "onnx").glob("*/meta.json")).read_text())
    assert meta["agrees"] and meta["mean_cosine"] >= MIN_AGREEMENT
    auto = SentenceTransformerEncoder(backend="auto", cache_dir=tmp_path)  # reads the stored measurement
    assert auto.backend == ("onnx" if meta["onnx_texts_per_s"] > meta["torch_texts_per_s"] else "torch")
