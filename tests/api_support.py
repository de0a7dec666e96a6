"""The push and read API (board/api/) served by real uvicorn on a loopback port, for tests and benchmarks.

In this process (a thread), so a test reads the same store the API writes; ``python -m board api`` itself is
started as a process by tests/test_push_api.py once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from board.api.app import create_app
from board.factory import Board
from tests.harness import free_port


@contextmanager
def api_server(board: Board, read_token: str | None = None) -> Iterator[str]:
    """The API of ``board`` on 127.0.0.1 (a free port) while the block runs; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(board, read_token), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="api-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
