"""Segmenter: determinism, persistence, k selection, block weighting, evaluation, bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.core.errors import DataError
from segmentation import Segmenter, user_clustering


def test_same_data_and_seed_give_identical_labels(demo_features, demo_embeddings, fitted):
    again = Segmenter(n_segments=5, n_stability_runs=2, random_state=0).fit(demo_features, demo_embeddings)
    pd.testing.assert_series_equal(again.labels_, fitted.labels_)
    np.testing.assert_array_equal(again.cluster_centers_, fitted.cluster_centers_)


def test_labels_are_renumbered_largest_first(fitted, demo_features):
    sizes = fitted.labels_.value_counts().sort_index()
    assert list(sizes.index) == list(range(fitted.n_segments_))
    assert sizes.is_monotonic_decreasing
    assert fitted.labels_.index.equals(demo_features.index)
    assert fitted.cluster_centers_.shape[0] == 5


def test_learned_quality_attributes(fitted):
    m = fitted.metrics_
    assert -1 <= m["silhouette"] <= 1 and m["davies_bouldin"] > 0 and m["calinski_harabasz"] > 0
    assert 0 <= fitted.stability_ <= 1
    assert {"x", "y", "segment"} <= set(fitted.map_2d_.columns)
    assert "user_id" not in fitted.map_2d_.columns and fitted.map_2d_.index.name is None


def test_save_load_round_trip_predicts_the_same(fitted, demo_features, demo_embeddings, tmp_path):
    path = fitted.save(tmp_path / "models" / "seg.joblib")
    loaded = Segmenter.load(path)
    new = demo_features.iloc[:200]
    pd.testing.assert_series_equal(loaded.predict(new, demo_embeddings[:200]), fitted.predict(new, demo_embeddings[:200]))
    # on the users it was fitted on, predict reproduces the learned labels
    assert (fitted.predict(demo_features, demo_embeddings) == fitted.labels_).mean() == 1.0


def test_auto_k_picks_within_range_and_reports_the_curve(demo_features):
    seg = Segmenter(n_segments="auto", k_range=(3, 7), n_stability_runs=0, random_state=1).fit(demo_features)
    curve = seg.k_curve_
    assert list(curve["k"]) == [3, 4, 5, 6, 7]
    assert 3 <= seg.n_segments_ <= 7
    pool = curve[curve["eligible"]] if curve["eligible"].any() else curve
    assert seg.n_segments_ == int(pool.loc[pool["silhouette"].idxmax(), "k"])
    assert ((curve["min_share"] >= 0.03) == curve["eligible"]).all()


def test_behaviour_weight_sets_each_blocks_variance_share(demo_features, demo_embeddings):
    for w, comps in ((0.2, None), (0.5, 8), (0.8, None)):  # 8: the PCA-reduced embedding path
        seg = Segmenter(n_segments=3, behaviour_weight=w, n_stability_runs=0, embedding_components=comps).fit(
            demo_features, demo_embeddings)
        assert seg.embedding_components_ == (comps or demo_embeddings.shape[1])
        X = seg.transform(demo_features, demo_embeddings)
        n_feat = X.shape[1] - seg.embedding_components_
        var_feat, var_emb = X[:, :n_feat].var(axis=0).sum(), X[:, n_feat:].var(axis=0).sum()
        assert var_feat / (var_feat + var_emb) == pytest.approx(w, abs=1e-3)


def test_weight_changes_the_segmentation(demo_features, demo_embeddings):
    a = Segmenter(n_segments=4, behaviour_weight=0.95, n_stability_runs=0).fit(demo_features, demo_embeddings)
    b = Segmenter(n_segments=4, behaviour_weight=0.05, n_stability_runs=0).fit(demo_features, demo_embeddings)
    assert a.evaluate_against(b.labels_).ari < 0.9


def test_minibatch_path_and_user_clustering(demo_features):
    seg = Segmenter(n_segments=4, algorithm="minibatch", n_stability_runs=0).fit(demo_features)
    assert seg.algorithm_ == "minibatch" and seg.n_segments_ == 4
    labels = user_clustering(demo_features, 4)
    assert isinstance(labels, pd.Series) and labels.nunique() == 4 and labels.index.equals(demo_features.index)


def test_evaluate_against_known_classes(fitted):
    same = fitted.evaluate_against(fitted.labels_.map(lambda s: f"class {s}"))
    assert same.ari == pytest.approx(1.0) and same.nmi == pytest.approx(1.0)
    assert (same.per_class["precision"] == 1).all() and (same.per_class["recall"] == 1).all()
    rng = np.random.default_rng(0)
    noise = pd.Series(rng.integers(0, 5, len(fitted.labels_)), index=fitted.labels_.index)
    assert abs(fitted.evaluate_against(noise).ari) < 0.05


def test_clear_errors_for_bad_input(demo_features, demo_embeddings, fitted):
    with pytest.raises(DataError, match="embeddings have shape"):
        Segmenter(n_segments=3).fit(demo_features, demo_embeddings[:10])
    with pytest.raises(DataError, match="more than once"):
        Segmenter(n_segments=3).fit(pd.concat([demo_features, demo_features.iloc[:1]]))
    with pytest.raises(DataError, match="lacks the column"):
        fitted.predict(demo_features.drop(columns=["monetary"]), demo_embeddings)
    with pytest.raises(DataError, match="fitted with embeddings"):
        fitted.predict(demo_features)
    with pytest.raises(ValueError, match="algorithm"):
        Segmenter(algorithm="spectral").fit(demo_features)
    with pytest.raises(DataError, match="(?i)no saved segmenter"):
        Segmenter.load("/nonexistent/seg.joblib")


@pytest.mark.slow
def test_hdbscan_path_marks_noise_unassigned(demo_features, demo_embeddings):
    seg = Segmenter(algorithm="hdbscan", min_segment_share=0.03, n_stability_runs=1).fit(
        demo_features, demo_embeddings)
    assert seg.algorithm_ == "hdbscan" and seg.n_segments_ >= 2
    assert set(seg.labels_.unique()) <= set(range(-1, seg.n_segments_))
    pred = seg.predict(demo_features.iloc[:50], demo_embeddings[:50])
    assert pred.between(-1, seg.n_segments_ - 1).all()
    if (seg.labels_ == -1).any():
        assert seg.segment_names()[-1] == "unassigned"


def test_text_columns_are_one_hot_encoded(demo_features):
    f = demo_features[["recency_days", "frequency", "monetary"]].copy()
    f["channel"] = np.where(f["frequency"] > f["frequency"].median(), "app", "store")
    seg = Segmenter(n_segments=3, n_stability_runs=0).fit(f)
    assert seg.transform(f).shape[1] == 3 + 2
    assert seg.predict(f.iloc[:5]).between(0, 2).all()


def test_small_export_with_fewer_customers_than_pca_components(demo_features, demo_embeddings):
    """A real export of 30 customers segments (PCA keeps as many components as there are users)."""
    seg = Segmenter(n_segments=3, n_stability_runs=1, random_state=0).fit(demo_features.iloc[:30],
                                                                        demo_embeddings[:30])
    assert seg.n_segments_ == 3 and len(seg.labels_) == 30
    assert seg.embedding_components_ <= 30
