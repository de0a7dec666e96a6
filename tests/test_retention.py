"""Retention: old readings thinned to the last and highest per hour/day; the weekly view is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from board import retention
from board.collector import Collector
from board.domain.reading import Reading
from board.read import week as weekly
from board.settings import RetentionSettings, load_settings
from board.store import Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_thin_keeps_the_last_and_the_highest_of_each_bucket(database_url: str):
    store = Store.open(database_url)
    t0 = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
    values = [3, 9, 4, 2, 5, 1]  # every 10 min from 6.00 to 6.50, then 7.00 alone
    readings = [Reading("kajaani", "queue_waiting", t0 + timedelta(minutes=10 * i), float(v))
                for i, v in enumerate(values)]
    readings.append(Reading("kajaani", "queue_waiting", t0 + timedelta(hours=1), 7.0))
    store.write_readings(readings, source="demo", now=NOW)
    removed = store.thin_readings(t0, t0 + timedelta(hours=2), retention.hour_bucket)
    kept = store.series("kajaani", ["queue_waiting"], t0, t0 + timedelta(hours=2))
    assert [(r.ts.strftime("%H:%M"), r.value) for r in kept] == [("06:10", 9.0), ("06:50", 1.0), ("07:00", 7.0)]
    assert removed == 4
    assert store.thin_readings(t0, t0 + timedelta(hours=2), retention.hour_bucket) == 0  # idempotent
    store.dispose()


@pytest.mark.parametrize("stage", ["hour", "day"])
def test_the_weekly_view_is_the_same_after_thinning(config_dir, sqlite_url: str, stage: str):
    from tests.conftest import write_config

    write_config(config_dir, backfill_days=21, history_step_minutes=10, seed=11, stations=["kajaani", "paltamo"])
    settings = load_settings(config_dir, sqlite_url)
    store = Store.open(sqlite_url)
    Collector(settings, store, clock=lambda: NOW).run_once()
    before = weekly.week_report(settings, store, 2026, 46, ["kajaani", "paltamo"])
    count = store.count_readings()
    policy = RetentionSettings(hourly_after_days=8, daily_after_days=None) if stage == "hour" else \
        RetentionSettings(hourly_after_days=None, daily_after_days=8)
    while retention.thin(store, policy, NOW):
        pass
    # 13 of the 22 days are older than 8 days: 6 readings an hour become 1-2 (hour), or 1-2 a day (day)
    assert store.count_readings() < count * (0.7 if stage == "hour" else 0.5)
    after = weekly.week_report(settings, store, 2026, 46, ["kajaani", "paltamo"])
    for a, b in zip(before.stations, after.stations, strict=True):
        assert a.week == b.week and a.days == b.days  # totals, end-of-day values, peaks: exact
    # All stations together: the same, except the combined peak (stations' readings at the same moment),
    # which thinned data can only approximate.
    drop = {"queue_peak"}
    assert {k: v for k, v in before.total.week.items() if k not in drop} == {
        k: v for k, v in after.total.week.items() if k not in drop}
    today = store.series("kajaani", ["queue_waiting"], NOW - timedelta(hours=3), NOW)
    assert len(today) > 3  # recent days are untouched
    store.dispose()


def test_retention_settings_refuse_a_daily_stage_before_the_hourly_one():
    with pytest.raises(ValueError, match="daily_after_days"):
        RetentionSettings(hourly_after_days=60, daily_after_days=30)


def test_a_reading_written_while_a_window_is_thinned_is_kept(database_url: str):
    """Retention thins old days while a backfill may still be writing them (a new source's year, the collector's
    thinning thread beside its pull). A reading another writer commits after the thinning has read the window
    and before it deletes it must not go with the thinned ones: thinning read the window, then deleted all of it
    and wrote back what it had read, so a reading of another station written meanwhile was gone for good."""
    from sqlalchemy import event

    t0 = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
    thinner, backfill = Store.open(database_url), Store.open(database_url, create=False)
    thinner.write_readings([Reading("kajaani", "queue_waiting", t0 + timedelta(minutes=10 * i), float(v))
                            for i, v in enumerate([3, 9, 4, 2, 5, 1])], source="demo", now=NOW)
    late = Reading("sotkamo", "queue_waiting", t0 + timedelta(minutes=20), 6.0)

    done: list[bool] = []

    @event.listens_for(thinner.engine, "before_cursor_execute")
    def _meanwhile(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if not done and statement.lstrip().upper().startswith("DELETE FROM READINGS"):
            done.append(True)
            backfill.write_readings([late], source="history", now=NOW)  # committed before the delete runs

    removed = thinner.thin_readings(t0, t0 + timedelta(hours=1), retention.hour_bucket)
    assert done and removed == 4
    kept = thinner.series("kajaani", ["queue_waiting"], t0, t0 + timedelta(hours=1))
    assert [(r.ts.strftime("%H:%M"), r.value) for r in kept] == [("06:10", 9.0), ("06:50", 1.0)]
    assert [(r.ts, r.value) for r in thinner.series("sotkamo", ["queue_waiting"], t0, t0 + timedelta(hours=1))] \
        == [(late.ts, 6.0)]
    thinner.dispose()
    backfill.dispose()
