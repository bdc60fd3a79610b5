"""Validation and cleaning of tables that already carry canonical column names.

Each `clean_<table>` function coerces types, drops invalid rows (counting them per reason), removes duplicates
and returns the clean frame with a `TableQuality`. A table that cannot be used at all raises `DataError` naming
the file, the column and what to do. All work is vectorised pandas (the full Complete Journey sample cleans in
well under a second).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from assistant.core.errors import DataError
from assistant.core.text import Bilingual, in_language, markdown_literal as md
from assistant.core.data.schema import (
    CAMPAIGN_COLUMNS, COUPON_COLUMNS, EVENT_COLUMNS, EVENT_TYPES, EXPOSURE_COLUMNS, OUTCOME_COLUMNS,
    OUTCOME_FLAGS, PRODUCT_COLUMNS, REQUIRED_COLUMNS,
)

# Limits beyond which a value is taken as a data-entry or export error rather than a real purchase.
MAX_QUANTITY = 100_000
MAX_UNIT_PRICE = 100_000.0
# Event times outside [PLAUSIBLE_START, load time + FUTURE_TOLERANCE] are export errors (a 2099 purchase would
# become the data's "last event" and shift every recency); the tolerance absorbs time zones and clock skew.
PLAUSIBLE_START = pd.Timestamp("1990-01-01")
FUTURE_TOLERANCE = pd.Timedelta(days=2)

# Usual names of event types in public logs and shop exports -> canonical type.
EVENT_TYPE_SYNONYMS: dict[str, str] = {
    "view": "view", "pv": "view", "pageview": "view", "page_view": "view", "detail": "view", "click": "view",
    "impression": "view", "visit": "view", "product_view": "view", "view_item": "view",
    "cart": "cart", "addtocart": "cart", "add_to_cart": "cart", "add-to-cart": "cart", "basket": "cart",
    "add": "cart",
    "fav": "fav", "favorite": "fav", "favourite": "fav", "wishlist": "fav", "like": "fav", "save": "fav",
    "purchase": "purchase", "buy": "purchase", "order": "purchase", "transaction": "purchase", "sale": "purchase",
    "checkout": "purchase", "purchased": "purchase", "bought": "purchase",
}

_TRUE = {"1", "true", "t", "yes", "y", "1.0"}


@dataclass(frozen=True)
class TableQuality:
    """What cleaning did to one table."""

    table: str
    source: str
    rows_in: int
    rows_out: int
    duplicates_removed: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> rows dropped
    warnings: tuple[str, ...] = ()
    warnings_zh: tuple[str, ...] = ()   # the same warnings in Chinese

    @property
    def rows_dropped(self) -> int:
        return sum(self.dropped.values())


@dataclass(frozen=True)
class QualityReport:
    """Per-table cleaning figures of one load, plus load-level warnings."""

    tables: tuple[TableQuality, ...] = ()
    warnings: tuple[str, ...] = ()
    warnings_zh: tuple[str, ...] = ()   # the same warnings in Chinese

    def __getitem__(self, table: str) -> TableQuality:
        for quality in self.tables:
            if quality.table == table:
                return quality
        raise KeyError(f"no quality figures for table '{table}' (have: {[q.table for q in self.tables]})")

    def __contains__(self, table: str) -> bool:
        return any(quality.table == table for quality in self.tables)

    def dropped(self, table: str, reason: str) -> int:
        return self[table].dropped.get(reason, 0) if table in self else 0

    @property
    def all_warnings(self) -> tuple[str, ...]:
        return self.warnings + tuple(w for q in self.tables for w in q.warnings)

    def warnings_in(self, language: str) -> tuple[str, ...]:
        """All warnings in the reader's language (English where a table has no Chinese for them)."""
        return in_language(self.warnings, self.warnings_zh, language) + tuple(
            w for q in self.tables for w in in_language(q.warnings, q.warnings_zh, language))

    def to_frame(self) -> pd.DataFrame:
        """One row per (table, reason); reason '' carries the row totals."""
        rows = []
        for q in self.tables:
            rows.append({"table": q.table, "source": q.source, "rows_in": q.rows_in, "rows_out": q.rows_out,
                         "duplicates_removed": q.duplicates_removed, "reason": "", "dropped": q.rows_dropped})
            for reason, n in q.dropped.items():
                rows.append({"table": q.table, "source": q.source, "rows_in": q.rows_in, "rows_out": q.rows_out,
                             "duplicates_removed": q.duplicates_removed, "reason": reason, "dropped": n})
        return pd.DataFrame(rows, columns=["table", "source", "rows_in", "rows_out", "duplicates_removed",
                                           "reason", "dropped"])

    def to_markdown(self) -> str:
        """The report as Markdown; file names, reasons and warnings quote the user's data, so they are encoded."""
        from assistant.core.vocabulary import markdown_table  # cells go through markdown_literal there
        rows = [(q.table, q.source, f"{q.rows_in:,}", f"{q.rows_out:,}", f"{q.duplicates_removed:,}",
                 ", ".join(f"{reason}: {n:,}" for reason, n in q.dropped.items() if n) or "none") for q in self.tables]
        lines = [markdown_table(pd.DataFrame(rows, columns=["table", "source", "rows in", "rows out",
                                                           "duplicates removed", "dropped (reason: rows)"]),
                                max_rows=None)] if rows else []
        warnings = self.all_warnings
        if warnings:
            lines += ["", "Warnings:"] + [f"- {md(w)}" for w in warnings]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- coercion helpers

def suggest_columns(wanted: str, available: list[str]) -> list[str]:
    """Close column names (difflib), for 'did you mean' hints."""
    lowered = {str(c).lower(): str(c) for c in available}
    hits = difflib.get_close_matches(wanted.lower(), list(lowered), n=3, cutoff=0.5)
    # substring matches catch 'customer_user_id' for 'user_id' which difflib may rank low
    hits += [c for c in lowered if (wanted.lower() in c or c in wanted.lower()) and c not in hits and len(c) > 1]
    return [lowered[h] for h in hits[:3]]


def require_columns(frame: pd.DataFrame, required: tuple[str, ...], *, table: str, source: str,
                    original_names: dict[str, str] | None = None) -> None:
    """Raise DataError for the first missing required column, with close-name suggestions."""
    original_names = original_names or {}
    available = [original_names.get(c, c) for c in frame.columns]
    for column in required:
        if column not in frame.columns:
            close = suggest_columns(column, available)
            hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
            if sum(pd.notna(pd.to_numeric(str(c), errors="coerce")) for c in available) >= max(1, len(available) // 2):
                hint = "the first row looks like data, not column names: add a header row, or "
            raise DataError(
                f"required column '{column}' of the {table} table is missing (found columns: {available[:15]})",
                file=source, column=column,
                fix=f"{hint}rename the column in the file or pass mapping={{'{table}': {{'{column}': "
                    f"'<your column>'}}}}")


def to_id(series: pd.Series) -> pd.Series:
    """Ids as clean strings: 1029, 1029.0, ' 1029 ' and '1029.0' all become '1029'; blanks become NA."""
    if pd.api.types.is_float_dtype(series):
        present = series.dropna()
        if (present == np.floor(present)).all() and (present.abs() < 2**62).all():
            return series.astype("Int64").astype("str")
    if pd.api.types.is_integer_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series.astype("str").where(series.notna()).astype("str")
    text = series.astype("str").where(series.notna()).str.strip()
    if text.str.contains(".", regex=False).any():
        text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    text = text.where(~text.isin(["", "nan", "NaN", "None", "null", "NULL", "<NA>"]))
    return text.astype("str")


_NUMBER_NOISE = re.compile(r"[\s\u00a0\u202f$€£¥'’]")  # currency signs, (thin) spaces, Swiss apostrophes
_COMMA_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")
_DOT_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d*)?$")


def number_format(text: pd.Series) -> tuple[str, str | None]:
    """(decimal mark, thousands separator or None) of a column of number strings, read as a person would:
    '12,50' and '1.234,5' have a decimal comma, '1,234.5' and '1,234,567' a thousands comma; '1.234.567' dots
    as thousands. Decided per column from all its values, so '1,234' alone (ambiguous) follows the others."""
    sample = text.dropna().head(20_000)
    comma_decimal = dot_decimal = comma_thousands = dot_thousands = 0
    for value in sample.unique():
        has_comma, has_dot = "," in value, "." in value
        if has_comma and has_dot:
            if value.rfind(",") > value.rfind("."):
                comma_decimal, dot_thousands = comma_decimal + 1, dot_thousands + 1
            else:
                dot_decimal, comma_thousands = dot_decimal + 1, comma_thousands + 1
        elif has_comma:
            if _COMMA_THOUSANDS.match(value):
                comma_thousands += value.count(",") > 1  # '1,234' alone could be either
            else:
                comma_decimal += 1
        elif has_dot:
            if _DOT_THOUSANDS.match(value):
                dot_thousands += value.count(".") > 1  # '1.234' alone could be either
            else:
                dot_decimal += 1
    if comma_decimal > dot_decimal or (dot_thousands and not comma_thousands and not dot_decimal):
        return ",", "." if dot_thousands or sample.str.contains(".", regex=False).any() else None
    return ".", "," if comma_thousands or sample.str.contains(",", regex=False).any() else None


def read_numbers(series: pd.Series) -> tuple[pd.Series, str | None]:
    """`read_numbers_noted` with the note in English only."""
    values, note = read_numbers_noted(series)
    return values, note[0] if note else None


def read_numbers_noted(series: pd.Series) -> tuple[pd.Series, tuple[str, str] | None]:
    """Numbers from numbers or number strings ('1,234.5', '12,50', '1.234,5', '$3.20', '12 '); unparseable ->
    NaN. Returns the values and, when the text used a decimal comma or thousands separators, a note saying how
    the column was read (for the quality report), as an (English, Chinese) pair."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype("float64"), None
    text = series.astype("str").where(series.notna()).str.replace(_NUMBER_NOISE, "", regex=True)
    decimal, thousands = number_format(text)
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    note = None
    if decimal == ",":
        note = ("decimal comma (e.g. '12,50' read as 12.5)" + (f", '{thousands}' as thousands separator"
                                                                if thousands else ""),
                "小数点写作逗号（如 '12,50' 读作 12.5）" + (f"，'{thousands}' 作千位分隔符" if thousands else ""))
    elif thousands:
        note = (f"'{thousands}' read as thousands separator (e.g. '1,234.5' read as 1234.5)",
                f"'{thousands}' 读作千位分隔符（如 '1,234.5' 读作 1234.5）")
    return values, note


def to_number(series: pd.Series) -> pd.Series:
    """Numbers from numbers or strings, separators detected per column (see `read_numbers`); unparseable -> NaN."""
    return read_numbers(series)[0]


def to_flag(series: pd.Series) -> pd.Series:
    """Booleans from 0/1, true/false, yes/no; missing -> False."""
    if pd.api.types.is_bool_dtype(series):
        return series.fillna(False).astype(bool)
    if pd.api.types.is_numeric_dtype(series):
        return series.fillna(0).astype("float64") > 0
    return series.astype("str").str.strip().str.lower().isin(_TRUE)


def parse_timestamps(series: pd.Series) -> pd.Series:
    """Datetimes from ISO strings, unix seconds / milliseconds / microseconds / nanoseconds (auto-detected per
    value by magnitude), or yyyymmdd integers. Time zones are converted to UTC and dropped. Unparseable -> NaT."""
    if pd.api.types.is_datetime64_any_dtype(series):
        result = series
        if getattr(series.dt, "tz", None) is not None:
            result = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return result.astype("datetime64[ns]")
    if not pd.api.types.is_numeric_dtype(series):
        head = series.dropna().head(200)  # cheap probe: most logs are all-text dates or all-number epochs
        if not len(head) or to_number(head).notna().mean() <= 0.5:
            return _parse_date_strings(series)
    numeric = to_number(series) if not pd.api.types.is_numeric_dtype(series) else series.astype("float64")
    is_number = numeric.notna()
    if pd.api.types.is_numeric_dtype(series) or is_number.mean() > 0.5:
        values = numeric.to_numpy()
        finite = np.isfinite(values)
        yyyymmdd = finite & (values >= 19000101) & (values <= 21001231) & (np.floor(values) == values)
        # yyyymmdd numbers read as epoch seconds would fall in 1970 (implausible), so per value it is safe
        magnitude = np.abs(values)
        unit_ns = np.select([magnitude >= 1e17, magnitude >= 1e14, magnitude >= 1e11],
                            [1.0, 1e3, 1e6], default=1e9)
        with np.errstate(invalid="ignore", over="ignore"):
            nanos = values * unit_ns
        nanos[~finite | (np.abs(nanos) > 9.2e18)] = np.nan
        out = pd.to_datetime(pd.Series(nanos, index=series.index), unit="ns", errors="coerce")
        if yyyymmdd.any():
            days = pd.Series(values[yyyymmdd], index=series.index[yyyymmdd]).astype("int64").astype("str")
            out[yyyymmdd] = pd.to_datetime(days, format="%Y%m%d", errors="coerce")
        if not pd.api.types.is_numeric_dtype(series):  # mixed column: parse the non-numeric strings as dates
            rest = ~is_number & series.notna()
            if rest.any():
                out = out.where(~rest, _parse_date_strings(series[rest]))
        return out.astype("datetime64[ns]")
    return _parse_date_strings(series)


def _parse_date_strings(series: pd.Series) -> pd.Series:
    text = series.astype("str").str.strip()
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
    missing = parsed.isna() & series.notna()
    if missing.any():  # other layouts ('03/01/2017 10:00', 'Mar 1 2017'): slower per-value parsing, only for these
        parsed = parsed.where(~missing, pd.to_datetime(text[missing], errors="coerce", format="mixed", utc=True))
    return parsed.dt.tz_localize(None).astype("datetime64[ns]")


def normalise_event_types(series: pd.Series, extra: dict[str, str] | None = None) -> pd.Series:
    """Map raw event names to view/cart/fav/purchase (user mapping first, then the usual synonyms); else NA."""
    lookup = {str(k).strip().lower(): v for k, v in EVENT_TYPE_SYNONYMS.items()}
    lookup.update({str(k).strip().lower(): str(v).strip().lower() for k, v in (extra or {}).items()})
    key = series.astype("str").str.strip().str.lower()
    mapped = key.map(lookup)
    return mapped.where(mapped.isin(EVENT_TYPES)).astype("str")


class _Dropper:
    """Drops rows for a reason and keeps the count (the one place the report's 'dropped' numbers come from)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.dropped: dict[str, int] = {}

    def drop(self, bad: pd.Series, reason: str) -> None:
        n = int(bad.sum())
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + n
            self.frame = self.frame[~bad]


def _order(frame: pd.DataFrame, canonical: tuple[str, ...]) -> pd.DataFrame:
    extras = [c for c in frame.columns if c not in canonical]
    return frame[[c for c in canonical if c in frame.columns] + extras]


def _no_rows_left(table: str, source: str, rows_in: int, dropped: dict[str, int]) -> DataError:
    reasons = ", ".join(f"{reason}: {n:,}" for reason, n in sorted(dropped.items(), key=lambda kv: -kv[1]))
    return DataError(f"no valid {table} rows left after cleaning ({rows_in:,} rows read; dropped {reasons})",
                     file=source, fix="check the column mapping, the date format and the event type names")


# ------------------------------------------------------------------------------------------------------- tables

def _keep_first_per_key(frame: pd.DataFrame, key: tuple[str, ...], *, table: str, source: str, rows_in: int,
                        canonical: tuple[str, ...], allow_empty: bool = False,
                        warnings: Bilingual | None = None) -> tuple[pd.DataFrame, TableQuality]:
    """The shared tail of the keyed tables: drop rows missing a key id, keep the first row per key (counted as
    duplicates), refuse an empty result, put the canonical columns first."""
    d = _Dropper(frame)
    d.drop(d.frame[list(key)].isna().any(axis=1), "missing id")
    frame = d.frame
    duplicated = frame.duplicated(subset=list(key), keep="first")
    frame = frame[~duplicated]
    if frame.empty and not allow_empty:
        raise _no_rows_left(table, source, rows_in, d.dropped)
    frame = _order(frame, canonical).reset_index(drop=True)
    warnings = warnings or Bilingual()
    return frame, TableQuality(table, source, rows_in, len(frame), int(duplicated.sum()), d.dropped,
                               tuple(warnings.en), tuple(warnings.zh))


def clean_events(frame: pd.DataFrame, *, source: str = "events", event_values: dict[str, str] | None = None,
                 original_names: dict[str, str] | None = None,
                 now: pd.Timestamp | None = None) -> tuple[pd.DataFrame, TableQuality]:
    """Clean an event log with canonical column names (extra columns are kept after the canonical ones).

    Missing event_type means every row is a purchase; missing quantity means 1; missing revenue is price x
    quantity when a `price` column exists, else NaN (unknown) for purchases and 0 for other events. Events dated
    before 1990 or after `now` (default: the load time, UTC) plus two days are dropped and counted.
    """
    rows_in = len(frame)
    require_columns(frame, REQUIRED_COLUMNS["events"], table="events", source=source,
                    original_names=original_names)
    warnings = Bilingual()
    frame = frame.copy()
    frame["user_id"] = to_id(frame["user_id"])
    frame["item_id"] = to_id(frame["item_id"])
    if "event_type" in frame.columns:
        raw_types = frame["event_type"]
        frame["event_type"] = normalise_event_types(raw_types, event_values)
        unknown = frame["event_type"].isna() & raw_types.notna()
        if unknown.any():
            names = raw_types[unknown].astype("str").value_counts().head(5).index.tolist()
            hint = "mapping={'event_values': {'<name>': 'view|cart|fav|purchase'}}"
            warnings.add(f"unknown event types dropped: {names} (map them with {hint})",
                         f"未知的事件类型已丢弃：{names}（可用 {hint} 映射）")
    else:
        frame["event_type"] = "purchase"
        warnings.add("no event type column: every row is taken as a purchase", "没有事件类型列：每一行都按购买处理")
    frame["timestamp"] = parse_timestamps(frame["timestamp"])
    original_names = original_names or {}
    for column in ("quantity", "revenue", "price"):
        if column in frame.columns:
            frame[column], note = read_numbers_noted(frame[column])
            if note:
                name = original_names.get(column, column)
                warnings.add(f"column '{name}': {note[0]}", f"列「{name}」：{note[1]}")
    frame["quantity"] = frame["quantity"].fillna(1.0) if "quantity" in frame.columns else 1.0
    if "revenue" not in frame.columns and "price" in frame.columns:
        frame["revenue"] = frame["price"] * frame["quantity"]
    elif "revenue" not in frame.columns:
        frame["revenue"] = np.nan
        warnings.add("no revenue or price column: revenue is unknown (NaN)", "没有金额或价格列：销售额未知（NaN）")
    frame["revenue"] = frame["revenue"].where(frame["event_type"] == "purchase", 0.0)
    frame["basket_id"] = to_id(frame["basket_id"]) if "basket_id" in frame.columns else pd.Series(
        pd.NA, index=frame.index, dtype="str")

    d = _Dropper(frame)
    f = d.frame
    d.drop(f["user_id"].isna() | f["item_id"].isna(), "missing id")
    f = d.frame
    d.drop(f["event_type"].isna(), "unknown event type")
    f = d.frame
    d.drop(f["timestamp"].isna(), "unparseable timestamp")
    f = d.frame
    d.drop(f["timestamp"] < PLAUSIBLE_START, f"timestamp before {PLAUSIBLE_START:%Y-%m-%d}")
    f = d.frame
    latest = (now if now is not None else pd.Timestamp.now(tz="UTC").tz_localize(None)) + FUTURE_TOLERANCE
    d.drop(f["timestamp"] > latest, "timestamp in the future")
    f = d.frame
    d.drop(f["quantity"] < 0, "negative quantity")
    f = d.frame
    d.drop(f["quantity"] == 0, "zero quantity")
    f = d.frame
    d.drop(f["quantity"] > MAX_QUANTITY, "absurd quantity")
    f = d.frame
    d.drop(f["revenue"] < 0, "negative revenue")
    f = d.frame
    d.drop(f["revenue"] / f["quantity"] > MAX_UNIT_PRICE, "absurd price")
    frame = d.frame
    canonical = [c for c in EVENT_COLUMNS]
    duplicated = frame.duplicated(subset=[c for c in frame.columns], keep="first")
    duplicates = int(duplicated.sum())
    frame = frame[~duplicated]
    if frame.empty:
        raise _no_rows_left("events", source, rows_in, d.dropped)
    frame = _order(frame.sort_values(["timestamp", "user_id"], kind="stable"), tuple(canonical))
    return frame.reset_index(drop=True), TableQuality("events", source, rows_in, len(frame), duplicates,
                                                      d.dropped, tuple(warnings.en), tuple(warnings.zh))


def clean_products(frame: pd.DataFrame, *, source: str = "products",
                   original_names: dict[str, str] | None = None) -> tuple[pd.DataFrame, TableQuality]:
    """Clean a product table: one row per item_id (first wins); bad prices become NA (counted as warnings)."""
    rows_in = len(frame)
    require_columns(frame, REQUIRED_COLUMNS["products"], table="products", source=source, original_names=original_names)
    frame = frame.copy()
    frame["item_id"] = to_id(frame["item_id"])
    for column in ("title", "description", "category", "brand"):
        if column in frame.columns:
            text = frame[column].astype("str").where(frame[column].notna()).str.strip()
            frame[column] = text.where(text != "").astype("str")
        else:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="str")
    warnings = Bilingual()
    if "price" in frame.columns:
        price, note = read_numbers_noted(frame["price"])
        if note:
            name = (original_names or {}).get('price', 'price')
            warnings.add(f"column '{name}': {note[0]}", f"列「{name}」：{note[1]}")
        bad = (price < 0) | (price > MAX_UNIT_PRICE)
        if bad.any():
            warnings.add(f"{int(bad.sum()):,} absurd prices (negative or > {MAX_UNIT_PRICE:,.0f}) set to unknown",
                         f"{int(bad.sum()):,} 个离谱的价格（负数或大于 {MAX_UNIT_PRICE:,.0f}）已设为未知")
        frame["price"] = price.where(~bad)
    else:
        frame["price"] = np.nan
    frame["in_stock"] = to_flag(frame["in_stock"]) | frame["in_stock"].isna() if "in_stock" in frame.columns \
        else True
    return _keep_first_per_key(frame, ("item_id",), table="products", source=source, rows_in=rows_in,
                               canonical=PRODUCT_COLUMNS, warnings=warnings)


def clean_users(frame: pd.DataFrame, *, source: str = "users",
                original_names: dict[str, str] | None = None) -> tuple[pd.DataFrame, TableQuality]:
    """Clean a customer attribute table: one row per user_id; attribute columns are kept as they are."""
    rows_in = len(frame)
    require_columns(frame, REQUIRED_COLUMNS["users"], table="users", source=source, original_names=original_names)
    frame = frame.copy()
    frame["user_id"] = to_id(frame["user_id"])
    return _keep_first_per_key(frame, ("user_id",), table="users", source=source, rows_in=rows_in,
                               canonical=("user_id",))


def clean_campaigns(frame: pd.DataFrame, *, source: str = "campaigns",
                    original_names: dict[str, str] | None = None) -> tuple[pd.DataFrame, TableQuality]:
    rows_in = len(frame)
    require_columns(frame, REQUIRED_COLUMNS["campaigns"], table="campaigns", source=source, original_names=original_names)
    frame = frame.copy()
    frame["campaign_id"] = to_id(frame["campaign_id"])
    for column in ("start_date", "end_date"):
        frame[column] = parse_timestamps(frame[column]) if column in frame.columns else pd.NaT
    for column in ("campaign_type", "name"):
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="str")
    return _keep_first_per_key(frame, ("campaign_id",), table="campaigns", source=source, rows_in=rows_in,
                               canonical=CAMPAIGN_COLUMNS)


def clean_exposures(frame: pd.DataFrame, *, source: str = "exposures",
                    original_names: dict[str, str] | None = None) -> tuple[pd.DataFrame, TableQuality]:
    """Who got which campaign: one row per (campaign_id, user_id); missing arm means 'treatment'."""
    rows_in = len(frame)
    require_columns(frame, REQUIRED_COLUMNS["exposures"], table="exposures", source=source,
                    original_names=original_names)
    frame = frame.copy()
    frame["campaign_id"] = to_id(frame["campaign_id"])
    frame["user_id"] = to_id(frame["user_id"])
    if "arm" in frame.columns:
        arm = frame["arm"].astype("str").where(frame["arm"].notna()).str.strip()
        frame["arm"] = arm.fillna("treatment").astype("str")
    else:
        frame["arm"] = "treatment"
    frame["sent_at"] = parse_timestamps(frame["sent_at"]) if "sent_at" in frame.columns else pd.NaT
    frame["sent_at"] = frame["sent_at"].astype("datetime64[ns]")
    return _keep_first_per_key(frame, ("campaign_id", "user_id"), table="exposures", source=source,
                               rows_in=rows_in, canonical=EXPOSURE_COLUMNS)


def clean_outcomes(frame: pd.DataFrame, *, source: str = "outcomes",
                   original_names: dict[str, str] | None = None) -> tuple[pd.DataFrame, TableQuality]:
    """Outcome flags as bools (missing -> False) and revenue >= 0; repeated (campaign, user) rows are merged
    (any flag set, revenue summed) and counted as duplicates."""
    rows_in = len(frame)
    require_columns(frame, REQUIRED_COLUMNS["outcomes"], table="outcomes", source=source,
                    original_names=original_names)
    frame = frame.copy()
    # which outcomes the source really had: a flag filled with False below must never read as "nobody did it"
    measured = [c for c in (*OUTCOME_FLAGS, "revenue") if c in frame.columns]
    frame["campaign_id"] = to_id(frame["campaign_id"])
    frame["user_id"] = to_id(frame["user_id"])
    for flag in OUTCOME_FLAGS:
        frame[flag] = to_flag(frame[flag]) if flag in frame.columns else False
    frame["revenue"] = to_number(frame["revenue"]).fillna(0.0) if "revenue" in frame.columns else 0.0
    d = _Dropper(frame)
    d.drop(d.frame["campaign_id"].isna() | d.frame["user_id"].isna(), "missing id")
    d.drop(d.frame["revenue"] < 0, "negative revenue")
    frame = d.frame
    keys = ["campaign_id", "user_id"]
    n_before = len(frame)
    if frame.duplicated(subset=keys).any():
        agg = {flag: "max" for flag in OUTCOME_FLAGS} | {"revenue": "sum"}
        agg |= {c: "first" for c in frame.columns if c not in agg and c not in keys}
        frame = frame.groupby(keys, as_index=False, sort=False).agg(agg)
    if frame.empty:
        raise _no_rows_left("outcomes", source, rows_in, d.dropped)
    frame = _order(frame, OUTCOME_COLUMNS).reset_index(drop=True)
    frame.attrs["measured"] = measured  # read by campaigns.evaluation.evaluate_campaign
    return frame, TableQuality("outcomes", source, rows_in, len(frame), n_before - len(frame), d.dropped)


def clean_coupons(frame: pd.DataFrame, *, source: str = "coupons",
                  original_names: dict[str, str] | None = None) -> tuple[pd.DataFrame, TableQuality]:
    rows_in = len(frame)
    require_columns(frame, REQUIRED_COLUMNS["coupons"], table="coupons", source=source, original_names=original_names)
    frame = frame.copy()
    for column in COUPON_COLUMNS:
        frame[column] = to_id(frame[column])
    # an empty coupon table is allowed: coupons are optional detail of campaigns
    return _keep_first_per_key(frame, COUPON_COLUMNS, table="coupons", source=source, rows_in=rows_in,
                               canonical=COUPON_COLUMNS, allow_empty=True)


CLEANERS = {
    "events": clean_events, "products": clean_products, "users": clean_users, "campaigns": clean_campaigns,
    "exposures": clean_exposures, "outcomes": clean_outcomes, "coupons": clean_coupons,
}
