"""Access to care on the weekly view and in its exports, for the week the law changed (2025-W01).

The readings are the daily reports of two stations written as a source delivers them (an intraday running
total, then the day's last one); the truths are worked out by hand below, each day judged by its own rule:
Kajaani 30.-31.12 (14 days for all) 47 of 85 within the limit, 2.-3.1 (23 and over: 3 months) 75 of 80;
Sotkamo 11 of 12 and 7 of 9. The previous week (2024-W52) has Kajaani 10 of 20 within 14 days.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from board import export
from board.domain.reading import Reading
from board.domain.timeutil import at_local
from board.factory import create_board
from board.read import week as weekly
from board.read.access_to_care import access_report
from board.web import access_html
from tests.conftest import pages_reading, write_config

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("access_nonurgent_{g}_today", "access_nonurgent_{g}_within_14d_today", "access_nonurgent_{g}_within_3m_today")


def day(station: str, d: date, u23: tuple[int, int, int], adult: tuple[int, int, int],
        assessed: tuple[int, int] | None = None) -> list[Reading]:
    out = []
    for clock, share in ((time(12, 0), 0.5), (time(23, 59), 1.0)):  # a running total, then the day's last
        ts = at_local(d, clock)
        for g, values in (("u23", u23), ("23plus", adult)):
            out += [Reading(station, n.format(g=g), ts, float(int(v * share))) for n, v in zip(NAMES, values,
                                                                                                strict=True)]
        if assessed:
            out += [Reading(station, "access_assessments_today", ts, float(int(assessed[0] * share))),
                    Reading(station, "access_assessed_same_day_today", ts, float(int(assessed[1] * share)))]
    return out


READINGS = [
    *day("kajaani", date(2024, 12, 30), (10, 8, 10), (40, 20, 38), (120, 115)),
    *day("kajaani", date(2024, 12, 31), (5, 4, 5), (30, 15, 29), (80, 80)),
    *day("kajaani", date(2025, 1, 2), (6, 3, 6), (50, 10, 48), (150, 140)),
    *day("kajaani", date(2025, 1, 3), (4, 4, 4), (20, 5, 20), (60, 50)),
    *day("sotkamo", date(2024, 12, 30), (2, 2, 2), (10, 9, 10)),
    *day("sotkamo", date(2025, 1, 2), (1, 0, 1), (8, 2, 7)),
    *day("kajaani", date(2024, 12, 23), (4, 2, 4), (16, 8, 16), (100, 90)),  # the previous week
    Reading("kajaani", "access_t3_doctor_d", at_local(date(2024, 12, 1), time(8)), 35.0),
    Reading("kajaani", "access_t3_nurse_d", at_local(date(2024, 12, 1), time(8)), 182.0),
    Reading("sotkamo", "access_t3_doctor_d", at_local(date(2024, 12, 1), time(8)), 12.0),
    # the wall's figures for the same week, so the weekly view has its own part too
    Reading("kajaani", "contacts_phone_today", at_local(date(2024, 12, 30), time(23, 59)), 40.0),
]


@pytest.fixture
def board(tmp_path: Path) -> Iterator[object]:
    config_dir = write_config(tmp_path / "config")
    with pages_reading(create_board(config_dir, f"sqlite:///{tmp_path / 'board.sqlite'}", sign_in="off")) as b:
        b.store.write_readings(READINGS, source="raportti", now=datetime(2025, 1, 10, tzinfo=UTC))
        yield b


def reports(board, stations=("kajaani", "sotkamo")):  # type: ignore[no-untyped-def]
    week = weekly.week_report(board.settings, board.store, 2025, 1, list(stations))
    access = access_report(board.settings, board.store, date(2024, 12, 30), date(2025, 1, 5), list(stations),
                           (date(2024, 12, 23), date(2024, 12, 29)))
    return week, access


def test_the_csv_export_carries_access_to_care_in_columns_of_its_own(board):
    week, access = reports(board)
    text = export.week_csv(week, "fi", access).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    head = rows[0]
    col = {name: head.index(name) for name in head}

    def row(station: str, period: str) -> list[str]:
        return next(r for r in rows if r[0] == station and r[1] == period)

    kaj_week = row("Kajaanin terveysasema", "vko 1")
    assert kaj_week[col["Kiireettömät hoitotakuun sisällä (%)"]] == "73,9"  # 122 / 165
    assert kaj_week[col["Hoitotakuun sisällä 23 v täyttäneet (%)"]] == "73,6"  # (20 + 15 + 68) / 140
    assert kaj_week[col["Kiireettömät käynnit"]] == "165"
    assert kaj_week[col["Hoidon tarve arvioitu samana päivänä (%)"]] == "93,9"  # 385 / 410
    assert kaj_week[col["T3 lääkäri (vrk)"]] == "35,0" and kaj_week[col["T3 hoitaja (vrk)"]] == "182,0"
    # the previous week: 2 + 8 of 4 + 16 within 14 days; the change in percentage points
    assert row("Kajaanin terveysasema", "vko 52")[col["Kiireettömät hoitotakuun sisällä (%)"]] == "50,0"
    change = row("Kajaanin terveysasema", "muutos (osuudet %-yks.)")  # the label says: points, not %
    assert change[col["Kiireettömät hoitotakuun sisällä (%)"]] == "23,9"
    # a day alone: Thursday 2.1.2025 under the 2025 rule, 3 + 48 of 6 + 50
    thursday = next(r for r in rows if r[0] == "Kajaanin terveysasema" and r[2] == "2.1.2025")
    assert thursday[col["Kiireettömät hoitotakuun sisällä (%)"]] == "91,1"
    together = row("Valitut yhteensä", "vko 1")
    assert together[col["Kiireettömät hoitotakuun sisällä (%)"]] == "75,3"  # (122 + 18) / (165 + 21)
    assert together[col["T3 lääkäri (vrk)"]] == "35,0"  # the longest station's
    target = next(r for r in rows if r[1] == "tavoite")
    assert target[col["Kiireettömät hoitotakuun sisällä (%)"]] == "100,0"


def test_the_xlsx_export_has_fractions_and_days(board):
    week, access = reports(board)
    sheet = openpyxl.load_workbook(io.BytesIO(export.week_xlsx(week, "fi", access))).active
    head = [c.value for c in sheet[1]]
    within, t3 = head.index("Kiireettömät hoitotakuun sisällä (%)") + 1, head.index("T3 hoitaja (vrk)") + 1
    kaj = next(r for r in range(2, sheet.max_row + 1)
               if sheet.cell(r, 1).value == "Kajaanin terveysasema" and sheet.cell(r, 2).value == "vko 1")
    assert sheet.cell(kaj, within).value == pytest.approx(122 / 165)
    assert sheet.cell(kaj, within).number_format == "0.0 %"
    assert sheet.cell(kaj, t3).value == 182 and sheet.cell(kaj, t3).number_format == "0"


def test_without_access_data_the_exports_keep_their_columns(board):
    week, access = reports(board, ("paltamo",))
    assert not access.has_data
    assert export.week_csv(week, "fi", access) == export.week_csv(week, "fi")


def test_the_section_names_each_rule_and_marks_the_waiting_list(board):
    _, access = reports(board)
    page = html.unescape(access_html.render(access, "fi", "ed. viikkoon"))
    assert "Jakso osuu hoitotakuun muutokseen" in page
    assert "30.12.2024–31.12.2024: 14 vrk kaikille (terveydenhuoltolaki 51 §, HE 55/2023)" in page
    assert "1.1.2025–5.1.2025: alle 23 v 14 vrk, 23 v täyttäneet 3 kk (terveydenhuoltolaki 51 §, HE 134/2024)" in page
    assert "≥\u00a0182\u00a0vrk" in page and "jonotuslista, tilanne 1.12.2024" in page
    assert "74\u00a0%" in page and "+24\u00a0%-yks. ed. viikkoon" in page
    english = html.unescape(access_html.render(access, "en", "vs previous week"))
    assert "each day is judged by its own rule" in english and "waiting list" in english


def test_the_weekly_page_shows_access_to_care(board):
    at = AppTest.from_file(str(ROOT / "pages/week.py"), default_timeout=60)
    at.query_params["week"] = "2025-W01"
    at.query_params["station"] = ["kajaani", "sotkamo"]
    at.run()
    assert not at.exception, at.exception
    assert "Hoitoon pääsy" in [s.value for s in at.subheader]
    section = html.unescape(next(h.value for h in at.html if 'class="access"' in h.value))
    assert "Kajaanin terveysasema" in section and "Valitut yhteensä" in section
    assert "74\u00a0%" in section and "Jakso osuu hoitotakuun muutokseen" in section


def test_the_weekly_page_without_access_data_has_no_section(board):
    at = AppTest.from_file(str(ROOT / "pages/week.py"), default_timeout=60)
    at.query_params["week"] = "2025-W01"
    at.query_params["station"] = "paltamo"
    at.run()
    assert not at.exception, at.exception
    assert "Hoitoon pääsy" not in [s.value for s in at.subheader]
