"""Shared fixtures: where the real datasets live and a per-test workspace."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.core.settings import offline_environment

offline_environment()

_CANDIDATES = [os.environ.get("MKT_SHARED_DATA"), Path(__file__).resolve().parents[2] / "shared" / "data",
               "/work/shared/data"]  # beside the checkout, or the team's usual location for a clone elsewhere
SHARED_DATA = next((Path(c) for c in _CANDIDATES if c and Path(c).exists()), Path(_CANDIDATES[1]))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public datasets (../shared/data); tests that need them skip when they are absent."""
    if not SHARED_DATA.exists():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (set MKT_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture()
def workspace(tmp_path, monkeypatch) -> Path:
    """A fresh workspace folder, also exported as MKT_WORKSPACE."""
    path = tmp_path / "workspace"
    path.mkdir()
    monkeypatch.setenv("MKT_WORKSPACE", str(path))
    return path
