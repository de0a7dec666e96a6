"""The connector contract every source kind implements.

A connector knows how to talk to one system and turn what it returns into
:class:`~board.domain.reading.Reading` objects. It keeps no state: the
collector hands it the window ``[since, until]`` (inclusive; the store's key
removes the overlap). Rows it cannot use are yielded as
:class:`~board.domain.reading.Rejected` with a reason, so one bad row never
stops the rest.

A source that delivers in bulk may yield a
:class:`~board.domain.reading.ReadingBlock` (one station, many metrics at
many instants) instead of the readings one by one: it means exactly its
readings, and the collector and the store handle it without an object per
reading (the demo does this; see docs/PERFORMANCE.md, backfill).

No silent loss: the run ledger
-------------------------------
Every *data row* a connector reads (a CSV line or sheet row below the header,
a result row, a JSON record, one instant of a block) ends as exactly one of

* stored readings (one or more :class:`Reading`, or its part of a block),
* one :class:`Rejected` (a data error, with the reason), or
* one :class:`Ignored` (deliberately not stored: a totals row, a note, a
  metric mapped to ``ignore``, a row with every value empty; a
  :class:`Duplicate` is an ignored repeat of a row already read),

and the connector says how many rows it read with :class:`RowsRead`, yielded
*after* the items those rows gave. Row-by-row sources yield
:data:`~board.domain.reading.ONE_ROW` after each row (the collector then
knows each row's outcome exactly, files too for the rows they store); chunked
ones (a block) one ``RowsRead(n)`` per chunk. Rows that repeat a station,
metric and time within one pull go through :class:`connectors.repeats.RepeatGuard`
(the first kept, an identical repeat a ``Duplicate``, another value refused).
``Rejected.rows`` and ``Ignored.rows`` say how many rows one event stands for
(a whole file refused: its rows; input refused before any row was read: 0). Lines that are not data rows (a title, the
header, blank lines above it) are not rows and are not counted.

The collector records per run: rows read, rows stored, readings stored, rows
refused, rows ignored, duplicates; and reports a run whose rows do not add up
(read ≠ stored + refused + ignored) as a warning. A connector that yields no
``RowsRead`` at all (an older or third-party one) still works: its run simply
has no "rows read" to check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from board.domain.reading import ONE_ROW, Duplicate, Ignored, PullItem, Reading, ReadingBlock, Rejected, RowsRead

#: Why a row that maps to no reading at all is ignored (sql, rest; the mapper returns nothing for it).
NOTHING_TO_STORE = "nothing to store in it: its metric is mapped to ignore, or every value in it is empty"


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    kind: str  # "ok", "configuration", "transient", "data", "error"
    message: str


class Connector(Protocol):
    name: str

    def pull(self, since: datetime | None, until: datetime) -> Iterator[PullItem]:
        """Readings with ``since <= ts <= until`` (all history the source offers when since is None), with the
        ledger's events: every data row read ends as readings, one Rejected or one Ignored, and RowsRead says
        how many rows were read (see the module docstring)."""
        ...

    def check(self, until: datetime) -> CheckResult:
        """Can the source be reached and one record read? Never raises."""
        ...


class Acknowledging(Protocol):
    """Optional: a connector with input to retire once the collector has committed a run (files)."""

    def acknowledge(self) -> None:
        """The last pull's readings are committed: retire what it read. Called once per successful run."""
        ...


__all__ = ["NOTHING_TO_STORE", "ONE_ROW", "Acknowledging", "CheckResult", "Connector", "Duplicate", "Ignored",
           "PullItem", "Reading", "ReadingBlock", "Rejected", "RowsRead"]
