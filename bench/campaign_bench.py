"""Campaign evaluation benchmark on the real Hillstrom test (64,000 customers, 3 arms).

Prints measured tables: full evaluation (overall + per-segment breakdown by history_segment and by channel), the
raw export evaluated as a marketer's own file (arm names as exported, checks, ratios, omnibus), the CUPED
variance reduction with the pre-period covariate `history` (CI width plain vs CUPED), the bootstrap option, the
T-learner uplift model (women's e-mail vs control, outcome = visit, 70/30 held-out split) and its Qini
coefficient vs random ranking. Goal: evaluation with breakdown < 1 s.

    python bench/campaign_bench.py [--data ../shared/data] [--repeat 3]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from assistant.core.data import load_hillstrom
from campaigns.advice import next_campaign_advice
import pandas as pd

from campaigns.evaluation import evaluate_campaign, evaluate_test
from campaigns.uplift import UpliftTLearner, auuc, prepare_features, qini_auc, uplift_at_k

FEATURES = ["recency", "history", "mens", "womens", "zip_code", "newbie", "channel"]


def _timed(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data, t_load = _timed(lambda: load_hillstrom(Path(args.data) / "hillstrom"), 1)
    users = data.users.set_index("user_id")
    rows = [("load Hillstrom (64,000 rows)", t_load, "")]
    ev, t = _timed(lambda: evaluate_campaign(data.exposures, data.outcomes), args.repeat)
    rows.append(("evaluate (3 arms, overall)", t, ""))
    for column in ("history_segment", "channel"):
        ev_seg, t = _timed(lambda: evaluate_campaign(data.exposures, data.outcomes, segments=users[column]),
                           args.repeat)
        rows.append((f"evaluate + breakdown by {column}", t, f"{ev_seg.segments['segment'].nunique()} segments"))
    advice, t = _timed(lambda: next_campaign_advice(ev_seg), args.repeat)
    rows.append(("next_campaign_advice", t, f"{len(advice)} items"))
    raw = pd.read_csv(Path(args.data) / "hillstrom" / "hillstrom.csv.gz")
    ev_raw, t = _timed(lambda: evaluate_test(raw, control="No E-Mail"), args.repeat)
    rows.append(("evaluate_test on the raw export (checks, CUPED, ratios, omnibus)", t,
                 f"{len(ev_raw.uplift)} comparisons"))
    _, t = _timed(lambda: evaluate_test(raw, control="No E-Mail", metrics=["spend"], covariate=None,
                                        robust="bootstrap"), 1)
    rows.append(("spend with robust='bootstrap' (1,999 resamples, 2 arms)", t, ""))
    history = pd.to_numeric(users["history"])
    ev_cuped, t = _timed(lambda: evaluate_campaign(data.exposures, data.outcomes, covariate=history), args.repeat)
    rows.append(("evaluate + CUPED (covariate: history)", t, ""))

    frame = data.users.merge(data.exposures, on="user_id").merge(data.outcomes, on=["campaign_id", "user_id"])
    frame = frame[frame["arm"].isin(["womens_email", "control"])]
    X = prepare_features(frame, FEATURES)
    treat = (frame["arm"] == "womens_email").astype(int).to_numpy()
    y = frame["visited"].astype(int).to_numpy()
    Xtr, Xte, ttr, tte, ytr, yte = train_test_split(X, treat, y, test_size=0.3, random_state=0,
                                                    stratify=2 * treat + y)
    model, t = _timed(lambda: UpliftTLearner(random_state=0).fit(Xtr, ttr, ytr), 1)
    rows.append((f"T-learner fit ({len(Xtr):,} rows, HistGradientBoosting)", t, ""))
    pred, t = _timed(lambda: model.predict_uplift(Xte), 1)
    rows.append((f"predict_uplift ({len(Xte):,} rows)", t, ""))

    print("| step | median s | note |\n|---|---:|---|")
    for name, seconds, note in rows:
        print(f"| {name} | {seconds:.3f} | {note} |")

    print("\n| CUPED with history (pre-period spend) | metric | plain 95% CI | CUPED 95% CI | CI width reduction |"
          "\n|---|---|---|---|---:|")
    for _, r in ev_cuped.uplift[ev_cuped.uplift["cuped_uplift"].notna()].iterrows():
        scale, unit = (100, " pp") if r["kind"] == "binary" else (1, "")
        print(f"| {r['arm']} vs {r['baseline']} | {r['metric']} | [{r['ci_low'] * scale:+.3f}, "
              f"{r['ci_high'] * scale:+.3f}]{unit} | [{r['cuped_ci_low'] * scale:+.3f}, "
              f"{r['cuped_ci_high'] * scale:+.3f}]{unit} | {r['cuped_ci_reduction']:.2%} |")

    rng = np.random.default_rng(0)
    random_q = [qini_auc(yte, rng.random(len(yte)), tte) for _ in range(20)]
    print("\n| uplift ranking (women's e-mail vs control, visit, held-out 30%) | Qini coefficient | AUUC per user | "
          "uplift@30% |\n|---|---:|---:|---:|")
    print(f"| T-learner | {qini_auc(yte, pred, tte):.4f} | {auuc(yte, pred, tte):.3f} | "
          f"{uplift_at_k(yte, pred, tte, 0.3):.4f} |")
    print(f"| random (mean of 20, sd {np.std(random_q):.4f}) | {np.mean(random_q):.4f} | | |")
    print(f"| overall uplift (everyone targeted) | | | {uplift_at_k(yte, pred, tte, 1.0):.4f} |")
    print("\n" + ev_raw.to_markdown())


if __name__ == "__main__":
    main()
