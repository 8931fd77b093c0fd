"""The assistant as one object: load the index and model once, answer questions.

The CLI and the chat are thin layers over :class:`Assistant`. Answers are extractive by
default; with an LLM endpoint configured they are written by the model, streamed, and
verified, falling back to the extractive answer on any failure.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from . import llm, suggestions
from .answer import NOT_MEDICAL_ADVICE, citation, compose, wants_cautions
from .config import Settings
from .embedding import Embedder, make_embedder, same_model
from .errors import IndexMismatchError, LLMError, QuestionError
from .index import Index
from .records import Answer
from .retrieval import Retrieval, Retriever

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
MAX_HISTORY = 8
LLM_PASSAGES = 6


@dataclass(frozen=True, slots=True)
class Draft:
    """Part of a model's reply while it streams: not yet verified, so shown without links."""

    text: str


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
        self,
        settings: Settings,
        *,
        index: Index | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings
        self._index = index
        self._embedder = embedder
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()
        self.llm = (
            llm.ChatClient(settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout)
            if settings.llm_base_url
            else None
        )

    @property
    def embedder(self) -> Embedder:
        """The model that embeds questions: the same kind the index was built with."""
        self.retriever  # noqa: B018 - loads index and embedder together
        assert self._embedder is not None
        return self._embedder

    @property
    def index(self) -> Index:
        return self.retriever.index

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                index = self._index or Index.open(self.settings)
                if self._embedder is None:
                    precision = str(index.manifest["model"].get("precision", "fp32"))
                    self._embedder = make_embedder(self.settings.model, precision, self.settings.models_dir)
                self._check_model(index, self._embedder)
                self._retriever = Retriever(index, self._embedder, mode=self.settings.retriever)
            return self._retriever

    def _check_model(self, index: Index, embedder: Embedder) -> None:
        if embedder.dim != index.dim or not same_model(embedder.fingerprint(), index.fingerprint):
            raise IndexMismatchError(
                f"the index in {self.settings.index_dir} was built with different model weights than "
                f"{self.settings.model!r}; run 'yoga-assistant build --force'"
            )

    def retrieve(self, question: str, history: Sequence[str] = (), *, k: int = 10) -> Retrieval:
        question = clean_question(question, max_chars=self.settings.max_question_chars)
        return self.retriever.search(question, self._history(history), k=k)

    def _history(self, history: Sequence[str]) -> list[str]:
        turns = []
        for turn in list(history)[-MAX_HISTORY:]:
            try:
                turns.append(clean_question(turn, max_chars=self.settings.max_question_chars))
            except QuestionError:
                continue
        return turns

    def stream(self, question: str, history: Sequence[str] = ()) -> Iterator[Draft | Answer]:
        """Drafts while a model writes (if one is configured), then the final ``Answer``."""
        retrieval = self.retrieve(question, history, k=max(10, self.settings.top_k))
        extractive = self._with_suggestions(compose(retrieval, self.index), history)
        if self.llm is None or extractive.abstained:
            yield extractive
            return
        passages = llm.select_passages([h.chunk for h in retrieval.hits[:LLM_PASSAGES]])
        messages = llm.build_messages(
            retrieval.query.question,
            self._history(history),
            [(self.index.title(c.article), c.text) for c in passages],
        )
        text = ""
        try:
            for delta in self.llm.stream(messages):
                text += delta
                yield Draft(text)
        except LLMError as error:
            yield replace(extractive, notice=f"{error}; showing the articles' own sentences instead")
            return
        verified = llm.verify(text, len(passages))
        if not verified.cited:
            yield replace(
                extractive,
                notice="the language model's answer cited no passage; showing the articles' own sentences instead",
            )
            return
        by_number = {k: passages[n - 1] for k, n in enumerate(verified.cited, start=1)}
        claims = {k: re.findall(rf"([^\]]*?)\[{k}\]", verified.text) for k in by_number}
        citations = tuple(citation(k, c, self.index, llm.best_sentences(c, claims[k])) for k, c in by_number.items())
        note = f"\n\n{NOT_MEDICAL_ADVICE}" if wants_cautions(retrieval.query.question) else ""
        yield replace(
            extractive,
            text=verified.text + note,
            citations=citations,
            notice="written by a language model from the cited passages"
            + (f"; {verified.unsupported} sentence(s) cite no passage" if verified.unsupported else ""),
            meta={"mode": "llm", "removed_citations": verified.removed},
        )

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        answer = None
        for part in self.stream(question, history):
            if isinstance(part, Answer):
                answer = part
        assert answer is not None  # stream always ends with an Answer
        return answer

    # -- follow-up suggestions ------------------------------------------------------------------
    @cached_property
    def _topics(self) -> dict[str, list[int]]:
        index = self.index
        return {
            p.id: suggestions.available(index.chunks[int(i)] for i in index.by_pose.get(p.id, ()))
            for p in index.covered
        }

    def _with_suggestions(self, answer: Answer, history: Sequence[str]) -> Answer:
        """Other covered topics for the answer's pose (or, for a question naming none, the pose
        its first cited article teaches)."""
        if answer.abstained:
            return answer
        poses = answer.poses or self.index.articles[answer.citations[0].article].poses[:1] if answer.citations else ()
        if not poses or poses[0] not in self._topics:
            return answer
        pose = self.index.lexicon.poses[poses[0]]
        asked = [*self._history(history), answer.question]
        return replace(answer, suggestions=tuple(suggestions.suggest(pose, self._topics[pose.id], asked)))
