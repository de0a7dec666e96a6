"""The figure catalogue: every number the board knows, declared once.

A *figure* is a number the board shows. Some are **stored**: connectors
deliver them as readings ``(station, metric, ts) -> value``.

* ``gauge`` figures are "now" values (queue waiting now, the oldest wait);
* ``daily`` figures are cumulative since local midnight ("handled today"), so
  the day's total is the day's last reading. Storing snapshots instead of
  increments is what makes a re-pull or a restart unable to double-count.

Others are **derived** from stored ones by a formula (shares, NPS, totals)
and never stored, so they cannot be out of range unless a stored count is;
``peak`` figures exist only over a period (the day's highest queue).

Each entry says, in one place, everything the rest of the board needs:

* ``family``: the tile it belongs to;
* ``kind`` and ``unit`` (``count``, ``min``, ``h``, ``share`` 0..1, ``score``
  −100..+100): the unit gives a stored metric's valid range (:data:`RANGES`)
  (:mod:`board.domain.metrics` refuses a reading outside it), how the figure
  is written (:func:`board.formatting.format_figure`) and its Excel format;
* ``inputs`` and ``formula``: how a derived figure is computed (one
  :func:`derive` for a moment and for a period);
* ``better``: which way is better (+1 higher, −1 lower, 0 neither: volumes
  are demand, not performance), the colour of a change on the week page;
* where it is shown: ``tile`` (the big number or a figure under it, in
  declaration order), ``overview`` (a column, in declaration order), ``week``
  (the weekly view and both exports, named there without ``_today``;
  ``week_change``: its change gets a column of its own), ``week_target``
  (the configured target that applies over a week);
* ``sample``: the count a share or score is computed over (below
  ``metrics.yaml: min_sample`` it is shown without judgement);
* ``stated``: for a derived share, the stored figure holding the same share as
  a source *states* it (a percent column of an export). **Derived from counts
  wins**: the stated share is used only at a moment when the counts are
  missing, shown where the derived share is, unjudged (with no count there is
  no sample to judge it by); never over a period (a share cannot be summed
  over days);
  ``blank_when_zero``: an age that means nothing when nothing waits.

Thresholds and targets stay configuration (``config/metrics.yaml``), never
code; they may name any figure of a moment (:data:`KNOWN_FIGURES`).

Adding a figure
---------------
1. One entry in ``_CATALOGUE`` below, in its family (the order there is the
   order on the tile and in the overview). A figure a source states (a share
   or a percent from an export) is stored: ``kind=GAUGE`` or ``DAILY`` and its
   unit (a percent is stored as a ``share`` 0..1; :data:`RANGES` gives what is
   valid); one computed from others is ``DERIVED`` with ``inputs`` and a
   ``formula`` taking the inputs' values in that order (None when undefined).
   Several stations' gauge is combined only if ``over_stations`` says how.
2. Its texts in ``board/texts/figures.toml``: ``fig.CODE`` (tile),
   ``ov.col.CODE`` (overview), ``week.fig.NAME`` and ``week.col.NAME`` (the
   weekly view and the exports; NAME is the code without ``_today``).
   ``tests/test_figures.py`` fails while a text is missing.
3. A stored figure can then be mapped by connectors (``mapping.metrics``),
   judged (``thresholds``) and given a target, with no other change.

The weekly view lists its families in :data:`WEEK_FAMILIES` order and, in a
family, the daily totals first, then what is computed from them, the peak,
and the readings at the end of the period (:data:`WEEK`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from board.domain import kpi


class Family(StrEnum):
    """What a figure is about: the four tiles of the wall display (:data:`WALL_FAMILIES`), and the figures
    only managers see (access to care, :mod:`board.domain.access_to_care`; employee feedback,
    :mod:`board.domain.employee_nps`: never on the wall)."""

    QUEUE = "queue"
    CONTACTS = "contacts"
    OMASOTE = "omasote"
    FEEDBACK = "feedback"
    ACCESS = "access"
    STAFF = "staff"


#: The families that are tiles on the wall (and columns of the overview), in the wall's order.
WALL_FAMILIES = (Family.QUEUE, Family.CONTACTS, Family.OMASOTE, Family.FEEDBACK)


class Kind(StrEnum):
    GAUGE = "gauge"  # stored: a "now" value
    DAILY = "daily"  # stored: cumulative since local midnight
    DERIVED = "derived"  # computed from stored figures by a formula
    PEAK = "peak"  # over a period only: the highest reading of its input
    PROJECTED = "projected"  # today's end-of-day projection (the collector's, board/alerts/projections.py)


Unit = Literal["count", "min", "h", "d", "share", "score"]

#: The largest believable values. Generous on purpose: they catch a wrong column or unit (a timestamp or a
#: phone number read as a queue length, seconds read as hours), not a busy day.
MAX_COUNT = 100_000
MAX_AGE = {"min": 90 * 24 * 60, "h": 90 * 24}  # 90 days: older than that is a unit mistake, not a wait
#: A wait in days (T3, the third free appointment): a year at most; the region records 182 for a waiting list.
MAX_DAYS = 366
#: Each unit's valid range, and how a refusal names it. Counts and ages cannot be negative; a share a source
#: states is stored as a fraction 0..1 (a percent column is divided by 100 when it is read), a score as is.
RANGES: dict[str, tuple[float, float]] = {"count": (0.0, MAX_COUNT), "min": (0.0, MAX_AGE["min"]),
                                          "h": (0.0, MAX_AGE["h"]), "d": (0.0, MAX_DAYS), "share": (0.0, 1.0),
                                          "score": (-100.0, 100.0)}
_UNIT_WORDS = {"count": "a whole number", "min": "minutes", "h": "hours", "d": "days", "share": "a share",
               "score": "a score"}

#: How several stations' values of one moment combine: summed, or the largest (an age).
Combine = Literal["sum", "max"]

Values = Mapping[str, float | None]


@dataclass(frozen=True)
class FigureDef:
    """One figure and everything the board needs to know about it (see the module docstring)."""

    code: str
    family: Family
    kind: Kind
    unit: Unit
    inputs: tuple[str, ...] = ()
    formula: Callable[..., float | None] | None = None
    #: Over a period, a missing input counts as 0 when another input is known (NPS classes summed over days).
    zero_fill: bool = False
    better: int = 0
    tile: Literal["headline", "figure"] | None = None
    overview: bool = False
    week: bool = False
    week_change: bool = False
    week_target: str | None = None
    #: A gauge of several stations at once (a daily total is always summed; None: not combined).
    over_stations: Combine | None = None
    sample: str | None = None
    blank_when_zero: str | None = None
    #: A derived share's stored twin as a source states it, used at a moment only when the counts are missing.
    stated: str | None = None

    @property
    def stored(self) -> bool:
        return self.kind in (Kind.GAUGE, Kind.DAILY)

    @property
    def week_code(self) -> str:
        """The figure's name on the weekly view and in the exports: a week has no "today"."""
        return self.code.removesuffix("_today")

    @property
    def minimum(self) -> float:
        return float(RANGES[self.unit][0])

    @property
    def maximum(self) -> float:
        return float(RANGES[self.unit][1])

    @property
    def whole(self) -> bool:
        """Counts are whole numbers: 12.5 callbacks waiting is a wrong column or a broken export."""
        return self.unit == "count"

    def allowed(self) -> str:
        """The valid range in words, for a refusal reason: ``a whole number from 0 to 100000``."""
        return f"{_UNIT_WORDS[self.unit]} from {self.minimum:g} to {self.maximum:g}"


# ------------------------------------------------------------------ formulas
def _known_sum(*values: float | None) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _remote_share(phone: float | None, omasote: float | None, chat: float | None,
                  visit: float | None) -> float | None:
    return kpi.remote_share({"phone": phone, "omasote": omasote, "chat": chat, "visit": visit})


def _answers(promoters: float | None, passives: float | None, detractors: float | None) -> float | None:
    if promoters is None or passives is None or detractors is None:
        return None
    return promoters + passives + detractors


def _nps(promoters: float | None, passives: float | None, detractors: float | None) -> float | None:
    if promoters is None or passives is None or detractors is None:
        return None
    return kpi.nps(promoters, passives, detractors)


def _share(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole


def _failure_demand_share(resolved: float | None, appointment: float | None, not_reached: float | None,
                          redirected: float | None, failure_demand: float | None) -> float | None:
    """Failure demand (häiriökysyntä) over every callback handled with a classified outcome."""
    parts = (resolved, appointment, not_reached, redirected, failure_demand)
    if any(p is None for p in parts):
        return None
    return kpi.share(failure_demand, sum(parts))  # type: ignore[arg-type]


CHANNELS = tuple(f"contacts_{c}_today" for c in kpi.ALL_CHANNELS)
#: The callback outcome classes' daily counts, in the order of board.domain.items.OUTCOME_CLASSES.
OUTCOMES = ("queue_resolved_today", "queue_appointment_today", "queue_not_reached_today", "queue_redirected_today",
            "queue_failure_demand_today")
NPS_CLASSES = ("feedback_promoters_today", "feedback_passives_today", "feedback_detractors_today")

QUEUE, CONTACTS, OMASOTE, FEEDBACK, ACCESS = (Family.QUEUE, Family.CONTACTS, Family.OMASOTE, Family.FEEDBACK,
                                              Family.ACCESS)

#: Access to care (hoitoon pääsy): the professions a source may state T3 for (config/care_guarantee.yaml picks
#: the ones shown), the age groups the care guarantee tells apart, and the waits a source counts visits within
#: (a rule's limit must be one of them: a new limit in law is a new bucket here and in the sources).
T3_PROFESSIONS = ("doctor", "nurse", "physiotherapist", "psychologist")
AGE_GROUPS = ("u23", "23plus")
WAIT_BUCKETS = ("14d", "3m")

GAUGE, DAILY, DERIVED, PEAK, PROJECTED = Kind.GAUGE, Kind.DAILY, Kind.DERIVED, Kind.PEAK, Kind.PROJECTED
HEAD, FIG = "headline", "figure"

_CATALOGUE = (
    # Queue: callbacks / contacts waiting for handling
    FigureDef("queue_waiting", QUEUE, GAUGE, "count", better=-1, tile=HEAD, overview=True),
    FigureDef("queue_oldest_wait_min", QUEUE, GAUGE, "min", better=-1, tile=FIG, overview=True,
              blank_when_zero="queue_waiting"),
    FigureDef("queue_handled_today", QUEUE, DAILY, "count", tile=FIG, week=True),
    FigureDef("queue_handled_same_day_today", QUEUE, DAILY, "count", better=1, week=True),
    FigureDef("queue_same_day_share", QUEUE, DERIVED, "share", ("queue_handled_same_day_today", "queue_handled_today"),
              kpi.same_day_share, better=1, tile=FIG, overview=True, week=True, week_change=True,
              week_target="queue_same_day_share", sample="queue_handled_today", stated="queue_same_day_share_stated"),
    # The same-day share as a source states it ("Samana päivänä (%)"): shown only when the counts are missing.
    FigureDef("queue_same_day_share_stated", QUEUE, DAILY, "share"),
    # Callbacks carried over from yesterday ("eiliseltä"): the queue's backlog, so on the callbacks tile (it sat
    # among the contacts, where it read as yesterday's contacts). The stored name stays, for the sources' sake.
    FigureDef("contacts_carried_over", QUEUE, DAILY, "count", better=-1, tile=FIG, overview=True),
    # Callback outcomes by class (counted by the board from callback items with an outcome code: items.outcomes)
    FigureDef("queue_resolved_today", QUEUE, DAILY, "count"),
    FigureDef("queue_appointment_today", QUEUE, DAILY, "count"),
    FigureDef("queue_not_reached_today", QUEUE, DAILY, "count", better=-1, week=True, week_change=True),
    FigureDef("queue_redirected_today", QUEUE, DAILY, "count"),
    FigureDef("queue_failure_demand_today", QUEUE, DAILY, "count", better=-1, week=True),
    FigureDef("queue_outcomes_today", QUEUE, DERIVED, "count", OUTCOMES, _known_sum, zero_fill=True, week=True),
    FigureDef("queue_failure_demand_share", QUEUE, DERIVED, "share", OUTCOMES, _failure_demand_share, zero_fill=True,
              better=-1, week=True, week_change=True, sample="queue_outcomes_today"),
    FigureDef("queue_peak", QUEUE, PEAK, "count", ("queue_waiting",), better=-1, week=True, week_change=True,
              week_target="queue_waiting"),
    # The queue expected at closing time (median of the projection, band beside it; judged with queue_waiting's
    # limits), a column of the overview. Never stored as a reading: the projections table keeps it.
    FigureDef("queue_projected_close", QUEUE, PROJECTED, "count", better=-1, overview=True),
    # Daily contacts by channel
    FigureDef("contacts_phone_today", CONTACTS, DAILY, "count", tile=FIG, week=True),
    FigureDef("contacts_omasote_today", CONTACTS, DAILY, "count", tile=FIG, week=True),
    FigureDef("contacts_chat_today", CONTACTS, DAILY, "count", tile=FIG, week=True),
    FigureDef("contacts_visit_today", CONTACTS, DAILY, "count", tile=FIG, week=True),
    FigureDef("contacts_total_today", CONTACTS, DERIVED, "count", CHANNELS, _known_sum, tile=HEAD, overview=True,
              week=True, week_change=True),
    FigureDef("contacts_remote_share", CONTACTS, DERIVED, "share", CHANNELS, _remote_share, better=1, tile=FIG,
              overview=True, week=True, week_change=True, week_target="contacts_remote_share",
              sample="contacts_total_today", stated="contacts_remote_share_stated"),
    FigureDef("contacts_remote_share_stated", CONTACTS, DAILY, "share"),
    # Omasote e-service messages
    FigureDef("omasote_unanswered", OMASOTE, GAUGE, "count", better=-1, tile=HEAD, overview=True, week=True,
              week_change=True, week_target="omasote_unanswered", over_stations="sum"),
    FigureDef("omasote_oldest_unanswered_h", OMASOTE, GAUGE, "h", better=-1, tile=FIG, overview=True, week=True,
              week_change=True, week_target="omasote_oldest_unanswered_h", over_stations="max",
              blank_when_zero="omasote_unanswered"),
    FigureDef("omasote_received_today", OMASOTE, DAILY, "count", tile=FIG, week=True, week_change=True),
    FigureDef("omasote_answered_today", OMASOTE, DAILY, "count", tile=FIG, week=True),
    # Customer feedback: 0-10 answers stored as NPS classes
    FigureDef("feedback_promoters_today", FEEDBACK, DAILY, "count"),
    FigureDef("feedback_passives_today", FEEDBACK, DAILY, "count"),
    FigureDef("feedback_detractors_today", FEEDBACK, DAILY, "count"),
    FigureDef("feedback_answers_today", FEEDBACK, DERIVED, "count", NPS_CLASSES, _answers, zero_fill=True, better=1,
              tile=FIG, week=True, week_change=True),
    FigureDef("feedback_nps", FEEDBACK, DERIVED, "score", NPS_CLASSES, _nps, zero_fill=True, better=1, tile=HEAD,
              overview=True, week=True, week_change=True, week_target="feedback_nps",
              sample="feedback_answers_today"),
    FigureDef("feedback_needs_reaction", FEEDBACK, GAUGE, "count", better=-1, tile=FIG, overview=True, week=True,
              week_change=True, week_target="feedback_needs_reaction", over_stations="sum"),
    FigureDef("feedback_oldest_reaction_h", FEEDBACK, GAUGE, "h", better=-1, tile=FIG,
              blank_when_zero="feedback_needs_reaction"),
    # Access to care, for managers only (board/domain/access_to_care.py: how a period is judged).
    # T3 per profession, in days, as the region reports it (the median over the station's calendars).
    *(FigureDef(f"access_t3_{p}_d", ACCESS, GAUGE, "d", better=-1, over_stations="max") for p in T3_PROFESSIONS),
    # Non-urgent visits realised today per age group, and how many of them within each wait the law uses.
    *(FigureDef(f"access_nonurgent_{g}{bucket}_today", ACCESS, DAILY, "count")
      for g in AGE_GROUPS for bucket in ("", *(f"_within_{b}" for b in WAIT_BUCKETS))),
    # Same-day contact and assessment of need: contacts to assess today, of them assessed the same day.
    FigureDef("access_assessments_today", ACCESS, DAILY, "count"),
    FigureDef("access_assessed_same_day_today", ACCESS, DAILY, "count", better=1),
    FigureDef("access_same_day_assessment_share", ACCESS, DERIVED, "share",
              ("access_assessed_same_day_today", "access_assessments_today"), _share, better=1,
              sample="access_assessments_today"),
    # Employee feedback (henkilöstön NPS): answers of the day by class, stored as counts only. No derived figure
    # here on purpose: a period's score is shown to managers only with enough answers (board/domain/employee_nps.py),
    # never on the wall, and never to a threshold or an alert.
    FigureDef("staff_promoters_today", Family.STAFF, DAILY, "count"),
    FigureDef("staff_passives_today", Family.STAFF, DAILY, "count"),
    FigureDef("staff_detractors_today", Family.STAFF, DAILY, "count"),
)

# ------------------------------------------------------- the catalogue, read by place
#: Every figure by its code, in declaration order.
FIGURES: dict[str, FigureDef] = {f.code: f for f in _CATALOGUE}
#: The stored metrics: what a connector may deliver and the store keeps.
METRICS: dict[str, FigureDef] = {f.code: f for f in _CATALOGUE if f.stored}
#: Each family's stored metrics, in declaration order (:func:`metrics_of`).
_METRICS_OF: dict[Family, tuple[str, ...]] = {
    family: tuple(f.code for f in METRICS.values() if f.family is family) for family in Family}
#: Figures computed from stored ones at any moment.
DERIVED_FIGURES: dict[str, FigureDef] = {f.code: f for f in _CATALOGUE if f.kind is Kind.DERIVED}
#: Every name a threshold, target or mapping may use: the figures of a moment.
KNOWN_FIGURES: frozenset[str] = frozenset(METRICS) | frozenset(DERIVED_FIGURES)

#: The big number of each tile, and the figures shown under it, in order.
TILE_LAYOUT: dict[Family, tuple[str, tuple[str, ...]]] = {
    family: (next(f.code for f in _CATALOGUE if f.family is family and f.tile == HEAD),
             tuple(f.code for f in _CATALOGUE if f.family is family and f.tile == FIG))
    for family in WALL_FAMILIES
}
#: The figures of an overview row, grouped by tile, in column order.
OVERVIEW_COLUMNS: dict[Family, tuple[str, ...]] = {
    family: tuple(f.code for f in _CATALOGUE if f.family is family and f.overview) for family in WALL_FAMILIES}

#: The weekly view's families in the order it shows them (the manager's report leads with demand).
WEEK_FAMILIES = (Family.CONTACTS, Family.QUEUE, Family.OMASOTE, Family.FEEDBACK)
_WEEK_KIND_ORDER = (Kind.DAILY, Kind.DERIVED, Kind.PEAK, Kind.GAUGE)
#: The figures of a day and of a week by their week name, in the order the page and the exports show them.
WEEK: dict[str, FigureDef] = {
    f.week_code: f for family in WEEK_FAMILIES for kind in _WEEK_KIND_ORDER
    for f in _CATALOGUE if f.family is family and f.kind is kind and f.week}
#: The count each share or score is computed over, for judging its sample size.
SAMPLE_OF: dict[str, str] = {f.code: f.sample for f in _CATALOGUE if f.sample}


def metrics_of(family: Family) -> list[str]:
    """Stored metric codes belonging to ``family``, in declaration order (looked up, not searched: every tile
    of every overview row asks)."""
    return list(_METRICS_OF[family])


def unit_of(code: str) -> Unit:
    """The unit of a figure, by its code or its week name (a count when the catalogue does not know it)."""
    figure = FIGURES.get(code) or WEEK.get(code)
    return figure.unit if figure is not None else "count"


# ------------------------------------------------------------------ derivation
_BLANKS = tuple((f.blank_when_zero, f.code) for f in _CATALOGUE if f.blank_when_zero)
_BLANK_OF = {age: count for count, age in _BLANKS}
_FORMULAS = tuple((f.code, f.inputs, f.formula, f.zero_fill, f.stated) for f in DERIVED_FIGURES.values())


def _compute(inputs: tuple[str, ...], formula: Callable[..., float | None], zero_fill: bool, values: Values,
             period: bool, stated: str | None = None) -> float | None:
    args = [values.get(code) for code in inputs]
    if period and zero_fill and args.count(None) != len(args):  # (some input is known; ~40 000 calls a page)
        args = [0.0 if a is None else a for a in args]
    value = formula(*args)
    if value is None and stated is not None and not period:  # derived from counts wins; stated when they are missing
        return values.get(stated)
    return value


def derive(values: Values, period: bool = False) -> dict[str, float | None]:
    """The given values plus every derived figure (None where undefined).

    ``values`` of a moment (the wall): an age is blank when nothing waits ("oldest waiting" has no meaning
    then: a dash, not "0 min"), and a derived figure needs all its inputs. ``period``: a day or a week of
    summed counts (the weekly view), where ages stay as read and an NPS class missing from some days counts
    as 0 when another class is known.
    """
    out: dict[str, float | None] = dict(values)
    if not period:
        for count, age in _BLANKS:
            if values.get(count) == 0 and age in out:
                out[age] = None
    for code, inputs, formula, zero_fill, stated in _FORMULAS:
        out[code] = _compute(inputs, formula, zero_fill, values, period, stated)  # type: ignore[arg-type]
    return out


def value_of(code: str, values: Values) -> float | None:
    """One figure of a moment from ``values``: what :func:`derive` gives for it, computing nothing else."""
    figure = DERIVED_FIGURES.get(code)
    if figure is not None:
        return _compute(figure.inputs, figure.formula, figure.zero_fill, values, False,  # type: ignore[arg-type]
                        figure.stated)
    count = _BLANK_OF.get(code)
    return None if count is not None and values.get(count) == 0 else values.get(code)
