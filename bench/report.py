"""``python -m bench.report bench-results/FILE.json ...``: the figures of results files as Markdown tables.

For docs/PERFORMANCE.md: one table per benchmark (figure, median, p5–p95,
min–max, n, goal, met?), then its notes. Several files are read in order; a
benchmark that appears in several is shown once per file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def fmt(v: float | None) -> str:
    if v is None:
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}".replace(",", " ")
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def table(result: dict[str, Any]) -> str:
    lines = ["| figure | median | p5–p95 | min–max | n | unit | goal | met? |", "|---|---:|---:|---:|---:|---|---|---|"]
    for f in result["figures"]:
        met = {True: "yes", False: "**no**", None: ""}[f["met"]]
        lines.append(f"| `{f['name']}` | {fmt(f['median'])} | {fmt(f['p5'])}–{fmt(f['p95'])} | "
                     f"{fmt(f['min'])}–{fmt(f['max'])} | {f['n']} | {f['unit']} | {f['goal'] or ''} | {met} |")
    return "\n".join(lines)


def render(report: dict[str, Any], source: str) -> str:
    m = report["machine"]
    out = [f"<!-- {source}: started {report['started']}, commit {m.get('git_commit')}, "
           f"load {m.get('load_average')} -->"]
    for r in report["results"]:
        out.append(f"\n#### {r['name']} ({r['seconds']:.0f} s){' — FAILED: ' + r['error'] if r['error'] else ''}\n")
        out.append(table(r))
        for note in r["notes"]:
            out.append(f"\n- {note}")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for name in argv:
        print(render(json.loads(Path(name).read_text(encoding="utf-8")), name))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
