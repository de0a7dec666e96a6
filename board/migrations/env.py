"""Alembic environment: the board's tables, on SQLite (batch mode) and PostgreSQL alike.

When the board runs migrations itself (``Store.create_schema``) it hands over
an open connection in ``config.attributes["connection"]``; from the command
line the URL comes from ``BOARD_DATABASE_URL`` (default: the embedded SQLite).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from board.store import Base, make_engine
from board.store.engine import dialect_of

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=dialect_of(connection.engine).is_sqlite,  # SQLite cannot ALTER most things in place
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from board.settings import load_settings

    engine = make_engine(load_settings().database_url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():  # pragma: no cover - the board always migrates online
    raise SystemExit("offline (SQL script) migrations are not supported; run them against the database")
run()
