"""What the wall display reads: one station's tiles, notices and today's sparklines.

Each function takes the settings and the store explicitly, so the web server
can cache the results (``st.cache_data``) and tests, the CLI and the
benchmarks call the very same functions. The web server caches the sparklines
longer than the numbers (:func:`station_trends` reads every reading of the
day), so it reads them apart and hands them to :func:`station_view`; both
ways meet in :func:`with_trends`, which is why what the tests check is what a
wall shows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import itemgetter

from board.domain.figures import WALL_FAMILIES, Family, metrics_of
from board.domain.hours import ClosedDay, instant
from board.domain.manual import MANUAL_SOURCE, MAX_EXPIRY, ManualEntry, blank_mixed_shares, in_effect, overlay
from board.domain.notice import Notice
from board.domain.projection import StationProjection
from board.domain.snapshot import Figure, Latest, Tile, build_tiles, headline_series
from board.domain.status import Status
from board.domain.timeutil import day_bounds, day_start, local, local_date, utcnow
from board.read.tracked import tracked_families
from board.settings import Settings, Station
from board.store import Store

TREND_MARGIN = timedelta(hours=1)
#: A projection older than this is not shown (the collector computes one a minute while a station is open).
PROJECTION_FRESH = timedelta(minutes=5)

#: A sparkline: (instant, value) pairs through the day, in time order.
Trend = Sequence[tuple[datetime, float]]
#: A trend point's instant (:func:`with_trends` bisects on it).
_instant = itemgetter(0)


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
    #: Today's end-of-day projection of the callback queue (the collector's, board/alerts/projections.py);
    #: None when there is none or it is older than PROJECTION_FRESH (the collector is not running).
    projection: StationProjection | None = None
    #: Its judgement: the station's queue_waiting thresholds applied to the queue expected at closing.
    projection_status: Status = Status.NEUTRAL
    #: Why today is closed beyond the weekday's hours: a public holiday or an exception day (None otherwise).
    closed_day: ClosedDay | None = None
    #: Why there is no projection: a :class:`board.domain.projection.Reason` value, or ``missing`` (none stored
    #: or older than PROJECTION_FRESH); None when there is one.
    projection_reason: str | None = None
    #: Figures typed by hand in effect now, by metric (board.domain.manual): the tiles show their values, and
    #: the wall marks them "käsin syötetty klo 10.40". Empty when every figure is from the sources.
    manual: dict[str, ManualEntry] = field(default_factory=dict)
    #: Tiles no enabled source is configured to deliver for this station (board/read/tracked.py): "not
    #: tracked" here, not a fault; their having nothing is no reason for alarm on the overview or in ``status``.
    untracked: frozenset[Family] = frozenset()

    def tile(self, family: Family) -> Tile:
        return next(t for t in self.tiles if t.family is family)

    def not_tracked(self, tile: Tile) -> bool:
        """Whether ``tile`` has nothing only because no source is meant to deliver it here (no data or old data
        of a source since removed). A figure typed by hand on it counts like any other."""
        return tile.family in self.untracked and tile.status in (Status.NO_DATA, Status.STALE)


def station_view(settings: Settings, store: Store, code: str, now: datetime | None = None,
                 with_trend: bool = True, trends: Mapping[Family, Trend] | None = None) -> StationView:
    """Everything the wall shows for one station at ``now``.

    ``trends``: today's sparklines read earlier (:func:`station_trends`; the web server keeps them a minute);
    None reads them now, unless ``with_trend`` is False (the overview and the CLI draw none).
    """
    now = now or utcnow()
    if trends is None and with_trend:
        trends = station_trends(store, code, trend_window(settings, code, now)[0], now)
    # Notices are read with the tiles, so a notice reaches the wall with the next refresh and leaves it when it ends.
    view = build_view(settings, code, now, store.latest_values(code), store.notices(active_at=now, station=code),
                      store.projections([code]).get(code), store.manual_entries(active_at=now, stations=[code]))
    return view if trends is None else with_trends(view, trends)


def build_view(settings: Settings, code: str, now: datetime, latest: Mapping[str, Latest],
               notices: Sequence[Notice], stored: StationProjection | None,
               manual: Sequence[ManualEntry] = (),
               judged: dict[tuple[object, ...], Figure] | None = None) -> StationView:
    """One station's view from what was read for it: its newest values, the notices shown on it at ``now``, its
    stored projection and the figures typed by hand in effect (``manual``; others' are skipped). No store here,
    so the overview reads every station's in a few statements (:func:`board.read.overview.all_station_views`)
    and the wall one station's, and both build the same view. ``judged``: figures judged for the other stations
    of the same build (:func:`board.domain.snapshot.build_tiles`)."""
    station = settings.station(code)
    # A figure typed by hand while its source is down stands in for the source's reading until it expires or
    # the source delivers a newer one; it is never stale before it expires.
    shown = in_effect([e for e in manual if e.station == code], latest, now)
    sourced = set(latest)
    latest = overlay(latest, shown)
    hours = settings.opening_hours(code)
    is_open = hours.is_open(now)
    tiles = build_tiles(
        latest,
        now=now,
        day_start=day_start(local_date(now)),
        is_open=is_open,
        thresholds=settings.thresholds_for(code),
        targets=settings.metrics.targets,
        stale_after={MANUAL_SOURCE: MAX_EXPIRY, **settings.stale_limits},
        min_sample=settings.metrics.min_sample,
        judged=judged,
    )
    if shown:
        tiles = blank_mixed_shares(tiles, shown, sourced)
    projection, judged, reason = judge_projection(settings, code, stored, now)
    closed_day = None if is_open else hours.closed_day(local_date(now))
    return StationView(station, now, is_open, tiles, trend_window(settings, code, now), list(notices), projection,
                       judged, closed_day, reason, shown,
                       frozenset(WALL_FAMILIES) - tracked_families(settings, code))


#: Why a station has no projection when none is stored, or the stored one is too old to show.
MISSING = "missing"


def current_projection(settings: Settings, store: Store, code: str,
                       now: datetime) -> tuple[StationProjection | None, Status, str | None]:
    """The station's stored projection if it is current and says something, judged like a queue at closing;
    else None and why not (the overview says it)."""
    return judge_projection(settings, code, store.projections([code]).get(code), now)


def judge_projection(settings: Settings, code: str, p: StationProjection | None,
                     now: datetime) -> tuple[StationProjection | None, Status, str | None]:
    """:func:`current_projection` of a projection already read (``p``: the stored one, or None)."""
    if p is None or not timedelta(0) <= now - p.computed_at <= PROJECTION_FRESH:
        return None, Status.NEUTRAL, MISSING
    if p.closes_at != closing_at(settings, code, p.computed_at):
        # Made under other opening hours than this process reads (``demo --always-open`` started on a store the
        # plain demo had just written, or the reverse; an opening-hours change): its closing time is not the one
        # these hours give at the moment it was made, so its queue is for another closing (the queue at 18.00 on a
        # wall open till midnight). Not shown until the collector stores one under these hours. Compared at its
        # own moment, not now: one made at 23.59 is still the one it was at 0.00 (and then five minutes old).
        return None, Status.NEUTRAL, MISSING
    if not p.ok:
        return None, Status.NEUTRAL, p.reason or MISSING
    threshold = settings.thresholds_for(code).get("queue_waiting")
    return p, threshold.evaluate(p.queue) if threshold is not None else Status.NEUTRAL, None


def closing_at(settings: Settings, code: str, at: datetime) -> datetime | None:
    """When the station closes on ``at``'s day if it is open at ``at`` by the hours this process reads, else None:
    the closing time a projection made at ``at`` under these hours carries (board/alerts/projections.py,
    ``Projector._prepare``)."""
    day = local_date(at)
    span = settings.opening_hours(code).span_on(day)  # holidays and exception days applied
    if span is None:
        return None
    loc = local(at)
    clock = loc.hour * 60 + loc.minute + loc.second / 60
    return instant(day, span[1]) if span[0] <= clock < span[1] else None


def with_trends(view: StationView, trends: Mapping[Family, Trend]) -> StationView:
    """``view`` with each fresh tile's sparkline up to ``view.now`` (a stale tile draws none).

    A new view of new tiles: ``trends`` may have been read a little later than the numbers (they are cached
    apart), and a point after the view's clock would be drawn past its "now" line.

    Each trend is in time order (:func:`station_trends`, :func:`~board.domain.snapshot.headline_series`), so the
    points up to the clock are a prefix, found by bisection and copied in one slice. The web server does this at
    every new board (every 5 s per station shown): testing each of ~3 000 points of an evening's four sparklines
    one by one, and making a new pair for each, was half of the board's own CPU (docs/PERFORMANCE.md 2b,
    session 16).
    """
    def drawn(tile: Tile) -> Tile:
        trend = trends.get(tile.family, ())
        cut = bisect_right(trend, view.now, key=_instant)
        return replace(tile, trend=trend if cut == len(trend) and isinstance(trend, tuple) else tuple(trend[:cut]))

    return replace(view, tiles=[t if t.stale else drawn(t) for t in view.tiles])


def trend_window(settings: Settings, code: str, now: datetime) -> tuple[datetime, datetime]:
    """Today's opening hours widened by an hour each side (the whole day when closed all day)."""
    today = local_date(now)
    return _window(today, settings.opening_hours(code).span_on(today))  # holidays and exception days applied


@lru_cache(maxsize=512)
def _window(today: date, span: tuple[int, int] | None) -> tuple[datetime, datetime]:
    """:func:`trend_window` of a day's span: most stations share their hours, so the overview's 900 rows convert
    a handful of local times, not 900 pairs."""
    if span is None:
        return day_bounds(today)
    start = max(day_start(today), instant(today, span[0]) - TREND_MARGIN)
    end = min(day_bounds(today)[1], instant(today, span[1]) + TREND_MARGIN)
    return start, end


def station_trends(store: Store, code: str, start: datetime, now: datetime,
                   until: datetime | None = None) -> dict[Family, Trend]:
    """Each tile's headline series from ``start`` to ``now`` (the wall's sparklines); with ``until``, up to it
    instead (readings stamped ahead of ``now`` included: :func:`with_trends` draws only those up to its clock).

    The costliest read of a wall refresh (every reading of the day), so the
    web server keeps it while the station's data stands still
    (board/web/wall_trends.py): a sparkline a minute old looks the same from
    across a corridor.
    """
    families = list(WALL_FAMILIES)
    wanted = [m for f in families for m in metrics_of(f)]
    by_family: dict[Family, dict[datetime, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    family_of = {m: f for f in families for m in metrics_of(f)}
    for r in store.series(code, wanted, start, max(until or now, now) + timedelta(seconds=1)):
        by_family[family_of[r.metric]][r.ts][r.metric] = r.value
    return {f: headline_series(f, by_family.get(f, {})) for f in families}
