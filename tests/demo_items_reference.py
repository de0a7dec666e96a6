"""REFERENCE ONLY (tests/test_demo_items.py): connectors/demo_items.py as it was before its records became
tuples (2 Dec 2026), kept verbatim so the faster form is checked to tell exactly the same items.

The simulator's days told as items: callbacks, Omasote messages, contacts and feedback answers.

Why: so the item path (board/domain/items.py, board/item_collect.py) runs in
the demo and the tests on data that behaves like a station, and so that the
figures the board counts from these items are *the same numbers* the
simulator states as aggregates for the same seed (tests/test_demo_items.py).

How a simulated day becomes items, all of it from the day's own record
(:class:`~connectors.simulator.DaySeries`: per-minute cumulative counts, and
what the day started with):

* a **callback** or **message** arrives at its minute's instant; the queue is
  served first come first served, so the k-th item of the day's queue (the
  carried-over ones first) is handled at the first minute whose handled count
  passes k;
* **contacts** of each channel arrive at their minute (the Omasote channel is
  the messages received);
* **feedback answers** arrive at their minute with a score in their class
  (9–10, 7–8, 0–6); the simulator's answers needing a reaction are the first
  detractors of their minute, reacted to at their known time.

An item is identified by its type, station, arrival minute and its rank from
the end among that minute's arrivals (a queue carries the *tail* of a minute
over midnight, so the rank from the end is the same on both days); the id is
stored as a keyed hash like any source's. Callbacks get an outcome class by
a stable hash (about 14 % failure demand), which the aggregates do not have.

An item is told as it stands at the pull's moment ``until``: one handled
later is still open, and the pull that sees it handled tells it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime

import numpy as np

from board.domain import kpi
from board.domain.items import Item, ItemType
from board.domain.timeutil import UTC, local_date
from connectors.items import item_key
from connectors.simulator import COL, DaySeries, Simulator

#: Stable shares of the outcome classes given to simulated callbacks (Kainuu's reported failure demand was
#: 18.9 % before its board and 13.5 % after).
_OUTCOMES = (("resolved", 55), ("appointment", 20), ("not_reached", 7), ("redirected", 4), ("failure_demand", 14))


def _instant(epoch_minute: int) -> datetime:
    return datetime.fromtimestamp(epoch_minute * 60, UTC)


def _per_minute(series: DaySeries, column: str) -> np.ndarray:
    cumulative = series.values[:, COL[column]].astype(np.int64)
    return np.diff(cumulative, prepend=0)


def _ranked(arrivals: np.ndarray) -> np.ndarray:
    """Each arrival's rank from the end among the arrivals of its minute (arrivals ascending)."""
    if len(arrivals) == 0:
        return np.zeros(0, dtype=np.int64)
    last_of_minute = np.searchsorted(arrivals, arrivals, side="right") - 1
    return last_of_minute - np.arange(len(arrivals))


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:4], "big")


def _outcome(ident: str) -> str:
    point = _hash(ident, "outcome") % 100
    for name, share in _OUTCOMES:
        if point < share:
            return name
        point -= share
    return _OUTCOMES[-1][0]


class DayItems:
    """The items of one station's simulated day, as they stand at ``until``."""

    def __init__(self, key: bytes, code: str, series: DaySeries, until: datetime, sim: Simulator | None = None,
                 ) -> None:
        self.sim = sim
        self.key = key
        self.code = code
        self.series = series
        self.epoch0 = int(series.start.timestamp() // 60)
        self.minutes = series.minutes
        self.until_minute = int(until.timestamp() // 60)

    def all(self) -> Iterator[Item]:
        yield from self.queue(ItemType.CALLBACKS, "contacts_phone_today", "queue_handled_today",
                              self.series.queue_carry_in)
        yield from self.queue(ItemType.MESSAGES, "omasote_received_today", "omasote_answered_today",
                              self.series.omasote_carry_in)
        yield from self.contacts()
        yield from self.feedback()

    def _item(self, kind: ItemType, arrival: int, rank: int | str, end: int | None, **extra: object) -> Item:
        ident = f"{kind.value}:{self.code}:{arrival}:{rank}"
        ended = _instant(end) if end is not None and end <= self.until_minute else None
        return Item(kind, item_key(self.key, ident), self.code, _instant(arrival), ended,
                    updated=ended or _instant(arrival), **extra)  # type: ignore[arg-type]

    def queue(self, kind: ItemType, arrived: str, handled: str, carry_in: tuple[int, ...]) -> Iterator[Item]:
        today = np.repeat(self.epoch0 + np.arange(self.minutes), _per_minute(self.series, arrived))
        arrivals = np.concatenate([np.asarray(carry_in, dtype=np.int64), today])
        done = self.series.values[:, COL[handled]].astype(np.int64)
        served_at = np.searchsorted(done, np.arange(len(arrivals)), side="right")  # first minute with done > k
        ranks = _ranked(arrivals)
        carried = len(carry_in)
        for k in range(len(arrivals)):
            arrival = int(arrivals[k])
            if arrival > self.until_minute:
                break
            minute = int(served_at[k])
            end = self.epoch0 + minute if minute < self.minutes else None
            if k < carried and (end is None or end > self.until_minute):
                continue  # carried over and not handled yet: told on its own day already
            extra = {}
            if kind is ItemType.CALLBACKS and end is not None:
                extra["outcome"] = _outcome(f"{self.code}:{arrival}:{int(ranks[k])}")
            yield self._item(kind, arrival, int(ranks[k]), end, **extra)

    def contacts(self) -> Iterator[Item]:
        for channel in kpi.ALL_CHANNELS:
            arrivals = np.repeat(self.epoch0 + np.arange(self.minutes),
                                 _per_minute(self.series, f"contacts_{channel}_today"))
            for arrival, rank in zip(arrivals.tolist(), _ranked(arrivals).tolist(), strict=True):
                if arrival > self.until_minute:
                    break
                yield self._item(ItemType.CONTACTS, arrival, f"{channel}:{rank}", None, channel=channel)

    def feedback(self) -> Iterator[Item]:
        minutes = self.epoch0 + np.arange(self.minutes)
        asks: dict[int, list[int]] = {}  # today's arrival minute -> resolved minutes of its asks, in order
        carried = []
        for arrival, resolved in self.series.reactions:
            if arrival >= self.epoch0:
                asks.setdefault(arrival, []).append(resolved)
            elif self.epoch0 <= resolved <= self.until_minute:
                carried.append((arrival, resolved))
        for j, column in enumerate(("feedback_promoters_today", "feedback_passives_today",
                                    "feedback_detractors_today")):
            per_minute = _per_minute(self.series, column)
            arrivals = np.repeat(minutes, per_minute)
            for arrival, rank in zip(arrivals.tolist(), _ranked(arrivals).tolist(), strict=True):
                if arrival > self.until_minute:
                    break
                resolved = None
                if j == 2:  # the n-th detractor of a minute is its n-th answer asking for a reaction, if any
                    n = int(per_minute[arrival - self.epoch0]) - 1 - rank
                    of_minute = asks.get(arrival, [])
                    resolved = of_minute[n] if n < len(of_minute) else None
                yield self._answer(arrival, j, rank, resolved, needs=resolved is not None)
        for arrival, resolved in carried:  # an earlier day's answer reacted to today: told again, reacted
            rank = self._carried_rank(arrival, resolved)
            if rank is not None:
                yield self._answer(arrival, 2, rank, resolved, needs=True)

    def _answer(self, arrival: int, j: int, rank: int, resolved: int | None, needs: bool) -> Item:
        low, high = ((9, 10), (7, 8), (0, 6))[j]
        score = low + _hash(self.code, arrival, j, rank, "score") % (high - low + 1)
        return self._item(ItemType.FEEDBACK, arrival, rank * 3 + j, resolved, score=score, needs_reaction=needs)

    def _carried_rank(self, arrival: int, resolved: int) -> int | None:
        """The rank an earlier day gave the answer arriving at ``arrival`` whose reaction is ``resolved``."""
        if self.sim is None:
            return None
        earlier = self.sim.day(self.code, local_date(_instant(arrival)))
        start = int(earlier.start.timestamp() // 60)
        per_minute = _per_minute(earlier, "feedback_detractors_today")
        of_minute = [r for a, r in earlier.reactions if a == arrival]
        if resolved not in of_minute:
            return None
        return int(per_minute[arrival - start]) - 1 - of_minute.index(resolved)


def station_items(sim: Simulator, key: bytes, code: str, days: list[date], until: datetime) -> Iterator[Item]:
    """Every item of ``code`` whose state any of ``days`` made, as it stands at ``until``."""
    for day in days:
        yield from DayItems(key, code, sim.day(code, day), until, sim).all()
