"""The header: links to the pages, the language carried between pages and kept on reload (AppTest).

Which role sees which links is in tests/test_access_pages.py; the browser
side (tab titles, a click from page to page) in tests/test_browser_navigation.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from board.store import Store

ROOT = Path(__file__).resolve().parent.parent
LABELS = {
    "fi": ["Tilannekuva", "Hälytykset", "Viikkonäkymä", "Kuukausinäkymä", "Tiedotteet", "Merkinnät", "Käsin syöttö",
           "Lähteet", "Seinänäyttö"],
    "sv": ["Lägesbild", "Larm", "Veckovy", "Månadsvy", "Meddelanden", "Anteckningar", "Manuell inmatning", "Källor",
           "Väggskärm"],
    "en": ["Overview", "Alerts", "Weekly view", "Monthly view", "Notices", "Notes", "Manual entry", "Sources",
           "Wall display"],
}


def app(page: str, **params: str) -> AppTest:
    """``page`` through app.py's navigation (the links name pages relative to it), not run yet."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    if page != "pages/home.py":
        at.switch_page(page)
    return at


def links(at: AppTest) -> list[tuple[str, str]]:
    return [(p.proto.label, p.proto.query_string) for p in at.get("page_link")]


@pytest.mark.parametrize("page", ["pages/home.py", "pages/week.py", "pages/month.py", "pages/notices.py",
                                  "pages/sources.py", "pages/alerts.py", "pages/notes.py", "pages/manual.py"])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_page_but_the_wall_has_the_header_in_its_language(seeded: Store, page: str, lang: str):
    at = app(page, lang=lang).run()
    assert not at.exception, at.exception
    assert links(at) == [(label, f"lang={lang}") for label in LABELS[lang]]
    assert at.selectbox(key="lang_select").value == lang


def test_the_wall_has_no_header(seeded: Store):
    at = app("pages/wall.py", station="kajaani").run()
    assert not at.exception and not at.get("page_link") and not at.selectbox


def test_a_language_chosen_in_the_header_is_kept_in_the_url_and_the_session(seeded: Store):
    at = app("pages/week.py", week="2026-W47").run()
    assert at.title[0].value == "Viikkonäkymä"
    at.selectbox(key="lang_select").set_value("sv").run()
    assert not at.exception, at.exception
    assert at.query_params["lang"] == "sv" and at.query_params["week"] == "2026-W47"  # the rest stays
    assert at.title[0].value == "Veckovy" and links(at)[0] == ("Lägesbild", "lang=sv")
    # An address typed without ?lang in the same browser session: still Swedish, and put back into the URL
    del at.query_params["lang"]
    at.run()
    assert at.title[0].value == "Veckovy" and at.query_params["lang"] == "sv"


def test_without_a_choice_the_configured_language(seeded: Store):
    at = app("pages/notices.py").run()
    assert links(at)[0] == ("Tilannekuva", "lang=fi") and "lang" not in at.query_params


@pytest.mark.parametrize("page", ["pages/home.py", "pages/week.py", "pages/notices.py", "pages/alerts.py"])
def test_no_streamlit_english_in_the_finnish_choices(seeded: Store, page: str):
    """Streamlit's own "Select all" (English only; on /notices it ticked "Kaikki asemat" and every station) is
    off, and every multiselect has its own Finnish placeholder instead of "Choose options"."""
    at = app(page).run()
    assert not at.exception, at.exception
    assert at.multiselect
    for box in at.multiselect:
        assert box.proto.select_all == 0, box.label
        assert box.proto.placeholder and box.proto.placeholder != "Choose options", box.label
