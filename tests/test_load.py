"""Load tier: the real `qa serve` process on loopback under bounded concurrent traffic.

16 clients send 200 real questions from eval/qa.jsonl; two reports are uploaded half-way.
Every response must be a 200 with a valid answer, the same answer for the same question
each time the index is the same, and the server's resident memory (VmRSS) must level off. A 100k-character
question sent amid the traffic must be refused at once. Every wait is bounded.
"""

import json
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from qa import settings
from qa.frontends.launch import running_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 16
REQUESTS = 200
QUESTIONS = 20
REQUEST_TIMEOUT_S = 120
RSS_GROWTH_LIMIT = 1.30
"""Resident memory after the second half of the load may be at most 30% above the first's."""

UPLOADS = {"park_report.txt": ("测试县2025年新建公园17个，新增绿地520亩。", "测试县2025年新建公园多少个？", "17个"),
           "school_report.md": ("# 样例区报告\n样例区2024年新建学校9所。", "样例区2024年新建学校多少所？", "9所")}
"""Reports uploaded half-way: name → (text, a question about it, its answer)."""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def pick_questions(n: int) -> list[str]:
    """`n` questions spread evenly over eval/qa.jsonl (all three languages occur)."""
    rows = [json.loads(line) for line in (ROOT / "eval" / "qa.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [rows[i * len(rows) // n]["question"] for i in range(n)]


@pytest.fixture(scope="module")
def server(seed_index, tmp_path_factory):
    """`qa serve` over a private copy of the seed index; stopped after the module."""
    root = tmp_path_factory.mktemp("load")
    index_dir = root / "index"
    shutil.copytree(seed_index, index_dir)
    with running_server(index_dir, workdir=root) as live:
        yield live
    assert "Traceback" not in live.log_path.read_text(), "the server logged a traceback"


def answer_key(body: dict) -> tuple:
    """The answer and where it is quoted from, after checking the body's offsets agree."""
    assert (body["answer"] is None) == body["abstained"]
    for c in body["citations"]:
        assert c["quote_start"] <= c["start"] < c["end"] <= c["quote_end"]
        assert len(c["quote"]) == c["quote_end"] - c["quote_start"]
    if body["citations"]:
        first = body["citations"][0]
        assert first["quote"][first["start"] - first["quote_start"]:first["end"] - first["quote_start"]] == body["answer"]
    assert all(len(p["text"]) == p["end"] - p["start"] for p in body["passages"])
    first = body["citations"][0] if body["citations"] else {}
    return body["answer"], first.get("doc"), first.get("start"), first.get("end")


def ask(client: httpx.Client, question: str) -> tuple[int, dict | str, float, float]:
    """Status, body and the monotonic times the request was sent and answered."""
    began = time.monotonic()
    response = client.post("/api/ask", json={"question": question}, timeout=REQUEST_TIMEOUT_S)
    body = response.json() if response.status_code == 200 else response.text
    return response.status_code, body, began, time.monotonic()


def fire(client: httpx.Client, questions: list[str], total: int, started: threading.Event | None = None) -> list:
    """`total` asks from CLIENTS threads; returns (question, status, body, began, ended) rows.
    Sets `started` once CLIENTS answers are in."""
    rows, lock, counter = [], threading.Lock(), iter(range(total))

    def worker() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            question = questions[i % len(questions)]
            row = (question, *ask(client, question))
            with lock:
                rows.append(row)
                if started is not None and len(rows) >= CLIENTS:
                    started.set()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for future in [pool.submit(worker) for _ in range(CLIENTS)]:
            future.result(timeout=REQUEST_TIMEOUT_S * total)
    return rows


def reference_answers(client: httpx.Client, questions: list[str]) -> dict[str, tuple]:
    """Each question asked once, alone: the answer every later ask must repeat."""
    reference = {}
    for question in questions:
        status, body, _, _ = ask(client, question)
        assert status == 200, body
        reference[question] = answer_key(body)
    return reference


def upload_reports(url: str, started: threading.Event) -> tuple[list, float, float]:
    """Once the traffic is under way, upload each report; returns responses and the window."""
    assert started.wait(timeout=REQUEST_TIMEOUT_S)
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
        began = time.monotonic()
        responses = [client.post("/api/documents", files={"file": (name, text.encode(), "text/plain")})
                     for name, (text, _, _) in UPLOADS.items()]
        return responses, began, time.monotonic()


def check_rows(rows: list, reference: dict, after: dict | None = None, window=(0.0, 0.0)) -> None:
    """Every row is a 200 with valid offsets. Rows answered before the upload window
    repeat `reference`, rows sent after it repeat `after`; rows overlapping it may give
    either state's answer (the index changed under them, by design)."""
    for question, status, body, began, ended in rows:
        assert status == 200, (question, body)
        key = answer_key(body)
        if after is None or ended < window[0]:
            assert key == reference[question], question
        elif began > window[1]:
            assert key == after[question], question


def test_concurrent_questions_and_uploads(server):
    questions = pick_questions(QUESTIONS)
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    with httpx.Client(base_url=server.url, limits=limits) as client:
        before = reference_answers(client, questions)
        rss_start = rss_kib(server.pid)
        began = time.perf_counter()
        first = fire(client, questions, REQUESTS // 2)
        rss_half = rss_kib(server.pid)
        started = threading.Event()
        with ThreadPoolExecutor(max_workers=1) as uploader:
            uploads = uploader.submit(upload_reports, server.url, started)
            second = fire(client, questions, REQUESTS - REQUESTS // 2, started)
            responses, *window = uploads.result(timeout=REQUEST_TIMEOUT_S * 4)
        seconds = time.perf_counter() - began
        rss_end = rss_kib(server.pid)
        assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
        after = reference_answers(client, questions)
        check_rows(first, before)
        check_rows(second + fire(client, questions, 2 * CLIENTS), before, after, window)
        for name, (_, question, expected) in UPLOADS.items():
            status, body, _, _ = ask(client, question)
            assert status == 200 and body["answer"] == expected
            assert body["citations"][0]["doc"] == f"uploads/{name}"
    latencies = sorted(row[4] - row[3] for row in first + second)
    changed = [q for q in questions if before[q] != after[q]]
    print(f"{REQUESTS} requests from {CLIENTS} clients in {seconds:.1f} s ({REQUESTS / seconds:.1f}/s); "
          f"p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; "
          f"RSS {rss_start // 1024} → {rss_half // 1024} → {rss_end // 1024} MiB; "
          f"{len(changed)} of {len(questions)} answers changed by the uploads: {changed}")
    assert rss_end <= RSS_GROWTH_LIMIT * rss_half


def test_long_questions_amid_traffic_are_refused_at_once(server):
    questions = pick_questions(8)
    with httpx.Client(base_url=server.url, timeout=REQUEST_TIMEOUT_S) as client:
        with ThreadPoolExecutor(max_workers=1) as background:
            traffic = background.submit(fire, client, questions, 2 * CLIENTS)
            began = time.perf_counter()
            huge = client.post("/api/ask", json={"question": "泉" * 100_000})
            refused_ms = (time.perf_counter() - began) * 1000
            over = client.post("/api/ask", json={"question": "泉" * (settings.MAX_QUESTION_CHARS + 1)})
            rows = traffic.result(timeout=REQUEST_TIMEOUT_S * 4)
        assert huge.status_code == 413 and str(settings.MAX_REQUEST_BYTES) in huge.json()["error"]
        assert over.status_code == 400 and str(settings.MAX_QUESTION_CHARS) in over.json()["error"]
        assert all(status == 200 for _, status, *_ in rows)
        assert client.get("/healthz").json()["status"] == "ok"
    print(f"100k-character question refused in {refused_ms:.0f} ms amid {len(rows)} other questions")
