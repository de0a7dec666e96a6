"""SQL sources run only the administrator's query, with the window as bound parameters.

Both ways in (a SQLAlchemy URL and a raw ODBC connection string) are run
against a real SQLite database; the statement the driver receives is watched
on its way (SQLAlchemy's cursor event, and pyodbc's cursor through a thin
wrapper that still calls the real driver). The statement text must be the
configured query (with ``?`` for pyodbc) and never contain the window's
times; the times travel as parameters. A window value that looks like SQL
cannot change the statement.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyodbc
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from board.domain.reading import Reading
from board.source_settings import SqlSource
from connectors.sql import SqlConnector

UNTIL = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # 12.00 in Helsinki
SINCE = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # 08.00 in Helsinki
QUERY = ("SELECT station, time, metric, value FROM t\n"
         "WHERE time >= :since AND time <= :until -- the window, bound\n"
         "ORDER BY time")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "dw.sqlite"
    con = sqlite3.connect(path)
    con.execute("create table t (station text, time text, metric text, value real)")
    con.executemany("insert into t values (?, ?, ?, ?)", [
        ("kajaani", "2026-11-22 07:59:59", "queue_waiting", 1),   # before the window
        ("kajaani", "2026-11-22 08:00:00", "queue_waiting", 2),   # its first second
        ("kajaani", "2026-11-22 12:00:00", "queue_waiting", 3),   # its last second
        ("kajaani", "2026-11-22 12:00:01", "queue_waiting", 4),   # after it
    ])
    con.commit()
    con.close()
    return path


def _source(**kw: Any) -> SqlSource:
    return SqlSource(name="dw", type="sql", query=QUERY, parameters_as="text",
                     mapping={"station": "station", "time": "time", "metric": "metric", "value": "value"}, **kw)


def _values(src: SqlSource) -> list[float]:
    return [r.value for r in SqlConnector(src, ["kajaani"]).pull(SINCE, UNTIL) if isinstance(r, Reading)]


def test_sqlalchemy_binds_since_and_until(database: Path):
    seen: list[tuple[str, Any]] = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", spy)
    try:
        values = _values(_source(url=f"sqlite:///{database}"))
    finally:
        event.remove(Engine, "before_cursor_execute", spy)
    assert values == [2.0, 3.0]  # the inclusive window, read by the database itself
    [(statement, parameters)] = seen  # the administrator's query is the only statement sent
    assert "2026" not in statement and "08:00" not in statement
    assert statement == QUERY.replace(":since", "?").replace(":until", "?")  # the pysqlite dialect's qmark style
    assert list(parameters) == ["2026-11-22 08:00:00", "2026-11-22 12:00:00"]


class _Spy:
    """pyodbc's connection, recording what its cursors execute (the real driver does the work)."""

    def __init__(self, connection: Any, seen: list[tuple[str, list[Any]]]) -> None:
        self._connection, self._seen = connection, seen

    def cursor(self) -> Any:
        cursor, seen = self._connection.cursor(), self._seen

        class Cursor:
            def __getattr__(self, name: str) -> Any:
                return getattr(cursor, name)

            def execute(self, sql: str, *params: Any) -> Any:
                seen.append((sql, list(params[0]) if params else []))
                return cursor.execute(sql, *params)

        return Cursor()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def test_odbc_binds_since_and_until_as_question_marks(database: Path, monkeypatch: pytest.MonkeyPatch):
    if "SQLite3" not in pyodbc.drivers():
        pytest.skip("the SQLite3 ODBC driver (libsqliteodbc) is not installed")
    seen: list[tuple[str, list[Any]]] = []
    real_connect = pyodbc.connect
    monkeypatch.setattr(pyodbc, "connect", lambda *a, **kw: _Spy(real_connect(*a, **kw), seen))
    values = _values(_source(odbc=f"Driver={{SQLite3}};Database={database}"))
    assert values == [2.0, 3.0]
    [(statement, parameters)] = seen
    assert statement == QUERY.replace(":since", "?").replace(":until", "?")
    assert parameters == ["2026-11-22 08:00:00", "2026-11-22 12:00:00"]

