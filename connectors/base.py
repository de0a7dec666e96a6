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
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from board.domain.reading import Reading, ReadingBlock, Rejected


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    kind: str  # "ok", "configuration", "transient", "data", "error"
    message: str


class Connector(Protocol):
    name: str

    def pull(self, since: datetime | None, until: datetime) -> Iterator[Reading | ReadingBlock | Rejected]:
        """Readings with ``since <= ts <= until`` (all history the source offers when since is None)."""
        ...

    def check(self, until: datetime) -> CheckResult:
        """Can the source be reached and one record read? Never raises."""
        ...


class Acknowledging(Protocol):
    """Optional: a connector with input to retire once the collector has committed a run (files)."""

    def acknowledge(self) -> None:
        """The last pull's readings are committed: retire what it read. Called once per successful run."""
        ...
