"""One registry for the process-wide objects (loaded models, fitted recommenders, shared vector stores, the
chat router): built once per key under a lock, shared read-only, and clearable in one place (tests, shutdown).

Why one home: process-wide state scattered over modules (module dicts, lru_caches) cannot be listed or reset
together, and each copy had its own locking."""
from __future__ import annotations

import threading
from typing import Any, Callable, Hashable, TypeVar

T = TypeVar("T")

_OBJECTS: dict[tuple[str, Hashable], Any] = {}
_LOCKS: dict[tuple[str, Hashable], threading.Lock] = {}
_GUARD = threading.Lock()


def shared(kind: str, key: Hashable, factory: Callable[[], T]) -> T:
    """The object registered under (kind, key), built with `factory()` the first time (once, even when several
    threads ask at the same moment; different keys build in parallel)."""
    full = (kind, key)
    if full in _OBJECTS:
        return _OBJECTS[full]
    with _GUARD:
        lock = _LOCKS.setdefault(full, threading.Lock())
    with lock:
        if full not in _OBJECTS:
            _OBJECTS[full] = factory()
        return _OBJECTS[full]


def registered(kind: str) -> dict[Hashable, Any]:
    """What is registered under `kind` (a copy: key -> object)."""
    return {key: obj for (k, key), obj in list(_OBJECTS.items()) if k == kind}


def forget(kind: str | None = None) -> None:
    """Drop the objects of one kind (or all); objects with a `close()` are closed."""
    with _GUARD:
        for full in [f for f in _OBJECTS if kind is None or f[0] == kind]:
            obj = _OBJECTS.pop(full)
            _LOCKS.pop(full, None)
            close = getattr(obj, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # noqa: BLE001 - closing is best effort at shutdown
                    pass
