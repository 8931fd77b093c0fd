"""The running server's log: one line per event, and an event that repeats said once with its count.

Under a flood the same error comes thousands of times a second (an accept that fails, a client
gone mid-answer, an upgrade uvicorn cannot serve), and with a traceback each it filled a disk.
``Repeats`` is the filter on the server's one log handler (``setup``): every record becomes one
line (an exception keeps its kind and first line, not its traceback), and of records of one kind
(same logger, message and first argument, same exception kind) only the first in each WINDOW is
written; the next one after the window says how many were left out, and so does ``flush`` at
shutdown.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

#: seconds in which one kind of record is written once
WINDOW = 60.0
#: kinds remembered; the least recent is forgotten
KINDS = 256
#: exceptions that only mean the client went away; said at INFO, not as an error
GONE = frozenset({"ClientDisconnect", "ConnectionResetError", "BrokenPipeError", "EndOfStream", "BrokenResourceError"})


def one_line(record: logging.LogRecord) -> None:
    """Fold the record's exception, if any, into its message: kind and first line, no traceback."""
    if not record.exc_info or record.exc_info[1] is None:
        return
    error = record.exc_info[1]
    cause = error.__cause__ or error.__context__
    kinds = [type(error).__name__] + ([type(cause).__name__] if cause is not None else [])
    first = (str(error).splitlines() or [""])[0][:200]
    record.msg = f"{record.getMessage().strip()}: {' from '.join(kinds)}{': ' + first if first else ''}"
    record.args = None
    record.exc_info = record.exc_text = record.stack_info = None
    if GONE & set(kinds):  # a client that left mid-answer is not the server's error
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.msg = f"a client went away before its answer was sent ({' from '.join(kinds)})"


class Repeats(logging.Filter):
    """One line per record, and one record of each kind per ``window`` seconds with the count of
    the others."""

    def __init__(self, window: float = WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window, self.clock = window, clock
        self.kinds: OrderedDict[tuple[str, str, str], list[float]] = OrderedDict()  # kind -> [since, left out]

    def filter(self, record: logging.LogRecord) -> bool:
        first_arg = str(record.args[0])[:40] if isinstance(record.args, tuple) and record.args else ""
        error = type(record.exc_info[1]).__name__ if record.exc_info else ""
        kind = (record.name, f"{record.msg} {first_arg}".strip(), error)
        one_line(record)
        now = self.clock()
        seen = self.kinds.get(kind)
        if seen is not None and now - seen[0] < self.window:
            seen[1] += 1
            self.kinds.move_to_end(kind)
            return False
        if seen is not None and seen[1]:
            record.msg = f"{record.getMessage()} (and {int(seen[1]):,} more like it in {now - seen[0]:.0f} s)"
            record.args = None
        self.kinds[kind] = [now, 0]
        self.kinds.move_to_end(kind)
        while len(self.kinds) > KINDS:
            self.kinds.popitem(last=False)
        return True

    def left_out(self) -> str:
        """What was left out and not yet counted in a line (and forget it): '' when nothing was."""
        said = [f"{int(n):,} like '{kind[1].strip()[:80]}' ({kind[0]})" for kind, (_, n) in self.kinds.items() if n]
        self.kinds.clear()
        return "; ".join(said)


def setup() -> Repeats:
    """The server's log: one handler on the root logger, INFO for the project's own loggers and
    WARNING for the rest (uvicorn, asyncio, Gradio's libraries), through ``Repeats``."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    repeats = Repeats()
    handler.addFilter(repeats)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("assistant").setLevel(logging.INFO)
    return repeats


def flush(repeats: Repeats) -> None:
    """At shutdown: say what ``repeats`` left out since its last line of each kind."""
    said = repeats.left_out()
    if said:
        logging.getLogger("assistant").warning("left out of the log since the last line of their kind: %s", said)
