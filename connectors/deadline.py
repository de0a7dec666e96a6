"""A total deadline for one pull or one ``check``: not per read, for the whole of it.

Per-read timeouts do not bound a pull: a server that sends one byte every
0.5 s never lets a 2-s read timeout fire, and held a run for 7 min 44 s. So
the collector (and ``check``) give each pull a :class:`Deadline`
(``pull_timeout_seconds`` of the source) and make it *current* for the
thread that runs the pull (a context variable: each source has its own
thread). Then

* the collector checks it between the items a connector yields, which
  bounds any source that keeps producing;
* the REST connector's network layer shortens every connect, read and
  write to what is left of it (``connectors/bounded_http.py``), which bounds
  a server that trickles or stalls;
* the sql connector arms a watchdog that cancels the running statement
  through the driver when the deadline passes, which bounds a slow query or
  a slow stream of rows.

A pull stopped by its deadline fails as a transient error that is not
retried within the run (the time is up); its bookmark stays, so the next
run asks for the same window again.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from board.domain.reasons import Reason
from connectors.errors import TransientError

_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("pull_deadline", default=None)


class DeadlineExceeded(TransientError):
    """The pull (or check) ran past its ``pull_timeout_seconds``."""


class Deadline:
    def __init__(self, seconds: float, what: str = "the pull", clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = float(seconds)
        self.what = what
        self._clock = clock
        self.expires = clock() + self.seconds

    def remaining(self) -> float:
        return self.expires - self._clock()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def exceeded(self) -> DeadlineExceeded:
        text = (f"{self.what} took longer than {self.seconds:g} s (pull_timeout_seconds) and was stopped: the "
                "source answered too slowly; the next run asks for the same window again")
        for start, code in (("the pull of ", "pull_timeout"), ("the check of ", "check_timeout")):
            if self.what.startswith(start):  # with a code, for the Sources page in the UI's language
                return DeadlineExceeded(Reason(code, text, source=self.what[len(start):], seconds=self.seconds))
        return DeadlineExceeded(text)

    def check(self) -> None:
        if self.expired():
            raise self.exceeded()

    @contextmanager
    def active(self) -> Iterator[Deadline]:
        """Make this the current deadline of the running thread (for the connectors' blocking calls)."""
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)

    def arm(self, cancel: Callable[[], None]) -> Callable[[], None]:
        """Call ``cancel`` from another thread when the deadline passes; returns the function that disarms it.

        For a call that blocks where no timeout reaches (a database statement, a stream of rows): the
        driver's own cancel (``cursor.cancel()``, ``connection.cancel()``, ``interrupt()``) ends it.
        """
        # Disarming waits for a cancel already under way: the caller closes the connection right after, and a
        # driver's cancel running on a closed (freed) handle crashed the process (a segfault in CI, 2 Dec 2026).
        lock = threading.Lock()
        disarmed = False

        def fire() -> None:
            with lock:
                if disarmed:
                    return
                with contextlib.suppress(Exception):  # a connection already closed needs no cancelling
                    cancel()

        def disarm() -> None:
            nonlocal disarmed
            timer.cancel()
            with lock:
                disarmed = True

        timer = threading.Timer(max(self.remaining(), 0.0), fire)
        timer.daemon = True
        timer.start()
        return disarm


def current() -> Deadline | None:
    """The deadline of the pull running in this thread, if any."""
    return _current.get()


def bounded(timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left of the current deadline (unchanged without one)."""
    deadline = current()
    if deadline is None:
        return timeout
    remaining = max(deadline.remaining(), 0.0)
    return remaining if timeout is None else min(timeout, remaining)


def expired() -> bool:
    deadline = current()
    return deadline is not None and deadline.expired()
