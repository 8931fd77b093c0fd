"""What answers look like to other programs: plain JSON, no HTML.

Pure: records in, JSON-ready dicts out. The command line (``ask --json``) and the HTTP API
(api.py) print the same shapes from here.
"""

from __future__ import annotations

from typing import Any

from .records import Answer


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
