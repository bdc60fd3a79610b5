"""Data questions answered from the loaded tables: a fixed set of safe query templates with slots.

A marketer asks "how many customers do we have?", "what's the AOV of segment 2?", "哪个品类卖得最好？", "revenue by
month", "what share of revenue comes from the lapsing customers?". Each metric in `METRICS` is one small pandas
function over the canonical purchase events; the slots (metric, segment members, period, top-k, product words) are
the only inputs, so nothing the user types is ever executed. Every answer carries the number, the definition used
(EN + ZH), a small table and, for trends and rankings, a chart. Audience counts never list customer ids.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from assistant.core.errors import DataError
from assistant.core.policy import CATEGORY_LABELS, CATEGORY_LABELS_ZH, MarketingPolicy, category_name

METRICS = ("customers", "orders", "revenue", "aov", "spend", "frequency", "top_categories", "top_products", "trend",
           "revenue_share", "clv")
LABELS = {
    "customers": ("Customers", "客户数"), "orders": ("Orders", "订单数"), "revenue": ("Revenue", "销售额"),
    "aov": ("Average order value", "客单价"), "spend": ("Average spend per customer", "人均消费"),
    "frequency": ("Orders per customer", "人均订单数"), "top_categories": ("Top categories", "热销品类"),
    "top_products": ("Best-selling products", "畅销商品"), "trend": ("Revenue trend", "销售趋势"),
    "revenue_share": ("Share of revenue", "收入占比"), "clv": ("Customer value to date", "客户累计价值"),
}
DEFINITIONS = {
    "customers": ("distinct customers with at least one purchase in the data",
                  "数据中至少有一次购买的不同客户数"),
    "orders": ("distinct orders (basket ids; a customer's purchases on one day when there are no basket ids)",
               "不同订单数（按购物篮编号；没有编号时按客户每天的购买计为一单）"),
    "revenue": ("sum of the sales value of purchase lines", "所有购买记录的销售额之和"),
    "aov": ("revenue ÷ orders", "销售额 ÷ 订单数"),
    "spend": ("revenue ÷ customers who bought", "销售额 ÷ 有购买的客户数"),
    "frequency": ("orders ÷ customers who bought, over the data window", "数据时间范围内：订单数 ÷ 有购买的客户数"),
    "top_categories": ("categories ranked by revenue; share = category revenue ÷ revenue; 'not promoted' marks "
                       "lines that are sold but never promoted",
                       "按销售额排序的品类；占比 = 品类销售额 ÷ 总销售额；“不推广”表示有销售但从不推广的品类"),
    "top_products": ("products (by readable name, sizes merged) ranked by revenue; 'not promoted' marks lines "
                     "that are sold but never promoted",
                     "按销售额排序的商品（按可读名称合并不同规格）；“不推广”表示有销售但从不推广的商品"),
    "trend": ("revenue and orders per calendar {period}", "每个自然{period}的销售额和订单数"),
    "revenue_share": ("segment revenue ÷ revenue of all customers", "客群销售额 ÷ 全体客户销售额"),
    "clv": ("historical value: revenue per customer to date over the data window (not a forecast)",
            "历史价值：数据时间范围内每位客户的累计消费（不是预测值）"),
}
PERIOD_WORDS = {"week": ("week", "周"), "month": ("month", "月")}


@dataclass(frozen=True)
class DataAnswer:
    """One answered data question.

    metric      one of METRICS
    value       the headline number (None for rankings/trends, whose answer is the table)
    scope       {"en": "segment 2", "zh": "第2组"} — whom the number is about
    definition  {"en": ..., "zh": ...} — how the number was computed, with the data window
    table       a small table (rows: segments, categories, products or periods)
    chart       a plotly figure for trends and rankings (None otherwise)
    unit        "money" | "count" | "share" | "ratio" — how to format `value`
    """

    metric: str
    value: float | None
    scope: dict[str, str]
    definition: dict[str, str]
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    chart: Any = None
    unit: str = "count"

    def label(self, language: str = "en") -> str:
        return LABELS[self.metric][1 if language == "zh" else 0]

    def formatted(self, language: str = "en") -> str:
        return format_value(self.value, self.unit)


def format_value(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def purchases(events: pd.DataFrame) -> pd.DataFrame:
    """Purchase lines with an `order` key and a numeric `value` (revenue; units when prices are unknown)."""
    ev = events[events["event_type"] == "purchase"] if "event_type" in events else events
    if ev.empty:
        raise DataError("the data has no purchases, so there is nothing to count or sum",
                        column="event_type", fix="load a file with purchase events")
    revenue_known = "revenue" in ev and ev["revenue"].notna().any()
    value = ev["revenue"].fillna(0.0) if revenue_known else ev.get("quantity", pd.Series(1.0, index=ev.index))
    if "basket_id" in ev and ev["basket_id"].notna().any():
        order = ev["basket_id"].astype("string").fillna(ev["user_id"].astype(str) + "@" +
                                                        ev["timestamp"].dt.strftime("%Y-%m-%d"))
    else:
        order = ev["user_id"].astype(str) + "@" + ev["timestamp"].dt.strftime("%Y-%m-%d")
    return pd.DataFrame({"user_id": ev["user_id"].to_numpy(), "item_id": ev["item_id"].to_numpy(),
                         "timestamp": ev["timestamp"].to_numpy(), "order": order.to_numpy(),
                         "value": value.to_numpy(float)})


def _window(p: pd.DataFrame) -> tuple[str, str, float]:
    start, end = pd.Timestamp(p["timestamp"].min()), pd.Timestamp(p["timestamp"].max())
    return start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d"), max((end - start).days, 1)


def _scalar(metric: str, p: pd.DataFrame) -> float:
    customers, orders, revenue = p["user_id"].nunique(), p["order"].nunique(), float(p["value"].sum())
    return {"customers": customers, "orders": orders, "revenue": revenue,
            "aov": revenue / orders if orders else np.nan, "spend": revenue / customers if customers else np.nan,
            "frequency": orders / customers if customers else np.nan,
            "clv": revenue / customers if customers else np.nan}[metric]


_UNITS = {"customers": "count", "orders": "count", "revenue": "money", "aov": "money", "spend": "money",
          "frequency": "ratio", "clv": "money", "revenue_share": "share"}


def answer_question(events: pd.DataFrame, products: pd.DataFrame, metric: str, *, labels: pd.Series | None = None,
                    segment: int | str | None = None, segment_names: dict[int, str] | None = None,
                    period: str | None = None, top_k: int | None = None, policy: MarketingPolicy | None = None,
                    language: str = "en") -> DataAnswer:
    """Answer one metric for everyone (segment None), one segment (an id; `labels` maps user_id -> segment) or
    every segment ("all": one row per segment). Rankings mark, in `language`, what `policy` never promotes."""
    policy = policy or MarketingPolicy()
    if metric not in METRICS:
        raise DataError(f"'{metric}' is not a question I can answer from the data",
                        fix=f"ask about one of: {', '.join(METRICS)}")
    p = purchases(events)
    start, end, days = _window(p)
    window = {"en": f"data from {start} to {end}", "zh": f"数据时间：{start} 至 {end}"}
    names = segment_names or {}
    if segment is not None and labels is None:
        raise DataError("there are no segments yet", fix="segment the customers first, e.g. 'split my customers "
                                                         "into 5 groups'")
    seg_of = p["user_id"].map(labels) if labels is not None else None
    everyone = {"en": "all customers", "zh": "全体客户"}
    if segment == "all" or (metric == "revenue_share" and segment is None):
        if labels is None:
            raise DataError("there are no segments yet", fix="segment the customers first")
        return _per_segment(metric, p, products, seg_of, names, window, top_k, policy, language)
    scope = everyone
    if segment is not None:
        p = p[seg_of == int(segment)]
        label = names.get(int(segment))
        scope = {"en": f"segment {segment}" + (f" ({label})" if label else ""),
                 "zh": f"第{segment}组" + (f"（{label}）" if label else "")}
        if p.empty:
            raise DataError(f"segment {segment} has no purchases", fix="ask about another segment")
    definition = _definition(metric, window)
    if metric in _UNITS and metric != "revenue_share":
        value = float(_scalar(metric, p))
        table = pd.DataFrame({"metric": [LABELS[metric][0]], "value": [round(value, 2)]})
        return DataAnswer(metric, value, scope, definition, table, unit=_UNITS[metric])
    if metric == "revenue_share":
        total = float(purchases(events)["value"].sum())
        value = float(p["value"].sum()) / total if total else np.nan
        table = pd.DataFrame({"scope": [scope["en"]], "revenue": [round(float(p["value"].sum()), 2)],
                              "share": [round(value, 4)]})
        return DataAnswer(metric, value, scope, definition, table, unit="share")
    if metric in ("top_categories", "top_products"):
        table = _ranking(metric, p, products, top_k or 5, policy, language)
        return DataAnswer(metric, None, scope, definition, table, _bar(table, metric), unit="money")
    return _trend(p, scope, window, period or "month")


def _definition(metric: str, window: dict[str, str]) -> dict[str, str]:
    return {"en": f"{DEFINITIONS[metric][0]}; {window['en']}", "zh": f"{DEFINITIONS[metric][1]}；{window['zh']}"}


def _ranking(metric: str, p: pd.DataFrame, products: pd.DataFrame, k: int, policy: MarketingPolicy,
             language: str) -> pd.DataFrame:
    """The top k categories / products by revenue, named as a shopper reads them ("MEAT-PCKGD" -> "Packaged
    Meat", sizes of one product merged), with a `promoted` column when a line is one the policy never promotes
    (fuel is real revenue, so it is ranked, but a marketer should see at once that it is not a campaign lever)."""
    prod = products.drop_duplicates("item_id").set_index("item_id")
    key = "category" if metric == "top_categories" else "title"
    if key not in prod:
        raise DataError(f"the products table has no {key} column", column=key, fix="load products with a "
                                                                                    f"{key} column")
    names = prod[key].fillna("(unknown)").astype(str)
    if key == "category":
        names = names.map({v: v.split(" > ")[0] for v in names.unique()})  # once per category, not per line
    raw = p["item_id"].map(names).fillna("(unknown)")
    readable = {name: name if name == "(unknown)" else category_name(name) for name in raw.unique()}   # one naming
    # what the policy reads, as everywhere: a category alone, or a product's category and title
    category = p["item_id"].map(prod["category"]).fillna("") if key == "title" and "category" in prod else ""
    grouped = p.assign(name=raw.map(readable), raw=raw, category=category).groupby("name").agg(
        revenue=("value", "sum"), orders=("order", "nunique"), customers=("user_id", "nunique"),
        raw=("raw", "first"), category=("category", "first"))
    grouped["share"] = grouped["revenue"] / max(float(p["value"].sum()), 1e-12)
    top = grouped.sort_values(["revenue", "orders"], ascending=False).head(k).reset_index()
    labels = CATEGORY_LABELS_ZH if language == "zh" else CATEGORY_LABELS
    kinds = [None if policy.allows(c, r) else policy.classify(c, r) for c, r in zip(top["category"], top["raw"])]
    if any(kinds):
        no = "不推广" if language == "zh" else "not promoted"
        top["promoted"] = ["" if kind is None else f"{no} ({labels.get(kind, kind)})" for kind in kinds]
    top = top.drop(columns=["raw", "category"]).rename(columns={"name": key}).round({"revenue": 2, "share": 4})
    top.insert(0, "rank", range(1, len(top) + 1))
    return top


def _without_stub_periods(series: pd.DataFrame, when: pd.Series, period: str) -> tuple[pd.DataFrame, int]:
    """Drop a first or last period the data covers for under half its days: a month with one day of data would
    read as a collapse of sales (a trend of 2,900 / month ending at 0.79). Weekly bins are labelled by their
    Monday end (pandas "W-MON"); monthly bins by the month's first day."""
    if len(series) < 3:
        return series, 0
    first, last = pd.Timestamp(when.min()).normalize(), pd.Timestamp(when.max()).normalize()
    def covered(label: pd.Timestamp) -> float:
        start, end = (label - pd.Timedelta(days=6), label) if period == "week" else \
            (label, label + pd.offsets.MonthEnd(0))
        days = (end - start).days + 1
        return ((min(end, last) - max(start, first)).days + 1) / days
    keep = [not (i in (0, len(series) - 1) and covered(label) < 0.5) for i, label in enumerate(series.index)]
    return series[keep], keep.count(False)


def _trend(p: pd.DataFrame, scope: dict, window: dict, period: str) -> DataAnswer:
    freq = "W-MON" if period == "week" else "MS"
    series = p.set_index(pd.DatetimeIndex(p["timestamp"])).groupby(pd.Grouper(freq=freq)).agg(
        revenue=("value", "sum"), orders=("order", "nunique"))
    series, cut = _without_stub_periods(series, p["timestamp"], period)
    series.index = series.index.strftime("%Y-%m-%d" if period == "week" else "%Y-%m")
    table = series.reset_index(names=period).round({"revenue": 2})
    en, zh = PERIOD_WORDS[period]
    definition = {"en": DEFINITIONS["trend"][0].format(period=en) + f"; {window['en']}",
                  "zh": DEFINITIONS["trend"][1].format(period=zh) + f"；{window['zh']}"}
    if cut:
        definition["en"] += (f"; {cut} {en}{'s' if cut > 1 else ''} at the edge of the data, with under half "
                             f"{'their' if cut > 1 else 'its'} days covered, left out")
        definition["zh"] += f"；数据首尾覆盖不足一半天数的 {cut} {'周' if period == 'week' else '个月'}已略去"
    return DataAnswer("trend", None, scope, definition, table, _line(table, period), unit="money")


def _per_segment(metric: str, p: pd.DataFrame, products: pd.DataFrame, seg_of: pd.Series, names: dict, window: dict,
                 top_k: int | None, policy: MarketingPolicy, language: str) -> DataAnswer:
    rows = []
    total = float(p["value"].sum())
    for seg in sorted(int(s) for s in seg_of.dropna().unique() if s >= 0):
        part = p[seg_of == seg]
        row = {"segment": seg, "name": names.get(seg, "")}
        if metric in ("top_categories", "top_products"):
            row["top"] = ", ".join(str(v) for v in _ranking(metric, part, products, top_k or 3, policy, language)
                                   .iloc[:, 1])
        elif metric == "trend":
            raise DataError("trends are shown for everyone or for one segment", fix="name one segment")
        elif metric == "revenue_share":
            row["revenue"] = round(float(part["value"].sum()), 2)
            row["share"] = round(float(part["value"].sum()) / total, 4) if total else np.nan
        else:
            row[metric] = round(float(_scalar(metric, part)), 2)
        rows.append(row)
    table = pd.DataFrame(rows)
    definition = _definition(metric, window)
    return DataAnswer(metric, None, {"en": "every segment", "zh": "每个客群"}, definition, table,
                      _bar(table, metric) if metric in ("revenue_share",) else None, unit=_UNITS.get(metric, "money"))


def audience_counts(events: pd.DataFrame, products: pd.DataFrame, bought: str | None, *,
                    within_days: int | None = None, not_within_days: int | None = None,
                    labels: pd.Series | None = None) -> tuple[int, int, pd.DataFrame, dict[str, str]]:
    """How many customers bought products matching `bought` (words in the title or category), optionally within
    the last N days, or before but not within the last N days. Returns (count, all customers, per-segment table,
    definition). Only counts: an audience is never listed customer by customer."""
    p = purchases(events)
    prod = products.drop_duplicates("item_id").set_index("item_id")
    text = (prod.get("title", pd.Series("", index=prod.index)).fillna("").astype(str) + " " +
            prod.get("category", pd.Series("", index=prod.index)).fillna("").astype(str)).str.lower()
    words = [w for w in (bought or "").lower().split() if w not in {"products", "product", "items", "item", "stuff",
                                                                     "things", "any", "some"}]
    if not words:
        raise DataError("which products? say what they bought, e.g. 'customers who bought coffee'", column="bought",
                        zh="买过什么商品？请说出商品，例如“买过咖啡的客户”。")
    mask = pd.Series(True, index=text.index)
    for word in words:
        mask &= text.str.contains(word.rstrip("s"), regex=False)
    items = set(text.index[mask])
    if not items:
        raise DataError(f"no product title or category contains '{bought}'", column="title",
                        fix="try a word from the catalogue, e.g. a category name",
                        zh=f"没有商品的名称或品类包含“{bought}”——请换用商品目录里的词，例如一个品类名称"
                           "（商品目录是什么语言，就用什么语言的词）。")
    hits = p[p["item_id"].isin(items)]
    end = pd.Timestamp(p["timestamp"].max())
    if within_days:
        who = set(hits.loc[hits["timestamp"] > end - pd.Timedelta(days=within_days), "user_id"])
    elif not_within_days:
        recent = set(hits.loc[hits["timestamp"] > end - pd.Timedelta(days=not_within_days), "user_id"])
        who = set(hits["user_id"]) - recent
    else:
        who = set(hits["user_id"])
    total = p["user_id"].nunique()
    table = pd.DataFrame()
    if labels is not None and who:
        seg = labels.reindex(list(who)).value_counts().sort_index()
        table = pd.DataFrame({"segment": seg.index.astype(int), "customers": seg.to_numpy()})
    period_en = (f"bought within the last {within_days} days" if within_days else
                 f"bought before but not within the last {not_within_days} days" if not_within_days else "ever bought")
    period_zh = (f"最近 {within_days} 天内购买过" if within_days else
                 f"以前买过但最近 {not_within_days} 天没有购买" if not_within_days else "曾经购买过")
    definition = {"en": f"customers who {period_en} a product whose title or category contains "
                        f"'{bought}' ({len(items):,} products); counted up to {end:%Y-%m-%d}",
                  "zh": f"{period_zh}标题或品类包含“{bought}”的商品（共 {len(items):,} 个商品）的客户；统计截至 {end:%Y-%m-%d}"}
    return len(who), total, table, definition


def _bar(table: pd.DataFrame, metric: str):
    try:
        import plotly.graph_objects as go
    except ImportError:  # a chart is a bonus; the table is the answer
        return None
    if metric == "revenue_share":
        x, y = table["segment"].astype(str), table["share"]
    else:
        x, y = table.iloc[:, 1].astype(str), table["revenue"]
    fig = go.Figure(go.Bar(x=list(x), y=list(y)))
    fig.update_layout(title=LABELS[metric][0], height=320, margin=dict(l=40, r=10, t=40, b=80))
    return fig


def _line(table: pd.DataFrame, period: str):
    try:
        import plotly.graph_objects as go
    except ImportError:
        return None
    fig = go.Figure(go.Scatter(x=list(table[period]), y=list(table["revenue"]), mode="lines+markers"))
    fig.update_layout(title=f"Revenue per {period}", height=320, margin=dict(l=40, r=10, t=40, b=40))
    return fig
