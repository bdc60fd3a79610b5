"""Regenerate `reference.json`: the numbers GrowthBook's `gbstats` and Spotify's `spotify-confidence` compute on
`three_arms.csv`, so `test_evaluation_engines.py` can compare the project's numbers with theirs.

Neither engine installs beside the project's pins (gbstats 0.8.0 needs numpy<2, spotify-confidence 4.1.0 needs
pandas<3), so this script runs in a side environment and its output is committed:

    python -m venv /tmp/xcheck && /tmp/xcheck/bin/pip install gbstats==0.8.0 spotify-confidence==4.1.0
    /tmp/xcheck/bin/python tests/campaigns/engines/make_reference.py

The CSV is written by this script too (seeded) the first time: 3 arms (control, A, B), a 0/1 conversion, an
order count, revenue, and a pre-period spend covariate.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CSV, OUT = HERE / "three_arms.csv", HERE / "reference.json"


def make_csv() -> pd.DataFrame:
    rng = np.random.default_rng(20261129)
    rows = []
    for arm, n, p, lam, lift in (("control", 3000, 0.10, 0.8, 0.0), ("A", 3050, 0.12, 0.9, 3.0),
                                 ("B", 2950, 0.105, 0.8, 1.0)):
        pre = rng.gamma(2.0, 40.0, n).round(2)
        converted = (rng.random(n) < p).astype(int)
        orders = rng.poisson(lam, n) + converted
        revenue = np.where(orders > 0, orders * rng.lognormal(2.5, 0.9, n) + 0.3 * pre + lift, 0.0).round(2)
        rows.append(pd.DataFrame({"user_id": [f"{arm}-{i}" for i in range(n)], "arm": arm,
                                  "converted": converted, "orders": orders, "revenue": revenue,
                                  "pre_spend": pre}))
    frame = pd.concat(rows, ignore_index=True)
    frame.to_csv(CSV, index=False)
    return frame


def gbstats_reference(frame: pd.DataFrame) -> dict:
    from gbstats.frequentist.tests import (FrequentistConfig, SequentialConfig, SequentialTwoSidedTTest,
                                           TwoSidedTTest)
    from gbstats.models.statistics import (ProportionStatistic, RatioStatistic, RegressionAdjustedStatistic,
                                           SampleMeanStatistic, compute_theta)

    def mean_stat(values):
        return SampleMeanStatistic(n=len(values), sum=float(values.sum()), sum_squares=float((values ** 2).sum()))

    out = {}
    config = FrequentistConfig(difference_type="absolute", alpha=0.05)
    seq = SequentialConfig(difference_type="absolute", alpha=0.05, sequential_tuning_parameter=5000)
    control = frame[frame["arm"] == "control"]
    for arm in ("A", "B"):
        treated = frame[frame["arm"] == arm]
        res = {}
        a = ProportionStatistic(n=len(control), sum=float(control["converted"].sum()))
        b = ProportionStatistic(n=len(treated), sum=float(treated["converted"].sum()))
        r = TwoSidedTTest(a, b, config).compute_result()
        res["converted"] = {"effect": r.expected, "ci": list(r.ci), "p_value": r.p_value}
        for metric in ("orders", "revenue"):
            a, b = mean_stat(control[metric]), mean_stat(treated[metric])
            r = TwoSidedTTest(a, b, config).compute_result()
            rs = SequentialTwoSidedTTest(a, b, seq).compute_result()
            res[metric] = {"effect": r.expected, "ci": list(r.ci), "p_value": r.p_value,
                           "seq_ci": list(rs.ci), "seq_p_value": rs.p_value}
        # CUPED on revenue with the pre-period spend
        stats = []
        for part in (control, treated):
            stats.append(RegressionAdjustedStatistic(
                n=len(part), post_statistic=mean_stat(part["revenue"]), pre_statistic=mean_stat(part["pre_spend"]),
                post_pre_sum_of_products=float((part["revenue"] * part["pre_spend"]).sum()), theta=0))
        theta = compute_theta(*stats)
        stats = [RegressionAdjustedStatistic(n=s.n, post_statistic=s.post_statistic, pre_statistic=s.pre_statistic,
                                             post_pre_sum_of_products=s.post_pre_sum_of_products, theta=theta)
                 for s in stats]
        r = TwoSidedTTest(stats[0], stats[1], config).compute_result()
        res["revenue_cuped"] = {"theta": theta, "effect": r.expected, "ci": list(r.ci), "p_value": r.p_value}
        # ratio: revenue per order (delta method)
        ratios = []
        for part in (control, treated):
            ratios.append(RatioStatistic(n=len(part), m_statistic=mean_stat(part["revenue"]),
                                         d_statistic=mean_stat(part["orders"]),
                                         m_d_sum_of_products=float((part["revenue"] * part["orders"]).sum())))
        r = TwoSidedTTest(ratios[0], ratios[1], config).compute_result()
        res["revenue_per_order"] = {"effect": r.expected, "ci": list(r.ci), "p_value": r.p_value}
        out[arm] = res
    return out


def spotify_reference(frame: pd.DataFrame) -> dict:
    import spotify_confidence as confidence

    out = {}
    counts = frame.groupby("arm").agg(converted=("converted", "sum"), n=("converted", "size")).reset_index()
    test = confidence.ZTest(counts, numerator_column="converted", numerator_sum_squares_column=None,
                            denominator_column="n", categorical_group_columns="arm", correction_method="holm")
    diff = test.multiple_difference(level="control", level_as_reference=True, absolute=True)
    out["converted_vs_control_holm"] = _rows(diff)
    sums = frame.groupby("arm").agg(revenue=("revenue", "sum"), n=("revenue", "size"),
                                    revenue_sq=("revenue", lambda v: float((v ** 2).sum()))).reset_index()
    test = confidence.StudentsTTest(sums, numerator_column="revenue", numerator_sum_squares_column="revenue_sq",
                                    denominator_column="n", categorical_group_columns="arm",
                                    correction_method="holm")
    diff = test.differences(levels=[("control", "A"), ("control", "B"), ("A", "B")], absolute=True)
    out["revenue_all_pairs_holm"] = _rows(diff)
    return out


def _rows(diff: pd.DataFrame) -> list[dict]:
    diff = diff.reset_index()
    keep = [c for c in diff.columns if c in ("level_1", "level_2", "difference", "ci_lower", "ci_upper", "p-value",
                                             "adjusted p-value", "adjusted ci_lower", "adjusted ci_upper")]
    return json.loads(diff[keep].to_json(orient="records"))


def main() -> None:
    frame = pd.read_csv(CSV) if CSV.exists() else make_csv()
    reference = {"gbstats": gbstats_reference(frame), "spotify_confidence": spotify_reference(frame)}
    OUT.write_text(json.dumps(reference, indent=1))
    print(json.dumps(reference, indent=1)[:3000])


if __name__ == "__main__":
    main()
