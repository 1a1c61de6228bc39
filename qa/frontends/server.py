"""`qa serve`: one FastAPI app with the JSON API and the Gradio chat page mounted at `/`.

The loaded `Assistant` is the only shared state: `LiveAssistant` hands it to requests and
swaps in a freshly loaded one, under a lock, after an upload. Every error a caller can
cause becomes a 4xx `{"error": ...}` body; size limits are checked before any parsing.
"""

import ipaddress
import logging
import os
import re
import secrets
import socket
import sys
import threading
import uuid
from pathlib import Path

from fastapi import Depends, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from .. import settings
from ..assistant import Assistant
from ..errors import IndexLocked, IndexMismatch, InvalidRequest, QAError
from ..question.dictionary import english_to_chinese

log = logging.getLogger(__name__)

MULTIPART_OVERHEAD_BYTES = 16 * 1024
"""Room for multipart boundaries and headers on top of MAX_UPLOAD_BYTES in an upload body."""

MAX_FILE_NAME_CHARS = 120
"""Longest accepted upload file name."""

SHUTDOWN_GRACE_SECONDS = 3
"""How long Ctrl-C waits for open connections (the chat page keeps one) before closing them."""

_SAFE_NAME = re.compile(r"[\w][\w\-. ()（）]*")
"""Letters (any script), digits, '_', '-', '.', spaces and brackets; no leading dot."""


class LiveAssistant:
    """The current `Assistant` for one index directory, replaced after each upload.

    Readers call `current()` and keep that object for their whole request, so a swap never
    changes an answer half-way. Uploads are serialised by their own lock.
    """

    def __init__(self, index_dir: str | Path):
        from ..stores import parse_store

        self.store = parse_store(index_dir)
        self.index_dir = self.store.folder  # the index folder; for Milvus, where uploads/ lives
        self._assistant = Assistant.load(self.store)
        self._swap_lock = threading.Lock()
        self._write_lock = threading.Lock()
        # CC-CEDICT's reverse table takes a few seconds to build: build it now, not on the
        # first English question
        threading.Thread(target=english_to_chinese, name="dictionary", daemon=True).start()

    def current(self) -> Assistant:
        with self._swap_lock:
            return self._assistant

    def add_report(self, file_name: str, data: bytes) -> dict:
        """Save an uploaded report into the index's uploads folder and index it.

        Returns:
            The new document's entry (id, title, chars, chunks).
        Raises:
            InvalidRequest: bad name or suffix, too big, already uploaded, or unreadable.
            IndexLocked: another process is writing the index.
            IndexMismatch: the index was built with other settings (see below).
        """
        from ..ingest.indexing import UPLOADS, update_index

        check_upload(file_name, len(data))
        doc_id = f"{UPLOADS}/{file_name}"
        with self._write_lock:
            target = self.index_dir / UPLOADS / file_name
            if target.exists() or doc_id in self.current().index.documents:
                raise InvalidRequest(f"{doc_id} is already indexed; rename the file to add it again")
            self._check_settings_unchanged()
            warnings: list[str] = []
            write_atomically(target, data)
            try:
                update_index([], self.store, prune=False, progress=False, warn=warnings.append)
                fresh = Assistant.load(self.store)
            except BaseException:
                target.unlink(missing_ok=True)
                raise
            entry = next((d for d in fresh.documents() if d["id"] == doc_id), None)
            if entry is None:
                target.unlink(missing_ok=True)
                reasons = "; ".join(w.replace(str(target), file_name) for w in warnings)
                raise InvalidRequest(f"could not index {file_name}: {reasons or 'no text found'}")
            with self._swap_lock:
                self._assistant = fresh
        log.info("indexed upload %s (%d chunks)", doc_id, entry["chunks"])
        return entry

    def remove_report(self, doc_id: str) -> dict:
        """Take `doc_id` out of the index (deleting an uploaded copy) and swap in the result.

        Raises:
            InvalidRequest: not an indexed document.
            IndexLocked, IndexMismatch: as for uploads.
        """
        from ..ingest.indexing import remove_document

        with self._write_lock:
            report = remove_document(self.store, doc_id)
            fresh = Assistant.load(self.store)
            with self._swap_lock:
                self._assistant = fresh
        log.info("removed %s", doc_id)
        return {"removed": doc_id, "documents": len(report.unchanged), "chunks": report.chunks}

    def _check_settings_unchanged(self) -> None:
        """Refuse to add to an index built with other settings: the upload would have to
        re-embed every document first, minutes of work hidden behind one request."""
        from ..ingest.indexing import index_settings
        from ..stores import read_manifest

        expected = index_settings(self.current().embedder)
        manifest = read_manifest(self.store)
        if {key: manifest.get(key) for key in expected} != expected:
            raise IndexMismatch(f"the index at {self.store} was built with other settings; "
                                f"{self.store.rebuild_hint()} before adding reports")


def check_upload(file_name: str, size_bytes: int) -> None:
    """Refuse unsafe names, unsupported suffixes and oversized files.

    Raises:
        InvalidRequest: with what to change.
    """
    if not isinstance(file_name, str) or not file_name:
        raise InvalidRequest("the upload has no file name")
    if "/" in file_name or "\\" in file_name or ".." in file_name or file_name.startswith("."):
        raise InvalidRequest("the file name must be a plain name: no folders, '..' or leading dot")
    if len(file_name) > MAX_FILE_NAME_CHARS or not _SAFE_NAME.fullmatch(file_name):
        raise InvalidRequest(f"the file name may use letters, digits, spaces and _-.() only, at most "
                             f"{MAX_FILE_NAME_CHARS} characters")
    if Path(file_name).suffix.lower() not in settings.SOURCE_SUFFIXES:
        raise InvalidRequest(f"unsupported file type; upload one of {', '.join(settings.SOURCE_SUFFIXES)}")
    if size_bytes > settings.MAX_UPLOAD_BYTES:
        raise InvalidRequest(f"the file is {size_bytes} bytes; the limit is {settings.MAX_UPLOAD_BYTES}")


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a hidden temp file and a rename (indexers skip dot files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """`USER:PASS` as a pair, or None. Raises InvalidRequest on a malformed value."""
    if value is None:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise InvalidRequest("--auth must look like USER:PASS with both parts non-empty")
    return user, password


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class AskRequest(BaseModel):
    """Body of `POST /api/ask`. Types are strict: `"5"`, `5.0` and `true` are not a top_k."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(description=f"the question, at most {settings.MAX_QUESTION_CHARS} characters",
                          examples=["2023年泉州开工重点项目多少个？"])
    top_k: int = Field(settings.DEFAULT_TOP_K, description=f"passages to return, 1 to {settings.MAX_TOP_K}")
    docs: list[str] | None = Field(None, description="only search these document ids (see GET /api/documents)")


class BodySizeLimit:
    """ASGI middleware: 413 for request bodies over their path's limit, before any parsing.

    A declared Content-Length is refused at once; a chunked body is counted as it arrives.
    """

    def __init__(self, app, limits: dict[str, int]):
        self.app = app
        self.limits = limits

    async def __call__(self, scope, receive, send):
        limit = self.limits.get(scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            return await self.app(scope, receive, send)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return await error_response(413, _too_large(limit))(scope, receive, send)
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counted_receive, send)


def _too_large(limit: int) -> str:
    return f"the request body is over the {limit}-byte limit"


def error_response(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def describe_validation_error(error: dict) -> str:
    """One readable line for the first problem pydantic found in a request."""
    where = ".".join(str(part) for part in error.get("loc", ())[1:])
    kind = error.get("type", "")
    if kind == "missing":
        return f"missing field {where!r}"
    if kind == "extra_forbidden":
        return f"unknown field {where!r}; the fields are {', '.join(AskRequest.model_fields)}"
    if not where:
        return "the body must be a JSON object with a 'question'"
    return f"{where}: {error.get('msg', 'invalid value')}"


def add_error_handlers(app) -> None:
    """Every error becomes `{"error": "..."}`: 4xx for the caller's mistakes, 500 for ours."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request, exc):
        first = (exc.errors() or [{}])[0]
        if first.get("type") == "json_invalid":
            return error_response(400, f"malformed JSON body: {first.get('ctx', {}).get('error', '')}")
        return error_response(422, describe_validation_error(first))

    @app.exception_handler(HTTPException)
    async def http_error(request, exc):
        return error_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(QAError)
    async def qa_error(request, exc):
        return error_response(409 if isinstance(exc, (IndexLocked, IndexMismatch)) else 400, str(exc))

    @app.exception_handler(Exception)
    async def crash(request, exc):
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal error; the server log has the details")


def require_login(auth: tuple[str, str]):
    """A dependency that checks HTTP Basic credentials against `auth` in constant time."""
    basic = HTTPBasic(auto_error=False, realm="Reports QA")
    user, password = (part.encode() for part in auth)

    def check(credentials: HTTPBasicCredentials | None = Depends(basic)) -> None:
        given = credentials or HTTPBasicCredentials(username="", password="")
        user_ok = secrets.compare_digest(given.username.encode(), user)
        password_ok = secrets.compare_digest(given.password.encode(), password)
        if not (user_ok and password_ok):
            raise HTTPException(401, "log in with the USER:PASS given to `qa serve --auth`",
                                headers={"WWW-Authenticate": 'Basic realm="Reports QA"'})
    return check


def add_api_routes(app, live: LiveAssistant, guard: list) -> None:
    errors = {code: {"description": text, "content": {"application/json": {"example": {"error": "..."}}}}
              for code, text in [(400, "bad input"), (413, "body too large"), (422, "bad fields")]}

    @app.post("/api/ask", dependencies=guard, responses=errors, tags=["qa"])
    def ask(request: AskRequest) -> dict:
        """Answer a question with a cited span: exactly `Answer.to_dict()`."""
        answer = live.current().ask(request.question, top_k=request.top_k, docs=request.docs)
        return answer.to_dict()

    @app.get("/api/documents", dependencies=guard, tags=["documents"])
    def list_documents() -> dict:
        """The indexed documents: id, title, characters and chunks."""
        return {"documents": live.current().documents()}

    kinds = ", ".join(settings.SOURCE_SUFFIXES)

    @app.post("/api/documents", dependencies=guard, responses=errors, status_code=201, tags=["documents"])
    def upload_document(file: UploadFile = File(description=f"one report: {kinds}")) -> dict:
        """Add one report; it is indexed at once and searchable in the next question."""
        check_upload(file.filename or "", 0)
        data = file.file.read(settings.MAX_UPLOAD_BYTES + 1)
        if len(data) > settings.MAX_UPLOAD_BYTES:
            raise HTTPException(413, f"the file is over the {settings.MAX_UPLOAD_BYTES}-byte limit")
        return live.add_report(file.filename, data)

    @app.delete("/api/documents/{doc_id:path}", dependencies=guard, responses=errors, tags=["documents"])
    def remove_document(doc_id: str) -> dict:
        """Take one document out of the index; no answer, passage or citation comes from it after."""
        return live.remove_report(doc_id)

    @app.get("/healthz", tags=["health"])
    def health() -> dict:
        """Liveness and the size of the loaded index."""
        assistant = live.current()
        return {"status": "ok", "documents": len(assistant.index.documents),
                "chunks": len(assistant.index.chunks)}


API_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def add_api_fallback(app) -> None:
    """Any /api request no route takes gets a JSON 405 (known path, other method) or 404,
    instead of falling through to the chat page mounted at '/'."""
    from starlette.routing import Match

    known = [r for r in app.routes if getattr(r, "path", "").startswith("/api/")]

    @app.api_route("/api/{rest:path}", methods=API_METHODS, include_in_schema=False)
    def api_fallback(request: Request):
        allowed = sorted({m for r in known if r.matches(request.scope)[0] == Match.PARTIAL
                          for m in (r.methods or ())})
        if allowed:
            return error_response(405, f"{request.method} is not allowed here; use {', '.join(allowed)}",
                                  {"Allow": ", ".join(allowed)})
        return error_response(404, f"no API route {request.url.path}; see /docs")


def create_app(index_dir: str | Path, auth: tuple[str, str] | None = None):
    """The FastAPI app: JSON API under /api, OpenAPI docs at /docs, chat page at /.

    Raises:
        IndexNotFound & co.: when the index cannot be loaded.
    """
    live = LiveAssistant(index_dir)  # first: a missing index fails before Gradio loads
    from importlib import metadata

    import gradio as gr
    from fastapi import FastAPI

    from .webui import build_ui, page_style

    app = FastAPI(title="Reports QA", version=metadata.version("qa-reports"),
                  description="Extractive answers with exact citations over Chinese government reports.")
    app.add_middleware(BodySizeLimit, limits={
        "/api/ask": settings.MAX_REQUEST_BYTES,
        "/api/documents": settings.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES})
    add_error_handlers(app)
    add_api_routes(app, live, [Depends(require_login(auth))] if auth else [])
    add_api_fallback(app)
    return gr.mount_gradio_app(app, build_ui(live), path="/", auth=auth, show_error=False,
                               max_file_size=settings.MAX_UPLOAD_BYTES, footer_links=["api"],
                               run_history=False, **page_style())


def serve(args) -> int:
    """Run the server until Ctrl-C (`qa serve`); returns the exit code.

    Raises:
        IndexNotFound & co.: the index cannot be loaded (the CLI prints one line).
        QAError: bad --auth, or the address cannot be bound.
    """
    import uvicorn

    auth = parse_auth(args.auth)
    if auth is None and not is_loopback(args.host):
        print(f"warning: serving on {args.host} without --auth: anyone who can reach it can read "
              "and add reports; pass --auth USER:PASS", file=sys.stderr)
    app = create_app(args.index_dir, auth)
    sock = bind_socket(args.host, args.port)
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Serving on http://{host}:{args.port}/ (API docs at /docs)", flush=True)
    if auth:
        print(f"Login required as {auth[0]!r}", flush=True)
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or QAError saying what to change."""
    sock = None
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        if sock is not None:
            sock.close()
        raise QAError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                      "choose another --port or --host") from None
    sock.set_inheritable(True)
    return sock
