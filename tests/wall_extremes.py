"""The wall at the longest values each figure can take: for the screen-matrix test and the preview script.

Built from a real :class:`StationView` (the demo simulation at an open
moment) by replacing every value with the widest one its unit can print:
5-digit counts, "23 vrk 23 h" ages, "100 %" shares, "−100" scores, every
figure past its threshold (so it carries a warning mark), a 40-character
station name, two 160-character notices (and a third, so "+1 more" shows), a
projection line with 5-digit numbers for the end of the day (a station open until midnight: "vuorokauden
lopussa" is wider than any "klo 16.00"); the closed variant adds the "Avataan …" banner. Status words are
the longest too (Hälytys / Larm / Alert on open tiles).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from board.domain.figures import unit_of
from board.domain.notice import Notice
from board.domain.projection import StationProjection
from board.domain.snapshot import Figure, Tile
from board.domain.status import Status
from board.domain.timeutil import day_start, local_date
from board.read.wall import StationView

#: 40 characters, the longest station name the screen matrix is checked with.
LONG_NAME = "Pohjois-Kainuun Sotekeskus, terveysasema"
#: The widest value of each unit (as printed in fi: "12 345", "23 vrk 23 h", "100 %", "−100").
WIDEST = {"count": 12345.0, "min": 23 * 24 * 60 + 23 * 60.0, "h": 23 * 24 + 23.0, "share": 1.0, "score": -100.0}
NOTICE_TEXT = ("Ajanvaraus ja takaisinsoitot ovat kiinni huoltokatkon ajan; kiireelliset asiat päivystykseen "
               "numeroon 116 117. Pahoittelemme häiriötä, palvelu jatkuu pian taas!")


def _widest(f: Figure, status: Status) -> Figure:
    # a share also says "tähän asti" under its label (callbacks still waiting), its widest label; the same-day
    # share "vähän hoidettuja" in place of its target (too few handled: the widest Finnish line under a label)
    return dataclasses.replace(f, value=WIDEST[unit_of(f.code)], status=status, so_far=unit_of(f.code) == "share",
                               few=f.code == "queue_same_day_share")


def extreme_view(view: StationView, closed: bool = False, stale: bool = False, notices: bool = True) -> StationView:
    """``view`` with every value at its widest; ``closed``: outside opening hours (grey tiles, the opening banner);
    ``stale``: every source silent for ten days (the longest "Tieto vanhentunut: viimeisin 13.11. klo 10.59");
    ``notices=False``: no notice, so the tiles take their full height and padding (the usual wall: with notices
    the tiles are drawn smaller, so a tile that fits with them may not fit without)."""
    assert len(LONG_NAME) == 40 and len(NOTICE_TEXT) == 160, (len(LONG_NAME), len(NOTICE_TEXT))
    status = Status.CLOSED if closed else Status.STALE if stale else Status.ALERT
    updated = view.now - (timedelta(days=10) if stale else timedelta(minutes=1))
    tiles = [Tile(t.family, status, _widest(t.headline, status), tuple(_widest(f, Status.ALERT) for f in t.figures),
                  updated, stale, t.trend) for t in view.tiles]
    now = view.now
    shown = [Notice(i, NOTICE_TEXT, ("*",), now - timedelta(hours=1), now + timedelta(hours=5), "Testi", now)
             for i in (3, 2, 1)] if notices else []
    projection = StationProjection(view.station.code, now, closes_at=day_start(local_date(now) + timedelta(days=1)),
                                   queue=12345.0, queue_low=12340.0, queue_high=12349.0)
    station = view.station.model_copy(update={"name": LONG_NAME})
    return dataclasses.replace(view, station=station, is_open=not closed, tiles=tiles, notices=shown,
                               projection=None if closed else projection,
                               projection_status=Status.ALERT, closed_day=None)
