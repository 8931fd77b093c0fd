"""The ``yoga-assistant`` command: build, ask, eval, serve.

Library errors (``AssistantError``) become one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from assistant.config import Retriever as Mode
from assistant.config import Settings, check_exposure, load_settings
from assistant.errors import AssistantError, ConfigError, QuestionError
from assistant.serve import logs

EXAMPLES = """examples:
  yoga-assistant add ~/Downloads/bridge-pose.html notes/camel.pdf --build
  yoga-assistant build
  yoga-assistant ask "what if my feet hurt in Hero?"
  yoga-assistant ask "how long should I hold it?" --history "how do I do pyramid pose?"
  yoga-assistant eval --questions eval/questions.jsonl
  yoga-assistant eval --answers eval/answers.jsonl
  yoga-assistant serve --port 7860
"""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", type=Path, help="articles folder (default: corpus/, or ASSISTANT_CORPUS_DIR)")
    common.add_argument("--index", type=Path, help="index folder (default: index/, or ASSISTANT_INDEX_DIR)")
    common.add_argument(
        "--model", help="sentence-transformers model name or folder (default: bundled all-MiniLM-L6-v2)"
    )
    common.add_argument(
        "--precision",
        choices=["auto", "int8", "bf16", "fp32"],
        help="embedding precision (default auto: the fastest that keeps quality on this machine)",
    )

    parser = argparse.ArgumentParser(
        prog="yoga-assistant",
        description="Cited answers from yoga pose articles.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser(
        "add", parents=[common], help="turn saved web pages, PDFs and pasted text into articles in the corpus"
    )
    d.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR", help=".html, .htm, .pdf, .txt or .md files")
    d.add_argument("--title", help="the article's title (default: from the page, or its first line)")
    d.add_argument("--source", help="where it came from (default: the page's address, or the file name)")
    d.add_argument("--poses", help='the poses it teaches, comma separated: "Hero Pose (Virasana), Reclining Hero Pose"')
    d.add_argument("--dry-run", action="store_true", help="show what would be kept and removed; write nothing")
    d.add_argument("--build", action="store_true", help="update the index afterwards")

    b = sub.add_parser("build", parents=[common], help="build or update the index from the articles")
    b.add_argument("--strict", action="store_true", help="fail on the first unusable article instead of skipping it")
    b.add_argument("--force", action="store_true", help="re-embed everything, reusing nothing")

    a = sub.add_parser("ask", parents=[common], help="answer a question from the articles")
    a.add_argument("question", nargs="?", help="the question")
    a.add_argument(
        "--history",
        action="append",
        default=[],
        metavar="EARLIER_QUESTION",
        help="an earlier question of the same chat, oldest first (repeatable)",
    )
    a.add_argument("--questions", type=Path, metavar="FILE", help="answer every question of a JSONL question set")
    a.add_argument("--json", action="store_true", help="print JSON")
    a.add_argument("--retriever", choices=["hybrid", "dense", "bm25"])

    e = sub.add_parser("eval", parents=[common], help="measure retrieval, or answer quality, on a question set")
    sets = e.add_mutually_exclusive_group(required=True)
    sets.add_argument("--questions", type=Path, metavar="FILE", help="JSONL question set with evidence: retrieval")
    sets.add_argument(
        "--answers", type=Path, metavar="FILE", help="JSONL question set with key facts and relevant sentences: answers"
    )
    e.add_argument("--json", type=Path, metavar="OUT", help="also write metrics and per-question results here")
    e.add_argument("--retriever", choices=["hybrid", "dense", "bm25"])
    e.add_argument("--compare", action="store_true", help="run dense, bm25 and hybrid side by side")
    e.add_argument("--worst", type=int, default=10, metavar="N", help="list the N worst questions (default 10)")

    s = sub.add_parser("serve", parents=[common], help="start the web chat (builds the index first if needed)")
    s.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default 7860)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(
            corpus_dir=args.corpus,
            index_dir=args.index,
            model=args.model,
            precision=args.precision,
            retriever=getattr(args, "retriever", None),
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
        )
        handler = {"add": cmd_add, "build": cmd_build, "ask": cmd_ask, "eval": cmd_eval, "serve": cmd_serve}[
            args.command
        ]
        return handler(args, settings)
    except BrokenPipeError:  # the reader went away (`ask ... | head -1`): nothing more to say
        _quiet_stdout()
        return 0
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a file or folder the system refused, named with what it said
        where = f" {error.filename}" if error.filename else ""
        print(f"error: cannot use{where}: {error.strerror or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the index is unchanged", file=sys.stderr)
        return 130


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush at exit does not fail again
    on the closed pipe (the recipe in Python's signal documentation)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


# -- add ----------------------------------------------------------------------------------------
def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.errors import InputError
    from assistant.ingest.adding import duplicate_of, existing, inputs, prepare, remember, write
    from assistant.language.lexicon_file import load_lexicon

    poses = [p.strip() for p in (args.poses or "").split(",") if p.strip()]
    files, refused, ignored = inputs(args.paths)
    for error in refused:
        print(f"refused {error}", file=sys.stderr)
    if len(files) > 1 and (args.title or args.source):
        raise ConfigError("--title and --source name one article; give them with one file")
    lexicon = load_lexicon(settings.corpus_dir)
    held = existing(settings.corpus_dir) if settings.corpus_dir.is_dir() else {}
    added = 0
    for path, shown in files:
        try:
            draft = prepare(path, shown, lexicon, title=args.title, source=args.source, poses=poses)
            same = duplicate_of(draft, held)
            if same:
                raise InputError(shown, f"is already in the corpus as {same}; not added again")
        except InputError as error:
            refused.append(error)
            print(f"refused {error}", file=sys.stderr)
            continue
        if args.dry_run:
            where = settings.corpus_dir / draft.name
        else:
            where = write(draft, settings.corpus_dir)
            remember(draft, where.relative_to(settings.corpus_dir).as_posix(), held)
        added += 1
        print(f'{"would add" if args.dry_run else "added"} {where}: "{draft.title}" (from {draft.kind} {shown})')
        print(f"  kept {draft.kept_words:,} words; removed {draft.removed_words:,} words of web furniture")
        found = ", ".join(p.label for p in draft.poses) or "none found"
        fix = "; correct them with --poses if wrong" if draft.poses_from == "found in the text" else ""
        print(f"  poses: {found} ({draft.poses_from}{fix})")
        if args.dry_run:
            for r in draft.removed:
                print(f"  removed [{r.kind}] {r.text}")
    if ignored:
        print(f"passed over {ignored} files of other kinds", file=sys.stderr)
    if added and not args.dry_run:
        if args.build:
            return cmd_build(argparse.Namespace(strict=False, force=False), settings) or (1 if refused else 0)
        print(f"run 'yoga-assistant build' to index {'it' if added == 1 else 'them'}")
    return 1 if refused else 0


# -- build ----------------------------------------------------------------------------------------
def run_build(settings: Settings, *, strict: bool = False, force: bool = False, quiet: bool = False) -> Any:
    from tqdm import tqdm

    from assistant.embed.embedders import make_embedder, query_embedder
    from assistant.index.build import build_index

    def progress(total: int) -> Any:
        bar = tqdm(total=total, unit="passage", desc="embedding", disable=quiet, file=sys.stderr)
        return lambda n: (bar.update(n), bar.close() if bar.n >= total else None)

    embedder_of = partial(make_embedder, settings.model, cache_dir=settings.models_dir)
    made = partial(embedder_of, settings.precision)
    report = build_index(settings, made, strict=strict, force=force, progress=progress, embedder_of=embedder_of)
    if report.precision in ("bf16", "fp32"):  # the question encoder, exported now: the chat starts without torch
        query_embedder(settings.model, report.precision, settings.models_dir)
    return report


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.index.build import summary

    report = run_build(settings, strict=args.strict, force=args.force)
    for skipped in report.skipped:
        print(f"skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    print("\n".join(summary(report, settings.index_dir)))
    return 0


# -- ask ------------------------------------------------------------------------------------------
def _open_assistant(settings: Settings) -> Any:
    from assistant.pipeline import Assistant

    return Assistant(settings)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.serve.wire import answer_json

    if args.questions is not None:
        if args.question:
            raise ConfigError("give either a QUESTION or --questions FILE, not both")
        return _ask_file(args, settings)
    if not args.question:
        raise QuestionError('no question given; try: yoga-assistant ask "how long do I hold hero pose?"')
    answer = _open_assistant(settings).ask(args.question, args.history)
    if args.json:
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=1))
        return 0
    print(answer.text)
    if answer.notice:
        print(f"\n({answer.notice})")
    for c in answer.citations:
        print(f"\n[{c.n}] {c.title} ({c.article}, characters {c.start}-{c.end})")
        print("    " + " ".join(c.text.split()))
    return 0


def _ask_file(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.evaluation.retrieval import load_questions
    from assistant.serve.wire import answer_json

    assistant = _open_assistant(settings)
    for q in load_questions(args.questions):
        try:
            row = answer_json(assistant.ask(q.question, q.history))
        except QuestionError as error:
            row = {"answer": str(error), "abstained": True, "citations": []}
        print(json.dumps({"id": q.id, **row}, ensure_ascii=False), flush=True)
    return 0


# -- eval -----------------------------------------------------------------------------------------
def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.evaluation.command import eval_answers, eval_retrieval

    if args.answers is not None:
        if args.compare or args.retriever:
            raise ConfigError("--compare and --retriever measure retrieval; use them with --questions")
        return eval_answers(settings, args.answers, json_out=args.json, worst=args.worst)
    modes: tuple[Mode, ...] = ("dense", "bm25", "hybrid") if args.compare else (settings.retriever,)
    return eval_retrieval(settings, args.questions, modes, json_out=args.json, worst=args.worst)


# -- serve ----------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Build the index if it is missing or stale, warm up, then serve the chat until interrupted."""
    from assistant.pipeline import Assistant
    from assistant.serve.server import few_malloc_arenas, listen

    check_exposure(settings)  # before any work: a refused address or a port in use fails at once
    sock = listen(settings.host, settings.port)
    few_malloc_arenas()
    repeats = logs.setup()  # what the running chat does (switching builds, errors), one line each
    report = run_build(settings)
    if not report.up_to_date:
        print(f"index built: {report.articles} articles, {report.chunks} passages")
    assistant = Assistant(settings)
    assistant.ask("hero pose")  # load the model and index before the first visitor
    from assistant.serve.server import serve  # gradio and the web server load only here

    with sock:
        try:
            serve(assistant, settings, sock, said=f"chat on http://{settings.host}:{settings.port}")
        finally:
            logs.flush(repeats)
    return 0
