"""Load: `qa serve` on loopback under bounded concurrent questions from eval/qa.jsonl.

Starts the real server (or targets `--url`), asks every question once to warm up and to
record its answer, then, for each client count of `--clients` (default 1, 4 and 16) in
turn, fires `--requests` POST /api/ask from that many threads, each question in turn, and
reports throughput, latency percentiles, errors (non-200, or an answer that differs from
the warm-up one) and the server's resident memory (from /proc, only for a server this
script started): when it answers its first request, after the warm-up, after each load
and its peak so far (VmHWM).

    .venv/bin/python bench/load.py [--index-dir DIR] [--clients 1,4,16] [--requests 300] [--port P]
    .venv/bin/python bench/load.py --url http://127.0.0.1:7860   # a server already running
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

import common
from qa.frontends.launch import running_server

REQUEST_TIMEOUT_S = 120.0
"""Longest wait for one answer; a request past it counts as an error."""

RUN_TIMEOUT_S = 1800.0
"""Longest the whole load phase may take before the remaining requests are abandoned."""


def add_arguments(parser) -> None:
    parser.add_argument("--clients", default="1,4,16",
                        help="concurrent client threads, one load per count (default 1,4,16)")
    parser.add_argument("--requests", type=int, default=300, help="POST /api/ask requests in total (default 300)")
    parser.add_argument("--questions", type=int, default=20, help="distinct questions from eval/qa.jsonl (default 20)")
    parser.add_argument("--port", type=int, default=0, help="port for the server this script starts (default: a free one)")
    parser.add_argument("--url", default=None, help="load a running server instead of starting one")
    parser.add_argument("--omp-threads", default=None, metavar="N",
                        help="OMP_NUM_THREADS for the server this script starts (default: inherited)")


def rss_mib(pid: int | None, field: str = "VmRSS") -> float | None:
    """Resident memory of process `pid` in MiB, from /proc/PID/status (None if unknown);
    `field="VmHWM"` gives its peak so far."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def answer_key(body: dict) -> tuple:
    """What must not change between two asks of one question: the span and where it is from."""
    first = body["citations"][0] if body["citations"] else {}
    return body["answer"], first.get("doc"), first.get("start"), first.get("end")


def ask(client: httpx.Client, question: str) -> tuple[int, dict | None, float]:
    began = time.perf_counter()
    try:
        response = client.post("/api/ask", json={"question": question}, timeout=REQUEST_TIMEOUT_S)
    except httpx.HTTPError:
        return 0, None, time.perf_counter() - began
    elapsed = time.perf_counter() - began
    return response.status_code, response.json() if response.status_code == 200 else None, elapsed


def warm_up(client: httpx.Client, questions: list[str]) -> tuple[dict[str, tuple], list[float]]:
    """Ask each question once, one at a time: the reference answers and unloaded latency."""
    reference, seconds = {}, []
    for question in questions:
        status, body, elapsed = ask(client, question)
        if status != 200:
            raise RuntimeError(f"warm-up question failed with HTTP {status}: {question}")
        reference[question] = answer_key(body)
        seconds.append(elapsed)
    return reference, seconds


def fire(client: httpx.Client, questions: list[str], reference: dict, total: int, clients: int) -> dict:
    """`total` asks from `clients` threads, question i going to request i; returns samples."""
    lock, state = threading.Lock(), {"next": 0, "seconds": [], "errors": [], "mismatches": 0}
    deadline = time.monotonic() + RUN_TIMEOUT_S

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                i = state["next"]
                if i >= total:
                    return
                state["next"] += 1
            question = questions[i % len(questions)]
            status, body, elapsed = ask(client, question)
            with lock:
                state["seconds"].append(elapsed)
                if status != 200:
                    state["errors"].append(status)
                elif answer_key(body) != reference[question]:
                    state["mismatches"] += 1

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for _ in range(clients):
            pool.submit(worker)
    state["wall_s"] = time.perf_counter() - began
    return state


def run(url: str, pid: int | None, args) -> dict:
    questions = [row["question"] for row in common.pick_questions(args.questions)]
    counts = [int(n) for n in str(args.clients).split(",")]
    limits = httpx.Limits(max_connections=max(counts), max_keepalive_connections=max(counts))
    memory = {"at start": rss_mib(pid)}
    with httpx.Client(base_url=url, limits=limits) as client:
        reference, warm_seconds = warm_up(client, questions)
        memory["after the warm-up"] = rss_mib(pid)
        loads = []
        for clients in counts:
            state = fire(client, questions, reference, args.requests, clients)
            done = len(state["seconds"])
            loads.append({
                "requests": done, "requested": args.requests, "concurrency": clients,
                "requests_per_s": done / state["wall_s"], "wall_s": state["wall_s"],
                "p50_ms": common.percentile_ms(state["seconds"], 50),
                "p95_ms": common.percentile_ms(state["seconds"], 95),
                "max_ms": max(state["seconds"]) * 1000 if done else float("nan"),
                "errors": len(state["errors"]) + (args.requests - done),
                "error_statuses": sorted(set(state["errors"])), "answer_mismatches": state["mismatches"],
                "rss_after_mib": rss_mib(pid), "peak_rss_mib": rss_mib(pid, "VmHWM"), "samples_s": state["seconds"]})
    return {"url": url, "questions": len(questions), "unloaded_p50_ms": common.percentile_ms(warm_seconds, 50),
            "memory_mib": memory, "loads": loads,
            "server_omp_num_threads": args.omp_threads or os.environ.get("OMP_NUM_THREADS")}


def mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def print_results(result: dict) -> None:
    one = next((load["requests_per_s"] for load in result["loads"] if load["concurrency"] == 1), None)
    headers = ["clients", "requests", "requests/s", "vs 1 client", "p50 ms", "p95 ms", "max ms", "errors",
               "answer changed", "server RSS after MiB", "server peak RSS MiB"]
    rows = [[load["concurrency"], load["requests"], load["requests_per_s"],
             f"{load['requests_per_s'] / one:.2f}x" if one else "n/a", load["p50_ms"], load["p95_ms"],
             load["max_ms"], load["errors"], load["answer_mismatches"], mib(load["rss_after_mib"]),
             mib(load["peak_rss_mib"])] for load in result["loads"]]
    print(common.markdown_table(headers, rows))
    memory = "; ".join(f"{name} {mib(value)} MiB" for name, value in result["memory_mib"].items())
    print(f"\nServer resident memory: {memory}. {result['questions']} distinct questions from eval/qa.jsonl, "
          f"asked once each to warm up (unloaded p50 {result['unloaded_p50_ms']:.0f} ms); \"answer changed\" "
          f"counts answers that differ from the warm-up one. Loads run in the order shown, on the same server. "
          f"Server OMP_NUM_THREADS={result['server_omp_num_threads'] or 'unset'}.")


def main() -> None:
    args = common.parse_args("Concurrent POST /api/ask against qa serve on loopback.", add_arguments)
    if args.quick:
        args.clients, args.requests, args.questions = "1,4", min(args.requests, 40), 10
    info = common.machine_info()
    common.print_header("Load: concurrent questions against `qa serve`", info, args.quick)
    if args.url:
        result = run(args.url.rstrip("/"), None, args)
    else:
        index_dir = common.ensure_seed_index(args.index_dir)
        with running_server(index_dir.resolve(), port=args.port or None,
                            env={"OMP_NUM_THREADS": args.omp_threads} if args.omp_threads else None) as server:
            url, pid = server.url, server.pid
            result = run(url, pid, args)
    print_results(result)
    common.finish("load", info, result, args.label)


if __name__ == "__main__":
    main()
