"""Turn canonical tables into the texts that get embedded: one text per product, one per user.

Why "field: value" texts: the same layout works for English and Chinese values, empty fields are simply left
out, and the order puts what matters most first, so the model's token limit cuts the least useful part.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from assistant.core.errors import DataError
from assistant.core.data.schema import CATEGORY_SEPARATOR, REQUIRED_EVENT_COLUMNS
from assistant.core.vocabulary import PURCHASE

PRICE_BANDS: tuple[str, str, str] = ("budget", "mid", "premium")
BROWSE_TYPES: tuple[str, ...] = ("view", "cart", "fav")
FIELD_SEP = "; "
# Items and categories listed per user before the token budget would cut them anyway.
MAX_ITEMS_PER_LIST = 40
MAX_CATEGORIES = 5
MAX_BRANDS = 3
# Without a tokenizer: word-piece tokenizers make ~1.5 tokens per word of product vocabulary.
WORDS_PER_TOKEN = 0.6


def _clean(values: pd.Series) -> pd.Series:
    """Strings with collapsed whitespace; NA, None and blank become ""."""
    text = values.astype("string").fillna("")
    return text.str.replace(r"\s+", " ", regex=True).str.strip().astype(object)


def _join_fields(parts: list[tuple[str, pd.Series]], index: pd.Index) -> pd.Series:
    """Join non-empty 'name: value' parts with FIELD_SEP, skipping empty values (vectorised, no per-row apply)."""
    out = pd.Series("", index=index, dtype=object)
    for name, values in parts:
        values = values.reindex(index).fillna("").astype(str)
        field = np.where(values != "", (name + ": ") + values, "") if name else values.to_numpy()
        field = pd.Series(field, index=index, dtype=object)
        both = (out != "") & (field != "")
        out = out.where(~both, out + FIELD_SEP + field)
        out = out.where(out != "", field)
    return out


def price_bands(products: pd.DataFrame, min_group: int = 5) -> pd.Series:
    """'budget' / 'mid' / 'premium' by price tercile within the product's full category path.

    Categories with fewer than `min_group` priced products are ranked against all products instead, so a band
    always means "cheap / typical / expensive for things like this". Products without a price get "".
    """
    price = pd.to_numeric(products["price"], errors="coerce") if "price" in products else None
    if price is None:
        return pd.Series("", index=products.index, dtype=object)
    category = _clean(products["category"]) if "category" in products else pd.Series("", index=products.index)
    priced = price.notna() & (price > 0)
    global_rank = price.where(priced).rank(pct=True, method="average")
    group_size = priced.groupby(category).transform("sum")
    group_rank = price.where(priced).groupby(category).rank(pct=True, method="average")
    rank = group_rank.where(group_size >= min_group, global_rank)
    band = pd.cut(rank, bins=[0.0, 1 / 3, 2 / 3, 1.0], labels=list(PRICE_BANDS), include_lowest=True)
    return band.astype(object).where(priced, "").fillna("")


def product_texts(products: pd.DataFrame) -> pd.Series:
    """One deterministic text per product, indexed by item_id.

    Layout: ``title: …; category: A > B; brand: …; price: budget|mid|premium; description: …``
    (description last: it is the longest and the first to be cut by the model's token limit).
    """
    if "item_id" not in products.columns:
        raise DataError("products table has no item_id column", column="item_id",
                        fix="load products through assistant.core.data so they follow the canonical schema")
    frame = products.drop_duplicates("item_id", keep="last").set_index(
        products.drop_duplicates("item_id", keep="last")["item_id"].astype(str))
    cols = {c: (_clean(frame[c]) if c in frame else pd.Series("", index=frame.index, dtype=object))
            for c in ("title", "category", "brand", "description")}
    texts = _join_fields([
        ("title", cols["title"]),
        ("category", cols["category"]),
        ("brand", cols["brand"]),
        ("price", price_bands(frame)),
        ("description", cols["description"]),
    ], frame.index)
    texts.index.name = "item_id"
    return texts.rename("text")


def _item_labels(products: pd.DataFrame) -> pd.DataFrame:
    """Per item: a short label (title, else the category leaf), the top category and the brand."""
    frame = products.drop_duplicates("item_id", keep="last")
    idx = frame["item_id"].astype(str)
    get = lambda c: (_clean(frame[c]) if c in frame else pd.Series("", index=frame.index, dtype=object))  # noqa: E731
    category = get("category")
    parts = category.str.split(CATEGORY_SEPARATOR.strip(), regex=False)
    leaf = parts.str[-1].fillna("").str.strip()
    top = parts.str[0].fillna("").str.strip()
    title = get("title")
    label = title.where(title != "", leaf)
    out = pd.DataFrame({"label": label.to_numpy(), "top_category": top.to_numpy(),
                        "brand": get("brand").to_numpy()}, index=idx.to_numpy())
    out.index.name = "item_id"
    return out


def _join_groups(users: pd.Series, values: pd.Series, sep: str = ", ") -> pd.Series:
    """Join `values` per user; rows must already be grouped by user (contiguous) in the wanted order.

    Hand-written because pandas' groupby(...).agg(", ".join) runs a slow Python path per group (~200 µs);
    slicing one array per contiguous run is ~1 µs per user, which matters at 100k users.
    """
    keys = users.to_numpy()
    vals = values.astype(str).to_numpy()
    if len(keys) == 0:
        return pd.Series([], dtype=object)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    joined = [sep.join(vals[a:b]) for a, b in zip(starts, ends)]
    return pd.Series(joined, index=keys[starts], dtype=object)


def _ranked_list(frame: pd.DataFrame, key: str, limit: int, with_count: bool) -> pd.Series:
    """Per user, `key` values ordered by count desc then most recent first, joined with ', '."""
    grouped = frame.groupby(["user_id", key], sort=False).agg(n=("n", "sum"), last=("last", "max")).reset_index()
    grouped = grouped.sort_values(["user_id", "n", "last", key], ascending=[True, False, False, True])
    grouped = grouped.groupby("user_id", sort=False).head(limit)
    if with_count:
        shown = grouped[key].where(grouped["n"] <= 1, grouped[key] + " (" + grouped["n"].astype(int).astype(str) + ")")
    else:
        shown = grouped[key]
    return _join_groups(grouped["user_id"], shown)


def _shares(frame: pd.DataFrame, key: str, limit: int) -> pd.Series:
    """Per user, the top `key` values with their share of the user's events, e.g. 'DAIRY 40%, PRODUCE 25%'."""
    counts = frame.groupby(["user_id", key], sort=False)["n"].sum().reset_index()
    counts["share"] = counts["n"] / counts.groupby("user_id")["n"].transform("sum")
    counts = counts.sort_values(["user_id", "n", key], ascending=[True, False, True])
    counts = counts.groupby("user_id", sort=False).head(limit)
    shown = counts[key] + " " + (counts["share"] * 100).round().astype(int).astype(str) + "%"
    return _join_groups(counts["user_id"], shown)


def _days_phrase(days: pd.Series, what: str) -> pd.Series:
    """'last purchase 3 days before the end of data' (whole days, rounded); "" where unknown."""
    known = days.notna().to_numpy()
    d = np.where(known, days.fillna(0).to_numpy(dtype=float), 0).round().astype(int)
    words = np.where(d == 0, f"{what} on the last day of data",
                     np.where(d == 1, f"{what} 1 day before the end of data",
                              np.char.add(np.char.add(f"{what} ", d.astype(str)), " days before the end of data")))
    return pd.Series(np.where(known, words, ""), index=days.index, dtype=object)


def user_texts(events: pd.DataFrame, products: pd.DataFrame, max_tokens: int = 256,
               tokenizer: Any | None = None) -> pd.Series:
    """One behaviour text per user, indexed by user_id (sorted), ready for the sentence encoder.

    Layout, most informative first so truncation cuts the tail: activity counts, recency
    ("last purchase 3 days before the end of data"), top categories with shares, top brands, then the items
    bought and browsed, each list most frequent first and most recent first among ties.
    `tokenizer` (a Hugging Face fast tokenizer, e.g. ``encoder.tokenizer``) makes the cut exact at
    `max_tokens` word pieces; without it a word budget is used. Cuts happen at a word boundary.
    """
    for column in REQUIRED_EVENT_COLUMNS:
        if column not in events.columns:
            raise DataError(f"events table has no {column} column", column=column,
                            fix="load events through assistant.core.data so they follow the canonical schema")
    if events.empty:
        return pd.Series([], index=pd.Index([], name="user_id", dtype=object), dtype=object, name="text")
    kind = (events["event_type"].astype("string").fillna(PURCHASE) if "event_type" in events
            else pd.Series(PURCHASE, index=events.index))
    ev = pd.DataFrame({
        "user_id": events["user_id"].astype(str).to_numpy(),
        "item_id": events["item_id"].astype(str).to_numpy(),
        "timestamp": pd.to_datetime(events["timestamp"]).to_numpy(),
        "bought": (kind == PURCHASE).to_numpy(),
        "n": 1,
    })
    end = ev["timestamp"].max()
    if "item_id" in products:  # only the products that occur: a catalogue can be 10x the items seen
        products = products[products["item_id"].astype(str).isin(pd.unique(ev["item_id"]))]
    labels = _item_labels(products) if "item_id" in products else pd.DataFrame(
        columns=["label", "top_category", "brand"])
    ev = ev.join(labels, on="item_id")
    for column in ("label", "top_category", "brand"):
        ev[column] = ev[column].fillna("")
    ev["last"] = ev["timestamp"]

    users = pd.Index(np.sort(ev["user_id"].unique()), name="user_id")
    bought, browsed = ev[ev["bought"]], ev[~ev["bought"]]

    # Activity and recency.
    n_purchases = bought.groupby("user_id").size().reindex(users, fill_value=0)
    n_browse = browsed.groupby("user_id").size().reindex(users, fill_value=0)
    activity = (n_purchases.astype(str) + " purchases").where(n_purchases > 0, "")
    if "basket_id" in events.columns:
        baskets = events.loc[kind == PURCHASE, ["user_id", "basket_id"]].dropna()
        n_baskets = baskets.assign(user_id=baskets["user_id"].astype(str)).groupby("user_id")["basket_id"] \
            .nunique().reindex(users, fill_value=0)
        activity = activity.where(n_baskets == 0, activity + " in " + n_baskets.astype(str) + " baskets")
    browse_words = n_browse.astype(str) + " views or cart/favourite adds"
    activity = activity.where(n_browse == 0, (activity + ", ").where(activity != "", "") + browse_words)
    day = pd.Timedelta(days=1)
    last_buy = _days_phrase((end - bought.groupby("user_id")["timestamp"].max()).reindex(users) / day,
                            "last purchase")
    last_seen = _days_phrase((end - ev.groupby("user_id")["timestamp"].max()).reindex(users) / day, "last seen")
    first_seen = _days_phrase((end - ev.groupby("user_id")["timestamp"].min()).reindex(users) / day,
                              "first seen")
    recency = last_buy.where(last_buy != "", last_seen)
    recency = recency.where(first_seen == "", recency + ", " + first_seen)

    named = ev[ev["label"] != ""]
    parts = [
        ("activity", activity),
        ("recency", recency),
        ("categories", _shares(ev[ev["top_category"] != ""], "top_category", MAX_CATEGORIES)),
        ("brands", _shares(ev[ev["brand"] != ""], "brand", MAX_BRANDS)),
        ("bought", _ranked_list(named[named["bought"]], "label", MAX_ITEMS_PER_LIST, True)),
        ("browsed", _ranked_list(named[~named["bought"]], "label", MAX_ITEMS_PER_LIST, True)),
    ]
    texts = _join_fields(parts, users)
    texts = truncate_texts(texts, max_tokens=max_tokens, tokenizer=tokenizer)
    texts.index.name = "user_id"
    return texts.rename("text")


def _cut_at_word(text: str, limit: int) -> str:
    """`text[:limit]`, moved back to the last separator or space so no word is split."""
    if limit >= len(text):
        return text
    head = text[:limit]
    if text[limit].isspace() or text[limit] in ",;":
        return head.rstrip(" ,;")
    for sep in (", ", "; ", " "):
        pos = head.rfind(sep)
        if pos > 0:
            return head[:pos].rstrip(" ,;")
    return head  # one long "word" (e.g. Chinese without spaces): cut by characters.


def _token_cut_positions(tokenizer: Any, values: list[str], budget: int) -> list[int | None]:
    """Per text: None when it fits in `budget` tokens, else the character offset where the kept tokens end."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        # The Rust tokenizer with truncation on a private copy: one batched call, no Python lists of ids
        # (the transformers __call__ path converts every id and offset to Python objects: ~10x slower).
        from tokenizers import Tokenizer
        fast = Tokenizer.from_str(backend.to_str())
        fast.no_padding()
        fast.enable_truncation(budget)
        encodings = fast.encode_batch(values, add_special_tokens=False)
        return [enc.offsets[-1][1] if enc.overflowing else None for enc in encodings]
    kwargs = dict(add_special_tokens=False, return_offsets_mapping=True, truncation=False)
    enc = tokenizer(values, **kwargs)
    return [None if len(offsets) <= budget else offsets[budget - 1][1] for offsets in enc["offset_mapping"]]


def truncate_texts(texts: pd.Series, max_tokens: int = 256, tokenizer: Any | None = None) -> pd.Series:
    """Cut each text to at most `max_tokens` model tokens (2 are kept for [CLS]/[SEP]) at a word boundary."""
    if texts.empty:
        return texts
    values = texts.astype(str).tolist()
    if tokenizer is not None:
        budget = max(1, max_tokens - 2)
        out = []
        for text, end in zip(values, _token_cut_positions(tokenizer, values, budget)):
            out.append(text if end is None else _cut_at_word(text, end))
        return pd.Series(out, index=texts.index, dtype=object)
    budget = max(1, int(max_tokens * WORDS_PER_TOKEN))
    words = texts.astype(str).str.split(" ", n=budget, regex=False)
    long = words.str.len() > budget
    cut = words[long].str[:budget].str.join(" ").str.rstrip(" ,;")
    out = texts.astype(object).copy()
    out[long] = cut
    # A single long unspaced text (e.g. Chinese) has no word budget to cut on: fall back to characters.
    too_long = out.str.len() > budget * 6
    out[too_long] = [_cut_at_word(t, max_tokens) for t in out[too_long]]
    return out
