"""The weekly view from the daily roll-up (``daily_readings``) gives exactly the report the readings give.

The reference is the weekly view's earlier computation, kept here verbatim: it read every reading of the
two weeks (``store.series``) and derived each day from them. The store holds four demo stations over two
and a half weeks (a DST week among them, today at live resolution), then corrections (a day's highest
reading lowered, a day's last reading changed, a batch out of time order), then retention thinning (hourly
and daily): after each, the roll-up equals a summary computed from the readings, and the report equals the
reference, figure for figure, on SQLite and PostgreSQL. The migration's one-time fill is checked the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from board import retention
from board.collector import Collector
from board.domain.periods import Raw, combined_peak
from board.domain.periods import over_days as _over_days
from board.domain.periods import over_stations as _over_stations
from board.domain.periods import week_figures as derive
from board.domain.reading import Reading
from board.domain.timeutil import day_bounds, local_date
from board.read import week as weekly
from board.read.week import (
    ALL,
    FETCHED,
    PEAK_METRIC,
    TARGET_FIGURE,
    DayFigures,
    IsoWeek,
    StationWeek,
    WeekReport,
)
from board.settings import RetentionSettings, Settings, load_settings
from board.store import DailyRow, Store, make_engine, writes
from board.store.schema import READINGS_BY_KEY
from tests.conftest import write_config

NOW = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)  # a Wednesday; 17 days back reach 18.10.
STATIONS = ["kajaani", "paltamo", "kuhmo", "sotkamo"]
WEEKS = [IsoWeek(2026, w) for w in (43, 44, 45)]  # 43 ends on the 25-hour Sunday 25.10.; 45 is this week
SELECTIONS: list[Sequence[str] | None] = [None, ["paltamo"], ["kuhmo", "kajaani"]]


# ------------------------------------------------------ the reference: the report from the readings
def reference_report(settings: Settings, store: Store, year: int, week: int,
                     stations: Sequence[str] | None = None) -> WeekReport:
    """The weekly view as computed before the roll-up (every reading of the two weeks, per station)."""
    this = IsoWeek(year, week)
    before = this.previous()
    codes = [s.code for s in settings.stations] if stations is None else list(dict.fromkeys(stations))
    start, end = before.bounds()[0], this.bounds()[1]
    rows: list[StationWeek] = []
    municipalities = [s.municipality for s in settings.stations]
    raw_days: dict[IsoWeek, dict[str, dict[date, Raw]]] = {this: {}, before: {}}
    queues: dict[IsoWeek, dict[str, dict[date, list[tuple[datetime, float]]]]] = {this: {}, before: {}}
    for code in codes:
        station = settings.station(code)
        short = station.municipality if municipalities.count(station.municipality) == 1 else station.name
        readings = store.series(code, FETCHED, start, end)
        for wk in (this, before):
            raw_days[wk][code], queues[wk][code] = _station_days(readings, wk.days)
        days, previous = raw_days[this][code], raw_days[before][code]
        rows.append(StationWeek(code, station.name, [DayFigures(d, derive(days[d])) for d in this.days],
                                derive(_over_days([days[d] for d in this.days])),
                                derive(_over_days([previous[d] for d in before.days])), short))

    def week_raw(wk: IsoWeek) -> tuple[list[Raw], Raw]:
        days = []
        for d in wk.days:
            raw = _over_stations([raw_days[wk][c][d] for c in codes])
            peak = combined_peak([queues[wk][c][d] for c in codes])
            if peak is not None:
                raw["queue_peak"] = peak
            days.append(raw)
        week = _over_stations([_over_days([raw_days[wk][c][d] for d in wk.days]) for c in codes])
        peaks = [d["queue_peak"] for d in days if "queue_peak" in d]
        if peaks:
            week["queue_peak"] = max(peaks)
        return days, week

    days, week_total = week_raw(this)
    _, previous_total = week_raw(before)
    total = StationWeek(ALL, "", [DayFigures(d, derive(r)) for d, r in zip(this.days, days, strict=True)],
                        derive(week_total), derive(previous_total))
    targets = {f: settings.metrics.targets[code] for f, code in TARGET_FIGURE.items()
               if code in settings.metrics.targets}
    return WeekReport(this, rows, total, targets)


def _station_days(readings: Iterable[Reading], days: list[date]) -> tuple[dict[date, Raw], dict[date, list]]:
    raws: dict[date, Raw] = {d: {} for d in days}
    stamps: dict[date, dict[str, datetime]] = {d: {} for d in days}
    queue: dict[date, list[tuple[datetime, float]]] = {d: [] for d in days}
    for r in readings:
        day = local_date(r.ts)
        raw = raws.get(day)
        if raw is None:
            continue
        if r.metric == PEAK_METRIC:
            raw["queue_peak"] = max(raw.get("queue_peak", r.value), r.value)
            queue[day].append((r.ts, r.value))
        elif r.ts >= stamps[day].get(r.metric, r.ts):
            raw[r.metric] = r.value
            stamps[day][r.metric] = r.ts
    return raws, queue


def summaries_from_readings(store: Store) -> dict[tuple[str, str, date], tuple[datetime, float, datetime, float]]:
    """What ``daily_readings`` must hold: per station, metric and Helsinki day the last and the highest reading
    (the latest of equal ones), computed from every stored reading."""
    r = READINGS_BY_KEY.c
    out: dict[tuple[str, str, date], tuple[datetime, float, datetime, float]] = {}
    with store.sessions() as s:
        for station, metric, ts, value in s.execute(select(r.station, r.metric, r.ts, r.value)):
            key = (station, metric, local_date(ts))
            last_ts, last, top_ts, top = out.get(key, (ts, value, ts, value))
            if ts >= last_ts:
                last_ts, last = ts, value
            if (value, ts) >= (top, top_ts):
                top_ts, top = ts, value
            out[key] = (last_ts, last, top_ts, top)
    return out


def stored_summaries(store: Store) -> dict[tuple[str, str, date], tuple[datetime, float, datetime, float]]:
    d = DailyRow
    with store.sessions() as s:
        return {(st, m, day): (lt, lv, mt, mv) for st, m, day, lt, lv, mt, mv in s.execute(
            select(d.station, d.metric, d.day, d.last_ts, d.last_value, d.max_ts, d.max_value))}


def assert_same_reports(settings: Settings, store: Store) -> None:
    assert stored_summaries(store) == summaries_from_readings(store)
    for week in WEEKS:
        for selection in SELECTIONS:
            got = weekly.week_report(settings, store, week.year, week.week, selection)
            want = reference_report(settings, store, week.year, week.week, selection)
            assert got == want, (week, selection)


def write(store: Store, readings: list[Reading]) -> None:
    store.write_readings(readings, source="demo", now=NOW)


# ------------------------------------------------------------------------------------------ tests
@pytest.fixture
def demo(tmp_path: Path, database_url: str) -> tuple[Settings, Store]:
    config_dir = write_config(tmp_path / "config", backfill_days=17, history_step_minutes=30, seed=5,
                              stations=STATIONS)
    settings = load_settings(config_dir, database_url)
    store = Store.open(database_url)
    Collector(settings, store, clock=lambda: NOW).run_once()
    yield settings, store
    store.dispose()


def test_the_roll_up_report_is_the_readings_report(demo):
    settings, store = demo
    report = weekly.week_report(settings, store, 2026, 43)
    assert report.stations[0].days[6].day == date(2026, 10, 25)  # the DST week is among them
    assert report.total.week["contacts_total"] and report.total.days[6].figures["queue_peak"] is not None
    assert_same_reports(settings, store)


def test_corrections_and_unordered_batches_keep_the_roll_up_exact(demo):
    settings, store = demo
    assert_same_reports(settings, store)  # every day's combined peak computed and kept before the corrections
    day = date(2026, 10, 20)
    start, end = day_bounds(day)
    queue = store.series("kajaani", [PEAK_METRIC], start, end)
    top = max(queue, key=lambda r: (r.value, r.ts))
    assert top.value > 1
    # the source corrects the day's highest queue reading downwards, in a batch of its own
    write(store, [Reading("kajaani", PEAK_METRIC, top.ts, 0.0)])
    assert stored_summaries(store)[("kajaani", PEAK_METRIC, day)][3] < top.value
    # ...and a later window re-sent with a lower last value of the day and a higher reading mid-day
    contacts = store.series("paltamo", ["contacts_phone_today"], start, end)
    write(store, [Reading("paltamo", "contacts_phone_today", contacts[-1].ts, contacts[-1].value - 5),
                  Reading("paltamo", PEAK_METRIC, start + timedelta(hours=10), 99.0)])
    # a batch out of time order, with a repeated time whose second value is the one kept
    later = day + timedelta(days=1)
    s2, _ = day_bounds(later)
    write(store, [Reading("kuhmo", PEAK_METRIC, s2 + timedelta(hours=12), 50.0),
                  Reading("kuhmo", PEAK_METRIC, s2 + timedelta(hours=9), 70.0),
                  Reading("kuhmo", PEAK_METRIC, s2 + timedelta(hours=9), 1.0)])
    summaries = stored_summaries(store)
    assert summaries[("paltamo", "contacts_phone_today", day)][1] == contacts[-1].value - 5
    assert summaries[("paltamo", PEAK_METRIC, day)][3] == 99.0
    assert summaries[("kuhmo", PEAK_METRIC, later)][3] >= 50.0
    assert_same_reports(settings, store)


def test_thinned_weeks_keep_the_roll_up_and_the_report(demo):
    settings, store = demo
    assert_same_reports(settings, store)  # the combined peaks kept before thinning must not outlive it
    before = stored_summaries(store)
    count = store.count_readings()
    policy = RetentionSettings(hourly_after_days=8, daily_after_days=12)  # W43: 18.-22.10. daily, then hourly
    while retention.thin(store, policy, NOW):
        pass
    assert store.count_readings() < count * 0.8
    assert stored_summaries(store) == before  # thinning keeps the last and the highest: no row changes
    assert_same_reports(settings, store)


def test_the_migration_fills_the_roll_up_from_existing_readings(demo, database_url: str):
    from alembic import command

    from tests.test_migrations import _config

    settings, store = demo
    expected = stored_summaries(store)
    engine = make_engine(database_url)
    with engine.begin() as conn:  # back to before the roll-up existed, readings kept
        config = _config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    assert store.count_readings() > 0
    Store(engine).create_schema()  # upgrades, filling daily_readings
    assert stored_summaries(store) == expected == summaries_from_readings(store)
    assert weekly.week_report(settings, store, 2026, 44) == reference_report(settings, store, 2026, 44)
    engine.dispose()


def test_an_overlapping_pull_merges_without_recomputing(sqlite_url: str, monkeypatch):
    store = Store.open(sqlite_url)
    t0 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)

    def minutes(values: list[float], first: int = 0) -> list[Reading]:
        return [Reading("kajaani", "contacts_phone_today", t0 + timedelta(minutes=first + i), v)
                for i, v in enumerate(values)]

    write(store, minutes([1, 2, 3, 3]))
    recomputed: list[object] = []
    real = writes.days_from_readings
    monkeypatch.setattr(writes, "days_from_readings", lambda s, keys: recomputed.append(keys) or real(s, keys))
    write(store, minutes([3, 3, 3, 4], first=3))  # re-sends 8.03 unchanged: a quiet minute, then a new contact
    write(store, minutes([4, 4], first=6))  # the same total again: a later tie of the highest
    assert recomputed == []
    write(store, minutes([2], first=7))  # a correction lowering the latest highest reading
    assert len(recomputed) == 1
    assert stored_summaries(store) == summaries_from_readings(store)
    key = ("kajaani", "contacts_phone_today", local_date(t0))
    assert stored_summaries(store)[key] == (t0 + timedelta(minutes=7), 2.0, t0 + timedelta(minutes=6), 4.0)
    store.dispose()
