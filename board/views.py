"""Read-side functions the pages and the CLI call (never SQL in a page).

Each function takes the settings and the store explicitly, so pages can cache
the results (``st.cache_data``) and tests can call them directly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from board.domain.metrics import Family, metrics_of
from board.domain.notice import Notice
from board.domain.snapshot import Tile, build_tiles, headline_series
from board.domain.timeutil import at_local, day_bounds, day_start, local_date, utcnow
from board.settings import Settings, Station
from board.store import Store

TREND_MARGIN = timedelta(hours=1)


@dataclass
class StationView:
    station: Station
    now: datetime
    is_open: bool
    tiles: list[Tile]
    #: The part of today the trend lines span: opening hours +-1 h, or the whole day.
    trend_window: tuple[datetime, datetime] | None = None
    #: Notices shown on this station's wall at ``now``, newest first (active, not withdrawn).
    notices: list[Notice] = field(default_factory=list)

    def tile(self, family: Family) -> Tile:
        return next(t for t in self.tiles if t.family is family)


def station_view(settings: Settings, store: Store, code: str, now: datetime | None = None,
                 with_trend: bool = True) -> StationView:
    """Everything the wall shows for one station at ``now``."""
    now = now or utcnow()
    station = settings.station(code)
    start = day_start(local_date(now))
    latest = store.latest_values(code)
    is_open = settings.opening_hours(code).is_open(now)
    tiles = build_tiles(
        latest,
        now=now,
        day_start=start,
        is_open=is_open,
        thresholds=settings.thresholds_for(code),
        targets=settings.metrics.targets,
        stale_after={s.name: timedelta(seconds=s.stale_after_seconds) for s in settings.sources},
        min_sample=settings.metrics.min_sample,
    )
    window = trend_window(settings, code, now)
    if with_trend:
        _add_trends(store, code, tiles, window[0], now)
    # Read with the tiles, so a notice reaches the wall with the next refresh and leaves it when it ends.
    notices = store.notices(active_at=now, station=code)
    return StationView(station, now, is_open, tiles, window, notices)


def trend_window(settings: Settings, code: str, now: datetime) -> tuple[datetime, datetime]:
    """Today's opening hours widened by an hour each side (the whole day when closed all day)."""
    today = local_date(now)
    hours = settings.opening_hours(code).hours_on(today.weekday())
    if hours is None:
        return day_bounds(today)
    start = max(day_start(today), at_local(today, hours[0]) - TREND_MARGIN)
    end = min(day_bounds(today)[1], at_local(today, hours[1]) + TREND_MARGIN)
    return start, end


def _add_trends(store: Store, code: str, tiles: list[Tile], start: datetime, now: datetime) -> None:
    trends = station_trends(store, code, start, now)
    for t in tiles:
        if not t.stale:
            t.trend = trends.get(t.family, [])


Trend = list[tuple[datetime, float]]


def station_trends(store: Store, code: str, start: datetime, now: datetime) -> dict[Family, Trend]:
    """Each tile's headline series from ``start`` to ``now`` (the wall's sparklines).

    The costliest read of a wall refresh (every reading of the day), so the
    web server caches it longer than the numbers: a sparkline a minute old
    looks the same from across a corridor.
    """
    families = list(Family)
    wanted = [m for f in families for m in metrics_of(f)]
    by_family: dict[Family, dict[datetime, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    family_of = {m: f for f in families for m in metrics_of(f)}
    for r in store.series(code, wanted, start, now + timedelta(seconds=1)):
        by_family[family_of[r.metric]][r.ts][r.metric] = r.value
    return {f: headline_series(f, by_family.get(f, {})) for f in families}


def all_station_views(settings: Settings, store: Store, now: datetime | None = None,
                      codes: list[str] | None = None) -> list[StationView]:
    now = now or utcnow()
    return [station_view(settings, store, s.code, now, with_trend=False)
            for s in settings.stations if codes is None or s.code in codes]
