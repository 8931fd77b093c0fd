"""The assistant as one object: load the index and model once, answer questions.

The CLI and the chat are thin layers over :class:`Assistant`. Answers are extractive by
default; with an LLM endpoint configured they are written by the model, streamed, and
verified, falling back to the extractive answer on any failure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from assistant.answer import llm, suggestions
from assistant.answer.compose import compose
from assistant.answer.scorer import Scorer, shipped
from assistant.answer.turns import MAX_HISTORY as MAX_HISTORY  # earlier turns read (the chat keeps as many)
from assistant.answer.turns import TurnCache, about, read_turns
from assistant.answer.written import written
from assistant.config import Retriever as Mode
from assistant.config import Settings
from assistant.embed.embedders import query_embedder, query_precision
from assistant.embed.embedding import Embedder
from assistant.errors import AssistantError
from assistant.index import store
from assistant.index.reader import Index
from assistant.records import Answer, Draft, Turn
from assistant.retrieval.query import clean_question
from assistant.retrieval.retriever import Retrieval, Retriever

#: how often a running assistant looks for a newer build
RELOAD_CHECK_SECONDS = 1.0
log = logging.getLogger(__name__)
#: passages retrieved per question: the depth the retrieval metrics are measured at (@10);
#: the extractive answer quotes from the first five (retrieval.SENTENCE_POOL), a model reads
#: the first written.LLM_PASSAGES that fit its prompt budget
HITS = 10


@dataclass(frozen=True, slots=True)
class Loaded:
    """One loaded index with everything derived from it; replaced whole when a new build lands."""

    generation: Path | None
    retriever: Retriever
    topics: dict[str, list[int]]  # pose id -> follow-up topics its passages cover
    turns: TurnCache = field(default_factory=TurnCache)  # earlier questions read with this index

    @property
    def index(self) -> Index:
        return self.retriever.index


class Assistant:
    """Answers questions from the live index. Thread-safe for concurrent ``ask`` calls; when a
    build publishes a new index, the next requests switch to it (requests already running
    finish on the old one) without a restart."""

    def __init__(
        self,
        settings: Settings,
        *,
        index: Index | None = None,
        embedder: Embedder | None = None,
        model: llm.LLM | None = None,
        scorer: Scorer | None = None,
    ) -> None:
        """``index``, ``embedder`` and ``model`` (a language model) replace what ``settings`` name;
        ``scorer`` the shipped sentence scorer (eval/train_scorer.py measures others)."""
        self.settings = settings
        self._fixed_index = index
        self._embedder = embedder
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()
        self._switching = threading.Lock()
        self._checked = 0.0
        self._reloading = False
        self._warned = False  # about files changed under the loaded index
        if model is None and settings.llm_base_url:
            model = llm.ChatClient(
                settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout
            )
        self.llm = model
        self._scorer = scorer

    @property
    def scorer(self) -> Scorer:
        """The learned sentence scorer answers are composed with."""
        if self._scorer is None:
            self._scorer = shipped()
        return self._scorer

    # -- the loaded index ------------------------------------------------------------------------
    def _load(self, index: Index | None = None) -> Loaded:
        index = index or Index.open(self.settings)
        embedder = self._embedder
        precision = index.manifest.model.precision
        if embedder is None or embedder.precision not in (precision, query_precision(precision)):
            embedder = query_embedder(self.settings.model, precision, self.settings.models_dir)
        index.manifest.require(self.settings, model=embedder)
        self._embedder = embedder
        topics = {p.id: suggestions.available(partial(index.uses_any, p.id)) for p in index.covered}
        generation = None if index is self._fixed_index else index.generation
        return Loaded(generation, Retriever(index, embedder), topics)

    def loaded(self) -> Loaded:
        """The current index (loading it on first use), switching to a newer build once it is ready."""
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load(self._fixed_index)
            loaded = self._loaded
        if self._fixed_index is None:
            self._watch(loaded)
        return loaded

    def _watch(self, loaded: Loaded) -> None:
        """At most once a second, look at the index pointer; load a new build in the background."""
        now = time.monotonic()
        with self._lock:
            if self._reloading or now - self._checked < RELOAD_CHECK_SECONDS:
                return
            self._checked = now
            self._notice_changed_files(loaded)
            if not self._newer(loaded):
                return
            self._reloading = True
        threading.Thread(target=self.reload, name="index-reload", daemon=True).start()

    def _notice_changed_files(self, loaded: Loaded) -> None:
        """Log once when the files of the loaded index are replaced or removed underneath it (it
        keeps answering from the files it mapped, which stay readable while it has them open)."""
        changed = loaded.index.changed_files()
        if changed and not self._warned:
            self._warned = True
            log.warning(
                "index files %s changed under the running chat; still answering from the ones it "
                "opened; run 'yoga-assistant build' to rebuild them",
                ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else ""),
            )

    def _newer(self, loaded: Loaded) -> bool:
        """A build newer than the loaded one is live."""
        try:
            live = store.current_generation(self.settings.index_dir)
        except AssistantError:
            return False
        return live is not None and live != loaded.generation

    def reload(self) -> bool:
        """Switch to the live build now if it is newer than the loaded one (a running assistant
        does this in the background after a build). A build that cannot be loaded is logged and
        the loaded one kept: returns whether it switched."""
        try:
            with self._switching:  # one load at a time; a second caller finds the switch made
                if self._loaded is not None and not self._newer(self._loaded):
                    return False
                fresh = self._load()
                with self._lock:
                    self._loaded = fresh
                    self._warned = False
            log.info("switched to the index built at %s", fresh.index.manifest.created_at)
            return True
        except AssistantError as error:  # a damaged or mismatched new build: keep serving the old one
            log.warning("not switching to the new index: %s", error)
            return False
        finally:
            self._reloading = False

    def current(self) -> Loaded:
        """The loaded index, switched first to a newer live build if there is one (at once, not in
        the background: for saying which index is served)."""
        loaded = self.loaded()
        if self._fixed_index is None and self._newer(loaded):
            self.reload()
            loaded = self.loaded()
        return loaded

    @property
    def embedder(self) -> Embedder:
        """The model that embeds questions: the same kind the index was built with."""
        return self.loaded().retriever.encoder  # type: ignore[return-value]

    @property
    def index(self) -> Index:
        return self.loaded().index

    @property
    def retriever(self) -> Retriever:
        return self.loaded().retriever

    # -- answering -------------------------------------------------------------------------------
    def retrieve(
        self,
        question: str,
        history: Sequence[str | Turn] = (),
        *,
        k: int = HITS,
        mode: Mode | None = None,
        retriever: Retriever | None = None,
        loaded: Loaded | None = None,
    ) -> Retrieval:
        """The retrieval alone (``mode``: dense, bm25 or hybrid; default the settings').
        ``retriever``: another one over the same index (eval/ablation.py measures variants);
        ``loaded``: the index to use (one the caller took from :meth:`loaded`), else the current."""
        loaded = loaded or self.loaded()
        if retriever is not None:
            loaded = replace(loaded, retriever=retriever, turns=TurnCache())
        mode = mode or self.settings.retriever
        return self._retrieve(loaded, question, self._turns(loaded, history, mode), k, mode)

    def _retrieve(self, loaded: Loaded, question: str, turns: list[Turn], k: int, mode: Mode) -> Retrieval:
        """``turns``: the earlier turns, already cleaned by :meth:`_turns`."""
        question = clean_question(question, max_chars=self.settings.max_question_chars)
        return loaded.retriever.search(question, turns, k=k, mode=mode)

    def _turns(self, loaded: Loaded, history: Sequence[str | Turn], mode: Mode) -> list[Turn]:
        """The chat so far as turns (answer/turns.py)."""
        max_chars = self.settings.max_question_chars
        return read_turns(history, loaded.retriever, self.scorer, loaded.turns, mode=mode, max_chars=max_chars)

    def turn(self, answer: Answer, loaded: Loaded | None = None) -> Turn:
        """What a chat keeps of an answer for the questions after it (``loaded``: the index it
        came from, else the current)."""
        return Turn(answer.question, about((loaded or self.loaded()).index, answer), answer.abstained)

    def stream(
        self,
        question: str,
        history: Sequence[str | Turn] = (),
        *,
        mode: Mode | None = None,
        loaded: Loaded | None = None,
    ) -> Iterator[Draft | Answer]:
        """Drafts while a model writes (if one is configured), then the final ``Answer``.
        ``history``: the earlier turns of the chat (or their questions), oldest first;
        ``loaded``: the index to answer from (the caller shows the answer with it), else the current."""
        loaded = loaded or self.loaded()  # one index for the whole answer, even if a new build lands meanwhile
        index = loaded.index
        mode = mode or self.settings.retriever
        turns = self._turns(loaded, history, mode)
        retrieval = self._retrieve(loaded, question, turns, HITS, mode)
        extractive = self._with_suggestions(loaded, compose(retrieval, index, self.scorer), turns)
        if self.llm is None or extractive.abstained:
            yield extractive
            return
        yield from written(self.llm, extractive, retrieval, [t.question for t in turns], index)

    def ask(
        self,
        question: str,
        history: Sequence[str | Turn] = (),
        *,
        mode: Mode | None = None,
        loaded: Loaded | None = None,
    ) -> Answer:
        answer = None
        for part in self.stream(question, history, mode=mode, loaded=loaded):
            if isinstance(part, Answer):
                answer = part
        assert answer is not None  # stream always ends with an Answer
        return answer

    def _with_suggestions(self, loaded: Loaded, answer: Answer, turns: list[Turn]) -> Answer:
        """Other covered topics for the pose the answer is about."""
        if answer.abstained:
            return answer
        poses = about(loaded.index, answer)
        if not poses or poses[0] not in loaded.topics:
            return answer
        pose = loaded.index.lexicon.poses[poses[0]]
        asked = [*(t.question for t in turns), answer.question]
        return replace(answer, suggestions=tuple(suggestions.suggest(pose, loaded.topics[pose.id], asked)))
