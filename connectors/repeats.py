"""Rows that repeat a station, metric and time within one pull: never the last one silently winning (issue 13).

A reporting database writes the same figure twice more often than one would think: a view that joins two
tables repeats its rows, an export job runs twice into one table, and a local-time source without an offset
writes the repeated October hour (03.00-03.59) onto the same wall-clock times as the hour before it. The store
keeps one value per (station, metric, time), so without a guard the last row read would overwrite the first
and nobody would know. :class:`RepeatGuard` remembers, for one pull, the value and row of each key read:

* a later row whose every reading repeats one already read *with the same value* is a
  :class:`~board.domain.reading.Duplicate` (counted in the run ledger, not stored twice);
* a later row giving a key *another value* is :class:`~board.domain.reading.Rejected`, with a reason naming both
  rows and both values; the first row is kept (a streamed source has already handed it on). The files connector,
  which holds a whole file before anything is stored, refuses both rows instead (which one is right cannot be
  told) but finds them with this same guard.

Memory is bounded: one pull remembers at most :data:`MAX_KEYS` keys (about 40 MB at the bound, measured with
tracemalloc over wide rows of 30 stations x 10 figures). Past it the guard says so once (the log, and an
``Ignored`` note of no rows) and remembers no more keys: keys remembered so far are still checked, later ones
are not, and the store keeps the last value of a repeated key as it always has. A pull that large is a
backfill, where repeats of the same source rows are rare.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from board.domain.items import Item
from board.domain.reading import Duplicate, Ignored, Reading, Rejected
from board.domain.reasons import Reason
from board.domain.timeutil import HELSINKI

log = logging.getLogger(__name__)

#: How many (station, metric, time) keys one pull remembers at most.
MAX_KEYS = 200_000
#: The end of a duplicate's reason (the files connector tells a Duplicate from an Ignored by it).
DUPLICATE_NOTE = "(a duplicate, taken once)"

Key = tuple[str, str, datetime]


@dataclass(frozen=True)
class Clash:
    """A reading that gives a key an earlier row gave another value: the earlier row and its value."""

    first: int
    earlier: float
    reading: Reading


class RepeatGuard:
    """Remembers each (station, metric, time) read in one pull with its value and the row that gave it first.

    ``label`` turns a row number into the words a reason uses ("row 3 of the result", "record 3", "line 41").
    Make one per pull. Items (``deliver: items``) are keyed by their id: an item read again in the same state (an
    offset-paged API whose list grew between two pages repeats the previous page's last record) is a
    :class:`~board.domain.reading.Duplicate`; another state of it passes (the item's newest state wins, as ever).
    """

    def __init__(self, label: Callable[[int], str], limit: int = MAX_KEYS, source: str = "") -> None:
        self.label = label
        self.limit = limit
        self.source = source
        self._first: dict[Key, tuple[float, int]] = {}
        #: Each item read (by type and keyed id): its state and the row that gave it first.
        self._items: dict[tuple[Any, str], tuple[Any, int]] = {}
        #: Whether the bound was reached (keys after it are not remembered).
        self.full = False

    def look(self, readings: Sequence[Any]) -> tuple[list[Clash], int | None]:
        """What one row's readings repeat: the clashes (another value), and the row it repeats exactly when every
        reading of it repeats one already read with the same value (else None)."""
        clashes, repeated, _same = self._look(readings)
        return clashes, repeated

    def _look(self, readings: Sequence[Any]) -> tuple[list[Clash], int | None, int]:
        clashes: list[Clash] = []
        same = 0
        repeated: int | None = None
        first = self._first
        for reading in readings:
            if not isinstance(reading, Reading):
                continue
            seen = first.get((reading.station, reading.metric, reading.ts))
            if seen is None:
                continue
            if seen[0] == reading.value:
                same += 1
                repeated = seen[1] if repeated is None else repeated
            else:
                clashes.append(Clash(seen[1], seen[0], reading))
        return clashes, repeated if readings and same == len(readings) else None, same

    def remember(self, readings: Sequence[Any], row: int) -> Ignored | None:
        """Note the keys of a row taken (the first value of a key stays). Returns, once, the note that the bound
        was reached."""
        if self.full:
            return None
        first = self._first
        for reading in readings:
            if isinstance(reading, Reading):
                first.setdefault((reading.station, reading.metric, reading.ts), (reading.value, row))
        if len(first) < self.limit:
            return None
        self.full = True
        bound = f"{self.limit:,}".replace(",", " ")
        note = (f"more than {bound} station, figure and time keys in one pull: repeated rows after "
                f"{self.label(row)} are no longer checked (the store keeps the last value of a repeated key); "
                "pull a shorter window to have every row checked")
        log.warning("source %s: %s", self.source or "?", note)
        return Ignored(self.label(row), note, rows=0)

    def row(self, readings: Sequence[Any], row: int) -> list[Any]:
        """A streamed source's row: its readings not read before (the row taken), or one Duplicate, or one
        Rejected naming the earlier row and both values (the first row is kept)."""
        if len(readings) == 1 and isinstance(readings[0], Item):
            return self._item(readings[0], row)
        clashes, repeated, same = self._look(readings)
        if clashes:
            return [Rejected(self.clash_reason(clashes[0], row))]
        if repeated is not None:
            return [Duplicate(self.label(row), f"repeats {self.label(repeated)} exactly {DUPLICATE_NOTE}")]
        if same:  # some readings repeat earlier rows with the same value: the row gives only its new ones
            first = self._first
            readings = [r for r in readings
                        if not isinstance(r, Reading) or (r.station, r.metric, r.ts) not in first]
        note = self.remember(readings, row)
        return [*readings, note] if note is not None else list(readings)

    def _item(self, item: Item, row: int) -> list[Any]:
        """An item row: one Duplicate when it repeats an item read earlier in this pull exactly, else the item."""
        key = (item.type, item.key)
        seen = self._items.get(key)
        if seen is not None and seen[0] == item:
            return [Duplicate(self.label(row), f"repeats {self.label(seen[1])} exactly {DUPLICATE_NOTE}")]
        if len(self._items) < self.limit:
            self._items[key] = (item, row)
        return [item]

    def clash_reason(self, clash: Clash, row: int) -> Reason:
        """Why a streamed row is refused: its station, figure and local time, both values and both rows."""
        ours = clash.reading
        local = ours.ts.astimezone(HELSINKI)
        first, this = self.label(clash.first), self.label(row)
        return Reason("repeated_key_clash",
                      f"{local:%d.%m.%Y %H.%M} {ours.station} {ours.metric}: {clash.earlier:g} on {first} and later "
                      f"{ours.value:g} on {this} in the same pull; the first is kept, this row is refused (fix the "
                      "query or export so that each station, figure and time comes once)",
                      time=f"{local:%d.%m.%Y %H.%M}", station=ours.station, metric=ours.metric,
                      earlier=clash.earlier, value=ours.value, first=where_words(first), row=where_words(this))


def both_refused_reason(other: str, theirs: float, ours: Reading, date_only: bool) -> Reason:
    """Why a row of a file is refused when another row of it gives one of its keys another value (both are)."""
    local = ours.ts.astimezone(HELSINKI)
    if date_only:
        return Reason("date_only_conflict", f"station {ours.station} has several rows on {local:%d.%m.%Y} with no "
                      f"time of day, with different {ours.metric} values (this one and {other}); map the time column "
                      "too, e.g. time: [Päivämäärä, Klo]", station=ours.station, date=f"{local:%d.%m.%Y}",
                      metric=ours.metric, other=where_words(other))
    return Reason("conflicting_rows", f"{ours.metric} of station {ours.station} at {local:%d.%m.%Y %H.%M} is "
                  f"{ours.value:g} here but {theirs:g} on {other}; both rows refused (which one is right cannot be "
                  "told)", metric=ours.metric, station=ours.station, time=f"{local:%d.%m.%Y %H.%M}", value=ours.value,
                  other_value=theirs, other=where_words(other))


_WHERE = ((re.compile(r"(line|row) (\d+)"), "at_unit"), (re.compile(r"row (\d+) of the result"), "result_row"),
          (re.compile(r"record (\d+)"), "record_n"))


def where_words(label: str) -> str:
    """A row's label ("line 41", "row 3 of the result", "record 3") as a reason the pages word in their language;
    another label as it is."""
    for pattern, code in _WHERE:
        m = pattern.fullmatch(label)
        if m and code == "at_unit":
            return Reason(code, label, unit=m.group(1), line=m.group(2))
        if m:
            return Reason(code, label, line=m.group(1))
    return label
