from datetime import UTC, date, datetime, timedelta

import pytest

from board.domain.timeutil import HELSINKI, day_bounds, day_length, local_date


def test_ordinary_day_is_24_hours_from_local_midnight():
    start, end = day_bounds(date(2026, 11, 22))
    assert start == datetime(2026, 11, 21, 22, 0, tzinfo=UTC)  # EET = UTC+2
    assert end - start == timedelta(hours=24)


def test_spring_dst_day_has_23_hours():
    start, end = day_bounds(date(2026, 3, 29))
    assert start == datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 21, 0, tzinfo=UTC)  # EEST = UTC+3
    assert day_length(date(2026, 3, 29)) == timedelta(hours=23)


def test_autumn_dst_day_has_25_hours():
    assert day_length(date(2026, 10, 25)) == timedelta(hours=25)


def test_local_date_changes_at_helsinki_midnight_not_utc():
    assert local_date(datetime(2026, 11, 21, 21, 59, tzinfo=UTC)) == date(2026, 11, 21)
    assert local_date(datetime(2026, 11, 21, 22, 0, tzinfo=UTC)) == date(2026, 11, 22)
    # summer: UTC+3
    assert local_date(datetime(2026, 7, 1, 21, 0, tzinfo=UTC)) == date(2026, 7, 2)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        local_date(datetime(2026, 1, 1, 12, 0))


def test_local_conversion_uses_helsinki():
    assert datetime(2026, 1, 1, 0, 0, tzinfo=HELSINKI).utcoffset() == timedelta(hours=2)
