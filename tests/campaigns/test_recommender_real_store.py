"""Real parts: the packaged sentence-transformer and an embedded Chroma ProductStore feed the content signal,
so a product that nobody bought yet is reachable through its text alone."""
from __future__ import annotations

import pandas as pd
import pytest

from campaigns.recommender import Recommender

pytestmark = pytest.mark.slow

T0 = pd.Timestamp("2024-05-01")


def test_new_product_with_text_is_recommended_via_real_store(workspace):
    from assistant.core.settings import Settings
    from embeddings.encoder import get_encoder
    from embeddings.store import ProductStore

    products = pd.DataFrame({
        "item_id": ["p1", "p2", "p3", "p4", "p5", "new"],
        "title": ["Organic green tea bags", "Jasmine green tea leaves", "Potato chips salted",
                  "Tortilla chips", "Lager beer six pack", "Sencha green tea loose leaf"],
        "category": ["DRINKS > TEA", "DRINKS > TEA", "SNACKS > CHIPS", "SNACKS > CHIPS", "DRINKS > BEER",
                     "DRINKS > TEA"],
        "price": [3.0, 4.0, 2.0, 2.5, 8.0, 5.0],
        "in_stock": [True] * 6,
    })
    rows = [("tea_fan", "p1", 0), ("tea_fan", "p2", 3), ("tea_fan", "p1", 6), ("snacker", "p3", 0),
            ("snacker", "p4", 2), ("snacker", "p5", 4), ("snacker", "p3", 6), ("both", "p1", 1), ("both", "p3", 2),
            ("both", "p5", 5)]
    events = pd.DataFrame([(u, i, "purchase", T0 + pd.Timedelta(days=d)) for u, i, d in rows],
                          columns=["user_id", "item_id", "event_type", "timestamp"])
    store = ProductStore(Settings(), encoder=get_encoder(), path=workspace / "chroma")
    store.sync_products(products)
    model = Recommender(weights={"repeat": 1.0, "knn": 0.2, "content": 0.5, "pop": 0.0}, store=store)
    model.fit(events, products)
    recs = model.recommend("tea_fan", k=3, exclude_purchased=True)
    assert recs.iloc[0]["item_id"] == "new"
    assert recs.iloc[0]["reason"].startswith("similar to ") and "tea" in recs.iloc[0]["reason"].lower()
    assert model.similar_products("new", k=2)["item_id"].isin(["p1", "p2"]).all()
