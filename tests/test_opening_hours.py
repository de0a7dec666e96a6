"""Real opening hours: holidays, exception days, split hours, round the clock, DST days.

The truth is written by hand: the weekdays on which a Monday-to-Friday station
is closed in 2026 and 2027 (read off a printed calendar, with the weekday of
each date), and UTC instants worked out from Helsinki's offset (+2 in winter,
+3 in summer). None of it is computed with the board's own holiday rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from board.domain.hours import ClosedDay, OpeningHours
from board.domain.reading import Reading
from board.read.wall import station_view
from board.settings import ConfigError, load_settings
from board.web.wall_html import render_wall

WEEKDAYS_8_16 = {d: "08:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")}

#: Holidays falling on Monday to Friday, as a calendar prints them (weekday, date).
CLOSED_WEEKDAYS = {
    2026: [("to", "1.1"), ("ti", "6.1"), ("pe", "3.4"), ("ma", "6.4"), ("pe", "1.5"), ("to", "14.5"),
           ("pe", "19.6"), ("to", "24.12"), ("pe", "25.12")],
    2027: [("pe", "1.1"), ("ke", "6.1"), ("pe", "26.3"), ("ma", "29.3"), ("to", "6.5"), ("pe", "25.6"),
           ("ma", "6.12"), ("pe", "24.12")],
}
FI_WEEKDAYS = ("ma", "ti", "ke", "to", "pe", "la", "su")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hand_closed() -> set[date]:
    out = set()
    for year, days in CLOSED_WEEKDAYS.items():
        for weekday, text in days:
            d, m = (int(x) for x in text.split("."))
            day = date(year, m, d)
            assert FI_WEEKDAYS[day.weekday()] == weekday, f"the hand-written calendar is wrong on {day}"
            out.add(day)
    return out


def test_every_day_of_2026_and_2027_against_a_hand_written_calendar():
    hours = OpeningHours.parse(WEEKDAYS_8_16)
    closed = hand_closed()
    day = date(2026, 1, 1)
    while day.year < 2028:
        noon_utc = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)  # 12.00 or 13.00 in Helsinki
        expected = day.weekday() < 5 and day not in closed
        assert hours.is_open(noon_utc) is expected, day
        assert (hours.span_on(day) is not None) is expected, day
        day += timedelta(days=1)


@pytest.mark.parametrize("day, name", [
    (date(2027, 1, 6), "loppiainen"), (date(2026, 4, 3), "pitkäperjantai"), (date(2026, 4, 6), "2. pääsiäispäivä"),
    (date(2026, 6, 19), "juhannusaatto"), (date(2027, 12, 6), "itsenäisyyspäivä"),
    (date(2026, 4, 5), "pääsiäispäivä"),  # a Sunday: closed anyway, and the wall still says why
])
def test_a_holiday_is_a_closed_day_with_its_name(day, name):
    assert OpeningHours.parse(WEEKDAYS_8_16).closed_day(day) == ClosedDay("holiday", name)


@pytest.mark.parametrize("now, opens", [
    (utc(2026, 12, 23, 15, 0), utc(2026, 12, 28, 6, 0)),  # Wed 17.00 -> Christmas Thu/Fri, weekend -> Mon 8.00
    (utc(2026, 12, 31, 15, 0), utc(2027, 1, 4, 6, 0)),  # New Year's Day on a Friday -> Monday
    (utc(2027, 1, 5, 15, 0), utc(2027, 1, 7, 6, 0)),  # Loppiainen on a Wednesday -> Thursday
    (utc(2026, 6, 18, 14, 0), utc(2026, 6, 22, 5, 0)),  # juhannusaatto Friday -> Monday 8.00 summer time
    (utc(2026, 4, 2, 14, 0), utc(2026, 4, 7, 5, 0)),  # Easter: Friday to Monday closed -> Tuesday
])
def test_next_opening_skips_holidays(now, opens):
    assert OpeningHours.parse(WEEKDAYS_8_16).next_opening(now) == opens


def test_split_hours_close_over_lunch():
    hours = OpeningHours.parse({"mon": "08:00-12:00, 13:00-16:00"})
    monday = (2026, 11, 23)  # winter: Helsinki = UTC+2
    assert hours.is_open(utc(*monday, 9, 59))  # 11.59
    assert not hours.is_open(utc(*monday, 10, 0))  # 12.00
    assert not hours.is_open(utc(*monday, 10, 59))
    assert hours.is_open(utc(*monday, 11, 0))  # 13.00
    assert not hours.is_open(utc(*monday, 14, 0))  # 16.00
    assert hours.next_opening(utc(*monday, 10, 30)) == utc(*monday, 11, 0)
    assert hours.span_on(date(*monday)) == (8 * 60, 16 * 60)


def test_round_the_clock_unit_is_open_every_minute_including_dst_days_and_holidays():
    hours = OpeningHours.parse({d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                               open_on_holidays=True)
    # 29.3.2026 has 23 hours (3.00 -> 4.00), 25.10.2026 has 25; Christmas and Loppiainen are holidays
    for start in (utc(2026, 3, 28, 20, 0), utc(2026, 10, 24, 20, 0), utc(2026, 12, 23, 20, 0), utc(2027, 1, 5, 20)):
        for minutes in range(0, 30 * 60, 7):
            assert hours.is_open(start + timedelta(minutes=minutes)), start + timedelta(minutes=minutes)
    assert hours.closed_day(date(2027, 1, 6)) is None
    assert hours.next_opening(utc(2026, 12, 24, 12, 0)) is None  # never "opens": it never closes


def test_opening_at_eight_local_on_the_dst_sundays():
    hours = OpeningHours.parse({"sun": "08:00-16:00"})
    assert not hours.is_open(utc(2026, 3, 29, 4, 59)) and hours.is_open(utc(2026, 3, 29, 5, 0))  # UTC+3 from 4.00
    assert not hours.is_open(utc(2026, 10, 25, 5, 59)) and hours.is_open(utc(2026, 10, 25, 6, 0))  # UTC+2 again
    assert not hours.is_open(utc(2026, 10, 25, 14, 0))  # 16.00


def test_exception_days_win_over_weekdays_and_holidays():
    hours = OpeningHours.parse(WEEKDAYS_8_16, {
        "2026-12-07": "closed",  # a moving day
        "10.12.2026": "08:00-12:00",  # a training afternoon (Finnish date form)
        date(2027, 1, 6): "10:00-14:00",  # open on Loppiainen this once
    })
    assert not hours.is_open(utc(2026, 12, 7, 8, 0)) and hours.closed_day(date(2026, 12, 7)) == ClosedDay("exception")
    assert hours.is_open(utc(2026, 12, 10, 9, 59)) and not hours.is_open(utc(2026, 12, 10, 10, 0))  # 12.00
    assert hours.is_open(utc(2027, 1, 6, 8, 0)) and hours.closed_day(date(2027, 1, 6)) is None
    assert hours.next_opening(utc(2026, 12, 4, 15, 0)) == utc(2026, 12, 8, 6, 0)  # Friday -> Tuesday


@pytest.mark.parametrize("spec, message", [
    ({"mon": "16:00-08:00"}, "past midnight; use 00:00-24:00"),
    ({"mon": "08:00-12:00, 11:00-16:00"}, "overlap"),
    ({"mon": "25:00-26:00"}, "not a time of day"),
    ({"mon": "08:00-12:00 13:00-16:00"}, "HH:MM-HH:MM"),
])
def test_bad_hours_say_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=message):
        OpeningHours.parse(spec)


def write_stations(config_dir: Path, change) -> None:
    path = config_dir / "stations.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


def test_configuration_takes_split_hours_24_7_and_exception_days(config_dir: Path):
    def change(data):
        data["exception_days"] = {"2026-12-23": "08:00-12:00"}
        first, second = data["stations"][0], data["stations"][1]
        first["opening_hours"] = {"mon": "08:00-12:00, 13:00-16:00"}
        first["exception_days"] = {date(2026, 12, 23): "closed"}
        second["opening_hours"] = {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        second["open_on_holidays"] = True

    write_stations(config_dir, change)
    settings = load_settings(config_dir)
    first, second, third = (s.code for s in settings.stations[:3])
    assert not settings.opening_hours(first).is_open(utc(2026, 12, 23, 7, 0))  # its own exception wins
    assert settings.opening_hours(third).is_open(utc(2026, 12, 23, 9, 59))  # the common one: 8-12
    assert not settings.opening_hours(third).is_open(utc(2026, 12, 23, 10, 0))
    assert settings.opening_hours(second).is_open(utc(2026, 12, 25, 1, 0))  # Christmas night
    assert not settings.opening_hours(third).is_open(utc(2026, 12, 25, 10, 0))


def test_a_wrong_exception_day_names_it(config_dir: Path):
    write_stations(config_dir, lambda d: d.update(exception_days={"31.2.2026": "closed"}))
    with pytest.raises(ConfigError, match=r"stations.yaml: exception_days: .*'31.2.2026' is not a date"):
        load_settings(config_dir)


@pytest.mark.parametrize("lang, banner", [
    ("fi", "<span>Suljettu — loppiainen</span><span>Avataan to klo 8.00</span>"),
    ("sv", "<span>Stängd — trettondagen</span><span>Öppnar tor kl. 8.00</span>"),
    ("en", "<span>Closed — Epiphany</span><span>Opens Thu 08:00</span>"),
])
def test_wall_on_a_holiday_says_closed_and_why(settings, store, lang, banner):
    loppiainen = utc(2027, 1, 6, 9, 0)  # Wednesday 11.00 in Helsinki, a working day's hours
    store.write_readings([Reading("kuhmo", "queue_waiting", loppiainen - timedelta(minutes=1), 40)],
                         source="demo", now=loppiainen)
    view = station_view(settings, store, "kuhmo", loppiainen, with_trend=False)
    assert not view.is_open
    html = render_wall(view, lang, settings.opening_hours("kuhmo").next_opening(loppiainen))
    assert f'<span class="closed-text two">{banner}</span>' in html and 'data-closed-day="holiday"' in html
    queue = html.split('data-family="queue"')[1].split("</section>")[0]
    assert 'data-status="closed"' in queue and "mark-alert" not in queue  # 40 waiting is not red on a holiday


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_holiday_banner_is_never_cut_beside_a_long_name(settings, store, lang):
    """In Chromium: with a 42-character station name the banner keeps every word of why and when (the name
    gives way with an ellipsis), at 16:9, 16:10 and 5:4."""
    from board.web.style import WALL_CSS
    from tests import harness
    from tests.browser_support import require_chromium

    require_chromium()
    loppiainen = utc(2027, 1, 6, 9, 0)
    view = station_view(settings, store, "kuhmo", loppiainen, with_trend=False)
    view.station = view.station.model_copy(update={"name": "Kuhmon keskustan terveysasema ja neuvola X"})
    html = render_wall(view, lang, settings.opening_hours("kuhmo").next_opening(loppiainen))
    doc = (f"<!doctype html><meta charset=utf-8><style>body{{margin:0}}{WALL_CSS}</style>"
           f'<div class="stHtml">{html}</div>')
    with harness.chromium() as browser:
        for width, height in ((1920, 1080), (1366, 768), (1920, 1200), (1280, 1024)):
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_content(doc)
            cut = page.evaluate("""() => {
                const banner = document.querySelector('.closed-banner').getBoundingClientRect();
                return [...document.querySelectorAll('.closed-text > span')].filter(s => {
                    const r = s.getBoundingClientRect();
                    return s.scrollWidth > s.clientWidth + 1 || r.right > banner.right + 1
                        || r.bottom > banner.bottom + 1;
                }).map(s => s.textContent); }""")
            assert cut == [], (width, height, cut)
            page.close()
