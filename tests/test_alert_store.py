"""Alerts in the store, on SQLite and PostgreSQL: one evaluation per transaction, the outbox, acknowledging,
the history, projections; the store's outbox behaves as the in-memory reference does."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from board.alerts.delivery import MemoryOutbox, Sender
from board.alerts.messages import render
from board.domain import alerts as al
from board.domain.projection import StationProjection
from board.domain.status import Threshold
from board.store import Store

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
RULE = al.ThresholdRule("jono_punainen", "queue_waiting", timing=al.Timing(10, 5, 60))
SUBS = [al.Subscription("vastaava", "mail", ("v@example.fi",), stations=frozenset({"paltamo"})),
        al.Subscription("teams", "teams", stations=None)]


def cycle(store: Store, now: datetime, queue: float, is_open: bool = True) -> al.Cycle:
    stored = al.by_subject(store.alert_series())
    obs = {(RULE.name, "paltamo"): RULE.observe(queue, Threshold(10, 20), time(12), is_open)}
    c = al.evaluate([RULE], stored, obs, now)
    store.save_cycle(c.changed(stored), c.notifications, al.deliveries(c.notifications, SUBS), now)
    return c


def test_an_alert_through_the_store(store: Store) -> None:
    for i in range(12):
        cycle(store, T0 + timedelta(minutes=i), 25.0)
    [series] = store.alert_series()
    assert series.state is al.State.ALERTING and series.since == T0 and series.value == 25.0
    [alert] = store.alerts(active_only=True)
    assert alert.alert_id == "jono_punainen|paltamo|2026-11-24T08:00:00+00:00" and alert.fired_at == T0 + \
        timedelta(minutes=10) and alert.active and alert.level == "red"
    due = store.due(T0 + timedelta(minutes=12))
    assert [(p.delivery.subscription, p.delivery.to) for p in due] == [("teams", ()), ("vastaava", ("v@example.fi",))]
    assert due[0].delivery.notification.event is al.Event.FIRING and due[0].delivery.notification.since == T0

    # Taken by a shift lead: kept with the series and the alert; no reminder an hour later; the end still comes.
    taken = store.acknowledge_alert("jono_punainen", "paltamo", "Vastaava Virtanen", T0 + timedelta(minutes=15))
    assert taken.acknowledged_by == "Vastaava Virtanen"
    assert store.alerts()[0].acknowledged_at == T0 + timedelta(minutes=15)
    for i in range(12, 80):
        cycle(store, T0 + timedelta(minutes=i), 25.0 if i < 75 else 3.0)
    # 75 cleared, 80 would end it (keep firing 5 min): the 80th minute.
    cycle(store, T0 + timedelta(minutes=80), 3.0)
    events = sorted({(k.split("|")[3], k.split("|")[4]) for k, *_ in store.outbox()})
    assert events == [("firing", "0"), ("resolved", "0")]
    [ended] = store.alerts(since=T0)
    assert not ended.active and ended.ended == al.ENDED_CLEARED and ended.value == 3.0
    assert store.alerts(active_only=True) == []
    with pytest.raises(al.AcknowledgeError):
        store.acknowledge_alert("jono_punainen", "paltamo", "X", T0 + timedelta(minutes=81))


def test_evaluating_the_same_moment_again_queues_nothing_new(store: Store) -> None:
    for i in range(11):
        cycle(store, T0 + timedelta(minutes=i), 25.0)
    before = store.outbox()
    # A collector that restarts reads the stored states and evaluates again: no second "firing".
    cycle(store, T0 + timedelta(minutes=10), 25.0)
    cycle(store, T0 + timedelta(minutes=11), 25.0)
    assert store.outbox() == before and len(before) == 2


class Recorder:
    def __init__(self, name: str, fail: int = 0) -> None:
        self.name, self.fail, self.sent = name, fail, []

    def send(self, message, to=()) -> None:
        from board.alerts.channels import ChannelError

        if self.fail > 0:
            self.fail -= 1
            raise ChannelError(f"{self.name} is down", transient=True)
        self.sent.append((message.key, tuple(to)))


@pytest.mark.parametrize("outbox_kind", ["store", "memory"])
def test_the_store_outbox_is_the_reference_outbox(store: Store, outbox_kind: str) -> None:
    """The same evaluations and channel failures give the same sends through the store and the reference."""
    memory = MemoryOutbox()
    mail, teams = Recorder("mail", fail=3), Recorder("teams")
    sender = Sender({"mail": mail, "teams": teams},
                    lambda n: render(n, subject_name=n.subject, board_url=None))
    series: dict = {}
    for i in range(60):
        now = T0 + timedelta(minutes=i)
        queue = 25.0 if i < 30 else 2.0
        if outbox_kind == "store":
            cycle(store, now, queue)
            sender.round(store, now)
        else:
            obs = {(RULE.name, "paltamo"): RULE.observe(queue, Threshold(10, 20), time(12), True)}
            c = al.evaluate([RULE], series, obs, now)
            series.update(al.by_subject(c.series))
            memory.add(al.deliveries(c.notifications, SUBS), now)
            sender.round(memory, now)
    assert [k.split("|")[3] for k, _ in mail.sent] == ["firing", "resolved"]
    assert [k.split("|")[3] for k, _ in teams.sent] == ["firing", "resolved"]
    assert mail.sent[0][1] == ("v@example.fi",)
    if outbox_kind == "store":
        [mail_state, teams_state] = store.channel_states(T0)
        assert mail_state.channel == "mail" and mail_state.last_error is None and mail_state.waiting == 0
        assert teams_state.last_sent is not None


def test_channel_states_show_a_failing_channel(store: Store) -> None:
    for i in range(11):
        cycle(store, T0 + timedelta(minutes=i), 25.0)
    now = T0 + timedelta(minutes=11)
    sender = Sender({"mail": Recorder("mail", fail=99), "teams": Recorder("teams")},
                    lambda n: render(n, subject_name=n.subject, board_url=None))
    sender.round(store, now)
    states = {c.channel: c for c in store.channel_states(T0)}
    assert states["mail"].last_error == "mail is down" and states["mail"].waiting == 1
    assert states["mail"].last_sent is None and states["mail"].last_try == now
    assert states["mail"].next_try == now + timedelta(seconds=30)  # the first backoff step
    assert states["teams"].next_try is None  # nothing waits
    assert states["teams"].last_error is None and states["teams"].last_sent == now


def test_projections_round_trip(store: Store) -> None:
    p = StationProjection("paltamo", T0, T0 + timedelta(hours=6), 12.0, 8.0, 15.0, 0.91, 0.88, 0.94,
                          ((T0, 5.0, 5.0, 5.0), (T0 + timedelta(minutes=15), 4.0, 5.5, 7.0)))
    none = StationProjection("kajaani", T0, reason="few_days", detail="2 comparable days with data, 3 needed")
    store.save_projections([p, none])
    got = store.projections()
    assert got == {"paltamo": p, "kajaani": none}
    store.save_projections([StationProjection("paltamo", T0 + timedelta(minutes=1), reason="closed")])
    assert store.projections(["paltamo"])["paltamo"].reason == "closed"
    assert not store.projections(["paltamo"])["paltamo"].ok


def test_an_acknowledgement_made_while_an_evaluation_runs_is_kept_and_its_reminder_dropped(store: Store) -> None:
    for i in range(11):
        cycle(store, T0 + timedelta(minutes=i), 25.0)  # firing since minute 10
    # The evaluation of minute 70 reads the series (not acknowledged: an hour since the start, a reminder is due)…
    at = T0 + timedelta(minutes=70)
    stored = al.by_subject(store.alert_series())
    obs = {(RULE.name, "paltamo"): RULE.observe(25.0, Threshold(10, 20), time(12), True)}
    c = al.evaluate([RULE], stored, obs, at)
    assert [n.event for n in c.notifications] == [al.Event.REMINDER]
    # …a shift lead acknowledges on the overview in that instant…
    store.acknowledge_alert(RULE.name, "paltamo", "Vastaava Virtanen", at)
    # …and the evaluation writes what it decided.
    store.save_cycle(c.changed(stored), c.notifications, al.deliveries(c.notifications, SUBS), at)
    [series] = store.alert_series()
    assert (series.acknowledged_by, series.acknowledged_at) == ("Vastaava Virtanen", at)
    assert store.alerts()[0].acknowledged_by == "Vastaava Virtanen"
    assert [k.split("|")[3] for k, *_ in store.outbox()] == ["firing", "firing"]  # no reminder queued
    for i in range(71, 200):  # and none later: it stays taken
        cycle(store, T0 + timedelta(minutes=i), 25.0)
    assert {k.split("|")[3] for k, *_ in store.outbox()} == {"firing"}
