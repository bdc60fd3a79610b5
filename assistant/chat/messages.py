"""Every sentence the chat says, in English and Chinese: replies are entirely in the user's language.

`say(key, language, **values)` formats one template. Keeping the wording here (not inside the handlers) makes it
easy to check that no Chinese reply falls back to English framing: tests compare the two tables' keys.
"""
from __future__ import annotations

from campaigns.copywriting import TEMPLATE_COPY_NOTE  # the English note is the one copywriting attaches

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "ask_segment": "Which segment do you mean? Give its number (e.g. 'segment 2'), a description such as "
                       "'high-value' or 'lapsing', or its persona name.",
        "ask_user_id": "Which customer? Give their id, e.g. 'household 1029'.",
        "ask_product": "Which product? Give its id or a few words of its name.",
        "ask_campaign_id": "Which campaign? Give its number, e.g. 'campaign 18'.",
        "unknown": "Sorry, I did not get that. I can segment customers, describe or compare segments, answer data "
                   "questions (customers, orders, AOV, top categories, trends), recommend products, plan campaigns, "
                   "write copy, evaluate a campaign and advise on the next one. Type 'help' for examples.",
        "injection": "I only act on requests about your marketing data; I did not follow instructions in that "
                     "message and nothing was changed.",
        "no_previous": "There is no earlier request to continue — what would you like to do?",
        "not_applicable": "That does not apply to the last request, so nothing was changed — what would you like to do?",
        "confirm_segment": "Do you want me to re-segment your customers into {n}? Your current {current} segments "
                           "will be replaced (you can say 'undo' afterwards to get them back). Reply 'yes' to go "
                           "ahead or 'no' to keep them.",
        "confirm_segment_first": "Do you want me to segment your customers into {n}? Reply 'yes' to go ahead or "
                                 "'no' to cancel.",
        "confirm_undo": "Do you want me to restore your previous segments? The current ones will be replaced. "
                        "Reply 'yes' or 'no'.",
        "n_auto": "an automatically chosen number of groups",
        "n_groups": "{n} groups",
        "cancelled": "OK — nothing was changed.",
        "nothing_pending": "There is nothing waiting for confirmation.",
        "restored": "Restored your previous segments ({n} segments).",
        "nothing_to_restore": "There are no earlier segments to restore.",
        "context": "_Understood from our conversation: {what}._",
        "ctx_segment": "segment {value}", "ctx_user_id": "customer {value}", "ctx_campaign_id": "campaign {value}",
        "ctx_channel": "channel {value}", "ctx_offer": "offer {value}", "ctx_offer_pct": "{value}% off",
        "ctx_metrics": "the same question", "ctx_language": "language {value}", "ctx_length": "{value} copy",
        "ctx_period": "per {value}", "ctx_segments": "segments {value}", "ctx_top_k": "top {value}",
        "ctx_bought": "bought {value}", "ctx_within_days": "last {value} days", "ctx_not_within_days": "not in the last {value} days",
        "ctx_n_segments": "{value} segments", "ctx_algorithm": "{value}", "ctx_format": "{value}",
        "ctx_product": "product {value}", "ctx_product_is_id": "",
        "matched": "_'{phrase}' → segment {segment} ({name}): {reason}._",
        "ambiguous": "'{phrase}' fits several segments equally well: {options}. Which one do you mean?",
        "no_match": "No segment matches '{phrase}'. The segments are: {options}.",
        "no_segment_n": "There is no segment {n}; the segments are {options}.",
        "segmenting_first": "_No segments yet — segmenting the customers first (automatic number of segments)…_",
        "segmenting": "_Segmenting {users} customers into {n}…_",
        "segments_found": "_Segments found; writing personas with the language model…_",
        "segmented": "I split the customers into **{n} segments** ({metrics}).",
        "persona_note": "_Persona wording is written by the language model from segment aggregates when it passes the "
                        "checks, else by rules (each persona says which); all numbers are computed._",
        "segment_line": "- **Segment {s} — {name}**: {tagline} ({size} customers, {share}; mean spend {spend}"
                        "{stands_out})",
        "stands_out": "; buys more than others: {names}",
        "size": "Size: {size} customers ({share})",
        "mean_spend": "Mean spend", "mean_baskets": "Mean baskets", "recency": "Days since last purchase (mean)",
        "aov": "Average order value",
        "top_cats": "Top categories by spend", "apart": "What sets them apart",
        "persona_facts": "Price sensitivity: {price}; channels: {channels}", "best_times": "; best times: {times}",
        "offers": "Suggested offers: {offers}",
        "all_segments": "**All {n} segments**",
        "top_for": "**Top {k} for {target}**",
        "target_customer": "customer {id}", "target_segment": "segment {s} ({name})",
        "unknown_customer": "Customer '{id}' is not in the data ({n} customers loaded). Check the id.",
        "unknown_campaign": "Campaign '{id}' is not in the data. Known campaigns: {known}.",
        "writing_copy": "_Writing copy…_",
        "offer_chosen": "_No offer was named: the campaign plan chose **{offer}** for this segment (from its price "
                        "sensitivity and past coupon redemption). Name another to change it, e.g. '10% off' or "
                        "'free shipping'._",
        "copy_header": "**{channel} copy for segment {s} — {segment} ({lang_name})**",
        "variant": "**Variant {i}**",
        "shortened": "_Shortened the last copy (same wording: whole sentences dropped, the offer kept; no new claims)._",
        "already_short": "_The last copy is already as short as it gets without cutting a sentence or the offer._",
        "some_already_short": "_Unchanged, as short as they get without cutting the products or the offer: "
                              "{variants}._",
        "no_copy": "There is no copy yet to change — ask me to write one first (e.g. 'write an SMS for segment 1 with "
                   "10% off').",
        "copy_all_note": "_One set of variants per segment._",
        "plan_header": "**Campaign plan for segment {s} ({name})**",
        "answer": "**{label} — {scope}: {value}**",
        "answer_table": "**{label} — {scope}**",
        "definition": "_Definition: {definition}._",
        "no_metric": "Which number would you like? I can count customers and orders, and compute revenue, average "
                     "order value, spend per customer, purchase frequency, top categories or products, trends per "
                     "week or month, a segment's share of revenue and customer value to date.",
        "compare_header": "**Segments compared** (means per customer; share of revenue)",
        "compare_need_two": "Name at least two segments to compare, e.g. 'compare segment 0 and 1'.",
        "compare_diff": "Largest differences: {diffs}.",
        "versus": "{a} vs {b}", "lift_value": "lift {value}",
        "template_kept": "Template kept: the language model was unavailable, too slow or its answer failed a check.",
        "template_default": TEMPLATE_COPY_NOTE,
        "attempt_failed": "A language-model draft failed a check and was retried.",
        "next_header": "**Next campaign: advice from campaign {campaign}**",
        "next_none": "Campaign {campaign} gives no decisive advice; test again with more customers.",
        "next_no_campaign": "There is no campaign in the data to learn from; run one (with a control group) and "
                            "upload its exposures and outcomes.",
        "next_segments": "By the numbers, the segments with the most to gain are: {rows}.",
        "next_segment_row": "segment {s} ({name}: {reason})",
        "audience": "**{count} customers** ({share} of {total}) {definition}.",
        "audience_ids": "_For privacy I show counts per segment, never a list of customer ids._",
        "no_ids": "For privacy I never list customer ids in bulk. I can count customers, describe a segment, or "
                  "recommend products for one customer you name.",
        "error": "⚠️ {message}",
        "llm_error": "⚠️ The language model could not answer: {message}",
        "report_ready": "The persona report is ready: {path} (download it below or from the Reports tab).",
        "writing_report": "_Writing the persona report…_",
        "data_header": "**Data: {name}**",
        "cleaning": "**Cleaning report**",
        "help": "Things you can ask me:",
        "smalltalk": "Happy to help! Ask me about your customers, segments, products or campaigns.",
        "ask_query": "What should I search for? Give a few words, e.g. 'organic milk'.",
        "writing_personas": "_Writing a persona per segment with the language model (numbers come from the segment "
                            "profiles)…_",
        "persona_head": "**Segment {s} — {name}**: _{tagline}_",
        "persona_motivations": "Motivations: {value}",
        "persona_source": "_Wording: {source}_",
        "search_header": "**Products whose text is closest to '{query}'** (semantic search in the product "
                         "collection)",
        "search_none": "No product's text is close to '{query}' (best similarity {best}; a close match scores "
                       "{floor} or more), so the catalogue probably does not carry it. Try other words.",
        "search_english_catalogue": " The product names are in English and the text model reads English: search "
                                    "with English words (e.g. 'milk').",
        "sample_default_lift": "_No lift was named: sized for a 10% relative lift (say e.g. 'to detect a 5% lift' "
                               "or '2 percentage points')._",
        "sample_fallback": "_Campaign {campaign} gives no usable baseline rate ({reason}); the data's purchase "
                           "rate is used instead._",
        "uplift_unavailable": "_Who to target cannot be learnt from campaign {campaign}: {reason}._",
        "predicted_segments": "By the predictive model ({model}, next {h} days from {as_of}): highest predicted "
                              "value per customer — segment {best} ({best_name}: {best_value}); highest churn risk — "
                              "segment {risk} ({risk_name}: {risk_value} chance of no order).",
        "predicted_value": "**Predicted {h}-day value per customer — {scope}: {value}**",
        "predicted_value_table": "**Predicted {h}-day value per customer — {scope}**",
        "predicted_by": "_Predicted with {model} from the order history up to {as_of}: expected spend over the "
                        "next {h} days (expected orders × expected order value), customers with at least one "
                        "order. For value to date, ask for the historical value._",
        "no_prediction": "_No predictive model for this data ({reason}); showing the value to date instead._",
        "predicted_fact": "Predicted next {h} days ({model}): value per customer {value}; churn risk {risk}",
        "scope_everyone": "everyone", "scope_segment": "segment {s} ({name})", "scope_all": "per segment",
        "confirm_save": "A workspace was already saved here on {when} UTC. Saving now replaces it with the current "
                        "data and models. Reply 'yes' to overwrite it or 'no' to keep the earlier save.",
        "confirm_load": "Reopen the workspace saved on {when} UTC? The data, segments and models in this chat will "
                        "be replaced by the saved ones (anything not saved is lost). Reply 'yes' or 'no'.",
        "saved_what": "the data '{name}' ({customers} customers, {state})",
        "saved_segments": "{n} segments", "saved_unsegmented": "not segmented yet",
        "saved": "Saved {what} to the workspace `{path}` on {when} UTC. Say 'reopen the saved workspace' to come "
                 "back to it.",
        "reopened": "Reopened the workspace saved on {when} UTC: {what}.",
        "nothing_saved": "Nothing has been saved in this workspace yet — say 'save my workspace' first.",
    },
    "zh": {
        "ask_segment": "请问是哪个客群？请给出编号（如“第2组”）、描述（如“高价值”“流失风险”）或客群名称。",
        "ask_user_id": "请问是哪位客户？请给出客户编号，例如“客户 1029”。",
        "ask_product": "请问是哪个商品？请给出商品编号或名称中的几个词。",
        "ask_campaign_id": "请问是哪次活动？请给出活动编号，例如“活动18”。",
        "unknown": "抱歉，我没有理解。我可以：客户分群、介绍或比较客群、回答数据问题（客户数、订单数、客单价、热销品类、趋势）、"
                   "推荐商品、制定活动方案、撰写文案、评估活动效果并给出下次活动建议。输入“帮助”查看示例。",
        "injection": "我只处理与营销数据有关的请求；这条消息中的指令没有被执行，也没有做任何更改。",
        "no_previous": "没有可以接着做的上一个请求——请问您想做什么？",
        "not_applicable": "这条指令不适用于上一个请求，所以没有做任何更改——请问您想做什么？",
        "confirm_segment": "要把客户重新分成{n}吗？当前的 {current} 个客群将被替换（之后可以说“撤销”恢复）。回复“确认”继续，或“取消”保留当前客群。",
        "confirm_segment_first": "要把客户分成{n}吗？回复“确认”继续，或“取消”。",
        "confirm_undo": "要恢复之前的客群吗？当前的客群将被替换。请回复“确认”或“取消”。",
        "n_auto": "自动选择的组数",
        "n_groups": " {n} 组",
        "cancelled": "好的，没有做任何更改。",
        "nothing_pending": "目前没有等待确认的操作。",
        "restored": "已恢复之前的客群（{n} 个客群）。",
        "nothing_to_restore": "没有可以恢复的旧客群。",
        "context": "_根据上下文理解为：{what}。_",
        "ctx_segment": "客群 {value}", "ctx_user_id": "客户 {value}", "ctx_campaign_id": "活动 {value}",
        "ctx_channel": "渠道 {value}", "ctx_offer": "优惠 {value}", "ctx_offer_pct": "{value}% 折扣",
        "ctx_metrics": "同一个问题", "ctx_language": "语言 {value}", "ctx_length": "文案{value}",
        "ctx_period": "按{value}", "ctx_segments": "客群 {value}", "ctx_top_k": "前 {value}",
        "ctx_bought": "购买了 {value}", "ctx_within_days": "最近 {value} 天", "ctx_not_within_days": "最近 {value} 天未购买",
        "ctx_n_segments": "{value} 个客群", "ctx_algorithm": "{value}", "ctx_format": "{value}",
        "ctx_product": "商品 {value}", "ctx_product_is_id": "",
        "matched": "_“{phrase}” → 第{segment}组（{name}）：{reason}。_",
        "ambiguous": "“{phrase}”同样符合多个客群：{options}。请问是哪一个？",
        "no_match": "没有与“{phrase}”匹配的客群。现有客群：{options}。",
        "no_segment_n": "没有第{n}组；现有客群：{options}。",
        "segmenting_first": "_还没有客群——先自动为客户分群…_",
        "segmenting": "_正在把 {users} 位客户分成{n}…_",
        "segments_found": "_已完成分群，正在用语言模型撰写客群画像…_",
        "segmented": "已将客户分成 **{n} 个客群**（{metrics}）。",
        "persona_note": "_客群画像文字由语言模型根据客群汇总数据撰写，未通过检查时改用规则生成的文字（每个画像都注明来源）；所有数字均为计算结果。_",
        "segment_line": "- **第{s}组 — {name}**：{tagline}（{size} 位客户，占 {share}；平均消费 {spend}{stands_out}）",
        "stands_out": "；比其他客群买得更多：{names}",
        "size": "规模：{size} 位客户（占 {share}）",
        "mean_spend": "平均消费", "mean_baskets": "平均购物次数", "recency": "距上次购买天数（平均）",
        "aov": "客单价",
        "top_cats": "消费最多的品类", "apart": "与众不同之处",
        "persona_facts": "价格敏感度：{price}；渠道：{channels}", "best_times": "；最佳时间：{times}",
        "offers": "建议优惠：{offers}",
        "all_segments": "**全部 {n} 个客群**",
        "top_for": "**为{target}推荐的前 {k} 个商品**",
        "target_customer": "客户 {id}", "target_segment": "第{s}组（{name}）",
        "unknown_customer": "数据中没有客户“{id}”（已加载 {n} 位客户）。请检查编号。",
        "unknown_campaign": "数据中没有活动“{id}”。已有活动：{known}。",
        "writing_copy": "_正在撰写文案…_",
        "offer_chosen": "_您没有指定优惠：活动方案为该客群选择了 **{offer}**（依据其价格敏感度和过往优惠券核销率）。如需更改，请直接说出优惠，例如“九折”或“包邮”。_",
        "copy_header": "**第{s}组（{segment}）的{channel}文案（{lang_name}）**",
        "variant": "**方案 {i}**",
        "shortened": "_已缩短上一版文案（措辞不变：删去整句，保留优惠；没有新增任何内容）。_",
        "already_short": "_上一版文案已经很短，再删就会删掉整句或优惠。_",
        "some_already_short": "_{variants} 保持不变：再删就会删掉商品或优惠。_",
        "no_copy": "还没有可以修改的文案——请先让我写一版（例如“给第1组写一条短信，打九折”）。",
        "copy_all_note": "_每个客群一组文案。_",
        "plan_header": "**第{s}组（{name}）的活动方案**",
        "answer": "**{label}（{scope}）：{value}**",
        "answer_table": "**{label}（{scope}）**",
        "definition": "_口径：{definition}。_",
        "no_metric": "请问您想看哪个数字？我可以统计客户数和订单数，计算销售额、客单价、人均消费、购买频次、热销品类或商品、按周或按月的趋势、客群的收入占比以及客户累计价值。",
        "compare_header": "**客群对比**（每位客户的平均值；收入占比）",
        "compare_need_two": "请至少指定两个客群进行比较，例如“比较第0组和第1组”。",
        "compare_diff": "差异最大的指标：{diffs}。",
        "versus": "{a} 对比 {b}", "lift_value": "提升 {value}",
        "template_kept": "已使用模板文案：语言模型不可用、太慢，或其回答未通过检查。",
        "template_default": "模板文案：内置的小模型写不出可直接发送的文案；可设置 MKT_COPY_LLM=on 试用，或配置更强的模型（OPENAI_BASE_URL 或 MKT_LOCAL_MODEL）。",
        "attempt_failed": "语言模型的一版草稿未通过检查，已重新生成。",
        "next_header": "**下次活动：基于活动 {campaign} 的建议**",
        "next_none": "活动 {campaign} 没有给出明确结论；建议用更多客户再测试一次。",
        "next_no_campaign": "数据中没有可以借鉴的活动；请先做一次带对照组的活动，并上传曝光和结果数据。",
        "next_segments": "从数据看，最值得争取的客群是：{rows}。",
        "next_segment_row": "第{s}组（{name}：{reason}）",
        "audience": "**{count} 位客户**（占全部 {total} 位的 {share}）{definition}。",
        "audience_ids": "_出于隐私保护，我只显示各客群的人数，不列出客户编号。_",
        "no_ids": "出于隐私保护，我不会批量列出客户编号。我可以统计客户数量、介绍客群，或为您指定的某一位客户推荐商品。",
        "error": "⚠️ {message}",
        "llm_error": "⚠️ 语言模型无法回答：{message}",
        "report_ready": "客群画像报告已生成：{path}（可在下方或“Reports”标签页下载）。",
        "writing_report": "_正在生成客群画像报告…_",
        "data_header": "**数据：{name}**",
        "cleaning": "**数据清洗报告**",
        "help": "您可以这样问我：",
        "smalltalk": "很高兴为您服务！有关客户、客群、商品或活动的问题都可以问我。",
        "ask_query": "请问要搜索什么？请给出几个词，例如“有机牛奶”。",
        "writing_personas": "_正在用语言模型为每个客群撰写画像（数字来自客群统计）…_",
        "persona_head": "**第{s}组 — {name}**：_{tagline}_",
        "persona_motivations": "购买动机：{value}",
        "persona_source": "_文字来源：{source}_",
        "search_header": "**文字与“{query}”最接近的商品**（在商品向量库中做语义搜索）",
        "search_none": "没有文字与“{query}”接近的商品（最高相似度 {best}，接近的商品至少 {floor}），目录里可能没有。"
                       "可以换个说法再搜。",
        "search_english_catalogue": "商品名是英文的，文本模型读的是英文：请用英文词搜索（例如 milk 表示牛奶）。",
        "sample_default_lift": "_没有指定要检测的提升：按相对提升 10% 计算（可以说“检测 5% 的提升”或“2 个百分点”）。_",
        "sample_fallback": "_活动 {campaign} 没有可用的基线转化率；改用数据中的购买率作为基线。_",
        "uplift_unavailable": "_无法从活动 {campaign} 学习该针对哪些客户（需要一次带随机对照组、并有结果数据的活动）。_",
        "predicted_segments": "根据预测模型（{model}，自 {as_of} 起未来 {h} 天）：预测人均价值最高的是第{best}组（{best_name}：{best_value}）；"
                              "流失风险最高的是第{risk}组（{risk_name}：不下单的概率为 {risk_value}）。",
        "predicted_value": "**预测未来 {h} 天的人均价值（{scope}）：{value}**",
        "predicted_value_table": "**预测未来 {h} 天的人均价值（{scope}）**",
        "predicted_by": "_由 {model} 根据截至 {as_of} 的订单历史预测：未来 {h} 天的预期消费（预期订单数 × 预期客单价），"
                        "只含至少下过一单的客户。如需历史累计价值，请询问历史价值。_",
        "no_prediction": "_这份数据无法使用预测模型（需要带日期的订单历史）；改为显示累计价值。_",
        "predicted_fact": "预测未来 {h} 天（{model}）：人均价值 {value}；流失风险 {risk}",
        "scope_everyone": "全体客户", "scope_segment": "第{s}组（{name}）", "scope_all": "各客群",
        "confirm_save": "这个工作区已在 {when}（UTC）保存过。现在保存会用当前的数据和模型替换它。回复“确认”覆盖，或“取消”保留之前的存档。",
        "confirm_load": "要重新打开 {when}（UTC）保存的工作区吗？本次对话中的数据、客群和模型将被存档替换（未保存的内容会丢失）。请回复“确认”或“取消”。",
        "saved_what": "数据“{name}”（{customers} 位客户，{state}）",
        "saved_segments": "{n} 个客群", "saved_unsegmented": "尚未分群",
        "saved": "已将{what}保存到工作区 `{path}`（{when} UTC）。之后可以说“打开保存的工作区”恢复。",
        "reopened": "已重新打开 {when}（UTC）保存的工作区：{what}。",
        "nothing_saved": "这个工作区还没有保存过——请先说“保存工作区”。",
    },
}
HELP_EXAMPLES = {
    "en": ("split my customers into 5 groups", "who is segment 2?", "which segment is most likely to churn?",
           "how many customers do we have and what's the average order value?", "compare segment 0 and 1",
           "what should I recommend to household 1029?", "write a WeChat campaign for the young families segment "
           "with 15% off", "how did campaign 18 do?", "who should the next campaign target?"),
    "zh": ("把客户分成5组", "介绍一下第2组", "哪个品类卖得最好？", "高价值客户贡献了多少比例的收入", "比较一下第1组和第2组",
           "给客户1029推荐几个商品", "给高价值客户写一条促销短信", "活动18效果如何", "下次活动应该针对哪些人？"),
}
CHANNEL_NAMES = {"zh": {"email": "邮件", "sms": "短信", "push": "推送", "wechat": "微信"}}
PRICE_WORDS = {"zh": {"low": "低", "medium": "中等", "high": "高"}}
# Copy fields as a marketer reads them; language / channel / variant are in the header already.
COPY_FIELDS = {"en": {"subject": "subject", "preheader": "preheader", "body": "body", "cta": "call to action",
                      "sms": "SMS", "push_title": "title", "push_body": "text", "angle": "angle", "source": "written by"},
               "zh": {"subject": "主题", "preheader": "预览文字", "body": "正文", "cta": "按钮文字", "sms": "短信",
                      "push_title": "标题", "push_body": "正文", "angle": "角度", "source": "撰写方式"}}
COPY_SOURCES = {"en": {"template": "template", "llm": "language model"}, "zh": {"template": "模板", "llm": "语言模型"}}
# Customer features (segmentation.features) as Chinese labels; `share_<department>` and `<column>=<value>` keep the
# department / value from the data.
LANGUAGE_NAMES = {"en": {"en": "English", "zh": "Chinese"}, "zh": {"en": "英文", "zh": "中文"}}
LENGTH_WORDS = {"en": {"shorter": "shorter", "longer": "longer"}, "zh": {"shorter": "更短", "longer": "更长"}}
PERIOD_NAMES = {"en": {"week": "week", "month": "month"}, "zh": {"week": "周", "month": "月"}}


COLUMN_NAMES = {"en": {
    "monetary_mean": "spend per customer", "frequency_mean": "baskets per customer", "aov_mean": "average order value",
    "recency_days_mean": "days since last purchase", "spend_share": "share of revenue", "size": "customers",
    "required_n_per_arm": "customers needed per arm", "expected_spend_mean": "predicted value per customer",
    "expected_orders_mean": "predicted orders per customer", "expected_spend_total": "predicted value (total)",
    "p_active_mean": "mean chance still active", "churn_risk_mean": "mean churn risk",
    "high_churn_share": "share at high churn risk", "clv_90d_mean": "predicted 90-day value per customer",
    "segment_value": "segment", "population_value": "all customers", "target_kind": "target type",
}, "zh": {
    "rank": "排名", "category": "品类", "promoted": "推广", "revenue": "销售额", "orders": "订单数", "customers": "客户数", "share": "占比",
    "title": "商品", "price": "价格", "reason": "推荐理由", "segment": "客群", "name": "名称", "size": "人数",
    "monetary_mean": "平均消费", "frequency_mean": "平均购物次数", "aov_mean": "客单价", "recency_days_mean": "距上次购买天数",
    "spend_share": "收入占比", "month": "月份", "week": "周", "spend": "人均消费", "aov": "客单价", "frequency": "人均订单数",
    "clv": "累计价值", "top": "前几名", "metric": "指标", "value": "数值", "scope": "范围", "action": "建议",
    "target_kind": "对象类型", "target": "对象", "confidence": "可信度", "evidence": "依据", "feature": "特征",
    "kind": "类型", "segment_value": "客群值", "population_value": "全体值", "z_score": "z 值", "lift": "提升倍数",
    "arm": "组别", "required_n_per_arm": "每组所需样本量", "n": "人数",
    "score": "相似度", "expected_spend_mean": "预测人均价值", "expected_orders_mean": "预测人均订单数",
    "expected_spend_total": "预测总价值", "p_active_mean": "平均活跃概率", "churn_risk_mean": "平均流失风险",
    "high_churn_share": "高流失风险占比", "persona": "画像", "tagline": "标语", "clv_90d_mean": "预测90天人均价值",
}}


def say(key: str, language: str, **values) -> str:
    """The message `key` in `language` ("en" / "zh"; anything else → English), formatted with `values`."""
    table = MESSAGES.get(language, MESSAGES["en"])
    return table.get(key, MESSAGES["en"][key]).format(**values)


def listing(items, language: str) -> str:
    """'a, b and c' / 'a、b 和 c'."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    if language == "zh":
        return "、".join(items[:-1]) + " 和 " + items[-1]
    return ", ".join(items[:-1]) + " and " + items[-1]
