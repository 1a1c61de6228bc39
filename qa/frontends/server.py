"""`qa serve`: one FastAPI app with the JSON API, the OpenAI-compatible endpoint under `/v1`
and the Gradio chat page mounted at `/`.

The only shared state is the live service (`qa.service.LiveAssistant`), which hands the
current assistant to requests and swaps in a fresh one after an upload or removal. Every
error a caller can cause becomes a 4xx `{"error": ...}` body (under `/v1`, OpenAI's
`{"error": {"message", "type", ...}}`); size limits are checked before any parsing.
"""

import base64
import ipaddress
import logging
import secrets
import socket
import sys
from pathlib import Path

from fastapi import File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from .. import settings
from ..errors import DocumentTooLarge, IndexLocked, IndexMismatch, InvalidQuestion, InvalidRequest, QAError
from ..service import LiveAssistant, check_upload
from .openai_api import add_openai_routes, error_json

log = logging.getLogger(__name__)

MULTIPART_OVERHEAD_BYTES = 16 * 1024
"""Room for multipart boundaries and headers on top of MAX_UPLOAD_BYTES in an upload body."""

SHUTDOWN_GRACE_SECONDS = 3
"""How long Ctrl-C waits for open connections (the chat page keeps one) before closing them."""


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


class HistoryTurn(BaseModel):
    """One earlier turn of a conversation: the question asked and the answer given."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(max_length=settings.MAX_QUESTION_CHARS, examples=["温州市委书记是谁？"])
    answer: str | None = Field(None, max_length=settings.MAX_QUESTION_CHARS,
                               description="the answer given (`answer` of that reply), null when none was found",
                               examples=["陈伟俊"])


class AskRequest(BaseModel):
    """Body of `POST /api/ask`. Types are strict: `"5"`, `5.0` and `true` are not a top_k."""

    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(description=f"the question, at most {settings.MAX_QUESTION_CHARS} characters",
                          examples=["2023年泉州开工重点项目多少个？"])
    top_k: int = Field(settings.DEFAULT_TOP_K, description=f"passages to return, 1 to {settings.MAX_TOP_K}")
    docs: list[str] | None = Field(None, description="only search these document ids (see GET /api/documents)")
    place: str | None = Field(None, description="only search the reports about this place (泉州, Quanzhou)",
                              examples=["丽水"])
    year: int | None = Field(None, description="only search the reports dated in this year", examples=[2024])
    history: list[HistoryTurn] | None = Field(
        None, max_length=settings.MAX_HISTORY_TURNS,
        description="earlier turns of the conversation, oldest first: a follow-up ('副书记呢？', 'And of Lishui?') "
                    "is answered as the standalone question it means, shown as `asked_as`")


class BatchRequest(BaseModel):
    """Body of `POST /api/ask/batch`: several questions asked with the same settings."""

    model_config = ConfigDict(extra="forbid", strict=True)

    questions: list[str] = Field(min_length=1, max_length=settings.MAX_BATCH_QUESTIONS,
                                 description=f"1 to {settings.MAX_BATCH_QUESTIONS} questions",
                                 examples=[["2023年泉州开工重点项目多少个？", "Who is the Party secretary of Wenzhou?"]])
    top_k: int = Field(settings.DEFAULT_TOP_K, description=f"passages to return, 1 to {settings.MAX_TOP_K}")
    docs: list[str] | None = Field(None, description="only search these document ids (see GET /api/documents)")
    place: str | None = Field(None, description="only search the reports about this place (泉州, Quanzhou)",
                              examples=["丽水"])
    year: int | None = Field(None, description="only search the reports dated in this year", examples=[2024])


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
            return await error_response(413, _too_large(limit), path=scope["path"])(scope, receive, send)
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


def error_response(status: int, message: str, headers: dict | None = None, path: str = "") -> JSONResponse:
    """`{"error": message}`, or OpenAI's error shape for a `/v1` path."""
    if path.startswith("/v1/"):
        return error_json(status, message, headers=headers)
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def describe_validation_error(error: dict) -> str:
    """One readable line for the first problem pydantic found in a request."""
    where = ".".join(str(part) for part in error.get("loc", ())[1:])
    kind = error.get("type", "")
    if kind == "missing":
        return f"missing field {where!r}"
    if kind == "extra_forbidden":
        return f"unknown field {where!r}; the fields are listed at /docs"
    if not where:
        return "the body must be a JSON object with a 'question'"
    return f"{where}: {error.get('msg', 'invalid value')}"


def add_error_handlers(app, hidden: tuple[str, ...] = ()) -> None:
    """Every error becomes `{"error": "..."}`: 4xx for the caller's mistakes, 500 for ours.
    The `hidden` strings (the server's index folder) are never sent: a caller learns no
    server path."""

    def public(message: str) -> str:
        for text in hidden:
            message = message.replace(text, "<index>")
        return message

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request, exc):
        first = (exc.errors() or [{}])[0]
        path = request.url.path
        if first.get("type") == "json_invalid":
            return error_response(400, f"malformed JSON body: {first.get('ctx', {}).get('error', '')}", path=path)
        if path.startswith("/v1/"):  # OpenAI answers a malformed request with 400, naming the parameter
            where = ".".join(str(part) for part in first.get("loc", ())[1:])
            return error_json(400, describe_validation_error(first), param=where or None)
        return error_response(422, describe_validation_error(first))

    @app.exception_handler(HTTPException)
    async def http_error(request, exc):
        return error_response(exc.status_code, public(str(exc.detail)), getattr(exc, "headers", None),
                              request.url.path)

    @app.exception_handler(QAError)
    async def qa_error(request, exc):
        status = 409 if isinstance(exc, (IndexLocked, IndexMismatch)) else 413 if isinstance(exc, DocumentTooLarge) \
            else 400
        return error_response(status, public(str(exc)), path=request.url.path)

    @app.exception_handler(Exception)
    async def crash(request, exc):
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal error; the server log has the details", path=request.url.path)


class Gate:
    """Who may use /api, /v1 and the API docs: with `key`, callers that send it as a bearer
    token; else, with `login`, callers that send that HTTP Basic login. Checked as ASGI
    middleware, before any body is read; credentials compared in constant time."""

    GUARDED = ("/api/", "/v1/", "/docs", "/redoc", "/openapi.json")

    def __init__(self, app, login: tuple[str, str] | None, key: str | None):
        self.app, self.login, self.key = app, login, key

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(self.GUARDED) or self.allows(Headers(scope=scope)):
            return await self.app(scope, receive, send)
        if self.key is not None:
            message, challenge = "give the key of `qa serve --api-key` as 'Authorization: Bearer KEY'", "Bearer"
        else:
            message, challenge = "log in with the USER:PASS given to `qa serve --auth`", 'Basic realm="Reports QA"'
        response = error_response(401, message, {"WWW-Authenticate": challenge}, scope["path"])
        await response(scope, receive, send)

    def allows(self, headers: Headers) -> bool:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if self.key is not None:
            return scheme.lower() == "bearer" and secrets.compare_digest(given.strip().encode(), self.key.encode())
        try:
            user, _, password = base64.b64decode(given.strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user = password = ""
        user_ok = secrets.compare_digest(user.encode(), self.login[0].encode())
        password_ok = secrets.compare_digest(password.encode(), self.login[1].encode())
        return scheme.lower() == "basic" and user_ok and password_ok


def add_api_routes(app, live: LiveAssistant, guarded: bool) -> None:
    errors = {code: {"description": text, "content": {"application/json": {"example": {"error": "..."}}}}
              for code, text in [(400, "bad input"), (413, "body too large"), (422, "bad fields")]}

    @app.post("/api/ask", responses=errors, tags=["qa"])
    def ask(request: AskRequest) -> dict:
        """Answer a question with a cited span: exactly `Answer.to_dict()`."""
        history = [turn.model_dump() for turn in request.history or []]
        assistant = live.current()
        docs = assistant.select_documents(request.docs, request.place, request.year)
        answer = assistant.ask(request.question, top_k=request.top_k, docs=docs, history=history)
        return answer.to_dict()

    @app.post("/api/ask/batch", responses=errors, tags=["qa"])
    def ask_batch(request: BatchRequest) -> dict:
        """Answer several questions in order: `{"answers": [...]}`, each the `/api/ask` object, or
        `{"question", "error"}` for a question that cannot be asked (the others are answered)."""
        assistant = live.current()
        docs = assistant.select_documents(request.docs, request.place, request.year)
        results = assistant.ask_each(request.questions, top_k=request.top_k, docs=docs)
        return {"answers": [{"question": question, "error": str(result)} if isinstance(result, InvalidQuestion)
                            else result.to_dict() for question, result in zip(request.questions, results)]}

    @app.get("/api/documents", tags=["documents"])
    def list_documents() -> dict:
        """The indexed documents (id, title, characters, chunks, date, place), and the uploads
        and removals under way (`changes`: the one running, then those waiting for it)."""
        return {"documents": live.current().documents(), "changes": live.changes()}

    kinds = ", ".join(settings.SOURCE_SUFFIXES)

    @app.post("/api/documents", responses=errors, status_code=201, tags=["documents"])
    def upload_document(file: UploadFile = File(description=f"one report: {kinds}")) -> dict:
        """Add one report; it is indexed at once and searchable in the next question. While
        another upload is indexed this one waits (listed under `changes` by GET /api/documents)."""
        check_upload(file.filename or "", 0)
        data = file.file.read(settings.MAX_UPLOAD_BYTES + 1)
        if len(data) > settings.MAX_UPLOAD_BYTES:
            raise HTTPException(413, f"the file is over the {settings.MAX_UPLOAD_BYTES}-byte limit")
        return live.add_report(file.filename, data)

    @app.delete("/api/documents/{doc_id:path}", responses=errors, tags=["documents"])
    def remove_document(doc_id: str) -> dict:
        """Take one document out of the index; no answer, passage or citation comes from it after."""
        return live.remove_report(doc_id)

    @app.get("/healthz", tags=["health"])
    def health() -> dict:
        """Liveness and the size of the loaded index (the status only on a guarded server)."""
        assistant = live.current()
        if guarded:
            return {"status": "ok"}
        return {"status": "ok", "documents": len(assistant.index.documents),
                "chunks": len(assistant.index.chunks)}


API_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def add_api_fallback(app) -> None:
    """Any /api request no route takes gets a JSON 405 (known path, other method) or 404,
    instead of falling through to the chat page mounted at '/'."""
    from starlette.routing import Match

    known = [r for r in app.routes if getattr(r, "path", "").startswith(("/api/", "/v1/"))]

    def fallback(request: Request):
        path = request.url.path
        allowed = sorted({m for r in known if r.matches(request.scope)[0] == Match.PARTIAL
                          for m in (r.methods or ())})
        if allowed:
            return error_response(405, f"{request.method} is not allowed here; use {', '.join(allowed)}",
                                  {"Allow": ", ".join(allowed)}, path)
        return error_response(404, f"no API route {path}; see /docs", path=path)

    for prefix in ("/api", "/v1"):
        app.api_route(prefix + "/{rest:path}", methods=API_METHODS, include_in_schema=False)(fallback)


def create_app(index_dir: str | Path, auth: tuple[str, str] | None = None, api_key: str | None = None):
    """The FastAPI app: JSON API under /api, the OpenAI-compatible endpoint under /v1, OpenAPI
    docs at /docs, chat page at /. With `api_key`, /api and /v1 want it as a bearer token
    (`auth` then guards the page only); else `auth` guards them too.

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
        "/api/ask/batch": settings.MAX_BATCH_REQUEST_BYTES,
        "/api/documents": settings.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES,
        "/v1/chat/completions": settings.MAX_BATCH_REQUEST_BYTES})
    if auth or api_key:
        app.add_middleware(Gate, login=auth, key=api_key)
    folder = Path(str(index_dir))
    hidden = {str(folder.resolve()), str(folder.resolve().parent)} - {"/", ""}
    add_error_handlers(app, tuple(sorted(hidden, key=len, reverse=True)))
    add_api_routes(app, live, bool(auth or api_key))
    add_openai_routes(app, live, metadata.version("qa-reports"))
    add_api_fallback(app)
    return gr.mount_gradio_app(app, build_ui(live), path="/", auth=auth, show_error=False,
                               max_file_size=settings.MAX_UPLOAD_BYTES, footer_links=["api"],
                               run_history=False, **page_style())


def serve(index_dir: "str | Path" = settings.DEFAULT_INDEX_DIR, host: str = "127.0.0.1", port: int = 7860,
          auth: str | None = None, api_key: str | None = None) -> int:
    """Run the server until Ctrl-C (`qa serve`); returns the exit code.

    Args:
        index_dir: the index folder or store spec.
        host, port: where to listen.
        auth: "USER:PASS" to require a login, or None.
        api_key: a key /api and /v1 then want as `Authorization: Bearer KEY`, or None.
    Raises:
        IndexNotFound & co.: the index cannot be loaded (the CLI prints one line).
        QAError: bad `auth` or `api_key`, or the address cannot be bound.
    """
    import uvicorn

    cap_malloc_arenas()
    login = parse_auth(auth)
    if api_key is not None and (len(api_key) < 8 or any(c.isspace() for c in api_key)):
        raise InvalidRequest("--api-key must be at least 8 characters without spaces")
    if not is_loopback(host) and (login is None or api_key is None):
        unguarded = "the page and the API" if login is None and api_key is None else \
            "the page" if login is None else "the API (unless --api-key)"
        print(f"warning: serving on {host} with {unguarded} open: anyone who can reach it can read "
              "and add reports; pass --auth USER:PASS and --api-key KEY", file=sys.stderr)
    app = create_app(index_dir, login, api_key)
    sock = bind_socket(host, port)
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving on http://{shown}:{port}/ (API docs at /docs)", flush=True)
    if login:
        print(f"Login required as {login[0]!r}", flush=True)
    if api_key:
        print("API key required on /api and /v1 (Authorization: Bearer KEY)", flush=True)
    uvicorn.Server(server_config(app)).run(sockets=[sock])
    return 0


MALLOC_ARENAS = 2
"""glibc malloc arenas a server keeps (MALLOC_ARENA_MAX; glibc's default is 8 per core)."""


def cap_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas before the server starts its threads, as MALLOC_ARENA_MAX
    does (an explicit MALLOC_ARENA_MAX wins). glibc gives threads that allocate at once
    arenas of their own and keeps what they free there: under 16 clients the server's peak
    resident memory was 873 MiB with the default, 794 MiB with two, at the same rate
    (`bench/load.py`). True when the cap was set (not on a C library without `mallopt`)."""
    import ctypes
    import ctypes.util
    import os

    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(-8, arenas))  # -8: M_ARENA_MAX in glibc's malloc.h
    except (OSError, AttributeError):
        return False


def server_config(app):
    """uvicorn's settings for `qa serve`: h11 with read timeouts (`ReadTimeouts`), idle
    connections kept settings.KEEP_ALIVE_SECONDS."""
    import uvicorn

    return uvicorn.Config(app, log_level="warning", http=read_timeouts_protocol(),
                          timeout_keep_alive=settings.KEEP_ALIVE_SECONDS,
                          timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS)


def read_timeouts_protocol() -> type:
    """uvicorn's h11 protocol that closes a connection whose request headers take longer than
    settings.HEADER_READ_SECONDS to arrive, or whose body stalls for settings.BODY_IDLE_SECONDS
    (uvicorn's own keep-alive timeout stops once a byte of a request arrives, so a client
    sending headers a byte at a time held a connection and its buffers for good)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class ReadTimeouts(H11Protocol):
        _read_timer = None
        _reading = None  # "headers", "body" or None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._expect("headers")

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            state = self.conn.their_state
            if state is h11.IDLE:
                if self._reading != "headers":  # the first bytes of a request on a kept-alive connection
                    self._expect("headers")
            elif state is h11.SEND_BODY:
                self._expect("body", again=True)
            else:
                self._expect(None)

        def connection_lost(self, exc) -> None:
            self._expect(None)
            super().connection_lost(exc)

        def _expect(self, part: str | None, again: bool = False) -> None:
            if part == self._reading and not again:
                return
            if self._read_timer is not None:
                self._read_timer.cancel()
            self._reading, self._read_timer = part, None
            if part is not None:
                seconds = settings.HEADER_READ_SECONDS if part == "headers" else settings.BODY_IDLE_SECONDS
                self._read_timer = self.loop.call_later(seconds, self._too_slow)

        def _too_slow(self) -> None:
            log.warning("closed a connection whose request %s came too slowly", self._reading)
            self._reading, self._read_timer = None, None
            if not self.transport.is_closing():
                self.transport.close()

    return ReadTimeouts


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
