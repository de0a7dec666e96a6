"""What a wall reads from the store for one station, kept as long as the station's change version stands.

A wall's view depends on two things: what the store holds for the station
(its newest values, its notices, its projection, figures typed by hand) and the time (a tile goes
stale, the station closes, a notice starts or ends, a projection ages).
:func:`read_station` reads the first once; :func:`view_at` turns it into the
view at any later moment without the store. The web server keeps a
:class:`StationData` per station and change version
(:mod:`board.store.changes`): while no write touches the station, a refresh
re-reads nothing, and the first refresh after a write reads afresh.

The notices kept are those not withdrawn that have not ended when read,
including those that start later, so one that starts while nothing is
written still appears on time; :func:`view_at` applies the same test as the
store's ``notices(active_at=...)``. ``tests/test_wall_data.py`` checks that
the two ways give the same view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from board.domain.figures import Family
from board.domain.manual import ManualEntry
from board.domain.notice import Notice
from board.domain.projection import StationProjection
from board.domain.snapshot import Latest
from board.read.wall import StationView, Trend, build_view, with_trends
from board.settings import Settings
from board.store import Store


@dataclass(frozen=True)
class StationData:
    """One station's wall data as read at ``read_at``; shared by every screen of the station, never modified."""

    code: str
    read_at: datetime
    latest: Mapping[str, Latest]
    #: Not withdrawn and not ended at ``read_at``, newest first (some may start later).
    notices: tuple[Notice, ...]
    projection: StationProjection | None
    #: Figures typed by hand not withdrawn and not expired at ``read_at`` (board.domain.manual).
    manual: tuple[ManualEntry, ...] = ()


def read_station(store: Store, code: str, now: datetime) -> StationData:
    """Four statements: the station's newest values, its notices not yet over, its stored projection, its figures
    typed by hand not yet expired."""
    notices = tuple(n for n in store.notices(since=now) if n.withdrawn_at is None and n.shows_on(code))
    manual = tuple(e for e in store.manual_entries(since=now, stations=[code]) if e.withdrawn_at is None)
    return StationData(code, now, store.latest_values(code), notices, store.projections([code]).get(code), manual)


def view_at(settings: Settings, data: StationData, now: datetime,
            trends: Mapping[Family, Trend] | None = None) -> StationView:
    """The station's view at ``now`` (not before ``data.read_at``) from ``data``, with ``trends`` when given."""
    shown = [n for n in data.notices if n.is_active(now)]
    view = build_view(settings, data.code, now, data.latest, shown, data.projection, data.manual)
    return view if trends is None else with_trends(view, trends)
