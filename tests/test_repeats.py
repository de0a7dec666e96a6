"""Repeated and conflicting rows within one pull (issue 13): the first row is kept, an identical repeat is a
duplicate, a later different value is refused with a reason naming both; and the files ledger row by row.

Sources are real: a reporting database (SQLite, and PostgreSQL) whose view joins two tables and so repeats
rows, with a corrections table giving one figure another value; a REST API on a loopback HTTP server whose page
lists an item twice; a drop folder read by the real collector. Truths are computed here from the rows the test
wrote, not by the board's code.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from board.collector import Collector
from board.domain.items import Item, ItemType
from board.domain.reading import Duplicate, Ignored, Reading, Rejected
from connectors.files import FilesConnector
from connectors.repeats import RepeatGuard
from tests.input_support import collector_for
from tests.loopback import loopback

HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # 15.00 in Helsinki
#: The reporting database's live table (station, local time, queue) and the regions a station belongs to.
JONO = [("kajaani", "2026-12-01 08:00:00", 3), ("sotkamo", "2026-12-01 08:00:00", 2),
        ("kajaani", "2026-12-01 09:00:00", 5), ("sotkamo", "2026-12-01 09:00:00", 4),
        ("kajaani", "2026-12-01 14:00:00", 12)]
ALUE = [("kajaani", "Kainuu"), ("kajaani", "Kajaanin seutu"), ("sotkamo", "Kainuu")]  # kajaani twice: the join
KORJAUS = [("kajaani", "2026-12-01 14:00:00", 15)]  # a correction that disagrees with the live row
VIEW = ("CREATE VIEW {s}raportti AS "
        "SELECT j.asema, j.aika, j.jonossa, 1 AS lahde FROM {s}jono j JOIN {s}asema_alue a ON a.asema = j.asema "
        "UNION ALL SELECT k.asema, k.aika, k.jonossa, 2 AS lahde FROM {s}korjaus k")
QUERY = ("SELECT asema, aika, jonossa FROM {s}raportti WHERE aika >= :since AND aika <= :until "
         "ORDER BY aika, asema, lahde")
MAPPING = {"layout": "wide", "station": "asema", "time": "aika", "metrics": {"jonossa": "queue_waiting"}}


def _view_rows() -> list[tuple[str, str, int]]:
    """What the view returns, in the query's order, worked out here from the tables' rows."""
    joined = [(a, t, v, 1) for a, t, v in JONO for b, _alue in ALUE if b == a]
    joined += [(a, t, v, 2) for a, t, v in KORJAUS]
    return [(a, t, v) for a, t, v, _ in sorted(joined, key=lambda r: (r[1], r[0], r[3]))]


def _truth() -> tuple[dict[tuple[str, datetime], float], int, list[tuple[int, int, tuple[str, str, int, int]]]]:
    """First value per (station, time), the number of identical repeats, and (first row, later row, values) of each
    conflict, rows numbered from 1 as the result's rows."""
    first: dict[tuple[str, str], tuple[int, int]] = {}
    duplicates, conflicts = 0, []
    for number, (station, at, value) in enumerate(_view_rows(), start=1):
        if (station, at) not in first:
            first[(station, at)] = (number, value)
        elif first[(station, at)][1] == value:
            duplicates += 1
        else:
            conflicts.append((first[(station, at)][0], number, (station, at, first[(station, at)][1], value)))
    stored = {(s, datetime.fromisoformat(t).replace(tzinfo=HKI).astimezone(UTC)): float(v)
              for (s, t), (_n, v) in first.items()}
    return stored, duplicates, conflicts


def _stored(collector: Collector) -> dict[tuple[str, datetime], float]:
    with collector.store.engine.connect() as conn:
        rows = conn.execute(text("SELECT station, ts, value FROM readings "
                                 "JOIN series ON series.id = readings.series WHERE metric = 'queue_waiting'"))
        out = {}
        for station, ts, value in rows:
            ts = datetime.fromisoformat(ts) if isinstance(ts, str) else ts
            out[(station, ts if ts.tzinfo else ts.replace(tzinfo=UTC))] = float(value)
        return out


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def reporting_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The reporting database with its view, as an sql source's settings."""
    if request.param == "sqlite":
        path = tmp_path / "raportointi.sqlite"
        con = sqlite3.connect(path)
        with con:
            con.execute("CREATE TABLE jono (asema TEXT, aika TEXT, jonossa INTEGER)")
            con.execute("CREATE TABLE asema_alue (asema TEXT, alue TEXT)")
            con.execute("CREATE TABLE korjaus (asema TEXT, aika TEXT, jonossa INTEGER)")
            con.executemany("INSERT INTO jono VALUES (?, ?, ?)", JONO)
            con.executemany("INSERT INTO asema_alue VALUES (?, ?)", ALUE)
            con.executemany("INSERT INTO korjaus VALUES (?, ?, ?)", KORJAUS)
            con.execute(VIEW.format(s=""))
        con.close()
        yield {"url": f"sqlite:///{path}", "query": QUERY.format(s=""), "parameters_as": "text"}
        return
    server = request.getfixturevalue("postgres_server")
    schema = f"rap_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
        conn.execute(text(f"CREATE TABLE {schema}.jono (asema varchar(20), aika timestamp, jonossa integer)"))
        conn.execute(text(f"CREATE TABLE {schema}.asema_alue (asema varchar(20), alue varchar(40))"))
        conn.execute(text(f"CREATE TABLE {schema}.korjaus (asema varchar(20), aika timestamp, jonossa integer)"))
        for table, rows in (("jono", JONO), ("korjaus", KORJAUS)):
            for a, t, v in rows:
                conn.execute(text(f"INSERT INTO {schema}.{table} VALUES (:a, :t, :v)"),
                             {"a": a, "t": datetime.fromisoformat(t), "v": v})
        for a, alue in ALUE:
            conn.execute(text(f"INSERT INTO {schema}.asema_alue VALUES (:a, :b)"), {"a": a, "b": alue})
        conn.execute(text(VIEW.format(s=f"{schema}.")))
    yield {"url": server, "query": QUERY.format(s=f"{schema}.")}
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def test_a_view_that_repeats_rows_and_a_correction_that_disagrees(reporting_db: dict[str, Any],
                                                                   tmp_path: Path) -> None:
    source = {"name": "dw", "type": "sql", "interval_seconds": 60, "stale_after_seconds": 900,
              "stations": ["kajaani", "sotkamo"], "mapping": MAPPING, **reporting_db}
    truth, duplicates, conflicts = _truth()
    assert (len(_view_rows()), duplicates, len(conflicts)) == (9, 3, 1)  # the shape this test is about
    with collector_for(tmp_path, source) as collector:
        collector.clock = lambda: NOW
        outcome = collector.run_source("dw")
        assert outcome.ok, outcome
        assert _stored(collector) == truth  # the first row's 12 at 14.00, never the later 15
        run = outcome.run
        assert run is not None
        assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored, run.duplicates) == \
               (9, 9 - duplicates - len(conflicts), len(conflicts), duplicates, duplicates)
        assert run.unaccounted == 0
        [(first, later, (station, at, was, now))] = conflicts
        clock = datetime.fromisoformat(at).strftime("%d.%m.%Y %H.%M")
        assert outcome.rejects == {
            f"{clock} {station} queue_waiting: {was} on row {first} of the result and later {now} on row {later} "
            "of the result in the same pull; the first is kept, this row is refused (fix the query or export so "
            "that each station, figure and time comes once)": 1}
        # The next pull reads again from the newest reading (14.00): the same rows, the same outcome for them.
        again = collector.run_source("dw")
        assert again.run is not None
        run = again.run
        assert (run.rows_read, run.rows_stored, run.rows_refused, run.duplicates) == (3, 1, 1, 1)
        assert _stored(collector) == truth


def test_a_rest_page_that_lists_an_item_twice_and_one_figure_with_two_values(tmp_path: Path) -> None:
    records = [{"station": "kajaani", "metric": "queue_waiting", "time": "2026-12-01T06:00:00Z", "value": 3},
               {"station": "sotkamo", "metric": "queue_waiting", "time": "2026-12-01T06:00:00Z", "value": 2},
               {"station": "kajaani", "metric": "queue_waiting", "time": "2026-12-01T06:00:00Z", "value": 3},
               {"station": "kajaani", "metric": "queue_waiting", "time": "2026-12-01T07:00:00Z", "value": 5},
               {"station": "kajaani", "metric": "queue_waiting", "time": "2026-12-01T07:00:00Z", "value": 7}]
    with loopback() as api:
        api.set(json.dumps(records).encode())
        source = {"name": "api", "type": "rest", "url": api.url, "params": {"since": "{since}"},
                  "interval_seconds": 60, "stale_after_seconds": 900, "stations": ["kajaani", "sotkamo"]}
        with collector_for(tmp_path, source) as collector:
            collector.clock = lambda: NOW
            outcome = collector.run_source("api")
            assert outcome.ok, outcome
            assert _stored(collector) == {("kajaani", datetime(2026, 12, 1, 6, tzinfo=UTC)): 3.0,
                                          ("sotkamo", datetime(2026, 12, 1, 6, tzinfo=UTC)): 2.0,
                                          ("kajaani", datetime(2026, 12, 1, 7, tzinfo=UTC)): 5.0}
            run = outcome.run
            assert run is not None
            assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored, run.duplicates) == \
                   (5, 3, 1, 1, 1)
            assert outcome.rejects == {
                "01.12.2026 09.00 kajaani queue_waiting: 5 on record 4 and later 7 on record 5 in the same pull; "
                "the first is kept, this row is refused (fix the query or export so that each station, figure and "
                "time comes once)": 1}


def _reading(station: str, hour: int, value: float, metric: str = "queue_waiting") -> Reading:
    return Reading(station, metric, datetime(2026, 12, 1, hour, tzinfo=UTC), value)


def test_the_guard_keeps_the_first_takes_only_new_readings_and_lets_items_pass() -> None:
    guard = RepeatGuard(lambda n: f"row {n}")
    first = [_reading("kajaani", 6, 3), _reading("kajaani", 6, 40, "contacts_phone_today")]
    assert guard.row(first, 1) == first
    [dup] = guard.row(list(first), 2)
    assert isinstance(dup, Duplicate) and dup.where == "row 2" and dup.reason.startswith("repeats row 1 exactly")
    # A wide row repeating one reading and adding one: taken, with only the new reading.
    assert guard.row([_reading("kajaani", 6, 3), _reading("kajaani", 6, 2, "queue_oldest_wait_min")], 3) == \
           [_reading("kajaani", 6, 2, "queue_oldest_wait_min")]
    # One reading of another value refuses the whole row, and the refused row's new keys are not remembered.
    [refused] = guard.row([_reading("kajaani", 6, 4), _reading("kajaani", 7, 9)], 4)
    assert isinstance(refused, Rejected) and ": 3 on row 1 and later 4 on row 4 in the same pull" in refused.reason
    assert guard.row([_reading("kajaani", 7, 8)], 5) == [_reading("kajaani", 7, 8)]
    # An item (deliver: items) is keyed by its id: the same state again (an offset-paged API that grew between
    # two pages) is a duplicate; a later state of it passes (the item's newest state wins, as ever).
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    item = Item(ItemType.CALLBACKS, "k1", "kajaani", start)
    assert guard.row([item], 6) == [item]
    [again] = guard.row([Item(ItemType.CALLBACKS, "k1", "kajaani", start)], 7)
    assert isinstance(again, Duplicate) and again.reason.startswith("repeats row 6 exactly")
    handled = Item(ItemType.CALLBACKS, "k1", "kajaani", start, end=start + timedelta(minutes=20))
    assert guard.row([handled], 8) == [handled]


def test_past_its_bound_the_guard_says_so_once_and_remembers_no_more() -> None:
    guard = RepeatGuard(lambda n: f"row {n}", limit=2)
    assert guard.row([_reading("kajaani", 6, 1)], 1) == [_reading("kajaani", 6, 1)]
    taken = guard.row([_reading("kajaani", 7, 1)], 2)
    assert taken[0] == _reading("kajaani", 7, 1)
    [note] = taken[1:]
    assert isinstance(note, Ignored) and not isinstance(note, Duplicate) and note.rows == 0
    assert "more than 2 station, figure and time keys in one pull" in note.reason and "after row 2" in note.reason
    assert guard.full
    assert guard.row([_reading("kajaani", 8, 1)], 3) == [_reading("kajaani", 8, 1)]  # not remembered:
    assert guard.row([_reading("kajaani", 8, 2)], 4) == [_reading("kajaani", 8, 2)]  # not caught either
    assert isinstance(guard.row([_reading("kajaani", 6, 5)], 5)[0], Rejected)  # remembered keys still checked


# ---------------------------------------------------------------------- the files ledger, row by row
WIDE = {"layout": "wide", "station": "Asema", "time": "Aika",
        "metrics": {"Jonossa": "queue_waiting", "Puhelut": "contacts_phone_today"}}


def test_a_files_row_whose_every_reading_the_collector_refuses_counts_as_refused(tmp_path: Path) -> None:
    """The collector's checks are the last gate whatever the connector checked: here a files connector that knows
    every station of the board, while the source may only write kajaani's (the collector's gate refuses sotkamo).
    Before, the file's rows counted as stored as far as the file's readings went: 3 rows, 6 readings of which 4
    stored, so 3 "stored" and 0 refused though the sotkamo row stored nothing."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = ["Asema;Aika;Jonossa;Puhelut", "kajaani;1.12.2026 8.00;3;40", "sotkamo;1.12.2026 8.00;2;30",
             "kajaani;1.12.2026 9.00;5;61", "kajaani;1.12.2026 9.00;5;61", "Yhteensä;;10;131"]
    path = inbox / "jono.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    old = time.time() - 120
    os.utime(path, (old, old))
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
              "stations": ["kajaani"], "mapping": WIDE, "max_memory_mb": 0}
    with collector_for(tmp_path, source) as collector:
        collector.clock = lambda: NOW
        every_station = {s.code: (s.name, s.municipality) for s in collector.settings.stations}
        collector.connectors["vienti"] = FilesConnector(collector.sources["vienti"], every_station)
        outcome = collector.run_source("vienti")
        assert outcome.ok, outcome
        run = outcome.run
        assert run is not None
        # 5 data rows: 2 kajaani rows stored, the sotkamo row refused (both its readings), a duplicate, a total.
        assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored, run.duplicates) == (5, 2, 1, 2, 1)
        assert run.rows == 4 and run.unaccounted == 0
        assert sum(outcome.rejects.values()) == 2  # one per refused reading, under its reason
        assert all("sotkamo" in reason for reason in outcome.rejects)
        assert not path.exists() and (inbox / "processed" / "jono.csv").exists()


# ---------------------------------------------------------------------- any mix of repeats adds up (Hypothesis)
@pytest.fixture(scope="module")
def api_board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Collector, Any]]:
    with loopback() as api:
        source = {"name": "api", "type": "rest", "url": api.url, "interval_seconds": 60,
                  "stale_after_seconds": 900, "stations": ["kajaani", "sotkamo"]}
        with collector_for(tmp_path_factory.mktemp("repeats"), source) as collector:
            collector.clock = lambda: NOW
            yield collector, api


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(keys=st.lists(st.tuples(st.sampled_from(["kajaani", "sotkamo"]), st.integers(0, 2), st.integers(1, 2)),
                     max_size=14))
def test_any_mix_of_repeated_records_adds_up_and_keeps_the_first(api_board: tuple[Collector, Any],
                                                                 keys: list[tuple[str, int, int]]) -> None:
    collector, api = api_board
    with collector.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM readings"))
    api.set(json.dumps([{"station": s, "metric": "queue_waiting", "time": f"2026-12-01T06:0{m}:00Z", "value": v}
                        for s, m, v in keys]).encode())
    first: dict[tuple[str, int], int] = {}
    duplicates = refused = 0
    for station, minute, value in keys:  # the truth, worked out here: the first value of each key is kept
        if (station, minute) not in first:
            first[(station, minute)] = value
        elif first[(station, minute)] == value:
            duplicates += 1
        else:
            refused += 1
    outcome = collector.run_source("api")
    run = outcome.run
    assert run is not None and outcome.ok  # the first of each key is always stored
    assert _stored(collector) == {(s, datetime(2026, 12, 1, 6, m, tzinfo=UTC)): float(v) for (s, m), v in first.items()}
    assert (run.rows_read or 0, run.rows_stored or 0, run.rows_refused, run.rows_ignored, run.duplicates) == \
           (len(keys), len(first), refused, duplicates, duplicates)
    assert run.unaccounted == 0 and sum(outcome.rejects.values()) == refused
