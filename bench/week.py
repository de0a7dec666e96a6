"""The weekly view at national scale: ``pages/week.py`` at 900 stations in 21 areas, cold, CPU (issue 17: ≤ 1 s).

Why a benchmark of its own: the weekly page's store at 900 stations was built
by scripts that were not kept (docs/PERFORMANCE.md 7b, 7c), so its figures
could not be measured again. A backfill of 900 stations through the
collector takes 15-50 minutes on the shared machine; this builds the same
shape in about a minute, as 7c did:

1. one real collector cycle of the demo source for ``source_stations`` (30)
   stations × ``days`` days (history every 30 min, today every 10 min);
2. SQL deals their daily roll-up to the ``stations`` (900) codes of
   ``bench.common.stations`` (station *i* from station *i* mod 30, every
   whole value × (0.5 + (37 *i* mod 91)/100), rounded, so stations differ;
   fractional values as they are), and the readings the page reads as
   readings: every queue reading (the stations' combined queue peak) and
   every reading of the day a week ago (the current week's compared day, cut
   at the same clock time);
3. the stations dealt into wellbeing areas of ``area_size`` (43: 21 areas),
   as ``bench history`` deals them.

Then ``pages/week.py`` through AppTest, the view caches cleared before each
run (cold), for the last full week and the current week, all stations and
one area, and the last full week of all stations with no combined peak kept
(``unkept_``: every day's peak from the readings, as before migration 0016),
``runs`` times each. The kept peaks are filled once first, as a running board
has them; before each current-week run today's queue roll-up rows are marked
written (their ``version`` raised, as a collector cycle does), so today's
peak is computed from its readings each time. Timed as this process's CPU time
(``time.process_time``) and the script thread's alone (``time.thread_time``
around Streamlit's ``ScriptRunner._run_script``: without AppTest's polling
while the script waits for the database). PostgreSQL's own CPU is not in
either. The report alone (``read.week.week_report``) is timed too. The
schema (or SQLite file) is dropped afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Date, bindparam, text

from bench.common import Figure, Goal, Options, Result, demo_source, log, postgres_schema, sqlite_url, write_config

NAME = "week"
DESCRIPTION = ("the weekly view at 900 stations in 21 areas (week.stations), store dealt from 30 collected "
               "stations: pages/week.py cold, process and script-thread CPU, both stores")
GOAL_S = 1.0


def run(opts: Options, result: Result) -> None:
    from bench.history import _deal_into_areas

    n_stations = opts.get(NAME, "stations", 900, 50)
    n_source = min(n_stations, opts.get(NAME, "source_stations", 30, 10))
    # The last full week and the one before it (its compared week) back from any weekday: 14 + up to 7 days.
    days = opts.get(NAME, "days", 21)
    n_runs = opts.get(NAME, "runs", 3, 1)
    area_size = opts.get(NAME, "area_size", 43, 20)
    kinds = opts.get(NAME, "stores", ["sqlite", "postgres"])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    source = demo_source(backfill_days=days, live_step_seconds=600, stale_after_seconds=3600,
                         pull_timeout_seconds=86_400)
    collected = write_config(opts.workdir / "collected", n_source, [source])
    config = write_config(opts.workdir / "config", n_stations, [source])
    areas = _deal_into_areas(config, area_size)
    result.params.update(stations=n_stations, source_stations=n_source, days=days, runs=n_runs,
                         area_size=area_size, areas=areas, stores=kinds,
                         history_step_minutes=source["history_step_minutes"],
                         live_step_seconds=source["live_step_seconds"])
    for kind in kinds:
        where = (postgres_schema(opts, result) if kind == "postgres"
                 else nullcontext(sqlite_url(opts.workdir / "week.sqlite")))
        with where as url:
            built = build_store(collected, config, url, n_source, n_stations)
            result.params[f"store_{kind}"] = built
            measure(kind, config, url, n_runs, result)


# ------------------------------------------------------------------ the store
def build_store(collected: Path, config: Path, url: str, n_source: int, n_stations: int) -> dict[str, Any]:
    """Collect ``n_source`` stations' history once, then deal it to every station of ``config`` in SQL.

    Returns what was built (readings collected, rows dealt, seconds) for the results' parameters.
    """
    from board.collector import Collector
    from board.domain.periods import PEAK_METRIC
    from board.domain.timeutil import day_start, local_date, utcnow
    from board.factory import create_board
    from board.store.schema import UTCDateTime

    board = create_board(collected, url)
    try:
        t = time.perf_counter()
        outcomes = Collector(board.settings, board.store).run_once()
        errors = [f"{o.source}: {o.error}" for o in outcomes if not o.ok]
        if errors:
            raise RuntimeError("; ".join(errors))
        readings = sum(o.rows for o in outcomes)
        collect_s = time.perf_counter() - t
        log(f"collected {readings} readings of {n_source} stations in {collect_s:.1f} s")
    finally:
        board.store.dispose()

    board = create_board(config, url)  # the 900 stations' configuration (migrations already run)
    codes = [s.code for s in board.settings.stations]
    deal = [(codes[i % n_source], code, 0.5 + (37 * i % 91) / 100) for i, code in enumerate(codes) if i >= n_source]
    compared = local_date(utcnow()) - timedelta(days=7)  # the current week's compared day, read as readings
    start, end = day_start(compared - timedelta(days=1)), day_start(compared + timedelta(days=2))
    scaled = "case when {v} = round({v}) then round({v} * m.factor) else {v} end"
    t = time.perf_counter()
    try:
        with board.store.engine.begin() as conn:
            conn.execute(text("create table bench_deal (src varchar(40), dst varchar(40), factor float)"))
            if deal:  # none at or below the source's own stations (stations=30): the collected store as it is
                conn.execute(text("insert into bench_deal values (:src, :dst, :factor)"),
                             [{"src": s, "dst": d, "factor": f} for s, d, f in deal])
            daily = conn.execute(text(
                "insert into daily_readings (station, day, metric, last_ts, last_value, max_ts, max_value) "
                f"select m.dst, d.day, d.metric, d.last_ts, {scaled.format(v='d.last_value')}, d.max_ts, "
                f"{scaled.format(v='d.max_value')} from daily_readings d join bench_deal m on d.station = m.src"
            )).rowcount
            # The readings the page reads: every queue reading, and every reading around the compared day, each
            # under its station's series (board/store/series.py), made first in key order as the board makes them.
            conn.execute(text("insert into series (station, metric) select m.dst, s.metric from series s "
                              "join bench_deal m on s.station = m.src order by m.dst, s.metric"))
            dealt = conn.execute(text(
                "insert into readings (series, ts, value, source, collected_at) "
                f"select ds.id, r.ts, {scaled.format(v='r.value')}, r.source, r.collected_at "
                "from readings r join series s on s.id = r.series join bench_deal m on s.station = m.src "
                "join series ds on ds.station = m.dst and ds.metric = s.metric "
                "where s.metric = :peak or (r.ts >= :start and r.ts < :end)").bindparams(
                    bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime())),
                {"peak": PEAK_METRIC, "start": start, "end": end}).rowcount
            conn.execute(text("drop table bench_deal"))
        if board.store.engine.dialect.name == "postgresql":
            with board.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE readings"))
                conn.execute(text("VACUUM ANALYZE series"))
                conn.execute(text("VACUUM ANALYZE daily_readings"))
        else:
            with board.store.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    finally:
        board.store.dispose()
    deal_s = time.perf_counter() - t
    log(f"dealt to {n_stations} stations in {deal_s:.1f} s: {daily} roll-up rows, {dealt} readings")
    return {"collected_readings": readings, "collect_s": round(collect_s, 1), "dealt_daily_rows": daily,
            "dealt_readings": dealt, "deal_s": round(deal_s, 1)}


# ------------------------------------------------------------------ the page
@contextmanager
def script_thread_cpu() -> Iterator[list[float]]:
    """The CPU time of each page run's script thread (``time.thread_time`` around ``ScriptRunner._run_script``).

    Why: AppTest's own thread polls while the script waits for PostgreSQL, so
    the process's CPU grows with the database's wall time under load; the
    script thread's CPU is the page's own work.
    """
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    inner = ScriptRunner._run_script
    times: list[float] = []

    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        c = time.thread_time()
        try:
            return inner(self, *args, **kwargs)
        finally:
            times.append(time.thread_time() - c)

    ScriptRunner._run_script = timed  # type: ignore[method-assign]
    try:
        yield times
    finally:
        ScriptRunner._run_script = inner  # type: ignore[method-assign]


def measure(kind: str, config: Path, url: str, n_runs: int, result: Result) -> None:
    """The weekly page, cold, for five cases, ``n_runs`` each (the cases interleaved), and the report alone."""
    from bench.history import _page_env, _run_page
    from board.domain.periods import PEAK_METRIC
    from board.domain.timeutil import local_date, utcnow
    from board.factory import create_board
    from board.read import week as weekly
    from board.settings import load_settings
    from board.store import make_engine
    from board.web import streamlit_support as sup

    settings = load_settings(config)
    last, current = weekly.default_week(), weekly.IsoWeek.of(local_date(utcnow()))
    area = next(iter(settings.areas))
    cases = {"": {"week": last.key}, "current_": {"week": current.key},
             "area_": {"week": last.key, "area": area}, "area_current_": {"week": current.key, "area": area},
             "unkept_": {"week": last.key}}
    # What the store holds when each case's page runs. The kept combined peaks (Store.day_peaks) are valid
    # until their days' readings are written: a running collector writes today's every cycle, so before a
    # current week's page today's queue roll-up rows are marked written (their version raised, as a cycle
    # does), and today's peak is computed again from its readings. "unkept_": nothing kept (the first page of
    # a selection, or every day written since): every day's peak from the readings, as before kept peaks.
    today = local_date(utcnow())
    cycle = text("update daily_readings set version = version + 1 where metric = :metric and day = :today"
                 ).bindparams(bindparam("today", type_=Date()))
    before = {"current_": (cycle, {"metric": PEAK_METRIC, "today": today}),
              "area_current_": (cycle, {"metric": PEAK_METRIC, "today": today}),
              "unkept_": (text("delete from combined_peaks"), {})}
    cpu: dict[str, list[float]] = {c: [] for c in cases}
    thread: dict[str, list[float]] = {c: [] for c in cases}
    wall: dict[str, list[float]] = {c: [] for c in cases}
    engine = make_engine(url)
    with _page_env(config, url), script_thread_cpu() as threads:
        _run_page("pages/week.py", {"week": last.key, "area": area})  # warm-up: imports, plotly, the engine
        _run_page("pages/week.py", {"week": last.key})  # the selections' peaks kept once, as a running board has
        _run_page("pages/week.py", {"week": current.key})
        for i in range(n_runs):
            for case, params in cases.items():
                if case in before:
                    with engine.begin() as conn:
                        conn.execute(*before[case])
                sup.clear_view_caches()
                wall[case].append(_run_page("pages/week.py", params, cpu[case]))
                thread[case].append(threads[-1])
                log(f"{kind}: run {i + 1} {case or 'all_'}{params}: CPU {cpu[case][-1]:.2f} s, script thread "
                    f"{thread[case][-1]:.2f} s, wall {wall[case][-1]:.2f} s")
    engine.dispose()
    report_cpu: list[float] = []
    board = create_board(config, url)
    try:
        for _ in range(n_runs):
            c = time.process_time()
            weekly.week_report(board.settings, board.store, last.year, last.week)
            report_cpu.append(time.process_time() - c)
    finally:
        board.store.dispose()

    n, n_area = len(settings.stations), len(settings.area_stations([area]))
    what = {"": f"all {n} stations, {last.key} (the last full week)",
            "current_": f"all {n} stations, {current.key} (the current week, compared up to now)",
            "area_": f"one area ({area}, {n_area} stations), {last.key}",
            "area_current_": f"one area ({area}, {n_area} stations), {current.key}",
            "unkept_": f"all {n} stations, {last.key}, no combined peak kept"}
    for case in cases:
        result.add(
            Figure(f"week_page_{case}cpu_seconds_{kind}", "s", cpu[case], Goal("median", "<=", GOAL_S),
                   note=f"pages/week.py, {what[case]}, view caches cleared: CPU time of this process "
                        "(PostgreSQL's backend not counted)"),
            Figure(f"week_page_{case}thread_cpu_seconds_{kind}", "s", thread[case], Goal("median", "<=", GOAL_S),
                   note="the same runs: CPU time of the script thread alone (without AppTest's polling)"),
            Figure(f"week_page_{case}seconds_{kind}", "s", wall[case], note="the same runs' wall-clock time"),
        )
    result.add(Figure(f"week_report_cpu_seconds_{kind}", "s", report_cpu,
                      note=f"read.week.week_report alone, all {n} stations, {last.key}, CPU of this process"))
