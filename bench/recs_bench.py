"""Recommendation benchmark: our blended Recommender against strong baselines on three real datasets.

Usage:  python bench/recs_bench.py [--data ../shared/data] [--datasets instacart,completejourney,taobao]
Prints one table per dataset (same temporal split for every model) and recommend() latency on Complete Journey.
Content vectors: product texts embedded with the packaged all-MiniLM-L6-v2 (disk-cached); Taobao has no text,
so its "content" is the category only (a fixed random 64-d vector per category id).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.core.settings import offline_environment  # noqa: E402

offline_environment()

from assistant.core.data import load_complete_journey, load_instacart, load_taobao  # noqa: E402
from campaigns.rec_eval import (  # noqa: E402
    ALSRecommender, ContentRecommender, EASERecommender, ItemKNNRecommender, ItemVectors, PopularityRecommender,
    RepeatRecommender, evaluate, temporal_split,
)
from campaigns.recommender import Recommender  # noqa: E402


def text_vectors(products: pd.DataFrame, item_ids: np.ndarray, cache_dir: Path) -> ItemVectors:
    from embeddings.cache import CachedEncoder
    from embeddings.encoder import get_encoder
    from embeddings.text import product_texts
    subset = products[products["item_id"].astype(str).isin(set(item_ids))]
    texts = product_texts(subset)
    encoder = CachedEncoder(get_encoder(), cache_dir)
    start = time.perf_counter()
    values = list(texts.to_numpy())
    # chunks, so an interrupted first run keeps what it embedded in the disk cache
    vectors = np.concatenate([encoder.encode(values[i:i + 2000]) for i in range(0, len(values), 2000)])
    print(f"  embedded {len(texts)} product texts in {time.perf_counter() - start:.1f}s (disk cache: {cache_dir})")
    return ItemVectors(texts.index.to_numpy(dtype=object), np.asarray(vectors, dtype=np.float32))


def category_vectors(products: pd.DataFrame, item_ids: np.ndarray, dim: int = 64) -> ItemVectors:
    """No product text: items of the same category share one random unit vector (cosine 1 within, ~0 across)."""
    subset = products[products["item_id"].astype(str).isin(set(item_ids))].drop_duplicates("item_id")
    cats = subset["category"].astype(str).fillna("?")
    codes, uniques = pd.factorize(cats, sort=True)
    rng = np.random.default_rng(0)
    basis = rng.standard_normal((len(uniques), dim)).astype(np.float32)
    basis /= np.linalg.norm(basis, axis=1, keepdims=True)
    return ItemVectors(subset["item_id"].astype(str).to_numpy(dtype=object), basis[codes])


def run_dataset(name: str, events: pd.DataFrame, vectors: ItemVectors, mode: str, max_users: int | None):
    train, test = temporal_split(events, mode=mode)
    print(f"\n## {name}: {len(events):,} events, {events['user_id'].nunique():,} users, "
          f"{events['item_id'].nunique():,} items; split={mode}: train {len(train):,} / test {len(test):,}")
    models = {
        "popularity": PopularityRecommender,
        "repeat (own top-freq)": RepeatRecommender,
        "itemknn (cosine)": ItemKNNRecommender,
        "ease (lambda tuned)": EASERecommender,
        "als (implicit)": ALSRecommender,
        "content-only": lambda: ContentRecommender(vectors),
    }
    ours = {}

    class Ours(Recommender):
        def fit(self, interactions):  # harness protocol: fit(train); vectors passed as in production
            super().fit(interactions, item_vectors=vectors)
            ours["model"] = self
            return self

    models["OURS blended (tuned)"] = Ours
    table = evaluate(models, train, test, k=10, max_users=max_users)
    best = table[~table["model"].str.startswith("OURS")]["ndcg@10"].max()
    table["vs_best_baseline"] = table["ndcg@10"] / best
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.4f}".format):
        print(table.to_string(index=False))
    model = ours.get("model")
    if model is not None:
        print(f"  tuned weights_: {model.weights_}")
    return table, model


def latency(model: Recommender, n: int = 300) -> None:
    users = model.users_.ids[np.random.default_rng(0).choice(len(model.users_), size=min(n, len(model.users_)),
                                                               replace=False)]
    times = []
    for user in users:
        start = time.perf_counter()
        model.recommend(user, k=10)
        times.append((time.perf_counter() - start) * 1000)
    filt = []
    for user in users[:100]:
        start = time.perf_counter()
        model.recommend(user, k=10, exclude_purchased=True, max_price=5.0)
        filt.append((time.perf_counter() - start) * 1000)
    print(f"\nrecommend() latency on Complete Journey ({len(users)} users, {len(model.items_):,} items): "
          f"p50 {np.percentile(times, 50):.1f} ms, p95 {np.percentile(times, 95):.1f} ms; "
          f"with filters (exclude_purchased, max_price) p50 {np.percentile(filt, 50):.1f} ms, "
          f"p95 {np.percentile(filt, 95):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=os.environ.get("MKT_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    parser.add_argument("--datasets", default="instacart,completejourney,taobao")
    parser.add_argument("--max-users", type=int, default=None)
    parser.add_argument("--cache", default=str(Path(os.environ.get("MKT_WORKSPACE", Path.home() / ".mkt_assistant"))
                                               / "cache"))
    args = parser.parse_args()
    data, cache = Path(args.data), Path(args.cache)
    wanted = args.datasets.split(",")
    if "instacart" in wanted:
        ds = load_instacart(data / "instacart")
        ev = ds.events
        run_dataset("Instacart", ev, text_vectors(ds.products, ev["item_id"].unique(), cache), "last_basket",
                    args.max_users)
    if "completejourney" in wanted:
        ds = load_complete_journey(data / "completejourney")
        ev = ds.events
        vectors = text_vectors(ds.products, ev["item_id"].unique(), cache)
        _, model = run_dataset("Complete Journey", ev, vectors, "last_basket", args.max_users)
        # latency of the production path: fit on all events with the products table (filters need prices)
        products = ds.products[ds.products["item_id"].isin(set(ev["item_id"]))]
        full = Recommender().fit(ev, products, item_vectors=vectors)
        latency(full)
    if "taobao" in wanted:
        ds = load_taobao(data / "taobao")
        ev = ds.events
        run_dataset("Taobao", ev, category_vectors(ds.products, ev["item_id"].unique()), "last_fraction",
                    args.max_users)


if __name__ == "__main__":
    main()
