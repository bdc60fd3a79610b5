"""Texts, vectors and the product vector store.

    product_texts / user_texts      canonical tables -> one text per product / per user   (embeddings.text)
    Encoder, get_encoder            the local sentence-transformer, loaded once           (embeddings.encoder)
    CachedEncoder, get_cached_encoder  dedupe + crash-safe sqlite cache of vectors         (embeddings.cache)
    ProductStore                    Chroma collection: sync, filtered search, vectors     (embeddings.store)

The store (chromadb) is imported only when first used, so `import embeddings` stays light.
"""
from __future__ import annotations

from typing import Any

from .cache import CachedEncoder, CacheStats, get_cached_encoder
from .encoder import Encoder, EncoderError, SentenceTransformerEncoder, get_encoder
from .text import product_texts, truncate_texts, user_texts

__all__ = ["CacheStats", "CachedEncoder", "Encoder", "EncoderError", "ProductStore", "SentenceTransformerEncoder",
           "SyncReport", "get_cached_encoder", "get_encoder", "product_texts", "truncate_texts", "user_texts"]


def __getattr__(name: str) -> Any:
    if name in {"ProductStore", "SyncReport"}:
        from . import store
        return getattr(store, name)
    raise AttributeError(f"module 'embeddings' has no attribute {name!r}")
