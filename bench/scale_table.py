"""``python -m bench.scale_table FILE.json ...``: issue 17's scaling table at 30 / 300 / 900 stations.

docs/PERFORMANCE.md's section 7 quotes one table with every national-scale
figure at each station count. Copying medians from a dozen results files by
hand is where such tables go wrong, so this reads the files a run of
``scripts/bench_scale.sh`` wrote (or any ``python -m bench`` results holding
the benchmarks below) and prints the table: one row per figure, one column per
station count, each cell SQLite / PostgreSQL with the run (file name) it came
from, and the goal judged on every station count it was measured at.

The station count of a result is its ``stations`` parameter (``overview``,
``week``, ``collector``, ``history``; ``screens`` records it as
``stations_configured``). ``freshness``
has none (it pushes to one station of the demo), so its figures are listed
below the table. When several files hold the same benchmark at the same size,
the last one given wins.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from bench.report import fmt

KINDS = ("sqlite", "postgres")


@dataclass(frozen=True)
class Row:
    """One figure of the table: ``figure`` is the results' name without its store suffix (or with none).

    Several names separated by ``|`` are tried in order, and ``*`` matches anything: ``history`` names its
    figures ``backfill_board_…`` when it replays a cached source and ``backfill_…`` when the simulator runs
    beside it, and ``screens`` names the floor by its phase (``8x8``, ``2x2`` at ``--quick``)."""

    label: str
    bench: str
    figure: str
    unit: str
    goal: tuple[str, float] | None = None  # ("<=" | ">=", limit), judged on the median
    goal_kinds: tuple[str, ...] = KINDS  # which stores the goal is meant for
    per_store: bool = True
    stat: str = "median"


ROWS: tuple[Row, ...] = (
    Row("overview page, cold, CPU", "overview", "overview_page_cpu_seconds", "s", ("<=", 0.3)),
    Row("overview, a refresh (server CPU per screen refresh)", "overview", "overview_warm_page_cpu_seconds", "s"),
    Row("overview, one area, cold, CPU", "overview", "overview_area_page_cpu_seconds", "s", ("<=", 0.3)),
    Row("weekly page, all stations, last full week, cold, wall", "week", "week_page_seconds", "s", ("<=", 1.0),
        goal_kinds=("postgres",)),
    Row("— its CPU (process)", "week", "week_page_cpu_seconds", "s"),
    Row("— current week, wall", "week", "week_page_current_seconds", "s", ("<=", 1.0), goal_kinds=("postgres",)),
    Row("weekly page, one area, cold, wall", "week", "week_page_area_seconds", "s", ("<=", 1.0)),
    Row("collector cycle, own time (1 day of history, at 00.40)", "collector", "cycle_own_seconds", "s",
        ("<=", 2.0)),
    Row("backfill, the board's own part, readings/s", "history",
        "backfill_board_readings_per_s|backfill_readings_per_s", "readings/s", (">=", 250_000)),
    Row("backfill, last / first fifth of like batches", "history",
        "backfill_board_last_to_first_fifth_alike|backfill_last_to_first_fifth_alike", "ratio", (">=", 0.9)),
    Row("wall refresh, server CPU per refresh (8 walls)", "screens", "floor_wall_cpu_ms_per_refresh_*", "ms",
        per_store=False),
    Row("wall refresh ÷ empty fragment, same run", "screens", "wall_to_empty_ratio_*", "ratio", ("<=", 1.5),
        per_store=False),
)


def load(paths: list[str]) -> dict[tuple[str, int | None], tuple[str, dict[str, Any]]]:
    """Each (benchmark, stations) → (run name, its result), the last file given winning."""
    found: dict[tuple[str, int | None], tuple[str, dict[str, Any]]] = {}
    for path in paths:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        for result in report["results"]:
            if result.get("error"):
                continue
            params = result.get("params", {})
            stations = params.get("stations", params.get("stations_configured"))  # screens names it so
            found[(result["name"], int(stations) if stations is not None else None)] = (Path(path).stem, result)
    return found


def _figure(result: dict[str, Any], names: str, suffix: str = "") -> dict[str, Any] | None:
    """The first of ``names`` (``|``-separated, ``*`` a wildcard) with samples, each with ``suffix`` added."""
    for name in names.split("|"):
        for f in result["figures"]:
            if f["n"] and fnmatchcase(f["name"], name + suffix):
                return f
    return None


def _judge(value: float | None, goal: tuple[str, float] | None) -> bool | None:
    if goal is None or value is None:
        return None
    op, limit = goal
    return value <= limit if op == "<=" else value >= limit


def cell(row: Row, entry: tuple[str, dict[str, Any]] | None) -> tuple[str, list[bool]]:
    """The cell's text and the goal's verdicts in it (one per store the goal is meant for)."""
    if entry is None:
        return "", []
    run, result = entry
    suffixes = [(k, f"_{k}") for k in KINDS] if row.per_store else [(None, "")]
    values, verdicts = [], []
    for kind, suffix in suffixes:
        f = _figure(result, row.figure, suffix)
        value = f[row.stat] if f else None
        values.append(fmt(value) if value is not None else "–")
        if value is not None and (kind is None or kind in row.goal_kinds):
            verdict = _judge(value, row.goal)
            if verdict is not None:
                verdicts.append(verdict)
    if all(v == "–" for v in values):
        return "", []
    return f"{' / '.join(values)} ({run})", verdicts


def table(found: dict[tuple[str, int | None], tuple[str, dict[str, Any]]]) -> str:
    sizes = sorted({n for (_, n) in found if n is not None})
    head = "| figure | unit | " + " | ".join(f"{n} stations" for n in sizes) + " | goal | met? |"
    lines = [head, "|---|---|" + "---|" * len(sizes) + "---|---|"]
    for row in ROWS:
        cells, verdicts = [], []
        for n in sizes:
            text, v = cell(row, found.get((row.bench, n)))
            cells.append(text)
            verdicts += v
        if not any(cells):
            continue
        goal = ""
        if row.goal:
            op, limit = row.goal
            goal = f"{'≤' if op == '<=' else '≥'} {fmt(limit) if limit >= 1000 else f'{limit:g}'} {row.unit}"
        if row.goal and row.goal_kinds != KINDS and row.per_store:
            goal += " (" + ", ".join("PostgreSQL" if k == "postgres" else "SQLite" for k in row.goal_kinds) + ")"
        met = "" if not verdicts else ("yes" if all(verdicts) else "**no**")
        lines.append(f"| {row.label} | {row.unit} | " + " | ".join(cells) + f" | {goal} | {met} |")
    return "\n".join(lines)


def freshness(paths: list[str]) -> list[str]:
    """Push freshness lines: every freshness result of the files, named by run and store."""
    out = []
    for path in paths:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        for result in report["results"]:
            if result["name"] != "freshness" or result.get("error"):
                continue
            p = result.get("params", {})
            f = _figure(result, "latency_source_to_dom")
            if f is None:
                continue
            kind = "push" if str(p.get("source", "")).startswith("push") else "pulled (sql)"
            store = "PostgreSQL" if str(p.get("store", "")).startswith("postgres") else "SQLite"
            out.append(f"- {kind} → browser DOM, {store} store "
                       f"({Path(path).stem}, n {f['n']}): median {fmt(f['median'])} s, p95 **{fmt(f['p95'])} s**, "
                       f"max {fmt(f['max'])} s")
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    found = load(argv)
    print("Cells: SQLite / PostgreSQL (run); the wall refresh has one store.\n")
    print(table(found))
    lines = freshness(argv)
    if lines:
        print()
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
