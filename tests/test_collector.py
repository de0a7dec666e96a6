"""The collector against real stores: failures are isolated, restarts never double-count."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from board.collector import Collector
from board.domain.reading import Reading, Rejected
from board.settings import load_settings
from board.store import Store
from connectors.base import CheckResult
from connectors.errors import ConfigurationError, TransientError

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 11.00 in Helsinki


class FakeConnector:
    """A source that fails a set number of times, then yields what it is given."""

    def __init__(self, name: str, items: list, failures: list[Exception] | None = None) -> None:
        self.name = name
        self.items = items
        self.failures = list(failures or [])
        self.calls: list[tuple[datetime | None, datetime]] = []

    def pull(self, since: datetime | None, until: datetime) -> Iterator:
        self.calls.append((since, until))
        if self.failures:
            raise self.failures.pop(0)
        yield from self.items

    def check(self, until: datetime) -> CheckResult:
        return CheckResult(True, "ok", "fake")


@pytest.fixture
def two_source_settings(config_dir: Path, database_url: str):
    data = yaml.safe_load((config_dir / "sources.yaml").read_text())
    data["sources"].append({"name": "other", "type": "demo", "stations": ["kajaani", "paltamo"]})
    (config_dir / "sources.yaml").write_text(yaml.safe_dump(data))
    return load_settings(config_dir, database_url)


def make(settings, store, clock=lambda: NOW, **connectors):
    return Collector(settings, store, connectors=connectors, clock=clock, sleep=lambda s: None)


def test_a_failing_source_does_not_stop_the_others(two_source_settings, database_url):
    store = Store.open(database_url)
    broken = FakeConnector("other", [], failures=[ConfigurationError("login failed for user 'board'")])
    outcomes = {o.source: o for o in make(two_source_settings, store, other=broken).run_once()}
    assert outcomes["demo"].ok and outcomes["demo"].rows > 0
    assert not outcomes["other"].ok
    assert outcomes["other"].error == "login failed for user 'board'"
    assert len(broken.calls) == 1  # configuration errors are not retried
    runs = {r.source: r for r in store.runs()}
    assert runs["other"].error_kind == "configuration" and not runs["other"].ok
    assert store.bookmark("other") is None  # the bookmark does not move on failure
    assert store.bookmark("demo") == NOW


def test_unexpected_exceptions_are_recorded_not_raised(two_source_settings, database_url):
    store = Store.open(database_url)
    broken = FakeConnector("other", [], failures=[ZeroDivisionError("division by zero")])
    outcomes = {o.source: o for o in make(two_source_settings, store, other=broken).run_once()}
    assert outcomes["other"].error == "ZeroDivisionError: division by zero"
    assert outcomes["demo"].ok


def test_transient_errors_are_retried_within_the_run(two_source_settings, database_url):
    store = Store.open(database_url)
    good = [Reading("kajaani", "queue_waiting", NOW, 3.0)]
    flaky = FakeConnector("other", good, failures=[TransientError("timeout"), TransientError("HTTP 503")])
    [outcome] = make(two_source_settings, store, other=flaky).run_once(only="other")
    assert outcome.ok and outcome.rows == 1
    assert len(flaky.calls) == 3
    assert store.runs("other")[0].attempts == 3


def test_bad_rows_are_skipped_and_counted_with_their_reason(two_source_settings, database_url):
    store = Store.open(database_url)
    items = [
        Reading("kajaani", "queue_waiting", NOW, 3.0),
        Reading("oulu", "queue_waiting", NOW, 3.0),  # not a station of this source
        Reading("sotkamo", "queue_waiting", NOW, 3.0),  # a station, but not this source's
        Reading("paltamo", "queue_lenght", NOW, 3.0),
        Reading("paltamo", "queue_waiting", NOW, float("nan")),
        Reading("paltamo", "queue_waiting", NOW + timedelta(days=1), 1.0),
        Rejected("row 7: '12,5x' is not a number"),
        Reading("paltamo", "queue_waiting", NOW, 4.0),
    ]
    [o] = make(two_source_settings, store, other=FakeConnector("other", items)).run_once(only="other")
    assert o.ok and o.rows == 2 and o.rejected == 6
    assert o.rejects == {
        "unknown station 'oulu'": 1,
        "unknown station 'sotkamo'": 1,
        "unknown metric 'queue_lenght'": 1,
        "queue_waiting: value nan is not a finite number": 1,
        "queue_waiting: timestamp in the future": 1,
        "row 7: '12,5x' is not a number": 1,
    }
    assert store.rejects(store.runs("other")[0].id)["unknown station 'oulu'"] == 1


def test_a_restart_never_double_counts(settings, database_url):
    """Run, 'crash', start a new collector over an overlapping window: same rows, same totals."""
    store = Store.open(database_url)
    clock = [NOW]
    first = make(settings, store, clock=lambda: clock[0])
    first.run_once()
    count = store.count_readings()
    totals = store.latest_values("kajaani")
    assert count > 0

    # A new process re-pulls from the start of the day (as after losing its bookmark).
    second = make(settings, store, clock=lambda: clock[0])
    second.run_once(since=NOW - timedelta(hours=12))
    assert store.count_readings() == count
    assert store.latest_values("kajaani") == totals

    # Time moves on: only new readings are added, and the pull starts at the bookmark.
    clock[0] = NOW + timedelta(minutes=10)  # two more 5-minute grid points
    second.run_once()
    assert store.runs("demo")[0].window_since == NOW
    assert store.count_readings() == count + 2 * 18 * len(settings.stations)


def test_first_run_backfills_history(settings, database_url):
    store = Store.open(database_url)
    make(settings, store).run_once()
    start = NOW - timedelta(days=settings.sources[0].backfill_days)
    old = store.series("kajaani", ["contacts_visit_today"], start, start + timedelta(hours=2))
    assert old, "history before today should be loaded on the first run"


def test_unknown_source_is_reported(settings, database_url):
    with pytest.raises(KeyError, match="unknown or disabled source 'nope'"):
        make(settings, Store.open(database_url)).run_once(only="nope")


def test_stopping_mid_pull_keeps_what_was_written_and_the_bookmark(settings, database_url, monkeypatch):
    import board.collector as collector_module

    monkeypatch.setattr(collector_module, "BATCH_SIZE", 100)
    store = Store.open(database_url)
    c = make(settings, store)
    c.stop.set()
    [o] = c.run_once()
    kept = store.count_readings()  # the first batch: the demo's first blocks, at least BATCH_SIZE readings
    assert kept >= 100 and not o.ok and f"stopped after {kept} readings" in o.error
    assert store.runs("demo")[0].error_kind == "stopped" and store.runs("demo")[0].rows == kept
    assert store.bookmark("demo") is None
    c.stop.clear()
    [again] = c.run_once()  # the same window again: the rest is added, nothing twice
    assert again.ok and store.count_readings() == again.rows > kept


def test_a_failed_run_still_records_the_readings_it_committed(two_source_settings, database_url, monkeypatch):
    import board.collector as collector_module

    monkeypatch.setattr(collector_module, "BATCH_SIZE", 100)

    class HalfWay(FakeConnector):
        def pull(self, since, until):
            for i in range(150):
                yield Reading("kajaani", "queue_waiting", NOW - timedelta(minutes=i), i)
            raise ConfigurationError("column 'asema' missing from the query result")

    store = Store.open(database_url)
    [o] = make(two_source_settings, store, other=HalfWay("other", [])).run_once(only="other")
    assert not o.ok and o.rows == 100 and store.count_readings() == 100
    assert store.runs("other")[0].rows == 100


def test_wrongly_typed_values_are_rejected_not_fatal(two_source_settings, database_url):
    store = Store.open(database_url)
    items = [Reading("kajaani", "queue_waiting", NOW, "12,5x"), Reading("kajaani", "queue_waiting", "eilen", 1.0),
             Reading("kajaani", "queue_waiting", NOW, 2)]
    [o] = make(two_source_settings, store, other=FakeConnector("other", items)).run_once(only="other")
    assert o.ok and o.rows == 1
    assert o.rejects == {"queue_waiting: value '12,5x' is not a number": 1,
                         "queue_waiting: timestamp 'eilen' is not a date-time": 1}


def test_run_forever_survives_a_store_outage(config_dir, sqlite_url, monkeypatch):
    import threading

    from sqlalchemy.exc import OperationalError

    from tests.conftest import write_config

    write_config(config_dir, interval_seconds=1)
    settings = load_settings(config_dir, sqlite_url)
    store = Store.open(sqlite_url)
    real_record = store.finish_run
    calls = {"n": 0}

    def flaky_record(run, rejects=None, bookmark=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real_record(run, rejects, bookmark)

    monkeypatch.setattr(store, "finish_run", flaky_record)
    collector = Collector(settings, store, connectors={"demo": FakeConnector("demo", [])})
    thread = threading.Thread(target=collector.run_forever)
    thread.start()
    deadline = time.monotonic() + 20
    while not store.runs("demo") and time.monotonic() < deadline:
        time.sleep(0.1)
    collector.stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert calls["n"] >= 2 and store.runs("demo")[0].ok  # the first failure did not end the loop


def test_a_slow_source_does_not_delay_another(two_source_settings, database_url):
    """run_forever runs each source in its own thread: a hanging pull holds up nobody else."""
    import threading

    release = threading.Event()

    class Hanging(FakeConnector):
        def pull(self, since, until):
            release.wait(20)
            yield from ()

    store = Store.open(database_url)
    sources = {name: s.model_copy(update={"interval_seconds": 1}) for name, s in
               Collector(two_source_settings, store).sources.items()}
    collector = Collector(two_source_settings, store,
                          connectors={"demo": Hanging("demo", []), "other": FakeConnector("other", [])})
    collector.sources = sources
    thread = threading.Thread(target=collector.run_forever)
    thread.start()
    deadline = time.monotonic() + 15
    while len(store.runs("other")) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    other_runs, demo_runs = len(store.runs("other")), len(store.runs("demo"))
    release.set()
    collector.stop.set()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert other_runs >= 3 and demo_runs == 0  # "other" went on every second while "demo" hung


@pytest.mark.parametrize("lookback", [120, 0])
def test_a_row_the_source_commits_late_is_read_by_the_next_pull(tmp_path, lookback):
    """A row stamped 08.59.59 that the source commits after the 09.00.00 pull must not fall between two windows.

    The bookmark is the newest row read (08.59.00), not the pull's start (09.00.00), so the next window
    begins there and holds the late row even without a lookback (issue 19, item 7).
    """
    import sqlite3

    from tests.faults_support import SqliteSource, write_sources

    source = SqliteSource(tmp_path / "source.sqlite")
    config = write_sources(tmp_path / "config", [source.source(lookback_seconds=lookback)])
    settings = load_settings(config, f"sqlite:///{tmp_path / 'board.sqlite'}")
    store = Store.open(settings.database_url)

    def add(stamp: str, value: float) -> None:
        with sqlite3.connect(source.path) as conn:
            conn.execute("INSERT INTO kpi VALUES ('kajaani', 'omasote_unanswered', ?, ?)", (stamp, value))

    clock = [NOW]
    collector = make(settings, store, clock=lambda: clock[0])
    add("2026-11-23 08:59:00", 4)
    assert collector.run_once()[0].rows == 1  # the backfill
    assert store.bookmark("omasote") == datetime(2026, 11, 23, 8, 59, tzinfo=UTC)  # the newest row, not 09.00
    add("2026-11-23 08:59:59", 5)  # stamped before that pull began, committed after it
    clock[0] = NOW + timedelta(seconds=30)
    collector.run_once()
    stored = [(r.ts.strftime("%H:%M:%S"), r.value) for r in
              store.series("kajaani", ["omasote_unanswered"], NOW - timedelta(hours=1), NOW + timedelta(hours=1))]
    assert stored == [("08:59:00", 4.0), ("08:59:59", 5.0)]
    assert store.bookmark("omasote") == datetime(2026, 11, 23, 8, 59, 59, tzinfo=UTC)
    store.dispose()
