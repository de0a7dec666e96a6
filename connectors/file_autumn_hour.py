"""The October hour that a report of hour ranges lists once: both hours merged into one row.

On the last Sunday of October the local clock runs 03.00–04.00 twice. Most contact-centre tools list that range
twice (read in row order as the summer-time hour and then the winter-time one, :class:`connectors.times.FoldTracker`),
but a tool that groups its figures by the wall clock's hour lists ``03:00-04:00`` **once**, with both hours' calls
in it. Read as the first hour only (as before 3 Dec 2026), the day's running total at 01.00 UTC held two hours'
calls an hour early: a silent mis-assignment.

A range row of a station's day that covers the first pass of the repeated hour whole, with no row of that station
and day in the second pass, is therefore that range **over both passes**: it ends an hour later, at its end on the
winter clock (``03:00-04:00`` ends at 04.00 winter time, 02.00 UTC), and its count is the sum of both hours, so the
running total at that end is right whether the tool merged the hours or the export simply has the hour once. A
gauge in it is the state at that end, as for every range. A range inside the repeated hour (``03:00-03:30`` listed
once) cannot be put on one stretch of time (its two halves are an hour apart), so it is refused with the reason,
and the running totals after it with it (:mod:`connectors.file_ranges`). A station and day with a refused range row
is left alone: the second pass may be the refused row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from board.domain.reading import Reading
from board.domain.reasons import Reason
from connectors.file_ranges import RangeKey, Span


def repeated_hour(day: date, zone: ZoneInfo) -> tuple[int, int] | None:
    """The repeated stretch of ``day`` as real minutes after its local midnight: (when the clocks go back, how
    far), e.g. (240, 60) on 25.10.2026 in Helsinki; None on a day they do not go back."""
    midnight = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    before = midnight.astimezone(zone).utcoffset()
    after = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).utcoffset()
    if before is None or after is None or after >= before:
        return None
    for minute in range(0, 26 * 60, 15):  # the change is on a quarter hour in every zone there is
        if (midnight + timedelta(minutes=minute)).astimezone(zone).utcoffset() != before:
            return minute, int((before - after).total_seconds() // 60)
    return None


def _offset(instant: datetime, zone: ZoneInfo) -> str:
    text = instant.astimezone(zone).strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def merged_hours(rows: list[tuple[str, list[Reading], bool]], spans: dict[int, Span], zone: ZoneInfo,
                 until: datetime, refused: list[tuple[str, str | None, RangeKey | None]]) -> dict[int, Reason]:
    """Spread each range row listed once over the October night's repeated hour across both passes (``rows`` and
    ``spans`` in place); return the rows that cannot be placed, with the reason."""
    problems: dict[int, Reason] = {}
    days: dict[tuple[str, date], list[int]] = defaultdict(list)
    for index, span in spans.items():
        if rows[index][1]:
            days[(rows[index][1][0].station, span[0])].append(index)
    bad = {(station, key[0] if key else None) for _where, station, key in refused}
    for (station, day), members in days.items():
        change = repeated_hour(day, zone)
        if change is None or (station, day) in bad or (station, None) in bad or (None, None) in bad:
            continue
        at, shift = change
        first, second = (at - shift, at), (at, at + shift)
        if any(spans[i][1] < second[1] and spans[i][2] > second[0] for i in members):
            continue  # the second pass is there: two hours, in row order
        midnight = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        for index in members:
            _day, start, end, written = spans[index]
            if not (start < first[1] and end > first[0]):
                continue
            plain = written.split(" (")[0]
            if start <= first[0] and end == first[1]:  # the whole repeated hour, once: over both passes
                ends = midnight + timedelta(minutes=end + shift)
                both = (f"{plain} ({_offset(midnight + timedelta(minutes=first[0]), zone)} and "
                        f"{_offset(ends, zone)}: both hours, listed once)")
                spans[index] = (day, start, end + shift, both)
                where, readings, date_only = rows[index]
                rows[index] = (where, [replace(r, ts=min(ends, until)) for r in readings], date_only)
            else:
                problems[index] = Reason(
                    "hour_range_listed_once", f"the hour range {plain} is within the hour that happened twice on "
                    f"{day.day}.{day.month}.{day.year} (the clocks were moved back), and the report lists it once: its "
                    "figures cannot be put on one stretch of time; export the night with the hour listed twice, or in "
                    "UTC", range=plain, day=f"{day.day}.{day.month}.{day.year}")
    return problems
