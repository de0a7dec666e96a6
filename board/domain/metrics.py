"""The metrics the board knows, grouped in the four families of the brief.

Every stored reading is a snapshot ``(station, metric, ts) -> value``:

* ``gauge`` metrics are "now" values (queue waiting now, oldest wait).
* ``daily`` metrics are cumulative since local midnight ("handled today");
  the day's total is the day's last reading. Storing snapshots instead of
  increments is what makes a re-pull or a restart unable to double-count.

Derived figures (same-day share, remote share, NPS) are computed from the
stored ones in :mod:`board.domain.kpi` and never stored, so they cannot be out
of range (a share 0-100 %, NPS -100...+100) unless a stored count is: each
stored metric has a valid range (:func:`range_problem`), and a reading outside
it is refused as a data error, never stored and never shown on a wall.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class Family(StrEnum):
    """The four tiles of the wall display."""

    QUEUE = "queue"
    CONTACTS = "contacts"
    OMASOTE = "omasote"
    FEEDBACK = "feedback"


class Kind(StrEnum):
    GAUGE = "gauge"
    DAILY = "daily"


#: The largest believable values. Generous on purpose: they catch a wrong column or unit (a timestamp or a
#: phone number read as a queue length, seconds read as hours), not a busy day.
MAX_COUNT = 100_000
MAX_AGE = {"min": 90 * 24 * 60, "h": 90 * 24}  # 90 days: older than that is a unit mistake, not a wait


@dataclass(frozen=True)
class MetricDef:
    code: str
    family: Family
    kind: Kind
    unit: str  # "count", "min", "h"

    @property
    def minimum(self) -> float:
        return 0.0  # counts and ages alike: nothing on the board can be negative

    @property
    def maximum(self) -> float:
        return float(MAX_COUNT if self.unit == "count" else MAX_AGE[self.unit])

    @property
    def whole(self) -> bool:
        """Counts are whole numbers: 12.5 callbacks waiting is a wrong column or a broken export."""
        return self.unit == "count"

    def allowed(self) -> str:
        """The valid range in words, for a refusal reason."""
        what = "a whole number" if self.whole else f"{'minutes' if self.unit == 'min' else 'hours'}"
        return f"{what} from {self.minimum:g} to {self.maximum:g}"


_DEFS = [
    # Queue (callbacks / contacts waiting for handling)
    MetricDef("queue_waiting", Family.QUEUE, Kind.GAUGE, "count"),
    MetricDef("queue_oldest_wait_min", Family.QUEUE, Kind.GAUGE, "min"),
    MetricDef("queue_handled_today", Family.QUEUE, Kind.DAILY, "count"),
    MetricDef("queue_handled_same_day_today", Family.QUEUE, Kind.DAILY, "count"),
    # Daily contacts by channel
    MetricDef("contacts_phone_today", Family.CONTACTS, Kind.DAILY, "count"),
    MetricDef("contacts_omasote_today", Family.CONTACTS, Kind.DAILY, "count"),
    MetricDef("contacts_chat_today", Family.CONTACTS, Kind.DAILY, "count"),
    MetricDef("contacts_visit_today", Family.CONTACTS, Kind.DAILY, "count"),
    MetricDef("contacts_carried_over", Family.CONTACTS, Kind.DAILY, "count"),
    # Omasote e-service messages
    MetricDef("omasote_unanswered", Family.OMASOTE, Kind.GAUGE, "count"),
    MetricDef("omasote_oldest_unanswered_h", Family.OMASOTE, Kind.GAUGE, "h"),
    MetricDef("omasote_received_today", Family.OMASOTE, Kind.DAILY, "count"),
    MetricDef("omasote_answered_today", Family.OMASOTE, Kind.DAILY, "count"),
    # Customer feedback (0-10 answers grouped as NPS classes)
    MetricDef("feedback_promoters_today", Family.FEEDBACK, Kind.DAILY, "count"),
    MetricDef("feedback_passives_today", Family.FEEDBACK, Kind.DAILY, "count"),
    MetricDef("feedback_detractors_today", Family.FEEDBACK, Kind.DAILY, "count"),
    MetricDef("feedback_needs_reaction", Family.FEEDBACK, Kind.GAUGE, "count"),
    MetricDef("feedback_oldest_reaction_h", Family.FEEDBACK, Kind.GAUGE, "h"),
]

METRICS: dict[str, MetricDef] = {m.code: m for m in _DEFS}

#: Derived figures that thresholds and targets may refer to as well.
DERIVED: dict[str, Family] = {
    "queue_same_day_share": Family.QUEUE,
    "contacts_total_today": Family.CONTACTS,
    "contacts_remote_share": Family.CONTACTS,
    "feedback_nps": Family.FEEDBACK,
    "feedback_answers_today": Family.FEEDBACK,
}

#: Every name a threshold, target or mapping may use.
KNOWN_FIGURES: frozenset[str] = frozenset(METRICS) | frozenset(DERIVED)

#: The metric whose freshness stands for the whole tile, and whose trend the
#: tile draws.
HEADLINE: dict[Family, str] = {
    Family.QUEUE: "queue_waiting",
    Family.CONTACTS: "contacts_phone_today",
    Family.OMASOTE: "omasote_unanswered",
    Family.FEEDBACK: "feedback_needs_reaction",
}


#: Each metric's (minimum, maximum, whole) once: range_problem runs for every reading of every backfill.
_RANGES = {m.code: (m.minimum, m.maximum, m.whole) for m in _DEFS}


def range_problem(metric: str, value: float) -> str | None:
    """Why ``value`` cannot be a reading of ``metric`` (naming both and the allowed range), or None if it can.

    The one rule for every path into the store: the connectors' mapping
    applies it to each record (so a files source refuses the whole file) and
    the collector applies it again to every reading whatever its connector.
    """
    low, high, whole = _RANGES[metric]
    if low <= value <= high and not (whole and value != int(value)):
        return None
    return f"{metric}: value {value:g} is out of range (allowed: {METRICS[metric].allowed()})"


def all_in_range(metric: str, values: np.ndarray) -> bool:
    """True when every value of ``values`` could be a reading of ``metric`` (the rule of :func:`range_problem`).

    For a block of readings at once: one vectorized test instead of a call per
    reading. NaN and infinities fail it. When it says False, the caller checks
    the readings one by one to name each problem.
    """
    low, high, whole = _RANGES[metric]
    if values.size == 0:
        return True
    if not (values.min() >= low and values.max() <= high):  # NaN makes both comparisons False
        return False
    return not whole or bool((values == np.floor(values)).all())


def metrics_of(family: Family) -> list[str]:
    """Stored metric codes belonging to ``family``, in definition order."""
    return [m.code for m in _DEFS if m.family is family]
