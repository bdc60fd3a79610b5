"""The workspace: the folder that holds one assistant's state, and the shared fitted models and vector stores.

    <workspace>/dataset/*.parquet + meta.json    the cleaned tables (save / load)
    <workspace>/segmenter.joblib                 the fitted segmenter (local or Ray)
    <workspace>/recommender.joblib               the fitted recommender
    <workspace>/chroma/                          the embedded Chroma product collection (unless MKT_CHROMA_HOST)
    <workspace>/personas/, reports/              persona cache, written reports

Fitted recommenders and product stores are process-wide objects (assistant.core.registry): two sessions over
the same tables share one fitted model and one collection. Re-opening a workspace re-uses its collection, so
products whose text did not change are never embedded again.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.core import registry
from assistant.core.data import DataError, Dataset, QualityReport
from assistant.core.data.schema import REQUIRED_EVENT_COLUMNS
from assistant.core.data.dataset import TABLES
from assistant.core.settings import Settings

DATASET_DIR = "dataset"
SEGMENTER_FILE = "segmenter.joblib"
RECOMMENDER_FILE = "recommender.joblib"
CHROMA_DIR = "chroma"


def fingerprint(table: pd.DataFrame, columns: tuple[str, ...] = REQUIRED_EVENT_COLUMNS) -> int:
    """Content hash of a table's key columns: identical data in two sessions shares one fitted model (and one
    store sync)."""
    present = [c for c in columns if c in table.columns]
    return int(pd.util.hash_pandas_object(table[present], index=False).sum())


def collection_name(dataset_name: str) -> str:
    """A valid Chroma collection name per dataset name (3-63 characters, alphanumeric ends)."""
    return "products-" + hashlib.sha1(str(dataset_name).encode("utf-8")).hexdigest()[:12]


class Workspace:
    """One assistant's folder: save/load of the tables and fitted models; its Chroma product collection."""

    def __init__(self, path: str | Path, settings: Settings | None = None):
        self.settings = settings or Settings.from_env()
        self.path = Path(path).expanduser()
        self.path.mkdir(parents=True, exist_ok=True)

    def __fspath__(self) -> str:
        return str(self.path)

    # ------------------------------------------------------------------ save / load
    @property
    def has_dataset(self) -> bool:
        return (self.path / DATASET_DIR / "meta.json").exists()

    @property
    def saved_at(self) -> pd.Timestamp | None:
        """When the tables were last saved here (None = nothing saved yet): saving again overwrites that."""
        meta = self.path / DATASET_DIR / "meta.json"
        return pd.Timestamp(meta.stat().st_mtime, unit="s").floor("s") if meta.exists() else None

    def save(self, dataset: Dataset, segmenter: Any = None, recommender: Any = None) -> Path:
        """Write the tables and whatever models are fitted (a later `load_*` restores them)."""
        folder = self.path / DATASET_DIR
        folder.mkdir(parents=True, exist_ok=True)
        for table in TABLES:
            getattr(dataset, table).to_parquet(folder / f"{table}.parquet", index=False)
        (folder / "meta.json").write_text(json.dumps({"name": dataset.name}))
        for model, name in ((segmenter, SEGMENTER_FILE), (recommender, RECOMMENDER_FILE)):
            if model is not None:
                model.save(self.path / name)
        return self.path

    def load_dataset(self) -> Dataset:
        if not self.has_dataset:
            raise DataError(f"no saved assistant in '{self.path}'",
                            fix="save one first (MarketingAssistant.save(), `mkt ingest` or `mkt segment`)")
        folder = self.path / DATASET_DIR
        tables = {p.stem: pd.read_parquet(p) for p in folder.glob("*.parquet") if p.stem in TABLES}
        meta = json.loads((folder / "meta.json").read_text())
        return Dataset(name=meta["name"], quality=QualityReport(), **tables)

    def load_segmenter(self) -> Any:
        """The saved segmenter (local `Segmenter` or `RaySegmenter`), or None."""
        path = self.path / SEGMENTER_FILE
        if not path.exists():
            return None
        from assistant.core.persistence import load_model
        from sklearn.base import BaseEstimator
        model = load_model(BaseEstimator, path)
        if not hasattr(model, "labels_"):
            raise DataError("the saved segmenter is not fitted", file=str(path), fix="segment again and save")
        return model

    def load_recommender(self) -> Any:
        path = self.path / RECOMMENDER_FILE
        if not path.exists():
            return None
        from campaigns.recommender import Recommender
        return Recommender.load(path)

    # ------------------------------------------------------------------ shared objects
    def product_store(self, encoder: Any, dataset_name: str) -> Any:
        """The dataset's Chroma product collection: embedded in `<workspace>/chroma`, or on the Chroma server
        named by MKT_CHROMA_HOST/PORT. One object per location and collection in the process."""
        where = (f"http://{self.settings.chroma_host}:{self.settings.chroma_port}" if self.settings.chroma_host
                 else str((self.path / CHROMA_DIR).resolve()))
        name = collection_name(dataset_name)

        def build():
            from embeddings.store import ProductStore
            path = None if self.settings.chroma_host else self.path / CHROMA_DIR
            return ProductStore(self.settings, encoder=encoder, path=path, collection_name=name)
        return registry.shared("product_store", (where, name, encoder.model_id), build)

    @staticmethod
    def fitted(key: tuple, fit) -> Any:
        """A fitted model shared by every assistant over the same data (built once with `fit()`)."""
        return registry.shared("fitted_model", key, fit)
