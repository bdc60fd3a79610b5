"""All loaders in one import: the public datasets, the demo and your own files (`load_files`)."""
from __future__ import annotations

from assistant.core.data.generic import load_files, read_mapping, read_table
from assistant.core.data.loaders_public import (
    load_complete_journey, load_demo, load_hillstrom, load_instacart, load_taobao,
)

__all__ = ["load_complete_journey", "load_demo", "load_files", "load_hillstrom", "load_instacart", "load_taobao",
           "read_mapping", "read_table"]
