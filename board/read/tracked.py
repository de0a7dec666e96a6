"""Which of a station's wall tiles some configured source is meant to deliver ("tracked").

A station fed only by a callbacks source has no Omasote, contacts or feedback figures, and never will: those
tiles are *not tracked* there, which is a fact of the configuration, not a fault. A tile some enabled source is
configured to deliver but that has nothing is a fault (the source is silent) and stays "Ei tietoa". The overview
ranks a row, the wall words a tile and ``board status`` picks its exit code by this distinction.

What a source delivers comes from its configuration alone, by the one answer /sources shows too
(board/read/sources.py ``expected_metrics``): an item source the metrics its item type gives (the collector's
own list, board/item_settings.py ``item_metrics``), the simulator the wall's figures, any other source its
``mapping.metrics``. A source
whose mapping passes the source's own names through could deliver anything, so it tracks every tile.
"""

from __future__ import annotations

from collections.abc import Iterable

from board.domain.figures import METRICS, WALL_FAMILIES, Family
from board.read.sources import expected_metrics
from board.settings import Settings
from board.source_settings import SourceBase


def source_families(source: SourceBase) -> frozenset[Family]:
    """The wall tiles ``source`` is configured to deliver (every tile when its mapping passes names through)."""
    metrics = expected_metrics(source)  # type: ignore[arg-type]
    if not metrics:
        return frozenset(WALL_FAMILIES)
    return frozenset(METRICS[m].family for m in metrics if METRICS[m].family in WALL_FAMILIES)


def tracked_families(settings: Settings, code: str) -> frozenset[Family]:
    """The wall tiles of station ``code`` that some enabled source is configured to deliver."""
    out: set[Family] = set()
    for s in settings.sources:
        if s.enabled and (s.stations is None or code in s.stations):
            out |= _families_of(s)
    return frozenset(out)


#: :func:`source_families` of the sources seen, by ``id``, with the source itself (so the id is never reused while
#: kept). The overview asks for each of 900 stations on every build, and a source's families are a fact of its
#: configuration: working them out anew for each station was ~5 ms of a 150 ms build.
_FAMILIES: dict[int, tuple[SourceBase, frozenset[Family]]] = {}


def _families_of(source: SourceBase) -> frozenset[Family]:
    kept = _FAMILIES.get(id(source))
    if kept is not None and kept[0] is source:
        return kept[1]
    if len(_FAMILIES) > 256:  # settings read again many times over (tests): keep the newest only
        _FAMILIES.clear()
    families = source_families(source)
    _FAMILIES[id(source)] = (source, families)
    return families


def tracked_by_station(settings: Settings, codes: Iterable[str]) -> dict[str, frozenset[Family]]:
    """:func:`tracked_families` of each station of ``codes``, in one pass over the sources (the weekly
    view asks for every station it lists: 900 stations times every source)."""
    served = [(s.stations, _families_of(s)) for s in settings.sources if s.enabled]
    return {code: frozenset().union(*(f for stations, f in served if stations is None or code in stations))
            for code in codes}
