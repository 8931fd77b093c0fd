"""Retrieval: fusion and bridging by hand, then the real model on the real corpus."""

from __future__ import annotations

import pytest

from assistant.pipeline import Assistant


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("how long do I hold pyramid pose?", "parsvottanasana-hamstrings"),  # no article says "pyramid"
        ("is virasna good for digestion?", "hero-pose-step-by-step"),  # typo
        ("parsvotanasana for lower back pain?", "parsvottanasana-hamstrings"),
        ("how do I stretch the back of my leg?", "stretch-back-of-leg"),
    ],
)
def test_pose_names_lead_to_the_right_article(real_assistant: Assistant, question: str, article: str) -> None:
    r = real_assistant.retrieve(question)
    assert not r.abstain and r.hits[0].chunk.article == article


def test_feet_hurt_in_hero_finds_foot_and_ankle_passages(real_assistant: Assistant) -> None:
    hits = real_assistant.retrieve("what if my feet hurt in Hero?").hits
    foot_passages = ("rolling up a towel", "blanket as padding", "top of foot/ankle area")
    top3 = " ".join(h.chunk.text for h in hits[:3])
    top5 = " ".join(h.chunk.text for h in hits[:5])
    assert any(p in top3 for p in foot_passages)
    assert sum(p in top5 for p in foot_passages) >= 2


@pytest.mark.parametrize(
    "question",
    [
        "how do I do a headstand?",
        "what's the weather tomorrow?",
        "how do I bake sourdough bread",
        "tips for crow pose balance",
        "who invented yoga?",
        "is pyramid pose good for balance?",  # a pose they teach, for something they never mention
    ],
)
def test_questions_the_articles_do_not_answer_abstain(real_assistant: Assistant, question: str) -> None:
    assert real_assistant.retrieve(question).abstain


def test_follow_ups_keep_or_switch_the_pose(real_assistant: Assistant) -> None:
    kept = real_assistant.retrieve("how long should I hold it?", ["how do I do pyramid pose?"])
    assert kept.query.carried == ("parsvottanasana",) and "5-8 breaths" in kept.hits[0].chunk.text
    switched = real_assistant.retrieve("what about headstand?", ["how long do I hold hero pose?"])
    assert switched.abstain == "uncovered"
    by_topic = real_assistant.retrieve("how many breaths?", ["show me the seated stretch for the back of the leg"])
    assert by_topic.query.carried == ("janu-sirsasana",)
    unsaid = real_assistant.retrieve("what if my knees hurt?", ["how do I do hero pose?"])
    assert unsaid.query.carried == ("virasana",)  # no "it", but nothing else answers it better
    about_taught = real_assistant.retrieve("how long should I hold it?", ["can I do hero pose on a bed?"])
    assert about_taught.query.carried == ("virasana",)  # declined, but about a pose the articles teach


@pytest.mark.parametrize("earlier", ["how do I do crow pose?", "how do I do hero pose?", "who invented yoga?"])
def test_a_question_with_a_new_subject_is_read_on_its_own(real_assistant: Assistant, earlier: str) -> None:
    """After a declined question about a pose no article teaches, or when another article answers
    the question's own subject clearly better, no pose is carried over: in the chat, the command
    line and the API alike (they share Assistant.ask)."""
    answer = real_assistant.ask("hamstring strech legs straight how", [earlier])
    assert not answer.abstained
    assert {c.article for c in answer.citations} == {"stretch-back-of-leg"}
    turns = [real_assistant.turn(real_assistant.ask(earlier))]
    assert turns[0].declined == (earlier != "how do I do hero pose?")
    assert real_assistant.retrieve("hamstring strech legs straight how", turns).query.poses == ()


def test_the_set_the_retrieval_was_tuned_on_still_meets_its_targets(real_settings, real_assistant: Assistant) -> None:  # type: ignore[no-untyped-def]
    """A regression guard only: the thresholds were chosen on these questions, so passing here
    proves nothing about new ones (the next test is about those)."""
    from assistant.evaluation import retrieval as ev
    from assistant.ingest.corpus import load_corpus

    from ..conftest import QUESTIONS

    questions = ev.load_questions(QUESTIONS)
    located = ev.locate(questions, {a.id: a.body for a in load_corpus(real_settings.corpus_dir).articles})
    m = ev.metrics(ev.run(questions, located, real_assistant.retrieve))
    assert m["hit@5"] >= 0.92 and m["recall@400t"] >= 0.90 and m["mrr@10"] >= 0.80 and m["abstain_accuracy"] >= 0.90, m


def test_questions_written_after_the_tuning_find_their_key_facts(real_assistant: Assistant) -> None:
    """eval/answers-holdout.jsonl was written after retrieval and composing were fixed: for nine
    in ten of its answerable questions, every key fact is in the five passages retrieved."""
    from assistant.evaluation import answers as aq
    from assistant.language.text import fold

    from ..conftest import ROOT

    questions = [q for q in aq.load(ROOT / "eval" / "answers-holdout.jsonl") if q.answerable]
    found = 0
    for q in questions:
        r = real_assistant.retrieve(q.question, q.history)
        top = fold(" ".join(" ".join(h.chunk.text.split()) for h in r.hits[:5]))
        found += not r.abstain and all(any(fold(alt) in top for alt in fact) for fact in q.must)
    assert found >= 0.9 * len(questions), f"{found} of {len(questions)}"


def test_what_a_pose_is_good_for_is_answered_when_the_articles_say_it(real_assistant: Assistant) -> None:
    assert not real_assistant.retrieve("does hero pose help digestion?").abstain
    assert not real_assistant.retrieve("what does pyramid pose do for the body?").abstain
