"""What a connector hands the collector: readings, and rows it had to refuse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Reading:
    """One value of one metric at one station at one instant (aware UTC)."""

    station: str
    metric: str
    ts: datetime
    value: float


@dataclass(frozen=True)
class Rejected:
    """A source row skipped as a data error; counted per reason, never fatal."""

    reason: str
