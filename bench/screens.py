"""Screens per server: the web server's CPU per wall refresh, and store statements per refresh interval.

One ``python -m board serve`` over a store holding the demo's recent data for
``stations`` stations (30 by default; ``stations=900`` for national scale:
the first 20 with the demo's minute readings, the rest only fill the store,
see :func:`screen_sources`), and one headless Chromium with many tabs, each a
station's wall with a short refresh (``?refresh=5``) so there are many
refreshes. First the floor (``floor``, default 8 walls on 8 stations,
``floor_rounds`` 7): walls and the empty fragment in alternating rounds, their
ratio per round. Then phases (``SCREENSxSTATIONS``; default 1, 8 and 20 walls
on as many stations, and 20 walls on 5 stations), each after a warm-up, for
``seconds`` per phase, cut into windows of ``window`` seconds:

* server CPU: ``/proc/<pid>/stat`` utime + stime of the Streamlit process;
* refreshes: each tab counts its own websocket sends (one per fragment rerun
  request; page loads are outside the windows), timestamped in the page;
* statements: ``BOARD_QUERY_COUNT_FILE`` (the server writes its count once a second).

Per window: CPU ms per screen refresh and statements per refresh interval.
The view cache (``st.cache_data``, 5 s) is shared by all sessions, so the
statements must follow the number of *stations* shown, at most one view per
station per 5 s, however many screens show it.

Then a what-if phase (``what_if``, default the 20x20 layout) on a second
server with Streamlit's ``runner.postScriptGC`` the other way round from
``.streamlit/config.toml`` (through ``STREAMLIT_RUNNER_POST_SCRIPT_GC``, for
that server only): when on, Streamlit runs a full ``gc.collect(2)`` after
every script run, fragment reruns included, and the two servers show what
that costs.

No collector runs during the phases: every figure is the server's own cost
of showing the same data. How much data a wall refresh reads grows through
the day (today's trend series), so the time of day is recorded.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from sqlalchemy import func, select

from bench.common import (
    COUNT_SENDS,
    ROOT,
    Figure,
    Goal,
    Options,
    Result,
    Server,
    chromium,
    cpu_seconds,
    demo_source,
    log,
    open_wall,
    percentile,
    sqlite_url,
    statement_count,
    stations,
    stopping,
    write_config,
)

NAME = "screens"
DESCRIPTION = "web server CPU per wall refresh and store statements per refresh interval, at several screen counts"
N_STATIONS = 30
#: The stations the phases may show (the first ones), each with today at a reading a minute; the rest are bulk.
SHOWN = 20
#: Today's step of the bulk stations (seconds), which only make the store hold more stations (``stations=900``).
BULK_STEP_SECONDS = 900
#: The fill's pull timeout (seconds): generous, the fill is not measured.
FILL_TIMEOUT_SECONDS = 3600
GOAL_MS = 20.0  # 20 ms per refresh = 750 screens per core at the default 15 s refresh


def open_empty(browser: Any, base: str, refresh: int) -> Any:
    """A tab on the empty fragment (bench/pages/empty_fragment.py), counting its websocket sends like a wall's."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.add_init_script(COUNT_SENDS)
    page.goto(f"{base}/bench-empty?refresh={refresh}", timeout=120_000)
    page.wait_for_selector(".empty-fragment", state="attached", timeout=90_000)
    return page


def parse_phases(spec: Any) -> list[tuple[int, int]]:
    """``"5x5,20x20"`` (or a list of such items) -> [(screens, stations), ...]; "" -> []."""
    items = spec if isinstance(spec, list) else [x for x in str(spec).split(",") if x.strip()]
    phases = []
    for item in items:
        screens, _, n_stations = str(item).strip().partition("x")
        phases.append((int(screens), int(n_stations or screens)))
    return phases


def screen_sources(codes: list[str], detailed: int, bulk_step: int) -> list[dict[str, Any]]:
    """The demo source for the first ``detailed`` stations (those the phases show: yesterday at 30 min, today
    at a reading a minute, as the demo), and for the rest, when any, a second demo source with today at
    ``bulk_step`` seconds. The simulation is a pure function of (seed, station, day), so the shown stations hold
    the same data whatever ``stations`` is, and only the number of stations in the store differs; the bulk keeps a
    900-station store at ~2.5 M readings by evening instead of ~15 M. The fill is set-up, never a figure: its pulls
    may take as long as they need (at 900 stations under load 16 the bulk pull passed the default 300 s and the
    run stopped)."""
    shown, bulk = codes[:detailed], codes[detailed:]
    sources = [demo_source(backfill_days=1, stations=shown, pull_timeout_seconds=FILL_TIMEOUT_SECONDS)]
    if bulk:
        sources.append(demo_source(name="demo_bulk", backfill_days=1, live_step_seconds=bulk_step,
                                   stale_after_seconds=max(300, 2 * bulk_step), stations=bulk,
                                   pull_timeout_seconds=FILL_TIMEOUT_SECONDS))
    return sources


def fill_store(config_dir, url: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One collector cycle of the demo sources into the store (in this process); what today holds per station."""
    from board.collector import Collector
    from board.domain.timeutil import day_start, local, local_date, utcnow
    from board.factory import create_board
    from board.store import ReadingRow, SeriesRow

    board = create_board(config_dir, url)
    store = board.store
    try:
        started = time.perf_counter()
        outcomes = Collector(board.settings, store).run_once()
        for outcome in outcomes:
            if not outcome.ok:
                raise RuntimeError(f"could not fill the store: {outcome.error}")
        seconds = time.perf_counter() - started
        now = utcnow()
        with store.sessions() as s:
            today = s.scalar(select(func.count()).select_from(ReadingRow)
                             .join(SeriesRow, SeriesRow.id == ReadingRow.series)
                             .where(SeriesRow.station == "kajaani", ReadingRow.ts >= day_start(local_date(now)))) or 0
            total = s.scalar(select(func.count()).select_from(ReadingRow)) or 0
        log(f"store filled: {total} readings for {len(board.settings.stations)} stations in {seconds:.0f} s")
        return {"readings": sum(o.rows for o in outcomes), "readings_in_store": total,
                "readings_today_per_station": today, "fill_seconds": round(seconds, 1),
                "local_time": local(now).strftime("%a %Y-%m-%d %H:%M")}
    finally:
        store.dispose()


def configured_post_script_gc() -> bool:
    """``runner.postScriptGC`` as the project's ``.streamlit/config.toml`` sets it (Streamlit's default: true)."""
    import tomllib

    try:
        config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return True
    return bool(config.get("runner", {}).get("postScriptGC", True))


def view_cost(config_dir, url: str, codes: list[str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A wall view per station, in this process: the numbers alone (what the server rebuilds every 5 s) and the
    full view with today's sparklines (ms each), and the statements of a full view."""
    from bench.loading import DbTimer
    from board.factory import create_board
    from board.read import wall

    board = create_board(config_dir, url)
    settings, store = board.settings, board.store
    try:
        wall.station_view(settings, store, codes[0])  # warm-up
        out: dict[str, Any] = {"numbers_ms": [], "full_ms": []}
        for code in codes:
            t = time.perf_counter()
            wall.station_view(settings, store, code, with_trend=False)
            out["numbers_ms"].append((time.perf_counter() - t) * 1000)
        timer = DbTimer(store.engine)
        for code in codes:
            t = time.perf_counter()
            wall.station_view(settings, store, code)
            out["full_ms"].append((time.perf_counter() - t) * 1000)
        timer.remove()
        out["statements"] = timer.statements / len(codes)
        return out
    finally:
        store.dispose()


def run(opts: Options, result: Result) -> None:
    from board.web.streamlit_support import VIEW_TTL_SECONDS

    phases = parse_phases(opts.get(NAME, "phases", "1x1,8x8,20x20,20x5", "1x1,2x1"))
    what_if = parse_phases(opts.get(NAME, "what_if", "20x20", ""))
    seconds = opts.get(NAME, "seconds", 120.0, 8.0)
    window = opts.get(NAME, "window", 10.0, 4.0)
    refresh = opts.get(NAME, "refresh", 5)
    warmup = opts.get(NAME, "warmup", 15.0, 2.0)
    n_stations = opts.get(NAME, "stations", N_STATIONS, 3)
    # The floor: alternating rounds of walls and of the empty fragment, the same tabs and refresh, same server.
    floor = parse_phases(opts.get(NAME, "floor", "8x8", "2x2"))
    floor_rounds = opts.get(NAME, "floor_rounds", 7, 1)
    floor_seconds = opts.get(NAME, "floor_seconds", 20.0, 6.0)
    # Idle: walls at the configured refresh (no ?refresh=) with nothing changing, server CPU per screen-second.
    idle = parse_phases(opts.get(NAME, "idle", "20x20", ""))
    idle_seconds = opts.get(NAME, "idle_seconds", 60.0, 8.0)
    result.params.update(phases=[f"{n}x{k}" for n, k in phases], what_if=[
        f"{n}x{k}" for n, k in what_if], seconds_per_phase=seconds, window_seconds=window, refresh_seconds=refresh,
        warmup_seconds=warmup, stations_configured=n_stations, view_cache_ttl_seconds=VIEW_TTL_SECONDS,
        floor=[f"{n}x{k}" for n, k in floor], floor_rounds=floor_rounds, floor_seconds=floor_seconds,
        idle=[f"{n}x{k}" for n, k in idle], idle_seconds=idle_seconds)

    work = opts.workdir
    most = max(k for _, k in [*phases, *what_if, *floor, *idle])
    if most > n_stations:
        raise ValueError(f"a phase shows {most} stations but only {n_stations} are configured")
    codes = [s["code"] for s in stations(n_stations)]
    bulk_step = opts.get(NAME, "bulk_step", BULK_STEP_SECONDS)
    detailed = max(SHOWN, most)
    result.params.update(bulk_step_seconds=bulk_step, stations_at_a_minute=min(n_stations, detailed))
    config = write_config(work / "config", n_stations, screen_sources(codes, detailed, bulk_step))
    url = sqlite_url(work / "board.sqlite")
    result.params.update(fill_store(config, url))
    cost = view_cost(config, url, codes[:most])
    per_view = cost["statements"]
    result.params["statements_per_view"] = round(per_view, 2)
    result.add(
        Figure("station_view_numbers_ms", "ms", cost["numbers_ms"],
               note="wall.station_view(with_trend=False) in-process, one per station: the tiles' numbers"),
        Figure("station_view_full_ms", "ms", cost["full_ms"],
               note=f"read.wall.station_view in-process with today's sparklines ({per_view:g} statements)"),
    )

    count_file = work / "statements"
    gc_on = configured_post_script_gc()
    result.params["post_script_gc"] = gc_on
    flipped = ("_post_script_gc_off", "false") if gc_on else ("_post_script_gc_on", "true")
    with chromium() as browser:
        runs = [("", phases, {}), (flipped[0], what_if, {"STREAMLIT_RUNNER_POST_SCRIPT_GC": flipped[1]})]
        for suffix, layout, env in runs:
            if not layout and (suffix or not (floor or idle)):
                continue
            server = Server(work, config, url, BOARD_QUERY_COUNT_FILE=str(count_file), BOARD_BENCH_PAGES="1", **env)
            with stopping(server):
                if not suffix:
                    _floor_rounds(result, browser, server, count_file, codes, floor, floor_rounds, refresh, warmup,
                                  floor_seconds, window)
                    _idle(result, browser, server, count_file, codes, idle, warmup, idle_seconds, window)
                per_phase = {}
                for screens, shown in layout:
                    label = f"{screens}x{shown}{suffix}"
                    log(f"phase {label}: {screens} walls on {shown} stations (refresh {refresh} s)")
                    per_phase[(screens, shown)] = _phase(
                        browser, server, count_file, codes, screens, shown, refresh, warmup, seconds, window)
                    _report_phase(result, label, per_phase[(screens, shown)], screens, shown, refresh,
                                  VIEW_TTL_SECONDS, per_view, window)
            if not suffix and layout:
                _compare(result, per_phase, per_view)

    result.notes.append(
        "CPU per refresh = Streamlit's rerun of the fragment (+ a full gc.collect(2) after it unless "
        "runner.postScriptGC is false) + the station's view when its cached copy has expired (numbers: 5 s; "
        "with one wall per station and a refresh >= 5 s nearly every refresh rebuilds them) + today's "
        "sparklines when theirs has (the whole view before commit cfc9d3d, 60 s since), whose cost follows the "
        f"size of today's series (it grows through the day). Measured at {result.params.get('local_time')} "
        f"Helsinki time, {result.params.get('readings_today_per_station')} readings today per station.")


def _phase(browser, server: Server, count_file, codes: list[str], n_screens: int, n_stations: int,  # type: ignore[no-untyped-def]
           refresh: int | None, warmup: float, seconds: float, window: float, empty: bool = False) -> dict[str, Any]:
    """Open the tabs (walls, or the empty fragment when ``empty``), wait ``warmup``, then measure in windows."""
    if empty:
        pages = [open_empty(browser, server.base, refresh or 15) for _ in range(n_screens)]
    else:
        pages = [open_wall(browser, server.base, codes[i % n_stations], refresh) for i in range(n_screens)]
    try:
        time.sleep(warmup)
        marks = []  # (epoch ms, cpu s, statements)
        end = time.monotonic() + seconds
        while True:
            marks.append((time.time() * 1000, cpu_seconds(server.pid), statement_count(count_file, server.pid)))
            if time.monotonic() >= end - 0.01:
                break
            time.sleep(min(window, max(0.0, end - time.monotonic())))
        sends = [page.evaluate("window.__sends") for page in pages]
    finally:
        for page in pages:
            page.close()
    if not server.alive():
        raise RuntimeError(f"the web server died: {server.tail()}")

    def refreshes(a: float, b: float) -> int:
        return sum(1 for page_sends in sends for t in page_sends if a <= t < b)

    windows = []
    for (t0, c0, q0), (t1, c1, q1) in itertools.pairwise(marks):
        windows.append({"span": (t1 - t0) / 1000, "cpu": c1 - c0, "statements": q1 - q0,
                        "refreshes": refreshes(t0, t1)})
    (t0, c0, q0), (t1, c1, q1) = marks[0], marks[-1]
    return {"windows": windows, "span": (t1 - t0) / 1000, "cpu": c1 - c0, "statements": q1 - q0,
            "refreshes": refreshes(t0, t1)}


def _floor_rounds(result: Result, browser: Any, server: Server, count_file: Any, codes: list[str],
                  layouts: list[tuple[int, int]], rounds: int, refresh: int, warmup: float, seconds: float,
                  window: float) -> None:
    """Walls and the empty fragment in alternating rounds (wall, empty, wall, empty, ...) on the same server:
    each round's ratio compares two measurements minutes apart, so other work on the machine cancels out."""
    for screens, shown in layouts:
        walls, empties, ratios = [], [], []
        for i in range(rounds):
            costs = {}
            for empty in (False, True):
                p = _phase(browser, server, count_file, codes, screens, shown, refresh, warmup, seconds, window,
                           empty=empty)
                costs[empty] = p["cpu"] * 1000 / max(1, p["refreshes"])
            walls.append(costs[False])
            empties.append(costs[True])
            ratios.append(costs[False] / costs[True] if costs[True] else float("nan"))
            log(f"floor {screens}x{shown} round {i + 1}/{rounds}: wall {costs[False]:.1f} ms, empty fragment "
                f"{costs[True]:.1f} ms per refresh, ratio {ratios[-1]:.2f}")
        label = f"{screens}x{shown}"
        result.add(
            Figure(f"floor_wall_cpu_ms_per_refresh_{label}", "ms", walls,
                   note=f"{screens} walls on {shown} stations, refresh {refresh} s, one value per round "
                        "(server CPU over the round / the tabs' refreshes; the browsers' change polls included)"),
            Figure(f"floor_empty_cpu_ms_per_refresh_{label}", "ms", empties,
                   note=f"{screens} tabs of the empty fragment (bench/pages/empty_fragment.py), refresh {refresh} s"),
            Figure(f"wall_to_empty_ratio_{label}", "ratio", ratios, Goal("median", "<=", 1.5),
                   note="CPU per wall refresh / CPU per empty-fragment refresh, each round's pair measured "
                        "back to back on the same server"),
        )


def _idle(result: Result, browser: Any, server: Server, count_file: Any, codes: list[str],
          layouts: list[tuple[int, int]], warmup: float, seconds: float, window: float) -> None:
    """Walls at the configured refresh with nothing changing: what a screen costs the server while it waits."""
    for screens, shown in layouts:
        p = _phase(browser, server, count_file, codes, screens, shown, None, warmup, seconds, window)
        per_screen = [w["cpu"] * 1000 / w["span"] / screens for w in p["windows"]]
        result.add(Figure(f"idle_cpu_ms_per_screen_second_{screens}x{shown}", "ms/s", per_screen,
                          note=f"{screens} walls on {shown} stations at the configured refresh, no data changing: "
                               f"server CPU per second per screen; {p['refreshes']} refreshes in "
                               f"{p['span']:.0f} s"))
        log(f"idle {screens}x{shown}: {1000 * p['cpu'] / p['span'] / screens:.2f} ms CPU per screen-second")


def _report_phase(result: Result, label: str, p: dict[str, Any], n_screens: int, n_stations: int, refresh: int,
                  ttl: int, per_view: float, window: float) -> None:
    ws = p["windows"]
    cpu_ms = [w["cpu"] * 1000 / w["refreshes"] for w in ws if w["refreshes"]]
    total_ms = p["cpu"] * 1000 / max(1, p["refreshes"])
    per_interval = [w["statements"] / (w["span"] / refresh) for w in ws]
    per_station_ttl = [w["statements"] / n_stations / (w["span"] / ttl) for w in ws]
    views_per_refresh = p["statements"] / per_view / max(1, p["refreshes"]) if per_view else 0
    result.add(
        Figure(f"cpu_ms_per_refresh_{label}", "ms", cpu_ms, Goal("median", "<=", GOAL_MS),
               note=f"{n_screens} walls on {n_stations} stations, per {window:g} s window; whole phase "
                    f"{total_ms:.1f} ms over {p['refreshes']} refreshes, server at "
                    f"{100 * p['cpu'] / p['span']:.0f} % of a core; {views_per_refresh:.2f} view rebuilds per refresh"),
        Figure(f"screens_per_core_at_15s_{label}", "screens", [15000 / v for v in cpu_ms if v > 0],
               note=f"15 s refresh / CPU per refresh (the goal {GOAL_MS:g} ms is {15000 / GOAL_MS:g} screens)"),
        Figure(f"statements_per_interval_{label}", "statements", per_interval,
               note=f"store statements per {refresh} s refresh interval, {n_stations} stations shown"),
        Figure(f"statements_per_station_per_{ttl}s_{label}", "statements", per_station_ttl,
               Goal("median", "<=", round(per_view * 1.1, 2),
                    f"median <= one view ({per_view:g} statements) per station per {ttl} s, +10 %"),
               note="however many screens show the station"),
        Figure(f"refreshes_per_screen_minute_{label}", "1/min",
               [w["refreshes"] / n_screens * 60 / w["span"] for w in ws],
               note=f"expected {60 / refresh:g} (each tab's own websocket sends)"),
    )
    log(f"phase {label}: {total_ms:.1f} ms CPU per refresh, "
        f"{p['statements'] / (p['span'] / refresh):.1f} statements per interval, "
        f"{percentile(per_station_ttl, 50):.2f} per station per {ttl} s")


def _compare(result: Result, per_phase: dict[tuple[int, int], dict[str, Any]], per_view: float) -> None:
    """Statements per station must not grow with screens: compare every pair of phases with more screens."""
    def per_station(key: tuple[int, int]) -> float:
        p = per_phase[key]
        return p["statements"] / key[1] / p["span"]

    keys = sorted(per_phase)
    for a, b in itertools.combinations(keys, 2):
        small, big = (a, b) if a[0] <= b[0] else (b, a)
        if small[0] == big[0] or per_station(small) == 0:
            continue
        ratio = per_station(big) / per_station(small)
        same_share = small[0] / small[1] == big[0] / big[1]
        result.add(Figure(
            f"statement_growth_per_station_{big[0]}x{big[1]}_vs_{small[0]}x{small[1]}", "ratio", [ratio],
            Goal("value", "<=", 1.2, "<= 1.2 (flat)") if same_share else None,
            note=(f"statements per station shown, {big[0]} screens / {small[0]} screens"
                  + ("" if same_share else f"; {big[0] / big[1]:g} vs {small[0] / small[1]:g} screens per station: "
                     "more screens per station may lift it up to the cap of one view per station per cache period "
                     "(see statements_per_station_per_5s)"))))
