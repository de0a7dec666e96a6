"""A report with a row per hour range (``Aikaväli`` ``8.00–9.00``): each day's counts summed into the running total.

Contact-centre and telephony reports give a station's figures per interval. What a row means depends on the
figure (docs/DOMAIN in the product brief; ``board.domain.figures``):

* a **daily count** (``contacts_phone_today``: calls since midnight) is a sum: the row holds the range's calls,
  so the day's running total at the range's end is the sum of that day's ranges up to it, in time order;
* a **gauge** (``queue_waiting``, the oldest wait) is a state: the row's value is the state at the range's end,
  stored as it is (:meth:`connectors.mapping.RecordMapper.map` stamps every range row at its end);
* a **share** of the day cannot be made from one hour's share and is refused there (the mapper says so).

A sum is only right when every range before it is in it, so two ranges of one station and day that overlap refuse
both rows, and a range row refused for any reason (a bad value) refuses the later ranges of its station's day:
their running totals would silently miss its calls. Identical repeats are taken once.

A range's start and end are real minutes after the local midnight, as the mapper placed them
(:meth:`connectors.mapping.RecordMapper.last_interval`): the October night's two ``3.00–4.00`` hours are 180–240
and 240–300, one after the other, and the March night's ``4.00–5.00`` follows ``2.00–3.00`` with no gap; reasons
say each range as the report wrote it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from itertools import pairwise

from board.domain.metrics import METRICS
from board.domain.reading import Reading
from board.domain.reasons import Reason
from connectors.repeats import where_words

#: A range row: its day, start and end (real minutes after the local midnight), and the range as written.
Span = tuple[date, int, int, str]
#: A refused range row's day, and the minute from which that day's later ranges are refused with it.
RangeKey = tuple[date, int]


def _range(span: Span) -> str:
    return span[3]


def _summed(metric: str) -> bool:
    figure = METRICS.get(metric)
    return figure is not None and figure.kind == "daily" and figure.unit == "count"


def running_totals(rows: list[tuple[str, list[Reading], bool]], spans: dict[int, Span],
                   refused: list[tuple[str, str | None, RangeKey | None]]) -> dict[int, Reason]:
    """Replace each range row's daily counts by the day's running total at the range's end (in ``rows``, in place);
    return the rows to refuse instead, with the reason.

    ``refused``: the range rows the mapper refused, each as (where, station, (day, start)) as far as they could be
    read (station None: not one of ours; None: its day or range could not be read, so all its station's days).
    """
    problems: dict[int, Reason] = {}
    given = {index: _values(rows[index][1]) for index in spans}  # as the rows say, before any sum
    groups: dict[tuple[str, str, date], list[tuple[int, int, int, int]]] = defaultdict(list)
    for index, span in spans.items():
        for position, reading in enumerate(rows[index][1]):
            if _summed(reading.metric):
                groups[(reading.station, reading.metric, span[0])].append((span[1], span[2], index, position))
    for (station, _metric, day), members in groups.items():
        members.sort()
        for (start_a, end_a, a, _pa), (start_b, end_b, b, _pb) in pairwise(members):
            same = (start_a, end_a) == (start_b, end_b) and given[a] == given[b]
            if start_b < end_a and not same:
                for this, other in ((a, b), (b, a)):
                    problems.setdefault(this, Reason(
                        "hour_ranges_overlap", f"hour range {_range(spans[this])} overlaps {_range(spans[other])} "
                        f"on {rows[other][0]} for station {station}: the day's count cannot be summed; both rows "
                        "refused", range=_range(spans[this]), other_range=_range(spans[other]),
                        other=where_words(rows[other][0]), station=station))
        overlapping = [(start, rows[index][0]) for start, _end, index, _position in members if index in problems]
        if overlapping:  # the sums from the first overlap on would be wrong: refused as after a refused row
            first, where = min(overlapping)
            refused = [*refused, (where, station, (day, first - 1))]
        for where, bad_station, bad_span in refused:
            if bad_station != station or (bad_span is not None and bad_span[0] != day):
                continue
            after = -1 if bad_span is None else bad_span[1]
            for start, _end, index, _position in members:
                if start > after:
                    problems.setdefault(index, Reason(
                        "hour_range_after_refused", f"the day's running total at {_range(spans[index])} cannot be "
                        f"counted: an earlier hour range of station {station} ({where}) was refused, and its count "
                        "would be missing from the sum; fix that row and drop the file again",
                        range=_range(spans[index]), station=station, other=where_words(where)))
        total = 0.0
        last: tuple[int, int, tuple[float, ...]] | None = None
        for start, end, index, position in members:
            if index in problems:
                continue
            reading = rows[index][1][position]
            key = (start, end, given[index])
            if last is not None and key == last:  # an identical repeat: taken once (the duplicate check drops it)
                rows[index][1][position] = replace(reading, value=total)
                continue
            total += reading.value
            rows[index][1][position] = replace(reading, value=total)
            last = key
    return problems


def _values(readings: list[Reading]) -> tuple[float, ...]:
    return tuple(r.value for r in readings)
