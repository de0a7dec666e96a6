"""Kiosk rotation: which station a wall TV shows, decided by its address and a tick count.

A TV is configured by its URL alone (it has no keyboard and nobody to log
in): ``/wall?station=kajaani&station=sotkamo&rotate=20`` cycles through those
stations every 20 s, ``/wall?rotate=20`` through every station that is open
now. The page gets the tick count from streamlit-autorefresh; everything else
is a pure function of the URL values, the configured stations and that count,
so it is tested without a browser (AppTest cannot tick a custom component).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from board.settings import Settings

DEFAULT_ROTATE_SECONDS = 20
#: Below this a nurse cannot read a board before it changes; above it, rotation is pointless.
MIN_ROTATE_SECONDS = 3
MAX_ROTATE_SECONDS = 3600


@dataclass(frozen=True)
class WallPlan:
    """What a wall URL asks for."""

    #: Known station codes to show, in URL order, each once (empty: show the station picker).
    stations: tuple[str, ...]
    #: Codes in the URL that are not configured: skipped and named, never fatal.
    unknown: tuple[str, ...] = ()
    #: Seconds per station, or None for a single station that never changes.
    rotate_seconds: int | None = None


@dataclass(frozen=True)
class Spot:
    """The station shown now and the one after it (for the "2/3 · seuraavaksi Sotkamo" line)."""

    code: str
    position: int  # 1-based
    total: int
    next_name: str


def rotate_seconds(raw: str | None) -> int:
    """``?rotate=`` as whole seconds within limits; anything unreadable means the default."""
    try:
        seconds = int(str(raw).strip())
    except ValueError:
        return DEFAULT_ROTATE_SECONDS
    return max(MIN_ROTATE_SECONDS, min(MAX_ROTATE_SECONDS, seconds))


def plan_wall(requested: Sequence[str], rotate: str | None, known: Sequence[str],
              open_now: Sequence[str]) -> WallPlan:
    """The plan for ``?station=…`` values ``requested`` and ``?rotate=``.

    One known station is the plain wall. Several stations rotate (every
    ``rotate`` s, 20 s when it is not given). ``rotate`` without a station
    rotates over the stations open now, or all of them when none is open (a
    closed board at night is still better than a blank one); that list is
    re-read on every tick, so it follows the opening hours through the day.
    """
    wanted: list[str] = []
    unknown: list[str] = []
    for code in requested:
        code = code.strip().lower()  # codes are lower case; ?station=KAJAANI from a hand-typed address is the same
        target = wanted if code in known else unknown
        if code and code not in target:
            target.append(code)
    rotating = rotate is not None or len(requested) > 1
    if not rotating:
        return WallPlan(tuple(wanted), tuple(unknown))
    if not requested:
        wanted = [c for c in known if c in open_now] or list(known)
    if len(wanted) <= 1 and requested:  # nothing to rotate between: a plain wall (no needless page reruns)
        return WallPlan(tuple(wanted), tuple(unknown))
    return WallPlan(tuple(wanted), tuple(unknown), rotate_seconds(rotate))


def rotation_index(count: int, n: int) -> int:
    """Which of ``n`` stations the ``count``-th tick shows (tick 0 is the first station)."""
    if n <= 0:
        raise ValueError("nothing to rotate over")
    return max(0, count) % n


def choose(plan: WallPlan, count: int, names: Mapping[str, str]) -> Spot:
    """The station to show after ``count`` rotation ticks, with the name of the next one."""
    n = len(plan.stations)
    i = rotation_index(count, n)
    following = plan.stations[(i + 1) % n]
    return Spot(plan.stations[i], i + 1, n, names.get(following, following))


def open_stations(settings: Settings, now: datetime) -> list[str]:
    """Codes of the stations open at ``now``, in configuration order."""
    return [s.code for s in settings.stations if settings.opening_hours(s.code).is_open(now)]


def short_names(settings: Settings) -> dict[str, str]:
    """Municipality per station: short enough for a corner of the screen."""
    return {s.code: s.municipality for s in settings.stations}
