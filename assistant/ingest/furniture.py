"""Web furniture: the lines a page carries that are not the article.

Comment sections, newsletter and subscribe calls, affiliate disclosures and price links, share
and social lines, cookie notices, navigation and breadcrumbs, related-post lists, a site's own
labels and notes ("Level: Beginner", "Read this section carefully"), copyright and contact
lines, bylines (a reader's question's too), datelines and author biographies. ``clean``
removes them from a text and says what it removed and why.

Three rules, on general English web wording and page layout (never one site's phrasing):

- each **sentence** that matches a furniture pattern goes, and the rest of its line stays;
  a line that is mostly furniture goes whole (``FURNITURE_SHARE``);
- a line that **opens a comment section** ("Leave a Reply", "12 Comments", "Comments are
  closed") ends the article: everything after it is the comments and the page's footer.
  It counts only after ``MIN_ARTICLE_WORDS`` kept words, so a page that pastes its
  comment link above the article keeps the article;
- by **position**: the short lines under a "Related Posts" heading, a heading's earlier copy
  (a table of contents), and runs of menu-like lines that hold furniture or open or close
  the page (``_structure``).

Pure: text in, text and a record of what was removed out. Measured on labelled pages in
several styles (eval/furniture/, docs/adding.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language.text import sentence_spans
from assistant.language.vocabulary import LABEL_WORDS

#: a line goes whole when its furniture sentences hold at least 1/FURNITURE_SHARE of its words
#: (what is left of a newsletter box is more of the box: "Also, it's free.")
FURNITURE_SHARE = 1.5
#: a menu item has at most this many words, and a menu at least MENU_RUN lines
MENU_WORDS = 3
MENU_RUN = 3
#: a title in a related-posts list (or a heading's copy in a table of contents) is at most this long
RELATED_TITLE_WORDS = 12
#: a comment-section opener ends the article only after this many kept words
MIN_ARTICLE_WORDS = 50

_I = re.IGNORECASE

#: lines that open the comments: everything after them is comments and footer
COMMENTS = re.compile(
    r"^\W*(?:leave a (?:reply|comment)|post a comment|add (?:a |your )?comments?|write a comment|"
    r"(?:\d+|no|one|two|three) (?:comments?|responses?|replies|thoughts)(?: (?:on|to) .*)?|comments?(?: \(\d+\))?|"
    r"(?:close|show|hide|view|load|read) (?:all )?comments|comments are closed\.?|join the (?:discussion|conversation)|"
    r"what do you think\??|discussion)\W*$",
    _I,
)

#: per kind, what marks a line or sentence as furniture
KINDS: dict[str, re.Pattern[str]] = {
    "comments": re.compile(
        r"\b(?:(?:let (?:us|me) know|tell (?:us|me)|share)[^.!?]{0,40}\bin the comments|comments? below|"
        r"leave (?:a|your) (?:comment|reply)|your email address will not be published|required fields are marked|"
        r"cancel reply|comments are closed|reply\s*$)",
        _I,
    ),
    "newsletter": re.compile(
        r"\b(?:subscrib\w*|unsubscrib\w*|newsletters?|sign up (?:now|today|here|for|to)|mailing list|inbox|"
        r"e-?mail address|enter your e-?mail|join (?:our|my) (?:list|community|tribe|mailing)|get (?:our|my) free)\b",
        _I,
    ),
    "affiliate": re.compile(
        r"\b(?:affiliate|commissions?|sponsored|disclosure|amazon associate|(?:a )?links? (?:to|on) amazon|"
        r"paid partnership|at no (?:extra|additional) cost to you|i may earn|we may earn|"
        r"check (?:the )?(?:latest |current |today['’]s |best )?prices?|"
        r"(?:buy|shop|order|view|see|get) (?:it|them|this|one|now|here) (?:on|at|from) amazon|"
        r"available (?:on|at) amazon)\b",
        _I,
    ),
    "social": re.compile(
        r"\b(?:share (?:this|on|via|it with)|follow (?:us|me|her|him|along)|like and follow|"
        r"(?:find|join|follow|see|like) (?:us|me) (?:on|at)|(?:on|at|via) (?:facebook|instagram|twitter|pinterest|"
        r"youtube|tiktok|linkedin)|pin (?:it|this)|tweet (?:this|it))\b|^\W*(?:like|share) this:?\W*$",
        _I,
    ),
    "cookies": re.compile(
        r"\b(?:cookies?|gdpr|accept all|reject all|manage (?:consent|preferences)|consent preferences|"
        r"your privacy (?:is important|matters))\b",
        _I,
    ),
    "navigation": re.compile(
        r"^\W*(?:(?:home|start)\s*[>»›|/].*|skip to (?:main )?(?:content|navigation)|(?:main )?menu|search(?: for)?|"
        r"toggle navigation|back to top|print(?: this)?(?: page| article| post)?|(?:previous|next|older|newer)"
        r"(?: post| article| entry)?|jump to (?:instructions|recipe|section|content|comments|navigation|top)|"
        r"table of contents|log ?in|sign in|register|my account|cart|"
        r"you are here:.*|categories|tags?:.*|filed under:?.*|posted in:?.*|advertisement|sponsored content|"
        r"about(?: us)?|contact(?: us)?|help|careers|status|privacy|terms|disclaimers?|advertise|faqs?|imprint|"
        r"accessibility|sign up|subscribe|donate|shop|store|\d+ min read|listen|[·•|]+)\W*$|"
        # a breadcrumb or a footer's row of links: short items between separators
        r"^\W*[\w&'’ -]{1,30}(?:\s[›»>|]\s[\w&'’ -]{1,30}){1,}\W*$",
        _I,
    ),
    "related": re.compile(
        r"^\W*(?:related(?: posts?| articles?| reading| stories| content)?|you (?:may|might) also (?:like|enjoy)|"
        r"more (?:from|like this|articles|posts|stories)\b.*|recommended(?: for you| reading| articles| from\b.*)?|"
        r"see more (?:recommendations|posts|articles|stories)|"
        r"read (?:more|next|this next|also)\b.*|popular(?: posts| articles)?|trending(?: now)?|keep reading|"
        r"continue reading\b.*|see also)\W*$",
        _I,
    ),
    "site": re.compile(  # a site's labels and its notes to the reader, not the article
        r"^\W*(?:level|difficulty|skill level|experience level|suitable for|pose type|category|duration|time needed|"
        r"style)\s*[:\-–—]\s*[\w ,/&'’+-]{1,40}$|"
        r"\bread this (?:section|article|page|post|part|guide) (?:carefully|first|in full|before)\b",
        _I,
    ),
    "legal": re.compile(
        r"©|\(c\) \d{4}|\bcopyright\b|all rights reserved|"
        r"\b(?:privacy policy|terms (?:of (?:use|service)|and conditions)|powered by|sitemap|site map|"
        r"creative commons|licensed under|last edited on)\b",
        _I,
    ),
    "contact": re.compile(
        r"\b(?:contact (?:me|us)|get in touch|e-?mail (?:me|us)|message me|drop (?:me|us) a (?:line|note)|"
        r"reach out to (?:me|us)|(?:visit|see) (?:our|my) (?:q&a|forum|shop|store|website|site))\b|"
        r"[\w.+-]+@[\w-]+\.[\w.]+|(?:\+\d{1,3}[ .-]?)?(?:\(?\d{2,4}\)?[ .-]){2,}\d{3,4}\b",
        _I,
    ),
    "promotion": re.compile(
        r"\b(?:click (?:here|below|the link)|buy (?:now|here|it here)|shop (?:now|our|my|the)|discount code|"
        r"use (?:the )?code|coupon|book (?:a|your) (?:class|session|spot)|free (?:trial|download|e-?book|guide)|"
        r"download (?:our|my|the|your)|enrol+ (?:now|today)|limited time|"
        r"(?:get|buy|grab|order) (?:it|one|yours|(?:our|my|the) (?:\w+ ){0,2}\w+) here|"
        r"join us (?:for|at|in)|with (?:the )?code [A-Z0-9]{4,})\b",
        _I,
    ),
    "author": re.compile(
        # bylines and datelines: the keyword in any case, a name capitalised
        r"^(?i:by|written by|posted by|author:?|reviewed by|medically reviewed by)\s+(?:Dr\.?\s+)?[A-Z][\w'’.-]+"
        r"(?:\s+[A-Z][\w'’.-]+)*\W*(?:[|·•,–—-].*)?$|"
        r"^(?i:(?:last )?(?:updated|posted|published|modified)(?: on)?:?)\s+(?:[A-Za-z]+\.? \d{1,2}|\d)|"
        # a reader's question's byline
        r"^\W*(?i:(?:asked|submitted|sent in|question|a question)\s+(?:by|from))\s+[A-Z][\w'’.-]*"
        r"(?:[ ,]+[\w'’.-]+){0,4}\W*$|^\W*(?i:reader question|a reader asks)\W*$|"
        # an author's biography
        r"(?i:\babout the author\b|\b(?:e-?ryt|ryt)(?:[- ]?\d+)?\b|\b(?:is|am) (?:a |an )?(?:[\w-]+ ){0,2}"
        r"(?:certified|registered|licensed)\b|\bhas (?:studied|taught|been teaching)\b|\blives in\b|"
        r"\bwhen (?:she|he|they)(?:['’]s| is| are|n['’]t| isn['’]t| aren['’]t)? not\b|"
        r"\bwhen (?:she|he|they) (?:isn['’]t|aren['’]t)\b)|^(?i:about) (?:[A-Z][\w'’-]+)(?: [A-Z][\w'’-]+)?$",
    ),
}


@dataclass(frozen=True, slots=True)
class Removal:
    """One removed line (or sentence of a line), the kind of furniture it is, and its line
    number in the text (from 1)."""

    text: str
    kind: str
    line: int


@dataclass(frozen=True, slots=True)
class Cleaned:
    text: str
    removed: tuple[Removal, ...]


def kind_of(text: str) -> str | None:
    """The furniture kind ``text`` (a line or a sentence) belongs to, or None for article text."""
    stripped = text.strip()
    if not stripped:
        return None
    if COMMENTS.match(stripped):
        return "comments"
    for kind, pattern in KINDS.items():
        if pattern.search(stripped):
            return kind
    return None


def clean(text: str, links: frozenset[str] | None = None) -> Cleaned:
    """``text`` without its furniture; line breaks of the kept text are kept as they are.
    ``links``: for a web page, its lines that are links and nothing else (``convert.Extracted``):
    then only those can be menu items, and the article's own short lines (its title, a name
    line, a list of one or two words an item) are never taken for a menu."""
    lines = text.split("\n")
    removed: list[Removal] = []
    out: list[str | None] = []  # each line as kept, or None
    kinds: list[str | None] = []  # each line's furniture kind when it goes whole
    kept_words = 0
    for i, line in enumerate(lines):
        if COMMENTS.match(line.strip()) and kept_words >= MIN_ARTICLE_WORDS:
            out += [None] * (len(lines) - i)
            kinds += ["comments" if rest.strip() else None for rest in lines[i:]]
            break
        kept, kind = _clean_line(line, i + 1, removed)
        out.append(kept)
        kinds.append(kind)
        kept_words += len((kept or "").split())
    for i, kind in _structure(lines, kinds, links):
        out[i], kinds[i] = None, kind
    removed += [Removal(lines[i].strip(), kind, i + 1) for i, kind in enumerate(kinds) if kind]
    removed.sort(key=lambda r: r.line)
    return Cleaned(_tidy("\n".join(line for line in out if line is not None)), tuple(removed))


def _label(line: str) -> bool:
    """A menu item, tag, heading or title-like line: short, with no sentence ending."""
    words = line.split()
    return 0 < len(words) <= LABEL_WORDS and not re.search(r"[.!?]$", line.strip())


def _structure(lines: list[str], kinds: list[str | None], links: frozenset[str] | None) -> list[tuple[int, str]]:
    """Lines that are furniture by where they stand: short lines listed under a 'related posts'
    heading; a section heading's earlier copy (a table of contents), and the title repeated
    where no text follows it (a page footer); and runs of menu-like lines that hold furniture or
    open or close the page (with ``links``, only lines that are links can be menu items)."""
    found: dict[int, str] = {}
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for n, i in enumerate(filled):  # a related-posts list: short lines under its heading
        if kinds[i] == "related" and KINDS["related"].match(lines[i].strip()):
            for j in filled[n + 1 :]:
                if len(lines[j].split()) > RELATED_TITLE_WORDS or kinds[j] == "comments":
                    break
                found.setdefault(j, "related")

    def key(i: int) -> str:
        return " ".join(re.findall(r"\w+", lines[i].casefold()))

    def heads_text(n: int) -> bool:  # the next line of the article is text, not another label
        return any(not kinds[j] and not _label(lines[j]) for j in filled[n + 1 : n + 2])

    sections: set[str] = set()
    for n in reversed(range(len(filled))):  # a heading's earlier copy: a table of contents
        i = filled[n]
        titled = _label(lines[i]) and len(lines[i].split()) <= RELATED_TITLE_WORDS
        if titled and key(i) in sections and n > 0:
            found.setdefault(i, "navigation")
        if titled and heads_text(n):
            sections.add(key(i))
    if filled and _label(lines[filled[0]]):  # the title again, where nothing of the article follows
        for n, i in enumerate(filled[1:], 1):
            if key(i) == key(filled[0]) and not heads_text(n):
                found.setdefault(i, "navigation")

    def furniture(i: int) -> bool:
        return bool(kinds[i]) or i in found

    def menu_item(i: int) -> bool:
        return len(lines[i].split()) <= MENU_WORDS and _label(lines[i]) and (links is None or key(i) in links)

    run: list[int] = []
    for i in [*filled, -1]:  # runs of menu items, tags and share buttons
        if i >= 0 and (furniture(i) or menu_item(i)):
            run.append(i)
            continue
        items = [j for j in run if not furniture(j)]
        if items and items[-1] == run[-1] and i >= 0 and not _label(lines[i]):
            items.pop()  # the heading of the paragraph after the menu
        edge = run and (run[0] == filled[0] or run[-1] == filled[-1])
        if len(run) >= MENU_RUN and items and (len(items) < len(run) or edge):
            found.update((j, "navigation") for j in items)
        run = []
    return sorted(found.items())


def _clean_line(line: str, number: int, removed: list[Removal]) -> tuple[str | None, str | None]:
    """A line without its furniture sentences (the kept ones keep their own spacing), and None
    with its kind when nothing of the article is left: no words, or mostly furniture."""
    found = [(s, e, kind) for s, e in sentence_spans(line) if (kind := kind_of(line[s:e]))]
    if not found:
        return line, None
    cut_words = sum(len(line[s:e].split()) for s, e, _ in found)
    if cut_words * FURNITURE_SHARE >= len(line.split()):
        return None, found[0][2]
    pieces, cursor = [], 0
    for s, e, _ in found:
        pieces.append(line[cursor:s])
        cursor = e
    rest = " ".join(p.strip() for p in [*pieces, line[cursor:]] if p.strip())
    if not re.search(r"\w", rest):
        return None, found[0][2]
    removed.extend(Removal(line[s:e], kind, number) for s, e, kind in found)
    return line[: len(line) - len(line.lstrip())] + rest, None


def _tidy(text: str) -> str:
    """At most two blank lines in a row (a removed block leaves no hole), none at either end."""
    return re.sub(r"\n(?:[ \t]*\n){3,}", "\n\n\n", text).strip() + "\n"
