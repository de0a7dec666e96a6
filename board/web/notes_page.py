"""The chart notes page's parts (/notes): the writing form, adding and deleting, and the list.

As on ``/notices`` (``board.web.notices_page``): adding and deleting run in
``on_click`` callbacks, which check the role again themselves (a forged click
changes nothing), the writer is the signed-in person's name from the identity
provider (typed only in the demo, sign-in off), a refused note says why in
the page's language (``notes.error.CODE``, the notice's codes) and stores
nothing, and "Poista" only asks first. Everything a person wrote is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape
from typing import ClassVar

import streamlit as st

from board import formatting as fmt
from board.domain import timeutil
from board.domain.access import Page
from board.domain.chart_note import MAX_LENGTH, ChartNote, Scope, check_scope, clean_note_author, clean_note_text
from board.domain.notice import NoticeError
from board.i18n import t
from board.read.chart_notes import scope_name
from board.web import streamlit_support as sup
from board.web.entry_desk import AskLabels, DeskKeys, EntryDesk, entry_row

#: The list shows notes dated this far back and ahead.
LISTED_BACK, LISTED_AHEAD = timedelta(days=62), timedelta(days=31)
ALL = "*"


@dataclass(frozen=True)
class Desk(EntryDesk):
    """Who is at the page, in which language, and the stations a note can be about."""

    WRITE: ClassVar[Page] = Page.WRITE_NOTE
    KEYS: ClassVar[DeskKeys] = DeskKeys("note_author", "_note_feedback", "_note_delete_asked")

    #: The wellbeing areas (code -> name; empty when none are configured): a note can be about a whole area.
    areas: dict[str, str] = field(default_factory=dict)


AREA = "area:"


def option_label(option: str, desk: Desk) -> str:
    if option == ALL:
        return t("notices.all_stations", desk.lang)
    if option.startswith(AREA):
        return t("notes.area", desk.lang, area=desk.areas[option[len(AREA):]])
    return desk.names[option]


def when_label(note: ChartNote, lang: str) -> str:
    day = f"{fmt.fmt_day(note.day, lang)} {note.day.day}.{note.day.month}.{note.day.year}"
    return f"{day} {t('notes.at', lang)} {note.clock.hour}.{note.clock.minute:02d}" if note.clock else day


def add(desk: Desk) -> None:
    ss = st.session_state
    if not desk.can_write:
        return
    chosen = str(ss.get("note_scope") or ALL)
    if chosen == ALL:
        scope, code = Scope.ALL, ""
    elif chosen.startswith(AREA):
        scope, code = Scope.AREA, chosen[len(AREA):]
    else:
        scope, code = Scope.STATION, chosen
    try:
        text = clean_note_text(ss.get("note_text", ""))
        author = clean_note_author(desk.writer())
        check_scope(scope, code, set(desk.names), set(desk.areas))
    except NoticeError as e:
        desk.flash("error", t(f"notes.error.{e.code}", desk.lang, **{"max": MAX_LENGTH, **e.values}))
        return
    day: date = ss.get("note_day") or timeutil.local_date(timeutil.utcnow())
    clock: time | None = ss.get("note_clock") if ss.get("note_timed") else None
    try:
        desk.store.add_chart_note(day, clock, text, scope, code, author, timeutil.utcnow())
    except Exception as e:  # the store is down: nothing is half-stored (one transaction)
        desk.store_down(e)
        return
    desk.flash("success", t("notes.added", desk.lang))
    ss["note_text"] = ""


def delete(desk: Desk, note_id: int) -> None:
    """The answer "yes" to "Poistetaanko merkintä kaavioista?"."""
    desk.withdraw(note_id, desk.store.delete_chart_note, "notes.deleted")


#: "Poista" beside a note, and its question.
DELETE = AskLabels("notes.delete", "notes.delete_ask", "notes.delete_yes", "notes.delete_no", "note_delete")


def form(desk: Desk) -> None:
    lang, names = desk.lang, desk.names
    st.text_input(t("notes.text", lang), key="note_text", placeholder=t("notes.placeholder", lang))
    day_col, scope_col, author_col = st.columns([1, 2, 2], vertical_alignment="bottom")
    day_col.date_input(t("notes.day", lang), key="note_day", format="DD.MM.YYYY",
                       value=timeutil.local_date(timeutil.utcnow()))
    scope_col.selectbox(t("notes.scope", lang), [ALL, *(AREA + a for a in desk.areas), *names], key="note_scope",
                        format_func=lambda c: option_label(c, desk))
    if desk.viewer.signed_in:
        author_col.html(f'<p class="notice-author" data-author="signed-in">'
                        f'{escape(t("notices.author_signed_in", lang, name=desk.writer()))}</p>')
    else:
        author_col.text_input(t("notices.author", lang), key="note_author", max_chars=80)
    if st.toggle(t("notes.timed", lang), key="note_timed"):
        st.time_input(t("notes.clock", lang), key="note_clock", step=300, value=time(8, 0))
    st.button(t("notes.add", lang), type="primary", on_click=add, args=(desk,), key="note_add")


def card(note: ChartNote, names: dict[str, str], now: datetime, lang: str, areas: dict[str, str]) -> str:
    meta = " · ".join([when_label(note, lang), scope_name(note, names, areas, lang),
                       t("notices.written", lang, author=note.author, time=fmt.fmt_when(note.created_at, now, lang))])
    return (f'<div class="notice-card" data-note="{note.id}"><p class="notice-card-text">{escape(note.text)}</p>'
            f'<p class="notice-card-meta">{escape(meta)}</p></div>')


def listing(desk: Desk, now: datetime) -> None:
    """Notes of the last two months and the next one, newest day first, with "Poista" for writers."""
    lang = desk.lang
    today = timeutil.local_date(now)
    try:
        notes = desk.store.chart_notes(today - LISTED_BACK, today + LISTED_AHEAD)
    except Exception as e:
        sup.store_down(e, lang)
        return
    st.subheader(t("notes.listed", lang), anchor=False)
    if not notes:
        st.html(f'<p class="notices-empty">{escape(t("notes.none", lang))}</p>')
    for note in reversed(notes):
        entry_row(desk, note.id, card(note, desk.names, now, lang, desk.areas), DELETE, delete)
