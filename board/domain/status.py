"""Status of a figure against its thresholds, and of a tile as a whole.

A status is never shown by colour alone: every status has an icon shape and a
word (see ``board.web.wall_html`` and ``board.web.icons``). Order matters: the worst status of a tile's
figures is the tile's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    ALERT = "alert"
    NEUTRAL = "neutral"  # a figure with no threshold, or too few answers to judge
    NO_DATA = "no_data"  # nothing delivered yet
    STALE = "stale"  # the source has not delivered within its limit
    CLOSED = "closed"  # outside opening hours: never "red"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {
    Status.NEUTRAL: 0,
    Status.CLOSED: 0,
    Status.OK: 1,
    Status.WARN: 2,
    Status.ALERT: 3,
    Status.NO_DATA: 4,
    Status.STALE: 5,
}

Direction = Literal["higher_is_worse", "lower_is_worse"]


@dataclass(frozen=True)
class Threshold:
    """Limits for one figure. ``amber``/``red`` are where that status begins.

    For ``higher_is_worse`` a value >= red is ALERT, >= amber is WARN.
    For ``lower_is_worse`` a value <= red is ALERT, <= amber is WARN.
    """

    amber: float
    red: float
    direction: Direction = "higher_is_worse"

    def __post_init__(self) -> None:
        if self.direction == "higher_is_worse" and self.red < self.amber:
            raise ValueError(f"red ({self.red}) must be >= amber ({self.amber}) when higher is worse")
        if self.direction == "lower_is_worse" and self.red > self.amber:
            raise ValueError(f"red ({self.red}) must be <= amber ({self.amber}) when lower is worse")

    def evaluate(self, value: float | None) -> Status:
        if value is None:
            return Status.NEUTRAL
        if self.direction == "higher_is_worse":
            if value >= self.red:
                return Status.ALERT
            if value >= self.amber:
                return Status.WARN
            return Status.OK
        if value <= self.red:
            return Status.ALERT
        if value <= self.amber:
            return Status.WARN
        return Status.OK


def worst(statuses: list[Status]) -> Status:
    """The most severe status; NEUTRAL when there is nothing to judge."""
    return max(statuses, key=_SEVERITY.__getitem__, default=Status.NEUTRAL)
