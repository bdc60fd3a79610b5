"""Slot extraction edge cases (rules only: no model, fast)."""
from __future__ import annotations

import pytest

from assistant.chat.slots import (detect_language, extract_campaign_id, extract_n_segments, extract_offer,
                             extract_product, extract_segment, extract_slots, extract_user_id, missing_slots,
                             normalise, parse_number, zh_to_int)
from assistant.api.segment_lookup import resolve_segment


@pytest.mark.parametrize("token,value", [("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("二十五", 25),
                                         ("一百零五", 105), ("两", 2), ("一零二九", 1029), ("两万", 20000)])
def test_chinese_numerals(token, value):
    assert zh_to_int(token) == value


@pytest.mark.parametrize("token,value", [("5", 5), ("five", 5), ("twelve", 12), ("2nd", 2), ("third", 3),
                                         ("九", 9), ("sale", None)])
def test_parse_number(token, value):
    assert parse_number(token) == value


@pytest.mark.parametrize("text,segment", [
    ("segment two", 2), ("Segment 2", 2), ("group #3", 3), ("the 2nd cluster", 2), ("第3组", 3),
    ("第三个细分", 3), ("2号群", 2), ("分群5的画像", 5), ("segment 10", 10), ("第十二组", 12),
])
def test_segment_numbers(text, segment):
    assert extract_segment(normalise(text), detect_language(text)) == segment


@pytest.mark.parametrize("text,segment", [
    ("describe the young families segment", "young families"),
    ("who are the bargain hunters?", "bargain hunters"),
    ("write an email for the high value customers with 10% off", "high value customers"),
    ("给高价值客户写一条促销短信", "高价值客户"),
    ("年轻家庭这个群体是谁", "年轻家庭"),
    ("write an email for them", None),
    ("plan a campaign for next month", None),
    ("write copy for email", None),
])
def test_segment_phrases(text, segment):
    assert extract_segment(normalise(text), detect_language(text)) == segment


@pytest.mark.parametrize("text,pct,offer", [
    ("15% off", 15.0, "15% off"), ("with a 15 percent discount", 15.0, "15 percent discount"),
    ("save 20%", 20.0, "20%"), ("八折", 20.0, "八折"), ("打九折", 10.0, "打九折"), ("8折", 20.0, "8折"),
    ("八五折", 15.0, "八五折"), ("7.5折", 25.0, "7.5折"), ("优惠15%", 15.0, "优惠15%"), ("半价", 50.0, "半价"),
    ("free shipping", None, "free shipping"), ("包邮", None, "包邮"), ("满100减20", None, "满100减20"),
    ("$5 off", None, "$5 off"), ("no offer here", None, None), ("１５％ off", 15.0, "15% off"),
])
def test_offers(text, pct, offer):
    assert extract_offer(normalise(text)) == (pct, offer)


@pytest.mark.parametrize("text,user", [
    ("household #1029", "1029"), ("user 1029", "1029"), ("recommend to customer: 77", "77"), ("用户1029", "1029"),
    ("家庭 2375 推荐什么", "2375"), ("718号客户", "718"), ("client C-0042", "c-0042"), ("what about 5512?", "5512"),
    ("recommend something", None), ("top 5 for someone", None),
])
def test_user_ids(text, user):
    assert extract_user_id(normalise(text)) == user


@pytest.mark.parametrize("text,campaign", [
    ("campaign 18", "18"), ("campaign #18", "18"), ("活动18", "18"), ("18号活动", "18"), ("第十八期活动", "18"),
    ("how did promo 7 go", "7"), ("the last campaign", None),
])
def test_campaign_ids(text, campaign):
    assert extract_campaign_id(normalise(text)) == campaign


@pytest.mark.parametrize("text,n", [
    ("split my customers into 5 groups", 5), ("six clusters please", 6), ("k=4", 4), ("分成五组", 5),
    ("聚成8类", 8), ("分6个群", 6), ("segment the customers", None), ("into 1 group", None),
])
def test_n_segments(text, n):
    assert extract_n_segments(normalise(text)) == n


@pytest.mark.parametrize("text,product,is_id", [
    ("products similar to item 12345", "12345", True), ("alternatives to organic whole milk", "organic whole milk", False),
    ("what's comparable to almond milk?", "almond milk", False), ("和有机牛奶类似的商品", "有机牛奶", False),
    ("低脂酸奶的替代品", "低脂酸奶", False), ("商品8841的相似产品", "8841", True), ("similar stuff", None, False),
])
def test_products(text, product, is_id):
    assert extract_product(normalise(text)) == (product, is_id)


@pytest.mark.parametrize("text,lang", [("hello", "en"), ("给高价值客户写一条促销短信", "zh"), ("给segment 2写一条sms", "zh"),
                                       ("write an email for 高价值客户", "en"), ("1029", "en"), ("", "en"),
                                       # Chinese grammar around English nouns is Chinese; an English opening is not
                                       ("CTR按月拉个chart，thx", "zh"), ("OK的，没事，go", "zh"),
                                       ("write a push for 高价值的客户", "en"), ("gmm跑一下，k=4", "zh")])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_copy_language_follows_the_utterance_unless_said():
    assert extract_slots("write_copy", "write an sms for segment 1")["language"] == "en"
    assert extract_slots("write_copy", "给第一组写短信")["language"] == "zh"
    assert extract_slots("write_copy", "write an sms for segment 1 in Chinese")["language"] == "zh"
    assert extract_slots("write_copy", "给第一组写一条英文短信")["language"] == "en"


def test_every_slot_key_is_present_and_missing_lists_required():
    slots = extract_slots("recommend_user", "what should I recommend?")
    assert slots == {"user_id": None, "top_k": None}
    assert missing_slots("recommend_user", slots) == ("user_id",)
    assert missing_slots("write_copy", extract_slots("write_copy", "write an sms for segment 1")) == ()
    assert extract_slots("help", "help") == {}
    with pytest.raises(ValueError, match="unknown intent"):
        extract_slots("fly", "x")


def test_resolve_segment_by_number_and_by_name_without_encoder():
    names = {0: "Young Families", 1: "Bargain Hunters", 2: "High-Value Loyalists", 3: "高价值客户"}
    assert resolve_segment(2, names) == 2
    assert resolve_segment("1", names) == 1
    assert resolve_segment(7, names) is None
    assert resolve_segment("young families", names) == 0
    assert resolve_segment("bargain hunter", names) == 1
    assert resolve_segment("high value", names) == 2
    assert resolve_segment("高价值", names) == 3
    assert resolve_segment("astronauts", names) is None
    assert resolve_segment(None, names) is None


@pytest.mark.parametrize("text", ["每个月的销售趋势", "按周呢", "上个月的订单量", "客户总数是多少", "那购买频次呢"])
def test_time_words_and_totals_are_not_segment_names(text):
    assert extract_slots("data_question", text, "zh")["segment"] is None


def test_counts_and_helper_verbs_find_chinese_segment_names():
    assert extract_slots("data_question", "高价值客户有多少人", "zh")["segment"] == "高价值客户"
    assert extract_slots("write_copy", "帮高价值客户写个微信推文，打九折", "zh")["segment"] == "高价值客户"
    assert extract_slots("follow_up", "同样的看一下流失客户", "zh")["segment"] == "流失客户"


def test_slot_change_is_only_framing_words_and_slot_values():
    from assistant.chat.slots import slot_change
    assert slot_change("改用邮件发")["channel"] == "email"
    assert slot_change("同样的给流失客户") == {**slot_change("同样的给流失客户"), "segment": "流失客户", "cued": True}
    assert slot_change("use 15% off")["offer_pct"] == 15.0 and not slot_change("use 15% off")["cued"]
    assert slot_change("前10个")["top_k"] == 10
    assert slot_change("给第2组写一条微信文案，然后推荐商品") is None     # says more than a change
    assert slot_change("who is segment 2?") is None
    assert slot_change("hello") is None


def test_latin_channel_words_and_ids_inside_chinese():
    """汉字 count as word characters, so \\b finds no edge in "写一条push" or "是5120": the rules must not rely on it."""
    from assistant.chat.slots import extract_channel, extract_user_id
    assert extract_channel("给第2组写一条push，打九折") == "push"
    assert extract_channel("写个SMS给他们".lower()) == "sms"
    assert extract_channel("pushy sellers") is None
    assert extract_user_id("会员号是5120") == "5120"
    assert extract_user_id("编号是8123的那位") == "8123"


def test_helper_phrases_are_not_segment_names_or_counts():
    from assistant.chat.slots import extract_slots
    assert extract_slots("recommend_segment", "给这群人挑几款商品")["segment"] is None
    assert extract_slots("describe_segment", "说说宝妈客户是什么样的人")["segment"] == "宝妈客户"
    assert extract_slots("recommend_segment", "给学生党主推哪些东西")["segment"] == "学生党"
    assert extract_slots("recommend_user", "给一个顾客推荐东西")["top_k"] is None
    assert extract_slots("data_question", "上班族的回购频次如何")["segment"] == "上班族"
