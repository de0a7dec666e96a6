"""The schema comes from Alembic migrations, on SQLite and PostgreSQL; old databases are adopted."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from board.domain.reading import Reading
from board.store import Base, Store, make_engine


def _head() -> str:
    from alembic.config import Config

    from board import store

    config = Config()
    config.set_main_option("script_location", str(store.Path(store.__file__).resolve().parent / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrations_create_exactly_the_models(database_url: str):
    store = Store.open(database_url)
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert diffs == []  # a model change without a migration fails here
    assert version == _head()
    Store.open(database_url).dispose()  # opening again is a no-op
    store.dispose()


def test_a_database_from_before_migrations_is_adopted_and_keeps_its_data(database_url: str):
    engine = make_engine(database_url)
    legacy = [t for name, t in Base.metadata.tables.items() if name not in ("notices", "page_views")]
    Base.metadata.create_all(engine, tables=legacy)  # the first release's tables, made by create_all
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    store = Store(engine)
    with store.sessions.begin() as s:
        store.upsert_readings(s, [Reading("kajaani", "queue_waiting", now, 4.0)], source="demo", now=now)
    store.create_schema()
    tables = set(inspect(engine).get_table_names())
    assert {"alembic_version", "readings", "notices", "page_views"} <= tables
    assert store.latest_values("kajaani")["queue_waiting"].value == 4.0
    engine.dispose()


def test_every_migration_goes_down_and_up_again(database_url: str):
    from alembic import command
    from alembic.config import Config

    from board import store as store_module

    store = Store.open(database_url)
    config = Config()
    config.set_main_option("script_location",
                           str(store_module.Path(store_module.__file__).resolve().parent / "migrations"))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert "notices" in inspect(conn).get_table_names()
    store.dispose()
