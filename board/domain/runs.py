"""A collector run of one source, as the store records it and the Sources page reads it.

A plain record: the collector makes one when a pull ends
(:meth:`board.store.Store.finish_run` stores it, with its rejected rows and
the source's new bookmark, in one transaction); ``store.runs()`` hands them
back with their ``id``. Nothing here knows about sessions or ORM rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Run:
    """One collector run of one source: the administrator's audit trail."""

    source: str
    started_at: datetime
    finished_at: datetime
    ok: bool
    #: Where the pull started (None: the source's backfill).
    window_since: datetime | None = None
    #: Readings stored.
    rows: int = 0
    #: Refusals counted under their reasons (a row, a reading the checks refused, a whole file).
    rejected: int = 0
    attempts: int = 1
    #: configuration / transient / data / error / stopped, when not ok.
    error_kind: str | None = None
    error: str | None = None
    #: The collector process that ran it (host:pid:id), when collectors share a store.
    holder: str | None = None
    #: The run ledger (board/domain/ledger.py): data rows read, and what became of them. ``rows_read`` and
    #: ``rows_stored`` are None when the connector counts no rows (and for runs recorded before the ledger).
    rows_read: int | None = None
    rows_stored: int | None = None
    rows_refused: int = 0
    rows_ignored: int = 0
    duplicates: int = 0
    #: Rows that passed the checks but whose write never committed: the run failed (its ``error`` says why); the
    #: next run reads them again. Always 0 for a successful run.
    rows_unwritten: int = 0
    #: Given by the store; None until the run is stored.
    id: int | None = None

    @property
    def unaccounted(self) -> int:
        """Rows read but neither stored, refused, ignored nor left unwritten by a failed write (a connector's
        miscount; 0 when rows are not counted).

        Never hidden: a run where this is not 0 is shown as a warning."""
        if self.rows_read is None:
            return 0
        return (self.rows_read - (self.rows_stored or 0) - self.rows_refused - self.rows_ignored
                - self.rows_unwritten)

    @property
    def refused_some(self) -> bool:
        """A successful run that still refused something (rows, readings or files): a warning, never "no news"."""
        return self.ok and (self.rejected > 0 or self.rows_refused > 0)

    @property
    def state(self) -> str:
        """``ok``; ``partial`` (it ran, but refused something or its rows do not add up); ``failed``."""
        if not self.ok:
            return "failed"
        return "partial" if self.refused_some or self.unaccounted else "ok"

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()
