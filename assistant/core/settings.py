"""Settings read from the environment (OpenAI convention for the LLM, MKT_* for the rest).

Read once per call of `Settings.from_env()` so tests can change the environment freely.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROMPTS_DIR = PROJECT_ROOT / "prompts"
DEMO_DIR = PROJECT_ROOT / "data" / "demo"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    workspace: Path = field(default_factory=lambda: Path(_env("MKT_WORKSPACE", str(Path.home() / ".mkt_assistant"))))
    # LLM: remote OpenAI-compatible endpoint when OPENAI_BASE_URL or OPENAI_API_KEY is set, else embedded llama.cpp.
    openai_api_key: str | None = field(default_factory=lambda: _env("OPENAI_API_KEY"), repr=False)
    openai_base_url: str | None = field(default_factory=lambda: _env("OPENAI_BASE_URL"))
    llm_model: str | None = field(default_factory=lambda: _env("MKT_LLM_MODEL"))
    local_model_path: str | None = field(default_factory=lambda: _env("MKT_LOCAL_MODEL"))
    llm_timeout_s: float = field(default_factory=lambda: float(_env("MKT_LLM_TIMEOUT", "120")))
    llm_max_retries: int = field(default_factory=lambda: int(_env("MKT_LLM_MAX_RETRIES", "2")))
    # Threads of the embedded llama.cpp server (default: the cores free at start and before each batch of words;
    # local_llm.LocalLLMServer.fit_threads) and an override of the
    # structured-output method LangChain uses ("function_calling", "json_mode", "json_schema").
    llm_threads: int | None = field(default_factory=lambda: int(_env("MKT_LLM_THREADS")) if _env("MKT_LLM_THREADS") else None)
    llm_structured_method: str | None = field(default_factory=lambda: _env("MKT_LLM_STRUCTURED_METHOD"))
    # Who writes campaign copy: "auto" (the model when one was chosen — a remote endpoint, MKT_LOCAL_MODEL or an
    # LLM passed in — else the templates: the packaged 0.5B's copy is not sendable, see the words bench), "on", "off".
    copy_llm: str = field(default_factory=lambda: (_env("MKT_COPY_LLM", "auto") or "auto").lower())
    # Where the assembled local model goes: the user's cache folder (XDG_CACHE_HOME or ~/.cache).
    user_cache_dir: Path = field(default_factory=lambda: Path(_env("XDG_CACHE_HOME", str(Path.home() / ".cache"))))
    # Embeddings: any sentence-transformers model directory; default is the packaged all-MiniLM-L6-v2.
    embedding_model: str | None = field(default_factory=lambda: _env("MKT_EMBEDDING_MODEL"))
    # How the embedding model runs: "auto" (ONNX when it is faster and agrees), "torch" or "onnx".
    embedding_backend: str = field(default_factory=lambda: _env("MKT_EMBEDDING_BACKEND", "torch"))
    # Vector store: embedded Chroma in the workspace unless a Chroma server is configured.
    chroma_host: str | None = field(default_factory=lambda: _env("MKT_CHROMA_HOST"))
    chroma_port: int = field(default_factory=lambda: int(_env("MKT_CHROMA_PORT", "8000")))
    language: str = field(default_factory=lambda: _env("MKT_LANGUAGE", "en"))
    # Marketing policy (assistant.core.policy): on by default; alcohol off unless allowed (on / channel list).
    policy_enabled: bool = field(default_factory=lambda: _env("MKT_POLICY", "on").lower() not in ("off", "0", "false"))
    policy_alcohol: str = field(default_factory=lambda: _env("MKT_POLICY_ALCOHOL", "off"))
    policy_alcohol_regions: str = field(default_factory=lambda: _env("MKT_POLICY_ALCOHOL_REGIONS", ""))
    policy_exclude: str = field(default_factory=lambda: _env("MKT_POLICY_EXCLUDE", ""))
    # Vectors keyed by (model, text hash) are safe to share between workspaces: one cache per machine by default.
    cache_dir: Path = field(default_factory=lambda: Path(_env("MKT_CACHE_DIR", str(Path.home() / ".cache" / "mkt-assistant"))))
    # Where the heavy batch steps run: "local" (this process) or "ray" (a local Ray, or the cluster at RAY_ADDRESS).
    backend: str = field(default_factory=lambda: (_env("MKT_BACKEND", "local") or "local").lower())
    ray_address: str | None = field(default_factory=lambda: _env("RAY_ADDRESS"))
    # The UI: where it listens, the optional login (both user and password must be set), the upload cap.
    ui_host: str = field(default_factory=lambda: _env("MKT_UI_HOST", "127.0.0.1"))
    ui_port: int = field(default_factory=lambda: int(_env("MKT_UI_PORT", "7860")))
    ui_user: str | None = field(default_factory=lambda: _env("MKT_UI_USER"))
    ui_password: str | None = field(default_factory=lambda: _env("MKT_UI_PASSWORD"), repr=False)
    ui_max_upload: str = field(default_factory=lambda: _env("MKT_UI_MAX_UPLOAD", "50mb"))

    @classmethod
    def from_env(cls) -> "Settings":
        return cls()

    @property
    def ui_login(self) -> tuple[str, str] | None:
        """(user, password) when the UI asks for a login, else None."""
        return (self.ui_user, self.ui_password) if self.ui_user and self.ui_password else None

    @property
    def uses_remote_llm(self) -> bool:
        return bool(self.openai_base_url or self.openai_api_key)

    @property
    def model_chosen(self) -> bool:
        """A model other than the packaged default was configured (a remote endpoint or a local GGUF)."""
        return self.uses_remote_llm or bool(self.local_model_path)


def offline_environment() -> None:
    """Make sure no library phones home: hub downloads, telemetry, analytics off (called at import of the app)."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)
