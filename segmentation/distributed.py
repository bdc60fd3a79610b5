"""Segmentation for very many users: MiniBatchKMeans fitted by `partial_fit` over streamed batches.

Why streaming: the local `Segmenter` needs the whole joined matrix (users x (features + 384)) in one process —
1.6 GB per million users. Here the matrix is cut into blocks that live in Ray's object store (spilled to disk
when they do not fit), the model sees one batch at a time, and the labels are assigned by parallel Ray tasks.

What is reused, not re-implemented: the feature preprocessing and block weighting of `segmentation.segmenter.
Segmenter` — a Segmenter is fitted on a uniform sample of at most `fit_sample_size` users (that fits the
scalers and the block weights), and its `transform` turns every block of users into the joined space.
Segment ids follow the local convention (largest segment = 0).

When do local and Ray labels differ, and by how much?
  * `engine="local"` and `engine="ray"` of this class run the SAME algorithm (same blocks, same batch order,
    same seed, same start): their labels are identical — tests/scale/test_scale_backends.py checks equality.
  * Against the local backend's full-batch `Segmenter(algorithm="kmeans")` the streamed fit starts from exact
    KMeans centres of the sample and then refines them with mini-batches over all users, so labels differ only
    near cluster borders. Measured on 400 real Complete Journey users (k=4/5/6): ARI 0.91-0.97, k-means
    objective within 0.2 % of exact KMeans (tests assert ARI >= 0.85, objective <= +2 %). For scale, the local
    backend's own minibatch-vs-kmeans ARI on the same data is 0.42-0.66 and KMeans across seeds 0.47-0.99:
    this data has soft clusters, so the objective is the fairer yardstick than ARI.
  * With too small a sample the start is poor (100-user sample: ARI 0.44-0.64, objective +12-14 %); keep
    `fit_sample_size` in the tens of thousands (the default 50,000 costs ~1-3 s of KMeans).
  * When n > fit_sample_size the scalers/weights come from the sample, which moves borders very slightly.
  * bench/scale_bench.py (users bootstrapped from real CJ rows, k=6): at 10k users labels equal the local
    backend's (ARI 1.00); at 100k / 1M the local backend switches to its own MiniBatchKMeans and the ARI drops
    to 0.44 / 0.56, but the streamed fit has the LOWER k-means objective (0.530 vs 0.553; 0.533 vs 0.536):
    the two differ because local minibatch lands in a worse optimum, not because streaming loses quality.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.cluster import MiniBatchKMeans
from sklearn.utils.validation import check_is_fitted

from assistant.core.persistence import load_model, save_model
from segmentation.segmenter import Segmenter
from segmentation.selection import sample_rows

ENGINES = ("local", "ray")


def _assign(batch: dict[str, np.ndarray], model: MiniBatchKMeans) -> dict[str, np.ndarray]:
    """Ray Data task: nearest centre for each row of the batch (module level so workers can import it)."""
    return {"label": np.asarray(model.predict(np.asarray(batch["data"], dtype=np.float32)), dtype=np.int64)}


@contextlib.contextmanager
def _preserve_order() -> Iterator[None]:
    """Ray Data may reorder blocks for speed; fitting order and label order must follow the users' order."""
    from ray.data import DataContext

    ctx = DataContext.get_current()
    old = ctx.execution_options.preserve_order
    ctx.execution_options.preserve_order = True
    try:
        yield
    finally:
        ctx.execution_options.preserve_order = old


class RaySegmenter(BaseEstimator):
    """Streaming k-means segmentation; `fit(features, embeddings)` like `Segmenter`, learned attrs end in `_`.

    labels_ (Series user_id -> segment, largest = 0), cluster_centers_ (k x d, joined space, in segment order),
    n_segments_, preprocessor_ (the sample-fitted `Segmenter` whose `transform` defines the space), model_.
    `engine="ray"` streams blocks with Ray Data; `engine="local"` runs the identical loop in-process.
    """

    def __init__(self, n_segments: int | str = 6, *, behaviour_weight: float = 0.5, random_state: int = 0,
                 batch_size: int = 4096, n_epochs: int = 3, block_rows: int = 50_000,
                 fit_sample_size: int = 50_000, sample_size: int = 5000, engine: str = "ray",
                 num_cpus: int | None = None, init_kwargs: dict[str, Any] | None = None):
        self.n_segments = n_segments
        self.sample_size = sample_size
        self.behaviour_weight = behaviour_weight
        self.random_state = random_state
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.block_rows = block_rows
        self.fit_sample_size = fit_sample_size
        self.engine = engine
        self.num_cpus = num_cpus
        self.init_kwargs = init_kwargs

    # ------------------------------------------------------------------ helpers
    def _check_params(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine={self.engine!r} is unknown — use one of {', '.join(ENGINES)}")
        if self.n_segments != "auto" and (not isinstance(self.n_segments, (int, np.integer)) or self.n_segments < 2):
            raise ValueError(f"n_segments={self.n_segments!r} must be an integer >= 2 or 'auto' (k is then chosen "
                             "on the sample, as the local Segmenter does)")
        for name in ("batch_size", "n_epochs", "block_rows", "fit_sample_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be >= 1")

    def _blocks(self, features: pd.DataFrame, embeddings: np.ndarray | None) -> Iterator[np.ndarray]:
        """The joined matrix, `block_rows` users at a time (never the whole matrix at once)."""
        for start in range(0, len(features), int(self.block_rows)):
            stop = start + int(self.block_rows)
            emb = None if embeddings is None else embeddings[start:stop]
            yield self.preprocessor_.transform(features.iloc[start:stop], emb)

    def _batches(self, blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        """Rows of consecutive blocks re-cut into batches of `batch_size` across block borders — exactly how
        Ray Data's `iter_batches(batch_size=...)` cuts an ordered dataset, so both engines see the same batches."""
        size, carry = int(self.batch_size), None
        for block in blocks:
            if carry is not None:
                block = np.vstack([carry, block])
            full = (block.shape[0] // size) * size
            for start in range(0, full, size):
                yield block[start:start + size]
            carry = block[full:] if full < block.shape[0] else None
        if carry is not None and carry.shape[0]:
            yield carry

    # ------------------------------------------------------------------ fit
    def fit(self, features: pd.DataFrame, embeddings: np.ndarray | None = None) -> "RaySegmenter":
        """Learn `n_segments` segments for the users in `features` (index user_id) + aligned `embeddings`."""
        self._check_params()
        Segmenter._check_inputs(features, embeddings)  # same user-facing errors as the local backend
        n = len(features)
        rng = np.random.default_rng(self.random_state)
        idx = sample_rows(n, int(self.fit_sample_size), rng)
        # The sample Segmenter gives (1) the preprocessing/weighting = the joined space, and (2) exact KMeans
        # centres on the sample, used as the streaming model's start: a k-means++ start on the first small
        # batch alone lands in a visibly worse optimum (measured: ARI vs KMeans 0.3-0.6 on CJ).
        # With "auto" the sample Segmenter also chooses k (silhouette and minimum share on the sample).
        self.preprocessor_ = Segmenter(n_segments=self.n_segments, algorithm="kmeans",
                                       behaviour_weight=self.behaviour_weight, n_stability_runs=0,
                                       sample_size=self.sample_size, random_state=self.random_state).fit(
            features.iloc[idx], None if embeddings is None else np.asarray(embeddings)[idx])
        init = np.asarray(self.preprocessor_.cluster_centers_, dtype=np.float32)
        # When the sample is every user, its exact KMeans already is the answer: streaming refinement (epochs=0)
        # would only move it towards a mini-batch optimum, so labels equal the local backend's on small data.
        epochs = int(self.n_epochs) if len(idx) < n else 0
        model = (self.preprocessor_.model_ if epochs == 0 else
                 MiniBatchKMeans(n_clusters=init.shape[0], init=init, n_init=1, random_state=self.random_state,
                                 batch_size=int(self.batch_size)))
        self.epochs_ = epochs
        if self.engine == "ray":
            raw = self._fit_ray(model, features, embeddings)
        else:
            raw = self._fit_local(model, features, embeddings)
        labels, mapping = Segmenter._renumber(raw)
        order = [old for old, _ in sorted(mapping.items(), key=lambda kv: kv[1])]
        self.model_ = model
        self.label_map_ = mapping
        self.n_segments_ = len(mapping)
        self.cluster_centers_ = np.asarray(model.cluster_centers_[order], dtype=np.float32)
        self.labels_ = pd.Series(labels, index=features.index.copy(), name="segment")
        # Quality figures, the k curve and the 2-D map come from the fit sample (all users on small data).
        self.metrics_ = dict(self.preprocessor_.metrics_)
        self.k_curve_ = self.preprocessor_.k_curve_
        self.map_2d_ = self.preprocessor_.map_2d_
        return self

    def _fit_local(self, model: MiniBatchKMeans, features: pd.DataFrame, embeddings: np.ndarray | None) -> np.ndarray:
        for _ in range(self.epochs_):
            for batch in self._batches(self._blocks(features, embeddings)):
                model.partial_fit(batch)
        return np.concatenate([model.predict(block) for block in self._blocks(features, embeddings)])

    def _fit_ray(self, model: MiniBatchKMeans, features: pd.DataFrame, embeddings: np.ndarray | None) -> np.ndarray:
        from embeddings.distributed import init_ray

        ray = init_ray(num_cpus=self.num_cpus, **(self.init_kwargs or {}))
        # Each block goes to the object store as soon as it is made; the driver keeps only references.
        refs = [ray.put(block) for block in self._blocks(features, embeddings)]
        with _preserve_order():
            ds = ray.data.from_numpy_refs(refs)
            for _ in range(self.epochs_):
                # One ordered pass per epoch; batches span block borders exactly like the local loop's.
                for batch in ds.iter_batches(batch_size=int(self.batch_size), batch_format="numpy"):
                    model.partial_fit(np.asarray(batch["data"], dtype=np.float32))
            labelled = ds.map_batches(_assign, fn_kwargs={"model": model}, batch_format="numpy",
                                      batch_size=int(self.block_rows))
            labels = np.concatenate([np.asarray(b["label"]) for b in
                                     labelled.iter_batches(batch_size=None, batch_format="numpy")])
        del refs
        return labels

    # ------------------------------------------------------------------ use
    def transform(self, features: pd.DataFrame, embeddings: np.ndarray | None = None) -> np.ndarray:
        """The joined, weighted matrix (the local Segmenter's transformation, fitted on the sample)."""
        self._check_fitted()
        return self.preprocessor_.transform(features, embeddings)

    def predict(self, features: pd.DataFrame, embeddings: np.ndarray | None = None) -> pd.Series:
        """Segment ids for (new) users, same numbering as labels_; Series indexed by user_id."""
        self._check_fitted()
        raw = np.concatenate([self.model_.predict(block) for block in self._blocks(features, embeddings)])
        lut = np.full(int(self.model_.n_clusters), -1, dtype=np.int64)
        for old, new in self.label_map_.items():
            lut[old] = new
        return pd.Series(lut[raw], index=features.index.copy(), name="segment")

    def fit_predict(self, features: pd.DataFrame, embeddings: np.ndarray | None = None) -> pd.Series:
        return self.fit(features, embeddings).labels_

    def _check_fitted(self) -> None:
        check_is_fitted(self, "labels_", msg="this RaySegmenter is not fitted yet — call fit(features, embeddings) first")

    def save(self, path: str | Path) -> Path:
        """Write the fitted model with joblib (live clients such as Chroma or the encoder are not saved)."""
        self._check_fitted()
        return save_model(self, path)

    @classmethod
    def load(cls, path: str | Path) -> "RaySegmenter":
        return load_model(cls, path)
