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
from assistant.core.vocabulary import CHANNELS, channel_of, is_purchase, purchases

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


def describe_offer(kind: str, value: float) -> str:
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

    def product_titles(self) -> list[str]:
        return [p.title for p in self.products]

    def to_markdown(self, language: str = "en") -> str:
        """The plan as a short readable card (prices rounded, no raw fields)."""
        zh = language == "zh"
        names = {"email": "电子邮件", "sms": "短信", "push": "App 推送", "wechat": "微信"} if zh else \
            {"email": "e-mail", "sms": "SMS", "push": "app push", "wechat": "WeChat"}
        lines = [f"**{'活动方案' if zh else 'Campaign plan'} · {'细分' if zh else 'segment'} {self.segment_id}"
                 + (f" — {self.persona_name}" if self.persona_name else "") + "**", ""]
        lines.append(f"- {'优惠' if zh else 'Offer'}: {self.offer.description}")
        lines.append(f"- {'渠道' if zh else 'Channel'}: {names.get(self.channel, self.channel)}")
        lines.append(f"- {'发送时间' if zh else 'Send'}: {self.send_day} {self.send_hour:02d}:00")
        lines.append(f"- {'预计触达' if zh else 'Expected reach'}: {self.expected_reach:,}"
                     + (f" ({'预计参与' if zh else 'expected participants'} {self.expected_participants:,})"
                        if self.expected_participants is not None else ""))
        if self.products:
            lines.append(f"- {'主推商品' if zh else 'Featured products'}: " + "; ".join(
                p.title + (f" ({p.price:,.2f})" if p.price is not None else "") for p in self.products))
        if self.rationale:
            lines += ["", f"_{'依据' if zh else 'Why'}: " + " ".join(self.rationale) + "_"]
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


def _choose_offer(persona, summary: dict, past_redemption_rate: float | None, why: list[str]) -> Offer:
    sensitivity = str(_get(persona, "price_sensitivity", "medium") or "medium").lower()
    if sensitivity not in BASE_DEPTH:
        sensitivity = "medium"
    depth = BASE_DEPTH[sensitivity]
    why.append(f"Price sensitivity {sensitivity}: base discount {depth:g}%.")
    rate = _redemption_rate(summary, past_redemption_rate)
    if rate is not None:
        if rate < 0.02:
            depth += 5
            why.append(f"Past coupon redemption {rate:.1%} is low: deepen by 5 points.")
        elif rate > 0.10:
            depth -= 5
            why.append(f"Past coupon redemption {rate:.1%} is high: they redeem anyway, 5 points shallower.")
    depth = max(0.0, min(MAX_DEPTH, depth))
    if depth <= 0:
        why.append("No discount needed: lead with the products.")
        return Offer(type="none")
    return Offer(type="percent_off", value=depth)


def _send_time(activity: pd.DataFrame | None, why: list[str]) -> tuple[str, int]:
    if activity is None or activity.empty:
        why.append(f"No purchase timestamps: default send time {DEFAULT_SEND[0]} {DEFAULT_SEND[1]}:00.")
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
    why.append(f"Most purchases on {day}, peak hour {peak}:00 ({len(ts):,} purchases): send at {hour}:00.")
    return day, hour


def plan_campaign(segment_id, summary: dict, persona=None, featured: pd.DataFrame | None = None,
                  offer: Offer | dict | None = None, channel: str | None = None,
                  activity: pd.DataFrame | None = None, *, n_products: int = 3,
                  past_participation_rate: float | None = None,
                  past_redemption_rate: float | None = None) -> CampaignPlan:
    """A first campaign plan for one segment; a configured `offer` / `channel` always wins over the rules."""
    if not isinstance(summary, dict):
        raise DataError(f"summary must be the dict from SegmentProfiles.segment_summary, got {type(summary).__name__}")
    why: list[str] = []
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
        why.append(f"Featuring the top {len(products)} recommended products for the segment.")
    else:
        why.append("No product recommendations given: the copy will talk about the segment's categories.")

    if offer is not None:
        chosen_offer = offer if isinstance(offer, Offer) else Offer(**offer)
        why.append(f"Configured offer used as given: {chosen_offer.description}.")
    else:
        chosen_offer = _choose_offer(persona, summary, past_redemption_rate, why)

    if channel is not None:
        chosen = _normalise_channel(channel)
        if chosen is None:
            raise DataError(f"unknown channel '{channel}'", fix=f"use one of {list(CHANNELS)}")
        why.append(f"Configured channel: {chosen}.")
    else:
        chosen = next((c for c in map(_normalise_channel, _get(persona, "preferred_channels", []) or []) if c), None)
        if chosen:
            why.append(f"Persona prefers {chosen}.")
        else:
            chosen = "email"
            why.append("No channel preference known: e-mail.")

    day, hour = _send_time(activity, why)
    size = int(summary.get("size") or summary.get("n_users") or 0)
    participants = None
    if past_participation_rate is not None:
        participants = int(round(size * float(past_participation_rate)))
        why.append(f"Expected participants from the past participation rate {past_participation_rate:.1%}.")
    return CampaignPlan(segment_id=str(segment_id), persona_name=_get(persona, "name"), products=products,
                        offer=chosen_offer, channel=chosen, send_day=day, send_hour=hour, expected_reach=size,
                        expected_participants=participants, rationale=why)
