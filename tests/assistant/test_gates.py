"""Each named quality gate catches the fault it is named for (verbatim faults from issue #14) and lets good
text through, in English and Chinese."""
from __future__ import annotations

import pytest

from assistant.core import gates as g
from assistant.core.policy import MarketingPolicy

EN = g.GateContext(language="en", offer_kind="percent_off", offer_value=15, persona_name="Loyal Dairy Shoppers",
                   channel="sms", field="sms", product_names=("Fluid Milk White Only",))
ZH = g.GateContext(language="zh", offer_kind="percent_off", offer_value=15, persona_name="高频乳制品顾客",
                   channel="sms", field="sms", product_names=("牛奶",))
GOOD_EN = "Good news: Fluid Milk White Only is waiting for you. Enjoy 15% off your favourites. Reply STOP to opt out."
GOOD_ZH = "你常买的牛奶已备好。现在购买享八五折优惠。打开App即可选购。回复TD退订"

FAULTS = [
    ("no_leaked_statistics", EN, "The group is 41.9% of all customers and 61.8% of all spend."),
    ("no_leaked_statistics", ZH, "本组顾客占全部顾客的29.8%，快来购物。"),
    ("no_fence_markers", EN, "Fresh milk for you <<<END UNTRUSTED DATA>>>"),
    ("no_self_commentary", ZH, "本版本的营销文案非常吸引人，快来选购牛奶。"),
    ("no_prompt_text", ZH, "本版本的切入角度：牛奶八五折。"),
    ("no_placeholders", EN, "Use code [CODE] at [Your Company Name] for 15% off."),
    ("no_persona_name", EN, "Welcome to Loyal Dairy Shoppers, enjoy 15% off Fluid Milk White Only."),
    ("offer_stated_correctly", EN, "No discount available! Fluid Milk White Only is here."),
    ("offer_stated_correctly", EN, "Save 20% on Fluid Milk White Only today."),
    ("offer_stated_correctly", ZH, "牛奶8折哦，快来买。"),
    ("offer_stated_correctly", ZH, "牛奶八折优惠，快来买。"),
    ("no_unbriefed_claims", EN, "Our milk has been produced for over 100 years, enjoy 15% off."),
    ("no_unbriefed_claims", EN, "Enjoy 15% off and a free gift with every order."),
    ("no_unbriefed_claims", EN, "Enjoy 15% off with free shipping on Fluid Milk White Only."),
    ("no_unbriefed_claims", EN, "Award-winning Fluid Milk White Only, now 15% off."),
    ("grounded_numbers", EN, "Enjoy 15% off on 3 bottles of Fluid Milk White Only."),
    ("no_policy_items", ZH, "8折哦！购买这款高端燃料"),
    ("no_policy_items", EN, "Grab cigarettes and beer with 15% off."),
    ("channel_format", EN, "Enjoy 15% off Fluid Milk White Only. " * 6),
    ("channel_format", EN, "Enjoy 15% off Fluid Milk White Only and"),
    ("channel_format", ZH, "牛奶享八五折，" * 12),
    ("language_matches", ZH, "Enjoy 15% off your favourite milk today."),
    ("language_matches", EN, "Enjoy 15% off 牛奶."),
]


@pytest.mark.parametrize("gate, ctx, text", FAULTS, ids=[f"{g_}-{i}" for i, (g_, _, _) in enumerate(FAULTS)])
def test_each_gate_catches_its_fault(gate, ctx, text):
    reason = g.COPY_GATES[gate](text, ctx)
    assert reason, f"{gate} missed: {text}"


@pytest.mark.parametrize("ctx, text", [(EN, GOOD_EN), (ZH, GOOD_ZH)])
def test_good_copy_passes_every_gate(ctx, text):
    assert g.check_fields({"sms": text}, g.COPY_GATES, ctx) == []


def test_discounts_are_read_both_ways():
    assert g.percent_claims("八五折") == [15.0] and g.percent_claims("85折") == [15.0]
    assert g.percent_claims("8折") == [20.0] and g.percent_claims("八折") == [20.0]
    assert g.percent_claims("save 15% now") == [15.0]
    assert g.zhe_text(15) == "八五折" and g.zhe_text(20) == "八折" and g.zhe_text(12.5) == "87.5折"
    ctx = g.GateContext(language="zh", offer_kind="percent_off", offer_value=20)
    assert g.offer_stated_correctly("全场八折", ctx) is None and g.offer_stated_correctly("全场20%折扣", ctx) is None
    assert g.offer_stated_correctly("立减20%，快来选购", ctx) is None
    assert "八折" in g.offer_stated_correctly("今天八折，即购买20%的商品", ctx)  # a bare percentage is not an offer


def test_free_shipping_is_allowed_when_it_is_the_offer():
    ctx = g.GateContext(offer_kind="free_shipping")
    assert g.no_unbriefed_claims("Enjoy free shipping on your order.", ctx) is None


def test_cta_must_be_a_complete_short_phrase():
    ctx = g.GateContext(field="cta")
    assert g.channel_format("Shop now", ctx) is None
    assert g.channel_format("Shop the best of", ctx)
    assert g.channel_format("Click here to get all of the", ctx)


@pytest.mark.parametrize("gate, text", [
    ("describes_customers", "They help us increase revenue."),
    ("describes_customers", "We're here to help you find the perfect meal. Our team of experts is ready."),
    ("describes_customers", "Shop for the freshest foods in your family's kitchen."),
    ("describes_customers", "我们为您准备了新鲜果蔬。"),
    ("no_ungiven_facts", "Customer A is a high-income customer."),
    ("no_ungiven_facts", "They come from different regions and countries."),
    ("grounded_numbers", "They spend over $139 per customer."),
    ("no_policy_items", "They love coupon/misc items and fuel."),
])
def test_persona_gates(gate, text):
    ctx = g.GateContext(language="en", field="description")
    assert g.PERSONA_GATES[gate](text, ctx)


def test_persona_gate_passes_third_person_descriptions():
    ctx = g.GateContext(language="en", field="description")
    assert g.describes_customers("They shop weekly for the family and trust familiar brands.", ctx) is None
    assert g.describes_customers("他们每周为家人采购，信赖熟悉的品牌。", g.GateContext(language="zh")) is None


def test_persona_tagline_is_short():
    assert g.channel_format("购物频率比大多数顾客更常来购物，消费总消费比大多数顾客高，最近一次购物是不久前。",
                            g.GateContext(language="zh", field="tagline"))


@pytest.mark.parametrize("name", ["Mid-spend regular shoppers (Coupon/Misc Items)", "顾客X", "Customer A",
                                  "Segment 2 Buyers", "FUEL > GAS"])
def test_persona_names_must_be_readable(name):
    assert g.readable_name(name, g.GateContext(language="zh" if "顾客" in name else "en"))


def test_policy_gate_follows_channel_allowance():
    ctx = g.GateContext(channel="email", policy=MarketingPolicy(alcohol=frozenset({"email"})))
    assert g.no_policy_items("Craft beer for the weekend.", ctx) is None
    assert g.no_policy_items("Craft beer for the weekend.", g.GateContext(channel="sms", policy=ctx.policy))


# ------------------------------------------------------------------------------------ SMS opt-out
@pytest.mark.parametrize("ctx, text, fault", [
    (EN, "Good news: Fluid Milk White Only is waiting for you. Enjoy 15% off.", "does not end"),
    (EN, "Enjoy 15% off. Reply STOP to opt out. Reply STOP to opt out.", "2 times"),
    (EN, "Text STOP to unsubscribe. Enjoy 15% off. Reply STOP to opt out.", "2 times"),
    (ZH, "你常买的牛奶已备好。现在购买享八五折优惠。Reply STOP to opt out.", "回复TD退订"),  # wrong language
    (ZH, "牛奶八五折。回复TD退订", None),
    (ZH, "回T退订，牛奶八五折。回复TD退订", "2 times"),
])
def test_sms_opt_out_gate(ctx, text, fault):
    reason = g.COPY_GATES["sms_opt_out"](text, ctx)
    assert (reason is None) if fault is None else (fault in reason)


def test_sms_opt_out_gate_is_only_about_sms():
    push = g.GateContext(language="en", channel="push", field="push_body")
    assert g.sms_opt_out_present("Enjoy 15% off your milk.", push) is None


def test_sms_length_counts_the_opt_out_and_cut_checks_the_message_before_it():
    footer = " Reply STOP to opt out."
    fits = "Enjoy 15% off " + "m" * (160 - len(footer) - len("Enjoy 15% off ") - 1) + "."
    assert len(fits + footer) == 160 and g.channel_format(fits + footer, EN) is None
    reason = g.channel_format(fits[:-1] + "m." + footer, EN)
    assert "161 characters (with the opt-out instruction 'Reply STOP to opt out.')" in reason
    # a message cut mid-phrase is caught even though the opt-out instruction ends the text
    assert "mid-sentence" in g.channel_format("Enjoy 15% off Fluid Milk White Only and." + footer, EN)
    assert "ends mid-phrase" in g.channel_format("牛奶享八五折，回复TD退订", ZH)
    assert "empty" in g.channel_format("Reply STOP to opt out.", EN)


# ------------------------------------------------------------------------------------ echo and filler
BACKGROUND = ("How often they shop:", "They buy more of these than other customers", "quick, reliable shopping trips",
              "Shoppers who keep coming back for meat & seafood.", "quality and convenience", "最近一次购物", "品质与方便")


@pytest.mark.parametrize("language, text, hit", [
    ("en", "They buy more of these than other customers, frozen food and pantry staples.", "they buy more of these"),
    ("en", "We ensure quality, with quick, reliable shopping trips.", "quick reliable shopping trips"),
    ("en", "You're not the only one who keeps coming back for meat & seafood.", "coming back for meat &"),
    ("zh", "最近一次购物是不久前，比其他顾客买得更多的肉类海鲜。", "最近一次购物"),
])
def test_brief_echo_gate_catches_pasted_background(language, text, hit):
    reason = g.no_brief_echo(text, g.GateContext(language=language, brief_phrases=BACKGROUND))
    assert reason and hit in reason


@pytest.mark.parametrize("text", ["They fill big baskets of meat and seafood every week.",
                                  "Enjoy quality and convenience with 15% off.",  # a short phrase (3 words) is free
                                  "White Milk and Large Eggs are ready for your next shop."])
def test_brief_echo_gate_lets_own_words_pass(text):
    assert g.no_brief_echo(text, g.GateContext(brief_phrases=BACKGROUND)) is None
    assert g.no_brief_echo(text, g.GateContext()) is None  # no brief given: nothing to echo


@pytest.mark.parametrize("text", [
    "If you have any questions, feel free to contact us.", "Please keep your personal information safe.",
    "如果您有其他问题或需要帮助，请随时联系我们。", "为了保护您的权益，请注意不泄露个人信息。",
    "请先查看我们的优惠条款。"])
def test_service_boilerplate_fails_copy(text):
    assert g.COPY_GATES["no_service_boilerplate"](text, EN)


@pytest.mark.parametrize("text, claim", [
    ("本周是购买肉类海鲜的高峰期，八五折！", "season or stock"), ("New arrivals are here: 15% off.", "season or stock"),
    ("库存有限，售完即止。", "season or stock"),
    ("With an offer of 15% off on all our products, try them!", "storewide"), ("全场八五折", "storewide"),
    ("Welcome to our Meat & Seafood Shop!", "description of the shop"), ("欢迎光临本店", "description of the shop"),
])
def test_storewide_shop_season_and_stock_claims_are_outside_the_brief(text, claim):
    assert claim in g.no_unbriefed_claims(text, EN)


def test_the_shipped_templates_make_none_of_these_claims():
    for text in ("White Milk and Large Eggs are ready for your next shop. Enjoy 15% off your favourites.",
                 "你常买的牛奶和鸡蛋已备好。现在购买享八五折优惠。"):
        assert g.no_unbriefed_claims(text, EN) is None


@pytest.mark.parametrize("text", ["I'm sorry, but I can't assist with that request.", "抱歉，我无法协助完成这个请求。",
                                  "请问您需要购买哪些商品？"])
def test_a_refusal_or_a_question_back_is_not_copy(text):
    assert g.no_self_commentary(text, EN)


@pytest.mark.parametrize("text, claim", [("特别推出八五折的美味套餐。", "bundle or set"),
                                         ("为了确保您的生活更加健康，八五折。", "health"),
                                         ("欢迎购买我们的牛奶！", "shop")])
def test_sets_health_and_welcome_claims_fail(text, claim):
    assert claim in g.no_unbriefed_claims(text, EN)
    assert g.no_unbriefed_claims("Buy them together and save with a bundle deal.",
                                 g.GateContext(offer_kind="bundle")) is None  # the offer itself may say it


def test_restock_words_need_customers_who_rebuy():
    """"Your weekly shop" / 每周采购 / 你常买的 only when the segment's profile shows rebuying (ctx.restock)."""
    en, zh = g.GateContext(language="en", restock=False), g.GateContext(language="zh", restock=False)
    for text in ("Your weekly shop, made easy", "Stock up on tents for your next shop",
                 "The things you buy most, in one place."):
        assert g.no_ungrounded_restock(text, en), text
    for text in ("每周采购更轻松：双人帐篷已备好。", "你常买的双人帐篷已备好。", "囤货好时机"):
        assert g.no_ungrounded_restock(text, zh), text
    assert g.no_ungrounded_restock("Worth a look: two-person tents.", en) is None
    assert g.no_ungrounded_restock("值得一看：双人帐篷。", zh) is None
    assert g.no_ungrounded_restock("Your weekly shop, made easy", g.GateContext(language="en")) is None
    assert "no_ungrounded_restock" in g.COPY_GATES and "no_ungrounded_restock" in g.PERSONA_GATES
