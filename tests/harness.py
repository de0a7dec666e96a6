"""The harness the tests and the benchmarks share: board processes, web servers, PostgreSQL schemas, Chromium.

Nothing here asserts or skips (pytest's fixtures on top of it are in
``tests/conftest.py`` and ``tests/browser_support.py``; the benchmarks use it
through ``bench/common.py``): it starts and stops what a test or a benchmark
runs against, each child process stopped by its own pid.

It reads the test-only environment variables (the board's own are read by
``board/environment.py`` alone):

=========================== ===========================================================================
``BOARD_TEST_POSTGRES_URL`` the PostgreSQL server of the tests and benchmarks (default: 127.0.0.1:5432/test)
``BOARD_REQUIRE_POSTGRES``  ``1``: a missing PostgreSQL fails the tests instead of skipping them (CI)
``BOARD_REQUIRE_BROWSER``   ``1``: a missing Chromium fails the browser tests instead of skipping them (CI)
``BOARD_CHROMIUM``          the browser (default: Debian's ``/usr/bin/chromium``)
=========================== ===========================================================================
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("BOARD_CHROMIUM", "/usr/bin/chromium")
#: Headless Chromium in a container, no phoning home. (No flags against background throttling: Playwright already
#: starts Chromium with --disable-background-timer-throttling, --disable-renderer-backgrounding and
#: --disable-backgrounding-occluded-windows, and headless every page is visible and focused, so a test's second
#: tab runs its timers as a wall screen in front does; a real browser's hidden tab is slower: README, "Signing out".)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PG_URL = os.environ.get("BOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def required(what: str) -> bool:
    """Whether ``BOARD_REQUIRE_<WHAT>=1`` turns a missing ``what`` (POSTGRES, BROWSER) into a failure."""
    return os.environ.get(f"BOARD_REQUIRE_{what.upper()}") == "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], Any], seconds: float, every: float = 0.2) -> Any:
    """The first truthy value of ``predicate()`` within ``seconds``, else None."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(every)


# ------------------------------------------------------------------ board processes
def board_env(config_dir: Path, url: str, **extra: str) -> dict[str, str]:
    """This process's environment pointed at ``config_dir`` and the store at ``url`` (a child's only way in)."""
    return {**os.environ, "BOARD_CONFIG_DIR": str(config_dir), "BOARD_DATABASE_URL": url, **extra}


class Process:
    """``python -m board ARGS`` run from the project folder, its output in ``log``; stopped by its own pid only."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log_path = log
        self._log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "board", *args], cwd=ROOT, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    # Used like the Popen it wraps (a fault test kills and waits for it itself).
    def poll(self) -> int | None:
        return self.proc.poll()

    def wait(self, timeout: float | None = None) -> int:
        return self.proc.wait(timeout)

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        """Send ``sig`` (SIGINT: the collector's Ctrl-C), wait ``timeout`` seconds, then SIGKILL."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


class ServerDidNotStart(RuntimeError):
    """The web server exited or did not answer its health check in time (the message ends with its log)."""


class Server(Process):
    """``python -m board serve`` on ``port`` (default: a free one), answering its health check when made.

    ``serve`` execs Streamlit, so ``pid`` is the web server itself.
    """

    def __init__(self, log: Path, config_dir: Path, url: str, port: int | None = None, start_seconds: float = 90,
                 **extra_env: str) -> None:
        self.config_dir, self.url = config_dir, url
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        super().__init__(["serve", "--port", str(self.port)], board_env(config_dir, url, **extra_env), log)
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if not self.alive() or time.monotonic() > deadline:
                tail = self.tail()
                self.stop()
                raise ServerDidNotStart(f"the web server did not start: {tail}")
            time.sleep(0.3)


def collector_process(log: Path, config_dir: Path, url: str, *args: str, **extra_env: str) -> Process:
    """The real collector (``python -m board collect ARGS``), each source on its configured interval."""
    return Process(["collect", *args], board_env(config_dir, url, **extra_env), log)


@contextmanager
def stopping(*procs: Process | None) -> Iterator[None]:
    try:
        yield
    finally:
        for p in procs:
            if p is not None:
                p.stop()


# ------------------------------------------------------------------ PostgreSQL
def postgres_problem() -> str | None:
    """Why the PostgreSQL server cannot be used (None: it can)."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as e:  # any failure means "not reachable"
        return f"PostgreSQL not reachable at {PG_URL}: {type(e).__name__}: {str(e).splitlines()[0]}"


@contextmanager
def postgres_schema(prefix: str = "t", server: str = PG_URL) -> Iterator[str]:
    """A URL whose connections use a fresh schema on ``server``, dropped afterwards."""
    from sqlalchemy import create_engine, text

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, connect_args={"connect_timeout": 5})
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in server else "?"
    try:
        yield f"{server}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# ------------------------------------------------------------------ the browser
def chromium_problem() -> str | None:
    """Why the browser cannot be used (None: it can)."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (make test / make bench installs Debian's chromium)"
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Debian Chromium (Playwright), closed afterwards."""
    problem = chromium_problem()
    if problem:
        raise RuntimeError(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
