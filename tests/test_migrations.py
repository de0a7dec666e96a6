"""The schema comes from Alembic migrations, on SQLite and PostgreSQL; old databases are adopted."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from board.store import Base, Store, make_engine


def _config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    from board import store

    config = Config()
    config.set_main_option("script_location", str(store.MIGRATIONS))
    return config


def _head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


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
    from alembic import command

    engine = make_engine(database_url)
    with engine.begin() as conn:  # the first release's tables, as its create_all made them: no version table
        config = _config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(text("DROP TABLE alembic_version"))
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    store = Store(engine)
    with store.sessions.begin() as s:  # a reading written by the first release (its table keyed by station and metric)
        s.execute(text("INSERT INTO readings (station, metric, ts, value, source, collected_at) "
                       "VALUES ('kajaani', 'queue_waiting', :ts, 4.0, 'demo', :ts)"), {"ts": now.replace(tzinfo=None)})
    store.create_schema()
    tables = set(inspect(engine).get_table_names())
    assert {"alembic_version", "readings", "notices", "page_views"} <= tables
    assert store.latest_values("kajaani")["queue_waiting"].value == 4.0
    assert store.newest_by_source() == [("demo", "kajaani", "queue_waiting", now)]  # filled by migration 0004
    engine.dispose()


def test_every_migration_goes_down_and_up_again(database_url: str):
    from alembic import command

    store = Store.open(database_url)
    config = _config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert "notices" in inspect(conn).get_table_names()
    store.dispose()
