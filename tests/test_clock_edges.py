"""Clock edges through the real code paths: the DST nights, Helsinki midnight, sources in UTC and in local time.

* The two DST nights of 2026 in Europe/Helsinki (29 March 03.00 -> 04.00,
  25 October 04.00 -> 03.00): a source system (an SQLite file read by an
  ``sql`` source) gains a reading every minute of the night; the collector
  (``Collector.run_source``, real connector, real store) pulls every 150 s
  on a clock the test moves, at a phase that does not line up with the
  readings. A source reporting in UTC, and one reporting local time with its
  offset, must arrive exactly. A source reporting local time *without* an
  offset cannot tell the two 03.xx hours of the October night apart; the
  test pins down what the board does with it: the first is kept, the later
  refused with a reason (see docs/RELIABILITY.md).
* "Today" ends at Helsinki midnight, which is 22.00 UTC in winter: daily
  counts and the same-day share reset then, on the wall and the overview,
  while the UTC date has not changed.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from board.collector import Collector, RunOutcome
from board.domain.reading import Reading
from board.read.overview import all_station_views, overview_rows
from board.read.wall import station_view
from board.settings import load_settings
from board.store import Store
from tests.conftest import write_config

HKI = ZoneInfo("Europe/Helsinki")
QUERY = "SELECT station, metric, time, value FROM kpi WHERE time >= :since AND time <= :until"
#: (first reading, last reading) of each night, UTC: 01.00 -> 05.30 and 01.30 -> 04.30 Helsinki wall-clock time.
NIGHTS = {
    "spring": (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 2, 30, tzinfo=UTC)),
    "autumn": (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
}
#: The October hour that happens twice on the wall clock: 03.00-04.00 EET, after 03.00-04.00 EEST.
REPEATED = (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), datetime(2026, 10, 25, 2, 0, tzinfo=UTC))
PULL_EVERY = timedelta(seconds=150)
PHASE = timedelta(seconds=37)


def _as_text(ts: datetime, style: str) -> str:
    if style == "utc":
        return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    local = ts.astimezone(HKI)
    if style == "offset":
        return local.isoformat(sep=" ")  # 2026-10-25 03:30:00+02:00
    return local.strftime("%Y-%m-%d %H:%M:%S")  # the wall-clock time alone


def _night(tmp_path: Path, night: str, style: str, refusals: list[RunOutcome] | None = None
           ) -> tuple[Store, list[tuple[datetime, float]]]:
    """Run the night; returns the store and what the source produced (instant, value). Every run must be clean,
    except that runs which refused rows are collected in ``refusals`` when it is given."""
    first, last = NIGHTS[night]
    source_db = tmp_path / "source.sqlite"
    conn = sqlite3.connect(source_db)
    conn.execute("CREATE TABLE kpi (station TEXT, metric TEXT, time TEXT, value REAL)")
    config = write_config(tmp_path / "config")
    src = {"name": "dw", "type": "sql", "url": f"sqlite:///{source_db}", "query": QUERY, "parameters_as": "text",
           "interval_seconds": 150, "stale_after_seconds": 900, "stations": ["kajaani"],
           "mapping": {"timezone": "UTC" if style == "utc" else "Europe/Helsinki"}}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [src]}), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    store = Store.open(url)
    # The collector has been running: its bookmark is just before the night.
    store.set_bookmark("dw", first - timedelta(seconds=1), first)
    clock = {"now": first}
    collector = Collector(load_settings(config, url), store, clock=lambda: clock["now"], sleep=lambda _: None)
    produced: list[tuple[datetime, float]] = []
    minute = first
    now = first + PHASE
    while now <= last + PULL_EVERY:
        while minute <= min(now, last):  # a reading exists in the source from its own instant on
            produced.append((minute, float(len(produced) + 1)))
            with conn:
                conn.execute("INSERT INTO kpi VALUES ('kajaani', 'queue_waiting', ?, ?)",
                             (_as_text(minute, style), produced[-1][1]))
            minute += timedelta(minutes=1)
        clock["now"] = now
        outcome = collector.run_source("dw")
        assert outcome.ok, outcome
        assert outcome.run is not None and outcome.run.unaccounted == 0, outcome  # every run's rows add up
        if refusals is not None and outcome.rejected:
            refusals.append(outcome)
        else:
            assert outcome.rejected == 0, outcome
        now += PULL_EVERY
    conn.close()
    return store, produced


def _stored(store: Store, night: str) -> dict[datetime, float]:
    first, last = NIGHTS[night]
    return {r.ts: r.value for r in store.series("kajaani", ["queue_waiting"], first - timedelta(hours=2),
                                                 last + timedelta(hours=2))}


@pytest.mark.parametrize("night", list(NIGHTS))
@pytest.mark.parametrize("style", ["utc", "offset"])
def test_a_dst_night_arrives_exactly_from_a_source_in_utc_or_with_offsets(night: str, style: str, tmp_path: Path):
    store, produced = _night(tmp_path, night, style)
    first, last = NIGHTS[night]
    assert len(produced) == (last - first) // timedelta(minutes=1) + 1
    assert _stored(store, night) == dict(produced)
    store.dispose()


def test_the_spring_night_arrives_exactly_from_a_source_in_local_time(tmp_path: Path):
    store, produced = _night(tmp_path, "spring", "local")
    assert _stored(store, "spring") == dict(produced)  # 03.00-04.00 does not exist: nothing to confuse
    store.dispose()


def test_the_repeated_october_hour_of_a_local_time_source_without_offsets_keeps_the_first_and_refuses_the_later(
        tmp_path: Path):
    """03.30 without an offset could be either 03.30 EEST or an hour later 03.30 EET; the board reads the first.

    A pull in the second 03.xx hour reads both rows of a wall-clock time (the window is local time): the first
    (summer time) is kept, the later one with its other value is refused with a reason naming both values, never
    silently overwriting the first (connectors/repeats.py). Everything outside the repeated hour arrives exactly;
    the real second hour (01.00-02.00 UTC) has nothing from this source. The cure is in the source: report UTC,
    or local time with its offset (the tests above).
    """
    refusals: list[RunOutcome] = []
    store, produced = _night(tmp_path, "autumn", "local", refusals)
    stored = _stored(store, "autumn")
    start, end = REPEATED
    outside = {ts: v for ts, v in produced if not (start <= ts < end)}  # the first 03.xx hour included
    assert {ts: stored[ts] for ts in outside if ts in stored} == outside
    assert set(outside) <= set(stored)  # the first hour's slots hold the first hour's values
    assert not [ts for ts in stored if start <= ts < end]
    reasons = {reason for o in refusals for reason in o.rejects}
    first_hour = dict(produced)
    named = 0
    for ts, later in produced:
        if start <= ts < end:  # a later row's reason names its time, the first value and the later one
            earlier = first_hour[ts - timedelta(hours=1)]
            clock = (ts - timedelta(hours=1)).astimezone(HKI).strftime("%d.%m.%Y %H.%M")
            listed = [r for r in reasons if r.startswith(f"{clock} kajaani queue_waiting: ")]
            named += bool(listed)  # (a run lists its first 50 different reasons; the rest are counted)
            for reason in listed:  # (each run that read it: the row numbers differ)
                assert reason.startswith(f"{clock} kajaani queue_waiting: {earlier:g} on row "), reason
                assert f"and later {later:g} on row " in reason and "the first is kept" in reason, reason
    assert named >= 50
    # The pull at 04.00 EET read the whole repeated hour: each of its 60 later rows refused, one reason each.
    assert max(o.rejected for o in refusals) == 60
    for outcome in refusals:  # refused rows are the ledger's refused rows: one reason per row
        assert outcome.run is not None and outcome.run.rows_refused == outcome.rejected
    store.dispose()


# ---------------------------------------------------------------------- Helsinki midnight
def test_today_ends_at_helsinki_midnight_not_utc_on_the_wall_and_the_overview(tmp_path: Path):
    config = write_config(tmp_path / "config")
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    settings = load_settings(config, url)
    store = Store.open(url)
    evening = datetime(2026, 12, 1, 21, 55, tzinfo=UTC)  # Tuesday 23.55 in Helsinki (UTC+2)
    store.write_readings([Reading("kajaani", m, evening, v) for m, v in [
        ("queue_waiting", 3), ("queue_handled_today", 10), ("queue_handled_same_day_today", 9),
        ("contacts_phone_today", 40), ("contacts_chat_today", 5), ("omasote_received_today", 12)]],
        source="demo", now=evening)

    def figures(now: datetime) -> dict[str, float | None]:
        view = station_view(settings, store, "kajaani", now)
        return {f.code: f.value for t in view.tiles for f in [t.headline, *t.figures]}

    before = figures(datetime(2026, 12, 1, 21, 59, 30, tzinfo=UTC))  # 23.59.30 Tuesday
    assert before["contacts_total_today"] == 45 and before["queue_same_day_share"] == pytest.approx(0.9)
    assert before["omasote_received_today"] == 12
    after = figures(datetime(2026, 12, 1, 22, 0, 30, tzinfo=UTC))  # 00.00.30 Wednesday; still 1.12. in UTC
    assert after["contacts_total_today"] is None and after["queue_same_day_share"] is None
    assert after["omasote_received_today"] is None and after["queue_handled_today"] is None
    assert after["queue_waiting"] == 3  # a queue is a state, not a daily count: it carries over midnight
    midnight_views = all_station_views(settings, store, datetime(2026, 12, 1, 22, 0, 30, tzinfo=UTC), ["kajaani"])
    row = overview_rows(midnight_views)[0]
    assert row.figures["contacts_total_today"].value is None
    assert row.figures["queue_waiting"].value == 3

    first = datetime(2026, 12, 1, 22, 1, tzinfo=UTC)  # Wednesday's first counts
    store.write_readings([Reading("kajaani", "contacts_phone_today", first, 1),
                          Reading("kajaani", "contacts_chat_today", first, 0)], source="demo", now=first)
    assert figures(first + timedelta(seconds=30))["contacts_total_today"] == 1
    store.dispose()
