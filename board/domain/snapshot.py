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
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import copysign

from board.domain.figures import METRICS, SAMPLE_OF, TILE_LAYOUT, Family, Kind, derive, metrics_of, value_of

__all__ = ["SAMPLE_OF", "TILE_LAYOUT", "Figure", "Latest", "Tile", "build_tiles", "current_values", "headline_series"]
from board.domain.status import Status, Threshold, worst


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
    #: A share that can still fall today: the same-day share while callbacks wait ("tähän asti", so far).
    so_far: bool = False
    #: Left unjudged because today's sample is too small (``metrics.yaml: min_sample``) although the figure has
    #: limits: the wall says so ("vähän vastauksia", "vähän käsiteltyjä"), a bare "0 %" would look judged.
    few: bool = False


@dataclass(frozen=True)
class Tile:
    """One tile as the wall shows it. Immutable: today's sparkline is added by making a new tile
    (:func:`board.read.wall.with_trends`), so a cached tile is never changed under another reader."""

    family: Family
    status: Status
    headline: Figure
    figures: tuple[Figure, ...]
    updated_at: datetime | None
    stale: bool
    trend: tuple[tuple[datetime, float], ...] = ()
    #: False when none of the tile's figures has limits at this station (the contacts tile as shipped): a figure
    #: without a target gets no judgement badge at all. A NEUTRAL tile that has limits "could not judge" (too
    #: few answers, no value yet) and says "Ei arviota".
    judged: bool = True


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
    judged: dict[tuple[object, ...], Figure] | None = None,
) -> list[Tile]:
    """The four tiles of a station in wall order.

    A single metric older than its source's limit is shown as unknown; a tile
    whose metrics are all that old is stale as a whole (the source has stopped
    delivering it) and keeps the last values only to say what they were.

    ``judged``: figures already judged, shared by the stations of one build (the overview's 900 stations judge
    ~17 000 figures, most of them repeats: a count of 0 under the same limits), by everything a figure's
    judgement depends on. Valid for one ``targets`` and ``min_sample``, which are the same for every station.
    """

    # "older than its limit" as "stamped before now - limit": one subtraction per source, not one per reading
    # (the overview judges 900 stations' ~18 readings on every refresh).
    oldest_fresh = {source: now - limit for source, limit in stale_after.items()}
    default_oldest = now - default_stale_after

    old = {m for m, lv in latest.items() if lv.ts < oldest_fresh.get(lv.source, default_oldest)}
    fresh = {m: lv for m, lv in latest.items() if m not in old} if old else latest
    fresh_figures = derive(current_values(fresh, day_start))
    # Nothing old: the last values are the fresh ones (derive is pure), so derived once, not twice.
    last_figures = derive(current_values(latest, day_start)) if old else fresh_figures
    samples = min_sample or {}
    tiles = []
    for family, (headline_code, rest) in TILE_LAYOUT.items():
        present = [m for m in _FAMILY_METRICS[family] if m in latest]
        updated = max((latest[m].ts for m in present), default=None)
        stale = bool(present) and all(m in old for m in present)
        figures = last_figures if stale else fresh_figures

        def judge(code: str, figures: dict[str, float | None] = figures) -> Figure:
            value = figures.get(code)
            t = thresholds.get(code)
            key: tuple[object, ...] | None = None
            if judged is not None:
                # The value's type and a zero's sign in the key: 1 and 1.0, 0.0 and -0.0 are equal keys but not
                # the same figure.
                key = (code, value, value.__class__, t)
                if value is not None and value == 0:
                    key += (copysign(1.0, value),)
                if code in _IN_CONTEXT:
                    key += (figures.get("queue_waiting"), thresholds.get("queue_waiting"),
                            figures.get(SAMPLE_OF[code]) if code in SAMPLE_OF else None)
                made = judged.get(key)
                if made is not None:
                    return made
            status = Status.NEUTRAL
            if t is not None and value is not None:
                status = t.evaluate(value)
            so_far = False
            if code == "queue_same_day_share" and value is not None and (figures.get("queue_waiting") or 0) > 0:
                # Callbacks still wait, so "100 % samana päivänä" must not look like success: the share is
                # "so far" (those still waiting will count against it when they are handled on a later day)
                # and is never judged better than the queue itself. (Closed, no tile is red anyway.)
                so_far = True
                queue_limit = thresholds.get("queue_waiting")
                if t is not None and queue_limit is not None:
                    status = worst([status, queue_limit.evaluate(figures["queue_waiting"] or 0)])
            few = False
            if code in SAMPLE_OF and (figures.get(SAMPLE_OF[code]) or 0) < samples.get(code, 1):
                status = Status.NEUTRAL  # too small a sample today to judge (1 of 1 is not "100 %")
                few = t is not None and value is not None
            made = Figure(code, value, status, targets.get(code), so_far, few)
            if key is not None:
                judged[key] = made  # type: ignore[index]
            return made

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
        has_limits = any(thresholds.get(c) is not None for c in (headline_code, *rest))
        tiles.append(Tile(family, status, head, tuple(others), updated, stale, judged=has_limits))
    return tiles


#: Figures whose judgement depends on more than their own value and limits: the same-day share (on the queue)
#: and the figures judged only on a large enough sample.
_IN_CONTEXT = frozenset({"queue_same_day_share", *SAMPLE_OF})

#: Each tile's stored metrics (looked up once here, not per station and tile).
_FAMILY_METRICS = {family: tuple(metrics_of(family)) for family in TILE_LAYOUT}


def headline_series(family: Family, rows: Mapping[datetime, Mapping[str, float]]) -> list[tuple[datetime, float]]:
    """The tile's big number through the day, from readings grouped by timestamp."""
    code = TILE_LAYOUT[family][0]
    out = []
    for ts in sorted(rows):
        value = value_of(code, rows[ts])
        if value is not None:
            out.append((ts, value))
    return out
