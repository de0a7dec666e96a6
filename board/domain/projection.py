"""The callback queue at closing time, projected from what has happened so far today.

Why: the stations' rule is that every contact is handled the same day. A
shift lead who learns at 14.00 that a station will not clear its callbacks
by closing can still move a nurse there; at 16.00 it is too late. The wall
shows the queue now; this says where today is heading, with a band that is
honest about how sure that is.

The method (chosen by the backtest in ``bench/projection.py``, figures and
limits in docs/PROJECTION.md) is a small queue model with three inputs:

* **Arrivals still to come.** The station's usual arrival profile for this
  weekday (the share of the day's callbacks that has usually arrived by
  each clock time, from the same weekday in recent weeks, public holidays
  left out) and today's arrivals so far update a gamma prior on today's
  volume (a gamma-Poisson update: early in the day the usual volume
  dominates, later today's own pace does).
* **Today's handling rate**, measured only over the minutes when someone
  was waiting (a nurse with an empty queue does other work, so the plain
  "handled per open minute" would underestimate capacity on a calm
  morning), pulled towards the station's usual rate while today has few
  such minutes.
* **The queue now**, run forward to closing in 15-minute steps:
  ``queue = max(0, queue + arrivals - handled)``, a few hundred times with
  Poisson arrivals and handling and the two rates drawn from their
  posteriors. The median is the projection; the 10th and 90th percentiles
  the band.

Everything here is pure: the caller (the read side, the backtest) turns
stored readings into :class:`QueueDay` objects on the local clock and
chooses the comparable days with :func:`comparable_days`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import numpy as np

from board.domain.holidays import holiday_name
from board.domain.reading import Reading
from board.domain.timeutil import day_start, local

#: Minutes per step of the queue model and of the arrival profile.
GRID_MINUTES = 15
#: Same weekdays looked back at for the usual day, and how many of them must have data.
HISTORY_WEEKS = 6
MIN_HISTORY_DAYS = 3
#: The band: the 10th to the 90th percentile of the simulated closing queues (an 80 % band).
BAND = (10.0, 90.0)
#: Simulated days per projection.
SAMPLES = 300
#: How many minutes of waiting-queue work the usual handling rate counts as (the prior's weight).
CAPACITY_PRIOR_MINUTES = 60.0
#: Too few busy minutes in the history to know the usual handling rate: borrow the usual arrival rate times this.
CAPACITY_FALLBACK = 1.5
#: The gamma prior on today's volume is never narrower than this many days' worth of evidence.
MAX_VOLUME_SHAPE = 400.0


class Reason(StrEnum):
    """Why there is no projection (the pages say it in words)."""

    CLOSED = "closed"  # not open now: nothing to project (before opening, after closing, a closed day)
    HOLIDAY = "holiday"  # a public holiday: no comparable days
    FEW_DAYS = "few_days"  # fewer than MIN_HISTORY_DAYS comparable days with data
    NO_DATA = "no_data"  # no queue readings today


@dataclass(frozen=True, eq=False)
class QueueDay:
    """One station-day of callback counters as stored, on the local (Helsinki) clock.

    ``clock`` is minutes since local midnight of each reading, ascending
    (:func:`clock_minutes` makes it from UTC instants, DST days included).
    ``waiting`` is the queue then, ``handled`` and ``same_day`` the day's
    cumulative counts; ``carried`` the callbacks left from earlier days at
    midnight (``contacts_carried_over``), or None to take the queue at the
    day's first reading.
    """

    day: date
    clock: np.ndarray
    waiting: np.ndarray
    handled: np.ndarray
    same_day: np.ndarray | None = None
    carried: float | None = None

    def __post_init__(self) -> None:
        n = len(self.clock)
        lengths = {len(self.waiting), len(self.handled)}
        if self.same_day is not None:
            lengths.add(len(self.same_day))
        if lengths != {n}:
            raise ValueError(f"{self.day}: clock, waiting, handled (and same_day) must be equally long")
        if n > 1 and np.any(np.diff(self.clock) < 0):
            raise ValueError(f"{self.day}: readings must be in time order")

    def __len__(self) -> int:
        return len(self.clock)

    @property
    def carried_at_midnight(self) -> float:
        if self.carried is not None:
            return float(self.carried)
        return float(self.waiting[0]) if len(self) else 0.0

    def arrivals(self) -> np.ndarray:
        """Callbacks that have arrived today by each reading: waiting + handled - carried over (never falling)."""
        raw = self.waiting + self.handled - self.carried_at_midnight
        return np.maximum.accumulate(np.maximum(raw, 0.0)) if len(raw) else raw

    def until(self, minute: float) -> QueueDay:
        """The readings up to and including ``minute``: what was known then."""
        n = int(np.searchsorted(self.clock, minute, side="right"))
        return QueueDay(self.day, self.clock[:n], self.waiting[:n], self.handled[:n],
                        None if self.same_day is None else self.same_day[:n], self.carried)

    def busy_work(self, start: float, end: float) -> tuple[float, float]:
        """(callbacks handled, minutes) over the stretches of [start, end] that began with someone waiting.

        Between two readings the stretch counts as busy when the queue was
        not empty at its start; what was handled in it was done at the pace
        the staff could keep. Coarse readings (30 min) blur this a little.
        """
        if len(self) < 2:
            return 0.0, 0.0
        lo, hi = self.clock[:-1], self.clock[1:]
        inside = (lo >= start) & (hi <= end) & (self.waiting[:-1] > 0)
        done = np.diff(self.handled)[inside]
        return float(np.maximum(done, 0).sum()), float((hi - lo)[inside].sum())


@dataclass(frozen=True)
class Profile:
    """A station's usual day for one weekday: when callbacks arrive and how fast they are handled."""

    grid: np.ndarray  # clock minutes 0, 15, ..., closing
    fraction: np.ndarray  # share of the day's arrivals (up to closing) that has usually come by each grid time
    volume_mean: float  # callbacks arriving by closing on a usual day
    volume_shape: float  # the gamma prior's shape: how much usual days vary (large = little)
    capacity: float  # callbacks handled per minute while someone is waiting
    days: int  # comparable days it was learnt from
    closing_queues: tuple[float, ...]  # the queue at closing on those days, newest first (for the baselines)


@dataclass(frozen=True)
class Projection:
    """The queue expected at closing (with its band), and the same-day share expected at the end of the day."""

    closes: float  # local clock minute of closing
    queue: float  # median of the simulated closing queues
    queue_low: float
    queue_high: float
    same_day_share: float | None  # expected share handled the same day, None when nothing is handled
    share_low: float | None
    share_high: float | None
    arrivals_expected: float  # callbacks expected to arrive between now and closing
    capacity: float  # callbacks handled per busy minute, as used
    #: The queue from now to closing: (clock minute, 10th percentile, median, 90th percentile), for the curves.
    path: tuple[tuple[float, float, float, float], ...] = ()


@dataclass(frozen=True)
class StationProjection:
    """A station's newest projection as stored and read by the pages (instants in UTC), or why there is none."""

    station: str
    computed_at: datetime
    closes_at: datetime | None = None
    queue: float | None = None
    queue_low: float | None = None
    queue_high: float | None = None
    same_day_share: float | None = None
    share_low: float | None = None
    share_high: float | None = None
    #: (instant, 10th percentile, median, 90th percentile) from the computation to closing.
    path: tuple[tuple[datetime, float, float, float], ...] = ()
    reason: str | None = None  # a Reason value when there is no projection
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.queue is not None


@dataclass(frozen=True)
class NoProjection:
    reason: Reason
    detail: str = ""


# ------------------------------------------------------------------ choosing the history
def comparable_days(day: date, available: Callable[[date], bool], *, weeks: int = HISTORY_WEEKS,
                    holiday: Callable[[date], str | None] = holiday_name) -> list[date]:
    """The same weekday in the ``weeks`` weeks before ``day``, newest first, without public holidays.

    ``available`` says whether a day is usable (the station was open and the
    store has its readings); a holiday found on the way is skipped, not
    replaced by an older week, so the history stays "recent".
    """
    out = []
    for k in range(1, weeks + 1):
        d = day - timedelta(days=7 * k)
        if holiday(d) is None and available(d):
            out.append(d)
    return out


def clock_minutes(elapsed: np.ndarray, offsets: np.ndarray, midnight_offset: float) -> np.ndarray:
    """Local clock minutes of readings on one day, never going back (the DST autumn night's repeated hour).

    ``elapsed`` is minutes since local midnight (the UTC instant minus the
    day's start), ``offsets`` each reading's UTC offset in minutes (Helsinki:
    120 or 180) and ``midnight_offset`` the offset at midnight. The clock is
    elapsed minutes plus the offset's change since midnight, held level
    through the repeated hour.
    """
    clock = np.asarray(elapsed, dtype=float) + (np.asarray(offsets, dtype=float) - midnight_offset)
    return np.maximum.accumulate(clock) if len(clock) else clock


# ------------------------------------------------------------------ learning the usual day
def build_profile(days: Sequence[QueueDay], opens: float, closes: float, *,
                  grid_minutes: int = GRID_MINUTES) -> Profile | NoProjection:
    """The usual day learnt from comparable days (each read through closing), or why it cannot be."""
    complete = [d for d in days if len(d) >= 2 and d.clock[-1] >= closes - grid_minutes]
    if len(complete) < MIN_HISTORY_DAYS:
        return NoProjection(Reason.FEW_DAYS, f"{len(complete)} comparable days with data, {MIN_HISTORY_DAYS} needed")
    grid = _grid(closes, grid_minutes)
    cum = np.array([np.interp(grid, d.clock, d.arrivals()) for d in complete])
    totals = cum[:, -1]
    if totals.sum() > 0:
        fraction = cum.sum(axis=0) / totals.sum()
    else:  # nobody ever called: spread evenly over the opening hours (the volume is zero anyway)
        fraction = np.clip((grid - opens) / max(closes - opens, 1.0), 0.0, 1.0)
    mean = float(totals.mean())
    excess = float(totals.var(ddof=1)) - mean  # variation beyond Poisson's
    shape = MAX_VOLUME_SHAPE if excess <= 0 or mean <= 0 else min(MAX_VOLUME_SHAPE, mean * mean / excess)
    done, minutes = np.sum([d.busy_work(opens, closes) for d in complete], axis=0)
    if minutes >= CAPACITY_PRIOR_MINUTES and done > 0:
        capacity = float(done / minutes)
    else:  # rarely anyone waiting: handling has kept up, so it is at least the arrival rate
        capacity = CAPACITY_FALLBACK * max(mean, 1.0) / max(closes - opens, 1.0)
    closing = tuple(float(np.interp(closes, d.clock, d.waiting)) for d in complete)
    return Profile(grid, np.maximum.accumulate(fraction), mean, shape, capacity, len(complete), closing)


def _grid(closes: float, step: int) -> np.ndarray:
    grid = np.arange(0.0, closes, float(step))
    return np.append(grid, closes)


# ------------------------------------------------------------------ projecting today
def project(today: QueueDay, profile: Profile, now: float, opens: float, closes: float, *,
            samples: int = SAMPLES, seed: int | None = None, pace: str = "busy") -> Projection | NoProjection:
    """The closing queue and the day's same-day share expected from what is known at clock minute ``now``.

    ``pace="open"`` measures today's handling rate over every open minute
    instead of the minutes with someone waiting (kept for the backtest,
    which shows why it is not the default).
    """
    if not opens <= now < closes:
        return NoProjection(Reason.CLOSED)
    known = today.until(now)
    if len(known) == 0:
        return NoProjection(Reason.NO_DATA, "no queue readings today")
    rng = np.random.default_rng(seed if seed is not None else today.day.toordinal() * 1440 + int(now))
    queue_now = float(known.waiting[-1])
    arrived = float(known.arrivals()[-1])

    # Today's volume: gamma prior (the usual days) updated by the arrivals so far (Poisson).
    share_by_now = float(np.interp(now, profile.grid, profile.fraction))
    rate = profile.volume_shape / max(profile.volume_mean, 1e-9)
    volume = rng.gamma(profile.volume_shape + arrived, 1.0 / (rate + share_by_now), samples)

    # Today's handling pace while someone waits, pulled towards the usual one.
    if pace == "busy":
        done, minutes = known.busy_work(opens, now)
    else:
        done, minutes = float(known.handled[-1] - np.interp(opens, known.clock, known.handled)), now - opens
    prior = profile.capacity * CAPACITY_PRIOR_MINUTES
    capacity = rng.gamma(prior + done, 1.0 / (CAPACITY_PRIOR_MINUTES + minutes), samples)

    steps = np.append(now, profile.grid[(profile.grid > now) & (profile.grid < closes)])
    steps = np.append(steps, closes)
    to_come = np.diff(np.interp(steps, profile.grid, profile.fraction))
    arrivals = rng.poisson(volume[:, None] * to_come[None, :])
    service = capacity[:, None] * np.diff(steps)[None, :]  # a steady pace: its uncertainty is the rate's
    queue = np.full(samples, queue_now)
    handled_rest = np.zeros(samples)
    paths = np.empty((len(to_come), samples))
    for k in range(len(to_come)):
        queue += arrivals[:, k]
        served = np.minimum(queue, service[:, k])
        queue -= served
        handled_rest += served
        paths[k] = queue
    bands = np.percentile(paths, [BAND[0], 50.0, BAND[1]], axis=1)  # (3, steps): the band through the afternoon
    low, mid, high = np.floor(bands[:, -1] + 0.5)  # whole callbacks, as shown
    shares = _same_day_shares(known, handled_rest)
    share_band = (None, None, None) if shares is None else tuple(float(x) for x in np.percentile(shares, [*BAND, 50]))
    return Projection(
        closes=closes, queue=float(mid), queue_low=float(low), queue_high=float(high),
        same_day_share=share_band[2], share_low=share_band[0], share_high=share_band[1],
        arrivals_expected=float(np.mean(volume) * (1.0 - share_by_now)), capacity=float(np.mean(capacity)),
        path=tuple((float(m), float(lo), float(md), float(hi))
                   for m, lo, md, hi in zip(steps, [queue_now, *bands[0]], [queue_now, *bands[1]],
                                            [queue_now, *bands[2]], strict=True)),
    )


def _same_day_shares(known: QueueDay, handled_rest: np.ndarray) -> np.ndarray | None:
    """Same-day share at the end of the day for each simulated rest of the day (callbacks are handled oldest first)."""
    if known.same_day is None:
        return None
    handled_now = float(known.handled[-1])
    same_day_now = float(known.same_day[-1])
    old_left = max(0.0, known.carried_at_midnight - (handled_now - same_day_now))
    handled = handled_now + handled_rest
    same_day = same_day_now + np.maximum(0.0, handled_rest - old_left)
    if not np.all(handled > 0):
        return None  # some of the possible days handle nothing at all: no share to speak of
    return same_day / handled


# ------------------------------------------------------------------ the whole question
def projection_for(day: date, now: float, opening: tuple[float, float] | None, today: QueueDay,
                   history: Sequence[QueueDay], *, samples: int = SAMPLES) -> Projection | NoProjection:
    """The projection for a station at clock minute ``now`` of ``day``, or why there is none.

    ``opening`` is the day's opening hours as clock minutes (None: closed
    all day); ``history`` the comparable days (:func:`comparable_days`) as
    read from the store.
    """
    if opening is None or not opening[0] <= now < opening[1]:
        return NoProjection(Reason.CLOSED)
    name = holiday_name(day)
    if name is not None:
        return NoProjection(Reason.HOLIDAY, name)
    profile = build_profile(history, *opening)
    if isinstance(profile, NoProjection):
        return profile
    return project(today, profile, now, *opening, samples=samples)


# ------------------------------------------------------------------ from stored readings
#: The stored metrics a projection reads.
QUEUE_METRICS = ("queue_waiting", "queue_handled_today", "queue_handled_same_day_today", "contacts_carried_over")


def queue_day(day: date, readings: Iterable[Reading]) -> QueueDay:
    """A station-day's callback counters from its stored readings (any order; metrics at any instants)."""
    start = day_start(day)
    grouped: dict[str, dict[float, float]] = {m: {} for m in QUEUE_METRICS}
    for r in readings:
        if r.metric in grouped:
            grouped[r.metric][(r.ts - start).total_seconds()] = r.value
    return queue_day_from_series(day, {m: series_arrays(v) for m, v in grouped.items()})


def series_arrays(values: dict[float, float]) -> tuple[np.ndarray, np.ndarray]:
    keys = np.fromiter(values.keys(), dtype=float, count=len(values))
    vals = np.fromiter(values.values(), dtype=float, count=len(values))
    order = np.argsort(keys, kind="stable")
    return keys[order], vals[order]


def queue_day_from_series(day: date, series: dict[str, tuple[np.ndarray, np.ndarray]]) -> QueueDay:
    """A station-day from each metric's (seconds since local midnight, values), ascending.

    The instants are those of ``queue_waiting``; the other counters are taken
    as of each of them (their newest reading at or before it). Without
    ``queue_handled_today`` nothing is known to have been handled (arrivals
    are then the queue's growth); without ``queue_handled_same_day_today``
    there is no same-day share.
    """
    stamps, waiting = series.get("queue_waiting", (np.empty(0), np.empty(0)))
    if len(stamps) == 0:
        return QueueDay(day, np.empty(0), np.empty(0), np.empty(0))

    def as_of(metric: str) -> np.ndarray | None:
        at, values = series.get(metric, (np.empty(0), np.empty(0)))
        if len(at) == 0:
            return None
        idx = np.searchsorted(at, stamps, side="right") - 1
        return np.where(idx >= 0, values[np.maximum(idx, 0)], 0.0)

    handled = as_of("queue_handled_today")
    carried = series.get("contacts_carried_over", (np.empty(0), np.empty(0)))[1]
    return QueueDay(day, clock_minutes(stamps / 60, _offsets(day, stamps), 0.0), waiting,
                    handled if handled is not None else np.zeros(len(stamps)), as_of("queue_handled_same_day_today"),
                    float(carried[-1]) if len(carried) else None)


def _offsets(day: date, seconds: np.ndarray) -> np.ndarray:
    """Minutes the UTC offset has changed since midnight at each instant (0 but after a DST change)."""
    start = day_start(day)
    midnight = local(start).utcoffset()
    hours = int(np.ceil(seconds[-1] / 3600)) + 1 if len(seconds) else 1
    shifts = np.array([(local(start + timedelta(hours=h)).utcoffset() - midnight).total_seconds() / 60
                       for h in range(hours + 1)])
    if not shifts.any():
        return np.zeros(len(seconds))
    return shifts[(seconds // 3600).astype(int)]  # DST changes fall on whole UTC hours
