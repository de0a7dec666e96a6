from datetime import UTC, datetime, timedelta

import pytest

from board.domain.figures import Family, derive
from board.domain.snapshot import Latest, build_tiles
from board.domain.status import Status, Threshold

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 11.00 Helsinki
DAY_START = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
THRESHOLDS = {
    "queue_waiting": Threshold(10, 20),
    "queue_same_day_share": Threshold(0.95, 0.85, "lower_is_worse"),
    "feedback_nps": Threshold(20, 0, "lower_is_worse"),
}


def latest(age_minutes: float = 1, **values: float) -> dict[str, Latest]:
    ts = NOW - timedelta(minutes=age_minutes)
    return {k: Latest(ts, v, "demo") for k, v in values.items()}


def tiles(values: dict[str, Latest], is_open: bool = True, **kw):
    return {t.family: t for t in build_tiles(
        values, now=NOW, day_start=DAY_START, is_open=is_open, thresholds=THRESHOLDS, targets={},
        stale_after={"demo": timedelta(minutes=5)}, **kw)}


def test_queue_tile_takes_the_worst_of_its_figures():
    t = tiles(latest(queue_waiting=12, queue_oldest_wait_min=30, queue_handled_today=20,
                     queue_handled_same_day_today=16))[Family.QUEUE]
    assert t.headline.value == 12
    assert t.headline.status is Status.WARN
    same_day = next(f for f in t.figures if f.code == "queue_same_day_share")
    assert same_day.value == pytest.approx(0.8)
    assert same_day.status is Status.ALERT
    assert t.status is Status.ALERT


def test_stale_when_the_source_is_older_than_its_limit():
    t = tiles(latest(age_minutes=6, queue_waiting=3))[Family.QUEUE]
    assert t.status is Status.STALE and t.stale
    assert tiles(latest(age_minutes=4, queue_waiting=3))[Family.QUEUE].status is Status.OK


def test_closed_outside_opening_hours_is_never_red():
    t = tiles(latest(queue_waiting=50), is_open=False)[Family.QUEUE]
    assert t.headline.status is Status.ALERT  # the figure itself is high...
    assert t.status is Status.CLOSED  # ...but the station is closed


def test_no_data_when_nothing_was_delivered():
    assert tiles({})[Family.OMASOTE].status is Status.NO_DATA


def test_yesterdays_daily_counter_is_not_todays_value():
    values = latest(queue_waiting=2)
    values["queue_handled_today"] = Latest(DAY_START - timedelta(minutes=1), 80, "demo")
    t = tiles(values)[Family.QUEUE]
    handled = next(f for f in t.figures if f.code == "queue_handled_today")
    assert handled.value is None


def test_nps_is_not_judged_on_too_few_answers():
    few = tiles(latest(feedback_promoters_today=0, feedback_passives_today=0, feedback_detractors_today=3),
                min_sample={"feedback_nps": 5})[Family.FEEDBACK]
    assert few.headline.value == -100
    assert few.headline.status is Status.NEUTRAL
    many = tiles(latest(feedback_promoters_today=1, feedback_passives_today=1, feedback_detractors_today=4),
                 min_sample={"feedback_nps": 5})[Family.FEEDBACK]
    assert many.headline.status is Status.ALERT


def test_derive_totals_and_shares():
    d = derive({"contacts_phone_today": 30, "contacts_chat_today": 10, "contacts_omasote_today": 20,
                "contacts_visit_today": 40})
    assert d["contacts_total_today"] == 100
    assert d["contacts_remote_share"] == pytest.approx(0.6)


def test_oldest_wait_is_blank_when_nothing_waits():
    d = derive({"queue_waiting": 0, "queue_oldest_wait_min": 0, "omasote_unanswered": 2,
                "omasote_oldest_unanswered_h": 5})
    assert d["queue_oldest_wait_min"] is None
    assert d["omasote_oldest_unanswered_h"] == 5


def test_one_metric_that_stopped_is_unknown_but_does_not_stale_the_tile():
    values = latest(queue_waiting=4, queue_handled_today=9)
    values["queue_oldest_wait_min"] = Latest(NOW - timedelta(hours=2), 55, "demo")
    t = tiles(values)[Family.QUEUE]
    assert not t.stale and t.status is Status.OK
    assert next(f for f in t.figures if f.code == "queue_oldest_wait_min").value is None
    assert t.updated_at == NOW - timedelta(minutes=1)


def test_closed_and_stale_is_closed_but_still_flagged_stale():
    t = tiles(latest(age_minutes=600, queue_waiting=7), is_open=False)[Family.QUEUE]
    assert t.status is Status.CLOSED and t.stale
    assert t.headline.value == 7  # kept only to say what the last value was


def test_a_share_of_a_tiny_sample_is_not_judged():
    one_of_one = latest(queue_waiting=2, queue_handled_today=1, queue_handled_same_day_today=0)
    t = tiles(one_of_one, min_sample={"queue_same_day_share": 10})[Family.QUEUE]
    share = next(f for f in t.figures if f.code == "queue_same_day_share")
    assert share.value == 0 and share.status is Status.NEUTRAL and t.status is Status.OK
    enough = latest(queue_waiting=2, queue_handled_today=20, queue_handled_same_day_today=10)
    assert tiles(enough, min_sample={"queue_same_day_share": 10})[Family.QUEUE].status is Status.ALERT


def _same_day(values: dict[str, Latest], is_open: bool = True):
    return next(f for f in tiles(values, is_open=is_open)[Family.QUEUE].figures if f.code == "queue_same_day_share")


def test_a_full_queue_never_makes_the_same_day_share_look_like_success():
    # 10 handled, all the same day: 100 %, but 30 callbacks still wait (the queue is red at 20)
    waiting = latest(queue_waiting=30, queue_handled_today=10, queue_handled_same_day_today=10)
    share = _same_day(waiting)
    assert share.value == pytest.approx(1.0) and share.so_far  # "100 % samana päivänä tähän asti"
    assert share.status is Status.ALERT  # never better than the queue it leaves out
    cleared = latest(queue_waiting=0, queue_handled_today=10, queue_handled_same_day_today=10)
    assert not _same_day(cleared).so_far and _same_day(cleared).status is Status.OK


def test_at_closing_the_share_still_says_so_far_while_callbacks_wait():
    share = _same_day(latest(queue_waiting=30, queue_handled_today=10, queue_handled_same_day_today=10),
                      is_open=False)
    assert share.value == pytest.approx(1.0) and share.so_far  # the 30 will count when handled on a later day
