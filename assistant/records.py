"""Typed records that cross module boundaries. No behaviour beyond small derived properties."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Pose:
    """A pose from the lexicon: a canonical id and the names people use for it."""

    id: str
    english: str
    sanskrit: str
    aliases: tuple[str, ...] = ()
    variant_of: str | None = None

    @property
    def label(self) -> str:
        """'Hero Pose (Virasana)', or just one name when both are the same."""
        if self.sanskrit and self.sanskrit.lower() != self.english.lower():
            return f"{self.english} ({self.sanskrit})"
        return self.english or self.sanskrit


@dataclass(frozen=True, slots=True)
class Article:
    """One article: ``body`` is the text citations point into (front matter removed)."""

    id: str
    title: str
    body: str
    source: str
    path: str
    sha256: str
    poses: tuple[str, ...] = ()  # pose names from the front matter, e.g. 'Hero Pose (Virasana)'


@dataclass(frozen=True, slots=True)
class Skipped:
    """A corpus file that was not used, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage: an exact character span ``[start, end)`` of one article's body."""

    article: str
    start: int
    end: int
    text: str
    tokens: int
    sentences: tuple[tuple[int, int], ...] = ()  # absolute spans of the sentences inside
    poses: tuple[str, ...] = ()  # pose ids the passage is about
    roles: tuple[tuple[str, ...], ...] = ()  # per sentence: what it is for (roles.ROLES); () until classified
    digest: str = ""  # hash of the text: a later build reuses the vectors of a passage with the same one

    def sentence_text(self, span: tuple[int, int]) -> str:
        """The text of the sentence at ``span`` (absolute, one of ``sentences``), whitespace collapsed."""
        return " ".join(self.text[span[0] - self.start : span[1] - self.start].split())


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a passage, with how well it matched the question (0 where not searched)."""

    chunk_id: int
    chunk: Chunk
    span: tuple[int, int]  # absolute in the article body, inside the passage
    text: str  # whitespace collapsed
    cosine: float = 0.0
    bm25: float = 0.0
    passage_rank: int = 0  # rank of its passage in the retrieval (1 = top); 0 = not retrieved
    roles: tuple[str, ...] = ()  # what it is for: steps, hold, easier, ... or none (roles.ROLES)
    context: float = 0.0  # in a follow-up: cosine of its passage with what the earlier question asked
    neighbour: float = 0.0  # the higher cosine of the sentences just before and after it in its article

    @property
    def place(self) -> tuple[str, int]:
        """Where it stands in the corpus, for reading order."""
        return (self.chunk.article, self.span[0])


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved passage: its reciprocal-rank-fusion score (passages about the asked-about
    pose rank above all others, whatever their score) and its best cosine with the question."""

    chunk_id: int
    chunk: Chunk
    score: float
    cosine: float = 0.0  # the higher of the passage's and its best sentence's cosine


@dataclass(frozen=True, slots=True)
class Citation:
    """What an [n] in an answer points at: a passage and the cited sentences inside it."""

    n: int
    article: str
    title: str
    start: int
    end: int
    text: str
    poses: tuple[str, ...] = ()
    highlights: tuple[tuple[int, int], ...] = ()  # absolute spans inside [start, end)


@dataclass(frozen=True, slots=True)
class Turn:
    """An earlier question of the chat, the poses its answer was about (what a follow-up that
    names no pose is about), and whether it was declined."""

    question: str
    poses: tuple[str, ...] = ()
    declined: bool = False  # the articles did not answer it: the next question naming no pose is read on its own


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer: text with [n] markers, the citations they name, and how it was made."""

    question: str
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    hits: tuple[Hit, ...] = ()
    notice: str = ""
    poses: tuple[str, ...] = ()  # the poses the answer is about
    suggestions: tuple[str, ...] = ()
    meta: dict[str, object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Draft:
    """Part of a model's reply while it streams: not yet verified, so shown without links;
    ``verified``: its finished sentences verified, once one of them cites a passage."""

    text: str
    verified: str = ""


@dataclass(frozen=True, slots=True)
class Mention:
    """A pose name found in a text, by word index."""

    pose: str
    first: int  # word index where the name starts
    last: int  # word index after the name
    exact: bool
    name: tuple[str, ...] = ()  # the name's words, as the lexicon has them


@dataclass(frozen=True, slots=True)
class Spoken:
    """A text read for pose names: folded, its words with their spans, the names found."""

    folded: str
    spans: tuple[tuple[str, int, int], ...]
    mentions: tuple[Mention, ...]

    @property
    def words(self) -> list[str]:
        return [w for w, _, _ in self.spans]
