"""Access to care (hoitoon pääsy) against the care guarantee: the rules by date, and a period judged by them.

Three figures, each from what a source states per station and Helsinki day
(the stored metrics are declared in :mod:`board.domain.figures`):

* **T3** per profession: the third free non-urgent appointment in days, the
  median over the station's booking calendars as the region reports it (THL's
  2020 recommendation). A unit that keeps a waiting-list book instead of
  offerable times is recorded with the cap (182 days): such a value is not a
  measured wait, so it is marked as the cap ("≥ 182 vrk, jonotuslista") and
  over several stations it is simply the longest. A period's T3 is the last
  value stated up to its end (regions publish it monthly), with its date.
* **Share of non-urgent visits within the care-guarantee limit**: a source
  counts, per day and age group (under 23, 23 and over — counts only, no ages
  or persons), the non-urgent visits realised and how many of them came within
  each wait the law has used (14 days, 3 months). Which of those counts is
  "within the limit" is the rule in force **on the visit's day**, from dated
  configuration (``config/care_guarantee.yaml``), never code: 14 days for
  everyone from 1.9.2023 (terveydenhuoltolaki 51 §, HE 55/2023), from 1.1.2025
  three months for people aged 23 and over and 14 days under 23 (HE 134/2024).
  A period that spans a change is judged per rule for its own days: the
  result keeps a part per rule (:class:`RulePart`), and the overall share is
  the sum of the parts' within-limit visits over their visits — never a
  mean of shares. Days before the first rule are not judged.
* **Same-day contact and assessment of need** (the law since 1.9.2023): of
  the contacts that needed an assessment, the share assessed the same day.

Pure functions of dates and counts: :mod:`board.read.access_to_care` reads the
store and calls them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Literal

from board.domain.figures import AGE_GROUPS, T3_PROFESSIONS, WAIT_BUCKETS

LimitUnit = Literal["days", "months"]
#: What a day's raw values look like: stored metric code -> the day's last reading (a missing key: no data).
Raw = Mapping[str, float]

ASSESSMENTS, ASSESSED = "access_assessments_today", "access_assessed_same_day_today"


def t3_metric(profession: str) -> str:
    return f"access_t3_{profession}_d"


def visits_metric(group: str) -> str:
    return f"access_nonurgent_{group}_today"


def within_metric(group: str, bucket: str) -> str:
    return f"access_nonurgent_{group}_within_{bucket}_today"


#: Every daily count a period is judged from.
DAILY_COUNTS = (*(visits_metric(g) for g in AGE_GROUPS),
                *(within_metric(g, b) for g in AGE_GROUPS for b in WAIT_BUCKETS), ASSESSMENTS, ASSESSED)
T3_METRICS = tuple(t3_metric(p) for p in T3_PROFESSIONS)


@dataclass(frozen=True)
class Limit:
    """A care-guarantee limit: ``14 days`` or ``3 months`` (a visit within it, counted by the source)."""

    amount: int
    unit: LimitUnit

    @property
    def bucket(self) -> str:
        """The source's count this limit reads: ``14d``, ``3m`` (:data:`board.domain.figures.WAIT_BUCKETS`)."""
        return f"{self.amount}{self.unit[0]}"

    @classmethod
    def parse(cls, text: str) -> Limit:
        """``14 days`` / ``3 months`` -> Limit; ValueError naming the waits sources count otherwise."""
        parts = str(text).split()
        if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in ("day", "days", "month", "months"):
            raise ValueError(f"a limit is like '14 days' or '3 months', got {text!r}")
        limit = cls(int(parts[0]), "days" if parts[1].startswith("day") else "months")
        if limit.bucket not in WAIT_BUCKETS:
            known = ", ".join(f"{b[:-1]} {'days' if b.endswith('d') else 'months'}" for b in WAIT_BUCKETS)
            raise ValueError(f"sources count visits within {known} only, not {text!r} "
                             "(a new limit needs a new count: board/domain/figures.py WAIT_BUCKETS)")
        return limit


@dataclass(frozen=True)
class CareRule:
    """One care-guarantee rule: in force from ``start`` until the next rule's start."""

    start: date
    #: Age group (``u23``, ``23plus``) -> its limit.
    limits: Mapping[str, Limit]
    #: The legal basis in a few words, shown with the rule ("HE 134/2024").
    basis: str = ""

    def same_limits(self) -> Limit | None:
        """The one limit when every age group has it (14 days for all before 2025), else None."""
        limits = set(self.limits.values())
        return limits.pop() if len(limits) == 1 else None


@dataclass(frozen=True)
class CareGuarantee:
    """The dated rules (oldest first), the T3 professions shown and the waiting-list cap."""

    rules: tuple[CareRule, ...] = ()
    professions: tuple[str, ...] = ("doctor", "nurse")
    waiting_list_days: int = 182

    def rule_on(self, day: date) -> CareRule | None:
        """The rule in force on ``day`` (None before the first)."""
        current = None
        for rule in self.rules:
            if rule.start <= day:
                current = rule
        return current


@dataclass(frozen=True)
class GroupCount:
    """One age group's non-urgent visits of some days, and how many of them came within the limit."""

    visits: float = 0.0
    within: float = 0.0

    def __add__(self, other: GroupCount) -> GroupCount:
        return GroupCount(self.visits + other.visits, self.within + other.within)

    @property
    def share(self) -> float | None:
        return self.within / self.visits if self.visits else None


@dataclass(frozen=True)
class RulePart:
    """The days of a period judged by one rule (None: days before any rule), with the counts per age group."""

    rule: CareRule | None
    first: date
    last: date
    #: Age group -> its counts; only groups with data on some day of the part.
    groups: Mapping[str, GroupCount] = field(default_factory=dict)

    @property
    def total(self) -> GroupCount:
        return sum(self.groups.values(), GroupCount())

    @property
    def share(self) -> float | None:
        return self.total.share if self.rule is not None else None


@dataclass(frozen=True)
class T3Value:
    """A profession's T3: days, the day it was stated, and whether it is the waiting-list cap."""

    days: float
    stated: date
    capped: bool


@dataclass(frozen=True)
class AccessFigures:
    """A period's access to care at one station (or several together)."""

    parts: tuple[RulePart, ...]
    t3: Mapping[str, T3Value] = field(default_factory=dict)
    assessments: float | None = None
    assessed_same_day: float | None = None

    # ``judged`` and ``within`` are kept once computed (the figures are frozen): the access table asks each row
    # for them ~8 times (its shares, each age group, the visits), 900 stations' rows and their compared ones.
    @cached_property
    def judged(self) -> tuple[RulePart, ...]:
        """The parts a rule applies to."""
        return tuple(p for p in self.parts if p.rule is not None)

    @property
    def spans_change(self) -> bool:
        """True when the period's days fall under more than one rule: the view must say each part's rule."""
        return len(self.judged) > 1

    @cached_property
    def within(self) -> GroupCount:
        """Visits and within-limit visits of the judged days, each day by its own rule."""
        return sum((p.total for p in self.judged), GroupCount())

    @property
    def within_share(self) -> float | None:
        return self.within.share

    def group(self, group: str) -> GroupCount | None:
        """One age group over the judged days (None when no day has it)."""
        counts = [p.groups[group] for p in self.judged if group in p.groups]
        return sum(counts, GroupCount()) if counts else None

    @property
    def same_day_share(self) -> float | None:
        if self.assessed_same_day is None or not self.assessments:
            return None
        return self.assessed_same_day / self.assessments

    @property
    def has_data(self) -> bool:
        return bool(self.t3) or self.assessments is not None or any(p.groups for p in self.parts)


def rule_parts(days: Sequence[date], guarantee: CareGuarantee) -> list[tuple[CareRule | None, list[date]]]:
    """The period's days (in order) split into runs under the same rule."""
    out: list[tuple[CareRule | None, list[date]]] = []
    for day in days:
        rule = guarantee.rule_on(day)
        if out and out[-1][0] is rule:
            out[-1][1].append(day)
        else:
            out.append((rule, [day]))
    return out


def judge_period(days: Mapping[date, Raw], period: Sequence[date], guarantee: CareGuarantee,
                 t3_history: Iterable[tuple[date, str, float]] = (),
                 runs: Sequence[tuple[CareRule | None, list[date]]] | None = None) -> AccessFigures:
    """One station's access to care over ``period`` (its days in order) from its raw days.

    ``days``: day -> the day's last reading of each daily count (:data:`DAILY_COUNTS`); a day or a count
    that is missing is "no data", never 0. Each day's within-limit visits are the count of the wait its
    rule sets for the age group. ``t3_history``: ``(day, metric, value)`` of T3 readings up to the period's
    end (earlier ones too: T3 is stated monthly); each profession's latest is the period's. ``runs``:
    :func:`rule_parts` of ``period``, when the caller judges many stations over the same period (the same for
    each; 900 stations' days each looked up the rule again).
    """
    parts = []
    for rule, run in rule_parts(period, guarantee) if runs is None else runs:
        sums: dict[str, list[float]] = {}  # group -> [visits, within], added up as GroupCount would
        # each group's counts under this rule, named once for the run (the days' loop ran 38 000 times at 900)
        read = [(group, visits_metric(group),
                 None if rule is None else within_metric(group, rule.limits[group].bucket)) for group in AGE_GROUPS]
        for raw in map(days.get, run):
            if not raw:
                continue
            for group, visits_code, within_code in read:
                visits = raw.get(visits_code)
                # a day without the count its rule reads is not judged (never taken as 0)
                within = 0.0 if within_code is None else raw.get(within_code)
                if visits is None or within is None:
                    continue
                acc = sums.get(group)  # (_add inlined: 900 stations' two periods are ~22 000 additions)
                if acc is None:
                    sums[group] = [0.0 + visits, 0.0 + within]
                else:
                    acc[0] += visits
                    acc[1] += within
        parts.append(RulePart(rule, run[0], run[-1], _counts(sums)))
    present = [raw for raw in map(days.get, period) if raw]  # (a day without readings has neither count)
    assessments = _sum([raw.get(ASSESSMENTS) for raw in present])
    assessed = _sum([raw.get(ASSESSED) for raw in present])
    return AccessFigures(tuple(parts), latest_t3(t3_history, period[-1], guarantee), assessments, assessed)


def latest_t3(history: Iterable[tuple[date, str, float]], until: date,
              guarantee: CareGuarantee) -> dict[str, T3Value]:
    """Each shown profession's latest T3 stated on or before ``until``."""
    wanted = {t3_metric(p): p for p in guarantee.professions}
    out: dict[str, T3Value] = {}
    for day, metric, value in sorted(history):
        profession = wanted.get(metric)
        if profession is not None and day <= until:
            out[profession] = T3Value(value, day, value >= guarantee.waiting_list_days)
    return {p: out[p] for p in guarantee.professions if p in out}


def combine(stations: Sequence[AccessFigures]) -> AccessFigures:
    """Several stations' figures of the same period together: counts summed part by part (each part keeps its
    rule), T3 the longest of the stations' (a median of the stations' medians would not be the region's
    median over calendars either; the longest is the one a manager must answer for), dated by its own."""
    if not stations:
        return AccessFigures(())
    parts = []
    for same in zip(*(s.parts for s in stations), strict=True):
        sums: dict[str, list[float]] = {}
        for part in same:
            for group, count in part.groups.items():
                _add(sums, group, count.visits, count.within)
        parts.append(RulePart(same[0].rule, same[0].first, same[0].last, _counts(sums)))
    t3: dict[str, T3Value] = {}
    for s in stations:
        for profession, value in s.t3.items():
            if profession not in t3 or value.days > t3[profession].days:
                t3[profession] = value
    order = [p for s in stations for p in s.t3]
    return AccessFigures(tuple(parts), {p: t3[p] for p in dict.fromkeys(order)},
                         _sum(s.assessments for s in stations), _sum(s.assessed_same_day for s in stations))


def _add(sums: dict[str, list[float]], group: str, visits: float, within: float) -> None:
    """Add one count to a group's running sums: ``GroupCount() + GroupCount(visits, within) + …`` without a
    frozen object per addition (900 stations' days made 54 000 of them: 0.1 s of CPU)."""
    acc = sums.get(group)
    if acc is None:
        sums[group] = [0.0 + visits, 0.0 + within]
    else:
        acc[0] += visits
        acc[1] += within


def _counts(sums: dict[str, list[float]]) -> dict[str, GroupCount]:
    return {group: GroupCount(visits, within) for group, (visits, within) in sums.items()}


def _sum(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None
