"""``serve``, ``api`` and ``demo``: the web server and the API as processes, and the demo's two children."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from board.cli_support import open_board, safe_url
from board.environment import port_number, read_environment
from board.factory import create_board
from board.settings import PROJECT_DIR, Settings


def _port(arg: int | None, settings: Settings) -> int:
    """``--port``, else ``BOARD_PORT``, else the default."""
    return port_number(arg) if arg is not None else settings.environment.port


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


#: The demo's store when every station is open all day and no ``BOARD_DATABASE_URL`` is set: a store of its own.
ALWAYS_OPEN_STORE = "board-always-open.sqlite"


def demo_database_url(always_open: bool, environ: dict[str, str] | None = None) -> str | None:
    """The store ``demo`` opens: with ``--always-open`` and no ``BOARD_DATABASE_URL``, ``data/board-always-open.sqlite``
    instead of the plain demo's ``data/board.sqlite`` (None: as configured).

    Why: a projection's usual day is learnt from the store's history. On a store the plain demo filled, the
    evenings are closed (no calls after 18, nobody handling), so with every station open until midnight the queue
    was projected to drain by the day's end: "0 jonossa" beside 56 waiting (session 16). Each mode keeps its own
    history; an administrator's explicit store is left as it is (README says what then happens).
    """
    env = read_environment(environ)
    if not (always_open or env.always_open) or env.database_url:
        return None
    from board.settings import DEFAULT_DATA_DIR

    return f"sqlite:///{DEFAULT_DATA_DIR / ALWAYS_OPEN_STORE}"


def cmd_demo(args: argparse.Namespace) -> int:
    """Collector and web server as two child processes; Ctrl-C (or either dying) stops both."""
    if getattr(args, "items", False):
        from board.demo_items_setup import prepare

        board = create_board(environ=prepare(read_environment().variables))
    else:
        own = demo_database_url(getattr(args, "always_open", False))
        board = open_board() if own is None else create_board(database_url=own)
    settings = board.settings
    port = _port(args.port, settings)
    board.store  # noqa: B018 - opening it creates or upgrades the tables before the children start
    print(f"store: {safe_url(settings.database_url)}")
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
