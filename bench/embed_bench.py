"""Embedding throughput on the Complete Journey sample: torch vs the int8 ONNX backend, cold and warm.

Workload: a vector for every product that occurs in the transactions and for every user's behaviour text.
- torch cold:  sentence-transformers as before (batch 64, texts deduped, fresh disk cache) — "today".
- onnx cold:   the same pipeline on the locally exported, int8-quantised ONNX model (export time shown apart:
               it happens once per machine and is cached in MKT_CACHE_DIR).
- warm:        the same call again on the same cache (nothing encoded).
Agreement: cosine between the two backends' vectors for every text (goal: mean >= 0.99), and a vector search
check — each product's title alone as the query over all product vectors, recall@10 of the product itself —
under both backends (goal: unchanged within 0.01). Also batch-size and thread-count sweeps on the ONNX path.

Run: python bench/embed_bench.py [--data ../shared/data/completejourney]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.core.settings import offline_environment  # noqa: E402

offline_environment()

from assistant.core.data import load_complete_journey  # noqa: E402
from embeddings.cache import CachedEncoder  # noqa: E402
from embeddings.encoder import SentenceTransformerEncoder  # noqa: E402
from embeddings.text import product_texts, user_texts  # noqa: E402


def pipeline(p_texts, u_texts, encoder) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Vectors for the product and user texts through the disk cache; returns them, seconds, texts encoded."""
    start = time.perf_counter()
    p_vec = encoder.encode(p_texts)
    misses = encoder.last_stats.misses
    u_vec = encoder.encode(u_texts)
    misses += encoder.last_stats.misses
    return p_vec, u_vec, time.perf_counter() - start, misses


def title_recall(titles: list[str], vectors: np.ndarray, encode, k: int = 10) -> float:
    """Share of products found in the top k when searching all product vectors with the title alone."""
    queries = encode(titles)
    scores = queries @ vectors.T
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return float(np.mean([i in row for i, row in enumerate(top)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "completejourney"))
    parser.add_argument("--recall-queries", type=int, default=2000)
    parser.add_argument("--max-texts", type=int, default=0,
                        help="time on a random sample of this many product + behaviour texts (0 = all)")
    args = parser.parse_args()

    ds = load_complete_journey(args.data)
    events, products = ds.events, ds.products
    used = products[products["item_id"].isin(events["item_id"].unique())]
    torch_enc = SentenceTransformerEncoder(backend="torch")
    torch_enc.encode(["warm up the model"])  # model load is not part of any measurement
    p_texts = product_texts(used).tolist()
    u_texts = user_texts(events, products, max_tokens=torch_enc.max_seq_length, tokenizer=torch_enc.tokenizer).tolist()
    if args.max_texts:
        rng = np.random.default_rng(0)
        share = min(1.0, args.max_texts / (len(p_texts) + len(u_texts)))
        p_texts = [p_texts[i] for i in sorted(rng.choice(len(p_texts), int(len(p_texts) * share), replace=False))]
        u_texts = [u_texts[i] for i in sorted(rng.choice(len(u_texts), int(len(u_texts) * share), replace=False))]
    n_texts = len(set(p_texts)) + len(set(u_texts))
    print(f"Complete Journey: {len(p_texts):,} product texts + {len(u_texts):,} behaviour texts "
          f"({n_texts:,} distinct); model {torch_enc.base_model_id}; {os.cpu_count()} cores, shared machine "
          f"(measured under load unless stated)\n")

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        onnx_enc = SentenceTransformerEncoder(backend="onnx", cache_dir=Path(tmp) / "models")
        onnx_enc.encode(["warm up the model"])
        export_s = time.perf_counter() - start
        meta = onnx_enc._onnx.meta
        rows = []
        results = {}
        for name, enc in (("torch (sentence-transformers, batch 64)", torch_enc),
                          ("onnx int8 (onnxruntime, batch 64)", onnx_enc)):
            cache = Path(tmp) / name.split()[0]
            p_vec, u_vec, cold, encoded = pipeline(p_texts, u_texts, CachedEncoder(enc, cache))
            _, _, warm, _ = pipeline(p_texts, u_texts, CachedEncoder(enc, cache))
            results[name] = (p_vec, u_vec)
            rows.append((name, encoded, cold, encoded / cold, warm))
        (p_t, u_t), (p_o, u_o) = results.values()
        cos = np.concatenate([np.sum(p_t * p_o, axis=1), np.sum(u_t * u_o, axis=1)])

        print("| backend | texts encoded | cold s | texts/s (cold) | speed-up | warm s |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, encoded, cold, rate, warm in rows:
            print(f"| {name} | {encoded:,} | {cold:,.1f} | {rate:,.0f} | {rate / rows[0][3]:.2f}x | {warm:.2f} |")
        print(f"\nONNX export + int8 quantisation + agreement check, once per machine: {export_s:.1f} s "
              f"(probe: mean cosine {meta['mean_cosine']:.4f}, torch {meta['torch_texts_per_s']:.0f} vs onnx "
              f"{meta['onnx_texts_per_s']:.0f} texts/s); backend 'auto' picks: "
              f"{'onnx' if onnx_enc._onnx.preferred else 'torch'}")
        print(f"agreement over all {len(cos):,} texts: mean cosine {cos.mean():.4f}, min {cos.min():.4f} "
              f"(goal mean >= 0.99)")

        rng = np.random.default_rng(0)
        titles = used.drop_duplicates("item_id")
        pick = rng.choice(len(titles), size=min(args.recall_queries, len(titles)), replace=False)
        sub = titles.iloc[pick]
        sub_texts = product_texts(sub).tolist()
        query_titles = sub["title"].fillna("").astype(str).tolist()
        r_t = title_recall(query_titles, torch_enc.encode(sub_texts), torch_enc.encode)
        r_o = title_recall(query_titles, onnx_enc.encode(sub_texts), onnx_enc.encode)
        print(f"vector search, title -> product among {len(sub):,} products, recall@10: torch {r_t:.4f}, onnx "
              f"{r_o:.4f} (difference {r_o - r_t:+.4f}; goal within 0.01)")

        sample = sorted(set(p_texts))[:1000]
        print("\nONNX batch-size sweep (1,000 product texts, threads = cores):")
        for batch in (16, 32, 64, 128):
            start = time.perf_counter()
            onnx_enc._onnx.encode(sample, batch)
            print(f"  batch {batch:>3}: {len(sample) / (time.perf_counter() - start):,.0f} texts/s")
        import torch
        print("torch thread sweep (same texts, batch 64):")
        for threads in sorted({1, torch.get_num_threads()}):
            torch.set_num_threads(threads)
            start = time.perf_counter()
            torch_enc.encode_torch(sample)
            print(f"  {threads} thread(s): {len(sample) / (time.perf_counter() - start):,.0f} texts/s")


if __name__ == "__main__":
    main()
