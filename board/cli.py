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

The commands live in modules of their own: ``cli_collect`` (collect, init-db), ``cli_servers`` (serve, api,
demo), ``cli_status`` (status, check), ``cli_alerts``; ``cli_support`` is what they share.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import sys
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.exc import ArgumentError, OperationalError

from board.cli_alerts import cmd_alerts
from board.cli_collect import cmd_collect, cmd_init_db
from board.cli_servers import cmd_api, cmd_demo, cmd_serve
from board.cli_servers import demo_env as demo_env  # (imported from here by tests and scripts)
from board.cli_servers import sign_in_note as sign_in_note
from board.cli_status import cmd_check, cmd_status, status_record
from board.cli_support import EXIT_PARTIAL as EXIT_PARTIAL
from board.cli_support import open_board as open_board
from board.cli_support import safe_url
from board.domain.timeutil import HELSINKI
from board.environment import DEFAULT_PORT, read_environment
from board.secrets import install_log_redaction, redact
from board.settings import ConfigError

#: Default port of ``api`` (the web server's is 8501).
API_PORT = 8502

#: ``status``'s record of a station under the name it had when the commands were all here (tests import it).
_status_record = status_record


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
        print(f"cannot open the store at {safe_url(url)}: {cause}\n"
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
