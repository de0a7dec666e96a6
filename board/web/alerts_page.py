"""Acknowledging alerts, on the overview and on the alert page: who from sign-in, when from the clock.

A signed-in shift lead (or administrator, ``Page.ACKNOWLEDGE``) takes a
firing alert with one button; the store keeps who and when with the alert
and its series, and the collector's evaluation stops the reminders
(``board.domain.alerts.step``; an evaluation running at the same instant
keeps the acknowledgement, ``board.store.alerts.Alerts.save_cycle``). In
the demo, where nobody signs in, the person types a name, as on the notice
page. The first to take an alert keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

import streamlit as st

from board.domain import timeutil
from board.domain.access import Page, Viewer
from board.domain.alerts import AcknowledgeError, Alert
from board.i18n import t
from board.web import alerts_html
from board.web import streamlit_support as sup

FEEDBACK = "_ack_feedback"
DEMO_NAME = "ack_author"


def who(viewer: Viewer) -> str:
    """The acknowledger: the signed-in person's name (or address); in the demo the typed name."""
    if viewer.signed_in:
        return viewer.name or viewer.email
    return " ".join(str(st.session_state.get(DEMO_NAME, "")).split())[:80]


def take(alert: Alert, viewer: Viewer, station: str, lang: str) -> None:
    """The button's callback: acknowledge ``alert`` and say what happened (once, above the list)."""
    if not viewer.can(Page.ACKNOWLEDGE):  # no button is drawn without the role; a forged click changes nothing
        return
    name = who(viewer)
    if not name:
        st.session_state[FEEDBACK] = ("error", t("ack.no_name", lang))
        return
    try:
        settings = sup.get_settings()
        taken = sup.get_store(settings.database_url).acknowledge_alert(alert.rule, alert.subject, name,
                                                                       timeutil.utcnow())
    except AcknowledgeError:
        st.session_state[FEEDBACK] = ("info", t("ack.ended", lang))
    except Exception as e:  # the store is down: say so, nothing was changed
        st.session_state[FEEDBACK] = ("error", t("week.store_down", lang, error=type(e).__name__))
    else:
        if taken.acknowledged_by != name:
            st.session_state[FEEDBACK] = ("info", t("ack.already", lang, who=taken.acknowledged_by or "?"))
        else:
            st.session_state[FEEDBACK] = ("success", t("ack.done", lang, station=station,
                                                       what=alerts_html.what(alert, lang)))
    sup.firing_alerts.clear()
    sup.alert_list.clear()


def feedback() -> None:
    message = st.session_state.pop(FEEDBACK, None)
    if message:
        kind, text = message
        {"error": st.error, "info": st.info}.get(kind, st.success)(text)


def controls(alerts: Sequence[Alert], names: Mapping[str, str], viewer: Viewer, lang: str, key: str) -> None:
    """A line and an "Acknowledge" button for each firing alert nobody has taken yet (only for who may)."""
    feedback()
    waiting = [a for a in alerts if a.active and a.acknowledged_at is None]
    if not waiting or not viewer.can(Page.ACKNOWLEDGE):
        return
    st.markdown(f"**{t('ack.title', lang)}**")
    st.caption(t("ack.help", lang))
    if not viewer.signed_in:
        st.text_input(t("ack.name_demo", lang), key=DEMO_NAME, max_chars=80)
    now = timeutil.utcnow()
    for a in waiting:
        station = names.get(a.subject, a.subject)
        text_col, button_col = st.columns([6, 1], vertical_alignment="center")
        text_col.html(f'<p class="ack-line" data-alert="{escape(a.alert_id)}"><b>{escape(station)}</b> – '
                      f'{escape(alerts_html.what(a, lang))}: {escape(alerts_html.value(a, lang))} · '
                      f'{escape(alerts_html.since(a, now, lang))}</p>')
        button_col.button(t("ack.button", lang), key=f"{key}-ack-{a.alert_id}", on_click=take,
                          args=(a, viewer, station, lang), icon=":material/done:")
