"""The demo simulator: deterministic, believable, and backfilling history."""

from datetime import UTC, date, datetime, timedelta

import pytest

from board.domain.hours import OpeningHours
from board.domain.kpi import nps
from board.domain.reading import flatten
from board.domain.timeutil import local_date
from board.settings import load_settings
from connectors import build_connector
from connectors.simulator import COL, Simulator, StationProfile

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Wednesday 12.00 Helsinki
WEEKDAYS = OpeningHours.parse({d: "08:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")})


def sim(seed: int = 1) -> Simulator:
    return Simulator(seed, [StationProfile("kajaani", 36000, WEEKDAYS), StationProfile("sotkamo", 10400, WEEKDAYS),
                            StationProfile("ristijarvi", 1200, WEEKDAYS)])


def days(n: int, end: date = date(2026, 11, 20)) -> list[date]:
    return [end - timedelta(days=i) for i in range(n)]


def end_of_day(s: Simulator, code: str, d: date, column: str) -> float:
    return float(s.day(code, d).values[-1, COL[column]])


def test_same_seed_and_clock_give_the_same_readings(config_dir):
    settings = load_settings(config_dir, "sqlite://")
    a = list(flatten(build_connector(settings.sources[0], settings).pull(None, NOW)))
    b = list(flatten(build_connector(settings.sources[0], settings).pull(None, NOW)))
    assert a == b and len(a) > 1000


def test_a_different_seed_gives_different_numbers():
    d = date(2026, 11, 18)
    assert (sim(1).day("kajaani", d).values != sim(2).day("kajaani", d).values).any()


def test_values_do_not_depend_on_what_was_asked_before():
    d = date(2026, 11, 18)
    fresh = sim(3).day("kajaani", d).values
    warmed = sim(3)
    for other in days(10):
        warmed.day("kajaani", other)
    assert (warmed.day("kajaani", d).values == fresh).all()


def test_volumes_scale_with_population():
    s = sim()
    total = {code: sum(end_of_day(s, code, d, c) for d in days(10) for c in (
        "contacts_phone_today", "contacts_visit_today", "contacts_chat_today", "contacts_omasote_today"))
        for code in ("kajaani", "ristijarvi")}
    assert 15 < total["kajaani"] / total["ristijarvi"] < 60  # population ratio is 30
    assert 200 < total["kajaani"] / 10 * 7 / 5 < 600  # a weekday in Kajaani: a few hundred contacts


def test_morning_phone_peak_and_quiet_nights_and_weekends():
    s = sim()
    wednesday = s.day("kajaani", date(2026, 11, 18))
    phone = wednesday.values[:, COL["contacts_phone_today"]]

    def calls_between(h1: int, h2: int) -> float:  # local hours, EET = UTC+2
        return float(phone[h2 * 60 - 1] - phone[h1 * 60 - 1])

    assert calls_between(8, 10) > 1.5 * calls_between(13, 15)
    assert calls_between(1, 6) == 0
    sunday = s.day("kajaani", date(2026, 11, 22))
    assert sunday.values[-1, COL["contacts_phone_today"]] == 0
    assert sunday.values[-1, COL["contacts_omasote_today"]] > 0  # e-service runs around the clock


def test_queues_build_up_more_often_in_kajaani_paltamo_ristijarvi():
    s = sim()
    weekdays = [d for d in days(56) if d.weekday() < 5]

    def built_up(code: str, d: date) -> bool:  # a clear build-up, not a last-minute call or two
        left = end_of_day(s, code, d, "queue_waiting")
        return left >= max(3, 0.15 * end_of_day(s, code, d, "contacts_phone_today"))

    counts = {code: sum(built_up(code, d) for d in weekdays) for code in ("kajaani", "sotkamo")}
    assert counts["kajaani"] >= 5
    assert counts["kajaani"] > 2 * counts["sotkamo"]


def test_realistic_nps():
    s = sim()
    p = n = d = 0.0
    for day in days(28):
        p += end_of_day(s, "kajaani", day, "feedback_promoters_today")
        n += end_of_day(s, "kajaani", day, "feedback_passives_today")
        d += end_of_day(s, "kajaani", day, "feedback_detractors_today")
    assert p + n + d > 100
    assert 20 < nps(p, n, d) < 75


def test_daily_counters_rise_through_the_day_and_start_from_zero():
    values = sim().day("sotkamo", date(2026, 11, 18)).values
    for col in ("queue_handled_today", "contacts_visit_today", "omasote_received_today"):
        series = values[:, COL[col]]
        assert series[0] <= 1 and (series[1:] >= series[:-1]).all()


@pytest.mark.parametrize("day, minutes", [(date(2026, 3, 29), 23 * 60), (date(2026, 10, 25), 25 * 60)])
def test_dst_days_have_23_and_25_hours(day, minutes):
    assert sim().day("sotkamo", day).minutes == minutes


def test_connector_backfills_eight_weeks_newest_first(config_dir):
    settings = load_settings(config_dir, "sqlite://")
    source = settings.sources[0].model_copy(update={"backfill_days": 56, "history_step_minutes": 240})
    readings = list(flatten(build_connector(source, settings).pull(None, NOW)))
    oldest = min(r.ts for r in readings)
    assert NOW - oldest >= timedelta(days=56) - timedelta(hours=4)  # grid-aligned to the 4 h step
    assert local_date(readings[0].ts) == local_date(NOW)  # today first, so the wall fills at once
    assert {r.station for r in readings} == {s.code for s in settings.stations}


def test_pull_respects_the_window(config_dir):
    settings = load_settings(config_dir, "sqlite://")
    connector = build_connector(settings.sources[0], settings)
    since = NOW - timedelta(minutes=30)
    got = list(flatten(connector.pull(since, NOW)))
    assert got and all(since <= r.ts <= NOW for r in got)
    assert connector.check(NOW).ok


def test_midnight_continues_yesterdays_queues_including_period_hand_overs():
    """What is left at 23.59 is what the next day starts with: no jumps at midnight."""
    s = sim(2026)
    for code in ("kajaani", "ristijarvi"):
        for d in days(120, date(2026, 12, 31)):
            before, after = s.day(code, d - timedelta(days=1)).values, s.day(code, d).values
            assert before[-1, COL["queue_waiting"]] == after[0, COL["queue_waiting"]] == after[
                0, COL["contacts_carried_over"]], (code, d)
            arrived_at_midnight = after[0, COL["omasote_received_today"]]
            assert before[-1, COL["omasote_unanswered"]] == after[0, COL["omasote_unanswered"]] - arrived_at_midnight


def test_fast_queue_service_equals_the_minute_by_minute_loop():
    """The simulator serves queues only in minutes with capacity; it must equal the plain loop exactly."""
    import numpy as np

    from connectors.simulator import _serve, _serve_every_minute

    rng = np.random.default_rng(7)
    for _ in range(500):
        n = int(rng.integers(1, 300))
        cum = int(rng.integers(0, 5)) + np.cumsum(rng.poisson(rng.uniform(0, 2), n))
        cap = rng.uniform(0, 2.5, n) * (rng.random(n) < rng.uniform(0, 1))
        assert (_serve(cum, cap) == _serve_every_minute(cum, cap)).all()


def test_a_seed_gives_the_same_numbers_as_before():
    """The simulator's numbers for a seed are part of the demo (and of every benchmark figure): a change in how
    days are simulated (a period's chain simulated only as far as asked, since the backfill work of issue 17)
    must not change one value. The digest is of the per-minute values as the whole-period simulator made them
    (main 6ab00b6), including a DST day and the first and last days of a period."""
    import hashlib

    h = hashlib.sha256()
    s = sim(1)
    for code, d in [("kajaani", date(2026, 11, 20)), ("ristijarvi", date(2026, 11, 30)),
                    ("sotkamo", date(2026, 12, 27)), ("kajaani", date(2026, 3, 29))]:
        h.update(s.day(code, d).values.astype("<f4").tobytes())
    assert h.hexdigest() == "9126558f051cb4a9618a80e032cd32d7a7114012cf16d4351ceaba629a63f251"


def test_a_day_asked_after_a_later_one_of_its_period_is_the_same():
    """A period's chain grows as days are asked for: asking the period's last day first, or its first day
    first and then the rest, gives the same days."""
    late, early = sim(5), sim(5)
    last = date(2026, 12, 27)  # the last day of the period that began on 30 Nov
    late_values = late.day("kajaani", last).values
    assert (early.day("kajaani", date(2026, 11, 30)).values == late.day("kajaani", date(2026, 11, 30)).values).all()
    assert (early.day("kajaani", last).values == late_values).all()


@pytest.mark.parametrize("until", [NOW, datetime(2026, 11, 29, 22, 40, tzinfo=UTC)],  # mid-period; a period's 1st day
                         ids=["mid-period", "first-day"])
def test_a_backfill_in_worker_processes_hands_over_what_one_process_would(config_dir, monkeypatch, until):
    """The worker processes' path (a backfill of at least POOL_MIN_STATION_DAYS) simulates a station's today
    with its history of the same period in one task, and keeps only a few periods per worker (a worker used to
    keep every station's period until its history came: ~4.5 GB at 900 stations). Same blocks, same order."""
    import connectors.demo as demo
    from board.domain.reading import ReadingBlock

    settings = load_settings(config_dir, "sqlite://")
    source = settings.sources[0].model_copy(update={"backfill_days": 9})

    def blocks(workers: int) -> list[tuple[str, tuple[datetime, ...], bytes]]:
        connector = build_connector(source, settings)
        connector.workers = workers
        return [(b.station, b.times, b.values.tobytes()) for b in connector.pull(None, until)
                if isinstance(b, ReadingBlock)]

    monkeypatch.setattr(demo, "POOL_MIN_STATION_DAYS", 1)
    in_pool, here = blocks(1), blocks(0)
    assert len(in_pool) == len(here) > 2 * len(settings.stations)
    assert in_pool == here
    tasks = build_connector(source, settings)._tasks(until - timedelta(days=9), until)
    fused = demo._same_period_as_today(tasks)
    assert len(fused) == (len(settings.stations) if until == NOW else 0)
    assert all(tasks[i][0] == tasks[j][0] and len(tasks[i][1]) == 1 for i, j in fused.items())
