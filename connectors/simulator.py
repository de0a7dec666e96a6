"""A deterministic simulator of one health station's day, minute by minute.

Why a real simulation and not random numbers: the board's rules (same-day
share, carried-over contacts, stale/closed states) only look right on data
that behaves like a station. Contacts arrive with the working-day rhythm (a
morning phone peak, quiet nights and weekends, Omasote messages around the
clock), nurses work the callback queue oldest-first during opening hours, and
on some days capacity falls short so the queue builds up and carries over.

Every value is a pure function of ``(seed, station, day)``: the same seed
gives the same numbers whenever and in whatever order they are asked for.
Days are simulated in elapsed minutes from local midnight, so DST days have
1380 or 1500 minutes and hourly rhythms follow the local wall clock.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import numpy as np

from board.domain.hours import OpeningHours
from board.domain.timeutil import HELSINKI, day_bounds

#: Stations whose queues Kainuu's development plan reports building up.
BUILD_UP_PRONE = frozenset({"kajaani", "paltamo", "ristijarvi"})

#: Metrics the simulator produces, in a fixed column order.
COLUMNS = (
    "queue_waiting",
    "queue_oldest_wait_min",
    "queue_handled_today",
    "queue_handled_same_day_today",
    "contacts_phone_today",
    "contacts_omasote_today",
    "contacts_chat_today",
    "contacts_visit_today",
    "contacts_carried_over",
    "omasote_unanswered",
    "omasote_oldest_unanswered_h",
    "omasote_received_today",
    "omasote_answered_today",
    "feedback_promoters_today",
    "feedback_passives_today",
    "feedback_detractors_today",
    "feedback_needs_reaction",
    "feedback_oldest_reaction_h",
)
COL = {name: i for i, name in enumerate(COLUMNS)}

# Relative arrival intensity by local hour (0..23).
_PHONE = [0, 0, 0, 0, 0, 0, 0, 0, 3.0, 2.3, 1.7, 1.3, 0.9, 1.0, 0.9, 0.7, 0.5, 0.4, 0.3, 0, 0, 0, 0, 0]
_OMASOTE = [0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.0, 1.5, 1.6, 1.4, 1.2, 1.1, 1.1, 1.0, 1.0, 0.9, 0.9,
            1.0, 1.0, 0.9, 0.7, 0.4, 0.25]
_VISIT = [0, 0, 0, 0, 0, 0, 0, 0, 1.2, 1.4, 1.4, 1.0, 0.6, 1.2, 1.3, 1.1, 0.8, 0.6, 0.5, 0, 0, 0, 0, 0]
_CHAT = [0, 0, 0, 0, 0, 0, 0, 0, 1.3, 1.3, 1.2, 1.0, 0.8, 1.0, 1.0, 0.9, 0.7, 0.6, 0.5, 0, 0, 0, 0, 0]

CONTACTS_PER_RESIDENT_DAY = 0.009  # all channels, a weekday
WEEKDAY_FACTOR = [1.25, 1.05, 1.0, 0.95, 0.85, 0.0, 0.0]
CHANNEL_SPLIT = {"phone": 0.30, "omasote": 0.10, "chat": 0.04, "visit": 0.56}
WEEKEND_OMASOTE_FACTOR = 0.35


@dataclass(frozen=True)
class StationProfile:
    code: str
    population: int
    hours: OpeningHours


@dataclass
class DaySeries:
    """Per-minute values of one station-day and the state carried to the next."""

    start: datetime  # UTC instant of local midnight
    values: np.ndarray  # shape (minutes, len(COLUMNS)), float32
    queue_carry: tuple[int, ...]  # arrival epoch-minutes of callbacks left at midnight
    omasote_carry: tuple[int, ...]
    reaction_carry: tuple[tuple[int, int], ...]  # (arrival, resolved) epoch-minutes
    #: What the day started with (the previous day's carries, as this day's chain had them), and every answer
    #: needing a reaction the day knew: the carried ones, then today's, as (arrival, resolved) epoch-minutes.
    #: Kept so the day can be told as items (connectors/demo_items.py), not only as figures.
    queue_carry_in: tuple[int, ...] = ()
    omasote_carry_in: tuple[int, ...] = ()
    reactions: tuple[tuple[int, int], ...] = ()

    @property
    def minutes(self) -> int:
        return self.values.shape[0]

    def at(self, minute: int) -> dict[str, float]:
        row = self.values[max(0, min(minute, self.minutes - 1))]
        return {name: float(row[i]) for i, name in enumerate(COLUMNS)}


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _station_traits(seed: int, code: str) -> tuple[float, float]:
    """Stable per-station character: remote-channel tilt and satisfaction tilt."""
    r = _rng(seed, code, "traits")
    return r.uniform(-0.06, 0.06), r.uniform(-0.08, 0.08)


#: Days are simulated in chains: each 28-day period is one continuous chain
#: (yesterday's queue is today's carry-over), started 14 days early from an
#: empty station. By the time a period begins, the warm-up has forgotten its
#: empty start, so the hand-over between two periods' chains is seamless too,
#: and every day is a pure function of (seed, station, day).
PERIOD_DAYS = 28
WARM_UP_DAYS = 14
_EPOCH = date(2020, 1, 6)  # a Monday; periods are counted from here


def period_of(day: date) -> tuple[int, date]:
    """The simulator period ``day`` belongs to: its index and its first day."""
    index = (day - _EPOCH).days // PERIOD_DAYS
    return index, _EPOCH + timedelta(days=index * PERIOD_DAYS)


Carry = tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, int], ...]]


class _Chain:
    """One station's period as far as it has been asked for: the chain is simulated up to the newest day
    needed and no further. A backfill's newest period is asked for up to today, and the days after today
    (on average half a period, each costing as much as a day shown) were simulated for nothing."""

    __slots__ = ("carry", "days", "next")

    def __init__(self) -> None:
        self.carry: Carry = ((), (), ())
        self.days: list[DaySeries] = []
        self.next = -WARM_UP_DAYS  # the next day to simulate, as an offset from the period's first day


class Simulator:
    """Simulates stations for one seed. Thread-compatible, cached per period.

    ``cache_periods`` bounds how many station-periods are kept (default: four per station). A period is
    ~2.9 MB of per-minute values, so the default at 900 stations could hold gigabytes; a backfill's
    worker process, which asks for each period once, keeps only a few."""

    def __init__(self, seed: int, stations: list[StationProfile], cache_periods: int | None = None) -> None:
        self.seed = seed
        self.stations = {s.code: s for s in stations}
        size = cache_periods if cache_periods is not None else max(16, 4 * len(stations))
        self._period = lru_cache(maxsize=size)(self._new_chain)

    def day(self, code: str, day: date) -> DaySeries:
        """The station's day, continuing from the previous day's queues."""
        index, offset = divmod((day - _EPOCH).days, PERIOD_DAYS)
        chain = self._period(code, index)
        if offset >= len(chain.days):
            self._extend(code, index, chain, offset)
        return chain.days[offset]

    # ------------------------------------------------------------------
    @staticmethod
    def _new_chain(code: str, index: int) -> _Chain:
        return _Chain()

    def _extend(self, code: str, index: int, chain: _Chain, offset: int) -> None:
        """Simulate ``chain`` from where it stopped through day ``offset`` of its period (the same days, in
        the same order, from the same start as simulating the whole period: the numbers are the same)."""
        first = _EPOCH + timedelta(days=index * PERIOD_DAYS)
        while chain.next <= offset:
            series = self._simulate(code, first + timedelta(days=chain.next), *chain.carry, values=chain.next >= 0)
            chain.carry = (series.queue_carry, series.omasote_carry, series.reaction_carry)
            if chain.next >= 0:
                chain.days.append(series)
            chain.next += 1

    def _simulate(self, code: str, day: date, queue_carry: tuple[int, ...], oma_carry: tuple[int, ...],
                  react_carry: tuple[tuple[int, int], ...], values: bool = True) -> DaySeries:
        """One day from the previous day's carries. ``values=False`` (a warm-up day, whose figures nobody sees)
        makes every random draw, so the next day starts the same, but only the carries: no per-minute values."""
        st = self.stations[code]

        rng = np.random.default_rng(_rng(self.seed, st.code, day.isoformat()).getrandbits(64))
        start, end = day_bounds(day)
        minutes = int((end - start).total_seconds() // 60)
        epoch0 = int(start.timestamp() // 60)
        remote_tilt, happy_tilt = _station_traits(self.seed, st.code)

        # Local clock of every elapsed minute. DST changes happen on whole UTC
        # hours, so one offset look-up per hour is exact (23 h / 25 h days too).
        local_min = np.empty(minutes, dtype=np.int32)
        for h0 in range(0, minutes, 60):
            loc = (start + timedelta(minutes=h0)).astimezone(HELSINKI)
            n = min(60, minutes - h0)
            local_min[h0:h0 + n] = loc.hour * 60 + loc.minute + np.arange(n)
        hours = local_min // 60
        is_open = np.zeros(minutes, dtype=bool)
        for o_start, o_end in st.hours.intervals_on(day):  # holidays and exception days closed, lunch breaks
            is_open |= (local_min >= o_start) & (local_min < o_end)
        open_minutes = int(is_open.sum())

        weekday = day.weekday()
        volume = st.population * CONTACTS_PER_RESIDENT_DAY * WEEKDAY_FACTOR[weekday] * rng.lognormal(0, 0.12)
        split = dict(CHANNEL_SPLIT)
        split["visit"] -= remote_tilt
        split["phone"] += remote_tilt
        oma_daily = st.population * CONTACTS_PER_RESIDENT_DAY * CHANNEL_SPLIT["omasote"]
        oma_daily *= WEEKEND_OMASOTE_FACTOR if weekday >= 5 else 1.0
        oma_daily *= rng.lognormal(0, 0.15)

        def per_minute(weights: list[float], total: float, only_open: bool) -> np.ndarray:
            w = np.asarray(weights, dtype=float)[hours]
            if only_open:
                w = w * is_open
            s = w.sum()
            return w * (total / s) if s > 0 else w

        phone = rng.poisson(per_minute(_PHONE, volume * split["phone"], True))
        chat = rng.poisson(per_minute(_CHAT, volume * split["chat"], True))
        visit_rate = per_minute(_VISIT, volume * split["visit"], True)
        visit = rng.poisson(visit_rate)
        oma = rng.poisson(per_minute(_OMASOTE, oma_daily, False))

        # Staffing: enough for the expected load with some slack, except on short-staffed days.
        prone = st.code in BUILD_UP_PRONE
        short = rng.random() < (0.35 if prone else 0.05)
        staff = rng.uniform(0.45, 0.65) if short else rng.uniform(1.0, 1.3)
        expected_phone = st.population * CONTACTS_PER_RESIDENT_DAY * WEEKDAY_FACTOR[weekday] * CHANNEL_SPLIT["phone"]
        # A backlog from earlier days is worked off with extra effort (most of it today).
        cb_rate = ((expected_phone * 1.15 * staff + 0.8 * len(queue_carry)) / open_minutes) if open_minutes else 0.0
        expected_oma = st.population * CONTACTS_PER_RESIDENT_DAY * CHANNEL_SPLIT["omasote"]
        oma_rate = ((expected_oma * 1.4 * staff + 0.8 * len(oma_carry)) / open_minutes) if open_minutes else 0.0
        cb_capacity = cb_rate * rng.uniform(0.6, 1.4, minutes) * is_open
        oma_capacity = oma_rate * rng.uniform(0.5, 1.5, minutes) * is_open

        # FIFO queues as cumulative counts: item k (0-based) arrived at arrivals[k].
        cb_arrivals = np.concatenate([np.asarray(queue_carry, dtype=np.int64),
                                      np.repeat(epoch0 + np.arange(minutes), phone)])
        oma_arrivals = np.concatenate([np.asarray(oma_carry, dtype=np.int64),
                                       np.repeat(epoch0 + np.arange(minutes), oma)])
        cb_in = len(queue_carry) + np.cumsum(phone)
        oma_in_cum = len(oma_carry) + np.cumsum(oma)
        cb_done = _serve(cb_in, cb_capacity)
        oma_done = _serve(oma_in_cum, oma_capacity)
        now = epoch0 + np.arange(minutes)
        cb_waiting = cb_in - cb_done
        oma_waiting = oma_in_cum - oma_done

        # Feedback answers trickle in after visits and calls, 8-21 local time.
        answer_rate = ((visit_rate + per_minute(_PHONE, volume * split["phone"], True)) * 0.05
                       + 0.002 * st.population / 1000) * ((hours >= 8) & (hours < 21))
        answers = rng.poisson(answer_rate)
        promoter_p = min(0.85, max(0.35, 0.60 + happy_tilt + rng.normal(0, 0.04)))
        detractor_p = min(0.4, max(0.03, 0.14 - happy_tilt / 2 + rng.normal(0, 0.02)))
        probs = [promoter_p, 1 - promoter_p - detractor_p, detractor_p]
        classes = rng.multinomial(answers, probs).reshape(minutes, 3)
        det_minutes = np.repeat(now, classes[:, 2])
        asks = det_minutes[rng.random(len(det_minutes)) < 0.4]  # the answer's text asks for a reaction
        resolved = asks + (rng.uniform(3, 70, len(asks)) * 60).astype(np.int64)
        reactions = np.array(list(react_carry) + list(zip(asks.tolist(), resolved.tolist(), strict=False)),
                             dtype=np.int64).reshape(-1, 2)
        end_epoch = epoch0 + minutes
        if not values:
            return DaySeries(start=start, values=np.empty((0, len(COLUMNS)), dtype=np.float32),
                             queue_carry=tuple(cb_arrivals[int(cb_done[-1]):].tolist()),
                             omasote_carry=tuple(oma_arrivals[int(oma_done[-1]):].tolist()),
                             reaction_carry=tuple((int(a), int(r)) for a, r in reactions if r > end_epoch))
        open_mask = (reactions[:, 0][None, :] <= now[:, None]) & (now[:, None] < reactions[:, 1][None, :])
        open_count = open_mask.sum(axis=1)
        oldest_open = np.where(open_mask, reactions[:, 0][None, :], np.iinfo(np.int64).max).min(axis=1,
                                                                                               initial=np.iinfo(np.int64).max)

        out = np.zeros((minutes, len(COLUMNS)), dtype=np.float32)
        out[:, COL["queue_waiting"]] = cb_waiting
        out[:, COL["queue_oldest_wait_min"]] = np.where(
            cb_waiting > 0, now - cb_arrivals[np.minimum(cb_done, len(cb_arrivals) - 1)], 0) if len(cb_arrivals) else 0
        out[:, COL["queue_handled_today"]] = cb_done
        out[:, COL["queue_handled_same_day_today"]] = np.maximum(0, cb_done - len(queue_carry))
        out[:, COL["contacts_phone_today"]] = np.cumsum(phone)
        out[:, COL["contacts_omasote_today"]] = np.cumsum(oma)
        out[:, COL["contacts_chat_today"]] = np.cumsum(chat)
        out[:, COL["contacts_visit_today"]] = np.cumsum(visit)
        out[:, COL["contacts_carried_over"]] = len(queue_carry)
        out[:, COL["omasote_unanswered"]] = oma_waiting
        out[:, COL["omasote_oldest_unanswered_h"]] = np.where(
            oma_waiting > 0, (now - oma_arrivals[np.minimum(oma_done, len(oma_arrivals) - 1)]) / 60, 0
        ) if len(oma_arrivals) else 0
        out[:, COL["omasote_received_today"]] = np.cumsum(oma)
        out[:, COL["omasote_answered_today"]] = np.maximum(0, oma_done - 0)
        out[:, COL["feedback_promoters_today"]] = np.cumsum(classes[:, 0])
        out[:, COL["feedback_passives_today"]] = np.cumsum(classes[:, 1])
        out[:, COL["feedback_detractors_today"]] = np.cumsum(classes[:, 2])
        out[:, COL["feedback_needs_reaction"]] = open_count
        out[:, COL["feedback_oldest_reaction_h"]] = np.where(open_count > 0, (now - oldest_open) / 60, 0)

        return DaySeries(
            start=start,
            values=out,
            queue_carry=tuple(cb_arrivals[int(cb_done[-1]):].tolist()),
            omasote_carry=tuple(oma_arrivals[int(oma_done[-1]):].tolist()),
            reaction_carry=tuple((int(a), int(r)) for a, r in reactions if r > end_epoch),
            queue_carry_in=tuple(queue_carry),
            omasote_carry_in=tuple(oma_carry),
            reactions=tuple((int(a), int(r)) for a, r in reactions),
        )


def _serve(arrived_cum: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Cumulative items served per minute from a FIFO queue with per-minute capacity.

    Unused capacity is not banked: staff who run out of callbacks do other
    work. (This also makes two chains that started differently identical from
    the first minute both queues are empty, which the period hand-over needs.)

    Only minutes with capacity can serve, so the loop visits just those (the
    opening hours) and the rest is filled forward; the credit reset that the
    minute-by-minute loop would do in a closed stretch is applied exactly.
    """
    arrived = arrived_cum.tolist()
    cap = capacity.tolist()
    sparse = np.zeros(len(arrived), dtype=arrived_cum.dtype)
    served = 0
    credit = 0.0
    previous = -1
    for m in np.flatnonzero(capacity > 0).tolist():
        if m > previous + 1 and arrived[previous + 1] == served:  # a closed minute found the queue empty
            credit = 0.0
        credit += cap[m]
        waiting = arrived[m] - served
        can = int(credit)
        if can >= waiting:  # min() without the call: the loop runs ~500 times a simulated day
            served += waiting
            credit = 0.0  # all served: what is left of the credit is not banked
        else:
            served += can
            credit -= can
        sparse[m] = served
        previous = m
    return np.maximum.accumulate(sparse)


def _serve_every_minute(arrived_cum: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """The plain minute-by-minute form of :func:`_serve` (kept to test that the fast one is the same)."""
    done = np.empty_like(arrived_cum)
    served = 0
    credit = 0.0
    arrived = arrived_cum.tolist()
    cap = capacity.tolist()
    for m in range(len(arrived)):
        credit += cap[m]
        can = min(int(credit), arrived[m] - served)
        served += can
        credit -= can
        if served == arrived[m]:
            credit = 0.0
        done[m] = served
    return done
