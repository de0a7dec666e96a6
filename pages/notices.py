"""Notices (/notices): a shift lead posts a short text to chosen wall screens until an end time.

The text is cleaned and checked by ``board.domain.notice`` before
``store.add_notice``; a refused notice says why (in the page's language) and
stores nothing. The wall reads notices through ``board.views``.

Everything a person wrote (text, names) is shown escaped with ``html.escape``
inside ``st.html``: never markdown, never raw HTML, so ``**x**`` and
``<script>`` appear as typed.

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
the demo (sign-in off). The callbacks check the role again themselves.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from html import escape

import streamlit as st

from board import formatting as fmt
from board.domain import timeutil
from board.domain.access import Page
from board.domain.notice import ALL_STATIONS, MAX_LENGTH, Notice, NoticeError, check_window, clean_author, clean_text
from board.i18n import t
from board.web import access
from board.web import streamlit_support as sup
from board.web.style import NOTICES_CSS

#: Ended notices are listed this far back.
HISTORY = timedelta(days=7)
#: The default end: today at this time if it is still ahead, else in two hours.
DEFAULT_END = time(16, 0)

lang = sup.language()
settings = sup.settings_or_stop(lang)
viewer = access.require(Page.NOTICES, lang, settings)
can_write = viewer.can(Page.POST_NOTICE)
try:
    store = sup.get_store(settings.database_url)
except Exception as e:  # the store cannot be opened: say so, not a traceback
    sup.store_down(e, lang)
    st.stop()
sup.count_view("notices")
names = {s.code: s.name for s in settings.stations}
short = {s.code: s.municipality for s in settings.stations}
ss = st.session_state

#: The domain's messages (English) and the text key that says the same to the writer.
_ERRORS = [
    (re.compile(r"notice is empty"), "notices.error.empty"),
    (re.compile(r"notice is (?P<n>\d+) characters"), "notices.error.too_long"),
    (re.compile(r"who writes"), "notices.error.author"),
    (re.compile(r"already passed"), "notices.error.past"),
    (re.compile(r"after the start"), "notices.error.order"),
    (re.compile(r"at most (?P<days>\d+) days"), "notices.error.too_far"),
    (re.compile(r"notice contains a personal identity code"), "notices.error.identity_code"),
    (re.compile(r"name contains a personal identity code"), "notices.error.author_identity_code"),
]


def error_text(error: NoticeError) -> str:
    """A domain error in the page's language (the original words if it is a new kind)."""
    for pattern, key in _ERRORS:
        if m := pattern.search(str(error)):
            return t(key, lang, max=MAX_LENGTH, **m.groupdict())
    return str(error)


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
    for key, value in (("notice_end_date", end.date()), ("notice_end_time", end.time().replace(tzinfo=None)),
                       ("notice_start_date", start.date()), ("notice_start_time", start.time().replace(tzinfo=None))):
        ss.setdefault(key, value)


def writer() -> str:
    """Who is posting or withdrawing: the signed-in person, or (sign-in off) the name typed in the form."""
    if viewer.signed_in:
        return viewer.name or viewer.email
    return str(ss.get("notice_author", ""))


def post() -> None:
    if not can_write:  # the form is not drawn without the role; a forged click changes nothing either
        return
    now = timeutil.utcnow()
    chosen = list(ss.get("notice_stations") or [])
    try:
        text = clean_text(ss.get("notice_text", ""))
        if not chosen:
            ss["_notice_feedback"] = ("error", t("notices.error.stations", lang))
            return
        author = clean_author(writer())
        ends = timeutil.at_local(ss["notice_end_date"], ss["notice_end_time"])
        starts = timeutil.at_local(ss["notice_start_date"], ss["notice_start_time"]) if ss.get("notice_later") else now
        check_window(starts, ends, now)
    except NoticeError as e:
        ss["_notice_feedback"] = ("error", error_text(e))
        return
    # Only configured codes: the widget offers nothing else, but a forged websocket message can set any value
    # (issue 19, item 10: one was stored as a notice's station).
    if any(code != ALL_STATIONS and code not in names for code in chosen):
        ss["_notice_feedback"] = ("error", t("notices.error.stations", lang))
        return
    stations = [ALL_STATIONS] if ALL_STATIONS in chosen else chosen
    try:
        store.add_notice(text, stations, starts, ends, author, now)
    except Exception as e:  # the store is down: the writer is told, nothing is half-stored (one transaction)
        ss["_notice_feedback"] = ("error", t("week.store_down", lang, error=type(e).__name__))
        return
    ss["_notice_feedback"] = ("success", t("notices.posted", lang, stations=stations_label(stations)))
    ss["notice_text"] = ""
    ss["notice_later"] = False
    for key in ("notice_end_date", "notice_end_time", "notice_start_date", "notice_start_time"):
        del ss[key]


def withdraw(notice_id: int) -> None:
    if not can_write:
        return
    by = " ".join(writer().split())[:80] or "-"
    if store.withdraw_notice(notice_id, by, timeutil.utcnow()):
        ss["_notice_feedback"] = ("success", t("notices.withdrawn_ok", lang))


def stations_label(codes: tuple[str, ...] | list[str]) -> str:
    if ALL_STATIONS in codes:
        return t("notices.all_stations", lang)
    return ", ".join(short.get(c, c) for c in codes)


def when(ts: datetime, now: datetime) -> str:
    """``klo 16.00`` today, ``ti 24.11.2026 klo 8.00`` another day."""
    if timeutil.local_date(ts) == timeutil.local_date(now):
        return fmt.fmt_time(ts, lang)
    return f"{fmt.fmt_date(ts, lang, weekday=True)} {fmt.fmt_time(ts, lang)}"


def card(n: Notice, now: datetime) -> str:
    """One notice as escaped HTML: the text as written, then where, until when, and who wrote it when."""
    if n.withdrawn_at is not None:
        state, timing = "withdrawn", t("notices.withdrawn_at", lang, time=when(n.withdrawn_at, now),
                                       by=n.withdrawn_by or "-")
    elif n.ends_at <= now:
        state, timing = "ended", t("notices.ended_at", lang, time=when(n.ends_at, now))
    elif n.starts_at > now:
        state, timing = "upcoming", t("notices.starts_until", lang, start=when(n.starts_at, now),
                                      end=when(n.ends_at, now))
    else:
        state, timing = "active", t("notices.until", lang, time=when(n.ends_at, now))
    meta = " · ".join([stations_label(n.stations), timing,
                       t("notices.written", lang, author=n.author, time=when(n.created_at, now))])
    return (f'<div class="notice-card" data-notice="{n.id}" data-state="{state}">'
            f'<p class="notice-card-text">{escape(n.text)}</p><p class="notice-card-meta">{escape(meta)}</p></div>')


st.html(f"<style>{NOTICES_CSS}</style>")
st.title(t("notices.title", lang), anchor=False)
st.html(f'<p class="notices-help">{escape(t("notices.help", lang))}</p>')
now = timeutil.utcnow()
set_defaults(now)



def form() -> None:
    """The writing form (only for roles that may post)."""
    st.text_area(t("notices.text", lang), key="notice_text", height=110, placeholder=t("notices.placeholder", lang))
    length = shown_length(ss.get("notice_text", ""))
    if length > MAX_LENGTH:
        st.html(f'<p class="notice-count over" data-left="{MAX_LENGTH - length}">'
                f'{escape(t("notices.count_over", lang, n=length - MAX_LENGTH, max=MAX_LENGTH))}</p>')
    else:
        st.html(f'<p class="notice-count" data-left="{MAX_LENGTH - length}">'
                f'{escape(t("notices.count_left", lang, n=MAX_LENGTH - length, max=MAX_LENGTH))}</p>')

    st.multiselect(t("notices.stations", lang), [ALL_STATIONS, *names], key="notice_stations",
                   format_func=lambda c: t("notices.all_stations", lang) if c == ALL_STATIONS else names[c],
                   placeholder=t("notices.stations_placeholder", lang))
    end_date, end_time, author = st.columns([1, 1, 2], vertical_alignment="bottom")
    end_date.date_input(t("notices.end_date", lang), key="notice_end_date", format="DD.MM.YYYY")
    end_time.time_input(t("notices.end_time", lang), key="notice_end_time", step=300)
    if viewer.signed_in:  # the identity provider's name: not editable, so it can be trusted
        author.html(f'<p class="notice-author" data-author="signed-in">'
                    f'{escape(t("notices.author_signed_in", lang, name=writer()))}</p>')
    else:
        author.text_input(t("notices.author", lang), key="notice_author", max_chars=80)
    if st.toggle(t("notices.later", lang), key="notice_later"):
        start_date, start_time, _ = st.columns([1, 1, 2])
        start_date.date_input(t("notices.start_date", lang), key="notice_start_date", format="DD.MM.YYYY")
        start_time.time_input(t("notices.start_time", lang), key="notice_start_time", step=300)
    st.button(t("notices.post", lang), type="primary", on_click=post, key="notice_post")


if can_write:
    form()
else:
    st.info(t("access.notices_read_only", lang), icon=":material/visibility:")

feedback = ss.pop("_notice_feedback", None)
if feedback:
    kind, message = feedback
    (st.error if kind == "error" else st.success)(message, icon=":material/error:" if kind == "error" else None)

try:
    recent = store.notices(since=now - HISTORY)
except Exception as e:  # the store is down: say so, not a traceback
    sup.store_down(e, lang)
    st.stop()
current = [n for n in recent if n.withdrawn_at is None and n.ends_at > now]
current.sort(key=lambda n: (n.starts_at > now, n.ends_at))  # showing now first, then upcoming; soonest end first
ended = [n for n in recent if n not in current]
ended.sort(key=lambda n: n.withdrawn_at or n.ends_at, reverse=True)

st.subheader(t("notices.current", lang), anchor=False)
if not current:
    st.html(f'<p class="notices-empty">{escape(t("notices.none_current", lang))}</p>')
for n in current:
    if not can_write:
        st.html(card(n, now))
        continue
    text_col, button_col = st.columns([6, 1], vertical_alignment="center")
    text_col.html(card(n, now))
    button_col.button(t("notices.withdraw", lang), key=f"withdraw_{n.id}", on_click=withdraw, args=(n.id,))

st.subheader(t("notices.ended", lang), anchor=False)
if not ended:
    st.html(f'<p class="notices-empty">{escape(t("notices.none_ended", lang))}</p>')
for n in ended:
    st.html(card(n, now))
