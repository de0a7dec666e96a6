"""The sql connector against real peers: SQLite and PostgreSQL through their ODBC drivers
(pyodbc + unixODBC), and PostgreSQL through SQLAlchemy; errors from real drivers."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyodbc
import pytest
import yaml
from sqlalchemy import create_engine, text

from board import secrets
from board.domain.reading import Ignored, Reading, Rejected, RowsRead
from board.settings import load_settings
from board.source_settings import SqlSource
from connectors.errors import ConfigurationError, DataError, TransientError
from connectors.sql import SqlConnector, _odbc_field

STATIONS = ["kajaani", "sotkamo"]
UNTIL = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # 12.00 in Helsinki


def source(**kw: Any) -> SqlSource:
    base: dict[str, Any] = {"name": "dw", "type": "sql", "interval_seconds": 30, "stale_after_seconds": 600}
    base.update(kw)
    return SqlSource.model_validate(base)


def pull(src: SqlSource, since: datetime | None, until: datetime = UNTIL) -> tuple[list[Reading], list[str]]:
    readings, rejected = [], []
    for item in SqlConnector(src, STATIONS).pull(since, until):
        if isinstance(item, Rejected):
            rejected.append(item.reason)
        elif isinstance(item, Reading):
            readings.append(item)
    return readings, rejected


def need_driver(name: str) -> None:
    if name not in pyodbc.drivers():
        pytest.fail(f"ODBC driver {name!r} missing: run scripts/system-deps.sh (installed: {pyodbc.drivers()})")


# ------------------------------------------------------------------ SQLite through the SQLite3 ODBC driver
@pytest.fixture
def sqlite_source(tmp_path: Path) -> Path:
    path = tmp_path / "dw.sqlite"
    con = sqlite3.connect(path)
    con.execute("create table mittaukset (asema text, mittari text, aika text, arvo text)")
    con.executemany("insert into mittaukset values (?, ?, ?, ?)", [
        ("KAJ", "Jonossa", "2026-11-22 08:00:00", "4"),         # exactly at since: included (inclusive window)
        ("KAJ", "Jonossa", "2026-11-22 11:30:00", "7"),
        ("KAJ", "Puhelut", "2026-11-22 11:30:00", "1 234"),      # Finnish thousands separator
        ("sotkamo", "Jonossa", "2026-11-22 11:30:00", "3,0"),   # decimal comma (a count: whole)
        ("KAJ", "Jonossa", "2026-11-22 07:59:59", "99"),        # before since: not read
        ("KAJ", "Jonossa", "2026-11-22 11:31:00", "12,5x"),     # bad value: one rejected row
        ("OUL", "Jonossa", "2026-11-22 11:31:00", "1"),         # unknown station: reported
        ("KAJ", "T3", "2026-11-22 11:31:00", "1"),              # mapped to ignore: skipped silently
    ])
    con.commit()
    con.close()
    return path


def sqlite_odbc(path: Path, **kw: Any) -> SqlSource:
    need_driver("SQLite3")
    return source(
        odbc=f"Driver={{SQLite3}};Database={path}",
        query="SELECT asema, mittari, aika, arvo FROM mittaukset WHERE aika >= :since AND aika <= :until",
        parameters_as="text",
        mapping={"station": "asema", "metric": "mittari", "time": "aika", "value": "arvo",
                 "stations": {"KAJ": "kajaani"},
                 "metrics": {"Jonossa": "queue_waiting", "Puhelut": "contacts_phone_today", "T3": "ignore"}},
        **kw)


def test_odbc_sqlite_reads_the_window_translates_and_rejects_bad_rows(sqlite_source: Path) -> None:
    since = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # 08.00 Helsinki
    readings, rejected = pull(sqlite_odbc(sqlite_source), since)
    got = sorted((r.station, r.metric, r.ts.isoformat(), r.value) for r in readings)
    assert got == [
        ("kajaani", "contacts_phone_today", "2026-11-22T09:30:00+00:00", 1234.0),
        ("kajaani", "queue_waiting", "2026-11-22T06:00:00+00:00", 4.0),
        ("kajaani", "queue_waiting", "2026-11-22T09:30:00+00:00", 7.0),
        ("sotkamo", "queue_waiting", "2026-11-22T09:30:00+00:00", 3.0),
    ]
    assert len(rejected) == 2
    assert "queue_waiting: '12,5x' is not a number" in rejected
    assert any("unknown station 'OUL'" in r and "mapping.stations" in r for r in rejected)


def test_every_row_read_is_accounted_for_in_the_ledger_events(sqlite_source: Path) -> None:
    """Each result row ends as readings, one Rejected or one Ignored, followed by ONE_ROW (connectors/base.py)."""
    since = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # 08.00 Helsinki
    con = sqlite3.connect(sqlite_source)
    [(in_window,)] = con.execute("select count(*) from mittaukset where aika >= '2026-11-22 08:00:00' "
                                 "and aika <= '2026-11-22 12:00:00'").fetchall()
    con.close()
    items = list(SqlConnector(sqlite_odbc(sqlite_source), STATIONS).pull(since, UNTIL))
    assert sum(i.rows for i in items if isinstance(i, RowsRead)) == in_window == 7
    outcomes, current = [], []  # what each row gave, split at its RowsRead
    for item in items:
        if isinstance(item, RowsRead):
            assert item.rows == 1
            outcomes.append(current)
            current = []
        else:
            current.append(item)
    assert current == []  # nothing after the last row's RowsRead
    kinds = sorted(type(o[0]).__name__ for o in outcomes)
    assert kinds == ["Ignored", "Reading", "Reading", "Reading", "Reading", "Rejected", "Rejected"]
    for outcome in outcomes:  # exactly one of: readings, one Rejected, one Ignored
        assert all(isinstance(i, Reading) for i in outcome) or len(outcome) == 1
    [ignored] = [i for i in items if isinstance(i, Ignored)]
    assert ignored.where.startswith("row ") and "mapped to ignore" in ignored.reason


def test_odbc_sqlite_missing_column_names_it_and_lists_the_columns(sqlite_source: Path) -> None:
    src = sqlite_odbc(sqlite_source).model_copy(update={
        "query": "SELECT asema AS station_code, mittari, aika, arvo FROM mittaukset WHERE aika >= :since"})
    with pytest.raises(ConfigurationError) as e:
        pull(src, None)
    assert "column 'asema' missing from the query result" in str(e.value)
    assert "'station_code'" in str(e.value)
    result = SqlConnector(src, STATIONS).check(UNTIL)
    assert not result.ok and result.kind == "configuration" and "'asema' missing" in result.message


def test_odbc_sqlite_refuses_a_personal_column_and_identity_codes(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    con = sqlite3.connect(path)
    con.execute("create table t (asema text, aika text, jonossa text, potilaan_nimi text)")
    con.execute("insert into t values ('kajaani', '2026-11-22 11:00:00', '3', 'x')")
    con.execute("create table u (asema text, aika text, jonossa text, lisatieto text)")
    con.executemany("insert into u values (?, ?, ?, ?)", [("kajaani", "2026-11-22 11:00:00", "3", "131052-308T"),
                                                          ("kajaani", "2026-11-22 11:01:00", "4", "")])
    con.commit()
    con.close()
    wide = {"layout": "wide", "station": "asema", "time": "aika", "metrics": {"jonossa": "queue_waiting"}}
    src = source(odbc=f"Driver={{SQLite3}};Database={path}", query="SELECT * FROM t WHERE aika >= :since",
                 parameters_as="text", mapping=wide)
    with pytest.raises(DataError, match=r"'potilaan_nimi'.*person's name"):
        pull(src, None)
    src = src.model_copy(update={"query": "SELECT * FROM u WHERE aika >= :since"})
    readings, rejected = pull(src, None)
    assert [(r.metric, r.value) for r in readings] == [("queue_waiting", 4.0)]
    assert len(rejected) == 1 and "personal identity code" in rejected[0] and "131052" not in rejected[0]


# ------------------------------------------------------------------ PostgreSQL: ODBC driver and SQLAlchemy
@pytest.fixture
def pg_schema(postgres_server: str) -> Iterator[str]:
    schema = f"src_{uuid.uuid4().hex[:10]}"
    engine = create_engine(postgres_server)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
        conn.execute(text(f"CREATE TABLE {schema}.jono (asema varchar(20), aika timestamp, jonossa integer, "
                          f"vanhin_min numeric(6,1), puhelut integer)"))
        conn.execute(text(f"INSERT INTO {schema}.jono VALUES "
                          "('KAJ', '2026-11-22 09:00', 5, 12.5, 40), "
                          "('KAJ', '2026-11-22 11:45', 8, 31.0, 95), "
                          "('sotkamo', '2026-11-22 11:45', 1, NULL, 30), "
                          "('KAJ', '2026-11-21 15:00', 3, 2.0, 120)"))
    yield schema
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


WIDE_PG = {"layout": "wide", "station": "asema", "time": "aika", "stations": {"KAJ": "kajaani"},
           "metrics": {"jonossa": "queue_waiting", "vanhin_min": "queue_oldest_wait_min",
                       "puhelut": "contacts_phone_today"}}


def _today(readings: list[Reading]) -> list[tuple[str, str, str, float]]:
    return sorted((r.station, r.metric, r.ts.isoformat(), r.value) for r in readings)


EXPECTED_TODAY = [
    ("kajaani", "contacts_phone_today", "2026-11-22T07:00:00+00:00", 40.0),
    ("kajaani", "contacts_phone_today", "2026-11-22T09:45:00+00:00", 95.0),
    ("kajaani", "queue_oldest_wait_min", "2026-11-22T07:00:00+00:00", 12.5),
    ("kajaani", "queue_oldest_wait_min", "2026-11-22T09:45:00+00:00", 31.0),
    ("kajaani", "queue_waiting", "2026-11-22T07:00:00+00:00", 5.0),
    ("kajaani", "queue_waiting", "2026-11-22T09:45:00+00:00", 8.0),
    ("sotkamo", "contacts_phone_today", "2026-11-22T09:45:00+00:00", 30.0),
    ("sotkamo", "queue_waiting", "2026-11-22T09:45:00+00:00", 1.0),
]
MIDNIGHT = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)  # 22.11. 00.00 in Helsinki


@pytest.mark.postgres
def test_odbc_postgresql_unicode_driver_wide_layout(pg_schema: str) -> None:
    need_driver("PostgreSQL Unicode")
    src = source(odbc="Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=test;Uid=postgres",
                 query=f"SELECT asema, aika, jonossa, vanhin_min, puhelut FROM {pg_schema}.jono "
                       "WHERE aika >= :since AND aika <= :until ORDER BY aika",
                 mapping=WIDE_PG)
    readings, rejected = pull(src, MIDNIGHT)
    assert rejected == []
    assert _today(readings) == EXPECTED_TODAY  # a NULL cell is no reading, yesterday is outside the window
    result = SqlConnector(src, STATIONS).check(UNTIL)
    assert result.ok, result.message
    assert "kajaani" in result.message or "sotkamo" in result.message


@pytest.mark.postgres
def test_sqlalchemy_url_postgresql(pg_schema: str, postgres_server: str) -> None:
    src = source(url=postgres_server,
                 query=f"SELECT asema, aika, jonossa, vanhin_min, puhelut FROM {pg_schema}.jono WHERE aika >= :since",
                 mapping=WIDE_PG)
    readings, rejected = pull(src, MIDNIGHT)
    assert rejected == [] and _today(readings) == EXPECTED_TODAY
    everything, _ = pull(src, None)  # first pull: backfill_days (7) back, so yesterday's row comes too
    assert len(everything) == len(readings) + 3


@pytest.mark.postgres
def test_sqlalchemy_bad_sql_is_a_configuration_error(pg_schema: str, postgres_server: str) -> None:
    src = source(url=postgres_server, query=f"SELECT asema, aika FROM {pg_schema}.jonot WHERE aika >= :since",
                 mapping=WIDE_PG)
    with pytest.raises(ConfigurationError, match=r"the query failed .*jonot"):
        pull(src, None)


@pytest.mark.postgres
@pytest.mark.parametrize("how", ["odbc", "url"])
def test_login_failed_names_the_user_and_hides_the_password(how: str, postgres_server: str) -> None:
    password = "Sal4sana-" + uuid.uuid4().hex[:8]
    secrets.register(password)
    if how == "odbc":
        need_driver("PostgreSQL Unicode")
        conn = {"odbc": f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port=5432;Database=test;"
                        f"Uid=nobody_here;Pwd={password}"}
    else:
        conn = {"url": f"postgresql+psycopg://nobody_here:{password}@127.0.0.1:5432/test"}
    src = source(query="SELECT 1 AS x WHERE now() >= :since", **conn)
    with pytest.raises(ConfigurationError) as e:
        pull(src, None)
    assert "login failed for user 'nobody_here'" in str(e.value)
    assert password not in str(e.value)
    result = SqlConnector(src, STATIONS).check(UNTIL)
    assert result.kind == "configuration" and password not in result.message


# ------------------------------------------------------------------ drivers and unreachable servers
def test_missing_odbc_driver_lists_the_installed_ones() -> None:
    src = source(odbc="Driver={ODBC Driver 18 for SQL Server};Server=dw.example;Database=kpi;UID=board;PWD=x",
                 query="SELECT * FROM kpi.jono WHERE aika >= :since")
    with pytest.raises(ConfigurationError) as e:
        pull(src, None)
    message = str(e.value)
    assert "ODBC driver 'ODBC Driver 18 for SQL Server' is not installed" in message
    assert "installed drivers are:" in message and "SQLite3" in message


@pytest.mark.parametrize("driver", ["FreeTDS", "PostgreSQL Unicode"])
def test_unreachable_server_is_transient(driver: str) -> None:
    need_driver(driver)
    src = source(odbc=f"Driver={{{driver}}};Server=127.0.0.1;Port=1;Database=kpi;UID=board;PWD=x;TDS_Version=7.4",
                 query="SELECT * FROM jono WHERE aika >= :since", timeout_seconds=3)
    with pytest.raises(TransientError, match="cannot reach the database server"):
        pull(src, None)
    result = SqlConnector(src, STATIONS).check(UNTIL)
    assert not result.ok and result.kind == "transient"


def test_a_connection_string_the_driver_cannot_parse_is_a_configuration_error_not_retried(tmp_path: Path) -> None:
    """Issue 19, item 10: psqlODBC reports a bad option with SQLSTATE 08001, which read as "cannot connect"
    (transient) and was retried on every turn instead of naming the setting to fix."""
    from board.collector import Collector
    from board.store import Store
    from tests.conftest import write_config

    need_driver("PostgreSQL Unicode")
    odbc = "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=abc;Database=test;Uid=postgres"
    src = source(odbc=odbc, query="SELECT * FROM jono WHERE aika >= :since", timeout_seconds=3)
    with pytest.raises(ConfigurationError, match=r'connection settings are not valid.*"port"'):
        pull(src, None)
    config = write_config(tmp_path / "config")
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [{
        "name": "dw", "type": "sql", "odbc": odbc, "query": "SELECT * FROM jono WHERE aika >= :since"}]}))
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    store = Store.open(url)
    outcome = Collector(load_settings(config, url), store, backoff_seconds=0).run_source("dw")
    assert not outcome.ok
    run = store.runs("dw")[0]
    assert (run.error_kind, run.attempts) == ("configuration", 1)
    store.dispose()


# ------------------------------------------------------------------ configuration
def test_query_must_bind_since_and_is_sent_with_question_marks() -> None:
    with pytest.raises(ValueError, match=":since"):
        source(url="sqlite://", query="SELECT * FROM jono")
    src = source(url="sqlite://", query="SELECT * FROM t WHERE aika::date >= :since AND aika < :until AND x = ':y'")
    assert src.query_parameters() == ["since", "until"]
    assert src.qmark_query() == "SELECT * FROM t WHERE aika::date >= ? AND aika < ? AND x = ':y'"
    with pytest.raises(ValueError, match="exactly one of 'url'"):
        source(query="SELECT 1 WHERE 1 >= :since")


def test_odbc_field_reads_braced_values() -> None:
    conn = "Driver={ODBC Driver 18 for SQL Server};Server=tcp:dw,1433;UID=board;PWD={se;cret}"
    assert _odbc_field(conn, "driver") == "ODBC Driver 18 for SQL Server"
    assert _odbc_field(conn, "uid") == "board"
    assert _odbc_field(conn, "server") == "tcp:dw,1433"


def test_odbc_sqlite_date_and_time_in_two_columns_station_names_and_durations(tmp_path: Path) -> None:
    """A warehouse view that keeps the day and the hour apart and names units as people write them."""
    path = tmp_path / "dw2.sqlite"
    con = sqlite3.connect(path)
    con.execute("create table jono (yksikko text, pvm text, klo text, jonossa integer, vanhin text)")
    con.executemany("insert into jono values (?, ?, ?, ?, ?)", [
        ("KAJAANIN TERVEYSASEMA", "2026-11-22", "08.00", 4, "1 h 15 min"),
        ("Sotkamo terveysasema", "2026-11-22", "9", 2, "45"),
        ("KAJAANIN TERVEYSASEMA", "2026-03-29", "03.30", 1, "1"),     # does not exist in Helsinki: refused
    ])
    con.commit()
    con.close()
    need_driver("SQLite3")
    src = source(odbc=f"Driver={{SQLite3}};Database={path}", parameters_as="text",
                 query="SELECT yksikko, pvm, klo, jonossa, vanhin FROM jono WHERE pvm >= substr(:since, 1, 10)",
                 mapping={"layout": "wide", "station": "yksikko", "time": ["pvm", "klo"],
                          "metrics": {"jonossa": "queue_waiting", "vanhin": "queue_oldest_wait_min"}})
    readings, rejected = pull(src, datetime(2026, 3, 1, tzinfo=UTC))
    assert sorted((r.station, r.metric, r.ts.isoformat(), r.value) for r in readings) == [
        ("kajaani", "queue_oldest_wait_min", "2026-11-22T06:00:00+00:00", 75.0),
        ("kajaani", "queue_waiting", "2026-11-22T06:00:00+00:00", 4.0),
        ("sotkamo", "queue_oldest_wait_min", "2026-11-22T07:00:00+00:00", 45.0),
        ("sotkamo", "queue_waiting", "2026-11-22T07:00:00+00:00", 2.0),
    ]
    assert rejected == ["column 'pvm' + 'klo': 29.03.2026 03.30 does not exist in Europe/Helsinki (the clocks were "
                        "moved forward an hour); refused rather than moved to another hour"]


def test_a_refused_rows_reason_reaches_the_page_in_its_language(sqlite_source: Path) -> None:
    """The sql connector hands on the mapper's Reason, not its English text, so /sources can say it in Finnish
    (it used str(e): every sql and rest row refusal read English whatever the page's language)."""
    from board.domain.reasons import Reason
    from board.web.reasons import reason_text

    since = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    _, rejected = pull(sqlite_odbc(sqlite_source), since)
    bad_value = next(r for r in rejected if "12,5x" in r)
    assert isinstance(bad_value, Reason)
    fi = reason_text(bad_value, "fi")
    assert "12,5x" in fi and fi != reason_text(bad_value, "en")
