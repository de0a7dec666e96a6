"""``python -m bench [NAME ...] [--quick] [--out bench-results/…json] [--minutes M] [--param NAME.KEY=VALUE ...]``.

Runs the named benchmarks (default: all, in the order listed by ``--list``),
prints each figure (median, p5-p95, min-max, n, goal, met?) and writes them
all to a JSON file under ``bench-results/`` after every benchmark, so an
interrupted run keeps what it measured. A missed goal is reported, not an
error: the exit code is 1 only when a benchmark could not run.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench import BENCHMARKS
from bench.common import RESULTS_DIR, Figure, Options, Result, machine


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # A stopped run (kill, a test's timeout) unwinds like an exception, so a private PostgreSQL cluster and the
    # work folder are removed rather than left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.list:
        for name, module in BENCHMARKS.items():
            print(f"{name:<10} {module.DESCRIPTION}")
        return 0
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    try:
        params = _params(args.param)
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return 2
    names = args.names or list(BENCHMARKS)
    # The pages' caches used outside a server (AppTest, cache clearing) say so at every call: not news here.
    # A filter, because Streamlit resets its loggers' levels whenever it reads its configuration.
    for logger in ("caching.cache_data_api", "scriptrunner_utils.script_run_context"):
        logging.getLogger(f"streamlit.runtime.{logger}").addFilter(lambda r: r.levelno >= logging.ERROR)
    out = results_path(args.out, args.quick)
    out.parent.mkdir(parents=True, exist_ok=True)

    report: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": args.quick,
                              "argv": sys.argv[1:] if argv is None else list(argv), "machine": machine(),
                              "results": []}
    print(f"ohjaustaulu benchmarks{' (--quick)' if args.quick else ''}: {', '.join(names)}")
    _print_machine(report["machine"])
    failed = False
    started = time.monotonic()
    for name in names:
        module = BENCHMARKS[name]
        result = Result(name, module.DESCRIPTION)
        print(f"\n== {name}: {module.DESCRIPTION}", flush=True)
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        opts = Options(quick=args.quick, minutes=args.minutes, params=params, workdir=workdir)
        t = time.monotonic()
        result.load["start"] = [round(x, 2) for x in _loadavg()]
        try:
            module.run(opts, result)
        except Exception as e:
            failed = True
            result.error = f"{type(e).__name__}: {e}"
            traceback.print_exc()
        finally:
            result.seconds = time.monotonic() - t
            result.load["end"] = [round(x, 2) for x in _loadavg()]
            if args.keep:
                result.notes.append(f"work files kept in {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        report["results"].append(result.to_dict())
        _print_result(result)
        report["seconds"] = round(time.monotonic() - started, 1)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n{len(names)} benchmark(s) in {time.monotonic() - started:.0f} s; results: {out}")
    _print_summary(report["results"])
    return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description="ohjaustaulu benchmarks: measure and report.")
    p.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run (default all: {', '.join(BENCHMARKS)})")
    p.add_argument("--quick", action="store_true", help="tiny sizes: seconds, not minutes (proves the code runs)")
    p.add_argument("--out", help="JSON results file, or a folder for it (default bench-results/bench-<time>.json)")
    p.add_argument("--minutes", type=float, help="length of the memory run in minutes (default 30; --quick 1/3)")
    p.add_argument("--param", action="append", default=[], metavar="NAME.KEY=VALUE",
                   help="override a benchmark's parameter, e.g. freshness.interval=15 or screens.phases=5x5,20x20; "
                        "common.pg=private: PostgreSQL in a private cluster set up as docs/DEPLOY.md says "
                        "(common.pg.NAME=VALUE: any other server setting of it)")
    p.add_argument("--keep", action="store_true", help="keep each benchmark's work folder (stores, logs)")
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    return p


def _params(items: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        bench, dot, name = key.partition(".")
        if not sep or not dot or (bench not in BENCHMARKS and bench != "common") or not name:
            raise ValueError(f"--param {item!r}: expected NAME.KEY=VALUE with NAME one of {', '.join(BENCHMARKS)} "
                             "or common (settings every benchmark reads, e.g. common.pg=private)")
        out.setdefault(bench, {})[name] = value
    return out


def _loadavg() -> tuple[float, float, float]:
    import os

    return os.getloadavg()


def _fmt(v: float | None) -> str:
    if v is None:
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: ""}[met]


def results_path(given: str | None, quick: bool) -> Path:
    """The results file: ``--out`` as given, or the default name in ``--out``'s folder when that names a folder
    (an existing one, or one written with a trailing slash). A folder given as a file used to fail only when the
    first benchmark had finished, losing its figures."""
    name = f"bench-{time.strftime('%Y%m%d-%H%M%S')}{'-quick' if quick else ''}.json"
    if not given:
        return RESULTS_DIR / name
    out = Path(given)
    return out / name if out.is_dir() or given.endswith(("/", "\\")) else out


def _print_machine(m: dict[str, Any]) -> None:
    print(f"machine: {m['nproc']} x {m['cpu_model']}, {m['ram_gib']} GiB; Python {m['python']}, Streamlit "
          f"{m['streamlit']}, SQLAlchemy {m['sqlalchemy']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}; "
          f"{m['chromium']}; load {', '.join(f'{x:.2f}' for x in m['load_average'])}")


def _print_result(result: Result) -> None:
    if result.error:
        print(f"!! {result.name} failed: {result.error}")
    header = f"{'figure':<44} {'median':>9} {'p5–p95':>19} {'min–max':>19} {'n':>4}  {'unit':<10} goal"
    print(header)
    for f in result.figures:
        _print_figure(f)
    for note in result.notes:
        print(f"   note: {note}")
    print(f"   ({result.seconds:.0f} s; load {result.load.get('start')} -> {result.load.get('end')})")


def _print_figure(f: Figure) -> None:
    s = f.summary()
    spread = f"{_fmt(s['p5'])}–{_fmt(s['p95'])}"
    extent = f"{_fmt(s['min'])}–{_fmt(s['max'])}"
    goals = "; ".join(g.describe(f.unit) for g in (f.goal, *f.more_goals) if g is not None)
    verdict = _verdict(f.met())
    print(f"{f.name:<44} {_fmt(s['median']):>9} {spread:>19} {extent:>19} {len(f.samples):>4}  {f.unit:<10} "
          f"{goals}{' -> ' + verdict if verdict else ''}")


def _print_summary(results: list[dict[str, Any]]) -> None:
    print("\ngoals:")
    for r in results:
        if r["error"]:
            print(f"  {r['name']:<10} FAILED TO RUN: {r['error']}")
        for f in r["figures"]:
            if f["goal"]:
                print(f"  {r['name']:<10} {f['name']:<44} median {_fmt(f['median'])} {f['unit']} "
                      f"(p95 {_fmt(f['p95'])}, max {_fmt(f['max'])}, n {f['n']}); goal {f['goal']}: "
                      f"{_verdict(f['met']) or 'not judged'}")


if __name__ == "__main__":
    sys.exit(main())
