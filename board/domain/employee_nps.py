"""Employee feedback (henkilöstön NPS) of a period, shown only where no one's answer can be singled out.

Stations (or teams configured as stations) deliver the day's employee answers
as counts by class (``staff_promoters_today``, ``…_passives_…``,
``…_detractors_…``: 9–10, 7–8, 0–6), from counts or counted from answers.
A period's score is the NPS of its summed counts, and it is shown only when
the period has at least ``min_answers`` answers (``metrics.yaml:
employee_nps.min_answers``, default 5); a smaller group is "too few answers"
and shows neither the score nor the number of answers.

Several stations together could give a small group away by subtraction (the
total minus the stations shown is the hidden one). So the total is hidden too
unless the hidden stations' answers together are none or at least
``min_answers``. Pure functions of counts; never shown on the wall or per day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from board.domain import kpi

CLASSES = ("staff_promoters_today", "staff_passives_today", "staff_detractors_today")
DEFAULT_MIN_ANSWERS = 5


@dataclass(frozen=True)
class EmployeeNps:
    """A period's employee feedback at a station (or several): the counts, and whether they may be shown."""

    promoters: float = 0.0
    passives: float = 0.0
    detractors: float = 0.0
    shown: bool = False

    @property
    def answers(self) -> float:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """The NPS, only when it may be shown."""
        return kpi.nps(self.promoters, self.passives, self.detractors) if self.shown else None

    @property
    def shown_answers(self) -> float | None:
        return self.answers if self.shown else None

    @property
    def too_few(self) -> bool:
        """Some answers, but fewer than may be shown."""
        return not self.shown and self.answers > 0


def period(days: Sequence[Mapping[str, float]], min_answers: int = DEFAULT_MIN_ANSWERS) -> EmployeeNps:
    """One station's period from its days' last readings (a missing class on a day counts as 0)."""
    sums = [sum([d.get(c, 0.0) for d in days]) for c in CLASSES]  # (lists: 1 800 calls at 900 stations)
    return EmployeeNps(*sums, shown=sum(sums) >= min_answers)


def together(stations: Sequence[EmployeeNps], min_answers: int = DEFAULT_MIN_ANSWERS) -> EmployeeNps:
    """Several stations' period together, hidden when it would give a hidden station's answers away."""
    sums = [sum(getattr(s, c) for s in stations) for c in ("promoters", "passives", "detractors")]
    hidden = sum(s.answers for s in stations if not s.shown)
    safe = hidden == 0 or hidden >= min_answers
    return EmployeeNps(*sums, shown=safe and sum(sums) >= min_answers)
