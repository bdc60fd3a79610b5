"""Where the heavy work runs: "local" (this process) or "ray" (a local Ray or a cluster at RAY_ADDRESS).

The facade asks the backend for an encoder and a segmenter and never imports Ray itself; pick the backend with
MKT_BACKEND=local|ray (default local) or `get_backend("ray")`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

BACKENDS = ("local", "ray")


@dataclass(frozen=True)
class Backend:
    """A named pair of factories. Keyword arguments go to the implementation's constructor unchanged."""

    name: str

    def encoder(self, **kwargs: Any) -> Any:
        """local: the process-wide `SentenceTransformerEncoder` (kwargs build a new one); ray: a `RayEncoder`."""
        if self.name == "ray":
            from embeddings.distributed import RayEncoder
            return RayEncoder(**kwargs)
        from embeddings.encoder import SentenceTransformerEncoder, get_encoder
        return SentenceTransformerEncoder(**kwargs) if kwargs else get_encoder()

    def segmenter(self, **kwargs: Any) -> Any:
        """local: `segmentation.segmenter.Segmenter`; ray: `segmentation.distributed.RaySegmenter`."""
        if self.name == "ray":
            from segmentation.distributed import RaySegmenter
            return RaySegmenter(**kwargs)
        from segmentation.segmenter import Segmenter
        return Segmenter(**kwargs)


def get_backend(name: str | None = None) -> Backend:
    """The backend called `name`, else the one in MKT_BACKEND, else "local"."""
    chosen = (name or os.environ.get("MKT_BACKEND", "") or "local").strip().lower()
    if chosen not in BACKENDS:
        raise ValueError(f"unknown backend {chosen!r} — set MKT_BACKEND to one of {', '.join(BACKENDS)}")
    if chosen == "ray":
        from embeddings.distributed import _import_ray
        _import_ray()  # fail now, with the install hint, rather than in the middle of a run
    return Backend(chosen)
