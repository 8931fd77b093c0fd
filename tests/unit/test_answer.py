"""Composing answers: on toy records (what each rule does), and with the real model on the real corpus."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from assistant.answer.compose import NOT_MEDICAL_ADVICE, choose, compose
from assistant.answer.features import FEATURES, parts
from assistant.answer.scorer import Policy, Scorer
from assistant.evaluation.answers import answer_sentences
from assistant.language.intent import understand
from assistant.records import Chunk, Hit, Sentence
from assistant.retrieval.query import Query
from assistant.retrieval.retriever import Retrieval
from assistant.retrieval.scoring import Candidate, defining, describes


class ToyLibrary:
    """Just enough of an index for composing: one article, its sentences, one pose."""

    def __init__(self, sentences: list[Sentence]) -> None:
        self.sentences = sentences

    def title(self, article: str) -> str:
        return "Toy Pose"

    def pose_sentences(self, poses: Iterable[str]) -> list[Sentence]:
        return list(self.sentences)

    def article_sentences(self, article: str) -> list[Sentence]:
        return list(self.sentences)

    def family(self, pose_id: str) -> set[str]:
        return {pose_id}

    def names(self, pose_id: str) -> list[str]:
        return ["Toy Pose", "Toyasana"]

    def article_poses(self, article: str) -> tuple[str, ...]:
        return ("toy",)

    def previous(self, sentence: Sentence) -> Sentence | None:
        at = [s.span for s in self.sentences].index(sentence.span)
        return self.sentences[at - 1] if at else None

    def label(self, pose_id: str) -> str:
        return pose_id.title()

    def covered_labels(self) -> list[str]:
        return ["Toy Pose"]

    def titles(self) -> list[str]:
        return ["Toy Pose"]


def toy(*rows: tuple[str, tuple[str, ...], float, float]) -> tuple[list[Sentence], ToyLibrary]:
    """Sentences (text, roles, cosine, bm25) of one passage, in article order."""
    text, spans, at = "", [], 0
    for sentence, *_ in rows:
        spans.append((at, at + len(sentence)))
        text += sentence + " "
        at += len(sentence) + 1
    chunk = Chunk("toy-article", 0, len(text), text, 50, tuple(spans), ("toy",), tuple(r[1] for r in rows))
    sentences = [
        Sentence(0, chunk, span, r[0], cosine=r[2], bm25=r[3], passage_rank=1, roles=r[1])
        for span, r in zip(spans, rows, strict=True)
    ]
    return sentences, ToyLibrary(sentences)


def ask(
    question: str,
    sentences: list[Sentence],
    library: ToyLibrary,
    terms: tuple[Sentence, ...] = (),
    scorer: Scorer | None = None,
) -> list[str]:
    query = Query(question, ("toy",), (), (), question, understand(question))
    retrieval = Retrieval(query, (Hit(0, sentences[0].chunk, 1.0),), sentences=tuple(sentences), term_sentences=terms)
    answer = compose(retrieval, library, scorer or BY_COSINE)
    if answer.abstained:
        return [answer.text]
    return answer_sentences(answer.text, NOT_MEDICAL_ADVICE)


def by(feature: str, weight: float = 8.0, bias: float = -4.0, **policy: float) -> Scorer:
    """A scorer that reads one feature only: what these tests control."""
    weights = np.array([weight if name == feature else 0.0 for name in FEATURES])
    n = len(FEATURES)
    return Scorer(FEATURES, np.zeros(n), np.ones(n), weights, bias, Policy(**{**ASKED, **policy}))  # type: ignore[arg-type]


ASKED = {"decline": 0.3, "include": 0.3, "relative": 0.0, "cap": 4}


BY_COSINE = by("cosine")


def chosen(
    question: str, probabilities: list[float], sentences: list[Sentence], library: ToyLibrary, **policy: float
) -> list[str]:
    """What ``choose`` answers with, given each sentence's probability."""
    query = Query(question, ("toy",), (), (), question, understand(question))
    ranked = sorted(
        (Candidate(s, p) for s, p in zip(sentences, probabilities, strict=True)), key=lambda c: (-c.p, c.place)
    )
    return [c.text for c in choose(ranked, query, library, Policy(**{**ASKED, **policy}))]  # type: ignore[arg-type]


def test_the_most_likely_sentences_go_in_up_to_the_policys_cap_and_none_is_said_twice() -> None:
    sentences, library = toy(
        ("Stay in toy pose for eight slow breaths.", ("hold",), 0.0, 0.0),
        ("Toy pose opens the hips and calms the mind.", ("benefits",), 0.0, 0.0),
        ("Stay in the toy pose for eight slow breaths.", ("hold",), 0.0, 0.0),
        ("Kneel and sit back on your heels.", ("steps",), 0.0, 0.0),
        ("Rest your forehead on a block.", ("easier",), 0.0, 0.0),
    )
    p = [0.9, 0.5, 0.8, 0.35, 0.2]
    assert chosen("how long?", p, sentences, library) == [
        "Stay in toy pose for eight slow breaths.",
        "Toy pose opens the hips and calms the mind.",
        "Kneel and sit back on your heels.",
    ]  # the near-duplicate and the one under the include floor left out
    assert chosen("how long?", p, sentences, library, cap=2) == [sentences[0].text, sentences[1].text]
    assert chosen("how long?", p, sentences, library, relative=0.6) == [sentences[0].text]
    assert chosen("how long?", [0.25, 0.2, 0.1, 0.1, 0.1], sentences, library) == []  # no sentence answers: decline


def test_compose_quotes_what_the_scorer_likes_and_never_a_heading_or_a_none_role() -> None:
    sentences, library = toy(
        ("Subscribe to our newsletter for more toy pose tips.", ("none",), 0.9, 9.0),
        ("Toy pose opens the hips and calms the mind.", ("benefits",), 0.2, 3.0),
        ("Stay in toy pose for eight slow breaths.", ("hold",), 0.8, 2.0),
        ("Toy pose basics", (), 0.95, 2.0),
    )
    got = ask("how long do I hold toy pose?", sentences, library)
    assert got == ["Stay in toy pose for eight slow breaths."]
    declined = ask("how long do I hold toy pose?", sentences, library, scorer=by("cosine", bias=-9.0))
    assert declined[0].startswith("The articles here don't answer that.")
    assert "Toy Pose" in declined[0]  # and says what they cover


def test_a_whole_procedure_reads_in_the_articles_order_from_its_start() -> None:
    sentences, library = toy(
        ("Toy pose is a kneeling rest.", ("naming",), 0.3, 0.0),
        ("Begin by kneeling on the mat.", ("steps",), 0.2, 0.0),
        ("Sit back on your heels.", ("steps",), 0.6, 1.0),
        ("This loosens the hips.", ("why",), 0.2, 0.0),
        ("Fold forward and rest your forehead down.", ("steps",), 0.5, 1.0),
    )
    got = ask("how do I do toy pose?", sentences, library)
    assert got == [
        "Begin by kneeling on the mat.",
        "Sit back on your heels.",
        "Fold forward and rest your forehead down.",
    ]


def test_a_sentence_that_leans_on_the_one_before_comes_with_it_but_does_not_lead() -> None:
    sentences, library = toy(
        ("Many people feel tension on the top of the foot in toy pose.", ("cautions",), 0.0, 0.0),
        ("If this is you, put a folded blanket under your ankles.", ("easier",), 0.0, 0.0),
        ("Roll a towel under your shins.", ("easier",), 0.0, 0.0),
    )
    got = chosen("what if my feet hurt in toy pose?", [0.1, 0.9, 0.6], sentences, library)
    assert got == [sentences[2].text, sentences[0].text, sentences[1].text]  # the lead stands alone


def test_a_question_naming_two_poses_gets_each_poses_best_sentence() -> None:
    first, _ = toy(("Hold toy pose for eight breaths.", ("hold",), 0.0, 0.0), ("Toy pose calms.", ("benefits",), 0, 0))
    other = [
        replace(s, chunk=replace(s.chunk, article="other-article"), span=(s.span[0] + 500, s.span[1] + 500))
        for s in first
    ]
    other = [replace(other[0], text="Hold the other pose for a minute.")]
    library = TwoPoseLibrary([*first, *other])
    query = Query(
        "which do I hold longer, toy or other?", ("toy", "other"), (), (), "", understand("which do I hold longer?")
    )
    ranked = [Candidate(first[0], 0.9), Candidate(first[1], 0.5), Candidate(other[0], 0.05)]
    got = [c.text for c in choose(ranked, query, library, Policy(**ASKED))]  # type: ignore[arg-type]
    assert got[:2] == ["Hold toy pose for eight breaths.", "Hold the other pose for a minute."]


def test_two_articles_saying_the_same_thing_are_quoted_once() -> None:
    sentences, library = toy(
        ("If your knees hurt, come out of the pose.", ("cautions",), 0.0, 0.0),
        ("Pad your knees with a folded blanket.", ("easier",), 0.0, 0.0),
        ("Back out of the pose right away if your knees ache.", ("cautions",), 0.0, 0.0),
    )
    query = Query("my knees hurt", ("toy",), (), (), "", understand("my knees hurt"))
    ranked = [Candidate(sentences[0], 0.9), Candidate(sentences[2], 0.8), Candidate(sentences[1], 0.7)]
    same = frozenset({(sentences[0].place, sentences[2].place)})
    got = [c.text for c in choose(ranked, query, library, Policy(**ASKED), same)]  # type: ignore[arg-type]
    assert got == [sentences[0].text, sentences[1].text]


class TwoPoseLibrary(ToyLibrary):
    def article_poses(self, article: str) -> tuple[str, ...]:
        return ("other",) if article == "other-article" else ("toy",)


def test_a_term_is_defined_when_an_article_says_what_it_is_else_said_to_be_only_mentioned() -> None:
    sentences, library = toy(
        ("Press the sacrum, the flat bone at the base of the spine, toward the floor.", ("steps",), 0.3, 2.0),
        ("Keep the sitting bones heavy.", ("steps",), 0.3, 2.0),
    )
    defines = by("defines_term")
    assert ask("what is the sacrum?", sentences, library, terms=(sentences[0],), scorer=defines) == [sentences[0].text]
    declined = ask("what are the sitting bones?", sentences, library, terms=(sentences[1],), scorer=defines)
    assert declined[0].startswith("The articles here mention sitting bones but don't explain it.")


def test_a_question_in_two_parts_is_scored_part_by_part() -> None:
    assert parts("pyramid pose: how long do I hold it and how do I come up?") == [
        "pyramid pose: how long do I hold it",
        "how do I come up",
    ]
    assert parts("which do I hold longer, tree or triangle?") == [] and parts("how long?") == []
    sentences, library = toy(
        ("Stay in toy pose for eight slow breaths.", ("hold",), 0.5, 0.0),
        ("To come out, press into your hands and lift up.", ("steps",), 0.5, 0.0),
    )
    role = by("role_first", bias=-2.0)
    assert ask("how long do I hold toy pose?", sentences, library, scorer=role) == [sentences[0].text]
    both = ask("how long do I hold toy pose and how do I come out?", sentences, library, scorer=role)
    assert set(both) == {s.text for s in sentences}


def test_definition_and_description_patterns() -> None:
    sentences, _ = toy(
        ("Work the shin area (anterior tibialis) gently.", (), 0.0, 0.0),
        ("Glaucoma, high blood pressure, or a cold are reasons to skip it.", (), 0.0, 0.0),
    )
    assert defining("the anterior tibialis", sentences) == [sentences[0]]
    assert defining("glaucoma", sentences) == []  # a list, not an explanation
    assert describes("Folks, this is the standing stretch you did in gym class.", [])
    assert describes("Toyasana is a kneeling rest.", ["Toyasana"])
    assert not describes("One preparatory pose is the Balasana.", ["Toyasana"])


def test_a_question_about_health_is_read_as_medical() -> None:
    from assistant.language.intent import understand

    assert understand("is it safe when pregnant?").medical and understand("my knee hurts").medical
    assert not understand("how long do I hold it?").medical
