"""Sending the weekly report: once per week and subscription, by one collector, retried until it leaves.

Each turn (the collector's alerts loop, once per cycle):

1. with the ``weekly_report`` lease (collectors sharing a store take turns, as
   with sources and the alert evaluation: only the holder queues and sends);
2. when a report is due (:mod:`board.domain.report_schedule`), one row per
   subscription is queued in ``report_outbox`` under the key
   ``weekly:<week>:<subscription>``: a key already there (queued or sent by
   this or another collector) is not queued again, so a report leaves once;
3. each due row is made from the store and sent through alerts.yaml's e-mail
   channel (``EmailChannel.send_mail``, the alerts' own SMTP client); a
   failure is kept as a :class:`~board.domain.reasons.Reason` (its code and
   params, shown on ``/sources`` in the page's language, the English sentence
   for logs and the CLI) and tried again with the alerts' backoff (30 s
   doubling to 15 min; a refused login every 15 min).
   A report not sent within :data:`GIVE_UP_AFTER` is given up (next week's
   is on its way).

A crash between the server's acceptance and the mark can send one report
twice; both copies carry the same ``Message-ID`` (from the key).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from board.alerts.channels import ChannelError, EmailChannel
from board.domain.alerts import BACKOFF_MAX, next_attempt
from board.domain.reasons import Reason, reason_of
from board.domain.report_schedule import due_week
from board.domain.timeutil import utcnow
from board.domain.weeks import IsoWeek
from board.reports.weekly_mail import compose
from board.secrets import redact
from board.settings import Settings
from board.store import Store

log = logging.getLogger(__name__)

LEASE = "weekly_report"
GIVE_UP_AFTER = timedelta(days=3)


class ReportSender:
    """Queues and sends the weekly report of ``settings`` (``reports.yaml``) from ``store``."""

    def __init__(self, settings: Settings, store: Store, holder: str, *, clock: Callable[[], datetime] = utcnow,
                 channels: Mapping[str, object] | None = None) -> None:
        self.settings, self.store, self.holder, self.clock = settings, store, holder, clock
        self.weekly = settings.reports.weekly
        self.channels = dict(channels if channels is not None else settings.alerts.channels)

    def lease_seconds(self) -> float:
        override = self.settings.environment.lease_seconds
        return override if override is not None else 60.0

    def turn(self, now: datetime | None = None, use_lease: bool = True) -> int:
        """Queue what is due and send what waits; how many reports left. Nothing without reports.yaml."""
        weekly = self.weekly
        if weekly is None or not weekly.subscriptions:
            return 0
        now = now or self.clock()
        if use_lease and not self.store.take_lease(LEASE, self.holder, now, self.lease_seconds()):
            return 0
        week = due_week(now, weekly.weekday_number, weekly.clock, timedelta(hours=weekly.send_within_hours))
        if week is not None:
            for sub in weekly.subscriptions:
                if self.store.queue_report(f"weekly:{week.key}:{sub.name}", sub.name, week.key, now):
                    log.info("weekly report %s for %s queued", week.key, sub.name)
        return sum(self._send(q.key, q.subscription, q.week, q.attempts, q.created_at, now)
                   for q in self.store.due_reports(now))

    def _send(self, key: str, name: str, week: str, attempts: int, created_at: datetime, now: datetime) -> bool:
        weekly = self.weekly
        assert weekly is not None
        sub = next((s for s in weekly.subscriptions if s.name == name), None)
        if sub is None:
            self.store.mark_report_failed(key, now, Reason(
                "report_subscription_gone", f"subscription {name} is no longer in reports.yaml: this report is not "
                "sent", subscription=name), None)
            return False
        if now - created_at > GIVE_UP_AFTER:
            self.store.mark_report_failed(key, now, Reason(
                "report_too_late", f"not sent within {GIVE_UP_AFTER.days} days; next week's report is sent as usual",
                days=GIVE_UP_AFTER.days), None)
            return False
        channel = self.channels.get(weekly.channel)
        if not isinstance(channel, EmailChannel):
            self.store.mark_report_failed(key, now, Reason(
                "report_channel_not_email", f"channel {weekly.channel} is not an e-mail channel of alerts.yaml "
                "(channel in reports.yaml)", channel=weekly.channel), now + BACKOFF_MAX)
            return False
        try:
            mail = compose(self.settings, self.store, IsoWeek.parse(week),
                           None if sub.stations == "all" else sub.stations,
                           self.settings.alerts_file.board_url, self.settings.board.language)
            channel.send_mail(mail.subject, mail.text, key, sub.to, [mail.attachment])
        except ChannelError as e:
            retry = next_attempt(attempts + 1, now) if e.transient else now + BACKOFF_MAX
            self.store.mark_report_failed(key, now, reason_of(e), retry)  # with its code: /sources in fi/sv/en
            log.warning("weekly report %s not sent: %s; next try %s", key, e, retry.isoformat())
            return False
        except Exception as e:  # the store or the workbook failed: said on /sources, tried again
            detail = redact(f"{type(e).__name__}: {e}")
            said = Reason("report_not_made", f"the report could not be made ({detail})", detail=detail)
            self.store.mark_report_failed(key, now, said, next_attempt(attempts + 1, now))
            log.exception("weekly report %s could not be made", key)
            return False
        self.store.mark_report_sent(key, now)
        log.info("weekly report %s sent to %d address(es)", key, len(sub.to))
        return True
