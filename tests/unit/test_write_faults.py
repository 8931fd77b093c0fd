"""A full disk, a read-only or misnamed index folder, unreadable and looping corpus files: one
line each, and nothing lost (the live index stays as it was, nothing half-written is left)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import IndexWriteError
from assistant.index import store
from assistant.index.build import build_index
from assistant.ingest.corpus import load_corpus
from assistant.pipeline import Assistant

from ..conftest import FakeEmbedder

QUESTION = "how long do I hold pyramid pose?"


NEW = "Tree Pose\n\nHold tree pose for eleven slow breaths.\n"


def answer(settings: Settings) -> str:
    return Assistant(settings, embedder=FakeEmbedder()).ask(QUESTION).text


def leftovers(index: Path) -> list[str]:
    return [p.name for p in index.iterdir() if p.name.startswith((".staging-", f".{store.POINTER}.", ".serving-"))]


def full_disk(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("stage", ["vectors", "faiss", "manifest", "pointer"])
def test_a_full_disk_at_any_stage_leaves_the_live_index_and_says_so(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    build_index(fake_settings, FakeEmbedder)
    before, live = answer(fake_settings), store.current_generation(fake_settings.index_dir)
    (fake_settings.corpus_dir / "tree.md").write_text(NEW)
    if stage == "vectors":
        monkeypatch.setattr(np, "save", full_disk)
    elif stage == "faiss":
        import faiss

        def short_write(*_: object) -> None:
            raise RuntimeError("Error in faiss::FileIOWriter: write error")

        monkeypatch.setattr(faiss, "write_index", short_write)
    elif stage == "manifest":
        real = Path.write_text
        monkeypatch.setattr(
            Path, "write_text", lambda p, *a, **k: full_disk() if p.name == store.MANIFEST else real(p, *a, **k)
        )
    else:
        real_open = Path.open
        monkeypatch.setattr(
            Path, "open", lambda p, *a, **k: full_disk() if p.name.startswith(".CURRENT") else real_open(p, *a, **k)
        )
    reason = "write error" if stage == "faiss" else "No space left on device"
    with pytest.raises(IndexWriteError, match=rf"cannot write the index in .*{reason}.*the live index is unchanged"):
        build_index(fake_settings, FakeEmbedder)
    monkeypatch.undo()
    assert store.current_generation(fake_settings.index_dir) == live and answer(fake_settings) == before
    assert not leftovers(fake_settings.index_dir)
    assert len(list(fake_settings.index_dir.glob("gen-*"))) == 1
    build_index(fake_settings, FakeEmbedder)  # and the next build, with room, goes through
    assert "eleven slow breaths" in Assistant(fake_settings, embedder=FakeEmbedder()).ask("hold tree pose?").text


def test_an_up_to_date_index_in_a_read_only_folder_still_serves(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index(fake_settings, FakeEmbedder)
    real_open = os.open

    def read_only(path: object, *args: object, **kwargs: object) -> int:
        if str(path).endswith(store.LOCK):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", read_only)
    assert build_index(fake_settings, FakeEmbedder).up_to_date  # what the chat runs before serving
    (fake_settings.corpus_dir / "tree.md").write_text(NEW)
    with pytest.raises(IndexWriteError, match=r"cannot write to the index folder .* \(Read-only file system\)"):
        build_index(fake_settings, FakeEmbedder)


def test_looping_and_unreadable_files_and_folders_are_skipped_with_a_reason(
    fake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = fake_settings.corpus_dir
    (corpus / "a.md").symlink_to(corpus / "b.md")
    (corpus / "b.md").symlink_to(corpus / "a.md")
    (corpus / "locked.md").write_text("Locked\n\nHold it.\n")
    (corpus / "private").mkdir()
    (corpus / "private" / "note.md").write_text("Note\n\nHold it long.\n")
    real_read, real_scandir = Path.read_bytes, os.scandir

    def read_bytes(path: Path) -> bytes:
        if path.name == "locked.md":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_read(path)

    def scandir(path: object = ".") -> object:
        if str(path).endswith("private"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(os, "scandir", scandir)
    reasons = {s.path: s.reason for s in load_corpus(corpus).skipped}
    assert reasons["a.md"] == reasons["b.md"] == "is a symbolic link loop; remove the link"
    assert reasons["locked.md"] == "cannot be read (permission denied); fix its permissions"
    assert reasons["private/"] == "folder cannot be read (Permission denied); fix its permissions"
    report = build_index(fake_settings, FakeEmbedder)  # the rest builds
    assert report.articles == 5 and len(report.skipped) == 4
