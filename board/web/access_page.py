"""Access to care and employee feedback on the managers' pages: the cached reports of a period, their sections.

A period's access to care is history like the week itself (daily reports,
T3 monthly), so it is cached for a minute and shared by every session, as the
week report is (:mod:`board.web.week_support`).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from board.i18n import t
from board.read.access_to_care import AccessReport, access_report
from board.read.employee_nps import EmployeeReport, employee_report
from board.web import access_html, employee_html
from board.web.streamlit_support import get_settings, get_store, shared_report

REPORT_TTL_SECONDS = 60


@shared_report(REPORT_TTL_SECONDS)
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


@shared_report(REPORT_TTL_SECONDS)
def staff_report(first: date, last: date, stations: tuple[str, ...],
                 compared: tuple[date, date] | None = None, today: date | None = None) -> EmployeeReport:
    """Employee NPS of ``first``..``last`` at ``stations`` (empty: all), compared with ``compared`` (no change
    stated for a period reaching ``today``)."""
    settings = get_settings()
    return employee_report(settings, get_store(settings.database_url), first, last, list(stations) or None,
                           compared, today)


def staff_section(report: EmployeeReport | None, lang: str, compared_label: str) -> None:
    """Employee feedback, only when a selected station has answers in the period or the compared one."""
    if report is None or not report.has_data:
        return
    with st.container(key="week-print-page-staff"):
        st.subheader(t("staff.section", lang), anchor=False)
        st.html(access_html.CSS + employee_html.render(report, lang, compared_label))
