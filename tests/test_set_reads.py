"""Set-based reads: the overview's views of every station come from a constant number of statements and are the
very views the wall builds one station at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import event

from board.collector import Collector
from board.domain.notice import ALL_STATIONS
from board.domain.projection import StationProjection
from board.domain.timeutil import utcnow
from board.read.overview import all_station_views
from board.read.wall import StationView, closing_at, station_view
from board.settings import Settings
from board.store import Store


@contextmanager
def _counting(store: Store) -> Iterator[Callable[[], int]]:
    """How many statements the store runs inside the block."""
    seen = {"n": 0}

    def count(*_args: object) -> None:
        seen["n"] += 1

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield lambda: seen["n"]
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def _filled(settings: Settings, store: Store):  # type: ignore[no-untyped-def]
    """A store as a running board leaves it: a collector cycle's readings, notices, projections and manual entries."""
    Collector(settings, store).run_once()
    now = utcnow()
    codes = [s.code for s in settings.stations]
    store.add_notice("Vain ensimmäinen", [codes[0]], now - timedelta(hours=1), now + timedelta(hours=1), "a", now)
    store.add_notice("Kaikille", [ALL_STATIONS], now - timedelta(hours=1), now + timedelta(hours=1), "a", now)
    store.add_notice("Päättynyt", [codes[1]], now - timedelta(hours=3), now - timedelta(hours=2), "a", now)
    # A figure typed by hand on the first station (newer than its readings) and one on the third long expired
    store.add_manual_entry(codes[0], "queue_waiting", 12, now + timedelta(hours=1), "a", now)
    store.add_manual_entry(codes[2], "omasote_unanswered", 3, now - timedelta(hours=1), "a", now - timedelta(hours=2))
    made = now - timedelta(minutes=1)
    # each closing as the collector writes it under these hours (a projection made under others is not shown)
    store.save_projections([
        StationProjection(codes[0], made, closing_at(settings, codes[0], made), 7.0, 4.0, 11.0,
                          0.9, 0.85, 0.95, ((now, 5.0, 6.0, 7.0),)),
        StationProjection(codes[1], made, closing_at(settings, codes[1], made), reason="few_days"),
        StationProjection(codes[2], now - timedelta(hours=1), now + timedelta(hours=3), 3.0, 1.0, 5.0,
                          0.9, 0.85, 0.95),  # too old to show
    ])
    return now, codes


def test_the_overview_builds_the_walls_views(settings: Settings, store: Store) -> None:
    now, codes = _filled(settings, store)
    one_by_one = [station_view(settings, store, code, now, with_trend=False) for code in codes]
    assert sum(bool(v.notices) for v in one_by_one) == len(codes)  # the data reaches every station
    assert one_by_one[0].projection is not None and one_by_one[1].projection_reason == "few_days"
    assert set(one_by_one[0].manual) == {"queue_waiting"} and not any(v.manual for v in one_by_one[1:])
    # The overview's rows show no path to closing (its curves read their own), so its views carry none: the
    # wall's views with the path left out, and nothing else different.
    assert one_by_one[0].projection.path  # the wall's has one, so the comparison below can tell
    pathless = [_without_path(v) for v in one_by_one]
    assert all_station_views(settings, store, now) == pathless
    assert all_station_views(settings, store, now, [codes[3], codes[1]]) == [pathless[1], pathless[3]]


def _without_path(view: StationView) -> StationView:
    return view if view.projection is None else replace(view, projection=replace(view.projection, path=()))


def test_projections_without_their_paths_are_the_same_projections(settings: Settings, store: Store) -> None:
    _now, codes = _filled(settings, store)
    full = store.projections()
    assert set(codes[:3]) <= set(full) and full[codes[0]].path  # one with a path, one without, a reason
    assert store.projections(paths=False) == {code: replace(p, path=()) for code, p in full.items()}
    assert store.projections(codes[1:3], paths=False) == {code: replace(full[code], path=()) for code in codes[1:3]}


def test_the_overview_reads_a_constant_number_of_statements(settings: Settings, store: Store) -> None:
    now, codes = _filled(settings, store)
    with _counting(store) as every:
        views = all_station_views(settings, store, now)
    with _counting(store) as two:
        all_station_views(settings, store, now, codes[:2])
    with _counting(store) as wall:
        station_view(settings, store, codes[0], now, with_trend=False)
    assert len(views) == len(codes) > 3
    assert every() == two() == wall()  # every station costs what one wall costs


def test_the_combined_peak_in_the_database_is_the_domains(store: Store) -> None:
    """Readings as a source writes them (every station its own times, some shared, a value held until the next),
    two Helsinki days; the database's peak per day is what the domain's step function says."""
    import random

    from board.domain.periods import combined_peak
    from board.domain.reading import Reading
    from board.domain.timeutil import day_start

    rnd = random.Random(17)
    days = [day_start(utcnow().date() - timedelta(days=d)) for d in (3, 2)]
    stations = ["a", "b", "c"]
    readings: list[Reading] = []
    for start in days:
        for st in stations:
            minutes = sorted(rnd.sample(range(0, 24 * 60, 5), 40))  # 5-minute grid: stations share moments
            readings += [Reading(st, "queue_waiting", start + timedelta(minutes=m), float(rnd.randint(0, 30)))
                         for m in minutes]
    store.write_readings(readings, source="test", now=utcnow())
    spans = [(d, d + timedelta(days=1)) for d in days]
    truth = [combined_peak([[(r.ts, r.value) for r in readings if r.station == st and lo <= r.ts < hi]
                            for st in stations]) for lo, hi in spans]
    assert store.combined_peaks(stations, "queue_waiting", spans) == truth
    assert store.combined_peaks([*stations, "a", "c"], "queue_waiting", spans) == truth  # a code twice counts once
    assert store.combined_peaks(stations, "queue_waiting", spans[::-1]) == truth[::-1]  # each span its own
    assert store.combined_peaks(["b"], "queue_waiting", spans[:1]) == [
        max(r.value for r in readings if r.station == "b" and spans[0][0] <= r.ts < spans[0][1])]
    assert store.combined_peaks(stations, "queue_waiting", [(days[0] - timedelta(days=9), days[0])]) == [None]
    assert store.highest_values(stations, "queue_waiting", *spans[1]) == {
        st: max(r.value for r in readings if r.station == st and spans[1][0] <= r.ts < spans[1][1]) for st in stations}
