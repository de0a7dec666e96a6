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
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_restore = False


@contextmanager
def cycles_paused() -> Iterator[None]:
    """Pause the cycle collector for the block (reference counting goes on: nothing acyclic is kept longer)."""
    global _depth, _restore
    with _lock:
        if _depth == 0:
            _restore = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _restore:
                gc.enable()
