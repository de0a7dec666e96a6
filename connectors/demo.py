"""The demo connector: the simulator behind the ordinary connector contract.

It emits one reading per metric per station on a fixed grid: every
``live_step_seconds`` for the newest day, every ``history_step_minutes`` for
older days plus each day's last minute (so daily totals are exact). Newest
days come first, so on a first start the wall has today's numbers within
seconds while the eight weeks of history are still loading.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from board.domain.reading import Reading, Rejected
from board.domain.timeutil import day_bounds, ensure_utc, local_date
from board.settings import DemoSource, Settings, Station
from connectors.base import CheckResult
from connectors.simulator import COLUMNS, Simulator, StationProfile

DEFAULT_POPULATION = 5000


class DemoConnector:
    def __init__(self, source: DemoSource, stations: list[Station], settings: Settings) -> None:
        self.name = source.name
        self.source = source
        profiles = [
            StationProfile(s.code, s.population or DEFAULT_POPULATION, settings.opening_hours(s.code))
            for s in stations
        ]
        self.sim = Simulator(source.seed, profiles)
        self.codes = [p.code for p in profiles]

    def pull(self, since: datetime | None, until: datetime) -> Iterator[Reading | Rejected]:
        until = ensure_utc(until)
        if since is None:
            since = until - timedelta(days=self.source.backfill_days)
        since = ensure_utc(since)
        if since > until:
            return
        newest = local_date(until)
        day = newest
        while day >= local_date(since):
            step = (timedelta(seconds=self.source.live_step_seconds) if day == newest
                    else timedelta(minutes=self.source.history_step_minutes))
            for code in self.codes:
                yield from self._day_readings(code, day, step, since, until)
            day -= timedelta(days=1)

    def _day_readings(self, code: str, day, step: timedelta, since: datetime, until: datetime) -> Iterator[Reading]:  # type: ignore[no-untyped-def]
        start, end = day_bounds(day)
        lo, hi = max(start, since), min(end - timedelta(minutes=1), until)
        if lo > hi:
            return
        # Grid points aligned to the day start, plus the day's last minute.
        first = start + step * -(-int((lo - start).total_seconds()) // int(step.total_seconds()))
        stamps: list[datetime] = []
        t = first
        while t <= hi:
            stamps.append(t)
            t += step
        last_minute = end - timedelta(minutes=1)
        if lo <= last_minute <= hi and (not stamps or stamps[-1] != last_minute):
            stamps.append(last_minute)
        if not stamps:
            return
        series = self.sim.day(code, day)
        for ts in stamps:
            minute = int((ts - start).total_seconds() // 60)
            row = series.values[minute]
            for i, metric in enumerate(COLUMNS):
                yield Reading(code, metric, ts, float(row[i]))

    def check(self, until: datetime) -> CheckResult:
        try:
            first = next(iter(self.pull(until - timedelta(minutes=5), until)), None)
        except Exception as e:  # pragma: no cover - the simulator has no failure modes worth a test
            return CheckResult(False, "error", f"simulator failed: {e}")
        if first is None:
            return CheckResult(False, "data", "the simulator produced no readings for the last 5 minutes")
        return CheckResult(True, "ok", f"simulating {len(self.codes)} stations (seed {self.source.seed})")


__all__ = ["DemoConnector", "Rejected"]
