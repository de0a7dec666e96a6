"""The chart notes a view draws: those of its days that concern its stations (or every station)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from board.domain.chart_note import ChartNote
from board.store import Store


def notes_for(store: Store, first: date, last: date, stations: Sequence[str] | None = None) -> list[ChartNote]:
    """Notes dated ``first..last`` for ``stations`` (None or empty: every station's notes), by day and time.

    A note on every station is drawn on every view; a station's note only where that station is drawn.
    """
    chosen = set(stations) if stations else None
    return [n for n in store.chart_notes(first, last) if n.applies_to(chosen)]
