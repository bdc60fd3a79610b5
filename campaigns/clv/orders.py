"""Orders and the per-customer RFM summary that the CLV models read.

An order is a basket when the log has basket ids, else one customer-day (the same rule as
`segmentation.features.frequency`). Time is measured in days.

`rfm_summary(orders, as_of)` returns, per customer, the "buy till you die" inputs:
    frequency   repeat orders (orders after the first one) up to `as_of`
    recency     days from the first order to the last order (t_x)
    T           days from the first order to `as_of` (the customer's age)
    monetary    mean value of the repeat orders (0 without repeats), the Gamma-Gamma input
    orders      all orders up to `as_of` (frequency + 1)
    first_order, last_order   timestamps
"""
from __future__ import annotations

import pandas as pd

from assistant.core.errors import DataError
from assistant.core.vocabulary import purchases as purchase_rows

_DAY = pd.Timedelta(days=1)


def orders_table(events: pd.DataFrame) -> pd.DataFrame:
    """One row per order: user_id, order_id, timestamp (first line of the order), value (sum of revenue)."""
    purchases = purchase_rows(events)
    if purchases.empty:
        raise DataError("there are no purchases in the data, so orders and lifetime value cannot be predicted",
                        column="event_type", fix="load a file with purchase events (order lines)")
    basket = purchases["basket_id"] if "basket_id" in purchases.columns else pd.Series(pd.NA, index=purchases.index)
    day = purchases["timestamp"].dt.strftime("%Y-%m-%d")
    order_id = basket.astype("string").fillna("day:" + day.astype("string"))
    revenue = purchases["revenue"] if "revenue" in purchases.columns else pd.Series(0.0, index=purchases.index)
    frame = pd.DataFrame({"user_id": purchases["user_id"].astype("str"), "order_id": order_id.astype("str"),
                          "timestamp": purchases["timestamp"], "value": revenue.fillna(0.0).astype("float64")})
    return (frame.groupby(["user_id", "order_id"], sort=False, observed=True)
            .agg(timestamp=("timestamp", "min"), value=("value", "sum")).reset_index()
            .sort_values(["user_id", "timestamp"], kind="stable").reset_index(drop=True))


def rfm_summary(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The BG/NBD / Gamma-Gamma inputs per customer (see the module docstring) from orders before `as_of`."""
    seen = orders[orders["timestamp"] < as_of]
    if seen.empty:
        raise DataError(f"no orders before {as_of:%Y-%m-%d}", fix="choose a later date or load more history")
    # Orders on the first day count as the first order; BG/NBD's "repeat" is a later purchase occasion.
    grouped = seen.groupby("user_id", sort=True)
    first = grouped["timestamp"].min()
    last = grouped["timestamp"].max()
    n_orders = grouped.size()
    first_value = seen.loc[grouped["timestamp"].idxmin(), ["user_id", "value"]].set_index("user_id")["value"]
    total = grouped["value"].sum()
    frequency = (n_orders - 1).astype("float64")
    repeat_value = (total - first_value.reindex(total.index)).clip(lower=0.0)
    monetary = (repeat_value / frequency.where(frequency > 0)).fillna(0.0)
    return pd.DataFrame({
        "frequency": frequency,
        "recency": (last - first) / _DAY,
        "T": (as_of - first) / _DAY,
        "monetary": monetary,
        "orders": n_orders.astype("float64"),
        "spend": total,
        "first_order": first,
        "last_order": last,
    })


def orders_between(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, index: pd.Index) -> pd.Series:
    """Orders per customer with start <= timestamp < end, for every id in `index` (0 when none)."""
    window = orders[(orders["timestamp"] >= start) & (orders["timestamp"] < end)]
    return window.groupby("user_id").size().reindex(index, fill_value=0).astype("float64")


def spend_between(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, index: pd.Index) -> pd.Series:
    window = orders[(orders["timestamp"] >= start) & (orders["timestamp"] < end)]
    return window.groupby("user_id")["value"].sum().reindex(index, fill_value=0.0).astype("float64")
