"""Embedding throughput on the Complete Journey sample: naive per-row encoding vs this pipeline, cold and warm.

Workload: a vector for every user's behaviour text and for every product that occurs in the transactions.
- naive: for every transaction row, build that row's product text and encode it alone (no dedupe, no cache,
  batch of 1), then every user's text alone. Too slow to run in full, so it is timed on a random subset of rows
  and users and extrapolated per row (the table says so).
- pipeline cold: texts built vectorised, distinct texts only, batched and length-sorted, fresh disk cache.
- pipeline warm: the same call again with a new process-level encoder object on the same cache.

Run: python bench/embed_bench.py [--data ../shared/data/completejourney] [--naive-rows 300]
"""
from __future__ import annotations

import argparse
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


def pipeline(events, products, encoder) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Vectors for the products that occur and for all users; returns them, seconds, texts actually encoded."""
    start = time.perf_counter()
    used = products[products["item_id"].isin(events["item_id"].unique())]
    p_texts = product_texts(used)
    u_texts = user_texts(events, products, max_tokens=encoder.max_seq_length, tokenizer=encoder.tokenizer)
    p_vec = encoder.encode(p_texts.tolist())
    stats_p = encoder.last_stats
    u_vec = encoder.encode(u_texts.tolist())
    stats_u = encoder.last_stats
    elapsed = time.perf_counter() - start
    print(f"  products: {stats_p}\n  users:    {stats_u}", file=sys.stderr)
    return p_vec, u_vec, elapsed, stats_p.misses + stats_u.misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "completejourney"))
    parser.add_argument("--naive-rows", type=int, default=300, help="transaction rows timed for the naive way")
    parser.add_argument("--naive-users", type=int, default=40, help="user texts timed for the naive way")
    parser.add_argument("--cache-dir", default=None, help="cache folder (default: a fresh temporary one)")
    args = parser.parse_args()

    ds = load_complete_journey(args.data)
    events, products = ds.events, ds.products
    base = SentenceTransformerEncoder()
    base.encode(["warm up the model"])  # model load is not part of any measurement

    # --- naive, measured on a random subset and extrapolated per row ---
    rng = np.random.default_rng(0)
    texts_by_item = product_texts(products)
    rows = events.iloc[rng.choice(len(events), size=min(args.naive_rows, len(events)), replace=False)]
    start = time.perf_counter()
    for item in rows["item_id"]:  # rows order, one text per row, batch of one
        base.model.encode([texts_by_item.get(item, "")], batch_size=1, normalize_embeddings=True)
    per_row = (time.perf_counter() - start) / len(rows)
    u_all = user_texts(events, products, max_tokens=base.max_seq_length, tokenizer=base.tokenizer)
    u_sample = u_all.sample(min(args.naive_users, len(u_all)), random_state=0)
    start = time.perf_counter()
    for text in u_sample:
        base.model.encode([text], batch_size=1, normalize_embeddings=True)
    per_user = (time.perf_counter() - start) / len(u_sample)
    naive_total = per_row * len(events) + per_user * len(u_all)

    # --- pipeline, cold then warm ---
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = Path(args.cache_dir) if args.cache_dir else Path(tmp)
        cold_enc = CachedEncoder(base, cache_dir)
        p_cold, u_cold, cold, cold_encoded = pipeline(events, products, cold_enc)
        warm_enc = CachedEncoder(base, cache_dir)
        p_warm, u_warm, warm, warm_encoded = pipeline(events, products, warm_enc)
        assert np.allclose(p_cold, p_warm) and np.allclose(u_cold, u_warm)

    n_products = len(p_cold)
    print(f"\nComplete Journey sample: {len(events):,} transaction rows, {len(u_all):,} users, "
          f"{n_products:,} products occurring; model {base.model_id}, batch {base.batch_size}\n")
    print("| way | texts encoded | time (s) | rows/s | speed-up vs naive |")
    print("|---|---|---|---|---|")
    print(f"| naive: one text per transaction row + per user, batch 1, no dedupe/cache (timed on "
          f"{len(rows)} rows + {len(u_sample)} users, extrapolated: {per_row * 1000:.1f} ms/row, "
          f"{per_user * 1000:.1f} ms/user) | {len(events) + len(u_all):,} | {naive_total:,.1f} | "
          f"{len(events) / naive_total:,.0f} | 1.0x |")
    print(f"| pipeline cold (texts + dedupe + batched encode + fresh sqlite cache) | "
          f"{cold_encoded:,} distinct | {cold:,.1f} | {len(events) / cold:,.0f} | "
          f"{naive_total / cold:,.1f}x |")
    print(f"| pipeline warm (same cache, nothing encoded) | {warm_encoded} | {warm:,.2f} | "
          f"{len(events) / warm:,.0f} | {naive_total / warm:,.0f}x |")


if __name__ == "__main__":
    main()
