"""The end-of-day projection: hand-worked cases, the reasons for no projection, and accuracy on simulated days.

Truths here come from the cases' own arithmetic or from a queue the test
runs itself minute by minute (independent of the board's 15-minute model);
the full backtest is ``python -m bench projection`` (docs/PROJECTION.md).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from board.domain import projection as pj
from board.domain.holidays import holiday_name
from board.domain.projection import NoProjection, Projection, QueueDay, Reason

OPENS, CLOSES = 8 * 60, 16 * 60
DAY = date(2026, 11, 25)  # a Wednesday


def steady_day(day: date, per_hour: float, capacity_per_min: float, *, carried: float = 0.0, step: int = 1,
               rng: np.random.Generator | None = None) -> QueueDay:
    """A day run minute by minute by the test: arrivals at ``per_hour`` over opening hours, a steady pace.

    With ``rng`` arrivals are Poisson; without, exactly ``per_hour`` an hour
    (spread evenly). Served oldest first; ``same_day`` counts what was not
    carried over.
    """
    minutes = np.arange(0, 24 * 60)
    open_ = (minutes >= OPENS) & (minutes < CLOSES)
    rate = per_hour / 60 * open_
    arrivals = rng.poisson(rate) if rng is not None else np.diff(np.floor(np.cumsum(rate) + 1e-9), prepend=0)
    waiting = np.empty(len(minutes))
    handled = np.empty(len(minutes))
    queue, done, credit = carried, 0.0, 0.0
    for m in minutes:
        queue += arrivals[m]
        if open_[m]:
            credit += capacity_per_min
            served = min(queue, np.floor(credit))
            credit -= served
            queue -= served
            done += served
        waiting[m], handled[m] = queue, done
    same_day = np.maximum(0.0, handled - carried)
    idx = np.arange(0, len(minutes), step)
    return QueueDay(day, minutes[idx].astype(float), waiting[idx], handled[idx], same_day[idx], carried)


def history(per_hour: float, capacity: float, weeks: int = 6, **kw) -> list[QueueDay]:
    return [steady_day(DAY - timedelta(days=7 * k), per_hour, capacity, step=30, **kw) for k in range(1, weeks + 1)]


# ------------------------------------------------------------------ the pieces
def test_arrivals_are_waiting_plus_handled_less_carried_over() -> None:
    d = QueueDay(DAY, np.array([0.0, 480, 600]), np.array([5.0, 5, 3]), np.array([0.0, 0, 10]), None, carried=5)
    assert d.arrivals().tolist() == [0.0, 0.0, 8.0]  # 3 waiting + 10 handled - 5 from yesterday
    unknown = QueueDay(DAY, np.array([0.0, 600]), np.array([4.0, 6]), np.array([0.0, 7]))
    assert unknown.carried_at_midnight == 4.0 and unknown.arrivals().tolist() == [0.0, 9.0]


def test_busy_work_counts_only_stretches_that_began_with_someone_waiting() -> None:
    d = QueueDay(DAY, np.array([480.0, 510, 540, 570, 600]), np.array([0.0, 3, 0, 2, 1]),
                 np.array([0.0, 0, 6, 6, 9]))
    # 480-510 began empty (skipped); 510-540 busy: 6 handled in 30 min; 540-570 began empty; 570-600: 3 in 30.
    assert d.busy_work(OPENS, CLOSES) == (9.0, 60.0)
    assert d.busy_work(OPENS, 540) == (6.0, 30.0)


def test_readings_out_of_order_or_of_unequal_length_are_refused() -> None:
    with pytest.raises(ValueError, match="time order"):
        QueueDay(DAY, np.array([600.0, 500]), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="equally long"):
        QueueDay(DAY, np.array([600.0]), np.zeros(2), np.zeros(2))


def test_clock_minutes_across_both_dst_nights() -> None:
    # 29 March 2026: 03.00 EET (+120) becomes 04.00 EEST (+180); elapsed minute 180 is 04.00 on the clock.
    spring = pj.clock_minutes(np.array([0, 170, 180, 600]), np.array([120, 120, 180, 180]), 120)
    assert spring.tolist() == [0, 170, 240, 660]
    # 25 October 2026: 04.00 EEST becomes 03.00 EET; the repeated hour is held level, then the clock goes on.
    autumn = pj.clock_minutes(np.array([0, 230, 240, 270, 300, 600]), np.array([180, 180, 120, 120, 120, 120]), 180)
    assert autumn.tolist() == [0, 230, 230, 230, 240, 540]


def test_comparable_days_are_the_same_weekday_without_holidays() -> None:
    days = pj.comparable_days(date(2026, 12, 31), lambda d: True)
    # Thursday 24 December (Christmas Eve) is left out, not replaced by an older Thursday.
    assert days == [date(2026, 12, 17), date(2026, 12, 10), date(2026, 12, 3), date(2026, 11, 26),
                    date(2026, 11, 19)]
    assert pj.comparable_days(DAY, lambda d: d != date(2026, 11, 18)) == [
        DAY - timedelta(days=7 * k) for k in range(2, 7)]


# ------------------------------------------------------------------ no projection, and why
def test_closed_holiday_and_too_little_history_give_reasons() -> None:
    today = steady_day(DAY, 6, 0.2)
    past = history(6, 0.2)
    assert pj.projection_for(DAY, 7 * 60, (OPENS, CLOSES), today, past) == NoProjection(Reason.CLOSED)
    assert pj.projection_for(DAY, 16 * 60, (OPENS, CLOSES), today, past).reason is Reason.CLOSED
    assert pj.projection_for(DAY, 12 * 60, None, today, past).reason is Reason.CLOSED
    xmas = pj.projection_for(date(2026, 12, 24), 12 * 60, (OPENS, CLOSES), today, past)
    assert xmas == NoProjection(Reason.HOLIDAY, "jouluaatto")
    few = pj.projection_for(DAY, 12 * 60, (OPENS, CLOSES), today, past[:2])
    assert few.reason is Reason.FEW_DAYS and "2 comparable days" in few.detail
    unfinished = [d.until(12 * 60) for d in past]  # days whose readings stop at noon are not usual days
    assert pj.projection_for(DAY, 12 * 60, (OPENS, CLOSES), today, unfinished).reason is Reason.FEW_DAYS
    nothing = QueueDay(DAY, np.empty(0), np.empty(0), np.empty(0))
    assert pj.projection_for(DAY, 12 * 60, (OPENS, CLOSES), nothing, past).reason is Reason.NO_DATA


# ------------------------------------------------------------------ hand-worked projections
def test_a_queue_that_cannot_clear() -> None:
    """8 an hour arrive, 0.1 a minute are handled: from 20 waiting at noon, 20 + 4 h x 8 - 240 x 0.1 = 28 at 16."""
    past = history(8, 0.1)
    today = steady_day(DAY, 8, 0.1, carried=20)
    noon = float(today.until(12 * 60).waiting[-1])
    expected = noon + 4 * 8 - 240 * 0.1
    p = pj.projection_for(DAY, 12 * 60, (OPENS, CLOSES), today, past)
    assert isinstance(p, Projection)
    assert abs(p.queue - expected) <= 2, (p, expected)
    assert p.queue_low <= expected <= p.queue_high
    # The band: Poisson arrivals (sd sqrt(32)) and a pace known from 300 minutes (prior 60 + 240 busy; handled 30,
    # so the rate's sd is 0.1 / sqrt(30), over 240 min 4.4 callbacks): an 80 % band of about 2 x 1.28 x 7.2 = 18.
    assert 12 <= p.queue_high - p.queue_low <= 22
    assert abs(p.arrivals_expected - 32) <= 3
    actual = float(today.waiting[CLOSES])
    assert p.queue_low <= actual <= p.queue_high


def test_a_queue_that_clears_projects_zero() -> None:
    past = history(8, 0.5)
    today = steady_day(DAY, 8, 0.5, carried=10)
    p = pj.projection_for(DAY, 10 * 60, (OPENS, CLOSES), today, past)
    assert isinstance(p, Projection) and p.queue == 0 and p.queue_high <= 1
    assert p.same_day_share is not None and p.same_day_share > 0.6


def test_same_day_share_counts_yesterdays_callbacks_first() -> None:
    """10 carried over, 4 of them handled by noon; 20 more handled: 6 old ones, then 14 of today's -> 14 / 24."""
    today = QueueDay(DAY, np.array([0.0, 480, 720]), np.array([10.0, 10, 30]), np.array([0.0, 0, 4]),
                     np.array([0.0, 0, 0]), carried=10)
    shares = pj._same_day_shares(today, np.array([20.0]))
    assert shares is not None and shares.tolist() == pytest.approx([14 / 24])
    assert pj._same_day_shares(QueueDay(DAY, today.clock, today.waiting, today.handled), np.array([20.0])) is None


def test_the_same_moment_gives_the_same_projection() -> None:
    """A wall refreshing every 15 s must not see the band jitter: the draws are seeded by day and minute."""
    past, today = history(8, 0.12), steady_day(DAY, 8, 0.12, carried=5)
    a = pj.projection_for(DAY, 11 * 60, (OPENS, CLOSES), today, past)
    b = pj.projection_for(DAY, 11 * 60, (OPENS, CLOSES), today, past)
    assert a == b


# ------------------------------------------------------------------ accuracy on random days
def test_on_random_days_it_beats_both_baselines_and_its_band_is_not_overconfident() -> None:
    """Poisson days, some short-staffed, run by the test's own minute-by-minute queue: the backtest in small."""
    rng = np.random.default_rng(7)
    errors = {"projection": [], "persistence": [], "seasonal": []}
    hits = []
    for k in range(60):
        day = DAY + timedelta(days=7 * k)
        if holiday_name(day):
            continue
        capacity = lambda: 0.12 if rng.random() < 0.7 else 0.06  # noqa: E731 - a staffing draw per day
        past = [steady_day(day - timedelta(days=7 * w), 7, capacity(), step=30, rng=rng) for w in range(1, 7)]
        today = steady_day(day, 7, capacity(), carried=float(rng.integers(0, 8)), rng=rng)
        actual = float(today.waiting[CLOSES])
        p = pj.projection_for(day, 12 * 60, (OPENS, CLOSES), today, past)
        assert isinstance(p, Projection)
        errors["projection"].append(abs(p.queue - actual))
        errors["persistence"].append(abs(float(today.waiting[12 * 60]) - actual))
        errors["seasonal"].append(abs(float(past[0].waiting[-1]) - actual))
        hits.append(p.queue_low <= actual <= p.queue_high)
    mae = {k: float(np.mean(v)) for k, v in errors.items()}
    assert mae["projection"] < mae["persistence"] and mae["projection"] < mae["seasonal"], mae
    assert np.mean(hits) >= 0.7, np.mean(hits)
