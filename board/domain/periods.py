"""A period's figures: how a day's values add up over days and over stations.

The rules of the weekly view, from the figure catalogue
(:mod:`board.domain.figures`):

* daily totals (``*_today``) are cumulative since local midnight, so a day's
  value is its last reading and a period's the sum of its days;
* gauges ("unanswered now") are read at the end of the period: the last day
  that has them; over stations a count adds up, an age takes the largest;
* the peak is the day's highest reading of its metric (the period's highest
  day); over stations it is :func:`combined_peak`, never a sum of peaks;
* shares and NPS are computed from the summed counts (never a mean of daily
  shares, which would weigh a quiet Sunday like a busy Monday).

A missing key is "no data", never 0.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime

from board.domain.figures import METRICS, WEEK, Kind, _compute


def unfinished(last: date, today: date | None) -> bool:
    """Whether a period ending on ``last`` is still in progress on ``today`` (Helsinki days; None: not known, every
    period taken as over). Its figures so far are never set against a whole period: "Yhteydenotot 1 865, −11 963
    ed. kuukauteen" on the 3rd of a month reads as a collapse. The one rule of the month view's key figures, its
    access-to-care and employee-feedback tables and their exports."""
    return today is not None and last >= today


def partial(first: date, last: date, data_from: date | None, data_until: date | None,
            today: date | None) -> bool:
    """Whether a station's data cover only part of the period ``first``..``last``: they start after its first day
    (a deployment's first month, the demo's history from 8.10.) or, for a period over, end before its last (a
    source removed). ``data_from``/``data_until``: the station's first and last day with data as the store has
    them (None: no data at all, nothing to call partial). November against an October whose data start on the
    8th reads as growth that is only the missing week. A period wholly before the first day or after the last
    has no data at all: not partial, it has nothing to compare."""
    if data_from is None or data_until is None or data_from > last or data_until < first:
        return False
    return data_from > first or (not unfinished(last, today) and data_until < last)

_PEAK = next(f for f in WEEK.values() if f.kind is Kind.PEAK)
#: The metric whose highest reading of a day is the day's peak, and the peak's name among a day's raw values.
PEAK_METRIC, PEAK_KEY = _PEAK.inputs[0], _PEAK.code
_NEEDED = list(dict.fromkeys(code for f in WEEK.values() if f.kind is not Kind.PEAK
                             for code in (f.inputs or (f.code,))))
#: Cumulative daily metrics: the day's figure is its last reading, the week's the sum of its days.
DAILY_METRICS = tuple(code for code in _NEEDED if METRICS[code].kind is Kind.DAILY)
#: "Now" values read at the end of the day (and of the week).
END_GAUGES = tuple(code for code in _NEEDED if METRICS[code].kind is Kind.GAUGE)
#: How several stations' end gauges combine: summed (counts) or the largest (an age does not add up).
STATION_GAUGES = {code: METRICS[code].over_stations for code in END_GAUGES}
_OVER_STATIONS = {code: "sum" for code in DAILY_METRICS} | STATION_GAUGES

Figures = dict[str, float | None]
#: Raw end-of-day values of one station (or several summed): metric code -> value, plus the peak (``PEAK_KEY``).
#: A missing key means "no data", which is what keeps a day without data from becoming 0.
Raw = dict[str, float]


#: :data:`DAILY_METRICS` as a set: :func:`over_days` asks once per station, day and metric (~190 000 times for
#: a week of 900 stations), and a tuple is searched from its start each time.
_DAILY = frozenset(DAILY_METRICS)


def over_days(days: list[Raw]) -> Raw:
    """A week (or its first days) of one station: daily counts summed, gauges from the last day that has
    them, the highest peak.

    A metric at a time over the days (a comprehension each), as :func:`over_stations` does, rather than a
    Python step per day and metric: 900 stations' weeks and compared days are 1 800 calls and ~190 000
    values a page (docs/PERFORMANCE.md, 7b, session 13). The same result as a loop over the days, oldest
    first: keys in the order they first appear, sums from 0.0 in the days' order, the last day's gauge.
    """
    seen: Raw = {}
    for raw in days:  # which metrics appear, in the order they first do; a gauge's value from the last day
        seen.update(raw)
    for metric in seen:
        if metric in _DAILY:
            seen[metric] = sum([raw[metric] for raw in days if metric in raw], 0.0)
        elif metric == PEAK_KEY:
            seen[metric] = max([raw[metric] for raw in days if metric in raw])
    return seen


def over_stations(raws: list[Raw]) -> Raw:
    """Several stations at the same moment: counts summed, gauges as the catalogue says (summed, or the
    largest: an age does not add up).

    The combined queue peak is not the sum of the stations' peaks (they rarely coincide); callers put in
    :func:`combined_peak` instead, so it is left out here.

    A metric at a time over all stations (a comprehension each) rather than a Python step per station and
    metric: 900 stations' days and weeks are combined ~50 times a page. Keys in the order they first appear,
    sums from 0.0 in the stations' order, as a loop over the stations would (tests/test_week_figures.py).
    """
    seen: Raw = {}
    for raw in raws:  # which metrics appear, in the order they first do
        seen.update(raw)
    out: Raw = {}
    for metric in seen:
        how = _OVER_STATIONS.get(metric)
        if how == "sum":
            out[metric] = sum([raw[metric] for raw in raws if metric in raw], 0.0)
        elif how == "max":
            out[metric] = max([raw[metric] for raw in raws if metric in raw])
    return out


def combined_peak(series: list[list[tuple[datetime, float]]]) -> float | None:
    """The most contacts waiting at once over several stations' queue readings of one day.

    Each station's queue holds its last reading until the next one (a step function); a station counts from
    its first reading of the day on. None when no station has a reading.
    """
    events = sorted((ts, i, v) for i, s in enumerate(series) for ts, v in s)
    if not events:
        return None
    current: dict[int, float] = {}
    peak = None
    for n, (ts, i, value) in enumerate(events):
        current[i] = value
        if n + 1 == len(events) or events[n + 1][0] != ts:  # all readings of this moment are in
            total = sum(current.values())
            peak = total if peak is None else max(peak, total)
    return peak


@dataclass(frozen=True)
class PeakCurve:
    """One day's combined peak (:func:`combined_peak`) as its running maximum: the moments (UTC) it rose, in
    order, and what it rose to.

    The day's peak is the last value; the peak of the day up to and including a moment is the last value
    risen to by then (the running total at a moment depends only on readings up to it), which is what the
    current week's compared day, cut at the same clock time, needs. Empty: no readings."""

    times: tuple[datetime, ...] = ()
    values: tuple[float, ...] = ()

    @property
    def peak(self) -> float | None:
        return self.values[-1] if self.values else None

    def until(self, moment: datetime) -> float | None:
        """The day's combined peak over the readings at or before ``moment``."""
        i = bisect_right(self.times, moment)
        return self.values[i - 1] if i else None


#: Each week figure: its name, and how it is found in a period's raw values: read as is, or computed by the
#: catalogue's formula (``derive``'s own :func:`~board.domain.figures._compute`).
_PLAN = tuple((name, f.code, f.inputs, f.formula, f.zero_fill) if f.kind is Kind.DERIVED
              else (name, f.code, (), None, False) for name, f in WEEK.items())


def week_figures(raw: Raw) -> Figures:
    """The figures of a day or a week from its raw values, by their week names (shares and NPS from the
    summed counts: what :func:`board.domain.figures.derive` gives over a period).

    Only the week's own figures are computed, each once, straight into the result: the weekly view calls
    this per station and day (8 100 times at 900 stations), and ``derive`` copies the values and computes
    every derived figure of the catalogue each time. ``tests/test_week_figures.py`` checks both agree."""
    out: Figures = {}
    for name, code, inputs, formula, zero_fill in _PLAN:
        out[name] = raw.get(code) if formula is None else _compute(inputs, formula, zero_fill, raw, True)
    return out
