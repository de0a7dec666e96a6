"""One source cannot take the collector's memory, and so every other source, down (issue 19, item 3).

Before, every pull ran in the collector's process: a 200 MB CSV grew it to
5.4 GB, a REST answer to 1.3 GB, and an out-of-memory kill would have stopped
every source. Now a ``files`` or ``rest`` pull runs in a worker process whose
address space is capped at ``max_memory_mb`` (connectors/isolated.py): a pull
that needs more fails alone, as kind ``memory`` ("muistiraja ylittyi" on
``/sources``), and the next source in the same cycle stores its readings.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from board.collector import Collector
from board.domain.reading import Reading
from board.settings import load_settings
from board.store import Store
from connectors import build_connector
from connectors.isolated import IsolatedConnector
from tests.conftest import write_config
from tests.test_files import WIDE, WIDE_HEADER, drop, names
from tests.test_pull_bounds import _records, _Server, server

SMALL = _records(10)
UNTIL = datetime(2026, 6, 20, 9, 0, tzinfo=UTC)


class Hog:
    """A connector that reads a reading, then holds ever more memory (as a parser of a huge input does)."""

    def __init__(self, source: Any, stations: list[str]) -> None:
        self.name = source.name

    def pull(self, since: datetime | None, until: datetime) -> Iterator[Reading]:
        yield Reading("kajaani", "queue_waiting", until, 1.0)
        held = []
        for _ in range(8):  # 512 MB, 64 MB at a time (address space, which the limit counts)
            held.append(bytearray(64 * 1024 * 1024))
        yield Reading("kajaani", "queue_waiting", until, float(len(held)))

    def check(self, until: datetime) -> Any:
        raise NotImplementedError


def hog(settings: Any, name: str, limit: int) -> IsolatedConnector:
    [source] = [s for s in settings.sources if s.name == name]
    return IsolatedConnector(source, "tests.test_memory_bounds:Hog", ["kajaani"], limit)


def answer(body: bytes) -> Any:
    def serve(srv: _Server, conn: socket.socket) -> None:
        srv.send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                 + str(len(body)).encode() + b"\r\n\r\n" + body)
    return serve


def config(tmp_path: Path, sources: list[dict[str, Any]]) -> Path:
    folder = write_config(tmp_path / "config")
    (folder / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    return folder


def rest(name: str, port: int, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "rest", "url": f"http://127.0.0.1:{port}/api", "interval_seconds": 15,
            "pull_timeout_seconds": 120, **extra}


def test_a_pull_past_its_memory_limit_fails_alone_and_the_next_source_stores(tmp_path):
    with server(answer(SMALL)) as small:
        folder = config(tmp_path, [rest("iso", small.port), rest("pieni", small.port, max_memory_mb=300)])
        url = f"sqlite:///{tmp_path / 'board.sqlite'}"
        settings = load_settings(folder, url)
        store = Store.open(url)
        try:
            collector = Collector(settings, store, {"iso": hog(settings, "iso", 300)}, backoff_seconds=0.1)
            iso, pieni = collector.run_once()
            runs = {name: store.runs(name)[0] for name in ("iso", "pieni")}
            count = store.count_readings()
            from board.read.sources import source_statuses
            from board.web.sources_html import render_card

            cards = {lang: render_card(source_statuses(settings, store)[0], lang) for lang in ("fi", "en")}
        finally:
            store.dispose()
    assert not iso.ok
    assert "the pull of iso needed more memory than max_memory_mb (300 MB) and was stopped" in (iso.error or "")
    assert runs["iso"].error_kind == "memory" and runs["iso"].attempts == 1  # not retried: it would fail again
    assert pieni.ok and runs["pieni"].ok  # ten copies of one record: stored once, the other nine duplicates
    assert (pieni.rows, runs["pieni"].rows_read, runs["pieni"].duplicates) == (1, 10, 9)
    assert count == 1 + iso.rows  # the hog's first reading may have been written before it failed; no more
    iso_card = next(c for c in cards["fi"].split('<div class="src-card') if 'data-source="iso"' in c)
    # the error in the page's language (its code and params were stored with it)
    assert "muistiraja ylittyi" in iso_card and "tarvitsi enemmän muistia kuin max_memory_mb (300 Mt)" in iso_card
    assert "needed more memory" not in iso_card
    assert "memory limit exceeded" in cards["en"] and "needed more memory than max_memory_mb (300 MB)" in cards["en"]


def test_without_the_limit_the_same_pull_takes_the_memory(tmp_path):
    """The limit, not the worker, is what stops the pull above: with room for it, the hog's pull succeeds."""
    folder = config(tmp_path, [rest("iso", 9)])
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    settings = load_settings(folder, url)
    items = list(hog(settings, "iso", 1024).pull(None, UNTIL))
    assert [r.value for r in items] == [1.0, 8.0]  # it held 512 MB (in its worker, never in this process)


def test_files_pull_in_a_worker_rest_when_asked_sql_and_demo_never(tmp_path):
    folder = config(tmp_path, [
        rest("r", 9), rest("r1", 9, max_memory_mb=1024),
        {"name": "f", "type": "files", "folder": str(tmp_path / "inbox"), "mapping": WIDE},
        {"name": "f0", "type": "files", "folder": str(tmp_path / "inbox"), "mapping": WIDE, "max_memory_mb": 0},
        {"name": "s", "type": "sql", "url": f"sqlite:///{tmp_path}/s.sqlite", "query": "SELECT 1 WHERE :since"},
        {"name": "demo", "type": "demo"},
    ])
    settings = load_settings(folder, f"sqlite:///{tmp_path}/b.sqlite")
    kinds = {s.name: isinstance(build_connector(s, settings), IsolatedConnector) for s in settings.sources}
    assert kinds == {"r": False, "r1": True, "f": True, "f0": False, "s": False, "demo": False}


def test_files_are_retired_by_the_worker_only_after_the_run_is_committed(tmp_path):
    inbox = tmp_path / "inbox"
    folder = config(tmp_path, [{"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
                                "stations": ["kajaani", "sotkamo"], "mapping": WIDE}])
    drop(tmp_path, "hyva.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\n", age=120)
    drop(tmp_path, "huono.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;x;4\r\n", age=60)
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    store = Store.open(url)
    try:
        collector = Collector(load_settings(folder, url), store)
        [outcome] = collector.run_once()
        assert isinstance(collector.connectors["vienti"], IsolatedConnector)
        assert (outcome.ok, outcome.rows, outcome.rejected) == (True, 2, 1)
        assert store.count_readings() == 2
    finally:
        store.dispose()
    assert names(inbox / "processed") == ["hyva.csv"]
    assert names(inbox / "rejected") == ["huono.csv", "huono.csv.reason.txt"]
