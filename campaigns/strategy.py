"""Campaign strategy per segment: which products, which offer and how deep, which channel, when to send.

Rule-based on purpose: the marketer must be able to see why each choice was made (`rationale`) and edit the
plan (a mutable, validated pydantic model) before copy is written from it. Inputs are plain values: the
segment summary dict (`SegmentProfiles.segment_summary`), a persona (any object or dict with
price_sensitivity / preferred_channels / preferred_times / suggested_offers), the featured products frame
(`Recommender.recommend_for_segment`: item_id, score, reason, title, category, price) and, optionally, the
segment's purchase events (user_id, timestamp, ...).
"""
from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.core.errors import DataError
from assistant.core.text import Bilingual
from assistant.core.vocabulary import CHANNELS, channel_of, habitual, is_purchase, purchases

# The channels a plan can name; copy formats per channel live in campaigns.copy_templates (WeChat: push-like).
OFFER_TYPES: tuple[str, ...] = ("percent_off", "amount_off", "free_shipping", "bundle", "none")
DAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Base discount depth by price sensitivity (percent off); adjusted by the segment's past redemption rate.
BASE_DEPTH = {"low": 5.0, "medium": 10.0, "high": 20.0}
MAX_DEPTH = 30.0
DEFAULT_SEND = ("Thursday", 10)  # a common e-mail benchmark, used only without purchase timestamps


class Offer(BaseModel):
    """What the campaign gives. `value` is percent for percent_off, money for amount_off, else 0."""

    model_config = ConfigDict(validate_assignment=True)

    type: Literal["percent_off", "amount_off", "free_shipping", "bundle", "none"] = "none"
    value: float = Field(0.0, ge=0)
    description: str = ""

    @model_validator(mode="after")
    def _check(self) -> "Offer":
        if self.type == "percent_off" and not 0 < self.value <= 90:
            raise ValueError(f"a percent_off offer needs 0 < value <= 90, got {self.value}")
        if self.type == "amount_off" and self.value <= 0:
            raise ValueError("an amount_off offer needs a positive value")
        if not self.description:
            self.__dict__["description"] = describe_offer(self.type, self.value)
        return self

    @property
    def max_percent(self) -> float:
        return self.value if self.type == "percent_off" else 0.0

    @property
    def max_amount(self) -> float:
        return self.value if self.type == "amount_off" else 0.0


DAYS_ZH = dict(zip(DAYS, ("周一", "周二", "周三", "周四", "周五", "周六", "周日")))
CHANNELS_ZH = {"email": "电子邮件", "sms": "短信", "push": "App 推送", "wechat": "微信"}
SENSITIVITY_ZH = {"low": "低", "medium": "中等", "high": "高"}


def describe_offer(kind: str, value: float, language: str = "en") -> str:
    if language == "zh":
        return {"percent_off": f"{(100 - value) / 10:g} 折", "amount_off": f"立减 {value:g}", "free_shipping": "包邮",
                "bundle": "组合优惠", "none": "无折扣"}.get(kind, kind)
    return {"percent_off": f"{value:g}% off", "amount_off": f"{value:g} off", "free_shipping": "free shipping",
            "bundle": "bundle deal", "none": "no discount"}.get(kind, kind)


class FeaturedProduct(BaseModel):
    item_id: str
    title: str
    category: str | None = None
    price: float | None = None
    reason: str | None = None


class CampaignPlan(BaseModel):
    """A campaign plan for one segment; edit any field and validation runs again."""

    model_config = ConfigDict(validate_assignment=True)

    segment_id: str
    persona_name: str | None = None
    products: list[FeaturedProduct] = Field(default_factory=list)
    offer: Offer = Field(default_factory=Offer)
    channel: Literal["email", "sms", "push", "wechat"] = "email"
    send_day: Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] = "Thursday"
    send_hour: int = Field(10, ge=0, le=23)
    expected_reach: int = Field(0, ge=0)
    expected_participants: int | None = None
    rationale: list[str] = Field(default_factory=list)
    rationale_zh: list[str] = Field(default_factory=list)  # the same reasons in Chinese (empty: edited by hand)
    # the segment's customers restock (they come back often and rebuy the same kinds of products, from the
    # profile): only then does the copy speak of the weekly shop or what they often buy
    restock: bool = False

    def product_titles(self) -> list[str]:
        return [p.title for p in self.products]

    def to_markdown(self, language: str = "en") -> str:
        """The plan as a short readable card (prices rounded, no raw fields)."""
        zh = language == "zh"
        names = {"email": "电子邮件", "sms": "短信", "push": "App 推送", "wechat": "微信"} if zh else \
            {"email": "e-mail", "sms": "SMS", "push": "app push", "wechat": "WeChat"}
        lines = [f"**{'活动方案' if zh else 'Campaign plan'} · {'细分' if zh else 'segment'} {self.segment_id}"
                 + (f" — {self.persona_name}" if self.persona_name else "") + "**", ""]
        offer = self.offer.description
        if zh and offer == describe_offer(self.offer.type, self.offer.value):   # the default wording, not the user's
            offer = describe_offer(self.offer.type, self.offer.value, "zh")
        lines.append(f"- {'优惠' if zh else 'Offer'}: {offer}")
        lines.append(f"- {'渠道' if zh else 'Channel'}: {names.get(self.channel, self.channel)}")
        lines.append(f"- {'发送时间' if zh else 'Send'}: {DAYS_ZH[self.send_day] if zh else self.send_day} "
                     f"{self.send_hour:02d}:00")
        lines.append(f"- {'预计触达' if zh else 'Expected reach'}: {self.expected_reach:,}"
                     + (f" ({'预计参与' if zh else 'expected participants'} {self.expected_participants:,})"
                        if self.expected_participants is not None else ""))
        if self.products:
            lines.append(f"- {'主推商品' if zh else 'Featured products'}: " + "; ".join(
                p.title + (f" ({p.price:,.2f})" if p.price is not None else "") for p in self.products))
        if self.rationale:
            why = self.rationale_zh if zh and len(self.rationale_zh) == len(self.rationale) else self.rationale
            lines += ["", f"_{'依据' if zh else 'Why'}: " + ("" if zh else " ").join(why) + "_"]
        return "\n".join(lines)


def _get(obj: Any, name: str, default=None):
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _normalise_channel(text: str) -> str | None:
    """The channel named in any words ("E-mail", "App 推送", "微信"), None if none."""
    return channel_of(text)


def _redemption_rate(summary: dict, past_redemption_rate: float | None) -> float | None:
    if past_redemption_rate is not None:
        return float(past_redemption_rate)
    for key in ("redemption_rate", "coupon_redemption_rate", "past_redemption_rate"):
        if summary.get(key) is not None:
            return float(summary[key])
    return None


def _choose_offer(persona, summary: dict, past_redemption_rate: float | None, why: Bilingual) -> Offer:
    sensitivity = str(_get(persona, "price_sensitivity", "medium") or "medium").lower()
    if sensitivity not in BASE_DEPTH:
        sensitivity = "medium"
    depth = BASE_DEPTH[sensitivity]
    why.add(f"Price sensitivity {sensitivity}: base discount {depth:g}%.",
            f"价格敏感度{SENSITIVITY_ZH[sensitivity]}：基础折扣 {depth:g}%。")
    rate = _redemption_rate(summary, past_redemption_rate)
    if rate is not None:
        if rate < 0.02:
            depth += 5
            why.add(f"Past coupon redemption {rate:.1%} is low: deepen by 5 points.",
                    f"过去的优惠券核销率 {rate:.1%} 偏低：折扣加深 5 个百分点。")
        elif rate > 0.10:
            depth -= 5
            why.add(f"Past coupon redemption {rate:.1%} is high: they redeem anyway, 5 points shallower.",
                    f"过去的优惠券核销率 {rate:.1%} 偏高：他们本来就会用券，折扣减少 5 个百分点。")
    depth = max(0.0, min(MAX_DEPTH, depth))
    if depth <= 0:
        why.add("No discount needed: lead with the products.", "无需折扣：以商品为主打。")
        return Offer(type="none")
    return Offer(type="percent_off", value=depth)


def _send_time(activity: pd.DataFrame | None, why: Bilingual) -> tuple[str, int]:
    if activity is None or activity.empty:
        why.add(f"No purchase timestamps: default send time {DEFAULT_SEND[0]} {DEFAULT_SEND[1]}:00.",
                f"没有购买时间数据：使用默认发送时间 {DAYS_ZH[DEFAULT_SEND[0]]} {DEFAULT_SEND[1]}:00。")
        return DEFAULT_SEND
    if "timestamp" not in activity.columns:
        raise DataError("activity lacks a 'timestamp' column", column="timestamp",
                        fix="pass the segment's purchase events (assistant.core.data events table)")
    events = activity
    if is_purchase(events).any():
        events = purchases(events)
    ts = pd.to_datetime(events["timestamp"]).dropna()
    if ts.empty:
        return DEFAULT_SEND
    day = DAYS[int(ts.dt.dayofweek.value_counts().idxmax())]
    peak = int(ts[ts.dt.dayofweek == DAYS.index(day)].dt.hour.value_counts().idxmax())
    hour = (peak - 1) % 24  # arrive an hour before the usual shopping hour
    why.add(f"Most purchases on {day}, peak hour {peak}:00 ({len(ts):,} purchases): send at {hour}:00.",
            f"购买最多的是{DAYS_ZH[day]}，高峰时段 {peak}:00（{len(ts):,} 次购买）：在 {hour}:00 发送。")
    return day, hour


def plan_campaign(segment_id, summary: dict, persona=None, featured: pd.DataFrame | None = None,
                  offer: Offer | dict | None = None, channel: str | None = None,
                  activity: pd.DataFrame | None = None, *, n_products: int = 3,
                  past_participation_rate: float | None = None,
                  past_redemption_rate: float | None = None) -> CampaignPlan:
    """A first campaign plan for one segment; a configured `offer` / `channel` always wins over the rules."""
    if not isinstance(summary, dict):
        raise DataError(f"summary must be the dict from SegmentProfiles.segment_summary, got {type(summary).__name__}")
    why = Bilingual()
    products: list[FeaturedProduct] = []
    if featured is not None and not featured.empty:
        if "item_id" not in featured.columns:
            raise DataError("featured products lack an 'item_id' column", column="item_id",
                            fix="pass Recommender.recommend_for_segment(...) output")
        top = featured.sort_values("score", ascending=False) if "score" in featured.columns else featured
        for row in top.head(n_products).to_dict("records"):
            title = row.get("title")
            products.append(FeaturedProduct(
                item_id=str(row["item_id"]), title=str(title) if pd.notna(title) else str(row["item_id"]),
                category=None if pd.isna(row.get("category")) else str(row.get("category")),
                price=None if pd.isna(row.get("price", float("nan"))) else float(row["price"]),
                reason=None if pd.isna(row.get("reason")) else str(row.get("reason"))))
        why.add(f"Featuring the top {len(products)} recommended products for the segment.",
                f"主推该客群推荐度最高的 {len(products)} 个商品。")
    else:
        why.add("No product recommendations given: the copy will talk about the segment's categories.",
                "没有商品推荐：文案将围绕该客群买得最多的品类。")

    if offer is not None:
        chosen_offer = offer if isinstance(offer, Offer) else Offer(**offer)
        why.add(f"Configured offer used as given: {chosen_offer.description}.",
                f"按设定使用优惠：{chosen_offer.description}。")
    else:
        chosen_offer = _choose_offer(persona, summary, past_redemption_rate, why)

    if channel is not None:
        chosen = _normalise_channel(channel)
        if chosen is None:
            raise DataError(f"unknown channel '{channel}'", fix=f"use one of {list(CHANNELS)}")
        why.add(f"Configured channel: {chosen}.", f"按设定使用渠道：{CHANNELS_ZH.get(chosen, chosen)}。")
    else:
        chosen = next((c for c in map(_normalise_channel, _get(persona, "preferred_channels", []) or []) if c), None)
        if chosen:
            why.add(f"Persona prefers {chosen}.", f"画像偏好{CHANNELS_ZH.get(chosen, chosen)}。")
        else:
            chosen = "email"
            why.add("No channel preference known: e-mail.", "不清楚渠道偏好：使用电子邮件。")

    restock = habitual(summary)
    repeat = summary.get("repeat_buying") or {}
    if repeat.get("days_between_trips") is not None:
        days, share = float(repeat["days_between_trips"]), float(repeat.get("repeat_share") or 0.0)
        if restock:
            why.add(f"Copy may speak of restocking: customers shop every {days:.0f} days (median) and buy "
                    f"{share:.0%} of their kinds of products again.",
                    f"文案可以讲回购：顾客每 {days:.0f} 天购物一次（中位数），{share:.0%} 的品类会再次购买。")
        else:
            why.add(f"Copy avoids restocking words (weekly shop, often buy): customers shop every {days:.0f} days "
                    f"(median) and buy {share:.0%} of their kinds of products again.",
                    f"文案不讲“每周采购”“常买”：顾客每 {days:.0f} 天购物一次（中位数），{share:.0%} 的品类会再次购买。")
    day, hour = _send_time(activity, why)
    size = int(summary.get("size") or summary.get("n_users") or 0)
    participants = None
    if past_participation_rate is not None:
        participants = int(round(size * float(past_participation_rate)))
        why.add(f"Expected participants from the past participation rate {past_participation_rate:.1%}.",
                f"按过去的参与率 {past_participation_rate:.1%} 估算预计参与人数。")
    return CampaignPlan(segment_id=str(segment_id), persona_name=_get(persona, "name"), products=products,
                        offer=chosen_offer, channel=chosen, send_day=day, send_hour=hour, expected_reach=size,
                        expected_participants=participants, rationale=why.en, rationale_zh=why.zh,
                        restock=restock)
