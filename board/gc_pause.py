"""Building or holding many small objects at once without the cycle collector running through them.

Used by the overview (building its views and table) and by the collector's item runs (a first load holds every
pulled item until it is counted: 1.7 million at a year, each full collection walked them all again while none
was garbage — 9.45 s of a year's load; docs/PERFORMANCE.md 5b). One pause for the process, so the two never
undo each other's switch and the bound below holds for both.

Why in the overview: it builds ~100 000 small objects for 900 stations (newest
values, figures, tiles, views). Each 700 new objects start a collection of
the young generation, every tenth of those the middle one, and now and then
the whole heap (every module, Streamlit's own objects, the views cached a
moment ago): at 900 stations that was about a third of the overview's data CPU
(docs/PERFORMANCE.md, 7a). Nothing built there refers back to itself, so the
cycle collector has nothing to find in it; reference counting frees it all.
With the collector paused the young objects are scanned once, when it is on
again, instead of over and over while they are made.

Process-wide (``gc`` has one switch): nested and concurrent uses (Streamlit
runs a thread per session) keep it off until the last one ends, and a
collector someone else turned off stays off.

Bounded: a pause that lasts (a store read inside it waiting on a stalled
network or a lock) or pauses that keep overlapping (many overview screens)
could otherwise keep the collector off for as long as they last, hours on a
busy server, and every reference cycle made meanwhile anywhere in the process
(Streamlit's sessions, exceptions and their tracebacks) would pile up: the
web server relies on the automatic collector (Streamlit's post-script
``gc.collect`` is off, ``.streamlit/config.toml``). A watcher thread, started
with the first pause, runs one full collection whenever the collector has been
held off for :data:`MOST_OFF_SECONDS` in a row (as the collector itself would
have), and the count starts again.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: How long pauses may hold the collector off before one full collection is run anyway (seconds).
MOST_OFF_SECONDS = 30.0

_lock = threading.Lock()
_changed = threading.Condition(_lock)
_depth = 0
_restore = False
_off_since = 0.0
_watcher: threading.Thread | None = None


def _watch() -> None:
    """Run a full collection each time the pauses have held the collector off for MOST_OFF_SECONDS in a row."""
    global _off_since
    while True:
        with _changed:
            while _depth == 0 or not _restore:  # nothing paused by us: nothing to watch
                _changed.wait()
            due = _off_since + MOST_OFF_SECONDS - time.monotonic()
            if due > 0:
                _changed.wait(due)
                continue  # look again: the pause may have ended, or a new one begun
            _off_since = time.monotonic()
        gc.collect()


@contextmanager
def cycles_paused() -> Iterator[None]:
    """Pause the cycle collector for the block (reference counting goes on: nothing acyclic is kept longer)."""
    global _depth, _restore, _off_since, _watcher
    with _lock:
        if _depth == 0:
            _restore = gc.isenabled()
            _off_since = time.monotonic()
            gc.disable()
            if _watcher is None:
                _watcher = threading.Thread(target=_watch, name="gc-pause-watch", daemon=True)
                _watcher.start()
            _changed.notify_all()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _restore:
                gc.enable()
