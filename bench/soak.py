"""Soak: one wall screen left open for a long time keeps refreshing (default 30 minutes).

The whole chain runs for real, as on a corridor TV left on overnight: a
SQLite database is the source system, read by an ``sql`` source that
``python -m board collect`` pulls every ``interval`` seconds (default 2);
``python -m board serve`` serves ``/wall?station=kajaani&refresh=R``
(default 2 s, the shortest the wall accepts, so 30 minutes hold as many
fragment reruns as 4 hours at the shipped 15 s) in one headless Chromium
tab that is never touched or reloaded.

Every ``write`` seconds (default 10) a new ``queue_waiting`` value goes into
the source; every ``sample`` seconds (default 2) the page is read: is the
wall there, does it show a Streamlit error, the "store unavailable" state or
Streamlit's connection-lost state, and which value is on it. Reported:

* ``fragment_reruns_per_minute`` — websocket sends of the page (one per
  fragment rerun request, counted in the page) per minute, against 60/refresh;
* ``rerun_gap`` — seconds between consecutive reruns (a stall shows as a long gap);
* ``value_lag`` — from a write into the source to that value in the DOM
  (noted in the page every 100 ms); it waits for the collector's next pull,
  the web server's view cache (``VIEW_TTL_SECONDS``) and the next refresh;
* ``values_missed`` — written values the page never showed (each stays
  ``write`` seconds, several refreshes, so none should be missed);
* ``values_not_stored`` — written values missing from the store at the end;
* ``error_samples`` — samples showing an error, the unavailable state or no wall.
"""

from __future__ import annotations

import itertools
import time

from bench.common import (
    COUNT_SENDS,
    Figure,
    Goal,
    Options,
    Result,
    Server,
    chromium,
    collector_process,
    log,
    sqlite_url,
    stopping,
    write_config,
)
from bench.freshness import QUERY, STATION, _create_source, _write
from board.web.streamlit_support import VIEW_TTL_SECONDS

NAME = "soak"
DESCRIPTION = "a wall left open for a long time keeps refreshing: reruns, changing numbers, no errors"

#: Notes in the page when each value of the queue tile first appeared (every 100 ms, independent of the probes).
FIRST_SEEN = """
(() => {
  window.__firstSeen = {};
  setInterval(() => {
    const v = document.querySelector('[data-figure="queue_waiting"]')?.dataset.value;
    if (v !== undefined && !(v in window.__firstSeen)) window.__firstSeen[v] = Date.now();
  }, 100);
})();
"""

#: What the page says about itself at one moment (run in the page).
PROBE = """() => {
  const wall = document.querySelector('.wall[data-station]');
  const fig = document.querySelector('[data-figure="queue_waiting"]');
  return {
    wall: !!wall,
    value: fig ? fig.dataset.value : null,
    exception: document.querySelectorAll('[data-testid="stException"]').length,
    unavailable: !!document.querySelector('.wall[data-unavailable]'),
    disconnected: !!document.querySelector('[data-testid="stConnectionStatus"]')
      || /Connecting|Please wait/.test(document.querySelector('[data-testid="stStatusWidget"]')?.innerText || ''),
    sends: window.__sends.length,
    now: Date.now(),
  };
}"""


def run(opts: Options, result: Result) -> None:
    minutes = opts.minutes if opts.minutes is not None else opts.get(NAME, "minutes", 30.0, 20 / 60)
    interval = opts.get(NAME, "interval", 2)
    refresh = opts.get(NAME, "refresh", 2)
    write_every = opts.get(NAME, "write", 10.0, 8.0)
    every = opts.get(NAME, "sample", 2.0, 1.0)
    result.params.update(minutes=minutes, interval_seconds=interval, refresh_seconds=refresh,
                         write_seconds=write_every, sample_seconds=every, station=STATION,
                         source="sql (SQLAlchemy sqlite:/// URL)", collector="python -m board collect")

    work = opts.workdir
    source_db = work / "source.sqlite"
    _create_source(source_db)
    source = {"name": "jono", "type": "sql", "url": sqlite_url(source_db), "query": QUERY,
              "parameters_as": "text", "mapping": {"timezone": "UTC"}, "interval_seconds": interval,
              "stale_after_seconds": max(60, 10 * interval)}
    config = write_config(work / "config", 8, [source])
    store_url = sqlite_url(work / "board.sqlite")
    _write(source_db, 0)

    collector = collector_process(work, config, store_url)
    with stopping(collector):
        server = Server(work, config, store_url)
        with stopping(server), chromium() as browser:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.add_init_script(COUNT_SENDS)
            page.add_init_script(FIRST_SEEN)
            page.goto(f"{server.base}/wall?station={STATION}&refresh={refresh}")
            page.wait_for_selector(f'.wall[data-station="{STATION}"]', timeout=90_000)
            page.wait_for_function("""() => document.querySelector('[data-figure="queue_waiting"]')
                                         ?.dataset.value === '0'""", timeout=(interval + refresh + 60) * 1000)
            log(f"wall shows the source; soaking {minutes:g} min (interval {interval} s, refresh {refresh} s)")

            written: dict[str, float] = {}  # value -> epoch seconds written
            bad: list[str] = []
            samples = 0
            start_ms = float(page.evaluate("Date.now()"))
            started = time.monotonic()
            end = started + minutes * 60
            next_write = started
            next_log = started + 300
            value = 0
            while time.monotonic() < end:
                if time.monotonic() >= next_write:
                    value += 1
                    written[str(value)] = _write(source_db, value)
                    next_write += write_every
                probe = page.evaluate(PROBE)
                samples += 1
                problem = [k for k in ("exception", "unavailable", "disconnected") if probe[k]]
                if not probe["wall"]:
                    problem.append("no wall")
                if problem:
                    bad.append(f"{time.strftime('%H:%M:%S')}: {', '.join(problem)}")
                if time.monotonic() >= next_log:
                    log(f"{(time.monotonic() - started) / 60:.0f} min: {probe['sends']} reruns, "
                        f"value {probe['value']} (last written {value}), {len(bad)} bad samples")
                    next_log += 300
                if not (server.alive() and collector.alive()):
                    raise RuntimeError(f"a process died: server {server.tail(500)} collector {collector.tail(500)}")
                time.sleep(every)
            end_ms = float(page.evaluate("Date.now()"))
            first_seen = {str(k): float(v) / 1000 for k, v in page.evaluate("window.__firstSeen").items()}
            sends = [float(t) for t in page.evaluate("([a, b]) => window.__sends.filter(t => t >= a && t < b)",
                                                     [start_ms, end_ms])]
            # The last write may not have had the time to arrive: judge only values written before the final wait.
            last_judged = end_ms / 1000 - (interval + refresh + 3)

    stored = _stored_values(store_url)
    span_min = (end_ms - start_ms) / 60_000
    gaps = [(b - a) / 1000 for a, b in itertools.pairwise(sends)]
    lags = [first_seen[v] - t for v, t in written.items() if v in first_seen]
    missed = [v for v, t in written.items() if v not in first_seen and t <= last_judged]
    limit = interval + VIEW_TTL_SECONDS + refresh + 2
    expected = 60 / refresh
    result.add(
        Figure("fragment_reruns_per_minute", "/min", [len(sends) / span_min] if span_min else [],
               Goal("value", ">=", 0.9 * expected, f">= 90 % of 60/refresh = {0.9 * expected:g} /min"),
               note=f"{len(sends)} reruns in {span_min:.1f} min, one tab never reloaded"),
        Figure("rerun_gap", "s", gaps, Goal("max", "<=", 3.0 * refresh, f"max <= 3 x refresh = {3 * refresh} s"),
               note="seconds between consecutive fragment reruns"),
        Figure("value_lag", "s", lags, Goal("max", "<=", float(limit),
                                            f"max <= interval + view cache + refresh + 2 s = {limit} s"),
               note=f"{len(written)} values written into the source, one every {write_every:g} s; each "
                    "waits for the collector's next pull, the web server's view cache "
                    f"({VIEW_TTL_SECONDS} s) and the wall's next refresh"),
        Figure("values_missed", "values", [float(len(missed))], Goal("value", "<=", 0.0),
               note=f"written but never on the wall: {', '.join(missed[:10]) or 'none'}"),
        Figure("values_not_stored", "values", [float(len([v for v in written if float(v) not in stored]))],
               Goal("value", "<=", 0.0), note="written into the source but not in the store at the end"),
        Figure("error_samples", "samples", [float(len(bad))], Goal("value", "<=", 0.0),
               note=f"of {samples} samples every {every:g} s; " + ("; ".join(bad[:5]) or "none")),
    )
    result.params["values_written"] = len(written)
    result.params["samples"] = samples


def _stored_values(url: str) -> set[float]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {float(v) for (v,) in conn.execute(text(
                "SELECT value FROM readings JOIN series ON series.id = readings.series "
                "WHERE station = :s AND metric = 'queue_waiting'"), {"s": STATION})}
    finally:
        engine.dispose()
