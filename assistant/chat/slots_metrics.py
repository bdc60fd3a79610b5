"""The metrics a data question asks for ("how much did we bring in?" → revenue, "哪些品类最赚钱" → top categories).

Built from named vocabularies (money words, ranking words, category and product nouns, frequency words …) so a
new wording that uses any synonym of a table hits the same metric; the patterns only combine the tables. English
and Chinese live side by side in each table. Hand-written for the reason given in `assistant.chat.slots`.
"""
from __future__ import annotations

import re

METRICS = ("customers", "orders", "revenue", "aov", "spend", "frequency", "top_categories", "top_products", "trend",
           "revenue_share", "clv")

# ---------------------------------------------------------------------------------------------- vocabularies
# Money coming in (what "revenue" is called)
MONEY_NOUNS_EN = r"revenue|rev|sales|turnover|gmv|income|takings|earnings|proceeds|receipts"   # "rev share": chat shorthand
MONEY_NOUNS_ZH = r"销售额|销售总额|营收|营业额|总收入|收入|流水|进账|成交额|交易额|gmv|销售金额|营业收入"
# "how much have we made / brought in / earned": a verb of earning with the business as subject
MONEY_VERBS_EN = (r"earn(?:s|ed|ing)?|make|makes|made|making|bring(?:s|ing)? in|brought in|generat\w*|take(?:s|n)? in|"
                  r"took in|pull(?:s|ed)? in|rak\w+ in|ring(?:s)? up|rang up")
MONEY_VERBS_ZH = r"赚了?|挣了?|进账|卖了多少钱|入账|创收"
# Things ranked
CATEGORY_NOUNS = (r"\b(?:product\s+)?(?:categories|category|departments?|product lines?|product groups?|aisles?|"
                  r"product types?|categries|catagories)\b|\b(?:type|kind|sort)s? of (?:stuff|things|goods|products)\b|品类|类目|类别|大类|商品类型|商品分类|(?<!全)部门|哪(?:类|种)货|哪几类(?!人|客|用户|顾客|会员)")     # 全部门店: every store
PRODUCT_NOUNS = r"\b(?:products?|items?|skus?|goods|sellers?|articles?)\b|商品|产品|单品|货品|东西"
# "best-selling", "most popular", "畅销", "卖得最好", "销量前八": a ranking by sales or popularity
RANKING_EN = (r"best[- ]?sell\w*|fl(?:y|ies|ew|ying) off the shel(?:f|ves)|top[- ]?sell\w*|top\s*-?\s*(?:\d+|[a-z]+)?\s*(?:的\s*)?(?=(?:product|prods?\b|item|sku|seller|categor|"
              r"department|line|article))|(?:most|best)[- ](?:popular|purchased|bought|sold|ordered|loved|wanted|in-demand)|"
              r"(?:biggest|leading|strongest|largest|best|highest[- ]grossing|hottest|popular)\s+(?=(?:\d+\s+)?"
              r"(?:product|item|sku|seller|categor|department|line))|"
              r"(?:sell|sells|sold|selling|perform|performs|move|moves|buy|buys|bought|purchase|purchased|order|ordered)"
              r"\s+(?:the\s+)?(?:most|best)\b|"
              r"(?:products?|items?|skus?)\s+(?:\w+\s+){0,3}?(?:earn|make|bring|generate)\w*\s+(?:us\s+)?(?:in\s+)?(?:the\s+)?most|(?:sell|sold)\s+(?:the\s+)?(?:most|best)|"
              r"(?:which|what)\s+(?:\d+\s+)?(?=(?:product\s+)?(?:categor|department))")
RANKING_ZH = (r"卖[得的](?:好|多|火)(?!不)|top\s*\d*\s*的?\s*(?=单品|商品|产品|货|东西|品)|最常(?:买|购买|下单|购入)|卖爆|卖疯|卖得?(?:贼|特|超|巨|老)(?:好|多|火)|(?:买|购买|下单)(?:得)?最多|最?畅销|最?热销|最?热卖|爆款|爆品|卖[得的]?最(?:好|多|火)|销量(?:最高|最好|最大|最多|前|排名|排行|top|第一)|"
              r"最受欢迎|受欢迎|最热门|热门|人气最高|人气|排名前|排前|排行|最赚钱|赚钱最多|贡献最大|(?:营收|收入|销售额)最(?:高|多)|"
              r"哪(?:个|些|一)?(?:个)?(?=品类|类目|类别|大类)")
# How often people buy
FREQUENCY = (r"how (?:often|frequently|regularly)|\bfrequen\w*|\bfreq\b|\bcadence\b|\bregularity\b|repeat (?:purchase|buy|order|"
             r"rate|visit)\w*|come back|comes back|return to (?:buy|shop)|times (?:a|per) (?:week|month|year)|"
             r"(?:visits?|trips?|orders?|purchases?) per (?:customer|household|shopper|member|person|head)|"
             r"多久|隔多久|隔几天|多长时间.{0,4}一(?:次|回|趟)|几天.{0,4}一(?:次|回|趟)|频次|频率|复购|回购|回头(?!再)|购买次数|下单次数|来得勤")
# Counting people and orders
PEOPLE_EN = r"(?:customers|custs|households|shoppers|users|buyers|clients|members|people|ppl|persons|accounts|families)"
PEOPLE_ZH = r"(?:客户|顾客|用户|家庭|会员|买家|消费者|客人|customers?|users?|buyers?|members?)"   # "多少个customer": 中英混写
COUNT_ADJ = r"(?:distinct|unique|different|active|total|individual)"
ORDER_NOUNS_EN = r"(?:orders|baskets|transactions|purchases|trips|checkouts|sales transactions|boxes|parcels|shipments|bills)"

# ---------------------------------------------------------------------------------------------- patterns
# Order matters where phrases overlap: a matched span is blanked before the next metric is looked for, so
# "share of revenue" is not also "revenue" and "revenue by month" is a trend.
_SHARE_WORDS = r"(?:%|share|percent(?:age)?|proportion|fraction|portion|slice|part|piece|chunk|contribution|split|breakdown|mix|cut)"
_MONEY_EN = rf"(?:{MONEY_NOUNS_EN}|spend|money)"          # "what chunk of our money"
METRIC_PATTERNS: list[tuple[str, str]] = [
    ("revenue_share", rf"\b(?:{MONEY_NOUNS_EN})\s+(?:split|breakdown|share|mix|contribution)|{_SHARE_WORDS}\s+of\s+(?:the\s+|our\s+|my\s+|"
                      rf"total\s+|all\s+|overall\s+)*{_MONEY_EN}\b|how much of (?:the |our |my |total |overall |all )*(?:{MONEY_NOUNS_EN})\b|"
                      rf"contribut\w*\s+(?:to\s+)?(?:the\s+|our\s+|total\s+)*(?:{MONEY_NOUNS_EN})\b|"
                      rf"account(?:s|ed)? for\s+(?:what\s+|how much\s+)?(?:of\s+)?(?:the\s+|our\s+|total\s+)*(?:{MONEY_NOUNS_EN})\b|"
                      rf"(?:{MONEY_NOUNS_ZH})(?:的)?(?:占比|比例|份额|比重|贡献)|占了?(?:我们?|咱们?|店里)?(?:多少|几成|百分之几|多大比例)?(?:的)?(?:总|全部|整体)?(?:的)?(?:{MONEY_NOUNS_ZH})|"
                      rf"比例的(?:{MONEY_NOUNS_ZH})|贡献了?(?:多少|几成|百分之几|百分之多少)|百分之多少的(?:{MONEY_NOUNS_ZH})|贡献(?:度|占比|比例)|贡献的(?:{MONEY_NOUNS_ZH})|"
                      rf"(?:{MONEY_NOUNS_ZH})(?:的)?(?:在[^\s，。？?]{{1,6}}?)?(?:占|占了)(?:多少|几成|比|百分之)|"
                      rf"\b(?:{MONEY_NOUNS_EN})\b[^?.!;]{{0,40}}?[\s,]+(?:what|how much|how big a|which)\s+(?:\w+\s+)?{_SHARE_WORDS}|"
                      rf"how much of the (?:total|whole|pie)\b.{{0,30}}?\b(?:{MONEY_VERBS_EN}|account for|contribute)|"
                      rf"\bpercent[- ]?wise\b"),
    # a customer's worth over time is lifetime value, not a trend: looked for before "over time"
    # "lifetime" alone is all of the history ("top 10 SKUs by GMV, lifetime"), not a customer's value
    ("clv", r"lifetime (?:value|spend|worth|revenue)|(?<![a-z])(?:clv|ltv)(?![a-z])|customer value|"
            r"\b(?:customers?|shoppers?|households?|members?|buyers?|clients?|users?|people|they|each|ones?|\w+ers)\b"
            r".{0,25}?\bworth\b(?:.{0,30}?\bover (?:time|the long run|the years))?|"
            r"生命周期价值|生命周期.{0,10}?(?:价值|贡献)|终身价值|客户价值|(?:一辈子|这辈子|终身).{0,8}?(?:花|消费|买|贡献)|未来.{0,8}?(?:价值|贡献)|预[计测估]的?.{0,4}价值|"
            r"(?:predicted|future|expected)\s+(?:\d+[- ]?(?:day|week|month|year)s?\s+)?(?:customer\s+)?(?:value|spend)"),
    ("trend", r"trend|(?<!times )(?<!time )\b(?:by|per|each|every|in each|for each) (?:calendar )?(?:week|month)\b|"
              r"\b(?:week|month)[- ]?wise\b|from (?:one |each )?(?:week|month) to the next|\b(?:development|evolution|progression) of\b|"
              r"\bby the (?:week|month)\b|(?:weekly|monthly)(?!\s+(?:deck|report|meeting|review|update|sync|newsletter|slides?|"
              r"call|huddle|catch-?up|business review|mbr|wbr))|over time|(?:week|month)[- ](?:by|over|on|to)[- ](?:week|month)|\b(?:wow|mom)\b|"
              r"趋势|走势|变化|按月|按周|按(?:礼拜|星期)|每(?:个)?(?:礼拜|星期)|每月|每周|月度|周度|逐月|逐周|每个月|每一周|环比"),
    ("aov", r"(?<![a-z])aov(?![a-z])|average (?:order|basket|ticket|transaction|cart)(?: size| value| amount| total)?|"
            r"(?:value|size|amount|total|worth) of (?:an?|one|each|every|the average|the typical|a single|a typical|per) "
            r"(?:order|basket|purchase|transaction|checkout|cart)\b|"
            r"(?:order|basket|ticket|cart) (?:value|size)|(?:spend|spent|value|drop|drops|dropped|pay|pays|paid) per (?:order|basket|transaction|visit|trip)|"
            # "what does their cart usually come to", "what a basket adds up to at checkout"
            r"\b(?:cart|basket|order)s?\b.{0,25}?\b(?:come|comes|came|add|adds|added) (?:up )?to\b|"
            r"客单价|客单|笔单价|单均|每(?:张|个|笔)订单(?:平均|大概|大约)?(?:多少钱|金额|花多少)|一(?:单|笔)(?:平均|大概|大约)?(?:买|花|消费)?多少钱|一(?:单|笔)(?:平均|大概|大约)?(?:花多少|消费多少)|每一?(?:单|笔)\s*(?:平均|大概|大约)?(?:下来)?\s*多少钱|平均订单(?:金额|价值|价格)?|平均每(?:单|笔)(?:(?:大概|大约)?(?:花|消费|买)了?多少钱?)?|每(?:单|笔)(?:平均)?(?:多少钱|金额|消费)?(?=平均|多少|金额|消费)"),
    ("top_categories", rf"(?:{CATEGORY_NOUNS})"),
    ("top_products", rf"{RANKING_EN}|{RANKING_ZH}"),
    ("customers", rf"how many (?:{COUNT_ADJ} )?{PEOPLE_EN}|number of (?:{COUNT_ADJ} )?{PEOPLE_EN}|"
                  rf"(?:customer|cust|household|user|shopper|member|buyer) (?:count|base size|numbers)|"
                  rf"count (?:of )?(?:the )?{PEOPLE_EN}|(?:total )?{PEOPLE_EN},? how many\b|how many (?:of (?:them|those|these) )?(?:r|are) there|\bhead ?count\b|(?<!whole )(?<!full )(?<!entire )(?<!overall )\bpopulation\b|\bsize of\b|how (?:big|large) (?:is|are)\b|人数|规模|"
                  rf"how big is (?:our|the|my) (?:customer|user|member) base|"
                  rf"{PEOPLE_ZH}(?:总)?(?:数|量|规模)|{PEOPLE_ZH}(?:一共|总共|共|总)?有?多少(?:个|位|名|人)?|多少(?:个|位|名|户)?{PEOPLE_ZH}|多少(?:个|位|名)?人|多少户|有多少(?:个|位|名)(?=\s*(?:[？?。!！呢啊呀]|$))|几(?:个|位)?{PEOPLE_ZH}"),
    # "+ total orders", "plus the order count": a second metric joined by a symbol or "plus"
    ("orders", rf"(?<=[,:/]\s)orders\b|\borders(?=\s*[,/])|"             # "headline numbers pls: GMV, orders, AOV"
               rf"(?:how many |number of |count of (?:the )?|(?:\band|\bplus|\+|&)\s*(?:the )?(?:total )?(?:number of )?|\btotal )"
               rf"(?:{COUNT_ADJ} )?{ORDER_NOUNS_EN}\b|"
               r"(?:order|basket|transaction|purchase) (?:count|volume)|订单(?:总)?(?:笔)?(?:数|量)|多少(?:个|笔|张)?(?:订单|小票|单子)|小票(?:总)?(?:数|量)|多少笔|"
               r"多少单|(?:出|成交|下|卖)了?几(?:单|笔)|单量|成交(?:了)?(?:多少)?(?:笔|单)|交易笔数|交易次数|成交笔数"),
    ("frequency", FREQUENCY),
    ("spend", r"\bspend(?:s|ing)?\b|\bspent\b|how much (?:do|does|did) .{0,30}?(?:spend|pay)|(?:average|mean|typical) (?:customer |household |"
              r"shopper )?(?:value|spend)|spend per (?:head|customer|household|person|shopper|member)|per[- ](?:capita|head)|"
              r"\barpu\b|人均|平均消费|消费(?:金额|额|水平)|花多少|花了多少|每人(?:消费|花)|消费多少"),
    ("revenue", rf"\b(?:{MONEY_NOUNS_EN})\b|how much (?:money )?(?:do|did|have|has|does|will) (?:we|us|the (?:store|shop|"
                rf"business|company))\b.{{0,25}}?\b(?:{MONEY_VERBS_EN})\b|how much money|"
                rf"\b(?:what|how much) (?:did|do|have|has|does) (?:we|the (?:store|shop|business)) (?:sell|sold)\b|"
                rf"{MONEY_NOUNS_ZH}|(?:{MONEY_VERBS_ZH})(?:了)?多少|(?:总共|一共|合计|总计)(?:卖了|收了)?多少钱|多少钱.{{0,3}}(?:进账|入账)|(?:卖|卖出|售出)了?多少钱"),
]
METRIC_RES = [(name, re.compile(pattern)) for name, pattern in METRIC_PATTERNS]
# Beside a trend, the total asked for on its own ("按周看营业额 顺便把总共多少钱也报一下", "… and the total revenue too")
_TOTAL_REVENUE = re.compile(r"(?:顺便|另外|还有|也)\S{0,4}?(?:总共|一共|合计|总计)\S{0,3}?(?:多少钱|销售额|营业额|收入)|"
                            r"\b(?:and|plus|also)\s+(?:the\s+)?(?:overall\s+)?total\s+(?:revenue|sales)\b")
_PRODUCT_NOUN = re.compile(PRODUCT_NOUNS)
_CATEGORY_NOUN = re.compile(CATEGORY_NOUNS)


# How a figure is defined ("口径就是销售额除以订单笔数", "defined as revenue / orders"): the words of the definition
# are not asked for themselves
_DEFINITION = re.compile(r"口径(?:就)?(?:是|为|按)[^，,。；;？?]*|\b(?:defined as|calculated as|i\.e\.)[^,.;?]*")
# "哪几个品类贡献的销售额最高": the share ranks the categories, no share is asked
_RANKED_BY = re.compile(r"最高|最多|最大|最好|\bhighest\b|\bmost\b|\btop\b")


def extract_metrics(text: str) -> list[str] | None:
    """The metrics a data question asks for, in the order said ('how many customers and the AOV' →
    ['customers', 'aov']); None when no known metric is named."""
    text = _DEFINITION.sub(" ", text)
    original = text
    found: list[tuple[int, str]] = []
    for name, pattern in METRIC_RES:
        m = pattern.search(text)
        if m:
            found.append((m.start(), name))
            text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    names = [name for _, name in sorted(found)]
    if "top_categories" in names and "top_products" in names and not _PRODUCT_NOUN.search(_CATEGORY_NOUN.sub(" ", original)):
        names.remove("top_products")                        # "最畅销的3个品类": the ranking word ranks the categories
    if {"top_categories", "top_products", "trend", "revenue_share"} & set(names) and not (
            "trend" in names and _TOTAL_REVENUE.search(original)):
        names = [n for n in names if n != "revenue"]        # "revenue" only says what is ranked / shared
    if "revenue_share" in names:
        names = [n for n in names if n != "spend"]
        if {"top_categories", "top_products"} & set(names) and _RANKED_BY.search(original):
            names.remove("revenue_share")

    if "trend" in names:                                    # the trend table is revenue and orders per period
        names = [n for n in names if n != "orders"]
    return names or None


_PERIODS = (("week", re.compile(r"week(?!end)|weekly|\bwow\b|每周|按周|周度|逐周|一周|礼拜|星期")),
            ("month", re.compile(r"month|monthly|\bmom\b|每月|按月|月度|逐月|每个月")))      # MoM / WoW
# A period ruled out ("not weekly", "rather than weekly", "不要按周") is not the one asked for.
_NOT_PERIOD = re.compile(r"(?:\bnot|\bno longer|\brather than|\binstead of|不要|不是|别)\s*(?:by\s+)?(?:the\s+)?$")
# A correction cue between two periods: the later one is meant ("week by week? or, month by month actually").
_CORRECTION = re.compile(r"\bactually\b|\bi mean|\bi meant|\bsorry\b|\bmy mistake\b|\bapologies\b|不对|算了|还是|改成|换成")


def extract_period(text: str) -> str | None:
    """'week' or 'month': the period asked for. One ruled out doesn't count; of two, the one after a correction
    cue wins, else the week (the finer grain) as before."""
    said = sorted((m.start(), name) for name, pattern in _PERIODS for m in pattern.finditer(text)
                  if not _NOT_PERIOD.search(text[max(0, m.start() - 16):m.start()]))
    names = {name for _, name in said}
    if len(names) == 2:
        first, last = said[0], said[-1]
        if first[1] != last[1] and _CORRECTION.search(text, first[0]):
            return last[1]
        return "week"
    return names.pop() if names else None


__all__ = ["METRICS", "METRIC_PATTERNS", "METRIC_RES", "extract_metrics", "extract_period"]
