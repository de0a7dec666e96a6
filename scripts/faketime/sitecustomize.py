"""Loaded (through PYTHONPATH) only by scripts/test_clock.sh, in every Python process of a clock sweep.

libfaketime 0.9.10 (Debian 12) with FAKETIME_DONT_FAKE_MONOTONIC=1 refuses ``clock_nanosleep(CLOCK_MONOTONIC,
TIMER_ABSTIME)`` with EINVAL, which is how Python 3.11's ``time.sleep`` waits, so every ``time.sleep`` raised
OSError. (Faking the monotonic clock too is worse: ``threading.Event().wait(0.3)`` never returns.) Here
``time.sleep`` waits in ``select`` instead, which libfaketime passes through with its relative timeout.
"""

import os

if os.environ.get("FAKETIME") and "faketime" in os.environ.get("LD_PRELOAD", ""):
    import select
    import time

    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        select.select([], [], [], seconds)  # PEP 475: resumed with the time left when a signal interrupts it

    time.sleep = _sleep
