"""Likes and dislikes from the chat, appended to a local JSONL file (one line per vote)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

_lock = threading.Lock()


def record(path: Path, *, liked: bool, question: str, answer: str, citations: list[dict[str, Any]]) -> None:
    """Append one vote; each line is written whole, so concurrent votes never interleave."""
    entry = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "liked": liked,
        "question": question,
        "answer": answer,
        "citations": citations,
    }
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, path.open("a", encoding="utf-8") as f:
        f.write(line)
