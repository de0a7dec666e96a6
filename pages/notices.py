"""Notices (/notices): a shift lead posts a short text to chosen wall screens until an end time.

The text is cleaned and checked by ``board.domain.notice`` before
``store.add_notice``; a refused notice says why (in the page's language) and
stores nothing. The wall reads notices through ``board.read.wall``. The form,
the callbacks and the lists are ``board.web.notices_page``; the markup
(everything a person wrote, escaped) ``board.web.notices_html``.
"""

from __future__ import annotations

import streamlit as st

from board.domain import timeutil
from board.domain.access import Page
from board.i18n import t
from board.web import nav, style
from board.web import notices_html as html
from board.web import notices_page as parts
from board.web.entry_desk import open_page

lang, settings, viewer, store = open_page(Page.NOTICES, "notices")
desk = parts.Desk(lang, viewer, store, {s.code: s.name for s in settings.stations},
                  {s.code: s.municipality for s in settings.stations})

style.apply(style.NOTICES_CSS)
nav.header(Page.NOTICES, viewer, lang)
st.title(t("notices.title", lang), anchor=False)
st.html(html.note("notices.help", lang, "notices-help"))
now = timeutil.utcnow()
parts.set_defaults(now)

if desk.can_write:
    parts.form(desk)
else:
    st.info(t("access.notices_read_only", lang), icon=":material/visibility:")
desk.feedback()
parts.lists(desk, now)
