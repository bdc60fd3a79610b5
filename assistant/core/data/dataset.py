"""`Dataset`: the validated tables of one data source, in the canonical schema (see `assistant.core.data.schema`).

Every loader returns one; every later stage reads from one. Absent tables are empty frames with the canonical
columns, so code never has to test for `None`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from assistant.core.data.cleaning import QualityReport
from assistant.core.data.schema import (
    CAMPAIGN_COLUMNS, COUPON_COLUMNS, EVENT_COLUMNS, EVENT_TYPES, EXPOSURE_COLUMNS, OUTCOME_COLUMNS,
    PRODUCT_COLUMNS, USER_ID_COLUMNS,
)

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": EVENT_COLUMNS,
    "products": PRODUCT_COLUMNS,
    "users": USER_ID_COLUMNS,
    "campaigns": CAMPAIGN_COLUMNS,
    "exposures": EXPOSURE_COLUMNS,
    "outcomes": OUTCOME_COLUMNS,
    "coupons": COUPON_COLUMNS,
}
TABLES: tuple[str, ...] = tuple(TABLE_COLUMNS)


def empty_table(table: str) -> pd.DataFrame:
    """An empty frame with the canonical columns of `table` (and sensible dtypes)."""
    frame = pd.DataFrame({column: pd.Series(dtype="str") for column in TABLE_COLUMNS[table]})
    for column in frame.columns:
        if column in ("timestamp", "start_date", "end_date", "sent_at"):
            frame[column] = pd.Series(dtype="datetime64[ns]")
        elif column in ("quantity", "revenue", "price"):
            frame[column] = pd.Series(dtype="float64")
        elif column in ("in_stock", "opened", "clicked", "visited", "redeemed", "converted"):
            frame[column] = pd.Series(dtype="bool")
    return frame


@dataclass(frozen=True)
class DatasetSummary:
    """Headline figures of a dataset (for the chat, the UI and reports)."""

    name: str
    n_users: int
    n_items: int
    n_events: int
    n_purchases: int
    n_baskets: int
    revenue: float
    date_min: pd.Timestamp | None
    date_max: pd.Timestamp | None
    event_counts: tuple[tuple[str, int], ...]
    n_campaigns: int
    n_exposures: int
    n_users_with_attributes: int

    def to_frame(self) -> pd.DataFrame:
        rows = [
            ("dataset", self.name), ("users", self.n_users), ("items", self.n_items), ("events", self.n_events),
            *[(f"{kind} events", n) for kind, n in self.event_counts],
            ("baskets / orders", self.n_baskets), ("revenue", round(self.revenue, 2)),
            ("first event", self.date_min), ("last event", self.date_max),
            ("campaigns", self.n_campaigns), ("campaign exposures", self.n_exposures),
            ("users with attributes", self.n_users_with_attributes),
        ]
        return pd.DataFrame(rows, columns=["figure", "value"])

    def to_markdown(self) -> str:
        from assistant.core.vocabulary import markdown_table  # cells go through markdown_literal there
        return markdown_table(self.to_frame().astype({"value": str}), max_rows=None)


@dataclass(frozen=True, eq=False)
class Dataset:
    """The cleaned tables of one source. Frames follow `assistant.core.data.schema`; ids are strings.

    Frozen: derive a changed copy with `dataclasses.replace(dataset, events=...)`; do not mutate the frames.
    """

    name: str
    events: pd.DataFrame = field(default_factory=lambda: empty_table("events"))
    products: pd.DataFrame = field(default_factory=lambda: empty_table("products"))
    users: pd.DataFrame = field(default_factory=lambda: empty_table("users"))
    campaigns: pd.DataFrame = field(default_factory=lambda: empty_table("campaigns"))
    exposures: pd.DataFrame = field(default_factory=lambda: empty_table("exposures"))
    outcomes: pd.DataFrame = field(default_factory=lambda: empty_table("outcomes"))
    coupons: pd.DataFrame = field(default_factory=lambda: empty_table("coupons"))
    quality: QualityReport = field(default_factory=QualityReport)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{table}={len(getattr(self, table)):,}" for table in TABLES)
        return f"Dataset(name={self.name!r}, {sizes})"

    @property
    def purchases(self) -> pd.DataFrame:
        """The purchase events only."""
        from assistant.core.vocabulary import purchases
        return purchases(self.events)

    @property
    def user_ids(self) -> pd.Index:
        """Every customer id seen in events, the user table or campaign exposures (sorted)."""
        ids = pd.concat([self.events["user_id"], self.users["user_id"], self.exposures["user_id"]])
        return pd.Index(ids.dropna().unique(), name="user_id").sort_values()

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        """Distinct products in the product table or the events."""
        return int(pd.concat([self.products["item_id"], self.events["item_id"]]).nunique())

    def summary(self) -> DatasetSummary:
        events = self.events
        purchases = self.purchases
        counts = events["event_type"].value_counts()
        return DatasetSummary(
            name=self.name,
            n_users=self.n_users,
            n_items=self.n_items,
            n_events=len(events),
            n_purchases=len(purchases),
            n_baskets=int(purchases["basket_id"].nunique()),
            revenue=float(purchases["revenue"].sum(min_count=1)),
            date_min=events["timestamp"].min() if len(events) else None,
            date_max=events["timestamp"].max() if len(events) else None,
            event_counts=tuple((kind, int(counts.get(kind, 0))) for kind in EVENT_TYPES if counts.get(kind, 0)),
            n_campaigns=len(self.campaigns),
            n_exposures=len(self.exposures),
            n_users_with_attributes=int(self.users["user_id"].nunique()),
        )
