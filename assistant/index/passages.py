"""Articles into passages: the poses each article teaches, and its passages cut and tagged.

A passage is a span of whole sentences of about ``chunk_tokens`` cl100k tokens (chunking.py),
tagged with the poses its article teaches and the poses it names itself. An unchanged article
keeps its passages and taught poses from the live build (the manifest says whether they were
cut and found the same way).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from assistant.config import Settings
from assistant.index.chunking import chunk_text
from assistant.index.manifest import Manifest
from assistant.language.lexicon_file import load_lexicon
from assistant.language.poses import Lexicon
from assistant.language.taught import taught_poses
from assistant.language.text import count_tokens
from assistant.records import Article, Chunk, Pose


def corpus_lexicon(settings: Settings, articles: tuple[Article, ...]) -> Lexicon:
    """The lexicon with the poses it lacks: named in front matter, else in an article's title
    (or often in its body)."""
    base = load_lexicon(settings.corpus_dir)
    extra = [base.resolve(name) for a in articles for name in a.poses]
    extra += [p for a in articles if not a.poses for p in base.discover(a.title, a.body)]
    return base.with_poses(extra)


def taught(articles: tuple[Article, ...], lexicon: Lexicon, manifest: Manifest | None) -> dict[str, tuple[Pose, ...]]:
    """Each article's taught poses, reused from ``manifest`` (when given) for unchanged articles."""
    old = manifest.articles if manifest else {}
    out = {}
    for a in articles:
        before = old.get(a.id)
        if before and before.sha256 == a.sha256 and all(p in lexicon.poses for p in before.poses):
            out[a.id] = tuple(lexicon.poses[p] for p in before.poses)
        else:
            out[a.id] = taught_poses(a, lexicon)
    return out


def unchanged(
    old_chunks: list[Chunk], manifest: Manifest | None, articles: tuple[Article, ...]
) -> dict[str, list[Chunk]]:
    """The live index's passages of the articles that have not changed, by article."""
    old = manifest.articles if manifest else {}
    unchanged = {a.id for a in articles if a.id in old and old[a.id].sha256 == a.sha256}
    out: dict[str, list[Chunk]] = {}
    for chunk in old_chunks:
        if chunk.article in unchanged:
            out.setdefault(chunk.article, []).append(chunk)
    return out


def cut(
    articles: tuple[Article, ...],
    taught: dict[str, tuple[Pose, ...]],
    lexicon: Lexicon,
    settings: Settings,
    fits: Callable[[str], bool],
    reusable: dict[str, list[Chunk]],
) -> list[Chunk]:
    """Every article's passages, in corpus order: those in ``reusable`` as they are, the rest cut
    (``fits``: whether the embedding model reads a text whole) and tagged with their poses."""
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
            fits=fits,
        )
        article_poses = tuple(p.id for p in taught[article.id])
        for piece in pieces:
            text = article.body[piece.start : piece.end]
            poses = tuple(dict.fromkeys([*article_poses, *lexicon.find(text)]))
            chunks.append(
                Chunk(
                    article.id,
                    piece.start,
                    piece.end,
                    text,
                    count_tokens(text),
                    piece.sentences,
                    poses,
                    digest=text_hash(text),
                )
            )
    return chunks


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
