"""A PDF's page texts into paragraphs: what is left when the printing is taken away.

The input is each page as laid out text (blank lines where the page has vertical space, as
pypdf's layout mode gives it). The output is the article as plain paragraphs:

- **running headers and footers** go: a line at the top or bottom of a page that repeats (digits
  aside) on at least half the pages, a page number ("7", "Page 7 of 9", "- 7 -"), and a
  browser's print stamp (a date and time, or an address with "1/3", at the page's edge);
- **wrapped lines** join into their paragraph; a list item starts its own, and so does the line
  after a short one (a heading, or the end of a paragraph printed without a gap);
- **words hyphenated across lines** are rejoined ("intercos-/tal" → "intercostal"), unless the
  document spells the word with its hyphen elsewhere ("back-/bends" stays "back-bends");
- a paragraph that runs over a page break is joined across it.

Pure: strings in, a string out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

#: a header or footer is searched for in this many lines at each edge of a page, and is this
#: short at most (a paragraph that repeats is not a header)
EDGE_LINES = 2
HEADER_WORDS = 15
#: a line shorter than this share of the page's longest line ends its paragraph (or is a heading)
SHORT_LINE = 0.75
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
#: a browser's print header/footer: "11/25/26, 2:10 PM  Title", "https://site/page  1/3"
_PRINT_STAMP = re.compile(
    r"^\d{1,2}/\d{1,2}/\d{2,4},?\s+\d{1,2}:\d{2}|(?:\w+://|about:blank|www\.)\S*.*\s\d{1,4}\s*/\s*\d{1,4}$",
    re.IGNORECASE,
)
_ITEM = re.compile(r"^(?:[•·▪►◦‣*+\-–—]\s+|\d{1,3}[.)]\s+|[a-zA-Z][.)]\s+(?=[A-Z]))")
_BROKEN_WORD = re.compile(r"([^\W\d_]+)-$")
_STARTS_LOWER = re.compile(r"^[(\"'“‘]?[^\W\d_A-Z]")  # a letter, not a capital (nor a digit)


def page_lines(page: str) -> list[str]:
    """A page's lines with layout indentation taken off; blank lines stand for vertical space."""
    return [" ".join(line.split()) for line in page.splitlines()]


def _signature(line: str) -> str:
    return re.sub(r"\d+", "#", line.lower())


def _edges(lines: list[str]) -> set[int]:
    """Indexes of the first and last few non-blank lines of a page."""
    filled = [i for i, line in enumerate(lines) if line]
    return set(filled[:EDGE_LINES] + filled[-EDGE_LINES:])


def strip_running_lines(pages: Sequence[list[str]]) -> list[list[str]]:
    """Pages without running headers, footers, page numbers and print stamps."""
    edges = [_edges(lines) for lines in pages]
    counts: Counter[str] = Counter()
    for lines, edge in zip(pages, edges, strict=True):
        counts.update({_signature(lines[i]) for i in edge})
    repeated = {
        s
        for s, n in counts.items()
        if len(pages) >= 2 and n >= max(2, len(pages) / 2) and len(s.split()) <= HEADER_WORDS
    }
    return [
        [
            ""
            if i in edge and (_signature(line) in repeated or _PAGE_NUMBER.match(line) or _PRINT_STAMP.search(line))
            else line
            for i, line in enumerate(lines)
        ]
        for lines, edge in zip(pages, edges, strict=True)
    ]


def paragraphs(lines: list[str], hyphenated: set[str]) -> list[str]:
    """Blank-line separated blocks, each joined into one line. Inside a block, a list item starts
    a new paragraph, and so does the line after a short one (a heading, or a paragraph's last
    line), unless it carries on in lower case."""
    width = max((len(line) for line in lines), default=0)
    out: list[str] = []
    current, previous = "", ""
    for line in [*lines, ""]:
        if not line:
            if current:
                out.append(current)
            current = ""
        elif not current:
            current = line
        elif _ITEM.match(line) or (
            len(previous) < SHORT_LINE * width and not previous.endswith("-") and not _STARTS_LOWER.match(line)
        ):
            out.append(current)
            current = line
        else:
            current = join_wrapped(current, line, hyphenated)
        previous = line
    return out


def join_wrapped(left: str, right: str, hyphenated: set[str]) -> str:
    """Two pieces of one paragraph that a line (or page) break separated."""
    broken = _BROKEN_WORD.search(left)
    if broken and _STARTS_LOWER.match(right):
        head = broken.group(1)
        tail = re.match(r"[^\W\d_]+", right)
        word = f"{head}-{tail.group() if tail else ''}".lower()
        return left + right if word in hyphenated else left[:-1] + right
    return f"{left} {right}"


def article_text(pages: Sequence[str]) -> str:
    """The pages' text as paragraphs separated by blank lines."""
    cleaned = strip_running_lines([page_lines(p) for p in pages])
    whole = "\n".join(line for lines in cleaned for line in lines)
    hyphenated = {m.group().lower() for m in re.finditer(r"[^\W\d_]+-[^\W\d_]+", whole)}
    blocks: list[str] = []
    for lines in cleaned:
        page = paragraphs(lines, hyphenated)
        if blocks and page and _continues(blocks[-1], page[0]):
            blocks[-1] = join_wrapped(blocks[-1], page.pop(0), hyphenated)
        blocks.extend(page)
    return "\n\n".join(blocks)


def _continues(last: str, first: str) -> bool:
    """Whether a page's first paragraph carries on the previous page's last one."""
    return not re.search(r"[.!?:;)\"'’”]$", last) and bool(_STARTS_LOWER.match(first)) and not _ITEM.match(first)
