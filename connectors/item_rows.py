"""A query result's rows as items, a fetched chunk at a time: the sql connector's item path.

:meth:`ItemMapper.map <connectors.items.ItemMapper.map>` is the definition of what a record becomes: an item,
or a :class:`~connectors.mapping.RecordError` with its reason. It takes a record as a dict and asks every field
of it the same questions each time; a year's load from a database is 1.7 M rows of a handful of columns whose
values repeat (the same stations, the same minutes, the same channel words). :class:`ItemRows` gives the same
answers cheaper:

* the identity-code guard looks at a whole chunk at once: one regex scan of the chunk's values joined by a
  separator no code can span (``\\x00``: not a digit, not a space the pattern allows), and the column names
  once per result. Only a chunk in which the scan sees a candidate — or holding a value that is not a plain
  text, number or time — goes row by row through ``map``;
* each field is read by its column's position, and each distinct value of a time, station, channel, score,
  flag or outcome column is interpreted once per pull (kept while the pull runs, bounded);
* the id is hashed by the mapper's :class:`~connectors.items.ItemKeyer`.

Any row the quick path is not sure of — a missing or empty field, a value that does not parse, a time out of
range, an item ending before it starts — is handed to ``map`` itself, so every refusal keeps its exact reason
and order of checks. tests/test_item_rows.py checks chunk results against ``map`` row by row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from board.domain.items import Item, ItemType
from connectors.items import NO_VALUE, ItemMapper, is_blank
from connectors.mapping import _ATOMS, EARLIEST_TIME, FUTURE_TOLERANCE, RecordError, _shaped, parse_time

#: How many distinct values one column's memo keeps before it starts again (a year's item times: ~0.5 M).
MEMO_LIMIT = 100_000
#: Joins a chunk's values for the guard's one scan: an identity code cannot run across it (see the module).
SEPARATOR = "\x00"

#: A database's local date-time as text, which ``time_parts`` reads with ``datetime.fromisoformat`` alone.
_LOCAL_TEXT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", re.ASCII)

_EMPTY = object()  # a blank text in an optional field: no value
_SLOW = object()  # the quick path is not sure: ``map`` decides


class ItemRows:
    """Maps chunks of one query result's rows (sequences in ``columns`` order) with ``mapper``."""

    def __init__(self, mapper: ItemMapper, columns: Sequence[str]) -> None:
        self.mapper = mapper
        self.columns = [str(c) for c in columns]
        index = {name: i for i, name in enumerate(self.columns)}  # a repeated name: the last, as dict(zip()) keeps
        f = mapper.fields
        wanted = [f.id, f.station, f.start, f.end, f.updated, f.channel, f.score, f.needs_reaction, f.outcome]
        #: The quick path needs every mapped column by position, and column names without an identity code
        #: (else ``map`` refuses every row, with its reason).
        kind = mapper.type
        self.quick = (mapper.what == "column" and all(w in index for w in wanted if w)
                      and _shaped(SEPARATOR.join(self.columns)) is None
                      and (kind is not ItemType.CONTACTS or bool(f.channel))
                      and (kind is not ItemType.FEEDBACK or bool(f.score))
                      and not f.status)  # a status column (closed without an answer): ``map`` row by row
        at = {w: index.get(w) if w else None for w in wanted}
        self._id, self._station, self._start = at[f.id], at[f.station], at[f.start]
        self._end = at[f.end] if f.end else None
        self._updated = at[f.updated] if f.updated else None
        self._channel = at[f.channel] if kind is ItemType.CONTACTS else None
        self._score = at[f.score] if kind is ItemType.FEEDBACK else None
        self._needs = at[f.needs_reaction] if kind is ItemType.FEEDBACK and f.needs_reaction else None
        self._outcome = at[f.outcome] if kind is ItemType.CALLBACKS and f.outcome else None
        self._latest = mapper.until + FUTURE_TOLERANCE
        self._times: dict[Any, Any] = {}
        self._stations: dict[Any, Any] = {}
        self._words: dict[tuple[int, Any], Any] = {}
        #: Values of the non-id columns found clean by the guard's scan in this pull.
        self._seen: set[Any] = set()

    def map(self, rows: Sequence[Sequence[Any]]) -> list[Item | RecordError]:
        """Each row's item, or the RecordError ``map`` raises for it, in the rows' order."""
        if not (self.quick and self._clean(rows)):
            return [self._one(row) for row in rows]
        out: list[Item | RecordError] = []
        append = out.append
        for row in rows:
            item = self._quick(row)
            append(item if item is not None else self._one(row))
        return out

    def _one(self, row: Sequence[Any]) -> Item | RecordError:
        """The definition: the row as a record through ``map``."""
        try:
            return self.mapper.map(dict(zip(self.columns, row, strict=False)))[0]
        except RecordError as e:
            return e

    def _clean(self, rows: Sequence[Sequence[Any]]) -> bool:
        """Whether no value of the chunk can hold an identity code: only plain values (the guard's leaves), and
        no candidate in their text. False sends the chunk row by row through the guard itself.

        Each column's distinct values are scanned once; a value of a column other than the id's that was found
        clean in an earlier chunk of the pull is not scanned again (times, stations and words repeat: the scan
        is then mostly the ids)."""
        if not _ATOMS.issuperset(set(map(type, chain.from_iterable(rows)))):
            return False
        seen = self._seen
        fresh: list[Any] = []
        for number, column in enumerate(zip(*rows, strict=True)):
            distinct = set(column)
            if number != self._id:
                distinct -= seen
            fresh.append(distinct)
        if _shaped(SEPARATOR.join(map(str, chain.from_iterable(fresh)))) is not None:
            return False
        if len(seen) >= MEMO_LIMIT:
            seen.clear()
        for number, distinct in enumerate(fresh):
            if number != self._id:
                seen |= distinct
        return True

    def _quick(self, row: Sequence[Any]) -> Item | None:
        """The row's item when every field reads plainly; None when ``map`` must decide (a refusal, or a value
        the quick path does not know)."""
        raw = row[self._id]
        if raw is None:
            return None
        text = raw.strip() if type(raw) is str else str(raw).strip()
        if type(raw) is str and text in NO_VALUE:
            return None
        place = row[self._station]
        station = self._stations.get(place)
        if station is None:
            station = self._station_of(place)
            if station is None:
                return None
        times = self._times  # every value is hashable here: _clean let only plain values through
        raw = row[self._start]
        start = times.get(raw)
        if start is None:
            start = self._time(raw)
        if start is _SLOW or start is _EMPTY or start is None:
            return None
        end = None
        if self._end is not None:
            raw = row[self._end]
            end = times.get(raw)
            if end is None:
                end = self._time(raw)
            if end is _SLOW:
                return None
            if end is _EMPTY:
                end = None
            elif end is not None and end < start:
                return None
        updated = None
        if self._updated is not None:
            raw = row[self._updated]
            updated = times.get(raw)
            if updated is None:
                updated = self._time(raw)
            if updated is _SLOW:
                return None
            if updated is _EMPTY:
                updated = None
        if updated is None:
            updated = start if end is None else end  # as map's max(start, end): end is not before start
        channel = score = outcome = None
        needs = False
        if self._channel is not None:
            channel = self._word(self._channel, row[self._channel], self._channel_of)
            if channel is _SLOW:
                return None
        if self._score is not None:
            score = self._word(self._score, row[self._score], self._score_of)
            if score is _SLOW:
                return None
            if self._needs is not None:
                needs = self._word(self._needs, row[self._needs], self._needs_of)
                if needs is _SLOW:
                    return None
        if self._outcome is not None:
            outcome = self._word(self._outcome, row[self._outcome], self._outcome_of)
        mapper = self.mapper
        return Item(mapper.type, mapper.keyer(text), station, start, end, channel, score, needs,  # type: ignore[arg-type]
                    outcome, updated)

    # -- each distinct value once
    def _time(self, raw: Any) -> Any:
        """An instant (UTC), None for no value, _EMPTY for a blank text, _SLOW when ``map`` must say why not."""
        if raw is None:
            return None
        times = self._times
        ts = times.get(raw)
        if ts is not None:
            return ts
        kind = type(raw)
        if kind is str and raw.strip() in NO_VALUE:
            ts = _EMPTY
        else:
            if kind is not str and kind is not datetime:
                return _SLOW  # dates, numbers, times of day: rare in an item source; ``map`` reads them
            try:
                ts = self._local(raw) if kind is str and _LOCAL_TEXT.fullmatch(raw) else parse_time(
                    raw, self.mapper.zone, self.mapper.until)
            except (ValueError, OverflowError):
                return _SLOW
            if ts is None:
                return _SLOW
            if ts > self._latest or ts < EARLIEST_TIME:
                return _SLOW
        if len(times) >= MEMO_LIMIT:
            times.clear()
        times[raw] = ts
        return ts

    def _local(self, text: str) -> datetime | None:
        """``parse_time`` of a database's local time text ``2026-11-23 08:00:00``, in fewer steps: for this
        shape ``time_parts`` is ``datetime.fromisoformat`` and ``local_instant`` checks that the wall time comes
        back from its instant (None: in the spring-forward gap, which ``map`` refuses with its reason)."""
        wall = datetime.fromisoformat(text)
        zone = self.mapper.zone
        instant = wall.replace(tzinfo=zone).astimezone(UTC)
        return instant if instant.astimezone(zone).replace(tzinfo=None) == wall else None

    def _station_of(self, raw: Any) -> str | None:
        if is_blank(raw):
            return None
        try:
            code = self.mapper._stations._station(raw)
        except RecordError:
            return None
        if type(raw) is str or type(raw) is int:  # a bool or a float would share a key with an int
            self._stations[raw] = code
        return code

    def _word(self, column: int, raw: Any, read: Any) -> Any:
        """A channel, score, flag or outcome value read once per distinct text or integer."""
        kind = type(raw)
        key = (column, raw)
        if kind is str or kind is int:
            known = self._words.get(key, _SLOW)
            if known is not _SLOW:
                return known
        try:
            value = read(raw)
        except RecordError:
            return _SLOW
        if kind is str or kind is int:
            if len(self._words) >= MEMO_LIMIT:
                self._words.clear()
            self._words[key] = value
        return value

    def _blank(self, raw: Any) -> bool:
        return is_blank(raw)

    def _channel_of(self, raw: Any) -> str:
        if self._blank(raw):
            raise RecordError("empty")
        return self.mapper._channel(raw)

    def _score_of(self, raw: Any) -> int:
        if self._blank(raw):
            raise RecordError("empty")
        return self.mapper._score(raw)

    def _needs_of(self, raw: Any) -> bool:
        return self.mapper.flag_of(raw, self.mapper.fields.needs_reaction or "")

    def _outcome_of(self, raw: Any) -> str | None:
        return None if self._blank(raw) else self.mapper._outcome(raw)
