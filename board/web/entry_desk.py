"""What the three dated-entry pages (/notices, /notes, /manual) share: who writes, the feedback flash, withdrawing.

Each of those pages lets a role write something dated that others see (a
notice on the walls, a note on the charts, a figure typed by hand) and take
it back. They differ in what is written; they must not differ in who is
recorded as writing it or in how a withdrawal is guarded, so that part lives
here once:

- the writer is the signed-in person's name from the identity provider, and
  only with sign-in off (the demo) the name typed in the form;
- every callback checks the role again itself (a forged click changes nothing);
- who withdrew is the writer's name with white space folded, at most 80
  characters, "-" when empty (the store keeps it for the audit);
- "Poista" may only ask first (the "asked" flag) and the answer runs the
  withdrawal;
- what the last callback did is shown once (the feedback flash).

``open_page`` is the pages' common start: settings, the access check, the
store (a store that cannot be opened is said in words, not a traceback) and
the view count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, NamedTuple

import streamlit as st

from board.domain import timeutil
from board.domain.access import Page, Viewer
from board.i18n import t
from board.settings import Settings
from board.store import Store
from board.web import access, nav
from board.web import streamlit_support as sup

#: Who withdrew is kept to this many characters.
BY_LENGTH = 80


class Opened(NamedTuple):
    """A dated-entry page after its common start."""

    lang: str
    settings: Settings
    viewer: Viewer
    store: Store


def open_page(page: Page, view: str) -> Opened:
    """Language, settings, the access check and the store; stops the page (in words) when the store cannot open."""
    lang = sup.language()
    nav.page_setup(page, lang)
    settings = sup.settings_or_stop(lang)
    viewer = access.require(page, lang, settings)
    try:
        store = sup.get_store(settings.database_url)
    except Exception as e:  # the store cannot be opened: say so, not a traceback
        sup.store_down(e, lang)
        st.stop()
    sup.count_view(view)
    return Opened(lang, settings, viewer, store)


class DeskKeys(NamedTuple):
    """A page's session keys, and how its errors look."""

    author: str  # the name typed in the form (sign-in off)
    feedback: str  # the flash of what the last callback did
    asked: str = ""  # the id "Poista" asks about ("": the page withdraws without asking)
    error_icon: str | None = None  # the icon an error flash carries (None: Streamlit's default)


@dataclass(frozen=True)
class EntryDesk:
    """Who is at a dated-entry page, in which language, and the stations (code -> name) an entry can be about.

    A page's desk names its write permission and its session keys; nothing else differs."""

    #: The permission that writes and withdraws on this page.
    WRITE: ClassVar[Page]
    KEYS: ClassVar[DeskKeys]

    lang: str
    viewer: Viewer
    store: Store
    names: dict[str, str]

    @property
    def can_write(self) -> bool:
        return self.viewer.can(self.WRITE)

    def writer(self) -> str:
        """Who writes or withdraws: the signed-in person, or (sign-in off, the demo) the name typed in the form."""
        if self.viewer.signed_in:
            return self.viewer.name or self.viewer.email
        return str(st.session_state.get(self.KEYS.author, ""))

    def withdrawn_by(self) -> str:
        """The writer as the store records who withdrew: white space folded, at most 80 characters, never empty."""
        return " ".join(self.writer().split())[:BY_LENGTH] or "-"

    def flash(self, kind: str, text: str) -> None:
        """What a callback did, for ``feedback`` to show once on the next draw ("error" or "success")."""
        st.session_state[self.KEYS.feedback] = (kind, text)

    def feedback(self) -> None:
        """What the last callback did (set by ``flash``, shown once)."""
        message = st.session_state.pop(self.KEYS.feedback, None)
        if message:
            kind, text = message
            if kind == "error":
                st.error(text, icon=self.KEYS.error_icon)
            else:
                st.success(text)

    def store_down(self, error: BaseException) -> None:
        """A store that failed while writing: the writer is told; nothing is half-stored (one transaction)."""
        self.flash("error", t("week.store_down", self.lang, error=type(error).__name__))

    def ask(self, entry_id: int | None) -> None:
        """"Poista" only asks; None cancels. What is withdrawn cannot be brought back, and the button sits next to
        the next entry's."""
        st.session_state[self.KEYS.asked] = entry_id

    def asked(self, entry_id: int) -> bool:
        return self.KEYS.asked != "" and st.session_state.get(self.KEYS.asked) == entry_id

    def withdraw(self, entry_id: int, take_back: Callable[[int, str, datetime], bool], done_key: str) -> None:
        """Withdraw an entry (the callback): the asked flag ends, the role is checked again, the store records who
        withdrew and when; "done" is flashed only when the store did withdraw something."""
        if self.KEYS.asked:
            st.session_state.pop(self.KEYS.asked, None)
        if not self.can_write:
            return
        if take_back(entry_id, self.withdrawn_by(), timeutil.utcnow()):
            self.flash("success", t(done_key, self.lang))


@dataclass(frozen=True)
class AskLabels:
    """The text keys of a row's withdraw button and its question."""

    button: str
    ask: str
    yes: str
    no: str
    key: str  # the widgets' key prefix


def entry_row(desk: EntryDesk, entry_id: int, html: str, labels: AskLabels,
              on_yes: Callable[[EntryDesk, int], None]) -> None:
    """An entry in a list: for a reader the card alone; for a writer the card and "Poista", which first asks
    (yes withdraws, no keeps the entry)."""
    if not desk.can_write:
        st.html(html)
        return
    lang = desk.lang
    text_col, button_col = st.columns([6, 1], vertical_alignment="center")
    text_col.html(html)
    if not desk.asked(entry_id):
        button_col.button(t(labels.button, lang), key=f"{labels.key}_{entry_id}", on_click=desk.ask,
                          args=(entry_id,))
        return
    with button_col:  # the question in place of the button
        st.caption(t(labels.ask, lang))
        st.button(t(labels.yes, lang), key=f"{labels.key}_yes_{entry_id}", type="primary",
                  on_click=on_yes, args=(desk, entry_id))
        st.button(t(labels.no, lang), key=f"{labels.key}_no_{entry_id}", on_click=desk.ask, args=(None,))
