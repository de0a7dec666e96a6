"""Shared fixtures: a temporary configuration, SQLite and PostgreSQL stores.

PostgreSQL tests use the server on 127.0.0.1:5432 (``BOARD_TEST_POSTGRES_URL``
to point elsewhere), each in a schema of its own that is dropped afterwards.
Without a reachable server they skip with the reason, unless
``BOARD_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) turns the skip into a failure.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import settings as hypothesis_settings

from board.factory import Board, create_board
from board.settings import DEFAULT_CONFIG_DIR, Settings
from board.store import Store
from tests import harness

#: The real-browser fixtures (``server``, ``browser``) for every test module.
pytest_plugins = ["tests.browser_support"]

# Property tests without settings of their own: no per-example time limit (Hypothesis's default 200 ms failed a
# pure-Python ledger test at load 19, with no counterexample in 20 000 examples run apart), the same examples in
# every run, and no example database written into the checkout.
hypothesis_settings.register_profile("board", deadline=None, derandomize=True, database=None)
hypothesis_settings.load_profile("board")



def write_config(target: Path, **source_overrides: object) -> Path:
    """A copy of the shipped configuration with a small, fast demo source."""
    target.mkdir(parents=True, exist_ok=True)
    for f in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        shutil.copy(f, target / f.name)
    demo = {"name": "demo", "type": "demo", "interval_seconds": 5, "stale_after_seconds": 900, "seed": 7,
            "backfill_days": 1, "history_step_minutes": 60, "live_step_seconds": 300}
    demo.update(source_overrides)
    (target / "sources.yaml").write_text(yaml.safe_dump({"sources": [demo]}), encoding="utf-8")
    return target


_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def _main_module_kept() -> Iterator[None]:
    """Streamlit's script runner (AppTest) installs each page it runs as ``sys.modules["__main__"]`` and leaves it
    there; a files pull started later in the same test process (connectors/isolated.py, a forkserver worker) then
    re-ran that page as the worker's main module and died (``plan.stations[0]``). A web process never starts pull
    workers, so the product is not affected; the test process puts its own main module back after each test."""
    yield
    sys.modules["__main__"] = _MAIN


@pytest.fixture(autouse=True)
def _sign_outs_forgotten() -> Iterator[None]:
    """A sign-out is remembered by the web process (``board.web.access``) so every tab of that sign-in ends; in
    the test process that memory outlived the test that signed out, and a later test signing in with the same
    identity (``tests/test_access_pages.SHIFT_LEAD``) saw the sign-in page instead of the overview."""
    yield
    access = sys.modules.get("board.web.access")
    if access is not None:
        with access._signed_out_lock:
            access._signed_out.clear()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'board.sqlite'}"


def require(problem: str | None, what: str) -> None:
    """Skip the test for ``problem`` (a missing server or browser), or fail it when ``BOARD_REQUIRE_<WHAT>=1``."""
    if problem:
        if harness.required(what):
            pytest.fail(f"{problem} (BOARD_REQUIRE_{what.upper()}=1 makes this a failure)")
        pytest.skip(problem)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    require(harness.postgres_problem(), "postgres")
    return harness.PG_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections use a fresh schema (dropped after the test)."""
    with harness.postgres_schema("t", postgres_server) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'board.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def opened_board(config_dir: Path, database_url: str) -> Iterator[Board]:
    """The board of ``config_dir`` on ``database_url`` (see :func:`board.factory.create_board`)."""
    b = create_board(config_dir, database_url)
    yield b
    b.close()


@pytest.fixture
def settings(opened_board: Board) -> Settings:
    return opened_board.settings


@pytest.fixture
def store(opened_board: Board) -> Store:
    return opened_board.store


@contextmanager
def pages_reading(board: Board) -> Iterator[Board]:
    """The pages (AppTest runs them in this process) read ``board`` inside the block; its store is closed after."""
    from board.web.streamlit_support import use_board

    use_board(board)
    try:
        yield board
    finally:
        use_board(None)
        board.close()


@pytest.fixture
def seeded(config_dir: Path, sqlite_url: str) -> Iterator[Store]:
    """A store filled by one real collector cycle, and the pages pointed at it, sign-in off.

    For tests of what a page shows; who may open which page is tested in
    tests/test_access_pages.py.
    """
    from board.collector import Collector

    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        Collector(board.settings, board.store).run_once()
        yield board.store
