"""The board factory: settings and store, opened the same way by every command, page, test and benchmark.

Like Flask's ``create_app(test_config)``: the running board calls
:func:`create_board` with nothing and gets what the environment says
(``BOARD_CONFIG_DIR``, ``BOARD_DATABASE_URL``, … read by
:mod:`board.environment`); a test or a benchmark passes its configuration
folder and database in, instead of patching environment variables::

    board = create_board(config_dir, "sqlite:///…/board.sqlite", sign_in="off")
    Collector(board.settings, board.store).run_once()

The pages get theirs through :mod:`board.web.streamlit_support`, which a test
hands a board with :func:`board.web.streamlit_support.use_board`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from board.environment import Environment, read_environment
from board.settings import Settings, load_settings
from board.store import Store


@dataclass
class Board:
    """One board's settings and its store. The store is opened on first use (and its tables created or upgraded),
    so a page that only needs the settings, or a command that only checks sources, never touches the database."""

    settings: Settings
    #: False: open the store without running the migrations (the caller knows the tables are there).
    create_schema: bool = field(default=True, repr=False)
    _store: Store | None = field(default=None, init=False, repr=False)
    #: Pages of many sessions ask at once: the store is opened once.
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def environment(self) -> Environment:
        return self.settings.environment

    @property
    def store(self) -> Store:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = Store.open(self.settings.database_url, create=self.create_schema,
                                             count_statements_to=self.environment.query_count_file)
        return self._store

    def close(self) -> None:
        """Close the store's connections (if it was opened)."""
        if self._store is not None:
            self._store.dispose()


def create_board(config_dir: str | Path | None = None, database_url: str | None = None, *,
                 sign_in: str | None = None, environ: Mapping[str, str] | None = None,
                 create_schema: bool = True) -> Board:
    """Read and check the configuration (raising :class:`~board.settings.ConfigError` on the first problem).

    ``config_dir`` and ``database_url`` win over ``BOARD_CONFIG_DIR`` and
    ``BOARD_DATABASE_URL``; ``sign_in`` (``off`` or ``required``) over
    ``BOARD_SIGN_IN`` and board.yaml; ``environ`` replaces this process's
    environment (for ``${NAME}`` secrets too).
    """
    env = read_environment(environ)
    if sign_in is not None:
        env = replace(env, sign_in=sign_in)
    return Board(load_settings(config_dir, database_url, env), create_schema)
