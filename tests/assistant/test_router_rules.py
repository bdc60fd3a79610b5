"""The post-classifier rules, on readings made by hand (no classifier): a rule decides only below its confidence,
names itself on the route, and the gates (private writing, smuggled commands) hold whatever the reading."""
import pytest

from assistant.chat.router_rules import RULES, Reading, change_of, rule_for
from assistant.chat.slots import detect_language, normalise


def reading(text: str, intent: str, confidence: float, runner_up: str = "unknown") -> Reading:
    language = detect_language(text)
    alternatives = ((intent, confidence), (runner_up, round(1 - confidence, 4)), ("smalltalk", 0.0))
    return Reading(text=text, t=normalise(text), language=language, intent=intent, confidence=confidence,
                   alternatives=alternatives, change=change_of(text, language, intent, confidence))


@pytest.mark.parametrize("text,intent,confidence,runner_up,decided,rule", [
    ("what's their aov?", "describe_segment", 0.55, "data_question", "data_question", "metric_of_their_profile"),
    ("what's their aov?", "describe_segment", 0.95, "data_question", "describe_segment", None),   # a sure reading
    ("帮我写条中秋团购的push", "unknown", 0.6, "write_copy", "write_copy", "copy_verb_and_channel"),
    ("I wonder whether five segments might fit our members better", "describe_segment", 0.8, "segment", "segment",
     "count_put_forward"),
    ("上述两个人群中，后一个的情况如何", "describe_segment", 0.8, "segment", "describe_segment", None),   # no count put forward
    ("好的，确认", "smalltalk", 0.45, "confirm", "confirm", "half_read_yes"),
    ("ok thanks", "smalltalk", 0.45, "follow_up", "smalltalk", None),       # no confirm reading to choose
    # round 10
    ("roll back to the clusters we had last week please", "segment", 0.7, "undo", "undo", "put_back"),
    ("roll back to 4 clusters please", "segment", 0.7, "undo", "segment", None),     # a count: a new segmentation
    ("which items to spotlight for the dog owners", "data_question", 0.98, "recommend_segment", "recommend_segment",
     "products_to_feature"),
    ("which items to spotlight", "data_question", 0.98, "recommend_segment", "data_question", None),   # no group
    ("shoot a quick text to the lapsed members, 10% off", "plan_campaign", 0.55, "write_copy", "write_copy",
     "send_one_message"),
    ("any decent hotel near the office?", "search_products", 0.4, "unknown", "unknown", "off_topic_place"),
    ("写长一点", "write_copy", 0.45, "follow_up", "follow_up", "copy_edit"),
    ("给宝妈写长一点的短信", "write_copy", 0.45, "follow_up", "write_copy", None),       # a segment and a channel: new copy
    ("第4组的热门推荐商品", "recommend_user", 0.35, "recommend_segment", "recommend_segment", "group_not_customer"),
    ("第4组里一个老会员的推荐商品", "recommend_user", 0.35, "recommend_segment", "recommend_user", None),   # one of them
    # round 11
    ("push for seg 3 but in chinese, 5% off", "follow_up", 0.8, "write_copy", "write_copy", "channel_brief_not_edit"),
    ("and in chinese", "follow_up", 0.8, "write_copy", "follow_up", None),            # a change of the last copy
    ("宝妈这活动咋整 短信发", "follow_up", 0.7, "plan_campaign", "plan_campaign", "plan_for_a_named_group"),
    ("persona cards for all segs", "describe_segment", 0.7, "personas", "personas", "persona_cards"),
    ("照着活动12的结果 下回咋整", "evaluate_campaign", 0.7, "next_campaign", "next_campaign", "next_from_a_result"),
    ("活动12的结果咋样", "evaluate_campaign", 0.7, "next_campaign", "evaluate_campaign", None),   # nothing about next time
    # round 12
    ("麻烦出一版邮件文案给宝妈", "plan_campaign", 0.8, "write_copy", "write_copy", "copy_not_plan"),
    ("麻烦出一版邮件方案给宝妈", "plan_campaign", 0.8, "write_copy", "plan_campaign", None),      # a plan noun: a plan
    ("group 5, sms, 25% off", "follow_up", 0.9, "write_copy", "write_copy", "full_brief_not_edit"),
    ("same for group 5, sms, 25% off", "follow_up", 0.9, "write_copy", "follow_up", None),       # a word of change
    ("how are nasdaq futures doing", "data_question", 0.55, "unknown", "unknown", "off_topic_world"),
    ("please hold off for now", "segment", 0.4, "cancel", "cancel", "held_off"),
    ("hold off, split into 4 instead", "segment", 0.4, "cancel", "segment", None),          # a count: a new split
    ("第5组的客人 推荐点啥", "next_campaign", 0.4, "recommend_segment", "recommend_segment", "picks_for_a_group"),
    ("下次第5组的客人 推荐点啥", "next_campaign", 0.4, "recommend_segment", "next_campaign", None),   # next time
    ("上回那个满减活动 赚没赚", "plan_campaign", 0.7, "evaluate_campaign", "evaluate_campaign", "past_send_reviewed"),
    ("先存上", "smalltalk", 0.4, "save_workspace", "save_workspace", "workspace_in_other_words"),
    ("上周存的那个 打开", "unknown", 0.4, "load_workspace", "load_workspace", "workspace_in_other_words"),
    ("中 弄吧", "follow_up", 0.45, "confirm", "confirm", "half_read_yes"),
    ("中 弄成短信吧", "follow_up", 0.45, "confirm", "follow_up", None),         # a channel: a change
    # round 13
    ("organise a campaign for the new parents via push, 15% off", "write_copy", 0.8, "plan_campaign", "plan_campaign",
     "plan_first"),
    ("write a campaign email for the new parents, 15% off", "write_copy", 0.8, "plan_campaign", "write_copy", None),
    ("all the clusters side by side please", "segment", 0.75, "compare_segments", "compare_segments", "comparison"),
    ("all the clusters again please", "segment", 0.75, "compare_segments", "segment", None),      # no comparison word
    # round 14
    ("邮件没人看，渠道换短信", "write_copy", 0.55, "follow_up", "follow_up", "channel_switched"),
    ("渠道换短信，给宝妈写一条", "write_copy", 0.55, "follow_up", "write_copy", None),   # a copy verb and who
    ("给宝妈推哪些货？下个月要用", "plan_campaign", 0.6, "next_campaign", "recommend_segment", "who_next"),
    ("下个月先推哪个客群", "plan_campaign", 0.6, "next_campaign", "next_campaign", "who_next"),        # who, no group
    ("学生党最爱买哪几类", "recommend_segment", 0.4, "data_question", "data_question", "what_a_group_buys"),
    ("给学生党推荐哪几类", "recommend_segment", 0.4, "data_question", "recommend_segment", None),     # a picks verb
])
def test_a_rule_decides_below_its_confidence_and_names_itself(text, intent, confidence, runner_up, decided, rule):
    assert rule_for(reading(text, intent, confidence, runner_up)) == (decided, rule)


@pytest.mark.parametrize("text,intent,gate", [
    ("write a thank-you email to my landlord", "write_copy", "private"),
    ("translate the supplier contract into German", "write_copy", "private"),
    ("printenv; rm -rf / and then re-cluster", "segment", "shell_or_sql"),
])
def test_gates_hold_whatever_the_reading(text, intent, gate):
    assert rule_for(reading(text, intent, 0.99)) == ("unknown", gate)


def test_every_rule_says_why_with_an_example():
    assert all(rule.__doc__ and ('"' in rule.__doc__ or "“" in rule.__doc__) for rule in RULES)
    assert len({rule.__name__ for rule in RULES}) == len(RULES)
