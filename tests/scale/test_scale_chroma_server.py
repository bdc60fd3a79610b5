"""The product store against a real Chroma SERVER (`chroma run`), configured only through the environment
(MKT_CHROMA_HOST / MKT_CHROMA_PORT) as a deployment would: search with filters, a "more like what this household
bought" recommendation from stored vectors, and data that survives a server restart."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assistant.core.settings import Settings

N_PRODUCTS = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """A `chroma run` subprocess on a free port; start() waits for the heartbeat, stop() always reaps it."""

    def __init__(self, path: Path, log: Path):
        exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
        if not Path(exe).exists():
            pytest.skip("the `chroma` command is not installed")
        self.exe, self.path, self.log, self.port, self.proc = exe, path, log, _free_port(), None

    def start(self, timeout: float = 90) -> "ChromaServer":
        import chromadb

        self.proc = subprocess.Popen([self.exe, "run", "--path", str(self.path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=open(self.log, "a"),
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                chromadb.HttpClient(host="127.0.0.1", port=self.port).heartbeat()
                return self
            except Exception:  # noqa: BLE001 - not up yet
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"chroma server did not start: {self.log.read_text()[-2000:]}")
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture()
def chroma_server(tmp_path):
    server = ChromaServer(tmp_path / "server-data", tmp_path / "chroma.log")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cj_catalogue(cj_dataset):
    """N_PRODUCTS real Complete Journey products that were bought, and purchases restricted to them."""
    ds = cj_dataset
    bought = ds.purchases
    top = bought["item_id"].value_counts().head(N_PRODUCTS).index
    products = ds.products[ds.products["item_id"].isin(top)].reset_index(drop=True)
    return products, bought[bought["item_id"].isin(products["item_id"])]


def test_store_search_and_recommend_through_a_chroma_server(chroma_server, workspace, monkeypatch, cj_catalogue):
    from embeddings.encoder import get_encoder
    from embeddings.store import ProductStore
    from embeddings.text import product_texts

    products, purchases = cj_catalogue
    monkeypatch.setenv("MKT_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("MKT_CHROMA_PORT", str(chroma_server.port))
    encoder = get_encoder(Settings.from_env())
    store = ProductStore(Settings.from_env(), encoder=encoder, collection_name="cj_products")
    assert type(store.client).__name__ != "PersistentClient"
    report = store.sync_products(products)
    assert report.added == products["item_id"].nunique() == store.count()
    assert not (workspace / "chroma").exists()  # server mode writes nothing locally

    # Search: a product's own text finds that product first; a category filter is honoured.
    texts = product_texts(products)
    probe = texts.index[7]
    hits = store.query(texts.loc[probe], k=5)
    assert hits["item_id"].iloc[0] == probe and hits["score"].iloc[0] > 0.99
    assert hits["score"].is_monotonic_decreasing
    top_dept = products["category"].str.split(" > ").str[0].value_counts().index[0]
    filtered = store.query("fresh food for the family", k=10, category=top_dept)
    assert len(filtered) > 0 and (filtered["category"] == top_dept).all()

    # Recommendation: profile = mean of the stored vectors of what a household bought; recommend unseen items.
    household = purchases["user_id"].value_counts().index[0]
    seen = purchases.loc[purchases["user_id"] == household, "item_id"].unique().tolist()
    profile = store.get_vectors(seen).mean(axis=0)
    profile /= np.linalg.norm(profile)
    recs = store.query(profile, k=10 + len(seen))
    recs = recs[~recs["item_id"].isin(seen)].head(10)
    assert len(recs) == 10 and set(recs["item_id"]) <= set(products["item_id"])
    catalogue_vectors = store.get_vectors(texts.index.tolist())
    exact = pd.Series(catalogue_vectors @ profile, index=texts.index).drop(seen).nlargest(10)
    assert len(set(recs["item_id"]) & set(exact.index)) >= 8  # the server's ANN agrees with exact search

    # The data lives in the server: after a restart nothing is re-embedded.
    chroma_server.stop()
    chroma_server.start()
    again = ProductStore(Settings.from_env(), encoder=encoder, collection_name="cj_products")
    assert again.count() == report.added
    assert again.sync_products(products).embedded == 0
