"""The overview at national scale: every station's row (900 by default, in 21 areas), its data and its page, CPU.

The overview shows only each station's newest values, the notices, the
projections and the alerts, so its store needs no long history: the demo
source loads yesterday and today (today at ``live_step`` seconds), and every
station open now gets a projection stored as the collector would (a fresh
one, re-stored before each measurement: a projection older than 5 minutes is
not shown). For each store (a SQLite file; a fresh PostgreSQL schema, dropped
afterwards) it measures, as this process's CPU time (the machine is shared:
the wall clock is inflated by other work, the CPU time much less so):

* ``read.overview.all_station_views`` alone (the rows' data, three to four statements);
* ``read.overview.overview_rows`` + ``worst_first`` + the table's HTML (``board.web.overview_html``) on those
  views, apart;
* ``app.py``'s default page (the overview) through AppTest, cold (view caches cleared, as every 5 s in
  production), for every station and for one area (``?area=``); and the page again right after the cold one
  (a refresh within the views' 5 s: the views shared, the table written anew).

Every station is open all day during the run (``open``, default true: ``BOARD_ALWAYS_OPEN=1``, restored after),
so the page measured is the daytime one with its projections at any hour; ``--param overview.open=false`` keeps
the real opening hours (at night: no projections, a lighter page).

Goal (issue 17): the overview at 900 stations within 300 ms.
"""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bench.common import (
    Figure,
    Goal,
    Options,
    Result,
    demo_source,
    log,
    postgres_schema,
    sqlite_url,
    stations,
    write_config,
)

NAME = "overview"
DESCRIPTION = "the overview at 900 stations in 21 areas: its data and its page (AppTest, cold), CPU, on both stores"
GOAL_S = 0.3
#: Finland's wellbeing areas: the synthetic stations are dealt into this many (the first is Kainuu's own file).
AREAS = 21


def run(opts: Options, result: Result) -> None:
    n_stations = opts.get(NAME, "stations", 900, 30)
    n_runs = opts.get(NAME, "runs", 5, 2)
    live_step = opts.get(NAME, "live_step", 300, 600)
    kinds = opts.get(NAME, "stores", ["sqlite", "postgres"])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    # The daytime page at any hour: at night no station is open, so no projection is stored or shown and the
    # page measured is a lighter one (PostgreSQL 0.19 s against 0.29 s, 3 Dec 2026). open=false: the real hours.
    always_open = opts.get(NAME, "open", True)
    result.params.update(stations=n_stations, runs=n_runs, live_step_seconds=live_step, stores=kinds, areas=AREAS,
                         always_open=always_open)
    config = write_area_config(opts.workdir / "config", n_stations, live_step)
    before = os.environ.get("BOARD_ALWAYS_OPEN")
    if always_open:
        os.environ["BOARD_ALWAYS_OPEN"] = "1"
    try:
        for kind in kinds:
            where = (postgres_schema(opts, result) if kind == "postgres"
                     else nullcontext(sqlite_url(opts.workdir / "overview.sqlite")))
            with where as url:
                fill_store(config, url)
                measure(kind, config, url, n_runs, result)
    finally:  # the next benchmark in this process sees the hours it was given
        if before is None:
            os.environ.pop("BOARD_ALWAYS_OPEN", None)
        else:
            os.environ["BOARD_ALWAYS_OPEN"] = before


def write_area_config(target: Path, n_stations: int, live_step: int) -> Path:
    """A configuration of ``n_stations``: Kainuu's stations in ``stations.yaml``, the synthetic ones dealt into
    ``AREAS - 1`` further areas (``stations.d/alue-NN.yaml``), as a national deployment keeps them."""
    source = demo_source(backfill_days=1, live_step_seconds=live_step, stale_after_seconds=3600,
                         pull_timeout_seconds=86_400)  # every tile fresh for the hour the runs take
    write_config(target, min(n_stations, 8), [source])
    synthetic = stations(n_stations)[8:]
    folder = target / "stations.d"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    per_area = -(-len(synthetic) // (AREAS - 1)) if synthetic else 0
    for i in range(AREAS - 1):
        chunk = synthetic[i * per_area:(i + 1) * per_area]
        if not chunk:
            break
        area = {"code": f"alue-{i + 2:02d}", "name": f"Testialueen {i + 2} hyvinvointialue"}
        body = {"area": area, "default_opening_hours": {d: "08:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")},
                "stations": chunk}
        (folder / f"alue-{i + 2:02d}.yaml").write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return target


def fill_store(config: Path, url: str) -> None:
    """Yesterday and today from the demo source, through the collector (one cycle)."""
    from board.collector import Collector
    from board.factory import create_board

    board = create_board(config, url)
    try:
        t, c = time.perf_counter(), time.process_time()
        outcomes = Collector(board.settings, board.store).run_once()
        errors = [f"{o.source}: {o.error}" for o in outcomes if not o.ok]
        if errors:
            raise RuntimeError("; ".join(errors))
        log(f"{len(board.settings.stations)} stations: {sum(o.rows for o in outcomes)} readings in "
            f"{time.perf_counter() - t:.1f} s (CPU {time.process_time() - c:.1f} s)")
    finally:
        board.store.dispose()


def store_projections(settings: Any, store: Any) -> int:
    """A fresh projection for every station open now, as the collector stores them once a minute: the queue at
    closing about what it is now, with an 80 % band and a path to closing (the overview shows the band)."""
    from board.domain.hours import instant
    from board.domain.projection import StationProjection
    from board.domain.timeutil import local_date, utcnow

    now = utcnow()
    latest = store.latest_values_of()
    out = []
    for s in settings.stations:
        hours = settings.opening_hours(s.code)
        span = hours.span_on(local_date(now))
        if span is None or not hours.is_open(now):
            continue
        closes = instant(local_date(now), span[1])
        newest = latest.get(s.code, {}).get("queue_waiting")
        queue = float(newest.value) if newest is not None else 0.0
        steps = max(1, int((closes - now) / timedelta(minutes=15)))
        path = tuple((now + (closes - now) * k / steps, queue * 0.7, queue, queue * 1.4) for k in range(steps + 1))
        out.append(StationProjection(s.code, now, closes, queue, queue * 0.7, queue * 1.4, 0.8, 0.7, 0.9, path))
    store.save_projections(out)
    return len(out)


def measure(kind: str, config: Path, url: str, n_runs: int, result: Result) -> None:
    """The overview's data, its table and its page, CPU, cold."""
    from bench.history import _page_env, _run_page
    from board.factory import create_board
    from board.read import overview
    from board.web import streamlit_support as sup
    from board.web.overview_html import render_overview

    board = create_board(config, url)
    settings, store = board.settings, board.store
    try:
        projected = store_projections(settings, store)
        data_cpu, table_cpu, page_cpu, warm_cpu, area_cpu = [], [], [], [], []
        for _ in range(n_runs):
            c = time.process_time()
            views = overview.all_station_views(settings, store)
            data_cpu.append(time.process_time() - c)
            c = time.process_time()
            rows = overview.worst_first(overview.overview_rows(views, overview.firing_by_station(store)))
            render_overview(rows, "fi", lambda code: None)
            table_cpu.append(time.process_time() - c)
        log(f"{kind}: data CPU {_med(data_cpu):.3f} s, rows + table {_med(table_cpu):.3f} s "
            f"({projected} projections)")
        area = next(iter(settings.areas))
        with _page_env(config, url):
            _run_page("app.py")  # warm-up: imports, the engine, the file cache
            for _ in range(n_runs):
                store_projections(settings, store)
                sup.clear_view_caches()  # cold: the views read and built again, as every 5 s
                _run_page("app.py", cpu=page_cpu)
                _run_page("app.py", cpu=warm_cpu)  # within the views' 5 s: the shared views, the table anew
                sup.clear_view_caches()
                _run_page("app.py", {"area": area}, cpu=area_cpu)
        log(f"{kind}: page CPU {_med(page_cpu):.3f} s (within the views' 5 s {_med(warm_cpu):.3f} s), "
            f"one area ({area}) {_med(area_cpu):.3f} s")
    finally:
        store.dispose()
    n = len(settings.stations)
    result.add(
        Figure(f"overview_page_cpu_seconds_{kind}", "s", page_cpu, Goal("median", "<=", GOAL_S),
               note=f"app.py (the overview), all {n} stations, views not cached, CPU of this process"),
        Figure(f"overview_warm_page_cpu_seconds_{kind}", "s", warm_cpu,
               note="the same page again within the views' 5 s (a refresh: the table is written anew)"),
        Figure(f"overview_area_page_cpu_seconds_{kind}", "s", area_cpu, Goal("median", "<=", GOAL_S),
               note=f"the same with ?area={area} ({sum(s.area == area for s in settings.stations)} stations)"),
        Figure(f"overview_data_cpu_seconds_{kind}", "s", data_cpu,
               note="read.overview.all_station_views alone"),
        Figure(f"overview_table_cpu_seconds_{kind}", "s", table_cpu,
               note="overview_rows + worst_first + render_overview on those views"),
    )


def _med(xs: list[float]) -> float:
    return sorted(xs)[len(xs) // 2] if xs else float("nan")
