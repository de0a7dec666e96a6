"""The simulator's days told as items give the simulator's own aggregates, minute by minute, for the same seed.

The aggregates are the simulator's (connectors/simulator.py, what the demo has always shown); the items
are made by connectors/demo_items.py and counted by the board (board/domain/items.py). Every minute of
ordinary days, a Monday after a weekend's build-up, both DST days and a 28-day period boundary.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from board.domain.items import Item, ItemType, count, metrics_of
from board.settings import load_settings
from connectors.demo_items import station_items
from connectors.simulator import COL, Simulator, StationProfile, period_of
from tests.test_items_domain import HKI, reconciled

KEY = b"demo-items-test-key-0123456789"


def _sim() -> Simulator:
    hours = load_settings().opening_hours("kajaani")  # the shipped configuration's hours (holidays closed)
    return Simulator(2026, [StationProfile("kajaani", 36000, hours), StationProfile("ristijarvi", 1200, hours)])


SIM = _sim()


def latest(items: list[Item]) -> list[Item]:
    """Each item in its latest state, as the store keeps it (an item handled on a later day is told again)."""
    out: dict[str, Item] = {}
    for item in items:
        if item.key not in out or item.updated >= out[item.key].updated:  # type: ignore[operator]
            out[item.key] = item
    return list(out.values())


def _days(day: date, back: int = 7) -> list[date]:
    return [day - timedelta(days=n) for n in range(back, -1, -1)]


@pytest.mark.parametrize("day", [date(2026, 11, 23), date(2026, 11, 25), date(2026, 3, 29), date(2026, 10, 25),
                                 period_of(date(2026, 11, 23))[1]])
@pytest.mark.parametrize("code", ["kajaani", "ristijarvi"])
def test_items_give_the_simulators_numbers_at_every_minute(day: date, code: str):
    series = SIM.day(code, day)
    until = series.start + timedelta(minutes=series.minutes - 1)
    items = latest(list(station_items(SIM, KEY, code, _days(day), until)))
    at = [series.start + timedelta(minutes=m) for m in range(series.minutes)]
    compared = 0
    for kind in ItemType:
        of_kind = [i for i in items if i.type is kind]
        grid = count(kind, of_kind, at)
        for j, metric in enumerate(metrics_of(kind)):
            want = series.values[:, COL[metric]].astype(np.float64)
            got = grid[:, j]
            tolerance = 1e-3 if metric.endswith("_h") else 0  # the simulator keeps float32 hours
            bad = np.flatnonzero(np.abs(got - want) > tolerance)
            assert bad.size == 0, (metric, int(bad[0]), got[bad[0]], want[bad[0]])
            compared += len(want)
    assert compared == series.minutes * 18
    reconciled(station=code, day=day.isoformat(), minutes=series.minutes, items=len(items),
               figures_compared=compared)


def test_an_item_is_told_again_when_it_is_handled_later_and_keeps_its_identity():
    day = date(2026, 11, 23)
    series = SIM.day("kajaani", day)
    noon = series.start + timedelta(hours=10)  # 12.00 Helsinki
    before = {i.key: i for i in station_items(SIM, KEY, "kajaani", [day], noon) if i.type is ItemType.CALLBACKS}
    after = {i.key: i for i in station_items(SIM, KEY, "kajaani", [day], noon + timedelta(hours=4))
             if i.type is ItemType.CALLBACKS}
    open_at_noon = [k for k, i in before.items() if i.end is None]
    assert open_at_noon and all(k in after for k in open_at_noon)
    assert any(after[k].end is not None for k in open_at_noon)
    assert all(after[k].start == before[k].start for k in before)


def test_a_demo_source_delivering_items_shows_the_same_numbers_as_the_demo(tmp_path):
    """Through the collector and the store: the wall's latest values and yesterday's day totals equal the
    simulator's aggregates for the same seed, after a backfill and after an incremental pull."""
    from board.collector import Collector
    from board.environment import read_environment
    from board.store import Store
    from tests.conftest import write_config

    config = write_config(tmp_path / "config", seed=2026, backfill_days=2, deliver="items",
                          id_key="${BOARD_ITEM_KEY}", stations=["kajaani", "ristijarvi"])
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    settings = load_settings(config, url, read_environment({"BOARD_ITEM_KEY": "d" * 32}))
    store = Store.open(url)
    sim = Simulator(2026, [StationProfile(s.code, s.population or 5000, settings.opening_hours(s.code))
                           for s in settings.stations_of(settings.sources[0])])
    day = date(2026, 11, 24)  # a Tuesday
    now = [sim.day("kajaani", day).start + timedelta(hours=9, minutes=30)]  # 11.30 Helsinki
    collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)
    for step in (timedelta(0), timedelta(hours=2, minutes=7)):
        now[0] += step
        (outcome,) = collector.run_once()
        assert outcome.ok, outcome.error
        for code in ("kajaani", "ristijarvi"):
            series = sim.day(code, day)
            minute = int((now[0] - series.start).total_seconds() // 60)
            want = series.at(minute)
            got = {m: v.value for m, v in store.latest_values(code, list(want)).items()}
            assert got == pytest.approx(want, abs=1e-3), code
    yesterday = sim.day("kajaani", day - timedelta(days=1))
    totals = {m: yesterday.values[-1, COL[m]] for m in ("queue_handled_today", "contacts_visit_today",
                                                          "omasote_received_today", "feedback_promoters_today")}
    from sqlalchemy import select

    from board.store.schema import DailyRow

    with store.sessions() as s:
        rows = {r.metric: r.last_value for r in s.scalars(select(DailyRow).where(
            DailyRow.station == "kajaani", DailyRow.day == day - timedelta(days=1)))}
    assert {m: rows[m] for m in totals} == pytest.approx(totals)
    assert store.item_count() > 1000
    reconciled(stations=2, pulls=2, items_kept=store.item_count(), day_totals_compared=len(totals),
               what="latest values after a backfill and after an incremental pull 2 h 7 min later")


def test_demo_items_setup_writes_a_configuration_and_keeps_its_key(tmp_path):
    from board.demo_items_setup import prepare

    first = prepare({}, data_dir=tmp_path)
    again = prepare({}, data_dir=tmp_path)
    assert first["BOARD_ITEM_KEY"] == again["BOARD_ITEM_KEY"] and len(first["BOARD_ITEM_KEY"]) == 64
    assert (tmp_path / "demo-items" / "item.key").stat().st_mode & 0o777 == 0o600
    settings = load_settings(first["BOARD_CONFIG_DIR"], "sqlite://", read_environment_of(first))
    (source,) = settings.sources
    assert source.type == "demo" and source.delivers_items()
    assert prepare({"BOARD_ITEM_KEY": "x" * 20}, data_dir=tmp_path)["BOARD_ITEM_KEY"] == "x" * 20


def read_environment_of(environ):
    from board.environment import read_environment

    return read_environment(environ)


def test_the_wall_overview_and_week_from_items_equal_those_from_the_demos_figures(tmp_path):
    """The same seed through both paths: the figures demo (readings on its grid) and the items demo (items the
    board counts). What the wall and the overview show at a moment, and the weekly view's day totals and
    shares, are the same."""
    from board.collector import Collector
    from board.environment import read_environment
    from board.read import overview
    from board.read import week as weekly
    from board.read.wall import station_view
    from board.store import Store
    from tests.conftest import write_config

    at = datetime(2026, 11, 25, 10, 40, tzinfo=HKI)  # a Wednesday; the week before is week 47
    # the figures demo has no outcome classes; its queue peak is the highest of its 30-min grid, the items'
    # the highest at any event minute (higher or equal: checked below)
    NOT_COMPARED = {"queue_peak", "queue_not_reached", "queue_failure_demand", "queue_outcomes",
                    "queue_failure_demand_share"}
    views, weeks, peaks = {}, {}, {}
    for name, extra in (("readings", {}), ("items", {"deliver": "items", "id_key": "${BOARD_ITEM_KEY}"})):
        config = write_config(tmp_path / name, seed=2026, backfill_days=10, stations=["kajaani", "paltamo"],
                              history_step_minutes=30, **extra)
        url = f"sqlite:///{tmp_path / name / 'board.sqlite'}"
        settings = load_settings(config, url, read_environment({"BOARD_ITEM_KEY": "w" * 32}))
        store = Store.open(url)
        (outcome,) = Collector(settings, store, clock=lambda: at.astimezone(UTC), sleep=lambda s: None).run_once()
        assert outcome.ok, outcome.error
        views[name] = ([station_view(settings, store, code, at, with_trend=False).tiles for code in
                        ("kajaani", "paltamo")],
                       overview.overview_rows(overview.all_station_views(settings, store, at)))
        report = weekly.week_report(settings, store, 2026, 47, ["kajaani", "paltamo"])
        peaks[name] = report.rows
        weeks[name] = [(entry.code, [(d.day, {f: None if v is None else round(v, 4) for f, v in d.figures.items()
                                              if f not in NOT_COMPARED}) for d in entry.days])
                       for entry in report.rows]

    def figure(f):  # the simulator keeps hours in float32: 3.0833333 h there is 3.0833332 h
        return (f.code, None if f.value is None else round(f.value, 4), f.status, f.target)

    def shown(tiles):  # what a tile shows: its status, its numbers and their judgement, stale or not
        return [(t.family, t.status, figure(t.headline), tuple(map(figure, t.figures)), t.stale) for t in tiles]

    for got, want in zip(views["items"][0], views["readings"][0], strict=True):
        for a, b in zip(shown(got), shown(want), strict=True):
            assert a == b
    def rows(overview_rows):  # the overview: its order (worst first) and each row's tiles
        return [(r.view.station.code, shown(r.view.tiles)) for r in overview_rows]

    assert rows(views["items"][1]) == rows(views["readings"][1])
    assert weeks["items"] == weeks["readings"]
    reconciled(wall_tiles=sum(len(v) for v in views["items"][0]),
               wall_figures=sum(1 + len(t.figures) for v in views["items"][0] for t in v),
               overview_rows=len(views["items"][1]),
               week_days=sum(len(d) for _c, d in weeks["items"]),
               week_figures=sum(len(f) for _c, d in weeks["items"] for _day, f in d), week="2026-W47")
    assert all(i["queue_peak"] >= r["queue_peak"] for i, r in zip(
        (d.figures for e in peaks["items"] for d in e.days), (d.figures for e in peaks["readings"] for d in e.days),
        strict=True) if r["queue_peak"] is not None)


@pytest.mark.parametrize("day", [date(2026, 11, 23), date(2026, 3, 29), date(2026, 10, 25),
                                 period_of(date(2026, 11, 23))[1]])
@pytest.mark.parametrize("hour", [10.5, 16.25, 23.99])
def test_the_items_are_those_the_earlier_form_told(day: date, hour: float):
    """connectors/demo_items.py makes its items from tuples now; tests/demo_items_reference.py is the earlier
    form, verbatim: the same items, in the same order, for the same seed (a later day tells a handled one again,
    feedback reacted to on a later day included)."""
    from tests import demo_items_reference as earlier

    for code in ("kajaani", "ristijarvi"):
        until = SIM.day(code, day).start + timedelta(hours=hour)
        now = list(station_items(SIM, KEY, code, _days(day), until))
        assert now == list(earlier.station_items(SIM, KEY, code, _days(day), until))
        assert {i.type for i in now} == set(ItemType)


@pytest.mark.parametrize("since_seconds", [0, 0.5, 17])
def test_the_demo_pull_tells_the_items_the_earlier_form_told(tmp_path, since_seconds: float):
    """connectors/demo.py keeps the records as tuples until it knows which it tells: the same items, in the same
    order, as making every record an Item first and keeping each id's latest (the earlier form)."""
    from board.environment import read_environment
    from connectors.demo import ITEM_DAYS_BEFORE, DemoConnector
    from tests import demo_items_reference as earlier
    from tests.conftest import write_config

    config = write_config(tmp_path / "config", seed=2026, backfill_days=2, deliver="items",
                          id_key="${BOARD_ITEM_KEY}", stations=["kajaani", "ristijarvi"])
    settings = load_settings(config, f"sqlite:///{tmp_path / 'x.sqlite'}",
                             read_environment({"BOARD_ITEM_KEY": "d" * 32}))
    source = settings.sources[0]
    connector = DemoConnector(source, settings.stations_of(source), settings)
    until = datetime(2026, 11, 24, 12, 0, 17, tzinfo=UTC)
    since = datetime(2026, 11, 23, 8, 31, tzinfo=UTC) + timedelta(seconds=since_seconds)  # a busy Monday
    got = [x for x in connector.pull(since, until) if isinstance(x, Item)]
    want = []
    first = since.date() - timedelta(days=ITEM_DAYS_BEFORE)
    days = [first + timedelta(days=n) for n in range((until.date() - first).days + 1)]
    for code in connector.codes:
        latest: dict[str, Item] = {}
        for item in earlier.station_items(connector.sim, b"d" * 32, code, days, until):
            latest[item.key] = item
        want += [i for i in latest.values() if (i.updated or i.start) >= since or (i.waits and i.end is None)]
    assert got == want and len(got) > 500
    assert any(i.start < since and i.end is not None and i.end >= since for i in got)  # handled inside the window
