"""The manual entry page's parts: the form, entering and withdrawing, and the entries in effect.

Like the notices page: not an ``st.form``, and entering and withdrawing run
in ``on_click`` callbacks (they run before the page is drawn, so the value
field can be emptied). The callbacks check the role again themselves (a forged
click changes nothing), and only configured stations and enterable figures
are accepted (a forged websocket message can set any widget value). With
sign-in on, who entered a figure is the signed-in person, never a typed name.
Every check of the value is ``board.domain.manual``: the range a source's
reading must pass, the expiry, the identity-code guard on names and reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

import streamlit as st

from board.domain import timeutil
from board.domain.access import Page
from board.domain.manual import (
    ENTERABLE,
    ManualEntry,
    ManualError,
    check_expiry,
    check_value,
    clean_author,
    clean_reason,
    in_effect,
)
from board.formatting import fmt_when, format_figure
from board.i18n import t
from board.web import manual_html
from board.web import streamlit_support as sup
from board.web.entry_desk import DeskKeys, EntryDesk

#: The expiries offered, in minutes (the configured default is added when it is not one of them).
EXPIRIES = (30, 60, 120, 240, 480, 720)


@dataclass(frozen=True)
class Desk(EntryDesk):
    """Who is at the page, in which language, the stations (code -> name) and the default expiry."""

    WRITE: ClassVar[Page] = Page.MANUAL
    KEYS: ClassVar[DeskKeys] = DeskKeys("manual_author", "_manual_feedback")

    default_minutes: int = 120


def error_text(error: ManualError, metric: str | None, lang: str) -> str:
    """A domain error in the page's language; a range error names the range in that language too."""
    values = dict(error.values)
    if error.code == "range" and metric in ENTERABLE:
        values["allowed"] = manual_html.allowed(metric, lang)  # type: ignore[arg-type]
    return t(f"manual.error.{error.code}", lang, **values)


def parse_value(raw: str) -> float:
    """A typed number, Finnish decimal comma or point and spaces between thousands allowed."""
    try:
        return float((raw or "").replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        raise ManualError("value", "type a number") from None


def expiry_choices(default_minutes: int) -> list[int]:
    return sorted({*EXPIRIES, default_minutes})


def expiry_label(minutes: int, lang: str) -> str:
    if minutes % 60 == 0:
        return t("manual.hours", lang, n=minutes // 60)
    return t("manual.minutes", lang, n=minutes)


def enter(desk: Desk) -> None:
    """Check and store the typed figure (the "Näytä seinällä" callback)."""
    ss = st.session_state
    if not desk.can_write:
        return
    now = timeutil.utcnow()
    station, metric = ss.get("manual_station"), ss.get("manual_metric")
    if station not in desk.names:
        desk.flash("error", t("manual.error.station", desk.lang))
        return
    try:
        if metric not in ENTERABLE:
            raise ManualError("metric", "not enterable")
        value = check_value(metric, parse_value(str(ss.get("manual_value", ""))))
        minutes = int(ss.get("manual_expiry") or desk.default_minutes)
        expires = now + timedelta(minutes=minutes)
        check_expiry(expires, now)
        author = clean_author(desk.writer())
        reason = clean_reason(str(ss.get("manual_reason", "")))
    except (ManualError, ValueError, TypeError) as e:
        error = e if isinstance(e, ManualError) else ManualError("value", str(e))
        desk.flash("error", error_text(error, metric, desk.lang))
        return
    try:
        desk.store.add_manual_entry(station, metric, value, expires, author, now, reason)
    except Exception as e:  # the store is down: say so; nothing is half-stored (one transaction)
        desk.store_down(e)
        return
    desk.flash("success", t(
        "manual.saved", desk.lang, station=desk.names[station], figure=manual_html.figure_name(metric, desk.lang),
        value=format_figure(metric, value, desk.lang), until=fmt_when(expires, now, desk.lang)))
    ss["manual_value"] = ""
    ss["manual_reason"] = ""


def withdraw(desk: Desk, entry_id: int) -> None:
    """"Poista" beside an entry in effect: it withdraws at once (this page does not ask first)."""
    desk.withdraw(entry_id, desk.store.withdraw_manual_entry, "manual.withdrawn_ok")


def form(desk: Desk) -> None:
    lang, names = desk.lang, desk.names
    station_col, figure_col, value_col, expiry_col = st.columns([2, 3, 1, 1], vertical_alignment="bottom")
    station_col.selectbox(t("manual.station", lang), list(names), key="manual_station", format_func=names.get)
    figure_col.selectbox(t("manual.figure", lang), list(ENTERABLE), key="manual_metric",
                         format_func=lambda m: manual_html.figure_name(m, lang))
    metric = st.session_state.get("manual_metric") or ENTERABLE[0]
    value_col.text_input(t("manual.value", lang), key="manual_value",
                         help=t("manual.value_help", lang, allowed=manual_html.allowed(metric, lang)))
    choices = expiry_choices(desk.default_minutes)
    expiry_col.selectbox(t("manual.expiry", lang), choices, index=choices.index(desk.default_minutes),
                         key="manual_expiry", format_func=lambda m: expiry_label(m, lang))
    reason_col, author_col = st.columns([3, 2], vertical_alignment="bottom")
    reason_col.text_input(t("manual.reason", lang), key="manual_reason",
                          placeholder=t("manual.reason_placeholder", lang))
    if desk.viewer.signed_in:  # the identity provider's name: not editable, so it can be trusted
        author_col.caption(t("manual.signed_in_author", lang, name=desk.writer()))
    else:
        author_col.text_input(t("manual.author", lang), key="manual_author", max_chars=80)
    st.button(t("manual.submit", lang), type="primary", on_click=enter, args=(desk,), key="manual_submit")


def current(desk: Desk, now: datetime) -> None:
    """The entries in effect now, each with "Poista"; an entry a source has overtaken says so."""
    lang = desk.lang
    try:
        entries = desk.store.manual_entries(active_at=now)
        shown: dict[int, bool] = {}
        for code in {e.station for e in entries}:
            mine = [e for e in entries if e.station == code]
            latest = desk.store.latest_values(code, sorted({e.metric for e in mine}))
            effective = {e.id for e in in_effect(mine, latest, now).values()}
            shown.update({e.id: e.id in effective for e in mine})
    except Exception as e:  # the store is down: say so, not a traceback
        sup.store_down(e, lang)
        return
    st.subheader(t("manual.current", lang), anchor=False)
    if not entries:
        st.caption(t("manual.none_current", lang))
    for e in entries:
        _entry_row(desk, e, now, superseded=not shown.get(e.id, False))


def _entry_row(desk: Desk, e: ManualEntry, now: datetime, superseded: bool) -> None:
    text_col, button_col = st.columns([6, 1], vertical_alignment="center")
    text_col.html(manual_html.entry_line(e, now, desk.names, desk.lang, superseded))
    button_col.button(t("manual.withdraw", desk.lang), key=f"manual_withdraw_{e.id}", on_click=withdraw,
                      args=(desk, e.id))

