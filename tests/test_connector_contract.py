"""One contract, every connector kind, each against a real peer.

The peers: the simulator (demo), a SQLite database through the SQLite3 ODBC
driver and PostgreSQL through SQLAlchemy (sql), an HTTP server on a loopback
port (rest), and a drop folder with a Finnish Excel CSV (files). The same
three readings sit in each real peer.

What every connector promises:

* ``pull`` yields only readings, rejected and ignored rows, and how many rows it read; readings are aware UTC,
  not in the future, for the source's own stations and known metrics;
* windowed kinds honour ``[since, until]`` inclusively (the files kind reads
  each file whole and instead retires it once the collector has committed);
* ``check`` says OK for a healthy peer and, for a broken one, says what is
  wrong with a kind, and never raises;
* through the collector, a second cycle never double-counts.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from board.collector import Collector
from board.domain.metrics import METRICS
from board.domain.reading import Ignored, Reading, ReadingBlock, Rejected, RowsRead, flatten
from board.settings import Settings, load_settings
from board.store import Store
from connectors import build_connector

UNTIL = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday 12.00 in Helsinki
T1 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)      # 08.00
T2 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)     # 11.30
DATA = [("kajaani", "queue_waiting", T1, 4.0), ("kajaani", "queue_waiting", T2, 7.0),
        ("sotkamo", "queue_waiting", T2, 2.0)]
COMMON = {"interval_seconds": 30, "stale_after_seconds": 600, "stations": ["kajaani", "sotkamo"]}


@dataclass
class Peer:
    kind: str
    source: dict[str, Any]
    broken: dict[str, Any]          # the same source pointed at a peer that is not there
    known_data: bool = True          # the three readings above (the simulator has its own)


def local(ts: datetime) -> str:
    from board.domain.timeutil import local as to_local

    return to_local(ts).strftime("%Y-%m-%d %H:%M:%S")


# ------------------------------------------------------------------ the peers
def demo_peer(tmp_path: Path) -> Peer:
    src = {"name": "sim", "type": "demo", "seed": 3, "backfill_days": 1, "history_step_minutes": 60,
           "live_step_seconds": 300, **COMMON}
    return Peer("demo", src, src, known_data=False)


def sql_odbc_peer(tmp_path: Path) -> Peer:
    path = tmp_path / "dw.sqlite"
    con = sqlite3.connect(path)
    con.execute("create table mittaukset (asema text, mittari text, aika text, arvo real)")
    con.executemany("insert into mittaukset values (?, ?, ?, ?)",
                    [("KAJ" if s == "kajaani" else s, "Jonossa", local(ts), v) for s, _m, ts, v in DATA])
    con.commit()
    con.close()
    src = {"name": "dw", "type": "sql", "odbc": f"Driver={{SQLite3}};Database={path}", "parameters_as": "text",
           "query": "SELECT asema, mittari, aika, arvo FROM mittaukset WHERE aika >= :since AND aika <= :until",
           "mapping": {"station": "asema", "metric": "mittari", "time": "aika", "value": "arvo",
                       "stations": {"KAJ": "kajaani"}, "metrics": {"Jonossa": "queue_waiting"}}, **COMMON}
    broken = {**src, "odbc": "Driver={ODBC Driver 18 for SQL Server};Server=127.0.0.1,1;UID=board;PWD=x"}
    return Peer("sql", src, broken)


class _Api(BaseHTTPRequestHandler):
    """A queue system's API: ?from=&to= (ISO 8601), answers {"items": [...]}."""

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        lo = datetime.fromisoformat(query["from"][0])
        hi = datetime.fromisoformat(query["to"][0])
        items = [{"unit": {"code": s}, "measure": "jono", "at": ts.isoformat(), "value": v}
                 for s, _m, ts, v in DATA if lo <= ts <= hi]
        body = json.dumps({"items": items}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def rest_peer(tmp_path: Path, base_url: str) -> Peer:
    src = {"name": "api", "type": "rest", "url": f"{base_url}/queue", "params": {"from": "{since}", "to": "{until}"},
           "records": "items", "timeout_seconds": 3,
           "mapping": {"station": "unit.code", "metric": "measure", "time": "at", "value": "value",
                       "metrics": {"jono": "queue_waiting"}}, **COMMON}
    return Peer("rest", src, {**src, "url": "http://127.0.0.1:1/queue"})


def files_peer(tmp_path: Path) -> Peer:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = ["Asema;Aika;Jonossa nyt"] + [
        f"{'KAJ' if s == 'kajaani' else 'Sotkamo'};{_fi(ts)};{str(v).replace('.', ',')}" for s, _m, ts, v in DATA]
    (inbox / "jono.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    src = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
           "mapping": {"layout": "wide", "station": "Asema", "time": "Aika",
                       "metrics": {"Jonossa nyt": "queue_waiting"}, "stations": {"KAJ": "kajaani"}}, **COMMON}
    return Peer("files", src, {**src, "folder": str(tmp_path / "no-such-folder")})


def _fi(ts: datetime) -> str:
    from board.domain.timeutil import local as to_local

    loc = to_local(ts)
    return f"{loc.day}.{loc.month}.{loc.year} {loc.hour}.{loc.minute:02d}"


def _make_peer(request: pytest.FixtureRequest, tmp_path: Path) -> Peer:
    if request.param == "demo":
        return demo_peer(tmp_path)
    if request.param == "sql":
        return sql_odbc_peer(tmp_path)
    if request.param == "rest":
        return rest_peer(tmp_path, request.getfixturevalue("api_server"))
    return files_peer(tmp_path)


@pytest.fixture(params=["demo", "sql", "rest", "files"])
def peer(request: pytest.FixtureRequest, tmp_path: Path) -> Peer:
    return _make_peer(request, tmp_path)


@pytest.fixture(params=["demo", "sql", "rest"])
def windowed_peer(request: pytest.FixtureRequest, tmp_path: Path) -> Peer:
    """The kinds that read a time window (files read each waiting file whole: see the last test)."""
    return _make_peer(request, tmp_path)


def settings_for(config_dir: Path, database_url: str, source: dict[str, Any]) -> Settings:
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    return load_settings(config_dir, database_url)


def pull_all(settings: Settings, since: datetime | None, until: datetime = UNTIL) -> tuple[list[Reading], list[str]]:
    connector = build_connector(settings.sources[0], settings)
    readings, rejected = [], []
    for item in flatten(connector.pull(since, until)):  # a block of readings means its readings
        assert isinstance(item, Reading | Rejected), f"{type(item).__name__} is neither a reading nor a rejection"
        if isinstance(item, Rejected):
            rejected.append(item.reason)
        else:
            readings.append(item)
    return readings, rejected


# ------------------------------------------------------------------ the contract
def test_readings_are_well_formed(peer: Peer, config_dir: Path, sqlite_url: str) -> None:
    settings = settings_for(config_dir, sqlite_url, peer.source)
    readings, rejected = pull_all(settings, None)
    assert readings and rejected == []
    for r in readings:
        assert r.ts.tzinfo is not None and r.ts.utcoffset() == timedelta(0)
        assert r.ts <= UNTIL + timedelta(minutes=5)
        assert r.station in {"kajaani", "sotkamo"} and r.metric in METRICS
        assert isinstance(r.value, float) and math.isfinite(r.value) and r.value >= 0
    if peer.known_data:
        assert sorted((r.station, r.metric, r.ts, r.value) for r in readings) == sorted(DATA)


def test_rows_read_are_counted_after_what_they_gave(peer: Peer, config_dir: Path, sqlite_url: str) -> None:
    """The run ledger's events: RowsRead follows the items of the rows it counts, and the rows add up."""
    settings = settings_for(config_dir, sqlite_url, peer.source)
    items = list(build_connector(settings.sources[0], settings).pull(None, UNTIL))
    assert items and isinstance(items[-1], RowsRead)  # the last rows are counted too
    read = sum(i.rows for i in items if isinstance(i, RowsRead))
    refused = sum(i.rows for i in items if isinstance(i, Rejected))
    ignored = sum(i.rows for i in items if isinstance(i, Ignored))
    assert refused == ignored == 0
    if peer.known_data:
        assert read == len(DATA)  # one source row per reading in every peer
    else:  # the simulator: one row per instant of each block
        assert read == sum(len(i.times) for i in items if isinstance(i, ReadingBlock)) > 0


def test_window_is_inclusive(windowed_peer: Peer, config_dir: Path, sqlite_url: str) -> None:
    peer = windowed_peer
    settings = settings_for(config_dir, sqlite_url, peer.source)
    everything, _ = pull_all(settings, None)
    edge = sorted({r.ts for r in everything})[len({r.ts for r in everything}) // 2]
    window, _ = pull_all(settings, edge)
    assert window and all(edge <= r.ts <= UNTIL for r in window)
    assert {r for r in everything if r.ts >= edge} <= set(window)  # the reading exactly at `since` is included
    again, _ = pull_all(settings, edge)
    assert set(again) == set(window)  # a repeated pull returns the same; the store's key removes the overlap


def test_check_says_ok_for_a_healthy_peer_and_why_for_a_broken_one(peer: Peer, config_dir: Path, sqlite_url: str):
    settings = settings_for(config_dir, sqlite_url, peer.source)
    result = build_connector(settings.sources[0], settings).check(UNTIL)
    assert result.ok, result.message
    assert result.kind == "ok" and result.message
    if peer.broken is peer.source:
        return  # the simulator has no peer that can be down
    broken = settings_for(config_dir, sqlite_url, peer.broken)
    result = build_connector(broken.sources[0], broken).check(UNTIL)
    assert not result.ok and result.kind in ("configuration", "transient") and len(result.message) > 20


def test_through_the_collector_a_second_cycle_never_double_counts(peer: Peer, config_dir: Path, sqlite_url: str):
    settings = settings_for(config_dir, sqlite_url, peer.source)
    store = Store.open(sqlite_url)
    collector = Collector(settings, store, clock=lambda: UNTIL, sleep=lambda s: None)
    [first] = collector.run_once()
    assert first.ok and first.rows > 0, first.error
    count = store.count_readings()
    bookmark = store.bookmark(peer.source["name"])
    assert bookmark is not None and bookmark <= UNTIL  # the newest reading read, never past the pull's start
    [second] = collector.run_once()
    assert second.ok, second.error
    assert store.count_readings() == count
    if peer.known_data:
        assert store.latest_values("kajaani")["queue_waiting"].value == 7.0
    store.dispose()


def test_files_are_retired_after_commit(config_dir: Path, sqlite_url: str, tmp_path: Path) -> None:
    peer = files_peer(tmp_path)
    settings = settings_for(config_dir, sqlite_url, peer.source)
    store = Store.open(sqlite_url)
    [run] = Collector(settings, store, clock=lambda: UNTIL).run_once()
    assert run.ok and run.rows == 3
    inbox = Path(peer.source["folder"])
    assert not (inbox / "jono.csv").exists() and list((inbox / "processed").glob("jono*.csv"))
    [again] = Collector(settings, store, clock=lambda: UNTIL).run_once()
    assert again.ok and again.rows == 0  # nothing waiting: the file was read once
    store.dispose()
