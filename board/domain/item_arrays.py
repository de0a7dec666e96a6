"""One station's items of one type as columns, and their figures counted without a Python step per item or instant.

Why: a year's first load for 30 stations counts the figures at about 2.4
million instants from 1.7 million items. :func:`board.domain.items.count`
and :func:`~board.domain.items.instants` (the plain reference, kept as the
definition) spend most of that in Python: an epoch and a Helsinki midnight
per instant, a heap step per instant for the oldest waiting item, a generator
per item and figure. Here every item field is converted once into a numpy
column and the rest is sorting, cumulative maxima and binary searches.

The result must be *the same figures*, bit for bit, as the reference gives
(tests/test_item_arrays.py compares them on generated item logs with both
DST nights, midnights and items updated after the fact; the reconciliation
tests run through this path). So:

* instants are int64 microseconds since the Unix epoch: exact for every
  aware datetime, so comparisons, minute rounding and sets of instants are
  exact;
* ages are computed in float seconds exactly as the reference computes them:
  ``datetime.timestamp()`` and ``µs / 1e6`` are both the correctly rounded
  quotient of the same integers, hence the same float.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from board.domain import kpi
from board.domain.items import CLOSED, OUTCOME_CLASSES, Item, ItemType, metrics_of, nps_class
from board.domain.timeutil import UTC, day_start, ensure_utc, local_date

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
MINUTE = 60_000_000
#: The end of an item that has none (still waiting): later than any instant.
NEVER = np.iinfo(np.int64).max


def micros(ts: datetime) -> int:
    """``ts`` (aware) as whole microseconds since the Unix epoch: exact, unlike a float timestamp."""
    return (ts - EPOCH) // _US


def from_micros(us: int) -> datetime:
    """The aware UTC datetime of :func:`micros`' value."""
    return EPOCH + timedelta(microseconds=us)


class Midnights:
    """The Helsinki midnights (as :func:`micros`) of every local day from ``first`` to ``last`` and one more.

    Days are local calendar days (23 or 25 hours on DST nights): each midnight is computed by
    :func:`board.domain.timeutil.day_start`, never by adding 24 hours.
    """

    def __init__(self, first: date, last: date) -> None:
        self.first = first
        n = (last - first).days + 2
        self.at = np.array([micros(day_start(first + timedelta(days=k))) for k in range(max(n, 2))], dtype=np.int64)

    @classmethod
    def covering(cls, lo: int, hi: int) -> Midnights:
        """Midnights whose days cover every instant in ``[lo, hi]`` (and the midnight after ``hi``'s day)."""
        return cls(local_date(from_micros(lo)), local_date(from_micros(hi)))

    def index(self, at: np.ndarray) -> np.ndarray:
        """Each instant's day, as the index of its midnight in :attr:`at` (instants must be covered)."""
        return np.searchsorted(self.at, at, side="right") - 1

    def start(self, at: np.ndarray) -> np.ndarray:
        """The local midnight starting each instant's day."""
        return self.at[self.index(at)]


@dataclass(frozen=True)
class ItemArrays:
    """One station's items of one type, a column per field (times as :func:`micros`; :data:`NEVER` for none).

    ``group`` is what the type's per-class counts split by: the channel's place in :data:`kpi.ALL_CHANNELS`
    (contacts), the score's NPS class (feedback), the outcome's place in :data:`OUTCOME_CLASSES` (callbacks);
    -1 when it is in none of them.
    """

    type: ItemType
    start: np.ndarray
    end: np.ndarray
    open_end: np.ndarray
    group: np.ndarray
    needs_reaction: np.ndarray
    #: Closed without being handled or answered (:data:`~board.domain.items.CLOSED`): ends waiting, not counted done.
    closed: np.ndarray

    @classmethod
    def of(cls, item_type: ItemType, items: Sequence[Item]) -> ItemArrays:
        start = np.fromiter((micros(i.start) for i in items), dtype=np.int64, count=len(items))
        end = np.fromiter((NEVER if i.end is None else micros(i.end) for i in items), dtype=np.int64,
                          count=len(items))
        needs = np.fromiter((i.needs_reaction for i in items), dtype=bool, count=len(items))
        if item_type is ItemType.CONTACTS:
            places = {c: n for n, c in enumerate(kpi.ALL_CHANNELS)}
            group = [places.get(i.channel, -1) for i in items]  # type: ignore[arg-type]
            open_end = start
        elif item_type is ItemType.FEEDBACK:
            group = [-1 if i.score is None else nps_class(i.score) for i in items]
            open_end = np.where(needs, end, start)
        else:
            places = {c: n for n, c in enumerate(OUTCOME_CLASSES)}
            group = [places.get(i.outcome, -1) for i in items]  # type: ignore[arg-type]
            open_end = end
        closed = np.fromiter((i.outcome == CLOSED for i in items), dtype=bool, count=len(items))
        return cls(item_type, start, end, open_end, np.array(group, dtype=np.int8).reshape(-1), needs, closed)

    def __len__(self) -> int:
        return len(self.start)

    def take(self, keep: np.ndarray) -> ItemArrays:
        return ItemArrays(self.type, self.start[keep], self.end[keep], self.open_end[keep], self.group[keep],
                          self.needs_reaction[keep], self.closed[keep])

    def relevant(self, first: int, until: int) -> ItemArrays:
        """The items that can change a figure counted over ``[first, until]`` (:func:`board.domain.items.relevant`)."""
        ended = np.where(self.end == NEVER, self.start, self.end)
        latest = np.maximum(np.maximum(self.start, ended), self.open_end)
        return self.take((self.start <= until) & ((self.open_end == NEVER) | (latest >= first)))

    def span(self) -> tuple[int, int] | None:
        """The earliest and latest instant any item's start or end names (None: no items)."""
        if not len(self):
            return None
        ends = self.end[self.end != NEVER]
        return int(self.start.min()), int(max(self.start.max(), ends.max() if len(ends) else 0))


def instants(items: ItemArrays, since: int, until: int, midnights: Midnights) -> np.ndarray:
    """:func:`board.domain.items.instants` of ``items`` over ``[since, until]``: sorted, without repeats.

    ``midnights`` must cover ``until`` (and so the midnight after it).
    """
    marks = midnights.at
    events = [items.start, items.end[items.end != NEVER]]
    ceiled = [-((-e) // MINUTE) * MINUTE for e in events]  # the end of the event's minute
    every = np.concatenate([marks, marks - MINUTE, np.array([until], dtype=np.int64), *ceiled])
    return np.unique(every[(every >= since) & (every <= until)])


def _in_day(sorted_times: np.ndarray, ds: np.ndarray, at: np.ndarray) -> np.ndarray:
    """How many of ``sorted_times`` lie in ``[day start, at]`` for each instant."""
    return (np.searchsorted(sorted_times, at, side="right")
            - np.searchsorted(sorted_times, ds, side="left")).astype(np.float64)


def _waiting(start: np.ndarray, open_end: np.ndarray, at: np.ndarray, seconds: np.ndarray) -> tuple[np.ndarray,
                                                                                                       np.ndarray]:
    """(count waiting, age in seconds of the oldest waiting; 0 when none) at each instant of ``at``.

    The oldest waiting item at ``t`` is, in start order, the first whose end is after ``t`` — the first place
    where the running maximum of the ends passes ``t`` — if it has started by ``t``.
    """
    n = len(at)
    if not len(start):
        return np.zeros(n), np.zeros(n)
    order = np.argsort(start, kind="stable")
    starts, ends = start[order], open_end[order]
    count = (np.searchsorted(starts, at, side="right")
             - np.searchsorted(np.sort(open_end), at, side="right")).astype(np.float64)
    first = np.searchsorted(np.maximum.accumulate(ends), at, side="right")
    found = first < len(starts)
    waits = np.zeros(n, dtype=bool)
    waits[found] = starts[first[found]] <= at[found]
    age = np.zeros(n)
    age[waits] = seconds[waits] - starts[first[waits]] / 1e6
    return count, age


def count(items: ItemArrays, at: np.ndarray, midnights: Midnights, outcomes: bool = False) -> np.ndarray:
    """:func:`board.domain.items.count` of ``items`` at the instants ``at`` (ascending :func:`micros`).

    ``midnights`` must cover every instant of ``at`` and every later start and end of ``items``; earlier ones
    need not be (see :func:`midnights_for`).
    """
    kind = items.type
    seconds = at / 1e6
    ds = midnights.start(at)
    out = np.zeros((len(at), len(metrics_of(kind, outcomes))), dtype=np.float64)
    start, end, group = items.start, items.end, items.group
    if kind is ItemType.CALLBACKS:
        waiting, age = _waiting(start, items.open_end, at, seconds)
        done = (end != NEVER) & ~items.closed  # handled; one closed without being handled only stops waiting
        handled = np.sort(end[done])
        same = midnights.index(start[done]) == midnights.index(end[done])
        out[:, 0], out[:, 1] = waiting, age / 60.0
        out[:, 2] = _in_day(handled, ds, at)
        out[:, 3] = _in_day(np.sort(end[done][same]), ds, at)
        out[:, 4] = (np.searchsorted(np.sort(start), ds, side="left")
                     - np.searchsorted(np.sort(end[end != NEVER]), ds, side="left"))
        if outcomes:
            for j in range(len(OUTCOME_CLASSES)):
                out[:, 5 + j] = _in_day(np.sort(end[done & (group == j)]), ds, at)
    elif kind is ItemType.MESSAGES:
        waiting, age = _waiting(start, items.open_end, at, seconds)
        out[:, 0], out[:, 1] = waiting, age / 3600.0
        out[:, 2] = _in_day(np.sort(start), ds, at)
        out[:, 3] = _in_day(np.sort(end[(end != NEVER) & ~items.closed]), ds, at)
    elif kind is ItemType.CONTACTS:
        for j in range(len(kpi.ALL_CHANNELS)):
            out[:, j] = _in_day(np.sort(start[group == j]), ds, at)
    else:
        for j in range(3):
            out[:, j] = _in_day(np.sort(start[group == j]), ds, at)
        needs = items.needs_reaction
        waiting, age = _waiting(start[needs], items.open_end[needs], at, seconds)
        out[:, 3], out[:, 4] = waiting, age / 3600.0
    return out


def midnights_for(items: ItemArrays, since: int, until: int, more: Sequence[int] = ()) -> Midnights:
    """Midnights from ``since``'s day covering ``[since, until]`` (the midnight after it too), the items' later
    times and ``more``.

    Not back to the items' earliest start: an item open since long before (a source's placeholder date such as
    0001-01-01 passes the mapper) would cost a Helsinki midnight for every day since, at every count, and before
    1 January of the year 1 there is none (OverflowError). No figure needs them: the figures are counted at
    instants from ``since`` on, a day's counts start at its midnight, and a time before the first midnight is
    given day -1 (:meth:`Midnights.index`), earlier than any instant's day; the one comparison of two items' days
    (a callback handled the day it came) only counts ends on an instant's day, which the midnights cover.
    """
    lo, hi = since, until + MINUTE
    span = items.span()
    if span is not None:
        hi = max(hi, span[1])
    if len(more):
        lo, hi = min(lo, min(more)), max(hi, max(more))
    return Midnights.covering(lo, hi)


def counted(item_type: ItemType, items: Sequence[Item], at: Sequence[datetime], outcomes: bool = False) -> np.ndarray:
    """:func:`count` with the reference's arguments (items and aware datetimes): for comparing the two."""
    arrays = ItemArrays.of(item_type, items)
    us = np.array([micros(ensure_utc(t)) for t in at], dtype=np.int64)
    if not len(us):
        return np.zeros((0, len(metrics_of(item_type, outcomes))))
    return count(arrays, us, midnights_for(arrays, int(us[0]), int(us[-1])), outcomes)


__all__ = ["EPOCH", "MINUTE", "NEVER", "ItemArrays", "Midnights", "count", "counted", "from_micros", "instants",
           "micros", "midnights_for"]
