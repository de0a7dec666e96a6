"""Stale figures said honestly (issue 13): ages rounded, the day of an old value, and stale flagged in status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from board.cli import _status_record
from board.domain.reading import Reading
from board.formatting import NBSP, fmt_last, fmt_minutes
from board.read.overview import all_station_views
from board.read.wall import station_view
from board.web.wall_html import render_wall

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 11.00 Helsinki


@pytest.mark.parametrize(("minutes", "shown"), [
    (12.8 * 60, "13 h"),          # it said "12 h": cut, not rounded
    (10 * 60 + 54, "11 h"),       # it said "10 h"
    (10 * 60 + 29, "10 h"),
    (9 * 60 + 59, "9 h 59 min"),  # under 10 h the minutes are shown
    (599.6, "10 h"),
    (23 * 60 + 40, "1 vrk"),      # 23.7 h rounds to a whole day
    (27 * 60 + 40, "1 vrk 4 h"),  # 1 d 3.7 h
    (47 * 60 + 31, "2 vrk"),
])
def test_ages_from_ten_hours_are_rounded_not_cut(minutes: float, shown: str) -> None:
    assert fmt_minutes(minutes).replace(NBSP, " ") == shown


def test_the_day_of_a_value_is_said_unless_it_is_from_today() -> None:
    assert fmt_last(NOW - timedelta(hours=1), NOW) == "klo 10.00"
    ten_days = datetime(2026, 11, 13, 13, 0, tzinfo=UTC)  # 15.00 in Helsinki
    assert fmt_last(ten_days, NOW) == "13.11. klo 15.00"
    assert fmt_last(ten_days, NOW, "sv") == "13.11. kl. 15.00"
    assert fmt_last(ten_days, NOW, "en") == "13 Nov 15:00"
    assert fmt_last(datetime(2025, 12, 30, 13, 0, tzinfo=UTC), NOW) == "30.12.2025 klo 15.00"
    late_yesterday = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)  # 23.30 on the 22nd in Helsinki, not today
    assert fmt_last(late_yesterday, NOW) == "22.11. klo 23.30"


def test_a_stale_tile_says_the_date_of_a_value_from_another_day(settings, store) -> None:
    old = datetime(2026, 11, 21, 13, 0, tzinfo=UTC)  # Saturday 15.00 in Helsinki
    store.write_readings([Reading("paltamo", "queue_waiting", old, 17)], source="demo", now=old)
    html = render_wall(station_view(settings, store, "paltamo", NOW))
    queue = html.split('data-family="queue"')[1].split("</section>")[0]
    assert "Tieto vanhentunut: viimeisin 21.11. klo 15.00" in queue


def test_status_json_flags_a_closed_stations_old_figures_as_stale(settings, store) -> None:
    night = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 03.00 in Helsinki: every station closed
    old = night - timedelta(days=10)
    store.write_readings([Reading("paltamo", "queue_waiting", old, 25),
                          Reading("paltamo", "queue_oldest_wait_min", old, 30)], source="demo", now=old)
    [view] = all_station_views(settings, store, night, ["paltamo"])
    record = _status_record(view, night)
    queue = next(t for t in record["tiles"] if t["family"] == "queue")  # type: ignore[attr-defined]
    assert queue["status"] == "closed" and queue["stale"] is True
    assert queue["figures"]["queue_waiting"] == {"value": 25.0, "status": "stale", "stale": True}
    assert {f["status"] for f in queue["figures"].values()} == {"stale"}  # never ok/warn for ten-day-old values
