"""The Milvus store: the same index in one Milvus collection, served through an alias.

For archives one machine cannot hold: Milvus (a server or cluster; Milvus Lite in-process
from a local file for tests and trials) keeps the vectors, runs BM25 itself (a BM25
function over an analysed field) and fuses the two rankings with RRF (`hybrid_search`
with the same constant as the folder store). pymilvus's `MilvusClient` is the whole
interface, so a Lite file and a cluster differ only in the URI.

What BM25 counts is `settings.MILVUS_BM25_TERMS`: "qa" (default) gives Milvus the folder
store's own lexical tokens (`textnorm.lexical_tokens`), each written as a short hash word
that its standard analyzer keeps whole, so both stores score the same terms and return
the same passages; "jieba" lets Milvus's jieba analyzer cut the chunk text into words
(measured while building this: the fused top-5 sets then shared 78% of their passages
with the folder store's on the seed questions, as bigrams and words match different
chunks).

One collection holds four kinds of row, told apart by `kind`:
  chunk  a passage: doc, start, end, text, terms (analysed for BM25), vector
  doc    a piece of a document's text (`body`, PART_CHARS characters, `start` = piece)
  sent   a piece of a document's sentence offsets as JSON ([start, end] pairs)
  meta   a piece of the index manifest as JSON (settings, documents, roots)
Only chunk rows have a real vector (the others a zero one, which no search returns: every
search filters on kind). An index run writes a new collection `<alias>_<id>`, then points
the alias at it in one step and drops the old one; a run killed before the swap leaves
the alias on the previous complete collection (its leftover is dropped by the next run).
Removing one document deletes its rows by filter and rewrites the manifest rows.

Needs the `scale` extra: `pip install -e '.[scale]'`.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from .. import settings
from ..core import Chunk, Document, Hit, IndexData, Sentence, make_chunk_id
from ..errors import IndexCorrupted, IndexNotFound, QAError, StoreUnavailable
from ..textnorm import lexical_tokens
from .target import StoreTarget, check_loaded, check_manifest

PART_CHARS = 16_000
"""Characters of document text or manifest JSON per row (VARCHAR holds 65,535 bytes)."""

INSERT_BATCH = 512
"""Rows per insert call."""

FETCH_BATCH = 4096
"""Rows per page when loading chunk rows."""

TEXT_BYTES = 65_535
"""Longest VARCHAR Milvus stores."""


def _pymilvus():
    try:
        import pymilvus
    except ImportError:
        raise StoreUnavailable("the Milvus store needs the scale extra: pip install -e '.[scale]'") from None
    return pymilvus


@lru_cache(maxsize=None)
def client_for(uri: str):
    """One MilvusClient per URI and process (Milvus Lite allows one process per file)."""
    import logging

    pymilvus = _pymilvus()
    # pymilvus warns on every query iterator that Milvus Lite has no server timestamp, and
    # Milvus Lite's in-process gRPC server logs a traceback for each RPC it does not
    # implement (the iterator probes one); neither is something a user can act on.
    logging.getLogger("pymilvus").setLevel(logging.ERROR)
    try:
        if not uri.startswith("http"):
            from pathlib import Path
            logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        return pymilvus.MilvusClient(uri=uri, timeout=settings.MILVUS_TIMEOUT_SECONDS)
    except Exception as exc:  # pymilvus raises its own and grpc errors; all mean "cannot reach it"
        raise StoreUnavailable(f"cannot open the Milvus store at {uri} ({_reason(exc)}); "
                               "is the server running and the address right?") from exc


def _reason(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc).splitlines()[0][:200] or exc.__class__.__name__


_WRITE = threading.Lock()


def bm25_terms(text: str, lexical_tokenizer: str) -> str:
    """`text` as the words Milvus's BM25 counts: the folder store's lexical tokens, each
    hashed to an ASCII word the standard analyzer keeps whole."""
    import hashlib

    return " ".join("t" + hashlib.blake2b(t.encode(), digest_size=6).hexdigest()
                    for t in lexical_tokens(text, lexical_tokenizer))


def _schema(dim: int, terms: str):
    pymilvus = _pymilvus()
    DataType, Function, FunctionType = pymilvus.DataType, pymilvus.Function, pymilvus.FunctionType
    schema = pymilvus.MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("kind", DataType.VARCHAR, max_length=8)
    schema.add_field("doc", DataType.VARCHAR, max_length=1024)
    schema.add_field("start", DataType.INT64)
    schema.add_field("end", DataType.INT64)
    jieba = terms == "jieba"
    schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=jieba,
                     **({"analyzer_params": {"tokenizer": "jieba"}} if jieba else {}))
    schema.add_field("terms", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=not jieba,
                     **({} if jieba else {"analyzer_params": {"tokenizer": "standard"}}))
    schema.add_field("body", DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["text" if jieba else "terms"], output_field_names=["sparse"]))
    return schema


def _index_params(client):
    params = client.prepare_index_params()
    params.add_index(field_name="vector", index_type="AUTOINDEX", metric_type="IP")
    params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    return params


def _live_collection(client, alias: str) -> str | None:
    if alias not in client.list_aliases().get("aliases", []):
        return None
    return client.describe_alias(alias)["collection_name"]


def _parts(text: str) -> list[str]:
    return [text[i:i + PART_CHARS] for i in range(0, len(text), PART_CHARS)] or [""]


def _rows(index: IndexData):
    """Every row of the collection for `index`, chunks first (generated: a large index is
    never held twice in memory)."""
    dim = index.chunk_vectors.shape[1]
    zero = [0.0] * dim
    tokenizer, jieba = index.manifest["lexical_tokenizer"], index.manifest["milvus_bm25_terms"] == "jieba"
    for chunk, vector in zip(index.chunks, index.chunk_vectors):
        text = index.documents[chunk.doc_id].text[chunk.start:chunk.end]
        yield dict(id=f"c{chunk.chunk_id}", kind="chunk", doc=chunk.doc_id, start=chunk.start,
                   end=chunk.end, text=text, terms="" if jieba else bm25_terms(text, tokenizer),
                   body="", vector=vector.tolist())
    sentences: dict[str, list[int]] = {doc_id: [] for doc_id in index.documents}
    for sentence in index.sentences:
        sentences[sentence.doc_id] += (sentence.start, sentence.end)
    for doc_id, doc in index.documents.items():
        for i, part in enumerate(_parts(doc.text)):
            yield dict(id=f"d{make_chunk_id(doc_id, i, -1)}", kind="doc", doc=doc_id, start=i, end=0,
                       text="", terms="", body=part, vector=zero)
        for i, part in enumerate(_parts(json.dumps(sentences[doc_id]))):
            yield dict(id=f"s{make_chunk_id(doc_id, i, -2)}", kind="sent", doc=doc_id, start=i, end=0,
                       text="", terms="", body=part, vector=zero)
    yield from _meta_rows(index.manifest, dim)


def _meta_rows(manifest: dict, dim: int) -> list[dict]:
    manifest = {k: v for k, v in manifest.items() if k not in ("data_dir", "files")}
    return [dict(id=f"m{i}", kind="meta", doc="", start=i, end=0, text="", terms="", body=part, vector=[0.0] * dim)
            for i, part in enumerate(_parts(json.dumps(manifest, ensure_ascii=False)))]


@dataclass(frozen=True)
class MilvusStore:
    """An index in one Milvus collection behind an alias; Milvus searches it."""

    target: StoreTarget
    searches_itself: ClassVar[bool] = True
    """True: an index built for this store needs no FAISS or BM25 structures here."""

    def read_manifest(self) -> dict:
        """The live collection's manifest (with `data_dir`: the collection's name).

        Raises:
            IndexNotFound, IndexCorrupted, IndexMismatch: with what to run.
        """
        target = self.target
        client = client_for(target.uri)
        name = _live_collection(client, target.collection)
        if name is None:
            raise IndexNotFound(f"no index in the Milvus store {target}; {target.rebuild_hint()}")
        client.load_collection(name)  # a no-op when loaded; a fresh Milvus Lite process starts released
        try:
            manifest = json.loads(_joined(_query_all(client, name, 'kind == "meta"', ["start", "body"])))
        except (ValueError, KeyError) as exc:
            raise IndexCorrupted(f"the index manifest in {target} is unreadable ({exc.__class__.__name__}); "
                                 f"{target.rebuild_hint()}") from exc
        return dict(check_manifest(manifest, target, str(target)), data_dir=name)

    def version(self) -> str | None:
        """The live collection and a hash of its manifest rows (a removal rewrites them in place)."""
        import hashlib

        try:
            manifest = self.read_manifest()
        except QAError:
            return None
        text = json.dumps(manifest, ensure_ascii=False, sort_keys=True)
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    def load(self, vectors: bool = False) -> IndexData:
        """The live collection's index: manifest, document texts, chunk and sentence offsets
        (vectors only when asked: an update reuses them; serving never needs them in memory).

        Raises:
            IndexNotFound, IndexCorrupted, IndexMismatch: with what to run.
        """
        target = self.target
        client = client_for(target.uri)
        manifest = self.read_manifest()
        name = manifest["data_dir"]
        texts = _documents_parts(client, name, "doc")
        documents = {doc_id: Document(doc_id, meta["title"], texts[doc_id], meta["sha256"],
                                      tuple(meta.get("page_starts", ())), meta.get("date"), meta.get("place"))
                     for doc_id, meta in manifest["documents"].items() if doc_id in texts}
        order = {doc_id: i for i, doc_id in enumerate(manifest["documents"])}
        fields = ["doc", "start", "end"] + (["vector"] if vectors else [])
        rows = sorted((r for r in _query_all(client, name, 'kind == "chunk"', fields) if r["doc"] in order),
                      key=lambda r: (order[r["doc"]], r["start"], r["end"]))
        chunks = [Chunk(make_chunk_id(r["doc"], r["start"], r["end"]), r["doc"], int(r["start"]), int(r["end"]))
                  for r in rows]
        dim = manifest["embedder"]["dim"]
        chunk_vectors = (np.asarray([r["vector"] for r in rows], np.float32).reshape(len(rows), dim)
                         if vectors else np.zeros((0, dim), np.float32))
        index = IndexData(manifest, documents, chunks, self._sentences(client, name, documents), chunk_vectors,
                          searcher=MilvusSearch(target, chunks))
        check_loaded(index, target)
        return index

    def _sentences(self, client, name: str, documents: dict[str, Document]) -> list[Sentence]:
        """Sentence offsets as indexed, in document order."""
        stored = _documents_parts(client, name, "sent")
        sentences = []
        for doc_id in documents:
            if doc_id not in stored:
                raise IndexCorrupted(f"the index in {self.target} lacks the sentences of {doc_id}; "
                                     f"{self.target.rebuild_hint()}")
            pairs = json.loads(stored[doc_id] or "[]")
            sentences += [Sentence(doc_id, int(s), int(e)) for s, e in zip(pairs[::2], pairs[1::2])]
        return sentences

    def save(self, index: IndexData) -> None:
        """Write `index` into a new collection, then move the alias onto it (atomic).

        Raises:
            StoreUnavailable: Milvus failed; the previous index is still live.
        """
        target = self.target
        client = client_for(target.uri)
        name = f"{target.collection}_{uuid.uuid4().hex[:12]}"
        index.manifest = dict(index.manifest, milvus_bm25_terms=settings.MILVUS_BM25_TERMS)
        try:
            with _WRITE:
                client.create_collection(name, schema=_schema(index.manifest["embedder"]["dim"],
                                                              settings.MILVUS_BM25_TERMS),
                                         index_params=_index_params(client))
                rows = _rows(index)
                while batch := list(itertools.islice(rows, INSERT_BATCH)):
                    client.insert(name, batch)
                client.flush(name)
                client.load_collection(name)
                old = _live_collection(client, target.collection)
                if old is None:
                    client.create_alias(name, target.collection)
                else:
                    client.alter_alias(name, target.collection)
        except StoreUnavailable:
            raise
        except Exception as exc:
            raise StoreUnavailable(f"writing to the Milvus store {target} failed ({_reason(exc)}); "
                                   "the previous index is still live") from exc
        index.manifest = {k: v for k, v in index.manifest.items() if k not in ("data_dir", "files")}
        index.manifest["data_dir"] = name
        self.cleanup(keep=name)

    def cleanup(self, keep: str | None = None) -> None:
        """Drop this alias's collections that are not live (leftovers of killed runs)."""
        target = self.target
        client = client_for(target.uri)
        keep = keep or _live_collection(client, target.collection)
        for name in client.list_collections():
            if name.startswith(f"{target.collection}_") and name != keep and len(name) == len(target.collection) + 13:
                client.drop_collection(name)

    def remove(self, index: IndexData, doc_id: str) -> int:
        """Take `doc_id` out in place: the manifest rows rewritten without it, then its rows
        deleted by filter (a run killed in between leaves rows no manifest names, which are
        never read). Returns the chunks left.

        Raises:
            StoreUnavailable: Milvus failed.
        """
        manifest = dict(index.manifest, documents={d: m for d, m in index.manifest["documents"].items()
                                                   if d != doc_id})
        client = client_for(self.target.uri)
        name, dim = manifest["data_dir"], manifest["embedder"]["dim"]
        try:
            with _WRITE:
                meta = _meta_rows(manifest, dim)
                client.upsert(name, meta)
                client.delete(name, filter=f'kind == "meta" and start >= {len(meta)}')
                client.delete(name, filter=f"doc == {json.dumps(doc_id, ensure_ascii=False)}")
                client.flush(name)
        except Exception as exc:
            raise StoreUnavailable(f"removing {doc_id} from {self.target} failed ({_reason(exc)})") from exc
        return sum(m["chunks"] for m in manifest["documents"].values())


def _query_all(client, name: str, expr: str, fields: list[str]) -> list[dict]:
    """Every row matching `expr`, paged by a query iterator (Milvus caps offset + limit of a
    plain query at 16,384 rows)."""
    out = []
    iterator = client.query_iterator(name, batch_size=FETCH_BATCH, filter=expr, output_fields=fields)
    try:
        while page := iterator.next():
            out += page
    finally:
        iterator.close()
    return out


def _joined(parts: list[dict]) -> str:
    """The bodies of `parts` in piece order, as one string."""
    return "".join(p["body"] for p in sorted(parts, key=lambda p: p["start"]))


def _documents_parts(client, name: str, kind: str) -> dict[str, str]:
    """doc id → the joined body of its rows of `kind` ("doc": its text; "sent": sentences)."""
    parts: dict[str, list] = {}
    for row in _query_all(client, name, f'kind == "{kind}"', ["doc", "start", "body"]):
        parts.setdefault(row["doc"], []).append(row)
    return {doc_id: _joined(rows) for doc_id, rows in parts.items()}


class MilvusSearch:
    """The Milvus store's `IndexData.searcher`: dense + BM25 in Milvus, fused there by RRF."""

    def __init__(self, target: StoreTarget, chunks: list[Chunk]):
        self.target = target
        self._rows = {(c.doc_id, c.start, c.end): i for i, c in enumerate(chunks)}

    def __call__(self, index: IndexData, query_vector: np.ndarray, question: str, n: int,
                 docs: list[str] | None = None) -> list[Hit]:
        from pymilvus import AnnSearchRequest, RRFRanker

        if not index.chunks or n <= 0:
            return []
        expr = 'kind == "chunk"'
        if docs is not None:
            expr += f" and doc in {json.dumps(list(docs), ensure_ascii=False)}"
        limit = settings.CANDIDATE_PASSAGES
        requests = [AnnSearchRequest(data=[query_vector.astype(np.float32).tolist()], anns_field="vector",
                                     param={"metric_type": "IP"}, limit=limit, expr=expr)]
        terms = (question if index.manifest.get("milvus_bm25_terms") == "jieba"
                 else bm25_terms(question, index.manifest["lexical_tokenizer"]))
        if terms.strip():
            requests.append(AnnSearchRequest(data=[terms], anns_field="sparse", param={"metric_type": "BM25"},
                                             limit=limit, expr=expr))
        try:
            found = client_for(self.target.uri).hybrid_search(
                index.manifest["data_dir"], requests, RRFRanker(settings.RRF_K), limit=n,
                output_fields=["doc", "start", "end"])[0]
        except Exception as exc:
            raise StoreUnavailable(f"searching the Milvus store {self.target} failed ({_reason(exc)})") from exc
        hits = []
        for hit in found:
            entity = hit["entity"]
            row = self._rows.get((entity["doc"], entity["start"], entity["end"]))
            if row is not None:  # rows of a document removed since this index was loaded
                hits.append(Hit(row, float(hit["distance"])))
        return hits
