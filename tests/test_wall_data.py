"""The wall's data read once per change version (board/read/wall_data.py) gives, at any later moment, the very view
a fresh read of the store gives then: notices starting and ending, a withdrawn one, tiles going stale, the
projection ageing, a figure typed by hand expiring. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from board.domain.projection import StationProjection
from board.domain.reading import Reading
from board.read.wall import station_view
from board.read.wall_data import read_station, view_at
from board.settings import Settings
from board.store import Store

# A Wednesday, 11.00 Helsinki time: the stations are open.
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def filled(store: Store) -> Store:
    for minutes, value in ((-20, 4.0), (-10, 6.0), (-1, 7.0)):
        ts = T0 + timedelta(minutes=minutes)
        store.write_readings([Reading("kajaani", "queue_waiting", ts, value),
                              Reading("kajaani", "contacts_phone", ts, 10 + value),
                              Reading("sotkamo", "queue_waiting", ts, 99.0)], "jono", ts)
    hour = timedelta(hours=1)
    store.add_notice("Nyt", ["kajaani"], T0 - hour, T0 + hour, "vuoro", T0 - hour)
    store.add_notice("Myöhemmin", ["kajaani"], T0 + timedelta(minutes=30), T0 + 2 * hour, "vuoro", T0)
    store.add_notice("Kaikille", ["*"], T0 - hour, T0 + 3 * hour, "vuoro", T0 - hour)
    store.add_notice("Sotkamo", ["sotkamo"], T0 - hour, T0 + hour, "vuoro", T0 - hour)
    gone = store.add_notice("Peruttu", ["kajaani"], T0 - hour, T0 + hour, "vuoro", T0 - hour)
    store.withdraw_notice(gone.id, "vuoro", T0 - timedelta(minutes=5))
    store.add_notice("Ohi", ["kajaani"], T0 - 2 * hour, T0 - hour, "vuoro", T0 - 2 * hour)
    # closing as the collector writes it: Kajaani's 18.00 (16.00 UTC) under config/stations.yaml
    store.save_projections([StationProjection("kajaani", T0 - timedelta(minutes=1), T0 + 7 * hour, 12.0, 8.0, 15.0)])
    # Typed by hand while a source is down: one stands in for an hour, one was withdrawn, one is Sotkamo's.
    store.add_manual_entry("kajaani", "omasote_unanswered", 9.0, T0 + hour, "vuoro", T0 - timedelta(minutes=2))
    gone_entry = store.add_manual_entry("kajaani", "contacts_chat", 5.0, T0 + hour, "vuoro", T0 - timedelta(minutes=2))
    store.withdraw_manual_entry(gone_entry.id, "vuoro", T0 - timedelta(minutes=1))
    store.add_manual_entry("sotkamo", "omasote_unanswered", 77.0, T0 + hour, "vuoro", T0 - timedelta(minutes=2))
    return store


@pytest.mark.parametrize("later", [timedelta(0), timedelta(minutes=3), timedelta(minutes=31), timedelta(hours=1),
                                   timedelta(hours=3, minutes=1), timedelta(hours=10)])
def test_the_kept_data_gives_the_view_a_fresh_read_gives(settings: Settings, filled: Store, later: timedelta) -> None:
    data = read_station(filled, "kajaani", T0)
    now = T0 + later
    kept = view_at(settings, data, now)
    assert kept == station_view(settings, filled, "kajaani", now, with_trend=False)
    # And the cases above happen: not a comparison of two empty views.
    texts = [n.text for n in kept.notices]
    assert ("Myöhemmin" in texts) == (timedelta(minutes=30) <= later < timedelta(hours=2))
    assert "Peruttu" not in texts and "Sotkamo" not in texts and "Ohi" not in texts
    assert ("Kaikille" in texts) == (later < timedelta(hours=3))
    assert (kept.projection is not None) == (later <= timedelta(minutes=3))
    assert set(kept.manual) == ({"omasote_unanswered"} if later < timedelta(hours=1) else set())


def test_trends_are_drawn_as_the_store_path_draws_them(settings: Settings, filled: Store) -> None:
    from board.read.wall import station_trends, trend_window

    start = trend_window(settings, "kajaani", T0)[0]
    trends = station_trends(filled, "kajaani", start, T0)
    kept = view_at(settings, read_station(filled, "kajaani", T0), T0, trends)
    assert kept == station_view(settings, filled, "kajaani", T0, trends=trends)
    assert any(len(t.trend) == 3 for t in kept.tiles)
