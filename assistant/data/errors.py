"""Errors a user can cause with their data: each names the file, column and row, and says what to do."""
from __future__ import annotations


class DataError(ValueError):
    """A file cannot be used as it is. The message is written for the user, never a traceback."""

    def __init__(self, problem: str, *, file: str | None = None, column: str | None = None,
                 row: int | None = None, fix: str | None = None):
        self.problem, self.file, self.column, self.row, self.fix = problem, file, column, row, fix
        where = ", ".join(part for part in (
            f"file '{file}'" if file else "",
            f"column '{column}'" if column else "",
            f"row {row}" if row is not None else "",
        ) if part)
        message = f"{where}: {problem}" if where else problem
        if fix:
            message += f" — {fix}"
        super().__init__(message)
