"""When the weekly report is due, and which week it is of: pure, in Helsinki time, DST-correct.

The report leaves at a weekday and clock time (Helsinki: Monday 07.00 by
default) and is of the ISO week *before* the week that moment falls in: on
Monday 30.11. at 07.00 the report of week 48 (23.–29.11.). Only the newest
due moment counts: a collector that was down for a fortnight sends the
last week's report once, not a backlog; and only within ``send_within`` of
its moment, so a board first started on a Thursday does not mail Monday's
report then.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from board.domain.timeutil import at_local, local_date
from board.domain.weeks import IsoWeek


def last_due(now: datetime, weekday: int, clock: time) -> datetime:
    """The newest scheduled moment at or before ``now`` (UTC), ``weekday`` 0 = Monday, ``clock`` Helsinki."""
    today = local_date(now)
    day = today - timedelta(days=(today.weekday() - weekday) % 7)
    moment = at_local(day, clock)
    return moment if moment <= now else at_local(day - timedelta(days=7), clock)


def report_week(moment: datetime) -> IsoWeek:
    """The ISO week a report sent at ``moment`` is of: the week before the one the moment falls in."""
    return IsoWeek.of(local_date(moment)).previous()


def due_week(now: datetime, weekday: int, clock: time, send_within: timedelta) -> IsoWeek | None:
    """The week whose report is due now, or None when the newest moment is longer ago than ``send_within``."""
    moment = last_due(now, weekday, clock)
    return report_week(moment) if now - moment <= send_within else None
