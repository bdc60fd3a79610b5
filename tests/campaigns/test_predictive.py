"""CLV models: BG/NBD and Gamma-Gamma recover known parameters, behave as the theory says, and on Complete
Journey the chosen model beats the simple baselines on the holdout (README "Predictive marketing")."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.core.data import DataError, load_complete_journey
from campaigns.clv.btyd import BetaGeoModel, GammaGammaModel
from campaigns.clv.orders import orders_table, rfm_summary
from campaigns.predictive import DEFAULT_MODEL, CustomerPredictor, churn_band, holdout_check, segment_summary
from tests.conftest import demo_copy


def _simulate_bgnbd(n, r, alpha, a, b, T, rng):
    """Customers drawn from the BG/NBD story: Poisson buying at rate λ ~ Gamma(r, α), drop-out p ~ Beta(a, b)."""
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T:
                break
            x[i], t_x[i] = x[i] + 1, t
            if rng.random() < p[i]:
                break
    return x, t_x, np.full(n, T)


def test_bgnbd_recovers_known_parameters():
    rng = np.random.default_rng(0)
    x, t_x, T = _simulate_bgnbd(4000, r=0.8, alpha=20.0, a=0.8, b=2.5, T=365.0, rng=rng)
    model = BetaGeoModel().fit(x, t_x, T)
    assert model.converged_
    assert model.params_["r"] == pytest.approx(0.8, rel=0.25)
    assert model.params_["alpha"] == pytest.approx(20.0, rel=0.3)
    # a and b are weakly identified separately; the mean drop-out probability a / (a + b) is not
    p = model.params_
    assert p["a"] / (p["a"] + p["b"]) == pytest.approx(0.8 / 3.3, abs=0.08)


def test_bgnbd_predictions_follow_the_theory():
    rng = np.random.default_rng(1)
    x, t_x, T = _simulate_bgnbd(2000, r=1.0, alpha=10.0, a=0.5, b=3.0, T=200.0, rng=rng)
    model = BetaGeoModel().fit(x, t_x, T)
    # same history length: the one who bought recently is more likely alive than the one who stopped long ago
    recent, stale = model.p_alive([10, 10], [195, 40], [200, 200])
    assert recent > 0.9 > stale
    assert model.p_alive([0], [0], [200])[0] == 1.0  # no repeat yet: no evidence of drop-out
    short, long = model.expected_orders(30, [5], [150], [200])[0], model.expected_orders(90, [5], [150], [200])[0]
    assert 0 < short < long
    assert model.expected_orders(30, [20], [199], [200])[0] > model.expected_orders(30, [1], [199], [200])[0]
    no_order = model.p_no_order(30, [20, 0], [199, 0], [200, 200])
    assert 0 < no_order[0] < no_order[1] < 1


def test_gamma_gamma_shrinks_towards_the_population_mean():
    rng = np.random.default_rng(2)
    n = 1500
    x = rng.integers(1, 20, n).astype(float)
    own = rng.gamma(3.0, 10.0, n)
    m = np.array([rng.gamma(5.0, mu / 5.0, int(k)).mean() for mu, k in zip(own, x)])
    model = GammaGammaModel().fit(x, m)
    pop = model.population_mean_
    value = model.expected_order_value([1, 30], [3 * pop, 3 * pop])
    assert pop < value[0] < value[1] < 3 * pop  # one order: strong pull to the mean; thirty: close to own mean
    assert model.expected_order_value([0], [0])[0] == pytest.approx(pop)


@pytest.fixture(scope="module")
def demo_predictions():
    data = demo_copy()
    return data, CustomerPredictor(horizon_days=60).fit(data.events)


def test_predict_table_on_the_demo(demo_predictions):
    data, predictor = demo_predictions
    table = predictor.predict()
    assert table.index.name == "user_id" and len(table) == data.purchases["user_id"].nunique()
    assert {"expected_orders", "expected_spend", "p_active", "p_order", "churn_risk", "churn_band",
            "expected_next_order", "orders_to_date", "last_order"} <= set(table.columns)
    assert table["expected_spend"].is_monotonic_decreasing
    assert ((table["p_active"] >= 0) & (table["p_active"] <= 1)).all()
    assert set(table["churn_band"]) <= {"high", "medium", "low"}
    assert (table.loc[table["p_active"] < 0.5, "expected_next_order"].isna()).all()
    nxt = table["expected_next_order"].dropna()
    assert (nxt >= predictor.as_of_).all()
    # frequent buyers are predicted to buy more than rare ones
    many, few = table["orders_to_date"].quantile([0.75, 0.25])
    assert table.loc[table["orders_to_date"] >= many, "expected_orders"].mean() > \
        2 * table.loc[table["orders_to_date"] <= few, "expected_orders"].mean()


def test_segment_summary_and_churn_bands(demo_predictions):
    _, predictor = demo_predictions
    table = predictor.predict()
    labels = pd.Series(np.arange(len(table)) % 3, index=table.index)
    summary = segment_summary(table, labels, {0: "a", 1: "b", 2: "c"})
    assert list(summary["segment"]) == [0, 1, 2] and summary["customers"].sum() == len(table)
    assert list(summary["name"]) == ["a", "b", "c"]
    assert list(churn_band([0.9, 0.5, 0.3, 0.2, 0.1])) == ["high", "high", "medium", "medium", "low"]


def test_bad_inputs_are_data_errors():
    events = demo_copy().events
    with pytest.raises(DataError, match="horizon"):
        CustomerPredictor(horizon_days=0).fit(events)
    with pytest.raises(DataError, match="unknown CLV model"):
        CustomerPredictor(model="magic").fit(events)
    with pytest.raises(DataError, match="no purchases"):
        CustomerPredictor().fit(events.assign(event_type="view"))
    with pytest.raises(DataError, match="too short"):
        holdout_check(events, holdout_days=300)


def test_rfm_summary_counts_repeat_orders():
    ts = pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-11", "2020-01-21", "2020-01-05"])
    events = pd.DataFrame({"user_id": ["a", "a", "a", "a", "b"], "item_id": "i", "event_type": "purchase",
                           "timestamp": ts, "revenue": [1.0, 2.0, 10.0, 20.0, 5.0],
                           "basket_id": ["o1", "o1", "o2", "o3", "o4"]})
    s = rfm_summary(orders_table(events), pd.Timestamp("2020-01-31"))
    assert s.loc["a", "frequency"] == 2 and s.loc["a", "recency"] == 20 and s.loc["a", "T"] == 30
    assert s.loc["a", "monetary"] == 15.0  # mean of the repeat orders (10, 20); the first order is excluded
    assert s.loc["b", "frequency"] == 0 and s.loc["b", "monetary"] == 0


def test_chosen_model_beats_both_baselines_on_complete_journey(shared_data):
    events = load_complete_journey(shared_data / "completejourney").events
    report = holdout_check(events, holdout_days=90, models=(DEFAULT_MODEL,))
    table = report.table.set_index("model")
    chosen = table.loc[~table.index.str.startswith("baseline")].iloc[0]
    baselines = table.loc[table.index.str.startswith("baseline")]
    assert chosen["mae_orders"] < baselines["mae_orders"].min()
    assert chosen["auc_buys_again"] > baselines["auc_buys_again"].max()
    assert report.customers > 2000


@pytest.mark.slow
def test_boosting_challenger_runs_on_complete_journey(shared_data):
    events = load_complete_journey(shared_data / "completejourney").events
    report = holdout_check(events, holdout_days=60)
    assert {"gradient boosting (RFM windows)", "blend (mean of BG/NBD and boosting)"} <= set(report.table["model"])
    assert (report.table.loc[~report.table["model"].str.startswith("baseline"), "auc_buys_again"] > 0.75).all()
