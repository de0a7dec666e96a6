"""From a source's records to readings: the part every connector shares.

A *record* is one row of a query result, one JSON object or one line of a
CSV/Excel file, as a mapping of field name to value. :class:`RecordMapper`
turns it into readings following the source's ``mapping`` block:

* station and metric names are translated (``mapping.stations`` /
  ``mapping.metrics``); a station the board does not know is reported, never
  invented or silently dropped;
* numbers are read the way Finnish exports write them (``12,5``, ``1 234``);
* times are read as ISO 8601 or Finnish ``dd.mm.yyyy[ HH.MM]``; a time
  without an offset is in ``mapping.timezone``; a date alone means the end
  of that day (a daily total), or now when that day is today;
* the **privacy guard** refuses a record holding anything that looks like a
  personal identity code, and a whole result with a column that looks like a
  person's name or identity code: the board takes aggregates only.

Problems raise :class:`RecordError` with a reason an administrator can act
on. Reasons never quote a value that looks like an identity code, and never
depend on the row number, so the collector can count them per reason.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from typing import Any

from board.domain.metrics import METRICS, range_problem
from board.domain.privacy import HETU, holds_identity_code
from board.domain.reading import Reading
from board.domain.reasons import Reason, reason_of
from board.domain.timeutil import UTC, day_bounds, local_date
from board.secrets import redact
from board.source_settings import IGNORE, FieldMapping
from connectors.errors import ConfigurationError, DataError
from connectors.stations import AmbiguousStation, StationNames
from connectors.times import (
    DAY_MINUTES,
    FoldTracker,
    NonexistentTime,
    is_ambiguous,
    local_instant,
    parse_clock,
    parse_day,
    parse_interval,
    parse_period,
    range_end,
)
from connectors.values import parse_duration, parse_share

FUTURE_TOLERANCE = timedelta(minutes=5)
#: The earliest time a record may carry. Source systems write a placeholder where a time is unknown (SQL
#: Server's 1900-01-01, .NET's 0001-01-01); taken as a time it would count an item open for a century (and
#: 0001-01-01 cannot even be moved to Helsinki's day), so it is refused with a reason instead. An operational
#: board holds nothing from before 2000.
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
#: Each metric's unit: durations and shares are read in the forms sources write them (connectors.values).
_UNITS = {code: m.unit for code, m in METRICS.items()}
MAX_QUOTED = 40
#: What reporting tools write in a cell that holds no value: Power BI's "Export data" and Excel's pivot tables
#: write "(Tyhjä)" (Swedish "(Tom)", English "(Blank)"), SQL Server Management Studio's "Save results as" writes
#: NULL, Excel's formulas #DIV/0! and #N/A. Read as an empty cell wherever an empty cell is allowed (no reading;
#: an item not yet handled), and refused as empty where a value is required (a station), never as an unknown
#: station or "not a number".
BLANK_MARKERS = frozenset({
    "(tyhjä)", "(Tyhjä)", "(TYHJÄ)", "(tyhjää)", "(Tyhjää)", "(blank)", "(Blank)", "(BLANK)", "(tom)", "(Tom)",
    "(TOM)", "(empty)", "(Empty)", "NULL", "null", "(null)", "(NULL)",
    # Excel's "no value to show": a division by zero (a share of no callbacks) and "not available" (a look-up
    # that found nothing), as a workbook stores them and as a Finnish Excel writes them into a CSV
    "#DIV/0!", "#JAKO/0!", "#N/A", "#PUUTTUU!",
})
#: How many column names a message lists at most.
MAX_LISTED_NAMES = 12


# Column names that hold a person's identity; compared after normalising (lowercase, no accents, _ for spaces).
PERSONAL_COLUMNS = frozenset({
    "hetu", "henkilotunnus", "sotu", "ssn", "social_security_number", "personal_id", "person_id",
    "personal_identity_code", "identity_code", "nimi", "etunimi", "etunimet", "sukunimi", "kutsumanimi",
    "name", "first_name", "firstname", "given_name", "last_name", "lastname", "surname", "family_name",
    "full_name", "fullname", "patient", "patient_name", "patient_id", "potilas", "potilaan_nimi", "asiakas",
    "asiakkaan_nimi", "asiakkaan_hetu", "potilaan_hetu", "customer_name", "henkilo", "henkilon_nimi",
    "namn", "fornamn", "efternamn", "personbeteckning", "email", "sahkoposti", "puhelinnumero", "phone_number",
})
#: The columns of :data:`PERSONAL_COLUMNS` named for an identity code. A file with one unmapped is still refused
#: whole (its every row would be); a file's other personal columns (names, contacts) and free text are never
#: read and are left out of the copy the board keeps instead (:mod:`connectors.private_columns`), so a vendor's
#: export needs no reshaping. A query or an API is still refused for any of them: it is the administrator's to
#: shape, and nothing of it is kept on disk to clean. So is a pushed record (the sender is built for the board, and
#: the refusal in its HTTP answer tells it to stop sending names); a ``rest`` API's record only for an identity-code
#: field, as a file: a vendor's API cannot be reshaped, and its unmapped fields are never read or kept.
IDENTITY_COLUMNS = frozenset({
    "hetu", "henkilotunnus", "sotu", "ssn", "social_security_number", "personal_id", "person_id",
    "personal_identity_code", "identity_code", "patient_id", "asiakkaan_hetu", "potilaan_hetu", "personbeteckning",
})


#: The reason a record holding an identity code is refused (never the value itself).
IDENTITY_CODE_REASON = Reason("identity_code", "a value looks like a personal identity code (henkilötunnus); "
                              "record refused: the board takes aggregates only")


#: Where a query's columns are looked for, in a reason (a file says ``Reason("in_file", …)``).
QUERY_RESULT = Reason("query_result", "the query result")


class RecordError(ValueError):
    """One record cannot become readings; the message is the reason (counted, shown to the admin)."""


class RecordIgnored(RecordError):
    """One record that is, deliberately, nothing to count; the message says why. The connectors count it as an
    *ignored* row, not a refused one: nothing in it is wrong and nobody can fix it (a feedback answer whose
    respondent left the 0–10 question empty), so it must not leave the source partial after every file."""


class _NotBegun(RecordError):
    """An hour range that has not begun yet (or is a placeholder's): refused, or ignored when it has no figures."""


class _NoSuchHour(RecordError):
    """An hour range the clocks skipped (``03:00-04:00`` on the March night): refused, or ignored when it has no
    figures (a report listing every hour of the day with this one empty)."""


# ------------------------------------------------------------------ values
def quote(value: Any) -> str:
    """A value for a message: short, escaped (``repr``), never an identity code, never a known secret."""
    text = str(value)
    if holds_identity_code(text):
        return "(a value that looks like a personal identity code)"
    text = redact(text)  # before cutting: a cut secret would no longer be recognised
    return repr(text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…")


def quote_names(names: Iterable[Any], most: int = MAX_LISTED_NAMES) -> str:
    """Column or field names for a message: each quoted (short, escaped), at most ``most`` of them.

    A header is the source's content too: a hostile or broken file can make
    it anything, so it is never repeated in full.
    """
    names = list(names)
    shown = ", ".join(quote(n) for n in names[:most]) or "(none)"
    return shown + (f" … and {len(names) - most} more" if len(names) > most else "")


def is_empty(value: Any) -> bool:
    """No value: None, a blank text, or a reporting tool's word for one (:data:`BLANK_MARKERS`)."""
    return value is None or (isinstance(value, str) and (not value.strip() or value.strip() in BLANK_MARKERS))


def parse_number(value: Any) -> float:
    """A number as a database, JSON or Finnish Excel export writes it; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(_said("not_number", value, " is not a number"))
    if isinstance(value, int | float | Decimal):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if text.startswith("−"):  # the typographic minus Excel may write
            text = "-" + text[1:]
        if "," in text and "." in text:  # 1.234,5 (fi) or 1,234.5 (en): the last one is the decimal mark
            text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(
                ",", "")
        else:
            text = text.replace(",", ".")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
            raise ValueError(_said("not_number", value, " is not a number"))
        number = float(text)
    else:
        raise ValueError(_said("not_number", value, " is not a number"))
    if not math.isfinite(number):
        raise ValueError(_said("not_number", value, " is not a finite number"))
    return number


def _said(code: str, value: Any, rest: str) -> Reason:
    """A parser's reason about ``value``, quoted safely: ``'8.61' is not a time of day``."""
    return Reason(code, f"{quote(value)}{rest}", value=quote(value))


def _time_without_date(value: Any) -> Reason:
    return Reason("time_without_date", f"{quote(value)} is a time of day without a date; map the date column "
                  "too, e.g. time: [Päivämäärä, Klo]", value=quote(value))


#: A weekday before a date, as a Finnish, Swedish or English Excel writes a date formatted ``ddd d.m.yyyy`` into a
#: CSV (``ti 1.12.2026``, ``tis 1.12.2026``, ``Tue 1.12.2026``): dropped, the date says the day.
WEEKDAY = (r"(?:(?:ma|ti|ke|to|pe|la|su|maanantai|tiistai|keskiviikko|torstai|perjantai|lauantai|sunnuntai"
           r"|må|mån|tis|ons|tor|fre|lör|sön|mon|tue|wed|thu|fri|sat|sun)\.?,?\s+)?")
_FI_DATE = re.compile(r"^" + WEEKDAY + r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(?:klo\s*)?(\d{1,2})[:.](\d{2})"
                      r"(?:[:.](\d{2}))?)?$", re.IGNORECASE)


#: Unix time as APIs and databases write it, in seconds or milliseconds since 1970 UTC, told apart by size: from
#: 1.1.2000 to 1.1.2100 seconds have 10 digits and milliseconds 13, and nothing else a time field holds comes near
#: (an Excel day number is below 80 000, a ``yyyymmdd`` number 8 digits). Outside both ranges a number is no time.
_EPOCH_SECONDS = (946_684_800, 4_102_444_800)
_EPOCH_DIGITS = re.compile(r"^\d{10}(?:\d{3})?(?:\.\d+)?$")
#: ASP.NET's old JSON date (WCF, ``JavaScriptSerializer``): ``/Date(1795420800000)/`` or with the server's offset,
#: ``/Date(1795420800000+0200)/``; the milliseconds are UTC either way (the offset only names the server's zone).
_DOTNET_DATE = re.compile(r"^/Date\((\d{12,13})(?:[+-]\d{4})?\)/$")


def _epoch(value: Any) -> datetime | None:
    """An aware UTC time from Unix seconds or milliseconds (a number, a text of 10 or 13 digits, or ASP.NET's
    ``/Date(ms)/``); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        dotnet = _DOTNET_DATE.match(text)
        if dotnet is not None:
            text = str(int(dotnet.group(1)))
        elif not _EPOCH_DIGITS.match(text):
            return None
        number = float(text)
    elif isinstance(value, int | float | Decimal):
        number = float(value)
    else:
        return None
    low, high = _EPOCH_SECONDS
    if not math.isfinite(number):
        return None
    if low * 1000 <= number < high * 1000:
        number /= 1000
    elif not low <= number < high:
        return None
    return datetime.fromtimestamp(round(number, 3), UTC)


def time_parts(value: Any) -> datetime | date:
    """What a time field holds: an aware date-time, a naive local date-time (wall clock), or a date alone.

    ValueError with the reason when it is none of these (a time of day alone
    is refused with advice: map the date column too).
    """
    if isinstance(value, datetime):
        if value.tzinfo is None and value.date() in (date(1899, 12, 30), date(1899, 12, 31)):
            raise ValueError(_time_without_date(value))
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, dt_time):
        raise ValueError(_time_without_date(value))
    epoch = _epoch(value)
    if epoch is not None:
        return epoch
    if isinstance(value, str):
        text = value.strip()
        m = _FI_DATE.match(text)
        if m:
            d, mo, y, hh, mm, ss = m.groups()
            try:
                if hh is None:
                    return date(int(y), int(mo), int(d))
                return datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0))
            except ValueError:
                raise ValueError(_said("not_date", value, " is not a valid date")) from None
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return date.fromisoformat(text)
            return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            pass
        try:
            parse_clock(text)
        except ValueError:
            raise ValueError(_said("not_time", value,
                                   " is not a time (expected ISO 8601 or dd.mm.yyyy hh.mm)")) from None
        raise ValueError(_time_without_date(value))
    raise ValueError(_said("not_time", value, " is not a time"))


def parse_time(value: Any, zone: Any, until: datetime, fold: int = 0) -> datetime:
    """An aware UTC time from a database value, ISO 8601 or Finnish text; ValueError otherwise.

    A bare date stands for that day's total: the day's last minute, or
    ``until`` (the pull's start) when the day is not over yet. A local time
    the clock skipped (spring forward) is refused (:class:`connectors.times.NonexistentTime`);
    a local time of the repeated autumn hour is read as the first (summer time) one, or with ``fold=1``
    the second (winter time) one. ``fold`` changes nothing else: a time with an offset, or a local time
    outside the repeated hour, is the same instant either way (an item's end uses this, see
    :meth:`connectors.items.ItemMapper.map`).
    """
    parts = _text_time_parts(value) if type(value) is str else time_parts(value)
    if not isinstance(parts, datetime):
        return _end_of_day(parts, until)
    if parts.tzinfo is None:
        return _local_instant(parts, zone, fold)
    return parts.astimezone(UTC)


#: A text time's parts, and a naive local time's instant, are pure functions of their inputs, and a source's
#: rows repeat them (an item's ``updated`` is its start or its end; rows of the same minute): each is kept for
#: a while rather than parsed and converted again (a year's item load parses 1.7 M rows, about 2 M times).
#: Bounded; a value that fails raises and is never kept; only times are kept (a time text is not personal data).
_text_time_parts = functools.lru_cache(maxsize=4096)(time_parts)
_local_instant = functools.lru_cache(maxsize=4096)(local_instant)


def _end_of_day(day: date, until: datetime) -> datetime:
    _start, end = day_bounds(day)
    return min(end - timedelta(minutes=1), until) if day >= local_date(until) else end - timedelta(minutes=1)


# ------------------------------------------------------------------ privacy
def normalise_column(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower().strip()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def personal_columns(columns: Iterable[str], allowed: Iterable[str] = (), identity_only: bool = False) -> list[str]:
    """Columns whose name says they hold a person's identity (the explicitly mapped ones excepted); with
    ``identity_only`` those named for an identity code alone (a file: see :data:`IDENTITY_COLUMNS`)."""
    keep = {normalise_column(a) for a in allowed}
    named = IDENTITY_COLUMNS if identity_only else PERSONAL_COLUMNS
    return [c for c in columns if normalise_column(c) in named and normalise_column(c) not in keep]


def any_identity_code(values: Iterable[Any]) -> bool:
    return any(isinstance(v, str) and holds_identity_code(v) for v in values)


#: Types that are never a container: a value of one of them is a leaf as it is (no ``Mapping`` check, whose
#: abstract-class test is slow: the guard looks at every value of every row).
_shaped = HETU.search
_ATOMS = frozenset({str, int, float, bool, type(None), datetime, date, dt_time, Decimal, bytes})


def holds_identity_code_in(value: Any, keys: bool = False) -> bool:
    """Whether any text in ``value`` (every level of mappings, lists and tuples), and with ``keys`` any key at any
    level, holds an identity code. Found without a generator per value (a query row is a flat dict of plain
    values); tests/test_identity_codes.py checks it against the plain walk over every leaf and key."""
    kind = type(value)
    if kind is str:  # most texts have nothing shaped like a code: one scan in C says so (the same verdict)
        return _shaped(value) is not None and holds_identity_code(value)
    if kind in _ATOMS:
        return False
    if isinstance(value, Mapping):
        for k, v in value.items():
            if keys and _shaped(str(k)) is not None and holds_identity_code(str(k)):
                return True
            if holds_identity_code_in(v, keys):
                return True
        return False
    if isinstance(value, list | tuple):
        return any(holds_identity_code_in(v, keys) for v in value)
    return isinstance(value, str) and holds_identity_code(value)


def _keys(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k)
            yield from _keys(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _keys(v)


def get_path(record: Mapping[str, Any], path: str) -> Any:
    """``record[path]``, or for a dotted path the nested value; KeyError when absent."""
    if path in record:
        return record[path]
    current: Any = record
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            raise KeyError(path)
    return current


# ------------------------------------------------------------------ mapper
class RecordMapper:
    """Turns one source's records into readings, following its ``mapping``."""

    def __init__(self, mapping: FieldMapping, stations: Iterable[str] | Mapping[str, Sequence[str]], until: datetime,
                 what: str = "column") -> None:
        self.mapping = mapping
        self.stations = frozenset(stations)
        self.until = until
        self.zone = mapping.zone
        self.what = what  # "column" (SQL, files) or "field" (JSON)
        #: JSON records: whether only a field named for an identity code refuses a record (``rest``: a vendor's
        #: API, which the administrator cannot reshape; its other unmapped fields are never read), or any field
        #: named like a person's (``push``: the sender is built for the board and is told). :func:`mapper_for`.
        self.identity_fields_only = False
        self._lower_codes = {c.lower(): c for c in self.stations}
        #: Names as people write them (code, configured name, municipality; case, accents, "terveysasema").
        self._names = StationNames(stations)
        self._named: dict[str, str | None] = {}
        #: Set by :meth:`begin`: a source read whole in its own order (a file) tells the two October hours apart.
        self._folds: FoldTracker | None = None
        #: Whether the last mapped record's time was a date alone (a daily total), for duplicate checks.
        self.last_date_only = False
        #: The last mapped record's hour range when its time of day was one (``8.00–9.00``: a contact-centre
        #: report's row per interval), else None: its day, its start and end in real minutes after the local
        #: midnight (the October night's second ``3.00–4.00`` is 240–300, the March night's ``4.00–5.00``
        #: 180–240), and the range as written (with its UTC offset in the repeated hour).
        self.last_interval: tuple[date, int, int, str] | None = None
        self._interval_resolved = False

    def begin(self, rows_in_order: bool) -> None:
        """A new file or result starts; ``rows_in_order``: its row order may place the repeated autumn hour."""
        self._folds = FoldTracker() if rows_in_order else None

    # -- the fields the mapping needs
    def required_fields(self) -> list[str]:
        m = self.mapping
        if m.layout == "long":
            return [m.station, *m.time_fields, m.metric, m.value]
        return [m.station, *m.time_fields]

    def mapped_fields(self) -> set[str]:
        m = self.mapping
        fields = set(self.required_fields())
        if m.layout == "wide":
            fields |= set(m.metrics)
        return fields

    def check_columns(self, columns: Iterable[str], source_name: str = QUERY_RESULT,
                      every_metric: bool = False, identity_only: bool = False) -> None:
        """For tabular sources, once per result: required columns present, no personal columns.

        Raises ConfigurationError for a missing column (the query or mapping is
        wrong) and DataError for a personal column (the whole result is refused;
        a file, ``identity_only``: an identity-code column only).
        """
        columns = [str(c) for c in columns]
        personal = personal_columns(columns, self.mapped_fields(), identity_only)
        if personal:
            raise DataError(Reason(
                "personal_column", f"{self.what} {quote_names(personal)} in {source_name} looks like a person's "
                "name or identity code; the board takes aggregates only: remove it from the source",
                what=self.what, columns=quote_names(personal), where=source_name))
        missing = [f for f in self.required_fields() if f not in columns]
        if missing:
            raise ConfigurationError(Reason(
                "missing_columns", f"{self.what} {quote_names(missing)} missing from {source_name}; "
                f"its {self.what}s are: {quote_names(columns)} (fix the query/export or mapping in sources.yaml)",
                what=self.what, columns=quote_names(missing), where=source_name, found=quote_names(columns)))
        if every_metric and self.mapping.layout == "wide":
            absent = [c for c, m in self.mapping.metrics.items() if m != IGNORE and c not in columns]
            if absent:
                raise ConfigurationError(Reason(
                    "missing_metric_columns", f"metric {self.what}{'s' if len(absent) > 1 else ''} "
                    f"{quote_names(absent)} missing from {source_name}; its {self.what}s are: {quote_names(columns)} "
                    "(fix the export or mapping.metrics in sources.yaml)",
                    what=self.what, columns=quote_names(absent), where=source_name, found=quote_names(columns)))
        if self.mapping.layout == "wide" and not any(c in columns for c in self.mapping.metrics):
            raise ConfigurationError(
                f"none of the metric {self.what}s {quote_names(self.mapping.metrics)} is in "
                f"{source_name}; its {self.what}s are: {quote_names(columns)}")

    def map(self, record: Mapping[str, Any]) -> list[Reading]:
        """The readings in one record; RecordError with the reason when it cannot be used."""
        if holds_identity_code_in(record):
            raise RecordError(IDENTITY_CODE_REASON)
        if self.what == "field":  # JSON: field names may nest, so look at every level
            personal = personal_columns(_keys(record), self.mapped_fields(), self.identity_fields_only)
            if personal:
                raise RecordError(Reason("personal_field", f"field {quote(personal[0])} looks like a person's name "
                                         "or identity code; record refused: the board takes aggregates only",
                                         field=quote(personal[0])))
        m = self.mapping
        self.last_interval = None
        self._interval_resolved = False
        station = self._station(self._get(record, m.station))
        if m.layout == "long":
            metric = self._metric(self._get(record, m.metric))
            if metric is None:
                return []
            ts = self._time(record, (station, metric))
            return [Reading(station, metric, ts, self._value(metric, self._get(record, m.value)))]
        try:
            ts = self._time(record, station)
        except RecordError as e:
            blank = all(is_empty(v) or v in (0, "0") for v in self._metric_cells(record))
            if self.last_interval is not None and getattr(e.args[0], "code", "") == "time_in_future" and blank:
                raise RecordIgnored(Reason("hour_to_come", "an hour range still to come, with no figures yet "
                                           "(not data)")) from None
            if isinstance(e, _NoSuchHour) and blank:
                raise RecordIgnored(Reason("hour_not_happened", "an hour range the clocks skipped (moved forward an "
                                           "hour), with no figures (not data)")) from None
            raise
        readings = []
        for column, metric in m.metrics.items():
            if metric == IGNORE:
                continue
            try:
                raw = get_path(record, column)
            except KeyError:
                continue  # a wide export may leave a metric out; the columns check ensured at least one
            if is_empty(raw):
                continue  # an empty cell ("(Tyhjä)", NULL): no reading, not an error
            if (self.last_interval is not None and self._folds is None and METRICS[metric].kind == "daily"
                    and METRICS[metric].unit == "count"):  # (a file sums a day's ranges: connectors/file_ranges.py)
                raise RecordError(Reason("hour_range_not_summed", f"{metric}: an hour range's count is summed into "
                                         "the day's running total only from a file, read whole; have the query or "
                                         "API give the running total since midnight", metric=metric))
            if self.last_interval is not None and METRICS[metric].kind == "daily" and METRICS[metric].unit == "share":
                raise RecordError(Reason("hour_range_share", f"{metric}: a share over one hour range is not the day's "
                                         "share, and shares cannot be summed; map the counts it is made of, or map "
                                         "this column to ignore", metric=metric))
            readings.append(Reading(station, metric, ts, self._value(metric, raw)))
        return readings

    def range_key(self, record: Mapping[str, Any]) -> tuple[str | None, tuple[date, int] | None]:
        """A refused row's station and where its hour range starts, as far as they can be read (None: not one of
        the stations; a range None: its day or range cannot be read), so that the running totals after it are not
        counted without it (:mod:`connectors.file_ranges`). Call it right after :meth:`map` refused the row."""
        try:
            station = self._station(self._get(record, self.mapping.station))
        except (RecordError, ConfigurationError):
            return None, None
        if self.last_interval is not None and self._interval_resolved:  # its time was read; a value was not
            return station, (self.last_interval[0], self.last_interval[1])
        fields = self.mapping.time_fields
        try:
            if len(fields) == 2:
                day = parse_day(self._get(record, fields[0]))
                span = parse_interval(self._get(record, fields[1]))
            else:
                period = _period(self._get(record, fields[0]))
                day, span = (period[0], period[1:]) if period is not None and len(period) == 3 else (None, None)
        except (ValueError, RecordError):
            return station, None
        if day is None or span is None:
            return station, None
        # Its start could not be placed (the hour the clocks skipped): every range from where it would begin on.
        midnight = datetime.combine(day, dt_time(0))
        begins = (midnight + timedelta(minutes=span[0])).replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        return station, (day, _minutes(begins - midnight.replace(tzinfo=self.zone).astimezone(UTC)) - 1)

    def _metric_cells(self, record: Mapping[str, Any]) -> list[Any]:
        cells = []
        for column, metric in self.mapping.metrics.items():
            if metric != IGNORE:
                with contextlib.suppress(KeyError):
                    cells.append(get_path(record, column))
        return cells

    # -- pieces
    def _get(self, record: Mapping[str, Any], field: str) -> Any:
        try:
            value = get_path(record, field)
        except KeyError:
            raise RecordError(Reason("missing_field", f"{self.what} {field!r} is missing", what=self.what,
                                     field=field)) from None
        if is_empty(value):
            raise RecordError(Reason("empty_field", f"{self.what} {field!r} is empty", what=self.what, field=field))
        return value

    def _station(self, raw: Any) -> str:
        text = str(raw).strip()
        code = self.mapping.stations.get(text) or self._lower_codes.get(text.lower()) or self._by_name(text)
        if code is None:
            raise RecordError(Reason("unknown_station", f"unknown station {quote(text)} (add it to mapping.stations "
                                     "in sources.yaml, or to this source's stations)", station=quote(text)))
        if code not in self.stations:
            raise RecordError(Reason("station_not_served", f"station {code!r} is not one of this source's stations",
                                     station=code))
        return code

    def names_station(self, raw: Any) -> bool:
        """Whether a cell names one of the stations (a ``mapping.stations`` entry, a code, a station's name): a row
        so labelled is that station's figures even when its label reads like a total (a station called ``Summa``;
        ``Hamina Summa`` in mapping.stations). A name fitting two stations names a station too (its row is then
        refused with the ambiguity, not ignored)."""
        if not isinstance(raw, str) or not raw.strip():
            return False
        text = raw.strip()
        if text in self.mapping.stations or text.lower() in self._lower_codes:
            return True
        try:
            return self._by_name(text) is not None
        except ConfigurationError:
            return True

    def _by_name(self, text: str) -> str | None:
        """The station a written name means (``RISTIJÄRVEN TERVEYSASEMA``), remembered per pull."""
        if text not in self._named:
            try:
                self._named[text] = self._names.match(text)
            except AmbiguousStation as e:
                raise ConfigurationError(str(e)) from None
        return self._named[text]

    def _metric(self, raw: Any) -> str | None:
        text = str(raw).strip()
        code = self.mapping.metrics.get(text, text if text in METRICS else None)
        if code == IGNORE:
            return None
        if code is None:
            raise RecordError(Reason("unknown_metric", f"unknown metric {quote(text)} (map it in mapping.metrics, or "
                                     f"to '{IGNORE}')", metric=quote(text)))
        return code

    def _time(self, record: Mapping[str, Any], series: Any) -> datetime:
        """The record's instant, from one time field or from a date field and a time-of-day field."""
        fields = self.mapping.time_fields
        label = " + ".join(repr(f) for f in fields)
        self.last_interval = None
        try:
            if len(fields) == 2:
                day = parse_day(self._get(record, fields[0]))
                clock = self._get(record, fields[1])
                span = parse_interval(clock)
                if span is not None:  # 8.00–9.00: the row's figures are the range's, stamped at its end
                    self.last_interval = (day, *span)
                    return self._range_end(day, *span, label, series)
                wall: datetime | date = datetime.combine(day, parse_clock(clock))
            else:
                value = self._get(record, fields[0])
                try:  # a time first (2026-12-01 08:00:00-05:00 is one), a period written whole only when not
                    wall, period = time_parts(value), None
                except ValueError:
                    period = parse_period(value)
                    if period is None:
                        raise
                if period is not None and len(period) == 3:  # 1.12.2026 8:00-9:00: an hour range with its day
                    return self._range_end(period[0], period[1], period[2], label, series)
                if period is not None:  # 1.12.2026 - 1.12.2026: that day; 1.12.2026 - 7.12.2026: no one day
                    first, last = period
                    if first != last:
                        raise ValueError(Reason(  # (said as the column's: "column 'Aikaväli': the period …")
                            "period_of_days", f"the period {first.day}.{first.month}.{first.year}–{last.day}."
                            f"{last.month}.{last.year} is {(last - first).days + 1} days: a row of it cannot be put "
                            "on one day; export a row per day", first=f"{first.day}.{first.month}.{first.year}",
                            last=f"{last.day}.{last.month}.{last.year}", days=(last - first).days + 1))
                    wall = first
            self.last_date_only = not isinstance(wall, datetime)
            if not isinstance(wall, datetime):
                ts = _end_of_day(wall, self.until)
            elif wall.tzinfo is not None:
                ts = wall.astimezone(UTC)
            elif self._folds is not None:
                ts = self._folds.instant(series, wall, self.zone)
            else:
                ts = local_instant(wall, self.zone)
        except (_NotBegun, _NoSuchHour):
            raise  # (an hour range in the future, or one the clocks skipped: said already)
        except ValueError as e:
            raise RecordError(Reason("bad_time", f"{self.what} {label}: {e}", what=self.what, field=label,
                                     reason=reason_of(e))) from None
        except OverflowError:  # a day next to year 1 cannot be moved between zones: a placeholder
            raise RecordError(too_early(self.what, label, str(self._get(record, fields[0])).strip()[:10])) from None
        if ts > self.until + FUTURE_TOLERANCE:
            raise RecordError(Reason("time_in_future", f"{self.what} {label}: time is in the future", what=self.what,
                                     field=label))
        if ts < EARLIEST_TIME:
            raise RecordError(too_early(self.what, label, ts.astimezone(self.zone)))
        return ts

    def _range_end(self, day: date, start: int, end: int, label: str, series: Any) -> datetime:
        """The instant an hour range's figures stand at: its end (the day's last minute for one ending at
        midnight), or now for the range in progress; a range that has not begun is in the future.

        The DST nights (a file read in its order, see :meth:`begin`): the October night's ``3.00–4.00`` listed
        twice is the summer-time hour (+03:00) and then the winter-time one (+02:00), in row order, each ending an
        hour after it began; the March night's ``2.00–3.00`` ends at 04.00 summer time, and a ``3.00–4.00`` there
        (an hour the clocks skipped) is refused, or ignored when it has no figures."""
        self.last_date_only = False
        midnight_wall = datetime.combine(day, dt_time(0))
        start_wall = midnight_wall + timedelta(minutes=start)
        written = f"{day.day}.{day.month}.{day.year} {_clock(start)}–{_clock(end)}"
        self.last_interval = (day, start, end, written)  # as written, until it is placed
        try:
            begins = (self._folds.instant(("range", series), start_wall, self.zone) if self._folds
                      else local_instant(start_wall, self.zone))
        except NonexistentTime:
            raise _NoSuchHour(Reason(
                "hour_range_skipped", f"{self.what} {label}: the hour range {written} did not happen in "
                f"{self.zone.key} (the clocks were moved forward an hour): its figures cannot be put on any hour",
                what=self.what, field=label, range=written, zone=self.zone.key)) from None
        if begins > self.until + FUTURE_TOLERANCE:
            raise _NotBegun(Reason("time_in_future", f"{self.what} {label}: time is in the future", what=self.what,
                                     field=label))
        if begins < EARLIEST_TIME:
            raise _NotBegun(too_early(self.what, label, begins.astimezone(self.zone)))
        if end >= DAY_MINUTES:
            stops = local_instant(midnight_wall + timedelta(days=1), self.zone)
            ends = _end_of_day(day, self.until)
        else:
            stops = ends = range_end(begins, day, end, self.zone)
        if is_ambiguous(start_wall, self.zone):  # which of the two hours, as an administrator can check it
            offset = begins.astimezone(self.zone).strftime("%z")
            written = f"{written} ({offset[:3]}:{offset[3:]})"
        midnight = local_instant(midnight_wall, self.zone)
        self.last_interval = (day, _minutes(begins - midnight), _minutes(stops - midnight), written)
        self._interval_resolved = True
        return min(ends, self.until)

    def _value(self, metric: str, raw: Any) -> float:
        try:
            unit = _UNITS[metric]
            if unit in ("min", "h", "d"):
                value = parse_duration(raw, unit, self.mapping.units.get(metric))
            elif unit == "share":
                value = parse_share(raw, self.mapping.units.get(metric, "auto"))
            else:
                value = parse_number(raw)
        except ValueError as e:
            raise RecordError(Reason("bad_value", f"{metric}: {e}", metric=metric, reason=reason_of(e))) from None
        problem = range_problem(metric, value)
        if problem:
            raise RecordError(problem)
        return value


def _period(value: Any) -> tuple[date, int, int] | tuple[date, date] | None:
    """A period written in one cell (:func:`connectors.times.parse_period`), unless the cell is a time (an aware
    ``2026-12-01 08:00:00-05:00`` ends like a range)."""
    try:
        time_parts(value)
    except ValueError:
        return parse_period(value)
    return None


def _clock(minutes: int) -> str:
    return f"{minutes // 60}.{minutes % 60:02d}"


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def too_early(what: str, field: str, ts: datetime | str) -> Reason:
    """The reason a time before :data:`EARLIEST_TIME` is refused: most likely the source's "no date" placeholder
    (``ts`` as the source wrote it when it could not even be read as a time)."""
    day = ts if isinstance(ts, str) else f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d}"
    return Reason("time_too_early", f"{what} {field}: {day} is before 2000, a placeholder for no time rather than a "
                  "time (leave the field empty when the time is not known)", what=what, field=field, day=day)
