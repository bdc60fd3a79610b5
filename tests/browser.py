"""One way to run the real app and drive it with Debian's Chromium (Playwright), for every browser test.

- `running_app(...)`: the app from `build_app()`, launched on a free loopback port with the product's own
  security options (`launch_options`: login, upload cap, blocked workspace, per-browser file access), in a
  temporary workspace, with per-module environment variables and patches; closed and undone afterwards.
- `browser` (a module fixture in tests/conftest.py): one headless Chromium per test module, with the flags that
  keep it offline; each test opens its own context (a separate browser session: its own cookies).
- `new_page(browser, url)`: a fresh context and page on the app, the chat input visible.
"""
from __future__ import annotations

import contextlib
import shutil
import socket
from pathlib import Path
from typing import Any, Iterator

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run",
                 # no lookups of outside hosts by Chromium itself (the app is reached as 127.0.0.1)
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def llm_down() -> dict[str, str]:
    """Environment that points the LLM at a closed port: personas and copy fall back to their templates at once
    (for tests about what reaches the browser, not about wording)."""
    return {"OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1", "OPENAI_API_KEY": "unused",
            "MKT_LLM_MAX_RETRIES": "0", "MKT_LLM_TIMEOUT": "5"}


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")


def start_app(warm_up: bool = True, **launch_overrides) -> tuple[Any, str]:
    """`build_app()` launched with the product's security options (plus overrides); returns (demo, url)."""
    from assistant.ui.app import build_app, launch_options
    demo = build_app(warm_up=warm_up)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                **{**launch_options(), **launch_overrides})
    return demo, f"http://127.0.0.1:{port}/"


@contextlib.contextmanager
def app_environment(tmp_path_factory, name: str, env: dict[str, str] | None = None,
                    patches: dict[str, Any] | None = None, workspace: Path | None = None
                    ) -> Iterator[pytest.MonkeyPatch]:
    """A fresh saved workspace (or `workspace`, e.g. the run's shared `catalogue_workspace`), no login unless
    asked, `env` set and `patches` (dotted path -> value) applied; everything undone at the end. Yields the
    MonkeyPatch so a test can change more."""
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("MKT_WORKSPACE", str(workspace or tmp_path_factory.mktemp(name)))
        mp.delenv("MKT_UI_USER", raising=False)
        mp.delenv("MKT_UI_PASSWORD", raising=False)
        for key, value in (env or {}).items():
            mp.setenv(key, value)
        for target, value in (patches or {}).items():
            mp.setattr(target, value)
        yield mp
    finally:
        mp.undo()


@contextlib.contextmanager
def running_app(tmp_path_factory, name: str, env: dict[str, str] | None = None,
                patches: dict[str, Any] | None = None, warm_up: bool = True,
                workspace: Path | None = None) -> Iterator[str]:
    """The app running in `app_environment(...)`; yields its URL, closes it at the end."""
    require_chromium()
    with app_environment(tmp_path_factory, name, env, patches, workspace):
        demo, url = start_app(warm_up=warm_up)
        try:
            yield url
        finally:
            demo.close()


@contextlib.contextmanager
def new_page(browser, url: str, wait_for: str = "#chat-input textarea"):
    """A fresh browser context (its own session and cookies) with the app open."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(wait_for)
        yield page
    finally:
        context.close()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never `playwright install`: nothing is downloaded)."""
    require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
