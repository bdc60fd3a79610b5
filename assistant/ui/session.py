"""Per-browser-session state, the session's private folder, and the one place errors are made safe for the browser.

Every session gets its own `MarketingAssistant` (its own segments, uploads and reports) whose workspace is the
session's own folder under the UI's private files root (a fresh 0700 temp folder per server process). Downloads
are generated there. The folder is not served by the web server: Gradio hands a returned file to the browser
through its own cache (a private folder of the same root, URLs keyed by a sha256 of the content and a random
seed), and the session folder and those copies are deleted when the session ends (`Session.close`, called by
Gradio when the session's state is deleted) and when the server stops. Only read-only things are shared (the
bundled demo tables, the embedding model, the LLM client).
"""
from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import threading
import uuid
import weakref
from typing import Callable
from pathlib import Path

from assistant.api.backends import get_backend
from assistant.api.facade import MarketingAssistant
from assistant.api.workspace import Workspace
from assistant.chat.agent import ChatAgent
from assistant.core import registry
from assistant.core.data import load_demo
from assistant.core.errors import DataError, LLMOutputError, LLMUnavailable, NotReadyError
from assistant.core.settings import Settings
from assistant.core.text import markdown_literal

# Options of every Markdown output that can show data (gr.Markdown, gr.Chatbot): HTML sanitised as a second line
# of defence behind `markdown_literal`, and no LaTeX ($$...$$ in a product title stays text).
SAFE_MARKDOWN = {"sanitize_html": True, "latex_delimiters": []}


@functools.lru_cache(maxsize=1)
def files_root() -> Path:
    """The UI's private files folder (0700, removed at exit): `sessions/<id>/` per browser session and `gradio/`
    for Gradio's upload and download cache. Nothing else on the machine is ever served."""
    root = Path(tempfile.mkdtemp(prefix="mkt-ui-")).resolve()
    (root / "sessions").mkdir(mode=0o700)
    (root / "gradio").mkdir(mode=0o700)
    atexit.register(shutil.rmtree, root, True)
    return root


def sessions_root() -> Path:
    return files_root() / "sessions"


def gradio_cache_dir() -> Path:
    return files_root() / "gradio"


def demo_dataset():
    """The bundled demo tables, loaded once and shared read-only by every session."""
    return registry.shared("dataset", "demo", load_demo)


class Session:
    """What one browser session owns: its assistant, its chat and its folder (workspace + downloads)."""

    def __init__(self, assistant: MarketingAssistant, folder: Path | None = None):
        self.assistant = assistant
        self.folder = Path(folder) if folder is not None else Path(assistant.workspace)
        self._agent: ChatAgent | None = None
        self.transcript: list[dict] = []   # the chat as shown: the session's, not what a browser sends back
        self.live: list[dict] = []         # the running turn: its message and the reply so far
        # messages sent while a turn runs, with the browser's send number: answered in the order they were sent
        self.waiting: list[tuple[int, str]] = []
        self.turn = threading.Lock()       # one chat turn at a time per session

    @property
    def agent(self) -> ChatAgent:
        """The chat, built at the first message (its router loads the embedding model: a data upload or a
        table lookup does not wait for it)."""
        if self._agent is None:
            self._agent = ChatAgent(self.assistant)
        return self._agent

    def with_assistant(self, assistant: MarketingAssistant) -> "Session":
        """The same session (same folder, same chat on screen) working on another assistant, e.g. after the user
        loaded own data."""
        other = Session(assistant, self.folder)
        other.transcript, other.live, other.waiting, other.turn = self.transcript, self.live, self.waiting, self.turn
        return other

    def close(self) -> None:
        """Delete what the session wrote: its folder and the copies Gradio made of its files for download."""
        if not self.folder.exists():
            return
        cache = gradio_cache_dir()
        try:
            from gradio.processing_utils import hash_file  # how Gradio names its cached copy of a file
            for path in self.folder.rglob("*"):
                if path.is_file():
                    shutil.rmtree(cache / hash_file(path), ignore_errors=True)
        except Exception:  # noqa: BLE001 — the copies also expire with the cache's age limit
            pass
        if self.folder.resolve().is_relative_to(sessions_root()):
            shutil.rmtree(self.folder, ignore_errors=True)
        from assistant.ui.file_access import GRANTS
        GRANTS.forget_missing()


def new_session(dataset=None) -> Session:
    """A session on the demo data (or `dataset`) in a fresh private folder (its chat is built at the first
    message)."""
    settings = Settings.from_env()
    folder = sessions_root() / uuid.uuid4().hex
    folder.mkdir(mode=0o700)
    dataset = dataset if dataset is not None else demo_dataset()
    # The encoder (MKT_BACKEND's) and the dataset's product collection are shared by every session: the
    # collection lives in the configured workspace, so no session embeds the catalogue again.
    encoder = get_backend(settings=settings).encoder()
    store = Workspace(settings.workspace, settings).product_store(encoder, dataset.name)
    assistant = MarketingAssistant(dataset, workspace=folder, encoder=encoder, store=store,
                                   language=settings.language, settings=settings)
    return Session(assistant, folder)


def close_session(state: Session | None) -> None:
    """Gradio's delete callback of the session state (the tab was closed, or the server stops)."""
    if isinstance(state, Session):
        state.close()


def session_of(state: Session | None, request=None) -> Session:
    """The browser session's Session, made at its first action. With the event's `request`, two actions racing
    at a page's start (two chat messages sent at once, before the first returned the state) get the same one."""
    if state is not None:
        return state
    key = getattr(request, "session_hash", None)
    if key is None:
        return new_session()
    with _FIRST_ACTION:
        session = _STARTED.get(key)
        if session is None:
            session = _STARTED[key] = new_session()
        return session


_STARTED: "weakref.WeakValueDictionary[str, Session]" = weakref.WeakValueDictionary()
_FIRST_ACTION = threading.Lock()


def user_message(exc: Exception, language: str = "en") -> str:
    """A readable Markdown message for anything a user can cause; unexpected errors are named, never a
    traceback, with the surrounding words in the user's language. The message quotes untrusted text (file and
    column names, values), so it is encoded here."""
    if isinstance(exc, (DataError, NotReadyError, LLMUnavailable, LLMOutputError, ValueError, KeyError)):
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        return f"⚠️ {markdown_literal(text)}"
    if language == "zh":
        return f"⚠️ 出错了（{type(exc).__name__}：{markdown_literal(exc)}）。你的数据没有改变，请再试一次。"
    return (f"⚠️ Something went wrong ({type(exc).__name__}: {markdown_literal(exc)}). "
            "Your data is unchanged; please try again.")


def tab_handler(n_outputs: int, status: int) -> Callable:
    """Wrap a tab's event handler `fn(*inputs, state)`: the session is created on first use, and any error
    becomes `user_message` in output `status` while every other output keeps what it showed (the session and
    its data are unchanged). Handlers return their outputs with the session last."""
    import gradio as gr

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def handler(*args):
            state = session_of(args[-1])
            try:
                return fn(*args[:-1], state)
            except Exception as exc:  # noqa: BLE001 - shown to the user; the session stays usable
                out = [gr.update() for _ in range(n_outputs)]
                out[status] = user_message(exc, getattr(state.assistant, "language", "en"))
                out[-1] = state
                return tuple(out)
        return handler
    return wrap


def upload_path(upload) -> str | None:
    if upload is None:
        return None
    return upload if isinstance(upload, str) else getattr(upload, "name", str(upload))
