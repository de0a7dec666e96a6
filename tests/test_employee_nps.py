"""Employee feedback (henkilöstön NPS): shown to managers only with enough answers, never on the wall.

Truths by hand: Kajaani's week has 4 + 2 promoters, 1 + 0 passives, 1 + 1 detractors = 9 answers, NPS
(6 − 2) / 9 · 100 = +44; Paltamo 2 + 1 = 3 answers (< 5: hidden); Sotkamo 5 promoters + 1 detractor
= 6 answers, NPS +67. The previous week Kajaani 2, 2, 1 = 5 answers, NPS +20.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from board.domain.employee_nps import EmployeeNps, period, together
from board.domain.figures import TILE_LAYOUT, WALL_FAMILIES, Family
from board.domain.reading import Reading
from board.domain.timeutil import at_local
from board.factory import create_board
from board.read.employee_nps import employee_report
from board.read.wall import station_view
from board.web import employee_html
from tests.conftest import pages_reading, write_config

ROOT = Path(__file__).resolve().parent.parent
MON, TUE = date(2026, 11, 16), date(2026, 11, 17)
PREV = date(2026, 11, 10)


def answers(station: str, d: date, promoters: int, passives: int, detractors: int) -> list[Reading]:
    out = []
    for clock, part in ((time(11), 0.5), (time(23, 59), 1.0)):  # a running total, then the day's last
        ts = at_local(d, clock)
        out += [Reading(station, m, ts, float(int(v * part))) for m, v in (
            ("staff_promoters_today", promoters), ("staff_passives_today", passives),
            ("staff_detractors_today", detractors))]
    return out


READINGS = [*answers("kajaani", MON, 4, 1, 1), *answers("kajaani", TUE, 2, 0, 1),
            *answers("paltamo", MON, 2, 0, 0), *answers("paltamo", TUE, 0, 0, 1),
            *answers("sotkamo", TUE, 5, 0, 1), *answers("kajaani", PREV, 2, 2, 1)]


@pytest.fixture
def board(tmp_path: Path) -> Iterator[object]:
    config_dir = write_config(tmp_path / "config")
    with pages_reading(create_board(config_dir, f"sqlite:///{tmp_path / 'board.sqlite'}", sign_in="off")) as b:
        b.store.write_readings(READINGS, source="kysely", now=datetime(2026, 11, 24, tzinfo=UTC))
        yield b


def week(board, stations):  # type: ignore[no-untyped-def]
    return employee_report(board.settings, board.store, MON, date(2026, 11, 22), stations,
                           (date(2026, 11, 9), date(2026, 11, 15)))


def test_a_station_with_enough_answers_shows_its_score_and_change(board):
    kaj = week(board, ["kajaani"]).stations[0]
    assert (kaj.now.answers, kaj.now.score) == (9, pytest.approx(400 / 9))
    assert kaj.previous.score == pytest.approx(20) and kaj.change() == pytest.approx(400 / 9 - 20)


def test_too_few_answers_hide_the_score_and_the_count(board):
    palt = week(board, ["paltamo"]).stations[0]
    assert palt.now.too_few and palt.now.score is None and palt.now.shown_answers is None
    page = html.unescape(employee_html.render(week(board, ["paltamo"]), "fi"))
    assert "liian vähän vastauksia" in page and ">3<" not in page


def test_the_total_is_hidden_when_it_would_give_a_hidden_station_away(board):
    # Kajaani (9, shown) + Paltamo (3, hidden): the total minus Kajaani would be Paltamo's answers
    assert not week(board, ["kajaani", "paltamo"]).total.now.shown
    # Kajaani + Sotkamo, both shown: the total is theirs together, (6 + 5 − 2 − 1) / 15
    both = week(board, ["kajaani", "sotkamo"]).total.now
    assert both.shown and both.score == pytest.approx(100 * 8 / 15)


def test_two_hidden_stations_together_with_enough_answers_may_be_in_the_total():
    small = [EmployeeNps(2, 0, 1, shown=False), EmployeeNps(1, 1, 0, shown=False)]
    big = EmployeeNps(10, 5, 5, shown=True)
    assert together([big, *small], 5).shown  # the hidden ones together have 5: no single one can be derived
    assert not together([big, small[0]], 5).shown
    assert period([{"staff_promoters_today": 4.0}], 5).shown is False


def test_the_minimum_is_configuration(board, tmp_path):
    config = write_config(tmp_path / "other")
    metrics = yaml.safe_load((config / "metrics.yaml").read_text(encoding="utf-8"))
    metrics["employee_nps"] = {"min_answers": 3}
    (config / "metrics.yaml").write_text(yaml.safe_dump(metrics), encoding="utf-8")
    other = create_board(config, board.settings.database_url)
    try:
        palt = employee_report(other.settings, board.store, MON, date(2026, 11, 22), ["paltamo"]).stations[0]
    finally:
        other.close()
    assert palt.now.shown and palt.now.score == pytest.approx(100 * (2 - 1) / 3)


def test_never_on_the_wall(board):
    assert Family.STAFF not in WALL_FAMILIES and Family.STAFF not in TILE_LAYOUT
    view = station_view(board.settings, board.store, "kajaani", at_local(TUE, time(12)))
    assert [tile.family for tile in view.tiles] == list(WALL_FAMILIES)


def test_the_weekly_page_shows_employee_nps(board):
    at = AppTest.from_file(str(ROOT / "pages/week.py"), default_timeout=60)
    at.query_params["week"] = "2026-W47"
    at.query_params["station"] = ["kajaani", "paltamo"]
    at.run()
    assert not at.exception, at.exception
    assert "Henkilöstön suositteluindeksi (NPS)" in [s.value for s in at.subheader]
    section = html.unescape(next(h.value for h in at.html if 'class="staff"' in h.value))
    assert "+44" in section and "liian vähän vastauksia" in section and "+24 ed. viikkoon" in section
