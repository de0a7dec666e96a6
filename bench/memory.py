"""Memory: the web server's resident memory with 20 wall screens over a long run (default 30 minutes).

``python -m board serve`` over a store of 30 stations that the real collector
(``python -m board collect``, demo source on its default interval) keeps
filling during the run, so the views change as they would on a working day;
one headless Chromium with ``screens`` tabs, each a different station's wall
with ``?refresh=5`` (three times the default rate, to provoke any growth per
rerun sooner). After a warm-up (every tab shown, then ``warmup`` seconds,
default 5 minutes: a first run with 60 s showed the server's working set
forming over the first two minutes, 162 -> ~205 MiB, then flat), ``VmRSS``
of the server process (``/proc/<pid>/status``) is sampled every ``sample``
seconds for ``--minutes``. Growth = end / start - 1, start and end each the
median of three samples, so one garbage-collection moment does not decide
it. Also reported, independent of the warm-up: the growth over the second
half of the run and the least-squares slope of that half (a leak shows as a
steady climb there).
"""

from __future__ import annotations

import time

from bench.common import (
    Figure,
    Goal,
    Options,
    Result,
    Server,
    chromium,
    collector_process,
    cpu_seconds,
    demo_source,
    log,
    open_wall,
    percentile,
    rss_mib,
    sqlite_url,
    stations,
    stopping,
    write_config,
)
from bench.screens import fill_store

NAME = "memory"
DESCRIPTION = "web server RSS growth with many wall screens over a long run"
N_STATIONS = 30


def run(opts: Options, result: Result) -> None:
    minutes = opts.minutes if opts.minutes is not None else opts.get(NAME, "minutes", 30.0, 20 / 60)
    n_screens = opts.get(NAME, "screens", 20, 2)
    refresh = opts.get(NAME, "refresh", 5)
    warmup = opts.get(NAME, "warmup", 300.0, 3.0)
    every = opts.get(NAME, "sample", 10.0, 2.0)
    n_stations = opts.get(NAME, "stations", N_STATIONS, 3)
    result.params.update(minutes=minutes, screens=n_screens, refresh_seconds=refresh, warmup_seconds=warmup,
                         sample_seconds=every, stations_configured=n_stations, collector="python -m board collect")

    work = opts.workdir
    config = write_config(work / "config", n_stations, [demo_source(backfill_days=1)])
    url = sqlite_url(work / "board.sqlite")
    result.params.update(fill_store(config, url))
    codes = [s["code"] for s in stations(n_stations)]

    collector = collector_process(work, config, url)
    with stopping(collector):
        server = Server(work, config, url)
        with stopping(server), chromium() as browser:
            log(f"opening {n_screens} walls (refresh {refresh} s)")
            pages = [open_wall(browser, server.base, codes[i % len(codes)], refresh) for i in range(n_screens)]
            rss_loaded = rss_mib(server.pid)
            time.sleep(warmup)
            samples: list[float] = []
            stamps: list[float] = []
            started = time.monotonic()
            cpu0, t0_ms = cpu_seconds(server.pid), time.time() * 1000
            end = started + minutes * 60
            next_log = started + 300
            while True:
                samples.append(rss_mib(server.pid))
                stamps.append(time.monotonic() - started)
                if time.monotonic() >= next_log:
                    log(f"{(time.monotonic() - started) / 60:.0f} min: RSS {samples[-1]:.0f} MiB "
                        f"(start {samples[0]:.0f} MiB)")
                    next_log += 300
                if time.monotonic() >= end - 0.01:
                    break
                time.sleep(min(every, max(0.0, end - time.monotonic())))
                if not server.alive():
                    raise RuntimeError(f"the web server died: {server.tail()}")
            cpu = cpu_seconds(server.pid) - cpu0
            t1_ms = time.time() * 1000
            refreshes = sum(page.evaluate("([a, b]) => window.__sends.filter(t => t >= a && t < b).length",
                                          [t0_ms, t1_ms]) for page in pages)
            if not collector.alive():
                result.notes.append(f"the collector stopped during the run: {collector.tail(500)}")

    start = percentile(samples[:3], 50)
    end_rss = percentile(samples[-3:], 50)
    growth = 100 * (end_rss / start - 1)
    hours = stamps[-1] / 3600 if stamps[-1] > 0 else 0
    slope = _slope(stamps, samples) * 3600  # MiB per hour, least squares
    half = len(samples) // 2
    mid = percentile(samples[max(0, half - 1):half + 2], 50)
    half_slope = _slope(stamps[half:], samples[half:]) * 3600
    result.add(
        Figure("rss_growth", "%", [growth], Goal("value", "<=", 10.0),
               note=f"start {start:.1f} MiB (after warm-up) -> end {end_rss:.1f} MiB over {stamps[-1] / 60:.1f} min"),
        Figure("rss", "MiB", samples, note=f"every {every:g} s; {rss_loaded:.1f} MiB right after the tabs loaded"),
        Figure("rss_start", "MiB", [start]),
        Figure("rss_end", "MiB", [end_rss]),
        Figure("rss_trend", "MiB/h", [slope], note="least-squares slope over the run"),
        Figure("rss_growth_second_half", "%", [100 * (end_rss / mid - 1)],
               note=f"from the middle of the run ({mid:.1f} MiB) to the end"),
        Figure("rss_trend_second_half", "MiB/h", [half_slope], note="least-squares slope over the second half"),
        Figure("cpu_ms_per_refresh", "ms", [cpu * 1000 / refreshes] if refreshes else [],
               note=f"{refreshes} refreshes of {n_screens} walls during the run, the collector writing meanwhile"),
    )
    if hours:
        result.notes.append(f"{refreshes} fragment reruns in {hours * 60:.1f} min; RSS min {min(samples):.1f}, "
                            f"max {max(samples):.1f} MiB")


def _slope(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0
