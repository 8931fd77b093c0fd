"""The chat server under a connection flood: many connections that each send part of a request
and hold it open, against a server whose open-file limit is low (a common default).

    .venv/bin/python bench/flood.py [--connections 1100] [--seconds 20] [--files 1024]

Starts `python app.py` on the built index (`make build` first) with its open-file limit set to
--files (soft and hard), keeps --connections partial requests open for --seconds (reopening
any the server closes, as a flooder would), asks /api/health once a second meanwhile, then
lets go and measures how long until /api/health answers again. Prints the figures as JSON:
the server still running, health answers during the flood, seconds to serve again, the size
of the server's log and its lines.
"""

from __future__ import annotations

import argparse
import json
import resource
import selectors
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import ROOT

PARTIAL = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def health(port: int) -> int:
    """The status of GET /api/health, or 0 when the connection fails."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)
    except OSError:
        return 0


def start(port: int, files: int, log: Path) -> subprocess.Popen[bytes]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--port", str(port)],
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        preexec_fn=limit,
    )
    deadline = time.monotonic() + 300
    while health(port) != 200:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the app did not start: {log.read_text()[-1500:]}")
        time.sleep(0.5)
    return proc


def opened(port: int) -> socket.socket | None:
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(PARTIAL)
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s


def flood(port: int, connections: int, seconds: float) -> dict[str, int]:
    """Hold ``connections`` partial requests open for ``seconds``; returns counts."""
    chooser = selectors.DefaultSelector()
    held: set[socket.socket] = set()
    counts = {"opened": 0, "closed_by_server": 0, "failed_to_open": 0, "health_ok": 0, "health_refused": 0}
    end = time.monotonic() + seconds
    next_health = time.monotonic() + 1
    while time.monotonic() < end:
        while len(held) < connections and time.monotonic() < end:
            s = opened(port)
            if s is None:
                counts["failed_to_open"] += 1
                break
            counts["opened"] += 1
            held.add(s)
            chooser.register(s, selectors.EVENT_READ)
        for key, _ in chooser.select(timeout=0.2):  # the server answered or closed: open another
            s = key.fileobj
            chooser.unregister(s)
            held.discard(s)  # type: ignore[arg-type]
            s.close()  # type: ignore[union-attr]
            counts["closed_by_server"] += 1
        if time.monotonic() >= next_health:
            next_health += 1
            counts["health_ok" if health(port) == 200 else "health_refused"] += 1
    for s in held:
        s.close()
    chooser.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--files", type=int, default=1024, help="the server's open-file limit")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this side needs more than --connections
    if hard < args.connections + 64:
        raise SystemExit(f"this shell's open-file limit ({hard}) is below --connections; lower it")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "app.log"
        port = free_port()
        proc = start(port, args.files, log)
        before = log.stat().st_size
        counts = flood(port, args.connections, args.seconds)
        let_go = time.monotonic()
        while health(port) != 200 and time.monotonic() - let_go < 120 and proc.poll() is None:
            time.sleep(0.1)
        again = time.monotonic() - let_go
        alive = proc.poll() is None
        proc.terminate()
        proc.wait(30)
        text = log.read_text(errors="replace")
        grown = len(text.encode()) - before
        print(
            json.dumps(
                {
                    **vars(args),
                    "server_alive_after": alive,
                    "seconds_to_serve_again": round(again, 2),
                    **counts,
                    "log_bytes_during_flood": grown,
                    "log_tail": text.splitlines()[-8:],
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
