"""Notices on the wall screens and the board's own page views.

Notices are written and withdrawn by shift leads (cleaned and checked by
:mod:`board.domain.notice` before they get here) and read as
:class:`~board.domain.notice.Notice` records. Page views are counts per local
day, page and station: nothing about who looked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from board.domain.notice import Notice
from board.store.changes import bump
from board.store.engine import Dialect
from board.store.schema import NoticeRow, PageViewRow


class Notices:
    """Notices and page views (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]
    dialect: Dialect

    def add_notice(self, text: str, stations: Sequence[str], starts_at: datetime, ends_at: datetime,
                   author: str, now: datetime) -> Notice:
        """Store a notice; the caller has cleaned and checked it (board.domain.notice)."""
        row = NoticeRow(text=text, stations=",".join(stations), starts_at=starts_at, ends_at=ends_at, author=author,
                        created_at=now)
        with self.sessions.begin() as s:
            s.add(row)
            s.flush()
            bump(s, stations)  # '*' for a notice on every station
            return row.to_domain()

    def withdraw_notice(self, notice_id: int, by: str, now: datetime) -> bool:
        """End a notice now; False when there is no such notice or it was already withdrawn."""
        with self.sessions.begin() as s:
            row = s.get(NoticeRow, notice_id)
            if row is None or row.withdrawn_at is not None:
                return False
            row.withdrawn_at, row.withdrawn_by = now, by
            bump(s, row.stations.split(","))
            return True

    def notices(self, active_at: datetime | None = None, station: str | None = None,
                since: datetime | None = None) -> list[Notice]:
        """Notices, newest first: active at ``active_at`` (and shown on ``station``), or ending after ``since``."""
        stmt = select(NoticeRow).order_by(NoticeRow.created_at.desc(), NoticeRow.id.desc())
        if active_at is not None:
            stmt = stmt.where(NoticeRow.withdrawn_at.is_(None), NoticeRow.starts_at <= active_at,
                              NoticeRow.ends_at > active_at)
        if since is not None:
            stmt = stmt.where(NoticeRow.ends_at > since)
        with self.sessions() as s:
            found = [r.to_domain() for r in s.scalars(stmt)]
        return [n for n in found if station is None or n.shows_on(station)]

    def count_view(self, day: date, page: str, station: str = "") -> None:
        """Add one view of ``page`` (at ``station``) on local ``day``."""
        insert = self.dialect.insert
        stmt = insert(PageViewRow.__table__).values(day=day, page=page, station=station, views=1)
        stmt = stmt.on_conflict_do_update(index_elements=["day", "page", "station"],
                                          set_={"views": PageViewRow.__table__.c.views + 1})
        with self.sessions.begin() as s:
            s.execute(stmt)

    def page_views(self, first: date, last: date) -> list[tuple[date, str, str, int]]:
        """``(day, page, station, views)`` for ``first <= day <= last``."""
        v = PageViewRow
        stmt = select(v.day, v.page, v.station, v.views).where(v.day >= first, v.day <= last).order_by(
            v.day, v.page, v.station)
        with self.sessions() as s:
            return [(d, p, st, n) for d, p, st, n in s.execute(stmt)]
