"""Building many small objects at once without the cycle collector running through them.

Why: the overview builds ~150 000 small objects for 900 stations (newest
values, figures, tiles, views). Each 700 new objects start a collection of
the young generation, every tenth of those the middle one, and now and then
the whole heap (every module, Streamlit's own objects, the views cached a
moment ago): at 900 stations that was about 40 % of the overview's data CPU
(docs/PERFORMANCE.md, 7a). Nothing built there refers back to itself, so the
cycle collector has nothing to find in it; reference counting frees it all.
With the collector paused the young objects are scanned once, when it is on
again, instead of over and over while they are made.

Process-wide (``gc`` has one switch): nested and concurrent uses (Streamlit
runs a thread per session) keep it off until the last one ends, and a
collector someone else turned off stays off.

Bounded: overlapping pauses (many overview screens refreshing, or a store read
inside a pause waiting on a lock or a stalled network) could otherwise keep
the collector off for as long as they keep overlapping, hours on a busy
server, and every reference cycle made meanwhile anywhere in the process
(Streamlit's sessions, exceptions and their tracebacks) would pile up. Once
the collector has been held off for :data:`MOST_OFF_SECONDS` in a row, the
next pause to begin or end runs one full collection (as the collector itself
would have), and the count starts again.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: How long overlapping pauses may hold the collector off before one full collection is run anyway (seconds).
MOST_OFF_SECONDS = 30.0

_lock = threading.Lock()
_depth = 0
_restore = False
_off_since = 0.0
_clock = time.monotonic


def _overdue() -> bool:
    """True (and the count restarted) when the pauses have held the collector off too long (under ``_lock``)."""
    global _off_since
    now = _clock()
    if now - _off_since < MOST_OFF_SECONDS:
        return False
    _off_since = now
    return True


@contextmanager
def cycles_paused() -> Iterator[None]:
    """Pause the cycle collector for the block (reference counting goes on: nothing acyclic is kept longer)."""
    global _depth, _restore, _off_since
    with _lock:
        if _depth == 0:
            _restore = gc.isenabled()
            _off_since = _clock()
            gc.disable()
            overdue = False
        else:
            overdue = _restore and _overdue()
        _depth += 1
    if overdue:
        gc.collect()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            overdue = False
            if _depth == 0:
                if _restore:
                    gc.enable()
            else:
                overdue = _restore and _overdue()
        if overdue:
            gc.collect()
