"""The header every page but the wall carries: links to the pages this viewer may open, and the language.

Which pages: every :class:`~board.domain.access.Page` that has a script in
``pages/`` (the overview's is ``home.py``) and that the viewer's roles may
open (``board/domain/access.py``'s matrix), so a page added there and in
``app.py`` appears in the header by itself; actions such as posting a
notice have no script and are not links. The title is ``page.<name>`` in
``board/texts`` (the page's own name if a text is missing).

The language lives in the URL (``?lang=sv``): the links carry it, so moving
between pages and reloading keep it; :func:`board.web.streamlit_support.language`
also remembers it for the browser session, for an address typed without it.
Each page has its own browser tab title (:func:`page_setup`).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from board.domain.access import Page, Viewer
from board.i18n import LANGUAGE_NAMES, LANGUAGES, TEXTS, t

PAGES_DIR = Path(__file__).resolve().parent.parent.parent / "pages"
#: The script of a page whose file is not named after it.
SCRIPTS = {Page.OVERVIEW: "home"}
#: The shift lead's pages first, the administrator's last.
ORDER = (Page.OVERVIEW, Page.ALERTS, Page.WEEK, Page.MONTH, Page.NOTICES, Page.NOTES, Page.MANUAL, Page.SOURCES)
ICONS = {Page.OVERVIEW: ":material/dashboard:", Page.ALERTS: ":material/notifications:",
         Page.WEEK: ":material/date_range:", Page.MONTH: ":material/calendar_month:",
         Page.NOTICES: ":material/campaign:", Page.NOTES: ":material/sticky_note_2:",
         Page.MANUAL: ":material/edit_note:",
         Page.SOURCES: ":material/database:", Page.WALL: ":material/tv:"}
PRODUCT = "Ohjaustaulu"


def script(page: Page) -> str:
    return f"pages/{SCRIPTS.get(page, page.value)}.py"


def title(page: Page, lang: str) -> str:
    key = f"page.{page.value}"
    return t(key, lang) if key in TEXTS else page.value.replace("_", " ").capitalize()


def pages_for(viewer: Viewer) -> list[Page]:
    """The pages this viewer may open in ORDER, a page not named there after them, the wall last (a TV's page)."""
    pages = [p for p in Page if (PAGES_DIR.parent / script(p)).is_file() and viewer.can(p)]
    return sorted(pages, key=lambda p: (p is Page.WALL, ORDER.index(p) if p in ORDER else len(ORDER)))


def page_setup(page: Page, lang: str, extra: str = "") -> None:
    """The browser tab's title in the UI language ("Viikkonäkymä · Ohjaustaulu"), the wide layout."""
    name = " · ".join(x for x in (extra, title(page, lang), PRODUCT) if x)
    st.set_page_config(page_title=name, layout="wide")


def header(current: Page, viewer: Viewer, lang: str) -> None:
    """Links to this viewer's pages (the current one marked) and the language choice, in one row."""
    with st.container(key="nav-header", horizontal=True, vertical_alignment="center", gap=None):
        for page in pages_for(viewer):
            _link(page, current, lang)
        st.space("stretch")
        chosen = st.selectbox(t("home.language", lang), LANGUAGES, index=LANGUAGES.index(lang), key="lang_select",
                              format_func=LANGUAGE_NAMES.get, label_visibility="collapsed", width=112)
    if chosen != lang:
        st.query_params["lang"] = chosen
        st.session_state["_lang"] = chosen
        st.rerun()


def _link(page: Page, current: Page, lang: str) -> None:
    """A page link inside the app's navigation; a plain link when a page script runs on its own (AppTest
    ``from_file("pages/week.py")``), where Streamlit knows no other page."""
    try:
        st.page_link(script(page), label=title(page, lang), icon=ICONS.get(page), query_params={"lang": lang},
                     width="content")
    except StreamlitPageNotFoundError:
        path = "./" if page is Page.OVERVIEW else page.value
        here = ' aria-current="page"' if page is current else ""
        st.html(f'<a class="nav-link" href="{path}?lang={lang}" target="_self"{here}>{escape(title(page, lang))}</a>',
                width="content")
