"""Items: a year of callbacks, messages, contacts and feedback answers for 30 stations loaded into the store,
then incremental cycles, on SQLite and PostgreSQL (issue 14).

Where the items come from (``--param items.source=``):

* ``database`` (the default): the tables of a callback system, an Omasote
  message store, a contact log and a feedback service in one SQLite file,
  read through four ``sql`` item sources shaped as docs/CONNECTORS.md
  documents them (bench/item_database.py). The simulator's items are written
  into the file once and cached; the load's pull is then what a region's
  load costs the board: running the queries and mapping each row (parsing
  its times, the identity-code guard, hashing its id). Between cycles the
  bench writes the minute's changes into the file, as the systems would.
* ``simulator``: the demo source with ``deliver: items``: the simulator tells
  its days as items (connectors/demo_items.py) inside the pull, which then
  holds the synthetic source's own cost (simulating each station-day).

Either way the collector stores the items and counts the figures from them
(board/item_collect.py). The load is one
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
from bench.common import (
    RESULTS_DIR,
    Figure,
    Goal,
    Options,
    Result,
    demo_source,
    log,
    postgres_schema,
    sqlite_url,
    write_config,
)
from bench.loading import InstrumentedCollector

NAME = "items"
DESCRIPTION = "a year of items for 30 stations loaded and counted; one incremental cycle's own time"
LOAD_GOAL_S = 60.0
CYCLE_GOAL_S = 2.0
STEP_S = 60
ID_KEY = "bench-item-key-0123456789abcdef"
SOURCES = ("database", "simulator")


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
    source_kind = opts.get(NAME, "source", "database")
    if source_kind not in SOURCES:
        raise ValueError(f"items.source must be one of {', '.join(SOURCES)}, not {source_kind!r}")
    result.params.update(stations=n_stations, backfill_days=days, cycles=cycles, stores=kinds,
                         clock_step_seconds=STEP_S, source=source_kind)
    # a weekday late morning, so the cycles see callbacks, contacts and answers arrive (a week's Tuesday: the
    # same moment all week, so the database source's cached file serves a week of runs)
    now = utcnow().replace(microsecond=0)
    start = now - timedelta(days=((now.weekday() - 1) % 7) + 7)
    start = start.replace(hour=8, minute=30, second=17)
    # a year's load is one run: longer than the default pull_timeout_seconds (300 s) on a shared machine
    demo = demo_source(name="items", deliver="items", id_key=ID_KEY, backfill_days=days, pull_timeout_seconds=3600)
    feed = None
    if source_kind == "database":
        feed = DatabaseFeed(opts, result, demo, n_stations, days, start)
        config = write_config(opts.workdir / "config", n_stations, feed.sources)
    else:
        config = write_config(opts.workdir / "config", n_stations, [demo])

    for kind in kinds:
        where = (postgres_schema(opts, result) if kind == "postgres"
                 else nullcontext(sqlite_url(opts.workdir / f"{kind}.sqlite")))
        with where as url:
            if feed is not None:
                feed.fresh_copy()
            board = create_board(config, url)
            settings, store = board.settings, board.store
            try:
                clock = SimulatedClock(start)
                loader = InstrumentedCollector(settings, store, clock=clock)
                load = loader.cycle()
                if not load.ok:
                    raise RuntimeError(f"{kind}: the load failed: {load.error}")
                items = store.item_count()
                worker_cpu = sum(float(getattr(getattr(c.inner, "isolated", None), "worker_cpu", 0.0))
                                 for c in loader.connectors.values())
                log(f"{kind}: {days} days x {n_stations} stations: {items} items, {load.readings} readings in "
                    f"{load.seconds:.1f} s (pull {load.pull:.1f} s, own {load.own:.1f} s, CPU {load.own_cpu:.1f} s; "
                    f"pull CPU in the collector {load.pull_cpu:.1f} s, in workers {worker_cpu:.1f} s)")
                own, own_cpu, totals, pulls, readings = [], [], [], [], []
                statements: list[float] = []
                trips: list[float] = []
                counter = RoundTrips()
                counter.watch(store.engine)
                for _ in range(cycles):
                    before = clock()
                    clock.advance(STEP_S)
                    if feed is not None:  # the systems write the minute's changes (not the board's time)
                        feed.write_changes(before, clock())
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
                        + ("the pull: the sql sources' queries and mapping their rows" if feed is not None
                           else "the pull: making the items (the simulator)")),
            Figure(f"load_own_seconds_{kind}", "s", [load.own],
                   note="the load less the time inside the connector's pull"),
            Figure(f"load_own_cpu_seconds_{kind}", "s", [load.own_cpu],
                   note="the collector process's CPU time in the load, less the pull's (a PostgreSQL server's "
                        "work is not in it)"),
            Figure(f"cycle_own_seconds_{kind}", "s", own, Goal("median", "<=", CYCLE_GOAL_S),
                   note=f"one incremental cycle, 60 s of simulated time, pull excluded; {min(readings)}-"
                        f"{max(readings)} readings a cycle"),
            Figure(f"cycle_own_cpu_seconds_{kind}", "s", own_cpu,
                   note="the collector process's CPU time in a cycle, less the pull's: hardly stretched by other "
                        "work on a shared machine"),
            Figure(f"load_pull_cpu_seconds_{kind}", "s", [load.pull_cpu],
                   note="the collector process's CPU time inside the pull: "
                        + ("the queries, fetching and mapping the rows" if feed is not None
                           else "the simulator making the items")),
            Figure(f"load_worker_cpu_seconds_{kind}", "s", [worker_cpu],
                   note="the CPU time of the workers that pulled the load's backlog (backlog_worker_mb): their own "
                        "processes, on the other core, not in the collector's CPU"),
            Figure(f"cycle_pull_seconds_{kind}", "s", pulls, note="inside the pull (" + source_kind + ")"),
            Figure(f"cycle_statements_{kind}", "", statements,
                   note="statements a cycle sends (SQLAlchemy before_cursor_execute; a COPY is not counted)"),
            Figure(f"cycle_round_trips_{kind}", "", trips,
                   note="statements + 2 x pooled connections taken (pre-ping and BEGIN) + commits and rollbacks: "
                        "the round trips to a PostgreSQL server, estimated"),
        )
        result.params[f"load_{kind}"] = load.breakdown()


class DatabaseFeed:
    """``items.source=database``: the systems' SQLite file (cached), its sources, its copy for a run and the
    minute's changes written into it between cycles (bench/item_database.py)."""

    def __init__(self, opts: Options, result: Result, demo: dict[str, Any], n_stations: int, days: int,
                 start: Any) -> None:
        import time

        from bench import item_database
        from bench.common import stations
        from board.environment import read_environment
        from board.settings import load_settings
        from connectors.demo import ITEM_DAYS_BEFORE, DemoConnector

        self.db = item_database
        sim_config = write_config(opts.workdir / "config-simulator", n_stations, [demo])
        settings = load_settings(sim_config, sqlite_url(opts.workdir / "unused.sqlite"), read_environment({}))
        source = settings.sources[0]
        connector = DemoConnector(source, settings.stations_of(source), settings)  # the demo source's simulator
        self.sim, self.codes, self.days_before = connector.sim, connector.codes, ITEM_DAYS_BEFORE
        self.path = opts.workdir / "item-systems.sqlite"
        cache = RESULTS_DIR / "cache"
        t, cpu = time.perf_counter(), time.process_time()
        _, hit, written = item_database.prepare(cache, self.path, self.sim, stations(n_stations), int(demo["seed"]),
                                                start - timedelta(days=days), start, days, self.days_before)
        log(f"items from the database {self.path} ({'cached' if hit else f'{written} rows written'} in "
            f"{time.perf_counter() - t:.1f} s, CPU {time.process_time() - cpu:.1f} s)")
        self.cached = self.path.with_name("item-systems.cached.sqlite")
        self.path.replace(self.cached)
        result.params.update(database_cached=hit, database_rows_written=written,
                             database_seconds=round(time.perf_counter() - t, 1))
        # as shipped (0): the load pulled in the collector's process; --param items.backlog_worker_mb=1024 pulls it
        # in workers ahead of the collector (connectors/isolated.py; docs/PERFORMANCE.md 5b, session 11)
        worker = opts.get(NAME, "backlog_worker_mb", 0, 0)
        result.params.update(backlog_worker_mb=worker)
        self.sources = item_database.sources(sqlite_url(self.path), self.codes, ID_KEY, days,
                                             pull_timeout_seconds=3600, backlog_worker_mb=worker)

    def fresh_copy(self) -> None:
        """The file as cached, for a store's run (the cycles write into it)."""
        import shutil

        shutil.copyfile(self.cached, self.path)

    def write_changes(self, since: Any, until: Any) -> None:
        self.db.write_changes(self.path, self.sim, self.codes, since, until, self.days_before)
