"""The marketing policy: what the product may promote, and the names and prices a consumer may see.

One home for three rules every customer-facing path applies (segment picks, recommendations shown as offers,
persona "suggested offers", campaign plans and copy):

1. Never promoted: fuel, tobacco, lottery, gift cards, deposits, carrier bags, coupons / misc lines, and
   whatever the operator adds (`MKT_POLICY_EXCLUDE`). Restricted: alcohol, promoted only where allowed
   (`MKT_POLICY_ALCOHOL`: off by default, `on`, or a list of channels; `MKT_POLICY_ALCOHOL_REGIONS`).
   Recognised from category and title text in English and Chinese (word patterns, not an exact category list,
   because every catalogue spells "BEERS/ALES" or "啤酒" its own way).
2. Consumer-facing product names: catalogue abbreviations expanded ("Refgratd Juices/Drnks" -> "Refrigerated
   Juices & Drinks"), readable case, no package size, no "Misc" lines; case packs (e.g. "40 LB") not offered.
3. Prices a person sees are real unit prices (a "price" of 0.0023 is a per-unit accounting artefact: hidden).

Why hand-written patterns: no maintained library classifies retail catalogue lines into regulated classes, and
the rules must be auditable by a marketer (`MarketingPolicy.classify` says which rule matched).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from dataclasses import dataclass, field

import pandas as pd

# ------------------------------------------------------------------------------------------- the classes
NEVER_PROMOTED: dict[str, str] = {
    "fuel": r"\bfuel\b|gasoline|\bdiesel\b|\bpropane\b|kerosene|unleaded|\bgas station\b|汽油|柴油|燃油|燃料|加油",
    "tobacco": r"tobacco|cigar|\bcig\b|\bsnuff\b|\bvape|e-cig|nicotine|smoking|烟草|香烟|卷烟|雪茄|电子烟|烟丝|尼古丁",
    "lottery": r"lotter|\blotto\b|scratch[- ]?off|powerball|彩票|刮刮乐",
    "gift_card": r"gift ?cards?|calling cards?|prepaid (?:card|wireless)|phone card|礼品卡|购物卡|充值卡|储值卡",
    "deposit": r"\bdeposit\b|\bcrv\b|押金",
    "bag": r"carry ?out bags?|shopping bags?|grocery bags?|bag fee|reusable bags?|购物袋|环保袋",
    "coupon": r"coupon|misc(?:ellaneous)? items|\bmisc sales|dollar value products|优惠券|代金券|折扣券",
}
RESTRICTED: dict[str, str] = {
    "alcohol": (r"\bbeers?\b|\bales?\b|\blager|\bmalt liquor|beeralemalt|\bwines?\b|liquor|\bspirits\b|vodka|"
                r"whisk(?:e)?y|bourbon|\brum\b|tequila|\bgin\b|brandy|cognac|champagne|prosecco|hard cider|"
                r"hard seltzer|啤酒|葡萄酒|红酒|白酒|烈酒|威士忌|伏特加|洋酒|黄酒|清酒|香槟|酒精饮料"),
}
CATEGORY_LABELS = {"fuel": "fuel", "tobacco": "tobacco", "lottery": "lottery", "gift_card": "gift cards",
                   "deposit": "deposits", "bag": "carrier bags", "coupon": "coupons / misc lines",
                   "alcohol": "alcohol", "case_pack": "case packs", "custom": "excluded by configuration",
                   "unnamed": "no name a shopper can read (markup, codes, 'Misc')"}
CATEGORY_LABELS_ZH = {"fuel": "燃油", "tobacco": "烟草", "lottery": "彩票", "gift_card": "礼品卡", "deposit": "押金",
                      "bag": "购物袋", "coupon": "优惠券/杂项", "alcohol": "酒类", "case_pack": "整箱装",
                      "custom": "配置排除的商品", "unnamed": "没有顾客能读懂的名称（标记、代码或“杂项”）"}
_COMPILED = {name: re.compile(pattern, re.I) for name, pattern in {**NEVER_PROMOTED, **RESTRICTED}.items()}
# one pass over a text for all classes (49k catalogue lines: one search each instead of eight)
_ANY = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in {**NEVER_PROMOTED, **RESTRICTED}.items()),
                  re.I)

# ------------------------------------------------------------------------------------------- names
# Catalogue abbreviations seen in retail exports (Complete Journey, Instacart aisles...) -> consumer words.
ABBREVIATIONS: dict[str, str] = {
    "refgratd": "refrigerated", "refrgratd": "refrigerated", "refrig": "refrigerated", "drnks": "drinks",
    "drnk": "drink", "frzn": "frozen", "jce": "juice", "conc": "concentrate", "bkd": "baked", "fd": "food",
    "mxs": "mixes", "mx": "mix", "mixs": "mixes", "pkgd": "packaged", "pkg": "packaged", "pk": "pack",
    "bn": "bean", "veg": "vegetable", "sald": "salad", "drsng": "dressing", "sndwch": "sandwich", "sprd": "spread",
    "crkr": "crackers", "cndy": "candy", "ckys": "cookies", "snks": "snacks", "pnt": "peanut", "btr": "butter",
    "trsh": "trash", "bg": "bags", "hbc": "health & beauty", "wtr": "water", "flvrd": "flavoured",
    "crystl": "crystal", "pwdr": "powder", "dnr": "dinner", "tiss": "tissue", "cleang": "cleaning",
    "sply": "supplies", "dsh": "dishes", "brkfst": "breakfast", "whlsm": "wholesome", "bkfst": "breakfast",
    "grnd": "ground", "ptty": "patty", "hygn": "hygiene", "fem": "feminine", "asst": "assorted",
    "assrtd": "assorted", "choc": "chocolate", "chococlate": "chocolate", "w": "with", "nt": "", "rw": "",
    "sw": "sweet", "pkld": "pickled", "crm": "cream", "chs": "cheese", "ss": "", "rte": "ready-to-eat",
    "nat": "natural", "org": "organic", "lf": "low-fat", "ff": "fat-free", "sf": "sugar-free",
    "suppplies": "supplies", "sweetners": "sweeteners", "sherbts": "sherbets", "disposible": "disposable",
    "memorablilia": "memorabilia", "sft": "soft", "btl": "bottle", "btls": "bottles", "carb": "carbonated",
    "incl": "", "crbntd": "carbonated", "bev": "beverage", "bevs": "beverages", "prem": "premium",
    "gds": "goods", "saus": "sausage", "drnking": "drinking", "mneral": "mineral", "wate": "water",
    "sngl": "single", "srv": "serve", "dnrs": "dinners", "whl": "whole", "iws": "", "fs": "", "prep": "prepared",
    "sel": "select", "trad": "traditional", "ckd": "cooked", "brst": "breast", "bnls": "boneless", "coco": "cocoa", "seaso": "seasoning", "cored": "cored", "kitchn": "kitchen",
    # department codes (shown when a marketer asks which categories sell best)
    "pckgd": "packaged", "gm": "general merchandise", "leisur": "leisure", "cntrl": "central", "sup": "supplies",
    "elect": "electrical",
}
HIDDEN_WORDS = {"misc", "miscellaneous", "other", "others", "all", "nt/f", "bulk&bag", "etc"}
# Catalogue lines name the noun first ("EGGS - LARGE", "GRAPES RED"); shoppers read "Large Eggs", "Red Grapes"
_MODIFIERS = {"red", "white", "green", "yellow", "black", "large", "medium", "small", "sweet", "gala", "russet",
              "grape", "whole", "mini", "fresh", "organic", "sliced", "shredded", "seedless", "packaged"}
# A grade or cut alone ("LEAN", "PRIMAL", "ENHANCED" under BEEF/PORK) does not say what the product is
_NOT_A_PRODUCT = {"lean", "primal", "enhanced", "premium", "regular", "select", "choice", "value", "standard",
                  "premium meat"}
_SMALL = {"and", "or", "with", "of", "for", "in", "on", "at", "by", "the", "a", "to", "&", "de", "du", "la"}   # "Eau de Parfum"
_SIZE = re.compile(r",?\s*\d+(?:\.\d+)?\s*(?:oz|fz|floz|fl oz|lb|lbs|ct|cnt|pk|pack|ea|gal|ga|qt|pt|l|ml|g|kg|"
                   r"dz|doz|ft|in|sq ft|cs|case)\b.*$", re.I)
_CASE_PACK = re.compile(r"(\d+(?:\.\d+)?)\s*(lb|lbs|kg|ct|cnt|pk|pack|cs|case)\b", re.I)
CASE_PACK_LIMITS = {"lb": 20, "lbs": 20, "kg": 10, "ct": 48, "cnt": 48, "pk": 24, "pack": 24, "cs": 1, "case": 1}
MIN_UNIT_PRICE, MAX_UNIT_PRICE = 0.10, 5_000.0
_SAFE_NAME = re.compile(r"[^<>\[\]{}`\\]+")  # no markup, link or template syntax in a name


def category_name(category: object, level: int = -1) -> str:
    """One level of a category path as shoppers read it, through `consumer_name`, else in headline capitals:
    the last level by default ("GROCERY > SOFT DRINKS" -> "Soft Drinks"), the department with level=0
    ("MEAT-PCKGD > BACON" -> "Packaged Meat")."""
    from assistant.core.text import title_case
    levels = str(category).split(" > ")
    name = levels[level if -len(levels) <= level < len(levels) else -1]
    return consumer_name(name) or title_case(name)


@lru_cache(maxsize=200_000)
def consumer_name(title: object) -> str | None:
    """A name a shopper understands, or None when the line has no consumer meaning ("Misc", empty, codes).

    "REFGRATD JUICES/DRNKS, 64 OZ" -> "Refrigerated Juices & Drinks"; "Beeralemalt Liquors" -> "Beer, Ale & Malt
    Liquors"; "Fluid Milk White Only, 1 GA" -> "White Milk"; "EGGS - LARGE" -> "Large Eggs"; "LEAN" -> None.
    """
    if title is None or (isinstance(title, float) and pd.isna(title)):
        return None
    text = str(title).strip()
    if not text or text.lower() in {"nan", "none"}:
        return None
    if re.search(r"[\u4e00-\u9fff]", text):  # Chinese catalogue names are already readable
        name = re.sub(r"\s+", " ", _SIZE.sub("", text)).strip()
        return name if name and len(name) <= 30 and _SAFE_NAME.fullmatch(name) else None
    text = _SIZE.sub("", text)
    text = re.sub(r"beeralemalt", "beer, ale & malt", text, flags=re.I)
    text = re.sub(r"\s*[/:]\s*", " & ", text)
    text = re.sub(r"\(.*?\)|\(.*$", " ", text)
    text = re.sub(r"\s*-\s*", " ", text)
    words = []
    for raw in re.split(r"\s+", text):
        word = raw.strip(" ,.;-")
        low = word.lower()
        if low in HIDDEN_WORDS and words and words[-1] == "&":
            words.pop()     # "COUPON/MISC ITEMS" is "Coupon Items", not "Coupon & Items"; "FROZEN/MISC PIZZA" likewise
            continue
        if not low or low in HIDDEN_WORDS or (low != "&" and re.fullmatch(r"[\d.,/&%#*+]+", low)):
            continue
        low = ABBREVIATIONS.get(low, low)
        if not low:
            continue
        if re.fullmatch(r"[a-z]{1,2}", low) and low not in _SMALL and low not in {"ox", "tv"}:
            continue  # an unexplained two-letter code: hide it rather than show "Vs"
        words.append(low)
    merged: list[str] = []
    for w in " ".join(words).split():
        if merged and (merged[-1] == w or (w == "&" and merged[-1] == "&")):
            continue
        merged.append(w)
    while merged and merged[-1] in _SMALL:
        merged.pop()
    while merged and merged[0] in _SMALL - {"a"}:
        merged.pop(0)
    if merged[:2] == ["fluid", "milk"]:
        merged.pop(0)
    if len(merged) > 1 and merged[-1] == "only":
        merged.pop()
    if len(merged) == 2 and merged[1] in _MODIFIERS and merged[0] not in _MODIFIERS:
        merged.reverse()
    if not merged or " ".join(merged) in _NOT_A_PRODUCT:
        return None
    name = " ".join(w if (i and w in _SMALL) else w[:1].upper() + w[1:] for i, w in enumerate(merged))
    # a consumer name is words: markup, link syntax or an essay in a title field is not shown to customers
    return name if 3 <= len(name) <= 60 and _SAFE_NAME.fullmatch(name) else None


def is_case_pack(*texts: object) -> bool:
    """True for bulk/case packs ("40 LB", "2 CS", "96 CT") that are not offered to consumers."""
    for text in texts:
        if text is None or (isinstance(text, float) and pd.isna(text)):
            continue
        for number, unit in _CASE_PACK.findall(str(text)):
            if float(number) >= CASE_PACK_LIMITS[unit.lower()]:
                return True
    return False


def display_price(price: object) -> float | None:
    """The price rounded for people, or None when it cannot be a real unit price (e.g. 0.0023)."""
    try:
        value = float(price)
    except (TypeError, ValueError):
        return None
    if not pd.notna(value) or not MIN_UNIT_PRICE <= value <= MAX_UNIT_PRICE:
        return None
    return round(value, 2)


# ------------------------------------------------------------------------------------------- the policy
def _csv(text: str | None) -> frozenset[str]:
    return frozenset(p.strip().lower() for p in str(text or "").split(",") if p.strip())


@dataclass(frozen=True)
class MarketingPolicy:
    """What may be promoted. `alcohol`: "off" (never), "on" (every channel) or a set of channels; `regions`:
    where alcohol may be promoted (empty = wherever `alcohol` allows it); `extra_excluded`: more patterns."""

    enabled: bool = True
    alcohol: str | frozenset[str] = "off"
    alcohol_regions: frozenset[str] = frozenset()
    extra_excluded: tuple[str, ...] = ()
    offer_case_packs: bool = False
    _extra: tuple[re.Pattern, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_extra", tuple(re.compile(re.escape(p), re.I) for p in self.extra_excluded if p))

    @classmethod
    def from_settings(cls, settings) -> "MarketingPolicy":
        """From `Settings` (MKT_POLICY=off disables it; MKT_POLICY_ALCOHOL=off|on|email,push;
        MKT_POLICY_ALCOHOL_REGIONS=us,de; MKT_POLICY_EXCLUDE=word,word)."""
        alcohol = str(getattr(settings, "policy_alcohol", "off") or "off").strip().lower()
        return cls(enabled=bool(getattr(settings, "policy_enabled", True)),
                   alcohol=alcohol if alcohol in ("on", "off") else _csv(alcohol),
                   alcohol_regions=_csv(getattr(settings, "policy_alcohol_regions", "")),
                   extra_excluded=tuple(_csv(getattr(settings, "policy_exclude", ""))))

    def classify(self, *texts: object) -> str | None:
        """The policy class of a product from its category / title texts: a NEVER_PROMOTED or RESTRICTED key,
        "custom" for an operator pattern, or None for ordinary goods."""
        text = " ".join(str(t) for t in texts if t is not None and not (isinstance(t, float) and pd.isna(t)))
        if not text.strip():
            return None
        m = _ANY.search(text)
        if m:
            return m.lastgroup
        if any(p.search(text) for p in self._extra):
            return "custom"
        return None

    def alcohol_allowed(self, channel: str | None = None, region: str | None = None) -> bool:
        if self.alcohol == "off":
            return False
        if isinstance(self.alcohol, frozenset) and (channel is None or channel.lower() not in self.alcohol):
            return False
        return not self.alcohol_regions or (region is not None and region.lower() in self.alcohol_regions)

    def allows(self, *texts: object, channel: str | None = None, region: str | None = None) -> bool:
        """May a product with these category/title texts be promoted (on this channel, in this region)?"""
        if not self.enabled:
            return True
        kind = self.classify(*texts)
        if kind is None:
            return True
        return kind in RESTRICTED and self.alcohol_allowed(channel, region)

    def blocked_terms(self, text: str, channel: str | None = None, region: str | None = None) -> list[str]:
        """Words in free text (copy, persona offers) that promote something the policy forbids here."""
        if not self.enabled:
            return []
        found = []
        for name, pattern in _COMPILED.items():
            if name in RESTRICTED and self.alcohol_allowed(channel, region):
                continue
            found += [m.group(0) for m in pattern.finditer(text)]
        found += [m.group(0) for p in self._extra for m in p.finditer(text)]
        return found

    def offerable(self, products: pd.DataFrame, channel: str | None = None, region: str | None = None) -> pd.Series:
        """Boolean mask over a products frame (title, category, optional package_size): True = may be offered
        to consumers (policy-allowed, has a consumer name, not a case pack)."""
        if products.empty:
            return pd.Series(dtype=bool, index=products.index)
        title = products["title"] if "title" in products else pd.Series("", index=products.index)
        category = products["category"] if "category" in products else pd.Series("", index=products.index)
        size = products["package_size"] if "package_size" in products else pd.Series("", index=products.index)
        return self.exclusion_reasons(products, channel, region).isna()

    def exclusion_reasons(self, products: pd.DataFrame, channel: str | None = None,
                          region: str | None = None) -> pd.Series:
        """Per product, why it may not be offered (None = it may): a policy class ("fuel", "alcohol", "custom"
        ...), "case_pack", or "unnamed" (no name a shopper can read: markup, codes, "Misc")."""
        if products.empty:
            return pd.Series(dtype=object, index=products.index)
        title = products["title"] if "title" in products else pd.Series("", index=products.index)
        category = products["category"] if "category" in products else pd.Series("", index=products.index)
        size = products["package_size"] if "package_size" in products else pd.Series("", index=products.index)
        keys = pd.DataFrame({"t": title.astype("string").fillna(""), "c": category.astype("string").fillna(""),
                             "s": size.astype("string").fillna("")})
        reason = {}
        for t, c, s in keys.drop_duplicates().itertuples(index=False):
            if not self.allows(c, t, channel=channel, region=region):
                reason[(t, c, s)] = self.classify(c, t)
            elif consumer_name(t) is None:
                reason[(t, c, s)] = "unnamed"
            elif not self.offer_case_packs and is_case_pack(t, s):
                reason[(t, c, s)] = "case_pack"
            else:
                reason[(t, c, s)] = None
        return pd.Series([reason[k] for k in keys.itertuples(index=False, name=None)], index=products.index,
                         dtype=object)

    def excluded_items(self, products: pd.DataFrame, channel: str | None = None,
                       region: str | None = None) -> frozenset[str]:
        """Item ids that must never be offered (the complement of `offerable`)."""
        if products.empty:
            return frozenset()
        mask = self.offerable(products, channel, region)
        return frozenset(products.loc[~mask, "item_id"].astype(str))

    def describe(self) -> str:
        """One line for the UI/README: what is never promoted and how alcohol is handled."""
        if not self.enabled:
            return "Marketing policy off: every product may be promoted."
        never = ", ".join(CATEGORY_LABELS[k] for k in NEVER_PROMOTED)
        alcohol = ("never" if self.alcohol == "off" else "on every channel" if self.alcohol == "on"
                   else "only on " + ", ".join(sorted(self.alcohol)))
        regions = f" in {', '.join(sorted(self.alcohol_regions))}" if self.alcohol_regions else ""
        return f"Never promoted: {never}; case packs not offered; alcohol: {alcohol}{regions}."


def offer_frame(items: pd.DataFrame, policy: MarketingPolicy, channel: str | None = None,
                region: str | None = None) -> pd.DataFrame:
    """Recommendations as a marketer sees offers: policy-checked, consumer names, duplicates merged (best score
    kept), unreal prices hidden. Keeps every other column; adds `catalogue_title` with the original."""
    if items.empty:
        return items.assign(catalogue_title=pd.Series(dtype=object)) if "title" in items else items
    out = items[policy.offerable(items, channel, region)].copy()
    out["catalogue_title"] = out["title"] if "title" in out else None
    if "title" in out:
        out["title"] = out["title"].map(consumer_name)
        out = out[out["title"].notna()]
        out = out.drop_duplicates("title", keep="first")
    if "price" in out:
        out["price"] = out["price"].map(display_price)
    return out.reset_index(drop=True)


def unique_names(titles: Iterable[object]) -> list[str]:
    """Consumer names of `titles`, cleaned, in order, without duplicates or unusable lines."""
    seen, out = set(), []
    for t in titles:
        name = consumer_name(t)
        if name and name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out


# ------------------------------------------------------------------------------------------- product families
# Consumer-level families for persona names, offers and Chinese copy: a catalogue line maps to the first family
# whose words it contains. Chinese copy names families or common items ("牛奶") instead of English catalogue text.
FAMILIES: tuple[tuple[str, str, str], ...] = (
    (r"diaper|baby|infant", "baby care", "母婴用品"),
    (r"\bdog|\bcat\b|\bcats\b|pet\b|bird seed", "pet supplies", "宠物用品"),
    (r"ice cream|frozen|pizza|sherbet|novelt", "frozen food", "冷冻食品"),
    (r"milk|cheese|yogurt|yoghurt|butter|\beggs?\b|dairy|margarine|sour cream|creamer", "dairy", "乳制品"),
    (r"fruit|vegetable|produce|salad|berr|apple|banana|potato|tomato|onion|citrus|grape|melon|pear|carrot|lettuce|"
     r"mushroom|pepper|corn\b|squash|broccoli|herb|organic", "fresh produce", "新鲜果蔬"),
    (r"beef|pork|chicken|meat|turkey|sausage|bacon|hot dog|ham\b|seafood|fish|shrimp|salmon|tuna|poultry|veal|lamb",
     "meat & seafood", "肉类海鲜"),
    (r"bread|bakery|bagel|\bbuns?\b|rolls?\b|cake|cookie|pastr|muffin|donut|pie\b|pies\b|sweet goods|dough",
     "bakery", "烘焙面包"),
    (r"chip|snack|candy|chocolate|cracker|popcorn|\bnuts?\b|pretzel|gum\b", "snacks", "休闲零食"),
    (r"soft drink|soda|juice|water|coffee|\btea\b|teas\b|drink|beverage|cocoa", "drinks", "饮品"),
    (r"shampoo|soap|cosmetic|makeup|hair|oral|tooth|deodorant|vitamin|health|beauty|pharmacy|analgesic|"
     r"cold and flu|skin|shaving|fragrance|hygiene", "health & beauty", "个护健康"),
    (r"detergent|cleaning|paper towel|tissue|trash|laundry|bleach|household|foil|napkin|dish|storage bags",
     "household essentials", "家居日用"),
    (r"cereal|pasta|noodle|rice|soup|sauce|baking|flour|spice|condiment|canned|bean|oil\b|sugar|syrup|peanut|"
     r"jam|jelly|dinner mix|breakfast", "pantry staples", "粮油干货"),
    (r"deli|prepared|sandwich|sushi|ready", "deli & ready meals", "熟食便餐"),
    (r"flower|floral|plant|bouquet|rose", "flowers & plants", "鲜花绿植"),
)
# What a product is called when neither a family nor a category names it: no shop kind assumed ("everyday
# groceries" read wrong on a camping shop's tents)
DEFAULT_FAMILY = ("our range", "店内好物")
# The families that make a basket a grocery basket, and what a grocery shop's other lines are called
FOOD_FAMILIES = frozenset({"frozen food", "dairy", "fresh produce", "meat & seafood", "bakery", "snacks", "drinks",
                           "pantry staples", "deli & ready meals"})
GROCERY_FAMILY = ("everyday groceries", "日常百货")
_FAMILIES = tuple((re.compile(p, re.I), en, zh) for p, en, zh in FAMILIES)
# Common items a Chinese shopper recognises by name (checked before the family word).
ZH_ITEMS: tuple[tuple[str, str], ...] = (
    (r"\bmilk\b", "牛奶"), (r"yogurt|yoghurt", "酸奶"), (r"cheese", "奶酪"), (r"\beggs?\b", "鸡蛋"),
    (r"butter", "黄油"), (r"banana", "香蕉"), (r"apple", "苹果"), (r"berr", "莓果"), (r"potato chip|chips", "薯片"),
    (r"potato", "土豆"), (r"tomato", "番茄"), (r"bread", "面包"), (r"bagel", "贝果"), (r"cookie", "饼干"),
    (r"cracker", "苏打饼干"), (r"candy|chocolate", "糖果巧克力"), (r"soft drink|soda", "汽水"), (r"juice", "果汁"),
    (r"water", "饮用水"), (r"coffee", "咖啡"), (r"\btea\b|teas\b", "茶"), (r"chicken", "鸡肉"), (r"beef", "牛肉"),
    (r"pork", "猪肉"), (r"bacon", "培根"), (r"sausage|hot dog", "香肠"), (r"turkey", "火鸡肉"), (r"fish|seafood", "海鲜"),
    (r"ice cream", "冰淇淋"), (r"pizza", "披萨"), (r"cereal", "麦片"), (r"pasta|noodle", "意面"), (r"rice", "大米"),
    (r"soup", "汤品"), (r"diaper", "纸尿裤"), (r"dog food", "狗粮"), (r"cat food", "猫粮"), (r"paper towel", "厨房纸巾"),
    (r"tissue", "纸巾"), (r"detergent|laundry", "洗衣用品"), (r"shampoo", "洗发水"), (r"soap", "香皂"),
    (r"vitamin", "维生素"), (r"salad", "沙拉"), (r"onion", "洋葱"), (r"grape", "葡萄"), (r"citrus|orange", "柑橘"),
    (r"popcorn", "爆米花"), (r"nuts?\b", "坚果"), (r"flower|bouquet|rose", "鲜花"),
)
_ZH_ITEMS = tuple((re.compile(p, re.I), zh) for p, zh in ZH_ITEMS)


def known_family(*texts: object) -> tuple[str, str] | None:
    """(english, chinese) consumer family of a product or category text, e.g. ("dairy", "乳制品"); None when the
    family table does not know it."""
    text = " ".join(str(t) for t in texts if t is not None and not (isinstance(t, float) and pd.isna(t)))
    for pattern, en, zh in _FAMILIES:
        if pattern.search(text):
            return en, zh
    return None


def product_family(*texts: object, category: object = None, grocery: bool = False) -> tuple[str, str]:
    """(english, chinese) consumer family of a product or category text, e.g. ("dairy", "乳制品"). One the table
    does not know is, in a grocery shop (`grocery`: see `is_grocery`), GROCERY_FAMILY; in any other shop it is
    named by the data's own category as shoppers read it (`category`, else the last text taken as a category: a
    camping shop's "帐篷", a cosmetics shop's "Lips"), the same word in both languages since no translation is
    known; with no category either, DEFAULT_FAMILY."""
    family = known_family(*texts, category)
    if family is not None:
        return family
    if grocery:
        return GROCERY_FAMILY
    for raw in ([category] if category is not None else []) + list(reversed(texts)):
        if raw is None or (isinstance(raw, float) and pd.isna(raw)) or not str(raw).strip():
            continue
        name = consumer_name(str(raw).split(" > ")[-1])
        if name:
            return (name if CJK_RE.search(name) else name.lower()), name
        break
    return DEFAULT_FAMILY


def is_grocery(shares: Iterable[tuple[object, float]]) -> bool:
    """Whether (category, spend share) rows are mostly food (FOOD_FAMILIES): a grocery shop, where a line the
    family table does not know is still "everyday groceries"."""
    rows = [(c, float(v or 0.0)) for c, v in shares]
    total = sum(v for _, v in rows)
    food = sum(v for c, v in rows if (known_family(c) or ("",))[0] in FOOD_FAMILIES)
    return total > 0 and food / total >= 0.5


def zh_product_name(name: str, category: object = None) -> str:
    """A Chinese name for a consumer product: a known item ("牛奶"), its family ("乳制品"), else its own name
    (no translation is known; a family word the product does not belong to would be wrong)."""
    if CJK_RE.search(str(name)):
        return str(name)
    for pattern, zh in _ZH_ITEMS:
        if pattern.search(str(name)):
            return zh
    family = known_family(name, category)
    return family[1] if family is not None else str(name)


CJK_RE = re.compile(r"[\u4e00-\u9fff]")
