"""What a connector hands the collector: readings, blocks of readings, and rows it had to refuse."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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
    ``values`` has a row per time and a column per metric.
    """

    station: str
    metrics: tuple[str, ...]
    times: tuple[datetime, ...]
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.times), len(self.metrics)):
            raise ValueError(f"a block of {len(self.times)} times x {len(self.metrics)} metrics cannot hold values "
                             f"of shape {self.values.shape}")

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
    """A row skipped as a data error; counted per reason, never fatal."""

    reason: str


def flatten(items: Sequence[Reading | ReadingBlock | Rejected] | Iterator[Reading | ReadingBlock | Rejected],
            ) -> Iterator[Reading | Rejected]:
    """A connector's output with every block spelled out as its readings (for callers that want single readings)."""
    for item in items:
        if isinstance(item, ReadingBlock):
            yield from item.readings()
        else:
            yield item
