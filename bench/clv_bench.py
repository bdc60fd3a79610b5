"""CLV benchmark: calibration / holdout split on Complete Journey (the full shared sample, 2,377 households).

The last `--holdout` days are hidden; every model is fitted on the orders before them and predicts each customer's
orders (and spend) in the hidden period. Printed per model: MAE of predicted holdout orders, ROC AUC for "buys
again in the holdout", predicted vs actual total orders, MAE of predicted spend, fit time — against the simple
baselines (the customer's calibration rate × holdout length; the cohort mean). Done when the chosen model beats
both baselines on MAE and AUC.

With `pymc-marketing` importable (it is not a project dependency) its BG/NBD (MAP fit) is added, with the first-fit
time (PyTensor compiles C on first use) and a second fit.

    python bench/clv_bench.py [--data ../shared/data] [--holdout 90 60]
"""
from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

import pandas as pd

from assistant.core.data import load_complete_journey
from campaigns.predictive import DEFAULT_MODEL, holdout_check


def pymc_bgnbd(timings: dict):
    """pymc-marketing's BG/NBD fitted by MAP, as an extra model for holdout_check (times recorded)."""
    def predict(summary: pd.DataFrame, horizon: int) -> pd.DataFrame:
        from pymc_marketing import clv
        data = pd.DataFrame({"customer_id": range(len(summary)), "frequency": summary["frequency"].to_numpy(),
                             "recency": summary["recency"].to_numpy(), "T": summary["T"].to_numpy()})
        for attempt in ("first fit (incl. compile)", "second fit"):
            start = time.perf_counter()
            model = clv.BetaGeoModel(data=data)
            model.fit(method="map")
            timings[attempt] = time.perf_counter() - start
        start = time.perf_counter()
        expected = model.expected_purchases(future_t=horizon).mean(("chain", "draw")).to_numpy()
        alive = model.expected_probability_alive().mean(("chain", "draw")).to_numpy()
        timings["predict"] = time.perf_counter() - start
        # P(order) is not a pymc-marketing output; AUC ranks by expected purchases (a ranking is all it needs).
        return pd.DataFrame({"expected_orders": expected, "p_order": expected, "p_active": alive},
                            index=summary.index)
    return predict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--holdout", type=int, nargs="+", default=[90, 60])
    args = parser.parse_args()
    start = time.perf_counter()
    dataset = load_complete_journey(Path(args.data) / "completejourney")
    print(f"Complete Journey: {dataset.purchases['basket_id'].nunique():,} baskets, "
          f"{dataset.purchases['user_id'].nunique():,} households, "
          f"{dataset.events['timestamp'].min():%Y-%m-%d} .. {dataset.events['timestamp'].max():%Y-%m-%d} "
          f"(loaded in {time.perf_counter() - start:.1f} s)")
    has_pymc = importlib.util.find_spec("pymc_marketing") is not None
    pd.set_option("display.width", 200)
    for holdout in args.holdout:
        timings: dict[str, float] = {}
        extra = {"pymc-marketing BG/NBD (MAP)": pymc_bgnbd(timings)} if has_pymc else None
        start = time.perf_counter()
        report = holdout_check(dataset.events, holdout_days=holdout, extra_models=extra)
        elapsed = time.perf_counter() - start
        print(f"\n## holdout {holdout} days (calibration ends {report.calibration_end:%Y-%m-%d}; "
              f"{report.customers:,} customers; whole check {elapsed:.1f} s)\n")
        print(report.table.to_markdown(index=False) if importlib.util.find_spec("tabulate")
              else report.table.to_string(index=False))
        if timings:
            print("pymc-marketing times (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
        table = report.table.set_index("model")
        baselines = table[table.index.str.startswith("baseline")]
        chosen = {"bgnbd": "BG/NBD + Gamma-Gamma", "boosting": "gradient boosting (RFM windows)",
                  "blend": "blend (mean of BG/NBD and boosting)"}[DEFAULT_MODEL]
        wins = (table.loc[chosen, "mae_orders"] < baselines["mae_orders"].min()
                and table.loc[chosen, "auc_buys_again"] > baselines["auc_buys_again"].max())
        print(f"\nchosen model ({chosen}) beats every baseline on MAE and AUC: {'yes' if wins else 'NO'}")
    if not has_pymc:
        print("\npymc-marketing is not installed: its row is skipped (pip install pymc-marketing==0.19.2)")


if __name__ == "__main__":
    main()
