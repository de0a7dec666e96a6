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
    rows: int = 0
    rejected: int = 0
    attempts: int = 1
    #: configuration / transient / data / error / stopped, when not ok.
    error_kind: str | None = None
    error: str | None = None
    #: The collector process that ran it (host:pid:id), when collectors share a store.
    holder: str | None = None
    #: Given by the store; None until the run is stored.
    id: int | None = None

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()
