"""A real HTTP server on loopback that speaks the OpenAI chat-completions protocol, streaming
or not, and misbehaves on request. Started by the tests that use it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = "stream"
        self.slow_marker = ""  # a question containing this hangs (the rest are answered)
        self.hang_seconds = 5.0  # at most; ``release`` ends every hang at once
        self.release = threading.Event()
        self.hanging = 0  # requests hanging right now
        self._count = threading.Condition()
        self.reply = "Hold for 5-8 breaths [1]."
        self.hold_at: int | None = None  # in "stream" mode, hang before sending this word of the reply
        self.requests: list[dict[str, Any]] = []
        self.headers_seen: list[dict[str, str]] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up (timeouts, refusals) are what these tests are about

    def settle(self) -> None:
        """End every hanging request and wait until none is left; later requests hang again."""
        self.release.set()
        with self._count:
            self._count.wait_for(lambda: self.hanging == 0, timeout=60)
        self.release.clear()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> ChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: ChatServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        self.server.headers_seen.append(dict(self.headers))
        mode = self.server.mode
        marker = self.server.slow_marker
        if marker and any(marker in str(m.get("content", "")) for m in body.get("messages", [])):
            mode = "hang"
        if self.path != "/v1/chat/completions":
            return self._status(404)
        if mode in {"500", "429"}:
            return self._status(int(mode))
        if mode == "hang":
            self._hang()
            return self._status(500)
        if mode == "json":
            payload = {"choices": [{"message": {"role": "assistant", "content": self.server.reply}}]}
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        words = self.server.reply.split(" ")
        for i, word in enumerate(words):
            if mode == "broken" and i == len(words) // 2:
                self.wfile.flush()
                self.close_connection = True
                return None  # the connection closes mid-reply, without [DONE]
            if (mode == "hang-mid" and i == 1) or (mode == "stream" and i == self.server.hold_at):
                self._hang()
            if mode == "malformed" and i == 1:
                self.wfile.write(b"data: {this is not json\n\n")
            chunk = {"choices": [{"delta": {"content": word + (" " if i < len(words) - 1 else "")}, "index": 0}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        return None

    def _hang(self) -> None:
        with self.server._count:
            self.server.hanging += 1
        self.server.release.wait(self.server.hang_seconds)
        with self.server._count:
            self.server.hanging -= 1
            self.server._count.notify_all()

    def _status(self, code: int) -> None:
        data = b'{"error": {"message": "nope"}}'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
