"""Which segment a user meant: an id, or a phrase matched to the segment names."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from assistant.core.text import normalise


def resolve_segment(phrase: int | str | None, segment_names: Mapping[int, str], encoder: Any = None,
                    threshold: float = 0.45) -> int | None:
    """The segment id a user meant: a number is an id (if it exists); a phrase goes to the best-matching persona
    name by max(character-trigram cosine, embedding cosine), or None when nothing scores >= threshold.

    MiniLM is English-only, so a Chinese phrase matches Chinese persona names through the character n-grams.
    """
    if phrase is None or not segment_names:
        return None
    ids = [int(k) for k in segment_names]
    if isinstance(phrase, (int, np.integer)) or str(phrase).strip().isdigit():
        value = int(phrase)
        return value if value in ids else None
    query = normalise(str(phrase))
    names = [normalise(segment_names[k]) for k in segment_names]
    for seg_id, name in zip(ids, names):        # an exact or contained match wins outright
        if query == name or (len(query) >= 2 and (query in name or name in query)):
            return seg_id
    from sklearn.feature_extraction.text import TfidfVectorizer
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)).fit(names + [query])
    m = vectoriser.transform(names + [query])
    scores = (m[:-1] @ m[-1].T).toarray().ravel()
    if encoder is not None:
        vectors = np.asarray(encoder.encode(names + [query]), dtype=np.float32)
        scores = np.maximum(scores, vectors[:-1] @ vectors[-1])
    best = int(np.argmax(scores))
    return ids[best] if scores[best] >= threshold else None
