"""Several stations' combined queue peak per day, kept once computed (``Store.day_peaks``, ``combined_peaks``):
always exactly the peak of the readings stored now — after late readings, corrections, thinning and a restart —
on SQLite and PostgreSQL.

The expected peaks are computed here in plain Python from the readings as written (each station's queue held
at its latest reading of the day; the most waiting over the stations at any moment), not by the board's code.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from board.domain.reading import Reading
from board.domain.timeutil import day_start
from board.read import week as weekly
from board.store import Store
from board.store.schema import CombinedPeakRow

METRIC = "queue_waiting"
STATIONS = [f"st{i:02d}" for i in range(12)]
AREA = STATIONS[3:8]
DAYS = [date(2026, 11, 16) + timedelta(days=i) for i in range(3)]  # Mon-Wed of W47, all long finished
WRITTEN = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def source_readings(seed: int = 47) -> list[Reading]:
    """Queue readings as sources deliver them: each station on its own clock (every 10, 15 or 30 minutes from
    its own start, seconds as the source's clock gives them), opening hours 7-18 local, whole counts; some
    stations share moments, one delivers nothing on the second day."""
    rnd = random.Random(seed)
    out = []
    for i, st in enumerate(STATIONS):
        step = (10, 15, 30)[i % 3]
        for day in DAYS:
            if i == 5 and day == DAYS[1]:
                continue
            t = day_start(day) + timedelta(hours=7, minutes=i % step, seconds=(0 if i % 4 else 17))
            queue = rnd.randint(0, 4)
            while t < day_start(day) + timedelta(hours=18):
                queue = min(25, max(0, queue + rnd.randint(-3, 3)))  # a queue comes and goes
                out.append(Reading(st, METRIC, t, float(queue)))
                t += timedelta(minutes=step)
    return out


def expected_peak(readings: list[Reading], stations: list[str], day: date,
                  until: datetime | None = None) -> float | None:
    """The most waiting at once over ``stations`` on ``day`` (up to and including ``until``): plain Python."""
    lo, hi = day_start(day), day_start(day + timedelta(days=1))
    latest: dict[str, dict[datetime, float]] = {}
    for r in readings:  # the stored state: the last write of a (station, time) wins
        if r.station in stations and lo <= r.ts < hi and (until is None or r.ts <= until):
            latest.setdefault(r.station, {})[r.ts] = r.value
    moments = sorted({ts for series in latest.values() for ts in series})
    best = None
    for moment in moments:
        total = 0.0
        for series in latest.values():
            before = [ts for ts in series if ts <= moment]
            if before:
                total += series[max(before)]
        best = total if best is None else max(best, total)
    return best


@contextmanager
def statements(store: Store) -> Iterator[Callable[[], list[str]]]:
    seen: list[str] = []

    def keep(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", keep)
    try:
        yield lambda: seen
    finally:
        event.remove(store.engine, "before_cursor_execute", keep)


def reads_readings(seen: list[str]) -> bool:
    return any("FROM readings" in s for s in seen)


def peaks(store: Store, stations: list[str]) -> dict[date, float | None]:
    return {d: c.peak for d, c in store.day_peaks(stations, METRIC, DAYS).items()}


def truth(readings: list[Reading], stations: list[str]) -> dict[date, float | None]:
    return {d: expected_peak(readings, stations, d) for d in DAYS}


@pytest.fixture
def filled(database_url: str) -> Iterator[tuple[Store, list[Reading]]]:
    store = Store.open(database_url)
    readings = source_readings()
    store.write_readings(readings, source="queue", now=WRITTEN)
    yield store, readings
    store.dispose()


def test_kept_peaks_are_the_readings_peaks_for_all_stations_and_an_area(filled) -> None:
    store, readings = filled
    for selection in (STATIONS, AREA, list(reversed(AREA))):
        want = truth(readings, selection)
        assert all(v is not None for v in want.values())
        with statements(store) as first:
            assert peaks(store, selection) == want
        with statements(store) as second:
            assert peaks(store, selection) == want
        # the first time from the readings; the second from what was kept (the same selection in any order)
        assert reads_readings(first()) == (selection is STATIONS or selection is AREA)
        assert not reads_readings(second())
    with store.sessions() as s:
        assert len(s.execute(select(CombinedPeakRow)).all()) == 2 * len(DAYS)  # two selections, three days each


def test_the_peak_up_to_a_moment_is_read_off_the_kept_curve(filled) -> None:
    store, readings = filled
    store.day_peaks(STATIONS, METRIC, DAYS)  # kept
    curves = store.day_peaks(STATIONS, METRIC, DAYS)
    for day in DAYS:
        for hours, minutes, seconds in ((6, 0, 0), (7, 0, 0), (7, 0, 17), (9, 14, 0), (12, 30, 59), (23, 0, 0)):
            until = day_start(day) + timedelta(hours=hours, minutes=minutes, seconds=seconds)
            assert curves[day].until(until) == expected_peak(readings, STATIONS, day, until), (day, until)
            [span] = store.combined_peaks(STATIONS, METRIC, [(day_start(day), until + timedelta(microseconds=1))])
            assert span == curves[day].until(until)


def test_late_and_corrected_readings_after_the_first_computation(filled) -> None:
    store, readings = filled
    assert peaks(store, STATIONS) == truth(readings, STATIONS)  # computed and kept
    assert peaks(store, AREA) == truth(readings, AREA)
    day = DAYS[1]
    noon = day_start(day) + timedelta(hours=12, minutes=7)  # a moment no station delivered at
    before = truth(readings, STATIONS)
    late = [Reading(AREA[0], METRIC, noon, 400.0)]  # a late reading raising the day's peak
    store.write_readings(late, source="queue", now=WRITTEN + timedelta(days=1))
    readings += late
    assert truth(readings, STATIONS)[day] > before[day]
    assert peaks(store, STATIONS) == truth(readings, STATIONS)
    assert peaks(store, AREA)[day] == truth(readings, AREA)[day] >= 400.0
    # the source corrects it down again: the peak falls back (a merge of the roll-up alone would not see it)
    fixed = [Reading(AREA[0], METRIC, noon, 0.0)]
    store.write_readings(fixed, source="queue", now=WRITTEN + timedelta(days=2))
    readings += fixed
    assert truth(readings, STATIONS) == before
    assert peaks(store, STATIONS) == before
    assert peaks(store, AREA) == truth(readings, AREA)
    # a station with no reading of the day before gets one: the day's stamp counts a new roll-up row
    first = [Reading(STATIONS[5], METRIC, noon, 400.0)]
    store.write_readings(first, source="queue", now=WRITTEN + timedelta(days=3))
    readings += first
    assert truth(readings, STATIONS)[day] > before[day]
    assert peaks(store, STATIONS) == truth(readings, STATIONS)
    assert peaks(store, AREA) == truth(readings, AREA)
    # a day's readings re-sent as they were: still the same peaks (computed again or not)
    store.write_readings([r for r in readings if r.ts < day_start(DAYS[1])], source="queue",
                         now=WRITTEN + timedelta(days=4))
    assert peaks(store, STATIONS) == truth(readings, STATIONS)


def test_thinning_a_day_recomputes_its_kept_peak(filled) -> None:
    store, readings = filled
    assert peaks(store, STATIONS) == truth(readings, STATIONS)
    day = DAYS[0]
    store.thin_readings(*[day_start(d) for d in (day, day + timedelta(days=1))], lambda ts: ts.date())
    with store.sessions() as s:
        from board.store.schema import READINGS_BY_KEY
        r = READINGS_BY_KEY.c
        left = [Reading(st, METRIC, ts, v) for st, ts, v in s.execute(
            select(r.station, r.ts, r.value).where(r.metric == METRIC))]
    assert len(left) < len(readings)
    want = truth(left, STATIONS)
    assert want[day] != truth(readings, STATIONS)[day]  # thinning changed that day's peak...
    assert peaks(store, STATIONS) == want  # ...and the kept one did not outlive it


def test_a_restarted_store_uses_the_kept_peaks_and_still_sees_late_readings(filled, database_url: str) -> None:
    store, readings = filled
    assert peaks(store, STATIONS) == truth(readings, STATIONS)
    store.dispose()
    again = Store.open(database_url)
    try:
        with statements(again) as seen:
            assert peaks(again, STATIONS) == truth(readings, STATIONS)
        assert not reads_readings(seen())
        late = [Reading(STATIONS[0], METRIC, day_start(DAYS[2]) + timedelta(hours=8, minutes=1), 400.0)]
        writer = Store.open(database_url)  # the collector, in a process of its own
        writer.write_readings(late, source="queue", now=WRITTEN + timedelta(days=1))
        writer.dispose()
        readings += late
        with statements(again) as seen:
            assert peaks(again, STATIONS) == truth(readings, STATIONS)
        assert reads_readings(seen())
    finally:
        again.dispose()


def test_the_weekly_reads_keep_their_peaks_and_cut_the_compared_day(filled) -> None:
    """The weekly view's combined day peaks, and its compared day cut at the same clock time off the kept curve."""
    store, readings = filled
    curves = weekly._combined_curves(store, STATIONS, DAYS)
    assert {d: c.peak for d, c in curves.items()} == truth(readings, STATIONS)
    until = day_start(DAYS[2]) + timedelta(hours=10, minutes=42)
    with statements(store) as seen:
        _raws, cut = weekly._cut_day(store, STATIONS, until)
    assert cut == expected_peak(readings, STATIONS, DAYS[2], until)
    assert sum("FROM readings" in s for s in seen()) == 2  # the last values and the highest values, not the peak
    _raws, one = weekly._cut_day(store, [STATIONS[1]], until)
    assert one == expected_peak(readings, [STATIONS[1]], DAYS[2], until)
