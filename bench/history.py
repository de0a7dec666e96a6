"""History scale: a year of simulated history for 30 stations, loaded into SQLite and PostgreSQL, and the pages on it.

For each store (a SQLite file; a fresh schema in PostgreSQL's ``test``
database, dropped afterwards):

1. **Backfill**: one instrumented collector cycle of the demo source with
   ``backfill_days`` = ``days`` (the product's default resolution: a reading
   per metric every 30 minutes of history, every minute today), timed and
   split into pull (the collector waiting for the simulator, which runs in
   worker processes ahead of it), store writes (SQLite's executemany,
   PostgreSQL's binary COPY, and the commits; of those, the time merging the
   daily roll-up) and the collector's own work. PostgreSQL then gets ``VACUUM ANALYZE``
   of ``readings`` and ``daily_readings`` (timed apart), as autovacuum would do on a running server.
2. **Weekly view**: ``pages/week.py`` through Streamlit's ``AppTest`` (the
   full script: report, charts, tables, exports), every station, after a
   warm-up run; timed ``at.run()`` for several weeks across the year with the
   view caches cleared first (a week not yet cached), then once cached; the
   current week, and one wellbeing area's stations (``?area=``: stations
   beyond ``area_size``, default 43, are dealt into areas of that size, as
   Finland's ~900 stations are in 21 areas).
3. **Overview**: ``app.py``'s default page the same way, caches cleared
   before each run (every 5 s in production), then cached.
4. Where page time goes: the data functions alone (``read.week.week_report``,
   ``read.overview.all_station_views``, and ``read.wall.station_view`` for the wall) and
   the statements and database time of one cold page run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text

from bench.common import (
    ROOT,
    Figure,
    Goal,
    Options,
    Result,
    demo_source,
    log,
    percentile,
    postgres_schema,
    server_cpu_seconds,
    sqlite_url,
    store_size_mib,
    write_config,
)
from bench.loading import DbTimer, InstrumentedCollector

PULL_TIMEOUT_S = 86_400
NAME = "history"
DESCRIPTION = ("one year of history for 30 stations (history.stations, history.days): backfill, weekly view and "
               "overview on SQLite and PostgreSQL")
BACKFILL_GOAL_S = 60.0
RATE_GOAL = 250_000.0  # readings/s (issue 17)
DECLINE_GOAL = 0.9  # the last fifth's rate over the first's
#: Stations per wellbeing area: Finland's ~900 stations are in 21 areas.
AREA_SIZE = 43
WEEK_GOAL_S = 1.0
OVERVIEW_GOAL_S = 0.3


def run(opts: Options, result: Result) -> None:
    n_stations = opts.get(NAME, "stations", 30, 3)
    days = opts.get(NAME, "days", 365, 7)
    n_weeks = opts.get(NAME, "weeks", 6, 2)
    n_runs = opts.get(NAME, "runs", 10, 2)
    # The current week and the cached week, each timed this often (--quick: once; the smoke test runs under load).
    repeats = opts.get(NAME, "repeats", 3, 1)
    kinds = opts.get(NAME, "stores", ["sqlite", "postgres"])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    # false: the backfill alone (the pages at hundreds of stations are timed by their own runs, section 7).
    pages = opts.get(NAME, "pages", True)
    result.params.update(stations=n_stations, days=days, weeks=n_weeks, overview_runs=n_runs, week_repeats=repeats,
                         stores=kinds, pages=pages,
                         history_step_minutes=demo_source()["history_step_minutes"],
                         live_step_seconds=demo_source()["live_step_seconds"])
    # A backfill of hundreds of stations runs longer than a pull's default 300 s limit (it is one pull).
    config = write_config(opts.workdir / "config", n_stations,
                          [demo_source(backfill_days=days, pull_timeout_seconds=PULL_TIMEOUT_S)])
    area_size = opts.get(NAME, "area_size", AREA_SIZE)
    result.params.update(area_size=area_size, areas=_deal_into_areas(config, area_size))
    # Where the backfill's readings come from: "simulator" (the demo source, simulating during the load, as
    # before), "cache" (the same readings made once beforehand and replayed: the board's own throughput, figures
    # named backfill_board_*), or "both" (a fresh store each, the simulator's load first; the pages on the last).
    source = opts.get(NAME, "source", "simulator")
    if source not in SOURCES:
        raise ValueError(f"history.source must be one of {', '.join(SOURCES)}, not {source!r}")
    # The load's clock: "HH:MM" today or "YYYY-MM-DDTHH:MM" (Helsinki time); a replay needs a fixed one
    # (default 00:40 today: today's minute readings stay few, so the history dominates).
    at = opts.get(NAME, "at", "" if source == "simulator" else "00:40")
    until = _clock_at(at) if at else None
    result.params.update(source=source, at=until.isoformat() if until else "now")
    replay = _replay_items(config, until, result) if source != "simulator" else None
    modes = {"simulator": [None], "cache": [replay], "both": [None, replay]}[source]
    for kind in kinds:
        for i, items in enumerate(modes):
            where = (postgres_schema(opts, result) if kind == "postgres"
                     else nullcontext(sqlite_url(opts.workdir / f"history-{i}.sqlite")))
            with where as url:
                _one_store(kind, url, config, n_weeks, n_runs, result, until, items,
                           pages=pages and i == len(modes) - 1)


SOURCES = ("simulator", "cache", "both")


def _clock_at(at: str) -> Any:
    """``at`` ("HH:MM" today, or "YYYY-MM-DDTHH:MM"), Helsinki time, as a UTC instant."""
    from datetime import date, datetime
    from datetime import time as dt_time

    from board.domain.timeutil import at_local, local_date, utcnow

    if "T" in at:
        day, clock = at.split("T")
        return at_local(date.fromisoformat(day), dt_time.fromisoformat(clock))
    return at_local(local_date(utcnow()), dt_time.fromisoformat(at)) if at else datetime.min


def _replay_items(config: Path, until: Any, result: Result) -> dict[str, list[Any]]:
    """The backfill's items made once: from ``bench-results/cache`` if made before for the same stations, sources
    and clock, else by the sources now (timed: the source alone) and kept there."""
    import hashlib
    import pickle
    import resource

    from bench.common import RESULTS_DIR
    from bench.loading import pregenerate
    from board.settings import load_settings

    digest = hashlib.sha256()
    for f in sorted(config.rglob("*.yaml")):
        digest.update(f.relative_to(config).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    digest.update(until.isoformat().encode())
    path = RESULTS_DIR / "cache" / f"history-{result.params['stations']}x{result.params['days']}-" \
                                   f"{digest.hexdigest()[:16]}.pickle"
    if path.exists():
        log(f"the backfill's items from {path}")
        with path.open("rb") as f:
            items: dict[str, list[Any]] = pickle.load(f)
        result.params["replay_cache"] = {"path": str(path), "hit": True}
        return items
    log("making the backfill's items once (the sources alone)")
    settings = load_settings(config)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    t, c = time.perf_counter(), time.process_time()
    items = pregenerate(settings, until)
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    readings = sum(len(i) for source in items.values() for i in source if hasattr(i, "metrics"))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump(items, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    log(f"{readings} readings made in {seconds:.1f} s (CPU {cpu:.1f} s here, {workers:.1f} s in ended workers)")
    result.params["replay_cache"] = {"path": str(path), "hit": False}
    result.add(Figure("source_alone_readings_per_s", "readings/s", [readings / seconds] if seconds else [],
                      note=f"the sources alone making the backfill's {readings} readings (the demo's simulator, in "
                           f"its workers): {seconds:.1f} s, CPU {cpu:.1f} s in this process and {workers:.1f} s "
                           "in workers that ended (a kept pool's not counted)"))
    return items


def _deal_into_areas(config: Path, size: int) -> int:
    """Deal the stations beyond the first ``size`` into wellbeing areas of ``size`` stations each
    (``stations.d/alue-NN.yaml``), as a national deployment keeps them (~900 stations in 21 areas: 43 each);
    returns the number of areas. Fewer than ``size`` + 1 stations stay one area, as before."""
    data = yaml.safe_load((config / "stations.yaml").read_text(encoding="utf-8"))
    stations = data["stations"]
    if size <= 0 or len(stations) <= size:
        return 1
    data["stations"] = stations[:size]
    (config / "stations.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    folder = config / "stations.d"
    folder.mkdir(exist_ok=True)
    for n, i in enumerate(range(size, len(stations), size), start=2):
        body = {"area": {"code": f"alue-{n:02d}", "name": f"Testialueen {n} hyvinvointialue"},
                "stations": stations[i:i + size]}
        (folder / f"alue-{n:02d}.yaml").write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return -(-len(stations) // size)


def _one_store(kind: str, url: str, config: Path, n_weeks: int, n_runs: int, result: Result, until: Any = None,
               replay: dict[str, list[Any]] | None = None, pages: bool = True) -> None:
    """Backfill a fresh store (from the sources, or ``replay``'s items: figures ``backfill_board_*``), then time the
    pages on it if ``pages``."""
    from board.factory import create_board
    from board.store import writes

    board = create_board(config, url)
    settings, store = board.settings, board.store
    name = "backfill" if replay is None else "backfill_board"
    try:
        # ------------------------------------------------------------ backfill
        log(f"{kind}: backfilling {result.params['days']} days x {result.params['stations']} stations"
            + (" (replayed: the board's own part)" if replay is not None else " (the simulator during the load)"))
        loader = InstrumentedCollector(settings, store, clock=(lambda: until) if until else None,
                                       server_cpu=lambda: server_cpu_seconds(url), replay=replay)
        roll_up = _MethodTimer(writes, "_roll_up")
        server_before = server_cpu_seconds(url)
        bgwriter_before = _bgwriter(store) if kind == "postgres" else {}
        load = loader.cycle()
        server_after = server_cpu_seconds(url)
        if kind == "postgres":  # cluster-wide: on the shared server other work counts too
            after = _bgwriter(store)
            result.params[f"postgres_bgwriter_during_{name}"] = {k: after[k] - v for k, v in bgwriter_before.items()}
        roll_up.remove()
        if not load.ok:
            raise RuntimeError(f"{kind}: the backfill failed: {load.error}")
        rate = load.readings / load.seconds if load.seconds else 0
        b = load.breakdown()
        fifths = load.fifths()
        server = server_after - server_before if server_before is not None and server_after is not None else None
        alike, unlike = load.fifths(alike=True), load.unlike()
        result.params[f"{name}_fifths_{kind}"] = fifths
        result.params[f"{name}_fifths_alike_{kind}"] = alike
        result.params[f"{name}_unlike_batches_{kind}"] = unlike
        log(f"{kind}: by fifth: {[f['readings_per_s'] for f in fifths]} readings/s; the bulk's batches alone: "
            f"{[f['readings_per_s'] for f in alike]}; the rest: {unlike}")
        log(f"{kind}: {load.readings} readings in {load.seconds:.1f} s ({rate:,.0f}/s): {b}"
            + (f", server CPU {server:.1f} s" if server is not None else ""))
        what = "the simulator" if replay is None else "the replayed items (the pull's own cost)"
        result.add(
            Figure(f"{name}_seconds_{kind}", "s", [load.seconds], Goal("value", "<=", BACKFILL_GOAL_S),
                   note=f"{load.readings} readings; pull (waiting for {what}) {load.pull:.1f} s, store writes "
                        f"{load.write:.1f} s (of which merging the daily roll-up {roll_up.seconds:.1f} s), "
                        f"collector {load.collector:.1f} s"),
            Figure(f"{name}_readings_per_s_{kind}", "readings/s", [rate], Goal("value", ">=", RATE_GOAL),
                   note=("the board's own throughput: the source's items made before the load and replayed; "
                         if replay is not None else "the simulator making the readings during the load; ")
                        + f"client CPU {load.cpu:.1f} s (of it inside the pull {load.pull_cpu:.1f} s; the "
                        f"simulator's workers not counted)"
                        + (f"; database server CPU {server:.1f} s" if server is not None else "")),
            Figure(f"{name}_cpu_us_per_reading_{kind}", "µs", [load.cpu / load.readings * 1e6] if load.readings else [],
                   note="the collector process's CPU time per reading (SQLite's writes included; the simulator's "
                        "workers not)"),
            Figure(f"{name}_server_cpu_us_per_reading_{kind}", "µs",
                   [server / load.readings * 1e6] if server is not None and load.readings else [],
                   note="the private PostgreSQL cluster's CPU time per reading (all its processes, from /proc)"),
            Figure(f"{name}_readings_per_s_by_fifth_{kind}", "readings/s",
                   [f["readings_per_s"] for f in fifths],
                   note="the batches in five consecutive parts, in load order: readings / wall time of each part"),
            Figure(f"{name}_last_to_first_fifth_{kind}", "ratio",
                   [fifths[-1]["readings_per_s"] / fifths[0]["readings_per_s"]] if fifths else [],
                   note="the last fifth's throughput over the first's, every batch: the last fifth also holds the "
                        f"batches unlike the bulk ({unlike.get('readings', 0)} readings at "
                        f"{unlike.get('readings_per_key', 0)} a station, metric and day, {unlike.get('seconds', 0)} s: "
                        "the demo's access figures, one reading a day per metric), so this mixes their cost with the "
                        "store's growth; the goal is on ..._alike_"),
            Figure(f"{name}_last_to_first_fifth_alike_{kind}", "ratio",
                   [alike[-1]["readings_per_s"] / alike[0]["readings_per_s"]] if alike else [],
                   Goal("value", ">=", DECLINE_GOAL),
                   note="the same over the batches shaped like the bulk (readings per station, metric and day at "
                        "least a tenth of the median batch's), each timed from the batch before: no decline as the "
                        f"store grows is ~1 (>= {DECLINE_GOAL} allows for the shared machine's noise)"),
            Figure(f"{name}_readings_per_s_without_source_{kind}", "readings/s",
                   [load.readings / load.own] if load.own else [],
                   note="readings / (total - pull): what the collector and the store manage on their own"),
        )
        result.params[f"{name}_{kind}"] = b
        result.params[f"{name}_roll_up_s_{kind}"] = round(roll_up.seconds, 1)
        if kind == "postgres":
            t = time.perf_counter()
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE readings"))
                conn.execute(text("VACUUM ANALYZE daily_readings"))
            result.params["postgres_vacuum_analyze_s"] = round(time.perf_counter() - t, 1)
            with store.engine.connect() as conn:
                result.params["postgres_readings_index_mib"] = round(float(conn.execute(text(
                    "select pg_indexes_size('readings')")).scalar() or 0) / 2**20, 1)
                result.params["postgres_settings"] = dict(conn.execute(text(
                    "select name, current_setting(name) from pg_settings "
                    "where name in ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'autovacuum')")).all())
        size = store_size_mib(url)
        result.params[f"store_mib_{kind}"] = round(size or 0, 1)

        # ------------------------------------------------------------ pages
        if pages:
            _pages(kind, url, config, settings, store, n_weeks, n_runs, result)
    finally:
        store.dispose()


def _bgwriter(store: Any) -> dict[str, int]:
    """Who wrote the server's dirty buffers: the checkpointer, the background writer, or the backends themselves.

    Many ``buffers_backend`` mean the backends evicted dirty pages themselves
    (``shared_buffers`` too small for the working set; section 7 of
    docs/PERFORMANCE.md).
    """
    with store.engine.connect() as conn:
        row = conn.execute(text("select buffers_checkpoint, buffers_clean, buffers_backend, checkpoints_timed, "
                                "checkpoints_req from pg_stat_bgwriter")).mappings().one()
    return {k: int(v) for k, v in row.items()}


class _MethodTimer:
    """Time spent in one function of a module (or method of an object), e.g. the daily roll-up inside the store's
    writes.

    (The roll-up's other part, a Helsinki day and a dictionary update per
    reading, runs inside the upsert's loop and is not separated here.)
    """

    def __init__(self, obj: Any, name: str) -> None:
        self.obj, self.name, self.seconds = obj, name, 0.0
        self.inner = inner = getattr(obj, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t

        setattr(obj, name, timed)

    def remove(self) -> None:
        setattr(self.obj, self.name, self.inner)


@contextmanager
def _page_env(config: Path, url: str) -> Iterator[None]:
    """AppTest's pages handed a board of this store (and fresh view caches)."""
    from board.factory import create_board
    from board.web import streamlit_support as sup

    board = create_board(config, url, sign_in="off")  # the pages' work, not the sign-in page, is what is timed
    sup.use_board(board)
    try:
        yield
    finally:
        sup.use_board(None)
        board.close()  # the pages' engine: no connection may outlive a dropped schema


#: Streamlit's component registry, shared by every AppTest of this process. A server scans the installed
#: packages' metadata for components once, when it starts; an AppTest does it for each new instance
#: (0.3-0.6 s of CPU here, reading ~270 packages' metadata), which is not a cost of showing a page.
_COMPONENTS: list[Any] = []


def _run_page(page: str, params: dict[str, str] | None = None, cpu: list[float] | None = None) -> float:
    """Run ``page`` once; return its wall-clock seconds and append its CPU seconds (this process) to ``cpu``.

    On a shared machine the CPU time is the steadier figure: the script runs
    in this process (for SQLite the database too; PostgreSQL's backend is not
    counted), so other processes' load stretches the wall clock but not it.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / page), default_timeout=600)
    if _COMPONENTS:  # see _COMPONENTS
        at._bidi_component_manager = _COMPONENTS[0]
    for k, v in (params or {}).items():
        at.query_params[k] = v
    t, c = time.perf_counter(), time.process_time()
    at.run()
    seconds = time.perf_counter() - t
    if cpu is not None:
        cpu.append(time.process_time() - c)
    if not _COMPONENTS and getattr(at, "_bidi_component_manager", None) is not None:
        _COMPONENTS.append(at._bidi_component_manager)
    if at.exception:
        raise RuntimeError(f"{page} {params or ''} raised: {at.exception[0].message}")
    if any("data-access=" in h.value for h in at.html):  # timing a sign-in page would be a wrong figure
        raise RuntimeError(f"{page} showed a sign-in or access page instead of its content")
    return seconds


def _weeks(days: int, wanted: int) -> list[Any]:
    """Up to ``wanted`` full ISO weeks spread over the loaded history (whose previous week is loaded too)."""
    from board.domain.timeutil import local_date, utcnow
    from board.read import week as weekly

    now = utcnow()
    first = local_date(now) - timedelta(days=days)
    weeks = []
    week = weekly.default_week(now)
    while week.previous().monday >= first or not weeks:
        weeks.append(week)
        week = week.previous()
    if len(weeks) <= wanted:
        return weeks
    step = (len(weeks) - 1) / (wanted - 1) if wanted > 1 else 0
    return [weeks[round(i * step)] for i in range(wanted)]


def _pages(kind: str, url: str, config: Path, settings: Any, store: Any, n_weeks: int, n_runs: int,
           result: Result) -> None:
    from board.domain.timeutil import local_date, utcnow
    from board.read import overview, wall
    from board.read import week as weekly
    from board.web import streamlit_support as sup

    weeks = _weeks(result.params["days"], n_weeks)
    with _page_env(config, url):
        # warm-up: imports, plotly, the engine, the OS file cache
        _run_page("pages/week.py")
        _run_page("app.py")

        week_cold, week_data, week_cpu, week_data_cpu, overview_cpu = [], [], [], [], []
        for week in weeks:
            sup.clear_view_caches()
            week_cold.append(_run_page("pages/week.py", {"week": week.key}, week_cpu))
            log(f"{kind}: week {week.key}: {week_cold[-1]:.2f} s (CPU {week_cpu[-1]:.2f} s)")
        # The current, unfinished week: compared with the previous week up to the same moment, so it also
        # reads part of last week's day from the readings (read.week._cut_day).
        current = weekly.IsoWeek.of(local_date(utcnow()))
        week_current, week_current_cpu = [], []
        for _ in range(result.params["week_repeats"]):
            sup.clear_view_caches()
            week_current.append(_run_page("pages/week.py", {"week": current.key}, week_current_cpu))
        log(f"{kind}: current week {current.key}: {percentile(week_current, 50):.2f} s "
            f"(CPU {percentile(week_current_cpu, 50):.2f} s)")
        # One wellbeing area (?area=), when the stations are dealt into several (_deal_into_areas).
        area = next(iter(settings.areas)) if len(settings.areas) > 1 else None
        week_area, week_area_cpu = [], []
        for _ in range(result.params["week_repeats"] if area else 0):
            sup.clear_view_caches()
            week_area.append(_run_page("pages/week.py", {"week": weeks[0].key, "area": area}, week_area_cpu))
        week_cached = [_run_page("pages/week.py", {"week": weeks[0].key})
                       for _ in range(result.params["week_repeats"])]
        timer = DbTimer(sup.get_store(url).engine)
        sup.clear_view_caches()
        _run_page("pages/week.py", {"week": weeks[0].key})
        week_db = (timer.statements, timer.seconds)
        timer.reset()

        overview_cold, overview_cached = [], []
        for _ in range(n_runs):
            sup.clear_view_caches()
            overview_cold.append(_run_page("app.py", cpu=overview_cpu))
        for _ in range(n_runs):
            overview_cached.append(_run_page("app.py"))
        sup.clear_view_caches()
        timer.reset()
        _run_page("app.py")
        overview_db = (timer.statements, timer.seconds)
        timer.remove()

    for week in weeks:
        t, c = time.perf_counter(), time.process_time()
        weekly.week_report(settings, store, week.year, week.week)
        week_data.append(time.perf_counter() - t)
        week_data_cpu.append(time.process_time() - c)
    week_data_current_cpu, week_data_area_cpu = [], []
    for _ in range(3):
        c = time.process_time()
        weekly.week_report(settings, store, current.year, current.week, as_of=utcnow())
        week_data_current_cpu.append(time.process_time() - c)
        if area:
            c = time.process_time()
            weekly.week_report(settings, store, weeks[0].year, weeks[0].week, settings.area_stations([area]))
            week_data_area_cpu.append(time.process_time() - c)
    overview_data, wall_data, wall_numbers = [], [], []
    for _ in range(n_runs):
        t = time.perf_counter()
        overview.all_station_views(settings, store)
        overview_data.append(time.perf_counter() - t)
    for s in settings.stations[: min(5, len(settings.stations))]:
        t = time.perf_counter()
        wall.station_view(settings, store, s.code)
        wall_data.append(time.perf_counter() - t)
        t = time.perf_counter()
        wall.station_view(settings, store, s.code, with_trend=False)
        wall_numbers.append(time.perf_counter() - t)

    med = lambda xs: percentile(xs, 50)  # noqa: E731
    result.add(
        Figure(f"week_page_seconds_{kind}", "s", week_cold, Goal("median", "<=", WEEK_GOAL_S),
               note=f"pages/week.py, all {len(settings.stations)} stations, weeks "
                    f"{', '.join(w.key for w in weeks)}, report not cached; one cold run: {week_db[0]} statements, "
                    f"{week_db[1]:.2f} s in the database; the report alone (read.week.week_report) median "
                    f"{med(week_data):.2f} s"),
        Figure(f"week_page_cpu_seconds_{kind}", "s", week_cpu,
               note="CPU time of this process for the same cold runs (robust to other load; for PostgreSQL "
                    "without the server's share)"),
        Figure(f"week_page_cached_seconds_{kind}", "s", week_cached, note="the same week again (report cached)"),
        Figure(f"week_page_current_seconds_{kind}", "s", week_current, Goal("median", "<=", WEEK_GOAL_S),
               note="the current, unfinished week, report not cached (compared up to the same moment of the "
                    "previous week: part of a day read from the readings)"),
        Figure(f"week_page_current_cpu_seconds_{kind}", "s", week_current_cpu,
               note="CPU time of this process for the current week's cold runs"),
        Figure(f"week_page_area_cpu_seconds_{kind}", "s", week_area_cpu, Goal("median", "<=", WEEK_GOAL_S),
               note=f"pages/week.py?area={area}: one wellbeing area's "
                    f"{len(settings.area_stations([area])) if area else 0} stations, report not cached, CPU time "
                    "(no samples: the stations are one area)"),
        Figure(f"week_page_area_seconds_{kind}", "s", week_area, note="the same runs' wall-clock time"),
        Figure(f"week_report_seconds_{kind}", "s", week_data, note="read.week.week_report alone (data, no page)"),
        Figure(f"week_report_cpu_seconds_{kind}", "s", week_data_cpu, Goal("median", "<=", WEEK_GOAL_S),
               note="its CPU time in this process (all stations, finished weeks)"),
        Figure(f"week_report_current_cpu_seconds_{kind}", "s", week_data_current_cpu,
               Goal("median", "<=", WEEK_GOAL_S),
               note="read.week.week_report of the current week up to now (the compared day cut from the readings)"),
        Figure(f"week_report_area_cpu_seconds_{kind}", "s", week_data_area_cpu, Goal("median", "<=", WEEK_GOAL_S),
               note="read.week.week_report of one area's stations"),
        Figure(f"overview_page_seconds_{kind}", "s", overview_cold, Goal("median", "<=", OVERVIEW_GOAL_S),
               note=f"app.py default page, views not cached (as every 5 s); one cold run: {overview_db[0]} "
                    f"statements, {overview_db[1]:.2f} s in the database; all_station_views alone median "
                    f"{med(overview_data):.2f} s"),
        Figure(f"overview_page_cpu_seconds_{kind}", "s", overview_cpu,
               note="CPU time of this process for the same cold runs"),
        Figure(f"overview_page_cached_seconds_{kind}", "s", overview_cached, note="views cached (within 5 s)"),
        Figure(f"overview_views_seconds_{kind}", "s", overview_data, note="read.overview.all_station_views alone"),
        Figure(f"wall_view_seconds_{kind}", "s", wall_data,
               note="read.wall.station_view with today's sparklines, for the first stations"),
        Figure(f"wall_numbers_seconds_{kind}", "s", wall_numbers,
               note="read.wall.station_view without sparklines: what a wall refresh rebuilds every 5 s"),
    )
