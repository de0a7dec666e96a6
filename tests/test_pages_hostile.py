"""Pages under hostile input and a broken store (issue 19, item 10), through Streamlit's AppTest.

* A forged widget value (a websocket message can set a multiselect to any
  string) was stored as a notice's station code; now only configured codes
  (or "all") are taken and anything else is refused with the usual message.
* With the store down, ``/`` and ``/notices`` showed a 44-frame traceback;
  now they say in words that the data cannot be read, and keep refreshing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from board.factory import create_board
from board.store import Store
from tests.conftest import pages_reading
from tests.harness import ROOT

DOWN = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # nothing listens on port 1


@pytest.fixture
def board(config_dir: Path, sqlite_url: str) -> Iterator[Store]:
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as b:
        yield b.store


def _page(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.run()
    return at


def test_a_forged_station_code_is_not_stored_with_a_notice(board: Store) -> None:
    at = _page("pages/notices.py")
    assert not at.exception, at.exception
    at.text_area(key="notice_text").input("Puhelinpalvelu ruuhkautunut")
    at.text_input(key="notice_author").input("Maija Vastaava")
    at.session_state["notice_stations"] = ["<img src=x>", "kajaani"]  # what a forged message sets
    at.button(key="notice_post").click().run()
    assert not at.exception, at.exception
    assert board.notices() == []
    assert any("asema" in e.value.lower() for e in at.error), [e.value for e in at.error]


@pytest.mark.parametrize("page", ["app.py", "pages/notices.py"])  # app.py: the overview, with its page links
def test_with_the_store_down_a_page_says_so_without_a_traceback(config_dir: Path, page: str) -> None:
    with pages_reading(create_board(config_dir, DOWN, sign_in="off")):
        at = _page(page)
    assert not at.exception, [e.value for e in at.exception][:1]
    assert any("Tietoja ei voi lukea juuri nyt" in e.value for e in at.error), [e.value for e in at.error]
