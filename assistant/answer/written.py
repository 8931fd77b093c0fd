"""An answer written by the optional language model from the retrieved passages, streamed as
drafts and verified: every sentence must cite a passage it was given, else the articles' own
sentences (the extractive answer) are shown instead, with a notice saying why."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from assistant.answer import llm
from assistant.answer.compose import NOT_MEDICAL_ADVICE, citation
from assistant.errors import LLMError
from assistant.index.reader import Index
from assistant.language.text import sentence_spans
from assistant.records import Answer, Draft
from assistant.retrieval.retriever import Retrieval

#: a citation marker, or the start of one still coming ("[1", "[")
_MARKER_SO_FAR = re.compile(r"\[[\d,\s]*(?:\]|$)")
#: passages a model reads: the first this many that fit its prompt budget
LLM_PASSAGES = 6


def written(
    model: llm.LLM, extractive: Answer, retrieval: Retrieval, earlier: Sequence[str], index: Index
) -> Iterator[Draft | Answer]:
    """Drafts while ``model`` writes, then the verified ``Answer`` (or ``extractive`` with a notice).
    ``earlier``: the chat's earlier questions."""
    passages = llm.select_passages([h.chunk for h in retrieval.hits[:LLM_PASSAGES]])
    messages = llm.build_messages(
        retrieval.query.question,
        earlier,
        [(index.title(c.article), c.text) for c in passages],
    )
    text, done, so_far = "", "", ""
    try:
        for delta in model.stream(messages):
            text += delta
            if (now := finished(text)) != done:  # verified once per finished sentence, not per delta
                done, so_far = now, settle(now, len(passages))
            yield Draft(text, so_far)
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
    citations = tuple(citation(k, chunk, index, spans) for k, chunk, spans in llm.cited(verified, passages))
    note = f"\n\n{NOT_MEDICAL_ADVICE}" if retrieval.query.intent.medical else ""  # as the articles' answer has it
    yield replace(
        extractive,
        text=verified.text + note,
        citations=citations,
        notice="written by a language model from the cited passages"
        + (f"; {verified.unsupported} sentence(s) cite no passage" if verified.unsupported else ""),
        meta={"mode": "llm", "removed_citations": verified.removed},
    )


def settled(text: str, supplied: int) -> str:
    """The verified text of the sentences of a reply still coming that are finished (another with
    words has begun after them), once one of them cites one of the ``supplied`` passages; else ''.
    Verifying reads a sentence at a time and numbers citations by first use, so each settled text
    begins the next one and the final answer."""
    return settle(finished(text), supplied)


def finished(text: str) -> str:
    """The finished sentences of a reply still coming, markers moved inside them ('' while fewer
    than two sentences have words)."""
    text = llm.markers_inside(text)
    starts = [s for s, e in sentence_spans(text) if re.search(r"\w", _MARKER_SO_FAR.sub("", text[s:e]))]
    return text[: starts[-1]] if len(starts) >= 2 else ""


def settle(done: str, supplied: int) -> str:
    """``done`` (from :func:`finished`) verified, once one of its sentences cites a passage; else ''."""
    verified = llm.verify(done, supplied) if done else None
    return verified.text if verified and verified.cited else ""
