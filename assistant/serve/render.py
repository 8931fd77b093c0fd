"""HTML for the chat: answers, cited passages, coverage and status. Pure string building.

Article text is data, never markup: every character that HTML or Markdown could act on
is written as a numeric entity, so a '<script>', an '![image](http://...)' or a
'javascript:' link in an article is shown as text. The final HTML also passes through
nh3 (an allow-list sanitiser) as a second line of defence.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence

import nh3

from assistant.records import Answer, Citation

_ACTIVE = frozenset("\\`*_{}[]()#+-.!|~<>:&\"'=/@$%^;?,")
_TAGS = {"div", "span", "p", "a", "mark", "b", "strong", "em", "small", "ul", "li", "sup", "details", "summary", "br"}
_ATTRS = {"*": {"class", "id", "title"}, "a": {"href"}, "details": {"open"}}
_MARK = re.compile(r"\[(?:(\d{1,3})|unsupported)\]")
#: Markdown's marks in an article's text, shown as what they mean rather than as characters: a
#: heading's '#'s and inline emphasis, code and link brackets go; a list marker becomes a bullet
_LINE_MARKS = re.compile(r"^([ \t]*)(#{1,6}[ \t]+|[-*+][ \t]+(?=\S))", re.MULTILINE)
_INLINE_MARKS = re.compile(
    r"(?<![\w*])(\*\*|__|\*|`)(?=\S)(?P<inner>[^\n]+?)(?<=\S)\1(?![\w*])"  # **bold**, *italic*, `code`
    r"|(\[)(?P<label>[^\]\n]+)(\]\([^)\s]+\))"  # [label](address)
)


def text(value: str) -> str:
    """``value`` as inert text for HTML and Markdown renderers alike."""
    return "".join(f"&#{ord(c)};" if c in _ACTIVE or (ord(c) < 32 and c != "\n") else c for c in value)


def clean(markup: str) -> str:
    """Only our own tags and attributes survive; links may only point inside the page."""
    return nh3.clean(markup, tags=_TAGS, attributes=_ATTRS, url_schemes=set(), link_rel=None, strip_comments=True)


def plain(markup: str) -> str:
    """Text back from what :func:`text` wrote (for reading the chat history)."""
    return html.unescape(markup)


def marks(value: str, *, lines: bool = True) -> list[tuple[int, int, str]]:
    """Where ``value``'s Markdown marks stand and what each is shown as: (start, end, shown)
    edits in order, never overlapping. ``lines``: also line-start heading and list marks."""
    edits: list[tuple[int, int, str]] = []
    if lines:
        edits += [
            (m.start(2), m.end(2), "" if m.group(2).startswith("#") else "• ") for m in _LINE_MARKS.finditer(value)
        ]
    for m in _INLINE_MARKS.finditer(value):
        if m.group("inner") is not None:
            edits += [(m.start(1), m.end(1), ""), (m.end("inner"), m.end(), "")]
        else:
            edits += [(m.start(3), m.end(3), ""), (m.start(5), m.end(5), "")]
    edits.sort()
    out: list[tuple[int, int, str]] = []
    for edit in edits:  # a mark inside another one's span (a link inside bold) is kept as it is
        if not out or edit[0] >= out[-1][1]:
            out.append(edit)
    return out


def shown(value: str, *, lines: bool = True) -> str:
    """``value`` as a reader sees it: Markdown marks applied (see :func:`marks`), then inert."""
    out, pos = [], 0
    for start, end, replacement in marks(value, lines=lines):
        out += [text(value[pos:start]), text(replacement)]
        pos = end
    out.append(text(value[pos:]))
    return "".join(out)


def answer_html(answer_text: str, citations: Sequence[Citation], *, notice: str = "", turn: int = 0) -> str:
    """The answer with each [n] made a link to its passage (``source-{turn}-{n}`` in the sources
    panel); everything else is text."""
    valid = {c.n for c in citations}
    out = []
    pos = 0
    for m in _MARK.finditer(answer_text):
        out.append(shown(answer_text[pos : m.start()], lines=False))
        if m.group(1) is None:
            out.append('<span class="unsupported" title="no passage supports this sentence">(unsupported)</span>')
        elif int(m.group(1)) in valid:
            n = int(m.group(1))
            out.append(f'<a class="cite" href="#source-{turn}-{n}" title="source {n}">[{n}]</a>')
        else:
            out.append(f'<span class="cite-unverified" title="not verified">&#91;{m.group(1)}&#93;?</span>')
        pos = m.end()
    out.append(shown(answer_text[pos:], lines=False))
    if notice:
        out.append(f'\n\n<span class="notice">{text("(" + notice + ")")}</span>')
    return "".join(out).replace("\n", "<br>")


def draft_html(draft: str) -> str:
    """A model's reply while it streams: plain text, citations not yet checked, so no links."""
    return text(draft) + " &#8230;"


def passage_html(c: Citation) -> str:
    """A cited passage as a reader sees it (Markdown marks applied), its cited sentences in <mark>."""
    edits = [(s + c.start, e + c.start, r) for s, e, r in marks(c.text)]
    cuts = sorted(
        {c.start, c.end, *(x for s, e, _ in edits for x in (s, e))}
        | {min(max(x, c.start), c.end) for span in c.highlights for x in span}
    )
    replaced = {s: r for s, e, r in edits}
    hidden = [(s, e) for s, e, _ in edits]
    parts = []
    for a, b in itertools.pairwise(cuts):
        if any(s <= a and b <= e for s, e in hidden):
            piece = text(replaced.get(a, ""))
        else:
            piece = text(c.text[a - c.start : b - c.start])
        if piece and any(s <= a and b <= e for s, e in c.highlights):
            piece = f"<mark>{piece}</mark>"
        parts.append(piece)
    return re.sub(r"</mark><mark>", "", "".join(parts)).replace("\n", "<br>")


def sources_html(
    answer: Answer | None,
    pose_labels: dict[str, str] | None = None,
    *,
    waiting: bool = False,
    turn: int = 0,
    taught: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """One card per cited passage: number, article title, pose, passage with highlights.
    ``taught``: the poses each article teaches; a card names those (not a pose the passage only
    mentions in passing), unless the passage is about none of them."""
    if answer is None or not answer.citations:
        note = (
            "Finding the passages..."
            if waiting
            else "Sources of the answer appear here."
            if answer is None
            else "No passages cited for this answer."
        )
        return clean(f'<div class="sources-empty">{text(note)}</div>')
    labels = pose_labels or {}
    blocks = []
    for c in answer.citations:
        own = [p for p in c.poses if p in set((taught or {}).get(c.article, ()))]
        poses = ", ".join(labels.get(p, p) for p in (own or c.poses)[:3])
        blocks.append(
            f'<div class="source" id="source-{turn}-{c.n}"><div class="source-head"><b>[{c.n}]</b> '
            f"{text(c.title)}</div>"
            + (f'<div class="source-pose">{text(poses)}</div>' if poses else "")
            + f'<div class="source-text">{passage_html(c)}</div>'
            f'<div class="source-where"><small>{text(c.article)}, '
            f"characters {c.start}&#8211;{c.end}</small></div></div>"
        )
    return clean("".join(blocks))


def sources_panel(sections: Sequence[tuple[int, str, str]], *, note: str = "") -> str:
    """Every answer's sources, latest first and open; earlier answers' sources folded under their
    question, so a citation in any answer of the chat still opens its passage. ``sections``:
    (turn, question, cards from :func:`sources_html`), oldest first; ``note`` (HTML from
    :func:`sources_html`): what stands on top instead of the latest answer's sources, while an
    answer is coming or when a question could not be answered."""
    if not sections:
        return note or sources_html(None)
    earlier = list(sections)
    if note:
        out = [note]
    else:
        _, question, cards = earlier.pop()
        out = [f'<div class="sources-latest"><div class="sources-for">For: {text(question)}</div>{cards}</div>']
    for turn, asked, older in reversed(earlier):
        out.append(
            f'<details class="sources-earlier" id="sources-{turn}"><summary>Earlier: {text(asked)}</summary>'
            f"{older}</details>"
        )
    return clean("".join(out))


def coverage_html(poses: Iterable[tuple[str, Sequence[str]]], others: Sequence[str] = ()) -> str:
    """'What these articles cover': each pose taught, with the titles of the articles that teach
    it; then the articles that teach no pose the lexicon knows."""
    items = [f"<li><b>{text(label)}</b><br><small>{text('; '.join(titles))}</small></li>" for label, titles in poses]
    if others:
        items.append(f"<li><b>Other articles</b><br><small>{text('; '.join(others))}</small></li>")
    return clean(f'<ul class="coverage">{"".join(items)}</ul>')


def status_text(articles: int, passages: int, model: str, built: str) -> str:
    return f"Index: {articles} articles, {passages} passages · model {model} · built {built}"
