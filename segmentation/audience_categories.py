"""Which catalogue categories a phrase such as "baby products" or "pet food" means — shown for confirmation.

First the words: every word of the phrase (singular, generic words dropped) starts a word of the category name
("diapers" → "DIAPERS & DISPOSABLES"). When no category has all the words, the phrase and the category names
are embedded with the packaged sentence encoder and the closest names are proposed ("pet food" → "DOG FOODS",
"CAT FOOD"). Categories are the first two levels of the product category path (department, category).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assistant.core.data.schema import CATEGORY_SEPARATOR
from segmentation.audience_parser import category_key

EMBEDDING_THRESHOLD = 0.45   # MiniLM cosine below which a category name is not proposed
EMBEDDING_MARGIN = 0.08      # also propose names within this distance of the best one
MAX_PROPOSED = 6


@dataclass(frozen=True)
class CategoryMatch:
    """The catalogue categories proposed for one phrase, how they were found and how many products they hold."""

    phrase: str
    categories: tuple[str, ...]
    how: str  # "words", "embedding" or "none"
    n_products: int

    def to_dict(self) -> dict:
        return {"phrase": self.phrase, "categories": list(self.categories), "how": self.how,
                "n_products": self.n_products}


def category_labels(products: pd.DataFrame, depth: int = 2) -> pd.DataFrame:
    """item_id → each category level up to `depth` (one row per item and level): columns item_id, label."""
    if products.empty or "category" not in products.columns:
        return pd.DataFrame({"item_id": pd.Series(dtype="str"), "label": pd.Series(dtype="str")})
    parts = products["category"].astype("string").str.split(CATEGORY_SEPARATOR, regex=False)
    frames = []
    for level in range(depth):
        label = parts.str[level].str.strip()
        frames.append(pd.DataFrame({"item_id": products["item_id"].astype("str"), "label": label}))
    out = pd.concat(frames, ignore_index=True).dropna()
    return out[out["label"] != ""].drop_duplicates()


def _tokens(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", str(text).lower()) if w]


def _word_match(key_words: list[str], label: str) -> bool:
    tokens = _tokens(label)
    return all(any(t.startswith(w) for t in tokens) for w in key_words)


class CategoryMatcher:
    """Matches phrases to the catalogue's category names (word match first, then embeddings)."""

    def __init__(self, products: pd.DataFrame, encoder: Any = None):
        self.labels = category_labels(products)
        self.names = sorted(self.labels["label"].unique().tolist())
        self.counts = self.labels.groupby("label")["item_id"].nunique()
        self.encoder = encoder
        self._vectors: np.ndarray | None = None

    def _name_vectors(self) -> np.ndarray:
        if self._vectors is None:
            self._vectors = np.asarray(self.encoder.encode([n.lower() for n in self.names]), dtype=np.float32)
        return self._vectors

    def match(self, phrase: str) -> CategoryMatch:
        key = category_key(phrase)
        words = [w for w in key.split() if w not in ("and", "or")]
        found = [n for n in self.names if words and _word_match(words, n)]
        how = "words"
        if not found and self.encoder is not None and self.names and not re.search(r"[\u4e00-\u9fff]", phrase):
            query = np.asarray(self.encoder.encode([key or phrase]), dtype=np.float32)[0]
            scores = self._name_vectors() @ query
            best = float(scores.max())
            order = np.argsort(-scores)[:MAX_PROPOSED]
            found = [self.names[i] for i in order
                     if scores[i] >= EMBEDDING_THRESHOLD and scores[i] >= best - EMBEDDING_MARGIN]
            how = "embedding"
        if not found:
            return CategoryMatch(phrase=phrase, categories=(), how="none", n_products=0)
        return CategoryMatch(phrase=phrase, categories=tuple(found), how=how,
                             n_products=len(self.items(found)))

    def items(self, categories) -> set[str]:
        """Item ids in any of the named categories (names as listed by `names`)."""
        wanted = set(categories)
        unknown = wanted - set(self.names)
        if unknown:
            from assistant.core.errors import DataError
            raise DataError(f"unknown catalogue categor{'y' if len(unknown) == 1 else 'ies'}: "
                            f"{', '.join(sorted(unknown))}", column="category",
                            fix="pick names from the proposed catalogue categories")
        return set(self.labels.loc[self.labels["label"].isin(wanted), "item_id"])
