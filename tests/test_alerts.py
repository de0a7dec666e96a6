"""Alert rules and their state machine: held, released, reminded, acknowledged, flapping, closed."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from board.domain import alerts as al
from board.domain.alerts import Event, Observation, RuleKind, Series, State, Timing
from board.domain.status import Status, Threshold

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # 10.00 in Helsinki
TIMING = Timing(for_minutes=10, keep_firing_minutes=5, repeat_minutes=60)


def run(conditions: list[bool | None], timing: Timing = TIMING, *, active: list[bool] | None = None,
        ack_at: int | None = None) -> tuple[Series, list[tuple[int, Event, str | None]]]:
    """Evaluate once a minute; ``conditions[i]`` is whether the condition holds at minute i."""
    series = Series("r", "paltamo")
    out = []
    for i, holds in enumerate(conditions):
        now = T0 + timedelta(minutes=i)
        if ack_at == i and series.state is State.ALERTING:
            series = al.acknowledge(series, "Vastaava Hoitaja", now)
        obs = Observation(holds, value=float(i), active=True if active is None else active[i])
        result = al.step(series, obs, now, timing)
        out.extend((i, e, result.ended) for e in result.events)
        series = result.series
    return series, out


def test_a_condition_held_fires_once_reminds_and_ends_once() -> None:
    conditions = [True] * 140 + [False] * 20
    series, events = run(conditions)
    # Fires when it has held 10 minutes (minute 10), reminds 60 minutes later (70, 130), ends 5 minutes after
    # it stopped holding at minute 140.
    assert events == [(10, Event.FIRING, None), (70, Event.REMINDER, None), (130, Event.REMINDER, None),
                      (145, Event.RESOLVED, al.ENDED_CLEARED)]
    assert series.state is State.NORMAL and series.since is None


def test_shorter_than_for_minutes_is_no_alert() -> None:
    assert run([True] * 9 + [False] * 30)[1] == []


def test_acknowledging_stops_reminders_but_not_the_end() -> None:
    _, events = run([True] * 140 + [False] * 10, ack_at=30)
    assert events == [(10, Event.FIRING, None), (145, Event.RESOLVED, al.ENDED_CLEARED)]


def test_a_flapping_condition_makes_no_storm() -> None:
    # True one minute, false the next, for four hours: never held for 10 minutes, so never an alert.
    assert run([i % 2 == 0 for i in range(240)])[1] == []
    # Once firing, lapses shorter than keep_firing_minutes do not end it: one firing, no "ended" until it settles.
    flapping = [True] * 15 + [i % 4 != 0 for i in range(200)] + [False] * 10
    _, events = run(flapping, Timing(10, 5, None))
    assert [e for _, e, _ in events] == [Event.FIRING, Event.RESOLVED]


def test_closing_ends_an_alert_and_closed_is_never_one() -> None:
    conditions = [True] * 60
    active = [True] * 30 + [False] * 30
    _, events = run(conditions, active=active)
    assert events == [(10, Event.FIRING, None), (30, Event.RESOLVED, al.ENDED_CLOSED)]
    _, events = run([True] * 60, active=[False] * 60)
    assert events == []


def test_unknown_resets_pending_but_does_not_end_an_alert() -> None:
    _, events = run([True] * 8 + [None] + [True] * 11)  # the pending clock starts again after the gap
    assert events == [(19, Event.FIRING, None)]
    series, events = run([True] * 12 + [None] * 30)
    assert events == [(10, Event.FIRING, None)] and series.state is State.ALERTING


def test_no_wait_and_no_reminders() -> None:
    _, events = run([True] * 200 + [False], Timing(0, 0, None))
    assert events == [(0, Event.FIRING, None), (200, Event.RESOLVED, al.ENDED_CLEARED)]


def test_acknowledge_needs_a_firing_alert_and_a_name() -> None:
    with pytest.raises(al.AcknowledgeError, match="not firing"):
        al.acknowledge(Series("r", "paltamo"), "X", T0)
    firing = Series("r", "paltamo", State.ALERTING, since=T0, last_notified=T0)
    with pytest.raises(al.AcknowledgeError, match="signed-in"):
        al.acknowledge(firing, "  ", T0)
    first = al.acknowledge(firing, "Anna", T0 + timedelta(minutes=1))
    assert al.acknowledge(first, "Bertil", T0 + timedelta(minutes=2)) == first


def test_messages_have_unique_keys_and_carry_what_they_are_about() -> None:
    rule = al.ThresholdRule("jono", "queue_waiting")
    series, made = Series("jono", "paltamo"), []
    for i, value in enumerate([25.0] * 131 + [5.0] * 6):
        now = T0 + timedelta(minutes=i)
        obs = rule.observe(value, Threshold(10, 20), time(10, 0), True)
        result = al.step(series, obs, now, TIMING)
        made += al.notifications(series, result, rule.kind, now, rule.figure)
        series = result.series
    assert [n.event for n in made] == [Event.FIRING, Event.REMINDER, Event.REMINDER, Event.RESOLVED]
    assert len({n.key for n in made}) == 4
    assert {n.alert_id for n in made} == {"jono|paltamo|2026-11-25T08:00:00+00:00"}
    assert all(n.since == T0 and n.subject == "paltamo" and n.figure == "queue_waiting" for n in made)
    assert made[0].value == 25.0 and made[0].level == "red" and made[-1].value == 5.0


# ------------------------------------------------------------------ rules
def test_threshold_rule_levels_and_directions() -> None:
    higher = Threshold(10, 20)
    red = al.ThresholdRule("q", "queue_waiting", Status.ALERT)
    amber = al.ThresholdRule("q", "queue_waiting", Status.WARN)
    noon = time(12)
    assert red.observe(20, higher, noon, True) == Observation(True, 20, "red")
    assert red.observe(15, higher, noon, True) == Observation(False, 15, "amber")
    assert amber.observe(15, higher, noon, True).holds is True
    assert amber.observe(9, higher, noon, True).holds is False
    share = al.ThresholdRule("s", "queue_same_day_share", Status.ALERT)
    lower = Threshold(0.95, 0.85, "lower_is_worse")
    assert share.observe(0.80, lower, noon, True).holds is True
    assert share.observe(0.90, lower, noon, True).holds is False
    assert red.observe(None, higher, noon, True).holds is None
    assert red.observe(30, None, noon, True).holds is None  # no threshold configured: nothing to judge
    assert red.observe(30, higher, noon, False).active is False


def test_time_of_day_thresholds() -> None:
    morning = al.DayWindow(time(8), time(10), Threshold(30, 40))
    rule = al.ThresholdRule("q", "queue_waiting", Status.ALERT, windows=(morning,))
    configured = Threshold(10, 20)
    assert rule.observe(25, configured, time(9, 59), True).holds is False  # the morning rush may be longer
    assert rule.observe(25, configured, time(10, 0), True).holds is True


def test_projection_rule_median_or_band_low() -> None:
    median = al.ProjectionRule("p", min_queue=1)
    sure = al.ProjectionRule("p", min_queue=1, confidence="band_low")
    assert median.observe(3, 0, True).holds is True and sure.observe(3, 0, True).holds is False
    assert sure.observe(5, 2, True) == Observation(True, 5, "red")
    assert median.observe(0, 0, True).holds is False
    assert median.observe(None, None, True).holds is None  # no projection (too little history): unknown
    assert median.observe(5, 2, False).active is False


def test_source_rule() -> None:
    rule = al.SourceRule("s")
    assert rule.observe("failing", True) == Observation(True, level="failing")
    assert rule.observe("stale", True).holds is True and rule.observe("ok", True).holds is False
    assert rule.observe("failing", False).active is False  # every station of the source closed: resting
    assert rule.observe("never", True).holds is None
    assert rule.observe("disabled", True).active is False


# ------------------------------------------------------------------ who gets what
def _note(kind: RuleKind, subject: str, rule: str = "r", event: Event = Event.FIRING) -> al.Notification:
    return al.Notification(event, f"{rule}|{subject}|x", rule, kind, subject, T0, T0)


def test_subscriptions() -> None:
    paltamo = al.Subscription("vastaava", "mail", ("v@example.fi",), stations=frozenset({"paltamo"}))
    everything = al.Subscription("teams", "teams", stations=None, sources=None)
    admin = al.Subscription("it", "mail", ("it@example.fi",), sources=None)
    only_projection = al.Subscription("p", "hook", stations=None, rules=frozenset({"ennuste"}))
    no_reminders = al.Subscription("q", "hook", stations=None, events=frozenset({Event.FIRING, Event.RESOLVED}))
    subs = [paltamo, everything, admin, only_projection, no_reminders]
    assert al.recipients(_note(RuleKind.THRESHOLD, "paltamo"), subs) == [paltamo, everything, no_reminders]
    assert al.recipients(_note(RuleKind.THRESHOLD, "kajaani"), subs) == [everything, no_reminders]
    assert al.recipients(_note(RuleKind.SOURCE, "dw"), subs) == [everything, admin]
    assert only_projection in al.recipients(_note(RuleKind.PROJECTION, "kajaani", "ennuste"), subs)
    assert no_reminders not in al.recipients(_note(RuleKind.THRESHOLD, "kajaani", event=Event.REMINDER), subs)


def test_backoff_doubles_and_is_capped() -> None:
    waits = [(al.next_attempt(n, T0) - T0).total_seconds() for n in range(1, 9)]
    assert waits == [30, 60, 120, 240, 480, 900, 900, 900]


def test_observations_cover_each_rules_subjects() -> None:
    from board.alerts.observe import SourceNow, StationNow, observe

    red = al.ThresholdRule("q", "queue_waiting", stations=frozenset({"paltamo", "kajaani"}))
    proj = al.ProjectionRule("p")
    src = al.SourceRule("s", sources=frozenset({"dw"}))
    stations = [
        StationNow("paltamo", True, time(11), {"queue_waiting": 25.0}, {"queue_waiting": Threshold(10, 20)}, (3, 1)),
        StationNow("kajaani", True, time(11), {"queue_waiting": 25.0}, {"queue_waiting": Threshold(30, 60)}, None),
        StationNow("kuhmo", False, time(17), {"queue_waiting": 99.0}, {"queue_waiting": Threshold(10, 20)}, None),
    ]
    sources = [SourceNow("dw", "failing", True), SourceNow("demo", "failing", True)]
    obs = observe([red, proj, src], stations, sources)
    assert set(obs) == {("q", "paltamo"), ("q", "kajaani"), ("p", "paltamo"), ("p", "kajaani"), ("p", "kuhmo"),
                        ("s", "dw")}
    assert obs[("q", "paltamo")].holds is True and obs[("q", "kajaani")].holds is False  # Kajaani's own limits
    assert obs[("p", "paltamo")] == Observation(True, 3, "red")
    assert obs[("p", "kajaani")].holds is None and obs[("p", "kuhmo")].active is False
    assert obs[("s", "dw")].holds is True
