"""Manual entry ("käsin syötetty luku"): the last resort when a source's data is missing or unusable.

A shift lead or an administrator types one figure for one station (say "12
callbacks waiting") because the system that should deliver it is down. The
entry is never the normal path, so three rules keep it from outliving its
reason:

* it **expires by itself** (default two hours, at most :data:`MAX_EXPIRY`):
  a forgotten entry must not show an old number as current all afternoon;
* **a source that delivers again wins**: as soon as a source's reading of the
  same figure at the same station is newer than the entry, the entry is not
  shown any more (:func:`overlay`);
* the wall **marks it** ("käsin syötetty klo 10.40"), and every entry and
  withdrawal is kept for the audit list on /sources (who, when, what, until);
* a **share** computed partly from a typed figure and partly from a source's
  (23 callbacks handled, typed, over the stale source's 0 handled the same
  day: "0 %") means nothing and is shown as unknown (:func:`blank_mixed_shares`);
  a sum (contacts today from a typed channel and the sourced others) is shown.

Only stored figures a wall shows can be entered (:data:`ENTERABLE`), and a
value must pass the very range rule a source's reading passes
(:func:`board.domain.metrics.range_problem`). The writer's name (typed only
when sign-in is off) and the optional reason go through the identity-code
guard: the store keeps no personal data.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from board.domain.figures import FIGURES, METRICS, WALL_FAMILIES, Kind
from board.domain.metrics import range_problem
from board.domain.privacy import holds_identity_code
from board.domain.snapshot import Figure, Latest, Tile
from board.domain.status import Status, worst

#: The source name a manual entry's value carries on the wall (never a configured source: names are checked).
MANUAL_SOURCE = "käsin"
DEFAULT_EXPIRY = timedelta(hours=2)
#: A working day at most: an entry is for the hours a source is down, not a replacement source.
MAX_EXPIRY = timedelta(hours=12)
MIN_EXPIRY = timedelta(minutes=5)
MAX_AUTHOR = 80
MAX_REASON = 120

#: The figures a person may type: the stored figures shown on a wall tile, in the catalogue's order.
ENTERABLE: tuple[str, ...] = tuple(code for code, f in METRICS.items()
                                   if f.family in WALL_FAMILIES and f.tile is not None)


class ManualError(ValueError):
    """An entry that cannot be stored; ``code`` names the problem (text ``manual.error.CODE``)."""

    def __init__(self, code: str, message: str, **values: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class ManualEntry:
    id: int
    station: str
    metric: str
    value: float
    entered_at: datetime
    expires_at: datetime
    author: str
    reason: str = ""
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None

    def is_active(self, now: datetime) -> bool:
        """Typed before ``now``, not yet expired, not withdrawn."""
        return self.withdrawn_at is None and self.entered_at <= now < self.expires_at

    def ended_at(self) -> datetime:
        """When it stopped counting (or will): withdrawn, or its expiry."""
        return self.withdrawn_at or self.expires_at


def check_value(metric: str, value: float) -> float:
    """``value`` as a stored reading of ``metric`` would be; ManualError naming the range otherwise."""
    if metric not in ENTERABLE:
        raise ManualError("metric", f"{metric} cannot be entered by hand")
    if value is None or not math.isfinite(value):
        raise ManualError("value", "type a number")
    problem = range_problem(metric, float(value))
    if problem is not None:
        raise ManualError("range", problem, allowed=METRICS[metric].allowed())
    return float(value)


def check_expiry(expires_at: datetime, now: datetime) -> None:
    """At least :data:`MIN_EXPIRY` and at most :data:`MAX_EXPIRY` ahead."""
    if expires_at - now < MIN_EXPIRY:
        raise ManualError("expiry_short", "the entry must stay at least 5 minutes",
                          minutes=int(MIN_EXPIRY.total_seconds() // 60))
    if expires_at - now > MAX_EXPIRY:
        raise ManualError("expiry_long", f"an entry can stay at most {MAX_EXPIRY.total_seconds() / 3600:g} hours",
                          hours=int(MAX_EXPIRY.total_seconds() // 3600))


def _one_line(text: str) -> str:
    flat = "".join(" " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch
                   for ch in unicodedata.normalize("NFC", text or ""))
    return re.sub(r" {2,}", " ", flat).strip()


def clean_author(author: str) -> str:
    """Who entered it, one line; refused when empty or holding an identity code."""
    name = _one_line(author)
    if not name:
        raise ManualError("author", "say who enters the figure")
    if holds_identity_code(name):
        raise ManualError("identity_code", "the name contains a personal identity code; give your name only")
    return name[:MAX_AUTHOR]


def clean_reason(reason: str) -> str:
    """The optional reason ("soittopyyntöjärjestelmä alhaalla"), one line, refused when too long or holding an
    identity code (it is shown to administrators on /sources, never on a wall)."""
    text = _one_line(reason)
    if len(text) > MAX_REASON:
        raise ManualError("reason_long", f"the reason is {len(text)} characters; at most {MAX_REASON}",
                          n=len(text), max=MAX_REASON)
    if holds_identity_code(text):
        raise ManualError("identity_code", "the reason contains a personal identity code; leave it out")
    return text


def in_effect(entries: Iterable[ManualEntry], latest: Mapping[str, Latest], now: datetime) -> dict[str, ManualEntry]:
    """The entries a wall shows at ``now``, by metric: active, and newer than every source's reading of it.

    The newest active entry of a metric counts (a corrected figure replaces the first). A source reading
    newer than the entry means the source delivers again: the entry steps aside for good, even if that
    reading later goes stale (the source's own staleness rules then apply).
    """
    chosen: dict[str, ManualEntry] = {}
    for e in entries:
        if not e.is_active(now):
            continue
        if e.metric in chosen and chosen[e.metric].entered_at >= e.entered_at:
            continue
        chosen[e.metric] = e
    return {m: e for m, e in chosen.items() if m not in latest or latest[m].ts <= e.entered_at}


def overlay(latest: Mapping[str, Latest], shown: Mapping[str, ManualEntry]) -> dict[str, Latest]:
    """``latest`` with the entries in effect in place of the sources' readings (as readings at their entry
    time, from :data:`MANUAL_SOURCE`)."""
    out = dict(latest)
    for metric, e in shown.items():
        out[metric] = Latest(e.entered_at, e.value, MANUAL_SOURCE)
    return out


def entry_behind(code: str, shown: Mapping[str, ManualEntry]) -> ManualEntry | None:
    """The entry behind figure ``code`` on a wall: its own, or (a derived figure, e.g. contacts today) the newest
    entry among its inputs; None when the figure is all from sources."""
    if code in shown:
        return shown[code]
    figure = FIGURES.get(code)
    found = [shown[i] for i in (figure.inputs if figure else ()) if i in shown]
    return max(found, key=lambda e: e.entered_at, default=None)


def blank_mixed_shares(tiles: Iterable[Tile], shown: Mapping[str, ManualEntry], sourced: Collection[str]) -> list[Tile]:
    """``tiles`` with every share whose inputs are partly typed (``shown``) and partly a source's (``sourced``:
    the metrics the sources delivered) unknown and unjudged, and each tile's status judged again without it."""
    def fix(f: Figure) -> Figure:
        d = FIGURES.get(f.code)
        if d is None or d.kind is not Kind.DERIVED or d.unit != "share":
            return f
        typed = any(i in shown for i in d.inputs)
        other = any(i not in shown and i in sourced for i in d.inputs)
        return replace(f, value=None, status=Status.NEUTRAL, so_far=False, few=False) if typed and other else f

    out = []
    for tile in tiles:
        head, others = fix(tile.headline), tuple(fix(f) for f in tile.figures)
        status = tile.status
        if status not in (Status.NO_DATA, Status.CLOSED, Status.STALE) and (head, others) != (tile.headline,
                                                                                              tile.figures):
            status = worst([head.status, *(f.status for f in others)])
        out.append(replace(tile, status=status, headline=head, figures=others))
    return out
