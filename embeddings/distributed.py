"""Encode texts on a Ray cluster (or a local Ray) with the same `Encoder` protocol as the local encoder.

Why Ray Data: `map_batches` with a callable class runs a fixed pool of actors, each loading the model ONCE, and
streams batches through them with back-pressure — the same code runs on a laptop (2 actors) and on a cluster
(N actors on N nodes). Texts are de-duplicated before they leave the driver and every row carries its position,
so the result is in input order whatever order the actors finish in.

Ray is an optional extra (`pip install "mkt-assistant[ray]"`); it is imported lazily.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RAY_HINT = 'the Ray backend needs Ray — pip install "ray[data]==2.60.0" (the `ray` extra of mkt-assistant)'


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data is a separate extra of ray
    except ImportError as exc:
        raise ImportError(RAY_HINT) from exc
    return ray


def init_ray(num_cpus: int | None = None, object_store_memory: int = 512 * 1024**2,
             temp_dir: str | os.PathLike | None = None, address: str | None = None) -> Any:
    """Start (or join) Ray with the offline hygiene this project needs; a no-op when Ray is already running.

    * `address` (or env RAY_ADDRESS) joins an existing cluster; otherwise a local Ray with `num_cpus` starts.
    * RAY_AUTH_MODE=disabled and usage stats off: no token setup, no phoning home.
    * Ray probes a cloud metadata address at start unless HOME holds `ray_bootstrap_config.yaml` = `{}`:
      HOME points at a private folder during the init only.
    * Workers must import `embeddings` / `segmentation`: the project root is put on PYTHONPATH, which the
      workers inherit (the project may be used from a checkout, not installed).
    Returns the `ray` module.
    """
    ray = _import_ray()
    if ray.is_initialized():
        return ray
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(PROJECT_ROOT) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), *paths])
    # Unix socket paths are limited to ~107 bytes: keep Ray's session folder short.
    temp_dir = Path(temp_dir) if temp_dir else Path(tempfile.mkdtemp(prefix="mktray", dir="/tmp"))
    temp_dir.mkdir(parents=True, exist_ok=True)
    home = temp_dir / "home"
    home.mkdir(exist_ok=True)
    (home / "ray_bootstrap_config.yaml").write_text("{}\n")
    old_home = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        address = address or os.environ.get("RAY_ADDRESS") or None
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False,
                     object_store_memory=int(object_store_memory), _temp_dir=str(temp_dir),
                     log_to_driver=False)
    finally:
        if old_home is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = old_home
    return ray


class EncoderActor:
    """One Ray actor = one loaded model. Called by Ray Data with batches {"pos": int64[], "text": str[]}."""

    def __init__(self, model_path: str | None = None, batch_size: int = 64, torch_threads: int = 1):
        from embeddings.encoder import SentenceTransformerEncoder

        self.encoder = SentenceTransformerEncoder(model_path=model_path, batch_size=batch_size,
                                                  show_progress=False)
        _ = self.encoder.model  # load now, once per actor, not inside the first batch
        import torch

        # The local encoder grabs every core; N actors on one machine must share them instead.
        torch.set_num_threads(max(1, int(torch_threads)))

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.encoder.encode([str(t) for t in batch["text"]])
        return {"pos": np.asarray(batch["pos"], dtype=np.int64), "vector": vectors}


class RayEncoder:
    """`Encoder` protocol (model_id, dim, encode) backed by a pool of Ray actors.

    `num_actors` actors each use `cpus_per_actor` CPUs (and as many torch threads); `ray_batch_size` texts
    travel to an actor at a time, which encodes them in model batches of `batch_size`.
    Vectors equal the local `SentenceTransformerEncoder`'s up to float rounding (padding differs per batch).
    """

    def __init__(self, model_path: str | os.PathLike | None = None, batch_size: int = 64, *, num_actors: int = 2,
                 cpus_per_actor: int = 1, ray_batch_size: int = 512, init_kwargs: dict[str, Any] | None = None):
        from embeddings.encoder import SentenceTransformerEncoder

        # The local object only fingerprints the model folder (cheap); its weights load lazily, for `dim` only.
        self._local = SentenceTransformerEncoder(model_path=model_path, batch_size=batch_size, show_progress=False)
        self.model_path = self._local.model_path
        self.model_id = self._local.model_id
        self.batch_size = int(batch_size)
        self.num_actors = int(num_actors)
        self.cpus_per_actor = int(cpus_per_actor)
        self.ray_batch_size = int(ray_batch_size)
        self.init_kwargs = dict(init_kwargs or {})
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._local.dim)
        return self._dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        ray = init_ray(**self.init_kwargs)
        ds = ray.data.from_items([{"pos": i, "text": t} for i, t in enumerate(unique.tolist())])
        ds = ds.map_batches(
            EncoderActor,
            fn_constructor_kwargs={"model_path": str(self.model_path), "batch_size": self.batch_size,
                                   "torch_threads": self.cpus_per_actor},
            compute=ray.data.ActorPoolStrategy(size=self.num_actors),
            batch_size=self.ray_batch_size, batch_format="numpy", num_cpus=self.cpus_per_actor)
        out: np.ndarray | None = None
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            vectors = np.asarray(batch["vector"], dtype=np.float32)
            if out is None:
                out = np.empty((len(unique), vectors.shape[1]), dtype=np.float32)
                self._dim = int(vectors.shape[1])
            out[np.asarray(batch["pos"], dtype=np.int64)] = vectors
        assert out is not None
        return out[inverse.reshape(-1)]

    def __repr__(self) -> str:
        return f"RayEncoder(model_id={self.model_id!r}, num_actors={self.num_actors})"
