"""Notes on the charts ("merkinnät"): a dated line that explains a chart, with who wrote it.

"Uusi takaisinsoittojärjestelmä käyttöön", "lakko", "2 hoitajaa sairaana":
the reason a week's curve bent, written down where the figures are read (the
weekly and monthly charts, today's curves on the overview). A note belongs to
a day (and, if given, a clock time that day, Helsinki) and to one *scope*:
every station, one station, or (once areas exist) one area; the scope is a
kind and a code so an area is a new kind, not a new table.

A note is read by every manager and printed on the steering group's papers,
so it is cleaned as a notice is (:mod:`board.domain.notice`: one line, no
control characters, a length limit) and a text or writer holding a personal
identity code is refused (:mod:`board.domain.privacy`). Notes are short on
purpose: a chart has room for a few words, not a report.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from board.domain.notice import NoticeError, clean_author, clean_text

MAX_LENGTH = 120


class Scope(StrEnum):
    """What a note is about: every station, one station, one area (areas are configured elsewhere)."""

    ALL = "all"
    STATION = "station"
    AREA = "area"


@dataclass(frozen=True)
class ChartNote:
    id: int
    day: date
    #: The local (Helsinki) clock time the note is about, or None for the whole day.
    clock: time | None
    text: str
    scope: Scope
    #: The station's or area's code ("" for every station).
    code: str
    author: str
    created_at: datetime
    deleted_at: datetime | None = None
    deleted_by: str | None = None

    def applies_to(self, stations: AbstractSet[str] | None, areas: AbstractSet[str] = frozenset()) -> bool:
        """Shown where these stations (None: every station) or areas are drawn: an all-stations note always."""
        if self.scope is Scope.ALL:
            return True
        if self.scope is Scope.STATION:
            return stations is None or self.code in stations
        return self.code in areas


def clean_note_text(text: str) -> str:
    """The text as it will be drawn (see :func:`board.domain.notice.clean_text`), at most :data:`MAX_LENGTH`."""
    try:
        flat = clean_text(text)
    except NoticeError as e:
        if e.code != "too_long":
            raise
        flat = " ".join((text or "").split())
    if len(flat) > MAX_LENGTH:
        raise NoticeError("too_long", f"the note is {len(flat)} characters; at most {MAX_LENGTH} fit on a chart",
                          n=len(flat), max=MAX_LENGTH)
    return flat


def clean_note_author(author: str) -> str:
    """Who wrote it (from sign-in; typed only in the demo), never an identity code."""
    return clean_author(author)


def check_scope(scope: Scope, code: str, stations: AbstractSet[str], areas: AbstractSet[str] = frozenset()) -> None:
    """Only configured codes: a forged request can carry any value."""
    if (scope is Scope.ALL and code) or (scope is Scope.STATION and code not in stations) or (
            scope is Scope.AREA and code not in areas):
        raise NoticeError("stations", f"unknown {scope.value} {code!r}")
