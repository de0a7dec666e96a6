"""Finnish public holidays: checked against the official calendar, not against the code's own rules."""

from __future__ import annotations

from datetime import date

import pytest

from board.domain.holidays import easter_sunday, finnish_holidays, holiday_name, is_holiday

#: Western Easter Sundays as published (ecclesiastical tables), including the extremes 22 March and 25 April.
EASTERS = {1818: date(1818, 3, 22), 1943: date(1943, 4, 25), 2000: date(2000, 4, 23), 2008: date(2008, 3, 23),
           2011: date(2011, 4, 24), 2019: date(2019, 4, 21), 2024: date(2024, 3, 31), 2025: date(2025, 4, 20),
           2026: date(2026, 4, 5), 2027: date(2027, 3, 28), 2038: date(2038, 4, 25), 2285: date(2285, 3, 22)}


@pytest.mark.parametrize("year", sorted(EASTERS))
def test_easter(year: int) -> None:
    assert easter_sunday(year) == EASTERS[year]


#: The Finnish calendar's days off for 2025 and 2027 as printed in the almanac (Helsingin yliopiston almanakka).
OFFICIAL = {
    2025: ["1.1", "6.1", "18.4", "20.4", "21.4", "1.5", "29.5", "8.6", "20.6", "21.6", "1.11", "6.12", "24.12",
           "25.12", "26.12"],
    2027: ["1.1", "6.1", "26.3", "28.3", "29.3", "1.5", "6.5", "16.5", "25.6", "26.6", "6.11", "6.12", "24.12",
           "25.12", "26.12"],
}


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_a_years_days_off(year: int) -> None:
    expected = sorted(date(year, int(m), int(d)) for d, m in (x.split(".") for x in OFFICIAL[year]))
    assert list(finnish_holidays(year)) == expected


def test_names_and_ordinary_days() -> None:
    assert holiday_name(date(2026, 6, 19)) == "juhannusaatto"
    assert holiday_name(date(2026, 11, 23)) is None
    assert is_holiday(date(2026, 12, 24)) and not is_holiday(date(2026, 12, 23))
