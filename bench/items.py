"""Items: a year of callbacks, messages, contacts and feedback answers for 30 stations loaded into the store,
then incremental cycles, on SQLite and PostgreSQL (issue 14).

The source is the demo source with ``deliver: items``: the simulator tells its
days as items (connectors/demo_items.py), the collector stores them and
counts the figures from them (board/item_collect.py). The load is one
``Collector.run_once()`` with ``backfill_days`` of history; ``cycles``
incremental cycles then follow on a simulated clock advancing 60 s each
(every cycle brings the items that changed in that minute). Each cycle's
time is split as in :mod:`bench.loading`: the time inside the connector's
pull (making the items: the source's side) is measured apart; what remains
is the collector's own time (storing the items, counting, writing readings,
the run record).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench.collector import SimulatedClock
from bench.common import Figure, Goal, Options, Result, demo_source, log, postgres_schema, sqlite_url, write_config
from bench.loading import InstrumentedCollector

NAME = "items"
DESCRIPTION = "a year of items for 30 stations loaded and counted; one incremental cycle's own time"
LOAD_GOAL_S = 60.0
CYCLE_GOAL_S = 2.0
STEP_S = 60


@dataclass
class RoundTrips:
    """What one cycle asks of the database, counted by SQLAlchemy's events on the store's engine.

    ``statements``: every ``before_cursor_execute`` (an ``executemany`` is one; a raw-cursor ``COPY`` is not
    seen); ``sessions``: connections taken from the pool (on PostgreSQL each is a ``pool_pre_ping`` and a
    ``BEGIN``, each a round trip of its own); ``ends``: commits and rollbacks. Round trips, estimated:
    statements + 2 x sessions + ends on PostgreSQL (SQLite has no server to go round to).
    """

    statements: int = 0
    sessions: int = 0
    ends: int = 0

    def watch(self, engine: Any) -> None:
        from sqlalchemy import event

        def statement(*_args: object) -> None:
            self.statements += 1

        def session(*_args: object) -> None:
            self.sessions += 1

        def end(*_args: object) -> None:
            self.ends += 1

        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "checkout", session)
        event.listen(engine, "commit", end)
        event.listen(engine, "rollback", end)

    def take(self) -> tuple[int, int, int]:
        """The counts since the last take, and start again."""
        counts = (self.statements, self.sessions, self.ends)
        self.statements = self.sessions = self.ends = 0
        return counts


def run(opts: Options, result: Result) -> None:
    from board.domain.timeutil import utcnow
    from board.factory import create_board

    n_stations = opts.get(NAME, "stations", 30, 2)
    days = opts.get(NAME, "days", 365, 2)
    cycles = opts.get(NAME, "cycles", 10, 3)
    kinds = opts.get(NAME, "stores", ["sqlite", "postgres"])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    result.params.update(stations=n_stations, backfill_days=days, cycles=cycles, stores=kinds,
                         clock_step_seconds=STEP_S)
    # a year's load is one run: longer than the default pull_timeout_seconds (300 s) on a shared machine
    source = demo_source(name="items", deliver="items", id_key="bench-item-key-0123456789abcdef", backfill_days=days,
                         pull_timeout_seconds=3600)
    config = write_config(opts.workdir / "config", n_stations, [source])

    for kind in kinds:
        where = (postgres_schema(opts, result) if kind == "postgres"
                 else nullcontext(sqlite_url(opts.workdir / f"{kind}.sqlite")))
        with where as url:
            board = create_board(config, url)
            settings, store = board.settings, board.store
            try:
                # a weekday late morning, so the cycles see callbacks, contacts and answers arrive
                now = utcnow().replace(microsecond=0)
                start = now - timedelta(days=((now.weekday() - 1) % 7) + 7)
                start = start.replace(hour=8, minute=30, second=17)
                clock = SimulatedClock(start)
                loader = InstrumentedCollector(settings, store, clock=clock)
                load = loader.cycle()
                if not load.ok:
                    raise RuntimeError(f"{kind}: the load failed: {load.error}")
                items = store.item_count()
                log(f"{kind}: {days} days x {n_stations} stations: {items} items, {load.readings} readings in "
                    f"{load.seconds:.1f} s (pull {load.pull:.1f} s, own {load.own:.1f} s, CPU {load.own_cpu:.1f} s)")
                own, own_cpu, totals, pulls, readings = [], [], [], [], []
                statements: list[float] = []
                trips: list[float] = []
                counter = RoundTrips()
                counter.watch(store.engine)
                for _ in range(cycles):
                    clock.advance(STEP_S)
                    counter.take()
                    cycle = loader.cycle()
                    n, opened, ended = counter.take()
                    statements.append(n)
                    trips.append(n + 2 * opened + ended)
                    if not cycle.ok:
                        raise RuntimeError(f"{kind}: a cycle failed: {cycle.error}")
                    own.append(cycle.own)
                    own_cpu.append(cycle.own_cpu)
                    totals.append(cycle.seconds)
                    pulls.append(cycle.pull)
                    readings.append(cycle.readings)
            finally:
                store.dispose()
        result.add(
            Figure(f"load_total_seconds_{kind}", "s", [load.seconds], Goal("value", "<=", LOAD_GOAL_S),
                   note=f"{days} days x {n_stations} stations: {items} items kept, {load.readings} readings written; "
                        "making the items (the simulator) included"),
            Figure(f"load_own_seconds_{kind}", "s", [load.own],
                   note="the load less the time inside the connector's pull (making the items)"),
            Figure(f"load_own_cpu_seconds_{kind}", "s", [load.own_cpu],
                   note="the collector process's CPU time in the load, less the pull's (a PostgreSQL server's "
                        "work is not in it)"),
            Figure(f"cycle_own_seconds_{kind}", "s", own, Goal("median", "<=", CYCLE_GOAL_S),
                   note=f"one incremental cycle, 60 s of simulated time, pull excluded; {min(readings)}-"
                        f"{max(readings)} readings a cycle"),
            Figure(f"cycle_own_cpu_seconds_{kind}", "s", own_cpu,
                   note="the collector process's CPU time in a cycle, less the pull's: hardly stretched by other "
                        "work on a shared machine"),
            Figure(f"cycle_pull_seconds_{kind}", "s", pulls, note="inside the demo's pull: making the items"),
            Figure(f"cycle_statements_{kind}", "", statements,
                   note="statements a cycle sends (SQLAlchemy before_cursor_execute; a COPY is not counted)"),
            Figure(f"cycle_round_trips_{kind}", "", trips,
                   note="statements + 2 x pooled connections taken (pre-ping and BEGIN) + commits and rollbacks: "
                        "the round trips to a PostgreSQL server, estimated"),
        )
        result.params[f"load_{kind}"] = load.breakdown()
