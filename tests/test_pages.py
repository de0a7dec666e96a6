"""Streamlit pages through AppTest: the numbers shown are the numbers stored."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from board.factory import create_board
from board.store import Store
from board.web.streamlit_support import use_board
from tests.conftest import pages_reading

ROOT = Path(__file__).resolve().parent.parent


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z_]+)" data-value="([^"]*)"', html))


def run(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def wall_html(at: AppTest) -> str:
    return next(h.value for h in at.html if 'class="wall' in h.value)


def test_wall_shows_the_stored_numbers(seeded: Store):
    at = run("pages/wall.py", station="kajaani")
    html = wall_html(at)
    shown = figures(html)
    latest = {m: v.value for m, v in seeded.latest_values("kajaani").items()}
    assert float(shown["queue_waiting"]) == latest["queue_waiting"]
    assert float(shown["omasote_unanswered"]) == latest["omasote_unanswered"]
    if latest["queue_waiting"] > 0:
        assert float(shown["queue_oldest_wait_min"]) == latest["queue_oldest_wait_min"]
    else:  # nothing waits: no "oldest wait" to show
        assert shown["queue_oldest_wait_min"] == ""
    total = sum(latest[f"contacts_{c}_today"] for c in ("phone", "omasote", "chat", "visit"))
    assert float(shown["contacts_total_today"]) == total
    assert "Kajaanin terveysasema" in html
    assert "päivitetty klo" in html
    assert html.count('data-status="') == 4  # four tiles, each with a status


def test_wall_in_swedish(seeded: Store):
    html = wall_html(run("pages/wall.py", station="paltamo", lang="sv"))
    assert "Återuppringningar" in html and "Paltamon terveysasema" in html


def test_wall_without_a_station_offers_every_station(seeded: Store):
    at = run("pages/wall.py", station="oulu")
    html = next(h.value for h in at.html if "station-links" in h.value)
    assert "Tuntematon asema oulu" in html
    assert len(re.findall(r'href="\?station=', html)) == 8


def test_wrong_configuration_is_shown_in_words(seeded: Store, config_dir: Path, sqlite_url: str):
    (config_dir / "metrics.yaml").write_text("thresholds:\n  queue_waiting: {amber: 30, red: 10}\n")
    use_board(lambda: create_board(config_dir, sqlite_url, sign_in="off"))  # the pages read the files afresh
    at = run("pages/wall.py", station="kajaani")
    assert "metrics.yaml: thresholds.queue_waiting" in at.error[0].value


def test_wall_says_in_words_when_the_store_cannot_be_read(config_dir: Path):
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    with pages_reading(create_board(config_dir, unreachable)):
        at = run("pages/wall.py", station="kajaani")
    html = next(h.value for h in at.html if 'class="wall' in h.value)
    assert 'data-unavailable="true"' in html and "Tietoja ei saada juuri nyt" in html
    assert "data-figure" not in html  # no numbers at all rather than old ones
