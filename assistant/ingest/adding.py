"""``yoga-assistant add``: files and folders people keep, into Markdown articles in the corpus.

Each input becomes one article: its text extracted (convert.py), web furniture removed
(furniture.py), and front matter written above it: ``title``, ``source``, ``poses`` (found with
the lexicon unless given), ``added`` and the ``sha256`` of the original file. An article is
written to a hidden temporary file and linked into place, so a failure never leaves half an
article and never overwrites one. The same content added twice is refused, naming the article
that already holds it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.errors import ArticleError, InputError
from assistant.ingest.convert import MIN_WORDS, SUFFIXES, TITLE_CHARS, Extracted, extract, short_title
from assistant.ingest.corpus import discover, read_article, split_front_matter
from assistant.ingest.furniture import Removal, clean
from assistant.language.poses import Lexicon
from assistant.language.taught import taught_poses
from assistant.records import Article, Pose

#: longest file name made from a title (before '.md')
MAX_NAME_CHARS = 60
#: what a removed line of a web page is when the page's own text extraction left it out
OUTSIDE = "outside the article"

#: a folder a browser writes beside a saved page ('Bridge Pose_files'): its assets, never articles
_ASSETS = re.compile(r"_files$|\.files$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Draft:
    """One article ready to be written: where, and what the user is told about it."""

    input: str  # the input as the user named it
    kind: str
    name: str  # file name in the corpus folder
    title: str
    poses: tuple[Pose, ...]
    poses_from: str  # "as given", "from its front matter" or "found in the text"
    markdown: str  # front matter and body: the whole file
    kept_words: int
    removed: tuple[Removal, ...]
    #: what makes it a duplicate: the sha256 of its text and of its original file
    keys: tuple[str, str]

    @property
    def removed_words(self) -> int:
        return sum(len(r.text.split()) for r in self.removed)


def inputs(paths: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[InputError], int]:
    """The files named, and those inside the folders named (in a stable order); the inputs
    refused; and how many other files were passed over in folders."""
    found: list[tuple[Path, str]] = []
    refused: list[InputError] = []
    ignored = 0
    for named in paths:
        shown = str(named)
        if not named.exists():
            refused.append(InputError(shown, "does not exist; check the path"))
        elif named.is_dir():
            files, passed_over, outside = _folder_files(named)
            ignored += passed_over
            refused.extend(
                InputError(str(p), "links outside the folder you named; copy the file in instead") for p in outside
            )
            if not files and not outside:
                refused.append(InputError(shown, "has no .html, .htm, .pdf, .txt or .md files to add"))
            found.extend((f, str(f)) for f in files)
        else:
            found.append((named, shown))
    return found, refused, ignored


def _folder_files(folder: Path) -> tuple[list[Path], int, list[Path]]:
    root = folder.resolve()
    files: list[Path] = []
    outside: list[Path] = []
    ignored = 0
    for here, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not _ASSETS.search(d))
        for name in sorted(names):
            path = Path(here) / name
            if name.startswith(".") or path.suffix.lower() not in SUFFIXES:
                ignored += 1
            elif not path.resolve().is_relative_to(root):
                outside.append(path)
            else:
                files.append(path)
    return files, ignored, outside


def prepare(
    path: Path,
    shown: str,
    lexicon: Lexicon,
    *,
    title: str | None = None,
    source: str | None = None,
    poses: Sequence[str] = (),
    today: dt.date | None = None,
) -> Draft:
    """The article ``path`` becomes (nothing is written)."""
    try:
        extracted = extract(path, shown)
    except OSError as error:
        raise InputError(shown, f"cannot be read ({error.strerror or type(error).__name__})") from None
    cleaned = clean(extracted.text, extracted.links)
    body = cleaned.text
    if len(body.split()) < MIN_WORDS:
        raise InputError(shown, "has no article text left once the page's furniture is removed; not added")
    name_title = short_title(title or extracted.title or title_of(body))
    found = _poses(extracted, name_title, body, lexicon, poses)
    front = {
        "title": name_title,
        "source": source or extracted.source or path.name,
        "poses": [{"english": p.english, "sanskrit": p.sanskrit} if p.sanskrit else p.english for p in found],
        "added": (today or dt.date.today()).isoformat(),
        "sha256": extracted.sha256,
    }
    markdown = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000) + "---\n" + body
    return Draft(
        shown,
        extracted.kind,
        slug(name_title) + ".md",
        name_title,
        found,
        "as given" if poses else "from its front matter" if extracted.poses else "found in the text",
        markdown,
        len(body.split()),
        tuple(Removal(line, OUTSIDE, 0) for line in extracted.dropped) + cleaned.removed,
        (_body_hash(body), extracted.sha256),
    )


def title_of(text: str) -> str:
    """The first line, or the first lines when a title wraps over two or three short lines; a
    text that opens with a paragraph is named by the start of its first sentence."""
    lines = [line.lstrip("#").strip() for line in text.strip().split("\n\n", 1)[0].splitlines()]
    block = " ".join(line for line in lines if line)
    if len(lines) <= 3 and len(block) <= TITLE_CHARS and not re.search(r"[.!?]\s", block):
        return block
    return short_title(lines[0] if lines else "")


def _poses(extracted: Extracted, title: str, body: str, lexicon: Lexicon, given: Sequence[str]) -> tuple[Pose, ...]:
    given = given or extracted.poses
    if given:
        return tuple({p.id: p for p in (lexicon.resolve(name) for name in given)}.values())
    article = Article("new", title, body, "", "", "")
    return taught_poses(article, lexicon) or tuple(lexicon.discover(title, body))


def slug(title: str) -> str:
    """A file name from a title: 'Parsvottanasana: Open Your Hamstrings' -> 'parsvottanasana-open-your-hamstrings'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    name = ""
    for word in words:
        if len(name) + len(word) + 1 > MAX_NAME_CHARS:
            break
        name = f"{name}-{word}" if name else word
    return name or "article"


def existing(corpus: Path) -> dict[str, str]:
    """What the corpus already holds: the sha256 of each article's text and of its original
    file (from its front matter), to the article's path."""
    held: dict[str, str] = {}
    paths, _ = discover(corpus)
    for path in paths:
        rel = path.relative_to(corpus).as_posix()
        with contextlib.suppress(ArticleError, OSError):
            article = read_article(path, corpus)
            held[_body_hash(article.body)] = rel
            meta, _ = split_front_matter(path.read_text(encoding="utf-8-sig"), rel)
            if isinstance(meta.get("sha256"), str):
                held[meta["sha256"]] = rel
    return held


def duplicate_of(draft: Draft, held: dict[str, str]) -> str | None:
    """The article that already holds this draft's content (or its original file), if any."""
    return next((held[key] for key in draft.keys if key in held), None)


def remember(draft: Draft, rel: str, held: dict[str, str]) -> None:
    held.update(dict.fromkeys(draft.keys, rel))


def _body_hash(body: str) -> str:
    return hashlib.sha256(body.strip().encode()).hexdigest()


def write(draft: Draft, corpus: Path) -> Path:
    """Write ``draft`` under a free name in ``corpus`` (name-2.md, ... if taken); atomically and
    never over another file."""
    corpus.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".add-", suffix=".tmp", dir=corpus)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(draft.markdown)
            f.flush()
            os.fsync(f.fileno())
        for target in _names(corpus, draft.name):
            try:
                os.link(tmp, target)
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links: replace, having checked the name is free
                if target.exists():
                    continue
                os.replace(tmp, target)
            return target
        raise InputError(draft.input, "no free file name in the corpus folder")  # pragma: no cover
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _names(corpus: Path, name: str) -> Iterator[Path]:
    stem = name.removesuffix(".md")
    yield corpus / name
    for n in range(2, 10_000):
        yield corpus / f"{stem}-{n}.md"
