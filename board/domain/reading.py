"""What a connector hands the collector: readings, blocks of readings, rows it refused or ignored, and how many
rows it read (the run ledger's events; the contract is in :mod:`connectors.base`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np


@dataclass(frozen=True)
class Reading:
    """One value of one metric at one station at one instant (aware UTC)."""

    station: str
    metric: str
    ts: datetime
    value: float


@dataclass(frozen=True, eq=False)
class ReadingBlock:
    """Many readings of one station as a grid: every metric of ``metrics`` at every instant of ``times``.

    Why it exists: a year of history for 30 stations is about 10 million
    readings, and a Python object per reading (made, checked, turned into a
    row) costs more than storing it. A bulk source (the simulator; a
    warehouse's wide rows) hands over a block instead, which the collector
    checks and the store writes column by column. It means exactly the
    readings :meth:`readings` yields; anything that does not need the speed
    can use those.

    ``times`` are aware UTC instants in ascending order, without repeats;
    ``values`` has a row per time and a column per metric. ``micros``, if
    given, is ``times`` again as int64 microseconds since the Unix epoch
    (:func:`board.domain.item_arrays.micros`): a producer that has them already
    (the item figures are counted as such) spares the store a Python step per
    time; without them the store works them out.
    """

    station: str
    metrics: tuple[str, ...]
    times: tuple[datetime, ...]
    values: np.ndarray
    micros: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.times), len(self.metrics)):
            raise ValueError(f"a block of {len(self.times)} times x {len(self.metrics)} metrics cannot hold values "
                             f"of shape {self.values.shape}")
        if self.micros is not None and self.micros.shape != (len(self.times),):
            raise ValueError(f"a block of {len(self.times)} times cannot have {self.micros.shape} microsecond times")

    def __len__(self) -> int:
        return len(self.times) * len(self.metrics)

    def readings(self) -> Iterator[Reading]:
        """The block's readings one by one, time by time (the block's meaning, spelled out)."""
        rows = self.values.tolist()
        for ts, row in zip(self.times, rows, strict=True):
            for metric, value in zip(self.metrics, row, strict=True):
                yield Reading(self.station, metric, ts, value)


@dataclass(frozen=True)
class Rejected:
    """A row (or a whole file) refused as a data error, with the reason an administrator sees; never fatal.

    ``rows`` is how many data rows it stands for: 1 for a row, a refused file's data rows (of a file that cannot
    be decoded, its non-empty lines but the header), 0 for input refused before any row of it was read (a file that
    is not a plain file, or too big to read).
    """

    reason: str
    rows: int = 1


@dataclass(frozen=True)
class Ignored:
    """Data rows deliberately not stored, and why: a totals row, a note, a row whose metric is mapped to
    ``ignore`` or whose every value is empty. Not an error; counted in the run ledger so nothing read vanishes.

    ``where`` says which rows ("line 41", "row 12 of the result"), ``reason`` why they were left out.
    """

    where: str
    reason: str
    rows: int = 1


@dataclass(frozen=True)
class Duplicate(Ignored):
    """Data rows that repeat one already read in the same pull (same station, metric, time *and* value): taken
    once, counted as duplicates. (Rows that repeat the key with another value are :class:`Rejected`.)"""


@dataclass(frozen=True)
class Held(Ignored):
    """Data rows left for now and read again on a later pull (a file's last line that may be half-written).

    Counted as ignored in this run, like any :class:`Ignored`; but what the pull read is not the whole input, so
    a snapshot of open items (``mode: snapshot``) made from it must not be applied: an open item on the held line
    would be closed as answered (board/item_collect.py)."""


@dataclass(frozen=True)
class RowsRead:
    """How many data rows the connector read since its previous ``RowsRead`` (or the start of the pull).

    Yielded *after* the readings, refusals and ignored rows those rows gave, so the collector can tell what
    became of them: ``RowsRead(1)`` after each row lets it tell each row's outcome exactly; one after a
    chunk (a block) says the chunk's total. The run ledger's "rows read" is their sum.
    """

    rows: int


#: One row read: the event a row-by-row connector yields after each row (one object, not one per row).
ONE_ROW = RowsRead(1)

#: Anything a connector's pull yields.
PullItem = Reading | ReadingBlock | Rejected | Ignored | RowsRead


def flatten(items: Sequence[PullItem] | Iterator[PullItem]) -> Iterator[Reading | Rejected]:
    """A connector's output as single readings and refusals: every block spelled out as its readings, the
    ledger's bookkeeping (:class:`Ignored`, :class:`RowsRead`) left out (for callers that want single readings)."""
    for item in items:
        if isinstance(item, ReadingBlock):
            yield from item.readings()
        elif isinstance(item, Reading | Rejected):
            yield item
