"""The ``yoga-assistant`` command: build, ask, eval, serve.

Library errors (``AssistantError``) become one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .config import Settings, load_settings
from .errors import AssistantError, ConfigError, QuestionError

EXAMPLES = """examples:
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
        handler = {"build": cmd_build, "ask": cmd_ask, "eval": cmd_eval, "serve": cmd_serve}[args.command]
        return handler(args, settings)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the index is unchanged", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


# -- build ----------------------------------------------------------------------------------------
def run_build(settings: Settings, *, strict: bool = False, force: bool = False, quiet: bool = False) -> Any:
    from tqdm import tqdm

    from .build import build_index
    from .embedders import make_embedder

    def progress(total: int) -> Any:
        bar = tqdm(total=total, unit="passage", desc="embedding", disable=quiet, file=sys.stderr)
        return lambda n: (bar.update(n), bar.close() if bar.n >= total else None)

    return build_index(
        settings,
        lambda: make_embedder(settings.model, settings.precision, settings.models_dir),
        strict=strict,
        force=force,
        progress=progress,
    )


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    report = run_build(settings, strict=args.strict, force=args.force)
    for skipped in report.skipped:
        print(f"skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    if report.up_to_date:
        print(f"index is up to date: {report.articles} articles, {report.chunks} passages ({report.seconds:.1f} s)")
        return 0
    print(
        f"built {settings.index_dir}: {report.articles} articles, {report.chunks} passages; "
        f"{len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged; {report.embedded} passages embedded, {report.reused} reused; "
        f"{len(report.skipped)} files skipped; {report.seconds:.1f} s"
    )
    return 0


# -- ask ------------------------------------------------------------------------------------------
def answer_json(answer: Any) -> dict[str, Any]:
    return {
        "answer": answer.text,
        "abstained": answer.abstained,
        "citations": [
            {
                "n": c.n,
                "article": c.article,
                "title": c.title,
                "start": c.start,
                "end": c.end,
                "text": c.text,
                "poses": list(c.poses),
                "highlights": [list(h) for h in c.highlights],
            }
            for c in answer.citations
        ],
        **({"notice": answer.notice} if answer.notice else {}),
    }


def _open_assistant(settings: Settings) -> Any:
    from .pipeline import Assistant

    return Assistant(settings)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
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
    from .evaluation import load_questions

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
    if args.answers is not None:
        return _eval_answers(args, settings)
    from . import evaluation as ev
    from .corpus import load_corpus
    from .pipeline import Assistant

    questions = ev.load_questions(args.questions)
    articles = load_corpus(settings.corpus_dir).articles
    located = ev.locate(questions, {a.id: a.body for a in articles})
    assistant = Assistant(settings)
    _require_fresh(assistant, articles)
    modes = ["dense", "bm25", "hybrid"] if args.compare else [settings.retriever]
    table: dict[str, dict[str, float]] = {}
    results_by_mode = {}
    for mode in modes:
        assistant.retriever.mode = mode  # type: ignore[assignment]
        results = ev.run(questions, located, assistant.retrieve)
        results_by_mode[mode] = results
        table[mode] = ev.metrics(results)
    _print_table(table, len(questions), sum(1 for q in questions if not q.evidence))
    main_mode = modes[-1]
    results = results_by_mode[main_mode]
    by_id = {q.id: q for q in questions}
    rows = [ev.result_row(r, by_id[r.id]) for r in results]
    answers = ev.answer_metrics([_answer_row(assistant, q, located[q.id]) for q in questions])
    print(
        f"\nanswers ({main_mode}): {answers['cited_evidence']:.3f} of answerable questions cite a passage with "
        f"their evidence; {answers['abstained_unanswerable']:.3f} of unanswerable ones abstain"
    )
    _print_worst(ev.worst_first(results), by_id, rows, args.worst)
    if args.json:
        out: dict[str, Any] = {"metrics": table[main_mode], "answers": answers, "questions": rows}
        if args.compare:
            out["compare"] = table
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


def _answer_row(assistant: Any, q: Any, located: Any) -> tuple[Any, bool, bool]:
    from . import evaluation as ev

    try:
        answer = assistant.ask(q.question, q.history)
    except QuestionError:
        return q, True, False
    cited = [(c.article, c.start, c.end) for c in answer.citations]
    return q, answer.abstained, ev.citations_cover(cited, located)


def _require_fresh(assistant: Any, articles: Sequence[Any]) -> None:
    """Quotes are located in the corpus as it is now, so the index must be built from it."""
    assistant.index.manifest.require(assistant.settings, articles=articles)


def _print_table(table: dict[str, dict[str, float]], n: int, unanswerable: int) -> None:
    names = list(next(iter(table.values())))
    print(f"{n} questions ({n - unanswerable} with evidence, {unanswerable} without)\n")
    print(f"{'metric':<18}" + "".join(f"{mode:>10}" for mode in table))
    for name in names:
        print(f"{name:<18}" + "".join(f"{table[mode][name]:>10.3f}" for mode in table))


def _print_worst(results: list[Any], by_id: dict[str, Any], rows: list[dict[str, Any]], limit: int) -> None:
    from . import evaluation as ev

    row_by_id = {r["id"]: r for r in rows}
    shown = 0
    lines = []
    for r in results:
        if shown >= limit:
            break
        row = row_by_id[r.id]
        q = by_id[r.id]
        if r.quotes and ev.hit_at(r, 5) and ev.mrr_at(r, 10) == 1.0 and not row["missed"] and not r.abstained:
            continue
        if not r.quotes and r.abstained:
            continue
        shown += 1
        what = (
            "answered, should abstain"
            if not r.quotes
            else f"first covering rank {r.first_rank or '-'}" + ("; abstained" if r.abstained else "")
        )
        lines.append(f"  {r.id}: {q.question!r} ({what})")
        for quote in row["missed"]:
            lines.append(f"      missed: {quote[:90]!r}")
    if lines:
        print(f"\nworst questions first ({shown} shown):")
        print("\n".join(lines))


def _eval_answers(args: argparse.Namespace, settings: Settings) -> int:
    from . import answer_quality as aq
    from .answer import NOT_MEDICAL_ADVICE
    from .corpus import load_corpus
    from .pipeline import Assistant

    if args.compare or args.retriever:
        raise ConfigError("--compare and --retriever measure retrieval; use them with --questions")
    questions = aq.load(args.answers)
    articles = load_corpus(settings.corpus_dir).articles
    aq.check_quotes(questions, [a.body for a in articles])
    assistant = Assistant(settings)
    _require_fresh(assistant, articles)
    graded, texts = [], {}
    for q in questions:
        try:
            answer = assistant.ask(q.question, q.history)
            text, abstained = answer.text, answer.abstained
        except QuestionError as error:
            text, abstained = str(error), True
        texts[q.id] = text
        graded.append(aq.grade(q, text, abstained, note=NOT_MEDICAL_ADVICE))
    m = aq.metrics(graded)
    print(f"{len(questions)} questions ({int(m['answerable'])} answerable, {int(m['unanswerable'])} not)\n")
    for name in ("must_recall", "precision", "first_sentence_key_fact", "first_sentence_relevant"):
        print(f"{name:<26}{m[name]:>8.3f}")
    print(f"{'wrongly_abstained':<26}{int(m['wrongly_abstained']):>8} of {int(m['answerable'])}")
    print(f"{'unanswerable_abstained':<26}{int(m['unanswerable_abstained']):>8} of {int(m['unanswerable'])}")
    by_id = {q.id: q for q in questions}
    worst = aq.worst_first(graded)[: args.worst]
    if worst:
        print(f"\nworst answers first ({len(worst)} shown; + relevant sentence, - off-topic):")
    for g in worst:
        q = by_id[g.id]
        turns = "".join(f" after {h!r}" for h in q.history)
        if g.abstained:
            verdict = "declined, but the articles answer it" if q.answerable else "declined"
        elif not q.answerable:
            verdict = "answered, but the articles don't answer it"
        else:
            verdict = f"key facts {sum(g.facts)}/{len(g.facts)}, precision {g.precision:.2f}"
        print(f"  {g.id}: {q.question!r}{turns} ({verdict})")
        for sentence, ok in zip(g.sentences, g.relevant, strict=True):
            print(f"      {'+' if ok else '-'} {sentence[:110]}")
        if g.abstained:
            print(f"      declined: {texts[g.id][:110]}")
        for fact, found in zip(q.must, g.facts, strict=True):
            if not found:
                print(f"      missed: {fact[0][:90]!r}")
    if args.json:
        rows = [
            {
                "id": g.id,
                "question": by_id[g.id].question,
                "answer": texts[g.id],
                "abstained": g.abstained,
                "must_recall": g.must_recall,
                "precision": g.precision,
                "first_sentence_key_fact": g.first_fact,
                "sentences": [{"text": s, "relevant": ok} for s, ok in zip(g.sentences, g.relevant, strict=True)],
                "missed": [fact[0] for fact, found in zip(by_id[g.id].must, g.facts, strict=True) if not found],
            }
            for g in graded
        ]
        args.json.write_text(json.dumps({"metrics": m, "questions": rows}, indent=1, ensure_ascii=False) + "\n")
        print(f"\nwrote {args.json}")
    return 0


# -- serve ----------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .ui import serve

    serve(settings)
    return 0
