"""Who to target: a T-learner uplift model and the Qini / uplift curves that score it.

Why hand-written: the maintained causal libraries do not fit our pins cleanly — scikit-uplift (last release
2022-08) pulls matplotlib, which the project does not otherwise need, and causalml compiles Cython and pulls
xgboost/lightgbm. The T-learner is two scikit-learn classifiers and the curves are cumulative sums, so a few
lines here are cheaper to keep than either dependency. The curve formulas follow scikit-uplift's
`qini_curve` / `uplift_curve` / `qini_auc_score` definitions (Radcliffe 2007; Diemert et al. 2018).
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils.validation import check_is_fitted

from assistant.core.errors import DataError


def _as_binary(name: str, values) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(f"{name} must be one-dimensional, got shape {array.shape}")
    unique = set(np.unique(array).tolist())
    if not unique <= {0, 1, True, False}:
        raise DataError(f"{name} must be binary (0/1 or bool); found values {sorted(map(str, unique))[:5]}",
                        column=name)
    return array.astype(int)


def prepare_features(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Feature frame for the uplift model: text columns become pandas categoricals (HistGradientBoosting
    handles them natively with `categorical_features="from_dtype"`)."""
    columns = list(frame.columns) if columns is None else columns
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"feature column(s) {missing} not found", column=missing[0],
                        fix=f"available columns: {list(frame.columns)}")
    out = frame[columns].copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].astype("category")
        elif pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].astype(int)
    return out


class UpliftTLearner(BaseEstimator):
    """Two-model (T-learner) uplift: one classifier on treated users, one on control; uplift = p_t - p_c."""

    def __init__(self, base_estimator=None, random_state: int | None = 0):
        self.base_estimator = base_estimator
        self.random_state = random_state

    def _make(self):
        base = self.base_estimator if self.base_estimator is not None else HistGradientBoostingClassifier(
            max_iter=100, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=100,
            categorical_features="from_dtype")
        model = clone(base)
        if "random_state" in model.get_params():
            model.set_params(random_state=self.random_state)
        return model

    def fit(self, X, treatment, y) -> "UpliftTLearner":
        treatment = _as_binary("treatment", treatment)
        y = _as_binary("y", y)
        if len(treatment) != len(X) or len(y) != len(X):
            raise DataError(f"X has {len(X)} rows but treatment has {len(treatment)} and y {len(y)}")
        for group, label in ((1, "treated"), (0, "control")):
            outcomes = y[treatment == group]
            if len(outcomes) == 0 or len(np.unique(outcomes)) < 2:
                raise DataError(f"the {label} group needs both outcomes (0 and 1) to fit an uplift model",
                                fix="use a larger sample or a more frequent outcome (e.g. visit)")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object) if isinstance(X, pd.DataFrame) else None
        self.n_features_in_ = X.shape[1]
        rows_t, rows_c = treatment == 1, treatment == 0
        take = (lambda m: X[m]) if not isinstance(X, pd.DataFrame) else (lambda m: X.loc[m])
        self.model_treatment_ = self._make().fit(take(rows_t), y[rows_t])
        self.model_control_ = self._make().fit(take(rows_c), y[rows_c])
        return self

    def predict_uplift(self, X) -> np.ndarray:
        """Estimated P(y | treated) - P(y | control) for each row of X."""
        check_is_fitted(self, "model_treatment_")
        return self.model_treatment_.predict_proba(X)[:, 1] - self.model_control_.predict_proba(X)[:, 1]

    def save(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            pickle.dump(self, handle)
        return path

    @classmethod
    def load(cls, path) -> "UpliftTLearner":
        with Path(path).open("rb") as handle:
            model = pickle.load(handle)
        if not isinstance(model, cls):
            raise DataError(f"{path} does not hold an UpliftTLearner", file=str(path))
        return model


# --------------------------------------------------------------------------------------------------- curves
def _cumulative(y, uplift, treatment):
    y, treatment = _as_binary("y", y), _as_binary("treatment", treatment)
    uplift = np.asarray(uplift, dtype=float)
    if not len(y) == len(uplift) == len(treatment):
        raise DataError(f"y, uplift and treatment differ in length: {len(y)}, {len(uplift)}, {len(treatment)}")
    order = np.argsort(uplift, kind="mergesort")[::-1]
    y, uplift, treatment = y[order], uplift[order], treatment[order]
    # One point per distinct score (ties are targeted together), as scikit-uplift does.
    last_of_tie = np.r_[np.where(np.diff(uplift))[0], len(uplift) - 1]
    n_treat = np.cumsum(treatment)[last_of_tie]
    y_treat = np.cumsum(y * treatment)[last_of_tie]
    n_all = last_of_tie + 1
    n_ctrl = n_all - n_treat
    y_ctrl = np.cumsum(y * (1 - treatment))[last_of_tie]
    return n_all, n_treat, y_treat, n_ctrl, y_ctrl


def qini_curve(y, uplift, treatment) -> pd.DataFrame:
    """Qini curve: incremental responders when targeting the top-n users by predicted uplift.

    Columns: n_targeted, fraction_targeted, qini (y_t - y_c * n_t / n_c), random (the straight line of random
    targeting to the same end point). Starts at (0, 0).
    """
    n_all, n_treat, y_treat, n_ctrl, y_ctrl = _cumulative(y, uplift, treatment)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Before the first control user is reached the control correction is 0 (as in scikit-uplift).
        qini = y_treat - np.where(n_ctrl > 0, y_ctrl * n_treat / np.where(n_ctrl > 0, n_ctrl, 1), 0.0)
    n_all = np.r_[0, n_all]
    qini = np.r_[0.0, qini]
    total = n_all[-1]
    return pd.DataFrame({"n_targeted": n_all, "fraction_targeted": n_all / total, "qini": qini,
                         "random": qini[-1] * n_all / total})


def uplift_curve(y, uplift, treatment) -> pd.DataFrame:
    """Uplift curve: (response rate treated - response rate control) among the top-n, times n."""
    n_all, n_treat, y_treat, n_ctrl, y_ctrl = _cumulative(y, uplift, treatment)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_t = np.where(n_treat > 0, y_treat / np.where(n_treat > 0, n_treat, 1), 0.0)
        rate_c = np.where(n_ctrl > 0, y_ctrl / np.where(n_ctrl > 0, n_ctrl, 1), 0.0)
    values = np.r_[0.0, (rate_t - rate_c) * n_all]
    n_all = np.r_[0, n_all]
    total = n_all[-1]
    return pd.DataFrame({"n_targeted": n_all, "fraction_targeted": n_all / total, "uplift": values,
                         "random": values[-1] * n_all / total})


def _area(x, values) -> float:
    return float(np.trapezoid(values, x))


def _perfect_qini(y, treatment) -> pd.DataFrame:
    """The best achievable ranking: treated responders first, control responders last (scikit-uplift's choice)."""
    y, treatment = _as_binary("y", y), _as_binary("treatment", treatment)
    score = y * treatment - y * (1 - treatment)
    return qini_curve(y, score, treatment)


def qini_auc(y, uplift, treatment, *, normalize: bool = True) -> float:
    """Area between the Qini curve and the random line.

    normalize=True divides by the same area of the perfect ranking (scikit-uplift's `qini_auc_score`,
    the Qini coefficient: 0 = random, 1 = perfect); False returns the raw area in (users x responders) / n.
    """
    curve = qini_curve(y, uplift, treatment)
    model = _area(curve["n_targeted"], curve["qini"]) - _area(curve["n_targeted"], curve["random"])
    if not normalize:
        return model / curve["n_targeted"].iloc[-1]
    perfect = _perfect_qini(y, treatment)
    best = _area(perfect["n_targeted"], perfect["qini"]) - _area(perfect["n_targeted"], perfect["random"])
    return float(model / best) if best else float("nan")


def auuc(y, uplift, treatment) -> float:
    """Area under the uplift curve minus the random line, per user (higher is better; 0 = random)."""
    curve = uplift_curve(y, uplift, treatment)
    return (_area(curve["n_targeted"], curve["uplift"]) - _area(curve["n_targeted"], curve["random"])) \
        / curve["n_targeted"].iloc[-1]


def uplift_at_k(y, uplift, treatment, k: float = 0.3) -> float:
    """Observed treated minus control response rate among the top `k` fraction by predicted uplift."""
    y, treatment = _as_binary("y", y), _as_binary("treatment", treatment)
    order = np.argsort(np.asarray(uplift, dtype=float), kind="mergesort")[::-1]
    top = order[: max(1, int(round(k * len(order))))]
    t, c = treatment[top] == 1, treatment[top] == 0
    if not t.any() or not c.any():
        return float("nan")
    return float(y[top][t].mean() - y[top][c].mean())
