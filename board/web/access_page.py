"""Access to care on the manager's pages: the cached report of a period and its section.

A period's access to care is history like the week itself (daily reports,
T3 monthly), so it is cached for a minute and shared by every session, as the
week report is (:mod:`board.web.week_support`).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from board.i18n import t
from board.read.access_to_care import AccessReport, access_report
from board.web import access_html
from board.web.streamlit_support import get_settings, get_store

REPORT_TTL_SECONDS = 60


@st.cache_data(ttl=REPORT_TTL_SECONDS, show_spinner=False)
def report(first: date, last: date, stations: tuple[str, ...],
           compared: tuple[date, date] | None = None) -> AccessReport:
    """Access to care of ``first``..``last`` at ``stations`` (empty: all), compared with ``compared``."""
    settings = get_settings()
    return access_report(settings, get_store(settings.database_url), first, last, list(stations) or None, compared)


def section(access: AccessReport | None, lang: str, compared_label: str) -> None:
    """The heading and the table, only when a selected station has access-to-care data in the period."""
    if access is None or not access.has_data:
        return
    with st.container(key="week-print-page-access"):
        st.subheader(t("access.section", lang), anchor=False)
        st.html(access_html.render(access, lang, compared_label))
