"""`Segmenter`: customers -> segments, scikit-learn estimator style.

The input joins two views of a customer:
  * "how they buy"  — the numeric features table (RFM, basket size, tenure, category shares, demographics);
  * "what they buy" — a text embedding of the customer's behaviour (one L2-normalised row per user).
Each block is scaled so that its share of the total variance equals its weight: `behaviour_weight` for the
features block and `1 - behaviour_weight` for the embedding block. Without this, 384 embedding dimensions would
drown 20 feature columns (or the reverse), and the weight would mean nothing.

Algorithms: "kmeans" (exact, fine to ~50k users), "minibatch" (MiniBatchKMeans, linear and cheap at 1M), "auto"
(the default: kmeans up to 50,000 users, minibatch above — the two agree closely on this kind of data while
minibatch is ~10x faster at scale), "hdbscan" (UMAP to 5-d, then sklearn's HDBSCAN; finds its own number of
segments, users in no dense region get -1 = "unassigned"; UMAP+HDBSCAN is minutes per 100k users, so keep it for
smaller data).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, RobustScaler
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from assistant.core.persistence import load_model, save_model
from assistant.core.errors import DataError
from segmentation.selection import choose_k, clustering_metrics, sample_rows, stability

UNASSIGNED = -1
UNASSIGNED_NAME = "unassigned"
AUTO_MINIBATCH_ABOVE = 50_000
ALGORITHMS = ("auto", "kmeans", "minibatch", "hdbscan")
_CLIP = 5.0  # robust z-scores beyond ±5 are clipped so one extreme spender cannot become a segment of one
_MAP_POINTS = 3000


@dataclass(frozen=True)
class Evaluation:
    """Agreement of the segments with known classes (e.g. a demographic or a planted truth)."""
    ari: float
    nmi: float
    per_class: pd.DataFrame  # index: true class; columns: segment (the majority segment), precision, recall, support


def _log1p_nonneg(X):
    return np.log1p(np.clip(X, 0, None))


class Segmenter(BaseEstimator):
    """Segment customers; see the module docstring for how features and embeddings are weighted.

    Learned attributes: labels_ (Series user_id -> segment id, largest segment = 0, -1 = unassigned),
    cluster_centers_ (k x d, in the joined space), n_segments_, k_curve_ (DataFrame k, silhouette, min_share,
    eligible; only when n_segments="auto"), stability_ (mean ARI of re-fits on subsamples), metrics_ (dict:
    silhouette, davies_bouldin, calinski_harabasz on a sample), algorithm_ (the one actually used),
    feature_columns_, embedding_dim_ (input width), embedding_components_ (width after PCA), map_2d_ (DataFrame x, y, segment of a PCA sample — no user ids).
    """

    def __init__(self, n_segments: int | str = 6, *, algorithm: str = "auto", behaviour_weight: float = 0.5,
                 k_range: tuple[int, int] = (3, 10), min_segment_share: float = 0.03, sample_size: int = 5000,
                 n_stability_runs: int = 5, embedding_components: int | None = 32, random_state: int = 0):
        self.n_segments = n_segments
        self.algorithm = algorithm
        self.behaviour_weight = behaviour_weight
        self.k_range = k_range
        self.min_segment_share = min_segment_share
        self.sample_size = sample_size
        self.n_stability_runs = n_stability_runs
        self.embedding_components = embedding_components
        self.random_state = random_state

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm={self.algorithm!r} is unknown — use one of {', '.join(ALGORITHMS)}")
        if not 0.0 <= float(self.behaviour_weight) <= 1.0:
            raise ValueError(f"behaviour_weight={self.behaviour_weight} must be between 0 and 1")
        if self.n_segments != "auto" and (not isinstance(self.n_segments, (int, np.integer)) or self.n_segments < 2):
            raise ValueError(f"n_segments={self.n_segments!r} must be an integer >= 2 or 'auto'")
        lo, hi = self.k_range
        if not 2 <= lo <= hi:
            raise ValueError(f"k_range={self.k_range} must be (low, high) with 2 <= low <= high")

    @staticmethod
    def _check_inputs(features: pd.DataFrame, embeddings: np.ndarray | None) -> np.ndarray | None:
        if not isinstance(features, pd.DataFrame):
            raise DataError(f"features must be a pandas DataFrame indexed by user_id, got {type(features).__name__}",
                            fix="build it with segmentation.features.customer_features(dataset)")
        if features.empty:
            raise DataError("the features table has no rows", fix="load a dataset with at least a few customers")
        if features.index.has_duplicates:
            dup = features.index[features.index.duplicated()][0]
            raise DataError(f"user_id {dup!r} appears more than once in the features index",
                            column="user_id", fix="give each customer exactly one row")
        if embeddings is None:
            return None
        emb = np.asarray(embeddings, dtype=np.float32)
        if emb.ndim != 2 or emb.shape[0] != len(features):
            raise DataError(f"embeddings have shape {emb.shape} but the features table has {len(features)} rows",
                            fix="pass one embedding row per user, in the same order as the features index")
        if not np.isfinite(emb).all():
            raise DataError("embeddings contain NaN or infinite values", fix="re-encode the user texts")
        return emb

    # ------------------------------------------------------------------ preprocessing
    def _make_preprocessor(self, features: pd.DataFrame) -> ColumnTransformer:
        numeric = [c for c in features.columns
                   if pd.api.types.is_numeric_dtype(features[c]) and not pd.api.types.is_bool_dtype(features[c])]
        other = [c for c in features.columns if c not in numeric]
        # log1p for skewed non-negative money / count columns (spend, frequency, AOV...): their raw scale is
        # dominated by a handful of big customers. Shares in [0, 1] are left alone.
        skewed, plain = [], []
        for c in numeric:
            col = pd.to_numeric(features[c], errors="coerce").dropna()
            if len(col) > 2 and col.min() >= 0 and col.max() > 1 and col.skew() > 1.0:
                skewed.append(c)
            else:
                plain.append(c)
        steps = []
        if skewed:
            steps.append(("log", make_pipeline(SimpleImputer(strategy="median"),
                                               FunctionTransformer(_log1p_nonneg), RobustScaler()), skewed))
        if plain:
            steps.append(("num", make_pipeline(SimpleImputer(strategy="median"), RobustScaler()), plain))
        if other:
            steps.append(("cat", make_pipeline(
                SimpleImputer(strategy="constant", fill_value="missing"),
                OneHotEncoder(handle_unknown="ignore", sparse_output=False, min_frequency=0.01)), other))
        if not steps:
            raise DataError("the features table has no usable columns", fix="pass customer_features(dataset)")
        self.log_columns_ = skewed
        return ColumnTransformer(steps, remainder="drop", sparse_threshold=0.0)

    def _prep_features(self, features: pd.DataFrame) -> np.ndarray:
        frame = features[self.feature_columns_].copy()
        for c in self._object_columns:
            frame[c] = frame[c].astype(object)
        X = np.asarray(self.preprocessor_.transform(frame), dtype=np.float32)
        return np.clip(X, -_CLIP, _CLIP)

    def transform(self, features: pd.DataFrame, embeddings: np.ndarray | None = None) -> np.ndarray:
        """The joined, weighted matrix the clusters live in (one row per user, features order kept)."""
        self._check_fitted()
        emb = self._check_inputs(features, embeddings)
        missing = [c for c in self.feature_columns_ if c not in features.columns]
        if missing:
            raise DataError(f"features table lacks the column(s) {missing} the segmenter was fitted with",
                            fix="build the features the same way as for fit")
        blocks = [self._prep_features(features) * self.feature_scale_]
        if self.embedding_dim_:
            if emb is None:
                raise DataError("this segmenter was fitted with embeddings; pass embeddings for the new users too",
                                fix="encode their behaviour texts with the same encoder")
            if emb.shape[1] != self.embedding_dim_:
                raise DataError(f"embeddings have {emb.shape[1]} dimensions, the segmenter was fitted with "
                                f"{self.embedding_dim_}", fix="use the same encoder as for fit")
            E = self._l2(emb)
            if self.embedding_pca_ is not None:
                E = self.embedding_pca_.transform(E).astype(np.float32)
            blocks.append(E * self.embedding_scale_)
        return np.hstack(blocks).astype(np.float32, copy=False)

    @staticmethod
    def _l2(emb: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(emb, axis=1, keepdims=True)
        return emb / np.where(norms == 0, 1.0, norms)

    # ------------------------------------------------------------------ models
    def _model(self, k: int, seed: int, n: int):
        if self.algorithm_ == "minibatch":
            # one k-means++ start on a large init sample: the extra starts of n_init=3 cost 3x at 1M users
            # and changed the partition by < 1 % in our runs
            return MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=1, batch_size=4096,
                                   init_size=min(n, max(3 * 4096, 30 * k)))
        if self.algorithm_ == "hdbscan":
            from sklearn.cluster import HDBSCAN
            return HDBSCAN(min_cluster_size=max(5, int(self.min_segment_share * n)), copy=True)
        return KMeans(n_clusters=k, random_state=seed, n_init=3)

    def fit(self, features: pd.DataFrame, embeddings: np.ndarray | None = None) -> "Segmenter":
        """Learn segments for the users in `features` (index = user_id) and optional aligned `embeddings`."""
        # Small data: one thread. OpenMP/BLAS threads only add spin-wait overhead there, and on a busy machine
        # they made a 2k-user fit 15x slower (measured). Large data keeps the library defaults.
        with threadpool_limits(limits=1 if len(features) <= AUTO_MINIBATCH_ABOVE else None):
            return self._fit(features, embeddings)

    def _fit(self, features: pd.DataFrame, embeddings: np.ndarray | None) -> "Segmenter":
        self._check_params()
        emb = self._check_inputs(features, embeddings)
        n = len(features)
        if self.algorithm == "auto":
            self.algorithm_ = "minibatch" if n > AUTO_MINIBATCH_ABOVE else "kmeans"
        else:
            self.algorithm_ = self.algorithm
        min_k = self.k_range[0] if self.n_segments == "auto" else int(self.n_segments)
        if n < min_k + 1:
            raise DataError(f"{n} users are too few for {min_k} segments",
                            fix="use fewer segments or more customers")

        self.feature_columns_ = list(features.columns)
        self._object_columns = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])
                                or pd.api.types.is_bool_dtype(features[c])]
        frame = features.copy()
        for c in self._object_columns:
            frame[c] = frame[c].astype(object)
        self.preprocessor_ = self._make_preprocessor(frame)
        Xf = np.clip(np.asarray(self.preprocessor_.fit_transform(frame), dtype=np.float32), -_CLIP, _CLIP)
        # Block weighting: scale each block so sum of its column variances == its weight.
        w_feat = 1.0 if emb is None else float(self.behaviour_weight)
        var_f = float(Xf.var(axis=0).sum()) or 1.0
        self.feature_scale_ = np.float32(np.sqrt(w_feat / var_f))
        blocks = [Xf * self.feature_scale_]
        self.embedding_dim_ = 0
        self.embedding_components_ = 0
        self.embedding_scale_ = np.float32(0.0)
        self.embedding_pca_ = None
        if emb is not None:
            E = self._l2(emb)
            if self.embedding_components and E.shape[1] > self.embedding_components:
                # Sentence embeddings keep most of their variance in a few dozen directions; clustering on 32 PCA
                # components instead of 384 raw ones makes every distance ~10x cheaper (PCA fitted on a sample).
                idx = sample_rows(E.shape[0], max(self.sample_size, 20_000), np.random.default_rng(self.random_state))
                # a small export (fewer users than components) keeps as many components as it has users
                n_components = min(int(self.embedding_components), len(idx))
                self.embedding_pca_ = PCA(n_components=n_components, svd_solver="randomized",
                                          random_state=self.random_state)
                self.embedding_pca_.fit(E[idx])
                E = self.embedding_pca_.transform(E).astype(np.float32)
            var_e = float(E.var(axis=0).sum()) or 1.0
            self.embedding_dim_ = int(emb.shape[1])
            self.embedding_components_ = int(E.shape[1])
            self.embedding_scale_ = np.float32(np.sqrt((1.0 - float(self.behaviour_weight)) / var_e))
            blocks.append(E * self.embedding_scale_)
        X = np.hstack(blocks).astype(np.float32, copy=False)
        del blocks

        space = X
        self.reducer_ = None
        if self.algorithm_ == "hdbscan":
            space = self._fit_umap(X)

        make = lambda k, seed: self._model(k, seed, n)  # noqa: E731
        # k choice and stability refit on samples of <= sample_size users: exact KMeans is cheap there (and
        # steadier than mini-batches), so the minibatch path uses it too; HDBSCAN keeps its own model.
        make_sample = make if self.algorithm_ == "hdbscan" else \
            (lambda k, seed: KMeans(n_clusters=k, random_state=seed, n_init=3))
        self.k_curve_ = None
        if self.n_segments == "auto" and self.algorithm_ != "hdbscan":
            with threadpool_limits(limits=1):  # sample-sized work: threads only add contention
                k, self.k_curve_ = choose_k(space, make_sample, self.k_range,
                                            min_segment_share=self.min_segment_share,
                                            sample_size=self.sample_size, random_state=self.random_state)
        else:
            k = int(self.k_range[0] if self.n_segments == "auto" else self.n_segments)

        model = make(k, self.random_state)
        raw = np.asarray(model.fit_predict(space))
        labels, mapping = self._renumber(raw)
        self.model_ = model
        self.label_map_ = mapping
        self.n_segments_ = int(len(mapping))
        if hasattr(model, "cluster_centers_"):  # k-means: its own centres, so predict() == labels_ on the fit data
            order = sorted(mapping, key=mapping.get)
            self.cluster_centers_ = np.asarray(model.cluster_centers_, dtype=np.float32)[order]
        else:  # HDBSCAN: mean of each segment in the joined space (for reports; predict uses the k-NN below)
            self.cluster_centers_ = np.vstack([X[labels == s].mean(axis=0) for s in range(self.n_segments_)]) \
                if self.n_segments_ else np.empty((0, X.shape[1]), dtype=np.float32)
        if self.algorithm_ == "hdbscan":
            from sklearn.neighbors import KNeighborsClassifier
            self.assigner_ = KNeighborsClassifier(n_neighbors=min(15, n)).fit(space, labels)
        self.labels_ = pd.Series(labels, index=features.index.copy(), name="segment")
        with threadpool_limits(limits=1):
            self.stability_ = stability(space, labels if self.algorithm_ != "hdbscan" else raw, make_sample, k,
                                        n_runs=self.n_stability_runs, sample_size=self.sample_size,
                                        random_state=self.random_state)
            self.metrics_ = clustering_metrics(X, labels, sample_size=self.sample_size,
                                               random_state=self.random_state)
            self.metrics_["stability_ari"] = self.stability_
            self.map_2d_ = self._map_2d(X, labels)
        return self

    def _fit_umap(self, X: np.ndarray) -> np.ndarray:
        try:
            import umap  # heavy: imported only for the HDBSCAN path
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError("algorithm='hdbscan' needs umap-learn: pip install umap-learn==0.5.12") from exc
        self.reducer_ = umap.UMAP(n_components=5, n_neighbors=15, min_dist=0.0, random_state=self.random_state)
        return np.asarray(self.reducer_.fit_transform(X), dtype=np.float32)

    @staticmethod
    def _renumber(raw: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
        """Largest segment becomes 0, next 1, ... (ties: smaller original label first); noise stays -1."""
        ids, counts = np.unique(raw[raw >= 0], return_counts=True)
        order = sorted(zip(ids.tolist(), counts.tolist()), key=lambda t: (-t[1], t[0]))
        mapping = {int(old): new for new, (old, _) in enumerate(order)}
        lut = np.full(int(raw.max()) + 2 if raw.size else 1, UNASSIGNED, dtype=np.int64)
        for old, new in mapping.items():
            lut[old] = new
        labels = np.where(raw >= 0, lut[np.clip(raw, 0, None)], UNASSIGNED)
        return labels.astype(np.int64), mapping

    def _map_2d(self, X: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
        idx = sample_rows(X.shape[0], _MAP_POINTS, np.random.default_rng(self.random_state))
        n_comp = min(2, X.shape[1], idx.size)
        xy = PCA(n_components=n_comp, random_state=self.random_state).fit_transform(X[idx])
        if xy.shape[1] < 2:
            xy = np.hstack([xy, np.zeros((xy.shape[0], 2 - xy.shape[1]))])
        return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "segment": labels[idx]})

    # ------------------------------------------------------------------ use
    def _check_fitted(self) -> None:
        check_is_fitted(self, "labels_", msg="this Segmenter is not fitted yet — call fit(features, embeddings) first")

    def predict(self, features: pd.DataFrame, embeddings: np.ndarray | None = None) -> pd.Series:
        """Segment ids for new users (same feature columns and encoder as fit); Series indexed by user_id."""
        X = self.transform(features, embeddings)
        if self.algorithm_ == "hdbscan":
            labels = self.assigner_.predict(np.asarray(self.reducer_.transform(X), dtype=np.float32))
        else:
            from sklearn.metrics import pairwise_distances_argmin
            labels = pairwise_distances_argmin(X, self.cluster_centers_)
        return pd.Series(np.asarray(labels, dtype=np.int64), index=features.index.copy(), name="segment")

    def fit_predict(self, features: pd.DataFrame, embeddings: np.ndarray | None = None) -> pd.Series:
        return self.fit(features, embeddings).labels_

    def segment_names(self) -> dict[int, str]:
        """Display names before personas exist: "segment 0".., -1 -> "unassigned"."""
        self._check_fitted()
        names = {s: f"segment {s}" for s in range(self.n_segments_)}
        if (self.labels_ == UNASSIGNED).any():
            names[UNASSIGNED] = UNASSIGNED_NAME
        return names

    def evaluate_against(self, labels_true: pd.Series) -> Evaluation:
        """Compare segments with known classes (Series indexed by user_id): ARI, NMI, and for each class the
        segment holding most of it with that segment's precision (purity) and the class's recall."""
        self._check_fitted()
        truth = pd.Series(labels_true).dropna()
        common = self.labels_.index.intersection(truth.index)
        if common.empty:
            raise DataError("none of the given user ids were segmented", column="user_id",
                            fix="pass a Series indexed by the same user_id values as the features")
        pred = self.labels_.loc[common]
        true = truth.loc[common].astype(str)
        table = pd.crosstab(true, pred)
        rows = []
        for cls, row in table.iterrows():
            seg = row.idxmax()
            rows.append({"class": cls, "segment": int(seg), "precision": float(row[seg] / table[seg].sum()),
                         "recall": float(row[seg] / row.sum()), "support": int(row.sum())})
        per_class = pd.DataFrame(rows).set_index("class")
        return Evaluation(ari=float(adjusted_rand_score(true, pred)),
                          nmi=float(normalized_mutual_info_score(true, pred)), per_class=per_class)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write the fitted model with joblib (live clients such as Chroma or the encoder are not saved)."""
        self._check_fitted()
        return save_model(self, path)

    @classmethod
    def load(cls, path: str | Path) -> "Segmenter":
        return load_model(cls, path)


def user_clustering(data: Any, n_clusters: int | str = "auto", *, embeddings: np.ndarray | None = None,
                    random_state: int = 0) -> pd.Series:
    """The product brief's one-call entry: segment ids (Series user_id -> segment) for a features DataFrame or
    an `assistant.core.data.Dataset` (its features are built with segmentation.features.customer_features)."""
    if not isinstance(data, pd.DataFrame):
        from segmentation.features import customer_features
        data = customer_features(data)
    return Segmenter(n_segments=n_clusters, random_state=random_state).fit(data, embeddings).labels_
