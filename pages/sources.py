"""Sources (/sources): for administrators, every source's state and why data is missing.

Worst first: a failing source's card shows the error in the words the
collector recorded ("login failed for user 'board'", "file 12.csv line 40:
…"); below it the rejected rows of the last 24 hours with their reasons, the
freshness of every station and tile this source feeds, and its recent runs.
Reads only the store: opening this page never touches a source.
"""

from datetime import datetime

import pandas as pd
import streamlit as st

from board import formatting as fmt
from board.domain.access import Page
from board.domain.metrics import METRICS
from board.i18n import t
from board.web import access
from board.web import streamlit_support as sup
from board.web.sources_html import render_card, render_freshness, render_summary

st.set_page_config(layout="wide")  # wide even when this page is the first one opened
lang = sup.language()
settings = sup.settings_or_stop(lang)
access.require(Page.SOURCES, lang, settings)
st.title(t("sources.title", lang), anchor=False)


def _stamp(ts: datetime) -> str:
    return f"{fmt.fmt_date(ts, lang)} {fmt.fmt_time(ts, lang)}"


@st.fragment(run_every=settings.board.wall.refresh_seconds)
def sources() -> None:
    access.recheck(settings)  # a sign-out in another tab, or the sign-in limit, ends this tab too
    try:
        statuses = sup.source_statuses()
    except Exception as e:  # the store is down: say so, keep refreshing
        st.error(t("sources.store_down", lang, error=type(e).__name__))
        return
    if not statuses:
        st.info(t("sources.none", lang))
        return
    now = statuses[0].now
    st.caption(t("sources.caption", lang, time=f"{fmt.fmt_date(now, lang)} {fmt.fmt_time(now, lang)}"))
    st.html(render_summary(statuses, lang))
    for status in statuses:
        st.html(render_card(status, lang))
        name = status.source.name
        rejected = sum(status.day_rejects.values())
        if rejected:
            with st.expander(t("sources.rejects", lang, n=fmt.fmt_int(rejected)), expanded=True):
                st.dataframe(pd.DataFrame(
                    sorted(status.day_rejects.items(), key=lambda kv: -kv[1]),
                    columns=[t("sources.reason", lang), t("sources.count", lang)]),
                    hide_index=True, width="stretch", key=f"rejects-{name}")
        with st.expander(t("sources.details", lang)):
            st.markdown(f"**{t('sources.freshness', lang)}**")
            st.html(render_freshness(status, lang))
            st.markdown(f"**{t('sources.runs', lang)}**")
            st.dataframe(pd.DataFrame([{
                t("sources.col.started", lang): _stamp(r.started_at),
                t("sources.col.ok", lang): "✓" if r.ok else "✕",
                t("sources.col.rows", lang): r.rows,
                t("sources.col.rejected", lang): r.rejected,
                t("sources.col.seconds", lang): round(r.seconds, 1),
                t("sources.col.error", lang): r.error or "",
                t("sources.col.holder", lang): r.holder or "",
            } for r in status.recent_runs]), hide_index=True, width="stretch", key=f"runs-{name}")
            detail = pd.DataFrame(
                [{t("home.station", lang): code, t("sources.col.metric", lang): metric,
                  t("sources.newest", lang): _stamp(f.ts) if f.ts else "–"}
                 for code, row in status.freshness.items() for metric, f in row.items() if metric in METRICS])
            if not detail.empty:
                st.markdown(f"**{t('sources.by_metric', lang)}**")
                st.dataframe(detail, hide_index=True, width="stretch", key=f"fresh-{name}")

sources()
