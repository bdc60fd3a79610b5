"""`MKT_BACKEND=ray mkt segment` runs through Ray (a local Ray in the CLI process: Ray-actor encoding and
Ray-task label assignment) and gives the same labels as the local backend."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.api.conftest import demo_subset

pytestmark = pytest.mark.slow  # two CLI processes, one of them starting Ray and two encoder actors: ~1-2 min idle,
# ~6-8 min at load ~10 on the shared 2-core machine (measured 2026-11-30)


def _segment(backend: str, tmp_path: Path, files: dict[str, Path]) -> tuple[subprocess.CompletedProcess, Path]:
    workspace = tmp_path / f"ws-{backend}"
    env = dict(os.environ, MKT_BACKEND=backend, MKT_WORKSPACE=str(workspace), RAY_AUTH_MODE="disabled",
               MKT_CACHE_DIR=str(tmp_path / f"cache-{backend}"),  # a cold cache: the backend's encoder works
               MKT_EMBEDDING_BACKEND="torch",  # no ONNX export in a cold cache (minutes per actor on 2 cores)
               PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")]))
    env.pop("RAY_ADDRESS", None)
    done = subprocess.run([sys.executable, "-m", "assistant.cli", "segment", "--n", "4", "--events",
                           str(files["events"]), "--products", str(files["products"])],
                          env=env, capture_output=True, text=True, timeout=900)
    return done, workspace


@pytest.mark.timeout(1800)  # two CLI processes, each loading the model (twice more in the Ray actors) at load ~10
def test_ray_backend_segments_through_ray_with_the_local_labels(tmp_path):
    pytest.importorskip("ray", reason='the Ray backend is optional: pip install "ray[data]==2.60.0"')
    # 60 households: what is tested is the path (CLI → facade → Ray backend → Ray encoder actors and Ray label
    # tasks), not scale (tests/scale/test_scale_backends.py and bench/scale_bench.py cover that)
    data = demo_subset(60)
    files = {"events": tmp_path / "events.csv", "products": tmp_path / "products.csv"}
    data.events.to_csv(files["events"], index=False)
    data.products.to_csv(files["products"], index=False)

    on_ray, ray_ws = _segment("ray", tmp_path, files)
    assert on_ray.returncode == 0, on_ray.stderr[-2000:]
    assert "(ray backend)" in on_ray.stderr
    local, local_ws = _segment("local", tmp_path, files)
    assert local.returncode == 0, local.stderr[-2000:]

    from assistant.api.workspace import Workspace
    ray_model, local_model = Workspace(ray_ws).load_segmenter(), Workspace(local_ws).load_segmenter()
    assert type(ray_model).__name__ == "RaySegmenter" and type(local_model).__name__ == "Segmenter"
    pd.testing.assert_series_equal(ray_model.labels_, local_model.labels_)
    assert "| segment |" in on_ray.stdout
