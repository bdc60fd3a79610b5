"""Per-browser-session state and the one place where errors and untrusted text are made safe for the browser.

Every session gets its own `MarketingAssistant` (its own segments, uploads and reports, in its own workspace
sub-folder); only read-only things are shared (the bundled demo tables, the embedding model, the LLM client).
"""
from __future__ import annotations

import functools
import html
import threading
import uuid
from pathlib import Path

import pandas as pd

from assistant.api.facade import MarketingAssistant
from assistant.chat.agent import ChatAgent
from assistant.core.data import load_demo
from assistant.core.errors import DataError, LLMOutputError, LLMUnavailable, NotReadyError
from assistant.core.settings import Settings

_shared_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def demo_dataset():
    """The bundled demo tables, loaded once and shared read-only by every session."""
    return load_demo()


@functools.lru_cache(maxsize=1)
def shared_encoder():
    from embeddings.cache import get_cached_encoder
    return get_cached_encoder()


class Session:
    """What one browser session owns."""

    def __init__(self, assistant: MarketingAssistant):
        self.assistant = assistant
        self.agent = ChatAgent(assistant)


def new_session(dataset=None) -> Session:
    settings = Settings.from_env()
    workspace = Path(settings.workspace) / "sessions" / uuid.uuid4().hex[:12]
    with _shared_lock:
        encoder = shared_encoder()
    assistant = MarketingAssistant(dataset if dataset is not None else demo_dataset(), workspace=workspace,
                                   encoder=encoder, language=settings.language)
    return Session(assistant)


def session_of(state: Session | None) -> Session:
    return state if state is not None else new_session()


def user_message(exc: Exception) -> str:
    """A readable message for anything a user can cause; unexpected errors are named, never a traceback."""
    if isinstance(exc, (DataError, NotReadyError, LLMUnavailable, LLMOutputError, ValueError, KeyError)):
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        return f"⚠️ {html.escape(str(text), quote=False)}"
    return (f"⚠️ Something went wrong ({type(exc).__name__}: {html.escape(str(exc), quote=False)}). "
            "Your data is unchanged; please try again.")


def escape_frame(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Data strings are untrusted: escape them before the browser renders them."""
    if frame is None:
        return pd.DataFrame()
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: html.escape(str(v)) if isinstance(v, str) else v)
    return frame


def upload_path(upload) -> str | None:
    if upload is None:
        return None
    return upload if isinstance(upload, str) else getattr(upload, "name", str(upload))
