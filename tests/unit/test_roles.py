"""Sentence roles: cue words on hand-made sentences, the classifier on toy vectors, roles kept in
the index across builds, and accuracy on the labelled sentences with the real model."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.config import Settings
from assistant.index import store
from assistant.index.build import build_index
from assistant.index.generation import ROLES_FILE
from assistant.index.reader import Index
from assistant.language import roles

from ..conftest import FakeEmbedder


def cued(text: str) -> set[str]:
    return {role for role, on in zip(roles.ROLES, roles.cues(text), strict=True) if on}


def test_cue_words_on_sentences_from_no_article() -> None:
    assert "hold" in cued("Stay here for eight slow breaths.")
    assert "hold" in cued("Remain in the pose for 2-3 minutes.")
    assert "steps" in cued("So now you're going to lower your knees to the mat.")
    assert "easier" in cued("Rest your head on a folded blanket if it doesn't reach.")
    assert "cautions" in cued("People with glaucoma should avoid inversions.")
    assert "breathing" in cued("Exhale slowly through the nose.")
    assert "none" in cued("Subscribe to the newsletter for more!")
    assert "benefits" not in cued("Stretch your arms overhead.")  # an instruction, not a benefit


def test_headings_and_questions_are_never_answers() -> None:
    for text in ["Benefits", "How long should I stay?", "Exercise Instructions:", "Warrior Two Pose"]:
        assert roles.is_heading(text)
    assert not roles.is_heading("Hold for five breaths.")


def test_the_classifier_learns_roles_from_examples_deterministically() -> None:
    rng = np.random.default_rng(0)
    centres = {role: rng.normal(size=16) for role in roles.ROLES}
    labels = [role for role in roles.ROLES for _ in range(6)]
    texts = ["plain words here"] * len(labels)  # no cue words: only the vectors tell the roles apart

    def vectors(names: list[str]) -> np.ndarray:
        v = np.stack([centres[n] + 0.1 * rng.normal(size=16) for n in names])
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    examples = vectors(labels)
    model = roles.RoleModel.train(texts, labels, examples)
    assert np.array_equal(model.weights, roles.RoleModel.train(texts, labels, examples.copy()).weights)
    assert model.weights.shape == (len(roles.ROLES) + 1 + 16 + 1, len(roles.ROLES))
    got = model.classify(["a plain sentence about it."] * 3, vectors(["hold", "cautions", "none"]))
    assert "hold" in got[0] and "cautions" in got[1] and got[2] == ("none",)
    assert model.classify(["Benefits"], vectors(["hold"])) == [("none",)]  # a heading


def build(settings: Settings, embedder: FakeEmbedder):  # type: ignore[no-untyped-def]
    return build_index(settings, lambda: embedder)


def test_every_sentence_gets_roles_and_a_rebuild_keeps_them_without_retraining(fake_settings: Settings) -> None:
    build(fake_settings, FakeEmbedder())
    generation, manifest = store.open_generation(fake_settings.index_dir)
    index = Index.open(fake_settings)
    assert all(len(c.roles) == len(c.sentences) for c in index.chunks)  # () is a sentence no role fits
    assert any(any(c.roles) for c in index.chunks)
    assert manifest["roles"] and (generation / ROLES_FILE).is_file()
    article = fake_settings.corpus_dir / "hero-pose-step-by-step.md"
    article.write_text(article.read_text() + "\nHold the reclined version for ten breaths.\n")
    embedder = FakeEmbedder()
    build(fake_settings, embedder)
    examples = {text for _, text in roles.examples()}
    assert not examples & set(embedder.encoded), "the role classifier was trained again"
    generation, manifest = store.open_generation(fake_settings.index_dir)
    added = next(c for c in Index.open(fake_settings).chunks if "ten breaths" in c.text)
    assert "hold" in added.roles[-1]


def test_a_changed_classifier_retags_every_passage(fake_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    build(fake_settings, FakeEmbedder())
    monkeypatch.setattr(roles, "VERSION", roles.VERSION + 1)
    embedder = FakeEmbedder()
    report = build(fake_settings, embedder)
    assert not report.up_to_date and report.embedded == 0  # vectors are reused, roles recomputed
    examples = {text for _, text in roles.examples()}
    assert examples <= set(embedder.encoded)
    _, manifest = store.open_generation(fake_settings.index_dir)
    assert manifest["roles"] == roles.fingerprint(manifest["model"]["fingerprint"])


@pytest.mark.parametrize(
    "text",
    [
        "Sarah Stockett is STOTT certified in Matwork and Reformer.",
        "Jenna Park is a 500-hour registered yoga teacher and former marathon runner.",
        "She lives in Portland with her husband and two very lazy cats.",
        "By Dr. Sam Okafor, DPT — Sam is a physical therapist.",
        "Shop our favourite cork yoga blocks here.",
        "Make sure your blocks are nearby.",
        "Let's talk about what it actually does.",
        "So here is how I do it now.",
        "Now, a lot of people ask me whether the heels have to touch the floor.",
        "It hurts my knees.",
    ],
)
def test_bios_furniture_and_talk_about_the_article_are_never_answers(text: str) -> None:
    assert roles.not_an_answer(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kneel down on the ground and use a thick blanket as padding.",
        "Now I hold cobra for three to five breaths, lower on an exhale, and repeat it.",
        "By doing this you protect your lower back.",
        "Avoid this pose if you have a recent knee injury.",
    ],
)
def test_content_is_not_mistaken_for_furniture(text: str) -> None:
    assert not roles.not_an_answer(text)
