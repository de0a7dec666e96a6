"""Chart notes (/notes): a manager or shift lead writes a dated note on a station's (or every station's) charts.

The note appears on the weekly and monthly charts and on today's curves on
the overview, with who wrote it. The text is cleaned and checked by
``board.domain.chart_note`` (no identity codes, as notices); the parts are
``board.web.notes_page``.
"""

from __future__ import annotations

from html import escape

import streamlit as st

from board.domain import timeutil
from board.domain.access import Page
from board.i18n import t
from board.web import access, nav, style
from board.web import notes_page as parts
from board.web import streamlit_support as sup

lang = sup.language()
nav.page_setup(Page.NOTES, lang)
settings = sup.settings_or_stop(lang)
viewer = access.require(Page.NOTES, lang, settings)
try:
    store = sup.get_store(settings.database_url)
except Exception as e:  # the store cannot be opened: say so, not a traceback
    sup.store_down(e, lang)
    st.stop()
desk = parts.Desk(lang, viewer, store, {s.code: s.name for s in settings.stations}, dict(settings.areas))
sup.count_view("notes")

style.apply(style.NOTICES_CSS)
nav.header(Page.NOTES, viewer, lang)
st.title(t("notes.title", lang), anchor=False)
st.html(f'<p class="notices-help">{escape(t("notes.help", lang))}</p>')
if desk.can_write:
    parts.form(desk)
parts.feedback()
parts.listing(desk, timeutil.utcnow())
