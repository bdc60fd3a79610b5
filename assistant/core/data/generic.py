"""Load any user's files: CSV (delimiter sniffed, UTF-8 with a cp1252 fallback), gzip CSV or Parquet, with an
optional column mapping onto the canonical schema.

`read_table` turns a file into a raw DataFrame or raises `DataError` saying what is wrong with the file (empty,
header only, undecodable bytes, ragged rows, one column that looks like a wrong delimiter). `load_files` maps,
cleans and bundles the tables into a `Dataset`.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from assistant.core.data.cleaning import CLEANERS, QualityReport, TableQuality, suggest_columns
from assistant.core.data.dataset import TABLES, Dataset, empty_table
from assistant.core.errors import DataError
from assistant.core.text import Bilingual
from assistant.core.data.schema import PRODUCT_COLUMNS
from assistant.core.vocabulary import purchases

PathLike = str | Path
FALLBACK_ENCODINGS = ("cp1252",)
_DELIMITERS = ",;\t|"

# Usual names in Chinese shop exports (Taobao / Youzan / WeCom style headers), shared by the tables.
ZH_USER = ("用户id", "会员id", "客户id", "买家id", "会员编号", "客户编号", "用户编号", "会员卡号")
ZH_ITEM = ("商品id", "商品编号", "商品编码", "sku编码", "货号", "商品代码")
ZH_TITLE = ("商品名称", "商品名", "品名", "商品标题")
ZH_CATEGORY = ("品类", "类目", "商品类目", "分类", "商品分类", "一级类目")
ZH_PRICE = ("单价", "价格", "售价", "商品单价")

# Usual source names of each canonical column (compared lower-case, ignoring spaces, '-' and '_').
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "events": {
        "user_id": ("user_id", "userid", "user", "customer_id", "customerid", "customer", "visitor_id",
                    "visitorid", "visitor", "household_id", "household_key", "client_id", "member_id", "buyer_id",
                    "uid", *ZH_USER),
        "item_id": ("item_id", "itemid", "item", "product_id", "productid", "product", "sku", "article_id",
                    "stockcode", "asin", "goods_id", *ZH_ITEM),
        "event_type": ("event_type", "eventtype", "event", "behavior_type", "behaviour_type", "behavior",
                       "behaviour", "action", "interaction", "event_name", "行为类型", "行为", "事件类型"),
        "timestamp": ("timestamp", "time", "ts", "datetime", "date", "event_time", "eventtime",
                      "transaction_timestamp", "order_date", "invoicedate", "created_at", "event_date",
                      "purchase_date", "time_stamp", "下单时间", "订单时间", "付款时间", "支付时间", "交易时间",
                      "购买时间", "成交时间", "创建时间", "日期", "时间"),
        "quantity": ("quantity", "qty", "units", "count", "amount_units", "数量", "购买数量", "件数", "商品数量"),
        "revenue": ("revenue", "sales_value", "sales", "amount", "total", "line_total", "value", "spend",
                    "total_price", "sales_amount", "实付金额", "支付金额", "实付款", "成交金额", "订单金额", "销售额",
                    "金额"),
        "basket_id": ("basket_id", "order_id", "orderid", "transaction_id", "transactionid", "invoice",
                      "invoice_no", "invoiceno", "session_id", "basket", "订单号", "订单编号", "订单id", "交易号"),
        # product attributes found in an event log become the products table when no products file is given
        "title": ("title", "product_name", "name", "item_name", "description_short", *ZH_TITLE),
        "category": ("category", "category_id", "categoryid", "category_code", "product_category", "department",
                     *ZH_CATEGORY),
        "description": ("description", "product_description", "item_description"),
        "brand": ("brand", "brand_name", "品牌"),
        "price": ("price", "unit_price", "unitprice", "item_price", *ZH_PRICE),
    },
    "products": {
        "item_id": ("item_id", "itemid", "product_id", "productid", "sku", "article_id", "stockcode", "asin",
                    "id", "product", "item", *ZH_ITEM),
        "title": ("title", "product_name", "name", "item_name", *ZH_TITLE),
        "description": ("description", "desc", "details", "product_description"),
        "category": ("category", "category_path", "category_name", "category_id", "product_category",
                     "department", *ZH_CATEGORY),
        "brand": ("brand", "brand_name", "manufacturer", "品牌"),
        "price": ("price", "unit_price", "list_price", "regular_price", *ZH_PRICE),
        "in_stock": ("in_stock", "instock", "available", "availability", "是否有货", "库存状态"),
    },
    "users": {"user_id": ("user_id", "userid", "customer_id", "customerid", "customer", "household_id",
                          "client_id", "member_id", "id", "user", *ZH_USER)},
    "campaigns": {
        "campaign_id": ("campaign_id", "campaignid", "campaign", "id"),
        "campaign_type": ("campaign_type", "type", "kind"),
        "start_date": ("start_date", "start", "starts", "from", "begin"),
        "end_date": ("end_date", "end", "ends", "to", "until"),
        "name": ("name", "campaign_name", "title"),
    },
    "exposures": {
        "campaign_id": ("campaign_id", "campaignid", "campaign"),
        "user_id": ("user_id", "userid", "customer_id", "customer", "household_id", "client_id", "member_id"),
        "arm": ("arm", "group", "variant", "treatment", "segment", "bucket"),
        "sent_at": ("sent_at", "sent", "send_date", "date", "timestamp"),
    },
    "outcomes": {
        "campaign_id": ("campaign_id", "campaignid", "campaign"),
        "user_id": ("user_id", "userid", "customer_id", "customer", "household_id", "client_id", "member_id"),
        "opened": ("opened", "open", "opens"),
        "clicked": ("clicked", "click", "clicks"),
        "visited": ("visited", "visit", "visits"),
        "redeemed": ("redeemed", "redemption", "redeem"),
        "converted": ("converted", "conversion", "purchase", "bought"),
        "revenue": ("revenue", "spend", "sales", "amount"),
    },
    "coupons": {
        "campaign_id": ("campaign_id", "campaign"),
        "coupon_id": ("coupon_id", "coupon_upc", "coupon", "code"),
        "item_id": ("item_id", "product_id", "sku", "product"),
    },
}


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-\.]", "", str(name).strip().lower())


# --------------------------------------------------------------------------------------------------- reading

def read_table(path: PathLike, *, encoding: str | None = None, sep: str | None = None,
               header: bool = True) -> pd.DataFrame:
    """Read a CSV / TSV (optionally .gz) or Parquet file as raw columns (no cleaning).

    Why hand-written around pandas: pandas alone neither sniffs delimiters robustly nor says which row holds the
    undecodable byte; users need that to fix their export.
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise DataError("file not found", file=str(path), fix="check the path")
    if path.is_dir():
        raise DataError("is a folder, not a file", file=str(path), fix="pass the path of a CSV or Parquet file")
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for corrupt files
            raise DataError(f"not a readable Parquet file ({type(exc).__name__}: {exc})", file=name,
                            fix="re-export the file as Parquet or CSV") from None
        if frame.empty:
            raise DataError("the Parquet file has no rows", file=name, fix="export a file with data rows")
        return frame
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"broken gzip file ({exc})", file=name, fix="re-compress or send it uncompressed") \
                from None
    if raw[:4] == b"PAR1":
        raise DataError("this is a Parquet file with another extension", file=name, fix="rename it to .parquet")
    text = _decode(raw, name, encoding)
    if not text.strip():
        raise DataError("the file is empty", file=name, fix="export the table again with its header and rows")
    if sep is None:
        sep = _sniff_delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=0 if header else None, skip_blank_lines=True,
                            low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty", file=name, fix="export the table again with its header and rows") \
            from None
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+), saw (\d+)", str(exc))
        expected = re.search(r"Expected (\d+) fields", str(exc))
        if match:
            raise DataError(f"row has {match.group(2)} fields where the header has "
                            f"{expected.group(1) if expected else 'fewer'}", file=name,
                            row=int(match.group(1)),
                            fix="quote values that contain the delimiter (\"a, b\") or remove the stray delimiter") \
                from None
        raise DataError(f"cannot parse the file as CSV ({exc})", file=name, fix="check quoting and delimiters") \
            from None
    if frame.empty:
        raise DataError(f"the file has a header ({', '.join(map(str, frame.columns[:8]))}) but no data rows",
                        file=name, fix="export the table again with its rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[1] == 1:
        first = str(frame.columns[0])
        for candidate in _DELIMITERS + " ":
            if candidate in first and candidate != sep:
                label = {"\t": "tab", " ": "space"}.get(candidate, repr(candidate))
                raise DataError(f"only one column was found ('{first[:60]}'); the values look separated by "
                                f"{label}, not {repr(sep)}", file=name, column=first[:60],
                                fix=f"pass sep='{candidate}' or save the file comma-separated")
    return frame


def _decode(raw: bytes, name: str, encoding: str | None) -> str:
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(f"cannot be decoded as {encoding} ({exc})", file=name,
                            fix="pass the file's real encoding, e.g. encoding='utf-8' or 'gbk'") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw[:4096]:
        raise DataError("looks like a binary file, not text (NUL bytes)", file=name,
                        fix="export the table as CSV (UTF-8) or Parquet")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as first_error:
        for fallback in FALLBACK_ENCODINGS:
            try:
                return raw.decode(fallback)
            except UnicodeDecodeError:
                continue
        row = raw[:first_error.start].count(b"\n")  # 0 = header line, 1 = first data row
        byte = raw[first_error.start:first_error.start + 1].hex()
        raise DataError(f"cannot be decoded as UTF-8 (byte 0x{byte} at position {first_error.start}) nor as "
                        f"{', '.join(FALLBACK_ENCODINGS)}", file=name, row=row,
                        fix="save the file as UTF-8, or pass encoding='gbk' / 'latin-1' / the file's encoding") \
            from None


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(line for line in text[:65536].splitlines()[:50] if line.strip())
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in _DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


# --------------------------------------------------------------------------------------------------- mapping

def read_mapping(mapping: Mapping | PathLike | None) -> dict[str, dict[str, str]]:
    """A mapping dict, or the YAML / JSON file that holds one, validated: {table: {canonical: source}} and the
    optional {"event_values": {source value: view|cart|fav|purchase}}."""
    if mapping is None:
        return {}
    source = "mapping"
    if isinstance(mapping, (str, Path)):
        path = Path(mapping)
        source = path.name
        if not path.exists():
            raise DataError("mapping file not found", file=str(path), fix="check the path")
        text = path.read_text(encoding="utf-8-sig")
        try:
            if path.suffix.lower() == ".json":
                mapping = json.loads(text)
            else:
                import yaml  # lazy: only mapping files need it

                mapping = yaml.safe_load(text)
        except Exception as exc:
            raise DataError(f"the mapping file cannot be parsed ({exc})", file=source,
                            fix="write it as {table: {canonical_column: your_column}} in YAML or JSON") from None
    if not isinstance(mapping, Mapping):
        raise DataError("the mapping must be a dictionary {table: {canonical_column: your_column}}", file=source)
    out: dict[str, dict[str, str]] = {}
    for table, columns in mapping.items():
        if table not in (*TABLES, "event_values"):
            raise DataError(f"unknown table '{table}' in the mapping", file=source,
                            fix=f"use one of {list(TABLES) + ['event_values']}")
        if not isinstance(columns, Mapping):
            raise DataError(f"the mapping of '{table}' must be a dictionary", file=source,
                            fix=f"write it as {table}: {{canonical_column: your_column}}")
        out[table] = {str(k): str(v) for k, v in columns.items()}
    return out


# Canonical columns a marketer reads as text: when several source columns could fill one (an export with both
# `category_id` 2053013555631882655 and `category_code` electronics.smartphone), the readable one wins.
READABLE_COLUMNS = ("title", "category", "brand", "description")


def _mostly_numeric(values: pd.Series) -> bool:
    sample = values.dropna().head(1000)
    if pd.api.types.is_numeric_dtype(sample):
        return True
    return len(sample) > 0 and bool(pd.to_numeric(sample.astype("str"), errors="coerce").notna().mean() > 0.9)


def apply_mapping(frame: pd.DataFrame, table: str, mapping: dict[str, str], *, source: str,
                  notes: Bilingual | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename source columns to canonical names: explicit mapping first, then the usual synonyms (for text
    attributes, a column of text before a column of numeric codes; the choice is added to `notes`).

    Returns the renamed frame and {canonical: original} (for error messages that name the user's column)."""
    columns = list(frame.columns)
    renames: dict[str, str] = {}
    for canonical, original in mapping.items():
        if original not in columns:
            matches = [c for c in columns if _norm(c) == _norm(original)]
            if not matches:
                close = suggest_columns(original, columns)
                raise DataError(f"the mapping names column '{original}' for '{canonical}', but the file has no "
                                f"such column (found: {columns[:15]})", file=source, column=original,
                                fix=f"did you mean {', '.join(map(repr, close))}?" if close else
                                "correct the mapping")
            original = matches[0]
        renames[original] = canonical
    taken = set(renames.values())
    normalised = {_norm(c): c for c in columns if c not in renames}
    for canonical, names in SYNONYMS.get(table, {}).items():
        if canonical in taken:
            continue
        found = [normalised[_norm(n)] for n in names if _norm(n) in normalised and normalised[_norm(n)] not in renames]
        found = list(dict.fromkeys(found))
        if not found:
            continue
        chosen = found[0]
        if canonical in READABLE_COLUMNS and len(found) > 1:
            readable = [c for c in found if not _mostly_numeric(frame[c])]
            if readable and readable[0] != chosen:
                if notes is not None:
                    notes.add(f"{table}: '{readable[0]}' (text) used as the {canonical}, not '{chosen}' "
                              f"(numeric codes); map it explicitly to choose otherwise",
                              f"{table}：用文字列「{readable[0]}」作 {canonical}，而不是数字编码列「{chosen}」；"
                              f"要改用后者，请在映射里写明")
                chosen = readable[0]
        renames[chosen] = canonical
        taken.add(canonical)
    # keep unmapped columns, but never let one collide with a canonical name it does not hold
    frame = frame.drop(columns=[c for c in columns if c in taken and c not in renames])
    frame = frame.rename(columns=renames)
    return frame, {canonical: original for original, canonical in renames.items()}


def products_from_events(events: pd.DataFrame) -> pd.DataFrame | None:
    """Product attributes carried in an event log (title/category/brand/price) as a products table."""
    present = [c for c in ("title", "description", "category", "brand") if c in events.columns]
    if not present and "price" not in events.columns:
        return None
    grouped = events.groupby("item_id", sort=False)
    table = grouped[present].first() if present else pd.DataFrame(index=grouped.size().index)
    if "price" in events.columns:
        table["price"] = grouped["price"].median()
    elif "revenue" in events.columns:
        unit = purchases(events).assign(
            unit=lambda f: f["revenue"] / f["quantity"])
        table["price"] = unit.groupby("item_id")["unit"].median()
    return table.reset_index()


# --------------------------------------------------------------------------------------------------- loading

def load_files(events: PathLike | pd.DataFrame | None = None, products: PathLike | pd.DataFrame | None = None,
               users: PathLike | pd.DataFrame | None = None, exposures: PathLike | pd.DataFrame | None = None,
               outcomes: PathLike | pd.DataFrame | None = None, mapping: Mapping | PathLike | None = None,
               name: str = "custom", *, campaigns: PathLike | pd.DataFrame | None = None,
               coupons: PathLike | pd.DataFrame | None = None, encoding: str | None = None) -> Dataset:
    """Load your own files (CSV / gzip CSV / Parquet paths, or DataFrames) into a cleaned `Dataset`.

    `mapping` maps canonical columns to your columns per table, e.g. {"events": {"user_id": "visitor",
    "event_type": "action"}, "event_values": {"addtocart": "cart"}}, or is a path to a YAML / JSON file with that
    content. Columns with usual names (customer_id, product_id, order_date, ...) are recognised without a mapping.
    """
    maps = read_mapping(mapping)
    inputs = {"events": events, "products": products, "users": users, "campaigns": campaigns,
              "exposures": exposures, "outcomes": outcomes, "coupons": coupons}
    if all(value is None for value in inputs.values()):
        raise DataError("no file given", fix="pass at least events=<file> (or users/exposures/outcomes)")
    tables: dict[str, pd.DataFrame] = {}
    qualities: list[TableQuality] = []
    warnings = Bilingual()
    for table, given in inputs.items():
        if given is None:
            continue
        if isinstance(given, pd.DataFrame):
            raw, source = given, f"{table} (DataFrame)"
        else:
            raw, source = read_table(given, encoding=encoding), Path(given).name
        renamed, originals = apply_mapping(raw, table, maps.get(table, {}), source=source, notes=warnings)
        if table == "events":
            clean, quality = CLEANERS[table](renamed, source=source, event_values=maps.get("event_values"),
                                             original_names=originals)
        else:
            clean, quality = CLEANERS[table](renamed, source=source, original_names=originals)
        tables[table] = clean
        qualities.append(quality)
    if "events" in tables and "products" not in tables:
        derived = products_from_events(tables["events"])
        if derived is not None:
            clean, quality = CLEANERS["products"](derived, source=f"{qualities[0].source} (product columns)")
            tables["products"] = clean
            qualities.append(quality)
            warnings.add("no products file: the product table was built from product columns of the events",
                         "没有商品文件：商品表由事件文件里的商品列生成")
    if "events" in tables:  # product attributes now live in the products table
        tables["events"] = tables["events"].drop(
            columns=[c for c in PRODUCT_COLUMNS if c != "item_id" and c in tables["events"].columns])
    return Dataset(name=name, **{t: tables.get(t, empty_table(t)) for t in TABLES},
                   quality=QualityReport(tuple(qualities), tuple(warnings.en), tuple(warnings.zh)))
