"""Which segment a marketer means: an id, "every segment", a description ("high-value", "lapsing", "likely to
churn", "young families", "price-sensitive", "高价值", "流失风险", "年轻家庭") or a persona name.

Descriptions are matched by rules over each segment's computed statistics (mean spend, recency, frequency, basket
value, tenure, discount share), demographics (share of households with children, age, size, income) and, for the
descriptions that are about the future ("likely to churn", "high-value", "流失风险", "高价值"), the predictive
model's per-segment churn risk and predicted value (falling back to recency and spend to date, and saying so,
when the data has no dated orders). Each rule has a reason that quotes the numbers and names the model. Anything else is matched against the segment names and
descriptions (persona text when generated, else the rule-based names) by character trigrams (Chinese) and
sentence embeddings (English meaning). Near ties are reported as ambiguous so the chat can ask. No LLM is ever
called here: lookups must be instant and must not depend on the model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from assistant.core.text import normalise

ALL = "all"
_ALL_WORDS = re.compile(r"^(?:all|every|each|everyone|all segments|every segment|each segment|all groups|"
                        r"每个|所有|全部|每个分群|所有分群|所有客群|每个客群|全部分群|各个分群)$")
TIE = 0.05   # relative gap below which two segments are a tie for a rule ("ambiguous, please choose")


@dataclass(frozen=True)
class SegmentMatch:
    """The outcome of a lookup.

    segment     the segment id (None when nothing matched or the match is ambiguous; ALL for every segment)
    phrase      what the user said
    how         "id" | "all" | "rule" | "name" | "none"
    reason      why, per language ({"en": ..., "zh": ...}), quoting the numbers that decided
    candidates  the tied segments, best first, when ambiguous
    """

    segment: int | str | None
    phrase: str
    how: str
    reason: dict[str, str] = field(default_factory=dict)
    candidates: tuple[int, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.segment is None and len(self.candidates) > 1


# ---------------------------------------------------------------------------------------------------- statistics
def segment_statistics(overview: pd.DataFrame, labels: pd.Series, users: pd.DataFrame | None = None,
                       events: pd.DataFrame | None = None, predicted: pd.DataFrame | None = None,
                       predicted_by: Mapping[str, str] | None = None, horizon_days: int = 90) -> pd.DataFrame:
    """One row per segment (-1 excluded) with the numbers the description rules read (NaN = not available):
    monetary, frequency, recency, aov, tenure (means), discount_share, kids_share, young_share, senior_share,
    single_share, income_rank (mean ordinal rank of the income band), and from `predicted` (per segment, as
    `campaigns.predictive.segment_summary` indexed by segment) clv (mean predicted value over `horizon_days`)
    and churn_risk (mean P(no order in the horizon)). `predicted_by` names the model per language for reasons."""
    seg = overview[overview.index >= 0]
    stats = pd.DataFrame(index=seg.index)
    for col, name in (("monetary_mean", "monetary"), ("frequency_mean", "frequency"),
                      ("recency_days_mean", "recency"), ("aov_mean", "aov"), ("tenure_days_mean", "tenure")):
        stats[name] = seg[col] if col in seg else np.nan
    lab = labels[labels >= 0]
    stats["discount_share"] = _discount_share(events, lab).reindex(stats.index)
    demo = _demographics(users, lab)
    for col in ("kids_share", "young_share", "senior_share", "single_share", "income_rank"):
        stats[col] = demo[col].reindex(stats.index) if col in demo else np.nan
    for column, source in (("clv", "expected_spend_mean"), ("churn_risk", "churn_risk_mean")):
        stats[column] = (predicted[source].reindex(stats.index).astype(float)
                         if predicted is not None and source in predicted else np.nan)
    stats.loc["all"] = _population_row(stats, seg["size"] if "size" in seg else None)
    stats.attrs["prediction"] = {"horizon": int(horizon_days),
                                 "model": dict(predicted_by or {"en": "the predictive model", "zh": "预测模型"})}
    return stats


def _population_row(stats: pd.DataFrame, size: pd.Series | None) -> pd.Series:
    weights = size.reindex(stats.index).fillna(0).to_numpy(float) if size is not None else np.ones(len(stats))
    out = {}
    for col in stats.columns:
        values = stats[col].to_numpy(float)
        ok = ~np.isnan(values)
        out[col] = float(np.average(values[ok], weights=weights[ok])) if ok.any() and weights[ok].sum() else np.nan
    return pd.Series(out)


def _discount_share(events: pd.DataFrame | None, labels: pd.Series) -> pd.Series:
    """Share of the list price given as discounts, per segment, when the source records discounts."""
    if events is None or events.empty:
        return pd.Series(dtype=float)
    disc_cols = [c for c in events.columns if "disc" in c.lower() and pd.api.types.is_numeric_dtype(events[c])]
    if not disc_cols or "revenue" not in events:
        return pd.Series(dtype=float)
    ev = events[events["event_type"] == "purchase"] if "event_type" in events else events
    discount = ev[disc_cols].abs().sum(axis=1)
    seg = ev["user_id"].map(labels)
    frame = pd.DataFrame({"segment": seg, "discount": discount, "paid": ev["revenue"].fillna(0)}).dropna()
    grouped = frame.groupby("segment")[["discount", "paid"]].sum()
    return grouped["discount"] / (grouped["discount"] + grouped["paid"]).replace(0, np.nan)


def _first_number(value: Any) -> float:
    m = re.search(r"\d+", str(value))
    return float(m.group(0)) if m else np.nan


def _demographics(users: pd.DataFrame | None, labels: pd.Series) -> pd.DataFrame:
    """Per-segment shares over customers whose attribute is known (segment-level aggregates only)."""
    if users is None or users.empty or "user_id" not in users:
        return pd.DataFrame()
    u = users.drop_duplicates("user_id").set_index("user_id").reindex(labels.index)
    out = pd.DataFrame(index=pd.Index(sorted(labels.unique()), name="segment"))
    cols = {c.lower(): c for c in u.columns}

    def share(mask: pd.Series, known: pd.Series) -> pd.Series:
        frame = pd.DataFrame({"segment": labels, "hit": mask.astype(float), "known": known})
        frame = frame[frame["known"]]
        return frame.groupby("segment")["hit"].mean()

    kids_col = cols.get("kids_count") or cols.get("children") or cols.get("kids")
    comp_col = cols.get("household_comp")
    if kids_col is not None:
        kids = u[kids_col].map(_first_number)
        out["kids_share"] = share(kids > 0, kids.notna())
    elif comp_col is not None:
        comp = u[comp_col].astype("string")
        out["kids_share"] = share(comp.str.contains("kid", case=False) & ~comp.str.contains("no kid", case=False),
                                  comp.notna())
    age_col = cols.get("age") or cols.get("age_band") or cols.get("age_group")
    if age_col is not None:
        age = u[age_col].map(_first_number)
        out["young_share"] = share(age < 35, age.notna())
        out["senior_share"] = share(age >= 55, age.notna())
    size_col = cols.get("household_size")
    if size_col is not None:
        size = u[size_col].map(_first_number)
        out["single_share"] = share(size == 1, size.notna())
    income_col = cols.get("income")
    if income_col is not None:
        levels = u[income_col].dropna().astype(str).unique()
        order = {lvl: rank for rank, lvl in enumerate(sorted(levels, key=lambda v: (
            0 if v.lower().startswith("under") else 1, _first_number(v))), start=1)}
        rank = u[income_col].map(order)
        frame = pd.DataFrame({"segment": labels, "rank": rank}).dropna()
        out["income_rank"] = frame.groupby("segment")["rank"].mean()
    return out


# ---------------------------------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class _Rule:
    """A description ("lapsing") decided by one statistic (highest or lowest wins), with a reason per language."""

    name: str
    pattern: re.Pattern
    column: str
    highest: bool
    reason_en: str
    reason_zh: str
    fmt: Callable[[float], str] = lambda v: f"{v:,.2f}"
    fallback: "str | _Rule | None" = None   # column (or rule) to use when `column` is not available


def _pct(v: float) -> str:
    return f"{v:.0%}"


def _days(v: float) -> str:
    return f"{v:,.0f}"


_LAPSING = _Rule("lapsing", re.compile(r"laps|churned|inactive|dormant|sleeping|\blost\b|haven'?t (?:bought|shopped)|"
                                        r"win[- ]?back|drifting|slipping|stopped (?:coming|buying|shopping|ordering|visiting)|used to (?:come|buy|shop|order)|"
                                        r"no longer (?:come|comes|buy|buys|shop|shops|order|orders)|gone quiet|"
                                        r"流失|沉睡|不活跃|召回|挽回|很久没|好久没|休眠|不来了|没再来|不再来"),
                 "recency", True, "longest time since the last purchase: {v} days on average (all customers: {p})",
                 "距上次购买时间最长：平均 {v} 天（全体：{p}）", _days)
_SPEND_TO_DATE = _Rule("big_spenders", re.compile(r"big spenders|high[- ]?spend|biggest spenders|whales|premium|spent the most|"
                                                  r"高消费|大客户|贵宾|土豪|消费最高|花钱最多"),
                       "monetary", True, "highest mean spend: {v} (all customers: {p})", "平均消费最高：{v}（全体：{p}）")
_NO_MODEL = (" — spend to date: the data has no dated orders for a predictive model",
             "——按历史消费：数据中没有带日期的订单，无法用预测模型")
_NO_MODEL_CHURN = (" — recency: the data has no dated orders for a churn model",
                   "——按最近购买时间：数据中没有带日期的订单，无法用流失预测模型")

RULES: tuple[_Rule, ...] = (
    # about the future: the predictive model's numbers (the fallback rule says when they are not available)
    _Rule("churn_risk", re.compile(r"churn(?!ed)|likely to (?:leave|lapse|stop|drop)|at[- ]?risk|about to (?:leave|lapse)|"
                                   r"流失风险|会流失|可能流失|容易流失|即将流失|流失的风险|流失概率|流失可能"),
          "churn_risk", True, "highest predicted churn risk: {v} chance of no order in the next {h} days on average "
          "(all customers: {p}; {model})", "预测流失风险最高：未来 {h} 天内不下单的平均概率为 {v}（全体：{p}；{model}）",
          _pct, fallback=replace(_LAPSING, reason_en=_LAPSING.reason_en + _NO_MODEL_CHURN[0],
                                 reason_zh=_LAPSING.reason_zh + _NO_MODEL_CHURN[1])),
    _LAPSING,
    _Rule("low_value", re.compile(r"low[- ]?value|low[- ]?spend|small spenders|least valuable|lowest spend|低价值|低消费|消费最低"),
          "monetary", False, "lowest mean spend: {v} (all customers: {p})", "平均消费最低：{v}（全体：{p}）"),
    _SPEND_TO_DATE,
    _Rule("high_value", re.compile(r"high[- ]?value|best customers|top customers|\bvips?\b|most valuable|valuable|"
                                   r"lifetime value|\bclv\b|\bltv\b|高价值|优质客户|最有价值|价值最高|最好的客户|核心客户|"
                                   r"重要客户|生命周期价值"),
          "clv", True, "highest predicted {h}-day value per customer: {v} (all customers: {p}; {model})",
          "预测未来 {h} 天人均价值最高：{v}（全体：{p}；{model}）",
          fallback=replace(_SPEND_TO_DATE, reason_en=_SPEND_TO_DATE.reason_en + _NO_MODEL[0],
                           reason_zh=_SPEND_TO_DATE.reason_zh + _NO_MODEL[1])),
    _Rule("price_sensitive", re.compile(r"price[- ]?sensitive|bargain|deal|discount|coupon|budget|thrifty|frugal|"
                                        r"value seekers|cheap|价格敏感|薅羊毛|优惠|折扣|省钱|实惠|性价比|精打细算"),
          "discount_share", True, "largest share of the price paid with discounts: {v} (all customers: {p})",
          "折扣占比最高：{v}（全体：{p}）", _pct, fallback="aov"),
    _Rule("young_families", re.compile(r"famil|parents|\bmoms?\b|\bmums?\b|\bdads?\b|\bkids\b|children|toddler|baby|"
                                       r"年轻家庭|家庭|有孩子|宝妈|宝爸|家长|亲子|父母|有娃|孩子|母婴"),
          "kids_share", True, "most households with children: {v} (all customers: {p})",
          "有孩子的家庭占比最高：{v}（全体：{p}）", _pct),
    _Rule("seniors", re.compile(r"senior|retire|older|elderly|老年|退休|银发|长辈"),
          "senior_share", True, "most customers aged 55+: {v} (all customers: {p})", "55岁以上占比最高：{v}（全体：{p}）", _pct),
    _Rule("young", re.compile(r"\byoung\b|millennial|gen ?z|students?|年轻|学生"),
          "young_share", True, "most customers under 35: {v} (all customers: {p})", "35岁以下占比最高：{v}（全体：{p}）", _pct),
    _Rule("singles", re.compile(r"single|living alone|solo|独居|单身"),
          "single_share", True, "most one-person households: {v} (all customers: {p})", "单人家庭占比最高：{v}（全体：{p}）", _pct),
    _Rule("affluent", re.compile(r"affluent|wealthy|high[- ]?income|\brich\b|高收入|富裕|有钱"),
          "income_rank", True, "highest income band on average (rank {v}, all customers: {p})",
          "平均收入档次最高（{v}，全体：{p}）"),
    _Rule("occasional", re.compile(r"occasional|infrequent|\brare\b|one[- ]?time|seldom|偶尔|低频|不常|不怎么来|很少来|"
                                   r"不咋来|少来"),
          "frequency", False, "fewest purchase occasions: {v} on average (all customers: {p})",
          "购买次数最少：平均 {v} 次（全体：{p}）"),
    _Rule("loyal", re.compile(r"loyal|frequent|regulars?|most active|engaged|忠诚|常客|高频|活跃|老客|回头客|老主顾|熟客|"
                              r"老顾客|铁粉|常来"),
          "frequency", True, "most purchase occasions: {v} on average (all customers: {p})",
          "购买次数最多：平均 {v} 次（全体：{p}）"),
    _Rule("new", re.compile(r"\bnew (?:customers|shoppers|buyers|users)|newcomers|newly|recently (?:joined|acquired)|"
                            r"新客|新用户|新顾客|新会员"),
          "tenure", False, "shortest time since the first visit: {v} days on average (all customers: {p})",
          "首次到访距今最短：平均 {v} 天（全体：{p}）", _days),
    _Rule("big_baskets", re.compile(r"big[- ]baskets?|large baskets?|big (?:orders|carts)|large orders|high[- ]?aov|"
                                    r"stock(?:s|ing)? up|bulk|大单|囤货|大额订单|高客单|客单价?高|大客单"),
          "aov", True, "largest baskets: {v} per order on average (all customers: {p})",
          "客单价最高：平均每单 {v}（全体：{p}）"),
)
_FALLBACK_REASON = {"aov": ("lowest basket value: {v} per order on average (all customers: {p}); no discount data",
                            "客单价最低：平均每单 {v}（全体：{p}）；数据中没有折扣信息")}


def _apply_rule(rule: _Rule, stats: pd.DataFrame, phrase: str) -> SegmentMatch | None:
    column, highest, reason_en, reason_zh, fmt = rule.column, rule.highest, rule.reason_en, rule.reason_zh, rule.fmt
    segs = stats.drop(index="all", errors="ignore")
    values = segs[column].astype(float) if column in segs else pd.Series(np.nan, index=segs.index)
    if values.isna().all() and isinstance(rule.fallback, _Rule):
        return _apply_rule(rule.fallback, stats, phrase)
    if values.isna().all() and rule.fallback:
        column, highest, fmt = rule.fallback, False, (lambda v: f"{v:,.2f}")
        reason_en, reason_zh = _FALLBACK_REASON[rule.fallback]
        values = segs[column].astype(float) if column in segs else values
    values = values.dropna()
    if values.empty:
        return None
    ordered = values.sort_values(ascending=not highest)
    best, value = int(ordered.index[0]), float(ordered.iloc[0])
    pop = float(stats.loc["all", column]) if "all" in stats.index else float("nan")
    prediction = stats.attrs.get("prediction") or {"horizon": 90, "model": {}}
    reason = {lang: text.format(v=fmt(value), p=fmt(pop), h=prediction["horizon"],
                                model=prediction["model"].get(lang, ""))
              for lang, text in (("en", reason_en), ("zh", reason_zh))}
    if len(ordered) > 1:
        runner = float(ordered.iloc[1])
        if abs(value - runner) <= TIE * max(abs(value), 1e-9):
            tied = tuple(int(s) for s, v in ordered.items() if abs(value - float(v)) <= TIE * max(abs(value), 1e-9))
            return SegmentMatch(None, phrase, "rule", reason, tied)
    return SegmentMatch(best, phrase, "rule", reason)


def rule_for(phrase: str) -> _Rule | None:
    """The description rule a phrase names ("lapsing customers" → the recency rule), if any. When a phrase
    names several ("young families": young + families), the more specific one listed first in RULES wins."""
    text = normalise(phrase)
    for rule in RULES:
        if rule.pattern.search(text):
            return rule
    return None


# ---------------------------------------------------------------------------------------------------- matching
def match_segment(phrase: int | str | None, stats: pd.DataFrame | None, names: Mapping[int, str],
                  texts: Mapping[int, str] | None = None, encoder: Any = None,
                  threshold: float = 0.45) -> SegmentMatch:
    """Match what the user said to a segment (see the module docstring). `names`: segment -> display name;
    `texts`: segment -> longer description (persona tagline/description, top categories) for name matching."""
    said = "" if phrase is None else str(phrase)
    ids = sorted(int(k) for k in names)
    if phrase is None or not ids:
        return SegmentMatch(None, said, "none")
    if isinstance(phrase, (int, np.integer)) or said.strip().lstrip("-").isdigit():
        value = int(said.strip())
        return SegmentMatch(value if value in ids else None, said, "id" if value in ids else "none")
    query = normalise(said)
    if _ALL_WORDS.match(query):
        return SegmentMatch(ALL, said, "all")
    # the exact name wins; then a description decided by the numbers; then a name containing the phrase
    exact = [s for s in ids if query == normalise(str(names[s]))]
    contained = [s for s in ids if len(query) >= 4 and query in normalise(str(names[s]))]
    rule = rule_for(query)
    found = _apply_rule(rule, stats, said) if rule is not None and stats is not None and not exact else None
    if found is not None:
        return found
    for seg_id in exact + contained:
        return SegmentMatch(seg_id, said, "name", {"en": f"its name is '{names[seg_id]}'",
                                                    "zh": f"名称为“{names[seg_id]}”"})
    return _match_by_text(said, query, ids, names, texts or {}, encoder, threshold)


def _match_by_text(said: str, query: str, ids: list[int], names: Mapping[int, str], texts: Mapping[int, str],
                   encoder: Any, threshold: float) -> SegmentMatch:
    from sklearn.feature_extraction.text import TfidfVectorizer
    docs = [normalise(f"{names[s]} {texts.get(s, '')}") for s in ids]
    short = [normalise(str(names[s])) for s in ids]
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)).fit(docs + short + [query])
    m = vectoriser.transform(short + [query])
    scores = (m[:-1] @ m[-1].T).toarray().ravel()
    if encoder is not None and not re.search(r"[\u4e00-\u9fff]", query):   # MiniLM is English-only
        vectors = np.asarray(encoder.encode(docs + [query]), dtype=np.float32)
        scores = np.maximum(scores, vectors[:-1] @ vectors[-1])
    order = np.argsort(scores)[::-1]
    best = int(order[0])
    if scores[best] < threshold:
        return SegmentMatch(None, said, "none")
    if len(order) > 1 and scores[best] - scores[int(order[1])] < TIE:
        tied = tuple(ids[int(i)] for i in order if scores[best] - scores[int(i)] < TIE)
        return SegmentMatch(None, said, "name", {}, tied)
    seg = ids[best]
    return SegmentMatch(seg, said, "name", {"en": f"closest segment description: '{names[seg]}' "
                                                  f"(similarity {scores[best]:.2f})",
                                            "zh": f"最接近的客群描述：“{names[seg]}”（相似度 {scores[best]:.2f}）"})


def resolve_segment(phrase: int | str | None, segment_names: Mapping[int, str], encoder: Any = None,
                    threshold: float = 0.45) -> int | None:
    """The segment id a phrase names by id or by name only (no statistics): kept for callers that have names."""
    found = match_segment(phrase, None, segment_names, encoder=encoder, threshold=threshold)
    return found.segment if isinstance(found.segment, int) else None
