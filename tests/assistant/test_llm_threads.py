"""The local server's threads follow the cores free now: the decision (pure), the sampling, and the restart of
an idle server before a batch of words with the lifecycle of any start (stub server, no model)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from assistant.core import local_llm
from assistant.core.llm import LLMClient, optional_llm
from assistant.core.local_llm import (LocalLLMServer, ServerRecord, busy_cores_now, cores_free, healthy, in_flight,
                                      requests_in_flight, threads_to_restart_with)
from tests.assistant.fakes import ServerEndpoint

pytestmark = pytest.mark.timeout(90)
STUB = Path(__file__).with_name("llm_stub_server.py")
CORES = local_llm.usable_cores()
needs_two_cores = pytest.mark.skipif(CORES < 2, reason="needs at least 2 cores to change the thread count")


def idle(pid):
    return 0.0, 0.0  # (busy cores, cores the server used)


def one_core_busy(pid):
    return 1.0, 0.0


@pytest.fixture()
def server(tmp_path, workspace, monkeypatch):
    monkeypatch.delenv("MKT_LLM_THREADS", raising=False)
    model = tmp_path / "fake.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 16)
    srv = LocalLLMServer(model, workspace / "llm", command=lambda port: [sys.executable, str(STUB), "--port", str(port)],
                         startup_timeout=30)
    yield srv
    srv.stop()


def test_the_decision_follows_the_free_cores_only_when_nothing_runs():
    assert threads_to_restart_with(1, 2, fixed=False, requests_in_flight=0, server_cores=0.0) == 2  # idle now
    assert threads_to_restart_with(2, 1, fixed=False, requests_in_flight=0, server_cores=0.0) == 1  # busy now
    assert threads_to_restart_with(2, 2, fixed=False, requests_in_flight=0, server_cores=0.0) is None
    assert threads_to_restart_with(1, 2, fixed=True, requests_in_flight=0, server_cores=0.0) is None  # configured
    assert threads_to_restart_with(1, 2, fixed=False, requests_in_flight=1, server_cores=0.0) is None  # our request
    assert threads_to_restart_with(1, 2, fixed=False, requests_in_flight=0, server_cores=0.9) is None  # another's
    assert cores_free(2, 0.3) == 2 and cores_free(2, 0.6) == 1 and cores_free(2, 7.0) == 1 and cores_free(4, 1.2) == 3


def test_busy_cores_are_sampled_now_within_the_machine():
    busy, own = busy_cores_now(0.2, os.getpid())
    assert 0.0 <= busy <= CORES + 0.01 and 0.0 <= own


def test_requests_in_flight_are_counted_per_workspace(tmp_path):
    a, b = tmp_path / "a" / "llm", tmp_path / "b" / "llm"
    with in_flight(a), in_flight(a):
        assert requests_in_flight(a) == 2 and requests_in_flight(b) == 0
    assert requests_in_flight(a) == 0


@needs_two_cores
def test_an_idle_server_started_on_a_busy_minute_gets_the_cores_free_now(server):
    server.fit_threads(measure=lambda pid: (CORES - 1.0, 0.0))  # not started yet: nothing to fit
    assert server.starts == 0
    server.ensure_running()
    server.fit_threads(measure=lambda pid: (CORES - 1.0, 0.0))  # one core free: the stub started with 1 thread
    first_pid, first_port = server.pid, server.port
    assert server.n_threads == 1 and server.starts == 1
    assert server.fit_threads(measure=idle)  # the machine is idle now
    assert server.n_threads == CORES and server.starts == 2 and server.pid != first_pid
    assert healthy(server.port) and not healthy(first_port)
    state = ServerRecord.read(server.state_file)  # the lifecycle of any start: state file, registry, exit hooks
    assert (state.pid, state.n_threads) == (server.pid, CORES) and server in local_llm._OWNED
    assert json.loads((server.registry / f"{server.pid}.json").read_text())["n_threads"] == CORES
    assert not (server.registry / f"{first_pid}.json").exists()
    assert not server.fit_threads(measure=idle)  # already fitted: no restart
    assert server.fit_threads(measure=one_core_busy) and server.n_threads == CORES - 1  # and back when busy


@needs_two_cores
def test_no_restart_under_a_request_or_while_the_server_computes(server):
    server.ensure_running()
    pid = server.pid
    with in_flight(server.state_dir):
        assert not server.fit_threads(measure=idle)
    assert not server.fit_threads(measure=lambda pid: (1.0, 0.9))  # it answers another process of the workspace
    assert server.pid == pid and server.starts == 1


@needs_two_cores
def test_an_adopted_server_is_left_to_its_owner_and_readopted_after_its_restart(server, workspace):
    server.ensure_running()
    other = LocalLLMServer(server.model_path, workspace / "llm", command=server._command, startup_timeout=30)
    assert other.ensure_running() == server.base_url and not other.owned
    assert not other.fit_threads(measure=idle)
    server.n_threads = 1  # as if it had started on a busy minute
    assert server.fit_threads(measure=idle)
    assert other.ensure_running() == server.base_url and other.starts == 0  # adopts the restarted server
    other.stop()
    assert healthy(server.port)


def test_mkt_llm_threads_fixes_the_count(tmp_path, workspace, monkeypatch):
    monkeypatch.setenv("MKT_LLM_THREADS", "1")
    model = tmp_path / "fake.gguf"
    model.write_bytes(b"GGUF")
    srv = LocalLLMServer(model, workspace / "llm", command=lambda port: [sys.executable, str(STUB), "--port",
                                                                         str(port)], startup_timeout=30)
    try:
        srv.ensure_running()
        assert srv.n_threads == 1 and not srv.fit_threads(measure=idle) and srv.starts == 1
    finally:
        srv.stop()


def test_the_real_command_takes_the_threads_of_each_start(tmp_path):
    cmd = local_llm.llama_server_command(tmp_path / "m.gguf", n_threads=2)(8080)
    assert cmd[cmd.index("--n_threads") + 1] == "2" and cmd[cmd.index("--n_threads_batch") + 1] == "2"


@needs_two_cores
def test_a_batch_of_words_fits_the_threads_and_calls_count_as_in_flight(server, monkeypatch):
    llm = LLMClient(model="local", timeout=5, max_retries=0, structured_method="llama_json_schema",
                    backend_name="local stub", local=ServerEndpoint(server))
    llm.warm_up()
    server.n_threads = 1
    monkeypatch.setattr(local_llm, "busy_cores_now", lambda window, pid: (0.0, 0.0))
    assert llm._call(lambda chat: requests_in_flight(server.state_dir), "persona_check") == 1
    assert optional_llm(llm, True, "copy") is llm  # a writer starts a batch of words
    assert server.n_threads == CORES and server.starts == 2
    assert llm.text("persona_check", {"aggregates": {"customers": 3}, "top_categories": ["tea"]}) == "stub"


def test_writers_prepare_a_batch_only_when_they_use_the_llm():
    class Spy:
        batches = 0

        def prepare_batch(self):
            self.batches += 1

    spy = Spy()
    assert optional_llm(spy, False, "copy") is None and spy.batches == 0
    assert optional_llm(spy, True, "personas") is spy and spy.batches == 1


@pytest.mark.llm
@pytest.mark.slow  # two loads of the real model: ~20 s idle, longer on a loaded machine
@needs_two_cores
@pytest.mark.timeout(600)
def test_the_real_server_is_restarted_with_the_free_cores(workspace, monkeypatch):
    monkeypatch.delenv("MKT_LLM_THREADS", raising=False)
    srv = LocalLLMServer(local_llm.resolve_model_path(None), workspace / "llm", workspace=workspace)
    try:
        srv.ensure_running()
        started_with = srv.n_threads
        wanted = 1 if started_with > 1 else CORES
        assert srv.fit_threads(measure=lambda pid: (CORES - wanted, 0.0))
        cmd = local_llm._command_line(srv.pid).split()
        assert cmd[cmd.index("--n_threads") + 1] == str(wanted) and srv.n_threads == wanted and healthy(srv.port)
    finally:
        srv.stop()
