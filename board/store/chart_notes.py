"""Notes on the charts (board.domain.chart_note): written by managers and shift leads, deleted by them.

Deleting keeps the row with who deleted it and when (the charts stop showing
it); a note's text was cleaned and checked before it got here.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from board.domain.chart_note import ChartNote, Scope
from board.store.schema import ChartNoteRow


class ChartNotes:
    """Chart notes (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]

    def add_chart_note(self, day: date, clock: time | None, text: str, scope: Scope, code: str, author: str,
                       now: datetime) -> ChartNote:
        """Store a note; the caller has cleaned and checked it (board.domain.chart_note)."""
        row = ChartNoteRow(day=day, clock=clock.strftime("%H:%M") if clock else None, text=text, scope=scope.value,
                           code=code, author=author, created_at=now)
        with self.sessions.begin() as s:
            s.add(row)
            s.flush()
            return row.to_domain()

    def delete_chart_note(self, note_id: int, by: str, now: datetime) -> bool:
        """Take a note off the charts; False when there is no such note or it was already deleted."""
        with self.sessions.begin() as s:
            row = s.get(ChartNoteRow, note_id)
            if row is None or row.deleted_at is not None:
                return False
            row.deleted_at, row.deleted_by = now, by
            return True

    def chart_notes(self, first: date, last: date, include_deleted: bool = False) -> list[ChartNote]:
        """Notes dated ``first <= day <= last``, in order of day and time (whole-day notes first)."""
        stmt = select(ChartNoteRow).where(ChartNoteRow.day >= first, ChartNoteRow.day <= last)
        if not include_deleted:
            stmt = stmt.where(ChartNoteRow.deleted_at.is_(None))
        with self.sessions() as s:
            found = [r.to_domain() for r in s.scalars(stmt)]
        return sorted(found, key=lambda n: (n.day, n.clock or time.min, n.id))
