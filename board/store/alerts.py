"""Alerts and projections in the store: series states, alerts with their history, the outbox, projections.

One evaluation is one transaction (:meth:`Alerts.save_cycle`): the changed
series, the alerts that started or ended, and the messages to send. A
collector killed after it has the messages to send, before sending them,
and the next one sends them; one killed before it commits evaluates the
same moment again. A message's key is the outbox's primary key, so an
evaluation repeated after a restart adds no message twice.

The outbox is :class:`board.alerts.delivery.Outbox`: the sender asks what
is due, and marks each message sent or failed (with its error, shown on
``/sources``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, null, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from board.domain.alerts import (
    Alert,
    Delivery,
    Event,
    Notification,
    Pending,
    RuleKind,
    Series,
    State,
    acknowledge,
)
from board.domain.projection import StationProjection
from board.domain.reasons import decode, encode
from board.store.changes import bump
from board.store.engine import Dialect
from board.store.schema import AlertRow, AlertSeriesRow, OutboxRow, ProjectionRow


@dataclass(frozen=True)
class ChannelState:
    """What ``/sources`` shows for an alert channel, from its messages."""

    channel: str
    last_sent: datetime | None
    last_try: datetime | None
    last_error: str | None  # the newest try's error, None when it succeeded
    waiting: int  # messages not sent yet (retrying)
    given_up: int  # in the last day
    #: When the sender tries the waiting messages next (the earliest; None when nothing waits or it is due now).
    next_try: datetime | None = None


class Alerts:
    """Alert series, alerts, the outbox and projections (part of :class:`board.store.Store`)."""

    sessions: sessionmaker[Session]
    dialect: Dialect

    # ------------------------------------------------------------------ series and alerts
    def alert_series(self) -> list[Series]:
        """Every rule's series for every subject: Core rows, not ORM objects (a turn at 900 stations reads
        thousands, and nothing here is changed through them)."""
        with self.sessions() as s:
            return [_series(r) for r in s.execute(select(AlertSeriesRow.__table__))]

    def save_cycle(self, series: Iterable[Series], notifications: Iterable[Notification],
                   deliveries: Iterable[Delivery], now: datetime) -> int:
        """Write one evaluation in one transaction; returns how many new messages it queued.

        An alert acknowledged on a page while this evaluation ran (after it read the series, before this
        write) stays acknowledged: the stored acknowledgement of the same alert is kept, and a reminder the
        evaluation made for it is dropped. Without this the evaluator's write undid the acknowledgement and
        the reminders went on.
        """
        added = 0
        taken: set[str] = set()
        series = list(series)
        with self.sessions.begin() as s:
            # the changed series' rows in one locking read, not a get each (a round trip each on PostgreSQL)
            keys = sorted({(item.rule, item.subject) for item in series})
            rows: dict[tuple[str, str], AlertSeriesRow] = {}
            if keys:
                rows = {(r.rule, r.subject): r for r in s.scalars(
                    select(AlertSeriesRow).where(tuple_(AlertSeriesRow.rule, AlertSeriesRow.subject).in_(keys))
                    .with_for_update())}
            for item in series:
                row = rows.get((item.rule, item.subject))
                if row is None:
                    row = rows[(item.rule, item.subject)] = AlertSeriesRow(rule=item.rule, subject=item.subject)
                    s.add(row)
                elif (row.acknowledged_at is not None and item.acknowledged_at is None
                      and item.state is State.ALERTING and row.since == item.since):
                    item = replace(item, acknowledged_by=row.acknowledged_by, acknowledged_at=row.acknowledged_at)
                    taken.add(item.alert_id or "")
                _fill(row, item, now)
            notifications = [n for n in notifications if not (n.event is Event.REMINDER and n.alert_id in taken)]
            for n in notifications:
                _record(s, n)
            for d in deliveries:
                if d.notification.event is Event.REMINDER and d.notification.alert_id in taken:
                    continue
                if s.get(OutboxRow, d.key) is None:
                    s.add(OutboxRow(key=d.key, alert_id=d.notification.alert_id, event=d.notification.event.value,
                                    subscription=d.subscription, channel=d.channel, recipients=",".join(d.to),
                                    notification=d.notification.to_json(), created_at=now, attempts=0))
                    added += 1
        return added

    def acknowledge_alert(self, rule: str, subject: str, who: str, now: datetime) -> Series:
        """A signed-in person takes a firing alert: kept with the series and the alert; reminders stop.

        Raises :class:`board.domain.alerts.AcknowledgeError` when it is not firing (it ended meanwhile).
        """
        with self.sessions.begin() as s:
            row = s.get(AlertSeriesRow, (rule, subject), with_for_update=True)
            current = _series(row) if row is not None else Series(rule, subject)
            taken = acknowledge(current, who, now)
            if row is not None and taken != current:
                _fill(row, taken, now)
                alert = s.get(AlertRow, taken.alert_id)
                if alert is not None:
                    alert.acknowledged_by, alert.acknowledged_at = taken.acknowledged_by, taken.acknowledged_at
            return taken

    def alerts(self, since: datetime | None = None, active_only: bool = False, limit: int = 500) -> list[Alert]:
        """Alerts newest first: those still firing, and (unless ``active_only``) those that ended after ``since``."""
        stmt = select(AlertRow).order_by(AlertRow.fired_at.desc()).limit(limit)
        if active_only:
            stmt = stmt.where(AlertRow.ended_at.is_(None))
        elif since is not None:
            stmt = stmt.where((AlertRow.ended_at.is_(None)) | (AlertRow.ended_at >= since))
        with self.sessions() as s:
            return [_alert(r) for r in s.scalars(stmt)]

    # ------------------------------------------------------------------ the outbox
    def due(self, now: datetime) -> list[Pending]:
        o = OutboxRow
        stmt = (select(o).where(o.sent_at.is_(None), o.gave_up_at.is_(None),
                                (o.next_try.is_(None)) | (o.next_try <= now))
                .order_by(o.created_at, o.key))
        with self.sessions() as s:
            return [Pending(Delivery(r.key, Notification.from_json(r.notification), r.subscription, r.channel,
                                        tuple(a for a in r.recipients.split(",") if a)),
                               r.created_at, r.attempts, r.next_try, _decoded(r.last_error)) for r in s.scalars(stmt)]

    def mark_sent(self, key: str, now: datetime) -> None:
        with self.sessions.begin() as s:
            s.execute(update(OutboxRow).where(OutboxRow.key == key).values(
                sent_at=now, last_try=now, last_error=None, attempts=OutboxRow.attempts + 1))

    def mark_failed(self, key: str, now: datetime, error: str, next_try: datetime | None) -> None:
        with self.sessions.begin() as s:
            s.execute(update(OutboxRow).where(OutboxRow.key == key).values(
                attempts=OutboxRow.attempts + 1, last_error=encode(error)[:2000], last_try=now, next_try=next_try,
                gave_up_at=now if next_try is None else None))

    def outbox(self, limit: int = 200) -> list[tuple[str, str, str, datetime, datetime | None, int, str | None]]:
        """``(key, channel, event, created_at, sent_at, attempts, last_error)``, newest first (tests, diagnosis)."""
        o = OutboxRow
        stmt = select(o.key, o.channel, o.event, o.created_at, o.sent_at, o.attempts, o.last_error).order_by(
            o.created_at.desc(), o.key).limit(limit)
        with self.sessions() as s:
            return [(*r[:6], _decoded(r[6])) for r in s.execute(stmt)]  # type: ignore[misc]

    def channel_states(self, since: datetime) -> list[ChannelState]:
        """Per channel: the last message sent, the newest try and its error, what waits, what was given up."""
        o = OutboxRow
        out = []
        with self.sessions() as s:
            channels = [c for (c,) in s.execute(select(o.channel).distinct().order_by(o.channel))]
            for ch in channels:
                last_sent = s.scalar(select(func.max(o.sent_at)).where(o.channel == ch))
                newest = s.execute(select(o.last_try, o.last_error).where(o.channel == ch, o.last_try.is_not(None))
                                   .order_by(o.last_try.desc()).limit(1)).first()
                waiting = s.scalar(select(func.count()).select_from(o).where(
                    o.channel == ch, o.sent_at.is_(None), o.gave_up_at.is_(None))) or 0
                given_up = s.scalar(select(func.count()).select_from(o).where(
                    o.channel == ch, o.gave_up_at >= since)) or 0
                next_try = s.scalar(select(func.min(o.next_try)).where(
                    o.channel == ch, o.sent_at.is_(None), o.gave_up_at.is_(None)))
                out.append(ChannelState(ch, last_sent, newest[0] if newest else None,
                                        _decoded(newest[1]) if newest else None, waiting, given_up, next_try))
        return out

    # ------------------------------------------------------------------ projections
    def save_projections(self, projections: Sequence[StationProjection]) -> None:
        """Store each station's newest projection: one read of which stations have a row, then one bulk
        update and one bulk insert (a ``get`` and an ``UPDATE`` per station were 60 of a 30-station cycle's
        ~160 statements on PostgreSQL)."""
        if not projections:
            return
        rows = {p.station: {
            "station": p.station, "computed_at": p.computed_at, "closes_at": p.closes_at, "queue": p.queue,
            "queue_low": p.queue_low, "queue_high": p.queue_high, "same_day_share": p.same_day_share,
            "share_low": p.share_low, "share_high": p.share_high,
            "path": json.dumps([[t.isoformat(), lo, mid, hi] for t, lo, mid, hi in p.path]) if p.path else None,
            "reason": p.reason, "detail": p.detail or None} for p in projections}
        with self.sessions.begin() as s:
            have = set(s.scalars(select(ProjectionRow.station).where(ProjectionRow.station.in_(list(rows)))))
            if have:  # the ORM's bulk UPDATE by primary key: one executemany
                s.execute(update(ProjectionRow), [row for code, row in rows.items() if code in have])
            if len(have) < len(rows):
                s.execute(insert(ProjectionRow), [row for code, row in rows.items() if code not in have])
            bump(s, rows)

    def projections(self, stations: Sequence[str] | None = None, paths: bool = True) -> dict[str, StationProjection]:
        """Each station's stored projection, as plain rows (the overview reads all 900 on every refresh; ORM
        objects and a time parsed per point of every path were 65 ms of CPU).

        ``paths=False``: without the path to closing (``path`` empty). The overview's rows show the queue at
        closing and its band, never the path (its curves read their own, :func:`board.read.overview.day_curves`),
        and decoding 900 paths' JSON was ~40 ms of a 150 ms build at 900 stations (docs/PERFORMANCE.md, 7a,
        session 12).
        """
        p = ProjectionRow.__table__.c
        stmt = select(p.station, p.computed_at, p.closes_at, p.queue, p.queue_low, p.queue_high, p.same_day_share,
                      p.share_low, p.share_high, p.path if paths else null(), p.reason, p.detail)
        if stations is not None:
            stmt = stmt.where(p.station.in_(list(stations)))
        with self.sessions() as s:
            rows = s.execute(stmt).all()
        stamps: dict[str, datetime] = {}  # the paths of one minute's projections share their times
        return {r[0]: _projection(*r, stamps=stamps) for r in rows}


# ------------------------------------------------------------------ rows <-> records
def _series(r: AlertSeriesRow | Row[Any]) -> Series:
    return Series(r.rule, r.subject, State(r.state), r.since, r.cleared_since, r.last_notified, r.acknowledged_by,
                  r.acknowledged_at, r.value, r.level, r.reminders)


def _fill(row: AlertSeriesRow, s: Series, now: datetime) -> None:
    row.state, row.since, row.cleared_since, row.last_notified = s.state.value, s.since, s.cleared_since, \
        s.last_notified
    row.acknowledged_by, row.acknowledged_at, row.value, row.level = s.acknowledged_by, s.acknowledged_at, \
        s.value, s.level
    row.reminders, row.updated_at = s.reminders, now


def _record(s: Session, n: Notification) -> None:
    """Keep the alert's history: a row when it starts, its latest value, its end."""
    row = s.get(AlertRow, n.alert_id)
    if row is None:
        row = AlertRow(alert_id=n.alert_id, rule=n.rule, kind=n.kind.value, subject=n.subject, figure=n.figure,
                       since=n.since, fired_at=n.at)
        s.add(row)
    row.value, row.level = n.value, n.level or row.level
    if n.event is Event.RESOLVED:
        row.ended_at, row.ended = n.at, n.ended


def _alert(r: AlertRow) -> Alert:
    return Alert(r.alert_id, r.rule, RuleKind(r.kind), r.subject, r.figure, r.since, r.fired_at, r.ended_at,
                 r.ended, r.value, r.level, r.acknowledged_by, r.acknowledged_at)


def _projection(station: str, computed_at: datetime, closes_at: datetime | None, queue: float | None,
                queue_low: float | None, queue_high: float | None, same_day_share: float | None,
                share_low: float | None, share_high: float | None, path: str | None, reason: str | None,
                detail: str | None, stamps: dict[str, datetime]) -> StationProjection:
    points = []
    for t, lo, mid, hi in json.loads(path) if path else ():
        ts = stamps.get(t)
        if ts is None:
            ts = stamps[t] = datetime.fromisoformat(t)
        points.append((ts, lo, mid, hi))
    return StationProjection(station, computed_at, closes_at, queue, queue_low, queue_high, same_day_share,
                             share_low, share_high, tuple(points), reason, detail or "")


def _decoded(error: str | None) -> str | None:
    """A stored channel error: a Reason with its code (``encode``), or the plain text it was stored as."""
    return decode(error) if error else error
