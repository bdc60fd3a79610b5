"""Fixtures of the segmentation tests: Complete Journey tables, features, and a small fitted segmenter.

Features come from segmentation.features.customer_features (teammate's module); until it exists, a minimal
stand-in with the same documented columns is built here so these tests can run on their own.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def _fallback_features(ds) -> pd.DataFrame:
    ev = ds.events[ds.events["event_type"] == "purchase"]
    end = ev["timestamp"].max()
    g = ev.groupby("user_id")
    f = pd.DataFrame({
        "recency_days": (end - g["timestamp"].max()).dt.days.astype(float),
        "frequency": g["basket_id"].nunique().astype(float),
        "monetary": g["revenue"].sum(),
        "tenure_days": (end - g["timestamp"].min()).dt.days.astype(float),
    })
    f["aov"] = f["monetary"] / f["frequency"].clip(lower=1)
    dept = ev["item_id"].map(ds.products.set_index("item_id")["category"].str.split(" > ").str[0])
    share = ev.assign(dept=dept).pivot_table(index="user_id", columns="dept", values="revenue", aggfunc="sum",
                                             fill_value=0.0)
    share = share.div(share.sum(axis=1).replace(0, 1), axis=0)
    top = share.sum().sort_values(ascending=False).head(8).index
    share = share[top].add_prefix("share_")
    share.columns = [c.lower().replace(" ", "_") for c in share.columns]
    return f.join(share).fillna(0.0)


def features_of(ds) -> pd.DataFrame:
    try:
        from segmentation.features import customer_features
    except ImportError:
        return _fallback_features(ds)
    return customer_features(ds)


@pytest.fixture(scope="session")
def cj(shared_data):
    from assistant.data import load_complete_journey
    return load_complete_journey(shared_data / "completejourney")


@pytest.fixture(scope="session")
def cj_features(cj) -> pd.DataFrame:
    return features_of(cj)


@pytest.fixture(scope="session")
def cj_embeddings(cj_features) -> np.ndarray:
    """Cheap deterministic stand-in vectors for unit tests (the real encoder is used in the slow test)."""
    rng = np.random.default_rng(0)
    return rng.normal(size=(len(cj_features), 16)).astype(np.float32)
