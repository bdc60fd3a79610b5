"""Encode texts on a Ray cluster (or a local Ray) with the same `Encoder` protocol as the local encoder.

Why a fixed actor pool: each actor loads the model ONCE (seconds) and then encodes chunks of texts; the pool is
created on the first `encode` and kept until `close()`, so a workspace that encodes many times (users, then
products, then queries) pays the start-up once, not per call. Texts are de-duplicated before they leave the
driver and chunks come back in submission order (`ray.util.ActorPool.map`), so the result is in input order.

Ray is an optional extra (`pip install "mkt-assistant[ray]"`); it is imported lazily.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from assistant.core.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RAY_HINT = 'the Ray backend needs Ray — pip install "ray[data]==2.60.0" (the `ray` extra of mkt-assistant)'


def import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data is a separate extra of ray
    except ImportError as exc:
        raise ImportError(RAY_HINT) from exc
    return ray


def init_ray(num_cpus: int | None = None, object_store_memory: int = 512 * 1024**2,
             temp_dir: str | os.PathLike | None = None, address: str | None = None) -> Any:
    """Start (or join) Ray with the offline hygiene this project needs; a no-op when Ray is already running.

    * `address` (or Settings.ray_address = RAY_ADDRESS) joins an existing cluster; otherwise a local Ray with `num_cpus` starts.
    * RAY_AUTH_MODE=disabled and usage stats off: no token setup, no phoning home.
    * Ray probes a cloud metadata address at start unless HOME holds `ray_bootstrap_config.yaml` = `{}`:
      HOME points at a private folder during the init only.
    * Workers must import `embeddings` / `segmentation`: the project root is put on PYTHONPATH, which the
      workers inherit (the project may be used from a checkout, not installed).
    Returns the `ray` module.
    """
    ray = import_ray()
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
        address = address or Settings.from_env().ray_address
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            for attempt in range(1 + STARTUP_RETRIES):
                try:
                    ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False,
                             object_store_memory=int(object_store_memory), _temp_dir=str(temp_dir),
                             log_to_driver=False)
                    break
                except Exception as exc:  # noqa: BLE001 — Ray raises a bare Exception for this case
                    # Ray waits a fixed 30 s for its raylet to register; on a loaded 2-core machine (load ~20,
                    # measured 2026-11-30) that is not always enough. The next start finds warm caches.
                    if "timed out during startup" not in str(exc) or attempt == STARTUP_RETRIES:
                        raise
                    ray.shutdown()
    finally:
        if old_home is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = old_home
    return ray


STARTUP_RETRIES = 2  # local Ray starts tried again after Ray's own startup timeout (see init_ray)


class EncoderActor:
    """One Ray actor = one loaded model; `encode(texts)` returns their vectors."""

    def __init__(self, model_path: str | None = None, batch_size: int = 64, torch_threads: int = 1):
        from embeddings.encoder import SentenceTransformerEncoder

        self.encoder = SentenceTransformerEncoder(model_path=model_path, batch_size=batch_size,
                                                  show_progress=False)
        _ = self.encoder.model  # load now, once per actor, not inside the first batch
        import torch

        # The local encoder grabs every core; N actors on one machine must share them instead.
        torch.set_num_threads(max(1, int(torch_threads)))

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode([str(t) for t in texts])


class RayEncoder:
    """`Encoder` protocol (model_id, dim, encode) backed by a pool of Ray actors kept for the encoder's life.

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
        self.init_kwargs = {k: v for k, v in (init_kwargs or {}).items() if v is not None}
        self._dim: int | None = None
        self._actors: list[Any] | None = None
        self.pools_started = 0  # how many actor pools this encoder started (1 for its whole life)

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._local.dim)
        return self._dim

    def _pool(self) -> list[Any]:
        if self._actors is None:
            ray = init_ray(**self.init_kwargs)
            # Ray's actor default: 1 CPU to be placed, 0 CPUs held while alive. The pool lives as long as the
            # workspace, idle between calls; holding CPUs (num_cpus=...) starved every later Ray task — the Ray
            # segmenter's `from_numpy_refs` waited forever on a 2-CPU local Ray with two actors (2026-11-30).
            # The actor's own torch threads are still capped at `cpus_per_actor`.
            actor = ray.remote(EncoderActor)
            self._actors = [actor.remote(str(self.model_path), self.batch_size, self.cpus_per_actor)
                            for _ in range(self.num_actors)]
            self.pools_started += 1
        return self._actors

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        from ray.util import ActorPool

        unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        chunks = [unique[i:i + self.ray_batch_size].tolist() for i in range(0, len(unique), self.ray_batch_size)]
        pool = ActorPool(self._pool())
        parts = list(pool.map(lambda actor, chunk: actor.encode.remote(chunk), chunks))  # submission order
        out = np.vstack(parts).astype(np.float32, copy=False)
        self._dim = int(out.shape[1])
        return out[inverse.reshape(-1)]

    def close(self) -> None:
        """Stop the actors (the workspace calls this when it is closed); a later encode starts a new pool."""
        if self._actors is not None:
            import ray
            for actor in self._actors:
                try:
                    ray.kill(actor)
                except Exception:  # noqa: BLE001 - Ray already shut down
                    pass
            self._actors = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_actors"] = None  # actor handles belong to one Ray session
        return state

    def __repr__(self) -> str:
        return f"RayEncoder(model_id={self.model_id!r}, num_actors={self.num_actors})"
