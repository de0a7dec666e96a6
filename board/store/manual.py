"""Figures typed by hand (board.domain.manual): adding, withdrawing, and reading them for the wall and the audit.

Rows are never deleted or changed but for the withdrawal: an expired or
withdrawn entry stays as the audit list on /sources says who typed what,
when, for how long, and who withdrew it. The table is declared here, not in
:mod:`.schema`, which is long enough; migration 0011 creates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Float, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from board.domain.manual import ManualEntry
from board.store.changes import bump
from board.store.schema import Base, UTCDateTime


class ManualEntryRow(Base):
    """A figure typed by hand for a station while its source is down (board.domain.manual); kept after it
    expires or is withdrawn, as the audit list of /sources."""

    __tablename__ = "manual_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station: Mapped[str] = mapped_column(String(40))
    metric: Mapped[str] = mapped_column(String(60))
    value: Mapped[float] = mapped_column(Float)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    author: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(120), default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    def to_domain(self) -> ManualEntry:
        return ManualEntry(self.id, self.station, self.metric, self.value, self.entered_at, self.expires_at,
                           self.author, self.reason, self.withdrawn_at, self.withdrawn_by)


class ManualEntries:
    """Manual entries (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]

    def add_manual_entry(self, station: str, metric: str, value: float, expires_at: datetime, author: str,
                         now: datetime, reason: str = "") -> ManualEntry:
        """Store an entry; the caller has checked it (board.domain.manual: range, expiry, names)."""
        row = ManualEntryRow(station=station, metric=metric, value=value, entered_at=now, expires_at=expires_at,
                             author=author, reason=reason)
        with self.sessions.begin() as s:
            s.add(row)
            s.flush()
            bump(s, [station])  # the station's walls show it at once (board/store/changes.py)
            return row.to_domain()

    def withdraw_manual_entry(self, entry_id: int, by: str, now: datetime) -> bool:
        """End an entry now; False when there is none, or it has already ended (withdrawn or expired)."""
        with self.sessions.begin() as s:
            row = s.get(ManualEntryRow, entry_id)
            if row is None or not row.to_domain().is_active(now):
                return False
            row.withdrawn_at, row.withdrawn_by = now, by
            bump(s, [row.station])
            return True

    def manual_entries(self, active_at: datetime | None = None, stations: Sequence[str] | None = None,
                       since: datetime | None = None) -> list[ManualEntry]:
        """Entries, newest first: active at ``active_at`` (one query for the wall or the whole overview), and/or
        ending after ``since`` (the audit list), of ``stations`` (all when None)."""
        m = ManualEntryRow
        stmt = select(m).order_by(m.entered_at.desc(), m.id.desc())
        if active_at is not None:
            stmt = stmt.where(m.withdrawn_at.is_(None), m.entered_at <= active_at, m.expires_at > active_at)
        if since is not None:
            stmt = stmt.where(m.expires_at > since)
        if stations is not None:
            stmt = stmt.where(m.station.in_(list(stations)))
        with self.sessions() as s:
            return [r.to_domain() for r in s.scalars(stmt)]
