"""Sending what the evaluation decided: an outbox, retries with backoff, a channel that is down skipped.

Why an outbox: the evaluation writes each message to deliver (a
:class:`~board.domain.alerts.Delivery`, keyed uniquely) in the same
transaction as the alert states; sending happens after, from the outbox.
A collector killed between the two loses nothing (the next one finds the
messages still due) and repeats nothing already marked sent. A message is
marked sent only after its channel accepted it: a crash in between can send
that one message twice, and both copies carry the same key (the e-mail's
``Message-ID``, the webhook's ``Idempotency-Key``) for a receiver to drop.

A channel that fails is left alone until its next try, not tried once per
waiting message: after a transient error (down, busy, timing out) with
exponential backoff (30 s, 1, 2, ... 15 min), after a configuration error (a
refused login, a wrong URL) every 15 minutes, so a fixed setting takes
effect. The error is kept for ``/sources``. Undelivered
after :data:`~board.domain.alerts.EXPIRE_AFTER` a message is dropped as
expired.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from board.alerts.channels import Channel, ChannelError
from board.alerts.messages import Message
from board.domain.alerts import BACKOFF_MAX, EXPIRE_AFTER, Delivery, Notification, Pending, next_attempt
from board.domain.reasons import reason_of


class Outbox(Protocol):
    """Where deliveries wait (the store's alert tables; :class:`MemoryOutbox` in tests)."""

    def due(self, now: datetime) -> list[Pending]:
        """Deliveries not sent, not given up, whose next try is due, oldest first."""

    def mark_sent(self, key: str, now: datetime) -> None: ...

    def mark_failed(self, key: str, now: datetime, error: str, next_try: datetime | None) -> None:
        """Record a failed try; ``next_try`` None gives up (expired, or the channel no longer exists)."""


@dataclass
class ChannelHealth:
    """What the Sources page shows for a channel: the last success, the last failure and its words."""

    failures: int = 0  # consecutive
    blocked_until: datetime | None = None
    last_ok: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


@dataclass
class Round:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    expired: int = 0


@dataclass
class Sender:
    """Sends due deliveries through their channels; keeps each channel's health between rounds."""

    channels: Mapping[str, Channel]
    render: Callable[[Notification], Message]
    health: dict[str, ChannelHealth] = field(default_factory=dict)

    def round(self, outbox: Outbox, now: datetime) -> Round:
        done = Round()
        for p in outbox.due(now):
            d = p.delivery
            if now - p.created_at > EXPIRE_AFTER:
                outbox.mark_failed(d.key, now, f"expired: not delivered within {EXPIRE_AFTER}", None)
                done.expired += 1
                continue
            channel = self.channels.get(d.channel)
            if channel is None:
                outbox.mark_failed(d.key, now, f"channel {d.channel!r} is no longer configured", None)
                done.failed += 1
                continue
            health = self.health.setdefault(d.channel, ChannelHealth())
            if health.blocked_until is not None and now < health.blocked_until:
                done.skipped += 1
                continue
            try:
                channel.send(self.render(d.notification), d.to)
            except ChannelError as e:
                health.failures += 1
                health.last_error, health.last_error_at = reason_of(e), now
                # Left alone until then either way: a wrong password tried once per message could lock the account.
                retry = next_attempt(health.failures, now) if e.transient else now + BACKOFF_MAX
                health.blocked_until = retry
                outbox.mark_failed(d.key, now, reason_of(e), retry)  # with its code, if it has one
                done.failed += 1
                continue
            health.failures, health.blocked_until, health.last_ok = 0, None, now
            outbox.mark_sent(d.key, now)
            done.sent += 1
        return done


class MemoryOutbox:
    """An outbox in memory: the reference the store's outbox behaves like (tests use both)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}

    def add(self, deliveries: list[Delivery], now: datetime) -> int:
        """Add new deliveries; a key already present is ignored (a repeated evaluation adds nothing)."""
        added = 0
        for d in deliveries:
            if d.key not in self.rows:
                self.rows[d.key] = {"pending": Pending(d, now), "sent_at": None, "gave_up": False}
                added += 1
        return added

    def due(self, now: datetime) -> list[Pending]:
        rows = [r["pending"] for r in self.rows.values() if r["sent_at"] is None and not r["gave_up"]
                and (r["pending"].next_try is None or r["pending"].next_try <= now)]
        return sorted(rows, key=lambda p: (p.created_at, p.delivery.key))

    def mark_sent(self, key: str, now: datetime) -> None:
        self.rows[key]["sent_at"] = now

    def mark_failed(self, key: str, now: datetime, error: str, next_try: datetime | None) -> None:
        row = self.rows[key]
        p = row["pending"]
        row["pending"] = Pending(p.delivery, p.created_at, p.attempts + 1, next_try, error)
        row["gave_up"] = next_try is None

    def sent(self) -> list[str]:
        return [k for k, r in self.rows.items() if r["sent_at"] is not None]
