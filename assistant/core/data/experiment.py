"""Read a campaign test as exported: one table (arm + outcome columns) or exposures + outcomes files, with the
column mapping honoured. Unlike `load_files`, no campaign id is required and no outcome column is invented:
columns the file does not have stay absent (an absent "visited" must never read as "nobody visited").

Mapping (YAML / JSON / dict), the same sections as for `load_files`:

    exposures: {user_id: customer, arm: group, control: "No E-Mail"}   # control is a value, not a column
    outcomes:  {user_id: customer, visited: visit, revenue: spend}     # metric name: your column

For one table both sections apply to it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assistant.core.data.generic import read_mapping, read_table
from assistant.core.errors import DataError

PathLike = str | Path
ROLE_KEYS = ("user_id", "arm", "campaign_id", "control", "sent_at")


@dataclass(frozen=True)
class TestFiles:
    """The frames of one test (renamed by the mapping) and the choices the mapping made."""

    exposures: pd.DataFrame                 # the one table, or the exposures file
    outcomes: pd.DataFrame | None = None    # None when the first table carries the outcomes
    sources: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)  # arm_column, control, user_column, metrics (from the mapping)

    @property
    def columns(self) -> list[str]:
        cols = list(self.exposures.columns)
        if self.outcomes is not None:
            cols += [c for c in self.outcomes.columns if c not in cols]
        return cols


def _read(given, role: str, encoding: str | None) -> tuple[pd.DataFrame, str]:
    if isinstance(given, pd.DataFrame):
        return given.copy(), f"{role} (DataFrame)"
    if given is None or str(given).strip() == "":
        raise DataError(f"no {role} file given", fix=f"give the {role} file")
    return read_table(given, encoding=encoding), Path(given).name


def _column(frame: pd.DataFrame, wanted: str, source: str, role: str) -> str:
    if wanted in frame.columns:
        return wanted
    lowered = {str(c).strip().lower(): c for c in frame.columns}
    if str(wanted).strip().lower() in lowered:
        return lowered[str(wanted).strip().lower()]
    raise DataError(f"the mapping names column '{wanted}' for '{role}', but the file has no such column",
                    file=source, column=wanted, fix=f"columns in the file: {list(frame.columns)[:15]}")


def _apply(frame: pd.DataFrame, section: Mapping[str, str], source: str, options: dict,
           metrics: list[str] | None) -> pd.DataFrame:
    renames = {}
    for key, value in section.items():
        if key == "control":
            options["control"] = value
            continue
        column = _column(frame, value, source, key)
        if key == "user_id":
            options["user_column"] = column
        elif key == "arm":
            options["arm_column"] = column
        elif key in ("campaign_id", "sent_at"):
            renames[column] = key
        elif metrics is not None:  # an outcome: canonical/metric name -> the user's column
            renames[column] = key
            metrics.append(key)
    return frame.rename(columns=renames)


def read_test_files(table: PathLike | pd.DataFrame | None = None, *,
                    exposures: PathLike | pd.DataFrame | None = None,
                    outcomes: PathLike | pd.DataFrame | None = None, mapping=None,
                    encoding: str | None = None) -> TestFiles:
    """Read one test. Errors name the file and column; a missing outcomes file is an error only when the
    exposures carry no outcome columns (decided by the evaluation, which knows what an outcome is)."""
    if table is not None and exposures is not None:
        raise DataError("give either one table or an exposures file, not both", fix="drop one of them")
    first = table if table is not None else exposures
    if first is None:
        if outcomes is not None:
            raise DataError("an outcomes file alone cannot be evaluated: which arm was each user in?",
                            fix="give the exposures file (user id + arm) too")
        raise DataError("no test file given", fix="give the export with the arm column (and the outcomes file)")
    maps = read_mapping(mapping)
    options: dict = {}
    metrics: list[str] = []
    exp_frame, exp_source = _read(first, "exposures" if table is None else "test", encoding)
    exp_frame.columns = [str(c).strip() for c in exp_frame.columns]
    exp_frame = _apply(exp_frame, maps.get("exposures", {}), exp_source, options,
                       metrics if outcomes is None else None)
    out_frame, sources = None, (exp_source,)
    if outcomes is not None:
        out_frame, out_source = _read(outcomes, "outcomes", encoding)
        out_frame.columns = [str(c).strip() for c in out_frame.columns]
        out_options: dict = {}
        out_frame = _apply(out_frame, maps.get("outcomes", {}), out_source, out_options, metrics)
        if "user_column" in out_options and out_options["user_column"] != options.get("user_column"):
            # the two files name the user differently: give both the exposures' name
            target = options.get("user_column", out_options["user_column"])
            out_frame = out_frame.rename(columns={out_options["user_column"]: target})
            options.setdefault("user_column", target)
        sources += (out_source,)
    else:
        exp_frame = _apply(exp_frame, {k: v for k, v in maps.get("outcomes", {}).items() if k != "user_id"},
                           exp_source, options, metrics)
    if metrics:
        options["metrics"] = list(dict.fromkeys(metrics))
    return TestFiles(exposures=exp_frame, outcomes=out_frame, sources=sources, options=options)
