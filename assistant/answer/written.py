"""An answer written by the optional language model from the retrieved passages, streamed as
drafts and verified: every sentence must cite a passage it was given, else the articles' own
sentences (the extractive answer) are shown instead, with a notice saying why."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from assistant.answer import llm
from assistant.answer.compose import NOT_MEDICAL_ADVICE, citation, wants_cautions
from assistant.errors import LLMError
from assistant.index.reader import Index
from assistant.records import Answer, Draft
from assistant.retrieval.retriever import Retrieval

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
    text = ""
    try:
        for delta in model.stream(messages):
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
    citations = tuple(citation(k, chunk, index, spans) for k, chunk, spans in llm.cited(verified, passages))
    note = f"\n\n{NOT_MEDICAL_ADVICE}" if wants_cautions(retrieval.query.question) else ""
    yield replace(
        extractive,
        text=verified.text + note,
        citations=citations,
        notice="written by a language model from the cited passages"
        + (f"; {verified.unsupported} sentence(s) cite no passage" if verified.unsupported else ""),
        meta={"mode": "llm", "removed_citations": verified.removed},
    )
