"""Predictive customer metrics: expected orders and spend over a horizon (CLV), P(active), churn risk, next order.

`CustomerPredictor` fits on the order history up to `as_of` (default: the day after the last order) and predicts
the next `horizon_days` for every customer with at least one order:

    orders_to_date, spend_to_date, last_order     what happened up to as_of
    expected_orders      orders expected in the horizon (the chosen model, see MODELS)
    p_order              P(at least one order in the horizon)
    p_active             BG/NBD P(the customer has not silently left)
    expected_order_value Gamma-Gamma expected value of one order (shrunk towards the population mean)
    expected_spend       expected_orders × expected_order_value: the customer lifetime value over the horizon
                         (undiscounted: horizons here are months, not years)
    churn_risk           1 − p_order; churn_band "high" (≥ 0.5), "medium" (≥ 0.2), "low"
    expected_next_order  as_of + expected days to the next order if active (BG/NBD posterior rate); empty when
                         P(active) < 0.5 — a date shown for a customer who has probably left would mislead

Models (`model=`): "bgnbd" (BG/NBD + Gamma-Gamma), "boosting" (gradient boosting over RFM windows, see
campaigns.clv.boosting), "blend" (mean of the two). The default, BG/NBD, won the 90-day holdout check on Complete
Journey on both MAE and AUC (bench/clv_bench.py, README "Predictive marketing"); it also fits in under a second,
needs no training windows and gives P(active) and the next-order date from the same model. `holdout_check` runs the same protocol on any
loaded data: the last `holdout_days` are hidden, every model and the simple baselines predict them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import check_is_fitted

from assistant.core.errors import DataError
from campaigns.clv.boosting import BoostedRFMModel
from campaigns.clv.btyd import BetaGeoModel, GammaGammaModel
from campaigns.clv.orders import orders_between, orders_table, rfm_summary, spend_between

MODELS: tuple[str, ...] = ("bgnbd", "boosting", "blend")
# How each model is named to a marketer (order counts model + the Gamma-Gamma order value), EN and ZH.
MODEL_LABELS: dict[str, dict[str, str]] = {
    "bgnbd": {"en": "BG/NBD + Gamma-Gamma", "zh": "BG/NBD + Gamma-Gamma 模型"},
    "boosting": {"en": "gradient boosting on RFM windows + Gamma-Gamma", "zh": "基于 RFM 窗口的梯度提升 + Gamma-Gamma 模型"},
    "blend": {"en": "blend of BG/NBD and gradient boosting + Gamma-Gamma",
              "zh": "BG/NBD 与梯度提升的融合 + Gamma-Gamma 模型"},
}
DEFAULT_MODEL = "bgnbd"  # won the 90-day holdout on Complete Journey on MAE and AUC (README)
CHURN_BANDS = (("high", 0.5), ("medium", 0.2), ("low", 0.0))
ACTIVE_FOR_NEXT_DATE = 0.5
MIN_CUSTOMERS = 20
_DAY = pd.Timedelta(days=1)


def churn_band(risk: pd.Series | np.ndarray) -> np.ndarray:
    """'high' / 'medium' / 'low' from a churn risk in [0, 1] (thresholds in CHURN_BANDS)."""
    risk = np.asarray(risk, dtype="float64")
    return np.select([risk >= CHURN_BANDS[0][1], risk >= CHURN_BANDS[1][1]], ["high", "medium"], "low")


class CustomerPredictor(BaseEstimator):
    """Fit the CLV models on orders up to `as_of`; `predict()` returns the per-customer table (module docstring)."""

    def __init__(self, horizon_days: int = 90, model: str = DEFAULT_MODEL, penalizer: float = 0.001,
                 random_state: int = 0):
        self.horizon_days = horizon_days
        self.model = model
        self.penalizer = penalizer
        self.random_state = random_state

    def fit(self, events: pd.DataFrame, as_of: pd.Timestamp | str | None = None) -> "CustomerPredictor":
        if self.model not in MODELS:
            raise DataError(f"unknown CLV model '{self.model}'", fix=f"choose one of {', '.join(MODELS)}")
        if not (isinstance(self.horizon_days, (int, np.integer)) and 1 <= self.horizon_days <= 730):
            raise DataError(f"horizon of {self.horizon_days} days is not usable", fix="give 1 to 730 days, e.g. 90")
        orders = orders_table(events)
        as_of = (pd.Timestamp(as_of) if as_of is not None
                 else orders["timestamp"].max().normalize() + _DAY)
        summary = rfm_summary(orders, as_of)
        if len(summary) < MIN_CUSTOMERS:
            raise DataError(f"only {len(summary)} customers have orders; predictions need at least {MIN_CUSTOMERS}",
                            fix="load more order history")
        self.as_of_ = as_of
        self.orders_ = orders
        self.summary_ = summary
        self.bgnbd_ = BetaGeoModel(penalizer=self.penalizer).fit(summary["frequency"], summary["recency"],
                                                                 summary["T"])
        try:
            self.gamma_gamma_ = GammaGammaModel(penalizer=self.penalizer).fit(summary["frequency"], summary["monetary"])
        except ValueError:  # too few repeat buyers with a value: fall back to each customer's mean order value
            self.gamma_gamma_ = None
        self.boosting_ = None
        if self.model in ("boosting", "blend"):
            self.boosting_ = BoostedRFMModel(horizon_days=self.horizon_days,
                                             random_state=self.random_state).fit(orders, as_of)
        return self

    # ------------------------------------------------------------------------------------------ predictions
    def model_predictions(self) -> dict[str, pd.DataFrame]:
        """expected_orders and p_order per customer for every fitted model (the holdout check compares them)."""
        check_is_fitted(self, "bgnbd_")
        s, t = self.summary_, float(self.horizon_days)
        out = {"bgnbd": pd.DataFrame({
            "expected_orders": self.bgnbd_.expected_orders(t, s["frequency"], s["recency"], s["T"]),
            "p_order": 1 - self.bgnbd_.p_no_order(t, s["frequency"], s["recency"], s["T"])}, index=s.index)}
        if self.boosting_ is not None:
            out["boosting"] = self.boosting_.predict_frame(self.orders_, self.as_of_).reindex(s.index)
            out["blend"] = (out["bgnbd"] + out["boosting"]) / 2
        return out

    def predict(self) -> pd.DataFrame:
        """The per-customer table described in the module docstring, indexed by user_id, sorted by value."""
        check_is_fitted(self, "bgnbd_")
        s = self.summary_
        chosen = self.model_predictions()[self.model]
        p_active = self.bgnbd_.p_alive(s["frequency"], s["recency"], s["T"])
        if self.gamma_gamma_ is not None:
            value = self.gamma_gamma_.expected_order_value(s["frequency"], s["monetary"])
        else:
            value = (s["spend"] / s["orders"]).to_numpy()
        wait = self.bgnbd_.expected_wait_days(s["frequency"], s["T"])
        next_order = (self.as_of_ + pd.to_timedelta(np.round(wait), unit="D")).where(p_active >= ACTIVE_FOR_NEXT_DATE)
        risk = (1 - chosen["p_order"]).clip(0, 1)
        table = pd.DataFrame({
            "orders_to_date": s["orders"].astype("int64"),
            "spend_to_date": s["spend"].round(2),
            "last_order": s["last_order"].dt.normalize(),
            "expected_orders": chosen["expected_orders"].round(3),
            "p_order": chosen["p_order"].round(3),
            "p_active": np.round(p_active, 3),
            "expected_order_value": np.round(value, 2),
            "expected_spend": (chosen["expected_orders"] * value).round(2),
            "churn_risk": risk.round(3),
            "churn_band": churn_band(risk),
            "expected_next_order": pd.Series(next_order, index=s.index).dt.normalize(),
        }, index=s.index)
        table.index.name = "user_id"
        return table.sort_values("expected_spend", ascending=False, kind="stable")


def segment_summary(predictions: pd.DataFrame, labels: pd.Series, names: dict[int, str] | None = None) -> pd.DataFrame:
    """Per segment: customers with a prediction, mean expected orders / spend, total expected spend, mean P(active),
    mean churn risk and the share in the high churn band; sorted by segment."""
    joined = predictions.join(labels.rename("segment"), how="inner")
    if joined.empty:
        raise DataError("no customer with a prediction belongs to a segment", fix="re-run segmentation on this data")
    grouped = joined.groupby("segment")
    table = pd.DataFrame({
        "customers": grouped.size(),
        "expected_orders_mean": grouped["expected_orders"].mean().round(2),
        "expected_spend_mean": grouped["expected_spend"].mean().round(2),
        "expected_spend_total": grouped["expected_spend"].sum().round(0),
        "p_active_mean": grouped["p_active"].mean().round(3),
        "churn_risk_mean": grouped["churn_risk"].mean().round(3),
        "high_churn_share": grouped["churn_band"].apply(lambda b: float((b == "high").mean())).round(3),
    }).reset_index()
    if names:
        table.insert(1, "name", table["segment"].map(lambda s: names.get(int(s), "")))
    return table


# ---------------------------------------------------------------------------------------------- holdout check
@dataclass(frozen=True)
class HoldoutReport:
    """The calibration-vs-holdout check: one row per model and baseline."""

    table: pd.DataFrame  # model, mae_orders, auc_buys_again, predicted_total, actual_total, mae_spend
    calibration_end: pd.Timestamp
    holdout_days: int
    customers: int
    notes: tuple[str, ...] = field(default_factory=tuple)


def holdout_check(events: pd.DataFrame, holdout_days: int = 90, models: tuple[str, ...] = MODELS,
                  random_state: int = 0, extra_models: dict | None = None) -> HoldoutReport:
    """Hide the last `holdout_days`, fit every model on the rest, and score the hidden period per customer:
    MAE of predicted orders, ROC AUC of "buys again in the holdout", predicted vs actual totals, and MAE of
    predicted spend — against the simple baselines (the customer's own calibration rate × holdout length; the
    cohort's mean rate × holdout length). extra_models: {name: fn(summary, holdout_days) -> DataFrame with
    expected_orders and p_order} scored the same way (the bench adds pymc-marketing through it)."""
    orders = orders_table(events)
    end = orders["timestamp"].max().normalize() + _DAY
    cutoff = end - holdout_days * _DAY
    if cutoff - orders["timestamp"].min() < 2 * holdout_days * _DAY:
        raise DataError(f"the data covers too short a period for a {holdout_days}-day holdout",
                        fix="use a shorter holdout (the calibration period needs at least twice its length)")
    predictor = CustomerPredictor(horizon_days=holdout_days, model="blend" if "boosting" in models or "blend" in models
                                  else "bgnbd", random_state=random_state).fit(events, as_of=cutoff)
    s = predictor.summary_
    actual = orders_between(orders, cutoff, end, s.index)
    actual_spend = spend_between(orders, cutoff, end, s.index)
    bought = (actual > 0).astype(int)
    start = orders["timestamp"].min().normalize()
    own_rate = s["orders"] / np.maximum(s["T"], 1.0)
    period_rate = s["orders"] / ((cutoff - start) / _DAY)
    spend_rate = s["spend"] / np.maximum(s["T"], 1.0)
    candidates = {
        "baseline: own rate (since first order) × holdout": (own_rate * holdout_days, own_rate * holdout_days,
                                                             spend_rate * holdout_days),
        "baseline: own rate (whole calibration) × holdout": (period_rate * holdout_days, period_rate,
                                                             s["spend"] / ((cutoff - start) / _DAY) * holdout_days),
        "baseline: cohort mean": (pd.Series(period_rate.mean() * holdout_days, index=s.index),
                                  pd.Series(0.0, index=s.index),
                                  pd.Series(s["spend"].mean() / ((cutoff - start) / _DAY) * holdout_days,
                                            index=s.index)),
    }
    predictions = predictor.model_predictions()
    value = (predictor.gamma_gamma_.expected_order_value(s["frequency"], s["monetary"])
             if predictor.gamma_gamma_ is not None else (s["spend"] / s["orders"]).to_numpy())
    labels = {"bgnbd": "BG/NBD + Gamma-Gamma", "boosting": "gradient boosting (RFM windows)",
              "blend": "blend (mean of BG/NBD and boosting)"}
    for name in models:
        if name in predictions:
            frame = predictions[name]
            candidates[labels[name]] = (frame["expected_orders"], frame["p_order"], frame["expected_orders"] * value)
    for name, fn in (extra_models or {}).items():
        frame = fn(s, holdout_days).reindex(s.index)
        candidates[name] = (frame["expected_orders"], frame["p_order"], frame["expected_orders"] * value)
    rows = []
    for name, (orders_hat, score, spend_hat) in candidates.items():
        auc = roc_auc_score(bought, score) if 0 < bought.sum() < len(bought) else float("nan")
        rows.append({"model": name, "mae_orders": float(np.mean(np.abs(orders_hat - actual))),
                     "auc_buys_again": float(auc), "predicted_total": float(np.sum(orders_hat)),
                     "actual_total": float(actual.sum()),
                     "mae_spend": float(np.mean(np.abs(np.asarray(spend_hat) - actual_spend)))})
    table = pd.DataFrame(rows)
    notes = ("the cohort mean predicts the same number for everyone, so it cannot rank customers (AUC 0.5)",)
    return HoldoutReport(table=table.round(4), calibration_end=cutoff, holdout_days=holdout_days,
                         customers=len(s), notes=notes)
