"""A real HTTP server on 127.0.0.1 whose answer a test sets: one server for many requests or examples.

The fuzz tests switch its body per Hypothesis example instead of starting a
server for each one (a server start costs more than an example).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"[]"
    content_type: str = "application/json"
    #: Only requests with this Authorization header get ``status``; others get 401 (None: no check).
    require_authorization: str | None = None
    #: What a request without the right Authorization gets (401, or e.g. 400 as some APIs answer a bad token).
    refusal_status: int = 401
    requests: list[dict[str, str]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        answer = self.server.answer
        answer.requests.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        if answer.require_authorization is not None and self.headers.get("Authorization") != \
                answer.require_authorization:
            # Echoes what it got, as a careless server might: the board must still never show it.
            got = json.dumps({"error": "invalid token", "got": self.headers.get("Authorization")})
            self._send(answer.refusal_status, got.encode(), "application/json")
            return
        self._send(answer.status, answer.body, answer.content_type)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = Answer()


@dataclass
class Loopback:
    server: _Server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/api/measurements"

    @property
    def answer(self) -> Answer:
        return self.server.answer

    def set(self, body: bytes, status: int = 200, content_type: str = "application/json") -> None:
        """What the next requests get."""
        old = self.server.answer
        self.server.answer = Answer(status, body, content_type, old.require_authorization, old.refusal_status)


@contextmanager
def loopback() -> Iterator[Loopback]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Loopback(server)
    finally:
        server.shutdown()
        server.server_close()
