"""Manual entry (/manual): a shift lead types a figure for a station while its source is down.

The last resort, never the normal path: the wall marks the figure as typed by
hand, it expires by itself, and a source that delivers a newer reading takes
over (``board.domain.manual``). Who may come here is ``board.domain.access``
(shift leads and administrators); every entry and withdrawal is listed on
/sources. The form and the list are ``board.web.manual_page``.
"""

from __future__ import annotations

import streamlit as st

from board.domain import timeutil
from board.domain.access import Page
from board.i18n import t
from board.web import manual_page as parts
from board.web import nav
from board.web.entry_desk import open_page

lang, settings, viewer, store = open_page(Page.MANUAL, "manual")
desk = parts.Desk(lang, viewer, store, {s.code: s.name for s in settings.stations},
                  settings.board.manual_entry.default_expiry_minutes)

nav.header(Page.MANUAL, viewer, lang)
st.title(t("manual.title", lang), anchor=False)
st.caption(t("manual.help", lang))
parts.form(desk)
desk.feedback()
parts.current(desk, timeutil.utcnow())
