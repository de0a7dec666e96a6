"""ohjaustaulu's benchmarks: ``python -m bench`` (``make bench``); method and figures in docs/PERFORMANCE.md.

Each module measures one figure and fills a :class:`bench.common.Result`:

* ``freshness`` — a value changes in a source -> the new number in a browser's DOM on the wall
* ``screens``   — the web server's CPU per wall refresh, store statements per refresh interval
* ``history``   — a year of history for 30 stations (``history.stations``, ``history.days``): backfill (throughput
  per fifth of the load), weekly view and overview, SQLite and PostgreSQL
* ``overview``  — the overview at 900 stations in 21 areas: its data and its page, CPU, SQLite and PostgreSQL
* ``week``      — the weekly view at 900 stations in 21 areas (a store dealt in SQL from 30 collected stations): the
  page cold, last full and current week, all stations and one area, process and script-thread CPU
* ``memory``    — the web server's RSS with 20 screens over a long run
* ``collector`` — one incremental collector cycle over 30 stations (``collector.stations``)
* ``soak``      — one wall left open for 30 minutes keeps refreshing: reruns, changing numbers, no errors
* ``items``     — a year of items for 30 stations loaded and counted, one incremental cycle's own time
* ``projection`` — backtest of the end-of-day queue projection against naive baselines, and its cost per station

Benchmarks measure and report; they never fail on a missed goal. PostgreSQL is the shared test server's
(``tests/harness.py``) unless ``--param common.pg=private`` starts a cluster of the benchmark's own, set up as
docs/DEPLOY.md recommends (``bench/pgserver.py``).
"""

from __future__ import annotations

from types import ModuleType

from bench import collector, freshness, history, items, memory, overview, projection, screens, soak, week

#: Name -> module (with ``NAME``, ``DESCRIPTION`` and ``run(opts, result)``), in the order ``make bench`` runs them.
BENCHMARKS: dict[str, ModuleType] = {
    m.NAME: m for m in (freshness, screens, history, overview, week, collector, items, memory, soak, projection)}
