"""One collector run of a source that delivers items: store the items, count the figures, write readings.

The collector (board/collector.py) hands a pull of such a source here instead
of writing readings itself:

1. each item of the pull is checked (a station of this source, nothing in the
   future: the mapper did that) and stored in batches (``Store.apply_items``);
   what really changed, old and new state, is noted per station with the
   earliest instant it touches;
2. a ``snapshot`` source then closes, at the pull's moment, every open item
   the snapshot no longer holds — but only after a clean pull: if any record
   was refused, the refused one might be among the open items, so nothing is
   closed this time (the reason is counted and shown on /sources); nor when
   the pull held rows back as perhaps incomplete (a file's last line still
   being written: :class:`~board.domain.reading.Held`), or read no file at all;
3. each touched station's figures are counted again from the earliest change
   on (:func:`board.domain.items.count`) at every instant that has or gets a
   reading, and every station of the source gets the figures of the pull's
   moment, so the wall stays fresh while nothing happens;
4. the figures go through the collector's own validation and write path as
   :class:`~board.domain.reading.ReadingBlock` s, like any source's readings.
   A first load (no item of the source stored yet: a backfill) writes the
   figures of days that retention thins as thinning would leave them
   (``coarse``, :func:`board.retention.as_kept`): the same store, a tenth of
   the writes.

The bookmark is the newest ``updated`` time read (never a reading's time):
a ``changes`` source's next pull starts there, less the lookback.
Closed items are deleted ``keep_closed_days`` after they closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from board.domain.item_arrays import ItemArrays, count, from_micros, instants, micros, midnights_for
from board.domain.items import Item, ItemType, events, metrics_of, window_start
from board.domain.ledger import RowLedger
from board.domain.reading import Duplicate, Held, Ignored, ReadingBlock, Rejected, RowsRead
from board.domain.timeutil import local_date
from board.item_settings import plan
from board.retention import kept_blocks

if TYPE_CHECKING:
    from board.store import Store

BATCH = 20_000
SNAPSHOT_HELD = ("snapshot not applied: records were refused, so open items missing from it are not closed "
                 "this time (fix the refused records; the next clean snapshot closes them)")


def snapshot_incomplete(where: str) -> str:
    """Why a snapshot was not applied when the pull held rows back (:class:`~board.domain.reading.Held`)."""
    return (f"snapshot not applied: {where} may still be being written (its last line has no line end yet), so "
            "open items missing from it are not closed this time; the file stays and is read again once complete")


class ItemRun:
    """The item part of one run of one source (see the module docstring)."""

    def __init__(self, store: Store, source: Any, stations: Iterable[str], started: datetime,
                 rejects: Any, write: Callable[[list[ReadingBlock]], int], ledger: RowLedger | None = None,
                 coarse: list[tuple[datetime, str]] | None = None) -> None:
        #: The run ledger (board/domain/ledger.py): each record read is one row, stored as an item or refused.
        self.ledger = ledger if ledger is not None else RowLedger()
        self.store = store
        self.source = source
        self.types, self.mode, self.outcomes, self.keep_closed_days = plan(source)
        self.stations = sorted(stations)
        self.started = started
        self.rejects = rejects
        self.write = write
        #: The earliest instant each station's figures of each item type must be counted again from.
        self.touched: dict[tuple[str, ItemType], datetime] = {}
        self.newest: datetime | None = None
        self.accepted = 0
        #: Whether any record of the pull was refused.
        self.refused = False
        #: Retention's stages at ``started`` (:func:`board.retention.coarse_before`), used on a first load only:
        #: then no reading of the source's figures is stored yet that a thinned write could leave stale.
        self.coarse = coarse or []
        #: Whether no item of the source was stored before this run (a backfill): then the pull's items are all
        #: the items there are, so they are counted from memory, and those the pruning would delete at once
        #: are never stored (:meth:`_store_first`).
        self.first_load = False
        #: A first load's items, in their latest state, per station and type (counted, then dropped).
        self.in_memory: dict[tuple[str, ItemType], list[Item]] | None = None
        #: How many items a first load did not store because they closed before ``keep_closed_days``.
        self.pruned_at_once = 0
        self._datetimes: dict[int, datetime] = {}

    def load(self, records: Iterable[Any], check: Callable[[], None] = lambda: None) -> int:
        """Store the pull's items and write the figures; the number of readings written."""
        self.store_items(records, check)
        return self.write_figures()

    def store_items(self, records: Iterable[Any], check: Callable[[], None] = lambda: None,
                    reason: Callable[[str], str] = lambda text: text) -> None:
        """Steps 1 and 2: the pull's items stored, what changed noted, a clean snapshot applied.

        ``reason`` turns a connector's refusal reason into the one recorded (the collector masks secrets,
        :func:`board.pull_checks.reject_reason`): applied here rather than by a generator around ``records``,
        which cost a step per record (a year's load from four ``sql`` sources yields 3.5 million: an item and a
        row count per row)."""
        self.first_load = first = not self.store.has_items(self.source.name)
        pulled: dict[str, Item] = {}
        batch: list[Item] = []
        seen: set[str] = set()
        refused = self.refused = False
        ledger, touched = self.ledger, self.touched
        stations = set(self.stations)
        # Items accepted since the ledger last heard of any: told with the next row count in one call
        # (RowLedger.items_read), not one call per item — the same counts (the ledger only adds them up).
        good = 0
        counted = False  # whether the connector said it read rows at all (a files source: it read a file)
        held: str | None = None  # where the pull held rows back as perhaps incomplete: not the whole snapshot
        for record in records:
            if type(record) is not Item:  # the rare records first asked what they are (a year's load: 1.7 M items)
                if type(record) is RowsRead:  # a sql source's count after each row's item
                    ledger.items_read(good, record.rows)
                    good = 0
                    counted = True
                    continue
                if good:
                    ledger.readings(good)
                    good = 0
                if isinstance(record, RowsRead):
                    ledger.rows_read(record.rows)
                    counted = True
                    continue
                if isinstance(record, Ignored):
                    ledger.ignored(record.rows, duplicate=isinstance(record, Duplicate))
                    if held is None and isinstance(record, Held):
                        held = record.where
                    continue
                if isinstance(record, Rejected):
                    refused = True
                    self.rejects[reason(record.reason)] += 1
                    ledger.refused(record.rows)
                    continue
                if not isinstance(record, Item):
                    refused = True
                    self.rejects["a reading from a source that delivers items (items only)"] += 1
                    ledger.readings(0, 1)
                    continue
            if record.station not in stations:
                refused = True
                self.rejects[f"station {record.station!r} is not one of this source's stations"] += 1
                ledger.readings(0, 1)
                continue
            good += 1  # the row is stored: as an item (told to the ledger with the next row count)
            seen.add(record.key)
            self.accepted += 1
            updated = record.updated or record.start
            if self.newest is None or updated > self.newest:
                self.newest = updated
            if first:  # the latest state of each item (of equal ``updated`` the last read), as apply_items keeps
                known = pulled.get(record.key)
                if known is None or updated >= (known.updated or known.start):
                    pulled[record.key] = record
                    # as _note([(None, record)]), inline (a year's load notes 1.7 million): an item starts first
                    group = (record.station, record.type)
                    earliest = touched.get(group)
                    if earliest is None or record.start < earliest:
                        touched[group] = record.start
                if self.accepted % BATCH == 0:
                    check()
                continue
            batch.append(record)
            if len(batch) >= BATCH:
                self._note(self.store.apply_items(self.source.name, batch))
                batch = []
                check()
        if good:
            ledger.readings(good)
        if batch:
            self._note(self.store.apply_items(self.source.name, batch))
        if first:
            self._store_first(pulled, check)
        if self.mode == "snapshot":
            if refused:
                self.rejects[SNAPSHOT_HELD] += 1
            elif held is not None:
                # All or nothing: the item on a half-written last line is missing from what was read, and closing
                # it would count it as answered now. The rows read are stored; nothing is closed until the file is
                # read whole (the next pull, once its writer has finished).
                self.rejects[reason(snapshot_incomplete(held))] += 1
            elif not counted and self.source.type == "files":
                # No file waited: a drop folder's pull without a file states nothing, where an empty query result
                # or API answer states that nothing is open. Applied, it closed every open item a minute after
                # each file (as answered then).
                pass
            else:
                self._note(self.store.close_vanished(self.source.name, seen, self.started))
            self.newest = self.started  # a snapshot is of the pull's moment
        self.refused = refused

    def _store_first(self, pulled: dict[str, Item], check: Callable[[], None]) -> None:
        """A first load's items: kept in memory for counting; stored unless already closed for longer than
        ``keep_closed_days`` — :meth:`Store.prune_items` would delete those right after counting (a year's load
        held 1.7 million items, of which 169 000 stay). The store held none of the source's items, so every one
        is new: inserted without a lookup."""
        closed_before = self.started - timedelta(days=self.keep_closed_days)
        groups: dict[tuple[str, ItemType], list[Item]] = {}
        keep: list[Item] = []
        for item in pulled.values():
            groups.setdefault((item.station, item.type), []).append(item)
            ended = item.end if item.waits else item.start  # what prune_items reads as closed
            if ended is not None and ended < closed_before:
                self.pruned_at_once += 1
            else:
                keep.append(item)
        for i in range(0, len(keep), BATCH):
            self.store.insert_items(self.source.name, keep[i:i + BATCH])
            check()
        self.in_memory = groups

    def write_figures(self) -> int:
        """Steps 3 and 4: the figures counted again where something changed, and at the pull's moment."""
        written = 0
        batch: list[ReadingBlock] = []
        size = 0
        for block in self._blocks():  # one transaction per BATCH readings, not per station and type
            batch.append(block)
            size += len(block)
            if size >= BATCH:
                written += self.write(batch)
                batch, size = [], 0
        if batch:
            written += self.write(batch)
        self.in_memory = None
        self._datetimes = {}
        self.store.prune_items(self.source.name, self.started - timedelta(days=self.keep_closed_days))
        return written

    def _note(self, changes: list[tuple[Item | None, Item]]) -> None:
        for old, new in changes:
            for item in (old, new):
                if item is None:
                    continue
                first = min(events(item))
                known = self.touched.get((item.station, item.type))
                if known is None or first < known:
                    self.touched[(item.station, item.type)] = first

    def _blocks(self) -> Iterator[ReadingBlock]:
        until = self.started
        until_us = micros(until)
        for kind in self.types:
            metrics = metrics_of(kind, self.outcomes)
            since_of = {station: min(self.touched.get((station, kind), until), until) for station in self.stations}
            if not self.first_load:
                self._fill_days(kind, metrics[0], since_of)
            # one query for every station of the source (the earliest window), sorted out per station here
            first = window_start(min(since_of.values()))
            by_station: dict[str, list[Item]] = {station: [] for station in self.stations}
            if self.in_memory is not None:  # a first load: the pull's items are all there are
                for station in self.stations:
                    by_station[station] = self.in_memory.pop((station, kind), [])
            else:
                for item in self.store.items_for_count(self.source.name, self.stations, first, until, kind):
                    if item.station in by_station:
                        by_station[item.station].append(item)
            # the instants already holding a reading, every touched station in one statement
            held = self.store.reading_times_of(
                {(station, metrics[0]): since for station, since in since_of.items() if since < until}, until)
            for station in self.stations:
                since = since_of[station]
                since_us = micros(since)
                # counted as columns (board/domain/item_arrays.py): the same figures as items.count at the same
                # instants as items.instants, without a Python step per instant
                items = ItemArrays.of(kind, by_station.pop(station)).relevant(micros(window_start(since)), until_us)
                kept = [micros(t) for t in held.get((station, metrics[0]), ())]
                midnights = midnights_for(items, since_us, until_us, kept)
                at = instants(items, since_us, until_us, midnights)
                if kept:
                    at = np.union1d(at, np.array(kept, dtype=np.int64))
                values = count(items, at, midnights, self.outcomes)
                if self.first_load and self.coarse:
                    yield from kept_blocks(station, metrics, at, values, self.coarse, midnights, self._when)
                else:
                    yield ReadingBlock(station, metrics, tuple(map(self._when, at.tolist())), values, at)

    def _fill_days(self, kind: ItemType, metric: str, since_of: dict[str, datetime]) -> None:
        """Count each station again from where its figures were last counted when that was on an earlier
        Helsinki day than the count would start: the days in between get their midnights and day ends.

        A pulled source counts every station at each pull, so a day with a pull has figures. A push source runs
        only when something is pushed, and a collector run once a day (or down for a day) skips days: a station
        whose items did not change on them (a small station's feedback answers: none on Tuesday) had no reading
        for those days at all, and the weekly view said "tiedot 2/3 päivältä" although the items say exactly
        what Tuesday was (no answers, the same ones waiting). Within a day nothing changes: no extra work.

        The fill starts just after the last counted instant, so no stored reading is counted again, and no
        earlier than ``keep_closed_days`` (less a day) back: before that, closed items may have been deleted,
        and a day counted without them would be wrong; such days stay without figures, as before."""
        last = self.store.counted_until(self.source.name, metric)
        floor = self.started - timedelta(days=self.keep_closed_days - 1)
        for station, since in since_of.items():
            before = last.get(station)
            if before is not None and before < since and local_date(before) < local_date(since):
                since_of[station] = min(since, max(before + timedelta(microseconds=1), floor))

    def _when(self, us: int) -> datetime:
        """The aware datetime of an instant (:func:`~board.domain.item_arrays.micros`), made once per run: the
        same minutes recur in every station's figures."""
        known = self._datetimes.get(us)
        if known is None:
            known = self._datetimes[us] = from_micros(us)
        return known

