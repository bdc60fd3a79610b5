"""The vector store in the product path: recommendations and similar products are served through the Chroma
collection (a spy store proves the calls), a reopened workspace embeds nothing, only new or changed products are
embedded, and nothing is embedded for recommendations when the content signal is off."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from assistant.api.facade import MarketingAssistant
from assistant.core import registry
from tests.api.conftest import demo_subset


def new_process():
    """Forget what a new process would not have: shared product stores and fitted models (the loaded embedding
    model may stay: it holds no data)."""
    registry.forget("product_store")
    registry.forget("fitted_model")


class CountingEncoder:
    """The real cached encoder, counting every text the product asks it to embed."""

    def __init__(self):
        from embeddings.cache import get_cached_encoder
        self.inner = get_cached_encoder()
        self.model_id, self.texts = self.inner.model_id, []

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts):
        self.texts.extend(texts)
        return self.inner.encode(texts)


class SpyStore:
    """A real ProductStore that records the calls it serves."""

    def __init__(self, store):
        self.store, self.calls = store, []

    def __getattr__(self, name):
        attr = getattr(self.store, name)
        if callable(attr) and name in {"query", "query_many", "get_vectors", "sync_products"}:
            def spy(*args, **kwargs):
                self.calls.append(name)
                return attr(*args, **kwargs)
            return spy
        return attr


@pytest.fixture(scope="module")
def small():
    return demo_subset(120)


def test_recommendations_and_similar_products_in_the_ui_go_through_the_collection(small, tmp_path):
    from assistant.api.workspace import Workspace
    from assistant.ui import recs_tab
    from assistant.ui.session import Session
    from embeddings.cache import get_cached_encoder
    encoder = get_cached_encoder()
    spy = SpyStore(Workspace(tmp_path).product_store(encoder, small.name))
    session = Session(MarketingAssistant(small, workspace=tmp_path, encoder=encoder, store=spy))
    user = str(small.events["user_id"].iloc[0])

    table, status, _ = recs_tab.lookup_recommendations(user, 10, False, session)
    assert "Top 10" in status and len(table) == 10
    assert "get_vectors" in spy.calls, "the recommender's item vectors must come from the collection"
    served = spy.calls.count("query")
    assert served >= 1, "content candidates must be served by the collection"

    product = str(small.events["item_id"].value_counts().index[0])
    table, status, _ = recs_tab.similar_products(product, 10, session)
    assert "similar to" in status and len(table) > 0
    assert spy.calls.count("query") > served, "similar products must query the collection"

    table, status, _ = recs_tab.search_products("milk", 5, session)
    assert len(table) == 5 and spy.calls.count("query") > served + 1


def test_reopened_workspace_embeds_nothing_and_changes_embed_only_what_changed(small, tmp_path):
    new_process()
    first = CountingEncoder()
    ma = MarketingAssistant(small, workspace=tmp_path, encoder=first)
    ma.segment(3)
    user = str(small.events["user_id"].iloc[0])
    before = ma.recommend(user).items
    product = str(small.events["item_id"].value_counts().index[0])
    ma.similar_products(product)
    catalogue = small.products[small.products["item_id"].isin(small.events["item_id"])]
    assert len(first.texts) >= len(catalogue), "the first run embeds the users and the products"
    ma.save()

    new_process()  # no shared store, no fitted models in memory
    again = CountingEncoder()
    reopened = MarketingAssistant.load(tmp_path, encoder=again)
    after = reopened.recommend(user).items
    reopened.similar_products(product)
    assert again.texts == [], f"a reopened workspace embedded {len(again.texts)} texts"
    assert after["item_id"].tolist() == before["item_id"].tolist()
    assert reopened.store.count() == catalogue["item_id"].nunique()

    # one product renamed: exactly that product's text is embedded on the next sync
    new_process()
    renamed = small.products.copy()
    renamed.loc[renamed["item_id"] == product, "title"] = "RENAMED ORGANIC MILK 1L"
    changed = CountingEncoder()
    ma2 = MarketingAssistant(dataclasses.replace(small, products=renamed), workspace=tmp_path, encoder=changed)
    ma2.store  # noqa: B018 - syncing the collection is what is measured
    assert len(changed.texts) == 1 and "RENAMED ORGANIC MILK" in changed.texts[0]


def test_no_product_embedding_for_recommendations_when_the_content_signal_is_off(small, tmp_path):
    new_process()
    counting = CountingEncoder()
    ma = MarketingAssistant(small, workspace=tmp_path, encoder=counting, content_signal=False)
    recs = ma.recommend(str(small.events["user_id"].iloc[0]))
    assert len(recs.items) == 10
    assert counting.texts == []
    assert not np.any(ma.recommender.has_vectors_)
