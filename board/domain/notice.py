"""Notices ("tiedotteet"): a shift lead's short message on chosen wall screens until an end time.

A notice is plain text and short: it is read from across a corridor, and it
is shown on a screen anyone can see. So the text is normalised here, before it
is stored: control characters and line breaks become spaces, runs of spaces
collapse, and anything longer than :data:`MAX_LENGTH` is refused with a
message saying how long it was, and a text holding a personal identity code
(henkilötunnus) is refused: a wall is seen by everyone in the corridor, and the
store keeps no personal data. Rendering escapes it again (it is never HTML
or markdown), so ``<script>`` shows as those characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from board.domain.privacy import holds_identity_code

MAX_LENGTH = 160
MAX_AUTHOR = 80
MAX_DURATION = timedelta(days=14)
ALL_STATIONS = "*"


class NoticeError(ValueError):
    """A notice that cannot be posted; the message says what to change.

    ``code`` names the problem (``empty``, ``too_long``, ``author``, ``identity_code``,
    ``author_identity_code``, ``past``, ``order``, ``too_far``) and ``values`` its numbers, so a page says it
    in the writer's language (text ``notices.error.CODE``) without reading the English message.
    """

    def __init__(self, code: str, message: str, **values: int) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class Notice:
    id: int
    text: str
    #: Station codes, or ``("*",)`` for every station.
    stations: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    author: str
    created_at: datetime
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None

    def is_active(self, now: datetime) -> bool:
        return self.withdrawn_at is None and self.starts_at <= now < self.ends_at

    def shows_on(self, station: str) -> bool:
        return ALL_STATIONS in self.stations or station in self.stations


def clean_text(text: str) -> str:
    """The text as it will be shown: one line, no control characters, trimmed; NoticeError if empty or too long."""
    flat = "".join(" " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch
                   for ch in unicodedata.normalize("NFC", text or ""))
    flat = re.sub(r" {2,}", " ", flat).strip()
    if not flat:
        raise NoticeError("empty", "the notice is empty")
    if len(flat) > MAX_LENGTH:
        raise NoticeError("too_long", f"the notice is {len(flat)} characters; at most {MAX_LENGTH} fit on a "
                          "wall screen", n=len(flat), max=MAX_LENGTH)
    if holds_identity_code(flat):
        raise NoticeError("identity_code", "the notice contains a personal identity code; a wall screen is seen "
                          "by everyone: leave it out")
    return flat


def clean_author(author: str) -> str:
    name = re.sub(r"\s+", " ", author or "").strip()
    if not name:
        raise NoticeError("author", "say who writes the notice")
    if holds_identity_code(name):
        raise NoticeError("author_identity_code",
                          "the writer's name contains a personal identity code; give your name only")
    return name[:MAX_AUTHOR]


def check_window(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """The end must be in the future, after the start, and at most two weeks away (notices are for today's news)."""
    if ends_at <= now:
        raise NoticeError("past", "the end time has already passed")
    if ends_at <= starts_at:
        raise NoticeError("order", "the end time must be after the start time")
    if ends_at - max(starts_at, now) > MAX_DURATION:
        raise NoticeError("too_far", f"a notice can be shown for at most {MAX_DURATION.days} days",
                          days=MAX_DURATION.days)
