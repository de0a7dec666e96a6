"""The simulator's days told as items: callbacks, Omasote messages, contacts and feedback answers.

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


def _score_hash(code: str, arrival: int, j: int, rank: int) -> int:
    """``_hash(code, arrival, j, rank, "score")``, the string made in one step (an answer's score)."""
    return int.from_bytes(hashlib.sha256(f"{code}|{arrival}|{j}|{rank}|score".encode()).digest()[:4], "big")


def _outcome(ident: str) -> str:
    point = _hash(ident, "outcome") % 100
    for name, share in _OUTCOMES:
        if point < share:
            return name
        point -= share
    return _OUTCOMES[-1][0]


#: One item as the simulator tells it, before it becomes an :class:`Item`: its type, its id in the simulated
#: source (never stored as such: :func:`item_key` hashes it), its arrival and its end (epoch minutes; the end
#: None while not yet reached at ``until``), channel, score, needs-reaction and outcome. Tuples until the
#: very end: the bench's item database (bench/item_database.py) writes them as a source system's rows, and
#: the demo makes each an ``Item`` only once it is the latest state of its id.
Record = tuple[ItemType, str, int, "int | None", "str | None", "int | None", bool, "str | None"]


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
        #: Every column's count per minute, differenced once for the whole day (not once per column asked).
        self.per_minute = np.diff(series.values.astype(np.int64), axis=0, prepend=0)

    def all(self) -> Iterator[Item]:
        instants: dict[int, datetime] = {}
        for record in self.records():
            yield to_item(self.key, self.code, record, instants)

    def records(self) -> Iterator[Record]:
        """The day's items as records, in the order :meth:`all` tells them."""
        yield from self.queue(ItemType.CALLBACKS, "contacts_phone_today", "queue_handled_today",
                              self.series.queue_carry_in)
        yield from self.queue(ItemType.MESSAGES, "omasote_received_today", "omasote_answered_today",
                              self.series.omasote_carry_in)
        yield from self.contacts()
        yield from self.feedback()

    def queue(self, kind: ItemType, arrived: str, handled: str, carry_in: tuple[int, ...]) -> Iterator[Record]:
        today = np.repeat(self.epoch0 + np.arange(self.minutes), self.per_minute[:, COL[arrived]])
        arrivals = np.concatenate([np.asarray(carry_in, dtype=np.int64), today])
        done = self.series.values[:, COL[handled]].astype(np.int64)
        n = int(np.searchsorted(arrivals, self.until_minute, side="right"))  # arrived by until (ascending)
        served_at = np.searchsorted(done, np.arange(n), side="right").tolist()  # first minute with done > k
        ranks = _ranked(arrivals)[:n].tolist()
        arrivals_ = arrivals[:n].tolist()
        carried = len(carry_in)
        epoch0, minutes, until, code, name = self.epoch0, self.minutes, self.until_minute, self.code, kind.value
        callbacks = kind is ItemType.CALLBACKS
        for k in range(n):
            arrival, minute, rank = arrivals_[k], served_at[k], ranks[k]
            end = epoch0 + minute if minute < minutes else None
            if k < carried and (end is None or end > until):
                continue  # carried over and not handled yet: told on its own day already
            outcome = _outcome(f"{code}:{arrival}:{rank}") if callbacks and end is not None else None
            yield (kind, f"{name}:{code}:{arrival}:{rank}", arrival, end if end is not None and end <= until else None,
                   None, None, False, outcome)

    def contacts(self) -> Iterator[Record]:
        minutes = self.epoch0 + np.arange(self.minutes)
        prefix = f"{ItemType.CONTACTS.value}:{self.code}:"
        for channel in kpi.ALL_CHANNELS:
            arrivals = np.repeat(minutes, self.per_minute[:, COL[f"contacts_{channel}_today"]])
            arrivals = arrivals[:int(np.searchsorted(arrivals, self.until_minute, side="right"))]
            for arrival, rank in zip(arrivals.tolist(), _ranked(arrivals).tolist(), strict=True):
                yield (ItemType.CONTACTS, f"{prefix}{arrival}:{channel}:{rank}", arrival, None, channel, None, False,
                       None)

    def feedback(self) -> Iterator[Record]:
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
            per_minute = self.per_minute[:, COL[column]]
            arrivals = np.repeat(minutes, per_minute)
            arrivals = arrivals[:int(np.searchsorted(arrivals, self.until_minute, side="right"))]
            for arrival, rank in zip(arrivals.tolist(), _ranked(arrivals).tolist(), strict=True):
                resolved = None
                if j == 2 and arrival in asks:  # the n-th detractor of a minute is its n-th answer asking a reaction
                    n = int(per_minute[arrival - self.epoch0]) - 1 - rank
                    of_minute = asks[arrival]
                    resolved = of_minute[n] if n < len(of_minute) else None
                yield self._answer(arrival, j, rank, resolved)
        for arrival, resolved in carried:  # an earlier day's answer reacted to today: told again, reacted
            rank = self._carried_rank(arrival, resolved)
            if rank is not None:
                yield self._answer(arrival, 2, rank, resolved)

    def _answer(self, arrival: int, j: int, rank: int, resolved: int | None) -> Record:
        low, high = ((9, 10), (7, 8), (0, 6))[j]
        score = low + _score_hash(self.code, arrival, j, rank) % (high - low + 1)
        end = resolved if resolved is not None and resolved <= self.until_minute else None
        return (ItemType.FEEDBACK, f"{ItemType.FEEDBACK.value}:{self.code}:{arrival}:{rank * 3 + j}", arrival, end,
                None, score, resolved is not None, None)

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


def to_item(key: bytes, code: str, record: Record, instants: dict[int, datetime]) -> Item:
    """The :class:`Item` of ``record`` of station ``code``, its id hashed with ``key`` (``instants``: a cache
    of the datetimes of epoch minutes, shared by the caller's records)."""
    kind, ident, arrival, end, channel, score, needs, outcome = record
    start = instants.get(arrival)
    if start is None:
        start = instants[arrival] = _instant(arrival)
    ended = None
    if end is not None:
        ended = instants.get(end)
        if ended is None:
            ended = instants[end] = _instant(end)
    return Item(kind, item_key(key, ident), code, start, ended, channel, score, needs, outcome, ended or start)


def station_records(sim: Simulator, code: str, days: list[date], until: datetime) -> Iterator[Record]:
    """Every record of ``code`` whose state any of ``days`` made, as it stands at ``until`` (an item handled on
    a later day is told again: the last record of an id is its latest state)."""
    for day in days:
        yield from DayItems(b"", code, sim.day(code, day), until, sim).records()


def station_items(sim: Simulator, key: bytes, code: str, days: list[date], until: datetime) -> Iterator[Item]:
    """Every item of ``code`` whose state any of ``days`` made, as it stands at ``until``."""
    instants: dict[int, datetime] = {}
    for record in station_records(sim, code, days, until):
        yield to_item(key, code, record, instants)
