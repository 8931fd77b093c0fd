"""Building the index: read the corpus, chunk, tag poses, embed what is new, publish atomically.

Incremental by content: a passage's vector is reused from the live index whenever the
exact text to embed is the same under the same model, so an unchanged article is never
embedded again, and a no-op build returns before any model is loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import platform
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from . import dense, roles, store
from .chunking import chunk_text
from .config import Settings
from .corpus import load_corpus
from .embedding import Embedder, same_model
from .errors import CorpusError, IndexCorruptError, IndexMismatchError, IndexMissingError
from .generation import (
    CHUNKS_FILE,
    ROLES_FILE,
    SENTENCE_VECTORS_FILE,
    VECTORS_FILE,
    first_sentence_rows,
    read_chunks,
    write_generation,
)
from .model_files import model_signature
from .poses import Lexicon, load_lexicon
from .records import Article, Chunk, Pose, Skipped
from .text import TOKENIZER, count_tokens

#: bump when what is embedded, or the passage splitting, changes meaning
EMBED_TEMPLATE = 2
SPLITTER_VERSION = 2
#: bump when how an article's poses are found changes (passages are cut and tagged again)
POSES_VERSION = 3
#: an article without front matter or a pose in its title teaches the poses its body names most,
#: counted in its first this many characters (a long article names its own pose early and often)
POSE_COUNT_CHARS = 200_000


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


def chunker_settings(settings: Settings) -> dict[str, Any]:
    return {
        "target_tokens": settings.chunk_tokens,
        "max_tokens": settings.chunk_max_tokens,
        "tokenizer": TOKENIZER,
        "splitter_version": SPLITTER_VERSION,
        "poses_version": POSES_VERSION,
        "embed_template": EMBED_TEMPLATE,
    }


def taught_poses(article: Article, lexicon: Lexicon) -> tuple[Pose, ...]:
    """The poses an article teaches: its front matter, else those its title names, else those
    its body names most (at least twice, and at least three quarters as often as the most named
    one: a class on downward dog that twice says 'rest in child's pose' does not teach it)."""
    if article.poses:
        return tuple(dict.fromkeys(lexicon.resolve(name) for name in article.poses))
    named = lexicon.find(article.title)
    if not named:
        counts = Counter(m.pose for m in lexicon.mentions(article.body[:POSE_COUNT_CHARS]))
        top = max(counts.values(), default=0)
        named = tuple(p for p, n in counts.items() if n >= 2 and 4 * n >= 3 * top)
    return tuple(lexicon.poses[p] for p in named)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def library_versions() -> dict[str, str]:
    names = ["faiss-cpu", "sentence-transformers", "torch", "transformers", "tiktoken", "bm25s", "numpy"]
    versions = {"python": platform.python_version()}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def _live_state(settings: Settings) -> tuple[Path | None, dict[str, Any] | None]:
    """The live generation and manifest if they can be reused; damaged ones are ignored."""
    try:
        return store.open_generation(settings.index_dir)
    except (IndexMissingError, IndexCorruptError, IndexMismatchError):
        return None, None


def is_up_to_date(
    settings: Settings, manifest: dict[str, Any] | None, articles: tuple[Article, ...], lexicon: Lexicon
) -> bool:
    if manifest is None:
        return False
    return (
        manifest.get("model", {}).get("name") == settings.model
        and manifest.get("model", {}).get("signature") == model_signature(settings.model)
        and manifest.get("model", {}).get("precision_setting") == settings.precision
        and manifest.get("chunker") == chunker_settings(settings)
        and manifest.get("lexicon") == lexicon.fingerprint
        and manifest.get("roles") == roles.fingerprint(manifest.get("model", {}).get("fingerprint", []))
        and {a: m.get("sha256") for a, m in manifest.get("articles", {}).items()} == {a.id: a.sha256 for a in articles}
    )


def build_index(
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    *,
    strict: bool = False,
    force: bool = False,
    progress: Callable[[int], Callable[[int], None]] | None = None,
) -> BuildReport:
    """Build (or bring up to date) the index in ``settings.index_dir``; see the module docstring."""
    began = time.perf_counter()
    loaded = load_corpus(settings.corpus_dir, strict=strict)
    if not loaded.articles:
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in loaded.skipped[:3])
        raise CorpusError(
            f"no usable articles in {settings.corpus_dir}" + (f" ({reasons})" if reasons else "; add .md or .txt files")
        )
    articles = loaded.articles
    with store.build_lock(settings.index_dir):
        cleaned = tuple(store.clean(settings.index_dir))
        base_lexicon = load_lexicon(settings.corpus_dir)
        # poses the lexicon lacks: named in front matter, else in an article's title (or often in its body)
        extra = [base_lexicon.resolve(name) for a in articles for name in a.poses]
        extra += [p for a in articles if not a.poses for p in base_lexicon.discover(a.title, a.body)]
        lexicon = base_lexicon.with_poses(extra)
        live, manifest = _live_state(settings)
        old_articles = (manifest or {}).get("articles", {})
        new_ids = {a.id for a in articles}
        added = tuple(a.id for a in articles if a.id not in old_articles)
        changed = tuple(a.id for a in articles if a.id in old_articles and old_articles[a.id]["sha256"] != a.sha256)
        removed = tuple(sorted(set(old_articles) - new_ids))
        report = BuildReport(
            articles=len(articles),
            chunks=0,
            added=added,
            changed=changed,
            removed=removed,
            unchanged=len(articles) - len(added) - len(changed),
            skipped=loaded.skipped,
            cleaned=cleaned,
        )
        if (
            not force
            and live is not None
            and manifest is not None
            and is_up_to_date(settings, manifest, articles, lexicon)
        ):
            return replace(
                report,
                chunks=int(manifest["counts"]["chunks"]),
                up_to_date=True,
                generation=live.name,
                seconds=time.perf_counter() - began,
            )

        embedder = embedder_factory()
        old_chunks = [] if force or live is None else read_chunks(live / CHUNKS_FILE)
        taught = _taught(articles, lexicon, {} if force or manifest is None else manifest, lexicon.fingerprint)
        reusable = _reusable_chunks(old_chunks, manifest, articles, settings, lexicon)
        fingerprint = embedder.fingerprint()
        role_print = roles.fingerprint(fingerprint)
        same_roles = (manifest or {}).get("roles") == role_print
        if not same_roles:  # another classifier: every sentence is tagged again
            reusable = {a: [replace(c, roles=()) for c in cs] for a, cs in reusable.items()}
        chunks = _chunk_all(articles, taught, lexicon, settings, embedder, reusable)
        hashes = [text_hash(c.text) for c in chunks]
        old = _old_vectors(live, manifest, old_chunks, fingerprint, embedder)
        vectors, sentence_vectors, todo = _embed(chunks, hashes, embedder, old, progress)
        role_model = _role_model(live if same_roles else None, embedder)
        chunks = _with_roles(chunks, sentence_vectors, role_model)

        staging = store.new_staging(settings.index_dir)
        try:
            params = dense.choose_params(len(chunks))
            per_article = Counter(c.article for c in chunks)
            write_generation(
                staging, chunks, hashes, vectors, sentence_vectors, lexicon, params, role_weights=role_model.weights
            )
            new_manifest = {
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "model": {
                    "name": settings.model,
                    "dim": embedder.dim,
                    "precision": embedder.precision,
                    "precision_setting": settings.precision,
                    "fingerprint": fingerprint,
                    "signature": model_signature(settings.model),
                },
                "chunker": chunker_settings(settings),
                "lexicon": lexicon.fingerprint,
                "roles": role_print,
                "dense": params,
                "counts": {"articles": len(articles), "chunks": len(chunks)},
                "articles": {
                    a.id: {
                        "sha256": a.sha256,
                        "title": a.title,
                        "path": a.path,
                        "source": a.source,
                        "poses": [p.id for p in taught[a.id]],
                        "chunks": per_article[a.id],
                    }
                    for a in articles
                },
                "libraries": library_versions(),
            }
            generation = store.commit(settings.index_dir, staging, new_manifest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        store.clean(settings.index_dir)
    return replace(
        report,
        chunks=len(chunks),
        embedded=len(todo),
        reused=len(chunks) - len(todo),
        seconds=time.perf_counter() - began,
        generation=generation.name,
    )


def _chunk_all(
    articles: tuple[Article, ...],
    taught: dict[str, tuple[Pose, ...]],
    lexicon: Lexicon,
    settings: Settings,
    embedder: Embedder,
    reusable: dict[str, list[Chunk]],
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for article in articles:
        if article.id in reusable:
            chunks.extend(reusable[article.id])
            continue
        pieces = chunk_text(
            article.body,
            target=settings.chunk_tokens,
            max_tokens=settings.chunk_max_tokens,
            count=count_tokens,
            fits=embedder.fits,
        )
        article_poses = tuple(p.id for p in taught[article.id])
        for piece in pieces:
            text = article.body[piece.start : piece.end]
            poses = tuple(dict.fromkeys([*article_poses, *lexicon.find(text)]))
            chunks.append(Chunk(article.id, piece.start, piece.end, text, count_tokens(text), piece.sentences, poses))
    return chunks


def _taught(
    articles: tuple[Article, ...], lexicon: Lexicon, manifest: dict[str, Any], fingerprint: str
) -> dict[str, tuple[Pose, ...]]:
    """Each article's taught poses, reused from the manifest for unchanged articles."""
    same = manifest.get("lexicon") == fingerprint and manifest.get("chunker", {}).get("poses_version") == POSES_VERSION
    old = manifest.get("articles", {}) if same else {}
    out = {}
    for a in articles:
        before = old.get(a.id, {})
        if before.get("sha256") == a.sha256 and all(p in lexicon.poses for p in before.get("poses", [])):
            out[a.id] = tuple(lexicon.poses[p] for p in before["poses"])
        else:
            out[a.id] = taught_poses(a, lexicon)
    return out


def _reusable_chunks(
    old_chunks: list[Chunk],
    manifest: dict[str, Any] | None,
    articles: tuple[Article, ...],
    settings: Settings,
    lexicon: Lexicon,
) -> dict[str, list[Chunk]]:
    """The live index's passages of unchanged articles, when they were cut and tagged the same way."""
    if not old_chunks or manifest is None:
        return {}
    same_cut = (
        manifest.get("chunker") == chunker_settings(settings)
        and manifest.get("lexicon") == lexicon.fingerprint
        and manifest.get("model", {}).get("name") == settings.model
        and manifest.get("model", {}).get("signature") == model_signature(settings.model)
    )
    if not same_cut:
        return {}
    old = manifest.get("articles", {})
    unchanged = {a.id for a in articles if old.get(a.id, {}).get("sha256") == a.sha256}
    out: dict[str, list[Chunk]] = {}
    for chunk in old_chunks:
        if chunk.article in unchanged:
            out.setdefault(chunk.article, []).append(chunk)
    return out


def _role_model(live: Path | None, embedder: Embedder) -> roles.RoleModel:
    """The live index's sentence-role classifier when it is the same one, else one trained on
    data/roles.yaml's examples embedded by this model."""
    if live is not None and (live / ROLES_FILE).is_file():
        with contextlib.suppress(OSError, ValueError):
            return roles.RoleModel(np.load(live / ROLES_FILE))
    labels, texts = zip(*roles.examples(), strict=True)
    return roles.RoleModel.train(texts, labels, embedder.encode(list(texts)))


def _with_roles(chunks: list[Chunk], sentence_vectors: np.ndarray, model: roles.RoleModel) -> list[Chunk]:
    """Every passage with each sentence's roles: kept where the passage already has them (same
    classifier), classified from the sentence vectors otherwise."""
    todo = [i for i, c in enumerate(chunks) if len(c.roles) != len(c.sentences)]
    if not todo:
        return chunks
    first = first_sentence_rows(chunks)
    rows = np.concatenate([np.arange(first[i], first[i + 1]) for i in todo])
    found = model.classify(
        [chunks[i].sentence_text(s) for i in todo for s in chunks[i].sentences], sentence_vectors[rows]
    )
    out = list(chunks)
    at = 0
    for i in todo:
        n = len(chunks[i].sentences)
        out[i] = replace(chunks[i], roles=tuple(found[at : at + n]))
        at += n
    return out


OldVectors = tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]


def _embed(
    chunks: list[Chunk],
    hashes: list[str],
    embedder: Embedder,
    old: OldVectors | None,
    progress: Callable[[int], Callable[[int], None]] | None,
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Passage and sentence vectors: copied from the live index where the same passage was embedded
    by the same model, computed for the rest. Returns the vectors and the passages embedded."""
    first = first_sentence_rows(chunks)
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    sentence_vectors = np.zeros((int(first[-1]), embedder.dim), dtype=np.float32)
    todo = []
    for i, h in enumerate(hashes):
        if old is not None and h in old[0]:
            row, old_first, old_vectors, old_sentences = old[0][h], old[1], old[2], old[3]
            vectors[i] = old_vectors[row]
            sentence_vectors[first[i] : first[i + 1]] = old_sentences[old_first[row] : old_first[row + 1]]
        else:
            todo.append(i)
    if todo:
        tick = progress(len(todo)) if progress else None
        spans = [[(s - chunks[i].start, e - chunks[i].start) for s, e in chunks[i].sentences] for i in todo]
        new, new_sentences = embedder.encode_passages([chunks[i].text for i in todo], spans, progress=tick)
        vectors[todo] = new
        new_first = np.concatenate([[0], np.cumsum([len(s) for s in spans])])
        for n, i in enumerate(todo):
            sentence_vectors[first[i] : first[i + 1]] = new_sentences[new_first[n] : new_first[n + 1]]
    return vectors, sentence_vectors, todo


def _old_vectors(
    live: Path | None,
    manifest: dict[str, Any] | None,
    old_chunks: list[Chunk],
    fingerprint: list[float],
    embedder: Embedder,
) -> OldVectors | None:
    """The live index's vectors by passage hash, if they came from the same model."""
    if live is None or manifest is None or not old_chunks:
        return None
    model = manifest.get("model", {})
    if model.get("dim") != embedder.dim or model.get("precision") != embedder.precision:
        return None
    if manifest.get("chunker", {}).get("embed_template") != EMBED_TEMPLATE:
        return None
    if not same_model(model.get("fingerprint", []), fingerprint):
        return None
    return (
        {text_hash(c.text): i for i, c in enumerate(old_chunks)},
        first_sentence_rows(old_chunks),
        np.load(live / VECTORS_FILE, mmap_mode="r"),
        np.load(live / SENTENCE_VECTORS_FILE, mmap_mode="r"),
    )
