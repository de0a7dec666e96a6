"""Figures judged once per build and shared by the stations (``build_tiles(judged=…)``, the overview's 900 rows):
every station's tiles are exactly what it gets judged on its own, whatever the other stations judged before it.

Stations made as a region's are: mostly small counts that repeat from station to station, some stale, some
closed, a few with their own limits, values as the sources write them (floats, an integer typed by hand, a
zero that came out negative), the same-day share with and without callbacks waiting, and samples on both sides
of the minimum. The truth is each station judged alone (no sharing); the comparison is by ``repr`` too, which
tells 1 from 1.0 and 0.0 from -0.0 where ``==`` does not.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from board.domain.figures import METRICS, WALL_FAMILIES, metrics_of
from board.domain.snapshot import Latest, build_tiles
from board.domain.status import Threshold

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 11.00 Helsinki
DAY_START = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
REGION = {
    "queue_waiting": Threshold(10, 20),
    "queue_oldest_wait_min": Threshold(60, 120),
    "queue_same_day_share": Threshold(0.95, 0.85, "lower_is_worse"),
    "omasote_unanswered": Threshold(5, 10),
    "feedback_nps": Threshold(20, 0, "lower_is_worse"),
    "contacts_remote_share": Threshold(0.45, 0.3, "lower_is_worse"),
}
OWN = {**REGION, "queue_waiting": Threshold(3, 6), "feedback_nps": Threshold(40, 10, "lower_is_worse")}
WALL_METRICS = [m for f in WALL_FAMILIES for m in metrics_of(f) if m in METRICS]
MIN_SAMPLE = {"queue_same_day_share": 5, "feedback_nps": 3, "contacts_remote_share": 10}
TARGETS = {"queue_same_day_share": 1.0, "contacts_remote_share": 0.45}


def _value(rnd: random.Random) -> float | int:
    pick = rnd.random()
    if pick < 0.45:
        return 0.0  # most counts of a quiet station
    if pick < 0.5:
        return -0.0  # a difference of two equal floats, as a source may compute it
    if pick < 0.55:
        return rnd.randint(0, 4)  # a figure typed by hand: an integer
    return float(rnd.choice([1, 2, 3, 5, 8, 12, 25, 40]))


def _station(rnd: random.Random) -> dict[str, Latest]:
    out = {}
    for m in WALL_METRICS:
        if rnd.random() < 0.1:
            continue  # not delivered
        age = rnd.choice([1, 1, 1, 10, 90, 60 * 30])  # fresh, older than the 5-min limit, from yesterday
        out[m] = Latest(NOW - timedelta(minutes=age), _value(rnd), rnd.choice(["demo", "demo", "other"]))
    return out


def test_shared_judgements_are_each_stations_own() -> None:
    rnd = random.Random(17)
    judged: dict = {}
    shared_hits = 0
    for _ in range(600):
        kw = dict(now=NOW, day_start=DAY_START, is_open=rnd.random() < 0.8,
                  thresholds=dict(OWN if rnd.random() < 0.1 else REGION), targets=TARGETS,
                  stale_after={"demo": timedelta(minutes=5), "other": timedelta(hours=2)}, min_sample=MIN_SAMPLE)
        latest = _station(rnd)
        before = len(judged)
        alone = build_tiles(latest, **kw)
        together = build_tiles(latest, **kw, judged=judged)
        assert together == alone
        assert repr(together) == repr(alone)
        shared_hits += sum(1 + len(t.figures) for t in alone) - (len(judged) - before)
    assert shared_hits > 5000  # the sharing was exercised, not bypassed
