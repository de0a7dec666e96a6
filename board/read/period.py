"""Any run of whole Helsinki days — a month, or a free date range for the exports — with the weekly view's
figures, targets and rules, compared with other runs of days.

The same definitions as :mod:`board.read.week` (a day's cumulative figures are
its last reading, a period's the sum of its days, shares and NPS from the summed
counts, gauges from the last day that has them, the queue peak the highest
day's, several stations' peak :func:`board.domain.periods.combined_peak`),
built from the daily roll-up in one query over the period and the compared
ones. A month is compared with the month before and with the same month a year
earlier; a free range with the equally long range just before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from board.domain.figures import unit_of
from board.domain.periods import (
    PEAK_KEY,
    PEAK_METRIC,
    Figures,
    Raw,
    over_days,
    over_stations,
    partial,
    unfinished,
    week_figures,
)
from board.read.access_to_care import days_of
from board.read.week import ALL, FETCHED, TARGET_FIGURE, _combined_peaks
from board.settings import Settings
from board.store import Store

Span = tuple[date, date]


def month_span(year: int, month: int) -> Span:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def previous_month(span: Span) -> Span:
    before = span[0] - timedelta(days=1)
    return month_span(before.year, before.month)


def year_earlier(span: Span) -> Span:
    """The same month a year earlier (a month span), or the same dates a year earlier (29.2 -> 28.2)."""
    first, last = span
    if first.day == 1 and last == month_span(first.year, first.month)[1]:
        return month_span(first.year - 1, first.month)

    def back(d: date) -> date:
        return d.replace(year=d.year - 1) if not (d.month == 2 and d.day == 29) else date(d.year - 1, 2, 28)
    return back(first), back(last)


def range_before(span: Span) -> Span:
    """The equally long run of days just before ``span``."""
    length = (span[1] - span[0]).days + 1
    return span[0] - timedelta(days=length), span[0] - timedelta(days=1)


@dataclass(frozen=True)
class StationPeriod:
    code: str
    name: str
    days: dict[date, Figures]
    figures: Figures
    #: The compared periods' figures, in :attr:`PeriodReport.compared` order.
    compared: list[Figures] = field(default_factory=list)
    #: False for a period not over yet (:attr:`PeriodReport.unfinished`): no change is stated.
    comparable: bool = True
    #: Whether the station's data cover only part of the period and of each compared one (:func:`partial`), in
    #: ``[span, *compared]`` order; the total's: any selected station's. A change against or of a partial period
    #: is not stated.
    partial: tuple[bool, ...] = ()

    def partial_in(self, index: int) -> bool:
        """Whether the change against compared period ``index`` would set a partial period against another."""
        return bool(self.partial) and (self.partial[0] or self.partial[index + 1])

    def withheld(self, figure: str, index: int = 0) -> bool:
        """Whether a change of ``figure`` is left out only because a month is partial (both values are there):
        where the page says "vajaa kuukausi" instead (a figure without values has no change to withhold)."""
        return (self.comparable and self._partial_for(figure, index) and self.figures.get(figure) is not None
                and bool(self.compared) and self.compared[index].get(figure) is not None)

    def _partial_for(self, figure: str, index: int) -> bool:
        """A count over fewer days is smaller for that alone: its change is withheld. A share, a score or an age
        is a rate of the days there are, as comparable over 24 days as over 31: stated."""
        return unit_of(figure) == "count" and self.partial_in(index)

    def change(self, figure: str, index: int = 0) -> float | None:
        if not self.comparable or self._partial_for(figure, index):
            return None
        now, before = self.figures.get(figure), self.compared[index].get(figure) if self.compared else None
        return None if now is None or before is None else now - before


@dataclass(frozen=True)
class PeriodReport:
    span: Span
    compared: list[Span]
    stations: list[StationPeriod]
    total: StationPeriod
    targets: dict[str, float]
    #: The period reaches today or later: its figures so far are not set against a whole period before it (the
    #: month page said "Yhteydenotot 1 865, −11 963 ed. kuukauteen" on the 3rd of December, session 15).
    unfinished: bool = False
    #: Each station's first and last day with data in the store, as far as the report read (its spans' days):
    #: what :attr:`StationPeriod.partial` was decided by, and what the page says ("tiedot 8.10. alkaen").
    data_days: dict[str, tuple[date, date]] = field(default_factory=dict)

    @property
    def rows(self) -> list[StationPeriod]:
        return [*self.stations, self.total] if len(self.stations) > 1 else list(self.stations)

    @property
    def has_data(self) -> bool:
        return any(v is not None for r in self.stations for v in r.figures.values())


def period_report(settings: Settings, store: Store, span: Span, compared: Sequence[Span] = (),
                  stations: Sequence[str] | None = None, today: date | None = None) -> PeriodReport:
    """``span``'s figures per station and together, and each of ``compared`` likewise. Unknown codes: KeyError.

    ``today`` (Helsinki): a span reaching it is unfinished, and its changes are None (not against a whole
    period); None: not known, every span is taken as over."""
    if span[1] < span[0]:
        raise ValueError(f"the period ends ({span[1]}) before it begins ({span[0]})")
    over = not unfinished(span[1], today)
    codes = [s.code for s in settings.stations] if stations is None else list(dict.fromkeys(stations))
    known = [settings.station(c) for c in codes]
    spans = [span, *compared]
    wanted = sorted({d for s in spans for d in days_of(*s)})
    raws: dict[str, dict[date, Raw]] = {c: {d: {} for d in wanted} for c in codes}
    if codes:
        for code, day, metric, last, top in store.daily(codes, FETCHED, wanted[0], wanted[-1]):
            if day not in raws[code]:
                continue
            if metric == PEAK_METRIC:
                raws[code][day][PEAK_KEY] = top
            else:
                raws[code][day][metric] = last
    peaks = _combined_peaks(store, codes, wanted, raws) if len(codes) > 1 else {}
    # Each station's first and last day with data, from the store (not from what a deployment or the demo is
    # known to hold): a month before the first or after the last is partial.
    data_days = store.data_days(codes, FETCHED) if codes else {}
    flags = {code: tuple(partial(s[0], s[1], *data_days.get(code, (None, None)), today) for s in spans)
             for code in codes}

    def station(code: str, name: str) -> StationPeriod:
        def of(s: Span) -> Figures:
            return week_figures(over_days([raws[code][d] for d in days_of(*s)]))
        return StationPeriod(code, name, {d: week_figures(raws[code][d]) for d in days_of(*span)}, of(span),
                             [of(s) for s in compared], over, flags[code])

    def combined(s: Span) -> tuple[dict[date, Figures], Figures]:
        day_raws = {}
        for d in days_of(*s):
            raw = over_stations([raws[c][d] for c in codes])
            if peaks.get(d) is not None:
                raw[PEAK_KEY] = peaks[d]  # type: ignore[assignment]
            day_raws[d] = raw
        whole = over_stations([over_days([raws[c][d] for d in days_of(*s)]) for c in codes])
        day_peaks = [r[PEAK_KEY] for r in day_raws.values() if PEAK_KEY in r]
        if day_peaks:
            whole[PEAK_KEY] = max(day_peaks)
        return {d: week_figures(r) for d, r in day_raws.items()}, week_figures(whole)

    rows = [station(s.code, s.name) for s in known]
    if len(codes) > 1:
        days, figures = combined(span)
        # any partial station makes the total partial: its missing days are missing from the sum too
        total = StationPeriod(ALL, "", days, figures, [combined(s)[1] for s in compared], over,
                              tuple(any(flags[c][i] for c in codes) for i in range(len(spans))))
    else:
        total = rows[0] if rows else StationPeriod(ALL, "", {}, {}, [{} for _ in compared], over)
    targets = {f: settings.metrics.targets[code] for f, code in TARGET_FIGURE.items()
               if code in settings.metrics.targets}
    return PeriodReport(span, list(compared), rows, total, targets, not over, data_days)


