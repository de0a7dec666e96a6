"""Sources (/sources): for administrators, every source's state and why data is missing.

Worst first: a failing source's card shows the error in the words the
collector recorded ("login failed for user 'board'", "file 12.csv line 40:
…"); below it the rejected rows of the last 24 hours with their reasons, the
freshness of every station and tile this source feeds, and its recent runs.
Above the cards, when two enabled sources can deliver the same figure for one
station, which they are, and which source the wall shows where both have
fresh readings now (board/read/overlaps.py).
Under the sources, the alert channels (e-mail, Teams, webhook): failing ones
first, with the error the sender recorded, the messages waiting and the next
try; then the weekly report's last sends (sent, or failing with the server's
answer and the next try). Last, the audit list of figures typed by hand
(/manual) in the last 30 days: who, when, which station and figure, the value,
until when, and who withdrew it. Reads only the store: opening this page never
touches a source or a channel.
"""

from datetime import timedelta

import streamlit as st

from board import formatting as fmt
from board.domain import timeutil
from board.domain.access import Page
from board.i18n import t
from board.web import access, manual_html, nav, reports_html, style
from board.web import sources_html as html
from board.web import streamlit_support as sup
from board.web.refreshing import refreshing

#: How far back the audit list of figures typed by hand goes.
AUDIT_DAYS = timedelta(days=30)

lang = sup.language()
nav.page_setup(Page.SOURCES, lang)  # wide even when this page is the first one opened
settings = sup.settings_or_stop(lang)
viewer = access.require(Page.SOURCES, lang, settings)
style.apply(style.SOURCES_CSS)
nav.header(Page.SOURCES, viewer, lang)
st.title(t("sources.title", lang), anchor=False)


def sources(read: tuple) -> None:  # (list[SourceStatus] worst first, (configured, seen) overlaps)
    statuses, (configured, seen) = read
    if not statuses:
        st.info(t("sources.none", lang))
        return
    st.caption(t("sources.caption", lang, time=fmt.fmt_stamp(statuses[0].now, lang)))
    st.html(html.render_summary(statuses, lang))
    overlaps = html.render_overlaps(configured, seen, lang, {s.code: s.name for s in settings.stations})
    if overlaps:
        st.html(overlaps)
    for status in statuses:
        st.html(html.render_card(status, lang))
        name = status.source.name
        rejected = sum(status.day_rejects.values())
        if rejected:
            with st.expander(t("sources.rejects", lang, n=fmt.fmt_int(rejected)), expanded=True):
                st.dataframe(html.rejects_table(status, lang), hide_index=True, width="stretch",
                             key=f"rejects-{name}")
        with st.expander(html.worded("sources.details", status.source, lang)):
            st.markdown(f"**{t('sources.freshness', lang)}**")
            st.html(html.render_freshness(status, lang))
            st.markdown(f"**{html.worded('sources.runs', status.source, lang)}**")
            st.dataframe(html.runs_table(status, lang), hide_index=True, width="stretch", key=f"runs-{name}")
            detail = html.metrics_table(status, lang)
            if not detail.empty:
                st.markdown(f"**{t('sources.by_metric', lang)}**")
                st.dataframe(detail, hide_index=True, width="stretch", key=f"fresh-{name}")


@st.fragment(run_every=settings.board.wall.refresh_seconds)
def channels() -> None:
    """The alert channels: is each delivering, and if not, the error, what waits and when the next try is."""
    access.recheck(settings)  # every fragment of a gated page, or a sign-out leaves this tab blank (see recheck)
    if not settings.alerts.file.channels:
        return
    try:
        statuses = sup.channel_statuses()
    except Exception as e:  # the store is down: the sources' fragment says so already
        st.caption(t("sources.store_down", lang, error=type(e).__name__))
        return
    st.subheader(t("sources.channels", lang), anchor=False)
    st.caption(t("sources.channels_help", lang))
    for status in statuses:
        st.html(html.render_channel(status, lang))


@st.fragment(run_every=settings.board.wall.refresh_seconds)
def reports() -> None:
    """The weekly report by e-mail (reports.yaml): the last reports, sent or failing with the error in words."""
    access.recheck(settings)  # every fragment of a gated page, or a sign-out leaves this tab blank (see recheck)
    weekly = settings.reports.weekly
    if weekly is None:
        return
    try:
        queued = sup.get_store(settings.database_url).report_outbox(limit=10)
    except Exception as e:  # the store is down: the sources' fragment says so already
        st.caption(t("sources.store_down", lang, error=type(e).__name__))
        return
    st.subheader(t("sources.reports", lang), anchor=False)
    st.caption(reports_html.help_line(weekly, lang))
    st.html(reports_html.lines(queued, timeutil.utcnow(), lang))


def manual_audit() -> None:
    """Every figure typed by hand in the last 30 days and its withdrawal (board.domain.manual), newest first."""
    try:
        entries = sup.get_store(settings.database_url).manual_entries(since=timeutil.utcnow() - AUDIT_DAYS)
    except Exception as e:  # the store is down: the sources' fragment says so already
        st.caption(t("sources.store_down", lang, error=type(e).__name__))
        return
    st.subheader(t("manual.audit", lang), anchor=False)
    st.caption(t("manual.audit_help", lang))
    if not entries:
        st.caption(t("manual.audit_none", lang))
        return
    st.dataframe(manual_html.audit_table(entries, {s.code: s.name for s in settings.stations}, lang),
                 hide_index=True, width="stretch", key="manual-audit")


def _read() -> tuple:
    statuses = sup.source_statuses()
    return statuses, sup.source_overlaps(statuses)


refreshing(settings, lang, _read, "sources.store_down", sources)
channels()
reports()
manual_audit()
