"""Fixtures of the segmentation tests: the bundled demo data (real Complete Journey households with
demographics), its customer features, cheap stand-in embeddings, and one fitted segmenter."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def demo():
    from tests.conftest import demo_copy
    return demo_copy()


@pytest.fixture(scope="session")
def demo_features(demo) -> pd.DataFrame:
    from segmentation.features import customer_features
    return customer_features(demo)


def standin_embeddings(features: pd.DataFrame, dim: int = 24) -> np.ndarray:
    """Deterministic vectors derived from the user's category shares plus seeded noise — cheap, and with some
    real structure, so unit tests do not need the sentence-transformer (the slow test uses the real one)."""
    shares = features.filter(like="share_").to_numpy(dtype=np.float32)
    rng = np.random.default_rng(0)
    proj = rng.normal(size=(shares.shape[1], dim)).astype(np.float32)
    return shares @ proj + 0.05 * rng.normal(size=(len(features), dim)).astype(np.float32)


@pytest.fixture(scope="session")
def demo_embeddings(demo_features) -> np.ndarray:
    return standin_embeddings(demo_features)


@pytest.fixture(scope="session")
def fitted(demo_features, demo_embeddings):
    from segmentation import Segmenter
    return Segmenter(n_segments=5, n_stability_runs=2, random_state=0).fit(demo_features, demo_embeddings)


@pytest.fixture(scope="session")
def demo_profiles(demo, demo_features, fitted):
    from segmentation import build_profiles
    return build_profiles(fitted.labels_, demo_features, demo.events, demo.products, demo.users)
