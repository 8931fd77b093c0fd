"""The article library of a running server: add an uploaded file as `add` does, list the
articles, remove one, and rebuild the index in the background with its progress.

Everything goes through the same steps as the command line (ingest/adding.py, index/build.py):
an upload is written to a private temporary folder, read and cleaned, refused for the same
reasons (`InputError`: unreadable, scanned, too large, not an article, a duplicate), and written
into the corpus atomically. A build runs on one thread at a time, publishes a new generation as
`yoga-assistant build` does, and the running assistant switches to it at once.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import AssistantError, InputError
from assistant.ingest.adding import Draft, duplicate_of, existing, prepare, write
from assistant.ingest.convert import MAX_INPUT_BYTES, SUFFIXES
from assistant.ingest.corpus import load_corpus
from assistant.language.lexicon_file import load_lexicon
from assistant.language.taught import taught_poses
from assistant.pipeline import Assistant

#: the largest file taken (the limit `add` has for one article)
MAX_UPLOAD_BYTES = MAX_INPUT_BYTES
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def draft_json(draft: Draft, article_id: str | None) -> dict[str, Any]:
    return {
        "id": article_id,
        "title": draft.title,
        "kind": draft.kind,
        "words_kept": draft.kept_words,
        "words_removed": draft.removed_words,
        "removed": [{"kind": r.kind, "text": r.text} for r in draft.removed],
        "poses": [{"id": p.id, "label": p.label} for p in draft.poses],
        "poses_from": draft.poses_from,
    }


def add_upload(
    settings: Settings, filename: str, data: bytes, *, title: str = "", poses: str = "", dry_run: bool = False
) -> dict[str, Any]:
    """Add one uploaded file to the corpus (or, ``dry_run``, say what would be added); raises
    ``InputError`` with `add`'s reason when it cannot be an article."""
    shown = Path(filename or "upload").name[:120] or "upload"
    suffix = Path(shown).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(shown, f"is not a saved web page, PDF or text file ({', '.join(sorted(SUFFIXES))}); not added")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(shown, f"is over the {MAX_UPLOAD_BYTES // 1_000_000} MB limit for one article; not added")
    wanted = [p.strip() for p in poses.split(",") if p.strip()]
    lexicon = load_lexicon(settings.corpus_dir)
    folder = Path(tempfile.mkdtemp(prefix="yoga-upload-"))
    try:
        path = folder / (_SAFE_NAME.sub("_", Path(shown).stem)[:80] + suffix)
        path.write_bytes(data)
        draft = prepare(path, shown, lexicon, title=title.strip() or None, source=shown, poses=wanted)
        held = existing(settings.corpus_dir) if settings.corpus_dir.is_dir() else {}
        same = duplicate_of(draft, held)
        if same:
            raise InputError(shown, f"is already in the corpus as {same}; not added again")
        if dry_run:
            return draft_json(draft, None)
        written = write(draft, settings.corpus_dir)
        return draft_json(draft, written.relative_to(settings.corpus_dir).as_posix())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def articles(settings: Settings) -> list[dict[str, Any]]:
    """The corpus's articles: id (its file in the corpus), title, the poses it teaches, source, size."""
    lexicon = load_lexicon(settings.corpus_dir)
    out = []
    for article in load_corpus(settings.corpus_dir).articles:
        path = settings.corpus_dir / article.path
        out.append(
            {
                "id": article.path,
                "title": article.title,
                "poses": [{"id": p.id, "label": p.label} for p in taught_poses(article, lexicon)],
                "source": article.source,
                "bytes": path.stat().st_size if path.exists() else 0,
            }
        )
    return out


def remove(settings: Settings, article_id: str) -> None:
    """Delete one article's file; ``KeyError`` when the corpus has no article by that id."""
    known = {a.path for a in load_corpus(settings.corpus_dir).articles}
    if article_id not in known:
        raise KeyError(article_id)
    (settings.corpus_dir / article_id).unlink()


@dataclass
class BuildState:
    state: str = "idle"  # idle, running, done, failed
    done: int = 0
    total: int = 0
    message: str = ""

    def json(self) -> dict[str, Any]:
        return {"state": self.state, "done": self.done, "total": self.total, "message": self.message}


class Builds:
    """One background build at a time, and how far it is."""

    def __init__(self, settings: Settings, assistant: Assistant) -> None:
        self.settings, self.assistant = settings, assistant
        self.status = BuildState()
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._finished.set()

    def now(self) -> BuildState:
        with self._lock:
            return BuildState(**vars(self.status))

    def start(self) -> bool:
        """Start a build on its own thread; False when one is already running."""
        with self._lock:
            if self.status.state == "running":
                return False
            self.status = BuildState("running", message="reading the articles")
            self._finished.clear()
        threading.Thread(target=self._run, name="library-build", daemon=True).start()
        return True

    def wait(self, seconds: float) -> BuildState:
        """The state once the running build ends, or after ``seconds`` if it is still running."""
        self._finished.wait(seconds)
        return self.now()

    def _progress(self, total: int) -> Any:
        with self._lock:
            self.status.total, self.status.done, self.status.message = total, 0, "embedding passages"

        def tick(n: int) -> None:
            with self._lock:
                self.status.done += n

        return tick

    def _run(self) -> None:
        from assistant.index.build import build_index

        try:
            report = build_index(self.settings, lambda: self.assistant.embedder, progress=self._progress)
            self.assistant.reload()  # serve it now, not at the next question
            said = "the index was already up to date" if report.up_to_date else "built"
            final = BuildState("done", message=f"{said}: {report.articles} articles, {report.chunks} passages")
        except AssistantError as error:
            final = BuildState("failed", message=str(error))
        except Exception as error:  # a bug must not leave the state 'running' for ever
            final = BuildState("failed", message=f"the build failed: {type(error).__name__}; see the server's log")
        with self._lock:
            final.done, final.total = self.status.done, self.status.total
            self.status = final
            self._finished.set()
