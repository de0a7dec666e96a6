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
:mod:`board.views`, everything takes the settings and the store explicitly,
so the page can cache it and tests can call it directly.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from board.domain import kpi
from board.domain.timeutil import at_local, day_start, local, local_date, utcnow
from board.settings import Settings
from board.store import Store

# ------------------------------------------------------------------ figures
#: Cumulative daily metrics: the day's figure is its last reading, the week's the sum of its days.
DAILY_METRICS = (
    "contacts_phone_today", "contacts_omasote_today", "contacts_chat_today", "contacts_visit_today",
    "queue_handled_today", "queue_handled_same_day_today",
    "omasote_received_today", "omasote_answered_today",
    "feedback_promoters_today", "feedback_passives_today", "feedback_detractors_today",
)
#: "Now" values read at the end of the day (and of the week).
END_GAUGES = ("omasote_unanswered", "omasote_oldest_unanswered_h", "feedback_needs_reaction")
#: Of the end gauges, the ones that add up over stations (an age does not: it takes the maximum).
ADDITIVE_GAUGES = ("omasote_unanswered", "feedback_needs_reaction")
PEAK_METRIC = "queue_waiting"
FETCHED = (*DAILY_METRICS, *END_GAUGES, PEAK_METRIC)

#: The figures of a day and of a week, in the order the page and the exports show them.
FIGURES = (
    "contacts_phone", "contacts_omasote", "contacts_chat", "contacts_visit", "contacts_total",
    "contacts_remote_share",
    "queue_handled", "queue_handled_same_day", "queue_same_day_share", "queue_peak",
    "omasote_received", "omasote_answered", "omasote_unanswered", "omasote_oldest_unanswered_h",
    "feedback_answers", "feedback_nps", "feedback_needs_reaction",
)

#: How a figure is written: a count, a 0..1 share, a -100..100 score, or hours.
KIND: dict[str, str] = {f: "count" for f in FIGURES} | {
    "contacts_remote_share": "share", "queue_same_day_share": "share", "feedback_nps": "score",
    "omasote_oldest_unanswered_h": "hours",
}

#: The configured target (``metrics.yaml: targets``) that applies to a week figure. Only figures with the same
#: meaning over a week as on the wall: shares, the score and end-of-week gauges. Daily counts have none (a
#: daily target summed over seven days would be a different number).
TARGET_FIGURE = {
    "contacts_remote_share": "contacts_remote_share",
    "queue_same_day_share": "queue_same_day_share",
    "feedback_nps": "feedback_nps",
    "queue_peak": "queue_waiting",
    "omasote_unanswered": "omasote_unanswered",
    "omasote_oldest_unanswered_h": "omasote_oldest_unanswered_h",
    "feedback_needs_reaction": "feedback_needs_reaction",
}

#: Which way is better: +1 higher, -1 lower, 0 neither (volumes are demand, not performance).
BETTER: dict[str, int] = {f: 0 for f in FIGURES} | {
    "contacts_remote_share": 1, "queue_same_day_share": 1, "feedback_nps": 1, "feedback_answers": 1,
    "queue_handled_same_day": 1,
    "queue_peak": -1, "omasote_unanswered": -1, "omasote_oldest_unanswered_h": -1, "feedback_needs_reaction": -1,
}

#: The code of the "all selected stations together" entry.
ALL = "*"

Figures = dict[str, float | None]
#: Raw end-of-day values of one station (or several summed): metric code -> value, plus "queue_peak".
#: A missing key means "no data", which is what keeps a day without data from becoming 0.
Raw = dict[str, float]


# --------------------------------------------------------------------- weeks
class IsoWeek(NamedTuple):
    """An ISO 8601 week: Monday to Sunday, numbered 1..52/53 within its ISO year."""

    year: int
    week: int

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``2026-W47`` (as in the URL) -> IsoWeek; ValueError for anything else, e.g. week 53 of 2026."""
        m = re.fullmatch(r"(\d{4})-W(\d{1,2})", text.strip())
        if not m:
            raise ValueError(f"not an ISO week like 2026-W47: {text!r}")
        week = cls(int(m[1]), int(m[2]))
        week.monday  # noqa: B018 - raises ValueError for a week the year does not have
        return week

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=i) for i in range(7)]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def bounds(self) -> tuple[datetime, datetime]:
        """Half-open UTC interval from Monday's local midnight to the next Monday's (DST-correct)."""
        return day_start(self.monday), day_start(self.monday + timedelta(days=7))

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - timedelta(days=7))


def compared_days(week: IsoWeek, through: date | None = None) -> list[date]:
    """The days of the previous week that ``week`` is compared with.

    ``through`` (today) inside ``week``: Monday to the same weekday, since this week so far covers only
    those days. Otherwise (a finished week, or no ``through``): the whole previous week.
    """
    days = week.previous().days
    return days[:(through - week.monday).days + 1] if through in week.days else days


def compared_until(week: IsoWeek, as_of: datetime | None = None) -> datetime | None:
    """The instant of the previous week that ``week`` is compared up to: ``as_of``'s weekday and Helsinki
    wall-clock time (to the minute) seven days earlier, or None when ``as_of`` is not in ``week``.

    Built from the local date and clock, not ``as_of - 7 days`` in UTC, so that after a DST change 08.14 is
    still compared with 08.14. (A clock time the previous week skipped, 03.xx on the last Sunday of March,
    is read as the hour before the change; a repeated one, in October, as its first occurrence.)
    """
    if as_of is None:
        return None
    now = local(as_of)
    if IsoWeek.of(now.date()) != week:
        return None
    return at_local(now.date() - timedelta(days=7), now.time().replace(second=0, microsecond=0))


def default_week(now: datetime | None = None) -> IsoWeek:
    """The last full ISO week: the week before the one ``now`` is in (Helsinki time)."""
    return IsoWeek.of(local_date(now or utcnow()) - timedelta(days=7))


def recent_weeks(now: datetime | None = None, count: int = 52) -> list[IsoWeek]:
    """The ``count`` weeks up to and including the current (unfinished) one, newest first."""
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


@dataclass(frozen=True)
class StationWeek:
    """One station's (or, with code ``ALL``, the selected stations') week."""

    code: str
    name: str
    days: list[DayFigures]
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
        return sum(d.has_data for d in self.days)


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

    Each station's days come from the daily roll-up (``Store.daily``: a row per
    station, metric and Helsinki day holding its last and highest reading),
    one query for this week and the previous one together. Only the combined
    queue peak of several stations needs their queue readings themselves
    (``Store.values_at``: one metric, one query). Unknown station codes raise
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
    for code, day, metric, last, top in store.daily(codes, FETCHED, before.monday, this.sunday):
        if metric == PEAK_METRIC:
            raws[code][day]["queue_peak"] = top
        else:  # the day's last reading
            raws[code][day][metric] = last
    peaks = _combined_peaks(store, codes, days, raws)
    if until is not None and codes:  # the compared weekday only up to the same clock time
        cut, peaks[compared[-1]] = _cut_day(store, codes, until)
        for code in codes:
            raws[code][compared[-1]] = cut[code]
    municipalities = [s.municipality for s in settings.stations]
    rows = []
    for station in known:
        short = station.municipality if municipalities.count(station.municipality) == 1 else station.name
        rows.append(_station_week(station.code, station.name, short, this, compared, raws[station.code]))
    total = _combined_week(this, compared, codes, raws, peaks)
    targets = {f: settings.metrics.targets[code] for f, code in TARGET_FIGURE.items()
               if code in settings.metrics.targets}
    return WeekReport(this, rows, total, targets, as_of)


def _cut_day(store: Store, codes: list[str], until: datetime) -> tuple[dict[str, Raw], float | None]:
    """Each station's raw values of ``until``'s day up to and including ``until``, and their combined peak.

    What the roll-up holds for a whole day, for part of one: the last reading at or before ``until`` of each
    cumulative metric and gauge, the highest queue reading up to it (:func:`combined_peak` for the stations
    together). Two queries over [local midnight, ``until`` + 1 µs): ``Store.last_values`` for the 14 metrics
    (the database picks each latest reading, so a day of minute readings stays in it), and the queue
    readings themselves, which the combined peak of several stations needs (~500 a station by 16.00 at
    minute resolution). With 15 queries of every reading it took ~0.5 s at 08.30, twice that by evening.
    """
    start, end = day_start(local_date(until)), until + timedelta(microseconds=1)
    raws: dict[str, Raw] = {code: {} for code in codes}
    for code, metric, value in store.last_values(codes, [*DAILY_METRICS, *END_GAUGES], start, end):
        raws[code][metric] = value
    series: dict[str, list[tuple[datetime, float]]] = {code: [] for code in codes}
    for code, ts, value in store.values_at(codes, PEAK_METRIC, start, end):
        series[code].append((ts, value))
    for code, readings in series.items():
        if readings:
            raws[code]["queue_peak"] = max(v for _, v in readings)
    return raws, combined_peak(list(series.values()))


def _combined_peaks(store: Store, codes: list[str], days: list[date],
                    raws: dict[str, dict[date, Raw]]) -> dict[date, float | None]:
    """Per day, the most contacts waiting at once over the stations (:func:`combined_peak`).

    One station's is its own peak; several stations' need their queue readings
    of the two weeks, one metric (a small part of what the days are built from).
    """
    if len(codes) == 1:
        return {d: raws[codes[0]][d].get("queue_peak") for d in days}
    series: dict[date, dict[str, list[tuple[datetime, float]]]] = {d: {c: [] for c in codes} for d in days}
    day_of: dict[datetime, date] = {}
    if codes:
        for code, ts, value in store.values_at(codes, PEAK_METRIC, day_start(days[0]),
                                               day_start(days[-1] + timedelta(days=1))):
            day = day_of.get(ts)
            if day is None:
                day = day_of[ts] = local_date(ts)
            series[day][code].append((ts, value))
    return {d: combined_peak([series[d][c] for c in codes]) for d in days}


def _station_week(code: str, name: str, short: str, week: IsoWeek, compared: list[date],
                  days: dict[date, Raw]) -> StationWeek:
    """One station's week from its raw days (``days`` holds this week's and the previous week's);
    ``compared``: the previous week's days to compare with."""
    return StationWeek(code, name, [DayFigures(d, derive(days[d])) for d in week.days],
                       derive(_over_days([days[d] for d in week.days])),
                       derive(_over_days([days[d] for d in compared])), short)


def _combined_week(this: IsoWeek, compared: list[date], codes: list[str], raws: dict[str, dict[date, Raw]],
                   peaks: dict[date, float | None]) -> StationWeek:
    """All selected stations together: per day and per week, summed (ages: the oldest)."""
    def period_raw(period: list[date]) -> tuple[list[Raw], Raw]:
        days = []
        for d in period:
            raw = _over_stations([raws[c][d] for c in codes])
            peak = peaks[d]
            if peak is not None:
                raw["queue_peak"] = peak
            days.append(raw)
        week = _over_stations([_over_days([raws[c][d] for d in period]) for c in codes])
        week_peaks = [d["queue_peak"] for d in days if "queue_peak" in d]
        if week_peaks:
            week["queue_peak"] = max(week_peaks)
        return days, week

    days, week = period_raw(this.days)
    _, previous = period_raw(compared)
    return StationWeek(ALL, "", [DayFigures(d, derive(r)) for d, r in zip(this.days, days, strict=True)],
                       derive(week), derive(previous))


def _over_days(days: list[Raw]) -> Raw:
    """A week (or its first days) of one station: daily counts summed, gauges from the last day that has
    them, the highest peak."""
    out: Raw = {}
    for raw in days:  # oldest first, so later days overwrite the gauges
        for metric, value in raw.items():
            if metric in DAILY_METRICS:
                out[metric] = out.get(metric, 0.0) + value
            elif metric == "queue_peak":
                out[metric] = max(out.get(metric, value), value)
            else:
                out[metric] = value
    return out


def _over_stations(raws: list[Raw]) -> Raw:
    """Several stations at the same moment: counts and additive gauges summed, ages the maximum.

    The combined queue peak is not the sum of the stations' peaks (they rarely coincide); callers put in
    :func:`combined_peak` instead, so it is left out here.
    """
    out: Raw = {}
    for raw in raws:
        for metric, value in raw.items():
            if metric in DAILY_METRICS or metric in ADDITIVE_GAUGES:
                out[metric] = out.get(metric, 0.0) + value
            elif metric == "omasote_oldest_unanswered_h":
                out[metric] = max(out.get(metric, value), value)
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


def derive(raw: Raw) -> Figures:
    """The figures of a day or a week from its raw values (shares and NPS from counts, via board.domain.kpi)."""
    g = raw.get
    channels = {c: g(f"contacts_{c}_today") for c in kpi.ALL_CHANNELS}
    known = [v for v in channels.values() if v is not None]
    votes = [g("feedback_promoters_today"), g("feedback_passives_today"), g("feedback_detractors_today")]
    answered = any(v is not None for v in votes)
    promoters, passives, detractors = (v or 0.0 for v in votes)
    return {
        "contacts_phone": channels["phone"],
        "contacts_omasote": channels["omasote"],
        "contacts_chat": channels["chat"],
        "contacts_visit": channels["visit"],
        "contacts_total": sum(known) if known else None,
        "contacts_remote_share": kpi.remote_share(channels),
        "queue_handled": g("queue_handled_today"),
        "queue_handled_same_day": g("queue_handled_same_day_today"),
        "queue_same_day_share": kpi.same_day_share(g("queue_handled_same_day_today"), g("queue_handled_today")),
        "queue_peak": g("queue_peak"),
        "omasote_received": g("omasote_received_today"),
        "omasote_answered": g("omasote_answered_today"),
        "omasote_unanswered": g("omasote_unanswered"),
        "omasote_oldest_unanswered_h": g("omasote_oldest_unanswered_h"),
        "feedback_answers": promoters + passives + detractors if answered else None,
        "feedback_nps": kpi.nps(promoters, passives, detractors) if answered else None,
        "feedback_needs_reaction": g("feedback_needs_reaction"),
    }


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
