"""Build data/demo/ from the full Complete Journey files (CC0): a small, real, self-consistent subset.

Kept: every household with demographics (801, household 1029 among them: it has campaign redemptions), all their
sampled transactions, the campaigns they received with those coupons and redemptions, and only the products that
occur in their transactions or in the kept campaigns' coupons. Same file names and layout (gzip CSV) as the
source, so `load_complete_journey` reads it. Deterministic: run it again and the files are identical.

    python bench/make_demo.py [SOURCE_FOLDER] [TARGET_FOLDER]
"""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "completejourney"
TARGET = ROOT / "data" / "demo"
MUST_KEEP = {"1029"}


def _read(folder: Path, stem: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{stem}.csv.gz", dtype="str", keep_default_na=False)


def _write(frame: pd.DataFrame, folder: Path, stem: str) -> None:
    # mtime=0 keeps the gzip bytes identical between runs
    with gzip.GzipFile(folder / f"{stem}.csv.gz", "wb", mtime=0) as handle:
        handle.write(frame.to_csv(index=False).encode("utf-8"))


def main(source: Path = SOURCE, target: Path = TARGET) -> None:
    target.mkdir(parents=True, exist_ok=True)
    demographics = _read(source, "demographics")
    households = set(demographics["household_id"]) | MUST_KEEP
    transactions = _read(source, "transactions_sample")
    transactions = transactions[transactions["household_id"].isin(households)]
    receipts = _read(source, "campaigns")
    receipts = receipts[receipts["household_id"].isin(households)]
    campaign_ids = set(receipts["campaign_id"])
    descriptions = _read(source, "campaign_descriptions")
    descriptions = descriptions[descriptions["campaign_id"].isin(campaign_ids)]
    coupons = _read(source, "coupons")
    coupons = coupons[coupons["campaign_id"].isin(campaign_ids)]
    redemptions = _read(source, "coupon_redemptions")
    redemptions = redemptions[redemptions["household_id"].isin(households)
                              & redemptions["campaign_id"].isin(campaign_ids)]
    products = _read(source, "products")
    wanted = set(transactions["product_id"]) | set(coupons["product_id"])
    products = products[products["product_id"].isin(wanted)]
    demographics = demographics[demographics["household_id"].isin(households)]
    for stem, frame in {"transactions_sample": transactions, "products": products, "demographics": demographics,
                        "campaigns": receipts, "campaign_descriptions": descriptions, "coupons": coupons,
                        "coupon_redemptions": redemptions}.items():
        _write(frame, target, stem)
        print(f"{stem:24s} {len(frame):>8,} rows  {(target / f'{stem}.csv.gz').stat().st_size:>10,} bytes")
    total = sum(p.stat().st_size for p in target.glob("*.csv.gz"))
    print(f"{'total':24s} {'':>8}       {total:>10,} bytes; households {len(households):,}")


if __name__ == "__main__":
    main(*(Path(arg) for arg in sys.argv[1:3]))
