"""The product vector store: products' texts and vectors in a Chroma collection, searchable with filters.

Embedded Chroma in `<workspace>/chroma` by default; a Chroma server when MKT_CHROMA_HOST is set (or pass any
chromadb client). The collection carries our own registered embedding function so Chroma's default one (which
downloads an ONNX model) never runs, and so a reopened collection can still embed query texts.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from assistant.core.settings import Settings
from assistant.core.errors import DataError
from assistant.core.data.schema import CATEGORY_SEPARATOR

from .encoder import Encoder, default_model_path
from .text import product_texts

try:
    import chromadb
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function
except ImportError as exc:  # pragma: no cover - an installation problem
    raise ImportError("the vector store needs chromadb — pip install chromadb==1.5.9") from exc

DEFAULT_COLLECTION = "products"
EMBEDDING_FUNCTION_NAME = "mkt_sentence_transformer"

# HNSW settings for recall, measured with bench/search_bench.py on 100k catalogue vectors: Chroma's defaults
# (M=16, ef_construction=100, ef_search=100) gave recall@10 0.76; M=32/ef_construction=200 gave 0.93 whatever
# ef_search; M=32/ef_construction=400/ef_search=500 gave 0.98 at p50 6 ms on 2 busy cores. ef_search is fixed at
# creation here: collection.modify(ef_search) did not change an already loaded index in chromadb 1.5.9.
TUNED_HNSW: dict[str, Any] = {
    "space": "cosine",
    "max_neighbors": 32,
    "ef_construction": 400,
    "ef_search": 500,
}
DEFAULT_HNSW: dict[str, Any] = {"space": "cosine"}

# Candidates fetched per wanted hit before filtering in Python (see ProductStore.query_many).
POST_FILTER_OVERSAMPLE = 10

RESULT_COLUMNS = ("item_id", "score", "title", "category", "brand", "price", "in_stock", "text")


_COMPARE = {
    "$eq": lambda a, b: a == b, "$ne": lambda a, b: a != b,
    "$gt": lambda a, b: a is not None and a > b, "$gte": lambda a, b: a is not None and a >= b,
    "$lt": lambda a, b: a is not None and a < b, "$lte": lambda a, b: a is not None and a <= b,
    "$in": lambda a, b: a in b, "$nin": lambda a, b: a not in b,
}


def matches(meta: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """Evaluate a Chroma metadata `where` filter ($and/$or, $eq/$ne/$gt/$gte/$lt/$lte/$in/$nin) on one record.

    Hand-written (a few lines) because Chroma exposes no client-side evaluator; used for post-filtering.
    """
    for key, cond in where.items():
        if key == "$and":
            ok = all(matches(meta, c) for c in cond)
        elif key == "$or":
            ok = any(matches(meta, c) for c in cond)
        elif isinstance(cond, Mapping):
            unknown = set(cond) - set(_COMPARE)
            if unknown:
                raise NotImplementedError(f"operator {sorted(unknown)} is left to Chroma")
            ok = all(_COMPARE[op](meta.get(key), value) for op, value in cond.items())
        else:
            ok = meta.get(key) == cond
        if not ok:
            return False
    return True


@register_embedding_function
class EncoderEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's view of our `Encoder`. Its config names the model folder (None = the packaged default), so
    Chroma can rebuild it when a collection is reopened without an embedding function."""

    def __init__(self, encoder: Encoder | None = None, model_path: str | None = None):
        self._model_path = model_path
        self._encoder = encoder

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            from .encoder import get_encoder
            self._encoder = get_encoder(Settings(embedding_model=self._model_path))
        return self._encoder

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - Chroma's parameter name
        return list(self.encoder.encode(list(input)))

    @staticmethod
    def name() -> str:
        return EMBEDDING_FUNCTION_NAME

    def get_config(self) -> dict[str, Any]:
        return {"model_path": self._model_path}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "EncoderEmbeddingFunction":
        return EncoderEmbeddingFunction(model_path=config.get("model_path"))

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine", "ip", "l2"]

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        return None

    def validate_config_update(self, old_config: dict[str, Any], new_config: dict[str, Any]) -> None:
        return None


@dataclass(frozen=True)
class SyncReport:
    """What `ProductStore.sync_products` did, in products."""

    added: int
    changed: int
    metadata_only: int
    unchanged: int
    deleted: int

    @property
    def embedded(self) -> int:
        return self.added + self.changed


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _model_path_for_config(encoder: Encoder) -> str | None:
    """The model folder to record in the collection (None for the packaged default: portable across machines)."""
    inner = getattr(encoder, "encoder", encoder)
    path = getattr(inner, "model_path", None)
    if path is None:
        return None
    try:
        if Path(path).resolve() == default_model_path().resolve():
            return None
    except Exception:  # noqa: BLE001 - the default package may be absent when a custom model is used
        pass
    return str(path)


def make_client(settings: Settings | None = None, path: str | Path | None = None) -> Any:
    """A Chroma client: HttpClient when settings.chroma_host is set, else an embedded PersistentClient."""
    settings = settings or Settings.from_env()
    chroma_settings = chromadb.config.Settings(anonymized_telemetry=False)
    if settings.chroma_host and path is None:
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                       settings=chroma_settings)
        except Exception as exc:
            raise ConnectionError(f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
                                  f" ({exc}) — start it with `chroma run --path DIR --host {settings.chroma_host} "
                                  f"--port {settings.chroma_port}` or unset MKT_CHROMA_HOST to use the embedded "
                                  "store") from exc
    folder = Path(path) if path is not None else Path(settings.workspace) / "chroma"
    folder.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(folder), settings=chroma_settings)


class ProductStore:
    """Products in a Chroma collection: incremental sync, filtered similarity search, vector lookup.

    Metadata per product: title, category (top level), category_path, brand, price, in_stock, text_hash.
    The product text is the document; `text_hash` (sha1 of model id + text) is what makes sync incremental.
    """

    def __init__(self, settings: Settings | None = None, *, encoder: Encoder | None = None, client: Any = None,
                 collection_name: str = DEFAULT_COLLECTION, hnsw: Mapping[str, Any] | None = None,
                 path: str | Path | None = None):
        self.settings = settings or Settings.from_env()
        if encoder is None:
            from .cache import get_cached_encoder
            encoder = get_cached_encoder(self.settings)
        self.encoder = encoder
        self.client = client if client is not None else make_client(self.settings, path)
        self.collection_name = collection_name
        self.hnsw = dict(TUNED_HNSW if hnsw is None else hnsw)
        self._ef = EncoderEmbeddingFunction(encoder, model_path=_model_path_for_config(encoder))
        self.collection = self.client.get_or_create_collection(
            collection_name, configuration={"hnsw": self.hnsw, "embedding_function": self._ef},
            embedding_function=self._ef, metadata={"model_id": encoder.model_id})
        stored_model = (self.collection.metadata or {}).get("model_id")
        if stored_model and stored_model != encoder.model_id:
            raise DataError(f"vector collection '{collection_name}' was built with embedding model "
                            f"'{stored_model}', but the current model is '{encoder.model_id}'",
                            fix="use a different collection_name, or call ProductStore.reset() and sync again")

    # ---- writing -------------------------------------------------------------------------------------------
    def _metadata(self, products: pd.DataFrame, texts: pd.Series) -> list[dict[str, Any]]:
        frame = products.drop_duplicates("item_id", keep="last").set_index(
            products.drop_duplicates("item_id", keep="last")["item_id"].astype(str)).reindex(texts.index)

        def column(name: str) -> pd.Series:
            return frame[name] if name in frame else pd.Series(pd.NA, index=frame.index)

        path = column("category").astype("string").fillna("").str.strip()
        top = path.str.split(CATEGORY_SEPARATOR.strip(), regex=False).str[0].fillna("").str.strip()
        price = pd.to_numeric(column("price"), errors="coerce")
        in_stock = column("in_stock").astype("boolean").fillna(True)
        title = column("title").astype("string").fillna("")
        brand = column("brand").astype("string").fillna("")
        model = self.encoder.model_id
        out = []
        for i, item in enumerate(texts.index):
            meta: dict[str, Any] = {
                "title": str(title.iloc[i]), "category": str(top.iloc[i]), "category_path": str(path.iloc[i]),
                "brand": str(brand.iloc[i]), "in_stock": bool(in_stock.iloc[i]),
                "text_hash": _sha1(model + "\n" + texts.iloc[i]),
            }
            if pd.notna(price.iloc[i]):
                meta["price"] = float(price.iloc[i])
            out.append(meta)
        return out

    def _batches(self, n: int) -> range:
        return range(0, n, max(1, int(self.client.get_max_batch_size())))

    def upsert_products(self, products: pd.DataFrame, vectors: np.ndarray | None = None) -> int:
        """Write all given products (text, metadata and vector); returns how many. `vectors`, if given, must be
        aligned with the de-duplicated item_ids of `products` (first occurrence order)."""
        texts = product_texts(products)
        if vectors is None:
            vectors = self.encoder.encode(texts.tolist())
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape[0] != len(texts):
            raise DataError(f"got {vectors.shape[0]} vectors for {len(texts)} distinct products",
                            column="item_id", fix="pass one vector per distinct item_id, in table order")
        self._write(texts, vectors, self._metadata(products, texts))
        return len(texts)

    def _write(self, texts: pd.Series, vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        ids = texts.index.astype(str).tolist()
        docs = texts.tolist()
        for start in self._batches(len(ids)):
            stop = start + self.client.get_max_batch_size()
            self.collection.upsert(ids=ids[start:stop], embeddings=vectors[start:stop],
                                   documents=docs[start:stop], metadatas=metadatas[start:stop])

    def _stored_metadata(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        step = 5000
        for start in range(0, len(ids), step):
            got = self.collection.get(ids=ids[start:start + step], include=["metadatas"])
            found.update(zip(got["ids"], got["metadatas"]))
        return found

    def sync_products(self, products: pd.DataFrame, delete_missing: bool = False) -> SyncReport:
        """Bring the store up to date with `products`, embedding ONLY new items and items whose text changed.

        Items whose text is unchanged but whose metadata changed (price, stock) get a metadata update without
        re-embedding. With `delete_missing`, items absent from `products` are removed.
        """
        texts = product_texts(products)
        metadatas = self._metadata(products, texts)
        ids = texts.index.astype(str).tolist()
        stored = self._stored_metadata(ids)
        new_pos, changed_pos, meta_pos = [], [], []
        for pos, (item, meta) in enumerate(zip(ids, metadatas)):
            old = stored.get(item)
            if old is None:
                new_pos.append(pos)
            elif old.get("text_hash") != meta["text_hash"]:
                changed_pos.append(pos)
            elif any(old.get(key) != value for key, value in meta.items()) or set(old) - set(meta):
                meta_pos.append(pos)
        embed_pos = new_pos + changed_pos
        if embed_pos:
            sub = texts.iloc[embed_pos]
            self._write(sub, self.encoder.encode(sub.tolist()), [metadatas[p] for p in embed_pos])
        for start in range(0, len(meta_pos), 5000):
            chunk = meta_pos[start:start + 5000]
            self.collection.update(ids=[ids[p] for p in chunk], metadatas=[metadatas[p] for p in chunk])
        deleted = 0
        if delete_missing:
            keep = set(ids)
            all_ids = self.collection.get(include=[])["ids"]
            gone = [i for i in all_ids if i not in keep]
            for start in range(0, len(gone), 5000):
                self.collection.delete(ids=gone[start:start + 5000])
            deleted = len(gone)
        return SyncReport(added=len(new_pos), changed=len(changed_pos), metadata_only=len(meta_pos),
                          unchanged=len(ids) - len(embed_pos) - len(meta_pos), deleted=deleted)

    def reset(self) -> None:
        """Drop the collection and create it empty (e.g. after changing the embedding model)."""
        self.client.delete_collection(self.collection_name)
        self.collection = self.client.get_or_create_collection(
            self.collection_name, configuration={"hnsw": self.hnsw, "embedding_function": self._ef},
            embedding_function=self._ef, metadata={"model_id": self.encoder.model_id})

    # ---- reading -------------------------------------------------------------------------------------------
    @staticmethod
    def build_where(where: Mapping[str, Any] | None = None, *, category: str | Sequence[str] | None = None,
                    min_price: float | None = None, max_price: float | None = None,
                    in_stock: bool | None = None) -> dict[str, Any] | None:
        """A Chroma `where` filter from friendly arguments (combined with `where` using $and)."""
        clauses: list[dict[str, Any]] = [dict(where)] if where else []
        if category is not None:
            cats = [category] if isinstance(category, str) else list(category)
            clauses.append({"category": cats[0]} if len(cats) == 1 else {"category": {"$in": cats}})
        if min_price is not None:
            clauses.append({"price": {"$gte": float(min_price)}})
        if max_price is not None:
            clauses.append({"price": {"$lte": float(max_price)}})
        if in_stock is not None:
            clauses.append({"in_stock": bool(in_stock)})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def _query_vectors(self, query: str | Sequence[str] | np.ndarray) -> np.ndarray:
        if isinstance(query, str):
            return self.encoder.encode([query])
        if isinstance(query, (list, tuple)) and query and isinstance(query[0], str):
            return self.encoder.encode(list(query))
        vectors = np.asarray(query, dtype=np.float32)
        return vectors.reshape(1, -1) if vectors.ndim == 1 else vectors

    def query_many(self, queries: str | Sequence[str] | np.ndarray, k: int = 10,
                   where: Mapping[str, Any] | None = None, **filters: Any) -> pd.DataFrame:
        """Top-k products for each query (texts or vectors): columns `query` (0-based position) + RESULT_COLUMNS.
        score is the cosine similarity (1 - cosine distance). Filters as in `build_where`."""
        vectors = self._query_vectors(queries)
        if len(vectors) == 0:
            return pd.DataFrame(columns=["query", *RESULT_COLUMNS])
        condition = self.build_where(where, **filters)
        if condition is None:
            return self._search(vectors, k, None)
        # Chroma pre-filters through its metadata tables: at 100k products a filter matching half the catalogue
        # took ~1.4 s per query (bench/search_bench.py). So first search unfiltered with oversampling and filter
        # the candidates here; only queries left with fewer than k hits go through Chroma's own `where`.
        wide = self._search(vectors, k * POST_FILTER_OVERSAMPLE, None, keep_meta=True)
        try:
            mask = [matches(meta, condition) for meta in wide["_meta"]] if len(wide) else []
        except NotImplementedError:  # e.g. $contains: Chroma evaluates it
            return self._search(vectors, k, condition)
        hits = wide[np.asarray(mask, dtype=bool)] if len(wide) else wide
        hits = hits.groupby("query", sort=True).head(k).drop(columns="_meta")
        short = [q for q in range(len(vectors)) if (hits["query"] == q).sum() < k]
        if short:
            exact = self._search(vectors[short], k, condition)
            exact["query"] = np.asarray(short)[exact["query"].to_numpy(dtype=int)] if len(exact) else exact["query"]
            hits = pd.concat([hits[~hits["query"].isin(short)], exact], ignore_index=True)
        return hits.sort_values(["query", "score"], ascending=[True, False], kind="stable").reset_index(drop=True)

    def _search(self, vectors: np.ndarray, k: int, where: Mapping[str, Any] | None,
                keep_meta: bool = False) -> pd.DataFrame:
        columns = ["query", *RESULT_COLUMNS] + (["_meta"] if keep_meta else [])
        # No count() first: it is a second round trip per query; Chroma returns fewer rows when it has fewer.
        result = self.collection.query(query_embeddings=vectors, n_results=int(k), where=where,
                                       include=["metadatas", "distances", "documents"])
        rows = []
        for q, (ids, dists, metas, docs) in enumerate(zip(result["ids"], result["distances"],
                                                          result["metadatas"], result["documents"])):
            for item, dist, meta, doc in zip(ids, dists, metas, docs):
                meta = meta or {}
                row = (q, item, 1.0 - float(dist), meta.get("title", ""), meta.get("category", ""),
                       meta.get("brand", ""), meta.get("price", np.nan), meta.get("in_stock", True), doc)
                rows.append(row + ((meta,) if keep_meta else ()))
        return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)

    def query(self, vector_or_text: str | np.ndarray, k: int = 10, where: Mapping[str, Any] | None = None,
              **filters: Any) -> pd.DataFrame:
        """Top-k products for one text or vector, best first: columns RESULT_COLUMNS.

        Filters: `where` (a Chroma filter on the metadata) and/or category=, min_price=, max_price=, in_stock=.
        """
        vectors = self._query_vectors(vector_or_text)
        if len(vectors) != 1:
            raise ValueError("query() takes one text or vector; use query_many() for several")
        out = self.query_many(vectors, k=k, where=where, **filters)
        return out.drop(columns="query").reset_index(drop=True)

    def get_vectors(self, item_ids: Sequence[str]) -> np.ndarray:
        """Stored vectors in the order of `item_ids`, shape (len(item_ids), dim)."""
        ids = [str(i) for i in item_ids]
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), 5000):
            got = self.collection.get(ids=ids[start:start + 5000], include=["embeddings"])
            found.update(zip(got["ids"], got["embeddings"]))
        missing = [i for i in ids if i not in found]
        if missing:
            raise DataError(f"{len(missing)} item ids are not in the vector store (first: {missing[:5]})",
                            column="item_id", fix="sync the products first with ProductStore.sync_products")
        if not ids:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.stack([np.asarray(found[i], dtype=np.float32) for i in ids])

    def count(self) -> int:
        return int(self.collection.count())
