"""Dates, clock times and DST edges as Finnish exports write them (``connectors.times``, the mapping)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from board.source_settings import FieldMapping
from connectors.mapping import RecordError, RecordMapper
from connectors.times import AmbiguousTime, FoldTracker, NonexistentTime, local_instant, parse_clock, parse_day

HEL = ZoneInfo("Europe/Helsinki")
UNTIL = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("08.00", time(8)), ("8.00", time(8)), ("8:00", time(8)), ("08:00:00", time(8)), ("klo 8", time(8)),
    ("Klo 14.30", time(14, 30)), ("23.59", time(23, 59)), ("0.00", time(0)), ("8", time(8)), (8, time(8)),
    (13.0, time(13)), (0.5, time(12)), (0.34375, time(8, 15)), (time(9, 45), time(9, 45)),
    (datetime(1899, 12, 30, 7, 30), time(7, 30)),
])
def test_clock_times_as_exports_write_them(text, expected):
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["24.00", "8.60", "25", 24, -1, 1.5, "kahdeksan", "8.0", "", True,
                                  datetime(2026, 1, 1, 8, 0)])
def test_what_is_not_a_clock_time_is_refused_with_a_reason(text):
    with pytest.raises(ValueError, match="time of day"):
        parse_clock(text)


@pytest.mark.parametrize(("value", "expected"), [
    ("1.12.2026", date(2026, 12, 1)), ("01.12.2026", date(2026, 12, 1)), ("2026-12-01", date(2026, 12, 1)),
    (date(2026, 12, 1), date(2026, 12, 1)), (datetime(2026, 12, 1), date(2026, 12, 1)),
])
def test_days(value, expected):
    assert parse_day(value) == expected


@pytest.mark.parametrize("value", ["31.2.2026", "1.12.26", datetime(2026, 12, 1, 8, 0), "huomenna"])
def test_what_is_not_a_day_is_refused(value):
    with pytest.raises(ValueError):
        parse_day(value)


def test_the_spring_forward_hour_does_not_exist_and_is_refused_not_shifted():
    for minute in (0, 30, 59):
        with pytest.raises(NonexistentTime, match="does not exist"):
            local_instant(datetime(2026, 3, 29, 3, minute), HEL)
    # the minutes either side are exact: 02.59 EET = 00.59 UTC, 04.00 EEST = 01.00 UTC
    assert local_instant(datetime(2026, 3, 29, 2, 59), HEL) == datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
    assert local_instant(datetime(2026, 3, 29, 4, 0), HEL) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def _autumn(h: int, m: int = 0) -> datetime:
    return datetime(2026, 10, 25, h, m)


def test_the_repeated_autumn_hour_in_time_order_is_read_as_two_hours():
    tracker = FoldTracker()
    walls = [_autumn(2, 30), _autumn(3, 0), _autumn(3, 30), _autumn(3, 0), _autumn(3, 30), _autumn(4, 0)]
    got = [tracker.instant("kajaani", w, HEL) for w in walls]
    # 02.30 EEST = 23.30 UTC; first 03.xx is EEST (UTC+3), second is EET (UTC+2)
    assert [g.strftime("%H.%M") for g in got] == ["23.30", "00.00", "00.30", "01.00", "01.30", "02.00"]
    assert len(set(got)) == len(got)


def test_hourly_rows_repeat_the_hour_and_are_read_as_two_hours_per_series():
    tracker = FoldTracker()
    rows = [("a", _autumn(3)), ("b", _autumn(3)), ("a", _autumn(3)), ("b", _autumn(3)), ("a", _autumn(4))]
    got = [tracker.instant(s, w, HEL).strftime("%H.%M") for s, w in rows]
    assert got == ["00.00", "00.00", "01.00", "01.00", "02.00"]


def test_a_repeated_hour_out_of_time_order_is_refused():
    tracker = FoldTracker()
    tracker.instant("a", _autumn(4, 0), HEL)
    with pytest.raises(AmbiguousTime, match=r"happens twice.*not in time order"):
        tracker.instant("a", _autumn(3, 30), HEL)
    third = FoldTracker()
    for w in (_autumn(3, 0), _autumn(3, 30), _autumn(3, 0), _autumn(3, 30)):
        third.instant("a", w, HEL)
    with pytest.raises(AmbiguousTime, match="second pass"):
        third.instant("a", _autumn(3, 0), HEL)


def _mapper(**mapping) -> RecordMapper:
    base = {"layout": "wide", "station": "Asema", "time": ["Päivämäärä", "Klo"],
            "metrics": {"Jonossa": "queue_waiting"}}
    return RecordMapper(FieldMapping.model_validate({**base, **mapping}), ["kajaani"], UNTIL)


def test_a_date_column_and_a_time_column_make_one_instant():
    mapper = _mapper()
    for klo in ("08.00", "8.00", "8:00", "08:00:00", "klo 8", 8, time(8, 0), 1 / 3):
        (reading,) = mapper.map({"Asema": "kajaani", "Päivämäärä": "30.11.2026", "Klo": klo, "Jonossa": "4"})
        assert reading.ts == datetime(2026, 11, 30, 6, 0, tzinfo=UTC), klo  # 08.00 EET
    (reading,) = mapper.map({"Asema": "kajaani", "Päivämäärä": date(2026, 6, 30), "Klo": "14.15", "Jonossa": 1})
    assert reading.ts == datetime(2026, 6, 30, 11, 15, tzinfo=UTC)  # summer: UTC+3


def test_a_time_of_day_mapped_alone_asks_for_the_date_column():
    mapper = _mapper(time="Klo")
    for klo in ("08.00", time(8, 0)):
        with pytest.raises(RecordError, match=r"map the date column too, e\.g\. time: \[Päivämäärä, Klo\]"):
            mapper.map({"Asema": "kajaani", "Klo": klo, "Jonossa": "4"})


def test_a_nonexistent_spring_time_is_refused_in_one_field_or_two():
    with pytest.raises(RecordError, match=r"29\.03\.2026 03\.30 does not exist in Europe/Helsinki"):
        _mapper().map({"Asema": "kajaani", "Päivämäärä": "29.3.2026", "Klo": "03.30", "Jonossa": "4"})
    with pytest.raises(RecordError, match="does not exist"):
        _mapper(time="Aika").map({"Asema": "kajaani", "Aika": "29.3.2026 03.30", "Jonossa": "4"})


def test_a_time_mapping_of_two_fields_must_name_two_different_fields():
    for bad in (["Päivämäärä"], ["a", "a"], ["a", "b", "c"]):
        with pytest.raises(ValueError, match=r"time is one field, or two"):
            FieldMapping.model_validate({"time": bad})
