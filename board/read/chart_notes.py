"""The chart notes a view draws: those of its days that concern its stations (or every station)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from board.domain.chart_note import ChartNote, Scope
from board.i18n import t
from board.store import Store


def notes_for(store: Store, first: date, last: date, stations: Sequence[str] | None = None,
              station_areas: Mapping[str, str] | None = None) -> list[ChartNote]:
    """Notes dated ``first..last`` for ``stations`` (None or empty: every station's notes), by day and time.

    A note on every station is drawn on every view; a station's note only where that station is drawn; an
    area's note where one of its stations is drawn (``station_areas``: station code -> its area).
    """
    chosen = set(stations) if stations else None
    areas_of = station_areas or {}
    areas = {a for c, a in areas_of.items() if a and (chosen is None or c in chosen)}
    return [n for n in store.chart_notes(first, last) if n.applies_to(chosen, areas)]


def scope_name(note: ChartNote, names: dict[str, str], areas: dict[str, str], lang: str) -> str:
    """"Kaikki asemat", the station's name, or "Alue: Kainuu"."""
    if note.scope is Scope.ALL:
        return t("notices.all_stations", lang)
    if note.scope is Scope.AREA:
        return t("notes.area", lang, area=areas.get(note.code, note.code))
    return names.get(note.code, note.code)
