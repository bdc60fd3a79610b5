"""Audiences: a typed filter over the canonical tables ("customers who …"), shown in words, then applied.

`AudienceFilter` is the one schema every path fills — the deterministic parser (`audience_parser`), the local LLM
(grammar-enforced JSON, `audience_llm`) and the marketer editing it. `describe()` renders it in plain English or
Chinese so it can be checked before it runs; `apply_audience()` returns the members.

Time windows ("in the last 30 days") count back from the end of the data (the day after the last event), not
from today: exports and the demo data are historical. A condition the data cannot answer (e.g. gender when the
customer table has no gender column) is never dropped: `unsupported_conditions()` names it and `apply_audience`
refuses to run until the marketer removes it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.core.errors import DataError
from assistant.core.vocabulary import purchases as purchase_rows
from assistant.core.text import normalise

VALUE_TIER_SHARE = 0.2       # "high-value" = top 20 % by spend to date; "low-value" = bottom 20 %
NEW_CUSTOMER_DAYS = 30       # "new customers" without a window = first order in the last 30 days
LOW_INCOME_BELOW_K = 35      # "low income": band starting under 35K; "high income": band starting at 100K or more
HIGH_INCOME_FROM_K = 100
_DAY = pd.Timedelta(days=1)


class PurchaseCondition(BaseModel):
    """Bought (or did not buy) something from a category, ever or in the last `within_days` days."""

    model_config = ConfigDict(extra="forbid")
    category: str = Field(description="what was bought, a product category in English, e.g. 'baby', 'beer'")
    bought: bool = Field(True, description="false = did NOT buy it (in the window)")
    within_days: int | None = Field(None, ge=1, le=3650, description="in the last N days; null = at any time")

    @field_validator("category")
    @classmethod
    def _clean(cls, value: str) -> str:
        value = normalise(value)
        if not value:
            raise ValueError("category must not be empty")
        return value


class AudienceFilter(BaseModel):
    """Every condition an audience sentence can express; None / empty = no condition. All conditions must hold."""

    model_config = ConfigDict(extra="forbid")
    gender: Literal["female", "male"] | None = None
    age_min: int | None = Field(None, ge=0, le=120)
    age_max: int | None = Field(None, ge=0, le=120)
    has_kids: bool | None = None
    married: bool | None = None
    income: Literal["low", "high"] | None = None
    purchases: list[PurchaseCondition] = Field(default_factory=list)
    active_within_days: int | None = Field(None, ge=1, le=3650, description="bought anything in the last N days")
    inactive_days: int | None = Field(None, ge=1, le=3650, description="bought nothing in the last N days")
    new_within_days: int | None = Field(None, ge=1, le=3650, description="first order in the last N days")
    min_orders: int | None = Field(None, ge=0)
    max_orders: int | None = Field(None, ge=0)
    min_spend: float | None = Field(None, ge=0)
    max_spend: float | None = Field(None, ge=0)
    value_tier: Literal["high", "low"] | None = None
    churn_risk: Literal["high", "medium", "low"] | None = None
    min_clv: float | None = Field(None, ge=0, description="expected spend over the prediction horizon")
    clv_tier: Literal["high", "low"] | None = None
    segments: list[int] = Field(default_factory=list)

    def canonical(self) -> dict:
        """A comparable form: purchases and segments sorted (the order of conditions carries no meaning)."""
        data = self.model_dump()
        data["purchases"] = sorted(data["purchases"], key=lambda p: (p["category"], p["bought"], p["within_days"] or 0))
        data["segments"] = sorted(data["segments"])
        return data

    def is_empty(self) -> bool:
        return self.canonical() == AudienceFilter().canonical()

    def needs_predictions(self) -> bool:
        return self.churn_risk is not None or self.min_clv is not None or self.clv_tier is not None


# ----------------------------------------------------------------------------------------------- words
_WORDS = {
    "en": {
        "female": "women", "male": "men", "age": "aged {lo}–{hi}", "age_min": "aged {lo} or over",
        "age_max": "aged {hi} or under", "kids": "with children at home", "no_kids": "without children at home",
        "married": "married", "unmarried": "not married", "income_low": "low income (under {low}K)",
        "income_high": "high income ({high}K or more)", "bought": "bought {cat}", "not_bought": "did not buy {cat}",
        "ever": "", "within": " in the last {days} days", "active": "ordered in the last {days} days",
        "inactive": "no order in the last {days} days", "new": "first order in the last {days} days",
        "min_orders": "at least {n} orders", "max_orders": "at most {n} orders",
        "min_spend": "spent at least {v:,.2f}", "max_spend": "spent at most {v:,.2f}",
        "value_high": "high-value (top {pct}% by spend)", "value_low": "low-value (bottom {pct}% by spend)",
        "churn": "{band} churn risk", "min_clv": "expected to spend at least {v:,.2f} in the next {h} days",
        "clv_high": "top {pct}% by predicted lifetime value", "clv_low": "bottom {pct}% by predicted lifetime value",
        "segments": "in segment {ids}", "everyone": "all customers (no condition)", "lead": "Customers who are: ",
        "matched": "{cat} = {cats}", "window_note": "time windows end on {end:%Y-%m-%d}, the end of the data",
    },
    "zh": {
        "female": "女性", "male": "男性", "age": "年龄 {lo}–{hi} 岁", "age_min": "年龄 {lo} 岁及以上",
        "age_max": "年龄 {hi} 岁及以下", "kids": "家中有孩子", "no_kids": "家中没有孩子", "married": "已婚",
        "unmarried": "未婚", "income_low": "低收入（{low}K 以下）", "income_high": "高收入（{high}K 及以上）",
        "bought": "买过「{cat}」", "not_bought": "没有买「{cat}」", "ever": "", "within": "（最近 {days} 天）",
        "active": "最近 {days} 天有下单", "inactive": "最近 {days} 天没有下单", "new": "首单在最近 {days} 天内",
        "min_orders": "至少 {n} 单", "max_orders": "最多 {n} 单", "min_spend": "累计消费至少 {v:,.2f}",
        "max_spend": "累计消费至多 {v:,.2f}", "value_high": "高价值（消费前 {pct}%）", "value_low": "低价值（消费后 {pct}%）",
        "churn": "流失风险{band}", "min_clv": "预计未来 {h} 天消费至少 {v:,.2f}", "clv_high": "预测生命周期价值前 {pct}%",
        "clv_low": "预测生命周期价值后 {pct}%", "segments": "属于第 {ids} 组", "everyone": "全部客户（无条件）",
        "lead": "客户条件：", "matched": "「{cat}」= {cats}", "window_note": "时间窗口截至 {end:%Y-%m-%d}（数据的最后一天）",
    },
}
_BANDS_ZH = {"high": "高", "medium": "中", "low": "低"}


def condition_phrases(f: AudienceFilter, language: str = "en", horizon_days: int = 90) -> list[str]:
    """One short phrase per condition, in the marketer's language (EN / ZH)."""
    w = _WORDS["zh" if language == "zh" else "en"]
    pct = int(VALUE_TIER_SHARE * 100)
    out: list[str] = []
    if f.gender:
        out.append(w[f.gender])
    if f.age_min is not None and f.age_max is not None:
        out.append(w["age"].format(lo=f.age_min, hi=f.age_max))
    elif f.age_min is not None:
        out.append(w["age_min"].format(lo=f.age_min))
    elif f.age_max is not None:
        out.append(w["age_max"].format(hi=f.age_max))
    if f.has_kids is not None:
        out.append(w["kids" if f.has_kids else "no_kids"])
    if f.married is not None:
        out.append(w["married" if f.married else "unmarried"])
    if f.income:
        out.append(w[f"income_{f.income}"].format(low=LOW_INCOME_BELOW_K, high=HIGH_INCOME_FROM_K))
    for p in f.purchases:
        phrase = w["bought" if p.bought else "not_bought"].format(cat=p.category)
        out.append(phrase + (w["within"].format(days=p.within_days) if p.within_days else w["ever"]))
    for key, value in (("active", f.active_within_days), ("inactive", f.inactive_days), ("new", f.new_within_days)):
        if value is not None:
            out.append(w[key].format(days=value))
    for key, value in (("min_orders", f.min_orders), ("max_orders", f.max_orders)):
        if value is not None:
            out.append(w[key].format(n=value))
    for key, value in (("min_spend", f.min_spend), ("max_spend", f.max_spend)):
        if value is not None:
            out.append(w[key].format(v=value))
    if f.value_tier:
        out.append(w[f"value_{f.value_tier}"].format(pct=pct))
    if f.churn_risk:
        out.append(w["churn"].format(band=_BANDS_ZH[f.churn_risk] if language == "zh" else f.churn_risk))
    if f.min_clv is not None:
        out.append(w["min_clv"].format(v=f.min_clv, h=horizon_days))
    if f.clv_tier:
        out.append(w[f"clv_{f.clv_tier}"].format(pct=pct))
    if f.segments:
        out.append(w["segments"].format(ids=", ".join(map(str, sorted(f.segments)))))
    return out


def describe(f: AudienceFilter, language: str = "en", horizon_days: int = 90) -> str:
    """The whole filter as one sentence the marketer can check."""
    phrases = condition_phrases(f, language, horizon_days)
    w = _WORDS["zh" if language == "zh" else "en"]
    if not phrases:
        return w["everyone"]
    return w["lead"] + ("；".join(phrases) if language == "zh" else "; ".join(phrases))


# ----------------------------------------------------------------------------------------------- attributes
# Which users-table column answers each attribute condition (the first one present wins).
ATTRIBUTE_COLUMNS = {
    "gender": ("gender", "sex"),
    "age": ("age", "age_band", "age_group"),
    "has_kids": ("kids_count", "has_kids", "children", "household_comp"),
    "married": ("marital_status", "married"),
    "income": ("income", "income_band"),
}


def _column(users: pd.DataFrame, condition: str) -> str | None:
    return next((c for c in ATTRIBUTE_COLUMNS[condition] if c in users.columns), None)


def unsupported_conditions(f: AudienceFilter, users: pd.DataFrame, *, has_predictions: bool = True,
                           segment_ids: list[int] | None = None) -> list[str]:
    """Conditions this data cannot answer, each named with the reason (never silently dropped)."""
    problems = []
    wanted = {"gender": f.gender is not None, "age": f.age_min is not None or f.age_max is not None,
              "has_kids": f.has_kids is not None, "married": f.married is not None, "income": f.income is not None}
    for condition, asked in wanted.items():
        if asked and _column(users, condition) is None:
            label = condition.replace("has_kids", "children").replace("married", "marital status")
            problems.append(f"{label}: the customer table has no {label} column "
                            f"(looked for {', '.join(ATTRIBUTE_COLUMNS[condition])})")
    if f.needs_predictions() and not has_predictions:
        problems.append("CLV / churn risk: no predictions are available for this data (it needs orders with dates)")
    if f.segments:
        if segment_ids is None:
            problems.append("segment: there are no segments yet — segment the customers first")
        else:
            missing = sorted(set(f.segments) - set(segment_ids))
            if missing:
                problems.append(f"segment: there is no segment {', '.join(map(str, missing))} "
                                f"(segments are {', '.join(map(str, sorted(segment_ids)))})")
    return problems


def _band_range(value: str) -> tuple[float, float]:
    """'25-34' -> (25, 34); '65+' -> (65, inf); 'Under 15K' -> (0, 15); '100-124K' -> (100, 124)."""
    text = str(value).lower().replace(",", "")
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)]
    if not numbers:
        return (np.nan, np.nan)
    if text.startswith(("under", "less", "<", "below")):
        return (0.0, numbers[0])
    if "+" in text or "over" in text or len(numbers) == 1 and "+" in text:
        return (numbers[0], np.inf)
    return (numbers[0], numbers[1] if len(numbers) > 1 else numbers[0])


def _age_mask(values: pd.Series, lo: int | None, hi: int | None) -> tuple[pd.Series, list[str]]:
    """Members whose age (or age band) lies in [lo, hi]; a band that only partly overlaps is included and named."""
    lo_v, hi_v = (lo if lo is not None else 0), (hi if hi is not None else 200)
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().mean() > 0.9:
        return numeric.between(lo_v, hi_v), []
    bands = {b: _band_range(b) for b in values.dropna().astype(str).unique()}
    keep, partial = set(), []
    for band, (b_lo, b_hi) in bands.items():
        if np.isnan(b_lo) or b_hi < lo_v or b_lo > hi_v:
            continue
        keep.add(band)
        if b_lo < lo_v or b_hi > hi_v:
            partial.append(band)
    notes = [f"age band {', '.join(sorted(partial))} only partly overlaps {lo_v}–{hi_v if hi is not None else '∞'} "
             "and is included"] if partial else []
    return values.astype("string").isin(keep).fillna(False).astype(bool), notes


def _kids_mask(values: pd.Series, column: str) -> pd.Series:
    text = values.astype("string").str.lower()
    if column == "household_comp":
        return text.str.contains("kid|child", regex=True) & ~text.str.contains("no kid|no child", regex=True)
    numeric = pd.to_numeric(text.str.extract(r"(\d+)")[0], errors="coerce")
    return (numeric > 0) | text.isin(["yes", "true", "y"])


def _attribute_mask(f: AudienceFilter, users: pd.DataFrame, index: pd.Index) -> tuple[pd.Series, list[str]]:
    mask = pd.Series(True, index=index)
    notes: list[str] = []
    if users.empty:
        return mask, notes
    table = users.drop_duplicates("user_id").set_index("user_id").reindex(index)
    if f.gender:
        col = _column(users, "gender")
        text = table[col].astype("string").str.lower().str.strip()
        wanted = {"female": ("f", "female", "woman", "women", "女"), "male": ("m", "male", "man", "men", "男")}[f.gender]
        mask &= text.isin(wanted).fillna(False).astype(bool)
    if f.age_min is not None or f.age_max is not None:
        col = _column(users, "age")
        age_mask, age_notes = _age_mask(table[col], f.age_min, f.age_max)
        mask &= age_mask
        notes += age_notes
    if f.has_kids is not None:
        col = _column(users, "has_kids")
        known = table[col].notna()
        kids = _kids_mask(table[col], col).fillna(False).astype(bool)
        mask &= known & (kids if f.has_kids else ~kids)
    if f.married is not None:
        col = _column(users, "married")
        text = table[col].astype("string").str.lower().str.strip()
        married = text.isin(["married", "yes", "true", "1", "已婚"])
        unmarried = text.isin(["unmarried", "single", "no", "false", "0", "未婚", "divorced", "widowed"])
        mask &= (married if f.married else unmarried).fillna(False).astype(bool)
    if f.income:
        col = _column(users, "income")
        starts = table[col].map(lambda v: _band_range(v)[0] if pd.notna(v) else np.nan).astype("float64")
        mask &= (starts < LOW_INCOME_BELOW_K) if f.income == "low" else (starts >= HIGH_INCOME_FROM_K)
    return mask.fillna(False).astype(bool), notes


# ----------------------------------------------------------------------------------------------- apply
@dataclass(frozen=True)
class AudienceResult:
    """Who matched: member ids, the size per condition (to see which condition narrows the most) and notes."""

    members: pd.Index
    total_customers: int
    funnel: pd.DataFrame  # condition, customers_left
    notes: tuple[str, ...] = field(default_factory=tuple)


def apply_audience(f: AudienceFilter, *, events: pd.DataFrame, users: pd.DataFrame, customers: pd.Index,
                   category_items: dict[str, set[str]], predictions: pd.DataFrame | None = None,
                   segments: pd.Series | None = None, language: str = "en",
                   horizon_days: int = 90) -> AudienceResult:
    """Customers (from `customers`) meeting every condition of `f`.

    category_items: for each purchase condition's category, the item ids it was matched to (confirmed by the
    marketer); predictions: campaigns.predictive per-customer table (needed for churn / CLV conditions);
    segments: user_id -> segment id.
    """
    problems = unsupported_conditions(f, users, has_predictions=predictions is not None,
                                      segment_ids=None if segments is None else sorted(set(segments.astype(int))))
    if problems:
        raise DataError("this audience asks for something the data cannot answer: " + "; ".join(problems),
                        fix="remove or change that condition, then run the audience again")
    phrases = iter(condition_phrases(f, language, horizon_days))
    purchases = purchase_rows(events)
    end = events["timestamp"].max().normalize() + _DAY if len(events) else pd.Timestamp.now().normalize()
    mask = pd.Series(True, index=customers)
    funnel = [("all customers" if language != "zh" else "全部客户", len(customers))]
    notes: list[str] = []

    def step(condition_mask: pd.Series) -> None:
        nonlocal mask
        mask &= condition_mask.reindex(customers).fillna(False).astype(bool)
        funnel.append((next(phrases, ""), int(mask.sum())))

    attr_mask, attr_notes = _attribute_mask(f, users, customers)
    notes += attr_notes
    n_attr = sum(x is not None for x in (f.gender, f.has_kids, f.married, f.income)) + (
        1 if (f.age_min is not None or f.age_max is not None) else 0)
    if n_attr:
        mask &= attr_mask
        for _ in range(n_attr):
            funnel.append((next(phrases, ""), int(mask.sum())))
    for p in f.purchases:
        items = category_items.get(p.category)
        if not items:
            raise DataError(f"the category '{p.category}' is not matched to any product in the catalogue",
                            fix="confirm a catalogue category for it, or remove the condition")
        lines = purchases[purchases["item_id"].isin(items)]
        if p.within_days:
            lines = lines[lines["timestamp"] >= end - p.within_days * _DAY]
        buyers = pd.Series(True, index=pd.Index(lines["user_id"].unique()))
        has = buyers.reindex(customers).fillna(False).astype(bool)
        step(has if p.bought else ~has)
    last = purchases.groupby("user_id")["timestamp"].max().reindex(customers)
    first = purchases.groupby("user_id")["timestamp"].min().reindex(customers)
    if f.active_within_days is not None:
        step(last >= end - f.active_within_days * _DAY)
    if f.inactive_days is not None:
        step(~(last >= end - f.inactive_days * _DAY))
    if f.new_within_days is not None:
        step(first >= end - f.new_within_days * _DAY)
    order_key = purchases["basket_id"].astype("string").fillna(purchases["timestamp"].dt.strftime("%Y-%m-%d"))
    orders = order_key.groupby(purchases["user_id"]).nunique().reindex(customers, fill_value=0)
    spend = purchases.groupby("user_id")["revenue"].sum().reindex(customers, fill_value=0.0)
    if f.min_orders is not None:
        step(orders >= f.min_orders)
    if f.max_orders is not None:
        step(orders <= f.max_orders)
    if f.min_spend is not None:
        step(spend >= f.min_spend)
    if f.max_spend is not None:
        step(spend <= f.max_spend)
    if f.value_tier:
        rank = spend.rank(pct=True, method="average")
        step(rank > 1 - VALUE_TIER_SHARE if f.value_tier == "high" else (rank <= VALUE_TIER_SHARE) | (spend <= 0))
    if predictions is not None:
        pred = predictions.reindex(customers)
        if f.churn_risk:
            step(pred["churn_band"] == f.churn_risk)
        if f.min_clv is not None:
            step(pred["expected_spend"] >= f.min_clv)
        if f.clv_tier:
            rank = pred["expected_spend"].rank(pct=True, method="average")
            step(rank > 1 - VALUE_TIER_SHARE if f.clv_tier == "high" else rank <= VALUE_TIER_SHARE)
        if f.needs_predictions():
            notes.append("customers without orders have no prediction and are left out of CLV / churn conditions"
                         if language != "zh" else "没有订单的客户没有预测值，不计入生命周期价值/流失条件")
    if f.segments:
        step(segments.reindex(customers).isin(f.segments))
    if any(p.within_days for p in f.purchases) or f.active_within_days or f.inactive_days or f.new_within_days:
        notes.append(_WORDS["zh" if language == "zh" else "en"]["window_note"].format(end=end - _DAY))
    members = pd.Index(customers[mask.to_numpy()], name="user_id")
    return AudienceResult(members=members, total_customers=len(customers),
                          funnel=pd.DataFrame(funnel, columns=["condition", "customers_left"]), notes=tuple(notes))
