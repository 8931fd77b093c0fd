"""Composing answers: on toy records (what each rule does), and with the real model on the real corpus."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest

from assistant.answer import NOT_MEDICAL_ADVICE, compose, wants_cautions
from assistant.answer_quality import answer_sentences
from assistant.intent import understand
from assistant.pipeline import Assistant
from assistant.query import Query
from assistant.records import Chunk, Hit, Sentence
from assistant.retrieval import Retrieval
from assistant.scoring import defining, describes

# -- toy records: one article about one pose, each sentence with its role and match signals ----------


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


def ask(question: str, sentences: list[Sentence], library: ToyLibrary, terms: tuple[Sentence, ...] = ()) -> list[str]:
    query = Query(question, ("toy",), (), (), question, understand(question))
    retrieval = Retrieval(query, (Hit(0, sentences[0].chunk, 1.0),), sentences=tuple(sentences), term_sentences=terms)
    answer = compose(retrieval, library)
    if answer.abstained:
        return [answer.text]
    return answer_sentences(answer.text, NOT_MEDICAL_ADVICE)


def test_the_sentence_whose_role_answers_leads_and_no_answer_is_never_quoted() -> None:
    sentences, library = toy(
        ("Subscribe to our newsletter for more toy pose tips.", ("none",), 0.9, 9.0),
        ("Toy pose opens the hips and calms the mind.", ("benefits",), 0.7, 3.0),
        ("Stay in toy pose for eight slow breaths.", ("hold",), 0.5, 2.0),
    )
    got = ask("how long do I hold toy pose?", sentences, library)
    assert got[0] == "Stay in toy pose for eight slow breaths."
    assert not any("Subscribe" in s for s in got)


def test_a_health_condition_gets_the_contraindication_first_and_no_benefit_claim() -> None:
    sentences, library = toy(
        ("Toy pose is therapeutic for high blood pressure.", ("benefits",), 0.8, 6.0),
        ("Kneel and sit back on your heels.", ("steps",), 0.3, 0.0),
        ("Avoid toy pose if you have heart problems or a knee injury.", ("cautions",), 0.4, 1.0),
    )
    got = ask("can I do toy pose with high blood pressure?", sentences, library)
    assert got[0].startswith("Avoid toy pose")
    assert not any("therapeutic" in s for s in got)


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


def test_a_sentence_that_leans_on_the_one_before_comes_with_it() -> None:
    sentences, library = toy(
        ("Many people feel tension on the top of the foot in toy pose.", ("cautions",), 0.6, 4.0),
        ("If this is you, put a folded blanket under your ankles.", ("easier",), 0.4, 2.0),
        ("Toy pose is a kneeling rest.", ("naming",), 0.2, 0.0),
    )
    got = ask("what if my feet hurt in toy pose?", sentences, library)
    at = got.index("If this is you, put a folded blanket under your ankles.")
    assert at > 0 and got[at - 1].startswith("Many people feel tension")


def test_a_term_is_defined_when_an_article_says_what_it_is_else_said_to_be_only_mentioned() -> None:
    sentences, library = toy(
        ("Press the sacrum, the flat bone at the base of the spine, toward the floor.", ("steps",), 0.3, 2.0),
        ("Keep the sitting bones heavy.", ("steps",), 0.3, 2.0),
    )
    assert ask("what is the sacrum?", sentences, library, terms=(sentences[0],)) == [sentences[0].text]
    declined = ask("what are the sitting bones?", sentences, library, terms=(sentences[1],))
    assert declined[0].startswith("The articles here mention sitting bones but don't explain it.")


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


def test_wants_cautions_recognises_health_words() -> None:
    assert wants_cautions("is it safe when pregnant?") and wants_cautions("my knee hurts")
    assert not wants_cautions("how long do I hold it?")


# -- the real model on the real corpus ----------------------------------------------------------------

QUESTIONS = [
    "how long do I hold pyramid pose?",
    "what if my feet hurt in Hero?",
    "how do I get into hero pose?",
    "my hamstrings are tight, what stretch can I do?",
    "where do the blocks go in pyramid pose",
    "can I do hero pose when pregnant?",
    "how should I breathe in pyramid pose?",
    "what are the benefits of hero pose?",
]


def pieces(answer_text: str) -> list[str]:
    body = answer_text.partition("\n\n")[0]
    return [p for p in re.split(r"(?<=\])\s+", body) if p]


@pytest.mark.slow
@pytest.mark.parametrize("question", QUESTIONS)
def test_answers_are_short_cited_sentences_of_the_articles_and_never_filler(
    real_assistant: Assistant, question: str
) -> None:
    answer = real_assistant.ask(question)
    parts = pieces(answer.text)
    assert 1 <= len(parts) <= 6, answer.text
    assert all(re.search(r"\[\d+\]$", p) for p in parts)
    texts = [re.sub(r"\s*\[\d+\]$", "", p) for p in parts]
    assert len(set(texts)) == len(texts)
    index = real_assistant.index
    roles = {index.sentence(r).text: index.sentence(r).roles for r in range(len(index.owner))}
    assert all("none" not in roles[t] for t in texts), answer.text


@pytest.mark.slow
def test_the_direct_answer_comes_first_even_misspelled(real_assistant: Assistant) -> None:
    assert real_assistant.ask("how long do I hold pyramid pose?").text.startswith("Hold for 5-8 breaths. [1]")
    assert real_assistant.ask("how long do I hold piramid pose?").text.startswith("Hold for 5-8 breaths. [1]")
    assert real_assistant.ask("how long do I hold piramid?").text.startswith("Hold for 5-8 breaths. [1]")


@pytest.mark.slow
def test_a_procedure_follows_one_articles_order(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("how do I get into hero pose?")
    assert answer.text.startswith(("Begin by kneeling", "Kneel down"))
    starts = [h[0] for c in answer.citations for h in c.highlights]
    assert starts == sorted(starts) and len({c.article for c in answer.citations}) == 1


@pytest.mark.slow
def test_sore_feet_in_hero_get_the_props_and_the_note(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("what if my feet hurt in Hero?")
    first = pieces(answer.text)[0]
    assert re.search(r"\bfeet\b|\bfoot\b", first)
    assert "towel" in answer.text and NOT_MEDICAL_ADVICE in answer.text


@pytest.mark.slow
def test_a_health_condition_leads_with_the_contraindications(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("can I do hero pose with high blood pressure?")
    assert pieces(answer.text)[0].startswith("Some contraindications and cautions for this pose")
    assert "therapeutic" not in answer.text and NOT_MEDICAL_ADVICE in answer.text
    assert NOT_MEDICAL_ADVICE not in real_assistant.ask("how long do I hold pyramid pose?").text


@pytest.mark.slow
def test_a_follow_up_answers_about_the_variation_under_discussion(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("how long should I hold that?", ["how can I deepen hero pose?"])
    assert pieces(answer.text)[0].startswith("Hold this position for 10 to 20 seconds.")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("how do I do crow pose?", "don't teach Crow Pose"),
        ("is gate pose good for tight hips?", "don't teach Gate Pose"),
        ("what are the sitting bones?", "mention sitting bones but don't explain it"),
        ("what's a good sourdough recipe?", "don't answer that"),
        ("can I practise hero pose on a trampoline?", "don't answer that"),  # nothing on trampolines
        ("where should my eyebrows be in pyramid pose?", "don't answer that"),  # a detail never mentioned
        ("is pyramid pose good for migraines?", "don't answer that"),  # a condition never mentioned
    ],
)
def test_questions_the_articles_do_not_answer_are_declined_with_what_they_cover(
    real_assistant: Assistant, question: str, says: str
) -> None:
    answer = real_assistant.ask(question)
    assert answer.abstained and not answer.citations and not re.search(r"\[\d+\]", answer.text)
    assert says in answer.text
    assert "Hero Pose" in answer.text and "Pyramid Pose" in answer.text
