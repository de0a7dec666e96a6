from datetime import UTC, datetime

import pytest

from board.domain.hours import OpeningHours
from board.domain.status import Status, Threshold, worst


def test_higher_is_worse_threshold():
    t = Threshold(amber=10, red=20)
    assert [t.evaluate(v) for v in (0, 9.9, 10, 19, 20, 99)] == [
        Status.OK, Status.OK, Status.WARN, Status.WARN, Status.ALERT, Status.ALERT]
    assert t.evaluate(None) is Status.NEUTRAL


def test_lower_is_worse_threshold():
    t = Threshold(amber=0.95, red=0.85, direction="lower_is_worse")
    assert t.evaluate(0.99) is Status.OK
    assert t.evaluate(0.95) is Status.WARN
    assert t.evaluate(0.85) is Status.ALERT


def test_threshold_in_wrong_order_is_refused():
    with pytest.raises(ValueError, match="red"):
        Threshold(amber=20, red=10)
    with pytest.raises(ValueError, match="red"):
        Threshold(amber=0.8, red=0.9, direction="lower_is_worse")


def test_worst_status():
    assert worst([Status.OK, Status.ALERT, Status.WARN]) is Status.ALERT
    assert worst([Status.NEUTRAL, Status.OK]) is Status.OK
    assert worst([]) is Status.NEUTRAL


HOURS = OpeningHours.parse({"mon": "08:00-16:00", "tue": "8-16", "fri": "08.00-15.00", "sat": "closed"})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_open_inside_hours_in_local_time():
    # Monday 23.11.2026 08:00 Helsinki = 06:00 UTC
    assert not HOURS.is_open(utc(2026, 11, 23, 5, 59))
    assert HOURS.is_open(utc(2026, 11, 23, 6, 0))
    assert HOURS.is_open(utc(2026, 11, 23, 13, 59))
    assert not HOURS.is_open(utc(2026, 11, 23, 14, 0))  # 16:00 local


def test_closed_days():
    assert not HOURS.is_open(utc(2026, 11, 28, 10, 0))  # Saturday: closed
    assert not HOURS.is_open(utc(2026, 11, 25, 10, 0))  # Wednesday: not listed


def test_opening_follows_summer_time():
    # Monday 29.6.2026 08:00 Helsinki = 05:00 UTC (EEST)
    assert HOURS.is_open(utc(2026, 6, 29, 5, 0))
    assert not HOURS.is_open(utc(2026, 6, 29, 4, 59))


def test_next_opening():
    assert HOURS.next_opening(utc(2026, 11, 22, 5, 0)) == utc(2026, 11, 23, 6, 0)  # Sunday -> Monday 8.00
    assert HOURS.next_opening(utc(2026, 11, 24, 15, 0)) == utc(2026, 11, 27, 6, 0)  # Tue evening -> Friday


@pytest.mark.parametrize("spec, message", [
    ({"monday": "08:00-16:00"}, "unknown weekday"),
    ({"mon": "8 to 16"}, "HH:MM-HH:MM"),
    ({"mon": "16:00-08:00"}, "after opening"),
])
def test_bad_opening_hours_say_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=message):
        OpeningHours.parse(spec)
