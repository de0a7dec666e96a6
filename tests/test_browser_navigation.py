"""Moving between pages in a real Chromium: the header's links, each page's tab title, the language kept.

Opens the overview in Swedish, follows the header to the weekly view, the
notices and the sources, reloads, and goes back: every page stays Swedish
and has its own tab title. Screenshots of the header (fi and sv) land in
``test-artifacts/`` (and in ``$NAV_SHOTS`` when set, for a closing note).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import ARTIFACTS

pytestmark = pytest.mark.browser

TITLES = {
    "sv": {"/": "Lägesbild · Ohjaustaulu", "/week": "Veckovy · Ohjaustaulu", "/notices": "Meddelanden · Ohjaustaulu",
           "/sources": "Källor · Ohjaustaulu"},
    "fi": {"/": "Tilannekuva · Ohjaustaulu", "/week": "Viikkonäkymä · Ohjaustaulu",
           "/notices": "Tiedotteet · Ohjaustaulu", "/sources": "Lähteet · Ohjaustaulu"},
}
HEADINGS = {"sv": {"/": "Lägesbild", "/week": "Veckovy", "/notices": "Meddelanden", "/sources": "Datakällor"},
            "fi": {"/": "Tilannekuva", "/week": "Viikkonäkymä", "/notices": "Tiedotteet", "/sources": "Tietolähteet"}}


def shots() -> list[Path]:
    out = [ARTIFACTS]
    if os.environ.get("NAV_SHOTS"):
        out.append(Path(os.environ["NAV_SHOTS"]))
    for d in out:
        d.mkdir(parents=True, exist_ok=True)
    return out


def wait_for_page(page, path: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("t => document.title === t", arg=TITLES[lang][path], timeout=30_000)
    page.wait_for_selector('[data-testid="stPageLink"]', timeout=30_000)
    page.wait_for_function("h => [...document.querySelectorAll('h1')].some(e => e.textContent.startsWith(h))",
                           arg=HEADINGS[lang][path], timeout=30_000)


def header_labels(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all('[data-testid="stPageLink"] a', "els => els.map(e => e.innerText.trim())")


@pytest.mark.parametrize("lang", ["sv", "fi"])
def test_the_header_moves_between_pages_and_keeps_the_language(server, browser, lang: str):
    base, _store = server
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    try:
        page.goto(f"{base}/?lang={lang}" if lang != "fi" else f"{base}/")
        wait_for_page(page, "/", lang)
        expected = {"sv": ["Lägesbild", "Larm", "Veckovy", "Månadsvy", "Meddelanden", "Anteckningar",
                           "Manuell inmatning", "Källor", "Väggskärm"],
                    "fi": ["Tilannekuva", "Hälytykset", "Viikkonäkymä", "Kuukausinäkymä", "Tiedotteet", "Merkinnät",
                           "Käsin syöttö", "Lähteet", "Seinänäyttö"]}[lang]
        assert [label.split("\n")[-1] for label in header_labels(page)] == expected
        for path, label in (("/week", expected[2]), ("/notices", expected[4]), ("/sources", expected[7])):
            page.get_by_role("link", name=label).click()
            wait_for_page(page, path, lang)
            assert page.url.split("?")[0].endswith(path) and f"lang={lang}" in page.url
            for folder in shots():
                page.screenshot(path=str(folder / f"nav-header-{path.strip('/')}-{lang}.png"),
                                clip={"x": 0, "y": 0, "width": 1600, "height": 260})
            page.reload()  # a reload keeps the language: it is in the address
            wait_for_page(page, path, lang)
        page.get_by_role("link", name=expected[0]).click()
        wait_for_page(page, "/", lang)
        for folder in shots():
            page.screenshot(path=str(folder / f"nav-header-overview-{lang}.png"),
                            clip={"x": 0, "y": 0, "width": 1600, "height": 260})
    finally:
        page.close()


def test_choosing_a_language_in_the_header_changes_the_page_and_its_links(server, browser):
    base, _store = server
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    try:
        page.goto(f"{base}/notices")
        wait_for_page(page, "/notices", "fi")
        page.get_by_role("combobox").first.click()
        page.get_by_role("option", name="Svenska").click()
        wait_for_page(page, "/notices", "sv")
        assert "lang=sv" in page.url
        page.get_by_role("link", name="Veckovy").click()
        wait_for_page(page, "/week", "sv")
    finally:
        page.close()
