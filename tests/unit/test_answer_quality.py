"""The answer-quality metrics on hand-made answers, and the project's own set against the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import QuestionSetError
from assistant.evaluation import answers as aq
from assistant.ingest.corpus import load_corpus

from ..conftest import CORPUS, ROOT

NOTE = "Note: not medical advice."


def question(must: list[list[str]], relevant: list[str], answerable: bool = True) -> aq.AnswerQuestion:
    return aq.AnswerQuestion("q", "?", (), answerable, tuple(tuple(f) for f in must), tuple(relevant))


def test_sentences_are_the_pieces_between_markers_without_the_note() -> None:
    text = f"Hold for 5-8 breaths. [1] Use blocks.  [2][3] Breathe out. [1]\n\n{NOTE}"
    assert aq.answer_sentences(text, NOTE) == ["Hold for 5-8 breaths.", "Use blocks.", "Breathe out."]


def test_sentences_match_when_one_contains_the_other_and_covers_80_percent() -> None:
    assert aq.same_sentence("Don’t  push it.", "don't push it.")
    assert aq.same_sentence("Hold for 5-8 breaths", "Hold for 5-8 breaths.")  # 20/21 of the longer
    assert not aq.same_sentence("Hold.", "Hold for 5-8 breaths.")  # contained, but too short
    assert not aq.same_sentence("Hold for 8 breaths.", "Hold for 5-8 breaths.")


def test_grading_a_hand_made_answer() -> None:
    q = question(
        [["5-8 breaths", "five breaths"], ["use blocks"]],
        ["Hold for 5-8 breaths.", "If comfortable, use blocks to help support you."],
    )
    g = aq.grade(q, f"Hold for 5-8 breaths. [1] We will use Ujjayi breathing. [1]\n\n{NOTE}", False, note=NOTE)
    assert g.facts == (True, False) and g.must_recall == 0.5
    assert g.relevant == (True, False) and g.precision == 0.5
    assert g.first_fact
    late = aq.grade(q, "We will use Ujjayi breathing. [1] Hold for 5-8 breaths. [1]", False)
    assert not late.first_fact and late.must_recall == 0.5


def test_metrics_count_declines_as_zero_and_precision_over_answers_given() -> None:
    q = question([["5-8 breaths"]], ["Hold for 5-8 breaths."])
    good = aq.grade(q, "Hold for 5-8 breaths. [1]", False)
    declined = aq.grade(q, "The articles here don't answer that.", True)
    off = aq.grade(question([], [], answerable=False), "Something. [1]", False)
    kept_out = aq.grade(question([], [], answerable=False), "The articles don't say.", True)
    m = aq.metrics([good, declined, off, kept_out])
    assert m["must_recall"] == 0.5 and m["first_sentence_key_fact"] == 0.5
    assert m["precision"] == 1.0  # over the one answer given to an answerable question
    assert m["wrongly_abstained"] == 1 and m["unanswerable_abstained"] == 1 and m["unanswerable"] == 2
    assert aq.worst_first([good, declined, off, kept_out])[:2] == [declined, off]


def test_loading_names_the_line_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "a", "question": "q?", "answerable": true, "must": []}\n')
    with pytest.raises(QuestionSetError, match=r"a.jsonl:1: .*key fact"):
        aq.load(path)
    path.write_text('{"id": "a", "question": "q?", "must": ["not a list of lists"]}\n')
    with pytest.raises(QuestionSetError, match="alternative strings"):
        aq.load(path)


def test_a_quote_found_nowhere_names_the_question() -> None:
    q = aq.AnswerQuestion("q-9", "?", (), True, (("not in the text",),), ())
    with pytest.raises(QuestionSetError, match="q-9"):
        aq.check_quotes([q], ["Some article text."])


def test_our_answer_set_quotes_only_the_corpus_and_covers_what_it_should() -> None:
    questions = aq.load(ROOT / "eval" / "answers.jsonl")
    aq.check_quotes(questions, [a.body for a in load_corpus(CORPUS).articles])
    assert len(questions) >= 80
    assert sum(bool(q.history) for q in questions) >= 10
    assert sum(not q.answerable for q in questions) >= 8
    for q in questions:
        assert len(q.must) <= 3 and all(10 <= len(alt) <= 80 for fact in q.must for alt in fact), q.id
    rows = [json.loads(line) for line in (ROOT / "eval" / "answers.jsonl").read_text().splitlines()]
    assert all(set(r) == {"id", "question", "history", "answerable", "must", "relevant"} for r in rows)
