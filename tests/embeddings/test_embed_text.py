"""Product and user texts: layout, empty fields, ordering, recency words, truncation."""
from __future__ import annotations

import pandas as pd
import pytest

from assistant.core.errors import DataError
from embeddings.text import price_bands, product_texts, truncate_texts, user_texts


def test_product_text_layout_skips_empty_fields(products):
    texts = product_texts(products)
    assert list(texts.index) == list(products["item_id"])
    assert texts.index.name == "item_id"
    milk = texts["2"]
    assert milk.startswith("title: 2% reduced fat milk; category: DAIRY > MILK; brand: Private; price: ")
    assert "description" not in milk  # empty field left out
    assert "brand" not in texts["5"]
    assert texts.equals(product_texts(products.sample(frac=1, random_state=3)).reindex(texts.index))


def test_product_text_keeps_chinese_values():
    frame = pd.DataFrame({"item_id": ["a"], "title": ["有机全脂牛奶"], "category": ["乳制品 > 牛奶"],
                          "brand": [" 蒙牛 "], "price": [12.5], "in_stock": [True]})
    assert product_texts(frame)["a"].startswith("title: 有机全脂牛奶; category: 乳制品 > 牛奶; brand: 蒙牛")


def test_price_band_is_relative_to_the_category():
    frame = pd.DataFrame({"item_id": [str(i) for i in range(12)],
                          "category": ["A"] * 6 + ["B"] * 6,
                          "price": [1, 2, 3, 4, 5, 6, 100, 200, 300, 400, 500, 600.0]})
    bands = price_bands(frame)
    assert bands.iloc[0] == "budget" and bands.iloc[5] == "premium"
    assert bands.iloc[6] == "budget"  # cheap for its category even though pricier than all of A
    assert price_bands(frame.assign(price=[None] * 12)).eq("").all()


def test_product_texts_need_item_id(products):
    with pytest.raises(DataError, match="item_id"):
        product_texts(products.drop(columns="item_id"))


@pytest.fixture()
def events():
    t = pd.Timestamp("2024-03-31 12:00")
    day = pd.Timedelta(days=1)
    rows = [  # user u1 buys milk three times, cookies once (most recent), views detergent
        ("u1", "2", "purchase", t - 10 * day, "b1"), ("u1", "2", "purchase", t - 8 * day, "b2"),
        ("u1", "2", "purchase", t - 6 * day, "b3"), ("u1", "4", "purchase", t - 3 * day, "b4"),
        ("u1", "3", "view", t - 1 * day, None),
        ("u2", "6", "purchase", t - 30 * day, "b5"), ("u2", "6", "purchase", t, "b6"),
        ("u3", "8", "view", t - 2 * day, None),
    ]
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "event_type", "timestamp", "basket_id"])
    return frame.assign(quantity=1.0, revenue=1.0)


def test_user_text_orders_by_frequency_and_says_recency(events, products):
    texts = user_texts(events, products)
    assert list(texts.index) == ["u1", "u2", "u3"]
    u1 = texts["u1"]
    assert "4 purchases in 4 baskets" in u1
    assert "last purchase 3 days before the end of data" in u1
    assert "bought: 2% reduced fat milk (3), Chocolate chip cookies" in u1
    assert "browsed: Laundry detergent" in u1
    assert "categories: DAIRY 60%, BAKERY 20%, HOUSEHOLD 20%" in u1
    assert "last purchase on the last day of data" in texts["u2"]
    assert "last seen 2 days before the end of data" in texts["u3"] and "bought" not in texts["u3"]


def test_user_text_recent_first_among_equal_counts(events, products):
    extra = events.iloc[[0]].assign(item_id="1", timestamp=pd.Timestamp("2024-03-30"))
    more = pd.concat([events, extra, extra.assign(timestamp=pd.Timestamp("2024-01-01"))])
    u1 = user_texts(more, products)["u1"]
    # milk (3) first; whole milk (2) next; cookies (1) after
    assert u1.index("2% reduced fat milk (3)") < u1.index("Organic whole milk (2)") < u1.index("Chocolate")


def test_user_text_word_budget_truncates_at_word_boundary(events, products):
    long_products = products.assign(title=products["title"] + " extra long words " * 30)
    texts = user_texts(events, long_products, max_tokens=40)
    for text in texts:
        assert len(text.split(" ")) <= int(40 * 0.6)
        assert not text.endswith((",", ";", " "))
    full = user_texts(events, long_products, max_tokens=100_000)["u1"]
    assert full.startswith(texts["u1"])


def test_truncation_with_the_model_tokenizer_is_exact(real_encoder):
    tok = real_encoder.tokenizer
    text = "bought: " + ", ".join(f"organic wholegrain sourdough bread loaf number {i}" for i in range(200))
    cut = truncate_texts(pd.Series([text, "short text"]), max_tokens=64, tokenizer=tok)
    assert len(tok(cut.iloc[0], add_special_tokens=False)["input_ids"]) <= 62
    assert len(tok(cut.iloc[0], add_special_tokens=False)["input_ids"]) > 40
    assert text.startswith(cut.iloc[0]) and text[len(cut.iloc[0])] in ", "
    assert cut.iloc[1] == "short text"


def test_user_texts_need_user_id(events, products):
    with pytest.raises(DataError, match="user_id"):
        user_texts(events.drop(columns="user_id"), products)
