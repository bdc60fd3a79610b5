"""Names built from data get headline capitals that keep apostrophes and acronyms right (not `str.title()`)."""
from __future__ import annotations

import pytest

from assistant.core.text import title_case


@pytest.mark.parametrize("text, expected", [
    ("shopper's choice", "Shopper's Choice"),          # str.title(): "Shopper'S Choice"
    ("SHOPPER'S CHOICE", "Shopper's Choice"),          # an all-caps export is not kept shouting
    ("wine & soft drinks", "Wine & Soft Drinks"),
    ("UHT milk and BBQ sauce", "UHT Milk and BBQ Sauce"),  # str.title(): "Uht Milk And Bbq Sauce"
    ("fruit and vegetables", "Fruit and Vegetables"),
    ("frozen pizza/snacks", "Frozen Pizza/Snacks"),
])
def test_title_case_keeps_apostrophes_acronyms_and_small_words(text, expected):
    assert title_case(text) == expected


def test_template_persona_names_use_it():
    from segmentation.personas import _template_name
    levels = {"lapsed": False, "freq": "high", "spend": "mid"}
    assert _template_name(levels, "shopper's choice", zh=False) == "Loyal Shopper's Choice Shoppers"
    assert _template_name(levels, "fruit and vegetables", zh=False) == "Loyal Fruit and Vegetables Shoppers"
