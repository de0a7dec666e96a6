"""The benchmarks still run: every one on its tiny ``--quick`` size, checked for the shape of its results, never speed.

``python -m bench --quick`` as two subprocesses side by side (they spend most
of their time waiting for timers, servers and the browser), each writing its
JSON results file; the real figures come from ``make bench``
(docs/PERFORMANCE.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import BENCHMARKS
from tests.browser_support import ROOT, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

#: Two groups of about the same length, run at the same time.
GROUPS = (("freshness", "memory", "soak", "items", "overview", "week"),
          ("screens", "history", "collector", "projection"))
#: A group's limit. Idle, each group takes 1-2 min; under load (14-17 on 2 cores) a web server's start alone took
#: over 90 s, three of them per group. The quick sizes were cut too (history: one current and one cached week,
#: two overview runs), so this is a hang guard, not the expected time.
GROUP_SECONDS = 480
SUMMARY_KEYS = {"median", "p5", "p95", "min", "max", "mean"}
FIGURE_KEYS = SUMMARY_KEYS | {"name", "unit", "n", "goal", "met", "note", "samples"}


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory, postgres_server: str) -> list[dict]:
    require_chromium()
    tmp = tmp_path_factory.mktemp("bench")
    runs = []
    for i, names in enumerate(GROUPS):
        out = tmp / f"quick-{i}.json"
        log = open(tmp / f"quick-{i}.log", "w")  # noqa: SIM115 - closed below
        proc = subprocess.Popen([sys.executable, "-m", "bench", *names, "--quick", "--out", str(out)], cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT)
        runs.append((proc, out, log))
    reports = []
    for proc, out, log in runs:
        try:
            code = proc.wait(timeout=GROUP_SECONDS)
        finally:
            if proc.poll() is None:
                # SIGTERM first: the run unwinds and stops its web servers, collectors and PostgreSQL clusters
                # (a SIGKILL left them running on after a timeout).
                proc.terminate()
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()
        output = Path(log.name).read_text(errors="replace")
        assert code == 0, f"python -m bench exited {code}:\n{output[-4000:]}"
        assert out.exists(), output[-2000:]
        reports.append(json.loads(out.read_text(encoding="utf-8")))
    return reports


def test_every_benchmark_is_in_a_group() -> None:
    assert sorted(n for g in GROUPS for n in g) == sorted(BENCHMARKS)


def test_quick_run_reports_the_machine(quick_results: list[dict]) -> None:
    for report in quick_results:
        assert report["quick"] is True
        m = report["machine"]
        assert m["nproc"] >= 1 and m["cpu_model"] and m["ram_gib"] > 0
        assert m["python"] and m["streamlit"] and m["sqlite"]


def test_every_benchmark_reports_figures_with_summary_goal_and_verdict(quick_results: list[dict]) -> None:
    results = {r["name"]: r for report in quick_results for r in report["results"]}
    assert set(results) == set(BENCHMARKS)
    for name, result in results.items():
        assert result["error"] is None, f"{name}: {result['error']}"
        assert result["figures"], name
        assert isinstance(result["params"], dict) and result["seconds"] >= 0
        judged = [f for f in result["figures"] if f["goal"]]
        assert judged, f"{name} judges no figure against a goal"
        for f in result["figures"]:
            assert set(f) >= FIGURE_KEYS, (name, f["name"])
            assert f["n"] == len(f["samples"])
            if f["n"]:
                assert f["min"] <= f["median"] <= f["max"], (name, f["name"])
                assert f["p5"] <= f["p95"], (name, f["name"])
            assert f["met"] in (True, False, None)
            if f["goal"] is None:
                assert f["met"] is None


def test_the_key_figures_are_there(quick_results: list[dict]) -> None:
    names = {(r["name"], f["name"]) for report in quick_results for r in report["results"] for f in r["figures"]}
    expected = [
        ("freshness", "latency_source_to_dom"),
        ("screens", "cpu_ms_per_refresh_1x1"),
        ("screens", "statements_per_station_per_5s_2x1"),
        ("history", "backfill_seconds_sqlite"),
        ("history", "backfill_seconds_postgres"),
        ("history", "backfill_readings_per_s_postgres"),
        ("history", "backfill_readings_per_s_by_fifth_sqlite"),
        ("history", "backfill_last_to_first_fifth_postgres"),
        ("history", "week_page_seconds_postgres"),
        ("history", "overview_page_seconds_sqlite"),
        ("overview", "overview_page_cpu_seconds_postgres"),
        ("week", "week_page_cpu_seconds_postgres"),
        ("week", "week_page_current_thread_cpu_seconds_postgres"),
        ("week", "week_page_area_cpu_seconds_sqlite"),
        ("memory", "rss_growth"),
        ("collector", "cycle_own_seconds_sqlite"),
        ("collector", "cycle_own_seconds_postgres"),
        ("collector", "cycle_own_cpu_seconds_sqlite"),
        ("soak", "fragment_reruns_per_minute"),
        ("soak", "values_missed"),
        ("projection", "mae_projection_10"),
        ("projection", "mae_seasonal_naive_14"),
        ("projection", "coverage_projection_12"),
        ("projection", "cost_project_ms"),
    ]
    assert [e for e in expected if e not in names] == []
    freshness = next(r for report in quick_results for r in report["results"] if r["name"] == "freshness")
    assert freshness["figures"][0]["n"] == 2  # --quick: two samples


def test_the_scaling_table_is_made_from_the_quick_results(quick_results: list[dict], tmp_path: Path) -> None:
    """``python -m bench.scale_table`` (docs/PERFORMANCE.md section 7) finds every row's figure in real results
    files: a renamed figure would otherwise leave the table's row silently empty. At ``--quick`` size a figure may
    have no samples (too few batches for fifths); its name must still be there, and a figure with samples must
    reach its cell."""
    from fnmatch import fnmatchcase

    from bench import scale_table

    paths = []
    for i, report in enumerate(quick_results):
        path = tmp_path / f"run{i}.json"
        path.write_text(json.dumps(report), encoding="utf-8")
        paths.append(str(path))
    text = scale_table.table(scale_table.load(paths))
    results = {r["name"]: r for report in quick_results for r in report["results"]}
    for row in scale_table.ROWS:
        suffixes = [f"_{k}" for k in scale_table.KINDS] if row.per_store else [""]
        figures = [f for f in results[row.bench]["figures"]
                   for name in row.figure.split("|") for suffix in suffixes if fnmatchcase(f["name"], name + suffix)]
        assert figures, f"{row.label!r}: no figure {row.figure!r} in the quick results of {row.bench}"
        line = next((line for line in text.splitlines() if line.startswith(f"| {row.label} |")), None)
        if any(f["n"] for f in figures):
            assert line is not None, (row.label, text)
            assert any(c.strip() for c in line.split("|")[3:-3]), (row.label, line)
    assert any("push" in line or "pulled" in line for line in scale_table.freshness(paths))
