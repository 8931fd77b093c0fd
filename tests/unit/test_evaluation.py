import json
from pathlib import Path

import pytest

from assistant.errors import QuestionSetError
from assistant.evaluation import retrieval as ev
from assistant.records import Chunk


def result(covers: list[set[int]], quotes: int, tokens: list[int] | None = None, abstained: bool = False) -> ev.Result:
    return ev.Result("q", tuple(frozenset(c) for c in covers), tuple(tokens or [100] * len(covers)), quotes, abstained)


def test_hit_recall_mrr_on_a_hand_computed_ranking() -> None:
    r = result([set(), {1}, set(), {0, 1}, set(), set()], quotes=3)
    assert ev.hit_at(r, 5) == 1.0 and ev.hit_at(r, 1) == 0.0
    assert ev.recall_at(r, 5) == pytest.approx(2 / 3)
    assert ev.mrr_at(r, 10) == pytest.approx(1 / 2)
    assert ev.mrr_at(result([set()] * 10 + [{0}], 1), 10) == 0.0


def test_ndcg_counts_only_new_quotes() -> None:
    import math

    r = result([{0}, {0}, {1}], quotes=2)
    dcg = 1 + 1 / math.log2(4)
    ideal = 1 + 1 / math.log2(3)
    assert ev.ndcg_at(r, 10) == pytest.approx(dcg / ideal)
    assert ev.ndcg_at(result([{0}, {1}], 2), 10) == pytest.approx(1.0)


def test_recall_within_token_budget_stops_at_first_passage_that_does_not_fit() -> None:
    r = result([{0}, {1}, {2}], quotes=3, tokens=[250, 200, 100])
    assert ev.recall_at_tokens(r, 400) == pytest.approx(1 / 3)  # 250 + 200 > 400
    big_first = result([{0}], quotes=2, tokens=[900])
    assert ev.recall_at_tokens(big_first, 400) == pytest.approx(1 / 2)  # the first always counts


def test_abstain_accuracy_is_balanced() -> None:
    answerable = [result([{0}], 1)] * 9
    unanswerable = [result([], 0, abstained=True)]
    assert ev.abstain_accuracy(answerable + unanswerable) == 1.0
    never = [*answerable, result([], 0, abstained=False)]
    assert ev.abstain_accuracy(never) == 0.5
    always = [result([{0}], 1, abstained=True)] * 9 + unanswerable
    assert ev.abstain_accuracy(always) == 0.5


def test_quotes_are_found_across_whitespace_and_curly_quotes() -> None:
    body = "Intro.\n\nIt’s  important to   breathe.\nEnd."
    q = ev.Question("a", "?", ("It's important to breathe.",))
    located = ev.locate([q], {"art": body})
    ((article, (s, e)),) = located["a"].places[0]
    assert article == "art" and body[s:e] == "It’s  important to   breathe."


def test_a_quote_found_nowhere_names_the_question() -> None:
    q = ev.Question("q-17", "?", ("not in the text",))
    with pytest.raises(QuestionSetError, match="q-17"):
        ev.locate([q], {"art": "Some other text."})


def test_coverage_needs_half_the_quote_in_the_same_article() -> None:
    located = ev.Located(((("art", (10, 30)),),))
    assert ev.covers(Chunk("art", 0, 20, "", 1), located) == {0}  # 10 of 20 chars
    assert ev.covers(Chunk("art", 0, 19, "", 1), located) == frozenset()
    assert ev.covers(Chunk("other", 0, 40, "", 1), located) == frozenset()


def test_load_questions_reports_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "a", "question": "x", "evidence": []}) + "\n{broken\n")
    with pytest.raises(QuestionSetError, match=":2:"):
        ev.load_questions(path)
    path.write_text(json.dumps({"id": "a", "question": "x", "evidence": "not a list"}) + "\n")
    with pytest.raises(QuestionSetError, match="evidence"):
        ev.load_questions(path)


def test_our_question_set_meets_its_own_brief() -> None:
    from ..conftest import QUESTIONS

    questions = ev.load_questions(QUESTIONS)
    assert len(questions) >= 60
    assert sum(1 for q in questions if not q.evidence) >= 8
    assert sum(1 for q in questions if q.history) >= 8
