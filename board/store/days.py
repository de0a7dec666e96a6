"""A day's summary of one station's metric: the rule by which readings fold into ``daily_readings``.

Every write keeps, per station, metric and Helsinki day, the day's **last**
reading (a cumulative ``*_today`` metric's day total, a gauge's end-of-day
value) and its **highest**, the latest of equal highest values: the two
readings retention thinning keeps, so thinning never changes a summary.
:meth:`DaySummary.merge` is that rule, used for a single reading, for a block's
day, and for a day recomputed from its readings; :data:`MERGE_SQL` is the same
rule in SQL for merging into a stored row.
"""

from __future__ import annotations

from datetime import date, datetime

#: (station, metric, Helsinki day): what a summary is kept for.
DayKey = tuple[str, str, date]


class DaySummary:
    """The time span a write covered of one day, its last reading and its highest reading."""

    __slots__ = ("first_ts", "last_ts", "last_value", "max_ts", "max_value")

    def __init__(self, first_ts: datetime, last_ts: datetime, last_value: float, max_ts: datetime,
                 max_value: float) -> None:
        self.first_ts, self.last_ts, self.last_value = first_ts, last_ts, last_value
        self.max_ts, self.max_value = max_ts, max_value

    @classmethod
    def of(cls, ts: datetime, value: float) -> DaySummary:
        """The summary of a single reading."""
        return cls(ts, ts, value, ts, value)

    def merge(self, first_ts: datetime, last_ts: datetime, last_value: float, max_ts: datetime,
              max_value: float) -> bool:
        """Fold in the summary of more readings of the same day (a single reading: all its times alike).

        When they all come after this summary's span (the usual order, oldest
        first) the later last wins, and the higher maximum, a tie going to the
        later one. Otherwise the result could be wrong (a repeated time may
        have overwritten a reading), so only the span's end is kept and False
        says: recompute this day from its readings.
        """
        if first_ts > self.last_ts:
            self.last_ts, self.last_value = last_ts, last_value
            if max_value >= self.max_value:
                self.max_ts, self.max_value = max_ts, max_value
            return True
        if last_ts > self.last_ts:
            self.last_ts, self.last_value = last_ts, last_value
        return False

    def may_have_lowered(self, stored_max_ts: datetime, stored_max_value: float) -> bool:
        """Whether this write may have lowered the reading that holds the stored row's maximum.

        Only if that reading lies inside the span this write covered, and this
        write's highest is below it, or ties it earlier (a later tie is the new
        latest highest: a quiet day's cumulative total re-sent, say). A merge
        cannot see such a correction, so the day is recomputed.
        """
        if not self.first_ts <= stored_max_ts <= self.last_ts:
            return False
        return self.max_value < stored_max_value or (
            self.max_value == stored_max_value and self.max_ts < stored_max_ts)

    def __repr__(self) -> str:
        return (f"DaySummary({self.first_ts}..{self.last_ts}, last={self.last_value}, "
                f"max={self.max_value} at {self.max_ts})")


_LATER = "excluded.last_ts >= daily_readings.last_ts"
_HIGHER = ("excluded.max_value > daily_readings.max_value OR (excluded.max_value = daily_readings.max_value "
           "AND excluded.max_ts >= daily_readings.max_ts)")
#: Every write of a day's readings raises its row's version, whatever it changed: what a kept combined peak
#: of that day is checked against (``board.store.periods``; a re-sent or a late reading alike).
_BUMP = "version = daily_readings.version + 1"
#: :meth:`DaySummary.merge` as the ``SET`` list of an upsert into ``daily_readings`` (``excluded``: the new row).
MERGE_SQL = ", ".join([*(
    f"{col} = CASE WHEN {cond} THEN excluded.{col} ELSE daily_readings.{col} END"
    for col, cond in (("last_ts", _LATER), ("last_value", _LATER), ("max_ts", _HIGHER), ("max_value", _HIGHER))),
    _BUMP])
#: A recomputed day replaces the stored row.
REPLACE_SQL = ", ".join([*(f"{c} = excluded.{c}" for c in ("last_ts", "last_value", "max_ts", "max_value")), _BUMP])
