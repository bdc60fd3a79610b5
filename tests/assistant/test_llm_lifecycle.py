"""The managed local LLM server never outlives the process that started it (issue 19).

A starter process (the same `LocalLLMServer.ensure_running` the app calls, from a short-lived thread like the
UI's warm-up) is ended every way a process ends; the server's whole process group must be gone within seconds.
The default run uses the stub server (tests/assistant/llm_stub_server.py, ~0.3 s to start) through the real
guard; the `llm`-marked tests do the same with the real `llama_cpp.server` and the packaged model through
`get_llm().warm_up()`, exactly what `mkt ui` runs.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from assistant import cli
from assistant.core import local_llm
from assistant.core.local_llm import LocalLLMServer, ServerRecord, _process_start, healthy
from tests.conftest import servers_of_this_run

pytestmark = [pytest.mark.timeout(120),
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; PDEATHSIG is Linux")]
STUB = Path(__file__).with_name("llm_stub_server.py")
GONE_WITHIN = 5.0  # seconds

# an app started from a terminal: a test run started with nohup or in the background hands its children SIGHUP /
# SIGINT ignored, and the exit handlers would rightly chain to "ignore"
FROM_A_TERMINAL = ("import signal; signal.signal(signal.SIGHUP, signal.SIG_DFL); "
                   "signal.signal(signal.SIGINT, signal.default_int_handler)\n")
STARTER = textwrap.dedent("""
    import json, resource, sys, threading, time
    from pathlib import Path
    from assistant.core.local_llm import LocalLLMServer, install_exit_handlers
    model, workspace, registry, guard, stub = sys.argv[1:6]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # the crash case leaves no core file
    install_exit_handlers()  # what importing assistant.core.llm does in the app's main thread
    server = LocalLLMServer(Path(model), Path(workspace) / "llm", registry=Path(registry), guard=guard,
                            command=lambda port: [sys.executable, stub, "--port", str(port)], startup_timeout=60)
    worker = threading.Thread(target=server.ensure_running)  # short-lived, like the UI's warm-up thread
    worker.start()
    worker.join()
    print(json.dumps({"pid": server.pid, "port": server.port}), flush=True)
    how = sys.stdin.readline().strip()
    if how == "exit":
        sys.exit(0)
    if how == "crash":
        import ctypes
        ctypes.string_at(0)  # SIGSEGV
    time.sleep(120)
""")


def group_members(pgid: int) -> list[int]:
    """Live processes of process group `pgid` (a server and, in watchdog mode, its guard)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def wait_gone(pgid: int, within: float = GONE_WITHIN) -> float:
    """Seconds until the group is empty; fails after `within`."""
    started = time.monotonic()
    while group_members(pgid):
        if time.monotonic() - started > within:
            pytest.fail(f"the server's process group {pgid} is still alive after {within} s: {group_members(pgid)}")
        time.sleep(0.05)
    return time.monotonic() - started


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture()
def fake_model(tmp_path) -> Path:
    path = tmp_path / "fake.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 16)
    return path


@pytest.fixture()
def registry(tmp_path, monkeypatch) -> Path:
    """A private server registry: MKT_CACHE_DIR points at tmp (also for `mkt llm` and child processes)."""
    monkeypatch.setenv("MKT_CACHE_DIR", str(tmp_path / "cache"))
    return local_llm.registry_dir()


class Starter:
    """A process that starts a workspace's server and then waits to be ended."""

    def __init__(self, fake_model: Path, workspace: Path, registry: Path, guard: str = "pdeathsig"):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", FROM_A_TERMINAL + STARTER, str(fake_model), str(workspace), str(registry), guard,
             str(STUB)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.kill()
            pytest.fail(f"the starter exited ({self.proc.wait()}) before its server answered")
        info = json.loads(line)
        self.server_pid, self.port = info["pid"], info["port"]
        self.state_file = workspace / "llm" / "server.json"
        self.registry_entry = registry / f"{self.server_pid}.json"

    def say(self, word: str) -> None:
        self.proc.stdin.write(word + "\n")
        self.proc.stdin.flush()

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        kill_group(self.server_pid)


def start(fake_model, workspace, registry, guard="pdeathsig") -> Starter:
    starter = Starter(fake_model, workspace, registry, guard)
    assert healthy(starter.port) and group_members(starter.server_pid)
    assert starter.state_file.exists() and starter.registry_entry.exists()
    return starter


@pytest.mark.parametrize("how, returncode", [
    ("SIGTERM", -signal.SIGTERM), ("SIGHUP", -signal.SIGHUP), ("SIGINT", -signal.SIGINT), ("exit", 0)])
def test_a_server_stops_cleanly_when_its_starter_ends_normally_or_is_told_to(how, returncode, fake_model,
                                                                             workspace, registry):
    starter = start(fake_model, workspace, registry)
    try:
        if how == "exit":
            starter.say("exit")
        else:
            starter.proc.send_signal(getattr(signal, how))
        assert starter.proc.wait(10) == returncode  # the chained default action: still "killed by SIGTERM"
        wait_gone(starter.server_pid)
        assert not starter.state_file.exists() and not starter.registry_entry.exists()  # the cleanup ran
    finally:
        starter.cleanup()


@pytest.mark.parametrize("how, guard", [("SIGKILL", "pdeathsig"), ("crash", "pdeathsig"),
                                        ("SIGKILL", "watchdog")])
def test_a_server_dies_with_a_starter_that_is_killed_or_crashes(how, guard, fake_model, workspace, registry,
                                                               caplog):
    starter = start(fake_model, workspace, registry, guard)
    try:
        if how == "crash":
            starter.say("crash")
            assert starter.proc.wait(10) == -signal.SIGSEGV
        else:
            starter.proc.kill()
            starter.proc.wait(10)
        wait_gone(starter.server_pid)
        assert not healthy(starter.port, timeout=0.5)
        # no cleanup could run: the next start of the workspace cleans the stale state, with one log line
        assert ServerRecord.read(starter.state_file).condition() == "gone"
        server = LocalLLMServer(fake_model, workspace / "llm", command=stub_command, startup_timeout=30)
        with caplog.at_level(logging.WARNING, logger="assistant.core.local_llm"):
            server.ensure_running()
        try:
            stale = [r.getMessage() for r in caplog.records if "stale" in r.getMessage()]
            assert len(stale) == 1 and f"server pid {starter.server_pid} is no longer running" in stale[0]
            assert server.pid != starter.server_pid and not starter.registry_entry.exists()
        finally:
            server.stop()
    finally:
        starter.cleanup()


def test_a_server_still_loading_is_stopped_when_its_starter_is_told_to_stop(fake_model, workspace, registry,
                                                                           tmp_path):
    loading = tmp_path / "loading_server.py"  # a server that never finishes loading its model
    stopped = tmp_path / "told-to-stop"  # written on SIGTERM: the starter stopped it, not only the kernel
    loading.write_text(f"import signal, sys, time\nsignal.signal(signal.SIGTERM, lambda *_: "
                       f"(open({str(stopped)!r}, 'w').write('yes'), sys.exit(0)))\n"
                       f"open({str(stopped)!r}, 'w').write('loading')\ntime.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", STARTER, str(fake_model), str(workspace), str(registry),
                             "pdeathsig", str(loading)], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not stopped.exists():
            assert time.monotonic() < deadline and proc.poll() is None, "the loading server never started"
            time.sleep(0.05)
        server = [pid for pid in map(int, filter(str.isdigit, os.listdir("/proc")))
                  if str(loading) in local_llm._command_line(pid)]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == -signal.SIGTERM
        wait_gone(server[0])
        assert stopped.read_text() == "yes"
        assert not (workspace / "llm" / "server.json").exists() and not list(registry.glob("*.json"))
    finally:
        proc.kill()
        proc.wait(10)


def test_the_previous_sigterm_handler_is_chained_and_an_ignored_sighup_stays_ignored(fake_model, workspace,
                                                                                    registry, tmp_path):
    marker = tmp_path / "previous-handler-ran"
    script = textwrap.dedent(f"""
        import signal, sys
        from pathlib import Path
        def previous(signum, frame):
            Path({str(marker)!r}).write_text("yes")
            sys.exit(0)
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    """) + STARTER.replace("install_exit_handlers()", "install_exit_handlers(); "
                           "print('SIGHUP ignored' if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN else 'no', "
                           "flush=True)", 1)
    proc = subprocess.Popen([sys.executable, "-c", script, str(fake_model), str(workspace), str(registry),
                             "pdeathsig", str(STUB)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "SIGHUP ignored"
        server_pid = json.loads(proc.stdout.readline())["pid"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0 and marker.read_text() == "yes"  # the app's own handler still decides
        wait_gone(server_pid)
        assert not (workspace / "llm" / "server.json").exists()
    finally:
        proc.kill()
        proc.wait(10)


def test_importing_the_llm_module_in_the_main_thread_installs_the_exit_handlers():
    code = ("import signal, assistant.core.llm; from assistant.core import local_llm; "
            "print(signal.getsignal(signal.SIGTERM) is local_llm._on_exit_signal)")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_BASE_URL", "OPENAI_API_KEY")}
    local = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert local.stdout.strip() == "True", local.stderr[-2000:]


def test_remote_only_configurations_keep_their_signal_handlers(monkeypatch):
    from assistant.core import llm

    saved = {signum: signal.getsignal(signum) for signum in local_llm._EXIT_SIGNALS}
    saved_previous = dict(local_llm._PREVIOUS_HANDLERS)
    try:
        local_llm._PREVIOUS_HANDLERS.clear()
        for signum in saved:
            signal.signal(signum, signal.SIG_DFL)
        monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
        llm._install_local_exit_handlers()
        assert all(signal.getsignal(signum) is signal.SIG_DFL for signum in saved)
        monkeypatch.delenv("OPENAI_BASE_URL")
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        llm._install_local_exit_handlers()
        assert all(signal.getsignal(signum) is local_llm._on_exit_signal for signum in saved)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
        local_llm._PREVIOUS_HANDLERS.clear()
        local_llm._PREVIOUS_HANDLERS.update(saved_previous)


def stub_command(port: int) -> list[str]:
    return [sys.executable, str(STUB), "--port", str(port)]


def test_a_live_owners_server_is_reused_and_dies_with_its_owner(fake_model, workspace, registry):
    starter = start(fake_model, workspace, registry)
    second = LocalLLMServer(fake_model, workspace / "llm", command=stub_command, startup_timeout=30)
    try:
        url = second.ensure_running()
        assert url == f"http://127.0.0.1:{starter.port}/v1" and second.starts == 0 and not second.owned
        starter.proc.kill()
        starter.proc.wait(10)
        wait_gone(starter.server_pid)
        assert not second.alive()
        second.ensure_running()  # the owner is gone, so this process starts (and owns) its own
        assert second.starts == 1 and second.owned and second.pid != starter.server_pid
    finally:
        second.stop()
        starter.cleanup()


def orphan(fake_model: Path, workspace: Path, registry: Path) -> tuple[subprocess.Popen, ServerRecord]:
    """A stub server whose recorded owner is a process that has ended (what an older version left behind)."""
    port = local_llm.free_port()
    proc = subprocess.Popen(stub_command(port), start_new_session=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    deadline = time.monotonic() + 30
    while not healthy(port, timeout=0.5):
        assert time.monotonic() < deadline, "the stub server did not start"
        time.sleep(0.1)
    record = ServerRecord(pid=proc.pid, port=port, model=str(fake_model), workspace=str(workspace),
                          owner_pid=dead.pid, owner_start="0", server_start=_process_start(proc.pid),
                          started_at=time.time(), guard="pdeathsig")
    record.write(workspace / "llm" / "server.json")
    record.write(registry / f"{proc.pid}.json")
    return proc, record


def test_a_stale_state_with_a_dead_owner_stops_the_orphan_and_starts_anew(fake_model, workspace, registry,
                                                                          caplog):
    proc, record = orphan(fake_model, workspace, registry)
    assert record.condition() == "orphaned"
    server = LocalLLMServer(fake_model, workspace / "llm", command=stub_command, startup_timeout=30)
    try:
        with caplog.at_level(logging.WARNING, logger="assistant.core.local_llm"):
            server.ensure_running()
        stale = [r.getMessage() for r in caplog.records if "stale" in r.getMessage()]
        assert len(stale) == 1 and f"stopped the orphaned server pid {proc.pid}" in stale[0]
        assert proc.wait(10) is not None and server.owned and server.pid != proc.pid
        assert json.loads(server.state_file.read_text())["owner_pid"] == os.getpid()
    finally:
        server.stop()
        kill_group(proc.pid)
        proc.wait(10)


def test_a_state_naming_a_foreign_process_is_dropped_and_the_process_left_alone(fake_model, workspace, registry,
                                                                               caplog):
    other = subprocess.Popen(["sleep", "60"])
    state = workspace / "llm" / "server.json"
    ServerRecord(pid=other.pid, port=1, model=str(fake_model), workspace=str(workspace), owner_pid=os.getpid(),
                 owner_start=_process_start(os.getpid()), server_start="0").write(state)  # pid reused
    server = LocalLLMServer(fake_model, workspace / "llm", command=stub_command, startup_timeout=30)
    try:
        with caplog.at_level(logging.WARNING, logger="assistant.core.local_llm"):
            server.ensure_running()
        stale = [r.getMessage() for r in caplog.records if "stale" in r.getMessage()]
        assert len(stale) == 1 and "another process, left alone" in stale[0]
        assert other.poll() is None and server.owned
    finally:
        server.stop()
        other.kill()
        other.wait(10)


def test_an_older_versions_state_file_is_cleaned(fake_model, workspace, registry, caplog):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    state = workspace / "llm" / "server.json"
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps({"pid": dead.pid, "port": 1, "model": str(fake_model), "started_by": dead.pid,
                                 "started_at": time.time()}))
    server = LocalLLMServer(fake_model, workspace / "llm", command=stub_command, startup_timeout=30)
    try:
        with caplog.at_level(logging.WARNING, logger="assistant.core.local_llm"):
            server.ensure_running()
        assert sum("stale" in r.getMessage() for r in caplog.records) == 1
        assert json.loads(state.read_text())["pid"] == server.pid
    finally:
        server.stop()


def test_listing_forgets_servers_that_are_gone_with_their_state_file(fake_model, workspace, registry):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    record = ServerRecord(pid=dead.pid, port=1, model=str(fake_model), workspace=str(workspace),
                          owner_pid=os.getpid(), server_start="0")
    record.write(record.state_file)
    record.write(registry / f"{dead.pid}.json")
    assert local_llm.managed_servers() == []
    assert not record.state_file.exists() and not list(registry.glob("*.json"))


def test_mkt_llm_status_and_stop(fake_model, workspace, registry, capsys):
    server = LocalLLMServer(fake_model, workspace / "llm", command=stub_command, startup_timeout=30)
    server.ensure_running()
    proc, _ = orphan(fake_model, workspace.parent / "other-workspace", registry)  # after: a start stops orphans
    try:
        assert cli.main(["llm", "status"]) == 0
        out = capsys.readouterr().out
        rows = {line.split(" | ")[0].strip("| "): line for line in out.splitlines()[2:]}
        assert set(rows) == {str(server.pid), str(proc.pid)}
        mine = rows[str(server.pid)]
        assert all(part in mine for part in (str(server.port), "fake.gguf", f"pid {os.getpid()}",
                                             str(workspace.resolve())))
        assert "orphan" in rows[str(proc.pid)] and "orphan" not in mine
        assert "| threads |" in out.splitlines()[0] and f"| {server.n_threads} |" in mine

        assert cli.main(["llm", "stop"]) == 0  # the current workspace's server (MKT_WORKSPACE) only
        assert f"Stopped the local LLM server pid {server.pid}" in capsys.readouterr().out
        wait_gone(server.pid)
        assert not server.state_file.exists() and proc.poll() is None

        assert cli.main(["llm", "stop", "--pid", "1"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == ["mkt llm: pid 1 is not a local LLM server started by mkt (see `mkt llm status`)"]

        assert cli.main(["llm", "stop", "--all"]) == 0
        assert f"Stopped the local LLM server pid {proc.pid}" in capsys.readouterr().out
        assert proc.wait(10) is not None
        assert cli.main(["llm", "status"]) == 0
        assert capsys.readouterr().out.strip() == "No local LLM server started by mkt is running."
    finally:
        server.stop()
        kill_group(proc.pid)
        proc.wait(10)


def test_the_session_end_check_finds_servers_started_by_this_run():
    port = local_llm.free_port()
    proc = subprocess.Popen(stub_command(port))
    try:
        deadline = time.monotonic() + 30
        while proc.pid not in servers_of_this_run():
            assert time.monotonic() < deadline, "the session-end check does not see a server this run started"
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait(10)
    assert proc.pid not in servers_of_this_run()


# ---------------------------------------------------------------------------------------------- real llama.cpp
REAL_STARTER = textwrap.dedent("""
    import json, sys, threading
    from assistant.core.llm import get_llm
    client = get_llm()
    worker = threading.Thread(target=client.warm_up)  # what `mkt ui` does in its warm-up thread
    worker.start()
    worker.join()
    server = client._local.server
    print(json.dumps({"pid": server.pid, "port": server.port}), flush=True)
    sys.stdin.readline()
""")


@pytest.mark.llm
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_the_real_llama_cpp_server_dies_with_the_app(sig, workspace, registry):
    proc = subprocess.Popen([sys.executable, "-c", REAL_STARTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    server_pid = None
    try:
        line = proc.stdout.readline()
        assert line, f"the app exited ({proc.wait()}) before its server answered"
        info = json.loads(line)
        server_pid = info["pid"]
        assert "llama_cpp.server" in local_llm._command_line(server_pid) and healthy(info["port"])
        proc.send_signal(sig)
        proc.wait(30)
        wait_gone(server_pid)
        assert (workspace / "llm" / "server.json").exists() == (sig == signal.SIGKILL)  # cleanup ran on SIGTERM
    finally:
        proc.kill()
        proc.wait(30)
        if server_pid:
            kill_group(server_pid)
