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
from board.web import nav, style
from board.web import notes_page as parts
from board.web.entry_desk import open_page

lang, settings, viewer, store = open_page(Page.NOTES, "notes")
desk = parts.Desk(lang, viewer, store, {s.code: s.name for s in settings.stations}, dict(settings.areas))

style.apply(style.NOTICES_CSS)
nav.header(Page.NOTES, viewer, lang)
st.title(t("notes.title", lang), anchor=False)
st.html(f'<p class="notices-help">{escape(t("notes.help", lang))}</p>')
if desk.can_write:
    parts.form(desk)
desk.feedback()
parts.listing(desk, timeutil.utcnow())
