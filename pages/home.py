"""Home (/): every station's situation in one table, linking to its wall display.

The full shift-lead overview (sorting, filters, curves) builds on this page.
"""

import streamlit as st

from board import formatting as fmt
from board.i18n import LANGUAGE_NAMES, LANGUAGES, t
from board.web import streamlit_support as sup
from board.web.home_html import render_station_table

lang = sup.language()
settings = sup.settings_or_stop(lang)

left, right = st.columns([5, 1])
left.title(t("home.title", lang), anchor=False)
chosen = right.selectbox(t("home.language", lang), LANGUAGES, index=LANGUAGES.index(lang), key="lang_select",
                         format_func=LANGUAGE_NAMES.get)
if chosen != lang:
    st.query_params["lang"] = chosen
    st.rerun()


@st.fragment(run_every=settings.board.wall.refresh_seconds)
def station_table() -> None:
    views = sup.all_station_views()
    now = views[0].now if views else None
    if now is not None:
        st.caption(t("home.caption", lang, time=f"{fmt.fmt_date(now, lang)} {fmt.fmt_time(now, lang)}"))
    st.html(render_station_table(views, lang))


station_table()

st.page_link("pages/sources.py", label=t("home.sources_link", lang), icon=":material/database:")
