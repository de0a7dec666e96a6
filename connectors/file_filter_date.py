"""The date of a report whose table has no date column: the one day a filter or title line above it names.

A pivot table, a Power BI page or a telephony report exported for one day often keeps the day out of the table:
Excel writes a pivot's report filter above it (``Päivämäärä | 1.12.2026``), reporting tools their parameters
(``Ajanjakso 1.12.2026 - 1.12.2026``, ``Raportti ajalta 1.12.2026``), a contact-centre report its day in the title
(``Jonot tunneittain 1.12.2026``), and the table has one row per station (or per hour). When the mapped date column
is missing from the table, the lines above its header are read for dates:

* exactly one day named (a single date, or a range that starts and ends on it): that day is every row's date;
* a range of several days, or two different days: the file is refused whole with the reason (a station's row
  cannot be put on one day); nothing is guessed;
* no day: nothing changes (the missing column is refused as before);
* the date's own filter set to several items or all of them (Excel's ``(Useita kohteita)`` / ``(Multiple Items)``,
  ``(Kaikki)`` / ``(All)``; Power BI's ``Päivämäärä: (Useita kohteita)``): the rows are sums over the days chosen,
  so the file is refused whole, saying to choose one day (whatever else the lines above say). The same value in
  another field's filter (the station's) says nothing about the day.

Power BI's "Export data" writes the filters applied to the visual **below** its rows instead, in one cell
(``Applied filters:⏎Päivämäärä is 1.12.2026⏎Alue is Kainuu``; in Finnish ``Käytetyt suodattimet:⏎Päivämäärä on
1.12.2026``). The date's filter there names one day only when it is exactly ``<date field> is <one date>``; any
other condition on the date (``is 1.12.2026 or 2.12.2026``, ``is on or after …``, ``is not blank``) is several
days (or cannot be told to be one), and the file is refused saying to choose one day, as for ``(Useita kohteita)``.

A date followed by a time of day (``ajettu 2.12.2026 klo 6.00``) or on a line that says when the report was run,
printed or updated is when it was made, not what it is about, and is passed over.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from board.domain.reasons import Reason
from connectors.file_table import Table, blank
from connectors.mapping import quote
from connectors.repeats import where_words
from connectors.table_shape import applied_filters_at, header_key

#: Words on a line that says when the report was made (not what day it is about), compared without accents.
RUN_WORDS = frozenset({
    "ajettu", "ajopaiva", "ajoaika", "tulostettu", "paivitetty", "luotu", "haettu", "muodostettu", "tallennettu",
    "viety", "printed", "run", "generated", "created", "updated", "exported", "refreshed", "utskriven", "skapad",
    "uppdaterad", "kord", "hamtad", "exporterad",
})
_DAY = r"(\d{1,2})\.(\d{1,2})\."
_YEAR = r"(\d{4})"
_RANGE = re.compile(rf"(?<![\d.]){_DAY}{_YEAR}?\s*(?:-|–|—|\.\.)\s*{_DAY}{_YEAR}(?!\d)")
_DATE = re.compile(rf"(?<![\d.]){_DAY}{_YEAR}(?!\d)|(?<!\d)(\d{{4}})-(\d{{2}})-(\d{{2}})(?!\d)")
#: A filter's value when several items, or all, are chosen: Excel's pivot (fi, sv, en) and Power BI's export.
_SEVERAL = re.compile(r"\(\s*(useita kohteita|multiple items|flera objekt|flera poster|kaikki|all|alla)\s*\)",
                      re.IGNORECASE)
#: A time of day right after a date: the date is a moment (a run stamp), not a day.
_CLOCK_AFTER = re.compile(r"\s*(?:klo|kl\.?|at)?\s*\d{1,2}[.:]\d{2}")


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _day(d: str, m: str, y: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def line_days(values: Sequence[Any]) -> list[tuple[date, date]]:
    """The days (each as a range: first, last) one line above the header names, run stamps passed over."""
    text = " ".join(str(v).strip() for v in values if not blank(v) and not isinstance(v, date | datetime))
    if set(re.findall(r"[a-z]+", _folded(text))) & RUN_WORDS:
        return []
    found: list[tuple[date, date]] = []
    for value in values:  # a date cell (an Excel pivot's filter value); a date-time cell with a time is a moment
        if isinstance(value, datetime):
            if value.hour == value.minute == value.second == 0:
                found.append((value.date(), value.date()))
        elif isinstance(value, date):
            found.append((value, value))
    for m in _RANGE.finditer(text):
        first = _day(m.group(1), m.group(2), m.group(3) or m.group(6))
        last = _day(m.group(4), m.group(5), m.group(6))
        if first and last:
            found.append((first, last))
    rest = _RANGE.sub(" ", text)
    for m in _DATE.finditer(rest):
        if _CLOCK_AFTER.match(rest, m.end()):
            continue  # "2.12.2026 klo 6.00": when, not which day
        day = _day(*m.group(1, 2, 3)) if m.group(1) else _day(m.group(6), m.group(5), m.group(4))
        if day:
            found.append((day, day))
    return found


def _fi(day: date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def several_chosen(values: Sequence[Any], date_field: str) -> str | None:
    """The line's text when it is ``date_field``'s filter set to several items or all (``Päivämäärä |
    (Useita kohteita)``, ``Päivämäärä: (Multiple Items)``), else None."""
    text = " ".join(str(v).strip() for v in values if not blank(v))
    m = _SEVERAL.search(text)
    if m is None:
        return None
    label = (text[:m.start()] + " " + text[m.end():]).strip().rstrip(":").strip()
    return text if label and header_key(label) == header_key(date_field) else None


#: A day with slashes in a filter line (an English-locale Power BI: ``Date is 12/1/2026``).
_SLASH_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
#: A Power BI filter line: the field, the verb (en, fi, sv), the condition.
_FILTER_LINE = re.compile(r"^\s*(.+?)\s+(is|on|är)\s+(.+?)\s*$", re.IGNORECASE)


def applied_filters(table: Table) -> tuple[str, list[str]] | None:
    """Power BI's applied filters below ``table``'s rows: where they begin (``row 5``) and one filter per line,
    the heading left out; None when there are none."""
    at = applied_filters_at([values for _number, values in table.rows])
    if at is None:
        return None
    lines: list[str] = []
    for _number, values in table.rows[at:]:
        text = ", ".join(str(v).strip() for v in values if not blank(v))
        lines += [line.strip() for line in text.splitlines() if line.strip()]
    return f"{table.unit} {table.rows[at][0]}", lines[1:]


def filters_day(name: str, table: Table, date_field: str) -> tuple[date, str] | Reason | None:
    """The one day Power BI's applied filters below the table give ``date_field`` (and where they are); a Reason
    when the date's filter is anything but one day; None when they say nothing of the date."""
    found = applied_filters(table)
    if found is None:
        return None
    where, lines = found
    for line in lines:
        m = _FILTER_LINE.match(line)
        if m is None or header_key(m.group(1)) != header_key(date_field):
            continue
        days = line_days([m.group(3)])
        if len(days) == 1 and days[0][0] == days[0][1] and _DATE.fullmatch(m.group(3).strip()):
            return days[0][0], where
        slash = _SLASH_DAY.fullmatch(m.group(3).strip())
        if slash is not None:  # an English-locale Power BI: 12/1/2026; read only when one order is possible
            first, second, year = (int(g) for g in slash.groups())
            day = (_day(str(first), str(second), str(year)) if first > 12 or first == second
                   else _day(str(second), str(first), str(year)) if second > 12 else None)
            if day is not None:
                return day, where
            if first <= 12 and second <= 12:
                return Reason("applied_filters_slash_date", f"file {name}: the table has no date column and Power "
                              f"BI's applied filters on {where} below it give the day with slashes ({quote(line)}): "
                              "whether its day or its month comes first cannot be told; show the date as a column "
                              "of the table, or export with a Finnish date format (d.m.yyyy)", file=name,
                              where=where_words(where), value=quote(line))
        return Reason("applied_filters_several_days", f"file {name}: the table has no date column and Power BI's "
                      f"applied filters on {where} below it do not name one day ({quote(line)}): a row is then a sum "
                      "over several days and cannot be put on one day; choose one day in the filter and export "
                      "again, or show the date as a column of the table", file=name, where=where_words(where),
                      value=quote(line))
    return None


def filter_day(name: str, table: Table, date_field: str = "") -> date | Reason | None:
    """The one day the lines above ``table``'s header, or Power BI's applied filters below its rows, name; a Reason
    when they name several, or when the date's filter has several items or all chosen; None when none."""
    below = filters_day(name, table, date_field) if date_field else None
    if isinstance(below, Reason):
        return below
    for number, values in table.above:
        chosen = several_chosen(values, date_field) if date_field else None
        if chosen is not None:
            where = f"{table.unit} {number}"
            return Reason("filter_several_days", f"file {name}: the table has no date column and its date filter on "
                          f"{where} above it has several days or all of them chosen ({quote(chosen)}): a row is then "
                          "a sum over those days and cannot be put on one day; choose one day in the filter and "
                          "export again, or show the date as a column of the table", file=name,
                          where=where_words(where), value=quote(chosen))
    spans: list[tuple[date, date, str]] = [(below[0], below[0], below[1])] if below is not None else []
    for number, values in table.above:
        spans += [(first, last, f"{table.unit} {number}") for first, last in line_days(values)]
    if not spans:
        return None
    for first, last, where in spans:
        if first != last:
            return Reason("filter_range", f"file {name}: the table has no date column and {where} above it gives "
                          f"the period {_fi(first)}–{_fi(last)}: a row of it cannot be put on one day; export one "
                          "day per file, or with the date as a column of the table", file=name,
                          where=where_words(where), first=_fi(first), last=_fi(last))
    days = sorted({first for first, _last, _where in spans})
    if len(days) > 1:
        lines = {d: next(w for f, _l, w in spans if f == d) for d in days}
        return Reason("filter_dates_differ", f"file {name}: the table has no date column and the lines above it "
                      f"name two different days ({_fi(days[0])} on {lines[days[0]]}, {_fi(days[1])} on "
                      f"{lines[days[1]]}): which one its rows are for cannot be told; export one day per file, or with "
                      "the date as a column of the table", file=name, first=_fi(days[0]),
                      first_where=where_words(lines[days[0]]), second=_fi(days[1]),
                      second_where=where_words(lines[days[1]]))
    return days[0]


def holds_dates(table: Table, sample: int = 20) -> bool:
    """Whether a column of the table holds dates in most of its first rows: then the table has its own date
    column under another name than the mapping's (a typo in sources.yaml), and a date above it must not be taken
    for every row's; the missing column is refused as ever."""
    filters = applied_filters_at([values for _number, values in table.rows])
    rows = [values for _number, values in table.rows[:sample if filters is None else min(sample, filters)]]
    width = max((len(v) for v in rows), default=0)
    for column in range(width):
        cells = [v[column] for v in rows if column < len(v) and not blank(v[column])]
        dated = sum(1 for c in cells if isinstance(c, date | datetime) or (isinstance(c, str) and line_days([c])))
        if cells and dated * 2 > len(cells):
            return True
    return False


def missing_date_column(table: Table, date_field: str) -> bool:
    return header_key(date_field) not in {header_key(h) for h in table.header}


def with_date_column(table: Table, date_field: str, day: date) -> Table:
    """``table`` with a column ``date_field`` holding ``day`` on every row (after its last column). A CSV line cut
    short in a named column stays short (refused as such); a value past the header stays past it."""
    width = len(table.header)
    named = [bool(h) for h in table.header]
    rows = []
    for number, values in table.rows:
        if len(values) < width and (table.unit == "row" or not any(named[len(values):])):
            values = [*values, *([None] * (width - len(values)))]
        rows.append((number, [*values[:width], day, *values[width:]] if len(values) >= width else values))
    table.header = [*table.header, date_field]
    table.rows = rows
    return table
