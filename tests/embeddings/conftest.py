"""Fixtures for the embeddings tests: a spy encoder (unit tests only), the real encoder, small canonical tables."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest


class SpyEncoder:
    """A deterministic fake `Encoder` that records every text it is asked to encode (unit tests only)."""

    def __init__(self, dim: int = 8, model_id: str = "spy-model"):
        self.dim, self.model_id = dim, model_id
        self.calls: list[list[str]] = []

    @property
    def encoded(self) -> list[str]:
        return [t for call in self.calls for t in call]

    def encode(self, texts):
        texts = list(texts)
        self.calls.append(texts)
        return np.stack([fake_vector(t, self.dim) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


def fake_vector(text: str, dim: int = 8) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "little")
    vec = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return vec / np.linalg.norm(vec)


@pytest.fixture()
def spy_encoder() -> SpyEncoder:
    return SpyEncoder()


@pytest.fixture(scope="session")
def real_encoder():
    """The real packaged all-MiniLM-L6-v2 (loaded once per test session)."""
    from embeddings.encoder import get_encoder
    return get_encoder()


@pytest.fixture()
def products() -> pd.DataFrame:
    rows = [
        ("1", "Organic whole milk", "Fresh organic milk, 1 gallon", "DAIRY > MILK", "Horizon", 5.49, True),
        ("2", "2% reduced fat milk", None, "DAIRY > MILK", "Private", 2.99, True),
        ("3", "Laundry detergent", "Concentrated liquid detergent", "HOUSEHOLD > LAUNDRY", "Tide", 11.99, True),
        ("4", "Chocolate chip cookies", None, "BAKERY > COOKIES", "Chips Ahoy", 3.49, False),
        ("5", "Bananas", None, "PRODUCE > FRUIT", None, 0.59, True),
        ("6", "Dog food dry kibble", "Chicken flavour", "PET > DOG", "Purina", 18.0, True),
        ("7", "Cheddar cheese block", None, "DAIRY > CHEESE", "Tillamook", 4.99, True),
        ("8", "Paper towels", None, "HOUSEHOLD > PAPER", "Bounty", 7.99, True),
    ]
    frame = pd.DataFrame(rows, columns=["item_id", "title", "description", "category", "brand", "price", "in_stock"])
    return frame
