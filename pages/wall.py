"""Wall display (/wall?station=CODE): a station's situation for a corridor TV.

The tiles live in ``st.fragment(run_every=...)``: only the fragment reruns,
so the page never reloads or flickers, and the TV needs no clicks, no login
and no extension. Optional URL parameters: ``lang=sv|en``, ``refresh=SECONDS``.

Public and read-only by design (``board.domain.access.PUBLIC``): unlike every
other page it does not call ``board.web.access.require``, so a TV never signs
in and never gets signed out; it shows figures, names from the configuration
and notices (escaped), no other text anyone typed (tests/test_access_pages.py).

Kiosk rotation: ``?station=kajaani&station=sotkamo&rotate=20`` shows each
station for 20 s in turn; ``?rotate=20`` alone cycles through the stations
open now (all when none is). The tick is streamlit-autorefresh, not the
fragment timer: changing station changes the whole page (another station's
view, its own view count, the "2/3 · seuraavaksi …" line), so a whole-page
rerun is exactly what is wanted there, and the component's counter says which
station is due (its counter lives in the browser tab and starts at 0 when
the tab loads, so a reloaded TV starts again from the first station). The
fragment's reruns do not touch the component, so the two timers stay
independent.

Between ticks the wall follows its station's data: the page shell waits on
``/_board/changes`` and, when the station's change version moves, sends the
server the same fragment rerun request the fragment's timer sends
(board/web/changes.py), so a new value is shown within a second or two of
reaching the store. ``debounce=False`` keeps the rotation on its own cadence instead
of restarting the timer after every page rerun: a TV has no user input to wait
for. Which station a tick shows is decided in ``board/web/kiosk.py`` (pure
functions, tested without a browser; AppTest cannot tick a custom component).
"""

import logging

import streamlit as st
from streamlit_autorefresh import st_autorefresh

from board.domain.access import Page
from board.domain.timeutil import utcnow
from board.web import kiosk, nav, style
from board.web import streamlit_support as sup
from board.web.wall_html import render_station_picker, render_unavailable

lang = sup.language()
nav.page_setup(Page.WALL, lang)  # no header: a TV shows only the station
settings = sup.settings_or_stop(lang)
style.apply(style.WALL_CSS)

plan = kiosk.plan_wall(st.query_params.get_all("station"), st.query_params.get("rotate"),
                       list(settings.station_by_code), kiosk.open_stations(settings, utcnow()))
if not plan.stations:
    st.html(render_station_picker(settings.stations, lang, unknown=plan.unknown[0] if plan.unknown else None))
    st.stop()

spot = None
if plan.rotate_seconds is not None:
    # Returns how many ticks have passed (0 before the first); the iframe is hidden by WALL_CSS.
    ticks = st_autorefresh(interval=plan.rotate_seconds * 1000, debounce=False, key="kiosk_rotation")
    spot = kiosk.choose(plan, ticks, kiosk.short_names(settings))
code = spot.code if spot else plan.stations[0]
sup.count_view("wall", code)

try:
    refresh = max(2, min(3600, int(st.query_params.get("refresh", settings.board.wall.refresh_seconds))))
except ValueError:
    refresh = settings.board.wall.refresh_seconds


@st.fragment(run_every=refresh)
def live_board() -> None:
    # The board names this fragment (data-fragment, data-page): when the station's data has changed the page shell
    # asks the server to rerun it (board/web/changes.py), as the fragment's own timer does, so a new value is on
    # the wall within a second or two instead of at the next tick.
    try:
        board = sup.wall_board(code, lang, spot, tuple(plan.unknown), refresh, sup.fragment_target())
    except Exception:  # the store is down or locked: say so in words, keep refreshing, show no numbers
        logging.getLogger(__name__).exception("wall %s: cannot read the store", code)
        st.html(render_unavailable(settings.station(code).name, utcnow(), lang, refresh))
        return
    st.html(sup.AsIs(board))  # written without indentation: not dedented again at every refresh


live_board()
