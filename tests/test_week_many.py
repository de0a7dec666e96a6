"""The weekly view of many stations (a shared service centre's, or the whole country's): charts by wellbeing
area, the highest queue peaks only, and a daily table of the stations together.

Forty stations in three areas (Kainuu's eight and two areas of sixteen), one
Monday of readings written to a SQLite store: station *i* has ``10 + i``
phone, ``i`` Omasote, no chat and 5 visit contacts, and a queue of ``i``
at 11.00. The expected figures are computed here from those numbers, not by
the board's code.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from board.domain.reading import Reading
from board.domain.timeutil import HELSINKI, UTC
from board.factory import Board, create_board
from board.i18n import t
from board.read import week as weekly
from board.web import week_charts as charts
from board.web import week_support as ws
from tests.conftest import pages_reading

ROOT = Path(__file__).resolve().parent.parent
MONDAY = date(2026, 11, 16)  # week 2026-W47
AREAS = {"alue-a": "Alueen A hyvinvointialue", "alue-b": "Alueen B hyvinvointialue"}


def _at(clock: str) -> datetime:
    return datetime.combine(MONDAY, time.fromisoformat(clock), HELSINKI).astimezone(UTC)


@pytest.fixture
def many(config_dir: Path, sqlite_url: str) -> Iterator[Board]:
    (config_dir / "stations.d").mkdir(exist_ok=True)
    for code, name in AREAS.items():
        stations = [{"code": f"{code}-{i:02d}", "name": f"Asema {code} {i}", "municipality": f"Kunta {code} {i}"}
                    for i in range(16)]
        (config_dir / "stations.d" / f"{code}.yaml").write_text(
            yaml.safe_dump({"area": {"code": code, "name": name}, "stations": stations}, allow_unicode=True),
            encoding="utf-8")
    board = create_board(config_dir, sqlite_url, sign_in="off")
    readings = []
    for i, station in enumerate(board.settings.stations):
        readings += [Reading(station.code, "contacts_phone_today", _at("23:59"), float(10 + i)),
                     Reading(station.code, "contacts_omasote_today", _at("23:59"), float(i)),
                     Reading(station.code, "contacts_chat_today", _at("23:59"), 0.0),
                     Reading(station.code, "contacts_visit_today", _at("23:59"), 5.0),
                     Reading(station.code, "queue_waiting", _at("11:00"), float(i))]
    board.store.write_readings(readings, "test", _at("23:59"))
    with pages_reading(board):
        yield board


def test_many_stations_are_charted_by_area(many: Board):
    settings = many.settings
    assert len(settings.stations) == 40 and ws.CHART_STATIONS < 40
    report = weekly.week_report(settings, many.store, 2026, 47)
    index = {s.code: i for i, s in enumerate(settings.stations)}
    assert [a.code for a in report.areas] == ["kainuu", *AREAS]
    for area in report.areas:
        members = [index[s.code] for s in settings.stations if s.area == area.code]
        total = sum((10 + i) + i + 0 + 5 for i in members)
        assert area.week["contacts_total"] == total
        assert area.week["contacts_remote_share"] == pytest.approx(sum(10 + 2 * i for i in members) / total)
        assert area.week["queue_peak"] is None  # an area's combined peak is not computed (see _area_weeks)
    assert ws.chart_rows(report) == [*report.areas, report.total]
    fig = charts.by_station(report, "contacts_remote_share", "fi", rows=ws.chart_rows(report))
    names = list(fig.data[0].y)[::-1]  # drawn bottom-up
    assert names[:3] == ["Kainuun hyvinvointialue", *AREAS.values()] and len(names) == 4
    assert "hyvinvointialueittain" in fig.layout.title.subtitle.text


def test_the_heatmap_shows_the_highest_queue_peaks(many: Board):
    report = weekly.week_report(many.settings, many.store, 2026, 47)
    fig = charts.queue_peaks(report, "fi", top=ws.PEAK_ROWS)
    shown = list(fig.data[0].y)[::-1]  # top row first
    expected = [s.municipality or s.name for s in many.settings.stations][::-1][:ws.PEAK_ROWS]  # queue i: last highest
    assert shown == expected
    assert fig.data[0].z[-1][0] == 39.0  # the highest, Monday
    assert "15" in fig.layout.title.text and "40" in fig.layout.title.text


def test_the_daily_table_of_many_stations_is_the_stations_together(many: Board):
    report = weekly.week_report(many.settings, many.store, 2026, 47)
    table = ws.daily_table(report, "fi")
    stations = set(table.iloc[:, 0]) - {""}  # the target row has no station
    assert stations == {t("week.all_selected", "fi")}
    assert len(table) in (10, 11)  # seven days, the week, the previous week, the change (and the targets)
    one_area = weekly.week_report(many.settings, many.store, 2026, 47, many.settings.area_stations(["alue-a"]))
    assert ws.chart_rows(one_area) is None and one_area.areas == []  # 16 stations: each its own bar and rows
    assert len(set(ws.daily_table(one_area, "fi").iloc[:, 0]) - {""}) == 17  # the 16 and the area together


def test_the_page_of_many_stations_runs(many: Board):
    at = AppTest.from_file(str(ROOT / "pages" / "week.py"), default_timeout=120)
    at.query_params["week"] = "2026-W47"
    at.run()
    assert not at.exception, at.exception
    assert any("40 valittua asemaa" in c.value for c in at.caption)
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert len(specs) == 6 and any("hyvinvointialueittain" in spec for spec in specs)


def test_the_page_leaves_each_station_s_days_to_the_downloads(many: Board):
    """Each station's days (their figures, and access to care judged per day) are computed only when a download
    asks for them: at 900 stations they cost ~0.3 s of every cold page run, which shows the stations' weeks, the
    days of all of them together and the days of the 15 highest queue peaks. The files still have every day."""
    from board import export
    from board.web import access_page as care

    at = AppTest.from_file(str(ROOT / "pages" / "week.py"), default_timeout=120)
    at.query_params["week"] = "2026-W47"
    at.run()
    assert not at.exception, at.exception
    report = ws.report("2026-W47", (), None)  # the page's own report: shared, so this is the same object
    compared = report.compared_days
    access = care.report(report.week.monday, report.week.sunday, (), (compared[0], compared[-1]))

    def computed(days: object) -> bool:
        return getattr(days, "_figures", getattr(days, "_judged", days)) is not None

    shown = sum(computed(r.days) for r in report.stations)
    assert shown <= ws.PEAK_ROWS  # the heatmap's rows only
    assert not any(computed(r.days) for r in access.rows)
    # days with data counted without the figures: Monday for every station
    assert [r.days_with_data for r in report.stations] == [1] * 40
    csv = export.week_csv(report, "fi", access).decode("utf-8-sig").splitlines()
    assert len(csv) == 1 + 41 * 10 + (1 if any(report.targets.values()) else 0)  # each day of each station
    assert sum(computed(r.days) for r in report.stations) == 40
    assert [r.days_with_data for r in report.stations] == [1] * 40  # the same with the figures computed


def test_the_reports_pickle_with_their_days(many: Board):
    """``st.cache_data`` pickles a report (the monthly page caches its access-to-care report so): the days
    computed when first read pickle as what they are, a list and a dict of every day."""
    import pickle

    from board.read.access_to_care import access_report

    report = weekly.week_report(many.settings, many.store, 2026, 47)
    again = pickle.loads(pickle.dumps(report))
    assert again == report and isinstance(again.stations[0].days, list)
    access = access_report(many.settings, many.store, MONDAY, date(2026, 11, 22))
    again = pickle.loads(pickle.dumps(access))
    assert again == access and isinstance(again.stations[0].days, dict) and len(again.stations[0].days) == 7
