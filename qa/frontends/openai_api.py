"""An OpenAI-compatible endpoint: chat front ends (Open WebUI, LibreChat, LobeChat, Cherry
Studio) and scripts written against the OpenAI API ask the reports through it.

`GET /v1/models` lists one model, `reports-qa`; `POST /v1/chat/completions` answers the
last user message, with the earlier user and assistant messages as the conversation (a
follow-up is answered as the standalone question it means, as `POST /api/ask` with
`history` does). The message is the answer with its sources as numbered Markdown footnotes
(title and quoted sentence), or a "not found" sentence in the question's language with the
closest passages; the response also carries the exact `citations` and `other_candidates`
of `/api/ask`. `stream: true` sends the same content as server-sent chunks. Errors have
OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, so clients raise them as
their usual exceptions.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from .. import settings
from ..answer.answers import Answer
from ..answer.rendering import shorten
from ..question.questions import detect_language

MODEL_ID = "reports-qa"
"""The one model the endpoint serves."""

NOT_FOUND = {"en": "Not found in the reports.", "zh-Hans": "报告中没有找到答案。", "zh-Hant": "報告中沒有找到答案。"}
CLOSEST = {"en": "The closest passages:", "zh-Hans": "最接近的段落：", "zh-Hant": "最接近的段落："}
ASKED_AS = {"en": "Asked as", "zh-Hans": "按此问题回答", "zh-Hant": "按此問題回答"}
CLOSEST_SHOWN = 3
"""Passages listed under a "not found" message."""


class ChatMessage(BaseModel):
    """One message of `messages`; fields the assistant does not use are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """Body of `POST /v1/chat/completions`: OpenAI's fields, plus this server's `top_k`,
    `docs`, `place` and `year` (`extra_body` in the openai client). Sampling parameters
    (temperature, top_p, max_tokens, seed, stop, user...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(examples=[MODEL_ID])
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    n: int | None = None
    tools: list[Any] | None = None
    functions: list[Any] | None = None
    top_k: int = Field(settings.DEFAULT_TOP_K, description="passages returned in `passages`")
    docs: list[str] | None = None
    place: str | None = None
    year: int | None = None


class OpenAIError(Exception):
    """A request this endpoint refuses, answered in OpenAI's error shape."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None,
                 kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.kind = status, message, param, code, kind


def error_json(status: int, message: str, param: str | None = None, code: str | None = None,
               kind: str | None = None, headers: dict | None = None) -> JSONResponse:
    """OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`."""
    kind = kind or ("authentication_error" if status == 401 else "not_found_error" if status == 404
                    else "server_error" if status >= 500 else "invalid_request_error")
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}},
                        status_code=status, headers=headers)


def model_card(reader: dict, version: str) -> dict:
    """The `/v1/models` entry: this server's model, with its reader's checksum."""
    return {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "reports-qa",
            "version": version, "reader": {"file": reader["file"], "sha256": reader["sha256"],
                                           "variant": reader.get("variant")}}


def conversation(request: ChatRequest) -> tuple[str, list[dict]]:
    """(the question: the last user message, history: earlier user messages, each with the
    assistant's reply that followed it, oldest first).

    Raises:
        OpenAIError: what the endpoint cannot honour (n > 1, tools, images, a conversation
        that does not end with the user's message).
    """
    if request.n is not None and request.n != 1:
        raise OpenAIError(400, "n must be 1: the reports give one answer per question", "n")
    if request.tools or request.functions:
        raise OpenAIError(400, "tools and functions are not supported: the assistant answers from the reports "
                               "only", "tools")
    if request.model != MODEL_ID:
        raise OpenAIError(404, f"the model {request.model!r} does not exist; this server has {MODEL_ID!r} "
                               "(GET /v1/models)", "model", "model_not_found")
    turns = [(m.role, _text(m, i)) for i, m in enumerate(request.messages) if m.role not in ("system", "developer")]
    if not turns or turns[-1][0] != "user":
        raise OpenAIError(400, "the last message must be the user's question", "messages")
    history = []
    for role, text in turns[:-1]:
        if role == "user":
            history.append({"question": text[:settings.MAX_QUESTION_CHARS], "answer": None})
        elif role == "assistant" and history and history[-1]["answer"] is None:
            history[-1]["answer"] = answer_of(text)
    return turns[-1][1], history[-settings.MAX_HISTORY_TURNS:]


def _text(message: ChatMessage, position: int) -> str:
    """A message's text: its content string, or its text parts joined."""
    if message.role in ("tool", "function"):
        raise OpenAIError(400, "tool and function messages are not supported", f"messages.{position}.role")
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    texts = []
    for part in message.content:
        if part.get("type") != "text" or not isinstance(part.get("text"), str):
            raise OpenAIError(400, f"only text content is supported, not {part.get('type')!r} (images, audio and "
                                   "files cannot be read)", f"messages.{position}.content")
        texts.append(part["text"])
    return "\n".join(texts)


_REFERENCE = re.compile(r"\[\^\d+\]")


def answer_of(content: str) -> str | None:
    """The answer an earlier reply of this endpoint gave (its first line, footnote marks
    removed), None for a "not found" reply; another assistant's reply: its first line."""
    first = next((line.strip() for line in content.splitlines() if line.strip()), "")
    if not first or any(first.startswith(sentence) for sentence in NOT_FOUND.values()):
        return None
    return _REFERENCE.sub("", first).strip()[:settings.MAX_QUESTION_CHARS] or None


def message_content(answer: Answer) -> str:
    """The reply: the answer with its citations as numbered footnotes (title and quoted
    sentence), the standalone question when a follow-up was written out; or the "not found"
    sentence in the question's language with its reason and the closest passages."""
    language = detect_language(answer.question)
    asked = (f"\n\n_{ASKED_AS[language]}: {answer.asked_as}_" if answer.asked_as and
             answer.asked_as != answer.question else "")
    if answer.abstained:
        closest = "\n".join(f"{i}. {shorten(p.text, 120)} — {p.title} ({p.doc}, {p.start}–{p.end})"
                            for i, p in enumerate(answer.passages[:CLOSEST_SHOWN], 1))
        reason = f" {answer.reason}" if answer.reason else ""
        return f"{NOT_FOUND[language]}{reason}{asked}" + (f"\n\n{CLOSEST[language]}\n{closest}" if closest else "")
    marks = "".join(f"[^{i}]" for i in range(1, len(answer.citations) + 1))
    notes = "\n".join(f"[^{i}]: {c.title} — “{shorten(c.quote, 200)}” ({c.doc}, {c.start}–{c.end}"
                      + (f", page {c.page}" if c.page else "") + ")"
                      for i, c in enumerate(answer.citations, 1))
    return f"{answer.answer}{marks}{asked}\n\n{notes}"


def tokens(text: str) -> int:
    """A token count for `usage`: each Chinese character, each Latin word or number and each
    other symbol counts one (the reader reads, it does not generate; this is for display)."""
    return len(re.findall(r"[\u3400-\u9fff]|[A-Za-z0-9]+|[^\sA-Za-z0-9\u3400-\u9fff]", text))


def completion(request: ChatRequest, answer: Answer, history: list[dict]) -> dict:
    """The non-streaming response body."""
    content = message_content(answer)
    return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": MODEL_ID,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": usage(answer, history, content), **extras(answer)}


def usage(answer: Answer, history: list[dict], content: str) -> dict:
    prompt = tokens(answer.question) + sum(tokens(t["question"]) + tokens(t["answer"] or "") for t in history)
    return {"prompt_tokens": prompt, "completion_tokens": tokens(content),
            "total_tokens": prompt + tokens(content)}


def extras(answer: Answer) -> dict:
    """What the response adds to OpenAI's fields: the exact citations and other candidates of
    `/api/ask`, with the question answered, the confidence and whether it abstained."""
    body = answer.to_dict()
    return {key: body[key] for key in ("citations", "other_candidates", "asked_as", "confidence", "abstained",
                                       "reason")}


def stream(request: ChatRequest, answer: Answer, history: list[dict]) -> StreamingResponse:
    """The same reply as server-sent events: a role chunk, content chunks (the answer line,
    then each further paragraph), a final chunk with `finish_reason` and the citations, a
    usage chunk when `stream_options.include_usage`, then `data: [DONE]`."""
    content = message_content(answer)
    head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": MODEL_ID}
    pieces = re.split(r"(?<=\n)", content)
    include_usage = bool((request.stream_options or {}).get("include_usage"))

    def chunk(delta: dict, finish: str | None = None, **more) -> str:
        body = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **more}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def events():
        yield chunk({"role": "assistant", "content": ""})
        for piece in pieces:
            yield chunk({"content": piece})
        yield chunk({}, "stop", **extras(answer))
        if include_usage:
            yield f"data: {json.dumps({**head, 'choices': [], 'usage': usage(answer, history, content)})}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def add_openai_routes(app, live, version: str) -> None:
    """`GET /v1/models`, `GET /v1/models/{id}` and `POST /v1/chat/completions` on `app`."""
    from ..reader.runtime import load_reader_manifest

    card = model_card(load_reader_manifest(), version)

    @app.exception_handler(OpenAIError)
    async def openai_error(request: Request, exc: OpenAIError):
        return error_json(exc.status, exc.message, exc.param, exc.code, exc.kind)

    @app.get("/v1/models", tags=["openai"])
    def list_models() -> dict:
        """The one model this server answers with."""
        return {"object": "list", "data": [card]}

    @app.get("/v1/models/{model_id}", tags=["openai"])
    def get_model(model_id: str) -> dict:
        if model_id != MODEL_ID:
            raise OpenAIError(404, f"the model {model_id!r} does not exist; this server has {MODEL_ID!r}",
                              "model", "model_not_found")
        return card

    @app.post("/v1/chat/completions", tags=["openai"])
    def chat_completions(request: ChatRequest):
        """Answer the last user message from the reports (earlier messages are the
        conversation), as OpenAI's chat completions do; `stream: true` for server-sent events."""
        question, history = conversation(request)
        assistant = live.current()
        docs = assistant.select_documents(request.docs, request.place, request.year)
        answer = assistant.ask(question, top_k=request.top_k, docs=docs, history=history)
        return stream(request, answer, history) if request.stream else completion(request, answer, history)
