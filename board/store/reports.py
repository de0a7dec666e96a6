"""The weekly report's outbox (board/reports): queued once per week and subscription, tried until sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from board.domain.reasons import decode, encode
from board.store.engine import Dialect
from board.store.schema import ReportOutboxRow


@dataclass(frozen=True)
class QueuedReport:
    key: str
    subscription: str
    week: str
    created_at: datetime
    attempts: int = 0
    next_try: datetime | None = None
    last_try: datetime | None = None
    #: The last failure: a :class:`~board.domain.reasons.Reason` (shown in the page's language), or the plain
    #: English text a row was stored with before reasons had codes.
    last_error: str | None = None
    sent_at: datetime | None = None
    gave_up_at: datetime | None = None


def _record(r: ReportOutboxRow) -> QueuedReport:
    return QueuedReport(r.key, r.subscription, r.week, r.created_at, r.attempts, r.next_try, r.last_try,
                        decode(r.last_error) if r.last_error else r.last_error, r.sent_at, r.gave_up_at)


class Reports:
    """The report outbox (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]
    dialect: Dialect

    def queue_report(self, key: str, subscription: str, week: str, now: datetime) -> bool:
        """Queue a report unless its key is already there (sent or not); True when this call queued it.

        One statement (insert ... on conflict do nothing): two collectors queueing at once store it once.
        """
        stmt = self.dialect.insert(ReportOutboxRow.__table__).values(
            key=key, subscription=subscription, week=week, created_at=now, attempts=0)
        stmt = stmt.on_conflict_do_nothing(index_elements=["key"])
        with self.sessions.begin() as s:
            return bool(s.execute(stmt).rowcount)

    def due_reports(self, now: datetime) -> list[QueuedReport]:
        """Reports not sent, not given up, whose next try is due, oldest first."""
        r = ReportOutboxRow
        stmt = select(r).where(r.sent_at.is_(None), r.gave_up_at.is_(None),
                               or_(r.next_try.is_(None), r.next_try <= now)).order_by(r.created_at, r.key)
        with self.sessions() as s:
            return [_record(x) for x in s.scalars(stmt)]

    def mark_report_sent(self, key: str, now: datetime) -> None:
        with self.sessions.begin() as s:
            row = s.get(ReportOutboxRow, key)
            if row is not None:
                row.sent_at, row.last_try, row.attempts = now, now, row.attempts + 1
                row.next_try = None

    def mark_report_failed(self, key: str, now: datetime, error: str, next_try: datetime | None) -> None:
        """Record a failed try; ``next_try`` None gives up. A :class:`~board.domain.reasons.Reason` is stored with
        its code (:func:`~board.domain.reasons.encode`), so /sources can say it in fi, sv or en."""
        with self.sessions.begin() as s:
            row = s.get(ReportOutboxRow, key)
            if row is not None:
                row.attempts += 1
                row.last_try, row.last_error, row.next_try = now, encode(error)[:2000], next_try
                if next_try is None:
                    row.gave_up_at = now

    def report_outbox(self, limit: int = 50) -> list[QueuedReport]:
        """The newest queued reports first (the Sources page, tests)."""
        r = ReportOutboxRow
        with self.sessions() as s:
            return [_record(x) for x in s.scalars(select(r).order_by(r.created_at.desc(), r.key).limit(limit))]
