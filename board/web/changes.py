"""Change-driven wall refresh: the web server's view of the stations' change versions, and the long poll a wall
waits on.

Why: a wall used to learn of new data only on its fragment timer (15 s), so
freshness was two timers added up. Rerunning the fragment every second
instead would cost an empty fragment rerun (~8 ms of server CPU) per screen
per second. Here a screen costs nothing while it waits:

* :class:`Versions` reads every station's change version
  (:meth:`board.store.Store.change_versions`, one small statement) at most
  every :data:`MAX_AGE` seconds per process, for every screen and page.
* :class:`Watch` is what ``GET /_board/changes?station=CODE&since=V`` waits
  on: the answer comes as soon as the station's version is not ``V``, or
  after :data:`LONG_POLL_SECONDS` with the version unchanged. One task per
  process reads the versions every :data:`MAX_AGE` s while anyone waits and
  wakes only the requests whose station moved.
* The page shell (``board/web/shell/shell.js``) holds one such request open
  per wall; when the answer differs from the version its board was drawn
  from (``data-version``) it presses the wall fragment's hidden button, which
  reruns that fragment only (pages/wall.py). The fragment's timer still runs,
  so the clock, stale marking and the disconnect watch work as before.

A version is ``"<station's>.<every station's>"``: notices on every station
bump the ``*`` row.

The long poll lasts :data:`LONG_POLL_SECONDS` (25 s): each "unchanged"
answer costs the server ~0.9 ms of CPU, one every 5 s per screen with the
earlier 5-s poll (docs/PERFORMANCE.md 2b). A server shutting down does not
wait for the open requests: :func:`install` makes Streamlit's ``Server.stop``
call :meth:`Watch.release` first, which answers every waiting wall at once
("unchanged") and every later request too, so uvicorn finds no request open.
The page shell's answers also count as the server's sign of life, so it asks
``/_stcore/health`` only when it has heard nothing else for a while.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Collection

log = logging.getLogger(__name__)

#: How old the versions may be when read (seconds): the change-driven part of a wall's freshness.
MAX_AGE = 0.5
#: Past this many stations followed, :class:`Versions` reads every station's version (one statement either way).
MOST_FOLLOWED = 200
#: How long a wall's request waits for a change before answering "unchanged" (seconds).
LONG_POLL_SECONDS = 25.0
ROUTE = "/_board/changes"


class Versions:
    """The stations' change versions, read at most every ``max_age`` seconds (thread-safe, shared).

    With ``read_some`` (``read_some(codes)``: the versions of ``codes`` and of ``*``), only the stations someone
    asked about are read: the versions a web server follows are its walls' stations, not every station in the
    store, so the read twice a second does not grow with the store (0.75 ms of CPU at 900 stations for the whole
    table, 0.12 ms at 30). A station asked about for the first time is read at once. Past ``most`` stations
    followed (a server showing hundreds, or a poll naming made-up codes) the whole table is read again: one
    statement either way, and the set stays bounded."""

    def __init__(self, read: Callable[[], dict[str, int]], max_age: float = MAX_AGE,
                 clock: Callable[[], float] = time.monotonic,
                 read_some: Callable[[Collection[str]], dict[str, int]] | None = None,
                 most: int = MOST_FOLLOWED) -> None:
        self._read, self._max_age, self._clock = read, max_age, clock
        self._read_some, self._most = read_some, most
        self._lock = threading.Lock()
        self._values: dict[str, int] | None = None
        self._read_at = 0.0
        #: The stations asked about (None: every station is read).
        self._followed: set[str] | None = set() if read_some is not None else None

    def all(self, follow: str | None = None) -> dict[str, int]:
        """The versions followed (every station's without ``read_some``), re-read when older than ``max_age``, or
        at once when ``follow`` is a station not followed yet (raises what the store raises)."""
        with self._lock:
            stale = self._values is None or self._clock() - self._read_at >= self._max_age
            followed = self._followed
            if follow is not None and followed is not None and follow not in followed:
                if len(followed) >= self._most:
                    self._followed = followed = None  # too many: read the whole table from now on
                else:
                    followed.add(follow)
                stale = True
            if stale:
                values = self._read() if followed is None or self._read_some is None else self._read_some(
                    frozenset(followed))
                self._values, self._read_at = values, self._clock()
            assert self._values is not None
            return self._values

    def of(self, code: str) -> str:
        """``code``'s version as a wall shows it in ``data-version``."""
        return _version(self.all(follow=code), code)


def _version(values: dict[str, int], code: str) -> str:
    return f"{values.get(code, 0)}.{values.get('*', 0)}"


class Watch:
    """Long polls on :class:`Versions`, answered from one reading task per process (in the server's event loop)."""

    def __init__(self, versions: Callable[[], Versions], period: float = MAX_AGE) -> None:
        self._versions, self._period = versions, period
        self._changed: asyncio.Condition | None = None
        self._task: asyncio.Task[None] | None = None
        self._waiting = 0
        self._seen: dict[str, int] | None = None
        self._released = False
        self._waking: asyncio.Task[None] | None = None

    async def wait(self, code: str, since: str, timeout: float = LONG_POLL_SECONDS) -> str:
        """``code``'s version once it is not ``since``, or after ``timeout`` seconds (unchanged)."""
        from starlette.concurrency import run_in_threadpool

        fresh = await run_in_threadpool(self._versions().all, code)
        current = _version(fresh, code)
        if current != since or self._released:
            return current
        if self._changed is None:
            self._changed = asyncio.Condition()
        self._waiting += 1
        if self._task is None or self._task.done():
            self._seen = dict(fresh)  # what the new task compares with (an old copy would wake every waiter)
            self._task = asyncio.get_running_loop().create_task(self._poll())
        try:
            async with self._changed:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self._released or self._of(code) != since), timeout)
        except TimeoutError:
            pass
        finally:
            self._waiting -= 1
        return self._of(code) if self._seen is not None else since

    def release(self) -> None:
        """Answer every waiting request now and every later one at once (the server is shutting down). Call from
        the event loop's thread (Streamlit's ``Server.stop`` runs there)."""
        self._released = True
        if self._changed is None:
            return
        changed = self._changed

        async def wake() -> None:
            async with changed:
                changed.notify_all()

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop running in this thread: nothing can be waiting on it either
            return
        self._waking = loop.create_task(wake())  # kept: a task nobody holds may be collected before it runs

    def _of(self, code: str) -> str:
        return _version(self._seen or {}, code)

    async def _poll(self) -> None:
        """Read the versions every ``period`` while anyone waits; wake the waiters when they moved."""
        from starlette.concurrency import run_in_threadpool

        failing = False
        while self._waiting > 0:
            try:
                fresh = await run_in_threadpool(self._versions().all)
                failing = False
            except Exception:  # the store is down: the walls say so themselves; keep waiting for it
                if not failing:
                    log.warning("cannot read the change versions", exc_info=True)
                failing = True
                fresh = None
            if self._released or (fresh is not None and fresh != self._seen):  # released: also from another thread
                if fresh is not None:
                    self._seen = dict(fresh)
                assert self._changed is not None
                async with self._changed:
                    self._changed.notify_all()
            await asyncio.sleep(self._period)


def _pages_versions() -> Versions:
    from board.web.streamlit_support import change_versions  # the pages' board, once the server runs them

    return change_versions()


#: The web server's one watch (installed by board/web/server.py).
WATCH = Watch(_pages_versions)


def install(watch: Watch = WATCH) -> None:
    """Add ``GET /_board/changes`` to Streamlit's server (before it starts), next to its health route, and have
    the server's stop release the waiting requests first (:meth:`Watch.release`)."""
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from streamlit.web.server.server import Server
    from streamlit.web.server.starlette import starlette_app

    stop = Server.stop
    if not getattr(stop, "_board_release", False):
        def stop_releasing(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            watch.release()
            return stop(self, *args, **kwargs)

        stop_releasing._board_release = True  # type: ignore[attr-defined]
        Server.stop = stop_releasing  # type: ignore[method-assign]

    original = starlette_app.create_health_routes
    if getattr(original, "_board_changes", False):
        return

    async def changes(request):  # type: ignore[no-untyped-def]
        code = request.query_params.get("station", "")[:40]
        since = request.query_params.get("since", "")[:40]
        try:
            version = await watch.wait(code, since)
        except Exception:  # the store cannot be read: the wall's own refresh says so in words
            log.debug("change versions unreadable", exc_info=True)
            return JSONResponse({"version": None}, status_code=503, headers={"Cache-Control": "no-store"})
        return JSONResponse({"version": version}, headers={"Cache-Control": "no-store"})

    def health_routes(runtime, base_url):  # type: ignore[no-untyped-def]
        base = (base_url or "").strip("/")
        return [*original(runtime, base_url), Route((f"/{base}" if base else "") + ROUTE, changes, methods=["GET"])]

    health_routes._board_changes = True  # type: ignore[attr-defined]
    starlette_app.create_health_routes = health_routes
