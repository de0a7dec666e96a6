"""Projection backtest: the end-of-day queue projected at 10, 12 and 14 against the real closing queue.

Over the simulator's history (generated directly: the same numbers the demo
source stores), every open station-day that is not a public holiday and has
enough comparable days is projected from 10.00, 12.00 and 14.00 (Helsinki)
with what the board would know then: today's readings every
``today_step_seconds`` (the demo's live resolution, 60 s) up to that moment,
and the comparable days (the same weekday in the ``weeks`` weeks before,
holidays left out) at ``history_step_minutes`` (the stored history's
resolution, 30 min, plus each day's last minute). Rolling origins: each
projection sees only its past.

Each projection is compared with the queue at closing time, side by side
with two naive baselines:

* **persistence**: the queue stays as it is now;
* **seasonal naive**: the closing queue of the same weekday last week.

Figures per origin hour: mean absolute error, and the coverage of each
method's 80 % band (for the baselines: the baseline plus the 10th-90th
percentiles of its own errors on the comparable days, the usual empirical
interval of a naive forecast). The method must beat both baselines' MAE at
every hour; its band should hold the real closing queue about 80 % of the
time. The cost per station is the CPU time of learning the usual day and of
one projection, measured apart.

Station-days scored: those where all three forecasts exist (the seasonal
naive needs last week's same weekday to have been a working day).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from bench.common import Figure, Goal, Options, Result, log, stations

NAME = "projection"
DESCRIPTION = "backtest of the end-of-day queue projection at 10, 12 and 14 against persistence and seasonal naive"
HOURS = (10, 12, 14)
#: The band's nominal coverage; the goal: never more than this much below it (overconfident).
NOMINAL = 0.80
COVERAGE_TOLERANCE = 0.10
#: One projection's CPU time, per station per refresh, against the wall's refresh (docs/PERFORMANCE.md row 2: 8.0 ms).
COST_GOAL_MS = 2.0


@dataclass
class Scores:
    """Absolute errors and band hits of one method at one origin hour."""

    errors: list[float] = field(default_factory=list)
    hits: list[float] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)

    def add(self, point: float, low: float, high: float, actual: float) -> None:
        self.errors.append(abs(point - actual))
        self.hits.append(1.0 if low - 1e-9 <= actual <= high + 1e-9 else 0.0)
        self.widths.append(high - low)

    def mae(self) -> float:
        return float(np.mean(self.errors)) if self.errors else float("nan")

    def coverage(self) -> float:
        return float(np.mean(self.hits)) if self.hits else float("nan")


def run(opts: Options, result: Result) -> None:
    from bench.common import write_config
    from board.domain import projection as pj
    from board.domain.holidays import holiday_name
    from board.settings import load_settings
    from connectors.simulator import Simulator, StationProfile

    n_stations = opts.get(NAME, "stations", 30, 4)
    n_days = opts.get(NAME, "days", 364, 21)
    seed = opts.get(NAME, "seed", 2026)
    end = date.fromisoformat(opts.get(NAME, "end", "2026-11-29"))
    today_step = opts.get(NAME, "today_step_seconds", 60)
    history_step = opts.get(NAME, "history_step_minutes", 30)
    weeks = opts.get(NAME, "weeks", pj.HISTORY_WEEKS)
    samples = opts.get(NAME, "samples", pj.SAMPLES)
    result.params.update(stations=n_stations, days=n_days, seed=seed, last_day=end.isoformat(), hours=list(HOURS),
                         today_step_seconds=today_step, history_step_minutes=history_step, weeks=weeks,
                         samples=samples, band=list(pj.BAND), grid_minutes=pj.GRID_MINUTES)

    config = write_config(opts.workdir / "config", n_stations, [])
    settings = load_settings(config, "sqlite://")
    profiles = [StationProfile(s.code, s.population or 5000, settings.opening_hours(s.code)) for s in settings.stations]
    sim = Simulator(seed, profiles)
    first = end - timedelta(days=n_days - 1)
    source = SimulatedDays(sim, today_step, history_step)

    methods = ("projection", "persistence", "seasonal_naive", "open_pace")
    scores = {(m, h): Scores() for m in methods for h in HOURS}
    shares = {(m, h): Scores() for m in methods[:3] for h in HOURS}
    per_station: dict[str, dict[str, Scores]] = {}
    skipped = {"closed": 0, "holiday": 0, "few_days": 0, "no_last_week": 0}
    cost_profile: list[float] = []
    cost_project: list[float] = []
    t0 = time.monotonic()
    for st in settings.stations:
        hours = settings.opening_hours(st.code)
        station_scores = per_station.setdefault(st.code, {m: Scores() for m in methods})
        for i in range(n_days):
            day = first + timedelta(days=i)
            if holiday_name(day):
                skipped["holiday"] += 1
                continue
            opening = hours.span_on(day)
            if opening is None:
                skipped["closed"] += 1
                continue
            opens, closes = opening
            history = pj.comparable_days(day, lambda d, h=hours, today=day: h.comparable(today, d), weeks=weeks)
            if not history or history[0] != day - timedelta(days=7):
                skipped["no_last_week"] += 1
                continue
            past = [source.history(st.code, d) for d in history]
            c = time.process_time()
            profile = pj.build_profile(past, opens, closes)
            cost_profile.append(time.process_time() - c)
            if isinstance(profile, pj.NoProjection):
                skipped["few_days"] += 1
                continue
            today = source.today(st.code, day)
            actual = float(np.interp(closes, today.clock, today.waiting))
            actual_share = _share_at(today, closes)
            last_week_share = _share_at(past[0], closes)
            for hour in HOURS:
                origin = hour * 60
                if not opens <= origin < closes:
                    continue
                c = time.process_time()
                p = pj.project(today, profile, origin, opens, closes, samples=samples)
                cost_project.append(time.process_time() - c)
                assert isinstance(p, pj.Projection), p
                known = today.until(origin)
                now_queue = float(known.waiting[-1])
                _score(scores, station_scores, "projection", hour, p.queue, p.queue_low, p.queue_high, actual)
                err_p = _residuals(past, origin, closes, persistence=True)
                _score(scores, station_scores, "persistence", hour, now_queue, *_band(now_queue, err_p), actual)
                last_week = profile.closing_queues[0]
                err_s = _residuals(past, origin, closes, persistence=False)
                _score(scores, station_scores, "seasonal_naive", hour, last_week, *_band(last_week, err_s), actual)
                q = pj.project(today, profile, origin, opens, closes, samples=samples, pace="open")
                _score(scores, station_scores, "open_pace", hour, q.queue, q.queue_low, q.queue_high, actual)
                share_now = _share_at(known, origin)
                if None not in (actual_share, share_now, last_week_share, p.same_day_share):
                    shares[("projection", hour)].add(p.same_day_share, p.share_low, p.share_high, actual_share)
                    shares[("persistence", hour)].add(share_now, share_now, share_now, actual_share)
                    shares[("seasonal_naive", hour)].add(last_week_share, last_week_share, last_week_share,
                                                         actual_share)
    log(f"{len(cost_project)} projections in {time.monotonic() - t0:.0f} s; skipped station-days: {skipped}")

    for hour in HOURS:
        mine, pers, seas, open_pace = (scores[(m, hour)] for m in methods)
        n = len(mine.errors)
        result.add(
            Figure(f"mae_projection_{hour}", "callbacks", [mine.mae()],
                   Goal("value", "<=", min(pers.mae(), seas.mae()),
                        f"below both baselines ({pers.mae():.2f}, {seas.mae():.2f})"),
                   note=f"{n} station-days"),
            Figure(f"mae_persistence_{hour}", "callbacks", [pers.mae()], note=f"{n} station-days"),
            Figure(f"mae_seasonal_naive_{hour}", "callbacks", [seas.mae()], note=f"{n} station-days"),
            Figure(f"coverage_projection_{hour}", "share", [mine.coverage()], Goal(
                "value", ">=", NOMINAL - COVERAGE_TOLERANCE, f"an {NOMINAL:.0%} band: at least "
                f"{NOMINAL - COVERAGE_TOLERANCE:.0%} (never overconfident)")),
            Figure(f"coverage_persistence_{hour}", "share", [pers.coverage()]),
            Figure(f"coverage_seasonal_naive_{hour}", "share", [seas.coverage()]),
            Figure(f"width_projection_{hour}", "callbacks", [float(np.mean(mine.widths))],
                   note="mean width of the band (high - low)"),
            Figure(f"mae_open_pace_{hour}", "callbacks", [open_pace.mae()],
                   note="the same model with today's rate over all open minutes (pace='open'), not the busy ones"),
            Figure(f"coverage_open_pace_{hour}", "share", [open_pace.coverage()]),
        )
        sp, sn, ss = (shares[(m, hour)] for m in methods[:3])
        result.add(
            Figure(f"share_mae_projection_{hour}", "pp", [100 * sp.mae()], Goal(
                "value", "<=", 100 * min(sn.mae(), ss.mae()), "below both baselines"),
                note=f"same-day share at the end of the day, {len(sp.errors)} station-days with callbacks handled"),
            Figure(f"share_mae_persistence_{hour}", "pp", [100 * sn.mae()]),
            Figure(f"share_mae_seasonal_naive_{hour}", "pp", [100 * ss.mae()]),
            Figure(f"share_coverage_projection_{hour}", "share", [sp.coverage()]),
        )
    result.add(
        Figure("cost_project_ms", "ms", [x * 1000 for x in cost_project], Goal("median", "<=", COST_GOAL_MS),
               note="CPU time of one projection (one station at one moment)"),
        Figure("cost_profile_ms", "ms", [x * 1000 for x in cost_profile],
               note="CPU time of learning one station's usual day (once per station and day)"),
    )
    for code, s in per_station.items():
        result.notes.append(f"{code}: MAE projection {s['projection'].mae():.2f}, persistence "
                            f"{s['persistence'].mae():.2f}, seasonal naive {s['seasonal_naive'].mae():.2f}; "
                            f"coverage {s['projection'].coverage():.2f} ({len(s['projection'].errors)} projections)")
    result.params["skipped_station_days"] = skipped


def _share_at(day, minute: float) -> float | None:
    known = day.until(minute)
    if len(known) == 0 or known.same_day is None or known.handled[-1] <= 0:
        return None
    return float(known.same_day[-1] / known.handled[-1])


def _score(scores: dict, station: dict, method: str, hour: int, point: float, low: float, high: float,
           actual: float) -> None:
    scores[(method, hour)].add(point, low, high, actual)
    station[method].add(point, low, high, actual)


def _residuals(past: list, origin: float, closes: float, persistence: bool) -> np.ndarray:
    """A naive forecast's errors on the comparable days (closing queue minus what it would have said)."""
    closing = np.array([float(np.interp(closes, d.clock, d.waiting)) for d in past])
    if persistence:
        said = np.array([float(d.until(origin).waiting[-1]) if len(d.until(origin)) else 0.0 for d in past])
    else:
        said = np.append(closing[1:], np.nan)  # each day's seasonal naive is the week before it
    err = closing - said
    return err[np.isfinite(err)]


def _band(point: float, errors: np.ndarray) -> tuple[float, float]:
    if len(errors) == 0:
        return point, point
    lo, hi = np.percentile(errors, [10, 90])
    return max(0.0, point + lo), max(0.0, point + hi)


class SimulatedDays:
    """The simulator's station-days as :class:`~board.domain.projection.QueueDay` at the store's resolutions."""

    def __init__(self, sim, today_step_seconds: int, history_step_minutes: int) -> None:
        self.sim = sim
        self.today_step = max(1, today_step_seconds // 60)
        self.history_step = history_step_minutes
        self._cache: dict[tuple[str, date, int], object] = {}

    def today(self, code: str, day: date):
        return self._day(code, day, self.today_step)

    def history(self, code: str, day: date):
        return self._day(code, day, self.history_step)

    def _day(self, code: str, day: date, step: int):
        key = (code, day, step)
        if key not in self._cache:
            if len(self._cache) > 20_000:
                self._cache.clear()
            self._cache[key] = queue_day(self.sim.day(code, day), day, step)
        return self._cache[key]


def queue_day(series, day: date, step_minutes: int):
    """A simulated day sampled every ``step_minutes`` (plus its last minute), on the local clock."""
    from board.domain.projection import QueueDay, clock_minutes
    from board.domain.timeutil import HELSINKI
    from connectors.simulator import COL

    n = series.minutes
    idx = np.arange(0, n, step_minutes)
    if idx[-1] != n - 1:
        idx = np.append(idx, n - 1)
    # DST changes fall on whole UTC hours: one offset per elapsed hour is exact.
    hourly = np.array([(series.start + timedelta(hours=h)).astimezone(HELSINKI).utcoffset().total_seconds() / 60
                       for h in range(n // 60 + 1)])
    rows = series.values[idx]
    return QueueDay(day, clock_minutes(idx, hourly[idx // 60], hourly[0]),
                    rows[:, COL["queue_waiting"]].astype(float), rows[:, COL["queue_handled_today"]].astype(float),
                    rows[:, COL["queue_handled_same_day_today"]].astype(float),
                    float(rows[0, COL["contacts_carried_over"]]))


__all__ = ["DESCRIPTION", "NAME", "run", "stations"]
