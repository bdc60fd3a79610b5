"""Shared fixtures: where the real datasets live and a per-test workspace; a session-end check that the run leaves
no LLM server running."""
from __future__ import annotations

import contextlib
import copy
import functools
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from assistant.core.settings import offline_environment

offline_environment()

# MKT_SHARED_DATA, else the nearest `shared/data` beside the checkout or beside any folder above it (so a clone
# or worktree anywhere under the team's folder finds the same data, with no machine path written here).
_BESIDE = [parent / "shared" / "data" for parent in Path(__file__).resolve().parents[1:]]
_CANDIDATES = [os.environ.get("MKT_SHARED_DATA"), *_BESIDE]
SHARED_DATA = next((Path(c) for c in _CANDIDATES if c and Path(c).exists()), _BESIDE[1])


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public datasets (../shared/data); tests that need them skip when they are absent."""
    if not SHARED_DATA.exists():
        pytest.skip(f"real datasets not found at {SHARED_DATA} (set MKT_SHARED_DATA)")
    return SHARED_DATA


@functools.lru_cache(maxsize=1)
def _demo_once():
    from assistant.core.data import load_demo
    return load_demo()


def demo_copy():
    """The bundled demo data, read from disk once per test run (reading and cleaning it takes seconds, and many
    modules start from it); each call returns a deep copy, so a test that changes its tables changes nobody
    else's. The loader itself is tested on its own (tests/data)."""
    return copy.deepcopy(_demo_once())


@pytest.fixture(scope="session")
def catalogue_workspace(tmp_path_factory) -> Path:
    """ONE workspace folder per test run for the product collections (Chroma) of the datasets the tests share
    read-only: the demo data and its 120-household subset. Why: syncing a catalogue into a new collection and
    tuning the recommender over it take a minute or more on 2 cores, and the facade shares a fitted recommender
    process-wide per (tables, product collection) — with one collection per dataset it is fitted once per run,
    not once per module. The browser tests over the demo data use it as the app's MKT_WORKSPACE (the app keeps
    only the product collection there: each browser session has its own folder). A test that changes a
    catalogue (renamed or hostile products) keeps its own workspace."""
    return tmp_path_factory.mktemp("catalogues")


@pytest.fixture(scope="session")
def shared_store(catalogue_workspace):
    """`shared_store(dataset)`: the product collection of `dataset` (by name) in `catalogue_workspace`, the same
    object the app's sessions use there. Only for tests that do not change the dataset's products."""
    from assistant.api.workspace import Workspace
    from embeddings.cache import get_cached_encoder

    def store(dataset):
        return Workspace(catalogue_workspace).product_store(get_cached_encoder(), dataset.name)
    return store


@pytest.fixture()
def workspace(tmp_path, monkeypatch) -> Path:
    """A fresh workspace folder, also exported as MKT_WORKSPACE."""
    path = tmp_path / "workspace"
    path.mkdir()
    monkeypatch.setenv("MKT_WORKSPACE", str(path))
    return path


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium for the browser tests (tests/browser.py has the app and page helpers)."""
    from tests.browser import chromium
    with chromium() as instance:
        yield instance


# ---------------------------------------------------------------------------------------------- no leftover servers
# Every process this test run starts inherits this mark, so the session-end check finds the LLM servers (and their
# stand-ins) the run started, wherever they were re-parented, and nobody else's.
RUN_MARK = "MKT_TEST_RUN"
if not os.environ.get(RUN_MARK, "").startswith(f"{os.getpid()}-"):  # a nested run (a test's own pytest) gets its own
    os.environ[RUN_MARK] = f"{os.getpid()}-{time.time_ns()}"
SERVER_COMMANDS = ("llama_cpp.server", "llm_stub_server.py")
_LEFT_RUNNING: list[str] = []
_STOPPED_AT_END: list[int] = []


def servers_of_this_run() -> dict[int, str]:
    """pid -> command line of the live llama.cpp servers (or stub stand-ins) started by this test run (Linux)."""
    mark = f"{RUN_MARK}={os.environ[RUN_MARK]}".encode()
    found = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if int(proc.name) == os.getpid() or not any(c in cmdline for c in SERVER_COMMANDS):
                continue
            if mark not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            if (proc / "stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z":
                continue
        except (OSError, ValueError):
            continue
        found[int(proc.name)] = cmdline
    return found


def pytest_sessionfinish(session, exitstatus):
    """Leave no LLM server running: stop the ones this process still owns (atexit would have), then kill and
    report any other server the run started that is still alive — one that would have outlived the run."""
    local_llm = sys.modules.get("assistant.core.local_llm")
    if local_llm is not None:
        _STOPPED_AT_END.extend(local_llm.stop_owned_servers())
    deadline = time.monotonic() + 5  # servers told to stop a moment ago may still be exiting
    while (alive := servers_of_this_run()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid, cmdline in alive.items():
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        _LEFT_RUNNING.append(f"pid {pid}: {cmdline[:300]}")
    if alive:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _STOPPED_AT_END:
        terminalreporter.write_line(f"note: stopped {len(_STOPPED_AT_END)} local LLM server(s) that tests left to "
                                    f"the end of the run (pids {_STOPPED_AT_END})", yellow=True)
    if _LEFT_RUNNING:
        terminalreporter.section("LLM SERVERS LEFT RUNNING BY THIS TEST RUN (killed; the run fails)", sep="!",
                                 red=True, bold=True)
        for line in _LEFT_RUNNING:
            terminalreporter.write_line(line, red=True)
