"""Is a source healthy? The administrator's first question, answered from the store alone.

The Sources page never talks to a source (that is the collector's job); it
reads the collector's run records and the newest readings, and judges:

* ``failing``  the last run ended in an error (the message says why);
* ``late``     no run for a long while: the collector is not running, or the
               source hangs (a run should start every ``interval_seconds``);
* ``partial``  runs succeed, but the newest run that read anything refused
               some of it (rows, readings or a whole file), or its rows do not
               add up (the run ledger): a warning with the count and reasons,
               never "no new data";
* ``stale``    runs succeed but bring nothing new: the newest reading from
               this source is older than ``stale_after_seconds``;
* ``never``    the collector has never run this source;
* ``disabled`` switched off in ``sources.yaml``;
* ``ok``       otherwise.

The order above is the order of importance when several apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class SourceHealth(StrEnum):
    OK = "ok"
    FAILING = "failing"
    LATE = "late"
    PARTIAL = "partial"
    STALE = "stale"
    NEVER = "never"
    DISABLED = "disabled"


#: Worst first: the page lists sources in this order.
SEVERITY = [SourceHealth.FAILING, SourceHealth.LATE, SourceHealth.PARTIAL, SourceHealth.STALE, SourceHealth.NEVER,
            SourceHealth.OK, SourceHealth.DISABLED]

#: A run may start this much later than its interval before the source counts as late.
LATE_GRACE = timedelta(seconds=60)


@dataclass(frozen=True)
class RunFacts:
    started_at: datetime
    finished_at: datetime
    ok: bool


def late_after(interval_seconds: int) -> timedelta:
    """How long without a new run before a source is late: two missed turns plus a minute."""
    return timedelta(seconds=2 * interval_seconds) + LATE_GRACE


def judge(*, enabled: bool, interval_seconds: int, stale_after_seconds: int, last_run: RunFacts | None,
          newest_reading: datetime | None, now: datetime, refused: bool = False) -> SourceHealth:
    """The health of one source at ``now``; ``refused``: the newest run that read anything refused some of it
    (or its rows did not add up)."""
    if not enabled:
        return SourceHealth.DISABLED
    if last_run is None:
        return SourceHealth.NEVER
    if not last_run.ok:
        return SourceHealth.FAILING
    if now - last_run.finished_at > late_after(interval_seconds):
        return SourceHealth.LATE
    if refused:
        return SourceHealth.PARTIAL
    if newest_reading is None or now - newest_reading > timedelta(seconds=stale_after_seconds):
        return SourceHealth.STALE
    return SourceHealth.OK


def is_fresh(ts: datetime | None, now: datetime, stale_after_seconds: int) -> bool:
    return ts is not None and now - ts <= timedelta(seconds=stale_after_seconds)
