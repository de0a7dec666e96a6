"""What the shift lead's overview ("Tilannekuva") reads: every station in one row, worst first, and today's curves.

Read-side only: built from the station views (the same tiles the wall shows,
so the two never disagree) and from the store's series. No Streamlit here.
The columns are the catalogue's (:data:`board.domain.figures.OVERVIEW_COLUMNS`).

"Worst first" is ordered for a shift lead, who acts on patients waiting
before data problems: an alert, then attention, then stale or missing data,
then fine; closed stations last. Within a rank, more alerts and warnings
first, then the name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from board.domain.alerts import Alert, RuleKind
from board.domain.figures import CHANNELS, OVERVIEW_COLUMNS, WALL_FAMILIES, metrics_of
from board.domain.projection import StationProjection
from board.domain.snapshot import Figure
from board.domain.status import Status
from board.domain.timeutil import local, utcnow
from board.gc_pause import cycles_paused
from board.read.wall import MISSING, StationView, build_view, current_projection, trend_window
from board.settings import Settings
from board.store import Store

#: The figures of an overview row, grouped by tile, in column order.
COLUMNS = OVERVIEW_COLUMNS
SORTABLE: tuple[str, ...] = tuple(code for codes in COLUMNS.values() for code in codes)

_RANK = {Status.ALERT: 5, Status.WARN: 4, Status.STALE: 3, Status.NO_DATA: 2, Status.OK: 1, Status.NEUTRAL: 1,
         Status.CLOSED: 0}

CONTACT_CHANNELS = CHANNELS
#: Every stored metric a wall tile is built from (the rest of the catalogue never reaches a row).
WALL_METRICS: tuple[str, ...] = tuple(m for f in WALL_FAMILIES for m in metrics_of(f))


@dataclass(frozen=True)
class OverviewRow:
    view: StationView
    #: The row's status: the worst of its tiles as a shift lead ranks them (CLOSED when the station is closed).
    status: Status
    figures: dict[str, Figure]
    alerts: int
    warnings: int
    #: The station's alerts firing now (the collector's, board/store/alerts.py), oldest first.
    firing: tuple[Alert, ...] = ()

    @property
    def code(self) -> str:
        return self.view.station.code

    @property
    def projection(self) -> StationProjection | None:
        """Today's projection at closing (``figures["queue_projected_close"]`` is its median, judged)."""
        return self.view.projection

    @property
    def projection_reason(self) -> str | None:
        """Why there is no projection: closed, holiday, few_days, no_data or missing; None when there is one."""
        if self.view.projection is not None:
            return None
        return "closed" if not self.view.is_open else (self.view.projection_reason or MISSING)


def all_station_views(settings: Settings, store: Store, now: datetime | None = None,
                      codes: list[str] | None = None) -> list[StationView]:
    """Every station's (or ``codes``') tiles at ``now``, without sparklines: the overview's rows and the CLI's
    ``status``.

    Four statements however many stations: every station's newest values, the notices active now, the
    projections and the figures typed by hand in effect, each read once and handed out per station
    (:func:`board.read.wall.build_view`, the wall's own builder). Two statements a station, and the notices
    re-read for each, took 601 statements and 0.58 s at 300 stations.

    The views' projections come without their path to closing (``path`` empty): nothing of a row shows it,
    today's curves read their own (:func:`day_curves`), and decoding it was a quarter of the build.
    """
    now = now or utcnow()
    chosen = [s.code for s in settings.stations if codes is None or s.code in codes]
    if not chosen:
        return []
    subset = None if codes is None else chosen
    with cycles_paused():  # ~100 000 small acyclic objects at 900 stations (board/gc_pause.py)
        manual = store.manual_entries(active_at=now, stations=subset)
        # Only what a tile can show (and what was typed by hand): the managers' figures (access to care, employee
        # NPS) are a third of the newest readings and never on a row.
        latest = store.latest_values_of(subset, [*WALL_METRICS,
                                                 *sorted({e.metric for e in manual} - set(WALL_METRICS))])
        notices = store.notices(active_at=now)
        projections = store.projections(subset, paths=False)  # a row shows no path (the curves read their own)
        judged: dict[tuple[object, ...], Figure] = {}  # most of the ~17 000 figures repeat (build_tiles)
        return [build_view(settings, code, now, latest.get(code, {}), [n for n in notices if n.shows_on(code)],
                           projections.get(code), manual, judged) for code in chosen]


def overview_rows(views: Iterable[StationView],
                  firing: Mapping[str, Sequence[Alert]] | None = None) -> list[OverviewRow]:
    """One row per view, with the station's firing alerts (:func:`firing_by_station`) when given."""
    rows = []
    for v in views:
        figures = {f.code: f for tile in v.tiles for f in (tile.headline, *tile.figures)}
        if v.projection is not None and v.is_open:
            figures[PROJECTED] = Figure(PROJECTED, v.projection.queue, v.projection_status)
        # A tile no source is meant to deliver here is "not tracked", not missing data: a station fed by a
        # callbacks source alone is judged by its callbacks. With nothing tracked at all there is no data.
        tile_statuses = [t.status for t in v.tiles if not v.not_tracked(t)]
        status = Status.CLOSED if not v.is_open else max(tile_statuses, key=_RANK.__getitem__,
                                                        default=Status.NO_DATA)
        rows.append(OverviewRow(v, status, figures, sum(s is Status.ALERT for s in tile_statuses),
                                sum(s is Status.WARN for s in tile_statuses),
                                tuple((firing or {}).get(v.station.code, ()))))
    return rows


#: The projection's column (a figure of the catalogue, kind ``projected``).
PROJECTED = "queue_projected_close"


def firing_by_station(store: Store) -> dict[str, tuple[Alert, ...]]:
    """Every station's alerts firing now, oldest first (source alerts belong to ``/sources``, not a row)."""
    out: dict[str, list[Alert]] = {}
    for a in sorted(store.alerts(active_only=True), key=lambda a: a.since):
        if a.kind is not RuleKind.SOURCE:
            out.setdefault(a.subject, []).append(a)
    return {code: tuple(alerts) for code, alerts in out.items()}


def worst_first(rows: Sequence[OverviewRow]) -> list[OverviewRow]:
    """Worst status first; a station with an alert nobody has acknowledged ranks with the alerts even when its
    tiles look fine now (a projection alert: the queue is short, but will not clear by closing)."""
    return sorted(rows, key=lambda r: (-_sort_rank(r), -r.alerts, -r.warnings, r.view.station.name))


def _sort_rank(r: OverviewRow) -> int:
    rank = _RANK[r.status]
    if r.status is Status.CLOSED:
        return rank
    for a in r.firing:
        if a.acknowledged_at is None:
            rank = max(rank, _RANK[Status.WARN if a.level == "amber" else Status.ALERT])
    return rank


def sort_by(rows: Sequence[OverviewRow], figure: str, directions: dict[str, str]) -> list[OverviewRow]:
    """Rows by one figure, worst value first (by its threshold's direction, else highest first); none last."""
    lower_is_worse = directions.get(figure) == "lower_is_worse"

    def key(r: OverviewRow) -> tuple[int, float, str]:
        f = r.figures.get(figure)
        if f is None or f.value is None:
            return (1, 0.0, r.view.station.name)
        return (0, f.value if lower_is_worse else -f.value, r.view.station.name)

    return sorted(rows, key=key)


def directions(settings: Settings) -> dict[str, str]:
    return {code: t.direction for code, t in settings.metrics.thresholds.items()}


def filter_rows(rows: Sequence[OverviewRow], stations: Sequence[str] = (),
                municipalities: Sequence[str] = (), areas: Sequence[str] = ()) -> list[OverviewRow]:
    """Keep the rows of the chosen areas, and of those the chosen stations and municipalities (no filter keeps
    everything).

    Stations and municipalities are a union, as a shift lead means it: ``?station=paltamo&municipality=Kajaani``
    is "Kajaani's stations and Paltamo", the stations one person covers; an intersection would silently drop
    Paltamo. An area is the scope around them (``?area=kainuu``: a shared service centre's lead of one area).
    """
    rows = [r for r in rows if not areas or r.view.station.area in areas]
    if not stations and not municipalities:
        return list(rows)
    return [r for r in rows if r.code in stations or r.view.station.municipality in municipalities]


# ------------------------------------------------------------------ today's curves
@dataclass(frozen=True)
class Curve:
    """One line: (local time of day as a naive Helsinki datetime on *today's* date, value)."""

    points: list[tuple[datetime, float]]


@dataclass(frozen=True)
class DayCurves:
    station: str
    queue_today: Curve
    queue_last_week: Curve
    contacts_today: Curve
    contacts_last_week: Curve
    #: The queue projected from the last computation to closing: (local time as on the curves, 10th percentile,
    #: median, 90th percentile); empty when there is no current projection (closed, too little history...).
    queue_projected: tuple[tuple[datetime, float, float, float], ...] = ()


def day_curves(settings: Settings, store: Store, code: str, now: datetime) -> DayCurves:
    """Queue and contacts through today, against the same weekday last week (drawn on today's clock)."""
    start, end = trend_window(settings, code, now)
    week = timedelta(days=7)
    wanted = ["queue_waiting", *CONTACT_CHANNELS]
    today = store.series(code, wanted, start, min(end, now + timedelta(seconds=1)))
    before = store.series(code, wanted, start - week, end - week)
    return DayCurves(
        code,
        _line(today, "queue_waiting", timedelta(0)),
        _line(before, "queue_waiting", week),
        _summed(today, CONTACT_CHANNELS, timedelta(0)),
        _summed(before, CONTACT_CHANNELS, week),
        _projected(settings, store, code, now),
    )


def _projected(settings: Settings, store: Store, code: str,
               now: datetime) -> tuple[tuple[datetime, float, float, float], ...]:
    """The current projection's path (the same one the wall and the overview column show), on today's clock."""
    p, _status, _why = current_projection(settings, store, code, now)
    if p is None:
        return ()
    return tuple((_on_today(ts, timedelta(0)), lo, mid, hi) for ts, lo, mid, hi in p.path)


def _on_today(ts: datetime, shift: timedelta) -> datetime:
    return local(ts + shift).replace(tzinfo=None)


def _line(readings: Iterable, metric: str, shift: timedelta) -> Curve:  # type: ignore[type-arg]
    return Curve([(_on_today(r.ts, shift), r.value) for r in readings if r.metric == metric])


def _summed(readings: Iterable, metrics: Sequence[str], shift: timedelta) -> Curve:  # type: ignore[type-arg]
    """The running total of several channels, carrying each channel's last value forward between its readings."""
    last: dict[str, float] = {}
    points: dict[datetime, float] = {}
    for r in sorted((r for r in readings if r.metric in metrics), key=lambda r: r.ts):
        last[r.metric] = r.value
        points[r.ts] = sum(last.values())
    return Curve([(_on_today(ts, shift), v) for ts, v in points.items()])
