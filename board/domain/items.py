"""Items: what source systems really hold, and the figures the board counts from them.

A callback system holds callback requests (created, handled, outcome), Omasote
holds messages (received, answered), a contact log holds contacts (time,
channel), a feedback service holds answers (time, 0–10 score, needs a
reaction, reacted). A source that delivers *items* (``deliver: items`` in
``sources.yaml``) hands them over as :class:`Item`; the board counts the
figures of the catalogue (:mod:`board.domain.figures`) from them itself, at
Helsinki day boundaries, so an administrator no longer writes aggregating SQL
and a REST API or an export of items can be used at all.

Every item type has a *start* and an optional *end*:

============  ==================  ====================================
type          start               end
============  ==================  ====================================
callbacks     created             handled (None: waiting)
messages      received            answered (None: unanswered)
contacts      the contact's time  (none)
feedback      answered            reacted at (only when it needs a reaction)
============  ==================  ====================================

What is counted, for an instant ``t`` of Helsinki day ``D`` (``ds`` the
local midnight starting ``D``; "in [a, b]" includes both ends):

* ``queue_waiting``: callbacks with ``start <= t`` and no ``end <= t``;
  ``queue_oldest_wait_min`` the oldest of them, in minutes (0 when none);
* ``queue_handled_today``: callbacks whose ``end`` is in ``[ds, t]`` (not those closed without being
  handled, :data:`CLOSED`: they only stop waiting; nor are they in the same-day or outcome counts);
  ``queue_handled_same_day_today`` those of them created on ``D`` too (a
  callback created 23.50 and handled 00.10 is handled today, not same-day);
* ``contacts_carried_over``: callbacks waiting at ``ds`` (created before it,
  not handled before it): what yesterday left for today;
* ``omasote_unanswered`` / ``omasote_oldest_unanswered_h`` (hours),
  ``omasote_received_today`` (start in ``[ds, t]``), ``omasote_answered_today``
  (end in ``[ds, t]``, of messages answered, not :data:`CLOSED`);
* ``contacts_<channel>_today``: contacts of the channel with start in ``[ds, t]``;
* ``feedback_promoters/passives/detractors_today``: answers in ``[ds, t]`` by
  score (9–10, 7–8, 0–6); ``feedback_needs_reaction`` /
  ``feedback_oldest_reaction_h``: answers needing a reaction, given by ``t``,
  not reacted to by ``t``.

Days are local calendar days (23 or 25 hours on DST nights, see
:mod:`board.domain.timeutil`), never 24-hour steps. Shares and the NPS are not
counted here: they are derived from these counts by the catalogue as for any
source.

Which instants are stored: every minute in which something happened (an item
started or ended), each local midnight and each day's last minute, and the
pull's moment. An instant is
the end of its minute (events are rounded *up* to the whole minute), so
several events in one minute make one reading, and a day's last reading holds
its totals. Between two stored instants nothing but ages changes.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import numpy as np

from board.domain import kpi
from board.domain.timeutil import UTC, day_start, ensure_utc, local_date


class ItemType(StrEnum):
    """The four kinds of item a source can deliver (``items.item`` in sources.yaml)."""

    CALLBACKS = "callbacks"
    MESSAGES = "messages"
    CONTACTS = "contacts"
    FEEDBACK = "feedback"


#: Callback outcome classes an outcome code may be mapped to (``items.outcomes`` in sources.yaml).
OUTCOME_CLASSES = ("resolved", "appointment", "not_reached", "redirected", "failure_demand")

#: The outcome of a callback or message closed without being handled or answered: a status column said so
#: (``items.statuses``, e.g. Omasote's ``Tila`` = ``Suljettu`` with no answer time). It stops waiting at its end,
#: but is not counted as handled or answered: a message closed unanswered did not get an answer today.
CLOSED = "closed"

#: The stored metrics each item type gives, in a fixed column order.
METRICS_OF: dict[ItemType, tuple[str, ...]] = {
    ItemType.CALLBACKS: ("queue_waiting", "queue_oldest_wait_min", "queue_handled_today",
                         "queue_handled_same_day_today", "contacts_carried_over"),
    ItemType.MESSAGES: ("omasote_unanswered", "omasote_oldest_unanswered_h", "omasote_received_today",
                        "omasote_answered_today"),
    ItemType.CONTACTS: tuple(f"contacts_{c}_today" for c in kpi.ALL_CHANNELS),
    ItemType.FEEDBACK: ("feedback_promoters_today", "feedback_passives_today", "feedback_detractors_today",
                        "feedback_needs_reaction", "feedback_oldest_reaction_h"),
}


#: Callbacks whose source maps outcome codes also give, per day, the handled callbacks of each outcome class.
OUTCOME_METRICS = tuple(f"queue_{c}_today" for c in OUTCOME_CLASSES)


def metrics_of(item_type: ItemType, outcomes: bool = False) -> tuple[str, ...]:
    """The columns :func:`count` gives: the type's metrics, and for callbacks with ``outcomes`` their classes."""
    extra = OUTCOME_METRICS if outcomes and item_type is ItemType.CALLBACKS else ()
    return METRICS_OF[item_type] + extra


@dataclass(frozen=True, slots=True)
class Item:
    """One item of one station, as the board keeps it (see the module docstring for start and end).

    ``key`` identifies the item within its source: the keyed hash of the source's id, never the id itself
    (:mod:`connectors.items`). ``channel`` is one of ``phone, omasote, chat, visit`` (contacts), ``score``
    0–10 (feedback), ``outcome`` one of :data:`OUTCOME_CLASSES` or None (callbacks), or :data:`CLOSED`
    (callbacks and messages closed without an answer). ``updated`` is when the source last changed it (the
    bookmark of a ``changes`` source).
    """

    type: ItemType
    key: str
    station: str
    start: datetime
    end: datetime | None = None
    channel: str | None = None
    score: int | None = None
    needs_reaction: bool = False
    outcome: str | None = None
    updated: datetime | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError("an item cannot end before it starts")

    @property
    def open_end(self) -> datetime | None:
        """When the item stops waiting (None: still waiting) — for what counts as waiting."""
        if self.type is ItemType.CONTACTS:
            return self.start
        if self.type is ItemType.FEEDBACK and not self.needs_reaction:
            return self.start
        return self.end

    @property
    def answered(self) -> bool:
        """Whether the item ended by being handled or answered (not merely closed: :data:`CLOSED`)."""
        return self.end is not None and self.outcome != CLOSED

    @property
    def waits(self) -> bool:
        """Whether the item takes part in a "waiting now" figure at all."""
        return self.type in (ItemType.CALLBACKS, ItemType.MESSAGES) or (
            self.type is ItemType.FEEDBACK and self.needs_reaction)


def nps_class(score: int) -> int:
    """0 promoter (9–10), 1 passive (7–8), 2 detractor (0–6): the classes of :func:`kpi.nps_counts`."""
    return 0 if score >= 9 else 1 if score >= 7 else 2


def restated(old: Item | None, new: Item) -> Item:
    """The state to keep when a source states an item again: ``new``, except that an item already closed without
    an answer stays closed when it did. A status says *that* it is closed, not when; the time it was first seen so
    (its ``updated`` time, or the pull's moment) would otherwise move on with every export that lists it again,
    and the item would count as unanswered again in the figures counted over."""
    if old is None or old.outcome != CLOSED or new.outcome != CLOSED or old.end is None or new.end is None:
        return new
    if new.end <= old.end:
        return new
    return Item(new.type, new.key, new.station, new.start, old.end, channel=new.channel, score=new.score,
                needs_reaction=new.needs_reaction, outcome=CLOSED, updated=new.updated)


# ------------------------------------------------------------------ instants
def _ceil_minute(ts: datetime) -> datetime:
    floor = ts.replace(second=0, microsecond=0)
    return floor if floor == ts else floor + timedelta(minutes=1)


def instants(items: Iterable[Item], since: datetime, until: datetime) -> list[datetime]:
    """The instants in ``[since, until]`` to store figures at (see the module docstring), ascending.

    Figures at instants before ``since`` do not depend on anything that happened from ``since`` on, so a
    change at ``since`` needs only these counted again.
    """
    since, until = ensure_utc(since), ensure_utc(until)
    first = since
    out = {until}
    day = local_date(since)
    while (midnight := day_start(day)) <= until:
        if midnight >= since:
            out.add(midnight)
        last_minute = day_start(day + timedelta(days=1)) - timedelta(minutes=1)
        if since <= last_minute <= until:
            out.add(last_minute)  # the day's end: where its gauges (and ages) stand when the day closes
        day += timedelta(days=1)
    for item in items:
        for ts in (item.start, item.end):
            if ts is not None:
                at = _ceil_minute(ts)
                if first <= at <= until:
                    out.add(at)
    return sorted(out)


def window_start(since: datetime) -> datetime:
    """The local midnight a recount from ``since`` needs items from (the day's counts start there)."""
    return day_start(local_date(ensure_utc(since)))


def events(item: Item) -> list[datetime]:
    """The instants at which ``item`` changes a figure: its start and its end."""
    return [t for t in (item.start, item.end) if t is not None]


# ------------------------------------------------------------------ counting
def _epoch(ts: datetime) -> float:
    return ts.timestamp()


def _sorted(values: Iterable[float]) -> np.ndarray:
    return np.sort(np.fromiter(values, dtype=np.float64))


def _in_day(sorted_times: np.ndarray, day_starts: np.ndarray, at: np.ndarray) -> np.ndarray:
    """How many of ``sorted_times`` lie in ``[day_start, at]`` for each instant."""
    return (np.searchsorted(sorted_times, at, side="right")
            - np.searchsorted(sorted_times, day_starts, side="left")).astype(np.float64)


def _oldest_waiting(items: Sequence[Item], at: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """(count waiting, age in seconds of the oldest waiting; 0 when none) at each instant of ``at`` (ascending).

    A sweep: items enter a heap by start; one that has ended by the instant is dropped from the top when it
    reaches it (it never waits again, as instants only grow).
    """
    pending = sorted((_epoch(i.start), _epoch(e) if (e := i.open_end) is not None else np.inf) for i in items)
    heap: list[tuple[float, float]] = []
    count = np.zeros(len(at))
    age = np.zeros(len(at))
    starts = np.array([p[0] for p in pending])
    ends = np.sort(np.array([p[1] for p in pending]))
    k = 0
    for n, t in enumerate(at):
        while k < len(pending) and pending[k][0] <= t:
            heapq.heappush(heap, pending[k])
            k += 1
        while heap and heap[0][1] <= t:
            heapq.heappop(heap)
        if heap:
            age[n] = t - heap[0][0]
    if len(pending):
        count = (np.searchsorted(starts, np.asarray(at), side="right")
                 - np.searchsorted(ends, np.asarray(at), side="right")).astype(np.float64)
    return count, age


def count(item_type: ItemType, items: Sequence[Item], at: Sequence[datetime], outcomes: bool = False) -> np.ndarray:
    """The figures of ``item_type`` (columns :func:`metrics_of`) of one station at each instant of ``at``.

    ``outcomes`` (callbacks): also the callbacks handled today of each outcome class (a callback without a
    class is handled, but in none of them).

    ``items`` are that station's items of that type: every one that can matter from the first instant's
    local midnight on (started by the last instant, and not ended before that midnight). ``at`` must be
    ascending. A pure function: the same items and instants always give the same figures.
    """
    at = [ensure_utc(t) for t in at]
    t = np.array([_epoch(x) for x in at], dtype=np.float64)
    ds = np.array([_epoch(day_start(local_date(x))) for x in at], dtype=np.float64)
    out = np.zeros((len(at), len(metrics_of(item_type, outcomes))), dtype=np.float64)
    if item_type is ItemType.CALLBACKS:
        waiting, age = _oldest_waiting(items, t)
        ends = [i for i in items if i.answered]  # handled (one closed without being handled stops waiting only)
        handled = _sorted(_epoch(i.end) for i in ends)  # type: ignore[arg-type]
        same = _sorted(_epoch(i.end) for i in ends if local_date(i.start) == local_date(i.end))  # type: ignore[arg-type]
        starts = _sorted(_epoch(i.start) for i in items)
        stopped = _sorted(_epoch(i.end) for i in items if i.end is not None)
        out[:, 0], out[:, 1] = waiting, age / 60.0
        out[:, 2] = _in_day(handled, ds, t)
        out[:, 3] = _in_day(same, ds, t)
        # waiting at the midnight: started before it, not ended before it
        out[:, 4] = np.searchsorted(starts, ds, side="left") - np.searchsorted(stopped, ds, side="left")
        if outcomes:
            for j, cls in enumerate(OUTCOME_CLASSES):
                classed = _sorted(_epoch(i.end) for i in ends if i.outcome == cls)  # type: ignore[arg-type]
                out[:, 5 + j] = _in_day(classed, ds, t)
    elif item_type is ItemType.MESSAGES:
        waiting, age = _oldest_waiting(items, t)
        out[:, 0], out[:, 1] = waiting, age / 3600.0
        out[:, 2] = _in_day(_sorted(_epoch(i.start) for i in items), ds, t)
        out[:, 3] = _in_day(_sorted(_epoch(i.end) for i in items if i.answered), ds, t)  # type: ignore[arg-type]
    elif item_type is ItemType.CONTACTS:
        for j, channel in enumerate(kpi.ALL_CHANNELS):
            out[:, j] = _in_day(_sorted(_epoch(i.start) for i in items if i.channel == channel), ds, t)
    else:
        for j in range(3):
            out[:, j] = _in_day(_sorted(_epoch(i.start) for i in items if i.score is not None
                                        and nps_class(i.score) == j), ds, t)
        waiting, age = _oldest_waiting([i for i in items if i.needs_reaction], t)
        out[:, 3], out[:, 4] = waiting, age / 3600.0
    return out


def relevant(item: Item, first: datetime, until: datetime) -> bool:
    """Whether ``item`` can change any figure counted over ``[first, until]`` (``first`` a local midnight)."""
    if item.start > until:
        return False
    ends = [e for e in (item.start, item.end, item.open_end) if e is not None]
    return item.open_end is None or max(ends) >= first


def days_of(at: Iterable[datetime]) -> list[date]:
    """The Helsinki days the instants fall on, ascending and without repeats."""
    return sorted({local_date(t) for t in at})


__all__ = ["CLOSED", "METRICS_OF", "OUTCOME_CLASSES", "OUTCOME_METRICS", "UTC", "Item", "ItemType", "count", "days_of",
           "events", "instants", "metrics_of", "nps_class", "relevant", "restated", "window_start"]
