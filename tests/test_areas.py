"""Wellbeing areas: one file of stations per area beside stations.yaml, and the overview, weekly and monthly
views scoped to an area by ``?area=``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from board.collector import Collector
from board.domain.timeutil import local_date, utcnow
from board.domain.weeks import IsoWeek
from board.environment import ConfigError
from board.factory import create_board
from board.settings import load_settings
from tests.conftest import pages_reading

ROOT = Path(__file__).resolve().parent.parent
#: The shipped stations.yaml's stations, in its order (its area: kainuu).
SHIPPED = yaml.safe_load((ROOT / "config" / "stations.yaml").read_text(encoding="utf-8"))
KAINUU = [s["code"] for s in SHIPPED["stations"]]
OULU = {"area": {"code": "pohjois-pohjanmaa", "name": "Pohjois-Pohjanmaan hyvinvointialue"},
        "default_opening_hours": {"mon": "07:00-15:00"},
        "exception_days": {"2026-12-23": "closed"},
        "stations": [{"code": "oulu", "name": "Oulun terveysasema", "municipality": "Oulu", "population": 20000},
                     {"code": "raahe", "name": "Raahen terveysasema", "municipality": "Raahe",
                      "opening_hours": {"tue": "09:00-12:00"}}]}


def _with_area(config_dir: Path, **extra: object) -> Path:
    (config_dir / "stations.d").mkdir(exist_ok=True)
    (config_dir / "stations.d" / "pohjois-pohjanmaa.yaml").write_text(
        yaml.safe_dump({**OULU, **extra}, allow_unicode=True), encoding="utf-8")
    return config_dir


def test_an_area_file_adds_its_stations_with_its_own_hours(config_dir: Path):
    settings = load_settings(_with_area(config_dir), "sqlite://")
    assert settings.areas == {"kainuu": "Kainuun hyvinvointialue",
                              "pohjois-pohjanmaa": "Pohjois-Pohjanmaan hyvinvointialue"}
    assert [s.code for s in settings.stations] == [*KAINUU, "oulu", "raahe"]
    assert settings.area_stations(["pohjois-pohjanmaa"]) == ["oulu", "raahe"]
    assert settings.area_stations(["kainuu"]) == KAINUU and len(settings.area_stations([])) == len(KAINUU) + 2
    # the area file's default hours and exception days are its stations', not Kainuu's
    oulu, raahe = settings.opening_hours("oulu"), settings.opening_hours("raahe")
    assert oulu.span_on(date(2026, 11, 30)) == (7 * 60, 15 * 60)  # a Monday: the area's 07-15 (minutes)
    assert oulu.span_on(date(2026, 12, 23)) is None  # the area's exception day
    assert raahe.span_on(date(2026, 11, 30)) is None  # its own hours: Tuesdays only
    assert settings.opening_hours("kajaani").span_on(date(2026, 12, 23)) is not None


def test_a_station_code_in_two_files_is_refused(config_dir: Path):
    twice = {"code": "kajaani", "name": "Toinen Kajaani", "municipality": "Kajaani"}
    with pytest.raises(ConfigError, match=r"pohjois-pohjanmaa.yaml: station code 'kajaani' is also in"):
        load_settings(_with_area(config_dir, stations=[twice]), "sqlite://")


def test_a_configuration_without_areas_is_one_default_area(config_dir: Path):
    shipped = yaml.safe_load((config_dir / "stations.yaml").read_text(encoding="utf-8"))
    del shipped["area"]
    (config_dir / "stations.yaml").write_text(yaml.safe_dump(shipped, allow_unicode=True), encoding="utf-8")
    settings = load_settings(config_dir, "sqlite://")
    assert settings.areas == {"default": "default"} and {s.area for s in settings.stations} == {"default"}


@pytest.fixture
def two_areas(config_dir: Path, sqlite_url: str) -> Iterator[None]:
    with pages_reading(create_board(_with_area(config_dir), sqlite_url, sign_in="off")) as board:
        Collector(board.settings, board.store).run_once()
        yield


def _overview_rows(at: AppTest) -> list[str]:
    html = next(h.value for h in at.html if '<table class="ov"' in h.value)
    return re.findall(r'<tr data-station="([a-z-]+)"', html)


def test_the_overview_shows_the_area_of_the_url(two_areas: None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["area"] = "Pohjois-Pohjanmaa"
    at.run()
    assert not at.exception, at.exception
    assert sorted(_overview_rows(at)) == ["oulu", "raahe"]
    at.multiselect(key="w_area").set_value(["kainuu"]).run()
    assert sorted(_overview_rows(at)) == sorted(KAINUU) and at.query_params["area"] == "kainuu"
    at.multiselect(key="w_area").set_value([]).run()
    assert len(_overview_rows(at)) == len(KAINUU) + 2 and "area" not in at.query_params


@pytest.mark.parametrize("page", ["pages/week.py", "pages/month.py"])
def test_the_weekly_and_monthly_views_cover_the_area_of_the_url(two_areas: None, page: str):
    today = local_date(utcnow())  # the collector's cycle loaded today: this week and this month have data
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    at.query_params["area"] = "pohjois-pohjanmaa"
    if page == "pages/week.py":
        at.query_params["week"] = IsoWeek.of(today).key
    else:
        at.query_params["month"] = f"{today.year}-{today.month:02d}"
    at.run()
    assert not at.exception, at.exception
    picker = at.multiselect[0]
    assert picker.options == ["Oulun terveysasema", "Raahen terveysasema"]  # only the area's stations offered
    tables = " ".join(d.value.to_string() for d in at.dataframe)  # the table per station
    assert "Oulun terveysasema" in tables and "Raahen" in tables and "Kajaanin" not in tables
    if page == "pages/week.py":
        scope = next(h.value for h in at.html if "week-scope" in h.value)
        assert "Pohjois-Pohjanmaan hyvinvointialue" in scope
        assert any("print=1&station=oulu&station=raahe)" in m.value for m in at.markdown)  # the exports' scope
