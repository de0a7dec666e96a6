"""A month (and a free date range) with the weekly view's figures, compared with the month before and the same
month a year earlier; the CSV and xlsx read back. Truths by hand from the readings below.

Kajaani, November 2026: 2.11 phone 30, chat 10, visit 60 (remote 40 of 100); 30.11 phone 20, visit 20 (20 of
40) -> 140 contacts, remote (30 + 10 + 20) / 140 = 42,9 %; queue peaks 12 and 7 -> 12; Omasote unanswered at the
end of the month: 30.11's 5 (not 2.11's 9). October 2026: 25.10 (the DST night, read at 23.30) phone 10, visit
10 -> 20 contacts, remote 50 %. November 2025: 3.11.2025 phone 5, visit 15 -> 20 contacts, remote 25 %.
Sotkamo, November 2026: 2.11 phone 10, visit 10, queue 8 at 10.00 while Kajaani had 12 at 10.00 -> together
peak 20 (not 12 + 8 from different times: here they coincide, and 9 at 11.00 with Kajaani's 5 is 14).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import openpyxl
import pytest

from board import export_period
from board.domain.reading import Reading
from board.domain.timeutil import at_local
from board.factory import create_board
from board.read.period import month_span, period_report, previous_month, range_before, year_earlier
from tests.conftest import write_config


def r(station: str, d: date, clock: str, **values: float) -> list[Reading]:
    hh, mm = clock.split(":")
    return [Reading(station, m, at_local(d, time(int(hh), int(mm))), float(v)) for m, v in values.items()]


READINGS = [
    *r("kajaani", date(2026, 11, 2), "12:00", contacts_phone_today=10),
    *r("kajaani", date(2026, 11, 2), "23:59", contacts_phone_today=30, contacts_chat_today=10,
       contacts_omasote_today=0, contacts_visit_today=60, omasote_unanswered=9),
    *r("kajaani", date(2026, 11, 2), "10:00", queue_waiting=12), *r("kajaani", date(2026, 11, 2), "11:00",
                                                                     queue_waiting=5),
    *r("kajaani", date(2026, 11, 30), "23:59", contacts_phone_today=20, contacts_visit_today=20, contacts_chat_today=0,
       contacts_omasote_today=0, omasote_unanswered=5),
    *r("kajaani", date(2026, 11, 30), "09:00", queue_waiting=7),
    *r("kajaani", date(2026, 10, 25), "23:30", contacts_phone_today=10, contacts_visit_today=10, contacts_chat_today=0,
       contacts_omasote_today=0),
    *r("kajaani", date(2025, 11, 3), "23:59", contacts_phone_today=5, contacts_visit_today=15, contacts_chat_today=0,
       contacts_omasote_today=0),
    *r("kajaani", date(2026, 12, 1), "23:59", contacts_phone_today=500),  # the next month
    # the stations' data start before every month compared here and go on after them (none of them is partial)
    *r("kajaani", date(2025, 10, 31), "23:59", contacts_phone_today=0),
    *r("sotkamo", date(2025, 10, 31), "23:59", contacts_phone_today=0),
    *r("sotkamo", date(2026, 12, 1), "23:59", contacts_phone_today=0),
    *r("sotkamo", date(2026, 11, 2), "23:59", contacts_phone_today=10, contacts_visit_today=10, contacts_chat_today=0,
       contacts_omasote_today=0),
    *r("sotkamo", date(2026, 11, 2), "10:00", queue_waiting=8), *r("sotkamo", date(2026, 11, 2), "11:00",
                                                                    queue_waiting=9),
]


@pytest.fixture
def board(tmp_path: Path) -> Iterator[object]:
    b = create_board(write_config(tmp_path / "config"), f"sqlite:///{tmp_path / 'board.sqlite'}")
    b.store.write_readings(READINGS, source="raportti", now=datetime(2026, 12, 2, tzinfo=UTC))
    yield b
    b.close()


def november(board, stations=("kajaani",)):  # type: ignore[no-untyped-def]
    span = month_span(2026, 11)
    return period_report(board.settings, board.store, span, [previous_month(span), year_earlier(span)],
                         list(stations))


def test_the_calendar_of_months_and_ranges():
    assert month_span(2026, 12) == (date(2026, 12, 1), date(2026, 12, 31))
    assert previous_month(month_span(2026, 1)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert year_earlier(month_span(2028, 2)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert year_earlier((date(2028, 2, 10), date(2028, 2, 29))) == (date(2027, 2, 10), date(2027, 2, 28))
    assert range_before((date(2026, 11, 10), date(2026, 11, 19))) == (date(2026, 10, 31), date(2026, 11, 9))


def test_a_month_against_the_month_before_and_a_year_earlier(board):
    kaj = november(board).stations[0]
    assert kaj.figures["contacts_total"] == 140
    assert kaj.figures["contacts_remote_share"] == pytest.approx(60 / 140)
    assert kaj.figures["queue_peak"] == 12 and kaj.figures["omasote_unanswered"] == 5
    october, a_year_ago = kaj.compared
    assert october["contacts_total"] == 20 and october["contacts_remote_share"] == pytest.approx(0.5)
    assert a_year_ago["contacts_total"] == 20 and a_year_ago["contacts_remote_share"] == pytest.approx(0.25)
    assert kaj.change("contacts_total", 0) == 120 and kaj.change("contacts_remote_share", 1) == pytest.approx(
        60 / 140 - 0.25)
    assert kaj.days[date(2026, 11, 3)]["contacts_total"] is None  # a day without data is not 0


def test_several_stations_together_peak_at_the_same_moment(board):
    together = november(board, ("kajaani", "sotkamo")).total
    assert together.figures["contacts_total"] == 160
    assert together.days[date(2026, 11, 2)]["queue_peak"] == 20


def test_the_month_csv_and_xlsx(board):
    report = november(board, ("kajaani", "sotkamo"))
    rows = list(csv.reader(io.StringIO(export_period.period_csv(report, "fi").decode("utf-8-sig")), delimiter=";"))
    col = {name: i for i, name in enumerate(rows[0])}
    month = next(x for x in rows if x[0] == "Kajaanin terveysasema" and x[1] == "1.11.2026–30.11.2026")
    assert month[col["Yhteydenotot yhteensä"]] == "140" and month[col["Etäasioinnin osuus (%)"]] == "42,9"
    change = next(x for x in rows if x[0] == "Kajaanin terveysasema" and x[1] == "muutos – 1.11.2025–30.11.2025")
    assert change[col["Etäasioinnin osuus (%)"]] == "17,9"
    assert sum(1 for x in rows if x[0] == "Kajaanin terveysasema" and x[2]) == 30  # every day of November
    sheet = openpyxl.load_workbook(io.BytesIO(export_period.period_xlsx(report, "fi"))).active
    head = [c.value for c in sheet[1]]
    r_ = next(i for i in range(2, sheet.max_row + 1) if sheet.cell(i, 1).value == "Valitut yhteensä"
              and sheet.cell(i, 2).value == "1.11.2026–30.11.2026")
    assert sheet.cell(r_, head.index("Yhteydenotot yhteensä") + 1).value == 160


def test_a_free_range_against_the_range_before(board):
    span = (date(2026, 11, 2), date(2026, 11, 2))
    report = period_report(board.settings, board.store, span, [range_before(span)], ["kajaani"])
    assert report.stations[0].figures["contacts_total"] == 100
    assert report.compared == [(date(2026, 11, 1), date(2026, 11, 1))]


def test_the_monthly_page_shows_the_month_and_its_changes(tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import pages_reading

    root = Path(__file__).resolve().parent.parent
    config = write_config(tmp_path / "page-config")
    with pages_reading(create_board(config, f"sqlite:///{tmp_path / 'page.sqlite'}", sign_in="off")) as b:
        b.store.write_readings(READINGS, source="raportti", now=datetime(2026, 12, 2, tzinfo=UTC))
        at = AppTest.from_file(str(root / "pages/month.py"), default_timeout=60)
        at.query_params["month"] = "2026-11"
        at.query_params["station"] = "kajaani"
        at.run()
        assert not at.exception, at.exception
        assert at.title[0].value == "Kuukausinäkymä"
        assert at.selectbox(key="month_select").value == "2026-11"
        shown = {m.label: (m.value, m.proto.delta) for m in at.metric}
        contacts = next(v for k, v in shown.items() if k.startswith("Yhteydenotot"))
        assert contacts == ("140", "+120 ed. kuukauteen")
        assert "Omasote vastaamatta kuukauden lopussa" in shown
        table = at.dataframe[0].value
        assert list(table["Asema"]) == ["Kajaanin terveysasema"]
        bad = AppTest.from_file(str(root / "pages/month.py"), default_timeout=60)
        bad.query_params["month"] = "2099-01"
        bad.run()
        assert not bad.exception and any("2099-01" in h.value for h in bad.html)


@pytest.mark.parametrize("stations", [("kajaani",), ("kajaani", "sotkamo")])
def test_a_month_not_over_states_no_change(board, stations):
    """Days so far are not set against a whole month: on 2.12 the month page said contacts "−11 963 ed.
    kuukauteen" (session 15). November read on its last day is unfinished; read the day after, it is over."""
    span = month_span(2026, 11)
    compared = [previous_month(span), year_earlier(span)]
    on_last_day = period_report(board.settings, board.store, span, compared, list(stations), date(2026, 11, 30))
    day_after = period_report(board.settings, board.store, span, compared, list(stations), date(2026, 12, 1))
    assert on_last_day.unfinished and not day_after.unfinished
    for rep in (on_last_day, day_after):  # the figures themselves are the same
        assert rep.total.figures["contacts_total"] == (140 if len(stations) == 1 else 160)
        assert rep.total.compared[0]["contacts_total"] == 20
    assert day_after.total.change("contacts_total", 0) == (120 if len(stations) == 1 else 140)
    for entry in on_last_day.rows:
        assert entry.change("contacts_total", 0) is None and entry.change("contacts_remote_share", 1) is None

    def change_rows(rep) -> list[list[str]]:  # type: ignore[no-untyped-def]
        rows = csv.reader(io.StringIO(export_period.period_csv(rep, "fi", None).decode("utf-8-sig")), delimiter=";")
        return [row for row in rows if row[1].startswith("muutos")]

    assert any("120" in row[2:] for row in change_rows(day_after))  # Kajaani's row: 140 against 20
    assert change_rows(on_last_day) and all(not any(row[2:]) for row in change_rows(on_last_day))


def test_the_monthly_page_of_this_month_says_it_is_in_progress_and_states_no_change(tmp_path):
    """The month of today (Helsinki, the real clock: any day of any month) is "(kesken)" in the month picker, its
    figures so far are shown, with no change against the previous whole month, and a line says why."""
    from streamlit.testing.v1 import AppTest

    from board.domain.timeutil import local_date, utcnow
    from tests.conftest import pages_reading

    root = Path(__file__).resolve().parent.parent
    today = local_date(utcnow())
    first = today.replace(day=1)
    before = previous_month(month_span(first.year, first.month))[0]
    readings = [*r("kajaani", before, "12:00", contacts_phone_today=5, contacts_visit_today=15, contacts_chat_today=0,
                   contacts_omasote_today=0),
                *r("kajaani", first, "00:00", contacts_phone_today=30, contacts_visit_today=10,
                   contacts_chat_today=0, contacts_omasote_today=0)]
    config = write_config(tmp_path / "page-config")
    with pages_reading(create_board(config, f"sqlite:///{tmp_path / 'page.sqlite'}", sign_in="off")) as b:
        b.store.write_readings(readings, source="raportti", now=utcnow())
        at = AppTest.from_file(str(root / "pages/month.py"), default_timeout=60)
        at.query_params["month"] = f"{first:%Y-%m}"
        at.query_params["station"] = "kajaani"
        at.run()
        if local_date(utcnow()).replace(day=1) != first:
            pytest.skip("the month ended while the page was drawn")
        assert not at.exception, at.exception
        picker = at.selectbox(key="month_select")
        assert picker.value == f"{first:%Y-%m}"
        assert picker.format_func(picker.value).endswith(" (kesken)")
        assert not picker.format_func(f"{before:%Y-%m}").endswith(" (kesken)")
        shown = {m.label: (m.value, m.proto.delta) for m in at.metric}
        contacts = next(v for k, v in shown.items() if k.startswith("Yhteydenotot"))
        assert contacts == ("40", "")  # 40 so far against 20: no "+20 ed. kuukauteen"
        assert "Omasote vastaamatta nyt" in shown and "Omasote vastaamatta kuukauden lopussa" not in shown
        assert any(c.value.startswith("Kuukausi on kesken") for c in at.caption)
