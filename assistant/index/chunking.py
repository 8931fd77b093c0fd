"""Splitting an article body into passages: whole sentences, sized in tokens.

Pure: token counting and the model's length limit come in as functions, so the
chunker is tested without any model. Every passage is an exact span of the body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.language.text import sentence_spans, trim
from assistant.language.vocabulary import HEADING_WORDS

Span = tuple[int, int]
#: a paragraph break closes a passage once it holds this share of the target
PARAGRAPH_SHARE = 0.5
Counter = Callable[[str], int]


@dataclass(frozen=True, slots=True)
class Piece:
    """A passage before it becomes a ``Chunk``: its span and the sentence spans inside."""

    start: int
    end: int
    sentences: tuple[Span, ...]


def chunk_text(
    body: str,
    *,
    target: int,
    max_tokens: int,
    count: Counter,
    fits: Callable[[str], bool] | None = None,
) -> list[Piece]:
    """Greedy packing of whole sentences into passages of about ``target`` tokens.

    A passage closes before the sentence that would take it past ``target`` (unless it
    is still under half the target and stays under ``max_tokens``), and at a paragraph
    break once it holds half the target. A heading line is carried to the passage it
    introduces. Sentences longer than ``max_tokens`` are cut at word boundaries.
    ``fits`` (the embedding model's own limit) is checked last, splitting further.
    """
    units = [s for span in sentence_spans(body) for s in _cut_long(body, span, max_tokens, count)]
    sizes = [count(body[s:e]) for s, e in units]
    groups: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i, (start, _) in enumerate(units):
        paragraph_break = bool(current) and "\n\n" in body[units[current[-1]][1] : start]
        over = size + sizes[i] > target and not (size < target / 2 and size + sizes[i] <= max_tokens)
        if current and (over or (paragraph_break and size >= target * PARAGRAPH_SHARE)):
            carried = _carry_heading(body, units, current)
            groups.append(current[: len(current) - len(carried)] or current)
            if not current[: len(current) - len(carried)]:
                carried = []
            current = carried
            size = sum(sizes[j] for j in current)
        current.append(i)
        size += sizes[i]
    if current:
        groups.append(current)
    pieces = [Piece(units[g[0]][0], units[g[-1]][1], tuple(units[j] for j in g)) for g in groups]
    if fits is not None:
        pieces = [p for piece in pieces for p in _enforce(body, piece, fits)]
    return pieces


def _carry_heading(body: str, units: list[Span], group: list[int]) -> list[int]:
    """The trailing heading line of ``group`` (short, no end punctuation, own line), if any."""
    if len(group) < 2:
        return []
    s, e = units[group[-1]]
    text = body[s:e]
    own_line = "\n" in body[units[group[-2]][1] : s]
    if own_line and len(text.split()) <= HEADING_WORDS and not re.search(r"[.!?…:;,]['\"”’)]*$", text):
        return [group[-1]]
    return []


def _cut_long(body: str, span: Span, max_tokens: int, count: Counter) -> list[Span]:
    """``span`` itself, or consecutive word-boundary pieces of at most ``max_tokens`` tokens."""
    start, end = span
    if count(body[start:end]) <= max_tokens:
        return [span]
    pieces: list[Span] = []
    piece_start = start
    size = 0
    last_end = start
    for m in re.finditer(r"\S+", body[start:end]):
        w_start, w_end = start + m.start(), start + m.end()
        w_size = count(" " + m.group())
        if w_size > max_tokens:  # a single 'word' longer than the limit: cut it by characters
            if last_end > piece_start:
                pieces.append((piece_start, last_end))
            pieces.extend(_cut_chars(body, (w_start, w_end), max_tokens, count))
            piece_start, size, last_end = w_end, 0, w_end
            continue
        if size + w_size > max_tokens and last_end > piece_start:
            pieces.append((piece_start, last_end))
            piece_start, size = w_start, 0
        size += w_size
        last_end = w_end
    if last_end > piece_start:
        pieces.append((piece_start, last_end))
    return [(s, e) for s, e in (trim(body, *p) for p in pieces) if e > s]


def _cut_chars(body: str, span: Span, max_tokens: int, count: Counter) -> list[Span]:
    out = []
    start, end = span
    step = max(1, max_tokens)
    while start < end:
        stop = min(end, start + step * 2)
        while stop - start > 1 and count(body[start:stop]) > max_tokens:
            stop = start + (stop - start) // 2
        out.append((start, stop))
        start = stop
    return out


def _enforce(body: str, piece: Piece, fits: Callable[[str], bool]) -> list[Piece]:
    """Split ``piece`` in halves (by sentences, then characters) until each half fits."""
    if fits(body[piece.start : piece.end]):
        return [piece]
    sents = piece.sentences
    if len(sents) > 1:
        mid = len(sents) // 2
        halves = [sents[:mid], sents[mid:]]
        return [p for h in halves for p in _enforce(body, Piece(h[0][0], h[-1][1], h), fits)]
    mid = _near_space(body, piece.start, piece.end)
    if mid <= piece.start or mid >= piece.end:  # a single character that never fits: keep it
        return [piece]
    left = trim(body, piece.start, mid)
    right = trim(body, mid, piece.end)
    return [p for s in (left, right) if s[1] > s[0] for p in _enforce(body, Piece(*s, (s,)), fits)]


def _near_space(body: str, start: int, end: int) -> int:
    mid = (start + end) // 2
    space = body.rfind(" ", start + 1, mid + 1)
    return space if space > start else mid
