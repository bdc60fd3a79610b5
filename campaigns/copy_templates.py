"""Deterministic, well-written copy variants (EN / ZH, every channel): the answer when the LLM is slow, down or
fails its gates, and the first answer the UI shows while the LLM works.

Each template is filled only with the brief's own parts (the offer phrase and the cleaned, policy-checked
product names), so it says nothing the brief does not; fields are shortened by dropping products, never by
cutting text, so no variant ends mid-phrase. Restock words (the weekly shop, stocking up, "the things you buy
most", 每周采购, 常买) are used only for a plan whose segment restocks (`CampaignPlan.restock`, from the profile's
repeat buying): a tent or a lipstick is not bought every week, so other shops get words true of any shop.
"""
from __future__ import annotations

from dataclasses import dataclass

from assistant.core.gates import FIELD_LIMITS, zhe_text
from assistant.core.vocabulary import with_sms_opt_out

CHANNEL_FIELDS: dict[str, tuple[str, ...]] = {"email": ("subject", "preheader", "body", "cta"), "sms": ("sms",),
                                              "push": ("push_title", "push_body"),
                                              "wechat": ("push_title", "push_body")}
ANGLES = {"en": ("the value of the offer", "the products picked for them", "saving time on the weekly shop"),
          "zh": ("优惠带来的实惠", "为他们挑选的商品", "每周采购省时省心")}
# the third angle for a segment that does not restock
NEUTRAL_ANGLES = {"en": ANGLES["en"][:2] + ("a good reason to take a look",),
                  "zh": ANGLES["zh"][:2] + ("值得一看的理由",)}


def angles(language: str, restock: bool) -> tuple[str, ...]:
    """The variants' angles (the LLM is told one per variant): restock angles only for a restocking segment."""
    return (ANGLES if restock else NEUTRAL_ANGLES)["zh" if language == "zh" else "en"]


@dataclass(frozen=True)
class OfferWords:
    """How the offer is said: `short` ("15% off" / "八五折", "" without an offer) and `sentence`."""

    short: str
    sentence: str
    prompt: str  # what the LLM is told to write


def offer_words(kind: str, value: float, language: str) -> OfferWords:
    zh = language == "zh"
    if kind == "percent_off":
        if zh:
            z = zhe_text(value)
            return OfferWords(z, f"现在购买享{z}优惠。", f"{z}（即优惠 {value:g}%），请写“{z}”")
        return OfferWords(f"{value:g}% off", f"Enjoy {value:g}% off your favourites.", f"{value:g}% off")
    if kind == "amount_off":
        return (OfferWords(f"立减{value:g}元", f"现在购买立减{value:g}元。", f"立减{value:g}元") if zh else
                OfferWords(f"{value:g} off", f"Enjoy {value:g} off your order.", f"{value:g} off"))
    if kind == "free_shipping":
        return (OfferWords("包邮", "现在下单即可包邮。", "包邮") if zh else
                OfferWords("free shipping", "Enjoy free shipping on your order.", "free shipping"))
    if kind == "bundle":
        return (OfferWords("组合优惠", "搭配购买更划算。", "组合优惠（不写具体金额）") if zh else
                OfferWords("a bundle deal", "Buy them together and save with a bundle deal.",
                           "a bundle deal (no amount)"))
    return OfferWords("", "", "无折扣（不要提任何折扣）" if zh else "no discount (do not mention any discount)")


def _fit(options: list[str], field: str, language: str) -> str:
    """The first option that fits the field's limit (options go from richest to plainest); an SMS is measured
    and returned with the opt-out instruction every SMS ends with."""
    limit = FIELD_LIMITS[field][1 if language == "zh" else 0]
    if field == "sms":
        options = [with_sms_opt_out(" ".join(text.split()), language) for text in options if text]
    for text in options:
        if text and len(text) <= limit:
            return text
    return options[-1]


def _en(i: int, p: list[str], o: OfferWords, restock: bool = True) -> dict[str, str]:
    p1, p2, p3 = (p + ["your favourites"] * 3)[:3]
    two = f"{p1} and {p2}" if len(p) > 1 else p1
    three = f"{p1}, {p2} and {p3}" if len(p) > 2 else two
    cap = o.short[:1].upper() + o.short[1:] if o.short else ""
    sent = (" " + o.sentence) if o.sentence else ""
    fav = (f"{cap} your favourites" if o.short.endswith("off") else f"{cap} on your favourites") if cap else ""
    if i % 3 == 0:
        email = {"subject": [(f"{cap} {p1}" if o.short.endswith("off") else f"{cap} on {p1}") if cap
                             else f"Picked for you: {p1}", fav or "Your favourites are in"],
                 "preheader": [(f"Your everyday favourites, now {o.short}." if o.short
                                else "Your everyday favourites, ready when you are.") if restock else
                               (f"Picked for you, now {o.short}." if o.short else "Picked for you, ready when you are.")],
                 "body": [f"Stock up on {two} for your next shop.{sent} It is the easy way to keep your "
                          "favourites at home.", f"Stock up on {p1} for your next shop.{sent} It is the easy way to "
                          "keep your favourites at home."] if restock else
                         [f"{two}, ready when you are.{sent} Order in a few clicks.",
                          f"{p1}, ready when you are.{sent} Order in a few clicks."],
                 "cta": ["Shop the offer" if o.short else "Shop now"]}
        sms = [f"Good news: {two} are waiting for you.{sent}",
               f"Good news: {p1} is waiting for you.{sent}",
               f"Your favourites are waiting.{sent}"]
        push = {"push_title": [fav or "Your favourites are in"],
                "push_body": [f"{two} are ready for your next shop.{sent}", f"{p1} is ready for your next shop.{sent}",
                              f"Your favourites are ready.{sent}"] if restock else
                             [f"{two} are ready to order.{sent}", f"{p1} is ready to order.{sent}",
                              f"Your picks are ready.{sent}"]}
    elif i % 3 == 1:
        email = {"subject": [f"{two}, picked for you", f"{p1}, picked for you", "Picked for you"],
                 "preheader": [(f"{cap} on the things you buy most." if cap else "The things you buy most, in one place.")
                               if restock else (f"{cap} on your picks." if cap else "Your picks, in one place.")],
                 "body": [f"We picked {three} with you in mind.{sent} Fill your basket in a few clicks.",
                          f"We picked {p1} with you in mind.{sent} Fill your basket in a few clicks."],
                 "cta": ["See your picks"]}
        sms = [f"Picked for you: {two}.{sent} Tap to fill your basket.",
               f"Picked for you: {p1}.{sent} Tap to fill your basket.",
               f"Your picks are ready.{sent}"]
        push = {"push_title": [f"Picked for you: {p1}", "Picked for you"],
                "push_body": [f"{two}, chosen for the way you shop.{sent}", f"{p1}, chosen for the way you shop.{sent}",
                              f"Chosen for the way you shop.{sent}"]}
    elif not restock:
        email = {"subject": [f"Worth a look: {p1}", "Worth a look"],
                 "preheader": [f"{p1} and more, {o.short}." if o.short else f"{p1} and more, ready to order."],
                 "body": [f"Take a look at {two}.{sent} Everything is ready to order whenever it suits you.",
                          f"Take a look at {p1}.{sent} It is ready to order whenever it suits you."],
                 "cta": ["Take a look"]}
        sms = [f"Worth a look: {two}.{sent}", f"Worth a look: {p1}.{sent}", f"Worth a look today.{sent}"]
        push = {"push_title": [f"Worth a look: {p1}", "Worth a look"],
                "push_body": [f"{two} are ready to order.{sent}", f"{p1} is ready to order.{sent}",
                              f"Your picks are ready to order.{sent}"]}
    else:
        email = {"subject": ["Your weekly shop, made easy"],
                 "preheader": [f"{p1} and more, {o.short}." if o.short else f"{p1} and more, ready to order."],
                 "body": [f"Save time on your weekly shop. Your favourites, from {p1} to {p2}, are ready to "
                          f"order.{sent} Order in minutes and get back to your day.",
                          f"Save time on your weekly shop. {p1} is ready to order.{sent} Order in minutes and get "
                          "back to your day."],
                 "cta": ["Start shopping"]}
        sms = [f"Your weekly shop, made easy: {two} are ready to order.{sent}",
               f"Your weekly shop, made easy: {p1} is ready to order.{sent}",
               f"Your weekly shop, made easy.{sent}"]
        push = {"push_title": ["Your weekly shop, made easy"],
                "push_body": [f"{two} are ready to order in minutes.{sent}", f"{p1} is ready to order in minutes.{sent}",
                              f"Order your favourites in minutes.{sent}"]}
    out = {k: _fit(v, k, "en") for k, v in email.items()}
    out["sms"] = _fit(sms, "sms", "en")
    out.update({k: _fit(v, k, "en") for k, v in push.items()})
    return {k: " ".join(v.split()) for k, v in out.items()}


def _zh(i: int, p: list[str], o: OfferWords, restock: bool = True) -> dict[str, str]:
    p1, p2, p3 = (p + ["常买好物" if restock else "精选好物"] * 3)[:3]
    two = f"{p1}和{p2}" if len(p) > 1 else p1
    three = f"{p1}、{p2}和{p3}" if len(p) > 2 else two
    sent = o.sentence
    if i % 3 == 0:
        usual = "你常买的" if restock else "为你精选的"
        email = {"subject": [f"{p1}享{o.short}" if o.short else f"为你精选{p1}", "为你精选"],
                 "preheader": [f"{usual}好物，现享{o.short}。" if o.short else f"{usual}好物，已经{'为你' if restock else ''}备好。"],
                 "body": [f"{two}是你常买的好物。{sent}常用的东西一次买齐，省时又省心。" if restock
                          else f"我们为你挑选了{two}。{sent}一次选好，省时又省心。"],
                 "cta": ["立即选购"]}
        sms = [f"{usual}{two}已备好。{sent}打开App即可选购。",
               f"{usual}{p1}已备好。{sent}打开App即可选购。", f"{usual}好物已备好。{sent}"]
        push = {"push_title": [f"{p1}享{o.short}" if o.short else f"为你精选{p1}", "为你精选"],
                "push_body": [f"{usual}{two}已备好。{sent}", f"{usual}好物已备好。{sent}"]}
    elif i % 3 == 1:
        email = {"subject": [f"为你精选：{two}", f"为你精选：{p1}", "为你精选"],
                 "preheader": [(f"常买好物{o.short}，一次买齐。" if o.short else "常买好物，一次买齐。") if restock else
                               (f"精选好物{o.short}，一次买齐。" if o.short else "精选好物，一次买齐。")],
                 "body": [f"我们为你挑选了{three}。{sent}动动手指，就能把购物车装满。"],
                 "cta": ["查看精选"]}
        sms = [f"为你精选{two}。{sent}打开App即可选购。", f"为你精选{p1}。{sent}",
               f"为你精选的好物已备好。{sent}"]
        push = {"push_title": [f"为你精选：{p1}", "为你精选"],
                "push_body": [f"按你的购物习惯挑选的{two}。{sent}", f"按你的购物习惯挑选的好物。{sent}"]}
    elif not restock:
        email = {"subject": [f"值得一看：{p1}", "值得一看"],
                 "preheader": [f"{p1}等好物，{o.short}。" if o.short else f"{p1}等好物，随时可下单。",
                               f"精选好物，{o.short}。" if o.short else "精选好物，随时可下单。"],
                 "body": [f"来看看{two}。{sent}随时下单，方便省心。"],
                 "cta": ["去看看"]}
        sms = [f"值得一看：{two}。{sent}打开App即可选购。", f"值得一看：{p1}。{sent}", f"今天有好物值得一看。{sent}"]
        push = {"push_title": [f"值得一看：{p1}", "值得一看"],
                "push_body": [f"{two}已备好，随时可以下单。{sent}", f"精选好物已备好，随时可以下单。{sent}"]}
    else:
        email = {"subject": ["每周采购，轻松搞定"],
                 "preheader": [f"{p1}等好物，{o.short}。" if o.short else f"{p1}等好物，随时可下单。",
                               f"精选好物，{o.short}。" if o.short else "精选好物，随时可下单。"],
                 "body": [f"每周采购，省时省心。从{p1}到{p2}，你常买的都已备好。{sent}几分钟下单，把时间留给生活。"],
                 "cta": ["开始购物"]}
        sms = [f"每周采购更轻松：{two}已备好。{sent}", f"每周采购更轻松：{p1}已备好。{sent}",
               f"每周采购更轻松。{sent}"]
        push = {"push_title": ["每周采购，轻松搞定"],
                "push_body": [f"{two}已备好，几分钟就能下单。{sent}", f"常买好物已备好，几分钟就能下单。{sent}"]}
    out = {k: _fit(v, k, "zh") for k, v in email.items()}
    out["sms"] = _fit(sms, "sms", "zh")
    out.update({k: _fit(v, k, "zh") for k, v in push.items()})
    return out


def template_fields(variant: int, channel: str, products: list[str], offer: OfferWords, language: str,
                    restock: bool = False) -> dict[str, str]:
    """The fields of `channel` for template variant `variant` (0-based), in `language`; restock words only
    when `restock` (the segment rebuys: `CampaignPlan.restock`)."""
    everything = (_zh(variant, products, offer, restock) if language == "zh"
                  else _en(variant, products, offer, restock))
    return {k: everything[k] for k in CHANNEL_FIELDS[channel]}
