"""Segment profiles: what each segment is, in aggregates only.

`build_profiles(...)` turns segment labels plus the canonical tables into `SegmentProfiles`, a frozen bundle of
DataFrames (sizes, RFM statistics, top categories/brands/products by spend share, distinguishing features,
c-TF-IDF keywords, the typical customer near the centre). `SegmentProfiles.segment_summary(s)` is the ONLY thing
a persona prompt sees: a JSON-ready dict of segment-level numbers and product/category texts — never a user id,
a raw row, or the attributes of one person. Segments smaller than `min_users_for_details` get their size only,
because the "mean" of two customers is still describing individuals.

Conventions: segment -1 is "unassigned" (HDBSCAN noise). Spend is the `revenue` of purchase events; a source
without prices (revenue all 0) falls back to quantity so shares still mean "share of what the segment bought".
A browse-only log (views, carts, favourites, no purchase at all) has no spend: its profiles are built from the
funnel (views, cart and favourite adds per customer, view-to-cart rate), shares count interactions
(`spend_unit="interactions"`), and `funnel_name` names its segments by where they are in the funnel — never
by a spend tier the data cannot show.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from assistant.core.errors import DataError
from assistant.core.data.schema import CATEGORY_SEPARATOR
from segmentation.keywords import segment_keywords_from_purchases, segment_keywords_from_texts
from assistant.core.vocabulary import is_purchase, purchases

RFM_COLUMNS = ("recency_days", "frequency", "monetary", "aov", "tenure_days")
FUNNEL_COLUMNS = ("n_views", "n_carts", "n_favs", "view_to_cart")
BROWSE_ONLY = "interactions"  # the spend unit of a log without purchases
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
MAX_CATEGORICAL_LEVELS = 20
SEGMENT_NAME_UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class SegmentProfiles:
    """Aggregates per segment. Every table has a `segment` column (or index); no user ids anywhere.

    overview         index segment: name, size, share, <rfm>_mean, <rfm>_median, spend, spend_share
    rfm_quantiles    segment, metric, p10, p25, p50, p75, p90 (per-segment distributions, for box plots)
    top_categories   segment, rank, category, spend, spend_share, lift (share vs the population's share)
    signature_categories  the same columns, ranked by lift among categories with >= 1% of the segment's spend
    top_brands       segment, rank, brand, spend, spend_share, lift
    top_products     segment, rank, title, category, spend, spend_share, lift (items sharing a title are summed)
    distinguishing   segment, feature, kind (numeric|categorical), segment_value, population_value, z_score, lift
    keywords         segment, rank, term, score (c-TF-IDF)
    typical          index segment: n_users, baskets_median, items_per_basket_median, basket_spend_median,
                     top_categories (list of (category, share)) — aggregates of the users nearest the centre
    population       one row: size, <rfm>_mean, <rfm>_median
    repeat_buying    index segment: days_between_trips, repeat_share, customers, habitual (see `repeat_buying`)
    """
    overview: pd.DataFrame
    rfm_quantiles: pd.DataFrame
    top_categories: pd.DataFrame
    top_brands: pd.DataFrame
    top_products: pd.DataFrame
    distinguishing: pd.DataFrame
    keywords: pd.DataFrame
    typical: pd.DataFrame
    population: pd.DataFrame
    signature_categories: pd.DataFrame = field(default_factory=pd.DataFrame)
    repeat_buying: pd.DataFrame = field(default_factory=pd.DataFrame)
    min_users_for_details: int = 10
    top_n: int = 5
    spend_unit: str = field(default="revenue")

    @property
    def browse_only(self) -> bool:
        """True when the data holds no purchase: shares count interactions and there is no spend to speak of."""
        return self.spend_unit == BROWSE_ONLY

    @property
    def segments(self) -> list[int]:
        return [int(s) for s in self.overview.index]

    def _check(self, segment_id: int) -> int:
        segment_id = int(segment_id)
        if segment_id not in self.overview.index:
            raise KeyError(f"unknown segment {segment_id}; the segments are {self.segments}")
        return segment_id

    def segment_summary(self, segment_id: int) -> dict:
        """JSON-ready aggregates of one segment — the only input of the persona prompt."""
        s = self._check(segment_id)
        ov = self.overview.loc[s]
        pop = self.population.iloc[0]
        size = int(ov["size"])
        out: dict = {"segment": s, "size": size, "share_of_customers": round(float(ov["share"]), 4)}
        if size < self.min_users_for_details:
            out["note"] = (f"fewer than {self.min_users_for_details} customers: details withheld to protect "
                           "individuals")
            return out
        behaviour = {}
        if self.browse_only:
            out["data"] = "browse-only (views, cart and favourite adds; no purchases)"
        for col in (FUNNEL_COLUMNS + ("tenure_days",) if self.browse_only else RFM_COLUMNS):
            if f"{col}_median" in ov.index:
                behaviour[col] = {"segment_median": _r(ov[f"{col}_median"]), "segment_mean": _r(ov[f"{col}_mean"]),
                                  "all_customers_median": _r(pop[f"{col}_median"])}
                if self.browse_only:  # funnel counts are mostly 0 at the median: compare means
                    behaviour[col]["all_customers_mean"] = _r(pop[f"{col}_mean"])
        out["behaviour"] = behaviour
        out["share_of_all_activity" if self.browse_only else "share_of_total_spend"] = _r(ov["spend_share"])
        dist = self.distinguishing[self.distinguishing["segment"] == s]
        dist = dist.reindex(dist["z_score"].abs().sort_values(ascending=False).index).head(8)
        out["distinguishing_features"] = [
            {"feature": str(r.feature), "kind": str(r.kind), "segment_value": _r(r.segment_value),
             "all_customers_value": _r(r.population_value), "z_score": _r(r.z_score), "lift": _r(r.lift)}
            for r in dist.itertuples()]
        out["top_categories"] = [{"category": str(r.category), "spend_share": _r(r.spend_share), "lift": _r(r.lift)}
                                 for r in self._top(self.top_categories, s).itertuples()]
        if len(self.signature_categories):
            out["buys_more_than_others"] = [
                {"category": str(r.category), "spend_share": _r(r.spend_share), "lift": _r(r.lift)}
                for r in self._top(self.signature_categories, s).itertuples()]
        out["top_brands"] = [{"brand": str(r.brand), "spend_share": _r(r.spend_share)}
                             for r in self._top(self.top_brands, s).itertuples()]
        out["top_products"] = [{"title": str(r.title), "category": str(r.category), "spend_share": _r(r.spend_share)}
                               for r in self._top(self.top_products, s).itertuples()]
        out["keywords"] = [str(t) for t in self.keywords.loc[self.keywords["segment"] == s, "term"].head(10)]
        if s in self.repeat_buying.index:
            r = self.repeat_buying.loc[s]
            out["repeat_buying"] = {"days_between_trips": _r(r["days_between_trips"]),
                                    "repeat_share": _r(r["repeat_share"]), "customers": int(r["customers"]),
                                    "habitual": bool(r["habitual"])}
        if s in self.typical.index:
            t = self.typical.loc[s]
            out["typical_customer"] = {
                "based_on_customers": int(t["n_users"]), "baskets_median": _r(t["baskets_median"]),
                "items_per_basket_median": _r(t["items_per_basket_median"]),
                "basket_spend_median": _r(t["basket_spend_median"]),
                "top_categories": [{"category": str(c), "share": _r(v)} for c, v in t["top_categories"]]}
        return out

    def _top(self, table: pd.DataFrame, s: int) -> pd.DataFrame:
        return table[table["segment"] == s].sort_values("rank").head(self.top_n)


# Restock words ("your weekly shop", "the things you buy often", 每周采购, 常买) are true of a segment only when its
# customers come back often AND buy the same kind of thing again. Measured on the grocery data (segments of the
# Complete Journey sample, a random sample of lines, so trips and repeats are undercounted: 9-18.5 days between
# trips and 20-31% of a household's categories bought again, one lapsed segment at 43 days and 7%; Instacart:
# 7-13 days, 58-72%); a camping or cosmetics shop's customers come back after months, to a different category.
HABITUAL_MAX_DAYS_BETWEEN_TRIPS = 21.0
HABITUAL_MIN_REPEAT_SHARE = 0.10
HABITUAL_MIN_CUSTOMERS = 5  # fewer customers with two trips is no evidence either way


def repeat_buying(frame: pd.DataFrame) -> pd.DataFrame:
    """Per segment, how its customers rebuy (from purchase lines with segment, user, category, item, day):
    days_between_trips  median over customers with 2+ shopping days of their median gap between those days;
    repeat_share        share of a customer's categories (items when there are no categories) bought on 2+ days,
                        over all the segment's (customer, category) pairs;
    customers           customers with 2+ shopping days (the evidence behind days_between_trips);
    habitual            both show regular restocking (thresholds above): restock words may be used."""
    cols = ["days_between_trips", "repeat_share", "customers", "habitual"]
    f = frame[frame["day"] >= 0] if "day" in frame.columns else frame.iloc[0:0]
    if f.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="segment"))
    key = np.where(f["category"].to_numpy() >= 0, f["category"].to_numpy(), -2 - f["item"].to_numpy())
    pairs = pd.DataFrame({"segment": f["segment"].to_numpy(), "user": f["user"].to_numpy(), "key": key,
                          "day": f["day"].to_numpy()}).drop_duplicates()
    days_per_pair = pairs.groupby(["segment", "user", "key"])["day"].size()
    repeat_share = (days_per_pair >= 2).groupby(level="segment").mean()
    trips = pairs[["segment", "user", "day"]].drop_duplicates().sort_values(["segment", "user", "day"])
    gap = trips.groupby("user")["day"].diff()
    per_user = gap.groupby([trips["segment"], trips["user"]]).median().dropna()
    days = per_user.groupby(level="segment").median()
    customers = per_user.groupby(level="segment").size()
    out = pd.DataFrame({"days_between_trips": days, "repeat_share": repeat_share}).reindex(repeat_share.index)
    out["customers"] = customers.reindex(out.index).fillna(0).astype(int)
    out["habitual"] = ((out["days_between_trips"] <= HABITUAL_MAX_DAYS_BETWEEN_TRIPS)
                       & (out["repeat_share"] >= HABITUAL_MIN_REPEAT_SHARE)
                       & (out["customers"] >= HABITUAL_MIN_CUSTOMERS))
    out.index.name = "segment"
    return out[cols]


def funnel_name(summary: dict, language: str = "en") -> dict[str, str]:
    """Rule-based name, tagline and description of a browse-only segment, from its place in the funnel (views,
    cart adds, favourites and the view-to-cart rate against all visitors) — the only behaviour such a file
    shows; no spend tier, no purchase frequency. Returns {"name", "tagline", "description"}."""
    zh = language == "zh"
    b = summary.get("behaviour", {})

    def mean(metric: str) -> tuple[float, float]:
        row = b.get(metric) or {}
        return float(row.get("segment_mean") or 0.0), float(row.get("all_customers_mean") or 0.0)

    def ratio(metric: str) -> float:
        seg, pop = mean(metric)
        return seg / pop if pop > 0 else (1.0 if seg == 0 else 2.0)

    views, carts, favs, rate = ratio("n_views"), ratio("n_carts"), ratio("n_favs"), ratio("view_to_cart")
    if carts > 1.3 and rate > 1.1:
        kind = "cart"
    elif favs > 1.5 and mean("n_favs")[0] > 0:
        kind = "fav"
    elif views > 1.5:
        kind = "heavy"
    elif views < 0.7:
        kind = "light"
    else:
        kind = "regular"
    cats = summary.get("buys_more_than_others") or summary.get("top_categories") or []
    cat = str(cats[0]["category"]).split(CATEGORY_SEPARATOR)[-1].strip() if cats else ""
    share = float(summary.get("share_of_customers", 0.0)) * 100
    (v, pv), (c, pc), (f, pf), (r, pr) = mean("n_views"), mean("n_carts"), mean("n_favs"), mean("view_to_cart")
    if zh:
        name = {"cart": "加购意向强的访客", "fav": "爱收藏的访客", "heavy": "高频浏览者", "light": "轻度浏览者",
                "regular": "普通浏览者"}[kind]
        tagline = f"主要浏览{cat}的访客" if cat else "只浏览、尚未购买的访客"
        description = (f"该细分占全部访客的 {share:.1f}%。人均浏览 {v:.1f} 次（全体 {pv:.1f}），加购 {c:.1f} 次"
                       f"（全体 {pc:.1f}），收藏 {f:.1f} 次（全体 {pf:.1f}）；浏览到加购的转化率为 {r:.1%}（全体 {pr:.1%}）。"
                       "数据中没有购买记录，因此无法判断他们的消费水平。")
    else:
        name = {"cart": "Cart-fillers close to buying", "fav": "Wishlist savers", "heavy": "Heavy browsers",
                "light": "Light browsers", "regular": "Regular browsers"}[kind]
        tagline = f"Visitors who mostly look at {cat}" if cat else "Visitors who browse but have not bought"
        description = (f"This segment holds {share:.1f}% of visitors. They view {v:.1f} products each (all "
                       f"visitors: {pv:.1f}), add {c:.1f} to the cart ({pc:.1f}) and {f:.1f} to favourites "
                       f"({pf:.1f}); {r:.1%} of their views lead to a cart add ({pr:.1%}). The file holds no "
                       "purchases, so nothing is known about their spending.")
    return {"name": name, "tagline": tagline, "description": description}


def _r(value, digits: int = 4):
    """Round for prompts and reports; NaN -> None (JSON null)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if not np.isfinite(v) else round(v, digits)


def _category_level(category: pd.Series, depth: int) -> pd.Series:
    parts = category.astype("string").str.split(CATEGORY_SEPARATOR, regex=False)
    return parts.str[:depth].str.join(CATEGORY_SEPARATOR).astype(object)


def _check_labels(labels: pd.Series, features: pd.DataFrame) -> pd.Series:
    if not isinstance(labels, pd.Series):
        raise DataError(f"labels must be a pandas Series indexed by user_id, got {type(labels).__name__}",
                        fix="pass Segmenter.labels_")
    missing = labels.index.difference(features.index)
    if len(missing):
        raise DataError(f"{len(missing)} labelled users have no row in the features table",
                        column="user_id", fix="build the profiles from the same features the segmenter was fitted on")
    return labels.astype(np.int64)


def _rfm_tables(labels: pd.Series, features: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    cols = [c for c in RFM_COLUMNS + FUNNEL_COLUMNS if c in features.columns]
    frame = features.loc[labels.index, cols].apply(pd.to_numeric, errors="coerce")
    frame["segment"] = labels.to_numpy()
    g = frame.groupby("segment")
    overview = pd.DataFrame({"size": g.size()})
    overview["share"] = overview["size"] / overview["size"].sum()
    if cols:
        overview = overview.join(g[cols].mean().add_suffix("_mean")).join(g[cols].median().add_suffix("_median"))
    population = pd.DataFrame({"size": [len(frame)]})
    for c in cols:
        population[f"{c}_mean"] = frame[c].mean()
        population[f"{c}_median"] = frame[c].median()
    q = []
    for c in [c for c in cols if c in RFM_COLUMNS]:
        qs = g[c].quantile(list(QUANTILES)).unstack()
        qs.columns = [f"p{int(round(x * 100))}" for x in qs.columns]
        q.append(qs.assign(metric=c).reset_index())
    quant = pd.concat(q, ignore_index=True) if q else pd.DataFrame(
        columns=["segment", "metric", *[f"p{int(x * 100)}" for x in QUANTILES]])
    return overview, quant[["segment", "metric", *[c for c in quant.columns if c.startswith("p")]]], population


@dataclass(frozen=True)
class _Lines:
    """Purchase lines of labelled users with every key as an integer code (strings are factorised once: group-bys
    on 30M arrow strings were the slowest part of profiling 1M users). -1 = missing."""
    frame: pd.DataFrame  # segment, user, item, basket, weight, category, brand, product (int codes / float weight),
    # day (days since 1970 of the purchase, -1 when the row has no time)
    users: pd.Index
    items: pd.Index
    categories: pd.Index
    brands: pd.Index
    products: pd.Index  # product names: the title (ids with the same title are one product to a marketer)


def _codes_of(keys: pd.Index, mapping: pd.Series | None) -> tuple[np.ndarray, pd.Index]:
    """For each key, the code of mapping[key] among the distinct mapped values (-1 when unmapped or blank)."""
    if mapping is None or mapping.empty:
        return np.full(len(keys), -1, dtype=np.int64), pd.Index([], dtype=object)
    values = mapping.reindex(keys).astype(object)
    values = values.where(values.notna() & (values.astype(str).str.strip() != ""))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64), pd.Index(uniques.astype(str))


def _purchases(events: pd.DataFrame, labels: pd.Series, category: pd.Series, brand: pd.Series | None,
               title: pd.Series | None) -> tuple[_Lines, str]:
    need = [c for c in ("user_id", "item_id") if c not in events.columns]
    if need:
        raise DataError(f"events table lacks {need}", column=need[0], fix="load data with assistant.core.data")
    browse_only = not is_purchase(events).any()
    ev = events if browse_only else purchases(events)
    ucodes, users = pd.factorize(ev["user_id"])
    seg_of_user = labels.reindex(users).to_numpy(dtype=float)
    seg = seg_of_user[ucodes] if len(ucodes) else np.array([], dtype=float)
    keep = ~np.isnan(seg)
    icodes, items = pd.factorize(ev["item_id"])
    if "basket_id" in ev.columns:
        bcodes, _ = pd.factorize(ev["basket_id"], use_na_sentinel=True)
    else:
        bcodes = np.full(len(ev), -1)
    unit = "revenue"
    revenue = pd.to_numeric(ev["revenue"], errors="coerce").fillna(0).to_numpy() if "revenue" in ev else None
    if browse_only:  # every view / cart / favourite counts once: "share of what the segment looked at"
        unit, weight = BROWSE_ONLY, np.ones(len(ev))
    elif revenue is None or float(revenue[keep].sum()) <= 0:
        unit = "quantity"
        weight = pd.to_numeric(ev["quantity"], errors="coerce").fillna(1).to_numpy() if "quantity" in ev \
            else np.ones(len(ev))
    else:
        weight = revenue
    items = pd.Index(items)
    cat_of_item, categories = _codes_of(items, category)
    brand_of_item, brands = _codes_of(items, brand)
    names = pd.Series(items.astype(str), index=items)
    if title is not None:
        t = title.reindex(items)
        names = t.where(t.notna() & (t.astype(str).str.strip() != ""), names)
    product_of_item, products = _codes_of(items, names)
    item = icodes[keep].astype(np.int64)
    day = (pd.to_datetime(ev["timestamp"], errors="coerce").to_numpy(dtype="datetime64[D]").astype(np.int64)
           if "timestamp" in ev.columns else np.full(len(ev), -1))
    day = np.where(day < 0, -1, day)  # NaT reads as a large negative number
    frame = pd.DataFrame({"segment": seg[keep].astype(np.int64), "user": ucodes[keep].astype(np.int64),
                          "item": item, "basket": np.asarray(bcodes)[keep].astype(np.int64),
                          "weight": np.asarray(weight, dtype=float)[keep],
                          "category": cat_of_item[item] if len(item) else item,
                          "brand": brand_of_item[item] if len(item) else item,
                          "product": product_of_item[item] if len(item) else item,
                          "day": np.asarray(day)[keep].astype(np.int64)})
    return _Lines(frame, pd.Index(users), items, categories, brands, products), unit


def _top_by_spend(lines: _Lines, key: str, names: pd.Index, top_n: int, by: str = "spend",
                  min_share: float = 0.0) -> pd.DataFrame:
    """Per segment: the `key` values with the largest spend share (by="spend") or the largest lift among those
    with at least `min_share` of the segment's spend (by="lift": what the segment buys MORE of than everyone —
    by spend alone every segment's top list is the same staples). lift = segment share / population share.
    Output column `key` holds the names (not codes)."""
    f = lines.frame
    valid = f[f[key] >= 0]
    spend = valid.groupby(["segment", key])["weight"].sum().rename("spend").reset_index()
    seg_total = f.groupby("segment")["weight"].sum()
    pop_share = valid.groupby(key)["weight"].sum() / max(float(f["weight"].sum()), 1e-12)
    spend["spend_share"] = spend["spend"] / spend["segment"].map(seg_total).replace(0, np.nan)
    spend["lift"] = spend["spend_share"] / spend[key].map(pop_share).replace(0, np.nan)
    spend["name"] = names.to_numpy()[spend[key].to_numpy()] if len(spend) else []
    spend = spend[spend["spend_share"] >= min_share]
    spend = spend.sort_values(["segment", by, "name"], ascending=[True, False, True])
    spend["rank"] = spend.groupby("segment").cumcount() + 1
    spend = spend[spend["rank"] <= top_n].drop(columns=[key]).rename(columns={"name": key})
    return spend[["segment", "rank", key, "spend", "spend_share", "lift"]].reset_index(drop=True)


def _numeric_distinguishing(labels: pd.Series, features: pd.DataFrame) -> pd.DataFrame:
    num = features.loc[labels.index].select_dtypes("number")
    num = num.loc[:, [c for c in num.columns if not pd.api.types.is_bool_dtype(num[c])]]
    if num.empty:
        return pd.DataFrame()
    pop_mean, pop_std = num.mean(), num.std(ddof=0).replace(0, np.nan)
    seg_mean = num.groupby(labels.to_numpy()).mean()
    z = (seg_mean - pop_mean) / pop_std
    lift = seg_mean / pop_mean.replace(0, np.nan)
    out = z.stack(future_stack=True).rename("z_score").to_frame()
    out["segment_value"] = seg_mean.stack(future_stack=True)
    out["lift"] = lift.stack(future_stack=True)
    out.index.names = ["segment", "feature"]
    out = out.reset_index()
    out["population_value"] = out["feature"].map(pop_mean)
    out["kind"] = "numeric"
    return out


def _categorical_distinguishing(labels: pd.Series, users: pd.DataFrame | None, min_known: int) -> pd.DataFrame:
    """Share of each attribute value in the segment vs all customers with that attribute known. A segment in
    which fewer than `min_known` customers have the attribute gets no row for it (shares of 3 people describe
    those 3 people)."""
    if users is None or users.empty or "user_id" not in users.columns:
        return pd.DataFrame()
    u = users.drop_duplicates("user_id").set_index("user_id").reindex(labels.index)
    rows = []
    for col in u.columns:
        values = u[col]
        if values.notna().sum() == 0 or values.nunique() > MAX_CATEGORICAL_LEVELS:
            continue
        known = values.notna()
        vals, seg = values[known].astype(str), labels[known]
        pop_share = vals.value_counts(normalize=True)
        known_per_segment = seg.value_counts()
        seg_share = pd.crosstab(seg, vals, normalize="index")
        for s, row in seg_share.iterrows():
            if known_per_segment.get(s, 0) < min_known:
                continue
            for v, share in row.items():
                p = float(pop_share[v])
                rows.append({"segment": int(s), "feature": f"{col} = {v}", "kind": "categorical",
                             "segment_value": float(share), "population_value": p,
                             # standardised difference of proportions: comparable with the numeric z-scores
                             "z_score": (float(share) - p) / np.sqrt(p * (1 - p)) if 0 < p < 1 else 0.0,
                             "lift": float(share) / p if p > 0 else np.nan})
    return pd.DataFrame(rows)


def _typical(labels: pd.Series, features: pd.DataFrame, lines: _Lines, n_nearest: int) -> pd.DataFrame:
    """Aggregates of the `n_nearest` users closest to their segment's mean (z-scored numeric features):
    a medoid-like picture of the typical customer without naming any."""
    num = features.loc[labels.index].select_dtypes("number").astype(float)
    z = ((num - num.mean()) / num.std(ddof=0).replace(0, 1)).fillna(0.0)
    seg = labels.to_numpy()
    centres = z.groupby(seg).mean()
    dist = np.sqrt(((z.to_numpy() - centres.loc[seg].to_numpy()) ** 2).sum(axis=1))
    order = pd.DataFrame({"segment": seg, "d": dist}, index=labels.index).sort_values(["segment", "d"], kind="stable")
    nearest = order.groupby("segment").head(n_nearest)
    codes = lines.users.get_indexer(nearest.index)
    near = pd.DataFrame({"segment": nearest["segment"].to_numpy(), "user": codes})
    f = lines.frame
    near_lines = f[f["user"].isin(codes[codes >= 0])].drop(columns="segment").merge(near, on="user")
    rows = []
    for s, grp in nearest.groupby("segment"):
        ul = near_lines[near_lines["segment"] == s]
        with_basket = ul[ul["basket"] >= 0]
        if len(with_basket):
            baskets = with_basket.groupby("basket").agg(items=("item", "size"), spend=("weight", "sum"))
            per_user = with_basket.groupby("user")["basket"].nunique()
            b_med, i_med, s_med = float(per_user.median()), float(baskets["items"].median()), \
                float(baskets["spend"].median())
        else:
            b_med = i_med = s_med = float("nan")
        cat = ul[ul["category"] >= 0].groupby("category")["weight"].sum()
        total = float(ul["weight"].sum())
        cat = (cat / total).sort_values(ascending=False).head(3) if total > 0 else cat.iloc[:0]
        rows.append({"segment": int(s), "n_users": len(grp), "baskets_median": b_med, "items_per_basket_median": i_med,
                     "basket_spend_median": s_med,
                     "top_categories": [(str(lines.categories[c]), float(v)) for c, v in cat.items()]})
    return pd.DataFrame(rows).set_index("segment") if rows else pd.DataFrame(
        columns=["n_users", "baskets_median", "items_per_basket_median", "basket_spend_median", "top_categories"])


def build_profiles(labels: pd.Series, features: pd.DataFrame, events: pd.DataFrame, products: pd.DataFrame,
                   users: pd.DataFrame | None = None, user_texts: pd.Series | None = None, *, top_n: int = 5,
                   category_depth: int = 2, n_typical: int = 25, min_users_for_details: int = 10,
                   names: dict[int, str] | None = None) -> SegmentProfiles:
    """Profiles of every segment in `labels` (Series user_id -> segment id, e.g. Segmenter.labels_).

    features: the table the segmenter was fitted on (index user_id); events/products/users: canonical tables;
    user_texts: optional behaviour text per user (Series indexed by user_id) for keywords — without it keywords
    come from the titles/categories/brands of the products each segment bought.
    """
    labels = _check_labels(labels, features)
    overview, quant, population = _rfm_tables(labels, features)
    prod = products.drop_duplicates("item_id").set_index("item_id") if "item_id" in products.columns else \
        pd.DataFrame(index=pd.Index([], name="item_id"))
    category = _category_level(prod["category"], category_depth) if "category" in prod else pd.Series(dtype=object)
    lines, unit = _purchases(events, labels, category, prod["brand"] if "brand" in prod else None,
                             prod["title"] if "title" in prod else None)

    seg_spend = lines.frame.groupby("segment")["weight"].sum()
    overview["spend"] = seg_spend.reindex(overview.index).fillna(0.0)
    overview["spend_share"] = overview["spend"] / max(float(overview["spend"].sum()), 1e-12)
    names = names or {}
    overview.insert(0, "name", [names.get(int(s), SEGMENT_NAME_UNASSIGNED if s == -1 else f"segment {s}")
                                for s in overview.index])
    overview.index.name = "segment"

    top_categories = _top_by_spend(lines, "category", lines.categories, top_n)
    signature_categories = _top_by_spend(lines, "category", lines.categories, top_n, by="lift", min_share=0.01)
    top_brands = _top_by_spend(lines, "brand", lines.brands, top_n)
    top_products = _top_by_spend(lines, "product", lines.products, top_n).rename(columns={"product": "title"})
    # the category of a product name: that of its best-selling item
    f = lines.frame
    best_item = f.groupby(["product", "item"])["weight"].sum().reset_index().sort_values(
        ["product", "weight"], ascending=[True, False]).drop_duplicates("product")
    cat_of_item = f.drop_duplicates("item").set_index("item")["category"]
    cat_of_product = pd.Series(best_item["item"].map(cat_of_item).to_numpy(),
                               index=lines.products[best_item["product"].to_numpy()])
    cats = cat_of_product.reindex(top_products["title"]).to_numpy()
    top_products["category"] = [lines.categories[c] if c >= 0 else "" for c in np.nan_to_num(cats, nan=-1).astype(int)]
    top_products = top_products[["segment", "rank", "title", "category", "spend", "spend_share", "lift"]]

    parts = [d for d in (_numeric_distinguishing(labels, features), _categorical_distinguishing(labels, users, min_users_for_details))
             if not d.empty]
    distinguishing = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if distinguishing.empty:
        distinguishing = pd.DataFrame(columns=["segment", "feature", "kind", "segment_value", "population_value",
                                               "z_score", "lift"])
    distinguishing = distinguishing[["segment", "feature", "kind", "segment_value", "population_value",
                                     "z_score", "lift"]]

    classes = [int(s) for s in overview.index]
    if user_texts is not None:
        keywords = segment_keywords_from_texts(user_texts, labels)
    else:
        text = pd.Series("", index=prod.index, dtype=object)
        for col in ("title", "category", "brand"):
            if col in prod:
                text = text + " " + prod[col].astype("string").fillna("").astype(object)
        keywords = segment_keywords_from_purchases(lines.frame, text.reindex(lines.items), classes)

    typical = _typical(labels, features, lines, n_typical)
    return SegmentProfiles(overview=overview, rfm_quantiles=quant, top_categories=top_categories,
                           signature_categories=signature_categories,
                           repeat_buying=pd.DataFrame() if unit == BROWSE_ONLY else repeat_buying(lines.frame),
                           top_brands=top_brands, top_products=top_products, distinguishing=distinguishing,
                           keywords=keywords, typical=typical, population=population,
                           min_users_for_details=min_users_for_details, top_n=top_n, spend_unit=unit)
