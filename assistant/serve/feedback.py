"""Likes and dislikes from the chat, appended to a local JSONL file (one line per vote).

The chat records each answer's vote, and a changed vote again under the same answer id (the
last line for an id is its vote); the file stops growing at MAX_BYTES (a client could
otherwise vote from endless new sessions), and says so once in the log.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

_lock = threading.Lock()
#: the feedback file is not written beyond this size
MAX_BYTES = 20_000_000
log = logging.getLogger(__name__)
_full: set[Path] = set()


def record(
    path: Path,
    *,
    liked: bool | None,
    question: str,
    answer: str,
    citations: list[dict[str, Any]],
    id: str = "",
    changed: bool = False,
) -> bool:
    """Append one vote; each line is written whole, so concurrent votes never interleave.
    ``id`` names the answer: a vote changed in the chat is appended again with the same id and
    ``changed``, so the last line for an id is that answer's vote (``liked`` None: taken back).
    False when the file is full (MAX_BYTES)."""
    entry = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **({"id": id} if id else {}),
        "liked": liked,
        **({"changed": True} if changed else {}),
        "question": question,
        "answer": answer,
        "citations": citations,
    }
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock:
        if path.exists() and path.stat().st_size + len(line.encode()) > MAX_BYTES:
            if path not in _full:
                _full.add(path)
                log.warning("%s has reached %d MB; further votes are not recorded", path, MAX_BYTES // 1_000_000)
            return False
        with path.open("a", encoding="utf-8") as f:
            f.write(line)
    return True
