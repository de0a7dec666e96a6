"""A station's situation now: the four tiles of the wall, as plain data.

This is where the board decides what a nurse sees: which number is big, its
status, whether it is fresh. It takes the newest reading of each metric and
the configuration, and knows nothing of databases or Streamlit.

Precedence of a tile's status: NO_DATA (nothing ever delivered) > CLOSED
(outside opening hours: never red, and a source that rests at night is no
alarm) > STALE (the newest reading is older than its source's limit: never
show an old number as if it were current) > the worst threshold status of
the tile's figures. A closed tile can still be ``stale``; the wall then
shows its numbers as old, not as current.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from board.domain import kpi
from board.domain.metrics import METRICS, Family, Kind, metrics_of
from board.domain.status import Status, Threshold, worst

#: The big number of each tile, and the figures shown under it, in order.
TILE_LAYOUT: dict[Family, tuple[str, tuple[str, ...]]] = {
    Family.QUEUE: ("queue_waiting", ("queue_oldest_wait_min", "queue_handled_today", "queue_same_day_share")),
    Family.CONTACTS: ("contacts_total_today", (
        "contacts_phone_today", "contacts_omasote_today", "contacts_chat_today", "contacts_visit_today",
        "contacts_remote_share", "contacts_carried_over")),
    Family.OMASOTE: ("omasote_unanswered", (
        "omasote_oldest_unanswered_h", "omasote_received_today", "omasote_answered_today")),
    Family.FEEDBACK: ("feedback_nps", ("feedback_answers_today", "feedback_needs_reaction",
                                       "feedback_oldest_reaction_h")),
}


#: The count each share or score is computed over, for judging its sample size.
SAMPLE_OF: dict[str, str] = {
    "feedback_nps": "feedback_answers_today",
    "queue_same_day_share": "queue_handled_today",
    "contacts_remote_share": "contacts_total_today",
}


@dataclass(frozen=True)
class Latest:
    """The newest reading of one metric."""

    ts: datetime
    value: float
    source: str


@dataclass(frozen=True)
class Figure:
    code: str
    value: float | None
    status: Status
    target: float | None = None


@dataclass
class Tile:
    family: Family
    status: Status
    headline: Figure
    figures: list[Figure]
    updated_at: datetime | None
    stale: bool
    trend: list[tuple[datetime, float]] = field(default_factory=list)


def derive(values: Mapping[str, float | None]) -> dict[str, float | None]:
    """Stored values plus every derived figure (None where undefined)."""
    out: dict[str, float | None] = dict(values)
    # "Oldest waiting" has no meaning when nothing waits: show a dash, not "0 min".
    for count, age in (("queue_waiting", "queue_oldest_wait_min"),
                       ("omasote_unanswered", "omasote_oldest_unanswered_h"),
                       ("feedback_needs_reaction", "feedback_oldest_reaction_h")):
        if values.get(count) == 0 and age in out:
            out[age] = None
    channels = {c: values.get(f"contacts_{c}_today") for c in kpi.ALL_CHANNELS}
    known = [v for v in channels.values() if v is not None]
    out["contacts_total_today"] = sum(known) if known else None
    out["contacts_remote_share"] = kpi.remote_share(channels)
    out["queue_same_day_share"] = kpi.same_day_share(
        values.get("queue_handled_same_day_today"), values.get("queue_handled_today"))
    p, n, d = (values.get(f"feedback_{k}_today") for k in ("promoters", "passives", "detractors"))
    if p is None or n is None or d is None:
        out["feedback_answers_today"] = None
        out["feedback_nps"] = None
    else:
        out["feedback_answers_today"] = p + n + d
        out["feedback_nps"] = kpi.nps(p, n, d)
    return out


def current_values(latest: Mapping[str, Latest], day_start: datetime) -> dict[str, float | None]:
    """Values valid now: a daily counter whose newest reading is from an earlier day is unknown today."""
    values: dict[str, float | None] = {}
    for code, lv in latest.items():
        mdef = METRICS.get(code)
        if mdef is None:
            continue
        values[code] = None if (mdef.kind is Kind.DAILY and lv.ts < day_start) else lv.value
    return values


def build_tiles(
    latest: Mapping[str, Latest],
    *,
    now: datetime,
    day_start: datetime,
    is_open: bool,
    thresholds: Mapping[str, Threshold],
    targets: Mapping[str, float],
    stale_after: Mapping[str, timedelta],
    default_stale_after: timedelta = timedelta(minutes=5),
    min_sample: Mapping[str, int] | None = None,
) -> list[Tile]:
    """The four tiles of a station in wall order.

    A single metric older than its source's limit is shown as unknown; a tile
    whose metrics are all that old is stale as a whole (the source has stopped
    delivering it) and keeps the last values only to say what they were.
    """

    def is_stale(lv: Latest) -> bool:
        return now - lv.ts > stale_after.get(lv.source, default_stale_after)

    fresh = {m: lv for m, lv in latest.items() if not is_stale(lv)}
    fresh_figures = derive(current_values(fresh, day_start))
    last_figures = derive(current_values(latest, day_start))
    tiles = []
    for family, (headline_code, rest) in TILE_LAYOUT.items():
        present = [latest[m] for m in metrics_of(family) if m in latest]
        updated = max((lv.ts for lv in present), default=None)
        stale = bool(present) and all(is_stale(lv) for lv in present)
        figures = last_figures if stale else fresh_figures

        def judge(code: str, figures: dict[str, float | None] = figures) -> Figure:
            value = figures.get(code)
            status = Status.NEUTRAL
            t = thresholds.get(code)
            if t is not None and value is not None:
                status = t.evaluate(value)
            if code in SAMPLE_OF and (figures.get(SAMPLE_OF[code]) or 0) < (min_sample or {}).get(code, 1):
                status = Status.NEUTRAL  # too small a sample today to judge (1 of 1 is not "100 %")
            return Figure(code, value, status, targets.get(code))

        head = judge(headline_code)
        others = [judge(c) for c in rest]
        if not present:
            status = Status.NO_DATA
        elif not is_open:
            status = Status.CLOSED  # a source that rests at night is not an alarm
        elif stale:
            status = Status.STALE
        else:
            status = worst([head.status, *(f.status for f in others)])
        tiles.append(Tile(family, status, head, others, updated, stale))
    return tiles


def headline_series(family: Family, rows: Mapping[datetime, Mapping[str, float]]) -> list[tuple[datetime, float]]:
    """The tile's big number through the day, from readings grouped by timestamp."""
    code = TILE_LAYOUT[family][0]
    out = []
    for ts in sorted(rows):
        value = derive(rows[ts]).get(code)
        if value is not None:
            out.append((ts, value))
    return out
