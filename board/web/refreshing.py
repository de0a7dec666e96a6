"""A part of a page that refreshes itself: the lists on /alerts and /sources.

Each such part is an ``st.fragment(run_every=…)`` that reruns alone on the
board's refresh period (``board.wall.refresh_seconds``), and each must do the
same three things on every rerun, which is why they live here once:

- check the sign-in again (a fragment rerun does not run the page's access
  check; without it an open tab kept showing new data after a sign-out in
  another tab, ``board.web.access.recheck``);
- read its data from the store, and when the store is down say so in words
  (the page's own ``*.store_down`` text) and keep refreshing, never a
  traceback;
- draw what it read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from board.i18n import t
from board.settings import Settings
from board.web import access

T = TypeVar("T")


def refreshing(settings: Settings, lang: str, read: Callable[[], T], down_key: str,
               draw: Callable[[T], None]) -> None:
    """Draw ``draw(read())`` now and again every refresh period; a failing ``read`` shows ``down_key``'s text
    with the error's type and is tried again on the next rerun."""

    @st.fragment(run_every=settings.board.wall.refresh_seconds)
    def part() -> None:
        access.recheck(settings)  # a sign-out in another tab, or the sign-in limit, ends this tab too
        try:
            data = read()
        except Exception as e:  # the store is down: say so, keep refreshing
            st.error(t(down_key, lang, error=type(e).__name__))
            return
        draw(data)

    part()
