"""The canonical data model: the one place that says which tables and columns the project works with.

Every loader returns these tables; every later stage (embeddings, segmentation, campaigns) reads only these
columns. Ids are always strings (so 1029, "1029" and 1029.0 from different exports are the same customer).

events      one row per behaviour event
    user_id     str       customer / household id
    item_id     str       product id
    event_type  str       one of EVENT_TYPES: view, cart, fav, purchase
    timestamp   datetime64[ns] (naive, UTC)
    quantity    float     units (1 for non-purchase events), > 0
    revenue     float     money paid for the line (0 for non-purchase events), >= 0
    basket_id   str|NA    order / basket id when the source has one
    (extra source columns may follow, e.g. store_id, discount)

products    one row per product (most fields optional: NA when unknown)
    item_id     str
    title       str|NA    product name
    description str|NA
    category    str|NA    category path, most general first, joined with " > " (e.g. "GROCERY > SOUP > CANNED")
    brand       str|NA
    price       float|NA  typical unit price (median paid when the source has no list price)
    in_stock    bool      defaults to True

users       one row per customer, optional attributes
    user_id     str
    age_band, income_band, household_size, kids_count, marital_status, home_ownership, household_comp ... (any)

campaigns   one row per campaign
    campaign_id str, campaign_type str|NA, start_date datetime64|NA, end_date datetime64|NA, name str|NA

exposures   who received which campaign / arm
    campaign_id str, user_id str, arm str ("control" for the hold-out), sent_at datetime64|NA

outcomes    what happened after the exposure, one row per (campaign_id, user_id)
    campaign_id str, user_id str, opened, clicked, visited, redeemed, converted (bool; missing -> False),
    revenue float (>= 0)

coupons     optional: which products a campaign's coupons cover
    campaign_id str, coupon_id str, item_id str
"""
from __future__ import annotations

EVENT_TYPES: tuple[str, ...] = ("view", "cart", "fav", "purchase")

EVENT_COLUMNS: tuple[str, ...] = ("user_id", "item_id", "event_type", "timestamp", "quantity", "revenue", "basket_id")
REQUIRED_EVENT_COLUMNS: tuple[str, ...] = ("user_id", "item_id", "timestamp")

PRODUCT_COLUMNS: tuple[str, ...] = ("item_id", "title", "description", "category", "brand", "price", "in_stock")
REQUIRED_PRODUCT_COLUMNS: tuple[str, ...] = ("item_id",)

USER_ID_COLUMNS: tuple[str, ...] = ("user_id",)

CAMPAIGN_COLUMNS: tuple[str, ...] = ("campaign_id", "campaign_type", "start_date", "end_date", "name")
EXPOSURE_COLUMNS: tuple[str, ...] = ("campaign_id", "user_id", "arm", "sent_at")
OUTCOME_FLAGS: tuple[str, ...] = ("opened", "clicked", "visited", "redeemed", "converted")
OUTCOME_COLUMNS: tuple[str, ...] = ("campaign_id", "user_id", *OUTCOME_FLAGS, "revenue")
COUPON_COLUMNS: tuple[str, ...] = ("campaign_id", "coupon_id", "item_id")

# Columns without which a table cannot be used at all (every loader and stage checks these, nothing else).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": REQUIRED_EVENT_COLUMNS,
    "products": REQUIRED_PRODUCT_COLUMNS,
    "users": USER_ID_COLUMNS,
    "campaigns": ("campaign_id",),
    "exposures": ("campaign_id", "user_id"),
    "outcomes": ("campaign_id", "user_id"),
    "coupons": COUPON_COLUMNS,
}

CONTROL_ARM = "control"
CATEGORY_SEPARATOR = " > "
