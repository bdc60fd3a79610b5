"""Scale-out benchmark: local vs Ray for embedding and segmentation at 10k -> 100k -> 1M users.

Users are bootstrapped from REAL Complete Journey households: each synthetic user copies a real user's feature
row (numeric columns x (1 + 5 % noise)) and that user's real sentence embedding (+ small noise, re-normalised).
Segmentation is measured in full at every size. Embedding is measured on a fixed number of real user texts and
EXTRAPOLATED to n (1M texts at tens of texts/s would take hours here) — the table says which is which.

Every (stage, backend, n) runs in a fresh subprocess so memory peaks do not leak into each other; peak memory is
the largest summed RSS of the process tree (driver + Ray's raylet/GCS/workers), sampled every 0.2 s, so for Ray
it includes the idle Ray (~0.5-0.8 GB; column `base MB` = the tree before the stage). Shared object-store pages
are counted once per process that maps them, so Ray's figure is an upper bound.

    python bench/scale_bench.py                      # 10k, 100k, 1M; embed 256 texts
    python bench/scale_bench.py --sizes 10000 100000 --embed-texts 128
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("MKT_SHARED_DATA", ROOT.parent / "shared" / "data")) / "completejourney"
BASE_USERS = 400
TEXT_TOKENS = 64
K = 6
DIM = 384


# ---------------------------------------------------------------- memory sampling (no psutil on this machine)
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                tree.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return tree


def tree_rss_mb(pid: int | None = None) -> float:
    """Summed VmRSS of `pid` and all its descendants, in MB."""
    tree, stack, total = _children(), [pid or os.getpid()], 0
    while stack:
        p = stack.pop()
        stack.extend(tree.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class PeakMemory:
    """Context manager sampling the process-tree RSS; `.peak` and `.base` in MB."""

    def __enter__(self):
        self.base = self.peak = tree_rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, tree_rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_mb())


# ---------------------------------------------------------------- data
def prepare_base(path: Path) -> None:
    """Real CJ users: features, behaviour texts and their real embeddings -> one pickle (made once)."""
    from assistant.core.settings import offline_environment
    offline_environment()
    from assistant.core.data import load_complete_journey
    from embeddings.encoder import SentenceTransformerEncoder
    from embeddings.text import user_texts
    from segmentation.features import customer_features

    ds = load_complete_journey(DATA)
    features = customer_features(ds)
    rng = np.random.default_rng(0)
    users = pd.Index(np.sort(rng.choice(features.index.to_numpy(), size=min(BASE_USERS, len(features)),
                                        replace=False)), name="user_id")
    texts = user_texts(ds.events[ds.events["user_id"].isin(users)], ds.products,
                       max_tokens=TEXT_TOKENS).reindex(users).fillna("no activity")
    vectors = SentenceTransformerEncoder().encode(texts.tolist())
    pd.to_pickle({"features": features.loc[users], "texts": texts, "vectors": vectors}, path)


def bootstrap(base: dict, n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """n users resampled from the real ones with small noise (features x(1+N(0,.05)), vectors +N(0,.01))."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(base["features"]), size=n)
    feats = base["features"].iloc[pick].reset_index(drop=True)
    for c in feats.columns:
        if pd.api.types.is_float_dtype(feats[c]):
            feats[c] = feats[c] * (1 + 0.05 * rng.standard_normal(n))
    feats.index = pd.Index([f"u{i}" for i in range(n)], name="user_id")
    emb = base["vectors"][pick].astype(np.float32)
    for start in range(0, n, 100_000):  # float32 noise in chunks: no 3 GB float64 temporary at 1M
        stop = min(n, start + 100_000)
        emb[start:stop] += 0.01 * rng.standard_normal((stop - start, emb.shape[1]), dtype=np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return feats, emb


# ---------------------------------------------------------------- one measured stage (runs in a subprocess)
def run_stage(stage: str, backend: str, n: int, base_path: Path, out: Path) -> None:
    from assistant.core.settings import offline_environment
    offline_environment()
    base = pd.read_pickle(base_path)
    result: dict = {"stage": stage, "backend": backend, "n": n}
    ray = None
    if backend == "ray":
        from embeddings.distributed import init_ray
        ray = init_ray(num_cpus=os.cpu_count() or 2,
                       object_store_memory=int(os.environ.get("BENCH_OBJECT_STORE_MB", "1024")) * 1024**2)
    try:
        if stage == "embed":
            texts = base["texts"].tolist()[:n]
            if backend == "ray":
                from embeddings.distributed import RayEncoder
                encoder = RayEncoder(num_actors=2, ray_batch_size=32)
            else:
                from embeddings.encoder import SentenceTransformerEncoder
                encoder = SentenceTransformerEncoder()
                _ = encoder.model  # model load is start-up, like Ray's actor start below is NOT excluded
            # Two calls (n/4 texts, then n texts) separate the fixed cost per call (Ray: actor start and model
            # load in every actor) from the marginal throughput used for extrapolation.
            with PeakMemory() as mem:
                t0 = time.perf_counter()
                encoder.encode(texts[: max(1, n // 4)])
                t1 = time.perf_counter()
                encoder.encode(texts)
                result["seconds"] = time.perf_counter() - t1
            small = t1 - t0
            result["rate"] = (n - max(1, n // 4)) / max(result["seconds"] - small, 1e-9)
            if result["seconds"] <= small:  # too noisy to separate: fall back to the plain rate
                result["rate"] = n / result["seconds"]
            result["overhead"] = max(0.0, result["seconds"] - n / result["rate"])
        else:
            features, emb = bootstrap(base, n)
            if backend == "ray":
                from segmentation.distributed import RaySegmenter
                seg = RaySegmenter(n_segments=K, random_state=0, engine="ray")
            else:
                from segmentation.segmenter import Segmenter
                seg = Segmenter(n_segments=K, algorithm="auto", n_stability_runs=0, random_state=0)
            with PeakMemory() as mem:
                t0 = time.perf_counter()
                seg.fit(features, emb)
                result["seconds"] = time.perf_counter() - t0
            labels = seg.labels_.to_numpy()
            np.save(out.with_suffix(".npy"), labels)
            # k-means objective per user in the model's own joined space (lower = tighter segments).
            X = seg.transform(features, emb)
            result["objective"] = float(((X - seg.cluster_centers_[labels]) ** 2).sum() / n)
            result["algorithm"] = getattr(seg, "algorithm_", "streamed minibatch")
        result["peak_mb"], result["base_mb"] = mem.peak, mem.base
    finally:
        if ray is not None:
            ray.shutdown()
    out.write_text(json.dumps(result))


def measure(stage: str, backend: str, n: int, base_path: Path, tmp: Path) -> dict:
    out = tmp / f"{stage}-{backend}-{n}.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, __file__, "--worker", stage, backend, str(n), str(base_path), str(out)],
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{stage}/{backend}/{n} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(out.read_text())
    if out.with_suffix(".npy").exists():
        result["labels"] = np.load(out.with_suffix(".npy"))
    return result


# ---------------------------------------------------------------- report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--embed-texts", type=int, default=256)
    parser.add_argument("--stages", nargs="+", default=["embed", "segment"], choices=["embed", "segment"])
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        stage, backend, n, base, out = args.worker
        run_stage(stage, backend, int(n), Path(base), Path(out))
        return

    from sklearn.metrics import adjusted_rand_score

    load = os.getloadavg()[0]
    print(f"# scale bench — {os.cpu_count()} cores, load average {load:.1f}"
          f"{' (BUSY machine: numbers are provisional)' if load >= 3 else ''}")
    tmp = Path(tempfile.mkdtemp(prefix="mkt_scale_"))
    base_path = tmp / "base.pkl"
    t0 = time.perf_counter()
    prepare_base(base_path)
    print(f"base pool: {BASE_USERS} real CJ users, texts <= {TEXT_TOKENS} tokens, encoded in "
          f"{time.perf_counter() - t0:.0f} s")
    n_texts = min(args.embed_texts, BASE_USERS)

    rows = []
    emb = ({b: measure("embed", b, n_texts, base_path, tmp) for b in ("local", "ray")}
           if "embed" in args.stages else {})
    for b, r in emb.items():
        rate, overhead = r["rate"], r["overhead"]
        rows.append({"stage": "embed", "backend": b, "users": n_texts, "seconds": r["seconds"],
                     "kind": f"measured (fixed {overhead:.0f} s)", "peak MB": r["peak_mb"], "base MB": r["base_mb"],
                     "texts/s": rate})
        for n in args.sizes:
            rows.append({"stage": "embed", "backend": b, "users": n, "seconds": overhead + n / rate,
                         "kind": "extrapolated", "peak MB": np.nan, "base MB": np.nan, "texts/s": rate})
    for n in args.sizes if "segment" in args.stages else []:
        res = {b: measure("segment", b, n, base_path, tmp) for b in ("local", "ray")}
        ari = adjusted_rand_score(res["local"]["labels"], res["ray"]["labels"])
        for b, r in res.items():
            rows.append({"stage": f"segment ({r['algorithm']})", "backend": b, "users": n, "seconds": r["seconds"],
                         "kind": "measured", "peak MB": r["peak_mb"], "base MB": r["base_mb"],
                         "objective": r["objective"], "ARI local~ray": ari})
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:,.2f}".format):
        print(table.to_string(index=False))
    print()
    print(readme_section(table, load))


def readme_section(table: pd.DataFrame, load: float) -> str:
    seg = table[table["stage"].str.startswith("segment")]
    emb = table[(table["stage"] == "embed") & table["kind"].str.startswith("measured")].set_index("backend")
    rate = float(emb["texts/s"].max()) if len(emb) else float("nan")
    per_core = rate / (os.cpu_count() or 2)
    lines = ["## Scaling out (Ray)", "",
             f"Measured on this {os.cpu_count()}-core machine (load average {load:.1f} at start"
             f"{', shared — provisional' if load >= 3 else ''}); users bootstrapped from real Complete Journey "
             "households. Segmentation measured in full; embedding measured on "
             f"{int(emb['users'].iloc[0]) if len(emb) else 0} real texts and extrapolated.", "",
             "| users | stage | backend | seconds | peak MB (process tree) | k-means objective | ARI local~ray |",
             "|---:|---|---|---:|---:|---:|---:|"]
    for _, r in seg.iterrows():
        lines.append(f"| {r['users']:,} | {r['stage']} | {r['backend']} | {r['seconds']:.1f} | {r['peak MB']:,.0f} "
                     f"| {r['objective']:.4f} | {r['ARI local~ray']:.2f} |")
    for b, r in emb.iterrows():
        lines.append(f"| {int(r['users'])} texts | embed, {r['kind']} | {b} | {r['seconds']:.1f} "
                     f"(marginal {r['texts/s']:.1f} texts/s) | {r['peak MB']:,.0f} |")
    users = 50_000_000
    vec_gb = users * DIM * 4 / 1e9
    lines += ["", "Projection to 50M users (reasoned from the numbers above, not measured):", "",
              f"* **Embedding** dominates: {rate:.1f} texts/s on {os.cpu_count()} cores ≈ {per_core:.1f} texts/s per "
              f"core for ~{TEXT_TOKENS}-token behaviour texts. 50M texts = {users / per_core / 3600:,.0f} core-hours; "
              f"on 64 workers x 8 cores ≈ {users / (per_core * 512) / 3600:,.1f} h for a full re-embed. Only users "
              "whose text changed need re-embedding (the cache keys by text hash), so the daily cost is the "
              "churn, not 50M. A GPU worker (10-50x a CPU core for MiniLM) changes this most.",
              f"* **Vectors**: 384-d float32 = 1.5 GB per 1M users -> {vec_gb:,.0f} GB for 50M: keep them as "
              "Parquet shards read by Ray Data, never in one process; the joined clustering space after "
              "PCA-32 + features is ~0.3 GB per 1M users (~15 GB for 50M) and streams through partial_fit.",
              "* **Segmentation** is linear in n (streamed MiniBatchKMeans; label assignment is embarrassingly "
              "parallel). Extrapolating the 1M row x50 gives the single-driver fit time; the partial_fit loop is "
              "sequential, so beyond that split the assignment across workers (done) and keep the fit on a "
              "multi-million sample (segment centres stabilise long before 50M).",
              "* **Cluster sketch**: 1 driver (32 GB) + N CPU workers with 4-8 GB each (one model copy ~0.3 GB "
              "per actor + batches); object store sized to a few blocks, spilling to local SSD.",
              ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
