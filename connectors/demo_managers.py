"""The demo's figures for managers: access to care (T3, visits within the care-guarantee limit, same-day
assessment) and employee feedback (henkilöstön NPS), so ``make demo`` shows them on /week and /month.

They are daily counts a region's systems state once a day, so the demo states
them once, at each day's last minute (only days that have ended by the
pull's end), and T3 on Mondays (regions publish it weekly or monthly). A pure
function of (seed, station, day), like the simulator: the same seed gives the
same numbers on every run and in every process. Counts only: no ages, no
persons, no answers.

The numbers are plausible for Kainuu, not real: about 4 non-urgent visits a
day per 1 000 inhabitants, most within 14 days, a few over three months;
nine in ten assessments of need the same day; a doctor's T3 of two to six
weeks, a nurse's of a few days, one station keeping a waiting list for its
doctor (recorded as 182 days); a couple of staff answers a day, so a small
station's week sometimes has too few answers to show.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import numpy as np

from board.domain.access_to_care import ASSESSED, ASSESSMENTS, t3_metric, visits_metric, within_metric
from board.domain.employee_nps import CLASSES
from board.domain.reading import ReadingBlock
from board.domain.timeutil import day_bounds, local_date
from connectors.simulator import StationProfile

DAILY = (visits_metric("u23"), within_metric("u23", "14d"), within_metric("u23", "3m"),
         visits_metric("23plus"), within_metric("23plus", "14d"), within_metric("23plus", "3m"),
         ASSESSMENTS, ASSESSED, *CLASSES)
T3 = (t3_metric("doctor"), t3_metric("nurse"))
COLUMNS = (*DAILY, *T3)
WAITING_LIST_DAYS = 182.0


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method (means here are small); a normal approximation above 30."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean ** 0.5)))
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def _traits(seed: int, code: str) -> tuple[float, float, float, bool]:
    """A station's own level: doctor's T3 (days), nurse's T3, share within 14 days, a waiting list for doctors."""
    rng = _rng(seed, code, "managers")
    return rng.uniform(14, 42), rng.uniform(2, 9), rng.uniform(0.55, 0.8), rng.random() < 0.15


def day_values(seed: int, profile: StationProfile, day: date) -> list[float | None]:
    """The station's values of ``day`` in :data:`COLUMNS` order (None: not stated that day)."""
    rng = _rng(seed, profile.code, day.isoformat(), "managers")
    doctor, nurse, quick, waiting_list = _traits(seed, profile.code)
    scale = profile.population / 5000
    open_day = bool(profile.hours.intervals_on(day))  # closed on weekends and holidays: no visits stated
    out: list[float | None] = []
    if open_day:
        u23 = _poisson(rng, 5 * scale)
        u23_14 = _binomial(rng, u23, min(0.97, quick + 0.15))
        u23_3m = u23_14 + _binomial(rng, u23 - u23_14, 0.85)
        adult = _poisson(rng, 15 * scale)
        adult_3m = _binomial(rng, adult, 0.94)
        adult_14 = _binomial(rng, adult_3m, quick)
        assessments = _poisson(rng, 22 * scale)
        assessed = _binomial(rng, assessments, 0.9)
        answers = _poisson(rng, 1.2 * max(1.0, scale) ** 0.5)  # a bigger station has more staff
        classes = [0, 0, 0]
        for _ in range(answers):
            x = rng.random()
            classes[0 if x < 0.38 else 1 if x < 0.78 else 2] += 1
        out += [u23, u23_14, u23_3m, adult, adult_14, adult_3m, assessments, assessed, *classes]
    else:
        out += [None] * len(DAILY)
    if day.weekday() == 0:
        out += [WAITING_LIST_DAYS if waiting_list else round(doctor + rng.uniform(-4, 4)),
                round(max(1.0, nurse + rng.uniform(-1.5, 1.5)))]
    else:
        out += [None, None]
    return [None if v is None else float(v) for v in out]


def blocks(seed: int, profiles: Iterable[StationProfile], since: datetime,
           until: datetime) -> Iterable[ReadingBlock]:
    """A block per station and run of stated values: each ended day of ``[since, until]`` at its last minute.

    A block holds one set of metrics at all its times, so a day's values are grouped by which of them
    are stated (a Monday adds T3; a closed day has T3 only, or nothing).
    """
    first, last = local_date(since), local_date(until)
    for profile in profiles:
        groups: dict[tuple[str, ...], tuple[list[datetime], list[list[float]]]] = {}
        day = first
        while day <= last:
            at = day_bounds(day)[1] - timedelta(minutes=1)
            if since <= at <= until:
                values = day_values(seed, profile, day)
                metrics = tuple(m for m, v in zip(COLUMNS, values, strict=True) if v is not None)
                if metrics:
                    times, rows = groups.setdefault(metrics, ([], []))
                    times.append(at.astimezone(UTC))
                    rows.append([v for v in values if v is not None])
            day += timedelta(days=1)
        for metrics, (times, rows) in groups.items():
            yield ReadingBlock(profile.code, metrics, tuple(times), np.asarray(rows, dtype=np.float64))
