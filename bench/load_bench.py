"""Load + clean + features time per dataset (the brief's target: full Complete Journey sample < 5 s).

    python bench/load_bench.py [SHARED_DATA_FOLDER] [--repeat N]

Prints a Markdown table; timings are wall-clock seconds, best of N runs (default 3).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.core.data import load_complete_journey, load_demo, load_hillstrom, load_instacart, load_taobao  # noqa: E402
from segmentation.features import customer_features  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    shared = Path(args.shared)
    jobs = [
        ("completejourney (full sample)", lambda: load_complete_journey(shared / "completejourney")),
        ("demo (bundled CJ subset)", load_demo),
        ("instacart", lambda: load_instacart(shared / "instacart")),
        ("taobao", lambda: load_taobao(shared / "taobao")),
        ("hillstrom", lambda: load_hillstrom(shared / "hillstrom" / "hillstrom.csv.gz")),
    ]
    print("| dataset | events | users | products | feature cols | load+clean s | features s | total s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, load in jobs:
        best = None
        for _ in range(args.repeat):
            start = time.perf_counter()
            data = load()
            loaded = time.perf_counter()
            features = customer_features(data)
            done = time.perf_counter()
            timing = (loaded - start, done - loaded, done - start)
            best = timing if best is None or timing[2] < best[2] else best
        print(f"| {name} | {len(data.events):,} | {data.n_users:,} | {len(data.products):,} | "
              f"{features.shape[1]} | {best[0]:.2f} | {best[1]:.2f} | {best[2]:.2f} |")


if __name__ == "__main__":
    main()
