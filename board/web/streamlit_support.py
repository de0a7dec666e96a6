"""Streamlit glue: one board (settings and store) per server process, and
view results shared by every session for a few seconds.

``st.cache_resource`` keeps one board, so one engine, per process;
``st.cache_data`` with a short TTL means a hundred wall screens on the same
station cost the store one query per TTL, not one per screen.

**Which board the pages read.** :func:`get_board`: the one handed over with
:func:`use_board` if any, else the process's own, made once by
:func:`board.factory.create_board` from the environment (what ``python -m
board serve`` passes its web server). AppTest runs the pages in the test's
own process, so a test hands them its board instead of patching environment
variables::

    use_board(create_board(config_dir, database_url, sign_in="off"))
    AppTest.from_file("pages/wall.py").run()
    use_board(None)  # back to the environment's

A test of what a page says about a wrong configuration hands over a maker
instead, ``use_board(lambda: create_board(config_dir))``: it is called when a
page first asks, and again until it succeeds (like the process's own board,
a :class:`~board.settings.ConfigError` is shown on the page, not kept).
Handing over (or back) clears the view caches: no page shows a result of the
previous board.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar

import streamlit as st

from board.domain.chart_note import ChartNote
from board.factory import Board, create_board
from board.read import overview, wall, wall_data
from board.settings import ConfigError, Settings
from board.store import Store
from board.web.changes import Versions
from board.web.kept import Kept
from board.web.kiosk import Spot
from board.web.wall_html import render_wall, spark_line
from board.web.wall_trends import TrendKeeper

VIEW_TTL_SECONDS = 5
#: A station's wall data is kept per change version; this bounds how long a change that bumps no version
#: (retention, a hand edit of the database) can stay off the walls.
DATA_TTL_SECONDS = 60

_maker: Callable[[], Board] | None = None
_handed: Board | None = None
#: The environment's board once made (:func:`get_board`).
_environment: Board | None = None
_versions: tuple[Board, Versions] | None = None
_trends: tuple[Board, TrendKeeper] | None = None
#: The reports cached by :func:`shared_report`, forgotten with the views.
_shared_reports: list[Any] = []

F = TypeVar("F", bound=Callable[..., Any])


def shared_report(ttl: int) -> Callable[[F], F]:
    """``st.cache_resource`` for a page's report: one object shared by every session for ``ttl`` seconds.

    Why not ``st.cache_data``: it pickles the result when it is made and
    unpickles a copy on every run. At 900 stations a week's access-to-care
    report took 0.5 s of CPU to pickle and unpickle, more than to compute
    (docs/PERFORMANCE.md, 7b). The reports are frozen dataclasses that the
    pages only read, never change, so one shared object is safe.
    """
    def wrap(fn: F) -> F:
        cached = st.cache_resource(ttl=ttl, max_entries=200, show_spinner=False)(fn)
        _shared_reports.append(cached)
        return cached  # type: ignore[return-value]
    return wrap


class AsIs:
    """Markup for ``st.html`` that is already clean: handed over through ``_repr_html_``, which Streamlit takes
    as it is. A plain string is dedented and stripped first (``textwrap.dedent``: 14 ms of CPU for the
    overview's 1.7 MB table at 900 stations, on every refresh, for markup written without indentation)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return self.text


def use_board(board: Board | Callable[[], Board] | None) -> None:
    """Make every page of this process read ``board``, or what ``board()`` makes (None: the environment's board
    again); clears the view caches."""
    global _maker, _handed, _environment
    _maker, _handed = (None, board) if isinstance(board, Board) else (board, None)
    _environment = None
    clear_view_caches()


def clear_view_caches() -> None:
    """Forget every view this process keeps, and the change versions it read (they are kept half a second): the
    next page run reads the store afresh. For handing over a board, and for tests that write and read at once."""
    global _versions, _trends
    st.cache_data.clear()
    for cached in (_wall_board, _station_data, all_station_views, *_shared_reports):
        cached.clear()
    _versions = _trends = None


@st.cache_resource(show_spinner=False)
def _environment_board() -> Board:
    return create_board()


def get_board() -> Board:
    """The board the pages read (see the module's docstring); a ConfigError when its configuration is wrong.

    The environment's board is kept in a plain global once made: a wall refresh asks for the board up to four
    times, and each call of the ``st.cache_resource`` function behind it went through Streamlit's cache lookup
    (argument hashing by signature, docs/PERFORMANCE.md 2b)."""
    global _handed, _environment
    if _handed is None and _maker is not None:
        _handed = _maker()
    if _handed is not None:
        return _handed
    if _environment is None:
        _environment = _environment_board()  # made once per process, by one thread (cache_resource's lock)
    return _environment


def get_settings() -> Settings:
    return get_board().settings


def get_store(url: str | None = None) -> Store:
    """The board's store (opened on first use). ``url`` is the pages' habit (``settings.database_url``): the
    board's own, so it is not needed to tell which store."""
    return get_board().store


class _Later:
    """``fn(*args)`` called when its result is first asked for (:func:`alongside` on SQLite)."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self._call: Callable[[], Any] | None = lambda: fn(*args)
        self._value: Any = None

    def result(self) -> Any:
        if self._call is not None:
            self._value, self._call = self._call(), None
        return self._value


@contextmanager
def alongside() -> Iterator[Callable[..., Future[Any] | _Later]]:
    """``run(fn, *args)``: a page's independent report started on a thread of its own, with this script run's
    context (Streamlit's caches see the same session), when the store is a database server
    (``Store.reads_beside``); else called when its ``.result()`` is asked, in the order they are asked (SQLite:
    its work is this process's own CPU). Leaving the block waits for what was started.

    Why: the weekly page's access-to-care and staff reports read the roll-up (~100 000 rows at 900 stations)
    and otherwise wait their turn behind the week's report, each waiting on PostgreSQL in turn
    (docs/PERFORMANCE.md 7b, session 14)."""
    if not get_store().reads_beside:
        yield _Later
        return
    from streamlit.runtime.scriptrunner_utils.script_run_context import add_script_run_ctx, get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)

    def with_context(fn: Callable[..., Any], *args: Any) -> Any:
        if ctx is not None:
            add_script_run_ctx(threading.current_thread(), ctx)
        return fn(*args)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="page-alongside") as pool:
        yield lambda fn, *args: pool.submit(with_context, fn, *args)


def store_down(error: BaseException, lang: str = "fi") -> None:
    """Say in words that the store cannot be read (never a traceback: with the store down, / and /notices
    showed a 44-frame one); the page's refresh tries again."""
    import logging

    from board.i18n import t

    logging.getLogger(__name__).warning("the store cannot be read: %s", type(error).__name__, exc_info=True)
    st.error(t("week.store_down", lang, error=type(error).__name__), icon=":material/cloud_off:")


def config_error_text(error: ConfigError, lang: str) -> str:
    """What a page says of a wrong configuration; a missing ``${NAME}`` secret in ``lang``, by its name (never a
    value), with the key that needs it and where to set it (the English detail alone did not say so in fi/sv)."""
    from board.i18n import t
    from board.settings import MissingSecretError

    if isinstance(error, MissingSecretError):
        return t("config.missing_secret", lang, name=error.name, setting=error.key, file=str(error.secrets_path))
    return t("config.error", lang, error=str(error))


def settings_or_stop(lang: str = "fi") -> Settings:
    """The settings, or a readable error on the page (and stop) when they are wrong."""

    try:
        return get_settings()
    except ConfigError as e:
        st.error(config_error_text(e, lang))
        st.stop()
        raise  # unreachable; keeps type checkers happy


def areas_from_url(settings: Settings) -> list[str]:
    """The configured wellbeing areas the URL names (``?area=kainuu&area=...``, any case); unknown ones are
    left out (a stale bookmark shows every area rather than nothing)."""
    known = {a.casefold(): a for a in settings.areas}
    return list(dict.fromkeys(known[v.strip().casefold()] for v in st.query_params.get_all("area")
                              if v.strip().casefold() in known))


def change_versions() -> Versions:
    """The change versions of the stations this process's walls show, re-read at most twice a second per process
    (board/web/changes.py)."""
    global _versions
    board = get_board()
    if _versions is None or _versions[0] is not board:
        _versions = (board, Versions(board.store.change_versions, read_some=board.store.change_versions))
    return _versions[1]


def wall_board(code: str, lang: str, spot: Spot | None = None, skipped: tuple[str, ...] = (),
               refresh: int = 15, rerun: tuple[str, str] | None = None) -> str:
    """The wall's HTML for ``code``, shared by every screen showing the same (see :func:`_draw_wall_board`);
    ``rerun`` the fragment and page it is drawn in (:func:`fragment_target`)."""
    return _wall_board(code, change_versions().of(code), lang, spot, skipped, refresh, rerun)


def fragment_target() -> tuple[str, str] | None:
    """The Streamlit fragment running now and its page: what the wall's page shell asks to rerun when the station's
    data changed (board/web/shell/shell.js). Every session of the same page layout has the same pair (Streamlit
    hashes the fragment's function and place), so boards carrying it are still shared. None outside a fragment.

    Why not a hidden button in the fragment for the shell to press: a widget is registered and one more element
    sent at *every* rerun of the fragment, timer reruns included, for a press that comes only when data changed
    (docs/PERFORMANCE.md 2b, fourth round)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState, get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    try:
        fragment = ThreadState.get().fragment_id
    except RuntimeError:  # no fragment state in this thread
        return None
    return (fragment, ctx.page_script_hash) if fragment else None


def _draw_wall_board(code: str, version: str, lang: str, spot: Spot | None, skipped: tuple[str, ...],
                     refresh: int, rerun: tuple[str, str] | None) -> str:
    """Rendered once per station, version and look per 5 s (as the view was cached before), and kept as the
    string itself (nothing pickled per refresh; board/web/kept.py: no argument hashing either). A new version is
    a new key: the first refresh after a write draws it. Store reads only when the version moved
    (:func:`_station_data`)."""
    from board.domain.timeutil import utcnow

    settings = get_settings()
    data = _station_data(code, version)
    trends, lines = station_trends(code, version, utcnow())
    now = max(utcnow(), data.read_at)  # after the trends were read; with_trends draws no point past it
    view = wall_data.view_at(settings, data, now, trends)
    return render_wall(view, lang, next_opening(code, now), spot, skipped, refresh, version=version, lines=lines,
                       rerun=rerun)


def _read_station_data(code: str, version: str) -> wall_data.StationData:
    """What the store holds for ``code``'s wall at ``version`` (four statements), shared and never modified."""
    from board.domain.timeutil import utcnow

    return wall_data.read_station(get_store(), code, utcnow())


_wall_board = Kept(_draw_wall_board, VIEW_TTL_SECONDS, most=20_000)
_station_data = Kept(_read_station_data, DATA_TTL_SECONDS, most=20_000)


def station_trends(code: str, version: str, now: datetime) -> tuple[dict, dict]:
    """Today's sparklines of ``code`` and their polylines, drawn once for every screen of the station and kept
    while its data stands still (board/web/wall_trends.py; shared as is, never pickled)."""
    global _trends
    board = get_board()
    if _trends is None or _trends[0] is not board:
        settings = board.settings

        def read(code: str, window: tuple[datetime, datetime], now: datetime) -> tuple[dict, dict]:
            trends = wall.station_trends(board.store, code, window[0], now, until=window[1])
            return trends, {family: spark_line(trend, window) for family, trend in trends.items() if len(trend) >= 2}

        _trends = (board, TrendKeeper(lambda code, now: wall.trend_window(settings, code, now), read))
    return _trends[1].get(code, version, now)


@st.cache_resource(ttl=VIEW_TTL_SECONDS, max_entries=200, show_spinner=False)
def all_station_views(areas: tuple[str, ...] = ()) -> list[wall.StationView]:
    """Every station's view (or the stations' of ``areas``), shared as is by every overview in this process for
    5 s (``cache_resource``: at 900 stations ``cache_data`` pickled them at every miss and unpickled them at
    every hit, 0.9 MB and ~0.25 s of CPU per overview refresh; the views are only read). An area's overview
    builds its own forty-odd views, not all 900."""
    settings = get_settings()
    codes = settings.area_stations(list(areas)) if areas else None
    return overview.all_station_views(settings, get_store(settings.database_url), codes=codes)


@st.cache_data(ttl=VIEW_TTL_SECONDS, show_spinner=False)
def firing_alerts() -> dict:  # dict[str, tuple[Alert, ...]]: each station's alerts firing now
    """Cleared at once by an acknowledgement, so the person who took an alert sees it taken."""
    settings = get_settings()
    return overview.firing_by_station(get_store(settings.database_url))


@st.cache_data(ttl=VIEW_TTL_SECONDS, show_spinner=False)
def alert_list(days: int = 7) -> list:  # list[Alert]: firing now, and those that ended in the last ``days``
    from datetime import timedelta

    from board.domain.timeutil import utcnow

    settings = get_settings()
    return get_store(settings.database_url).alerts(since=utcnow() - timedelta(days=days))


@st.cache_data(ttl=VIEW_TTL_SECONDS, show_spinner=False)
def day_curves(code: str) -> overview.DayCurves:
    """Today's queue and contacts against the same weekday last week (the overview's curves)."""
    from board.domain.timeutil import utcnow

    settings = get_settings()
    return overview.day_curves(settings, get_store(settings.database_url), code, utcnow())


def next_opening(code: str, now: datetime) -> datetime | None:
    return get_settings().opening_hours(code).next_opening(now)


def chart_notes(first: date, last: date, stations: Sequence[str] = ()) -> list[ChartNote]:
    """The chart notes of these days for these stations (not cached: a note just added shows at once)."""
    from board.read.chart_notes import notes_for

    settings = get_settings()
    return notes_for(get_store(settings.database_url), first, last, list(stations) or None,
                     {s.code: s.area for s in settings.stations})


def language() -> str:
    """The UI language: ?lang=sv|en in the URL, else the one chosen earlier in this browser session (put back
    into the URL, so a reload keeps it), else the configured default."""
    lang = st.query_params.get("lang")
    if lang in ("fi", "sv", "en"):
        st.session_state["_lang"] = lang
        return lang
    remembered = st.session_state.get("_lang")
    if remembered in ("fi", "sv", "en"):
        st.query_params["lang"] = remembered
        return remembered
    try:
        return get_settings().board.language
    except ConfigError:
        return "fi"


@st.cache_data(ttl=VIEW_TTL_SECONDS, show_spinner=False)
def source_statuses() -> list:  # list[SourceStatus]; cache_data pickles plain dataclasses
    from board.read.sources import source_statuses as read

    settings = get_settings()
    return read(settings, get_store(settings.database_url))


def source_overlaps(statuses: list) -> tuple[list, list]:  # (configured, seen): board/read/overlaps.py
    """Two sources of one figure for one station: from the configuration, and from the freshness of
    ``statuses`` (:func:`source_statuses`, cached); the store is asked only when some figure has two."""
    from board.read.overlaps import configured_overlaps, seen_overlaps

    settings = get_settings()
    return configured_overlaps(settings), seen_overlaps(settings, get_store(settings.database_url), statuses)


@st.cache_data(ttl=VIEW_TTL_SECONDS, show_spinner=False)
def channel_statuses() -> list:  # list[ChannelStatus]: the alert channels as /sources shows them
    from board.read.sources import channel_statuses as read

    settings = get_settings()
    return read(settings, get_store(settings.database_url))


def count_view(page: str, station: str = "") -> None:
    """Count one view of ``page`` (for ``station``) per browser session: a wall that refreshes itself all day is
    one view, not 5 760. Only counts are stored, nothing about who looked. Never breaks the page."""
    key = f"_counted:{page}:{station}"
    if st.session_state.get(key):
        return
    st.session_state[key] = True
    try:
        from board.domain.timeutil import local_date, utcnow

        settings = get_settings()
        get_store(settings.database_url).count_view(local_date(utcnow()), page, station)
    except Exception:  # counting is nice to have; the wall must show even if it fails
        import logging

        logging.getLogger(__name__).warning("could not count a view of %s", page, exc_info=True)

