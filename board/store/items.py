"""Items of the sources that deliver items: their latest state, what changed, and what to count again.

The collector hands a pull's items here in batches (:meth:`Items.apply_items`):
a new item is added, one whose state moved on replaces the stored one (an
older state read again, by a lookback or a late page, changes nothing), and
what changed is returned, old and new, so the collector knows from which
instant each station's figures must be counted again. A snapshot source's
open items that the snapshot no longer holds are closed at the snapshot's
time (:meth:`Items.close_vanished`). Closed items are deleted once they have
been closed ``keep_closed_days`` (:meth:`Items.prune_items`); their figures
stay, as readings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, column, delete, or_, select, union_all, update, values
from sqlalchemy.orm import Session, sessionmaker

from board.domain.items import Item, ItemType, restated
from board.store.engine import Dialect
from board.store.schema import ItemRow, NewestRow, ReadingRow, SeriesRow, UTCDateTime

_CHUNK = 500
#: An insert of at least this many items on SQLite (a first load's batch) runs with a page cache of
#: ``BULK_CACHE_KIB``, then the connection's own again. Why: an item's key is a keyed hash, so consecutive rows
#: go to random pages of the ``(source, key)`` index; with SQLite's default 2 MiB cache nearly each one was
#: read again from the operating system. Measured on this machine, 168 000 rows in batches of 20 000 (a year's
#: first load keeps about as many): about 0.7 x the insert's CPU time (docs/PERFORMANCE.md 5b, session 11).
BULK_ROWS = 1000
BULK_CACHE_KIB = 131072
#: A changed item: its stored state before (None: new) and after.
Change = tuple[Item | None, Item]


#: The item types by their stored name (an Enum call per row read back was a tenth of a load's counting).
_TYPES = {t.value: t for t in ItemType}
#: The items table's columns in the order :func:`_values` gives them (the raw-cursor insert).
_INSERT_COLUMNS = ("source", "key", "type", "station", "start_ts", "end_ts", "waits", "channel", "score",
                   "needs_reaction", "outcome", "updated_ts")


def _item(row: ItemRow | object) -> Item:
    r = row  # an ORM row or a Row of the same columns
    return Item(_TYPES[r.type], r.key, r.station, r.start_ts, r.end_ts,  # type: ignore[attr-defined]
                channel=r.channel, score=r.score, needs_reaction=bool(r.needs_reaction),  # type: ignore[attr-defined]
                outcome=r.outcome, updated=r.updated_ts)  # type: ignore[attr-defined]


def _values(source: str, item: Item, time: Callable[[datetime], object]) -> tuple[object, ...]:
    """An item as the driver takes it, in :data:`_INSERT_COLUMNS`' order: times in the form the ``UTCDateTime``
    column stores (``time``: the dialect's), so the ORM reads them back alike."""
    end = item.end
    return (source, item.key, item.type.value, item.station, time(item.start), None if end is None else time(end),
            item.waits, item.channel, item.score, item.needs_reaction, item.outcome, time(item.updated or item.start))


def _insert(s: Session, dialect: Dialect, rows: list[tuple[object, ...]]) -> None:
    """Insert item rows past SQLAlchemy's per-row parameter handling, as the readings' write path does: SQLite's
    ``executemany`` (its C loop), PostgreSQL's ``COPY`` (a few µs a row against ~25 µs for ``executemany``).
    A year's load inserts about 1.8 million items."""
    cursor = s.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    columns = ", ".join(f'"{c}"' if c == "key" else c for c in _INSERT_COLUMNS)
    try:
        if dialect.is_sqlite:
            marks = ", ".join("?" for _ in _INSERT_COLUMNS)
            bulk = len(rows) >= BULK_ROWS
            if bulk:  # keys are hashes: each row lands on a random page of the key index (see BULK_CACHE_KIB)
                previous = cursor.execute("PRAGMA cache_size").fetchone()[0]
                cursor.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
            try:
                cursor.executemany(f"INSERT INTO items ({columns}) VALUES ({marks})", rows)
            finally:
                if bulk:
                    cursor.execute(f"PRAGMA cache_size={int(previous)}")
        else:
            with cursor.copy(f"COPY items ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    finally:
        cursor.close()


def _same(a: Item, b: Item) -> bool:
    return (a.station, a.start, a.end, a.channel, a.score, a.needs_reaction, a.outcome) == (
        b.station, b.start, b.end, b.channel, b.score, b.needs_reaction, b.outcome)


_COLUMNS = (ItemRow.type, ItemRow.key, ItemRow.station, ItemRow.start_ts, ItemRow.end_ts, ItemRow.channel,
            ItemRow.score, ItemRow.needs_reaction, ItemRow.outcome, ItemRow.updated_ts)


class Items:
    """Items and their changes (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]
    dialect: Dialect

    def apply_items(self, source: str, items: Iterable[Item]) -> list[Change]:
        """Store a batch of items of ``source`` in one transaction; return those whose state changed.

        Of several states of one item in the batch the latest (by ``updated``; the last read of equal ones)
        counts; a state older than the stored one is ignored.
        """
        latest: dict[str, Item] = {}
        for item in items:
            known = latest.get(item.key)
            if known is None or (item.updated or item.start) >= (known.updated or known.start):
                latest[item.key] = item
        changes: list[Change] = []
        keys = list(latest)
        dialect = self.dialect
        with self.sessions.begin() as s:
            for i in range(0, len(keys), _CHUNK):
                chunk = keys[i:i + _CHUNK]
                stored = {r.key: _item(r) for r in s.execute(
                    select(*_COLUMNS).where(ItemRow.source == source, ItemRow.key.in_(chunk)))}
                changed = []
                for key in chunk:
                    old = stored.get(key)
                    new = restated(old, latest[key])  # closed without an answer: stays closed when it first was
                    if old is not None and ((new.updated or new.start) < (old.updated or old.start) or _same(old, new)):
                        continue
                    changed.append((old, new))
                replaced = [old.key for old, _new in changed if old is not None]
                if replaced:
                    s.execute(delete(ItemRow).where(ItemRow.source == source, ItemRow.key.in_(replaced)))
                if changed:  # the raw cursor, not the ORM or Core: a year's load inserts 1.8 million items
                    _insert(s, dialect, [_values(source, new, dialect.time) for _old, new in changed])
                changes.extend(changed)
        return changes

    def insert_items(self, source: str, items: Sequence[Item]) -> None:
        """Insert items of ``source`` known to be new (a first load: none of the source's items is stored), in one
        transaction, without looking each key up as :meth:`apply_items` does (a third of a first load's storing)."""
        dialect = self.dialect
        with self.sessions.begin() as s:
            _insert(s, dialect, [_values(source, item, dialect.time) for item in items])

    def close_vanished(self, source: str, seen: set[str], at: datetime) -> list[Change]:
        """Close, at ``at``, every open item of ``source`` that is not in ``seen`` (a snapshot's keys)."""
        changes: list[Change] = []
        with self.sessions.begin() as s:
            open_items = [_item(r) for r in s.execute(
                select(*_COLUMNS).where(ItemRow.source == source, ItemRow.waits.is_(True), ItemRow.end_ts.is_(None),
                                        ItemRow.start_ts <= at))]
            gone = [i for i in open_items if i.key not in seen]
            for i in range(0, len(gone), _CHUNK):
                chunk = [g.key for g in gone[i:i + _CHUNK]]
                s.execute(update(ItemRow).where(ItemRow.source == source, ItemRow.key.in_(chunk))
                          .values(end_ts=at, updated_ts=at))
            for old in gone:
                changes.append((old, Item(old.type, old.key, old.station, old.start, at, channel=old.channel,
                                          score=old.score, needs_reaction=old.needs_reaction, outcome=old.outcome,
                                          updated=at)))
        return changes

    def items_for_count(self, source: str, station: str | Sequence[str] | None, first: datetime, until: datetime,
                        item_type: ItemType | None = None) -> list[Item]:
        """The station's (a list: those stations'; None: every station's) items of ``source`` (of ``item_type``)
        that can matter to figures counted over ``[first, until]``: started by ``until`` and not closed before
        ``first`` (open ones whenever they started).

        Four statements, each an index range, instead of one ``OR`` that scans every kept item of the source
        (a month's items, four times a cycle): started in ``[first, until]`` (the station index), started
        before ``first`` and ended from it on (waiting items, other items), and started before it and still open
        (the waits/end index); sent as one ``UNION ALL``.
        Together they are exactly that set, each item once; the order of the rows is not significant.
        """
        kind = () if item_type is None else (ItemRow.type == item_type.value,)
        here: tuple[Any, ...] = ()
        if isinstance(station, str):
            here = (ItemRow.station == station,)
        elif station is not None:
            here = (ItemRow.station.in_(list(station)),)
        started = select(*_COLUMNS).where(ItemRow.source == source, *here, ItemRow.start_ts >= first,
                                          ItemRow.start_ts <= until, *kind)
        before = (ItemRow.source == source, ItemRow.start_ts < first, *here, *kind)
        ended = [select(*_COLUMNS).where(ItemRow.waits == waits, ItemRow.end_ts >= first, *before)
                 for waits in (True, False)]
        still_open = select(*_COLUMNS).where(ItemRow.waits.is_(True), ItemRow.end_ts.is_(None), *before)
        # the four ranges as one statement (UNION ALL keeps each an index range): one round trip, not four
        with self.sessions() as s:
            return [_item(r) for r in s.execute(union_all(started, *ended, still_open))]

    def reading_times_of(self, since_of: Mapping[tuple[str, str], datetime],
                         until: datetime) -> dict[tuple[str, str], list[datetime]]:
        """The instants at which each ``(station, metric)`` has a reading in ``[since, until]`` (to count
        again), each pair from its own ``since``: one statement, an index range per pair (asked per station and
        item type it was up to 120 round trips a cycle at 30 stations on PostgreSQL)."""
        out: dict[tuple[str, str], list[datetime]] = {pair: [] for pair in since_of}
        if not since_of:
            return out
        r, sr = ReadingRow.__table__.c, SeriesRow.__table__.c
        # Each pair's start as a row of a VALUES list joined in: an index range (series, ts >= start) per pair.
        starts = values(column("station", String(40)), column("metric", String(60)), column("since", UTCDateTime()),
                        name="starts").data([(st, m, since) for (st, m), since in since_of.items()]).cte("starts")
        codes = select(sr.id).join_from(SeriesRow.__table__, starts, and_(starts.c.station == sr.station,
                                                                           starts.c.metric == sr.metric))
        stmt = (select(sr.station, sr.metric, r.ts).select_from(ReadingRow.__table__)
                .join(SeriesRow.__table__, sr.id == r.series)
                .join(starts, and_(starts.c.station == sr.station, starts.c.metric == sr.metric,
                                   r.ts >= starts.c.since))
                .where(self.dialect.in_series(r.series, codes), r.ts >= min(since_of.values()), r.ts <= until))
        with self.sessions() as s:
            for station, metric, ts in s.execute(stmt):
                out[(station, metric)].append(ts)
        return out

    def counted_until(self, source: str, metric: str) -> dict[str, datetime]:
        """Per station, the newest instant ``source`` has written ``metric`` at (from ``newest_readings``: a row
        per source, station and metric, no scan of the readings): where an item type's figures were last
        counted, so the next count can fill the days in between (board/item_collect.py)."""
        n = NewestRow
        stmt = select(n.station, n.ts).where(n.source == source, n.metric == metric)
        with self.sessions() as s:
            return {station: ts for station, ts in s.execute(stmt)}

    def prune_items(self, source: str, closed_before: datetime) -> int:
        """Delete the items of ``source`` that closed before ``closed_before``; how many."""
        ended = or_(and_(ItemRow.waits.is_(True), ItemRow.end_ts < closed_before),
                    and_(ItemRow.waits.is_(False), ItemRow.start_ts < closed_before))
        with self.sessions.begin() as s:
            return s.execute(delete(ItemRow).where(ItemRow.source == source, ended)).rowcount or 0

    def drop_items(self, source: str) -> int:
        """Delete every item of ``source``; how many. Used to undo a first load that failed before its figures were
        written (board/collector.py): the next run is then a first load again and counts the history."""
        with self.sessions.begin() as s:
            return s.execute(delete(ItemRow).where(ItemRow.source == source)).rowcount or 0

    def has_items(self, source: str) -> bool:
        """Whether any item of ``source`` is stored (a run without any is a first load)."""
        with self.sessions() as s:
            return s.scalar(select(ItemRow.key).where(ItemRow.source == source).limit(1)) is not None

    def item_count(self, source: str | None = None) -> int:
        """How many items are kept (of ``source``)."""
        from sqlalchemy import func

        stmt = select(func.count()).select_from(ItemRow)
        if source is not None:
            stmt = stmt.where(ItemRow.source == source)
        with self.sessions() as s:
            return int(s.scalar(stmt) or 0)


def stations_of(changes: Sequence[Change]) -> set[str]:
    """The stations whose figures a batch of changes touches (an item moved station touches both)."""
    return {i.station for old, new in changes for i in (old, new) if i is not None}
