"""Loaders for the four public datasets the project is developed on, plus the bundled demo.

Each maps the source layout onto the canonical schema (`assistant.core.data.schema`) and runs the same cleaning as
user files, so the quality report is comparable. Ids are read as strings straight from the file text.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from assistant.core.data.cleaning import (
    QualityReport, clean_campaigns, clean_coupons, clean_events, clean_exposures, clean_outcomes, clean_products,
    clean_users,
)
from assistant.core.data.dataset import Dataset
from assistant.core.errors import DataError
from assistant.core.text import Bilingual
from assistant.core.data.schema import CATEGORY_SEPARATOR, CONTROL_ARM
from assistant.core.vocabulary import purchases

PathLike = str | Path


def _find(folder: Path, stem: str, *, required: bool = True) -> Path | None:
    """`stem`.csv.gz, .csv or .parquet inside `folder`."""
    for suffix in (".csv.gz", ".csv", ".parquet"):
        candidate = folder / f"{stem}{suffix}"
        if candidate.exists():
            return candidate
    if required:
        raise DataError(f"expected file '{stem}.csv.gz' (or .csv / .parquet) is missing", file=str(folder),
                        fix="point to the folder that holds the dataset's files")
    return None


def _read(path: Path, **kwargs) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    try:
        return pd.read_csv(path, **kwargs)
    except (ValueError, pd.errors.ParserError) as exc:  # usecols mismatch, empty file, ...
        raise DataError(f"cannot read the file ({exc})", file=path.name,
                        fix="use the file as published, or load it with load_files(...) and a mapping") from None


def _folder(folder: PathLike) -> Path:
    path = Path(folder)
    if not path.is_dir():
        raise DataError("folder not found", file=str(path), fix="pass the folder that holds the dataset")
    return path


def _join_path(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """'A > B > C' from several text columns, skipping empty parts (vectorised)."""
    out = pd.Series("", index=frame.index, dtype="str")
    for column in columns:
        part = frame[column].astype("str").where(frame[column].notna(), "").str.strip()
        glue = np.where((out != "") & (part != ""), CATEGORY_SEPARATOR, "")
        out = out + glue + part
    return out.where(out != "").astype("str")


# ----------------------------------------------------------------------------------------- Complete Journey

def load_complete_journey(folder: PathLike, *, name: str = "completejourney") -> Dataset:
    """84.51° The Complete Journey (CC0; R package `completejourney`): purchases, products, demographics,
    campaigns with coupons and redemptions.

    outcomes: one row per campaign receipt; `redeemed` = the household redeemed one of the campaign's coupons,
    `converted` = it bought one of the campaign's coupon products between start and end date (in the
    transactions available), `revenue` = what it spent on those products then; opened/clicked/visited are not
    measured in this dataset (False).
    """
    folder = _folder(folder)
    ids = {"household_id": "str", "product_id": "str", "basket_id": "str", "campaign_id": "str",
           "coupon_upc": "str", "store_id": "str"}
    tx = _read(_find(folder, "transactions_sample"), dtype=ids)
    tx = tx.rename(columns={"household_id": "user_id", "product_id": "item_id", "sales_value": "revenue",
                            "transaction_timestamp": "timestamp"})
    tx["event_type"] = "purchase"
    events, q_events = clean_events(tx, source="transactions_sample")

    raw_products = _read(_find(folder, "products"), dtype=ids | {"manufacturer_id": "str"})
    products = pd.DataFrame({"item_id": raw_products["product_id"]})
    base = raw_products["product_type"].fillna(raw_products["product_category"]).fillna(raw_products["department"])
    base = base.astype("str").str.strip().str.title()
    size = raw_products["package_size"].astype("str").where(raw_products["package_size"].notna(), "").str.strip()
    products["title"] = (base + np.where(size != "", ", " + size, "")).where(base.notna())
    products["category"] = _join_path(raw_products, ["department", "product_category", "product_type"])
    products["brand"] = raw_products["brand"]
    purchases = events[events["revenue"] > 0]
    unit_price = (purchases["revenue"] / purchases["quantity"]).groupby(purchases["item_id"]).median()
    products["price"] = products["item_id"].map(unit_price)
    products["manufacturer_id"] = raw_products["manufacturer_id"]
    products["department"] = raw_products["department"]
    products["package_size"] = raw_products["package_size"]
    products, q_products = clean_products(products, source="products")

    users_path = _find(folder, "demographics", required=False)
    tables = []
    if users_path is not None:
        users = _read(users_path, dtype={"household_id": "str", "household_size": "str", "kids_count": "str"})
        users = users.rename(columns={"household_id": "user_id", "age": "age_band", "income": "income_band"})
        users, q_users = clean_users(users, source="demographics")
        tables.append(q_users)
    else:
        users = None

    campaigns = _read(_find(folder, "campaign_descriptions"), dtype=ids)
    campaigns["name"] = "Campaign " + campaigns["campaign_id"].astype("str") + " (" + \
        campaigns["campaign_type"].fillna("unknown type").astype("str") + ")"
    campaigns, q_campaigns = clean_campaigns(campaigns, source="campaign_descriptions")

    receipts = _read(_find(folder, "campaigns"), dtype=ids).rename(columns={"household_id": "user_id"})
    receipts = receipts.merge(campaigns[["campaign_id", "start_date"]], on="campaign_id", how="left")
    receipts["arm"] = "treatment"
    receipts = receipts.rename(columns={"start_date": "sent_at"})
    exposures, q_exposures = clean_exposures(receipts, source="campaigns")

    coupons = _read(_find(folder, "coupons"), dtype=ids)
    coupons = coupons.rename(columns={"coupon_upc": "coupon_id", "product_id": "item_id"})
    coupons, q_coupons = clean_coupons(coupons, source="coupons")

    redemptions = _read(_find(folder, "coupon_redemptions"), dtype=ids).rename(columns={"household_id": "user_id"})
    outcomes = _complete_journey_outcomes(exposures, campaigns, coupons, redemptions, events)
    outcomes, q_outcomes = clean_outcomes(outcomes, source="campaigns + coupon_redemptions + transactions")
    unexposed = redemptions.merge(exposures, on=["campaign_id", "user_id"], how="left", indicator=True)
    warnings = Bilingual()
    n_unexposed = int((unexposed["_merge"] == "left_only").sum())
    if n_unexposed:
        warnings.add(f"{n_unexposed:,} coupon redemptions by households that did not receive the campaign were ignored",
                     f"{n_unexposed:,} 次优惠券核销来自没收到该活动的家庭，已忽略")
    quality = QualityReport((q_events, q_products, *tables, q_campaigns, q_exposures, q_coupons, q_outcomes),
                            tuple(warnings.en), tuple(warnings.zh))
    kwargs = {"users": users} if users is not None else {}
    return Dataset(name=name, events=events, products=products, campaigns=campaigns, exposures=exposures,
                   outcomes=outcomes, coupons=coupons, quality=quality, **kwargs)


def _complete_journey_outcomes(exposures: pd.DataFrame, campaigns: pd.DataFrame, coupons: pd.DataFrame,
                               redemptions: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    keys = ["campaign_id", "user_id"]
    outcomes = exposures[keys].copy()
    redeemed = redemptions[keys].drop_duplicates().assign(redeemed=True)
    outcomes = outcomes.merge(redeemed, on=keys, how="left")
    outcomes["redeemed"] = outcomes["redeemed"].fillna(False).astype(bool)
    # purchases of a campaign's coupon products by its recipients inside the campaign window
    coupon_items = coupons[["campaign_id", "item_id"]].drop_duplicates()
    bought = purchases(events)[["user_id", "item_id", "timestamp", "revenue"]]
    bought = bought.merge(coupon_items, on="item_id").merge(exposures[keys], on=keys)
    bought = bought.merge(campaigns[["campaign_id", "start_date", "end_date"]], on="campaign_id")
    window = (bought["timestamp"] >= bought["start_date"]) & \
        (bought["timestamp"] < bought["end_date"] + pd.Timedelta(days=1))
    spent = bought[window].groupby(keys, as_index=False)["revenue"].sum()
    outcomes = outcomes.merge(spent, on=keys, how="left")
    outcomes["converted"] = outcomes["revenue"].notna()
    outcomes["revenue"] = outcomes["revenue"].fillna(0.0)
    return outcomes


# ---------------------------------------------------------------------------------------------- Instacart

INSTACART_BASE_DATE = pd.Timestamp("2017-01-01")


def load_instacart(folder: PathLike, *, name: str = "instacart") -> Dataset:
    """Instacart 2017 orders (non-commercial terms: tests and benchmarks only).

    The source has no dates. Synthetic, monotone per-user order times: every user starts on 2017-01-01; order k
    is placed after the cumulative sum of `days_since_prior_order` (first order: 0) plus `order_hour_of_day`
    hours; a running maximum plus `order_number` seconds keeps the times strictly increasing per user. Gaps
    between a user's orders are real; calendar dates and comparisons across users are not. Revenue is unknown
    (NaN): Instacart publishes no prices.
    """
    folder = _folder(folder)
    lines = _read(_find(folder, "order_lines_sample"), index_col=0,
                  dtype={"order_id": "str", "user_id": "str", "product_id": "str"})
    orders = lines[["user_id", "order_id", "order_number", "days_since_prior_order", "order_hour_of_day"]] \
        .drop_duplicates("order_id").sort_values(["user_id", "order_number"])
    days = orders["days_since_prior_order"].fillna(0).groupby(orders["user_id"]).cumsum()
    raw_time = INSTACART_BASE_DATE + pd.to_timedelta(days, unit="D") + \
        pd.to_timedelta(orders["order_hour_of_day"], unit="h")
    monotone = raw_time.groupby(orders["user_id"]).cummax() + pd.to_timedelta(orders["order_number"], unit="s")
    order_time = pd.Series(monotone.to_numpy(), index=orders["order_id"].to_numpy())
    events = lines.rename(columns={"product_id": "item_id"})
    events["basket_id"] = events["order_id"]
    events["timestamp"] = events["order_id"].map(order_time)
    events["event_type"] = "purchase"
    events["quantity"] = 1.0
    events["revenue"] = np.nan
    events, q_events = clean_events(events, source="order_lines_sample")

    products = _read(_find(folder, "products"), dtype={"product_id": "str", "aisle_id": "str",
                                                       "department_id": "str"})
    aisles = _read(_find(folder, "aisles"), dtype={"aisle_id": "str"})
    departments = _read(_find(folder, "departments"), dtype={"department_id": "str"})
    products = products.merge(aisles, on="aisle_id", how="left").merge(departments, on="department_id", how="left")
    products = products.rename(columns={"product_id": "item_id", "product_name": "title"})
    products["category"] = _join_path(products, ["department", "aisle"])
    products, q_products = clean_products(products, source="products")
    return Dataset(name=name, events=events, products=products, quality=QualityReport((q_events, q_products)))


# ------------------------------------------------------------------------------------------------- Taobao

TAOBAO_COLUMNS = ["user_id", "item_id", "category_id", "behavior_type", "timestamp"]


def load_taobao(path_or_folder: PathLike, *, name: str = "taobao") -> Dataset:
    """Alibaba Tianchi UserBehavior (research terms): views, carts, favourites and purchases, no product text.
    Products carry only their category id (as the category)."""
    path = Path(path_or_folder)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.name.endswith((".csv", ".csv.gz")))
        if not files:
            raise DataError("no .csv / .csv.gz file in the folder", file=str(path),
                            fix="pass the UserBehavior CSV file itself")
        path = files[0]
    if not path.exists():
        raise DataError("file not found", file=str(path), fix="check the path")
    raw = _read(path, header=None, names=TAOBAO_COLUMNS, dtype={"user_id": "str", "item_id": "str",
                                                               "category_id": "str"})
    events = raw.rename(columns={"behavior_type": "event_type"})
    events, q_events = clean_events(events, source=path.name)
    products = events[["item_id", "category_id"]].drop_duplicates("item_id").rename(
        columns={"category_id": "category"})
    products, q_products = clean_products(products, source=f"{path.name} (category ids)")
    return Dataset(name=name, events=events, products=products, quality=QualityReport((q_events, q_products)))


# ---------------------------------------------------------------------------------------------- Hillstrom

HILLSTROM_ARMS = {"Mens E-Mail": "mens_email", "Womens E-Mail": "womens_email", "No E-Mail": CONTROL_ARM}
HILLSTROM_CAMPAIGN = "hillstrom"


def load_hillstrom(path: PathLike, *, name: str = "hillstrom") -> Dataset:
    """Kevin Hillstrom's MineThatData e-mail test: 64,000 customers randomised to a men's e-mail, a women's
    e-mail or no e-mail (control). No events; user ids are the row numbers ('0', '1', ...)."""
    path = Path(path)
    if path.is_dir():
        path = _find(path, "hillstrom")
    if not path.exists():
        raise DataError("file not found", file=str(path), fix="check the path")
    raw = _read(path)
    missing = {"segment", "visit", "conversion", "spend"} - set(raw.columns)
    if missing:
        raise DataError(f"not the Hillstrom layout: columns {sorted(missing)} are missing", file=path.name,
                        column=sorted(missing)[0], fix="use the published hillstrom.csv")
    raw["user_id"] = raw.index.astype("str")
    user_columns = ["user_id", "recency", "history", "mens", "womens", "zip_code", "newbie", "channel",
                    "history_segment"]
    users, q_users = clean_users(raw[[c for c in user_columns if c in raw.columns]], source=path.name)
    arms = raw["segment"].map(HILLSTROM_ARMS)
    unknown = arms.isna() & raw["segment"].notna()
    arms = arms.fillna(raw["segment"])
    exposures = pd.DataFrame({"campaign_id": HILLSTROM_CAMPAIGN, "user_id": raw["user_id"], "arm": arms,
                              "sent_at": pd.NaT})
    exposures, q_exposures = clean_exposures(exposures, source=path.name)
    outcomes = pd.DataFrame({"campaign_id": HILLSTROM_CAMPAIGN, "user_id": raw["user_id"],
                             "visited": raw["visit"], "converted": raw["conversion"], "revenue": raw["spend"]})
    outcomes, q_outcomes = clean_outcomes(outcomes, source=path.name)
    campaigns = pd.DataFrame({"campaign_id": [HILLSTROM_CAMPAIGN], "campaign_type": ["email"],
                              "name": ["Hillstrom e-mail test (men's vs women's e-mail vs no e-mail)"]})
    campaigns, q_campaigns = clean_campaigns(campaigns, source=path.name)
    warnings = Bilingual()
    if unknown.any():
        warnings.add(f"{int(unknown.sum())} rows with an unknown segment kept as their own arm",
                     f"{int(unknown.sum())} 行的分组未知，单独作为一组保留")
    return Dataset(name=name, users=users, campaigns=campaigns, exposures=exposures, outcomes=outcomes,
                   quality=QualityReport((q_users, q_campaigns, q_exposures, q_outcomes), tuple(warnings.en),
                                         tuple(warnings.zh)))


def load_demo() -> Dataset:
    """The bundled demo: a CC0 subset of The Complete Journey (see data/demo/README.md)."""
    from assistant.core.settings import DEMO_DIR

    return load_complete_journey(DEMO_DIR, name="demo")
