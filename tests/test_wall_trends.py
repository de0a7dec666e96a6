"""Today's sparklines kept per station while its data stands still (board/web/wall_trends.py).

The rules with a fake clock and a counting reader: read again only when the
version moved and the copy is a minute old, when the window changed, or after
the longest age. Then with a real store: trends read once over the whole
window, before a reading stamped ahead of the clock was due, draw it once its
time has come exactly as a fresh read then draws it — so keeping them changes
nothing on the wall. SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from board.domain.figures import Family
from board.domain.reading import Reading
from board.read.wall import station_trends, station_view, trend_window, with_trends
from board.settings import Settings
from board.store import Store
from board.web.wall_trends import TrendKeeper

# A Wednesday, 11.00 Helsinki time: the stations are open.
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
DAY1 = (T0 - timedelta(hours=3), T0 + timedelta(hours=8))
DAY2 = (DAY1[0] + timedelta(days=1), DAY1[1] + timedelta(days=1))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def keeper(clock: Clock, reads: list[tuple[str, tuple[datetime, datetime]]]) -> TrendKeeper:
    def read(code: str, window: tuple[datetime, datetime], now: datetime) -> tuple[dict, dict]:
        reads.append((code, window))
        return {"read": len(reads)}, {}

    return TrendKeeper(lambda code, now: DAY1 if now < DAY2[0] else DAY2, read, min_age=60, max_age=600,
                       clock=clock)


def test_trends_are_read_again_only_when_the_data_moved_and_a_minute_passed() -> None:
    clock, reads = Clock(), []
    kept = keeper(clock, reads)
    assert kept.get("kajaani", "1.0", T0)[0] == {"read": 1}
    clock.now += 599  # nothing written: the same readings, however long (up to the longest age)
    assert kept.get("kajaani", "1.0", T0)[0] == {"read": 1}
    assert kept.get("sotkamo", "1.0", T0)[0] == {"read": 2}  # each station its own
    clock.now += 2  # 601 s: read again although nothing moved (a write that bumps no version)
    assert kept.get("kajaani", "1.0", T0)[0] == {"read": 3}
    clock.now += 30
    assert kept.get("kajaani", "2.0", T0)[0] == {"read": 3}  # moved, but the copy is 30 s old: a minute's lag
    clock.now += 30
    assert kept.get("kajaani", "2.0", T0)[0] == {"read": 4}  # moved and a minute old
    assert kept.get("kajaani", "2.0", DAY2[0] + timedelta(hours=1))[0] == {"read": 5}  # a new day: a new window
    assert [w for _, w in reads] == [DAY1, DAY1, DAY1, DAY1, DAY2]
    kept.clear()
    assert kept.get("kajaani", "2.0", DAY2[0] + timedelta(hours=1))[0] == {"read": 6}


def test_kept_trends_draw_what_a_fresh_read_draws(settings: Settings, store: Store) -> None:
    """Read once at T0 with a reading stamped 20 minutes ahead; at T0 + 25 min the kept trends give the same view
    as reading everything afresh then (the point is drawn), and at T0 the point is not drawn."""
    for minutes, value in ((-30, 3.0), (-20, 4.0), (-10, 6.0), (20, 9.0)):
        ts = T0 + timedelta(minutes=minutes)
        store.write_readings([Reading("kajaani", "queue_waiting", ts, value)], "jono", min(ts, T0))
    window = trend_window(settings, "kajaani", T0)
    kept = station_trends(store, "kajaani", window[0], T0, until=window[1])
    assert [v for _, v in kept[Family.QUEUE]] == [3.0, 4.0, 6.0, 9.0]

    later = T0 + timedelta(minutes=25)
    fresh = station_view(settings, store, "kajaani", later)
    assert with_trends(station_view(settings, store, "kajaani", later, with_trend=False), kept) == fresh
    assert [v for _, v in fresh.tile(Family.QUEUE).trend] == [3.0, 4.0, 6.0, 9.0]
    now_view = with_trends(station_view(settings, store, "kajaani", T0, with_trend=False), kept)
    assert now_view == station_view(settings, store, "kajaani", T0)
    assert [v for _, v in now_view.tile(Family.QUEUE).trend] == [3.0, 4.0, 6.0]
    due = T0 + timedelta(minutes=20)  # the reading stamped at the view's clock is drawn, as a fresh read draws it
    due_view = with_trends(station_view(settings, store, "kajaani", due, with_trend=False), kept)
    assert due_view == station_view(settings, store, "kajaani", due)
    assert [v for _, v in due_view.tile(Family.QUEUE).trend] == [3.0, 4.0, 6.0, 9.0]
