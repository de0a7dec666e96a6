"""Collector: one incremental cycle over 30 stations and every source (the demo source), on SQLite and PostgreSQL.

The store is first backfilled with the demo source's default history
(``backfill_days`` 56 unless ``--param collector.days=N``). Then ``cycles``
incremental cycles run back to back on a simulated clock that advances one
``live_step_seconds`` (60 s) per cycle, so every cycle carries exactly one
new reading per station and metric (30 x 18 = 540 readings): the busiest
cycle the default settings produce (with the 20 s interval, two cycles in
three find nothing new). Each ``Collector.run_once()`` is timed; the time
spent inside the connector's pull (the source's latency; here the
simulator) is measured apart and subtracted: what remains is the
collector's own time (validation, the upsert, the run record, the bookmark).
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timedelta
from datetime import time as dt_time

from bench.common import (
    Figure,
    Goal,
    Options,
    Result,
    demo_source,
    log,
    postgres_schema,
    server_cpu_seconds,
    sqlite_url,
    write_config,
)
from bench.loading import InstrumentedCollector

PULL_TIMEOUT_S = 86_400
NAME = "collector"
DESCRIPTION = ("one incremental collector cycle over 30 stations (collector.stations) x all sources, excluding "
               "the sources' latency")
GOAL_S = 2.0


def run(opts: Options, result: Result) -> None:
    from board.domain.timeutil import at_local, local_date, utcnow
    from board.factory import create_board

    n_stations = opts.get(NAME, "stations", 30, 3)
    days = opts.get(NAME, "days", 56, 1)
    cycles = opts.get(NAME, "cycles", 20, 3)
    # "HH:MM": the cycles run today at that Helsinki time instead of now. The backfill loads today a reading a
    # minute up to the clock (at 900 stations by noon ~11 M readings, more than a week of history); "00:40" keeps
    # it to the history.
    at = opts.get(NAME, "at", "")
    kinds = opts.get(NAME, "stores", ["sqlite", "postgres"])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    step = demo_source()["live_step_seconds"]
    result.params.update(stations=n_stations, backfill_days=days, cycles=cycles, stores=kinds, at=at or "now",
                         clock_step_seconds=step, interval_seconds=demo_source()["interval_seconds"])
    # A backfill of hundreds of stations runs longer than a pull's default 300 s limit (it is one pull).
    config = write_config(opts.workdir / "config", n_stations,
                          [demo_source(backfill_days=days, pull_timeout_seconds=PULL_TIMEOUT_S)])

    for kind in kinds:
        where = (postgres_schema(opts, result) if kind == "postgres"
                 else nullcontext(sqlite_url(opts.workdir / "store.sqlite")))
        with where as url:
            board = create_board(config, url)
            settings, store = board.settings, board.store
            try:
                # Start far enough back that every cycle stays in the past; seconds not on the minute grid, so
                # each window [previous start, start] holds exactly one of the source's 60 s readings.
                start = utcnow().replace(microsecond=0) - timedelta(seconds=step * (cycles + 2) + 17)
                if at:  # today at this Helsinki time: a short "today" at the minute resolution, a smaller backfill
                    start = min(start, at_local(local_date(utcnow()), dt_time.fromisoformat(at)) - timedelta(
                        seconds=43))
                clock = SimulatedClock(start)
                loader = InstrumentedCollector(settings, store, clock=clock)
                backfill = loader.cycle()
                if not backfill.ok:
                    raise RuntimeError(f"{kind}: the backfill failed: {backfill.error}")
                log(f"{kind}: backfill {backfill.readings} readings in {backfill.seconds:.1f} s")
                totals, own, own_cpu, pulls, readings, server = [], [], [], [], [], []
                for _ in range(cycles):
                    clock.advance(step)
                    before = server_cpu_seconds(url)  # a private cluster's CPU (None on the shared server)
                    load = loader.cycle()
                    after = server_cpu_seconds(url)
                    if before is not None and after is not None:
                        server.append(after - before)
                    if not load.ok:
                        raise RuntimeError(f"{kind}: a cycle failed: {load.error}")
                    totals.append(load.seconds)
                    own.append(load.own)
                    own_cpu.append(load.own_cpu)
                    pulls.append(load.pull)
                    readings.append(load.readings)
            finally:
                store.dispose()
        log(f"{kind}: own time per cycle median {sorted(own)[len(own) // 2] * 1000:.0f} ms")
        result.add(
            Figure(f"cycle_own_seconds_{kind}", "s", own, Goal("median", "<=", GOAL_S),
                   note=f"Collector.run_once() minus the pull; {readings[0]} readings a cycle "
                        f"({min(readings)}-{max(readings)}), store backfilled with {backfill.readings}"),
            Figure(f"cycle_own_cpu_seconds_{kind}", "s", own_cpu,
                   note="the collector process's CPU for the same, less the pull's (robust to other load; "
                        "PostgreSQL's server side not in it)"),
            Figure(f"cycle_total_seconds_{kind}", "s", totals, note="Collector.run_once(), pull included"),
            Figure(f"cycle_pull_seconds_{kind}", "s", pulls, note="inside the demo connector's pull (the simulator)"),
        )
        if server:
            result.add(Figure(f"cycle_server_cpu_seconds_{kind}", "s", server,
                              note="the private cluster's processes' CPU during a cycle (common.pg=private)"))
        result.params[f"backfill_{kind}"] = backfill.breakdown()


class SimulatedClock:
    """The collector's clock: stands still until advanced."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
