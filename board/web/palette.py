"""The status palette: the colour of every status and source health, for every page and the stylesheet.

A status is never shown by colour alone (each has its own icon shape and a
word, :mod:`board.web.icons`), but its colour is the same everywhere: green
*Hyvä*, amber *Huomio*, red *Hälytys*, grey for what is not judged (closed,
stale, no data). Each colour passes WCAG AA against the ink it is paired
with (badge text is large and bold). The stylesheet
(:mod:`board.web.style`) fills its ``$names`` from :data:`CSS`, so a colour
changed here changes the wall, the overview and the Sources page together.
"""

from __future__ import annotations

from dataclasses import dataclass

from board.domain.source_health import SourceHealth
from board.domain.status import Status

GREEN = "#18794a"
AMBER = "#f5b301"
RED = "#c62828"
GREY = "#4a5565"
LIGHT_GREY = "#8a94a3"
WHITE = "#ffffff"
#: Ink on amber: white text on amber fails contrast.
ON_AMBER = "#111111"
#: The wall's tile: a figure's warning mark is cut out of it. An alert mark is lighter red, readable on it.
TILE = "#17212f"
RED_ON_DARK = "#ff6b6b"
#: A judged value written on white (the overview's numbers, a counter over its limit): darker, for contrast.
RED_TEXT = "#b3261e"
AMBER_TEXT = "#7a4f00"
#: A reading's age on the Sources page: fresh (green) or too old (amber), as text on white.
FRESH_TEXT, OLD_TEXT = "#146c3f", "#8a5a00"
#: An unjudged badge on white (the overview's closed or unassessed station): quiet, not a signal.
QUIET, ON_QUIET = "#e3e8ee", "#27313d"


@dataclass(frozen=True)
class Look:
    """A status's colours: ``fill`` (badge, band, icon) and ``ink`` (text and the icon's sign on it)."""

    fill: str
    ink: str


#: The statuses a threshold judges.
JUDGED = {Status.OK: Look(GREEN, WHITE), Status.WARN: Look(AMBER, ON_AMBER), Status.ALERT: Look(RED, WHITE)}
#: Everything else on the wall: closed, stale, no data, not assessed.
UNJUDGED = Look(GREY, WHITE)
#: A status as a badge or icon on any page (not assessed is lighter than closed, stale and no data).
STATUS = JUDGED | {s: UNJUDGED for s in (Status.STALE, Status.NO_DATA, Status.CLOSED)} | {
    Status.NEUTRAL: Look(LIGHT_GREY, WHITE)}
#: A figure's own warning mark on the wall's dark tile.
MARK = {Status.WARN: AMBER, Status.ALERT: RED_ON_DARK}

#: A source's health: the status whose icon shape it borrows, and its colours (late and stale are amber:
#: something to look at, not yet an error).
HEALTH: dict[SourceHealth, tuple[Status, Look]] = {
    SourceHealth.OK: (Status.OK, JUDGED[Status.OK]),
    SourceHealth.FAILING: (Status.ALERT, JUDGED[Status.ALERT]),
    SourceHealth.LATE: (Status.STALE, JUDGED[Status.WARN]),
    SourceHealth.PARTIAL: (Status.WARN, JUDGED[Status.WARN]),
    SourceHealth.STALE: (Status.STALE, JUDGED[Status.WARN]),
    SourceHealth.NEVER: (Status.NO_DATA, UNJUDGED),
    SourceHealth.DISABLED: (Status.NEUTRAL, STATUS[Status.NEUTRAL]),
}


def badge(status: Status) -> Look:
    """A wall tile's badge: the judged colours, grey for everything else."""
    return JUDGED.get(status, UNJUDGED)


#: The names the stylesheet uses (``$green``, ``$on_amber``, …).
CSS = {"green": GREEN, "amber": AMBER, "red": RED, "grey": GREY, "light_grey": LIGHT_GREY, "white": WHITE,
       "on_amber": ON_AMBER, "tile": TILE, "red_on_dark": RED_ON_DARK, "red_text": RED_TEXT,
       "amber_text": AMBER_TEXT, "quiet": QUIET, "on_quiet": ON_QUIET, "fresh_text": FRESH_TEXT,
       "old_text": OLD_TEXT}
