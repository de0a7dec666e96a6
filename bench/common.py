"""What the benchmarks share: figures and results, the machine, configurations, processes, the browser.

Processes, web servers, PostgreSQL schemas and the browser come from the
harness the tests use too (``tests/harness.py``); this adds the benchmarks'
own: figures, results, options, the machine, and /proc readings.

A *figure* is one measured quantity with its samples, summarised as median,
p5/p95, min/max and n, and judged against its goal when it has one. A
*result* is one benchmark's figures, parameters and notes. Nothing here
asserts speed: benchmarks measure and report.
"""

from __future__ import annotations

import math
import os
import platform
import random
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests import harness
from tests.harness import (  # noqa: F401 - the benchmarks take them from here
    CHROMIUM,
    CHROMIUM_FLAGS,
    PG_URL,
    Process,
    board_env,
    chromium,
    free_port,
    stopping,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench-results"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------ figures
@dataclass(frozen=True)
class Goal:
    """``stat op limit``, e.g. p95 <= 30 s; ``text`` says it in words when the rule is more than that."""

    stat: str  # median, p5, p95, min, max, mean or value (the single sample)
    op: str  # "<=" or ">="
    limit: float
    text: str = ""

    def describe(self, unit: str) -> str:
        return self.text or f"{self.stat} {self.op} {self.limit:g} {unit}".strip()

    def met(self, summary: dict[str, float | None]) -> bool | None:
        value = summary.get("median" if self.stat == "value" else self.stat)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return value <= self.limit if self.op == "<=" else value >= self.limit


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default method), ``q`` in 0..100."""
    data = sorted(values)
    if not data:
        return math.nan
    pos = (len(data) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


@dataclass
class Figure:
    name: str
    unit: str
    samples: list[float]
    goal: Goal | None = None
    note: str = ""
    #: Extra goals judged on the same samples (e.g. "never more than interval + refresh + 3 s").
    more_goals: list[Goal] = field(default_factory=list)

    def summary(self) -> dict[str, float | None]:
        s = [float(v) for v in self.samples]
        if not s:
            return {k: None for k in ("median", "p5", "p95", "min", "max", "mean")}
        return {"median": percentile(s, 50), "p5": percentile(s, 5), "p95": percentile(s, 95),
                "min": min(s), "max": max(s), "mean": sum(s) / len(s)}

    def met(self) -> bool | None:
        goals = [g for g in (self.goal, *self.more_goals) if g is not None]
        if not goals:
            return None
        verdicts = [g.met(self.summary()) for g in goals]
        if any(v is None for v in verdicts):
            return None
        return all(verdicts)

    def to_dict(self) -> dict[str, Any]:
        goals = [g for g in (self.goal, *self.more_goals) if g is not None]
        return {
            "name": self.name, "unit": self.unit, **_rounded(self.summary()), "n": len(self.samples),
            "goal": "; ".join(g.describe(self.unit) for g in goals) or None,
            "met": self.met(), "note": self.note,
            "samples": [_round(v) for v in self.samples],
        }


def _round(v: float | None) -> float | None:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    return float(f"{v:.6g}")


def _rounded(d: dict[str, float | None]) -> dict[str, float | None]:
    return {k: _round(v) for k, v in d.items()}


@dataclass
class Result:
    name: str
    description: str
    params: dict[str, Any] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    #: Load average (1, 5, 15 min) when the benchmark started and ended: other work on the machine shows here.
    load: dict[str, list[float]] = field(default_factory=dict)

    def add(self, *figures: Figure) -> None:
        self.figures.extend(figures)

    def figure(self, name: str) -> Figure:
        return next(f for f in self.figures if f.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "params": self.params,
                "seconds": round(self.seconds, 1), "load": self.load, "error": self.error, "notes": self.notes,
                "figures": [f.to_dict() for f in self.figures]}


# ------------------------------------------------------------------ options
@dataclass
class Options:
    quick: bool = False
    minutes: float | None = None
    #: ``--param NAME.KEY=VALUE``: benchmark -> key -> raw value.
    params: dict[str, dict[str, str]] = field(default_factory=dict)
    workdir: Path = field(default_factory=lambda: Path("/tmp"))

    def get(self, bench: str, key: str, full: Any, quick: Any = None) -> Any:
        """A parameter: ``--param`` if given (converted to the default's type), else the full or quick default."""
        default = quick if self.quick and quick is not None else full
        raw = self.params.get(bench, {}).get(key)
        if raw is None:
            return default
        if isinstance(default, bool):
            return raw.lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, list | tuple):
            return [int(x) if x.strip().isdigit() else x.strip() for x in raw.split(",")]
        return raw


# ------------------------------------------------------------------ the machine
def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    from importlib.metadata import PackageNotFoundError, version

    def pkg(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    import sqlite3

    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "ram_gib": round(_meminfo("MemTotal") / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "streamlit": pkg("streamlit"),
        "sqlalchemy": pkg("sqlalchemy"),
        "psycopg": pkg("psycopg"),
        "playwright": pkg("playwright"),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(),
        "chromium": chromium_version(),
        "git_commit": _git_commit(),
        "load_average": list(os.getloadavg()),
    }
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _meminfo(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=5)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def postgres_version() -> str | None:
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            v = conn.execute(text("show server_version")).scalar()
        engine.dispose()
        return str(v)
    except Exception:
        return None


def chromium_version() -> str | None:
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=20)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


# ------------------------------------------------------------------ processes
def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) from ``/proc/<pid>/stat``."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2:].split()  # the command name may contain spaces; fields start at state
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of the line)


def rss_mib(pid: int) -> float:
    """Resident set size (``VmRSS``) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def statement_count(count_file: Path, pid: int) -> int:
    """Statements the process ``pid`` has run (``BOARD_QUERY_COUNT_FILE``, rewritten by it once a second)."""
    path = Path(f"{count_file}.{pid}")
    for _ in range(50):
        try:
            return int(path.read_text())
        except (OSError, ValueError):  # not written yet
            time.sleep(0.1)
    return 0


class Server(harness.Server):
    """``python -m board serve`` on a free port, its log ``workdir/server.log`` (see :class:`tests.harness.Server`)."""

    #: How long a server may take to answer its health check. Its start is set-up, never a figure; on a machine
    #: shared by many test runs (load average 14-17 on 2 cores) Streamlit's imports alone took over 90 s.
    START_SECONDS = 240.0

    def __init__(self, workdir: Path, config_dir: Path, url: str, **extra_env: str) -> None:
        super().__init__(workdir / "server.log", config_dir, url, start_seconds=self.START_SECONDS, **extra_env)


def collector_process(workdir: Path, config_dir: Path, url: str) -> Process:
    """The real collector (``python -m board collect``), each source on its configured interval."""
    return harness.collector_process(workdir / "collector.log", config_dir, url)


# ------------------------------------------------------------------ the browser
#: Counts the browser's websocket sends in the page itself (timestamps in ms): one per fragment rerun request.
COUNT_SENDS = """
(() => {
  window.__sends = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) { window.__sends.push(Date.now()); return send.call(this, data); };
})();
"""


def open_wall(browser: Any, base: str, station: str, refresh: int | None = None,
              viewport: tuple[int, int] = (1920, 1080)) -> Any:
    """A new tab on a station's wall, counting its websocket sends; returns once the wall is shown."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.add_init_script(COUNT_SENDS)
    query = f"station={station}" + (f"&refresh={refresh}" if refresh else "")
    page.goto(f"{base}/wall?{query}", timeout=120_000)  # set-up: a page load took over 30 s at load 40
    page.wait_for_selector(f'.wall[data-station="{station}"]', timeout=90_000)
    return page


def sends_between(page: Any, start_ms: float, end_ms: float) -> int:
    return int(page.evaluate("([a, b]) => window.__sends.filter(t => t >= a && t < b).length", [start_ms, end_ms]))


# ------------------------------------------------------------------ configuration
SYNTHETIC_MUNICIPALITIES = 22


def kainuu_stations() -> list[dict[str, Any]]:
    from board.settings import DEFAULT_CONFIG_DIR

    data = yaml.safe_load((DEFAULT_CONFIG_DIR / "stations.yaml").read_text(encoding="utf-8"))
    return list(data["stations"])


def stations(n: int) -> list[dict[str, Any]]:
    """``n`` stations: the 8 Kainuu ones first, then synthetic ones with populations of 1 500-25 000."""
    out = kainuu_stations()[:n]
    rng = random.Random(2026)
    for i in range(len(out) + 1, n + 1):
        out.append({"code": f"asema{i:02d}", "name": f"Testiaseman {i} terveysasema",
                    "municipality": f"Testikunta {i}", "population": rng.randrange(1500, 25000, 100)})
    return out


def demo_source(**overrides: Any) -> dict[str, Any]:
    """The shipped demo source (config/sources.yaml), with ``overrides``."""
    from board.settings import DEFAULT_CONFIG_DIR

    shipped = yaml.safe_load((DEFAULT_CONFIG_DIR / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    demo = dict(next(s for s in shipped if s["type"] == "demo"))
    demo.update(overrides)
    return demo


def write_config(target: Path, n_stations: int, sources: list[dict[str, Any]],
                 board: dict[str, Any] | None = None) -> Path:
    """A configuration folder: the shipped files, ``n_stations`` stations and ``sources``."""
    from board.settings import DEFAULT_CONFIG_DIR

    target.mkdir(parents=True, exist_ok=True)
    for f in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        shutil.copy(f, target / f.name)
    shipped = yaml.safe_load((DEFAULT_CONFIG_DIR / "stations.yaml").read_text(encoding="utf-8"))
    shipped["stations"] = stations(n_stations)
    (target / "stations.yaml").write_text(yaml.safe_dump(shipped, allow_unicode=True), encoding="utf-8")
    # Per-station thresholds may only name configured stations (a quick run has fewer than the eight).
    codes = {s["code"] for s in shipped["stations"]}
    metrics = yaml.safe_load((DEFAULT_CONFIG_DIR / "metrics.yaml").read_text(encoding="utf-8"))
    metrics["station_overrides"] = {k: v for k, v in (metrics.get("station_overrides") or {}).items() if k in codes}
    (target / "metrics.yaml").write_text(yaml.safe_dump(metrics, allow_unicode=True), encoding="utf-8")
    (target / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    if board is not None:
        (target / "board.yaml").write_text(yaml.safe_dump(board), encoding="utf-8")
    return target


# ------------------------------------------------------------------ stores
def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


#: The private clusters running now, by the URLs handed out for them (see :func:`server_cpu_seconds`).
_CLUSTERS: dict[str, Any] = {}


@contextmanager
def postgres_schema(opts: Options | None = None, result: Result | None = None) -> Iterator[str]:
    """A URL whose connections use a fresh schema, dropped afterwards.

    On the shared test server by default; with ``--param common.pg=private``
    in a private cluster of the benchmark's own, set up as docs/DEPLOY.md
    recommends (``bench/pgserver.py``; ``common.shared_buffers``,
    ``common.max_wal_size``, ``common.checkpoint_timeout``,
    ``common.autovacuum`` override its settings; ``common.pg.NAME`` sets any
    other server setting NAME), stopped and removed
    afterwards. ``result`` records which.
    """
    from bench import pgserver

    if opts is None or opts.get("common", "pg", "shared") != "private":
        if result is not None:
            result.params["postgres_server"] = "shared test server (its settings)"
        with harness.postgres_schema("bench") as url:
            yield url
        return
    settings = {k: str(opts.get("common", k, v)) for k, v in pgserver.DEFAULT_SETTINGS.items()}
    # Any other server setting, for measuring one: ``--param common.pg.wal_init_zero=off``.
    settings.update({k[3:]: v for k, v in opts.params.get("common", {}).items() if k.startswith("pg.") and k[3:]})
    with pgserver.private_cluster(opts.workdir, **settings) as cluster, \
            harness.postgres_schema("bench", cluster.url) as url:
        if result is not None:
            result.params["postgres_server"] = "private cluster: " + ", ".join(f"{k}={v}" for k, v in settings.items())
        _CLUSTERS[url] = cluster
        try:
            yield url
        finally:
            del _CLUSTERS[url]


def server_cpu_seconds(url: str) -> float | None:
    """CPU time the private cluster behind ``url`` has used so far (None: the shared server, not measurable)."""
    cluster = _CLUSTERS.get(url)
    return cluster.cpu_seconds() if cluster is not None else None


def store_size_mib(url: str) -> float | None:
    """The store's size on disk: the SQLite file (+ WAL), or the readings table with its indexes."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        files = [path, Path(f"{path}-wal")]
        return sum(f.stat().st_size for f in files if f.exists()) / 2**20
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return float(conn.execute(text("select pg_total_relation_size('readings')")).scalar() or 0) / 2**20
    finally:
        engine.dispose()


# ------------------------------------------------------------------ little helpers
def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)
