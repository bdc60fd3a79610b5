"""Advice rules on hand-made evaluations; strategy rules on hand-built summaries, personas and products."""
from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from campaigns.advice import advice_frame, next_campaign_advice
from campaigns.charts import rates_chart, uplift_by_segment_chart
from campaigns.evaluation import evaluate_campaign
from campaigns.strategy import CampaignPlan, Offer, plan_campaign


def _data(spec: dict[tuple[str, str], tuple[int, int]]):
    """spec: (segment, arm) -> (n, conversions)."""
    exp, out, seg = [], [], {}
    for (segment, arm), (n, k) in spec.items():
        for i in range(n):
            uid = f"{segment}-{arm}-{i}"
            exp.append({"campaign_id": "c", "user_id": uid, "arm": arm})
            out.append({"campaign_id": "c", "user_id": uid, "visited": i < k, "converted": i < k,
                        "revenue": 5.0 * (i < k)})
            seg[uid] = segment
    return pd.DataFrame(exp), pd.DataFrame(out), pd.Series(seg, name="tier")


def test_advice_keep_winner_drop_loser_segment_and_test_more():
    exp, out, seg = _data({
        ("gold", "control"): (2000, 100), ("gold", "A"): (2000, 200), ("gold", "B"): (2000, 105),
        ("basic", "control"): (2000, 200), ("basic", "A"): (2000, 120), ("basic", "B"): (2000, 195),
    })
    ev = evaluate_campaign(exp, out, segments=seg)
    advice = next_campaign_advice(ev)
    by = {(a.action, a.target_kind, a.target, a.arm) for a in advice}
    assert ("target", "segment", "gold", "A") in by
    assert ("drop", "segment", "basic", "A") in by
    assert ("test_more", "arm", "B", "B") in by
    assert not any(a.action == "keep_variant" and a.target == "B" for a in advice)
    more = next(a for a in advice if a.action == "test_more" and a.target == "B")
    assert more.required_n_per_arm and more.required_n_per_arm > 4000
    assert f"{more.required_n_per_arm:,}" in more.evidence
    assert "p =" in more.evidence and "CI" in more.evidence
    assert set(advice_frame(advice)["action"]) >= {"target", "drop", "test_more"}
    shown = [m for m in ev.metrics if m in ev.arms]  # one bar group per evaluated metric (ratios included)
    assert [trace.offsetgroup for trace in rates_chart(ev).data] == shown and len(shown) >= 2
    assert len(uplift_by_segment_chart(ev).data) == 2


def test_advice_keep_variant_and_observational_confidence():
    exp, out, _ = _data({("all", "control"): (3000, 150), ("all", "A"): (3000, 300)})
    ev = evaluate_campaign(exp, out)
    keep = [a for a in next_campaign_advice(ev) if a.action == "keep_variant"]
    assert [a.target for a in keep] == ["A"] and keep[0].confidence == "high"
    obs = next_campaign_advice(evaluate_campaign(exp, out, observational=True))
    keep_obs = [a for a in obs if a.action == "keep_variant"][0]
    assert keep_obs.confidence == "medium" and "observational" in keep_obs.evidence


def test_advice_drop_arm_worse_than_control():
    exp, out, _ = _data({("all", "control"): (3000, 300), ("all", "A"): (3000, 150)})
    advice = next_campaign_advice(evaluate_campaign(exp, out))
    assert [(a.action, a.target) for a in advice] == [("drop", "A")]


PERSONA = {"name": "Bargain Families", "price_sensitivity": "high", "preferred_channels": ["SMS", "email"]}
FEATURED = pd.DataFrame({"item_id": ["1", "2", "3", "4"], "score": [0.2, 0.9, 0.5, 0.1],
                         "reason": ["r"] * 4, "title": ["Milk", "Bread", "Eggs", "Tea"],
                         "category": ["DAIRY"] * 4, "price": [1.0, 2.0, 3.0, 4.0]})


def test_plan_from_persona_and_activity():
    # purchases mostly on Saturdays at 11:00
    ts = pd.to_datetime(["2024-03-02 11:10", "2024-03-09 11:40", "2024-03-16 11:05", "2024-03-05 20:00"])
    activity = pd.DataFrame({"user_id": ["a", "b", "c", "d"], "timestamp": ts, "event_type": "purchase"})
    plan = plan_campaign(7, {"size": 1234}, PERSONA, FEATURED, activity=activity, past_redemption_rate=0.01)
    assert plan.product_titles() == ["Bread", "Eggs", "Milk"]
    assert plan.offer.type == "percent_off" and plan.offer.value == 25  # high sensitivity 20 + low redemption 5
    assert plan.channel == "sms" and plan.expected_reach == 1234
    assert (plan.send_day, plan.send_hour) == ("Saturday", 10)
    assert any("Saturday" in r for r in plan.rationale)


def test_configured_offer_and_channel_win_and_plan_is_editable():
    plan = plan_campaign("3", {"size": 10}, PERSONA, FEATURED, offer={"type": "percent_off", "value": 5},
                         channel="push")
    assert plan.offer.value == 5 and plan.channel == "push"
    plan.send_hour = 18
    assert plan.send_hour == 18
    with pytest.raises(ValidationError):
        plan.send_hour = 30
    with pytest.raises(ValidationError):
        Offer(type="percent_off", value=0)
    low = plan_campaign("3", {"size": 10, "redemption_rate": 0.2}, {"price_sensitivity": "low"}, None)
    assert low.offer.type == "none" and low.channel == "email" and isinstance(low, CampaignPlan)
