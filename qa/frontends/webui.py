"""The chat page: `build_ui(state)` returns Gradio Blocks over a live assistant.

Answers, citations and sources are built as HTML here, and every question, title and
passage goes through `html.escape` first; the chat's Markdown sanitiser is a second line
of defence, not the first. Chat on the left; filters, source panel and documents on the
right. `state` is the live service (`qa.service.LiveAssistant`) or anything with its
`current()`, `add_report` and `remove_report`. Only the server imports this module, so
Gradio is imported at its top.
"""

import concurrent.futures
import html
import re
from pathlib import Path
from types import SimpleNamespace

import gradio as gr

from .. import settings
from ..answer.rendering import NOT_FOUND, candidate_source, converted_rendering, shorten
from ..errors import InvalidRequest, QAError
from .batch import QUESTION_SUFFIXES, ask_all, output_columns, read_questions, write_answers

HIGH_CONFIDENCE = 0.4
"""Answers at or above this confidence get the green "high" badge (over the dev questions,
answers at 0.4 or more averaged F1 0.81; from 0.2 to 0.4, 0.69; below 0.2, 0.46)."""

MEDIUM_CONFIDENCE = 0.2
"""Answers at or above this (and below high) get the amber "medium" badge."""

CONTEXT_CHARS = 120
"""Characters of the document shown on each side of a quote in the source panel."""

SNIPPET_CHARS = 14
"""Characters of the quote shown on each side of the answer in a folded citation."""

NOT_FOUND_PASSAGES = 3
"""Closest passages listed under "Not found in the reports"."""

UI_CONCURRENCY = 2
"""Questions answered at once: one per core of the 2-core machines this targets."""

UPLOAD_CACHE_SECONDS = 3600
"""Gradio's copies of uploaded files are deleted after this long (the index keeps its own)."""

UPLOAD_STATUS_SECONDS = 1.0
"""How often an upload's status line is renewed while it is indexed or waits for another."""

EXAMPLES = ("2023年泉州开工重点项目多少个？", "泉州市委十三屆九次全會有多少名市委委員出席?",
            "Who is the Party secretary of Wenzhou?")
"""Example questions in Simplified Chinese, Traditional Chinese and English."""

_BREAKS = re.compile(r"[ \t\u3000]*\n[\s\u3000]*")

EMPTY_SOURCE = ('<div class="qa-src qa-src-empty">Ask a question: the passage each answer '
                'is quoted from appears here, with the answer highlighted.</div>')


def confidence_level(confidence: float) -> str:
    if confidence >= HIGH_CONFIDENCE:
        return "high"
    return "medium" if confidence >= MEDIUM_CONFIDENCE else "low"


def _text(value: str) -> str:
    """Escaped text on one line: a blank line would end the chat's raw-HTML block."""
    return html.escape(_tidy(value)).replace("\n", "<br>")


def _tidy(value: str) -> str:
    """Runs of blank lines and indentation (common in scraped reports) shown as one break."""
    return _BREAKS.sub("\n", value.replace("\r", ""))


def _marked(text: str, start: int, end: int) -> str:
    """`text` escaped, with text[start:end] inside <mark>."""
    return f"{_text(text[:start])}<mark>{_text(text[start:end])}</mark>{_text(text[end:])}"


def _snippet(quote: str, start: int, end: int) -> str:
    """The answer span marked, with a few characters of the quote around it."""
    lo, hi = max(0, start - SNIPPET_CHARS), min(len(quote), end + SNIPPET_CHARS)
    marked = _marked(quote[lo:hi], start - lo, end - lo)
    return ("…" if lo else "") + marked + ("…" if hi < len(quote) else "")


def _badge(confidence: float) -> str:
    level = confidence_level(confidence)
    return f'<span class="qa-badge qa-{level}" title="confidence">{level} · {confidence:.2f}</span>'


def _place(item: dict, chars: int | None = None) -> str:
    where = f"{item['doc']} · chars {item['start']}–{item['end']}"
    where += f" of {chars:,}" if chars else ""
    where += f" · page {item['page']}" if item.get("page") else ""
    return f'<div class="qa-place">{html.escape(where)}</div>'


def render_question(question: str) -> str:
    return f'<div class="qa-q">{_text(question)}</div>'


def answer_html(answer: dict) -> str:
    """The chat message for an `Answer.to_dict()`: span, badge and expandable citations, and
    the question as it was answered when a follow-up was written out in full."""
    asked = answer.get("asked_as") or answer["question"]
    asked = f'<div class="qa-asked">asked as: {_text(asked)}</div>' if asked != answer["question"] else ""
    if answer["abstained"]:
        head = f'<span class="qa-none">{NOT_FOUND}</span>{_badge(answer["confidence"])}'
        if answer.get("reason"):
            head += f'<div class="qa-reason">{_text(answer["reason"])}</div>'
        items = "".join(
            f'<li><details><summary>{_text(shorten(p["text"], 40))}</summary>'
            f'<div class="qa-quote">{_text(p["text"])}</div><div class="qa-cite-title">{_text(p["title"])}</div>'
            f'{_place(p)}</details></li>'
            for p in answer["passages"][:NOT_FOUND_PASSAGES])
        body = f'<div class="qa-dim">The closest passages, for reading:</div><ol class="qa-cites">{items}</ol>'
        return f'<div class="qa-answer">{asked}<div class="qa-head">{head}</div>{body if items else ""}</div>'
    head = (f'<span class="qa-span">{_text(answer["answer"])}</span><sup class="qa-ref">[1]</sup>'
            f'{_badge(answer["confidence"])}')
    converted = converted_rendering(answer["answer"], answer["question"])
    note = f'<div class="qa-dim">converted: {_text(converted)}</div>' if converted else ""
    items = "".join(
        f'<li><details><summary>{_snippet(c["quote"], c["start"] - c["quote_start"], c["end"] - c["quote_start"])}'
        f'</summary><div class="qa-quote">{_marked(c["quote"], c["start"] - c["quote_start"], c["end"] - c["quote_start"])}'
        f'</div><div class="qa-cite-title">{_text(c["title"])}</div>{_place(c)}</details></li>'
        for c in answer["citations"])
    cited = answer["citations"][0]["doc"] if answer["citations"] else None
    others = " · ".join(f'{_text(a["text"])} <span class="qa-dim" title="{html.escape(a["doc"])}">'
                        f'({_text(candidate_source(a["doc"], a["title"], cited))}, '
                        f'{a["confidence"]:.2f})</span>' for a in answer.get("other_candidates", []))
    others = f'<div class="qa-others"><span class="qa-dim">Other candidates:</span> {others}</div>' if others else ""
    return (f'<div class="qa-answer">{asked}<div class="qa-head">{head}</div>{note}<ol class="qa-cites">{items}</ol>'
            f'{others}</div>')


def source_items(answer: dict) -> list[dict]:
    """What the source panel can show for an answer: its citations, or its passages."""
    if answer["citations"]:
        return [dict(c, kind="Citation") for c in answer["citations"]]
    return [dict(p, kind="Passage", quote_start=p["start"], quote_end=p["end"], page=None)
            for p in answer["passages"]]


def render_source(item: dict, number: int, total: int, title: str, text: str | None) -> str:
    """The source panel: title, place in the document, and the quote amid its neighbours."""
    head = (f'<div class="qa-src-kind">{item["kind"]} {number} of {total}</div>'
            f'<div class="qa-src-title">{_text(title)}</div>')
    if text is None:
        return f'<div class="qa-src">{head}{_place(item)}<div class="qa-dim">No longer in the index.</div></div>'
    qs, qe = item["quote_start"], item["quote_end"]
    quote = text[qs:qe]
    inner = _marked(quote, item["start"] - qs, item["end"] - qs) if item["kind"] == "Citation" else _text(quote)
    before, after = _tidy(text[max(0, qs - CONTEXT_CHARS):qs]), _tidy(text[qe:qe + CONTEXT_CHARS])
    body = (f'{"…" if qs > CONTEXT_CHARS else ""}{html.escape(before)}<span class="qa-src-quote">{inner}</span>'
            f'{html.escape(after)}{"…" if qe + CONTEXT_CHARS < len(text) else ""}')
    left, width = 100 * qs / max(len(text), 1), max(100 * (qe - qs) / max(len(text), 1), 0.5)
    bar = (f'<div class="qa-src-bar" title="where the quote sits in the document">'
           f'<span style="left:{left:.1f}%;width:{width:.1f}%"></span></div>')
    return f'<div class="qa-src">{head}{_place(item, len(text))}{bar}<div class="qa-src-text">{body}</div></div>'


def document_rows(documents: list[dict]) -> list[list]:
    return [[d["title"], d.get("place") or "", d.get("date") or "", d["id"], d["chunks"]] for d in documents]


def document_choices(documents: list[dict]) -> list[tuple[str, str]]:
    return [(f"{shorten(d['title'], 28)}{' · ' + d['place'] if d.get('place') else ''} ({d['id']})", d["id"])
            for d in documents]


def page_style() -> dict:
    """Theme and CSS, for `launch()` or `mount_gradio_app()` (Gradio 6 takes them there)."""
    fonts = ["system-ui", "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC",
             "WenQuanYi Micro Hei", "sans-serif"]
    theme = gr.themes.Soft(primary_hue="indigo", neutral_hue="slate", font=fonts,
                           font_mono=["ui-monospace", "monospace"])
    return {"theme": theme, "css": CSS}


def build_ui(state):
    """The chat page over `state.current()`, with upload through `state.add_report`."""
    handle = PageHandlers(state)
    documents = state.current().documents()
    cache = (UPLOAD_CACHE_SECONDS, UPLOAD_CACHE_SECONDS)
    with gr.Blocks(title="Reports QA", analytics_enabled=False, fill_width=True, delete_cache=cache) as demo:
        ui = SimpleNamespace(demo=demo, answers=gr.State([]), current=gr.State(None))
        gr.HTML(HEADER, elem_classes="qa-header-row")
        with gr.Row(equal_height=False):
            with gr.Column(scale=7, min_width=480):
                _chat_column(ui)
            with gr.Column(scale=5, min_width=360):
                _side_column(ui, documents)
        gr.api(handle.ask, api_name="ask")
        _connect(ui, handle)
    return demo.queue(default_concurrency_limit=UI_CONCURRENCY)


def _chat_column(ui) -> None:
    ui.chat = gr.Chatbot(elem_id="qa-chat", show_label=False, height=490, buttons=[], feedback_options=None,
                         latex_delimiters=[], sanitize_html=True, allow_tags=False, placeholder=PLACEHOLDER)
    with gr.Row():
        ui.question = gr.Textbox(elem_id="qa-question", show_label=False, scale=8, autofocus=True,
                                 max_length=settings.MAX_QUESTION_CHARS, submit_btn=False,
                                 placeholder="Ask about the reports, in Chinese or English…")
        ui.send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="qa-ask")
        ui.new = gr.Button("New chat", variant="secondary", scale=0, min_width=120, elem_id="qa-new")
    with gr.Row(elem_classes="qa-examples"):
        gr.HTML('<span class="qa-try">Try</span>', padding=False)
        ui.examples = [gr.Button(text, size="sm", variant="secondary") for text in EXAMPLES]


def _side_column(ui, documents: list[dict]) -> None:
    with gr.Row():
        ui.docs = gr.Dropdown(choices=document_choices(documents), multiselect=True, scale=3,
                              label="Only these documents", elem_id="qa-docs")
        ui.top_k = gr.Slider(1, settings.MAX_TOP_K, value=settings.DEFAULT_TOP_K, step=1, scale=2,
                             label="Passages", elem_id="qa-top-k")
    with gr.Tabs():
        with gr.Tab("Source"):
            ui.sources = gr.Radio(choices=[], label="Citations", visible=False, elem_id="qa-sources")
            ui.source = gr.HTML(EMPTY_SOURCE, elem_id="qa-source")
        with gr.Tab("Documents"):
            with gr.Row(elem_classes="qa-upload-row"):
                ui.upload = gr.UploadButton("Add a report", file_types=list(settings.SOURCE_SUFFIXES), size="sm",
                                            variant="primary", elem_id="qa-upload", scale=0, min_width=140)
                ui.status = gr.HTML(_status(_upload_hint(), "hint"), elem_id="qa-upload-status")
            with gr.Row(elem_classes="qa-remove-row"):
                ui.remove_choice = gr.Dropdown(choices=[d["id"] for d in documents], value=None, scale=3,
                                               label="Remove a document from the index", elem_id="qa-remove-doc")
                ui.remove = gr.Button("Remove", variant="stop", size="sm", scale=1, min_width=90,
                                      elem_id="qa-remove")
            ui.table = gr.Dataframe(document_rows(documents), headers=["Title", "Place", "Date", "Document", "Chunks"],
                                    datatype=["str", "str", "number"], type="array", interactive=False,
                                    wrap=True, max_height=360, column_widths=["50%", "34%", "16%"],
                                    elem_id="qa-documents")
        with gr.Tab("Batch"):
            with gr.Row(elem_classes="qa-upload-row"):
                ui.batch = gr.UploadButton("Ask a file of questions", file_types=list(QUESTION_SUFFIXES), size="sm",
                                           variant="primary", elem_id="qa-batch", scale=0, min_width=180)
                ui.batch_status = gr.HTML(_status(BATCH_HINT, "hint"), elem_id="qa-batch-status")
            ui.batch_files = gr.File(label="Answers (one row per question)", file_count="multiple",
                                     interactive=False, elem_id="qa-batch-files")


def _connect(ui, handle) -> None:
    """Wire events; none but `ask` is part of the Gradio API."""
    private = {"api_visibility": "private"}
    inputs = [ui.question, ui.chat, ui.answers, ui.docs, ui.top_k]
    outputs = [ui.chat, ui.answers, ui.question, ui.current, ui.sources, ui.source]
    for trigger in (ui.question.submit, ui.send.click):
        trigger(handle.respond, inputs, outputs, **private)
    for button, text in zip(ui.examples, EXAMPLES):
        button.click(lambda t=text: t, None, ui.question, queue=False, **private).then(
            handle.respond, inputs, outputs, **private)
    ui.sources.input(handle.show_source, [ui.sources, ui.current], ui.source, **private)
    ui.chat.select(handle.select_message, ui.answers, [ui.current, ui.sources, ui.source], **private)
    ui.chat.clear(handle.clear, None, [ui.answers, ui.current, ui.sources, ui.source], **private)
    ui.new.click(lambda: ([], *handle.clear()), None, [ui.chat, ui.answers, ui.current, ui.sources, ui.source],
                 **private)
    ui.upload.upload(handle.add_report, [ui.upload, ui.docs], [ui.status, ui.table, ui.docs, ui.remove_choice],
                     concurrency_limit=UI_CONCURRENCY, **private)  # a second upload shows what it waits for
    ui.remove.click(handle.remove_report, [ui.remove_choice, ui.docs],
                    [ui.status, ui.table, ui.docs, ui.remove_choice], concurrency_limit=1, **private)
    ui.demo.load(handle.refresh_documents, None, [ui.table, ui.docs, ui.remove_choice], **private)
    ui.batch.upload(handle.answer_file, [ui.batch, ui.docs, ui.top_k], [ui.batch_status, ui.batch_files],
                    concurrency_limit=1, **private)


class PageHandlers:
    """The page's event handlers over `state` (anything with `current()`, `add_report` and
    `remove_report`, as `qa.service.LiveAssistant`). Gradio reads their annotations: `ask`'s
    make the page's API, `select_message`'s event parameter gets the clicked message."""

    def __init__(self, state):
        self.state = state

    def ask(self, question: str, top_k: int = settings.DEFAULT_TOP_K, docs: list[str] | None = None,
            history: list[dict] | None = None) -> dict:
        """Answer a question from the reports (a follow-up after `history`, earlier turns of
        {"question", "answer"}); returns the same JSON as POST /api/ask."""
        try:
            return self.state.current().ask(question, top_k=top_k, docs=docs or None, history=history).to_dict()
        except QAError as exc:
            raise gr.Error(_message(exc), print_exception=False) from None

    def respond(self, question, history, answers, docs, top_k):
        """A question sent: the chat with its answer added, and that answer's sources shown."""
        try:
            turns = [{"question": a["question"], "answer": a["answer"]} for a in answers or []]
            answer = self.state.current().ask(question, top_k=_whole(top_k), docs=docs or None,
                                              history=turns[-settings.MAX_HISTORY_TURNS:]).to_dict()
        except QAError as exc:  # a toast, leaving the question in the box to fix
            gr.Warning(_message(exc), title="Cannot answer")
            return (gr.skip(),) * 6
        history = [*(history or []), {"role": "user", "content": render_question(answer["question"])},
                   {"role": "assistant", "content": answer_html(answer)}]
        return (history, [*(answers or []), answer], "", *self.show_answer(answer))

    def show_answer(self, answer):
        """The current answer, the citation picker and the first source of `answer`."""
        items = source_items(answer)
        radio = gr.Radio(choices=[(str(i), i - 1) for i in range(1, len(items) + 1)], value=0 if items else None,
                         label="Citations" if answer["citations"] else "Closest passages", visible=bool(items))
        return answer, radio, self.show_source(0, answer)

    def show_source(self, position, answer):
        """The source panel for citation (or passage) `position` of `answer`."""
        items = source_items(answer) if answer else []
        if position is None or not 0 <= position < len(items):
            return EMPTY_SOURCE
        item = items[position]
        document = self.state.current().index.documents.get(item["doc"])
        title = item["title"] or (document.title if document else item["doc"])
        return render_source(item, position + 1, len(items), title, document.text if document else None)

    def select_message(self, answers, evt: gr.SelectData):
        """A message clicked in the chat: show its answer's sources."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not answers or not isinstance(index, int) or index // 2 >= len(answers):
            return gr.skip(), gr.skip(), gr.skip()
        return self.show_answer(answers[index // 2])  # messages alternate question, answer

    def clear(self):
        """A new conversation: no earlier turns for the next question to follow up."""
        return [], None, gr.Radio(choices=[], visible=False), EMPTY_SOURCE

    def add_report(self, path, selected):
        """An uploaded file: indexed, then the documents table, filter and remove list renewed."""
        if not path:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        name = Path(path).name
        yield _status(f"Indexing {name}…", "busy"), gr.skip(), gr.skip(), gr.skip()
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="upload") as pool:
            job = pool.submit(self.state.add_report, name, Path(path).read_bytes())
            while True:
                try:
                    entry = job.result(timeout=UPLOAD_STATUS_SECONDS)
                    break
                except TimeoutError:
                    yield _status(self.upload_progress(name), "busy"), gr.skip(), gr.skip(), gr.skip()
                except QAError as exc:
                    gr.Warning(_message(exc), title="Report not added")
                    yield _status(str(exc), "error"), gr.skip(), gr.skip(), gr.skip()
                    return
        yield _status(f"Added {entry['id']} ({entry['chunks']} chunks): it is searchable now.", "ok"), \
            *self.document_updates(selected)

    def upload_progress(self, name: str) -> str:
        """What an upload of `name` is doing: indexed (for how long), or waiting for another."""
        changes = getattr(self.state, "changes", list)()
        running = changes[0] if changes else None
        if running is None or running["document"].endswith(f"/{name}"):
            return f"Indexing {name}… ({running['seconds'] if running else 0:.0f} s)"
        return (f"Waiting for {running['document']} to finish {running['state']} "
                f"({running['seconds']:.0f} s so far); {name} follows…")

    def remove_report(self, doc_id, selected):
        """The Remove button: the document taken out, then the document lists renewed."""
        if not doc_id:
            return _status("Pick a document to remove first.", "hint"), gr.skip(), gr.skip(), gr.skip()
        try:
            result = self.state.remove_report(doc_id)
        except QAError as exc:
            gr.Warning(_message(exc), title="Document not removed")
            return _status(str(exc), "error"), gr.skip(), gr.skip(), gr.skip()
        return (_status(f"Removed {doc_id}: {result['documents']} documents left.", "ok"),
                *self.document_updates([d for d in (selected or []) if d != doc_id]))

    def answer_file(self, path, docs, top_k):
        """A questions file uploaded: every question answered, the answers offered as CSV
        and XLSX files (the rows `qa ask --file --out` writes)."""
        if not path:
            yield gr.skip(), gr.skip()
            return
        try:
            items = read_questions(path)
            if not items or len(items) > settings.MAX_BATCH_QUESTIONS:
                raise InvalidRequest(f"{Path(path).name} holds {len(items)} questions; a batch here takes 1 to "
                                     f"{settings.MAX_BATCH_QUESTIONS} (`qa ask --file` takes any number)")
        except QAError as exc:
            gr.Warning(_message(exc), title="Questions not read")
            yield _status(str(exc).replace(str(Path(path).parent) + "/", ""), "error"), None
            return
        yield _status(f"Asking {len(items)} questions…", "busy"), None
        try:
            rows = ask_all(self.state.current(), items, top_k=_whole(top_k), docs=docs or None)
        except QAError as exc:
            yield _status(str(exc), "error"), None
            return
        files = write_answer_files(rows, output_columns(items))
        failed = sum(1 for row in rows if row["error"])
        note = f"; {failed} could not be asked (see the error column)" if failed else ""
        yield _status(f"Answered {len(rows) - failed} of {len(rows)} questions{note}.", "ok"), files

    def refresh_documents(self):
        """The document lists as the index holds them now, read each time the page loads (an
        upload, a removal or a `qa index` since the page was built)."""
        return self.document_updates(None)

    def document_updates(self, selected):
        """The document table, the filter and the remove list after a change to the index."""
        documents = self.state.current().documents()
        return (document_rows(documents),
                gr.Dropdown(choices=document_choices(documents), value=selected, multiselect=True),
                gr.Dropdown(choices=[d["id"] for d in documents], value=None))


def _whole(value) -> int:
    """A slider value as an int (sliders may send 5.0); other values pass through to validation."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _message(exc: QAError) -> str:
    """An error for Gradio's toast, which renders HTML: escaped like everything else."""
    return html.escape(str(exc), quote=False)


def _status(message: str, kind: str) -> str:
    return f'<div class="qa-status qa-status-{kind}">{html.escape(message)}</div>'


BATCH_HINT = (f"txt (one question per line), csv or xlsx (a 'question' column), jsonl; up to "
              f"{settings.MAX_BATCH_QUESTIONS} questions")


def write_answer_files(rows: list[dict], columns: list[str]) -> list[str]:
    """answers.csv and answers.xlsx of `rows` in a fresh folder under the system's temp
    folder (where Gradio may serve files from); folders older than UPLOAD_CACHE_SECONDS go."""
    import shutil
    import tempfile
    import time

    root = Path(tempfile.gettempdir()) / "qa-batch"
    root.mkdir(exist_ok=True)
    for old in root.iterdir():
        if old.is_dir() and time.time() - old.stat().st_mtime > UPLOAD_CACHE_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(dir=root))
    paths = [folder / "answers.csv", folder / "answers.xlsx"]
    for path in paths:
        write_answers(path, rows, columns)
    return [str(p) for p in paths]


def _upload_hint() -> str:
    kinds = " ".join(s.lstrip(".") for s in settings.SOURCE_SUFFIXES)
    return f"{kinds}; up to {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB"


HEADER = ('<div class="qa-header"><h1>Reports QA</h1><p>Ask about the indexed government reports: '
          'every answer is quoted from a report, with its source.</p></div>')

PLACEHOLDER = ("<div class='qa-placeholder'><b>Ask a question about the reports.</b><br>"
               "Answers are exact quotes; open a citation to read it in context.</div>")

CSS = """
.qa-header h1 { font-size: 1.45rem; margin: 0; font-weight: 700; letter-spacing: -0.01em; }
.qa-header p { margin: 2px 0 0; color: var(--body-text-color-subdued); font-size: 0.95rem; }
.qa-header-row { padding: 0 4px; }
.qa-placeholder { text-align: center; color: var(--body-text-color-subdued); line-height: 1.8; }
.qa-q { white-space: normal; }
.qa-answer { line-height: 1.6; }
.qa-head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.qa-span { font-size: 1.2rem; font-weight: 700; }
.qa-none { font-weight: 600; }
.qa-reason { margin-top: 0.25rem; }
.qa-ref { color: var(--color-accent); font-weight: 600; }
.qa-badge { font-size: 0.75rem; padding: 1px 8px; border-radius: 999px; font-weight: 600; white-space: nowrap; }
.qa-high { background: #dcfce7; color: #166534; }
.qa-medium { background: #fef3c7; color: #92400e; }
.qa-low { background: #fee2e2; color: #991b1b; }
.qa-dim { color: var(--body-text-color-subdued); font-size: 0.88rem; }
.qa-asked { color: var(--body-text-color-subdued); font-size: 0.85rem; font-style: italic; margin-bottom: 4px; }
.qa-cites { margin: 6px 0 0; padding-left: 1.4em; font-size: 0.9rem; }
.qa-cites li { margin: 2px 0; }
.qa-cites summary { cursor: pointer; }
.qa-quote { margin: 4px 0; padding: 6px 10px; border-left: 3px solid var(--color-accent); background: var(--background-fill-secondary); border-radius: 4px; }
.qa-place { font-family: var(--font-mono); font-size: 0.78rem; color: var(--body-text-color-subdued); }
mark { background: #fde68a; color: inherit; padding: 0 2px; border-radius: 3px; }
.qa-src { padding: 4px 2px; }
.qa-src-empty { color: var(--body-text-color-subdued); padding: 24px 8px; text-align: center; }
.qa-src-kind { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--color-accent); font-weight: 700; }
.qa-src-title { font-weight: 700; font-size: 1.02rem; margin: 2px 0; }
.qa-src-bar { position: relative; height: 4px; background: var(--border-color-primary); border-radius: 2px; margin: 8px 0; }
.qa-src-bar span { position: absolute; top: 0; height: 4px; min-width: 3px; background: var(--color-accent); border-radius: 2px; }
.qa-src-text { white-space: pre-wrap; line-height: 1.75; max-height: 260px; overflow-y: auto; color: var(--body-text-color-subdued); font-size: 0.93rem; }
.qa-src-quote { color: var(--body-text-color); background: var(--color-accent-soft); border-radius: 3px; }
.qa-status { font-size: 0.85rem; padding: 6px 0; }
.qa-status-hint { color: var(--body-text-color-subdued); }
.qa-status-busy { color: var(--color-accent); }
.qa-status-ok { color: #166534; }
.qa-status-error { color: #b91c1c; }
.qa-examples { align-items: center; gap: 6px !important; flex-wrap: wrap !important; }
.qa-examples > * { flex: 0 0 auto !important; min-width: 0 !important; width: auto !important; }
.qa-examples button { font-weight: 400; border-radius: 999px; padding: 2px 12px; white-space: nowrap; }
.qa-try { color: var(--body-text-color-subdued); font-size: 0.85rem; }
#qa-sources { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
#qa-sources > span[data-testid="block-info"] { margin: 0; }
.gradio-container .main { padding-top: 6px !important; }
.qa-header-row .html-container { padding: 2px 0 !important; }
footer { margin-top: 4px !important; padding-top: 0 !important; }
.qa-upload-row { align-items: center; }
"""
