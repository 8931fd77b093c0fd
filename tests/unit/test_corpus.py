import codecs
from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.ingest.corpus import load_corpus, read_article

from ..conftest import CORPUS


def test_real_corpus_has_the_five_articles_with_front_matter() -> None:
    loaded = load_corpus(CORPUS)
    assert len(loaded.articles) == 5 and not loaded.skipped
    for a in loaded.articles:
        assert a.title and a.poses and a.source.endswith(".txt")
        assert not a.body.startswith("---")


def test_corpus_keeps_seed_sentences_exactly() -> None:
    bodies = " ".join(a.body for a in load_corpus(CORPUS).articles)
    # typos are part of the text people quote
    assert "don't push yourself to hard at first" in bodies
    assert "Tense your should bladders against the back" in bodies
    assert "ParsvottanasanaParsvottanasana is such a great pose" in bodies


def test_plain_text_title_comes_from_first_line(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("\n\nChild's Pose basics\nRest your forehead on the mat.\n")
    article = read_article(tmp_path / "mine.txt", tmp_path)
    assert article.title == "Child's Pose basics"
    assert article.id == "mine" and article.poses == ()
    assert article.body.startswith("Child's Pose basics")


BAD_FILES = {
    "empty.md": b"",
    "blank.md": b"  \n\t\n",
    "latin1.md": "Caf\u00e9 pose".encode("latin-1"),
    "invalid.md": b"ok \xff\xfe\xfd bad",
    "binary.md": bytes(range(256)) * 4,
    "bad-yaml.md": b"---\ntitle: [unclosed\n---\nBody text here.",
    "python-tag.md": b"---\ntitle: !!python/object/apply:os.system ['echo hi']\n---\nBody.",
    "list-yaml.md": b"---\n- a\n- b\n---\nBody.",
    "no-body.md": b"---\ntitle: Only a title\n---\n",
    "open-front.md": b"---\ntitle: never closed\n" + b"x: y\n" * 6000,
}


def test_bad_files_are_skipped_with_reasons_and_the_rest_loads(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("Good article\nHold the pose for five breaths.")
    for name, data in BAD_FILES.items():
        (tmp_path / name).write_bytes(data)
    loaded = load_corpus(tmp_path)
    assert [a.id for a in loaded.articles] == ["good"]
    reasons = {s.path: s.reason for s in loaded.skipped}
    assert set(reasons) == set(BAD_FILES)
    assert "UTF-8" in reasons["latin1.md"] and "binary" in reasons["binary.md"]
    assert "YAML" in reasons["bad-yaml.md"] and "YAML" in reasons["python-tag.md"]
    assert all(reason and "\n" not in reason for reason in reasons.values())


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    (tmp_path / "u16.md").write_bytes(codecs.BOM_UTF16_LE + "Lotus\nSit tall.".encode("utf-16-le"))
    assert load_corpus(tmp_path).articles[0].title == "Lotus"


def test_strict_stops_at_first_bad_file(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("Good\nText.")
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CorpusError, match=r"bad\.md"):
        load_corpus(tmp_path, strict=True)


def test_symlink_outside_corpus_is_never_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret\nDo not index me.")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "link.md").symlink_to(outside)
    (corpus / "real.md").write_text("Real\nText.")
    loaded = load_corpus(corpus)
    assert [a.id for a in loaded.articles] == ["real"]
    assert "outside" in loaded.skipped[0].reason


def test_duplicate_articles_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("Same\nText.")
    (tmp_path / "b.txt").write_text("Same\nText.")
    loaded = load_corpus(tmp_path)
    assert [a.id for a in loaded.articles] == ["a"]
    assert "duplicate of a.md" in loaded.skipped[0].reason


def test_missing_corpus_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="--corpus"):
        load_corpus(tmp_path / "nope")
