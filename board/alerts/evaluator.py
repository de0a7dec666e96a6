"""The alert evaluation the collector runs once per cycle: no browser needed, one collector sends.

One turn (:meth:`Evaluator.turn`):

1. with the ``alerts`` lease (collectors sharing a store take turns like
   they do with sources: only the holder evaluates and sends);
2. each station's projection is computed and stored (board/alerts/projections.py);
3. each station's figures valid now (a stale figure is unknown, as on the
   wall), its thresholds and opening hours, each source's health (as on
   ``/sources``) become observations (board/alerts/observe.py);
4. the rules step their series; the changed series, the alerts that started
   or ended and the messages to send are written in one transaction;
5. what is due in the outbox is sent (board/alerts/delivery.py).

A turn that fails (the store unreachable) is logged and tried again on the
next; what was committed stays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from board.alerts.channels import Channel
from board.alerts.delivery import Round, Sender
from board.alerts.messages import Message, render
from board.alerts.observe import SourceNow, StationNow, observe
from board.alerts.projections import Projector
from board.domain import alerts as al
from board.domain.figures import derive
from board.domain.projection import StationProjection
from board.domain.snapshot import current_values
from board.domain.timeutil import day_start, local, local_date, utcnow
from board.settings import Settings
from board.store import Store

log = logging.getLogger(__name__)

#: The lease name collectors share for the evaluation (beside their sources' names).
LEASE = "alerts"


@dataclass(frozen=True)
class Turn:
    evaluated: bool  # False: another collector holds the lease
    alerts_firing: int = 0
    queued: int = 0
    sent: Round | None = None


class Evaluator:
    """Evaluates the alert rules of ``settings`` against ``store`` and sends what they decide."""

    def __init__(self, settings: Settings, store: Store, holder: str, *, clock: Callable[[], datetime] = utcnow,
                 channels: Mapping[str, Channel] | None = None) -> None:
        self.settings = settings
        self.store = store
        self.holder = holder
        self.clock = clock
        self.alerts = settings.alerts
        self.projector = Projector(settings, store)
        self._projections: dict[str, StationProjection] = {}
        self.sender = Sender(dict(channels if channels is not None else self.alerts.channels), self._render)

    @property
    def interval_seconds(self) -> float:
        """As configured, else the most frequent source's interval (at least 5 s): "once per collector cycle"."""
        if self.alerts.evaluate_seconds:
            return float(self.alerts.evaluate_seconds)
        intervals = [s.interval_seconds for s in self.settings.sources if s.enabled]
        return float(max(5, min(intervals, default=20)))

    def lease_seconds(self) -> float:
        override = self.settings.environment.lease_seconds
        return override if override is not None else max(30.0, 3.0 * self.interval_seconds)

    def turn(self, now: datetime | None = None, use_lease: bool = True) -> Turn:
        now = now or self.clock()
        if use_lease and not self.store.take_lease(LEASE, self.holder, now, self.lease_seconds()):
            return Turn(False)
        projections = self.projector.all(now)
        # A projection is recomputed at most once a minute: write only the new ones.
        self.store.save_projections([p for p in projections if self._projections.get(p.station) is not p])
        self._projections = {p.station: p for p in projections}
        observations = observe(self.alerts.rules, self._stations(now), self._sources(now))
        stored = al.by_subject(self.store.alert_series())
        cycle = al.evaluate(self.alerts.rules, stored, observations, now)
        deliveries = al.deliveries(cycle.notifications, self.alerts.subscriptions)
        queued = self.store.save_cycle(cycle.changed(stored), cycle.notifications, deliveries, now)
        for n in cycle.notifications:
            log.info("alert %s: %s %s (%s)", n.event.value, n.rule, n.subject, n.value)
        sent = self.sender.round(self.store, now)
        firing = sum(1 for s in cycle.series if s.state is al.State.ALERTING)
        return Turn(True, firing, queued, sent)

    # ------------------------------------------------------------------ what is true now
    def _stations(self, now: datetime) -> list[StationNow]:
        settings = self.settings
        stale_after = {s.name: timedelta(seconds=s.stale_after_seconds) for s in settings.sources}
        start = day_start(local_date(now))
        clock = local(now).time().replace(tzinfo=None)
        out = []
        # one statement for every station, not one each (30 round trips a turn on PostgreSQL at 30 stations)
        latest_of = self.store.latest_values_of([st.code for st in settings.stations])
        for st in settings.stations:
            latest = latest_of.get(st.code, {})
            fresh = {m: lv for m, lv in latest.items()
                     if now - lv.ts <= stale_after.get(lv.source, timedelta(minutes=5))}
            p = self._projections.get(st.code)
            out.append(StationNow(st.code, settings.opening_hours(st.code).is_open(now), clock,
                                  derive(current_values(fresh, start)), settings.thresholds_for(st.code),
                                  (p.queue, p.queue_low) if p is not None and p.ok else None))
        return out

    def _sources(self, now: datetime) -> list[SourceNow]:
        from board.read.sources import source_healths

        settings = self.settings
        out = []
        for source, health in source_healths(settings, self.store, now):  # as /sources judges it, health alone
            stations = settings.stations_of(source)
            open_now = any(settings.opening_hours(s.code).is_open(now) for s in stations)
            out.append(SourceNow(source.name, health.value, open_now))
        return out

    # ------------------------------------------------------------------ messages
    def _render(self, n: al.Notification) -> Message:
        settings = self.settings
        if n.kind is al.RuleKind.SOURCE:
            name = n.subject
        else:
            name = settings.station_by_code[n.subject].name if n.subject in settings.station_by_code \
                else n.subject
        closes = self._projections.get(n.subject).closes_at if n.subject in self._projections else None
        return render(n, subject_name=name, board_url=self.alerts.board_url,
                      lang=settings.board.language, projection_closes=closes)
