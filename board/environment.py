"""The one module that reads environment variables.

Everything else is handed an :class:`Environment` (or what was made of it:
:class:`board.settings.Settings`, :func:`board.factory.create_board`), so a
test passes configuration in instead of patching ``os.environ``, and a new
variable is added here, in the README's table and nowhere else.

=========================== =======================================================================
``BOARD_DATABASE_URL``      the store (default: ``data/board.sqlite`` in the project)
``BOARD_CONFIG_DIR``        the configuration folder (default: ``config/`` in the project)
``BOARD_SIGN_IN``           ``required`` or ``off``, over ``access.sign_in`` of board.yaml
``BOARD_LEASE_SECONDS``     how long a collector's hold on a source lasts without renewal
``BOARD_QUERY_COUNT_FILE``  benchmarks only: each process writes its SQL statement count to ``FILE.<pid>``
``BOARD_PORT``              web port of ``demo`` and ``serve``
``BOARD_ADDRESS``           address the web server listens on (``demo``: 127.0.0.1 unless set)
``BOARD_ITEM_KEY``          the secret item ids are hashed with (named as ``id_key: ${BOARD_ITEM_KEY}``)
``BOARD_API_TOKEN``         the read API's token (``python -m board api``; also read from secrets.toml)
``BOARD_ALWAYS_OPEN``       ``1``: every station open all day, every day (``demo --always-open`` sets it)
``STREAMLIT_SECRETS_FILES`` where Streamlit reads ``[auth]`` (Streamlit's own variable)
``${NAME}``                 any variable a ``sources.yaml`` secret reference names
=========================== =======================================================================

Test-only variables (``BOARD_TEST_POSTGRES_URL``, ``BOARD_REQUIRE_*``,
``BOARD_CHROMIUM``) belong to the test and benchmark harness, ``tests/harness.py``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    """The configuration is wrong; the message says where and what to fix."""


DEFAULT_PORT = 8501


@dataclass(frozen=True)
class Environment:
    """What the board takes from its environment, as set (None when unset).

    Values are checked where they are used, with the variable's name in the
    message, so a wrong ``BOARD_PORT`` stops ``serve`` but not ``status``.
    """

    database_url: str | None = None
    config_dir: Path | None = None
    #: ``required`` or ``off`` (checked by :func:`board.settings.load_settings`), as written.
    sign_in: str | None = None
    #: As written; see :attr:`lease_seconds`.
    lease_text: str | None = None
    query_count_file: str | None = None
    #: As written; see :attr:`port`.
    port_text: str | None = None
    #: ``BOARD_ADDRESS``: where the web server listens (None: the command's default).
    address: str | None = None
    #: ``STREAMLIT_SECRETS_FILES``, split; empty: Streamlit's defaults.
    streamlit_secrets_files: tuple[str, ...] = ()
    #: ``BOARD_ALWAYS_OPEN=1`` (what ``demo --always-open`` sets): every station is open all day, every day, so
    #: the demo shows a live board in the evening too. A demo option, never for a real region.
    always_open: bool = False
    #: Every variable, for ``${NAME}`` secret references and child processes.
    variables: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def lease_seconds(self) -> float | None:
        """``BOARD_LEASE_SECONDS``: how long a collector's lease lasts without renewal (None: 3 turns)."""
        return float(self.lease_text) if self.lease_text else None

    @property
    def port(self) -> int:
        """``BOARD_PORT``, else :data:`DEFAULT_PORT`; a :class:`ConfigError` when it is not a port."""
        return port_number(DEFAULT_PORT if self.port_text is None else self.port_text)

    def child(self, **overrides: str) -> dict[str, str]:
        """The environment for a child process: this one's variables with ``overrides``."""
        return {**self.variables, **overrides}


def read_environment(environ: Mapping[str, str] | None = None) -> Environment:
    """The board's variables in ``environ`` (default: this process's environment)."""
    env = dict(os.environ if environ is None else environ)
    config_dir = env.get("BOARD_CONFIG_DIR")
    return Environment(
        database_url=env.get("BOARD_DATABASE_URL") or None,
        config_dir=Path(config_dir) if config_dir else None,
        sign_in=env.get("BOARD_SIGN_IN"),
        lease_text=env.get("BOARD_LEASE_SECONDS") or None,
        query_count_file=env.get("BOARD_QUERY_COUNT_FILE") or None,
        port_text=env.get("BOARD_PORT"),
        address=env.get("BOARD_ADDRESS") or None,
        streamlit_secrets_files=tuple(env.get("STREAMLIT_SECRETS_FILES", "").split()),
        always_open=env.get("BOARD_ALWAYS_OPEN", "").strip().lower() in ("1", "true", "yes", "on"),
        variables=env,
    )


def port_number(raw: object) -> int:
    """A web port (from ``--port`` or ``BOARD_PORT``), or a :class:`ConfigError` saying what is wrong."""
    try:
        port = int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ConfigError(f"BOARD_PORT: {raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"BOARD_PORT: {port} is outside 1-65535")
    return port
