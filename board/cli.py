"""Command line: ``python -m board COMMAND``.

    demo     set up the store, run the collector and the web server together (sign-in off)
    collect  run the collector (forever, or --once)
    serve    run the Streamlit web server
    api      run the push and read API (push sources, JSON figures, /metrics)
    status   print each station's current values, status and age
    check    test that each source can be reached and read
    init-db  create the store's tables

Exit codes: 0 ok, 1 a source or station is failing (status/check/collect --once),
2 bad configuration or usage, 3 partial: everything ran, but a source refused
some rows (or its rows did not add up) in its last run that read anything
(collect --once, check, status).
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import ArgumentError, OperationalError

from board import formatting as fmt
from board.domain.status import Status
from board.domain.timeutil import HELSINKI, utcnow
from board.environment import DEFAULT_PORT, port_number, read_environment
from board.factory import Board, create_board
from board.formatting import format_figure
from board.i18n import t
from board.secrets import install_log_redaction, redact
from board.settings import PROJECT_DIR, ConfigError, Settings

log = logging.getLogger("board")

#: Exit status: everything ran, but a source refused some of what it read (docs/CONNECTORS.md, run ledger).
EXIT_PARTIAL = 3
#: Default port of ``api`` (the web server's is 8501).
API_PORT = 8502


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # A fatal signal leaves a line and the Python stack on stderr instead of nothing: SQLite maps its WAL index
    # (the store's -shm file), and a truncated or unwritable one kills the process with SIGBUS.
    faulthandler.enable()
    install_log_redaction()
    # httpx logs every request with its full URL (an API key may ride in the query string): warnings only.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl SQLiteImpl" at every start is noise
    try:
        return int(args.func(args) or 0)
    except ConfigError as e:
        print(f"configuration error: {redact(str(e))}", file=sys.stderr)
        return 2
    except (OperationalError, ArgumentError) as e:
        url = read_environment().database_url or "the default SQLite file"
        cause = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        print(f"cannot open the store at {_safe_url(url)}: {cause}\n"
              "check BOARD_DATABASE_URL and that the database server is running", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m board", description="ohjaustaulu: health-station control board.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo", help="set up the store and run collector + web server, sign-in off (Ctrl-C stops both)")
    d.add_argument("--port", type=int, default=None, help=f"web port (default $BOARD_PORT or {DEFAULT_PORT})")
    d.add_argument("--address", default=None, help="address to listen on (default $BOARD_ADDRESS or 127.0.0.1: "
                                                    "sign-in is off in the demo, so only this machine may see it)")
    d.add_argument("--items", action="store_true",
                   help="simulate items (callbacks, messages, contacts, answers) the board counts itself, in a store "
                        "of their own under data/demo-items/ (board/demo_items_setup.py)")
    d.add_argument("--always-open", action="store_true",
                   help="treat every station as open all day, every day, so the board is live in the evening too "
                        "(sets BOARD_ALWAYS_OPEN=1 for the collector and the web server)")
    d.set_defaults(func=cmd_demo)

    c = sub.add_parser("collect", help="pull the sources into the store on their schedules")
    c.add_argument("--once", action="store_true", help="run one cycle over the sources and exit")
    c.add_argument("--source", help="only this source (name from sources.yaml)")
    c.add_argument("--since", type=_parse_since, help="pull from this date/time (ISO, Helsinki time) "
                                                      "instead of the bookmark; implies --once")
    c.set_defaults(func=cmd_collect)

    s = sub.add_parser("serve", help="run the Streamlit web server")
    s.add_argument("--port", type=int, default=None, help=f"web port (default $BOARD_PORT or {DEFAULT_PORT})")
    s.add_argument("--address", default=None, help="address to listen on (default $BOARD_ADDRESS, else every "
                                                    "interface: a proxy on another host reaches it)")
    s.set_defaults(func=cmd_serve)

    st = sub.add_parser("status", help="print each station's current values, status and age")
    st.add_argument("--station", help="only this station code")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    st.set_defaults(func=cmd_status)

    ch = sub.add_parser("check", help="test that each source can be reached and read")
    ch.add_argument("source", nargs="?", help="only this source")
    ch.set_defaults(func=cmd_check)

    a = sub.add_parser("alerts", help="the alerts firing now and each channel's state; --test CHANNEL sends a test")
    a.add_argument("--test", metavar="CHANNEL", help="send a test message through CHANNEL (alerts.yaml)")
    a.add_argument("--to", action="append", default=[], metavar="ADDRESS",
                   help="e-mail channels: send the test here (default: the addresses of its subscriptions)")
    a.set_defaults(func=cmd_alerts)

    ap = sub.add_parser("api", help="run the push and read API (POST /push/NAME, GET /api/v1/stations, /metrics)")
    ap.add_argument("--port", type=int, default=API_PORT, help=f"port (default {API_PORT})")
    ap.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1: put a TLS "
                                                           "proxy in front before opening it to other machines)")
    ap.set_defaults(func=cmd_api)

    i = sub.add_parser("init-db", help="create the store's tables (done automatically by the other commands)")
    i.set_defaults(func=cmd_init_db)
    return p


def _parse_since(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        try:
            value = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or date-time (e.g. 2026-01-01)") from None
    return value if value.tzinfo else value.replace(tzinfo=HELSINKI)


def _port(arg: int | None, settings: Settings) -> int:
    """``--port``, else ``BOARD_PORT``, else the default."""
    return port_number(arg) if arg is not None else settings.environment.port


def open_board() -> Board:
    """How every command opens settings and store: :func:`board.factory.create_board` from the environment.

    The store opens (and its tables are created or upgraded) when a command
    first uses ``board.store``; ``serve`` and ``check`` never do.
    """
    return create_board()


# ---------------------------------------------------------------- commands
def cmd_init_db(args: argparse.Namespace) -> int:
    board = open_board()
    board.store  # noqa: B018 - opening it creates or upgrades the tables
    print(f"store ready: {_safe_url(board.settings.database_url)}")
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    from board.collector import Collector
    from board.pull_checks import ledger_line, ledger_warnings
    from connectors.isolated import start_workers

    board = open_board()
    collector = Collector(board.settings, board.store)
    start_workers(collector.sources.values())  # (the pulls' memory-limited workers: connectors/isolated.py)
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


def _streamlit_cmd(port: int, address: str | None = None) -> list[str]:
    """Streamlit through :mod:`board.web.server`, which narrows what a browser may ask of it."""
    cmd = [sys.executable, "-m", "board.web.server", str(PROJECT_DIR / "app.py"),
           "--server.port", str(port), "--server.headless", "true"]
    return [*cmd, "--server.address", address] if address else cmd


def _child_env(settings: Settings) -> dict[str, str]:
    """The environment for child processes, with the paths this process resolved (they run in PROJECT_DIR)."""
    return settings.environment.child(BOARD_CONFIG_DIR=str(settings.config_dir),
                                      BOARD_DATABASE_URL=settings.database_url)


def sign_in_note(settings: Settings) -> str:
    """One line for the start-up log: is sign-in on, and is there an ``[auth]`` block for ``st.login``?

    Reads the files Streamlit will read (``STREAMLIT_SECRETS_FILES``, else ``~/.streamlit/secrets.toml`` and the
    project's); names what is missing, never a value.
    """
    import tomllib

    from board.domain.access import auth_problems

    if settings.board.access.sign_in == "off":
        return "sign-in: off - every page is open to everyone (only for a demo or a closed test network)"
    files = list(read_environment().streamlit_secrets_files) or [
        str(Path.home() / ".streamlit" / "secrets.toml"), str(PROJECT_DIR / ".streamlit" / "secrets.toml")]
    auth: dict[str, object] = {}
    for name in files:
        try:
            with open(name, "rb") as f:
                table = tomllib.load(f).get("auth")
        except OSError:
            continue
        except tomllib.TOMLDecodeError as e:
            return f"sign-in: required, but {name} is not valid TOML ({e}); every page but the wall will say so"
        auth.update(table if isinstance(table, dict) else {})
    problems = auth_problems(auth)
    if problems:
        return (f"sign-in: required but not configured ({'; '.join(problems)}): every page but the wall says so "
                "until [auth] is in .streamlit/secrets.toml (README: Sign-in and roles)")
    return "sign-in: required ([auth] found)"


def cmd_api(args: argparse.Namespace) -> int:
    """The push and read API (board/api/) on uvicorn, in this process, until Ctrl-C."""
    import uvicorn

    from board.api.app import create_app

    board = open_board()
    board.store  # noqa: B018 - opening it creates or upgrades the tables before the first push
    pushes = [s.name for s in board.settings.sources if not s.is_pulled() and s.enabled]
    print(f"api: http://{args.address}:{args.port}/  push sources: {', '.join(pushes) or 'none'}", flush=True)
    uvicorn.run(create_app(board), host=args.address, port=port_number(args.port), log_level="warning",
                proxy_headers=False)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = open_board().settings  # fail here, with the file and key, rather than in the browser
    port = _port(args.port, settings)
    print(sign_in_note(settings), file=sys.stderr, flush=True)
    env = _child_env(settings)
    os.chdir(PROJECT_DIR)  # .streamlit/config.toml is read from the working directory
    address = args.address or settings.environment.address
    os.execve(sys.executable, _streamlit_cmd(port, address), env)
    return 0  # pragma: no cover


def demo_env(settings: Settings, always_open: bool = False) -> dict[str, str]:
    """The environment of the demo's collector and web server.

    The demo runs where no identity provider is: sign-in off (every page says so), unless asked for.
    ``--always-open`` (or ``BOARD_ALWAYS_OPEN=1`` already set) opens every station all day in both children, so
    the simulator fills the evening and the wall is not all grey "Suljettu".
    """
    env = {**_child_env(settings), "BOARD_SIGN_IN": settings.environment.sign_in or "off"}
    if always_open:
        env["BOARD_ALWAYS_OPEN"] = "1"
    return env


def cmd_demo(args: argparse.Namespace) -> int:
    """Collector and web server as two child processes; Ctrl-C (or either dying) stops both."""
    if getattr(args, "items", False):
        from board.demo_items_setup import prepare

        board = create_board(environ=prepare(read_environment().variables))
    else:
        board = open_board()
    settings = board.settings
    port = _port(args.port, settings)
    board.store  # noqa: B018 - opening it creates or upgrades the tables before the children start
    print(f"store: {_safe_url(settings.database_url)}")
    env = demo_env(settings, always_open=getattr(args, "always_open", False))
    # Sign-in off means every page is open: only this machine may reach it unless asked otherwise.
    address = args.address or settings.environment.address or "127.0.0.1"
    children = [
        ("collector", subprocess.Popen([sys.executable, "-m", "board", "collect"], cwd=PROJECT_DIR, env=env)),
        ("web server", subprocess.Popen(_streamlit_cmd(port, address), cwd=PROJECT_DIR, env=env)),
    ]
    first = settings.stations[0].code
    hours = ("every station open all day (--always-open)" if read_environment(env).always_open
             else "as configured; the evening is closed (--always-open: open all day)")
    print(f"\n  ohjaustaulu is starting: http://localhost:{port}/wall?station={first}"
          f"\n  listening on:            {address} (--address 0.0.0.0 for other machines too)"
          f"\n  all stations:            http://localhost:{port}/"
          f"\n  opening hours:           {hours}"
          f"\n  sign-in:                 {env['BOARD_SIGN_IN']} (BOARD_SIGN_IN=required to try it with "
          f"[auth] in .streamlit/secrets.toml)\n  Ctrl-C stops both.\n", flush=True)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        while not stopping:
            for name, proc in children:
                if proc.poll() is not None:
                    print(f"{name} exited with code {proc.returncode}; stopping", file=sys.stderr)
                    code = proc.returncode or 1
                    stopping = True
            time.sleep(0.3)
    finally:
        for _, proc in children:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, proc in children:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print("stopped.")
    return code


def cmd_status(args: argparse.Namespace) -> int:
    from board.read.overview import all_station_views
    from board.read.sources import source_statuses

    board = open_board()
    settings, store = board.settings, board.store
    if args.station and args.station not in settings.station_by_code:
        print(f"unknown station {args.station!r}; known: {', '.join(settings.station_by_code)}", file=sys.stderr)
        return 2
    now = utcnow()
    result = all_station_views(settings, store, now, [args.station] if args.station else None)
    data = [_status_record(v, now) for v in result]
    sources = [_source_record(s) for s in source_statuses(settings, store, now)]
    if args.json:
        print(json.dumps({"now": now.isoformat(), "stations": data, "sources": sources}, ensure_ascii=False,
                         indent=2))
    else:
        _print_status(settings, data, now)
        _print_sources(sources)
    failing = any(tile["status"] in (Status.STALE.value, Status.NO_DATA.value)
                  for st in data for tile in st["tiles"])
    if failing:
        return 1
    return EXIT_PARTIAL if any(s["health"] == "partial" for s in sources) else 0


def _source_record(status) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """A source's health and run ledger as ``status --json`` gives it (docs/CONNECTORS.md, run ledger)."""
    def run(r) -> dict[str, object] | None:  # type: ignore[no-untyped-def]
        if r is None:
            return None
        return {"started_at": r.started_at.isoformat(), "ok": r.ok, **r.ledger(), "error": r.error}

    warning = status.warning
    return {"name": status.source.name, "type": status.source.type, "health": status.health.value,
            "last_run": run(status.last_run), "last_run_that_read": run(status.data_run),
            "refused_reasons": dict(sorted(status.data_run_rejects.items(), key=lambda kv: -kv[1])[:10])
            if warning is not None else {}}


def _print_sources(sources: list[dict]) -> None:  # type: ignore[type-arg]
    for s in sources:
        if s["health"] != "partial":
            continue
        run = s["last_run_that_read"]
        print(f"\nsource {s['name']}: PARTIAL - {_ledger_words(run)}")
        for reason, n in s["refused_reasons"].items():
            print(f"    rejected {n}: {reason}")


def _ledger_words(run: dict) -> str:  # type: ignore[type-arg]
    """A stored run's ledger (as in ``status --json``) in the words ``collect --once`` uses."""
    if run["rows_read"] is None:
        return f"some data refused: {run['refusals']} refusals, {run['readings_stored']} readings stored"
    text = (f"some rows refused: {run['rows_refused']} / {run['rows_read']} (read {run['rows_read']} · stored "
            f"{run['rows_stored']} · refused {run['rows_refused']} · ignored {run['rows_ignored']})")
    if run["unaccounted"]:
        text += f"; the rows do not add up: {run['unaccounted']} unexplained"
    return text


def _status_record(view, now: datetime) -> dict[str, object]:  # type: ignore[no-untyped-def]
    tiles = []
    for tile in view.tiles:
        age = (now - tile.updated_at).total_seconds() if tile.updated_at else None
        # A stale tile's figures are its last values, not today's: their status says "stale", whatever the
        # values would be judged (a closed station's ten-day-old figures said "ok" or "warn").
        tiles.append({
            "family": tile.family.value,
            "status": tile.status.value,
            "stale": tile.stale,
            "updated_at": tile.updated_at.isoformat() if tile.updated_at else None,
            "age_seconds": round(age, 1) if age is not None else None,
            "figures": {f.code: {"value": f.value, "status": Status.STALE.value if tile.stale else f.status.value,
                                 "stale": tile.stale}
                        for f in [tile.headline, *tile.figures]},
        })
    return {"station": view.station.code, "name": view.station.name, "open": view.is_open, "tiles": tiles}


def _print_status(settings: Settings, data: list[dict], now: datetime) -> None:  # type: ignore[type-arg]
    print(f"{fmt.fmt_date(now)} {fmt.fmt_time(now)}  ({_safe_url(settings.database_url)})")
    for st in data:
        print(f"\n{st['name']} [{st['station']}]" + ("" if st["open"] else "  (closed)"))
        for tile in st["tiles"]:
            age = tile["age_seconds"]
            age_text = "never" if age is None else f"{fmt.fmt_minutes(age / 60, 'en')} ago".replace("\u00a0", " ")
            head = f"  {tile['family']:<9} {tile['status'].upper():<8} updated {age_text}"
            print(head)
            parts = [f"{t('fig.' + code, 'en')}: {format_figure(code, f['value'], 'en')}"
                     + ("" if f["status"] in ("neutral",) else f" ({f['status']})")
                     for code, f in tile["figures"].items()]
            print("      " + "; ".join(p.replace("\u00a0", " ").replace("\u202f", " ") for p in parts))


def cmd_check(args: argparse.Namespace) -> int:
    from connectors import CheckResult, build_connector
    from connectors.deadline import Deadline

    settings = open_board().settings
    if args.source and args.source not in {s.name for s in settings.sources}:
        print(f"unknown source {args.source!r}; configured: {', '.join(s.name for s in settings.sources)}",
              file=sys.stderr)
        return 2
    sources = [settings.source(args.source)] if args.source else settings.sources
    ok_all = True
    partial = False
    ledgers = _stored_ledgers(settings)
    for src in sources:
        try:
            with Deadline(src.pull_timeout_seconds, f"the check of {src.name}").active():
                result = build_connector(src, settings).check(utcnow())
        except Exception as e:  # check must report, not crash
            result = CheckResult(False, "error", f"{type(e).__name__}: {e}")
        ok_all &= result.ok
        state = "OK" if result.ok else f"FAILED ({result.kind})"
        disabled = "" if src.enabled else " [disabled in sources.yaml]"
        print(f"{src.name} ({src.type}){disabled}: {state} - {redact(result.message)}")
        stored = ledgers.get(src.name)
        if stored is not None and stored["health"] == "partial":
            partial = True
            print(f"    last pull that read anything: PARTIAL - {_ledger_words(stored['last_run_that_read'])}")
            for reason, n in stored["refused_reasons"].items():
                print(f"    rejected {n}: {redact(reason)}")
    if not ok_all:
        return 1
    return EXIT_PARTIAL if partial else 0


def _stored_ledgers(settings: Settings) -> dict[str, dict]:  # type: ignore[type-arg]
    """Each source's health and run ledger from the store, for ``check`` ({} when there is no store yet: a check
    before the first collection must still test the sources)."""
    from board.read.sources import source_statuses
    from board.store import Store

    try:
        store = Store.open(settings.database_url, create=False)
    except Exception:
        return {}
    try:
        return {s.source.name: _source_record(s) for s in source_statuses(settings, store, utcnow())}
    except Exception:  # no tables yet, or an older schema: the check itself is what matters here
        return {}
    finally:
        store.dispose()


def cmd_alerts(args: argparse.Namespace) -> int:
    from board.alerts.channels import ChannelError
    from board.alerts.messages import test_message

    board = open_board()
    alerts, now = board.settings.alerts, utcnow()
    if args.test:
        channel = alerts.channels.get(args.test)
        if channel is None:
            print(f"unknown channel {args.test!r}; alerts.yaml has: {', '.join(alerts.channels) or 'none'}",
                  file=sys.stderr)
            return 2
        to = args.to or sorted({a for s in alerts.subscriptions if s.channel == args.test for a in s.to})
        try:
            channel.send(test_message(args.test, now, alerts.board_url, board.settings.board.language), to)
        except ChannelError as e:
            print(f"{args.test}: FAILED ({'transient' if e.transient else 'configuration'}) - {e}")
            return 1
        print(f"{args.test}: OK - test message sent{' to ' + ', '.join(to) if to else ''}")
        return 0
    firing = board.store.alerts(active_only=True)
    print(f"{len(alerts.rules)} rule(s); {len(firing)} alert(s) firing")
    for a in firing:
        taken = f", acknowledged by {a.acknowledged_by}" if a.acknowledged_by else ""
        print(f"  {a.rule} {a.subject}: {a.value if a.value is not None else '-'} since "
              f"{a.since.isoformat(timespec='minutes')}{taken}")
    for c in board.store.channel_states(now - timedelta(days=1)):
        state = "OK" if c.last_error is None else f"FAILING - {redact(c.last_error)}"
        print(f"channel {c.channel}: {state}; {c.waiting} waiting, last sent "
              f"{c.last_sent.isoformat(timespec='minutes') if c.last_sent else 'never'}")
    return 0


def _safe_url(url: str) -> str:
    """The database URL with any password masked (URLs are printed and logged)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unparseable database URL)"
