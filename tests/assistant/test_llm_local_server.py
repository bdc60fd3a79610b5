"""The local server manager (one server per workspace, reuse, restart) and model assembly with sha256 checks.

The llama.cpp server is stood in for by tests/assistant/llm_stub_server.py run as a child process: the
manager's behaviour (start, health check, state file, adopt, restart, stop) does not depend on the model.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from assistant.core.llm import LLMClient
from assistant.core.errors import LLMUnavailable, ModelIntegrityError
from assistant.core.local_llm import LocalLLMServer, assemble_model, healthy, resolve_model_path
from tests.assistant.fakes import ServerEndpoint

pytestmark = pytest.mark.timeout(90)
STUB = Path(__file__).with_name("llm_stub_server.py")


def stub_command(port: int) -> list[str]:
    return [sys.executable, str(STUB), "--port", str(port)]


@pytest.fixture()
def fake_model(tmp_path) -> Path:
    path = tmp_path / "fake.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 16)
    return path


def make(fake_model: Path, workspace: Path, **kwargs) -> LocalLLMServer:
    return LocalLLMServer(fake_model, workspace / "llm", command=kwargs.pop("command", stub_command),
                          startup_timeout=30, **kwargs)


def test_starts_writes_state_and_stops(fake_model, workspace):
    server = make(fake_model, workspace)
    url = server.ensure_running()
    try:
        assert url == f"http://127.0.0.1:{server.port}/v1" and healthy(server.port)
        state = json.loads(server.state_file.read_text())
        assert state["pid"] == server.pid and state["port"] == server.port and state["model"] == str(fake_model)
        assert server.ensure_running() == url and server.starts == 1  # cheap second call, same server
    finally:
        port = server.port
        server.stop()
    assert not healthy(port) and not server.state_file.exists()


def test_second_manager_of_the_workspace_reuses_the_live_server(fake_model, workspace):
    first, second = make(fake_model, workspace), make(fake_model, workspace)
    try:
        url = first.ensure_running()
        assert second.ensure_running() == url
        assert second.starts == 0 and not second.owned and second.pid == first.pid
    finally:
        second.stop()  # not its server: must leave it running
        assert healthy(first.port)
        first.stop()


def test_a_killed_server_is_restarted_on_the_next_call(fake_model, workspace):
    server = make(fake_model, workspace)
    try:
        server.ensure_running()
        old_pid = server.pid
        os.killpg(old_pid, signal.SIGKILL)
        server._proc.wait(timeout=10)
        server.ensure_running()
        assert server.pid != old_pid and server.starts == 2 and healthy(server.port)
    finally:
        server.stop()


def test_client_restarts_a_dead_local_server_and_answers(fake_model, workspace):
    server = make(fake_model, workspace)
    llm = LLMClient(model="local", timeout=5, max_retries=0, structured_method="llama_json_schema",
                    backend_name="local stub", local=ServerEndpoint(server))
    try:
        variables = {"aggregates": {"customers": 3}, "top_categories": ["tea"]}
        assert llm.text("persona_check", variables) == "stub"
        os.killpg(server.pid, signal.SIGKILL)
        server._proc.wait(timeout=10)
        assert llm.text("persona_check", variables) == "stub"
        assert server.starts == 2
    finally:
        server.stop()


def test_a_server_that_exits_at_start_gives_a_clear_error_with_its_log(fake_model, workspace):
    server = make(fake_model, workspace,
                  command=lambda port: [sys.executable, "-c", "import sys; print('boom: bad model'); sys.exit(3)"])
    with pytest.raises(LLMUnavailable, match="exited with code 3") as info:
        server.ensure_running()
    assert "boom: bad model" in str(info.value) and "OPENAI_BASE_URL" in str(info.value)


def _parts(tmp_path: Path) -> tuple[list[Path], str]:
    parts = []
    for index, payload in enumerate([b"GGUF-part-one|", b"part-two|", b"part-three"], start=1):
        part = tmp_path / "parts" / f"part{index:02d}.bin"
        part.parent.mkdir(exist_ok=True)
        part.write_bytes(payload)
        parts.append(part)
    return parts, hashlib.sha256(b"GGUF-part-one|part-two|part-three").hexdigest()


def test_assemble_concatenates_in_order_and_verifies(tmp_path):
    parts, sha = _parts(tmp_path)
    dest = assemble_model(parts, tmp_path / "models" / "m.gguf", sha)
    assert dest.read_bytes() == b"GGUF-part-one|part-two|part-three"
    mtime = dest.stat().st_mtime_ns
    assert assemble_model(parts, dest, sha) == dest and dest.stat().st_mtime_ns == mtime  # done once


def test_assemble_refuses_a_sha_mismatch_and_leaves_no_file(tmp_path):
    parts, _ = _parts(tmp_path)
    dest = tmp_path / "models" / "m.gguf"
    with pytest.raises(ModelIntegrityError, match="sha256") as info:
        assemble_model(parts, dest, "0" * 64)
    assert "reinstall" in str(info.value)
    assert not dest.exists() and not list(dest.parent.glob("*.tmp*"))


def test_a_corrupted_assembled_file_is_rebuilt(tmp_path):
    parts, sha = _parts(tmp_path)
    dest = assemble_model(parts, tmp_path / "models" / "m.gguf", sha)
    dest.write_bytes(b"GGUF-tampered")
    assert assemble_model(parts, dest, sha).read_bytes() == b"GGUF-part-one|part-two|part-three"


def test_mkt_local_model_must_exist_and_be_gguf(tmp_path, fake_model):
    assert resolve_model_path(str(fake_model)) == fake_model
    with pytest.raises(LLMUnavailable, match="does not exist"):
        resolve_model_path(str(tmp_path / "missing.gguf"))
    not_gguf = tmp_path / "model.bin"
    not_gguf.write_bytes(b"PK\x03\x04")
    with pytest.raises(LLMUnavailable, match="not a GGUF"):
        resolve_model_path(str(not_gguf))
