"""Alerts: when a condition becomes an alert, when it is repeated, when it ends, and who is told.

Why this shape: a wall shows what is, to whoever looks. An alert must reach
a shift lead who is not looking, once, at the right moment, and not again
and again when a number wavers around its limit. The model is Grafana's
alert rule and Alertmanager's notification policy, cut to this domain:

* a **rule** says, for each subject (a station, or a source), whether its
  condition holds now: a figure past amber or red, a projection that says the
  queue will not clear by closing, a source failing or stale;
* a **series** (one rule x one subject) moves Normal -> Pending when the
  condition starts holding, Pending -> Alerting once it has held
  ``for_minutes``, and Alerting -> Normal once it has not held for
  ``keep_firing_minutes``. A flapping condition (true, false, true, ...)
  falls back to Normal from Pending without a word, and an alert that is
  firing is not ended by one good reading: no storm of messages;
* messages: one when an alert **starts** (``firing``), a **reminder** every
  ``repeat_minutes`` while it is still firing and nobody has acknowledged it,
  and one when it **ends** (``resolved``). Acknowledging stops the reminders,
  not the "ended" message;
* **closed is never an alert**: outside opening hours a series is Normal,
  and an alert still firing at closing time ends then ("asema suljettu").

Everything here is pure and takes ``now``: the evaluator (once per
collector cycle) feeds observations in and stores what comes out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import StrEnum

from board.domain.status import Status, Threshold


class State(StrEnum):
    NORMAL = "normal"
    PENDING = "pending"
    ALERTING = "alerting"


class Event(StrEnum):
    FIRING = "firing"
    REMINDER = "reminder"
    RESOLVED = "resolved"


class RuleKind(StrEnum):
    THRESHOLD = "threshold"
    PROJECTION = "projection"
    SOURCE = "source"


#: Why a resolved alert ended.
ENDED_CLEARED = "cleared"
ENDED_CLOSED = "closed"


@dataclass(frozen=True)
class Timing:
    """How long a condition must hold, how long it may lapse, and how often to remind (minutes)."""

    for_minutes: float = 10.0
    keep_firing_minutes: float = 5.0
    repeat_minutes: float | None = 60.0

    def __post_init__(self) -> None:
        if self.for_minutes < 0 or self.keep_firing_minutes < 0:
            raise ValueError("for_minutes and keep_firing_minutes must not be negative")
        if self.repeat_minutes is not None and self.repeat_minutes <= 0:
            raise ValueError("repeat_minutes must be more than 0 (or null for no reminders)")


@dataclass(frozen=True)
class Observation:
    """What a rule says about one subject at one evaluation.

    ``holds`` None means unknown (no fresh value): a pending series goes back
    to Normal (nothing confirmed), a firing alert keeps firing (one missing
    reading does not end it; a source rule reports the missing data itself).
    ``active`` False means outside opening hours: never an alert.
    """

    holds: bool | None
    value: float | None = None
    level: str | None = None  # "amber" / "red" for thresholds; the health for sources
    active: bool = True


@dataclass(frozen=True)
class Series:
    """The state of one rule for one subject, as stored between evaluations."""

    rule: str
    subject: str
    state: State = State.NORMAL
    #: When the condition began to hold (the start of Pending, and the alert's "since").
    since: datetime | None = None
    #: When the condition stopped holding while firing (the keep-firing clock), else None.
    cleared_since: datetime | None = None
    #: When the last firing or reminder message was made.
    last_notified: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    value: float | None = None
    level: str | None = None
    #: Reminders sent for the current alert (numbers them: each message has a unique key).
    reminders: int = 0

    @property
    def alert_id(self) -> str | None:
        """The identity of the current alert (one firing to its end): rule, subject and start."""
        if self.since is None or self.state is State.NORMAL:
            return None
        return alert_id(self.rule, self.subject, self.since)


def alert_id(rule: str, subject: str, since: datetime) -> str:
    return f"{rule}|{subject}|{since.isoformat(timespec='seconds')}"


@dataclass(frozen=True)
class Notification:
    """One message to send: what happened to which alert, with what it is about. Never personal data."""

    event: Event
    alert_id: str
    rule: str
    kind: RuleKind
    subject: str  # station code or source name
    at: datetime
    since: datetime  # when the condition began to hold
    value: float | None = None
    level: str | None = None
    figure: str | None = None  # threshold rules: the figure; projection: "queue_projected_close"
    ended: str | None = None  # resolved: ENDED_CLEARED or ENDED_CLOSED
    acknowledged_by: str | None = None
    sequence: int = 0  # reminders: 1, 2, ... (with the alert id, the message's unique key)

    @property
    def key(self) -> str:
        """Unique per message: a store that has it will not make it again after a restart."""
        return f"{self.alert_id}|{self.event.value}|{self.sequence}"

    def to_json(self) -> str:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data.update(event=self.event.value, kind=self.kind.value, at=self.at.isoformat(),
                    since=self.since.isoformat())
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Notification:
        data = json.loads(text)
        data.update(event=Event(data["event"]), kind=RuleKind(data["kind"]),
                    at=datetime.fromisoformat(data["at"]), since=datetime.fromisoformat(data["since"]))
        return cls(**data)


@dataclass(frozen=True)
class Alert:
    """One alert from its start to its end, as the alert page lists it."""

    alert_id: str
    rule: str
    kind: RuleKind
    subject: str
    figure: str | None
    since: datetime
    fired_at: datetime
    ended_at: datetime | None = None
    ended: str | None = None
    value: float | None = None
    level: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.ended_at is None


# ------------------------------------------------------------------ the state machine
@dataclass(frozen=True)
class Step:
    """One evaluation's outcome: the series after it, the messages it makes, and why an alert ended."""

    series: Series
    events: tuple[Event, ...] = ()
    ended: str | None = None  # with a RESOLVED event: ENDED_CLEARED or ENDED_CLOSED


def step(series: Series, obs: Observation, now: datetime, timing: Timing) -> Step:
    """The series after one evaluation at ``now``, and the messages that evaluation makes."""
    s = replace(series, value=obs.value if obs.value is not None else series.value, level=obs.level or series.level)
    if not obs.active:
        if s.state is State.ALERTING:
            return Step(_normal(s), (Event.RESOLVED,), ENDED_CLOSED)
        return Step(_normal(s))
    if obs.holds is None:
        return Step(_normal(s) if s.state is State.PENDING else s)
    if obs.holds:
        if s.state is State.NORMAL:
            s = replace(s, state=State.PENDING, since=now, cleared_since=None)
        if s.state is State.PENDING:
            if s.since is not None and now - s.since >= _minutes(timing.for_minutes):
                return Step(replace(s, state=State.ALERTING, last_notified=now), (Event.FIRING,))
            return Step(s)
        # Firing and holding: a lapse is over; remind if it is time and nobody has taken it.
        s = replace(s, cleared_since=None)
        if (timing.repeat_minutes is not None and s.acknowledged_at is None and s.last_notified is not None
                and now - s.last_notified >= _minutes(timing.repeat_minutes)):
            return Step(replace(s, last_notified=now, reminders=s.reminders + 1), (Event.REMINDER,))
        return Step(s)
    # The condition does not hold.
    if s.state is State.PENDING:
        return Step(_normal(s))
    if s.state is State.ALERTING:
        cleared = s.cleared_since or now
        if now - cleared >= _minutes(timing.keep_firing_minutes):
            return Step(_normal(s), (Event.RESOLVED,), ENDED_CLEARED)
        return Step(replace(s, cleared_since=cleared))
    return Step(s)


def _normal(s: Series) -> Series:
    return Series(s.rule, s.subject, value=s.value, level=s.level)


def _minutes(m: float) -> timedelta:
    return timedelta(minutes=m)


class AcknowledgeError(ValueError):
    """Nothing to acknowledge (the alert has ended or never fired)."""


def acknowledge(series: Series, who: str, now: datetime) -> Series:
    """The firing alert taken by ``who`` (the signed-in name): reminders stop, the "ended" message still comes."""
    if series.state is not State.ALERTING:
        raise AcknowledgeError(f"{series.rule} / {series.subject} is not firing: nothing to acknowledge")
    if not who.strip():
        raise AcknowledgeError("who acknowledges must be known (the signed-in person)")
    if series.acknowledged_at is not None:
        return series  # the first to take it keeps it
    return replace(series, acknowledged_by=who.strip(), acknowledged_at=now)


def notifications(before: Series, result: Step, kind: RuleKind, now: datetime,
                  figure: str | None) -> list[Notification]:
    """The messages of one step (``before`` knows the alert that a "resolved" ends)."""
    out = []
    for event in result.events:
        live = before if event is Event.RESOLVED else result.series
        since = live.since or now
        out.append(Notification(
            event=event, alert_id=alert_id(live.rule, live.subject, since), rule=live.rule, kind=kind,
            subject=live.subject, at=now, since=since, value=result.series.value, level=live.level, figure=figure,
            ended=result.ended if event is Event.RESOLVED else None,
            acknowledged_by=live.acknowledged_by,
            sequence=live.reminders if event is Event.REMINDER else 0))
    return out


# ------------------------------------------------------------------ rules
@dataclass(frozen=True)
class DayWindow:
    """Different thresholds for part of the day (local clock, [start, end))."""

    start: time
    end: time
    threshold: Threshold

    def covers(self, clock: time) -> bool:
        return self.start <= clock < self.end


@dataclass(frozen=True)
class ThresholdRule:
    """A figure at or past ``level`` (amber or red) of its thresholds, held for ``timing.for_minutes``."""

    name: str
    figure: str
    level: Status = Status.ALERT  # Status.WARN: amber or worse; Status.ALERT: red
    timing: Timing = Timing()
    windows: tuple[DayWindow, ...] = ()
    stations: frozenset[str] | None = None  # None: every station

    kind = RuleKind.THRESHOLD

    def threshold(self, configured: Threshold | None, clock: time) -> Threshold | None:
        """The time-of-day window's thresholds where one covers ``clock``, else the configured ones."""
        return next((w.threshold for w in self.windows if w.covers(clock)), configured)

    def observe(self, value: float | None, configured: Threshold | None, clock: time, is_open: bool) -> Observation:
        if not is_open:
            return Observation(None, value, active=False)
        threshold = self.threshold(configured, clock)
        if value is None or threshold is None:
            return Observation(None, value)
        status = threshold.evaluate(value)
        level = {Status.ALERT: "red", Status.WARN: "amber"}.get(status)
        return Observation(status.severity >= self.level.severity, value, level)


@dataclass(frozen=True)
class ProjectionRule:
    """The projected queue at closing at least ``min_queue``: today will not clear.

    ``confidence="band_low"`` asks that even the band's low end (the 10th
    percentile) reaches it (nine days in ten it would), ``"median"`` that the
    projection itself does. No projection (too little history, no readings)
    is unknown; closed is inactive.
    """

    name: str
    min_queue: float = 1.0
    confidence: str = "median"
    timing: Timing = Timing(for_minutes=15)
    stations: frozenset[str] | None = None

    kind = RuleKind.PROJECTION
    figure = "queue_projected_close"

    def observe(self, queue: float | None, low: float | None, is_open: bool) -> Observation:
        if not is_open:
            return Observation(None, queue, active=False)
        judged = low if self.confidence == "band_low" else queue
        if judged is None or queue is None:
            return Observation(None, queue)
        holds = judged >= self.min_queue
        return Observation(holds, queue, "red" if holds else None)


@dataclass(frozen=True)
class SourceRule:
    """A source whose health is one of ``health`` (failing, late, partial, stale) while any of its stations is open."""

    name: str
    health: frozenset[str] = frozenset({"failing", "late", "partial", "stale"})
    timing: Timing = Timing(for_minutes=5)
    sources: frozenset[str] | None = None  # None: every source

    kind = RuleKind.SOURCE
    figure = None

    def observe(self, health: str, any_station_open: bool) -> Observation:
        if not any_station_open or health == "disabled":
            return Observation(None, active=False)
        if health == "never":
            return Observation(None)
        return Observation(health in self.health, level=health)


Rule = ThresholdRule | ProjectionRule | SourceRule


# ------------------------------------------------------------------ who gets what
@dataclass(frozen=True)
class Subscription:
    """Who gets which alerts, through which channel: a shift lead's stations, an administrator's sources.

    ``stations`` / ``sources`` / ``rules`` None means all. A station alert
    reaches a subscription that names the station (or all stations); a
    source alert one that names the source (or all sources). A subscription
    without ``sources`` gets no source alerts, one without ``stations`` no
    station alerts: ``stations: all`` and ``sources: all`` say it outright.
    """

    name: str
    channel: str
    to: tuple[str, ...] = ()  # e-mail addresses for an e-mail channel
    stations: frozenset[str] | None = frozenset()
    sources: frozenset[str] | None = frozenset()
    rules: frozenset[str] | None = None
    events: frozenset[Event] = field(default_factory=lambda: frozenset(Event))

    def wants(self, n: Notification) -> bool:
        if n.event not in self.events or (self.rules is not None and n.rule not in self.rules):
            return False
        scope = self.sources if n.kind is RuleKind.SOURCE else self.stations
        return scope is None or n.subject in scope


def recipients(n: Notification, subscriptions: Iterable[Subscription]) -> list[Subscription]:
    return [s for s in subscriptions if s.wants(n)]


# ------------------------------------------------------------------ one evaluation
@dataclass(frozen=True)
class Cycle:
    """The outcome of evaluating every rule once: the series as they are now, and the messages to send."""

    series: tuple[Series, ...]
    notifications: tuple[Notification, ...]

    def changed(self, stored: Mapping[tuple[str, str], Series]) -> list[Series]:
        """Series that differ from what is stored (only these need writing)."""
        return [s for s in self.series if stored.get((s.rule, s.subject)) != s]


def evaluate(rules: Iterable[Rule], stored: Mapping[tuple[str, str], Series],
             observations: Mapping[tuple[str, str], Observation], now: datetime) -> Cycle:
    """Step every observed series of every rule once at ``now``.

    ``observations`` maps (rule, subject) to what the rule says about the
    subject now; a series with no observation (a station no longer
    configured) is left as stored.
    """
    by_name = {r.name: r for r in rules}
    out: list[Series] = []
    made: list[Notification] = []
    for key, obs in sorted(observations.items()):
        rule = by_name.get(key[0])
        if rule is None:
            continue
        before = stored.get(key) or Series(*key)
        result = step(before, obs, now, rule.timing)
        out.append(result.series)
        made.extend(notifications(before, result, rule.kind, now, rule.figure))
    return Cycle(tuple(out), tuple(made))


# ------------------------------------------------------------------ delivery
#: Retry a failed delivery after 30 s, 1, 2, 4, ... minutes, never waiting more than 15 minutes.
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=15)
#: A message not delivered within this long is dropped as expired: yesterday's queue alert helps nobody.
EXPIRE_AFTER = timedelta(hours=12)


def next_attempt(attempts: int, now: datetime) -> datetime:
    """When to try again after ``attempts`` failed tries (exponential, capped)."""
    wait = BACKOFF_FIRST * (2 ** max(0, min(attempts, 20) - 1))
    return now + min(wait, BACKOFF_MAX)


@dataclass(frozen=True)
class Delivery:
    """One message to one subscription through its channel; ``key`` is unique (the outbox's primary key)."""

    key: str
    notification: Notification
    subscription: str
    channel: str
    to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pending:
    """A delivery still to make, with its history (what an outbox hands the sender)."""

    delivery: Delivery
    created_at: datetime
    attempts: int = 0
    next_try: datetime | None = None
    last_error: str | None = None


def deliveries(made: Iterable[Notification], subscriptions: Iterable[Subscription]) -> list[Delivery]:
    """Every (message, subscription) pair that wants it."""
    subs = list(subscriptions)
    return [Delivery(f"{n.key}|{s.name}", n, s.name, s.channel, s.to) for n in made for s in recipients(n, subs)]


def by_subject(series: Iterable[Series]) -> Mapping[tuple[str, str], Series]:
    return {(s.rule, s.subject): s for s in series}
