"""Shared fixtures: a temporary configuration, SQLite and PostgreSQL stores.

PostgreSQL tests use the server on 127.0.0.1:5432 (``BOARD_TEST_POSTGRES_URL``
to point elsewhere), each in a schema of its own that is dropped afterwards.
Without a reachable server they skip with the reason, unless
``BOARD_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from board.settings import DEFAULT_CONFIG_DIR, Settings, load_settings
from board.store import Store

#: The real-browser fixtures (``server``, ``browser``) for every test module.
pytest_plugins = ["tests.browser_support"]

PG_URL = os.environ.get("BOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


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


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'board.sqlite'}"


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as e:  # any failure means "not reachable"
        return f"PostgreSQL not reachable at {PG_URL}: {type(e).__name__}: {str(e).splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    reason = _postgres_available()
    if reason:
        if os.environ.get("BOARD_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (BOARD_REQUIRE_POSTGRES=1 makes this a failure)")
        pytest.skip(reason)
    return PG_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections use a fresh schema (dropped after the test)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres_server else "?"
    yield f"{postgres_server}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'board.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def settings(config_dir: Path, database_url: str) -> Settings:
    return load_settings(config_dir, database_url)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = Store.open(settings.database_url)
    yield s
    s.dispose()


@pytest.fixture
def seeded(monkeypatch: pytest.MonkeyPatch, config_dir: Path, sqlite_url: str) -> Store:
    """A store filled by one real collector cycle, and the pages pointed at it, sign-in off.

    For tests of what a page shows; who may open which page is tested in
    tests/test_access_pages.py.
    """
    import streamlit as st

    from board.collector import Collector

    settings = load_settings(config_dir, sqlite_url)
    store = Store.open(sqlite_url)
    Collector(settings, store).run_once()
    monkeypatch.setenv("BOARD_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("BOARD_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BOARD_SIGN_IN", "off")
    st.cache_data.clear()
    st.cache_resource.clear()
    return store
