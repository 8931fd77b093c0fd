"""Files as people keep them (a saved web page, a PDF, text pasted from a browser) into article text.

Each reader returns an ``Extracted``: the article's title, where it came from, and its text
before furniture removal (furniture.py). Anything unusable raises ``InputError`` with one line
that says what to do. Nothing here writes a file or reaches the network:

- **HTML**: the main text by trafilatura (headings, paragraphs, lists; no scripts, styles, comments
  or link targets: links stay as their words). Title from the page; source from its canonical
  address, else ``og:url``.
- **PDF**: the text layer by pypdf in layout mode, then pdf_layout.py joins wrapped lines and
  drops running headers and footers. A PDF without a text layer, with a password, damaged, or
  expanding past ``MAX_STREAM_BYTES`` is refused.
- **Text and Markdown**: as they are; the first line is the title (front matter, if any, is read).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.errors import ArticleError, InputError
from assistant.ingest.corpus import CONVERTIBLE, decode, pose_names, split_front_matter
from assistant.ingest.corpus import SUFFIXES as ARTICLE_SUFFIXES

PDF = frozenset({".pdf"})
HTML = CONVERTIBLE - PDF
TEXT = ARTICLE_SUFFIXES | {".text"}
SUFFIXES = HTML | PDF | TEXT
#: one input file at most this big: a saved article page is well under it, with its inline styles
MAX_INPUT_BYTES = 20_000_000
#: a PDF stream may expand to at most this many bytes (a decompression bomb stops here)
MAX_STREAM_BYTES = 20_000_000
#: pages read from one PDF, and characters of text kept from it (the corpus's own article limit)
MAX_PDF_PAGES = 2_000
MAX_TEXT_CHARS = 5_000_000
#: an article has at least this many words of text once extracted
MIN_WORDS = 20
#: a title longer than this is a paragraph, not a title
TITLE_CHARS = 150


@dataclass(frozen=True, slots=True)
class Extracted:
    kind: str  # "html", "pdf" or "text"
    title: str
    source: str | None  # the page's address, when the file says it
    text: str
    poses: tuple[str, ...] = ()  # a Markdown file's own front matter 'poses'
    sha256: str = ""  # of the original file
    #: for a web page: its lines that are links and nothing else (menus, tags, tables of contents:
    #: navigation); None where a file cannot say (text, PDF)
    links: frozenset[str] | None = None
    #: for a web page: its visible lines the extractor left out (menus, banners, comments, footer)
    dropped: tuple[str, ...] = ()


def read_input(path: Path, shown: str) -> bytes:
    """The bytes of one input file, refused when it is too big to be one article."""
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise InputError(
            shown,
            f"is {size / 1e6:.0f} MB, over the {MAX_INPUT_BYTES // 1_000_000} MB limit for one article; "
            "save the article on its own (for a page: File > Save Page As, 'HTML only')",
        )
    return path.read_bytes()


def extract(path: Path, shown: str) -> Extracted:
    """The article in ``path``, by its suffix."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            shown,
            f"unknown format '{suffix or path.name}'; add reads .html, .htm, .pdf, .txt and .md "
            "(save other documents as PDF or HTML first)",
        )
    raw = read_input(path, shown)
    if suffix in HTML:
        extracted = from_html(raw, shown)
    elif suffix in PDF:
        extracted = from_pdf(raw, shown)
    else:
        extracted = from_text(raw, shown)
    if len(extracted.text.split()) < MIN_WORDS:
        raise InputError(shown, f"has no article text (under {MIN_WORDS} words found); is it the article itself?")
    return replace(extracted, sha256=hashlib.sha256(raw).hexdigest())


# -- HTML -----------------------------------------------------------------------------------------
def from_html(raw: bytes, shown: str) -> Extracted:
    import trafilatura
    from lxml import html as lxml_html

    try:
        linked = trafilatura.extract(
            raw,
            output_format="markdown",
            include_comments=False,
            include_links=True,  # to tell navigation (lines of links) from the article's own short lines
            include_images=False,
            include_tables=True,
            deduplicate=False,
        )
        meta = trafilatura.extract_metadata(raw)
        tree = lxml_html.fromstring(raw) if linked else None
    except Exception as error:  # the parsers' own errors, whatever a strange page makes them raise
        first = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise InputError(shown, f"cannot be read as a web page ({first}); save the page again") from None
    if not linked or not linked.strip():
        raise InputError(
            shown,
            "has no article text that can be found; save the article's page itself, or paste its text into a .txt",
        )
    links = frozenset(_line_key(line) for line in linked.splitlines() if _LINK_LINE.match(line))
    text = plain_inline(_LINK.sub(r"\1", linked))
    address = _page_address(tree) or (meta.url if meta else None)
    if meta and meta.title:  # the page's own title heads the article, as in every corpus article
        title = short_title(meta.title)
        text = _with_title(text, title)
    else:
        title, text = short_title(_first_line(text)), text.strip() + "\n"
    return Extracted("html", title, address, text, links=links, dropped=left_out(tree, text))


#: a Markdown link, and a line that is links and separators only (a list marker allowed)
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_LINK_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*(?:\[[^\]\n]*\]\([^)\n]*\)[\s|·•,;/>»›-]*)+$")
#: elements whose text a reader never sees, and elements that start a new line
_UNSEEN = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")
_BLOCKS = frozenset(
    "address article aside blockquote body br dd details dialog div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table td th tr ul button label option "
    "select textarea".split()
)


def _line_key(line: str) -> str:
    """A line as lines are compared: link and list marks off, words only, case folded."""
    return " ".join(re.findall(r"\w+", _LINK.sub(r"\1", line).casefold()))


def left_out(tree: Any, kept: str) -> tuple[str, ...]:
    """The page's visible lines (as a browser would lay them out) that are not in ``kept``: what
    the extractor left out. A line of one or two words must be a line of ``kept``; a longer one
    may be part of one."""
    body = tree.find(".//body") if tree is not None else None
    if body is None:
        return ()
    for element in list(body.iter(*_UNSEEN)):
        element.drop_tree()
    parts: list[str] = []

    def walk(element: Any) -> None:
        block = isinstance(element.tag, str) and element.tag.lower() in _BLOCKS
        parts.append("\n" if block else "")
        parts.append(element.text or "" if isinstance(element.tag, str) else "")
        for child in element:
            walk(child)
            parts.append(child.tail or "")
        parts.append("\n" if block else "")

    walk(body)
    kept_lines = {_line_key(line) for line in kept.splitlines()}
    kept_words = f" {_line_key(kept)} "
    out = []
    for line in "".join(parts).split("\n"):
        key = _line_key(line)
        if not key or key in kept_lines or (len(key.split()) > 2 and f" {key} " in kept_words):
            continue
        out.append(" ".join(line.split()))
    return tuple(dict.fromkeys(out))


_EMPHASIS = re.compile(r"(?<![\w*\\])(\*\*|\*|`)(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")


def plain_inline(markdown: str) -> str:
    """Markdown with its inline marks taken off (bold, italics, code, escapes): the article's
    words are what a citation quotes. Headings and list markers stay: they are the structure."""
    return _ESCAPE.sub(r"\1", _EMPHASIS.sub(r"\2", markdown))


def _page_address(tree: Any) -> str | None:
    """The page's canonical address, else its og:url (only web addresses)."""
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        for value in tree.xpath(xpath):
            value = str(value).strip()
            if re.match(r"https?://\S+$", value):
                return value[:2000]
    return None


def _with_title(text: str, title: str) -> str:
    """The article text opening with its title, as every article in the corpus does."""
    first = _first_line(text).lstrip("#").strip()
    if title and first.casefold() != title.casefold():
        return f"# {title}\n\n{text.strip()}\n"
    return text.strip() + "\n"


# -- PDF ------------------------------------------------------------------------------------------
def from_pdf(raw: bytes, shown: str) -> Extracted:
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    from assistant.ingest.pdf import article_text

    limits = pypdf.get_configuration().with_overwrites(
        maximum_declared_stream_length=MAX_STREAM_BYTES,
        **{
            f"{name}_maximum_output_length": MAX_STREAM_BYTES
            for name in ("zlib", "lzw", "run_length", "brotli", "jbig2", "array_based_stream")
        },
    )
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about damaged files: the one line below says it
    try:
        with pypdf.apply_configuration(limits):
            reader = pypdf.PdfReader(io.BytesIO(raw))
            if reader.is_encrypted and not reader.decrypt(""):
                raise FileNotDecryptedError("password")
            if len(reader.pages) > MAX_PDF_PAGES:
                raise InputError(
                    shown, f"has {len(reader.pages):,} pages, over the {MAX_PDF_PAGES:,} page limit; split it"
                )
            pages: list[str] = []
            total = 0
            for page in reader.pages:
                pages.append(page.extract_text(extraction_mode="layout", layout_mode_space_vertically=True) or "")
                total += len(pages[-1])
                if total > MAX_TEXT_CHARS:
                    raise InputError(shown, f"holds over {MAX_TEXT_CHARS:,} characters of text; split it")
            title = _pdf_title(reader)
    except InputError:
        raise
    except (FileNotDecryptedError, DependencyError):
        raise InputError(
            shown, "is encrypted with a password; save or print an unprotected copy and add that"
        ) from None
    except pypdf.errors.LimitReachedError:
        raise InputError(
            shown, "expands to more data than one article can hold (a decompression bomb?); not added"
        ) from None
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OSError):
        raise InputError(shown, "is damaged or not a PDF; open it and save or print it again as PDF") from None
    text = article_text(pages)
    if not text.strip():
        raise InputError(
            shown, "has no text layer (a scanned PDF?); run it through OCR, or paste its text into a .txt file"
        )
    return Extracted("pdf", short_title(title or _first_line(text)), None, text + "\n")


def _pdf_title(reader: Any) -> str | None:
    """The document's own title, unless it is a file name or a placeholder."""
    try:
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:  # a damaged info dictionary: the first line will do
        return None
    if not title or re.search(r"\.\w{2,4}$|^(?:untitled|document\d*|microsoft word\b)", title, re.IGNORECASE):
        return None
    return re.sub(r"\s+\|\s+[^|]{1,40}$", "", title)  # a printed page's "Title | Site Name"


# -- text -----------------------------------------------------------------------------------------
def from_text(raw: bytes, shown: str) -> Extracted:
    try:
        meta, body = split_front_matter(decode(raw, shown), shown)
        poses = pose_names(meta.get("poses"), shown)
    except ArticleError as error:
        raise InputError(shown, error.reason) from None
    title = meta.get("title")
    source = meta.get("source")
    return Extracted(
        "text",
        short_title(str(title)) if isinstance(title, (str, int, float)) else "",
        str(source) if isinstance(source, str) else None,
        body.strip() + "\n",
        poses,
    )


def _first_line(text: str) -> str:
    return next((line.lstrip("#").strip() for line in text.splitlines() if line.strip()), "")


def short_title(text: str) -> str:
    """A title of at most TITLE_CHARS: a longer one (a page whose title is its first paragraph)
    is cut to its first sentence, then at a word."""
    text = " ".join(text.split())
    if len(text) <= TITLE_CHARS:
        return text
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= TITLE_CHARS else sentence[:TITLE_CHARS].rsplit(" ", 1)[0] + " …"
