"""Collector runs, source bookmarks and leases: what the collector records and coordinates by.

The collector hands over plain :class:`~board.domain.runs.Run` records and
gets them back the same way; :meth:`RunLog.finish_run` commits a pull's run
record, its rejected rows and the source's new bookmark in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from board.domain.reasons import MAX_STORED, decode, encode
from board.domain.runs import Run
from board.domain.timeutil import ensure_utc
from board.store.engine import Dialect
from board.store.schema import BookmarkRow, LeaseRow, PullRow, RejectRow, RunRow


class RunLog:
    """Runs, bookmarks and leases (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]
    dialect: Dialect

    def finish_run(self, run: Run, rejects: dict[str, int] | None = None, bookmark: datetime | None = None) -> Run:
        """Record ``run`` with its rejected rows (per reason) and, when given, move the source's bookmark to
        ``bookmark``, all in one transaction; return the run as stored (with its ``id``)."""
        with self.sessions.begin() as s:
            row = RunRow.from_domain(run)
            s.add(row)
            s.flush()
            for reason, count in (rejects or {}).items():
                s.add(RejectRow(run_id=row.id, reason=encode(reason)[:MAX_STORED], count=count))
            if bookmark is not None:
                _set_bookmark(s, run.source, bookmark, run.finished_at)
            s.execute(delete(PullRow).where(PullRow.source == run.source, PullRow.holder == run.holder))
            return row.to_domain()

    def start_pull(self, source: str, started: datetime, holder: str) -> None:
        """A pull of ``source`` has begun (shown on /sources until its run is recorded by :meth:`finish_run`)."""
        with self.sessions.begin() as s:
            row = s.get(PullRow, source)
            if row is None:
                s.add(PullRow(source=source, started_at=started, holder=holder))
            else:
                row.started_at, row.holder = started, holder

    def pulls_in_progress(self) -> dict[str, tuple[datetime, str]]:
        """source -> (when its pull began, which collector), for pulls whose run is not recorded yet."""
        with self.sessions() as s:
            return {r.source: (ensure_utc(r.started_at), r.holder) for r in s.scalars(select(PullRow))}

    def set_bookmark(self, source: str, since: datetime, now: datetime) -> None:
        """Where the next pull of ``source`` starts (retention keeps its progress this way too)."""
        with self.sessions.begin() as s:
            _set_bookmark(s, source, since, now)

    def bookmark(self, source: str) -> datetime | None:
        with self.sessions() as s:
            row = s.get(BookmarkRow, source)
            return row.since if row else None

    def runs(self, source: str | None = None, limit: int = 50) -> list[Run]:
        """The newest runs first (of ``source``, or of every source)."""
        stmt = select(RunRow).order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(limit)
        if source:
            stmt = stmt.where(RunRow.source == source)
        with self.sessions() as s:
            return [r.to_domain() for r in s.scalars(stmt)]

    def failures_in_a_row(self, source: str) -> int:
        """How many of ``source``'s newest runs failed since its last successful one (all its runs if none
        succeeded): the Sources page's "N kertaa peräkkäin", not capped by how many runs the page lists."""
        last_ok = select(func.max(RunRow.started_at)).where(RunRow.source == source, RunRow.ok.is_(True))
        stmt = select(func.count()).select_from(RunRow).where(
            RunRow.source == source, RunRow.ok.is_(False),
            (RunRow.started_at > last_ok.scalar_subquery()) | last_ok.scalar_subquery().is_(None))
        with self.sessions() as s:
            return int(s.scalar(stmt) or 0)

    def last_run_that_read(self, source: str, items: bool = False) -> Run | None:
        """The newest successful run of ``source`` that read, stored or refused anything (a files run with no file
        waiting reads nothing: it must not wipe out the warning of the run that refused a file). ``items``: an
        item source stores re-counted figures on every pull, so only what it read, refused or ignored counts."""
        read = (RunRow.rejected > 0) | (RunRow.rows_read > 0) | (RunRow.rows_ignored > 0)
        read = read | (RunRow.rows_refused > 0) if items else read | (RunRow.rows > 0)
        stmt = (select(RunRow).where(RunRow.source == source, RunRow.ok.is_(True), read)
                .order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(1))
        with self.sessions() as s:
            row = s.scalars(stmt).first()
            return row.to_domain() if row is not None else None

    def last_run_that_read_rows(self, source: str) -> Run | None:
        """The newest successful run of ``source`` that read rows or refused a file (its ledger says so): unlike
        :meth:`last_run_that_read`, a files run with no file waiting that only re-counted figures from stored
        items (readings stored, nothing read) is not one. /sources shows this run beside the newest pull."""
        stmt = (select(RunRow).where(RunRow.source == source, RunRow.ok.is_(True),
                                     (RunRow.rows_read > 0) | (RunRow.rows_refused > 0) | (RunRow.rows_ignored > 0)
                                     | (RunRow.rejected > 0))
                .order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(1))
        with self.sessions() as s:
            row = s.scalars(stmt).first()
            return row.to_domain() if row is not None else None

    def rejects(self, run_id: int) -> dict[str, int]:
        with self.sessions() as s:
            rows = s.scalars(select(RejectRow).where(RejectRow.run_id == run_id))
            return {decode(r.reason): r.count for r in rows}

    def prune_runs(self, older_than: datetime) -> int:
        """Forget run records (and their rejects) older than ``older_than``."""
        old = select(RunRow.id).where(RunRow.started_at < older_than)
        with self.sessions.begin() as s:
            s.execute(delete(RejectRow).where(RejectRow.run_id.in_(old)))
            return s.execute(delete(RunRow).where(RunRow.started_at < older_than)).rowcount or 0

    def take_lease(self, source: str, holder: str, now: datetime, ttl_seconds: float) -> bool:
        """Take or renew ``source``'s lease for ``holder``; False while another holder's lease is valid.

        One statement (an upsert that only overwrites our own or an expired
        lease), so two collectors racing for a source cannot both win.
        """
        insert = self.dialect.insert
        table = LeaseRow.__table__
        expires = ensure_utc(now) + timedelta(seconds=ttl_seconds)
        stmt = insert(table).values(source=source, holder=holder, acquired_at=now, expires_at=expires)
        stmt = stmt.on_conflict_do_update(
            index_elements=["source"],
            set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at,
                  "acquired_at": case((table.c.holder == stmt.excluded.holder, table.c.acquired_at),
                                      else_=stmt.excluded.acquired_at)},
            where=(table.c.holder == stmt.excluded.holder) | (table.c.expires_at < stmt.excluded.acquired_at),
        )
        with self.sessions.begin() as s:
            self.dialect.commit_without_waiting(s)  # renewed after every batch of a pull: no wait for the disk
            s.execute(stmt)
            return s.scalar(select(LeaseRow.holder).where(LeaseRow.source == source)) == holder

    def release_leases(self, holder: str) -> None:
        """Give up every lease of ``holder`` (a clean stop: the other collector takes over at once)."""
        with self.sessions.begin() as s:
            s.execute(delete(LeaseRow).where(LeaseRow.holder == holder))

    def leases(self) -> dict[str, tuple[str, datetime]]:
        with self.sessions() as s:
            return {r.source: (r.holder, r.expires_at) for r in s.scalars(select(LeaseRow))}



def _set_bookmark(session: Session, source: str, since: datetime, now: datetime) -> None:
    row = session.get(BookmarkRow, source)
    if row is None:
        session.add(BookmarkRow(source=source, since=since, updated_at=now))
    else:
        row.since, row.updated_at = since, now
