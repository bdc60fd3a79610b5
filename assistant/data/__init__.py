"""Data layer: load, validate and clean tables into the canonical schema (`assistant.data.schema`)."""
from __future__ import annotations

from assistant.data.cleaning import QualityReport, TableQuality
from assistant.data.dataset import Dataset, DatasetSummary, empty_table
from assistant.data.errors import DataError
from assistant.data.loaders import (
    load_complete_journey, load_demo, load_files, load_hillstrom, load_instacart, load_taobao, read_mapping,
    read_table,
)

__all__ = ["DataError", "Dataset", "DatasetSummary", "QualityReport", "TableQuality", "empty_table",
           "load_complete_journey", "load_demo", "load_files", "load_hillstrom", "load_instacart", "load_taobao",
           "read_mapping", "read_table"]
