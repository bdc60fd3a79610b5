"""Local vs Ray: the same vectors, the same segments (or a measured, bounded difference)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from assistant.api.backends import get_backend


@pytest.fixture(scope="module")
def ray_encoder(ray_session):
    """One pool of two encoder actors for the tests that encode on Ray (each actor loads the model: starting a
    pool takes several seconds, more on a loaded machine)."""
    from embeddings.distributed import RayEncoder

    encoder = RayEncoder(num_actors=2, ray_batch_size=16)
    try:
        yield encoder
    finally:
        encoder.close()


def test_ray_encoder_matches_local_vectors_in_input_order(ray_encoder, cj_sample, local_encoder,
                                                          cj_embeddings_real):
    _, texts = cj_sample
    # Reversed, with duplicates, so order restoration and de-duplication are both exercised.
    picked = texts.iloc[:40].tolist()[::-1] + texts.iloc[:5].tolist()
    encoder = ray_encoder
    vectors = encoder.encode(picked)
    expected = np.vstack([cj_embeddings_real[:40][::-1], cj_embeddings_real[:5]])
    assert vectors.shape == expected.shape == (45, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.model_id == local_encoder.model_id and encoder.dim == 384
    assert encoder.encode([]).shape == (0, 384)


def test_streamed_segmentation_is_identical_on_local_and_ray(ray_session, cj_sample, cj_embeddings_real,
                                                            tmp_path):
    from segmentation.distributed import RaySegmenter

    features, _ = cj_sample
    # a sample one user short of all: the streamed refinement runs (on a sample of everyone it is skipped)
    params = dict(n_segments=5, random_state=0, batch_size=64, block_rows=150, n_epochs=3,
                  fit_sample_size=len(features) - 1)
    local = RaySegmenter(engine="local", **params).fit(features, cj_embeddings_real)
    on_ray = RaySegmenter(engine="ray", **params).fit(features, cj_embeddings_real)
    assert on_ray.labels_.index.equals(features.index)
    pd.testing.assert_series_equal(local.labels_, on_ray.labels_)
    np.testing.assert_allclose(local.cluster_centers_, on_ray.cluster_centers_, atol=1e-6)
    # Same meaning as the local backend: ids 0..k-1, largest segment first, predict reproduces labels_.
    counts = on_ray.labels_.value_counts()
    assert sorted(counts.index) == list(range(on_ray.n_segments_))
    assert counts.sort_index().is_monotonic_decreasing
    pd.testing.assert_series_equal(on_ray.predict(features, cj_embeddings_real), on_ray.labels_)
    reloaded = RaySegmenter.load(on_ray.save(tmp_path / "seg.joblib"))
    pd.testing.assert_series_equal(reloaded.predict(features.iloc[:50], cj_embeddings_real[:50]),
                                   on_ray.labels_.iloc[:50])


def test_streamed_segmentation_agrees_with_the_local_segmenter(ray_session, cj_sample, cj_embeddings_real):
    from segmentation.distributed import RaySegmenter
    from segmentation.segmenter import Segmenter

    features, _ = cj_sample
    full = Segmenter(n_segments=5, algorithm="kmeans", random_state=0, n_stability_runs=0).fit(
        features, cj_embeddings_real)
    streamed = RaySegmenter(n_segments=5, random_state=0, batch_size=64, block_rows=150, n_epochs=5,
                            engine="ray").fit(features, cj_embeddings_real)
    ari = adjusted_rand_score(full.labels_, streamed.labels_)
    print(f"ARI(local KMeans, Ray streamed MiniBatchKMeans) on {len(features)} CJ users = {ari:.3f}")
    assert ari >= 0.85
    X = full.transform(features, cj_embeddings_real)
    objective = lambda seg: float(((X - seg.cluster_centers_[seg.labels_.to_numpy()]) ** 2).sum())  # noqa: E731
    assert objective(streamed) <= 1.02 * objective(full)
    # The joined space is the local Segmenter's own transformation (fitted on the same rows here).
    np.testing.assert_allclose(streamed.transform(features, cj_embeddings_real),
                               full.transform(features, cj_embeddings_real), atol=1e-5)


def test_get_backend_reads_the_environment_and_rejects_unknown_names(monkeypatch):
    monkeypatch.delenv("MKT_BACKEND", raising=False)
    assert get_backend().name == "local"
    monkeypatch.setenv("MKT_BACKEND", "ray")
    backend = get_backend()
    assert backend.name == "ray"
    assert type(backend.segmenter(n_segments=4)).__name__ == "RaySegmenter"
    assert type(get_backend("local").segmenter(n_segments=4)).__name__ == "Segmenter"
    with pytest.raises(ValueError, match="MKT_BACKEND"):
        get_backend("spark")


def test_ray_encoder_keeps_one_actor_pool_for_its_life(ray_encoder):
    encoder = ray_encoder  # the module's encoder: however many calls it served before, one pool for its life
    first = encoder.encode(["milk", "bread", "eggs"])
    second = encoder.encode(["coffee", "milk"])
    assert encoder.pools_started == 1, "the actors (one loaded model each) must be reused between calls"
    np.testing.assert_allclose(second[1], first[0], atol=1e-5)
