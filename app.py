"""Streamlit entrypoint: routing only. Run with ``python -m board serve``."""

import os

import streamlit as st

from board.i18n import t
from board.web.shell import language_style
from board.web.streamlit_support import language

st.set_page_config(page_title="Ohjaustaulu", layout="wide", initial_sidebar_state="collapsed")

lang = language()
st.html(language_style(lang))  # <html lang> follows the UI language (board/web/shell)
pages = [
    st.Page("pages/home.py", title=t("page.overview", lang), url_path="home", default=True),
    st.Page("pages/wall.py", title=t("page.wall", lang), url_path="wall"),
    st.Page("pages/week.py", title=t("page.week", lang), url_path="week"),
    st.Page("pages/month.py", title=t("page.month", lang), url_path="month"),
    st.Page("pages/notices.py", title=t("page.notices", lang), url_path="notices"),
    st.Page("pages/notes.py", title=t("page.notes", lang), url_path="notes"),
    st.Page("pages/manual.py", title=t("page.manual", lang), url_path="manual"),
    st.Page("pages/sources.py", title=t("page.sources", lang), url_path="sources"),
    st.Page("pages/alerts.py", title=t("page.alerts", lang), url_path="alerts"),
]
if os.environ.get("BOARD_BENCH_PAGES") == "1":  # bench/screens.py's floor; never set on a real server
    pages.append(st.Page("bench/pages/empty_fragment.py", title="bench", url_path="bench-empty"))
st.navigation(pages, position="hidden").run()
