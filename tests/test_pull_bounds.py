"""Every pull bounded in time and size (issue 19, items 3 and 4), tried with real servers on loopback.

* A REST server that trickles one byte every 0.5 s (in its headers or in its
  body) to a source with ``timeout_seconds: 2`` held a run for 7 min 44 s:
  no single read ever waited 2 s. Now the run ends at ``pull_timeout_seconds``
  (a total deadline per pull, retries included) and says so; ``check`` too.
* A slow SQL statement (PostgreSQL through psycopg and through ODBC, SQLite
  through SQLAlchemy) is cancelled through its driver at the deadline.
* A REST answer larger than ``max_response_mb`` is refused: before reading
  when its ``Content-Length`` says so (one claiming 5 GB), while reading when
  it streams on; the collector's memory stays where it was (measured on a
  real ``collect --once`` process: its peak RSS with a 40 MB answer).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text

from board.collector import Collector
from board.settings import load_settings
from board.store import Store
from tests.conftest import write_config
from tests.harness import ROOT, wait_for

TRICKLE_SECONDS = 60  # how long the trickling server would go on (the old code waited all of it)
#: A bounded pull or check ends within this many seconds. The deadlines are 2-3 s (+ one read under way, + the
#: interpreter's start for ``check``); the bound is far above that because CI runs at a load of 10-20 on 2 cores,
#: where a start-up alone took over 10 s, and far below what a pull without its deadline takes (the trickle's
#: 60 s, the statements' 60 s or minutes), so it still fails when the deadline does not work.
BOUNDED_SECONDS = 30


class _Server:
    """A raw TCP server on loopback whose behaviour per connection is a function (``serve(conn)``)."""

    def __init__(self, serve: Any) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.serve = serve
        self.sent = 0
        #: How long each connection was held open (s), until the client hung up or the answer ended: the pull's
        #: own time, without the client's start-up (a ``check`` process imports for seconds on a busy machine).
        self.held: list[float] = []
        self.active = 0  # connections accepted and not yet ended
        self._count = threading.Lock()
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._count:
                self.active += 1
            threading.Thread(target=self._one, args=(conn, time.monotonic()), daemon=True).start()

    def _one(self, conn: socket.socket, started: float) -> None:
        try:
            with conn:
                conn.recv(65536)  # the request (small GET)
                with contextlib.suppress(OSError):  # the client gave up: what the tests want
                    self.serve(self, conn)
        finally:
            with self._count:
                self.held.append(time.monotonic() - started)
                self.active -= 1

    def send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        self.sent += len(data)

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()


@contextmanager
def server(serve: Any) -> Iterator[_Server]:
    s = _Server(serve)
    try:
        yield s
    finally:
        s.close()


def trickle_body(srv: _Server, conn: socket.socket) -> None:
    srv.send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    srv.send(conn, b"1\r\n[\r\n")
    end = time.monotonic() + TRICKLE_SECONDS
    while time.monotonic() < end and not srv.stopped.is_set():
        time.sleep(0.5)
        srv.send(conn, b"1\r\n \r\n")
    srv.send(conn, b"1\r\n]\r\n0\r\n\r\n")


def trickle_headers(srv: _Server, conn: socket.socket) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Slow: " + b"a" * 120 + b"\r\n"
    for i in range(len(head)):
        if srv.stopped.is_set():
            return
        srv.send(conn, head[i:i + 1])
        time.sleep(0.5)
    srv.send(conn, b"Content-Length: 2\r\n\r\n[]")


def rest_config(tmp_path: Path, port: int, **extra: Any) -> Path:
    config = write_config(tmp_path / "config")
    source = {"name": "hidas", "type": "rest", "url": f"http://127.0.0.1:{port}/api", "timeout_seconds": 2,
              "pull_timeout_seconds": 3, "interval_seconds": 15, **extra}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    return config


def run_once(config: Path, tmp_path: Path, name: str) -> tuple[Any, float, Store]:
    """The pull's outcome, how long the pull alone took (the settings are read before the clock starts), the store."""
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    store = Store.open(url)
    collector = Collector(load_settings(config, url), store, backoff_seconds=0.2)
    started = time.monotonic()
    outcome = collector.run_source(name)
    return outcome, time.monotonic() - started, store


@pytest.mark.parametrize("trickle", [trickle_body, trickle_headers], ids=["body", "headers"])
def test_a_trickling_rest_server_is_stopped_at_the_pulls_deadline(tmp_path: Path, trickle: Any) -> None:
    with server(trickle) as srv:
        outcome, seconds, store = run_once(rest_config(tmp_path, srv.port), tmp_path, "hidas")
    try:
        assert not outcome.ok
        assert "the pull of hidas took longer than 3 s (pull_timeout_seconds)" in (outcome.error or "")
        run = store.runs("hidas")[0]
        assert run.error_kind == "transient" and run.attempts == 1
        assert store.bookmark("hidas") is None  # nothing skipped: the next run asks for the window again
    finally:
        store.dispose()
    # The deadline (3 s) plus at most one read already under way (timeout_seconds 2), whatever the server does;
    # the bound leaves room for a loaded machine and is still half of what the trickle would take.
    assert seconds < BOUNDED_SECONDS < TRICKLE_SECONDS, seconds


def test_check_is_bounded_by_the_same_deadline(tmp_path: Path) -> None:
    with server(trickle_body) as srv:
        config = rest_config(tmp_path, srv.port)
        env = {**os.environ, "BOARD_CONFIG_DIR": str(config), "BOARD_DATABASE_URL": f"sqlite:///{tmp_path}/b.sqlite"}
        result = subprocess.run([sys.executable, "-m", "board", "check", "hidas"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=TRICKLE_SECONDS + 120)
        wait_for(lambda: srv.active == 0, 10)  # the server notices a hang-up at its next byte (every 0.5 s)
    assert result.returncode == 1
    assert "hidas (rest): FAILED (transient) - the check of hidas took longer than 3 s" in result.stdout
    # The check hung up at its deadline: the server held no connection longer (the trickle would go on 60 s). The
    # process's own start-up is not counted (the check took 38 s and 75 s at loads of 15 and 36; at 36 the server
    # once had no connection to count at all, though the check had failed at its deadline).
    assert srv.active == 0 and all(h < BOUNDED_SECONDS for h in srv.held), (srv.active, srv.held)


# ---------------------------------------------------------------------- sql
#: The statement's alias is this run's own, so the check that the server stopped running it does not count the
#: same test of another checkout running on the shared server at the same time.
SLOW_ALIAS = f"slow_{uuid.uuid4().hex[:12]}"
SLOW_PG = "SELECT 'kajaani' AS station, now() AS time, 'queue_waiting' AS metric, 1 AS value " \
          f"FROM (SELECT pg_sleep(60)) AS {SLOW_ALIAS} WHERE now() >= :since"


def sql_config(tmp_path: Path, **source: Any) -> Path:
    config = write_config(tmp_path / "config")
    base = {"name": "dw", "type": "sql", "pull_timeout_seconds": 2, "timeout_seconds": 30, **source}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [base]}), encoding="utf-8")
    return config


def _assert_stopped(outcome: Any, seconds: float, store: Store) -> None:
    try:
        assert not outcome.ok
        assert "the pull of dw took longer than 2 s (pull_timeout_seconds)" in (outcome.error or ""), outcome.error
        assert store.runs("dw")[0].attempts == 1
    finally:
        store.dispose()
    assert seconds < BOUNDED_SECONDS, seconds  # the deadline is 2 s; the statement would run 60 s or minutes


@pytest.mark.postgres
def test_a_slow_postgresql_statement_is_cancelled_at_the_deadline(tmp_path: Path, postgres_server: str) -> None:
    outcome, seconds, store = run_once(sql_config(tmp_path, url=postgres_server, query=SLOW_PG), tmp_path, "dw")
    _assert_stopped(outcome, seconds, store)
    engine = create_engine(postgres_server)

    def running() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE :q "
                                     "AND state = 'active' AND pid <> pg_backend_pid()"),
                                {"q": f"%{SLOW_ALIAS}%"}).scalar() or 0

    try:  # and the server is not left running it (the cancel may take a moment to land on a busy server)
        assert wait_for(lambda: running() == 0, 10), "the statement still runs on the server"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_slow_statement_through_odbc_is_cancelled_at_the_deadline(tmp_path: Path, postgres_server: str) -> None:
    import pyodbc

    if "PostgreSQL Unicode" not in pyodbc.drivers():
        pytest.fail("ODBC driver 'PostgreSQL Unicode' missing: run scripts/system-deps.sh")
    odbc = "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=test;Uid=postgres"
    outcome, seconds, store = run_once(sql_config(tmp_path, odbc=odbc, query=SLOW_PG), tmp_path, "dw")
    _assert_stopped(outcome, seconds, store)


def test_a_slow_sqlite_query_is_interrupted_at_the_deadline(tmp_path: Path) -> None:
    db = tmp_path / "source.sqlite"
    create_engine(f"sqlite:///{db}").dispose()
    # A recursive count that runs for minutes, then one row.
    query = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) "
             "SELECT 'kajaani' AS station, :since AS time, 'queue_waiting' AS metric, max(x) AS value FROM c")
    outcome, seconds, store = run_once(sql_config(tmp_path, url=f"sqlite:///{db}", query=query,
                                                  parameters_as="text"), tmp_path, "dw")
    _assert_stopped(outcome, seconds, store)


# ---------------------------------------------------------------------- size
def huge_claim(srv: _Server, conn: socket.socket) -> None:
    srv.send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5368709120\r\n\r\n[")
    end = time.monotonic() + TRICKLE_SECONDS
    while time.monotonic() < end and not srv.stopped.is_set() and srv.sent < 200_000_000:  # (a regression's cap)
        srv.send(conn, b" " * 65536)


def _records(n: int) -> bytes:
    one = b'{"station": "kajaani", "time": "2026-11-22T09:00:00+00:00", "metric": "queue_waiting", "value": 1}'
    return b"[" + b",".join([one] * n) + b"]"


BIG = _records(400_000)  # 40 MB of valid records


def streamed_big(srv: _Server, conn: socket.socket) -> None:
    srv.send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    for i in range(0, len(BIG), 65536):
        chunk = BIG[i:i + 65536]
        srv.send(conn, f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    srv.send(conn, b"0\r\n\r\n")


def test_an_answer_claiming_5_gb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with server(huge_claim) as srv:
        outcome, seconds, store = run_once(rest_config(tmp_path, srv.port, max_response_mb=1), tmp_path, "hidas")
    try:
        assert not outcome.ok
        assert "says it is 5 120.0 MB, more than max_response_mb (1 MB)" in (outcome.error or ""), outcome.error
        assert store.runs("hidas")[0].error_kind == "data"
    finally:
        store.dispose()
    # Refused before reading: the server got no further than the socket buffers hold (a few MB; reading on would
    # take the regression's cap of 200 MB). No speed is asserted beyond a hang guard: the machine may be busy.
    assert srv.sent < 64_000_000, srv.sent
    assert seconds < BOUNDED_SECONDS, seconds


def _peak_rss_mb(config: Path, tmp_path: Path) -> tuple[float, str]:
    """Peak RSS (MB) of a real ``collect --once`` process, from the kernel's accounting of the child."""
    env = {**os.environ, "BOARD_CONFIG_DIR": str(config), "BOARD_DATABASE_URL": f"sqlite:///{tmp_path}/rss.sqlite"}
    proc = subprocess.Popen([sys.executable, "-m", "board", "collect", "--once"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return usage.ru_maxrss / 1024, out


def test_a_large_answer_stops_at_the_limit_and_memory_stays_flat(tmp_path: Path) -> None:
    small = _records(10)

    def tiny(srv: _Server, conn: socket.socket) -> None:
        srv.send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                 + str(len(small)).encode() + b"\r\n\r\n" + small)

    # A deadline no loaded machine reaches: this test is about size (the small pull took over 3 s at a load of 15).
    with server(tiny) as srv:
        baseline, out = _peak_rss_mb(rest_config(tmp_path / "a", srv.port, max_response_mb=2, timeout_seconds=10,
                                                 pull_timeout_seconds=BOUNDED_SECONDS), tmp_path)
    assert "hidas: OK" in out, out
    with server(streamed_big) as srv:
        peak, out = _peak_rss_mb(rest_config(tmp_path / "b", srv.port, max_response_mb=2, timeout_seconds=10,
                                             pull_timeout_seconds=BOUNDED_SECONDS), tmp_path)
        sent = srv.sent
    assert "hidas: FAILED" in out and "went on past that, more than max_response_mb (2 MB)" in out, out
    assert sent < len(BIG)  # the board hung up; it did not take the rest
    print(f"peak RSS: {baseline:.0f} MB with a small answer, {peak:.0f} MB with a 40 MB one")
    assert peak - baseline < 40, (baseline, peak)


def test_sources_shows_a_pull_in_progress_and_how_long_it_has_run(tmp_path: Path) -> None:
    """Before, a first pull held by a slow source said "Ei vielä haettu" on /sources all along."""
    from board.read.sources import source_statuses
    from board.web.sources_html import render_card

    def under_way() -> Any:
        """The source's status once its pull has run 2 s (polled: on a busy machine the pull starts late)."""
        [status] = source_statuses(settings, store)
        if status.pulling_since is not None and (status.now - status.pulling_since).total_seconds() >= 2:
            return status
        return None

    with server(trickle_body) as srv:
        config = rest_config(tmp_path, srv.port, pull_timeout_seconds=BOUNDED_SECONDS)
        url = f"sqlite:///{tmp_path / 'board.sqlite'}"
        store = Store.open(url)
        settings = load_settings(config, url)
        pulling = threading.Thread(target=Collector(settings, store).run_source, args=("hidas",))
        pulling.start()
        try:
            status = wait_for(under_way, BOUNDED_SECONDS - 5)
        finally:
            srv.close()  # the trickle ends its answer: the pull finishes
            pulling.join(timeout=BOUNDED_SECONDS + 10)
        [after] = source_statuses(settings, store)
    store.dispose()
    assert status is not None, "no pull in progress on /sources"
    card = render_card(status, "fi")
    assert status.last_run is None
    assert 2 <= (status.now - status.pulling_since).total_seconds() < BOUNDED_SECONDS
    assert "Haku käynnissä" in card and 'data-pulling-seconds="' in card
    assert not pulling.is_alive()
    assert after.pulling_since is None and after.last_run is not None  # the run ended
