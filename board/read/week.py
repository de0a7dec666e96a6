"""The manager's week: each station's days, its week, and the change from the week before.

A report for one ISO week (Monday to Sunday in Helsinki, so 167 or 169 hours
around a DST change) built from the stored snapshots:

* ``*_today`` metrics are cumulative since local midnight, so a day's figure is
  the day's **last** reading, and a week's figure is the sum of its days.
* Shares and NPS of a week are computed from the **summed counts** of its days
  (never a mean of daily shares, which would weigh a quiet Sunday like a busy
  Monday).
* Gauges ("unanswered now") are read at the end of the day: the day's last
  reading. For the week, the last reading of the week.
* The queue peak is the highest ``queue_waiting`` reading of the day (as often
  as the source delivers it: every 30 minutes for the demo's history).

A day without data is ``None`` and never 0: the page writes "–".

The change is measured against the previous week. While the week is still
running (``as_of``: now, to the minute), it is measured against the previous
week **up to the same moment**: Monday to the day before the same weekday as
whole days, and that weekday up to the same Helsinki wall-clock time (08.14
against 08.14, also across a DST change; not now − 168 h). Two days of this
week against seven of the last would say "−60 %" every Tuesday, and Tuesday
morning against a whole Tuesday still says "−643" at 08.14. The cut day is
read from the readings themselves (:func:`_cut_day`: the last cumulative
reading at or before that instant, gauges likewise, the queue peak up to it);
the whole days from the daily roll-up as always. Like
:mod:`board.read.wall`, everything takes the settings and the store explicitly,
so the page can cache it and tests can call it directly.

Which figures a week has, their names, units and targets, and how a day's
values add up over days and over stations, come from the figure catalogue
(:data:`board.domain.figures.WEEK`, :mod:`board.domain.periods`); the calendar from
:mod:`board.domain.weeks`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from board.domain.figures import WEEK, Kind
from board.domain.metrics import METRICS, Family
from board.domain.periods import (
    DAILY_METRICS,
    END_GAUGES,
    PEAK_KEY,
    PEAK_METRIC,
    Figures,
    PeakCurve,
    Raw,
    over_days,
    over_stations,
    week_figures,
)
from board.domain.timeutil import day_start, local_date, utcnow
from board.domain.weeks import IsoWeek, compared_days, compared_until
from board.settings import Settings, Station
from board.store import Store

# ------------------------------------------------------------------ figures
#: The figures of a day and of a week, in the order the page and the exports show them.
FIGURES = tuple(WEEK)
#: How a figure is written: its unit (``count``, ``share`` 0..1, ``score`` -100..100, ``h``).
KIND: dict[str, str] = {name: f.unit for name, f in WEEK.items()}
#: The configured target (``metrics.yaml: targets``) that applies to a week figure. Only figures with the same
#: meaning over a week as on the wall: shares, the score and end-of-week gauges. Daily counts have none (a
#: daily target summed over seven days would be a different number).
TARGET_FIGURE = {name: f.week_target for name, f in WEEK.items() if f.week_target}
#: Which way is better: +1 higher, -1 lower, 0 neither (volumes are demand, not performance).
BETTER: dict[str, int] = {name: f.better for name, f in WEEK.items()}

#: What a week report reads of each station and day: the daily totals, the end gauges and the peak's metric.
FETCHED = (*DAILY_METRICS, *END_GAUGES, PEAK_METRIC)
#: The code of the "all selected stations together" entry.
ALL = "*"


# --------------------------------------------------------------------- weeks
def default_week(now: datetime | None = None) -> IsoWeek:
    """The week the page shows when the URL names none: the last full ISO week (Helsinki time)."""
    return IsoWeek.of(local_date(now or utcnow()) - timedelta(days=7))


def recent_weeks(now: datetime | None = None, count: int = 52) -> list[IsoWeek]:
    """The weeks the page offers: ``count`` up to and including the current (unfinished) one, newest first."""
    today = local_date(now or utcnow())
    return [IsoWeek.of(today - timedelta(days=7 * i)) for i in range(count)]


# -------------------------------------------------------------------- report
@dataclass(frozen=True)
class DayFigures:
    day: date
    figures: Figures

    @property
    def has_data(self) -> bool:
        return any(v is not None for v in self.figures.values())


#: The raw values a week figure is read from as they are (``week_figures``: not derived), so a raw day holding
#: one of them has data (:func:`_has_data`).
_PLAIN = frozenset(f.code for f in WEEK.values() if f.kind is not Kind.DERIVED)


def _has_data(raw: Raw) -> bool:
    """Whether a raw day's figures have a value (``DayFigures.has_data``), mostly without computing them."""
    if not raw:  # a day without readings (the rest of the current week)
        return _EMPTY_HAS_DATA
    if any(key in _PLAIN for key in raw):
        return True
    return any(v is not None for v in week_figures(raw).values())


_EMPTY_HAS_DATA = any(v is not None for v in week_figures({}).values())


class StationDays(Sequence[DayFigures]):
    """One station's days of the week, their figures computed when first read.

    At 900 stations the page shows the stations' days only as counts of days
    with data and as the 15 highest queue peaks' rows; each day's figures are
    read by the exports' daily rows, when a file is asked for. Computing all
    6 300 on every cold page run was ~0.15 s of CPU (docs/PERFORMANCE.md, 7b).
    Equal to a list of the same :class:`DayFigures`. The report is shared
    between sessions: two reading at once may both compute, with the same result.
    """

    def __init__(self, days: Sequence[date], raws: dict[date, Raw]) -> None:
        self._days, self._raws = list(days), raws
        self._figures: list[DayFigures] | None = None

    def _all(self) -> list[DayFigures]:
        if self._figures is None:
            self._figures = [DayFigures(d, week_figures(self._raws[d])) for d in self._days]
        return self._figures

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        return self._all()[i]

    def __len__(self) -> int:
        return len(self._days)

    def __iter__(self) -> Iterator[DayFigures]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # (as a list's)

    def __repr__(self) -> str:
        return repr(self._all())

    def __reduce__(self) -> tuple[type, tuple[list[DayFigures]]]:
        """Pickled (``st.cache_data``) as the plain list of every day's figures."""
        return list, (self._all(),)

    def with_data(self, families: frozenset[Family] | None = None) -> int:
        """How many days have data (:attr:`StationWeek.days_with_data`), without computing every figure;
        with ``families``, data of those tile families (:meth:`StationWeek.days_with_data_of`)."""
        if families is not None:
            return sum(any(_RAW_FAMILY.get(key) in families for key in self._raws[d]) for d in self._days)
        if self._figures is not None:
            return sum(d.has_data for d in self._figures)
        return sum(_has_data(self._raws[d]) for d in self._days)


#: The tile family of each key a raw day can hold (a stored metric, or the queue peak's key). A raw day holding
#: a key of a family has a week figure of that family: a daily total or a gauge as it is, a class count through
#: the zero-filled sums (feedback answers, callback outcomes), the peak as the queue peak.
_RAW_FAMILY: dict[str, Family] = {**{m: METRICS[m].family for m in FETCHED if m in METRICS},
                                  PEAK_KEY: METRICS[PEAK_METRIC].family}


@dataclass(frozen=True)
class StationWeek:
    """One station's (or, with code ``ALL``, the selected stations') week."""

    code: str
    name: str
    #: This week's days (a station's are :class:`StationDays`: figures computed when first read).
    days: Sequence[DayFigures]
    week: Figures
    #: The previous week's figures over :attr:`WeekReport.compared_days` (all seven for a finished week).
    previous: Figures
    #: For charts: the municipality when it names the station unambiguously, else the name.
    short: str = ""

    def change(self, figure: str) -> float | None:
        """This week minus :attr:`previous` (shares as fractions: 0.03 = 3 percentage points).

        ``previous`` is the whole previous week, or for an unfinished week its same days
        (:attr:`WeekReport.compared_days`), so the change never compares part of a week with a whole one."""
        now, before = self.week.get(figure), self.previous.get(figure)
        return None if now is None or before is None else now - before

    @property
    def days_with_data(self) -> int:
        if isinstance(self.days, StationDays):
            return self.days.with_data()
        return sum(d.has_data for d in self.days)

    def days_with_data_of(self, families: frozenset[Family] | None) -> int:
        """How many days have data of the tile families ``families`` (None or empty: of any family).

        What the page's "tiedot 4/7 päivältä" counts, with the families the station tracks
        (board/read/tracked.py): a station now fed by feedback answers alone, whose earlier callbacks source
        was removed mid-week, has the days its feedback has, not the days its old callbacks had."""
        if not families:
            return self.days_with_data
        if isinstance(self.days, StationDays):
            return self.days.with_data(families)
        return sum(any(v is not None and WEEK[name].family in families for name, v in d.figures.items())
                   for d in self.days)


@dataclass(frozen=True)
class WeekReport:
    week: IsoWeek
    stations: list[StationWeek]
    #: All selected stations together: counts summed, shares and NPS from the summed counts.
    total: StationWeek
    #: figure -> target, only for figures that have one configured.
    targets: dict[str, float] = field(default_factory=dict)
    #: Now (UTC, to the minute), when it falls in this week (the week is unfinished); None for a finished week.
    as_of: datetime | None = None
    #: Each wellbeing area's selected stations together (:func:`_area_weeks`), when they are of several areas.
    areas: list[StationWeek] = field(default_factory=list)

    @property
    def days(self) -> list[date]:
        return self.week.days

    @property
    def through(self) -> date | None:
        """Today (Helsinki) for an unfinished week, else None."""
        return None if self.as_of is None else local_date(self.as_of)

    @property
    def compared_days(self) -> list[date]:
        """The previous week's days that ``previous`` and ``change`` cover (see :func:`compared_days`); the
        last of them only up to :attr:`compared_until` for an unfinished week."""
        return compared_days(self.week, self.through)

    @property
    def compared_until(self) -> datetime | None:
        """The previous week's instant an unfinished week is compared up to (:func:`compared_until`)."""
        return compared_until(self.week, self.as_of)

    @property
    def partial(self) -> bool:
        """True when the comparison is with part of the previous week only (an unfinished week, even on its
        Sunday, whose previous Sunday is cut at the same time): the labels must say which part."""
        return self.as_of is not None

    def target(self, figure: str) -> float | None:
        return self.targets.get(figure)

    @property
    def rows(self) -> list[StationWeek]:
        """Every station, then the selected stations together (the total only when there are several)."""
        return [*self.stations, self.total] if len(self.stations) > 1 else list(self.stations)


def week_report(settings: Settings, store: Store, year: int, week: int,
                stations: Sequence[str] | None = None, as_of: datetime | None = None) -> WeekReport:
    """The report of ISO week ``year``-W``week`` for ``stations`` (default: every configured station).

    ``as_of`` is now: when it falls in the week, the previous week's figures cover it only up to the same
    weekday and Helsinki clock time (:func:`compared_days`, :func:`compared_until`), to the minute. It is
    an argument, not read here, so a cached report's key changes once a minute for the current week and
    never for a finished one (the page passes None there). The cut day costs
    two more queries (:func:`_cut_day`); a finished week costs none.

    Each station's days come from the daily roll-up (``Store.day_values``: a row per
    station, metric and Helsinki day: the queue's highest reading, every other metric's last),
    one query for this week and the previous one together. Only the combined
    queue peak of several stations needs their queue readings themselves
    (``Store.day_peaks``: computed in the database, kept per day while the
    day's readings are unchanged). Unknown station codes raise
    KeyError (the page validates the URL first).
    """
    this = IsoWeek(year, week)
    this.monday  # noqa: B018 - a ValueError here for a week the year does not have
    before = this.previous()
    until = compared_until(this, as_of)
    as_of = None if until is None else as_of.replace(second=0, microsecond=0)
    compared = compared_days(this, None if as_of is None else local_date(as_of))
    codes = [s.code for s in settings.stations] if stations is None else list(dict.fromkeys(stations))
    known = [settings.station(code) for code in codes]  # KeyError for an unknown code
    days = [*before.days, *this.days]
    raws: dict[str, dict[date, Raw]] = {code: {d: {} for d in days} for code in codes}
    with _beside(store) as beside:
        # The combined peaks and the compared weekday only up to the same clock time: their reads wait on the
        # database alone, so they run beside the roll-up's (see _beside).
        cut_raws = beside(_cut_day_raws, store, codes, until) if until is not None and codes else None
        day_curves = beside(_combined_curves, store, codes, days)
        # the day's highest queue reading as the peak, every other metric's last reading
        for code, day, metric, value in store.day_values(codes, FETCHED, before.monday, this.sunday, (PEAK_METRIC,)):
            raws[code][day][PEAK_KEY if metric == PEAK_METRIC else metric] = value
        curves = day_curves.result()
        peaks = _combined_peaks(store, codes, days, raws, curves)
        if cut_raws is not None:
            cut = cut_raws.result()
            peaks[compared[-1]] = _cut_peak(store, codes, until, cut, curves)  # type: ignore[arg-type]
            for code in codes:
                raws[code][compared[-1]] = cut[code]
    municipalities = Counter(s.municipality for s in settings.stations)  # (list.count per station: O(n²))
    rows = []
    # Each station's week and compared days summed once, for its row and again for the stations together.
    this_days = this.days  # (a new list each time it is asked)
    sums = {code: (over_days([raws[code][d] for d in this_days]), over_days([raws[code][d] for d in compared]))
            for code in codes}
    for station in known:
        short = station.municipality if municipalities[station.municipality] == 1 else station.name
        rows.append(_station_week(station.code, station.name, short, this_days, raws[station.code],
                                  sums[station.code]))
    total = _combined_week(this, compared, codes, raws, peaks, sums)
    targets = {f: settings.metrics.targets[code] for f, code in TARGET_FIGURE.items()
               if code in settings.metrics.targets}
    return WeekReport(this, rows, total, targets, as_of, _area_weeks(settings, known, sums))


def _area_weeks(settings: Settings, known: Sequence[Station], sums: dict[str, tuple[Raw, Raw]]) -> list[StationWeek]:
    """Each wellbeing area's selected stations together, in configuration order, when they are of several areas.

    What the charts of a national selection show: 900 stations' bars are not read by anyone, 21 areas' are.
    The week and the compared figures only, summed as for all stations together (:func:`over_stations`);
    no days, and no queue peak: several stations' peak comes from their readings (:func:`_combined_peaks`),
    which would be a statement per area.
    """
    by_area: dict[str, list[str]] = {}
    for station in known:
        by_area.setdefault(station.area, []).append(station.code)
    if len(by_area) < 2:
        return []
    out = []
    for area, codes in by_area.items():
        name = settings.areas.get(area, area)
        out.append(StationWeek(area, name, [], week_figures(over_stations([sums[c][0] for c in codes])),
                               week_figures(over_stations([sums[c][1] for c in codes])), name))
    return out


def _cut_day(store: Store, codes: list[str], until: datetime,
             curves: dict[date, PeakCurve] | None = None) -> tuple[dict[str, Raw], float | None]:
    """Each station's raw values of ``until``'s day up to and including ``until``, and their combined peak.

    What the roll-up holds for a whole day, for part of one: the last reading at or before ``until`` of each
    cumulative metric and gauge, the highest queue reading up to it
    (:func:`board.domain.periods.combined_peak` for the stations together). Two queries over
    [local midnight, ``until`` + 1 µs), each picked in the database, so a day of minute readings stays there
    however many stations: ``Store.last_values`` for the 14 metrics and each station's highest queue reading
    (``Store.highest_values``) (:func:`_cut_day_raws`). The combined peak up to ``until`` is read off the whole
    day's running maximum (``curves``, from :func:`_combined_curves`, else ``Store.day_peaks`` here): the
    running total at a moment depends only on the readings up to it. One station's is its own highest reading
    (:func:`_cut_peak`).
    """
    raws = _cut_day_raws(store, codes, until)
    return raws, _cut_peak(store, codes, until, raws, curves)


def _cut_day_raws(store: Store, codes: list[str], until: datetime) -> dict[str, Raw]:
    """Each station's raw values of ``until``'s day up to and including ``until`` (see :func:`_cut_day`)."""
    day = local_date(until)
    start, end = day_start(day), until + timedelta(microseconds=1)
    raws: dict[str, Raw] = {code: {} for code in codes}
    for code, metric, value in store.last_values(codes, [*DAILY_METRICS, *END_GAUGES], start, end):
        raws[code][metric] = value
    for code, top in store.highest_values(codes, PEAK_METRIC, start, end).items():
        raws[code][PEAK_KEY] = top
    return raws


def _cut_peak(store: Store, codes: list[str], until: datetime, raws: dict[str, Raw],
              curves: dict[date, PeakCurve] | None = None) -> float | None:
    """The stations' combined queue peak of ``until``'s day up to ``until`` (see :func:`_cut_day`)."""
    if len(codes) == 1:
        return raws[codes[0]].get(PEAK_KEY)
    day = local_date(until)
    curve = (curves or {}).get(day)
    if curve is None:
        curve = store.day_peaks(codes, PEAK_METRIC, [day])[day]
    return curve.until(until)


@contextmanager
def _beside(store: Store) -> Iterator[Callable[..., Future[Any]]]:
    """``beside(fn, *args)``: ``fn(*args)`` started on a thread of its own, when the store's reads wait on a
    database server (``Store.reads_beside``: PostgreSQL), else run here and now; its result from ``.result()``.

    Why: the current week's compared day is ~12 600 index probes of the readings (0.1-0.3 s at 900 stations),
    and the combined peaks' stamps and today's peak another 0.05-0.15 s, that the page's process only waits
    for; on connections of their own they run while this thread reads and sorts the week's roll-up
    (docs/PERFORMANCE.md 7b, session 14). The same statements and results, on SQLite (in this process, its
    work the page's own CPU) one after the other as before. Leaving the block waits for what was started (an
    error in it is raised by ``.result()``; on SQLite at once).
    """
    if not store.reads_beside:
        def now(fn: Callable[..., Any], *args: Any) -> Future[Any]:
            done: Future[Any] = Future()
            done.set_result(fn(*args))  # (an error raised here, at once)
            return done
        yield now
        return
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="week-beside") as pool:
        yield pool.submit


def _combined_curves(store: Store, codes: list[str], days: list[date]) -> dict[date, PeakCurve]:
    """Per day, several stations' combined queue peak as its running maximum (``Store.day_peaks``: a finished
    day is computed from its ~43 000 readings at 900 stations once, then kept while they are unchanged);
    nothing for one station (its own peak is in the roll-up)."""
    return store.day_peaks(codes, PEAK_METRIC, days) if len(codes) > 1 else {}


def _combined_peaks(store: Store, codes: list[str], days: list[date], raws: dict[str, dict[date, Raw]],
                    curves: dict[date, PeakCurve] | None = None) -> dict[date, float | None]:
    """Per day, the most contacts waiting at once over the stations (:func:`board.domain.periods.combined_peak`).

    One station's is its own peak; several stations' come from their queue readings through
    ``Store.day_peaks`` (:func:`_combined_curves`, or ``curves`` already read by it).
    """
    if len(codes) == 1:
        return {d: raws[codes[0]][d].get(PEAK_KEY) for d in days}
    curves = _combined_curves(store, codes, days) if curves is None else curves
    return {d: curves[d].peak for d in days}


def _station_week(code: str, name: str, short: str, week_days: list[date], days: dict[date, Raw],
                  sums: tuple[Raw, Raw]) -> StationWeek:
    """One station's week from its raw days (``days`` holds this week's ``week_days`` and the previous week's)
    and ``sums``: :func:`over_days` of this week's days and of the previous week's compared ones."""
    return StationWeek(code, name, StationDays(week_days, days), week_figures(sums[0]), week_figures(sums[1]), short)


def _combined_week(this: IsoWeek, compared: list[date], codes: list[str], raws: dict[str, dict[date, Raw]],
                   peaks: dict[date, float | None], sums: dict[str, tuple[Raw, Raw]]) -> StationWeek:
    """All selected stations together: per day and per week, summed (ages: the oldest). ``sums``: each
    station's :func:`over_days` of this week and of the compared days (as :func:`_station_week` got them)."""
    def period_raw(period: list[date], which: int, each_day: bool) -> tuple[list[Raw], Raw]:
        days = []
        for d in period if each_day else ():  # the compared days are not shown one by one: their week only
            raw = over_stations([raws[c][d] for c in codes])
            peak = peaks[d]
            if peak is not None:
                raw[PEAK_KEY] = peak
            days.append(raw)
        week = over_stations([sums[c][which] for c in codes])
        week_peaks = [peaks[d] for d in period if peaks[d] is not None]  # (over_stations leaves the peak out)
        if week_peaks:
            week[PEAK_KEY] = max(week_peaks)
        return days, week

    days, week = period_raw(this.days, 0, True)
    _, previous = period_raw(compared, 1, False)
    return StationWeek(ALL, "", [DayFigures(d, week_figures(r)) for d, r in zip(this.days, days, strict=True)],
                       week_figures(week), week_figures(previous))


# --------------------------------------------------------------------- usage
@dataclass(frozen=True)
class UsageRow:
    page: str
    station: str  # "" for a page without a station
    by_day: dict[date, int]

    @property
    def total(self) -> int:
        return sum(self.by_day.values())


@dataclass(frozen=True)
class Usage:
    """Page views of a week: the board's own KPI ("käyttökertojen määrä")."""

    week: IsoWeek
    rows: list[UsageRow]
    #: Views over the previous week's :attr:`compared_days` (all of it for a finished week).
    previous_total: int
    #: Today, when it falls in this week (as :attr:`WeekReport.through`).
    through: date | None = None

    @property
    def compared_days(self) -> list[date]:
        return compared_days(self.week, self.through)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


def week_usage(store: Store, week: IsoWeek, stations: Sequence[str] | None = None,
               through: date | None = None) -> Usage:
    """Views per page and station in ``week`` (and the previous week's total), for ``stations`` and the
    pages that have no station (the station list, the sources, this view). ``through`` (today) as in
    :func:`week_report`: an unfinished week is compared with the previous week's same days."""
    def wanted(station: str) -> bool:
        return stations is None or station == "" or station in stations

    before = week.previous()
    through = through if through in week.days else None
    last_compared = compared_days(week, through)[-1]
    counts: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
    previous_total = 0
    for day, page, station, views in store.page_views(before.monday, week.sunday):
        if not wanted(station):
            continue
        if day >= week.monday:
            counts[(page, station)][day] = counts[(page, station)].get(day, 0) + views
        elif day <= last_compared:
            previous_total += views
    rows = [UsageRow(page, station, by_day) for (page, station), by_day in sorted(counts.items())]
    return Usage(week, sorted(rows, key=lambda r: -r.total), previous_total, through)
