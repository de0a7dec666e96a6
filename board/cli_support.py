"""What every command of the command line shares: how it opens the board, its exit status for a partial run,
and a database URL fit to print."""

from __future__ import annotations

from sqlalchemy.exc import ArgumentError

from board.factory import Board, create_board

#: Exit status: everything ran, but a source refused some of what it read (docs/CONNECTORS.md, run ledger).
EXIT_PARTIAL = 3


def open_board() -> Board:
    """How every command opens settings and store: :func:`board.factory.create_board` from the environment.

    The store opens (and its tables are created or upgraded) when a command
    first uses ``board.store``; ``serve`` and ``check`` never do.
    """
    return create_board()


def safe_url(url: str) -> str:
    """The database URL with any password masked (URLs are printed and logged)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unparseable database URL)"
