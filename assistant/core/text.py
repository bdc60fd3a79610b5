"""Small text helpers shared by every layer (one home each)."""
from __future__ import annotations

import re
import unicodedata


def normalise(text: str) -> str:
    """NFKC (full-width digits/letters/％ → ASCII), lower case, single spaces."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"\s+", " ", text).strip()
