"""Customer features for segmentation: one tidy row per user, all numeric, no NaN.

`customer_features(dataset_or_events, users=None, products=None, as_of=None, top_categories=8)` returns a
DataFrame indexed by `user_id` (str) with these columns:

recency_days                days from the user's last purchase to `as_of` (default: the last event in the data
                            + 1 day). Users who never bought get the whole data window (as_of - first event), i.e.
                            "at least this long".
frequency                   purchase occasions: distinct baskets when the log has basket ids, else distinct
                            purchase days.
monetary                    total revenue of purchases. When the source has no prices (Instacart, Taobao) it is
                            the number of units bought, so that the column still ranks customers.
r_score, f_score, m_score   1-5 quintile scores (5 = most recent / most frequent / highest spend), from ranks so
                            ties do not break the bins; users without purchases get 1.
rfm_score                   r_score + f_score + m_score (3-15).
aov                         monetary / frequency (0 without purchases).
tenure_days                 days from the user's first event of any kind to `as_of`.
mean_purchase_interval_days (last - first purchase occasion) / (frequency - 1); with fewer than two occasions,
                            the data window in days (no repeat seen).
n_views, n_carts, n_favs, n_purchases   event counts per type (purchase = purchase lines).
view_to_cart                n_carts / n_views (0 when no views).
cart_to_purchase            n_purchases / n_carts (0 when no carts; may exceed 1 when users buy without carting).
share_<category>            share of the user's spend (units when revenue is unknown) in each of the
                            `top_categories` top-level categories with the highest total spend, plus
                            share_other for the rest (shares sum to 1 for buyers, 0 otherwise). Top level = the
                            first part of the product's category path; names are slugged
                            ("FROZEN GROCERY" -> share_frozen_grocery).
has_attributes              1 when the user appears in the users table (only when users are given).
<attr>                      numeric user attributes, as they are (missing -> column median).
<attr>_ord                  ordinal attributes (every value carries a distinct first number: "35-49K", "5+",
                            "Under 15K", "2) $100 - $200"): rank of the value ordered by its first number (Under -> lowest),
                            1..k, 0 when missing.
<attr>=<value>              one-hot (0/1) for text attributes with at most 20 distinct values; others are skipped.

Why hand-written: RFM/funnel features are a few pandas groupbys; no library computes this exact, documented set.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from assistant.core.data.dataset import Dataset
from assistant.core.errors import DataError
from assistant.core.data.schema import CATEGORY_SEPARATOR
from assistant.core.vocabulary import purchases as purchase_rows

MAX_ONE_HOT_VALUES = 20
_DAY = pd.Timedelta(days=1)


def _slug(text: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "_", str(text).lower()).strip("_")
    return slug or "unknown"


def _quintile(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """1-5 scores from percentile ranks (ties share a rank; robust when many users have equal values)."""
    ranked = values.rank(method="average", pct=True, ascending=higher_is_better)
    return np.ceil(ranked * 5).clip(1, 5).fillna(1).astype("int64")


def _first_number(value: str) -> float:
    text = str(value).strip()
    if text.lower().startswith(("under", "less", "<", "below")):
        return -1.0
    match = re.search(r"\d+(?:\.\d+)?", text.replace(",", ""))
    return float(match.group()) if match else np.nan


def _demographics(users: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    users = users.drop_duplicates("user_id").set_index("user_id")
    out = pd.DataFrame(index=index)
    # get_indexer, not isin: isin on Arrow strings walks the lookup values in Python (1 s for 64k users)
    out["has_attributes"] = (users.index.get_indexer(index) >= 0).astype("int64")
    users = users.reindex(index)
    for column in users.columns:
        values = users[column]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            numeric = values.astype("float64")
            out[column] = numeric.fillna(numeric.median() if numeric.notna().any() else 0.0)
            continue
        present = values.dropna().astype("str")
        if present.empty:
            continue
        levels = pd.Series(present.unique())
        numbers = levels.map(_first_number)
        if numbers.notna().all() and numbers.is_unique and len(levels) > 1:
            order = levels.iloc[np.argsort(numbers.to_numpy(), kind="stable")].tolist()
            codes = {level: rank for rank, level in enumerate(order, start=1)}
            out[f"{column}_ord"] = values.map(codes).fillna(0).astype("int64")
        elif len(levels) <= MAX_ONE_HOT_VALUES:
            dummies = pd.get_dummies(values.astype("str").where(values.notna()), prefix=column, prefix_sep="=",
                                     dtype="int64")
            out = out.join(dummies)
    return out


def customer_features(dataset_or_events: Dataset | pd.DataFrame, users: pd.DataFrame | None = None,
                      products: pd.DataFrame | None = None, as_of: pd.Timestamp | str | None = None,
                      top_categories: int = 8) -> pd.DataFrame:
    """One row per customer with the columns documented in the module docstring (all numeric, no NaN)."""
    if isinstance(dataset_or_events, Dataset):
        events = dataset_or_events.events
        users = dataset_or_events.users if users is None else users
        products = dataset_or_events.products if products is None else products
    elif isinstance(dataset_or_events, pd.DataFrame):
        events = dataset_or_events
    else:
        raise TypeError("customer_features expects a Dataset or an events DataFrame")
    missing = {"user_id", "item_id", "event_type", "timestamp"} - set(events.columns)
    if missing:
        raise DataError(f"the events table lacks columns {sorted(missing)}", column=sorted(missing)[0],
                        fix="load the data with assistant.core.data loaders, which produce the canonical columns")
    has_users = users is not None and len(users) > 0
    ids = pd.concat([events["user_id"], users["user_id"] if has_users else pd.Series(dtype="str")])
    index = pd.Index(ids.dropna().unique(), name="user_id").sort_values()
    if index.empty:
        raise DataError("no customers: the events and users tables are empty", fix="load data with rows first")

    if len(events):
        first_seen, last_seen = events["timestamp"].min(), events["timestamp"].max()
        as_of = pd.Timestamp(as_of) if as_of is not None else last_seen.normalize() + _DAY
        window_days = max((as_of - first_seen) / _DAY, 0.0)
    else:
        as_of = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.now().normalize()
        window_days = 0.0
    out = pd.DataFrame(index=index)

    purchases = purchase_rows(events)
    revenue_known = purchases["revenue"].notna().any() if len(purchases) else True
    value = purchases["revenue"].fillna(0.0) if revenue_known else purchases["quantity"]
    by_user = purchases.groupby("user_id", sort=False)
    if "basket_id" in purchases.columns and purchases["basket_id"].notna().any():
        occasion = purchases["basket_id"]
        if occasion.isna().any():  # lines without a basket count once per day
            occasion = occasion.fillna(purchases["timestamp"].dt.floor("D").astype("str"))
    else:
        occasion = purchases["timestamp"].dt.floor("D").astype("str")
    occasions = purchases.assign(_occasion=occasion).groupby(["user_id", "_occasion"], sort=False)["timestamp"] \
        .min().reset_index()
    occ_by_user = occasions.groupby("user_id", sort=False)["timestamp"]

    last_purchase = by_user["timestamp"].max().reindex(index)
    out["recency_days"] = ((as_of - last_purchase) / _DAY).fillna(window_days)
    out["frequency"] = occ_by_user.size().reindex(index).fillna(0).astype("int64")
    out["monetary"] = value.groupby(purchases["user_id"]).sum().reindex(index).fillna(0.0)
    buyers = out["frequency"] > 0
    out["r_score"] = 1
    out["f_score"] = 1
    out["m_score"] = 1
    if buyers.any():
        out.loc[buyers, "r_score"] = _quintile(out.loc[buyers, "recency_days"], higher_is_better=False)
        out.loc[buyers, "f_score"] = _quintile(out.loc[buyers, "frequency"])
        out.loc[buyers, "m_score"] = _quintile(out.loc[buyers, "monetary"])
    out["rfm_score"] = out["r_score"] + out["f_score"] + out["m_score"]
    out["aov"] = (out["monetary"] / out["frequency"].where(buyers)).fillna(0.0)
    first_event = events.groupby("user_id", sort=False)["timestamp"].min().reindex(index)
    out["tenure_days"] = ((as_of - first_event) / _DAY).fillna(0.0)
    span = ((occ_by_user.max() - occ_by_user.min()) / _DAY).reindex(index)
    repeat = out["frequency"] > 1
    out["mean_purchase_interval_days"] = (span / (out["frequency"] - 1)).where(repeat).fillna(window_days)

    counts = events.groupby(["user_id", "event_type"], sort=False).size().unstack(fill_value=0).reindex(index)
    for kind, column in (("view", "n_views"), ("cart", "n_carts"), ("fav", "n_favs"), ("purchase", "n_purchases")):
        out[column] = counts[kind].fillna(0).astype("int64") if kind in counts.columns else 0
    out["view_to_cart"] = (out["n_carts"] / out["n_views"].where(out["n_views"] > 0)).fillna(0.0)
    out["cart_to_purchase"] = (out["n_purchases"] / out["n_carts"].where(out["n_carts"] > 0)).fillna(0.0)

    if products is not None and len(products) and len(purchases) and top_categories > 0:
        bought = products[pd.Index(purchases["item_id"].unique()).get_indexer(products["item_id"]) >= 0]
        top_level = bought.set_index("item_id")["category"].dropna().astype("str") \
            .str.split(CATEGORY_SEPARATOR, n=1, regex=False).str[0].str.strip()
        top_level = top_level[~top_level.index.duplicated()]
        category = purchases["item_id"].map(top_level).fillna("unknown")
        spend = pd.DataFrame({"user_id": purchases["user_id"], "category": category, "value": value})
        totals = spend.groupby("category")["value"].sum().sort_values(ascending=False)
        top = [c for c in totals.index if c != "unknown"][:top_categories]
        spend["category"] = spend["category"].where(spend["category"].isin(top), "other")
        table = spend.pivot_table(index="user_id", columns="category", values="value", aggfunc="sum",
                                  fill_value=0.0).reindex(index).fillna(0.0)
        user_total = table.sum(axis=1)
        shares = table.div(user_total.where(user_total > 0), axis=0).fillna(0.0)
        used: set[str] = set()
        for category in [*top, "other"]:
            name = f"share_{_slug(category)}"
            while name in used:
                name += "_"
            used.add(name)
            out[name] = shares[category] if category in shares.columns else 0.0

    if has_users:
        out = out.join(_demographics(users, index))
    return out
