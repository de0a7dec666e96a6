"""Shared by the fault tests: source systems that keep producing, a switchable HTTP API, the real collector.

* :class:`LiveApi` — a loopback HTTP JSON API that serves the readings a
  background thread keeps producing (one every ``step`` seconds), filtered by
  the ``since``/``until`` the collector asks for, and whose behaviour the test
  switches: ``ok``, ``refuse`` (the port closed), ``hang`` (answers after the
  client's timeout), ``http500``, ``garbage`` (not JSON), ``columns`` (the
  records' fields renamed).
* :class:`SqliteSource` — an SQLite file as a source system, with a writer
  thread adding one reading a second.
* :func:`collector` — ``python -m board collect`` as a subprocess.

Everything the producers made is kept, so a test can compare the store with
the source exactly.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml
from sqlalchemy import create_engine, text

from board.settings import DEFAULT_CONFIG_DIR
from tests.harness import Process, collector_process, wait_for  # noqa: F401 - wait_for: the fault tests' clock

ROOT = Path(__file__).resolve().parent.parent
MODES = ("ok", "refuse", "hang", "http500", "garbage", "columns")


# ---------------------------------------------------------------------- the HTTP API
class _Handler(BaseHTTPRequestHandler):
    server: _ApiServer

    def do_GET(self) -> None:
        api = self.server.api
        api.requests += 1
        mode = api.mode
        if mode == "hang":
            time.sleep(api.hang_seconds)
        if mode == "http500":
            return self._send(500, b'{"error": "internal server error"}')
        if mode == "garbage":
            return self._send(200, b"<html><body>Service Unavailable - maintenance</body></html>", "text/html")
        query = parse_qs(urlsplit(self.path).query)
        since = datetime.fromisoformat(query["since"][0])
        until = datetime.fromisoformat(query["until"][0])
        records = [r for r in api.produced() if since <= r[0] <= until]
        if mode == "columns":
            body = [{"asema": "kajaani", "mittari": "queue_waiting", "aika": ts.isoformat(), "arvo": v}
                    for ts, v in records]
        else:
            body = [{"station": "kajaani", "metric": "queue_waiting", "time": ts.isoformat(), "value": v}
                    for ts, v in records]
        self._send(200, json.dumps(body).encode())

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except ConnectionError:  # the client gave up (its timeout): fine
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, api: LiveApi) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.api = api

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class LiveApi:
    """A queue system's API on loopback producing ``queue_waiting`` for Kajaani every ``step`` seconds."""

    def __init__(self, step: float = 0.25, hang_seconds: float = 3.0) -> None:
        self.step, self.hang_seconds = step, hang_seconds
        self.mode = "ok"
        self.requests = 0
        self._lock = threading.Lock()
        self._produced: list[tuple[datetime, float]] = []
        self._stop = threading.Event()
        self._server: _ApiServer | None = _ApiServer(0, self)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/api"
        self._serve()
        self._producer = threading.Thread(target=self._produce, daemon=True)
        self._producer.start()

    def _serve(self) -> None:
        assert self._server is not None
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def _produce(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            with self._lock:  # the time is taken inside the lock: a reading is visible from its own time on
                self._produced.append((datetime.now(UTC), float(n)))
            self._stop.wait(self.step)

    def produced(self, until: datetime | None = None) -> list[tuple[datetime, float]]:
        with self._lock:
            return [r for r in self._produced if until is None or r[0] <= until]

    def switch(self, mode: str) -> None:
        """Change the behaviour; ``refuse`` closes the port, any other mode opens it again (same port)."""
        assert mode in MODES, mode
        if mode == "refuse" and self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        elif mode != "refuse" and self._server is None:
            self._server = _ApiServer(self.port, self)
            self._serve()
        self.mode = mode

    def close(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def source(self, **overrides: Any) -> dict[str, Any]:
        src = {"name": "jono", "type": "rest", "url": self.url, "params": {"since": "{since}", "until": "{until}"},
               "timeout_seconds": 1, "interval_seconds": 1, "stale_after_seconds": 4, "backfill_days": 1,
               "stations": ["kajaani"]}
        src.update(overrides)
        return src


# ---------------------------------------------------------------------- an SQLite source system
class SqliteSource:
    """A source system's database: table ``kpi(station, metric, time, value)``, times as UTC text."""

    QUERY = "SELECT station, metric, time, value FROM kpi WHERE time >= :since AND time <= :until"

    def __init__(self, path: Path, metric: str = "omasote_unanswered", station: str = "kajaani") -> None:
        self.path, self.metric, self.station = path, metric, station
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")  # the collector's long reads must not block the writer
            conn.execute("CREATE TABLE IF NOT EXISTS kpi (station TEXT, metric TEXT, time TEXT, value REAL)")
            conn.execute("CREATE INDEX IF NOT EXISTS kpi_time ON kpi (time)")
        conn.close()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Add a reading every second (one per whole second, so each has its own key)."""
        self._thread = threading.Thread(target=self._write_loop, daemon=True)
        self._thread.start()

    def _write_loop(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30)
        last = None
        n = 0
        while not self._stop.is_set():
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
            if stamp != last:
                n += 1
                with conn:
                    conn.execute("INSERT INTO kpi VALUES (?, ?, ?, ?)", (self.station, self.metric, stamp, n))
                last = stamp
            self._stop.wait(0.2)
        conn.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def rows(self) -> list[tuple[datetime, float]]:
        conn = sqlite3.connect(self.path)
        try:
            return [(datetime.fromisoformat(t).replace(tzinfo=UTC), v)
                    for t, v in conn.execute("SELECT time, value FROM kpi ORDER BY time")]
        finally:
            conn.close()

    def source(self, **overrides: Any) -> dict[str, Any]:
        src = {"name": "omasote", "type": "sql", "url": f"sqlite:///{self.path}", "query": self.QUERY,
               "parameters_as": "text", "mapping": {"timezone": "UTC"}, "interval_seconds": 1,
               "stale_after_seconds": 4, "backfill_days": 1, "stations": [self.station]}
        src.update(overrides)
        return src


# ---------------------------------------------------------------------- configuration and processes
def write_sources(target: Path, sources: list[dict[str, Any]]) -> Path:
    """The shipped configuration with ``sources``."""
    target.mkdir(parents=True, exist_ok=True)
    for f in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        (target / f.name).write_bytes(f.read_bytes())
    (target / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return target


def collector(config_dir: Path, url: str, log: Path, *args: str, **env: str) -> Process:
    """``python -m board collect`` (plus ``args``) with its output in ``log``; leases of 5 s unless ``env`` says."""
    return collector_process(log, config_dir, url, *args, **{"BOARD_LEASE_SECONDS": "5", **env})


def stop(proc: Process) -> None:
    """Stop our own collector by its pid: SIGINT (its Ctrl-C), then SIGKILL if it does not go."""
    proc.stop(signal.SIGINT, timeout=20)


# ---------------------------------------------------------------------- a TCP proxy to cut the store off
class TcpProxy:
    """A loopback TCP proxy to ``target``; :meth:`cut` drops every connection and refuses new ones for a while.

    What a database server restart looks like from the client: open
    connections reset, new ones refused for a while, then accepted again.
    The real server is never touched.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.port = 0
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by cut()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # cut while connecting
                    client.close()
                    upstream.close()
                    return
                self._conns += [client, upstream]
            threading.Thread(target=self._forward, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _forward(self, client: socket.socket, upstream: socket.socket) -> None:
        """Client to server, in a thread of its own per connection: as it comes. A subclass that looks at or spoils
        what a client sends overrides this (``tests/test_browser_wall_health.py``'s ``Relay``) and ends with
        :meth:`_hang_up`; the server's answers always go through :meth:`_pump`."""
        self._pump(client, upstream)

    @classmethod
    def _pump(cls, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            cls._hang_up(src, dst)

    @staticmethod
    def _hang_up(*socks: socket.socket) -> None:
        """Both directions of the connection end (the other pump wakes up; the sockets are closed by cut())."""
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Refuse new connections and reset the open ones (the server "restarts")."""
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the blocked accept(); close() alone would leave it listening
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)  # wakes the pumps; the client sees the connection closed
            with contextlib.suppress(OSError):
                s.close()

    def restore(self) -> None:
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self.cut()


# ---------------------------------------------------------------------- a source system with history
STATIONS = ["kajaani", "sotkamo", "kuhmo", "suomussalmi", "paltamo", "puolanka", "ristijarvi", "hyrynsalmi"]
METRICS = ["queue_waiting", "queue_oldest_wait_min", "omasote_unanswered", "contacts_phone_today",
           "feedback_needs_reaction"]


def fill_history(path: Path, minutes: int) -> datetime:
    """``len(STATIONS) x len(METRICS) x minutes`` known readings, one a minute up to a minute ago; the newest time."""
    end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE kpi (station TEXT, metric TEXT, time TEXT, value REAL)")
    rows = ((st, m, (end - timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S"), float((i * 7 + j * 13 + k) % 97))
            for i in range(minutes) for j, st in enumerate(STATIONS) for k, m in enumerate(METRICS))
    with conn:
        conn.executemany("INSERT INTO kpi VALUES (?, ?, ?, ?)", rows)
        conn.execute("CREATE INDEX kpi_time ON kpi (time)")
    conn.close()
    return end


def source_rows(path: Path) -> set[tuple[str, str, str, float]]:
    conn = sqlite3.connect(path)
    try:
        return {(st, m, datetime.fromisoformat(t).strftime("%Y-%m-%d %H:%M:%S"), v)
                for st, m, t, v in conn.execute("SELECT station, metric, time, value FROM kpi")}
    finally:
        conn.close()


def store_rows(url: str) -> list[tuple[str, str, str, float]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT station, metric, ts, value FROM readings "
                                     "JOIN series ON series.id = readings.series")).all()
    finally:
        engine.dispose()
    return [(st, m, (ts if isinstance(ts, datetime) else datetime.fromisoformat(ts)).strftime("%Y-%m-%d %H:%M:%S"),
             v) for st, m, ts, v in rows]


def count_readings(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM readings")).scalar() or 0)
    except Exception:  # the collector has not created the tables yet
        return 0
    finally:
        engine.dispose()
