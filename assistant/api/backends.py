"""Where the heavy work runs: "local" (this process) or "ray" (a local Ray, or the cluster at RAY_ADDRESS).

The facade asks the backend named by `Settings.backend` (MKT_BACKEND=local|ray) for its encoder and its
segmenter and never imports Ray itself. The encoder a backend returns is meant to live as long as the workspace
that asked for it: the Ray encoder keeps its actor pool (one loaded model per actor) between calls.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.core.settings import Settings

BACKENDS = ("local", "ray")


@dataclass(frozen=True)
class Backend:
    """A named pair of factories; keyword arguments go to the implementation's constructor unchanged."""

    name: str
    settings: Settings

    def encoder(self, **kwargs: Any) -> Any:
        """The disk-cached encoder: local sentence-transformer (shared by the process) or a `RayEncoder`."""
        from embeddings.cache import CachedEncoder, get_cached_encoder
        if self.name == "ray":
            from embeddings.distributed import RayEncoder
            kwargs.setdefault("model_path", self.settings.embedding_model)
            kwargs.setdefault("init_kwargs", {"address": self.settings.ray_address})
            return CachedEncoder(RayEncoder(**kwargs), self.settings.cache_dir)
        if kwargs:
            from embeddings.encoder import SentenceTransformerEncoder
            return CachedEncoder(SentenceTransformerEncoder(**kwargs), self.settings.cache_dir)
        return get_cached_encoder(self.settings)

    def segmenter(self, **kwargs: Any) -> Any:
        """local: `segmentation.segmenter.Segmenter`; ray: `segmentation.distributed.RaySegmenter` (streamed
        k-means; the local-only `algorithm` choice does not apply there)."""
        if self.name == "ray":
            from segmentation.distributed import RaySegmenter
            kwargs.pop("algorithm", None)
            kwargs.setdefault("init_kwargs", {"address": self.settings.ray_address})
            return RaySegmenter(**kwargs)
        from segmentation.segmenter import Segmenter
        return Segmenter(**kwargs)


def get_backend(name: str | None = None, settings: Settings | None = None) -> Backend:
    """The backend called `name`, else the one in `settings.backend` (MKT_BACKEND), else "local"."""
    settings = settings or Settings.from_env()
    chosen = (name or settings.backend or "local").strip().lower()
    if chosen not in BACKENDS:
        from assistant.core.errors import DataError
        raise DataError(f"unknown backend '{chosen}'", fix=f"set MKT_BACKEND to one of {', '.join(BACKENDS)}")
    if chosen == "ray":
        from embeddings.distributed import import_ray
        import_ray()  # fail now, with the install hint, rather than in the middle of a run
    return Backend(chosen, settings)
