"""The assistant as one object: load the index and model once, answer questions.

The CLI and the chat are thin layers over :class:`Assistant`.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence

from .answer import compose
from .config import Settings
from .embedding import SentenceTransformerEmbedder, same_model
from .errors import IndexMismatchError, QuestionError
from .index import Index
from .records import Answer
from .retrieval import Retrieval, Retriever

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
MAX_HISTORY = 8


def clean_question(text: object, *, max_chars: int) -> str:
    """The question as plain text, or ``QuestionError`` with what to do instead."""
    if not isinstance(text, str):
        raise QuestionError("the question must be text")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become '?'
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty; type a question about a pose, e.g. 'how long do I hold hero pose?'")
    if len(text) > max_chars:
        raise QuestionError(f"the question is {len(text):,} characters; please keep it under {max_chars:,}")
    if not any(c.isalnum() for c in text):
        raise QuestionError("the question has no words; ask in words, e.g. 'what if my knees hurt in hero pose?'")
    return text


class Assistant:
    """Answers questions from one built index. Thread-safe for concurrent ``ask`` calls."""

    def __init__(
        self, settings: Settings, *, index: Index | None = None, embedder: SentenceTransformerEmbedder | None = None
    ) -> None:
        self.settings = settings
        self._index = index
        self._embedder = embedder
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()

    @property
    def embedder(self) -> SentenceTransformerEmbedder:
        if self._embedder is None:
            self._embedder = SentenceTransformerEmbedder(self.settings.model, precision=self.settings.precision)
        return self._embedder

    @property
    def index(self) -> Index:
        return self.retriever.index

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                index = self._index or Index.open(self.settings)
                self._check_model(index)
                self._retriever = Retriever(index, self.embedder, mode=self.settings.retriever)
            return self._retriever

    def _check_model(self, index: Index) -> None:
        if self.embedder.dim != index.dim or not same_model(self.embedder.fingerprint(), index.fingerprint):
            raise IndexMismatchError(
                f"the index in {self.settings.index_dir} was built with different model weights than "
                f"{self.settings.model!r}; run 'yoga-assistant build'"
            )

    def retrieve(self, question: str, history: Sequence[str] = (), *, k: int = 10) -> Retrieval:
        question = clean_question(question, max_chars=self.settings.max_question_chars)
        turns = [self._history_turn(h) for h in list(history)[-MAX_HISTORY:]]
        return self.retriever.search(question, [t for t in turns if t], k=k)

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        retrieval = self.retrieve(question, history, k=max(10, self.settings.top_k))
        return compose(retrieval, self.index)

    def _history_turn(self, turn: object) -> str:
        try:
            return clean_question(turn, max_chars=self.settings.max_question_chars)
        except QuestionError:
            return ""
