"""The Chroma product store with the real model: search, filters, reopen, incremental sync, vectors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.core.settings import Settings
from assistant.core.errors import DataError
from embeddings.store import ProductStore, make_client


class CountingEncoder:
    """Wraps the real encoder and records what it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.model_id, self.dim, self.encoded = inner, inner.model_id, inner.dim, []
        self.model_path = inner.model_path

    def encode(self, texts):
        self.encoded.extend(texts)
        return self.inner.encode(texts)


@pytest.fixture()
def store(workspace, real_encoder, products):
    s = ProductStore(Settings(), encoder=CountingEncoder(real_encoder))
    s.sync_products(products)
    return s


def test_query_by_text_ranks_related_products_first(store):
    hits = store.query("fresh milk for the family", k=3)
    assert list(hits.columns)[:2] == ["item_id", "score"]
    assert set(hits["item_id"].iloc[:2]) == {"1", "2"}
    assert hits["score"].is_monotonic_decreasing
    assert hits.loc[0, "category"] == "DAIRY"


def test_filters_category_price_and_stock(store):
    dairy = store.query("food", k=10, category="DAIRY")
    assert set(dairy["item_id"]) == {"1", "2", "7"}
    cheap = store.query("food", k=10, max_price=3.5, min_price=1.0)
    assert set(cheap["item_id"]) == {"2", "4"}
    assert "4" not in set(store.query("cookies", k=10, in_stock=True)["item_id"])
    both = store.query("x", k=10, category=["DAIRY", "PET"], where={"price": {"$gt": 5.0}})
    assert set(both["item_id"]) == {"1", "6"}


def test_query_by_vector_equals_query_by_text(store, real_encoder):
    by_text = store.query("laundry", k=4)
    by_vec = store.query(real_encoder.encode(["laundry"])[0], k=4)
    assert by_text["item_id"].tolist() == by_vec["item_id"].tolist()
    np.testing.assert_allclose(by_text["score"], by_vec["score"], atol=1e-5)


def test_reopened_store_answers_identically(workspace, real_encoder, products, store):
    before = store.query("dog food", k=5)
    vec = store.get_vectors(["3", "1"])
    del store
    reopened = ProductStore(Settings(), encoder=real_encoder)
    assert reopened.count() == len(products)
    after = reopened.query("dog food", k=5)
    pd.testing.assert_frame_equal(before, after)
    np.testing.assert_allclose(reopened.get_vectors(["3", "1"]), vec, atol=1e-6)
    # a raw client that never saw our encoder can still embed query texts: the function is registered.
    raw = make_client(Settings()).get_collection("products")
    ids = raw.query(query_texts=["dog food"], n_results=5)["ids"][0]
    assert ids == before["item_id"].tolist()


def test_sync_embeds_only_new_and_changed_items(store, products):
    enc = store.encoder
    assert len(enc.encoded) == len(products)
    report = store.sync_products(products)
    assert (report.added, report.changed, report.embedded, report.unchanged) == (0, 0, 0, len(products))
    assert len(enc.encoded) == len(products)

    changed = products.copy()
    changed.loc[changed["item_id"] == "4", "title"] = "Oatmeal raisin cookies"
    changed.loc[changed["item_id"] == "5", "in_stock"] = False  # metadata only: no re-embedding
    new = pd.DataFrame({"item_id": ["9"], "title": ["Greek yogurt"], "category": ["DAIRY > YOGURT"],
                        "price": [1.29], "in_stock": [True]})
    enc.encoded.clear()
    report = store.sync_products(pd.concat([changed, new], ignore_index=True))
    assert (report.added, report.changed, report.metadata_only) == (1, 1, 1)
    assert len(enc.encoded) == 2 and "Oatmeal raisin cookies" in enc.encoded[0] + enc.encoded[1]
    assert store.count() == len(products) + 1
    assert "5" not in set(store.query("banana", k=10, in_stock=True)["item_id"])
    assert store.query("oatmeal raisin", k=1)["item_id"].iloc[0] == "4"

    report = store.sync_products(new, delete_missing=True)
    assert report.deleted == len(products) and store.count() == 1


def test_get_vectors_order_and_unknown_ids(store, real_encoder):
    vecs = store.get_vectors(["2", "1"])
    assert vecs.shape == (2, 384) and vecs.dtype == np.float32
    assert vecs[0] @ vecs[1] > 0.5
    with pytest.raises(DataError, match="not in the vector store"):
        store.get_vectors(["1", "nope"])


def test_upsert_with_given_vectors(workspace, spy_encoder, products):
    s = ProductStore(Settings(), encoder=spy_encoder, collection_name="given")
    vectors = np.eye(len(products), 8, dtype=np.float32)
    assert s.upsert_products(products, vectors=vectors) == len(products)
    assert spy_encoder.calls == []
    top = s.query(vectors[2], k=1)
    assert top["item_id"].iloc[0] == "3" and top["score"].iloc[0] == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(DataError, match="vectors"):
        s.upsert_products(products, vectors=vectors[:3])


def test_model_change_is_detected(workspace, spy_encoder, products):
    ProductStore(Settings(), encoder=spy_encoder, collection_name="models").upsert_products(products)
    from .conftest import SpyEncoder
    with pytest.raises(DataError, match="embedding model"):
        ProductStore(Settings(), encoder=SpyEncoder(model_id="other"), collection_name="models")


def test_empty_store_returns_an_empty_frame(workspace, spy_encoder):
    s = ProductStore(Settings(), encoder=spy_encoder, collection_name="empty")
    hits = s.query(np.ones(8, dtype=np.float32), k=5)
    assert hits.empty and list(hits.columns)[:2] == ["item_id", "score"] and s.count() == 0


def test_post_filter_agrees_with_chromas_where(store, real_encoder):
    from embeddings.store import matches
    queries = real_encoder.encode(["milk", "cleaning", "snack", "pet"])
    for filters in ({"category": "DAIRY"}, {"max_price": 5.0, "in_stock": True},
                    {"where": {"$or": [{"brand": "Tide"}, {"price": {"$lt": 1.0}}]}}):
        ours = store.query_many(queries, k=2, **filters)
        chroma = store._search(queries, 2, store.build_where(**filters))
        assert ours[["query", "item_id"]].values.tolist() == chroma[["query", "item_id"]].values.tolist()
    assert matches({"price": 3.0, "category": "DAIRY"}, {"$and": [{"price": {"$gte": 3}}, {"category": {"$in": ["DAIRY"]}}]})
    assert not matches({"in_stock": False}, {"in_stock": True})
