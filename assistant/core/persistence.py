"""Saving and loading fitted estimators (joblib), with the clear errors a user should see for a wrong path."""
from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import joblib

from assistant.core.errors import DataError

T = TypeVar("T")


def save_model(model, path: str | Path) -> Path:
    """Write `model` to `path` (creates parent folders; overwrites only `path`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return path


def load_model(cls: type[T], path: str | Path) -> T:
    """Read a model saved by `save_model` and check it is a `cls`."""
    path = Path(path)
    name = cls.__name__
    if not path.exists():
        raise DataError(f"no saved {name} here", file=str(path), fix=f"fit a {name} and call save(path) first")
    model = joblib.load(path)
    if not isinstance(model, cls):
        raise DataError(f"the file holds a {type(model).__name__}, not a {name}", file=str(path))
    return model
