"""Overview (/, "Tilannekuva"): the shift lead's view of every station, worst first.

One compact row per station with every tile's figures and statuses, the
worst station at the top (or sorted by any figure), closed stations greyed
at the bottom. The filters live in the URL, so "my stations" is a bookmark;
today's curves (queue and contacts, against the same weekday last week) are
drawn on demand for the stations chosen under the table. The parts are
``board.web.overview_page``; the table's markup ``board.web.overview_html``.

The table refreshes itself inside ``st.fragment(run_every=…)`` like the
wall; the filters rerun the whole page only when someone changes them.
"""

import streamlit as st

from board.domain.access import Page
from board.read import overview
from board.web import access, nav, style
from board.web import overview_page as parts
from board.web import streamlit_support as sup

lang = sup.language()
nav.page_setup(Page.OVERVIEW, lang)
settings = sup.settings_or_stop(lang)
viewer = access.require(Page.OVERVIEW, lang, settings)
sup.count_view("overview")
style.apply(style.OVERVIEW_CSS, style.CHART_NOTES_CSS)

nav.header(Page.OVERVIEW, viewer, lang)
parts.title(lang)
chosen = parts.filters(settings, lang)
directions = overview.directions(settings)


@st.fragment(run_every=settings.board.wall.refresh_seconds)
def station_table() -> None:
    access.recheck(settings)  # a sign-out in another tab, or the sign-in limit, ends this tab too
    parts.station_table(chosen, directions, lang, viewer)


station_table()
parts.curves(settings, lang)
