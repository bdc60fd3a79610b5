"""The evaluation protocol and the recommender's tuning: per-user last-session splits, tuning that never reads
the test split, validation with the serving exclusion rules, the sequential signal, determinism."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from campaigns.rec_eval import (
    BASELINE_GRIDS, ModelSpec, PopularityRecommender, ItemKNNRecommender, paired_difference, run_protocol,
    split_last_session,
)
from campaigns.recommender import Recommender

T0 = pd.Timestamp("2024-01-01")


def _grocery(n_users: int = 60, seed: int = 0) -> pd.DataFrame:
    """Baskets: each user re-buys a few personal staples plus random extras (a repeat-heavy shop)."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        staples = rng.choice(30, size=3, replace=False)
        for b in range(6):
            items = [f"s{s}" for s in staples if rng.random() < 0.7] + [f"x{rng.integers(80)}"]
            for item in items:
                rows.append((f"u{u}", item, T0 + pd.Timedelta(days=7 * b + 2 * (u % 10)), f"u{u}-b{b}", "purchase"))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "basket_id", "event_type"])


def _chains(n_users: int = 150, seed: int = 0) -> pd.DataFrame:
    """Repeat-free sequences: every user walks along one of six item chains, one item per session, half of
    them forwards and half backwards (so what follows an item is often someone else's past item)."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        chain, start, direction = rng.integers(6), 8 + rng.integers(4), 1 if u % 2 else -1
        for step in range(int(rng.integers(5, 8))):
            rows.append((f"u{u}", f"c{chain}_{start + direction * step}", T0 + pd.Timedelta(days=step),
                         f"u{u}-{step}"))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "basket_id"])


def test_split_holds_out_each_users_last_session_not_a_global_time_cut():
    events = _grocery(10)
    history, target = split_last_session(events)
    assert set(target["basket_id"]) == {f"u{u}-b5" for u in range(10)}
    assert len(history) + len(target) == len(events)
    # users' last baskets happen on different days: a per-user split, some targets older than others' history
    assert target["timestamp"].min() < history["timestamp"].max()
    # without basket ids, sessions are 30-minute activity runs
    clicks = pd.DataFrame({"user_id": ["a"] * 4 + ["b"] * 2, "item_id": list("pqrsuv"),
                           "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:10", "2024-01-01 15:00",
                                                        "2024-01-01 15:05", "2024-01-02 09:00",
                                                        "2024-01-02 09:01"])})
    history, target = split_last_session(clicks)
    assert set(target["item_id"]) == {"r", "s"}  # user b has one session: stays in the history
    assert set(history["item_id"]) == {"p", "q", "u", "v"}


def _specs() -> dict[str, ModelSpec]:
    return {"popularity": ModelSpec(PopularityRecommender),
            "knn": ModelSpec(ItemKNNRecommender, [{"n_neighbors": 2}, {"n_neighbors": 20}]),
            "ours": ModelSpec(lambda: Recommender(random_state=0), is_project=True)}


def test_tuning_never_reads_the_test_split():
    events = _grocery()
    history, test = split_last_session(events)
    clean = run_protocol(_specs(), events)
    # poison the test targets: every target row now names an item no model could guess
    poisoned_test = test.assign(item_id=[f"poison{i}" for i in range(len(test))])
    poisoned = run_protocol(_specs(), pd.concat([history, poisoned_test], ignore_index=True))
    assert poisoned.models["ours"].weights_by_mode_ == clean.models["ours"].weights_by_mode_
    assert poisoned.models["ours"].half_life_ == clean.models["ours"].half_life_
    assert list(poisoned.table["params"]) == list(clean.table["params"])
    assert list(poisoned.table["val_ndcg"].fillna(-1)) == list(clean.table["val_ndcg"].fillna(-1))
    # ... while the test scores did see the poison
    assert (poisoned.table["ndcg@10"] == 0).all() and clean.table["ndcg@10"].max() > 0.1


def test_validation_applies_the_serving_exclusion_and_repeat_free_data_is_recognised():
    events = _chains()
    model = Recommender(random_state=0).fit(events)
    assert model.profile_["repeat_free"] and model.default_mode_ == "exclude_purchased"
    blend = model.tuning_[model.tuning_["step"] == "blend"]
    start = blend.groupby("mode")["default_blend_val_ndcg@10"].max()
    # the default blend (repeat-heavy) fills the top-10 with the user's past items unless validation excludes
    # them as recommend(exclude_purchased=True) does
    assert start["exclude_purchased"] > start["all"] + 0.3
    assert blend.groupby("mode")["val_ndcg@10"].max()["exclude_purchased"] > 0.5
    # what follows the user's last item in other users' histories is the signal that matters here
    assert model.weights_["seq"] > 0
    user = events.sort_values("timestamp").groupby("user_id").tail(1).iloc[1]   # u1 walks forwards
    chain, pos = user["item_id"][1:].split("_")
    recs = model.recommend(user["user_id"], k=3)
    assert recs.iloc[0]["item_id"] == f"c{chain}_{int(pos) + 1}"
    assert recs.iloc[0]["reason"].startswith("often bought after")
    past = set(events.loc[events["user_id"] == user["user_id"], "item_id"])
    assert not past & set(recs["item_id"])                                  # default: excluded on this data
    assert past & set(model.recommend(user["user_id"], k=10, exclude_purchased=False)["item_id"])


def test_project_beats_popularity_on_sequences_through_the_protocol():
    specs = {"popularity": ModelSpec(PopularityRecommender),
             "ours": ModelSpec(lambda: Recommender(random_state=0), is_project=True)}
    result = run_protocol(specs, _chains(), exclude_seen=True)
    diff, se = paired_difference(result.per_user["ours"], result.per_user["popularity"])
    assert diff > 2 * se and diff > 0.2
    assert result.diagnostics["test_users"] == 150


def test_same_seed_same_model_and_clone_is_unfitted():
    a = Recommender(random_state=3).fit(_grocery(40))
    b = Recommender(random_state=3).fit(_grocery(40))
    assert a.weights_by_mode_ == b.weights_by_mode_ and a.ease_lambda_ == b.ease_lambda_
    pd.testing.assert_frame_equal(a.recommend("u1"), b.recommend("u1"))
    fresh = clone(a)
    assert fresh.get_params() == a.get_params()
    with pytest.raises(NotFittedError):
        fresh.recommend("u1")


def test_a_failing_tuning_leaves_the_model_unfitted(monkeypatch):
    model = Recommender()

    def broken(*args, **kwargs):
        raise MemoryError("validation blew up")

    monkeypatch.setattr(Recommender, "_pools", broken)
    with pytest.raises(MemoryError):
        model.fit(_grocery(20))
    with pytest.raises(NotFittedError):
        model.recommend("u1")


def test_exclude_items_is_never_returned():
    model = Recommender(weights=None).fit(_grocery(20))
    top = model.recommend("u1", k=5)
    banned = set(top["item_id"][:2])
    again = model.recommend("u1", k=5, exclude_items=banned)
    assert not banned & set(again["item_id"]) and len(again) == 5


def test_products_are_embedded_only_when_a_vector_signal_is_used():
    class CountingEncoder:
        model_id, dim, calls = "fake", 4, 0

        def encode(self, texts):
            CountingEncoder.calls += len(texts)
            rng = np.random.default_rng(len(texts))
            return rng.standard_normal((len(texts), 4)).astype(np.float32)

    events = _grocery(20)
    products = pd.DataFrame({"item_id": sorted(events["item_id"].unique())})
    products["title"] = "product " + products["item_id"]
    model = Recommender(encoder=CountingEncoder()).fit(events, products)
    assert CountingEncoder.calls == 0 and model.weights_["content"] == 0.0
    assert len(model.similar_products("s1", k=3)) == 3
    assert CountingEncoder.calls == len(products)  # embedded once, on first use


def test_every_baseline_grid_runs():
    events = _grocery(30)
    specs = {name: ModelSpec(make, grid[:2]) for name, (make, grid) in BASELINE_GRIDS.items()}
    specs["EASE (lambda tuned)"] = ModelSpec(BASELINE_GRIDS["EASE (lambda tuned)"][0], [{"lam": 10.0}])
    specs["ALS (grid)"] = ModelSpec(lambda **p: BASELINE_GRIDS["ALS (grid)"][0](factors=4, iterations=3))
    table = run_protocol(specs, events).table.set_index("model")
    assert table.loc["repeat (own items)", "ndcg@10"] > table.loc["popularity", "ndcg@10"]
    assert (table["users"] == 30).all() and table["ndcg_se"].gt(0).all()


@pytest.mark.parametrize("events, mode", [(_grocery(80), "all"), (_grocery(80), "exclude_purchased"),
                                          (_chains(), "exclude_purchased")])
def test_the_tuning_pools_score_a_blend_as_the_full_catalogue_ranking_does(events, mode):
    """Tuning scores blends on candidate pools (items some signal scores above zero, popularity ranked once per
    segment); for blends that rank by their signals that must equal ranking the whole catalogue as serving does."""
    from campaigns.rec_eval import ranking_metrics, targets
    from campaigns.recommender import SIGNALS
    history, target = split_last_session(events)
    truth = targets(history, target)
    model = Recommender(weights=None).fit(history)
    pools = model._pools(model.users_.positions(truth.index.to_numpy()), truth, [mode])[mode]
    for blend in ({"repeat": 1.0, "reorder": 1.0, "knn": 0.1, "ease": 0.1, "seq": 0.1, "pop": 0.03},
                  {"knn": 1.0, "seq": 0.3}, {"ease": 1.0, "pop": 0.1}):
        model.weights_by_mode_ = {m: {s: blend.get(s, 0.0) for s in SIGNALS} for m in ("all", "exclude_purchased")}
        served = model.recommend_batch(list(truth.index), 10, exclude_seen=mode == "exclude_purchased")
        lists = served.sort_values(["user_id", "rank"]).groupby("user_id")["item_id"].agg(list)
        full = ranking_metrics([lists[u] for u in truth.index], list(truth), 10).ndcg
        assert pools.ndcg(np.array([blend.get(s, 0.0) for s in SIGNALS])) == pytest.approx(full, abs=1e-9)


def test_the_tuning_budget_caps_the_validation_users():
    events = _grocery(60)
    assert Recommender().max_validation_users == 1000   # the default budget the README states
    bounded = Recommender(max_validation_users=25).fit(events)
    assert set(bounded.tuning_["validation_users"]) == {25}
    everyone = Recommender(max_validation_users=None).fit(events)
    assert set(everyone.tuning_["validation_users"]) == {60}
