"""Reading articles from the corpus folder: Markdown/text files, with or without front matter.

Reading is defensive: a file that cannot be used is skipped with its reason, and
nothing outside the corpus folder is ever opened (symlinks are resolved and checked).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from assistant.errors import ArticleError, CorpusError
from assistant.records import Article, Skipped

SUFFIXES = frozenset({".md", ".markdown", ".txt"})
#: files that hold an article but must be converted first (yoga-assistant add)
CONVERTIBLE = frozenset({".html", ".htm", ".xhtml", ".pdf"})
MAX_ARTICLE_BYTES = 5_000_000
MAX_FRONT_MATTER_CHARS = 20_000
MAX_TITLE_CHARS = 200


@dataclass(frozen=True, slots=True)
class CorpusLoad:
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]


def discover(root: Path) -> tuple[list[Path], list[Skipped]]:
    """Article files under ``root`` in a stable order (hidden files and folders are ignored),
    and what was passed over: folders that could not be read, and web pages and PDFs, which
    ``yoga-assistant add`` turns into articles."""
    if not root.is_dir():
        raise CorpusError(f"corpus folder {root} does not exist; create it or pass --corpus DIR")
    found: list[Path] = []
    passed: list[Skipped] = []

    def note(error: OSError) -> None:
        folder = Path(error.filename or root)
        rel = folder.relative_to(root).as_posix() if folder.is_relative_to(root) else str(folder)
        passed.append(Skipped(rel + "/", f"folder cannot be read ({error.strerror or error}); fix its permissions"))

    for folder, dirs, files in os.walk(root, onerror=note, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            suffix = Path(name).suffix.lower()
            if name.startswith("."):
                continue
            if suffix in SUFFIXES:
                found.append(Path(folder) / name)
            elif suffix in CONVERTIBLE:
                path = Path(folder) / name
                rel = path.relative_to(root).as_posix()
                passed.append(Skipped(rel, f"convert it with: yoga-assistant add {shlex.quote(str(path))}"))
    return found, passed


def load_corpus(root: Path, *, strict: bool = False) -> CorpusLoad:
    """Every usable article under ``root``; with ``strict`` the first unusable file is an error."""
    articles: list[Article] = []
    paths, skipped = discover(root)
    if skipped and strict:
        raise CorpusError(f"{skipped[0].path}: {skipped[0].reason} (build --strict stops at the first unusable file)")
    seen_ids: dict[str, str] = {}
    seen_text: dict[str, str] = {}
    for path in paths:
        rel = path.relative_to(root).as_posix()
        try:
            article = read_article(path, root)
            if article.id in seen_ids:
                raise ArticleError(rel, f"same article id as {seen_ids[article.id]}; rename one of them")
            text_hash = hashlib.sha256(article.body.encode()).hexdigest()
            if text_hash in seen_text:
                raise ArticleError(rel, f"duplicate of {seen_text[text_hash]}")
        except ArticleError as error:
            if strict:
                raise CorpusError(f"{error} (build --strict stops at the first unusable file)") from None
            skipped.append(Skipped(rel, error.reason))
            continue
        seen_ids[article.id] = rel
        seen_text[text_hash] = rel
        articles.append(article)
    return CorpusLoad(tuple(articles), tuple(skipped))


def read_article(path: Path, root: Path) -> Article:
    """One article; raises ``ArticleError`` with a reason a person can act on."""
    rel = path.relative_to(root).as_posix()
    try:
        real = path.resolve()
        if not real.is_relative_to(root.resolve()):
            raise ArticleError(rel, "links to a file outside the corpus folder; copy the file in instead")
        if not real.is_file():
            raise ArticleError(rel, "is not a regular file")
        size = real.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise ArticleError(
                rel, f"is {size / 1e6:.0f} MB, over the {MAX_ARTICLE_BYTES // 1_000_000} MB limit; split it"
            )
        raw = real.read_bytes()
    except RuntimeError:  # Path.resolve on a link that points back at itself
        raise ArticleError(rel, "is a symbolic link loop; remove the link") from None
    except PermissionError:
        raise ArticleError(rel, "cannot be read (permission denied); fix its permissions") from None
    except OSError as error:
        raise ArticleError(rel, f"cannot be read ({error.strerror or type(error).__name__})") from None
    text = decode(raw, rel)
    meta, body = split_front_matter(text, rel)
    body = body.strip()
    if not body:
        raise ArticleError(rel, "has no text")
    title = meta.get("title")
    if title is not None and not isinstance(title, (str, int, float)):
        raise ArticleError(rel, "front matter 'title' must be text")
    title = " ".join(str(title or _first_line(body)).split())[:MAX_TITLE_CHARS]
    source = meta.get("source")
    return Article(
        id=rel.rsplit(".", 1)[0],
        title=title,
        body=body,
        source=str(source) if isinstance(source, (str, int)) else rel,
        path=rel,
        sha256=hashlib.sha256(raw).hexdigest(),
        poses=pose_names(meta.get("poses"), rel),
    )


def decode(raw: bytes, rel: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is refused."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ArticleError(rel, "is not valid UTF-16 text despite its byte-order mark") from None
    else:
        head = raw[:65536]
        if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > max(8, len(head) // 100):
            raise ArticleError(rel, "looks like a binary file, not text")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ArticleError(
                rel, f"is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); save it as UTF-8"
            ) from None
    if not text.strip():
        raise ArticleError(rel, "is empty")
    controls = sum(1 for c in text[:100_000] if c < " " and c not in "\n\r\t\f")
    if "\x00" in text or controls > max(8, len(text[:100_000]) // 100):
        raise ArticleError(rel, "looks like a binary file, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, rel: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (between '---' lines) and the body; plain files have no front matter."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end == -1 or end > MAX_FRONT_MATTER_CHARS:
        raise ArticleError(rel, f"front matter has no closing '---' line within {MAX_FRONT_MATTER_CHARS:,} characters")
    handler = frontmatter.YAMLHandler()
    try:
        front, body = handler.split(text)
        data = handler.load(front)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as e:
        where = getattr(e, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise ArticleError(rel, f"front matter is not valid YAML{line}; fix it or remove it") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ArticleError(rel, "front matter must be 'key: value' lines (title, source, poses)")
    return data, body


def pose_names(value: object, rel: str) -> tuple[str, ...]:
    """Front matter ``poses``: names, or mappings with ``english``/``sanskrit``."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items[:50]:
        if isinstance(item, str):
            names.append(item.strip())
        elif isinstance(item, dict):
            english, sanskrit = item.get("english"), item.get("sanskrit")
            if not all(isinstance(v, (str, type(None))) for v in (english, sanskrit)):
                raise ArticleError(rel, "front matter 'poses' entries need text 'english'/'sanskrit' names")
            names.append(f"{english} ({sanskrit})" if english and sanskrit else str(english or sanskrit or ""))
        else:
            raise ArticleError(rel, "front matter 'poses' must be a list of names")
    return tuple(n[:MAX_TITLE_CHARS] for n in names if n)


def _first_line(body: str) -> str:
    return next((line for line in body.splitlines() if line.strip()), "")
