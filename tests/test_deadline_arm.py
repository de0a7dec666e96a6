"""The pull deadline's watchdog never cancels on a connection the pull has already closed.

The caller closes its connection right after disarming; a driver's cancel still running then (or starting
after) works on a freed handle — a segfault in CI on 2 Dec 2026 (connectors/deadline.py ``fire``).
"""

from __future__ import annotations

import threading
import time

from connectors.deadline import Deadline


def test_disarming_waits_for_a_cancel_under_way() -> None:
    started, finished = threading.Event(), threading.Event()

    def slow_cancel() -> None:
        started.set()
        time.sleep(0.3)
        finished.set()

    disarm = Deadline(0.0).arm(slow_cancel)
    assert started.wait(5), "the deadline had passed: the watchdog should have fired"
    disarm()
    assert finished.is_set(), "disarm returned while the cancel was still running"


def test_no_cancel_after_disarming() -> None:
    called = threading.Event()
    disarm = Deadline(0.2).arm(called.set)
    disarm()
    time.sleep(0.5)
    assert not called.is_set()
