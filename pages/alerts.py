"""Alerts (/alerts): for shift leads and administrators, what the collector has sent and whether anyone has it.

The alerts firing now (worst level first, oldest first), each with an
"Acknowledge" button until someone takes it, and the alerts that ended in
the last 7 days with why (back to normal, the station closed) and who had
acknowledged them. Filter by station (in the URL: ``/alerts?station=paltamo``);
without a filter the data sources' alerts are listed too. Reads only the
store; the collector evaluates and sends (docs/ALERTS.md). The markup is
``board.web.alerts_html``; acknowledging ``board.web.alerts_page``.
"""

import streamlit as st

from board import formatting as fmt
from board.domain.access import Page
from board.domain.timeutil import utcnow
from board.i18n import t
from board.web import access, alerts_html, alerts_page, nav, style
from board.web import overview_page as ov
from board.web import streamlit_support as sup
from board.web.refreshing import refreshing

lang = sup.language()
nav.page_setup(Page.ALERTS, lang)  # wide even when this page is the first one opened
settings = sup.settings_or_stop(lang)
viewer = access.require(Page.ALERTS, lang, settings)
sup.count_view("alerts")
style.apply(style.ALERTS_CSS)
nav.header(Page.ALERTS, viewer, lang)
st.title(t("alerts.title", lang), anchor=False)
st.caption(t("alerts.help", lang))

names = {s.code: s.name for s in settings.stations}
chosen = st.multiselect(t("alerts.stations", lang), list(names), default=ov.from_url("station", list(names)),
                        key="w_station", on_change=ov.to_url, args=("station",), format_func=names.get,
                        placeholder=t("alerts.all", lang), select_all=False)


def alert_lists(alerts: list) -> None:  # list[Alert]: firing now and ended in the last 7 days
    now = utcnow()
    if chosen:
        alerts = [a for a in alerts if a.subject in chosen and a.kind.value != "source"]
    active = sorted((a for a in alerts if a.active),
                    key=lambda a: (alerts_html.level_status(a).value != "alert", a.since))
    ended = [a for a in alerts if not a.active]
    st.caption(t("alerts.caption", lang, time=fmt.fmt_stamp(now, lang)))
    st.subheader(t("alerts.active", lang, n=len(active)), anchor=False)
    if active:
        st.html(alerts_html.table(active, names, now, lang, "active"))
    else:
        st.success(t("alerts.none_active", lang), icon=":material/check_circle:")
    alerts_page.controls(active, names, viewer, lang, key="list")
    st.subheader(t("alerts.history", lang, n=len(ended)), anchor=False)
    if ended:
        st.html(alerts_html.table(ended, names, now, lang, "history"))
    else:
        st.caption(t("alerts.none_history", lang))


refreshing(settings, lang, sup.alert_list, "alerts.store_down", alert_lists)
