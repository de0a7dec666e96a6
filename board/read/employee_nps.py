"""Employee feedback of a period (a week, a month) per station and together, for the managers' views.

One query of the daily roll-up (each station's last reading of each class and
Helsinki day) for the period and the compared one; the rule of what may be
shown is :mod:`board.domain.employee_nps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from board.domain.employee_nps import CLASSES, EmployeeNps, period, together
from board.domain.periods import unfinished
from board.settings import Settings
from board.store import Store

ALL = "*"


@dataclass(frozen=True)
class StationEmployeeNps:
    code: str
    name: str
    now: EmployeeNps
    previous: EmployeeNps | None = None
    #: False for a period still in progress (:func:`board.domain.periods.unfinished`): no change is stated.
    comparable: bool = True

    def change(self) -> float | None:
        if not self.comparable:
            return None
        now, before = self.now.score, self.previous.score if self.previous else None
        return None if now is None or before is None else now - before


@dataclass(frozen=True)
class EmployeeReport:
    stations: list[StationEmployeeNps]
    total: StationEmployeeNps
    min_answers: int

    @property
    def rows(self) -> list[StationEmployeeNps]:
        return [*self.stations, self.total] if len(self.stations) > 1 else list(self.stations)

    @property
    def has_data(self) -> bool:
        return any(r.now.answers or (r.previous and r.previous.answers) for r in self.stations)


def employee_report(settings: Settings, store: Store, first: date, last: date,
                    stations: Sequence[str] | None = None,
                    compared: tuple[date, date] | None = None, today: date | None = None) -> EmployeeReport:
    """Employee NPS of ``first``..``last`` (and ``compared``) at ``stations`` (default all); a period reaching
    ``today`` states no change against ``compared`` (as the month view)."""
    codes = [s.code for s in settings.stations] if stations is None else list(dict.fromkeys(stations))
    known = [settings.station(c) for c in codes]
    minimum = settings.metrics.employee_nps.min_answers
    spans = [(first, last), *([compared] if compared else [])]
    days: dict[str, dict[date, dict[str, float]]] = {c: {} for c in codes}
    if codes:
        low, high = min(s[0] for s in spans), max(s[1] for s in spans)
        for code, day, metric, value in store.day_values(codes, CLASSES, low, high):
            days[code].setdefault(day, {})[metric] = value

    def of(code: str, span: tuple[date, date]) -> EmployeeNps:
        return period([v for d, v in days[code].items() if span[0] <= d <= span[1]], minimum)

    over = not unfinished(last, today)
    rows = [StationEmployeeNps(s.code, s.name, of(s.code, (first, last)), of(s.code, compared) if compared else None,
                               over) for s in known]
    total = StationEmployeeNps(ALL, "", together([r.now for r in rows], minimum),
                               together([r.previous for r in rows if r.previous], minimum) if compared else None,
                               over)
    return EmployeeReport(rows, total, minimum)
