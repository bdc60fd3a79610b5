"""A disk cache in front of any `Encoder`: identical texts are encoded once, ever.

Storage choice: one SQLite file in WAL mode, one row per (model id, sha1 of text) holding the float32 vector as a
blob. Why SQLite rather than npy shards: every write is a transaction, so a process killed with SIGKILL in the
middle of a write leaves either the old or the new state — never a half-written vector (the WAL is replayed or
discarded on the next open); several processes can read while one writes; lookups by key need no index of our
own; and it is in the standard library. synchronous=NORMAL in WAL mode only risks losing the last commits on a
power cut, never on a process crash, and it makes commits cheap.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.core.settings import Settings

from .encoder import Encoder, get_encoder

CACHE_FILE = "embedding_cache.sqlite"
# SQLite's default limit of bound parameters per statement is 32,766 (older builds: 999); stay well below.
_LOOKUP_CHUNK = 900


@dataclass(frozen=True)
class CacheStats:
    """What the last `encode` call did: texts asked for, distinct texts, found on disk, encoded now."""

    requested: int = 0
    unique: int = 0
    hits: int = 0
    misses: int = 0


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class CachedEncoder:
    """Wraps an `Encoder`; same protocol. Dedupes the batch, reads known vectors from disk, encodes the rest."""

    def __init__(self, encoder: Encoder, cache_dir: str | os.PathLike):
        self.encoder = encoder
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.cache_dir / CACHE_FILE
        self.last_stats = CacheStats()
        self._local = threading.local()
        with self._connect() as con:
            con.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, key TEXT NOT NULL, "
                        "dim INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, key)) WITHOUT ROWID")

    # The protocol: model_id and dim come from the wrapped encoder.
    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def __getattr__(self, name: str):
        # tokenizer, max_seq_length, ... of the wrapped encoder stay reachable.
        if name in {"encoder", "_local"}:
            raise AttributeError(name)
        return getattr(self.encoder, name)

    def _connect(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            self._local.con = con
        return con

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        con, model, found = self._connect(), self.model_id, {}
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start:start + _LOOKUP_CHUNK]
            rows = con.execute(
                f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({','.join('?' * len(chunk))})",
                [model, *chunk]).fetchall()
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _store(self, keys: list[str], vectors: np.ndarray) -> None:
        con, model = self._connect(), self.model_id
        rows = [(model, key, int(vec.shape[0]), np.ascontiguousarray(vec, dtype=np.float32).tobytes())
                for key, vec in zip(keys, vectors)]
        con.execute("BEGIN IMMEDIATE")
        try:
            con.executemany("INSERT OR REPLACE INTO vectors (model, key, dim, vector) VALUES (?, ?, ?, ?)", rows)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            self.last_stats = CacheStats()
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [text_key(t) for t in texts]
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        found = self._lookup(list(first))
        missing = [key for key in first if key not in found]
        if missing:
            fresh = np.asarray(self.encoder.encode([texts[first[k]] for k in missing]), dtype=np.float32)
            self._store(missing, fresh)
            found.update(zip(missing, fresh))
        self.last_stats = CacheStats(requested=len(texts), unique=len(first),
                                     hits=len(first) - len(missing), misses=len(missing))
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def __len__(self) -> int:
        """Vectors stored for this model."""
        return int(self._connect().execute("SELECT COUNT(*) FROM vectors WHERE model = ?",
                                           [self.model_id]).fetchone()[0])

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None


def get_cached_encoder(settings: Settings | None = None) -> CachedEncoder:
    """The process-wide encoder wrapped in the disk cache `<MKT_CACHE_DIR>/embedding_cache.sqlite`
    (default ~/.cache/mkt-assistant): vectors keyed by model and text hash are shared by every workspace."""
    settings = settings or Settings.from_env()
    return CachedEncoder(get_encoder(settings), Path(settings.cache_dir))
