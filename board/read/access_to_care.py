"""Access to care of a period (a week, a month, any range of days) for the manager's views and exports.

Reads the daily roll-up (``Store.day_values``: each station's last reading of each
metric and Helsinki day) and judges it with :mod:`board.domain.access_to_care`.
Two queries: the period's (and the compared period's) daily counts, and the
T3 values stated in the :data:`T3_LOOKBACK` days before the period's end
(regions publish T3 monthly, so a week usually has none of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from board.domain.access_to_care import (
    DAILY_COUNTS,
    T3_METRICS,
    AccessFigures,
    CareGuarantee,
    CareRule,
    combine,
    judge_period,
    rule_parts,
)
from board.domain.periods import unfinished
from board.settings import Settings
from board.store import Store

#: How far back a period's T3 may have been stated: a monthly figure, with a month's slack for a late report.
T3_LOOKBACK = timedelta(days=62)
ALL = "*"


def days_of(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


class JudgedDays(Mapping[date, AccessFigures]):
    """Each day of a period judged alone, judged when first read.

    Only the exports' daily rows read them, when a file is asked for; the pages
    show the period's figures. At 900 stations a week's days are 6 300
    judgements, ~0.3 s of CPU on every cold page run (docs/PERFORMANCE.md, 7b),
    for a download few runs make. The report is shared between sessions
    (``shared_report``): two sessions reading at once may both judge, with the
    same result, and the first to finish is kept.
    """

    def __init__(self, days: Sequence[date], judge: Callable[[date], AccessFigures]) -> None:
        self._days, self._judge = list(days), judge
        self._judged: dict[date, AccessFigures] | None = None

    def _all(self) -> dict[date, AccessFigures]:
        if self._judged is None:
            self._judged = {d: self._judge(d) for d in self._days}
        return self._judged

    def __getitem__(self, day: date) -> AccessFigures:
        return self._all()[day]

    def __iter__(self) -> Iterator[date]:
        return iter(self._days)

    def __len__(self) -> int:
        return len(self._days)

    def __repr__(self) -> str:
        return repr(self._all())

    def __reduce__(self) -> tuple[type, tuple[dict[date, AccessFigures]]]:
        """Pickled (``st.cache_data``, the monthly page's cache) as the plain dict of every day judged: the
        judging closure cannot be pickled."""
        return dict, (self._all(),)


@dataclass(frozen=True)
class StationAccess:
    code: str
    name: str
    figures: AccessFigures
    #: The compared period's figures (None when none was asked for).
    previous: AccessFigures | None = None
    #: Each day of the period judged alone (for the exports' daily rows; :class:`JudgedDays` judges them when
    #: first read).
    days: Mapping[date, AccessFigures] = field(default_factory=dict)
    #: False for a period still in progress (:func:`board.domain.periods.unfinished`): no change is stated.
    comparable: bool = True

    @property
    def compared_with(self) -> AccessFigures | None:
        """The compared period's figures to state a change against: None when there is none or the period is
        still in progress (its days so far against a whole month)."""
        return self.previous if self.comparable else None


#: The exports' columns of access to care (before the T3 columns, one per profession shown), and their units.
COLUMNS = {"access_within_limit_share": "share", "access_within_limit_u23_share": "share",
           "access_within_limit_23plus_share": "share", "access_nonurgent_visits": "count",
           "access_same_day_assessment_share": "share"}


def values(figures: AccessFigures | None, professions: Sequence[str]) -> dict[str, float | None]:
    """A period's access to care as the exports' columns (``access_t3_doctor``: T3 in days)."""
    if figures is None:
        return {}
    u23, adult = figures.group("u23"), figures.group("23plus")
    out: dict[str, float | None] = {
        "access_within_limit_share": figures.within_share,
        "access_within_limit_u23_share": u23.share if u23 else None,
        "access_within_limit_23plus_share": adult.share if adult else None,
        "access_nonurgent_visits": figures.within.visits if figures.judged and figures.within.visits else None,
        "access_same_day_assessment_share": figures.same_day_share,
    }
    for p in professions:
        value = figures.t3.get(p)
        out[f"access_t3_{p}"] = value.days if value else None
    return out


@dataclass(frozen=True)
class AccessReport:
    first: date
    last: date
    stations: list[StationAccess]
    total: StationAccess
    guarantee: CareGuarantee
    within_limit_target: float | None = None
    same_day_target: float | None = None
    compared: tuple[date, date] | None = None

    @property
    def rows(self) -> list[StationAccess]:
        return [*self.stations, self.total] if len(self.stations) > 1 else list(self.stations)

    @property
    def has_data(self) -> bool:
        return any(r.figures.has_data for r in self.stations)

    @property
    def professions(self) -> tuple[str, ...]:
        return self.guarantee.professions

    @property
    def columns(self) -> dict[str, str]:
        """The exports' columns and their units: :data:`COLUMNS` and a T3 column per profession shown."""
        return COLUMNS | {f"access_t3_{p}": "d" for p in self.professions}

    def row(self, code: str) -> StationAccess | None:
        return next((r for r in self.rows if r.code == code), None)

    def targets(self) -> dict[str, float | None]:
        return {"access_within_limit_share": self.within_limit_target,
                "access_same_day_assessment_share": self.same_day_target}


@dataclass
class _Days:
    counts: dict[str, dict[date, dict[str, float]]] = field(default_factory=dict)
    t3: dict[str, list[tuple[date, str, float]]] = field(default_factory=dict)


def access_report(settings: Settings, store: Store, first: date, last: date,
                  stations: Sequence[str] | None = None,
                  compared: tuple[date, date] | None = None, today: date | None = None) -> AccessReport:
    """Access to care at ``stations`` (default all) from ``first`` to ``last`` (Helsinki days, inclusive),
    and over ``compared`` (the previous week or month, the same month a year earlier) when given.
    Unknown station codes raise KeyError. ``today``: a period reaching it states no change (as the month view)."""
    if last < first:
        raise ValueError(f"the period ends ({last}) before it begins ({first})")
    codes = [s.code for s in settings.stations] if stations is None else list(dict.fromkeys(stations))
    known = [settings.station(c) for c in codes]
    guarantee = settings.care_guarantee
    periods = [(first, last), *([compared] if compared else [])]
    data = _Days({c: {} for c in codes}, {c: [] for c in codes})
    if codes:
        low, high = min(p[0] for p in periods), max(p[1] for p in periods)
        for code, day, metric, value in store.day_values(codes, DAILY_COUNTS, low, high):
            data.counts[code].setdefault(day, {})[metric] = value
        t3_low = min(p[1] for p in periods) - T3_LOOKBACK
        for code, day, metric, value in store.day_values(codes, T3_METRICS, t3_low, high):
            data.t3[code].append((day, metric, value))

    runs: dict[tuple[date, date], tuple[list[date], list[tuple[CareRule | None, list[date]]]]] = {}

    def judged(code: str, period: tuple[date, date]) -> AccessFigures:
        if period not in runs:  # the same for every station: the days and their rules found once per period
            days = days_of(*period)
            runs[period] = (days, rule_parts(days, guarantee))
        days, parts = runs[period]
        return judge_period(data.counts[code], days, guarantee,
                            [h for h in data.t3[code] if h[0] >= period[1] - T3_LOOKBACK], parts)

    def one_day(code: str) -> Callable[[date], AccessFigures]:
        return lambda d: judged(code, (d, d))

    period = days_of(first, last)
    over = not unfinished(last, today)
    rows = [StationAccess(s.code, s.name, judged(s.code, (first, last)),
                          judged(s.code, compared) if compared else None,
                          JudgedDays(period, one_day(s.code)), over) for s in known]
    total = StationAccess(ALL, "", combine([r.figures for r in rows]),
                          combine([r.previous for r in rows if r.previous]) if compared else None,
                          JudgedDays(period, lambda d: combine([r.days[d] for r in rows])), over)
    targets = settings.metrics.targets
    return AccessReport(first, last, rows, total, guarantee, settings.care_file.within_limit_target,
                        targets.get("access_same_day_assessment_share"), compared)
