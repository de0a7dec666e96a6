"""Two enabled sources that deliver the same figure for one station ("overlap").

The store keys a reading by station, metric and time, and keeps the source that wrote it (``readings.source``;
``newest_readings`` has a row per source with the source of the value at its time, ``value_source``). Two sources
of one figure for one station therefore never add up: the wall shows the newer reading of the two, and of two
readings of the same instant the one written last, whichever source that was. That may be deliberate (moving
from one source to another, both run for a while to compare), so it is a warning, not a configuration error,
but it must never be silent:

* :func:`configured_overlaps` — what the configuration allows: every pair of enabled sources whose metric sets
  (by the same answer /sources and "Ei seurata" use, :func:`board.read.sources.expected_metrics`: an item
  source's counted figures, the simulator's, a mapping's ``metrics``) share a metric, for the stations both may
  serve (``stations:``; without it, every station). ``check``, the collector's start and /sources name them. A
  source whose mapping passes the source's own metric names through has no set before it reads, and a file's
  stations come from its rows: those are found by
* :func:`seen_overlaps` — what the store shows now: each station and metric with a fresh reading from more than
  one source, and which source's reading the wall shows (the store's answer, not a guess). ``status`` and
  /sources name them.

docs/CONNECTORS.md, "Two sources of one figure", says what to do about either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from board.domain.metrics import METRICS
from board.read.sources import SourceStatus, expected_metrics
from board.settings import Settings
from board.store import Store


@dataclass(frozen=True)
class Overlap:
    """Two enabled sources the configuration lets deliver the same metrics for the same stations."""

    sources: tuple[str, str]  # in sources.yaml order
    metrics: tuple[str, ...]  # in the board's metric order
    stations: tuple[str, ...]  # in stations.yaml order
    #: Neither source lists its stations (``stations:``): every station, as far as the configuration says.
    every_station: bool = False

    def words(self) -> str:
        """The warning in English, for ``check`` and the collector's log."""
        where = ("any station (neither lists its stations)" if self.every_station
                 else f"station{'s' if len(self.stations) > 1 else ''} {', '.join(self.stations)}")
        a, b = self.sources
        return (f"sources {a} and {b} both deliver {', '.join(self.metrics)} for {where}: the wall shows the newer "
                f"reading of the two, and of two readings of the same moment the one written last. If this is not a "
                f"deliberate move from one source to the other, pick one: map the metric to 'ignore' in one "
                f"source's mapping.metrics, or list its stations (stations:), or set enabled: false on one")


@dataclass(frozen=True)
class SeenOverlap:
    """Fresh readings of one figure at one station from more than one source, as the store has them now."""

    sources: tuple[str, ...]  # each with a fresh reading of the metric at the station, in sources.yaml order
    metric: str
    stations: tuple[str, ...]
    #: The source whose reading the wall shows (the newer; of the same moment, the one written last).
    shown: str

    def words(self) -> str:
        """In English, for ``status``."""
        return (f"{self.metric} at {', '.join(self.stations)}: fresh readings from {' and '.join(self.sources)}; "
                f"the wall shows {self.shown}'s")


def configured_overlaps(settings: Settings) -> list[Overlap]:
    """Every pair of enabled sources whose configured metrics and stations meet (see the module's text)."""
    known = [(s, expected_metrics(s)) for s in settings.sources if s.enabled]
    known = [(s, m) for s, m in known if m]  # names passed through: only the readings tell (seen_overlaps)
    order = [st.code for st in settings.stations]
    out = []
    for i, (a, ours) in enumerate(known):
        for b, theirs in known[i + 1:]:
            common = ours & theirs
            if not common:
                continue
            every = a.stations is None and b.stations is None
            stations = tuple(c for c in order if (a.stations is None or c in a.stations)
                             and (b.stations is None or c in b.stations))
            if stations:
                out.append(Overlap((a.name, b.name), tuple(m for m in METRICS if m in common), stations, every))
    return out


def seen_overlaps(settings: Settings, store: Store, statuses: Sequence[SourceStatus]) -> list[SeenOverlap]:
    """Each metric and set of sources with fresh readings at the same stations, and the source the wall shows
    (grouped: one entry per metric, sources and shown source, with its stations).

    From the freshness the sources' statuses already hold (:func:`board.read.sources.source_statuses`: each
    source's newest reading per station and metric, judged by its own ``stale_after_seconds``), so no second scan
    of ``newest_readings`` (17 820 rows at 900 stations, 0.2–0.8 s on a loaded two-core machine); the store is
    asked only which source's reading the wall shows, and only for the stations delivered twice."""
    sources = {s.name: i for i, s in enumerate(settings.sources)}
    # Each source's fresh (station, metric) pairs as a set, and the pairs more than one has: set operations, not
    # a list per pair (16 200 pairs a source at 900 stations).
    fresh = [(status.source.name, {(station, metric) for station, row in status.freshness.items()
                                   for metric, item in row.items() if item.fresh}) for status in statuses]
    seen: set[tuple[str, str]] = set()
    twice: set[tuple[str, str]] = set()
    for _, keys in fresh:
        twice |= seen & keys
        seen |= keys
    if not twice:
        return []
    both = {key: [name for name, keys in fresh if key in keys] for key in twice}
    latest = store.latest_values_of(sorted({st for st, _ in both}), sorted({m for _, m in both}))
    grouped: dict[tuple[tuple[str, ...], str, str], list[str]] = defaultdict(list)
    for (station, metric), names in both.items():
        shown = latest.get(station, {}).get(metric)
        ordered = tuple(sorted(names, key=lambda n: sources.get(n, len(sources))))
        grouped[(ordered, metric, shown.source if shown is not None else "?")].append(station)
    order = {st.code: i for i, st in enumerate(settings.stations)}
    metric_order = {m: i for i, m in enumerate(METRICS)}
    out = [SeenOverlap(names, metric, tuple(sorted(stations, key=lambda c: (order.get(c, len(order)), c))), shown)
           for (names, metric, shown), stations in grouped.items()]
    out.sort(key=lambda o: ([sources.get(n, len(sources)) for n in o.sources], metric_order[o.metric], o.shown))
    return out
