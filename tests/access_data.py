"""Plausible access-to-care reports for browser tests and previews: what a region's daily report and monthly
T3 export would hold for a station (counts only), a deterministic function of the station and the day."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from board.domain.reading import Reading
from board.domain.timeutil import at_local


def access_readings(stations: list[str], first: date, last: date) -> list[Reading]:
    """Each weekday's non-urgent visits by age group and wait, the assessments, and T3 on the 1st of the month
    before ``first`` (as regions publish it); weekends have no visits."""
    out: list[Reading] = []
    for n, code in enumerate(stations):
        rng = random.Random(f"{code}-{first}")
        size = 12 + 9 * n
        day = first
        while day <= last:
            if day.weekday() < 5:
                ts = at_local(day, time(23, 59))
                for group, share in (("u23", 0.25), ("23plus", 0.75)):
                    visits = max(1, round(size * share * rng.uniform(0.7, 1.3)))
                    within_14 = round(visits * rng.uniform(0.55 if group == "23plus" else 0.75, 0.97))
                    within_3m = max(within_14, round(visits * rng.uniform(0.9, 1.0)))
                    for suffix, value in (("", visits), ("_within_14d", within_14), ("_within_3m", within_3m)):
                        out.append(Reading(code, f"access_nonurgent_{group}{suffix}_today", ts, float(value)))
                assessments = round(size * 4 * rng.uniform(0.8, 1.2))
                out.append(Reading(code, "access_assessments_today", ts, float(assessments)))
                out.append(Reading(code, "access_assessed_same_day_today", ts,
                                   float(round(assessments * rng.uniform(0.88, 1.0)))))
            day += timedelta(days=1)
        stated = at_local((first - timedelta(days=1)).replace(day=1), time(8))
        doctor = 182.0 if code == "ristijarvi" else float(rng.randint(9, 60))
        out += [Reading(code, "access_t3_doctor_d", stated, doctor),
                Reading(code, "access_t3_nurse_d", stated, float(rng.randint(1, 12)))]
    return out
