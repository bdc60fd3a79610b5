"""Copy previews, plan card and persona cards: escaped exactly once, rounded, no raw dicts."""
from __future__ import annotations

import html
import re

import pandas as pd

from assistant.api.results import CopyVariants, copy_preview_html, persona_cards_html, plan_html
from campaigns.copywriting import CampaignCopy
from campaigns.strategy import CampaignPlan, FeaturedProduct, Offer
from segmentation.personas import Persona


def _text(fragment: str) -> str:
    """What a browser shows: tags dropped, entities decoded once."""
    fragment = re.sub(r"<style>.*?</style>", " ", fragment, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def test_email_sms_and_push_previews_escape_once_and_show_the_source():
    email = CampaignCopy(channel="email", subject="Milk & Eggs <b>", preheader="p", body="Body & more.", cta="Shop now",
                         source="llm-retry", notes=["Attempt 1 failed: sms: it says there is no discount"])
    shown = _text(copy_preview_html(email))
    assert "Milk & Eggs <b>" in shown and "&amp;" not in shown and "Shop now" in shown
    assert "second try" in shown and "<details>" in copy_preview_html(email)  # notes behind a toggle
    sms = CampaignCopy(channel="sms", sms="Enjoy 15% off. Reply STOP to opt out.", source="template")
    assert f"{len(sms.sms)} characters" in _text(copy_preview_html(sms))
    push = CampaignCopy(channel="wechat", push_title="T", push_body="B", language="zh")
    assert "微信" in _text(copy_preview_html(push, "zh"))
    frame = CopyVariants(segment="s", channel="sms", language="en", variants=[sms]).to_frame()
    assert list(frame.columns) == ["variant", "sms", "source"]


def test_plan_card_rounds_prices_and_shows_no_raw_fields():
    plan = CampaignPlan(segment_id="2", persona_name="Loyal Dairy Shoppers", offer=Offer(type="percent_off", value=15),
                        products=[FeaturedProduct(item_id="1", title="Fluid Milk & Cream", price=2.6899999999999995)],
                        rationale=["Configured offer used as given: 15% off."])
    shown = _text(plan_html(plan))
    assert "2.69" in shown and "2.6899" not in shown and "Fluid Milk & Cream" in shown
    assert "{" not in shown and "item_id" not in shown
    assert "2.69" in plan.to_markdown() and "{" not in plan.to_markdown()


def test_persona_cards_show_facts_and_source():
    p = Persona(segment_id=0, name="Fresh & Fast", tagline="t", description="d", motivations=["m"],
                facts=["245 customers (30.6% of all)"], source="template")
    shown = _text(persona_cards_html({0: p}))
    assert "Fresh & Fast" in shown and "245 customers" in shown and "template" in shown


def test_sms_preview_edits_and_csv_export_keep_the_opt_out_once(tmp_path):
    from types import SimpleNamespace

    from assistant.ui.campaigns_tab import export_copy, preview_edits
    en = CampaignCopy(channel="sms", sms="Enjoy 15% off. Reply STOP to opt out.", source="llm", variant=1)
    zh = CampaignCopy(channel="sms", language="zh", sms="牛奶享八五折。回复TD退订", variant=2)
    copy = CopyVariants(segment="s", channel="sms", language="en", variants=[en, zh])
    state = SimpleNamespace(assistant=SimpleNamespace(workspace=tmp_path), copy=copy)
    table = copy.to_frame()
    table.loc[0, "sms"] = "Enjoy 15% off your milk"            # the marketer deleted the opt-out instruction
    table.loc[1, "sms"] = "牛奶享八五折。回复TD退订回复TD退订"  # ... or pasted it twice
    shown = _text(preview_edits(table, "en", state))
    assert "Enjoy 15% off your milk. Reply STOP to opt out." in shown
    assert f"{len('Enjoy 15% off your milk. Reply STOP to opt out.')} characters" in shown
    exported = pd.read_csv(export_copy(table, state))
    assert list(exported["sms"]) == ["Enjoy 15% off your milk. Reply STOP to opt out.", "牛奶享八五折。回复TD退订"]
    assert list(exported["source"]) == ["llm", "template"]


def test_make_it_shorter_keeps_the_sms_opt_out():
    from assistant.chat.agent import _shorten
    long = ("Picked for you: White Milk and Large Eggs. Enjoy 15% off your favourites. Tap to fill your basket. "
            "Reply STOP to opt out.")
    copy = CopyVariants(segment="s", channel="sms", language="en", variants=[CampaignCopy(channel="sms", sms=long)])
    short = _shorten(copy).variants[0].sms
    assert len(short) < len(long) and short.endswith("Reply STOP to opt out.") and short.count("STOP") == 1


def test_make_it_shorter_drops_whole_sentences_and_keeps_the_offer():
    from assistant.chat.agent import _shorten
    from assistant.core.gates import GateContext, channel_format, offer_stated_correctly
    body = ("We picked White Milk, Strawberries and Cucumbers with you in mind. Enjoy 15% off your favourites. "
            "Fill your basket in a few clicks.")
    email = CampaignCopy(channel="email", subject="White Milk and Strawberries, picked for you",
                         preheader="15% off on the things you buy most.", body=body, cta="See your picks")
    zh = CampaignCopy(channel="email", language="zh", subject="为你精选：牛奶和莓果", preheader="常买好物八五折。",
                      body="我们为你挑选了牛奶、莓果和新鲜果蔬。现在购买享八五折优惠。动动手指，就能把购物车装满。", cta="查看精选")
    short_en, short_zh = (_shorten(CopyVariants(segment="s", channel="email", language=v.language, variants=[v]))
                          .variants[0] for v in (email, zh))
    assert short_en.body == "We picked White Milk, Strawberries and Cucumbers with you in mind. Enjoy 15% off your favourites."
    assert short_zh.body == "我们为你挑选了牛奶、莓果和新鲜果蔬。现在购买享八五折优惠。"
    assert (short_en.subject, short_en.preheader, short_en.cta) == (email.subject, email.preheader, email.cta)
    for v in (short_en, short_zh):
        ctx = GateContext(language=v.language, field="body", offer_kind="percent_off", offer_value=15)
        assert channel_format(v.body, ctx) is None and offer_stated_correctly(v.body, ctx) is None
        assert "…" not in v.body
    once = CopyVariants(segment="s", channel="email", language="en", variants=[short_en])
    assert _shorten(once) == once  # two sentences are already short: every variant would become the offer line


def test_the_template_copy_note_is_shown_in_the_users_language():
    from assistant.chat.agent import _copy_note
    from campaigns.copywriting import TEMPLATE_COPY_NOTE
    assert _copy_note(TEMPLATE_COPY_NOTE, "en") == TEMPLATE_COPY_NOTE
    zh = _copy_note(TEMPLATE_COPY_NOTE, "zh")
    assert "模板文案" in zh and "MKT_COPY_LLM=on" in zh and "packaged" not in zh


def test_uplift_targeting_notes_follow_the_reader_language():
    from assistant.api.results import UpliftTargeting
    one = pd.DataFrame({"segment": [-1], "customers": [1], "mean_uplift": [0.1], "share_positive": [1.0]})
    targeting = UpliftTargeting(
        campaign="campaign 1", outcome="visited", by_segment=one, qini=0.1, holdout_users=10,
        ranking=pd.DataFrame({"user_id": ["a"], "segment": [-1], "uplift": [0.1], "target": [True]}),
        notes=("segment the customers to see the uplift per segment",), notes_zh=("先为客户分群，才能看到各客群的提升",))
    assert "先为客户分群" in targeting.to_markdown("zh") and "segment the customers" not in targeting.to_markdown("zh")
    assert "segment the customers to see the uplift" in targeting.to_markdown()
