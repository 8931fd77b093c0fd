"""Articles into passages: the poses each article teaches, and its passages cut and tagged.

A passage is a span of whole sentences of about ``chunk_tokens`` cl100k tokens (chunking.py),
tagged with the poses its article teaches and the poses it names itself. An unchanged article
keeps its passages and taught poses from the live build (the manifest says whether they were
cut and found the same way).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable

from .chunking import chunk_text
from .config import Settings
from .lexicon_file import load_lexicon
from .manifest import Manifest
from .poses import Lexicon
from .records import Article, Chunk, Pose
from .text import count_tokens

#: an article without front matter or a pose in its title teaches the poses its body names most,
#: counted in its first this many characters (a long article names its own pose early and often)
POSE_COUNT_CHARS = 200_000
#: where an article says which pose it is about: its first paragraphs
OPENING_CHARS = 800


def taught_poses(article: Article, lexicon: Lexicon) -> tuple[Pose, ...]:
    """The poses an article teaches: its front matter, else those its title names, else those
    its body names most (at least twice, and at least three quarters as often as the most named
    one: a class on downward dog that twice says 'rest in child's pose' does not teach it).
    A title that names its pose only by another name people use ('Seated hamstring stretch')
    gives way to the pose the article's opening names by its Sanskrit name (Paschimottanasana):
    the article's own statement beats the lexicon's guess."""
    if article.poses:
        return tuple(dict.fromkeys(lexicon.resolve(name) for name in article.poses))
    titled = lexicon.mentions(article.title)
    named = tuple(dict.fromkeys(m.pose for m in titled))
    if titled and all(lexicon.by_alias(m) for m in titled):
        family = {f for p in named for f in lexicon.family(p)}
        opening = lexicon.mentions(article.body[:OPENING_CHARS])
        stated = tuple(dict.fromkeys(m.pose for m in opening if lexicon.sanskrit_name(m) and m.pose not in family))
        named = stated or named
    if not named:
        counts = Counter(m.pose for m in lexicon.mentions(article.body[:POSE_COUNT_CHARS]))
        top = max(counts.values(), default=0)
        named = tuple(p for p, n in counts.items() if n >= 2 and 4 * n >= 3 * top)
    return tuple(lexicon.poses[p] for p in named)


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
