"""What the read API serves: each station's current figures, as plain data for JSON and OpenMetrics.

Two levels, decided by what the public wall already shows (board/domain/access.py: the wall is the one
page open without signing in):

* **public**: the wall's tiles of every station (status, staleness, the headline and the other figures of
  each tile, when they were updated) — exactly what any corridor screen shows, built by the same
  :func:`board.read.wall.station_view`;
* **with the read token**: also every metric's newest reading with its time and source, manager-only
  figures (access to care, employee feedback) included, as ``python -m board status`` prints them.

A tile no enabled source is configured to deliver for a station (board/read/tracked.py: the wall's "Ei
seurata", ``tracked: false`` in ``board status``) is :data:`NOT_TRACKED` here, not ``no_data``: a monitoring
system alerting on ``no_data`` would otherwise page someone for a tile that was never meant to have figures.

No Streamlit and no SQL here: the store's reads and the wall's read side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from board.domain.metrics import Family
from board.domain.snapshot import Latest, Tile
from board.domain.timeutil import utcnow
from board.read.overview import all_station_views
from board.settings import Settings
from board.store import Store


@dataclass(frozen=True)
class StationFigures:
    code: str
    name: str
    municipality: str
    is_open: bool
    tiles: list[Tile]
    #: Every metric's newest reading (only with the read token; empty otherwise).
    readings: dict[str, Latest] = field(default_factory=dict)
    #: The tiles that are empty (or hold old figures of a source since removed) only because no enabled source
    #: is configured to deliver them here (:meth:`board.read.wall.StationView.not_tracked`).
    untracked: frozenset[Family] = frozenset()

    def tile_status(self, tile: Tile) -> str:
        """The tile's status as the API words it: :data:`NOT_TRACKED` for a tile not tracked here, else its own."""
        return NOT_TRACKED if tile.family in self.untracked else tile.status.value

    def figure_status(self, tile: Tile, status: str) -> str:
        """A figure's status as the API words it: a not-tracked tile's figures are not tracked either."""
        return NOT_TRACKED if tile.family in self.untracked else status


#: The API's status of a tile no enabled source is configured to deliver for the station (the wall's "Ei seurata").
NOT_TRACKED = "not_tracked"


def current_figures(settings: Settings, store: Store, full: bool, now: datetime | None = None,
                    ) -> list[StationFigures]:
    """Every station's tiles at ``now`` (and, when ``full``, its newest reading of every metric)."""
    now = now or utcnow()
    newest = store.latest_values_of() if full else {}  # one statement for every station, as the overview reads
    out = []
    for view in all_station_views(settings, store, now):
        station = view.station
        readings = newest.get(station.code, {})
        out.append(StationFigures(station.code, station.name, station.municipality, view.is_open, view.tiles,
                                  dict(sorted(readings.items())),
                                  frozenset(t.family for t in view.tiles if view.not_tracked(t))))
    return out
