"""The machine-learning challenger: gradient boosting over RFM windows (scikit-learn HistGradientBoosting).

Features at a cutoff date come only from orders before it; the target is what the customer did in the next
`horizon_days`. Training rows are built at earlier cutoffs (cutoff − horizon, cutoff − 2·horizon, …) so the model
learns "features now → orders in the next horizon" without ever seeing the period it predicts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from assistant.core.errors import DataError
from campaigns.clv.orders import orders_between

_DAY = pd.Timedelta(days=1)
WINDOWS_DAYS = (14, 30, 60, 90, 180)


def window_features(orders: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Per customer with an order before `cutoff`: counts and spend in recent windows, recency, age, rhythm."""
    seen = orders[orders["timestamp"] < cutoff]
    grouped = seen.groupby("user_id", sort=True)
    first, last = grouped["timestamp"].min(), grouped["timestamp"].max()
    n = grouped.size().astype("float64")
    out = pd.DataFrame(index=n.index)
    out["orders_all"] = n
    out["spend_all"] = grouped["value"].sum()
    out["recency_days"] = (cutoff - last) / _DAY
    out["age_days"] = (cutoff - first) / _DAY
    out["rate_per_day"] = n / np.maximum(out["age_days"], 1.0)
    out["mean_gap_days"] = ((last - first) / _DAY) / np.maximum(n - 1, 1)
    out["aov"] = out["spend_all"] / n
    for days in WINDOWS_DAYS:
        recent = seen[seen["timestamp"] >= cutoff - days * _DAY].groupby("user_id")
        out[f"orders_{days}d"] = recent.size().reindex(out.index, fill_value=0).astype("float64")
        out[f"spend_{days}d"] = recent["value"].sum().reindex(out.index, fill_value=0.0)
    return out


class BoostedRFMModel(BaseEstimator):
    """Orders in the next `horizon_days` (Poisson-loss regressor) and P(at least one order) (classifier)."""

    def __init__(self, horizon_days: int = 90, n_windows: int = 3, max_iter: int = 200, learning_rate: float = 0.05,
                 random_state: int = 0):
        self.horizon_days = horizon_days
        self.n_windows = n_windows
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.random_state = random_state

    def fit(self, orders: pd.DataFrame, cutoff: pd.Timestamp) -> "BoostedRFMModel":
        horizon = self.horizon_days * _DAY
        start = orders["timestamp"].min()
        frames, targets = [], []
        for k in range(1, self.n_windows + 1):
            train_cutoff = cutoff - k * horizon
            if train_cutoff - start < horizon / 3:  # too little history before this cutoff to learn from
                break
            features = window_features(orders, train_cutoff)
            frames.append(features)
            targets.append(orders_between(orders, train_cutoff, train_cutoff + horizon, features.index))
        if not frames:
            raise DataError(f"not enough history to train on {self.horizon_days}-day windows",
                            fix="use a shorter horizon or load a longer order history")
        X = pd.concat(frames, ignore_index=True)
        y = pd.concat(targets, ignore_index=True).to_numpy()
        common = dict(max_iter=self.max_iter, learning_rate=self.learning_rate, random_state=self.random_state,
                      early_stopping=False)
        self.feature_names_ = list(X.columns)
        # One OpenMP thread: a few thousand rows gain nothing from threads and spin-wait on a busy machine.
        with threadpool_limits(1, user_api="openmp"):
            self.regressor_ = HistGradientBoostingRegressor(loss="poisson", **common).fit(X, y)
            self.classifier_ = HistGradientBoostingClassifier(**common).fit(X, (y > 0).astype(int))
        self.n_training_rows_ = len(X)
        return self

    def predict_frame(self, orders: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
        """expected_orders and p_order for the `horizon_days` after `cutoff`, per customer seen before it."""
        check_is_fitted(self, "regressor_")
        X = window_features(orders, cutoff)[self.feature_names_]
        with threadpool_limits(1, user_api="openmp"):
            return pd.DataFrame({"expected_orders": self.regressor_.predict(X),
                                 "p_order": self.classifier_.predict_proba(X)[:, 1]}, index=X.index)
