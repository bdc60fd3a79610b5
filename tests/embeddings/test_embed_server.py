"""Chroma in server mode: a real `chroma run` subprocess, upsert and query through HttpClient."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.core.settings import Settings
from embeddings.store import ProductStore, make_client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def chroma_server(tmp_path):
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    if not Path(exe).exists():
        pytest.skip("the `chroma` command is not installed")
    port = _free_port()
    log = open(tmp_path / "chroma.log", "w")
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        import chromadb
        deadline = time.monotonic() + 60
        while True:
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
                break
            except Exception:  # noqa: BLE001 - not up yet
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chroma server did not start: {(tmp_path / 'chroma.log').read_text()}")
                time.sleep(0.3)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_upsert_and_query_through_a_chroma_server(chroma_server, workspace, real_encoder, products, monkeypatch):
    monkeypatch.setenv("MKT_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("MKT_CHROMA_PORT", str(chroma_server))
    settings = Settings.from_env()
    client = make_client(settings)
    assert type(client).__name__ != "PersistentClient" and client.heartbeat() > 0
    store = ProductStore(settings, encoder=real_encoder)
    report = store.sync_products(products)
    assert report.added == len(products) and store.count() == len(products)
    hits = store.query("detergent for washing clothes", k=3, in_stock=True)
    assert hits["item_id"].iloc[0] == "3"
    assert not (workspace / "chroma").exists()  # nothing embedded locally in server mode
    again = ProductStore(settings, encoder=real_encoder)
    assert again.sync_products(products).embedded == 0
