"""HTTP API tests through FastAPI's TestClient over a real seed index (built once here).

Every invalid input must give a 4xx with `{"error": ...}`, never a 500; uploads run on a
copy of the index so the other tests see the seeds only.
"""

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from qa import settings
from qa.frontends.server import create_app
from qa.ingest.indexing import update_index

SEEDS = Path(__file__).parent.parent / "seeds"
ANSWER_KEYS = ["question", "asked_as", "answer", "abstained", "reason", "confidence", "citations", "passages",
               "other_candidates", "timings_ms"]
CITATION_KEYS = ["doc", "title", "start", "end", "quote", "quote_start", "quote_end", "page", "score"]
PASSAGE_KEYS = ["doc", "title", "start", "end", "text", "score"]


@pytest.fixture(scope="module")
def http_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("http")
    shutil.copytree(SEEDS, root / "seeds")
    update_index([root / "seeds"], root / "index", progress=False, warn=lambda line: None)
    return root / "index"


@pytest.fixture(scope="module")
def client(http_index):
    with TestClient(create_app(http_index)) as test_client:
        yield test_client


@pytest.fixture
def upload_client(http_index, tmp_path):
    """A client over a private copy of the index, for tests that add documents."""
    index_dir = tmp_path / "index"
    shutil.copytree(http_index, index_dir)
    with TestClient(create_app(index_dir)) as test_client:
        test_client.uploads = index_dir / "uploads"
        yield test_client


def assert_error(response, *statuses):
    assert response.status_code in statuses, response.text
    body = response.json()
    assert list(body) == ["error"] and isinstance(body["error"], str) and body["error"]
    return body["error"]


def test_known_answer_has_the_exact_contract(client):
    response = client.post("/api/ask", json={"question": "2023年泉州开工重点项目多少个？"})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ANSWER_KEYS
    assert body["answer"] == "240个" and body["abstained"] is False
    assert 0 <= body["confidence"] <= 1
    assert body["citations"] and all(list(c) == CITATION_KEYS for c in body["citations"])
    assert len(body["passages"]) == settings.DEFAULT_TOP_K
    assert all(list(p) == PASSAGE_KEYS for p in body["passages"])
    first = body["citations"][0]
    assert first["quote"][first["start"] - first["quote_start"]:first["end"] - first["quote_start"]] == "240个"


def test_response_is_the_library_answer(client, http_index):
    from qa.assistant import Assistant

    question = "泉州市委十三屆九次全會有多少名市委委員出席?"
    body = client.post("/api/ask", json={"question": question, "top_k": 3}).json()
    expected = Assistant.load(http_index).ask(question, top_k=3).to_dict()
    assert {**body, "timings_ms": None} == {**expected, "timings_ms": None}
    assert set(body["timings_ms"]) == set(expected["timings_ms"])


def test_top_k_and_docs_are_applied(client):
    docs = [d["id"] for d in client.get("/api/documents").json()["documents"]]
    body = client.post("/api/ask", json={"question": "泉州开工重点项目", "top_k": 2,
                                         "docs": docs[:1]}).json()
    assert len(body["passages"]) == 2
    assert {p["doc"] for p in body["passages"]} == {docs[0]}


@pytest.mark.parametrize("body", [
    {},
    {"question": ""},
    {"question": "   \n\t "},
    {"question": None},
    {"question": 5},
    {"question": ["泉州"]},
    {"question": "泉州", "top_k": True},
    {"question": "泉州", "top_k": 2.5},
    {"question": "泉州", "top_k": 5.0},
    {"question": "泉州", "top_k": 0},
    {"question": "泉州", "top_k": -1},
    {"question": "泉州", "top_k": settings.MAX_TOP_K + 1},
    {"question": "泉州", "top_k": "5"},
    {"question": "泉州", "docs": "003.txt"},
    {"question": "泉州", "docs": [1]},
    {"question": "泉州", "docs": ["no-such-document.txt"]},
    {"question": "泉州", "docs": {"a": 1}},
    {"question": "泉州", "history": "温州市委书记是谁？"},
    {"question": "泉州", "history": [{"question": 1}]},
    {"question": "泉州", "history": [{"answer": "陈伟俊"}]},
    {"question": "泉州", "history": [{"question": "温州市委书记是谁？", "answer": 3}]},
    {"question": "泉州", "history": [{"question": "温州市委书记是谁？", "extra": 1}]},
    {"question": "泉州", "history": [{"question": "温州"}] * (settings.MAX_HISTORY_TURNS + 1)},
    [],
    ["泉州"],
    "泉州",
    None,
], ids=repr)
def test_invalid_questions_get_a_4xx_json_error(client, body):
    assert_error(client.post("/api/ask", json=body), 400, 422)


def test_a_follow_up_is_answered_with_the_conversation(client):
    """`history` carries the conversation: the follow-up is answered as the question it means
    and says so in `asked_as`; without history it is asked as typed."""
    history = [{"question": "Who is the Party secretary of Wenzhou?", "answer": "陈伟俊"}]
    body = client.post("/api/ask", json={"question": "And of Lishui?", "history": history}).json()
    assert body["asked_as"] == "Who is the Party secretary of Lishui?" and body["answer"] == "吴舜泽"
    assert body["question"] == "And of Lishui?"
    alone = client.post("/api/ask", json={"question": "And of Lishui?"}).json()
    assert alone["asked_as"] == "And of Lishui?"
    empty = client.post("/api/ask", json={"question": "温州市委书记是谁？", "history": []}).json()
    assert empty["asked_as"] == "温州市委书记是谁？" and empty["answer"] == "陈伟俊"


def test_place_and_year_narrow_the_search(client):
    body = client.post("/api/ask", json={"question": "市委书记是谁？", "place": "Lishui"}).json()
    assert body["answer"] == "吴舜泽"
    batch = client.post("/api/ask/batch", json={"questions": ["市委书记是谁？"], "place": "温州"}).json()
    assert batch["answers"][0]["answer"] == "陈伟俊"
    dated = client.post("/api/ask", json={"question": "开工重点项目多少个？", "place": "泉州", "year": 2024}).json()
    assert {p["doc"] for p in dated["passages"]} == {"003_4207b2f59b3502d4.txt"}
    assert "about 厦门" in assert_error(client.post("/api/ask", json={"question": "书记是谁？", "place": "厦门"}), 400)
    assert_error(client.post("/api/ask", json={"question": "书记是谁？", "year": "2024"}), 422)
    documents = {d["id"]: d for d in client.get("/api/documents").json()["documents"]}
    assert documents["003_4207b2f59b3502d4.txt"]["date"] == "2024-01-12"
    assert documents["004_a2c695bdbd89f31f.txt"]["place"] == "丽水"


def test_unknown_fields_are_422(client):
    message = assert_error(client.post("/api/ask", json={"question": "泉州", "k": 3}), 422)
    assert "'k'" in message


def test_malformed_json_is_400(client):
    for raw in [b"{", b'{"question": }', b"\xff\xfe", b""]:
        response = client.post("/api/ask", content=raw, headers={"content-type": "application/json"})
        assert_error(response, 400, 422)


def test_too_long_question_names_the_limit(client):
    question = "泉" * (settings.MAX_QUESTION_CHARS + 1)
    message = assert_error(client.post("/api/ask", json={"question": question}), 400, 413, 422)
    assert str(settings.MAX_QUESTION_CHARS) in message


def test_oversized_body_is_413_before_parsing(client):
    raw = json.dumps({"question": "x" * settings.MAX_REQUEST_BYTES}).encode()
    assert_error(client.post("/api/ask", content=raw, headers={"content-type": "application/json"}), 413)


def test_oversized_chunked_body_is_413(client):
    def chunks():
        yield b'{"question": "'
        for _ in range(settings.MAX_REQUEST_BYTES // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'
    response = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert_error(response, 413)


def test_documents_and_health(client):
    documents = client.get("/api/documents").json()["documents"]
    assert sorted(d["id"] for d in documents) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert all({"id", "title", "chunks"} <= set(d) and d["chunks"] > 0 for d in documents)
    health = client.get("/healthz").json()
    assert health == {"status": "ok", "documents": len(documents),
                      "chunks": sum(d["chunks"] for d in documents)}


def test_openapi_and_docs(client):
    schema = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/documents", "/healthz"} <= set(schema["paths"])
    assert "post" in schema["paths"]["/api/documents"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_chat_page_is_mounted_at_root(client):
    page = client.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_upload_then_ask_answers_from_it(upload_client):
    report = "测试报告\n测试市2025年新建公园17个。\n".encode()
    response = upload_client.post("/api/documents", files={"file": ("park_report.txt", report, "text/plain")})
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["id"] == "uploads/park_report.txt" and entry["chunks"] >= 1
    ids = [d["id"] for d in upload_client.get("/api/documents").json()["documents"]]
    assert "uploads/park_report.txt" in ids and len(ids) == len(list(SEEDS.glob("*.txt"))) + 1
    body = upload_client.post("/api/ask", json={"question": "测试市2025年新建公园多少个？"}).json()
    assert body["answer"] == "17个"
    assert body["citations"][0]["doc"] == "uploads/park_report.txt"
    again = upload_client.post("/api/documents", files={"file": ("park_report.txt", report, "text/plain")})
    assert_error(again, 400, 409)


@pytest.mark.parametrize("name", ["../x.txt", "..\\x.txt", "a/b.txt", "/etc/x.txt", ".hidden.txt",
                                  "x..txt", "report.exe", "report", "a<b>.txt", "a;rm.txt", ""])
def test_upload_rejects_unsafe_names_and_types(upload_client, name):
    response = upload_client.post("/api/documents", files={"file": (name, b"text", "text/plain")})
    assert_error(response, 400, 422)
    assert not upload_client.uploads.exists() or not any(upload_client.uploads.iterdir())


def test_upload_rejects_too_big_and_empty(upload_client):
    big = b"a" * (settings.MAX_UPLOAD_BYTES + 1)
    assert_error(upload_client.post("/api/documents", files={"file": ("big.txt", big, "text/plain")}), 413)
    assert_error(upload_client.post("/api/documents", files={"file": ("empty.txt", b"  \n", "text/plain")}), 400)
    assert_error(upload_client.post("/api/documents"), 422)
    count = len(upload_client.get("/api/documents").json()["documents"])
    assert count == len(list(SEEDS.glob("*.txt")))
    assert not upload_client.uploads.exists() or not any(upload_client.uploads.iterdir())  # nothing kept


def test_auth_protects_the_api(http_index):
    with TestClient(create_app(http_index, auth=("reader", "s3cret:pw"))) as secured:
        for response in [secured.get("/api/documents"), secured.post("/api/ask", json={"question": "泉州"}),
                         secured.get("/api/documents", auth=("reader", "wrong"))]:
            assert_error(response, 401)
            assert response.headers["www-authenticate"].startswith("Basic")
        assert secured.get("/api/documents", auth=("reader", "s3cret:pw")).status_code == 200
        assert secured.get("/config").status_code == 401  # the Gradio page wants its login too


def test_a_guarded_server_opens_nothing_but_its_status(http_index):
    """With --auth: the API docs want the login, /healthz says only that it is up, and a
    body is refused before it is read (401 for 10 MB declared, not 413)."""
    with TestClient(create_app(http_index, auth=("reader", "s3cret:pw"))) as secured:
        for path in ("/docs", "/openapi.json", "/redoc", "/v1/models"):
            assert secured.get(path).status_code == 401, path
        assert secured.get("/openapi.json", auth=("reader", "s3cret:pw")).status_code == 200
        assert secured.get("/healthz").json() == {"status": "ok"}
        huge = secured.post("/api/documents", content=b"x" * 100, headers={"content-length": str(10 * 2 ** 20),
                                                                            "content-type": "multipart/form-data"})
        assert huge.status_code == 401


def test_errors_name_no_server_path(upload_client):
    """A 409 while another process writes the index says so without the server's folders."""
    from qa.stores import parse_store

    index_dir = upload_client.uploads.parent
    with parse_store(index_dir).lock():
        response = upload_client.post("/api/documents", files={"file": ("p.txt", "测试县新建公园17个。".encode())})
    message = assert_error(response, 409)
    assert str(index_dir.resolve()) not in message and str(index_dir.resolve().parent) not in message


def test_page_html_escapes_questions_and_documents():
    from qa.frontends.webui import answer_html, render_question, render_source

    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    quote = f"{hostile}共有17个。"
    citation = {"doc": "uploads/x.txt", "title": hostile, "start": len(hostile) + 2,
                "end": len(hostile) + 5, "quote": quote, "quote_start": 0, "quote_end": len(quote),
                "page": None, "score": 1.0}
    answer = {"question": hostile, "answer": "17个", "abstained": False, "confidence": 0.9,
              "citations": [citation], "passages": [], "timings_ms": {}}
    pieces = [render_question(hostile), answer_html(answer),
              render_source(dict(citation, kind="Citation"), 1, 1, hostile, quote + "\n\n" + hostile)]
    for html_text in pieces:
        assert "<script" not in html_text and "<img" not in html_text
        assert "&lt;script&gt;" in html_text
        assert "\n\n" not in html_text  # a blank line would end the chat's raw-HTML block
    assert "<mark>17个</mark>" in pieces[1] and "<mark>17个</mark>" in pieces[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """`python -m qa ARGS` (qa/__main__.py, the `qa` command's twin)."""
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, timeout=120)


def test_serve_without_index_is_one_line_and_exit_1(tmp_path):
    result = run_cli("serve", "--index-dir", str(tmp_path / "missing"), "--host", "0.0.0.0")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("warning:") and "--auth" in lines[0]
    assert len(lines) == 2 and lines[1].startswith("error: no index at") and "Traceback" not in result.stderr


def test_serve_rejects_malformed_auth(tmp_path):
    result = run_cli("serve", "--index-dir", str(tmp_path), "--auth", "nopassword")
    assert result.returncode == 1 and "USER:PASS" in result.stderr and "Traceback" not in result.stderr


def test_delete_removes_a_document_from_every_answer(upload_client):
    """After DELETE, no answer, passage or citation comes from the removed report, and a
    second DELETE of it is a 400."""
    question = {"question": "丽水市委五届八次全会出席的市委委员有多少名？", "top_k": 20}
    doc = "004_a2c695bdbd89f31f.txt"
    assert any(p["doc"] == doc for p in upload_client.post("/api/ask", json=question).json()["passages"])
    response = upload_client.delete(f"/api/documents/{doc}")
    assert response.status_code == 200 and response.json()["removed"] == doc
    body = upload_client.post("/api/ask", json=question).json()
    assert all(p["doc"] != doc for p in body["passages"]) and all(c["doc"] != doc for c in body["citations"])
    assert all(c["doc"] != doc for c in body["other_candidates"])
    assert doc not in [d["id"] for d in upload_client.get("/api/documents").json()["documents"]]
    assert_error(upload_client.delete(f"/api/documents/{doc}"), 400)


def test_delete_of_an_upload_deletes_its_copy(upload_client):
    files = {"file": ("park.txt", "测试县2025年新建公园17个。".encode(), "text/plain")}
    assert upload_client.post("/api/documents", files=files).status_code == 201
    assert upload_client.delete("/api/documents/uploads/park.txt").status_code == 200
    assert not (upload_client.uploads / "park.txt").exists()


def test_delete_needs_the_login_like_uploads(http_index):
    with TestClient(create_app(http_index, auth=("reader", "s3cret:pw"))) as secured:
        assert_error(secured.delete("/api/documents/004_a2c695bdbd89f31f.txt"), 401)
        assert len(secured.get("/api/documents", auth=("reader", "s3cret:pw")).json()["documents"]) == 5


def test_the_documents_tab_removes_a_document(http_index, tmp_path):
    """The chat page's remove action, through its real handler over a private index copy."""
    from qa.frontends.webui import PageHandlers
    from qa.service import LiveAssistant

    index_dir = tmp_path / "index"
    shutil.copytree(http_index, index_dir)
    live = LiveAssistant(index_dir)
    handle = PageHandlers(live)
    doc = "004_a2c695bdbd89f31f.txt"
    status, table, docs, choices = handle.remove_report(doc, [doc, "000_575acf73bce17c5b.txt"])
    assert "Removed 004_a2c695bdbd89f31f.txt" in status
    assert all(doc not in row for row in table) and len(table) == 4
    assert docs.value == ["000_575acf73bce17c5b.txt"] and doc not in [c[1] for c in choices.choices]
    assert doc not in live.current().index.documents
    assert "Pick a document" in handle.remove_report(None, [])[0]


@pytest.fixture
def slow_limits_server(http_index, monkeypatch):
    """`qa serve`'s own uvicorn settings over the real app, in a thread, with read timeouts
    of one second; yields its port."""
    import threading

    import uvicorn

    from qa.frontends.server import bind_socket, server_config

    monkeypatch.setattr(settings, "HEADER_READ_SECONDS", 1.0)
    monkeypatch.setattr(settings, "BODY_IDLE_SECONDS", 1.0)
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(server_config(create_app(http_index)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(10)


def closed_after(port: int, *parts: bytes, pause: float = 0.0) -> bytes:
    """What the server sends back to `parts`, sent with `pause` seconds after each, before
    it closes the connection (b"" if it closes without a word)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        for part in parts:
            conn.sendall(part)
            time.sleep(pause)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    return received


def test_slow_headers_and_stalled_bodies_are_cut_off(slow_limits_server):
    port = slow_limits_server
    began = time.monotonic()
    assert closed_after(port, b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", pause=0.3) == b""
    assert closed_after(port, b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              b"Content-Length: 100\r\n\r\n", b'{"question": ') == b""
    assert time.monotonic() - began < 8  # closed by the timeouts, not the client's 10 s
    answered = closed_after(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answered.startswith(b"HTTP/1.1 200")
    # a body that keeps coming, if slowly, is read to the end
    body = json.dumps({"question": "丽水市委书记是谁？"}).encode("utf-8")
    head = (b"POST /api/ask HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    answered = closed_after(port, head, *(body[i:i + 8] for i in range(0, len(body), 8)), pause=0.4)
    assert answered.startswith(b"HTTP/1.1 200") and "吴舜泽".encode("utf-8") in answered


def test_an_idle_connection_outlives_the_clients_own_keep_alive(slow_limits_server):
    """A connection left idle longer than httpx keeps one (5 s) still takes the next request:
    the server never closes it just as a busy client reuses it (a "connection reset")."""
    import socket

    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    def response(conn) -> bytes:  # the whole response: its head and body may come in separate reads
        data = b""
        while b"\r\n\r\n" not in data:
            if not (chunk := conn.recv(65536)):
                return data  # closed by the server
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")))
        while len(body) < length and (chunk := conn.recv(65536)):
            body += chunk
        return head + b"\r\n\r\n" + body

    with socket.create_connection(("127.0.0.1", slow_limits_server), timeout=10) as conn:
        conn.sendall(request)
        assert response(conn).startswith(b"HTTP/1.1 200")
        time.sleep(6)
        conn.sendall(request)
        assert response(conn).startswith(b"HTTP/1.1 200")


def test_a_second_upload_waits_its_turn_in_view(upload_client, monkeypatch):
    """While one upload is indexed, another waits for it; GET /api/documents lists both
    (the running one first) and the chat page's status line names what it waits for."""
    import threading

    import qa.service
    from qa.frontends.webui import PageHandlers

    release, real_update = threading.Event(), qa.service.update_index

    def slow_update(*args, **kwargs):  # the first upload's indexing takes until released
        release.wait(30)
        return real_update(*args, **kwargs)

    monkeypatch.setattr(qa.service, "update_index", slow_update)
    results = {}

    def upload(name, text):
        results[name] = upload_client.post("/api/documents", files={"file": (name, text.encode("utf-8"))})

    first = threading.Thread(target=upload, args=("first.txt", "甲市报告\n甲市2025年新建公园17个。\n"))
    first.start()
    wait_for(lambda: upload_client.get("/api/documents").json()["changes"])
    second = threading.Thread(target=upload, args=("second.txt", "乙市报告\n乙市2025年新建公园9个。\n"))
    second.start()
    changes = wait_for(lambda: (c := upload_client.get("/api/documents").json()["changes"])[1:] and c)
    assert [(c["document"], c["state"]) for c in changes] == [("uploads/first.txt", "indexing"),
                                                              ("uploads/second.txt", "waiting")]
    state = SimpleNamespace(changes=lambda: changes)
    assert PageHandlers(state).upload_progress("second.txt").startswith(
        "Waiting for uploads/first.txt to finish indexing")
    release.set()
    first.join(60), second.join(60)
    assert results["first.txt"].status_code == results["second.txt"].status_code == 201
    assert upload_client.get("/api/documents").json()["changes"] == []


def wait_for(condition, seconds: float = 20.0):
    """`condition()`'s first true value, polled until `seconds` pass (then fail)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def test_the_server_caps_malloc_arenas_unless_told_otherwise():
    """`qa serve` caps glibc's malloc arenas (as MALLOC_ARENA_MAX=2) before its threads start;
    an explicit MALLOC_ARENA_MAX is left to glibc. In fresh processes: the cap is process-wide."""
    import os
    import subprocess
    import sys

    script = "from qa.frontends.server import cap_malloc_arenas; print(cap_malloc_arenas())"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    capped = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    told = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**env, "MALLOC_ARENA_MAX": "4"}, timeout=60)
    assert (capped.stdout.strip(), told.stdout.strip()) == ("True", "False"), capped.stderr + told.stderr
