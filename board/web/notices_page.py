"""The notices page's parts: the writing form, posting and withdrawing, and the two lists.

Not an ``st.form``: outside a form the "characters left" line follows the text
(Streamlit sends it when the field loses focus). Posting and withdrawing run
in ``on_click`` callbacks because those run before the page is drawn, the only
moment a widget's value (the posted text) may be emptied. There is no
``max_chars`` on the text field on purpose: Streamlit would silently refuse
longer input, while here the writer sees how much is too much.

Who may do what is ``board.domain.access``: shift leads and administrators
post and withdraw, managers only read. With sign-in on, the writer (and who
withdrew) is the signed-in person's name from the identity provider, not a
typed name, so "who wrote it" can be trusted; the typed name remains only in
the demo (sign-in off). The callbacks check the role again themselves. A
refused notice says why in the page's language, from the error's code
(text ``notices.error.CODE``), and stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import ClassVar

import streamlit as st

from board.domain import timeutil
from board.domain.access import Page
from board.domain.notice import ALL_STATIONS, MAX_LENGTH, NoticeError, check_window, clean_author, clean_text
from board.i18n import t
from board.web import notices_html
from board.web import streamlit_support as sup
from board.web.entry_desk import AskLabels, DeskKeys, EntryDesk, entry_row

#: Ended notices are listed this far back.
HISTORY = timedelta(days=7)
#: The default end: today at this time if it is still ahead, else in two hours.
DEFAULT_END = time(16, 0)
_TIMES = ("notice_end_date", "notice_end_time", "notice_start_date", "notice_start_time")


@dataclass(frozen=True)
class Desk(EntryDesk):
    """Who is at the notices page, in which language, and the stations they can write to."""

    WRITE: ClassVar[Page] = Page.POST_NOTICE
    KEYS: ClassVar[DeskKeys] = DeskKeys("notice_author", "_notice_feedback", "_withdraw_asked", ":material/error:")

    #: code -> the station's short name (the lists); ``names`` (the form) is the station's name
    short: dict[str, str]

    def stations_label(self, codes: tuple[str, ...] | list[str]) -> str:
        if ALL_STATIONS in codes:
            return t("notices.all_stations", self.lang)
        return ", ".join(self.short.get(c, c) for c in codes)


def error_text(error: NoticeError, lang: str) -> str:
    """A domain error in the page's language, by its code."""
    return t(f"notices.error.{error.code}", lang, **{"max": MAX_LENGTH, **error.values})


def default_end(now: datetime) -> datetime:
    """Today 16.00 (Helsinki) if that is still ahead, else two hours from now rounded up to five minutes."""
    today_end = timeutil.at_local(timeutil.local_date(now), DEFAULT_END)
    if today_end > now:
        return today_end
    later = timeutil.local(now + timedelta(hours=2)).replace(second=0, microsecond=0)
    return later + timedelta(minutes=-later.minute % 5)


def shown_length(text: str) -> int:
    """Characters the text will have on the wall (after cleaning)."""
    try:
        return len(clean_text(text))
    except NoticeError:
        return len(" ".join((text or "").split()))


def set_defaults(now: datetime) -> None:
    """Fresh default times (only for fields the writer has not touched since the last post)."""
    end = timeutil.local(default_end(now))
    start = timeutil.local(now).replace(second=0, microsecond=0)
    for key, value in zip(_TIMES, (end.date(), end.time().replace(tzinfo=None), start.date(),
                                   start.time().replace(tzinfo=None)), strict=True):
        st.session_state.setdefault(key, value)


def post(desk: Desk) -> None:
    ss = st.session_state
    if not desk.can_write:  # the form is not drawn without the role; a forged click changes nothing either
        return
    now = timeutil.utcnow()
    chosen = list(ss.get("notice_stations") or [])
    try:
        text = clean_text(ss.get("notice_text", ""))
        if not chosen:
            desk.flash("error", t("notices.error.stations", desk.lang))
            return
        author = clean_author(desk.writer())
        ends = timeutil.at_local(ss["notice_end_date"], ss["notice_end_time"])
        starts = timeutil.at_local(ss["notice_start_date"], ss["notice_start_time"]) if ss.get("notice_later") else now
        check_window(starts, ends, now)
    except NoticeError as e:
        desk.flash("error", error_text(e, desk.lang))
        return
    # Only configured codes: the widget offers nothing else, but a forged websocket message can set any value
    # (issue 19, item 10: one was stored as a notice's station).
    if any(code != ALL_STATIONS and code not in desk.names for code in chosen):
        desk.flash("error", t("notices.error.stations", desk.lang))
        return
    stations = [ALL_STATIONS] if ALL_STATIONS in chosen else chosen
    try:
        desk.store.add_notice(text, stations, starts, ends, author, now)
    except Exception as e:  # the store is down: the writer is told, nothing is half-stored (one transaction)
        desk.store_down(e)
        return
    desk.flash("success", t("notices.posted", desk.lang, stations=desk.stations_label(stations)))
    ss["notice_text"] = ""
    ss["notice_later"] = False
    for key in _TIMES:
        del ss[key]


def withdraw(desk: Desk, notice_id: int) -> None:
    """The answer "yes" to "Poistetaanko tiedote seinänäytöiltä?"."""
    desk.withdraw(notice_id, desk.store.withdraw_notice, "notices.withdrawn_ok")


#: "Poista" beside a notice, and its question.
WITHDRAW = AskLabels("notices.withdraw", "notices.withdraw_ask", "notices.withdraw_yes", "notices.withdraw_no",
                     "withdraw")


def form(desk: Desk) -> None:
    """The writing form (only for roles that may post)."""
    lang, names = desk.lang, desk.names
    st.text_area(t("notices.text", lang), key="notice_text", height=110, placeholder=t("notices.placeholder", lang))
    st.html(notices_html.counter(shown_length(st.session_state.get("notice_text", "")), lang))
    st.multiselect(t("notices.stations", lang), [ALL_STATIONS, *names], key="notice_stations",
                   format_func=lambda c: t("notices.all_stations", lang) if c == ALL_STATIONS else names[c],
                   placeholder=t("notices.stations_placeholder", lang),
                   select_all=False)  # it ticked "Kaikki asemat" and every station, in English
    end_date, end_time, author = st.columns([1, 1, 2], vertical_alignment="bottom")
    end_date.date_input(t("notices.end_date", lang), key="notice_end_date", format="DD.MM.YYYY")
    end_time.time_input(t("notices.end_time", lang), key="notice_end_time", step=300)
    if desk.viewer.signed_in:  # the identity provider's name: not editable, so it can be trusted
        author.html(notices_html.signed_in_author(desk.writer(), lang))
    else:
        author.text_input(t("notices.author", lang), key="notice_author", max_chars=80)
    if st.toggle(t("notices.later", lang), key="notice_later"):
        start_date, start_time, _ = st.columns([1, 1, 2])
        start_date.date_input(t("notices.start_date", lang), key="notice_start_date", format="DD.MM.YYYY")
        start_time.time_input(t("notices.start_time", lang), key="notice_start_time", step=300)
    st.button(t("notices.post", lang), type="primary", on_click=post, args=(desk,), key="notice_post")


def lists(desk: Desk, now: datetime) -> None:
    """Notices showing now and upcoming (soonest end first, with "Poista" for writers), then the last week's
    ended ones."""
    lang = desk.lang
    try:
        recent = desk.store.notices(since=now - HISTORY)
    except Exception as e:  # the store is down: say so, not a traceback
        sup.store_down(e, lang)
        return
    current = [n for n in recent if n.withdrawn_at is None and n.ends_at > now]
    current.sort(key=lambda n: (n.starts_at > now, n.ends_at))  # showing now first, then upcoming
    ended = [n for n in recent if n not in current]
    ended.sort(key=lambda n: n.withdrawn_at or n.ends_at, reverse=True)

    st.subheader(t("notices.current", lang), anchor=False)
    if not current:
        st.html(notices_html.note("notices.none_current", lang, "notices-empty"))
    for n in current:
        entry_row(desk, n.id, notices_html.card(n, now, desk.stations_label(n.stations), lang), WITHDRAW, withdraw)

    st.subheader(t("notices.ended", lang), anchor=False)
    if not ended:
        st.html(notices_html.note("notices.none_ended", lang, "notices-empty"))
    for n in ended:
        st.html(notices_html.card(n, now, desk.stations_label(n.stations), lang))
