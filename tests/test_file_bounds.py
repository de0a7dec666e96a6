"""Every file a ``files`` source reads is bounded in size (issue 19, item 3).

Before, a drop folder took any file whole into the collector's memory: a
200 MB CSV grew the collector to 5.4 GB and was unfinished after ten
minutes, and since all sources share that process, one such file could take
every source down. Now a file over ``max_file_mb`` (default 20) is refused by
its size on the open descriptor, having read at most the limit and one byte,
moved to ``rejected/`` with its reason, and the other files still load.
"""

from __future__ import annotations

import resource
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from board.collector import Collector
from board.settings import load_settings
from board.store import Store
from connectors.files import TooLarge, read_regular_file
from tests.test_files import STATIONS, UNTIL, WIDE, WIDE_HEADER, age_file, drop, make, names, pull

ROW = "KAJ;10.03.2026 14.30;3;4\r\n"  # a Finnish Excel CSV row (';', dd.mm.yyyy hh.mm)
GOOD = WIDE_HEADER + "SOT;10.03.2026 14.30;1;2\r\n"


def csv_of_size(tmp_path: Path, name: str, size: int) -> Path:
    """A real export of at least ``size`` bytes: the header and valid rows like ``ROW``, a minute apart from
    1.1.2026 (rows of the same station and time would be duplicates, taken once)."""
    rows = size // len(ROW) + 1
    start = datetime(2026, 1, 1)
    body = "".join(f"KAJ;{start + timedelta(minutes=i):%d.%m.%Y %H.%M};3;4\r\n" for i in range(rows))
    return drop(tmp_path, name, WIDE_HEADER + body, encoding="cp1252", age=120)


def sparse_file(tmp_path: Path, name: str, size: int) -> Path:
    """A file that says it is ``size`` bytes (a header, then a hole): costs no disk, would cost memory read whole."""
    path = drop(tmp_path, name, WIDE_HEADER, age=120)
    with path.open("r+b") as f:
        f.truncate(size)
    age_file(path, 120)
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_file_over_the_limit_is_refused_and_the_others_load(tmp_path):
    csv_of_size(tmp_path, "iso.csv", 3 * 1024 * 1024)
    drop(tmp_path, "pieni.csv", GOOD, age=60)
    connector = make(tmp_path, max_file_mb=1)

    readings, reasons = pull(connector)
    connector.acknowledge()

    assert {(r.station, r.metric, r.value) for r in readings} == {("sotkamo", "queue_waiting", 1),
                                                                  ("sotkamo", "contacts_phone_today", 2)}
    assert len(reasons) == 1
    assert "file iso.csv is 3.0 MB, more than max_file_mb (1 MB): it was not read" in reasons[0], reasons[0]
    inbox = tmp_path / "inbox"
    assert names(inbox / "rejected") == ["iso.csv", "iso.csv.reason.txt"]
    assert "more than max_file_mb (1 MB)" in (inbox / "rejected" / "iso.csv.reason.txt").read_text(encoding="utf-8")
    assert names(inbox / "processed") == ["pieni.csv"]


def test_a_file_just_under_the_limit_is_read(tmp_path):
    path = csv_of_size(tmp_path, "lahes.csv", 1024 * 1024 - 200)
    assert path.stat().st_size <= 1024 * 1024
    rows = path.read_bytes().count(b"\r\n") - 1
    readings, reasons = pull(make(tmp_path, max_file_mb=1))
    assert reasons == []
    assert len(readings) == 2 * rows


def test_a_5_gb_sparse_file_is_refused_by_its_size_without_being_read(tmp_path):
    """Read whole, this would take 5 GB of memory; refused by fstat it takes nothing."""
    sparse_file(tmp_path, "valtava.csv", 5 * 1024**3)
    drop(tmp_path, "pieni.csv", GOOD, age=60)
    before = peak_rss_mb()

    readings, reasons = pull(make(tmp_path))  # the default limit, 20 MB

    assert len(readings) == 2
    assert len(reasons) == 1 and "file valtava.csv is 5 120.0 MB, more than max_file_mb (20 MB)" in reasons[0]
    assert peak_rss_mb() - before < 100  # nothing near the file's size (nor the 20 MB limit) was read


def test_at_most_the_limit_and_one_byte_are_read(tmp_path, monkeypatch):
    """Even when the size on the descriptor is under the limit (a file growing as it is read), the read stops."""
    path = csv_of_size(tmp_path, "kasvaa.csv", 2 * 1024 * 1024)
    asked: list[int] = []
    import io

    real_read = io.BufferedReader.read

    class Spy(io.BufferedReader):
        def read(self, size: int | None = -1) -> bytes:
            asked.append(-1 if size is None else size)
            return real_read(self, size)

    import connectors.files as files

    real_fstat = files.os.fstat
    monkeypatch.setattr(files.os, "fstat", lambda fd: _smaller(real_fstat(fd)))  # the size it had at listing time
    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: Spy(io.FileIO(fd, "r")))
    try:
        read_regular_file(path, 1)
    except TooLarge as e:
        assert "more than max_file_mb (1 MB)" in str(e)
    else:
        raise AssertionError("a file over the limit was read")
    assert asked == [1024 * 1024 + 1]


def _smaller(st):  # an os.stat_result with st_size 100
    import os

    values = list(st)
    values[6] = 100
    return os.stat_result(values)


def test_check_names_a_file_over_the_limit_and_moves_nothing(tmp_path):
    csv_of_size(tmp_path, "iso.csv", 2 * 1024 * 1024)
    result = make(tmp_path, max_file_mb=1).check(UNTIL)
    assert (result.ok, result.kind) == (False, "data")
    assert "file iso.csv is 2.0 MB, more than max_file_mb (1 MB)" in result.message
    assert names(tmp_path / "inbox") == ["iso.csv"]


def test_the_collector_stores_the_good_file_and_records_the_refusal(tmp_path, config_dir, sqlite_url):
    inbox = tmp_path / "inbox"
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
              "stations": STATIONS, "mapping": WIDE, "max_file_mb": 1}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}, allow_unicode=True),
                                             encoding="utf-8")
    csv_of_size(tmp_path, "iso.csv", 3 * 1024 * 1024)
    drop(tmp_path, "pieni.csv", GOOD, age=60)
    store = Store.open(sqlite_url)
    try:
        outcome, = Collector(load_settings(config_dir, sqlite_url), store, clock=lambda: UNTIL).run_once()
        assert (outcome.ok, outcome.rows, outcome.rejected) == (True, 2, 1)
        [(reason, count)] = outcome.rejects.items()
        assert "iso.csv is 3.0 MB, more than max_file_mb (1 MB)" in reason and count == 1
        assert store.count_readings() == 2
    finally:
        store.dispose()
