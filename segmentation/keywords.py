"""Segment keywords with class-based TF-IDF (c-TF-IDF, as in BERTopic).

Why c-TF-IDF and why hand-written: plain TF-IDF scores a word per *document*; we want the words that set a
whole *segment* apart. c-TF-IDF treats each segment as one big document: the term frequency within the segment
(L1-normalised so big segments do not win by size) times log(1 + A / f_t), where A is the average number of
words per segment and f_t the word's frequency over all segments. It is five lines on top of sklearn's
CountVectorizer, so depending on BERTopic (and its torch/UMAP stack) for it would be out of proportion.

Counts are summed per segment with a sparse indicator product instead of concatenating texts, which keeps
1M users linear in time and memory.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

# Words that appear in every behaviour text because of its layout ("categories: ...; bought: ...") or in every
# grocery catalogue; they carry no information about a segment.
LAYOUT_WORDS = ("bought", "viewed", "categories", "category", "brands", "brand", "items", "item", "times", "days",
                "day", "last", "purchase", "purchases", "spend", "price", "budget", "mid", "premium", "national",
                "private", "ago", "orders", "order", "basket", "baskets", "title", "misc", "miscellaneous",
                "oz", "lb", "ct", "pk", "data", "end", "activity", "recency", "seen", "first", "browsed",
                # the activity phrase of embeddings.text ("12 views or cart/favourite adds") names event kinds,
                # not behaviour: a log without favourites must not yield "favourite" as a keyword
                "views", "view", "cart", "carts", "favourite", "favourites", "favorite", "adds", "add", "before")


def make_vectorizer(min_df: int = 2) -> CountVectorizer:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    return CountVectorizer(lowercase=True, min_df=min_df, token_pattern=r"(?u)\b[^\W\d_]{3,}\b",
                           stop_words=sorted(set(ENGLISH_STOP_WORDS) | set(LAYOUT_WORDS)))


def class_counts(row_terms: sp.csr_matrix, row_class: np.ndarray, classes: list[int],
                 row_weight: np.ndarray | None = None) -> sp.csr_matrix:
    """Sum term counts of rows (users or purchase lines) into one row per class (segment)."""
    pos = {c: i for i, c in enumerate(classes)}
    rows = np.array([pos.get(c, -1) for c in row_class]) if len(row_class) else np.array([], dtype=int)
    keep = rows >= 0
    data = np.ones(int(keep.sum())) if row_weight is None else np.asarray(row_weight, dtype=float)[keep]
    indicator = sp.csr_matrix((data, (rows[keep], np.flatnonzero(keep))), shape=(len(classes), row_terms.shape[0]))
    return (indicator @ row_terms).tocsr()


def ctfidf(counts: sp.csr_matrix) -> np.ndarray:
    """c-TF-IDF weights (classes x terms) from summed class-term counts."""
    counts = sp.csr_matrix(counts, dtype=float)
    words_per_class = np.asarray(counts.sum(axis=1)).ravel()
    tf = sp.diags(1.0 / np.where(words_per_class == 0, 1, words_per_class)) @ counts
    term_freq = np.asarray(counts.sum(axis=0)).ravel()
    avg_words = words_per_class.mean() if words_per_class.size else 0.0
    idf = np.log1p(avg_words / np.where(term_freq == 0, 1, term_freq))
    return np.asarray((tf @ sp.diags(idf)).todense())


def top_terms(weights: np.ndarray, vocabulary: np.ndarray, classes: list[int], n: int = 10) -> pd.DataFrame:
    """Long table: segment, rank (1 = best), term, score; zero-score terms are left out."""
    rows = []
    for i, cls in enumerate(classes):
        order = np.argsort(-weights[i], kind="stable")[:n]
        for rank, j in enumerate(order, start=1):
            if weights[i, j] > 0:
                rows.append({"segment": int(cls), "rank": rank, "term": str(vocabulary[j]),
                             "score": float(weights[i, j])})
    return pd.DataFrame(rows, columns=["segment", "rank", "term", "score"])


def segment_keywords_from_texts(texts: pd.Series, labels: pd.Series, n: int = 10) -> pd.DataFrame:
    """Keywords per segment from one behaviour text per user (Series indexed by user_id)."""
    texts = texts.reindex(labels.index).fillna("").astype(str)
    classes = sorted(int(c) for c in labels.unique())
    vec = make_vectorizer(min_df=1 if len(texts) < 50 else 2)
    try:
        X = vec.fit_transform(texts.to_numpy())
    except ValueError:  # empty vocabulary: no usable words at all
        return top_terms(np.zeros((len(classes), 0)), np.array([]), classes, n)
    counts = class_counts(X, labels.to_numpy(), classes)
    return top_terms(ctfidf(counts), vec.get_feature_names_out(), classes, n)


def segment_keywords_from_purchases(lines: pd.DataFrame, item_texts: pd.Series, classes: list[int],
                                    n: int = 10) -> pd.DataFrame:
    """Keywords per segment from purchase lines (columns segment, item = position in `item_texts`, weight) and
    one text per item.

    Each item text is vectorised once, then weighted by how much the segment spent on it.
    """
    per_item = lines.groupby(["segment", "item"])["weight"].sum().reset_index()
    used = np.unique(per_item["item"].to_numpy())
    texts = item_texts.iloc[used].fillna("").astype(str)
    vec = make_vectorizer(min_df=1)
    try:
        P = vec.fit_transform(texts.to_numpy())
    except ValueError:
        return top_terms(np.zeros((len(classes), 0)), np.array([]), classes, n)
    row_of = np.searchsorted(used, per_item["item"].to_numpy())  # (segment, item) row -> the item's term row
    counts = class_counts(P[row_of], per_item["segment"].to_numpy(), classes, per_item["weight"].to_numpy())
    return top_terms(ctfidf(counts), vec.get_feature_names_out(), classes, n)
