"""A value per key for a few seconds, shared by every session of the web server: the wall's board and data.

Why not ``st.cache_resource``: it finds a value by hashing the call's
arguments through ``inspect.signature`` and its own hasher, ~0.23 ms of CPU
per call. A wall refresh asked it twice (the board, and on a new board the
station's data), at every refresh of a station with one screen: a few per cent
of a refresh's whole CPU, above the empty fragment it is measured against
(docs/PERFORMANCE.md 2b). The wall's keys are small tuples of strings and
numbers, so a dict finds them in microseconds. Like ``st.cache_resource``,
the value is handed out as is (never copied or pickled: the callers only read
it), a key is made by one thread at a time (the others wait and take its
value), and a call that raises keeps nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """``make(*key)`` per key, kept for ``ttl`` seconds and at most ``most`` keys (thread-safe)."""

    def __init__(self, make: Callable[..., V], ttl: float, most: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._make, self._ttl, self._most, self._clock = make, ttl, most, clock
        self._values: dict[tuple[Hashable, ...], tuple[float, V]] = {}
        self._making: dict[tuple[Hashable, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    def __call__(self, *key: Hashable) -> V:
        kept = self._values.get(key)
        if kept is not None and self._clock() < kept[0]:
            return kept[1]
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            kept = self._values.get(key)
            if kept is not None and self._clock() < kept[0]:
                return kept[1]  # made by the thread this one waited for
            try:
                value = self._make(*key)
            except BaseException:
                with self._lock:
                    self._making.pop(key, None)
                raise
            with self._lock:
                self._values.pop(key, None)  # re-inserted at the end: the oldest made are first
                self._values[key] = (self._clock() + self._ttl, value)
                # Let go of the making only with the value in: a caller arriving in between made the key again.
                self._making.pop(key, None)
                self._trim()
            return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)

    def _trim(self) -> None:
        """Drop the expired values, then the oldest made until ``most`` are left (under ``_lock``).

        At every making, not only past ``most``: a wall's keys carry the station's version, which moves every
        cycle, so keys are made all day and each is asked for only until the next version. Kept until ``most``
        keys were there, 20 000 boards and 20 000 stations' data stayed in memory long after their seconds
        (``st.cache_resource``'s TTL cache dropped them as it went). The values are in the order made and all
        live ``ttl``, so the expired are at the front: the sweep stops at the first one still current."""
        now = self._clock()
        values = self._values
        while values:
            first = next(iter(values))
            if values[first][0] > now and len(values) <= self._most:
                break
            del values[first]
