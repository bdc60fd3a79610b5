"""Data layer: load, validate and clean tables into the canonical schema (`assistant.core.data.schema`)."""
from __future__ import annotations

from assistant.core.data.cleaning import QualityReport, TableQuality
from assistant.core.data.dataset import Dataset, DatasetSummary, empty_table
from assistant.core.errors import DataError
from assistant.core.data.loaders import (
    load_complete_journey, load_demo, load_files, load_hillstrom, load_instacart, load_taobao, read_mapping,
    read_table,
)

__all__ = ["DataError", "Dataset", "DatasetSummary", "QualityReport", "TableQuality", "empty_table",
           "load_complete_journey", "load_demo", "load_files", "load_hillstrom", "load_instacart", "load_taobao",
           "read_mapping", "read_table"]
