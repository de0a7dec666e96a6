"""Today's sparklines per station, kept while the station's data stands still.

Why: the sparklines read every reading of the day (~12 000 per station by
noon, 20-30 ms of CPU), the costliest part of a wall refresh. They were read
again every minute whether or not anything had been written, which at 8 walls
on 8 stations and a 5-s refresh was ~2.5 ms of every refresh's CPU
(docs/PERFORMANCE.md 2b). Every write a wall shows bumps the station's change
version (:mod:`board.store.changes`), so while the version stands the store
holds the same readings and a new read would give the same series.

:class:`TrendKeeper` therefore reads a station's trends again only when

* the version moved and the kept copy is at least ``min_age`` old (as
  before, a sparkline may lag a write by up to a minute; the numbers do not);
* the trend window changed (a new day, other opening hours);
* or the copy is ``max_age`` old, whatever the version: a change that bumps
  no version (a hand edit of the database) still reaches the sparklines.

The read covers the whole trend window, not only up to the moment of reading,
so a reading stamped ahead of the clock is already kept and shows once its
time has come (:func:`board.read.wall.with_trends` draws only points up to
the view's clock, as it always did).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: After a write, the sparklines are read again at the first refresh once the kept copy is this old (seconds).
MIN_AGE_SECONDS = 60.0
#: Read again at least this often even when no version moved (seconds).
MAX_AGE_SECONDS = 600.0

Window = tuple[datetime, datetime]
#: ``read(code, window, now) -> (trends, polylines)``: what :meth:`TrendKeeper.get` hands out.
Reader = Callable[[str, Window, datetime], tuple[Mapping[Any, Any], Mapping[Any, Any]]]


@dataclass(frozen=True)
class _Kept:
    window: Window
    version: str
    read_at: float
    trends: Mapping[Any, Any]
    lines: Mapping[Any, Any]


class TrendKeeper:
    """One station's trends (and their polylines) per station, shared by every screen (thread-safe)."""

    def __init__(self, window_of: Callable[[str, datetime], Window], read: Reader,
                 min_age: float = MIN_AGE_SECONDS, max_age: float = MAX_AGE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._window_of, self._read = window_of, read
        self._min_age, self._max_age, self._clock = min_age, max_age, clock
        self._kept: dict[str, _Kept] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, code: str, version: str, now: datetime) -> tuple[Mapping[Any, Any], Mapping[Any, Any]]:
        """``code``'s trends and polylines, read again only as the module's docstring says. ``version`` is the
        station's change version as seen *before* this call: a write during the read is then read again later."""
        window = self._window_of(code, now)
        kept = self._usable(code, window, version)
        if kept is not None:
            return kept.trends, kept.lines
        with self._lock_of(code):  # one read per station at a time; the others wait for it and take its result
            kept = self._usable(code, window, version)
            if kept is None:
                started = self._clock()
                trends, lines = self._read(code, window, now)
                kept = self._kept[code] = _Kept(window, version, started, trends, lines)
            return kept.trends, kept.lines

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def _usable(self, code: str, window: Window, version: str) -> _Kept | None:
        kept = self._kept.get(code)
        if kept is None or kept.window != window:
            return None
        age = self._clock() - kept.read_at
        if age >= self._max_age or (kept.version != version and age >= self._min_age):
            return None
        return kept

    def _lock_of(self, code: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(code, threading.Lock())
