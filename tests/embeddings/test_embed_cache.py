"""The disk cache: dedupe, hits and misses, no re-encode when warm, survives SIGKILL mid-write."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from embeddings.cache import CachedEncoder
from embeddings.encoder import Encoder

from .conftest import SpyEncoder, fake_vector


def test_cached_encoder_follows_the_protocol(spy_encoder, tmp_path):
    cached = CachedEncoder(spy_encoder, tmp_path)
    assert isinstance(cached, Encoder)
    assert cached.model_id == "spy-model" and cached.dim == 8


def test_dedupes_and_counts_hits_and_misses(spy_encoder, tmp_path):
    cached = CachedEncoder(spy_encoder, tmp_path)
    out = cached.encode(["milk", "bread", "milk", "eggs", "bread"])
    assert spy_encoder.calls == [["milk", "bread", "eggs"]]  # each distinct text once
    assert (cached.last_stats.requested, cached.last_stats.unique) == (5, 3)
    assert (cached.last_stats.hits, cached.last_stats.misses) == (0, 3)
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_allclose(out[3], fake_vector("eggs"))
    assert out.dtype == np.float32 and out.shape == (5, 8)

    again = cached.encode(["eggs", "milk", "butter"])
    assert spy_encoder.calls[-1] == ["butter"]
    assert (cached.last_stats.hits, cached.last_stats.misses) == (2, 1)
    np.testing.assert_array_equal(again[1], out[0])


def test_warm_call_never_touches_the_inner_encoder(spy_encoder, tmp_path):
    texts = [f"product {i}" for i in range(2500)]  # more than one lookup chunk
    first = CachedEncoder(spy_encoder, tmp_path).encode(texts)
    spy2 = SpyEncoder()
    reopened = CachedEncoder(spy2, tmp_path)  # a new process would see the same file
    second = reopened.encode(texts)
    assert spy2.calls == []
    assert reopened.last_stats.hits == 2500 and reopened.last_stats.misses == 0
    np.testing.assert_array_equal(first, second)
    assert len(reopened) == 2500


def test_vectors_are_keyed_by_model(tmp_path):
    CachedEncoder(SpyEncoder(model_id="a"), tmp_path).encode(["milk"])
    other = SpyEncoder(model_id="b")
    CachedEncoder(other, tmp_path).encode(["milk"])
    assert other.calls == [["milk"]]


WRITER = textwrap.dedent("""
    import sys, time
    sys.path[:0] = [{root!r}, {tests!r}]
    from embeddings.cache import CachedEncoder
    from conftest import SpyEncoder
    cached = CachedEncoder(SpyEncoder(), {cache!r})
    i = 0
    while True:
        cached.encode([f"text {{i}} {{j}}" for j in range(500)])
        i += 1
        if i == 3:
            print("ready", flush=True)
""")


def test_cache_survives_sigkill_mid_write(tmp_path):
    root = Path(__file__).resolve().parents[2]
    cache_dir = tmp_path / "cache"
    script = WRITER.format(root=str(root), tests=str(Path(__file__).parent), cache=str(cache_dir))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3)  # let it get into further writes
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    con = sqlite3.connect(cache_dir / "embedding_cache.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    spy = SpyEncoder()
    cached = CachedEncoder(spy, cache_dir)
    stored = len(cached)
    assert stored >= 1500 and stored % 500 == 0  # whole batches only: each write is one transaction
    texts = [f"text {i} {j}" for i in range(stored // 500) for j in range(500)]
    vectors = cached.encode(texts)
    assert spy.calls == []  # everything written before the kill is readable
    np.testing.assert_allclose(vectors, np.stack([fake_vector(t) for t in texts]))
    cached.encode(["after the crash"])  # and the cache is still writable
    assert cached.last_stats.misses == 1
