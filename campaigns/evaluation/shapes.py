"""Read a test from the shapes real exports have: which column holds the arms, which arm is the control, which
columns are outcomes (and of which type), which one is a pre-period covariate.

Everything here recognises or asks; nothing guesses silently. When a choice is ambiguous `ChoiceNeeded` is
raised with the candidates, so the chat can ask and the UI can show a dropdown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assistant.core.errors import ChoiceNeeded, DataError

NO_CONTROL = "(no control: compare all pairs)"
NO_CONTROL_WORDS = {"none", "nocontrol", "allpairs", "all", "无", "没有", "无对照", "没有对照组", NO_CONTROL.lower()}
ARM_COLUMN_NAMES = ("arm", "group", "variant", "treatment", "test_group", "testgroup", "experiment_group",
                    "bucket", "cohort", "promotion", "promo", "offer", "version", "condition", "segment",
                    "ab_group", "abgroup", "分组", "组", "组别", "实验组")
ARM_WORDS = {"arm", "group", "variant", "treatment", "bucket", "cohort", "cell", "promotion", "promo",
             "experiment", "condition", "version"}
UNIT_COLUMN_NAMES = ("user_id", "userid", "user", "customer_id", "customerid", "customer", "client_id", "member_id",
                     "household_id", "household_key", "visitor_id", "uid", "id", "account_id", "store_id",
                     "location_id", "locationid", "store", "shop_id", "shopper", "shopper_id", "buyer", "buyer_id",
                     "client", "member", "cust", "cust_id", "customer_no", "用户", "用户id", "客户", "客户id")
CAMPAIGN_COLUMN_NAMES = ("campaign_id", "campaignid", "campaign", "test_id", "experiment_id", "experiment")
CONTROL_NAMES = ("control", "controlgroup", "holdout", "hold_out", "holdoutgroup", "noemail", "nomail", "nocontact",
                 "nocampaign", "nopromotion", "nopromo", "nocoupon", "nooffer", "nomessage", "nosms", "nopush",
                 "notreatment", "notreated", "baseline", "untreated", "placebo", "holdback",
                 "对照组", "对照", "空白组", "控制组", "不发送")
# tokens of outcome names (compared on the normalised column name)
OUTCOME_TOKENS = ("visit", "open", "click", "redeem", "convert", "conversion", "purchase", "bought", "order",
                  "transaction", "session", "revenue", "spend", "sales", "amount", "gmv", "profit", "basket",
                  "signup", "response", "responded", "participat", "churn", "retain", "购买", "转化", "销售",
                  "收入", "访问", "点击", "订单")
COVARIATE_PATTERN = re.compile(r"^(history|pre.*|prior.*|previous.*|prev.*|baseline.*|.*before|.*_pre|"
                               r"lastyear.*|past.*)$")
NOT_OUTCOME_WORDS = {"date", "time", "week", "day", "month", "year", "age", "size", "zip", "channel", "segment",
                     "id", "newbie"}


def norm(name) -> str:
    return re.sub(r"[\s_\-\.]", "", str(name).strip().lower())


def find_column(columns, names: tuple[str, ...]) -> str | None:
    normalised = {norm(c): c for c in columns}
    for name in names:
        if norm(name) in normalised:
            return normalised[norm(name)]
    return None


def find_arm_column(frame: pd.DataFrame, given: str | None = None, *, exclude=()) -> str:
    """The column that says which arm each unit was in: the given one, or the one with a usual name."""
    columns = [c for c in frame.columns if c not in exclude]
    if given:
        found = find_column(columns, (given,))
        if found is None:
            raise ChoiceNeeded(f"there is no column '{given}' for the arms", slot="arm_column",
                               options=columns, column=given, fix=f"choose one of {columns[:15]}")
        return found
    few_values = [c for c in columns if norm(c) in {norm(n) for n in ARM_COLUMN_NAMES}
                  and 1 < frame[c].nunique(dropna=True) <= 20]
    if not few_values:  # coupon_group, test_cell, promo_variant, 实验分组 ...
        few_values = [c for c in columns if (_words(c) & ARM_WORDS or any(w in str(c) for w in ("组", "分组")))
                      and not is_outcome_name(c) and 1 < frame[c].nunique(dropna=True) <= 20]
    if len(few_values) == 1:
        return few_values[0]
    options = few_values or [c for c in columns if 1 < frame[c].nunique(dropna=True) <= 20]
    problem = ("several columns could hold the arms" if len(few_values) > 1 else
               "no column recognised as the arm / group column")
    raise ChoiceNeeded(problem, slot="arm_column", options=options,
                       fix=f"name it (arm_column=…, --arm-column, or the mapping's arm:); candidates: {options[:10]}")


def arm_labels(series: pd.Series) -> pd.Series:
    """Arm values as text; 0/1 and 0.0/1.0 read the same ('0', '1')."""
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "1", False: "0"}).astype("str")
    if pd.api.types.is_float_dtype(series):
        present = series.dropna()
        if (present == np.floor(present)).all():
            return series.astype("Int64").astype("str").where(series.notna())
    return series.astype("str").where(series.notna()).str.strip()


def find_control(arms: list[str], given: str | None = None) -> str | None:
    """The control arm: the given one, a usual hold-out name, or 0 in a 0/1 column; None = compare all pairs.

    Two arms and no recognisable control: ask (the direction of the result depends on it). More than two and
    none: all pairs. Several candidates: ask."""
    if given is not None and str(given).strip() != "":
        text = str(given).strip()
        exact = [a for a in arms if a == text] or [a for a in arms if norm(a) == norm(text)]
        if exact:
            return exact[0]
        if norm(text) in {norm(w) for w in NO_CONTROL_WORDS}:
            return None
        raise ChoiceNeeded(f"there is no arm '{text}'", slot="control", options=[*arms, NO_CONTROL],
                           fix=f"the arms are {arms}; name one of them, or 'none' to compare all pairs")
    named = [a for a in arms if norm(a) in {norm(n) for n in CONTROL_NAMES} or norm(a).startswith("control")]
    if len(named) == 1:
        return named[0]
    if not named and sorted(arms) == ["0", "1"]:
        return "0"
    if len(named) > 1 or len(arms) == 2:
        raise ChoiceNeeded("which arm is the control (the group that did not get the campaign)?", slot="control",
                           options=[*arms, NO_CONTROL],
                           fix=f"name it (control=…, --control, the mapping's control:, or the UI dropdown); "
                               f"arms: {arms}")
    return None


@dataclass(frozen=True)
class Metric:
    """One outcome to compare: a column of the unit table (binary / count / continuous) or a ratio of two."""

    name: str
    kind: str
    numerator: str | None = None
    denominator: str | None = None

    @property
    def is_rate(self) -> bool:
        return self.kind == "binary"


def infer_kind(values: pd.Series) -> str:
    """binary (only 0/1), count (non-negative integers), else continuous."""
    present = pd.to_numeric(values, errors="coerce").dropna()
    if present.empty or set(np.unique(present)) <= {0, 1}:
        return "binary"
    if (present >= 0).all() and (present == np.floor(present)).all():
        return "count"
    return "continuous"


def _words(column) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(column))
    return {w for w in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if w}


def is_outcome_name(column) -> bool:
    name = norm(column)
    return any(token in name for token in OUTCOME_TOKENS) and not COVARIATE_PATTERN.match(name) \
        and not (_words(column) & NOT_OUTCOME_WORDS)


def numeric_or_flag(series: pd.Series) -> pd.Series | None:
    """A column as numbers (true/false/yes/no as 1/0), or None when it is not numeric."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    text = series.astype("str").str.strip().str.lower()
    flags = {"true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0, "y": 1.0, "n": 0.0, "t": 1.0, "f": 0.0}
    if text[series.notna()].isin(flags).all():
        return text.map(flags).where(series.notna())
    cleaned = pd.to_numeric(text.str.replace(r"[,$€£¥\s]", "", regex=True), errors="coerce")
    if cleaned[series.notna()].notna().mean() >= 0.95:
        return cleaned.astype(float)
    return None


def choose_metrics(frame: pd.DataFrame, given=None, *, exclude=()) -> list[Metric]:
    """The metrics: given as names / {name: kind} / "a/b" ratios, or the columns with outcome-like names.

    A metric whose column does not exist is an error when named and simply absent otherwise (never shown as 0)."""
    columns = [c for c in frame.columns if c not in exclude]
    if given:
        wanted = dict(given) if isinstance(given, dict) else {str(g): None for g in given}
        out: list[Metric] = []
        for name, kind in wanted.items():
            if "/" in name:
                num, den = (part.strip() for part in name.split("/", 1))
                for part in (num, den):
                    if find_column(columns, (part,)) is None:
                        raise DataError(f"metric '{name}': no column '{part}'", column=part,
                                        fix=f"columns: {columns[:20]}")
                out.append(Metric(f"{find_column(columns, (num,))} per {find_column(columns, (den,))}", "ratio",
                                  find_column(columns, (num,)), find_column(columns, (den,))))
                continue
            column = find_column(columns, (name,))
            if column is None:
                raise DataError(f"there is no outcome column '{name}'", column=name,
                                fix=f"choose among {columns[:20]}")
            if kind is not None and kind not in ("binary", "count", "continuous"):
                raise DataError(f"metric type '{kind}' is not known", column=name,
                                fix="use binary, count or continuous")
            out.append(Metric(column, kind or infer_kind(frame[column])))
        return out
    found = [Metric(c, infer_kind(frame[c])) for c in columns
             if is_outcome_name(c) and numeric_or_flag(frame[c]) is not None]
    return found


def default_ratios(metrics: list[Metric], frame: pd.DataFrame) -> list[Metric]:
    """Revenue per converter (AOV) / per visitor: each continuous metric over each binary one with any 1s."""
    money = [m for m in metrics if m.kind == "continuous"]
    flags = [m for m in metrics if m.kind == "binary" and frame[m.name].sum() > 0]
    return [Metric(f"{m.name} per {f.name}", "ratio", m.name, f.name) for m in money for f in flags]


def find_covariate(frame: pd.DataFrame, given=None, *, exclude=()) -> str | None:
    """A pre-period covariate for CUPED: the given column, or one named like history / pre_* / *_before."""
    if given is None or given is False or (isinstance(given, str) and given.strip().lower() in ("none", "")):
        return None
    if given not in (True, "auto"):
        column = find_column(frame.columns, (str(given),))
        if column is None:
            raise DataError(f"there is no covariate column '{given}'", column=str(given),
                            fix=f"columns: {list(frame.columns)[:20]}")
        return column
    for column in frame.columns:
        if column not in exclude and COVARIATE_PATTERN.match(norm(column)) \
                and pd.api.types.is_numeric_dtype(frame[column]):
            return column
    return None
