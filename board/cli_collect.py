"""``collect`` and ``init-db``: the collector, once (printing each source's run ledger) or forever."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable

from board.cli_support import EXIT_PARTIAL, open_board, safe_url

log = logging.getLogger("board")


def cmd_init_db(args: argparse.Namespace) -> int:
    board = open_board()
    board.store  # noqa: B018 - opening it creates or upgrades the tables
    print(f"store ready: {safe_url(board.settings.database_url)}")
    return 0


def stop_handler(stop: threading.Event) -> Callable[..., None]:
    """A signal handler that has ``stop`` set, taking no lock itself.

    Python runs a handler in the main thread between two bytecodes, which may be inside ``stop.wait()`` while
    that thread holds the Event's (non-reentrant) lock: ``stop.set()`` called right there waited for that lock
    forever, and a SIGTERM left the collector hanging with every thread blocked on it (seen in a test run; the
    harness's SIGKILL after 15 s ended it, under systemd its stop timeout would). The handler only writes a byte
    to a pipe; a thread of its own reads it and sets ``stop``.
    """
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)

    def watch() -> None:
        os.read(read_end, 1)
        stop.set()

    threading.Thread(target=watch, name="stop-signal", daemon=True).start()

    def handler(*_: object) -> None:
        with contextlib.suppress(BlockingIOError):  # the pipe full of earlier signals: one is enough
            os.write(write_end, b"!")

    return handler


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
        signal.signal(sig, stop_handler(collector.stop))
    collector.run_forever()
    log.info("collector stopped")
    return 0
