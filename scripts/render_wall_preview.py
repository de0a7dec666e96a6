"""Render the wall for any station at any moment into a standalone HTML file.

For looking at the design in states the clock does not offer right now (a
busy Monday morning, a DST day) without waiting for them: it simulates the
demo data up to ``--at`` into a temporary store and writes the same HTML and
CSS the wall page serves.

    python scripts/render_wall_preview.py --station kajaani --at 2026-11-23T10:30 -o /tmp/wall.html
    python scripts/render_wall_preview.py --page overview --at 2026-11-23T10:30 -o /tmp/overview.html
    python scripts/render_wall_preview.py --station kajaani --at 2026-11-24T13:00 --with-projection -o /tmp/w.html
    python scripts/render_wall_preview.py --station kajaani --at 2026-11-23T10:40 --items -o /tmp/items.html
    python scripts/render_wall_preview.py --at 2026-11-23T10:30 --extreme --lang sv -o /tmp/widest.html

``--items`` feeds the wall from simulated items the board counts itself (``python -m board demo --items``).
``--extreme`` (``--extreme closed`` for the closed look) replaces every value with the widest one it can take
(tests/wall_extremes.py: 5-digit counts, "23 vrk 23 h", warning marks, a 40-character name, two 160-character
notices, the "Avataan …" banner) — what tests/test_browser_wall_matrix.py checks on every screen size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from board.alerts.evaluator import Evaluator
from board.collector import Collector
from board.domain.timeutil import HELSINKI
from board.factory import create_board
from board.read import overview
from board.read.wall import station_view
from board.web.overview_html import render_overview
from board.web.style import OVERVIEW_CSS, WALL_CSS
from board.web.wall_html import render_wall


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--page", choices=["wall", "overview"], default="wall")
    p.add_argument("--station", default="kajaani")
    p.add_argument("--at", required=True, help="local Helsinki time, ISO format")
    p.add_argument("--lang", default="fi")
    p.add_argument("--with-projection", action="store_true",
                   help="load six weeks of history and compute the end-of-day projections (as the collector does)")
    p.add_argument("--extreme", nargs="?", const="open", choices=["open", "closed"],
                   help="every value at its widest (tests/wall_extremes.py); 'closed' for the closed look")
    p.add_argument("--items", action="store_true", help="the demo on items (board/demo_items_setup.py)")
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args()
    at = datetime.fromisoformat(args.at).replace(tzinfo=HELSINKI)
    with tempfile.TemporaryDirectory() as tmp:
        environ = None
        if args.items:
            from board.demo_items_setup import prepare
            from board.environment import read_environment

            environ = prepare(read_environment().variables)
        board = create_board(database_url=f"sqlite:///{tmp}/preview.sqlite", environ=environ)
        settings, store = board.settings, board.store
        source = settings.sources[0]
        since = at.replace(hour=0, minute=0) - (timedelta(days=43) if args.with_projection else timedelta(0))
        Collector(settings, store, clock=lambda: at).run_once(only=source.name, since=since)
        if args.with_projection:
            Evaluator(settings, store, "preview").turn(at, use_lease=False)
        if args.page == "overview":
            views = overview.all_station_views(settings, store, at)
            rows = overview.worst_first(overview.overview_rows(views))
            html = render_overview(rows, args.lang, lambda code: settings.opening_hours(code).next_opening(at))
        else:
            view = station_view(settings, store, args.station, at)
            opens = settings.opening_hours(args.station).next_opening(at)
            if args.extreme:
                from tests.wall_extremes import extreme_view

                view = extreme_view(view, closed=args.extreme == "closed")
                opens = opens if args.extreme == "closed" else None
            html = render_wall(view, args.lang, opens)
        store.dispose()
    style = OVERVIEW_CSS if args.page == "overview" else WALL_CSS
    Path(args.output).write_text(f"<!doctype html><html lang={args.lang}><meta charset=utf-8>"
                                 f"<style>body{{margin:0;font-family:sans-serif}}"
                                 f"{style}</style>"
                                 f'<div class="stHtml">{html}</div>', encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
