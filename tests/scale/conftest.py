"""Fixtures of the scale-out tests: ONE local Ray for the whole session, and a real Complete Journey sample
(features from segmentation.features, embeddings from the real packaged sentence-transformer)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

SAMPLE_USERS = 400
# Short texts keep the real encoder affordable on 2 shared cores; the scale-out code does not care how long.
TEXT_TOKENS = 32


@pytest.fixture(scope="session")
def ray_session(tmp_path_factory):
    pytest.importorskip("ray", reason='the Ray backend is optional: pip install "ray[data]==2.60.0"')
    from embeddings.distributed import init_ray

    ray = init_ray(num_cpus=2, object_store_memory=512 * 1024**2,
                   temp_dir=f"/tmp/mktray_t{np.random.default_rng().integers(1e9)}")
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture(scope="session")
def cj_dataset(shared_data):
    from assistant.core.data import load_complete_journey
    return load_complete_journey(shared_data / "completejourney")


@pytest.fixture(scope="session")
def cj_sample(cj_dataset):
    """(features, texts) of SAMPLE_USERS real Complete Journey households, features index order."""
    from embeddings.text import user_texts
    from segmentation.features import customer_features

    ds = cj_dataset
    features = customer_features(ds)
    rng = np.random.default_rng(0)
    users = pd.Index(np.sort(rng.choice(features.index.to_numpy(), size=SAMPLE_USERS, replace=False)),
                     name="user_id")
    features = features.loc[users]
    events = ds.events[ds.events["user_id"].isin(users)]
    texts = user_texts(events, ds.products, max_tokens=TEXT_TOKENS).reindex(users).fillna("no activity")
    return features, texts


@pytest.fixture(scope="session")
def local_encoder():
    from embeddings.encoder import SentenceTransformerEncoder
    return SentenceTransformerEncoder()


@pytest.fixture(scope="session")
def cj_embeddings_real(cj_sample, local_encoder) -> np.ndarray:
    _, texts = cj_sample
    return local_encoder.encode(texts.tolist())
