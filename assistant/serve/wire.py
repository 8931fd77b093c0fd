"""What answers look like to other programs: plain JSON, no HTML.

Pure: records in, JSON-ready dicts out. The command line (``ask --json``) and the HTTP API
(api.py) print the same shapes from here: an answer, ranked passages, OpenAI's chat-completion
objects (the answer with a Sources list any chat app can show, and the citations as data beside
it), and errors.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.records import Answer, Citation, Hit, Turn


def answer_json(answer: Answer) -> dict[str, Any]:
    """``ask --json``: the answer, whether it declined, and each citation with its exact span."""
    return {
        "answer": answer.text,
        "abstained": answer.abstained,
        "citations": [
            {
                "n": c.n,
                "article": c.article,
                "title": c.title,
                "start": c.start,
                "end": c.end,
                "text": c.text,
                "poses": list(c.poses),
                "highlights": [list(h) for h in c.highlights],
            }
            for c in answer.citations
        ],
        **({"notice": answer.notice} if answer.notice else {}),
    }


def turn_json(turn: Turn) -> dict[str, Any]:
    """What ``/api/ask`` returns for the next request's history: what the question was about."""
    return {"question": turn.question, "poses": list(turn.poses), "declined": turn.declined}


# -- search ---------------------------------------------------------------------------------------
def hit_json(rank: int, hit: Hit, title: str) -> dict[str, Any]:
    """One ranked passage of ``/api/search``: where it is, its text, and its fused score."""
    c = hit.chunk
    return {
        "rank": rank,
        "article": c.article,
        "title": title,
        "start": c.start,
        "end": c.end,
        "text": c.text,
        "poses": list(c.poses),
        "score": round(hit.score, 6),
        "cosine": round(hit.cosine, 6),
    }


# -- the OpenAI chat-completions shapes ------------------------------------------------------------
MODEL = "yoga-assistant"


def cited_sentences(c: Citation) -> str:
    """The sentences an [n] cites (its highlights), else its whole passage."""
    parts = [c.text[s - c.start : e - c.start] for s, e in c.highlights if c.start <= s < e <= c.end]
    return " … ".join(" ".join(p.split()) for p in parts) or " ".join(c.text.split())


def content(answer: Answer) -> str:
    """The answer with its [n] markers, then a Sources list any chat app can show as text."""
    if not answer.citations:
        return answer.text
    sources = "\n".join(f'[{c.n}] {c.title} — "{cited_sentences(c)}"' for c in answer.citations)
    return f"{answer.text}\n\nSources:\n{sources}"


def completion(answer: Answer, completion_id: str, created: int) -> dict[str, Any]:
    """A whole ``chat.completion``; ``citations`` carries the structured sources beside it."""
    text = content(answer)
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        **sources(answer),
    }


#: a streamed piece: a sentence with the [n] markers after it, or a line
_PIECE = re.compile(r"\S.*?(?:[.!?…][\"'”’)]*(?: ?\[(?:\d+|unsupported)\])*\s+|\n+|$)", re.DOTALL)


def pieces(text: str) -> list[str]:
    """``text`` as streamed pieces that add up to it: a sentence with its markers, or a line."""
    found = _PIECE.findall(text)
    lead = text[: len(text) - len(text.lstrip())]
    return [lead + found[0], *found[1:]] if found else ([lead] if lead else [])


def chunk(completion_id: str, created: int, delta: dict[str, Any], **finish: Any) -> dict[str, Any]:
    """One ``chat.completion.chunk`` event; with ``finish`` (:func:`sources`, or what a failed answer
    has instead), the last: ``finish_reason`` stop and those fields beside it."""
    choice = {"index": 0, "delta": delta, "finish_reason": "stop" if finish else None}
    head = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL}
    return {**head, "choices": [choice], **finish}


def sources(answer: Answer) -> dict[str, Any]:
    """What a completion carries beside its content: the structured citations, and whether it declined."""
    return {"citations": answer_json(answer)["citations"], "abstained": answer.abstained}


# -- errors ---------------------------------------------------------------------------------------
_OPENAI_TYPES = {401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}


def error_body(path: str, status: int, code: str, message: str) -> dict[str, Any]:
    """An error in the shape the caller expects: OpenAI's under ``/v1``, ``{"error": {"code",
    "message"}}`` everywhere else."""
    if path.startswith("/v1"):
        kind = _OPENAI_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return {"error": {"code": code, "message": message}}
