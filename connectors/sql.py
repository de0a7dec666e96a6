"""The sql connector: an administrator's query against a source database.

Two ways in, one behaviour:

* ``url``: a SQLAlchemy URL (``mssql+pyodbc://…``, ``postgresql+psycopg://…``);
  the engine and its connection pool live as long as the connector.
* ``odbc``: a raw ODBC connection string run through pyodbc, for any source
  unixODBC has a driver for (SQL Server via Microsoft's driver or FreeTDS,
  PostgreSQL, MariaDB, SQLite). One connection per pull, closed afterwards.

The query is the administrator's, unchanged except that ``:since`` and
``:until`` become bound parameters (``?`` for pyodbc): the window is never
formatted into the SQL text. Times are bound as local times of
``mapping.timezone``, because warehouses keep local date-times.

Driver errors are translated into sentences an administrator can act on
("login failed for user 'board'", "ODBC driver 'X' is not installed —
installed drivers are: …") and sorted into the three kinds: a wrong
setting is not retried, an unreachable server is.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from board.domain.items import Item
from board.domain.reading import ONE_ROW, Ignored, PullItem, Rejected, RowsRead
from board.domain.reasons import Reason, reason_of
from board.domain.timeutil import ensure_utc
from board.secrets import redact
from board.source_settings import SqlSource
from connectors import deadline
from connectors.base import NOTHING_TO_STORE, CheckResult
from connectors.errors import ConfigurationError, ConnectorError, DataError, TransientError
from connectors.item_rows import ItemRows
from connectors.items import ItemMapper, describe, mapper_for
from connectors.mapping import QUERY_RESULT, RecordError, RecordIgnored
from connectors.repeats import RepeatGuard

FETCH_ROWS = 5000
CHECK_WINDOW = timedelta(days=1)

_LOGIN = re.compile(r"password authentication failed|login failed|role \"[^\"]*\" does not exist|access denied|"
                    r"authentication failed|28000|28P01", re.IGNORECASE)
#: The driver could not read the connection string itself: a setting to fix, never worth a retry (psqlODBC says
#: 'invalid integer value "abc" for connection option "port"' with SQLSTATE 08001, which otherwise reads as
#: "cannot connect").
_CONNECTION_STRING = re.compile(r"for connection option|invalid connection option|invalid connection string|"
                                r"missing \"=\" after|unterminated quoted string in connection info|"
                                r"invalid (?:value|keyword) in connection string|01S00", re.IGNORECASE)
_UNREACHABLE = re.compile(r"connection refused|could not connect|unable to connect|is the server running|"
                          r"timeout expired|timed out|could not translate host name|name or service not known|"
                          r"server is unavailable|no route to host|network is unreachable|connection reset|"
                          r"server closed the connection|communication link failure", re.IGNORECASE)


class SqlConnector:
    def __init__(self, source: SqlSource, stations: list[str] | Mapping[str, Sequence[str]]) -> None:
        self.name = source.name
        self.source = source
        #: The codes, or code -> (name, municipality) so that names as people write them match too.
        self.stations = stations if isinstance(stations, Mapping) else list(stations)
        self._engine: Any = None

    # ------------------------------------------------------------------ contract
    def pull(self, since: datetime | None, until: datetime) -> Iterator[PullItem]:
        until = ensure_utc(until)
        since = ensure_utc(since) if since is not None else until - timedelta(days=self.source.backfill_days)
        mapper = mapper_for(self.source, self.stations, until, what="column")
        columns, chunks = self._execute(since, until)
        mapper.check_columns(columns, QUERY_RESULT)
        if isinstance(mapper, ItemMapper):
            yield from self._items(ItemRows(mapper, columns), chunks)
            return
        guard = RepeatGuard(lambda n: f"row {n} of the result", source=self.name)  # one value per key and pull
        for number, row in enumerate(itertools.chain.from_iterable(chunks), start=1):
            try:
                readings = mapper.map(dict(zip(columns, row, strict=False)))
            except RecordError as e:
                yield Rejected(reason_of(e))  # a Reason stays one: /sources says it in the page's language
            else:
                if readings:
                    yield from guard.row(readings, number)
                else:
                    yield Ignored(f"row {number} of the result", NOTHING_TO_STORE)
            yield ONE_ROW  # the run ledger: each row ends as readings, one Rejected or one Ignored (a Duplicate)

    @staticmethod
    def _items(rows: ItemRows, chunks: Iterator[Sequence[Any]]) -> Iterator[PullItem]:
        """An item source's rows, a fetched chunk at a time (connectors/item_rows.py): each row one item or one
        Rejected, so one RowsRead per chunk settles the run ledger as one per row would (and a row's item needs
        no repeat guard: its id says what repeats)."""
        for chunk in chunks:
            for made in rows.map(chunk):
                if type(made) is Item:
                    yield made
                elif isinstance(made, RecordIgnored):  # deliberately nothing to count, with why
                    yield Ignored("a row of the result", str(made))
                else:
                    yield Rejected(reason_of(made))
            yield RowsRead(len(chunk))

    def check(self, until: datetime) -> CheckResult:
        """Run the query over the last day and read the first row."""
        until = ensure_utc(until)
        try:
            mapper = mapper_for(self.source, self.stations, until, what="column")
            columns, chunks = self._execute(until - CHECK_WINDOW, until)
            try:
                mapper.check_columns(columns, QUERY_RESULT)
                chunk = next(chunks, None)
                if not chunk:
                    return CheckResult(True, "ok", f"connected; the query ran (columns {', '.join(columns)}) "
                                                   "but returned no rows for the last 24 hours")
                # The first row the collector would count: rows before it that it would ignore (a feedback answer
                # with an empty score) are said as ignored, with the reason, not as a failure.
                ignored: list[str] = []
                readings: list[Any] = []
                for number, row in enumerate(chunk, 1):
                    try:
                        readings = mapper.map(dict(zip(columns, row, strict=False)))
                    except RecordIgnored as e:
                        ignored.append(str(e))
                        continue
                    except RecordError as e:
                        return CheckResult(False, "data", f"{'first row' if number == 1 else f'row {number}'}: {e}")
                    break
            finally:
                self._close_rows(chunks)
        except RecordError as e:
            return CheckResult(False, "data", f"first row: {e}")
        except ConnectorError as e:
            return CheckResult(False, e.kind, redact(str(e)))
        except Exception as e:  # check reports, it never raises
            return CheckResult(False, "error", redact(f"{type(e).__name__}: {e}"))
        if ignored and len(ignored) == len(chunk):
            return CheckResult(True, "ok", f"connected; the query returned rows; the first {_rows(len(ignored))} "
                                           f"would be ignored, not counted (first row: {ignored[0]})")
        example = f", e.g. {describe(readings[0])}" if readings else ""
        before = (f"; {_rows(len(ignored))} before it would be ignored, not counted (first row: {ignored[0]})"
                  if ignored else "")
        return CheckResult(True, "ok", f"connected; the query returned rows{example}{before}")

    # ------------------------------------------------------------------ running the query
    def _parameters(self, since: datetime, until: datetime) -> dict[str, Any]:
        zone = self.source.mapping.zone
        # Across the October night's change (04.00 -> 03.00) the wall clock goes back: the local ``since`` would
        # come after ``until`` and the window would hold nothing, skipping what the source wrote at 03.00-03.0x
        # for good. Shift ``since`` by the change instead: the window re-reads up to an hour, which the store's
        # key makes harmless.
        offset_since = since.astimezone(zone).utcoffset() or timedelta()
        shift = offset_since - (until.astimezone(zone).utcoffset() or timedelta())
        values: dict[str, Any] = {}
        for name, when in (("since", since - max(shift, timedelta())), ("until", until)):
            local = when.astimezone(zone).replace(tzinfo=None)
            if self.source.parameters_as == "text":
                values[name] = local.strftime("%Y-%m-%d %H:%M:%S")
            else:
                values[name] = local.replace(microsecond=0)
        return values

    def _execute(self, since: datetime, until: datetime) -> tuple[list[str], Iterator[Sequence[Sequence[Any]]]]:
        params = self._parameters(since, until)
        if self.source.odbc is not None:
            return self._execute_odbc(params)
        return self._execute_sqlalchemy(params)

    def _execute_odbc(self, params: dict[str, Any]) -> tuple[list[str], Iterator[Sequence[Sequence[Any]]]]:
        import pyodbc

        conn_str = self.source.odbc.get_secret_value() if self.source.odbc else ""
        try:
            conn = pyodbc.connect(conn_str, timeout=_whole_seconds(self.source.timeout_seconds), autocommit=True)
        except pyodbc.Error as e:
            raise self._odbc_error(e, conn_str, connecting=True) from None
        # The query timeout, where the driver supports one (psqlODBC does not; statement_timeout still applies).
        with contextlib.suppress(pyodbc.Error):
            conn.timeout = _whole_seconds(self.source.timeout_seconds)
        disarm = _no_watchdog
        try:
            cursor = conn.cursor()
            disarm = _watchdog(cursor.cancel)  # SQLCancel: ends the statement (and a fetch) at the pull's deadline
            cursor.execute(self.source.qmark_query(), [params[p] for p in self.source.query_parameters()])
            if cursor.description is None:
                raise ConfigurationError("the query returned no result set (is it a SELECT?)")
            columns = [str(d[0]) for d in cursor.description]
        except pyodbc.Error as e:
            disarm()
            conn.close()
            raise self._odbc_error(e, conn_str, connecting=False) from None
        except BaseException:
            disarm()
            conn.close()
            raise
        return columns, self._odbc_rows(conn, cursor, conn_str, disarm)

    def _odbc_rows(self, conn: Any, cursor: Any, conn_str: str, disarm: Callable[[], None]
                   ) -> Iterator[Sequence[Sequence[Any]]]:
        import pyodbc

        try:
            while True:
                try:
                    chunk = cursor.fetchmany(FETCH_ROWS)
                except pyodbc.Error as e:
                    raise self._odbc_error(e, conn_str, connecting=False) from None
                if not chunk:
                    return
                yield chunk
        finally:
            disarm()
            conn.close()

    def _execute_sqlalchemy(self, params: dict[str, Any]) -> tuple[list[str], Iterator[Sequence[Sequence[Any]]]]:
        from sqlalchemy import exc, text

        try:
            engine = self._get_engine()
            conn = engine.connect()
        except exc.SQLAlchemyError as e:
            raise self._sqlalchemy_error(e, connecting=True) from None
        disarm = _no_watchdog
        try:
            disarm = _watchdog(_canceller(conn.connection.dbapi_connection))
            used = {p: params[p] for p in set(self.source.query_parameters())}
            result = conn.execution_options(stream_results=True).execute(text(self.source.query), used)
            if not result.returns_rows:
                raise ConfigurationError("the query returned no result set (is it a SELECT?)")
            columns = [str(c) for c in list(result.keys())]
        except exc.SQLAlchemyError as e:
            disarm()
            conn.close()
            raise self._sqlalchemy_error(e, connecting=False) from None
        except BaseException:
            disarm()
            conn.close()
            raise
        return columns, self._sqlalchemy_rows(conn, result, disarm)

    def _sqlalchemy_rows(self, conn: Any, result: Any, disarm: Callable[[], None]
                         ) -> Iterator[Sequence[Sequence[Any]]]:
        from sqlalchemy import exc

        try:
            while True:
                try:
                    chunk = result.fetchmany(FETCH_ROWS)
                except exc.SQLAlchemyError as e:
                    raise self._sqlalchemy_error(e, connecting=False) from None
                if not chunk:
                    return
                yield chunk
        finally:
            disarm()
            conn.close()

    def _get_engine(self) -> Any:
        if self._engine is None:
            from sqlalchemy import create_engine, exc
            from sqlalchemy.engine import make_url

            raw = self.source.url.get_secret_value() if self.source.url else ""
            try:
                url = make_url(raw)
            except exc.ArgumentError:
                raise ConfigurationError("url is not a valid SQLAlchemy URL (expected e.g. "
                                         "mssql+pyodbc://user:${SECRET}@host/db?driver=ODBC+Driver+18+for+SQL+Server)"
                                         ) from None
            try:
                self._engine = create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=1,
                                             connect_args=_connect_timeout(url.get_backend_name(),
                                                                           url.get_driver_name(),
                                                                           self.source.timeout_seconds))
            except exc.NoSuchModuleError:
                raise ConfigurationError(f"the database driver for {url.drivername!r} is not installed "
                                         "(pip package missing, e.g. pyodbc or psycopg)") from None
            except ImportError as e:
                raise ConfigurationError(f"the database driver for {url.drivername!r} cannot be loaded: {e}") from None
        return self._engine

    @staticmethod
    def _close_rows(rows: Iterator[Sequence[Any]]) -> None:
        close = getattr(rows, "close", None)
        if close:
            close()

    # ------------------------------------------------------------------ errors in words
    def _odbc_error(self, error: Exception, conn_str: str, connecting: bool) -> ConnectorError:
        import pyodbc

        if deadline.expired():  # the watchdog cancelled the statement: say why, not "operation canceled"
            return deadline.current().exceeded()  # type: ignore[union-attr]

        state = str(error.args[0]) if error.args else ""
        message = _clean_driver_message(error.args[1] if len(error.args) > 1 else str(error))
        driver = _odbc_field(conn_str, "driver")
        if "can't open lib" in message.lower() or state == "IM002" or "data source name not found" in message.lower():
            installed = ", ".join(pyodbc.drivers()) or "none"
            if driver:
                return ConfigurationError(f"ODBC driver {driver!r} is not installed — installed drivers are: "
                                          f"{installed} (see `odbcinst -q -d`)")
            return ConfigurationError(f"the ODBC connection string names no installed driver or DSN — installed "
                                      f"drivers are: {installed}")
        user = _odbc_field(conn_str, "uid") or _odbc_field(conn_str, "user") or _odbc_field(conn_str, "username")
        return _classify(message, state, user, connecting)

    def _sqlalchemy_error(self, error: Exception, connecting: bool) -> ConnectorError:
        if deadline.expired():  # the watchdog cancelled the statement
            return deadline.current().exceeded()  # type: ignore[union-attr]
        orig = getattr(error, "orig", None) or error
        state = getattr(orig, "sqlstate", None) or (str(orig.args[0]) if getattr(orig, "args", None) else "")
        if isinstance(getattr(orig, "args", None), tuple) and len(orig.args) > 1 and isinstance(orig.args[1], str):
            message = _clean_driver_message(orig.args[1])  # pyodbc under SQLAlchemy: (state, message)
        else:
            message = _clean_driver_message(str(orig))
        if "can't open lib" in message.lower() or state == "IM002":
            import pyodbc

            return ConfigurationError(f"{message} — installed ODBC drivers are: {', '.join(pyodbc.drivers())}")
        user = None
        if self._engine is not None:
            user = self._engine.url.username
        return _classify(message, str(state or ""), user, connecting)


def _rows(n: int) -> str:
    return "1 row" if n == 1 else f"{n} rows"


def _no_watchdog() -> None:
    return None


def _watchdog(cancel: Callable[[], None] | None) -> Callable[[], None]:
    """Arm the current pull's deadline to call ``cancel``; the returned function disarms it."""
    current = deadline.current()
    if current is None or cancel is None:
        return _no_watchdog
    return current.arm(cancel)


def _canceller(dbapi_connection: Any) -> Callable[[], None] | None:
    """How to stop a running statement from another thread, for the drivers that can.

    psycopg (3 and 2) ``cancel()``, sqlite3 ``interrupt()``; pyodbc under
    SQLAlchemy has only its query timeout (set to what is left of the deadline).
    """
    for name in ("cancel", "interrupt"):
        method = getattr(dbapi_connection, name, None)
        if callable(method):
            return method  # type: ignore[no-any-return]
    if hasattr(dbapi_connection, "timeout"):  # pyodbc
        with contextlib.suppress(Exception):
            dbapi_connection.timeout = _whole_seconds(None)
    return None


def _whole_seconds(timeout: float | None) -> int:
    """A timeout in whole seconds for drivers that take one (at least 1), shortened to the pull's deadline."""
    left = deadline.bounded(timeout)
    return max(1, math.ceil(left)) if left is not None else 0


def _classify(message: str, state: str, user: str | None, connecting: bool) -> ConnectorError:
    """Sort a driver error into configuration / transient / other, worded for an administrator."""
    who = f" for user {user!r}" if user else ""
    if _LOGIN.search(message) or state.startswith("28"):
        said = redact(f"login failed{who}: {message}")
        if user:
            return ConfigurationError(Reason("db_login_failed", said, user=repr(user), detail=redact(message)))
        return ConfigurationError(Reason("db_login_failed_anonymous", said, detail=redact(message)))
    if _CONNECTION_STRING.search(message) or state == "01S00":
        return ConfigurationError(redact(f"the connection settings are not valid (fix odbc or url in sources.yaml): "
                                         f"{message}"))
    if re.search(r"database \"[^\"]*\" does not exist|cannot open database|unknown database", message, re.I):
        return ConfigurationError(Reason("db_missing", redact(f"the database does not exist or is not visible{who}: "
                                                              f"{message}"), detail=redact(message)))
    if _UNREACHABLE.search(message) or state in ("08001", "08S01", "HYT00", "HYT01", "08006"):
        return TransientError(Reason("db_unreachable", redact(f"cannot reach the database server: {message}"),
                                     detail=redact(message)))
    if state.startswith("42") or re.search(r"syntax error|does not exist|invalid object name|no such", message, re.I):
        return ConfigurationError(Reason("query_failed", redact(f"the query failed (fix it in sources.yaml): "
                                                                f"{message}"), detail=redact(message)))
    if state.startswith("22"):
        return DataError(redact(f"the database could not convert a value: {message}"))
    if connecting:
        return TransientError(Reason("db_cannot_connect", redact(f"cannot connect: {message}"),
                                     detail=redact(message)))
    return ConnectorError(redact(f"the query failed: {message}"))


def _clean_driver_message(text: str) -> str:
    """Drop the bracketed driver prefixes and call names, keep the sentence."""
    text = re.sub(r"\[[^\]]*\]", "", str(text))
    text = re.sub(r"\((?:SQL\w+|\d+)\)", "", text)
    text = re.sub(r"\s+", " ", text).strip(" ;:\n\t")
    return text[:400]


def _odbc_field(conn_str: str, key: str) -> str | None:
    """One ``KEY=value`` of an ODBC connection string (``{braced}`` values allowed), case-insensitive."""
    for m in re.finditer(r"(?:^|;)\s*([^=;]+?)\s*=\s*(\{[^}]*\}|[^;]*)", conn_str):
        if m.group(1).strip().lower() == key:
            return m.group(2).strip().strip("{}")
    return None


def _connect_timeout(backend: str, driver: str, seconds: int) -> dict[str, Any]:
    if backend == "postgresql" and driver in ("psycopg", "psycopg2"):
        return {"connect_timeout": seconds}
    if driver == "pyodbc":
        return {"timeout": seconds}
    if backend == "sqlite":
        return {"timeout": seconds}
    if backend in ("mysql", "mariadb"):
        return {"connect_timeout": seconds}
    return {}
