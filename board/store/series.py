"""Series codes: each (station, metric) as the int4 ``readings`` is keyed by (``series``, migration 0017).

A code is made by the first write that stores the pair and never changes or
goes away, so a store keeps every code it has seen committed
(:class:`SeriesCodes`): a running collector's turn asks for none. A write
asks for the codes it does not know (:class:`WriteCodes`) and hands them to
the store's cache only once it has committed: a write that is rolled back may
have made codes that then do not exist.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Pair = tuple[str, str]


class SeriesCodes:
    """A store's committed codes, shared by its writes (one per :class:`board.store.Store`).

    The codes are those of one ``series`` table (:attr:`table`, ``Dialect.series_table``): a table made again
    under a running process (``alembic downgrade 0016`` and back, which gives the codes again in key order, or a
    store re-created) has other codes for the same pairs, and ``readings`` has no foreign key to notice a stale
    one: each write looks first (:meth:`of_table`) and a cache of another table is forgotten.
    """

    def __init__(self) -> None:
        self._known: dict[Pair, int] = {}
        self._lock = threading.Lock()
        #: Whether every code committed before some moment has been read (the first write that misses one).
        self.loaded = False
        #: The ``series`` table the codes are of (None: not looked at yet).
        self.table: object = None

    def get(self, pair: Pair) -> int | None:
        return self._known.get(pair)

    def of_table(self, table: object) -> None:
        """Forget every code (and read them all again at the next miss) unless they are of ``table``."""
        with self._lock:
            if table != self.table:
                self._known = {}
                self.loaded = False
                self.table = table

    def keep(self, codes: dict[Pair, int], table: object = None) -> None:
        """Codes of a committed write (or read as committed) to ``table`` (None: the cache's): kept unless the
        cache has meanwhile moved on to another table."""
        with self._lock:
            if table is None or table == self.table:
                self._known.update(codes)


class WriteCodes:
    """The codes one write uses: the store's, and those it asks the database for (made if new).

    ``before_statement`` is called before any statement is sent (PostgreSQL: the write's open ``COPY`` must end
    first). :meth:`commit` hands the write's codes to the store's cache after the transaction has committed.
    """

    def __init__(self, cache: SeriesCodes, cursor: Any, mark: str, is_sqlite: bool,
                 before_statement: Callable[[], None], table: object = None) -> None:
        self.cache, self.cursor, self.mark, self.is_sqlite = cache, cursor, mark, is_sqlite
        self.before_statement = before_statement
        #: The ``series`` table this write's codes are of (``Dialect.series_table``, None: not looked at).
        self.table = table
        if table is not None:
            cache.of_table(table)
        self.mine: dict[Pair, int] = {}

    def code(self, station: str, metric: str) -> int:
        pair = (station, metric)
        code = self.mine.get(pair)
        if code is None:
            code = self.cache.get(pair)
            if code is None:
                self.resolve([pair])
                return self.mine[pair]
            self.mine[pair] = code
        return code

    def codes(self, station: str, metrics: Sequence[str]) -> list[int]:
        """The codes of ``station``'s ``metrics``, the unknown ones asked for in one go."""
        self.ask([(station, metric) for metric in metrics])
        return [self.mine[(station, metric)] for metric in metrics]

    def prepare(self, items: Iterable[object]) -> None:
        """Ask at once for the codes of every reading and block in ``items`` (a write's list) the store does not
        know, before any row is sent.

        Why all at once, single readings too: each ask for new pairs takes their rows' locks (PostgreSQL) until
        the write commits. Two writers asking in turns for the same new pairs met in different orders (a push and
        a pull of one station, each row of a record a single reading) waited for each other, and PostgreSQL
        aborted one as deadlocked (tests/test_series_writers.py). One ask per write takes its locks in one
        sorted statement: a writer then waits for another only before it holds any pair the other needs. And on
        PostgreSQL a code asked for midway ends the write's streamed ``COPY``."""
        pairs: set[Pair] = set()
        for item in items:
            metrics = getattr(item, "metrics", None)
            if metrics is not None:  # a ReadingBlock
                station = item.station  # type: ignore[attr-defined]
                pairs.update((station, metric) for metric in metrics)
            else:  # a Reading
                pairs.add((item.station, item.metric))  # type: ignore[attr-defined]
        self.ask(pairs)

    def ask(self, pairs: Iterable[Pair]) -> None:
        """Make every pair's code known to this write: from the store's cache, the unknown ones asked for in one
        go."""
        mine, cache = self.mine, self.cache
        missing = []
        for pair in pairs:
            if pair not in mine:
                code = cache.get(pair)
                if code is None:
                    missing.append(pair)
                else:
                    mine[pair] = code
        if missing:
            self.resolve(missing)

    def resolve(self, pairs: Iterable[Pair]) -> None:
        """Find the codes of ``pairs``, making the missing ones (in key order)."""
        self.before_statement()
        wanted = sorted(set(pairs))
        if not self.cache.loaded:  # a store's first miss reads every committed code: later writes ask for none
            self._load_all()
            wanted = [p for p in wanted if p not in self.mine]
            if not wanted:
                return
        if self.is_sqlite:  # in process: two cheap statements
            self._insert(wanted)
            found = self._select(wanted)
        else:  # one round trip when the pairs are new, as the codes the store has not seen mostly are
            found = self._insert_returning(wanted)
            if found:  # made here: see _durable
                self._durable()
            if len(found) < len(wanted):  # made by another write meanwhile (or before the store read its codes)
                found.update(self._select([p for p in wanted if p not in found]))
        self.mine.update(found)

    def commit(self) -> None:
        self.cache.keep(self.mine, self.table)

    def _durable(self) -> None:
        """PostgreSQL: this write made codes, so it commits waiting for the disk (``synchronous_commit`` back on
        for this transaction; the collector's writes turn it off, ``Dialect.commit_without_waiting``).

        Why: the store's cache keeps the codes at the commit, and every later write of those pairs sends the
        cached codes without asking. A commit that does not wait can be lost whole by a crash of PostgreSQL
        while the collector runs on: its cache then held codes the ``series`` table no longer had, and its
        next run (which pulls the lost window again) wrote the readings under them, invisible to every read
        (or, once the sequence gave the code to another pair, shown as that pair's). A committed code is
        visible to others only once it is on disk, so no store can cache a code a crash takes back. New
        pairs are rare (a station's or metric's first write): the wait costs a backfill one flush."""
        self.cursor.execute("SET LOCAL synchronous_commit = on")

    def _load_all(self) -> None:
        self.cursor.execute("SELECT id, station, metric FROM series")
        committed = {(st, m): code for code, st, m in self.cursor.fetchall() if (st, m) not in self.mine}
        self.cache.keep(committed, self.table)  # read before this write made any: committed by others
        self.cache.loaded = True
        for pair, code in committed.items():
            self.mine.setdefault(pair, code)

    def _select(self, pairs: list[Pair]) -> dict[Pair, int]:
        stations = sorted({st for st, _ in pairs})
        wanted = set(pairs)
        if self.is_sqlite:
            self.cursor.execute(f"SELECT id, station, metric FROM series WHERE station IN "
                                f"({', '.join([self.mark] * len(stations))})", stations)
        else:
            self.cursor.execute("SELECT id, station, metric FROM series WHERE station = ANY(%s)", (stations,))
        return {(st, m): code for code, st, m in self.cursor.fetchall() if (st, m) in wanted}

    def _insert(self, pairs: list[Pair]) -> None:
        self.cursor.executemany("INSERT INTO series (station, metric) VALUES (?, ?) "
                                "ON CONFLICT (station, metric) DO NOTHING", pairs)

    def _insert_returning(self, pairs: list[Pair]) -> dict[Pair, int]:
        """PostgreSQL: make the pairs' codes in key order; those made here. A pair another write is making waits
        for it to commit, then is left as it made it (not returned: :meth:`_select` finds it)."""
        self.cursor.execute("INSERT INTO series (station, metric) SELECT * FROM unnest(CAST(%s AS varchar[]), "
                            "CAST(%s AS varchar[])) ON CONFLICT (station, metric) DO NOTHING "
                            "RETURNING id, station, metric",
                            ([st for st, _ in pairs], [m for _, m in pairs]))
        return {(st, m): code for code, st, m in self.cursor.fetchall()}
