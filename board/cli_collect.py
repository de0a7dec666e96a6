"""``collect`` and ``init-db``: the collector, once (printing each source's run ledger) or forever."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from board.cli_support import EXIT_PARTIAL, open_board, safe_url

log = logging.getLogger("board")


def cmd_init_db(args: argparse.Namespace) -> int:
    board = open_board()
    board.store  # noqa: B018 - opening it creates or upgrades the tables
    print(f"store ready: {safe_url(board.settings.database_url)}")
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    from board.collector import Collector
    from board.pull_checks import ledger_line, ledger_warnings
    from board.read.overlaps import configured_overlaps
    from connectors.isolated import start_workers

    board = open_board()
    for overlap in configured_overlaps(board.settings):  # a warning: it may be a deliberate move between sources
        log.warning("%s", overlap.words())
    collector = Collector(board.settings, board.store)
    disabled = {s.name: s for s in board.settings.sources if not s.enabled}
    if args.source in disabled and (args.once or args.since):
        # Named on the command line: one run (or a backfill) before it is switched on, as the docs' workflow
        # has it (check, then `collect --source NAME --since … --once`, then enabled: true).
        collector.sources[args.source] = disabled[args.source]
    start_workers(collector.sources.values())  # (the pulls' memory-limited workers: connectors/isolated.py)
    if args.source in disabled and args.source not in collector.sources:
        print(f"source {args.source!r} is disabled (enabled: false in sources.yaml): `collect --source "
              f"{args.source} --once` runs it once; set enabled: true to collect it on its schedule",
              file=sys.stderr)
        return 2
    if args.source and args.source not in collector.sources:
        print(f"unknown or disabled source {args.source!r}; enabled: {', '.join(collector.sources) or 'none'}",
              file=sys.stderr)
        return 2
    if args.once or args.since:
        try:
            outcomes = collector.run_once(only=args.source, since=args.since)
        except KeyError as e:
            print(str(e).strip("'\""), file=sys.stderr)
            return 2
        for o in outcomes:
            run = o.run
            state = "FAILED" if not o.ok else ("PARTIAL" if run is not None and run.state == "partial" else "OK")
            counts = ledger_line(run) if run is not None else f"{o.rows} readings, {o.rejected} refusals"
            print(f"{o.source}: {state} {counts} · {o.seconds:.1f} s" + (f" - {o.error}" if o.error else ""))
            for warning in ledger_warnings(run) if run is not None and o.ok else []:
                print(f"    {warning}")
            for reason, n in sorted(o.rejects.items(), key=lambda kv: (-kv[1], kv[0])):
                print(f"    rejected {n}: {reason}")
        if not all(o.ok for o in outcomes):
            return 1
        return EXIT_PARTIAL if any(o.run is not None and o.run.state == "partial" for o in outcomes) else 0
    if args.source:
        collector.sources = {args.source: collector.sources[args.source]}
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: collector.stop.set())
    collector.run_forever()
    log.info("collector stopped")
    return 0
