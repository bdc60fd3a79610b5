"""Segmentation at scale: fit + profile time and peak memory for 100k and 1M customers.

Data: the real Complete Journey customers (../shared/data/completejourney) — their features and the embedding of
their behaviour text (the packaged all-MiniLM-L6-v2 through the disk cache, or `--embeddings standin` for cheap
vectors) — bootstrapped to N users with small Gaussian noise (1 % of each feature's std, 0.01 on embeddings).
Each synthetic user inherits the purchase events of the customer it was drawn from, so profiles run on a
realistic ~31 events per user.

Each size runs in its own subprocess, so the peak RSS (resource.getrusage) is that size's own peak.

    python bench/segment_bench.py                      # 100k and 1M
    python bench/segment_bench.py --sizes 20000 100000 --embeddings standin
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def prepare(data_dir: Path, embeddings: str, out: Path) -> dict:
    from assistant.core.settings import offline_environment
    offline_environment()
    from assistant.core.data import load_complete_journey
    from segmentation.features import customer_features

    ds = load_complete_journey(data_dir)
    feats = customer_features(ds)
    t0 = time.perf_counter()
    if embeddings == "real":
        from embeddings.cache import CachedEncoder
        from embeddings.encoder import get_encoder
        from embeddings.text import user_texts
        texts = user_texts(ds.events, ds.products).reindex(feats.index).fillna("")
        enc = CachedEncoder(get_encoder(), Path(os.environ.get("MKT_WORKSPACE", Path.home() / ".mkt_assistant"))
                            / "cache")
        emb = np.asarray(enc.encode(texts.tolist()), dtype=np.float32)
    else:
        shares = feats.filter(like="share_").to_numpy(dtype=np.float32)
        rng = np.random.default_rng(0)
        emb = shares @ rng.normal(size=(shares.shape[1], 384)).astype(np.float32)
    enc_s = time.perf_counter() - t0
    feats.to_parquet(out / "features.parquet")
    np.save(out / "emb.npy", emb)
    cols = ["user_id", "item_id", "event_type", "quantity", "revenue", "basket_id"]
    ds.events[cols].to_parquet(out / "events.parquet")
    ds.products.to_parquet(out / "products.parquet")
    return {"base_users": len(feats), "base_events": len(ds.events), "embed_dim": int(emb.shape[1]),
            "encode_s": enc_s}


def run_one(n: int, base: Path, seed: int = 0) -> dict:
    from segmentation import Segmenter, build_profiles

    feats = pd.read_parquet(base / "features.parquet")
    emb = np.load(base / "emb.npy")
    events = pd.read_parquet(base / "events.parquet")
    products = pd.read_parquet(base / "products.parquet")
    rng = np.random.default_rng(seed)
    src = rng.integers(0, len(feats), n)
    ids = pd.Index([f"b{i}" for i in range(n)], name="user_id")
    num = feats.to_numpy(dtype=np.float64)[src]
    num = num + rng.normal(size=num.shape) * (0.01 * feats.std(ddof=0).to_numpy())
    big = pd.DataFrame(num, index=ids, columns=feats.columns)
    big_emb = emb[src] + rng.normal(scale=0.01, size=(n, emb.shape[1])).astype(np.float32)
    # events: every synthetic user gets the events of its source customer (purchases only: that is what
    # profiles read)
    ev = events[events["event_type"] == "purchase"]
    by_user = ev.groupby("user_id").indices
    src_user = feats.index.to_numpy()[src]
    lens = np.array([len(by_user.get(u, ())) for u in src_user])
    take = np.concatenate([by_user.get(u, np.array([], dtype=np.int64)) for u in src_user]).astype(np.int64)
    big_ev = ev.iloc[take].reset_index(drop=True)
    big_ev["user_id"] = np.repeat(ids.to_numpy(), lens)
    c0, t0 = time.process_time(), time.perf_counter()
    seg = Segmenter(n_segments="auto", random_state=seed).fit(big, big_emb)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    profiles = build_profiles(seg.labels_, big, big_ev, products)
    t_prof = time.perf_counter() - t0
    cpu = time.process_time() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"users": n, "events": len(big_ev), "algorithm": seg.algorithm_, "k": seg.n_segments_,
            "fit_s": round(t_fit, 1), "profile_s": round(t_prof, 1), "total_s": round(t_fit + t_prof, 1),
            "cpu_s": round(cpu, 1),
            "peak_rss_mb": round(peak_mb), "silhouette": round(seg.metrics_["silhouette"], 3),
            "stability": round(seg.stability_, 3), "segments": len(profiles.segments)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "completejourney")
    ap.add_argument("--embeddings", choices=["real", "standin"], default="real")
    ap.add_argument("--_one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--_base", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._one:
        print(json.dumps(run_one(args._one, args._base)))
        return
    with tempfile.TemporaryDirectory(prefix="segbench-") as tmp:
        info = prepare(args.data, args.embeddings, Path(tmp))
        print(f"base: {info['base_users']} real CJ customers, {info['base_events']} events, "
              f"{info['embed_dim']}-d {args.embeddings} embeddings (encode {info['encode_s']:.1f} s)")
        results = []
        for n in args.sizes:
            proc = subprocess.run([sys.executable, __file__, "--_one", str(n), "--_base", tmp],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"size {n} failed")
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    table = pd.DataFrame(results)
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    if len(table) > 1:
        t = table["total_s"].to_numpy()
        u = table["users"].to_numpy()
        print(f"scaling: x{u[-1] / u[0]:.0f} users -> x{t[-1] / t[0]:.1f} time")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
        return True
    except ImportError:
        return False


if __name__ == "__main__":
    main()
