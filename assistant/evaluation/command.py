"""The ``eval`` command: run a question set through the assistant and print the report.

Retrieval (``--questions``): the metrics of evaluation.py per retriever mode, then the worst
questions. Answers (``--answers``): the metrics of answer_quality.py, then the worst answers
with every sentence marked. Both can also write per-question JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from assistant.answer.compose import NOT_MEDICAL_ADVICE
from assistant.config import Retriever as Mode
from assistant.config import Settings
from assistant.errors import ConfigError, QuestionError
from assistant.evaluation import answers as aq
from assistant.evaluation import retrieval as ev
from assistant.ingest.corpus import load_corpus
from assistant.pipeline import Assistant
from assistant.records import Article


def eval_retrieval(
    settings: Settings, path: Path, modes: Sequence[Mode], *, json_out: Path | None = None, worst: int = 10
) -> int:
    """Retrieval metrics for each retriever mode (the last one's per-question results in detail)."""
    questions = ev.load_questions(path)
    articles = load_corpus(settings.corpus_dir).articles
    located = ev.locate(questions, {a.id: a.body for a in articles})
    assistant = Assistant(settings)
    _require_fresh(assistant, articles)
    table: dict[str, dict[str, float]] = {}
    results_by_mode = {}
    for mode in modes:
        results = ev.run(questions, located, partial(assistant.retrieve, mode=mode))
        results_by_mode[mode] = results
        table[mode] = ev.metrics(results)
    _print_table(table, len(questions), sum(1 for q in questions if not q.evidence))
    main_mode = modes[-1]
    results = results_by_mode[main_mode]
    by_id = {q.id: q for q in questions}
    rows = [ev.result_row(r, by_id[r.id]) for r in results]
    answers = ev.answer_metrics([_answer_row(assistant, q, located[q.id], main_mode) for q in questions])
    print(
        f"\nanswers ({main_mode}): {answers['cited_evidence']:.3f} of answerable questions cite a passage with "
        f"their evidence; {answers['abstained_unanswerable']:.3f} of unanswerable ones abstain"
    )
    _print_worst(ev.worst_first(results), by_id, rows, worst)
    if json_out:
        out: dict[str, Any] = {"metrics": table[main_mode], "answers": answers, "questions": rows}
        if len(modes) > 1:
            out["compare"] = table
        write_json(json_out, out)
    return 0


def _answer_row(
    assistant: Assistant, q: ev.Question, located: ev.Located, mode: Mode
) -> tuple[ev.Question, bool, bool]:
    try:
        answer = assistant.ask(q.question, q.history, mode=mode)
    except QuestionError:
        return q, True, False
    cited = [(c.article, c.start, c.end) for c in answer.citations]
    return q, answer.abstained, ev.citations_cover(cited, located)


def _require_fresh(assistant: Assistant, articles: Sequence[Article]) -> None:
    """Quotes are located in the corpus as it is now, so the index must be built from it."""
    assistant.index.manifest.require(assistant.settings, articles=articles)


def _print_table(table: dict[str, dict[str, float]], n: int, unanswerable: int) -> None:
    names = list(next(iter(table.values())))
    print(f"{n} questions ({n - unanswerable} with evidence, {unanswerable} without)\n")
    print(f"{'metric':<18}" + "".join(f"{mode:>10}" for mode in table))
    for name in names:
        print(f"{name:<18}" + "".join(f"{table[mode][name]:>10.3f}" for mode in table))


def _print_worst(
    results: list[ev.Result], by_id: dict[str, ev.Question], rows: list[dict[str, Any]], limit: int
) -> None:
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


def eval_answers(settings: Settings, path: Path, *, json_out: Path | None = None, worst: int = 10) -> int:
    """Answer-quality metrics, then the worst answers with each sentence marked."""
    questions = aq.load(path)
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
    shown = aq.worst_first(graded)[:worst]
    if shown:
        print(f"\nworst answers first ({len(shown)} shown; + relevant sentence, - off-topic):")
    for g in shown:
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
    if json_out:
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
        write_json(json_out, {"metrics": m, "questions": rows})
    return 0


def write_json(path: Path, data: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"cannot write {path} ({error.strerror or error}); pass --json a file you can write"
        ) from None
    print(f"\nwrote {path}")
