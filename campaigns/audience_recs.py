"""Products for an audience (any set of customers, e.g. one built from a sentence): the items that appear most
often in its members' own top-k recommendations.

A segment has a precomputed popularity table in the recommender; an audience is ad hoc, so it is served by
aggregating the members' personal recommendations (a sample of at most `max_members`, seeded, for speed).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from assistant.core.errors import DataError

RESULT_COLUMNS = ["item_id", "score", "reason", "title", "category", "price"]


def recommend_for_members(recommender, user_ids, products: pd.DataFrame, k: int = 10, *, max_members: int = 300,
                          random_state: int = 0) -> pd.DataFrame:
    """Top-k items by the share of members whose personal top-2k list holds them (score = that share)."""
    ids = pd.Index(pd.Series(list(user_ids), dtype="str").unique())
    if ids.empty:
        raise DataError("the audience has no members", fix="loosen the audience's conditions")
    if len(ids) > max_members:
        ids = pd.Index(np.random.default_rng(random_state).choice(ids.to_numpy(), max_members, replace=False))
    batch = recommender.recommend_batch(ids.tolist(), k=2 * k)
    counts = batch.groupby("item_id")["user_id"].nunique().sort_values(ascending=False, kind="stable")
    share = (counts / len(ids)).head(k)
    info = products.drop_duplicates("item_id").set_index("item_id").reindex(share.index)
    frame = pd.DataFrame({
        "item_id": share.index.astype("str"), "score": share.to_numpy().round(3),
        "reason": [f"in the top picks of {s:.0%} of this audience" for s in share.to_numpy()],
        "title": info["title"].to_numpy() if "title" in info else None,
        "category": info["category"].to_numpy() if "category" in info else None,
        "price": info["price"].to_numpy() if "price" in info else np.nan,
    })
    return frame[RESULT_COLUMNS].reset_index(drop=True)
