"""Wall display (/wall?station=CODE): a station's situation for a corridor TV.

The tiles live in ``st.fragment(run_every=...)``: only the fragment reruns,
so the page never reloads or flickers, and the TV needs no clicks, no login
and no extension. (streamlit-autorefresh would rerun the whole page; it is
meant for kiosk rotation between stations, where a whole-page change is the
point.) Optional URL parameters: ``lang=sv|en``, ``refresh=SECONDS``.
"""

import logging

import streamlit as st

from board.domain.timeutil import utcnow
from board.web import streamlit_support as sup
from board.web.style import WALL_CSS
from board.web.wall_html import render_station_picker, render_unavailable, render_wall

lang = sup.language()
settings = sup.settings_or_stop(lang)
st.html(f"<style>{WALL_CSS}</style>")

code = st.query_params.get("station")
if code not in settings.station_by_code:
    st.html(render_station_picker(settings.stations, lang, unknown=code))
    st.stop()

try:
    refresh = max(2, min(3600, int(st.query_params.get("refresh", settings.board.wall.refresh_seconds))))
except ValueError:
    refresh = settings.board.wall.refresh_seconds


@st.fragment(run_every=refresh)
def live_board() -> None:
    try:
        view = sup.station_view(code)
    except Exception:  # the store is down or locked: say so in words, keep refreshing, show no numbers
        logging.getLogger(__name__).exception("wall %s: cannot read the store", code)
        st.html(render_unavailable(settings.station(code).name, utcnow(), lang, refresh))
        return
    st.html(render_wall(view, lang, sup.next_opening(code, view.now)))


live_board()
