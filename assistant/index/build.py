"""Building the index: read the corpus, chunk, tag poses, embed what is new, publish atomically.

Incremental by content: a passage's vector is reused from the live index whenever the
exact text to embed is the same under the same model, so an unchanged article is never
embedded again, and a no-op build returns before any model is loaded.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.embed.embedders import fastest
from assistant.embed.embedding import Embedder
from assistant.embed.model_files import model_signature
from assistant.errors import (
    CorpusError,
    IndexCorruptError,
    IndexFormatError,
    IndexMismatchError,
    IndexMissingError,
    IndexWriteError,
)
from assistant.index import dense, passages, store, tagging
from assistant.index.generation import read_passages, write_generation
from assistant.index.manifest import ArticleEntry, Manifest, ModelInfo, chunker_settings
from assistant.index.vectors import embed, vectors_of
from assistant.ingest.corpus import CorpusLoad, load_corpus
from assistant.language import roles
from assistant.language.poses import Lexicon
from assistant.records import Article, Chunk, Pose, Skipped


@dataclass(frozen=True, slots=True)
class BuildReport:
    articles: int
    chunks: int
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    embedded: int = 0
    reused: int = 0
    skipped: tuple[Skipped, ...] = ()
    seconds: float = 0.0
    up_to_date: bool = False
    generation: str = ""
    cleaned: tuple[str, ...] = field(default=())
    #: the live index was written in another format: this build made every passage anew
    old_format: object = None
    precision: str = ""  # what the vectors were computed in
    speeds: dict[str, float] = field(default_factory=dict)  # passages/s of each precision, when measured


def summary(report: BuildReport, where: Path) -> list[str]:
    """What a build did, as ``yoga-assistant build`` says it."""
    if report.up_to_date:
        return [f"index is up to date: {report.articles} articles, {report.chunks} passages ({report.seconds:.1f} s)"]
    lines = []
    if report.old_format is not None:
        lines.append(f"the index was in an older version's format ({report.old_format}): rebuilt it whole")
    if report.speeds:
        speeds = ", ".join(f"{p} {v:.0f}" for p, v in sorted(report.speeds.items(), key=lambda x: -x[1]))
        lines.append(f"embedded in {report.precision}, the fastest here (passages/s: {speeds})")
    lines.append(
        f"built {where}: {report.articles} articles, {report.chunks} passages; "
        f"{len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged; {report.embedded} passages embedded, {report.reused} reused; "
        f"{len(report.skipped)} files skipped; {report.seconds:.1f} s"
    )
    return lines


def _live_state(settings: Settings) -> tuple[Path | None, Manifest | None]:
    """The live generation and manifest if they can be reused; damaged ones are ignored."""
    try:
        live, raw = store.open_generation(settings.index_dir)
        return live, Manifest.from_dict(raw, live)
    except (IndexMissingError, IndexCorruptError, IndexMismatchError):
        return None, None


def _old_format(settings: Settings) -> object:
    """The format of the live index when it is not this version's (None when it is, or there is none)."""
    try:
        store.open_generation(settings.index_dir, check=False)
    except IndexFormatError as error:
        return error.found
    except (IndexMissingError, IndexCorruptError, IndexMismatchError):
        pass
    return None


def build_index(
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    *,
    strict: bool = False,
    force: bool = False,
    progress: Callable[[int], Callable[[int], None]] | None = None,
    embedder_of: Callable[[str], Embedder] | None = None,
) -> BuildReport:
    """Build (or bring up to date) the index in ``settings.index_dir``; see the module docstring.
    With ``embedder_of`` (an embedder for a precision) and precision ``auto``, a large build from
    scratch embeds with the precision measured fastest here, and a later one keeps it."""
    began = time.perf_counter()
    loaded = load_corpus(settings.corpus_dir, strict=strict)
    if not loaded.articles:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in loaded.skipped[:3])
        raise CorpusError(
            f"no usable articles in {settings.corpus_dir}" + (f" ({reasons})" if reasons else "; add .md or .txt files")
        )
    try:
        with store.build_lock(settings.index_dir):
            return _build(settings, loaded, embedder_factory, force, progress, began, embedder_of)
    except IndexWriteError:
        # a read-only index that is up to date serves as it is
        fresh = None if force else _if_fresh(settings, loaded, _live_state(settings), (), began)
        if fresh is None:
            raise
        return fresh
    except OSError as error:  # a full disk, a folder that went away: nothing was published
        raise IndexWriteError(
            f"cannot write the index in {settings.index_dir} ({error.strerror or error}); free some disk space "
            "or fix its permissions, then build again; the live index is unchanged"
        ) from None


def _if_fresh(
    settings: Settings,
    loaded: CorpusLoad,
    state: tuple[Path | None, Manifest | None],
    cleaned: tuple[str, ...],
    began: float,
    lexicon: Lexicon | None = None,
) -> BuildReport | None:
    """The report of a build with nothing to do, when the live index fits the corpus and settings."""
    live, manifest = state
    if live is None or manifest is None:
        return None
    lexicon = lexicon or passages.corpus_lexicon(settings, loaded.articles)
    if not manifest.check(settings, lexicon=lexicon.fingerprint, articles=loaded.articles).up_to_date:
        return None
    report = _changes(loaded.articles, manifest, loaded.skipped, cleaned)
    seconds = time.perf_counter() - began
    return replace(report, chunks=manifest.chunks, up_to_date=True, generation=live.name, seconds=seconds)


def _build(
    settings: Settings,
    loaded: CorpusLoad,
    embedder_factory: Callable[[], Embedder],
    force: bool,
    progress: Callable[[int], Callable[[int], None]] | None,
    began: float,
    embedder_of: Callable[[str], Embedder] | None,
) -> BuildReport:
    """The build itself, under the lock."""
    articles = loaded.articles
    cleaned = tuple(store.clean(settings.index_dir))
    store.crash_point("locked")
    live, manifest = _live_state(settings)
    lexicon = passages.corpus_lexicon(settings, articles)
    fresh = None if force else _if_fresh(settings, loaded, (live, manifest), cleaned, began, lexicon)
    if fresh is not None:
        return fresh
    report = _changes(articles, manifest, loaded.skipped, cleaned)
    if live is None:
        report = replace(report, old_format=_old_format(settings))
    embedder = embedder_factory()
    auto = embedder_of if settings.precision == "auto" else None
    kept = manifest.model.precision if manifest and manifest.model.precision_setting == "auto" else None
    if auto and kept and kept != embedder.precision:  # what auto chose before: its vectors are reused
        embedder = auto(kept)
    fingerprint = tuple(embedder.fingerprint())
    fit = manifest.check(settings, lexicon=lexicon.fingerprint, model=embedder) if manifest else None
    reuse = fit if not force and live is not None else None  # what this build may take from the live one
    old_chunks = list(read_passages(live)) if reuse and live else []
    taught = passages.taught(articles, lexicon, manifest if reuse and reuse.poses else None)
    reusable = passages.unchanged(old_chunks, manifest, articles) if reuse and reuse.passages else {}
    if not (fit and fit.roles):  # another classifier: every sentence is tagged again
        reusable = {a: [replace(c, roles=()) for c in cs] for a, cs in reusable.items()}
    chunks = passages.cut(articles, taught, lexicon, settings, embedder.fits, reusable)
    old = vectors_of(live, old_chunks) if reuse and reuse.vectors and live and old_chunks else None
    made = embed(chunks, embedder, old, progress, partial(fastest, auto) if auto else None)
    vectors, sentence_vectors, todo = made.vectors, made.sentence_vectors, made.todo
    store.crash_point("embedded")
    if made.embedder is not embedder:  # another precision measured faster
        embedder, fit = made.embedder, None
        fingerprint = tuple(embedder.fingerprint())
    role_model = tagging.role_model(live if fit and fit.roles else None, embedder)
    chunks = tagging.with_roles(chunks, sentence_vectors, role_model)
    new_manifest = Manifest(
        model=ModelInfo(
            settings.model,
            embedder.dim,
            embedder.precision,
            settings.precision,
            fingerprint,
            model_signature(settings.model),
            made.speeds,
        ),
        chunker=chunker_settings(settings),
        lexicon=lexicon.fingerprint,
        roles=roles.fingerprint(fingerprint),
        dense=dense.choose_params(len(chunks)),
        articles=_entries(articles, taught, chunks),
        chunks=len(chunks),
    )
    generation = _publish(settings, chunks, vectors, sentence_vectors, lexicon, role_model, new_manifest)
    store.clean(settings.index_dir)
    return replace(
        report,
        chunks=len(chunks),
        embedded=len(todo),
        reused=len(chunks) - len(todo),
        precision=embedder.precision,
        speeds=made.speeds,
        seconds=time.perf_counter() - began,
        generation=generation.name,
    )


def _changes(
    articles: tuple[Article, ...], manifest: Manifest | None, skipped: tuple[Skipped, ...], cleaned: tuple[str, ...]
) -> BuildReport:
    """What changed since the live build: articles added, changed, removed and unchanged."""
    old = manifest.articles if manifest else {}
    added = tuple(a.id for a in articles if a.id not in old)
    changed = tuple(a.id for a in articles if a.id in old and old[a.id].sha256 != a.sha256)
    removed = tuple(sorted(set(old) - {a.id for a in articles}))
    return BuildReport(
        articles=len(articles),
        chunks=0,
        added=added,
        changed=changed,
        removed=removed,
        unchanged=len(articles) - len(added) - len(changed),
        skipped=skipped,
        cleaned=cleaned,
    )


def _entries(
    articles: tuple[Article, ...], taught: dict[str, tuple[Pose, ...]], chunks: list[Chunk]
) -> dict[str, ArticleEntry]:
    per_article = Counter(c.article for c in chunks)
    return {
        a.id: ArticleEntry(a.sha256, a.title, a.path, a.source, tuple(p.id for p in taught[a.id]), per_article[a.id])
        for a in articles
    }


def _publish(
    settings: Settings,
    chunks: list[Chunk],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    lexicon: Lexicon,
    role_model: roles.RoleModel,
    manifest: Manifest,
) -> Path:
    """Write the generation beside the live one and make it live; nothing is left on failure."""
    staging = store.new_staging(settings.index_dir)
    try:
        write_generation(
            staging, chunks, vectors, sentence_vectors, lexicon, dict(manifest.dense), role_weights=role_model.weights
        )
        store.crash_point("written")
        return store.commit(settings.index_dir, staging, manifest.dump())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
