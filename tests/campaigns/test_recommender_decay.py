"""Weight tuning also tries 'no recency decay': on sparse logs old staples beat recent one-off buys."""
from __future__ import annotations

import pandas as pd

from campaigns.recommender import Recommender

T0 = pd.Timestamp("2023-01-01")


def _staple_events(n_users: int = 40) -> pd.DataFrame:
    """Each user bought a personal staple 11 times long ago, then three treats recently, then the staple
    twice (the last basket is the test basket, the one before it the tuning's validation basket)."""
    rows = []
    for u in range(n_users):
        days = [(d, f"staple{u}") for d in range(0, 101, 10)]
        # recent "treats", each bought twice (as re-bought as the staple, so only recency tells them apart)
        days += [(d, f"treat{u}_{d // 20}") for d in range(240, 281, 10)]
        days += [(290, f"staple{u}"), (300, f"staple{u}")]
        for d, item in days:
            rows.append((f"u{u}", item, "purchase", T0 + pd.Timedelta(days=d), f"u{u}-{d}"))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "event_type", "timestamp", "basket_id"])


def test_tuning_tries_no_decay_and_old_staples_predict_the_next_basket():
    events = _staple_events()
    train = events[events["timestamp"] < T0 + pd.Timedelta(days=300)]
    model = Recommender(recency_half_life_days=60.0).fit(train)
    blends = model.tuning_[model.tuning_["step"] == "blend"]
    assert blends["half_life"].isna().any() and 60.0 in set(blends["half_life"])
    assert blends["val_ndcg@10"].max() == 1.0
    assert model.recommend("u3", k=3)["item_id"].iloc[0] == "staple3"


def test_fixed_weights_keep_the_configured_half_life():
    events = _staple_events(5)
    events = events[events["timestamp"] < T0 + pd.Timedelta(days=290)]
    model = Recommender(recency_half_life_days=60.0, weights={"repeat": 1.0}).fit(events)
    assert model.half_life_ == 60.0
    # with a 60-day half-life a recent treat outranks the old staple: the decay really is applied
    assert model.recommend("u0", k=1)["item_id"].iloc[0].startswith("treat")
