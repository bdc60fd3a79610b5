"""T-learner and Qini/uplift curves: hand-computed small cases, a synthetic known effect, real Hillstrom."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from assistant.core.data import DataError
from campaigns.charts import qini_chart
from campaigns.uplift import (
    UpliftTLearner, auuc, prepare_features, qini_auc, qini_curve, uplift_at_k, uplift_curve,
)


def test_qini_curve_by_hand():
    # ranked: (y, t) = (1,1), (0,0), (1,1), (1,0)
    y, t, score = [1, 0, 1, 1], [1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]
    curve = qini_curve(y, score, t)
    assert curve["n_targeted"].tolist() == [0, 1, 2, 3, 4]
    # n=1: y_t=1, no control yet -> 1; n=2: 1 - 0*1/1 = 1; n=3: 2 - 0*2/1 = 2; n=4: 2 - 1*2/2 = 1
    assert curve["qini"].tolist() == pytest.approx([0, 1, 1, 2, 1])
    assert curve["random"].iloc[-1] == pytest.approx(1)
    up = uplift_curve(y, score, t)
    assert up["uplift"].iloc[-1] == pytest.approx((2 / 2 - 1 / 2) * 4)


def test_perfect_ranking_scores_one_and_reversed_scores_low():
    rng = np.random.default_rng(1)
    t = rng.integers(0, 2, 2000)
    y = rng.random(2000) < np.where(t == 1, 0.3, 0.1)
    perfect = y * t - y * (1 - t)
    assert qini_auc(y, perfect, t) == pytest.approx(1.0)
    assert qini_auc(y, -perfect, t) < 0
    assert abs(qini_auc(y, rng.random(2000), t)) < 0.3


def _synthetic(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    t = rng.integers(0, 2, n)
    # treatment helps only when x0 > 0
    p = 0.15 + np.where((t == 1) & (x[:, 0] > 0), 0.25, 0.0)
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame(x, columns=["a", "b", "c"]), t, y


def test_tlearner_finds_known_heterogeneous_effect(tmp_path):
    X, t, y = _synthetic()
    Xtr, Xte, ttr, tte, ytr, yte = train_test_split(X, t, y, test_size=0.4, random_state=0)
    model = UpliftTLearner(base_estimator=LogisticRegression(), random_state=0).fit(Xtr, ttr, ytr)
    pred = model.predict_uplift(Xte)
    assert pred[Xte["a"].to_numpy() > 0].mean() > pred[Xte["a"].to_numpy() <= 0].mean() + 0.1
    rng = np.random.default_rng(0)
    oracle = qini_auc(yte, (Xte["a"].to_numpy() > 0).astype(float), tte)
    assert qini_auc(yte, pred, tte) > qini_auc(yte, rng.random(len(yte)), tte) + 0.1
    assert qini_auc(yte, pred, tte) > 0.7 * oracle
    assert uplift_at_k(yte, pred, tte, k=0.3) > 0.15
    assert auuc(yte, pred, tte) > 0
    again = UpliftTLearner.load(model.save(tmp_path / "m.pkl"))
    assert np.allclose(again.predict_uplift(Xte), pred)
    assert isinstance(qini_chart(qini_curve(yte, pred, tte), qini_coefficient=0.5).data[0].y, np.ndarray)


def test_tlearner_errors():
    X, t, y = _synthetic(200)
    with pytest.raises(DataError, match="binary"):
        UpliftTLearner().fit(X, t * 2, y)
    with pytest.raises(DataError, match="both outcomes"):
        UpliftTLearner().fit(X, t, np.zeros_like(y))


@pytest.mark.slow
def test_hillstrom_womens_visit_uplift_beats_random(shared_data):
    from assistant.core.data import load_hillstrom

    data = load_hillstrom(shared_data / "hillstrom")
    frame = data.users.merge(data.exposures, on="user_id").merge(data.outcomes, on=["campaign_id", "user_id"])
    frame = frame[frame["arm"].isin(["womens_email", "control"])]
    X = prepare_features(frame, ["recency", "history", "mens", "womens", "zip_code", "newbie", "channel"])
    t = (frame["arm"] == "womens_email").astype(int).to_numpy()
    y = frame["visited"].astype(int).to_numpy()
    Xtr, Xte, ttr, tte, ytr, yte = train_test_split(X, t, y, test_size=0.3, random_state=0, stratify=2 * t + y)
    pred = UpliftTLearner(random_state=0).fit(Xtr, ttr, ytr).predict_uplift(Xte)
    rng = np.random.default_rng(0)
    random_scores = [qini_auc(yte, rng.random(len(yte)), tte) for _ in range(5)]
    assert qini_auc(yte, pred, tte) > max(random_scores)
