"""HTML for the chat: answers, cited passages, coverage and status. Pure string building.

Article text is data, never markup: every character that HTML or Markdown could act on
is written as a numeric entity, so a '<script>', an '![image](http://...)' or a
'javascript:' link in an article is shown as text. The final HTML also passes through
nh3 (an allow-list sanitiser) as a second line of defence.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

import nh3

from .records import Answer, Citation

_ACTIVE = frozenset("\\`*_{}[]()#+-.!|~<>:&\"'=/@$%^;?,")
_TAGS = {"div", "span", "p", "a", "mark", "b", "strong", "em", "small", "ul", "li", "sup", "details", "summary", "br"}
_ATTRS = {"*": {"class", "id", "title"}, "a": {"href"}}
_MARK = re.compile(r"\[(?:(\d{1,3})|unsupported)\]")


def text(value: str) -> str:
    """``value`` as inert text for HTML and Markdown renderers alike."""
    return "".join(f"&#{ord(c)};" if c in _ACTIVE or (ord(c) < 32 and c != "\n") else c for c in value)


def clean(markup: str) -> str:
    """Only our own tags and attributes survive; links may only point inside the page."""
    return nh3.clean(markup, tags=_TAGS, attributes=_ATTRS, url_schemes=set(), link_rel=None, strip_comments=True)


def plain(markup: str) -> str:
    """Text back from what :func:`text` wrote (for reading the chat history)."""
    return html.unescape(markup)


def answer_html(answer_text: str, citations: Sequence[Citation], *, notice: str = "", turn: int = 0) -> str:
    """The answer with each [n] made a link to its passage (``source-{turn}-{n}`` in the sources
    panel); everything else is text."""
    valid = {c.n for c in citations}
    out = []
    pos = 0
    for m in _MARK.finditer(answer_text):
        out.append(text(answer_text[pos : m.start()]))
        if m.group(1) is None:
            out.append('<span class="unsupported" title="no passage supports this sentence">(unsupported)</span>')
        elif int(m.group(1)) in valid:
            n = int(m.group(1))
            out.append(f'<a class="cite" href="#source-{turn}-{n}" title="source {n}">[{n}]</a>')
        else:
            out.append(f'<span class="cite-unverified" title="not verified">&#91;{m.group(1)}&#93;?</span>')
        pos = m.end()
    out.append(text(answer_text[pos:]))
    if notice:
        out.append(f'\n\n<span class="notice">{text("(" + notice + ")")}</span>')
    return "".join(out).replace("\n", "<br>")


def draft_html(draft: str) -> str:
    """A model's reply while it streams: plain text, citations not yet checked, so no links."""
    return text(draft) + " &#8230;"


def passage_html(c: Citation) -> str:
    """A cited passage with its cited sentences in <mark>."""
    parts = []
    pos = c.start
    for s, e in sorted(c.highlights):
        s, e = max(s, pos), min(e, c.end)
        if s >= e:
            continue
        parts.append(text(c.text[pos - c.start : s - c.start]))
        parts.append(f"<mark>{text(c.text[s - c.start : e - c.start])}</mark>")
        pos = e
    parts.append(text(c.text[pos - c.start :]))
    return "".join(parts).replace("\n", "<br>")


def sources_html(
    answer: Answer | None, pose_labels: dict[str, str] | None = None, *, waiting: bool = False, turn: int = 0
) -> str:
    """One panel per cited passage: number, article title, pose, passage with highlights."""
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
        poses = ", ".join(labels.get(p, p) for p in c.poses[:3])
        blocks.append(
            f'<div class="source" id="source-{turn}-{c.n}"><div class="source-head"><b>[{c.n}]</b> '
            f"{text(c.title)}</div>"
            + (f'<div class="source-pose">{text(poses)}</div>' if poses else "")
            + f'<div class="source-text">{passage_html(c)}</div>'
            f'<div class="source-where"><small>{text(c.article)}, '
            f"characters {c.start}&#8211;{c.end}</small></div></div>"
        )
    return clean("".join(blocks))


def coverage_html(articles: Iterable[tuple[str, Sequence[str]]]) -> str:
    """'What these articles cover': each article title with its poses."""
    items = [
        f"<li>{text(title)}" + (f" <small>({text(', '.join(poses))})</small>" if poses else "") + "</li>"
        for title, poses in articles
    ]
    return clean(f'<ul class="coverage">{"".join(items)}</ul>')


def status_text(articles: int, passages: int, model: str, built: str) -> str:
    return f"Index: {articles} articles, {passages} passages · model {model} · built {built}"
