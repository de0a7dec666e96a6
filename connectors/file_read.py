"""One file's rows mapped to readings: a bad row refused alone (or the file, ``on_bad_row: refuse_file``), a
repeated row taken once, two rows disagreeing on one key both refused."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from board.domain.reading import Reading
from board.domain.reasons import Reason, reason_of
from board.source_settings import FilesSource
from connectors.errors import ConnectorError
from connectors.file_autumn_hour import merged_hours
from connectors.file_csv import csv_table
from connectors.file_excel import excel_table, is_excel
from connectors.file_filter_date import filter_day, holds_dates, missing_date_column, with_date_column
from connectors.file_messages import short
from connectors.file_outcome import Outcome
from connectors.file_problems import BadFile, Undecodable
from connectors.file_ranges import RangeKey, Span, running_totals
from connectors.file_slash_dates import slash_dates, time_columns
from connectors.file_table import Table, blank, column_keys, record
from connectors.file_units_row import UNITS_ROW_REASON, is_units_row, units_of
from connectors.items import ItemMapper
from connectors.mapping import (
    IDENTITY_CODE_REASON,
    RecordError,
    RecordIgnored,
    RecordMapper,
    any_identity_code,
    quote,
    time_parts,
)
from connectors.private_columns import private_columns
from connectors.repeats import DUPLICATE_NOTE, RepeatGuard, both_refused_reason, where_words
from connectors.table_shape import (
    BELOW_TOTALS_REASON,
    TOTALS_REASON,
    as_mapped,
    header_key,
    is_total,
    is_total_word,
    trailer_reasons,
)
from connectors.times import parse_interval, parse_period

#: A report of hour ranges totals each day: that row is ignored alone, the next day's rows follow.
DAY_TOTALS_REASON = Reason("day_totals", "a day's totals row (a sum of the hour ranges above it, not a station's "
                           "figures)")
NOTHING_TO_STORE = Reason("nothing_to_store", "nothing to store (its values are empty or mapped to ignore)")


def read_file(name: str, data: bytes, source: FilesSource, mapper: RecordMapper | ItemMapper) -> Outcome:
    """Every row of one file mapped to readings.

    A problem with the file as a whole (unreadable, a mapped column missing,
    an identity-code column) refuses it whole; an unmapped name or free-text
    column is noted in ``private_columns`` (never read; the kept copy goes
    without it). A bad row is refused alone with its
    line and reason (``on_bad_row: refuse_row``, the default), or refuses the
    whole file (``refuse_file``: any problem empties ``readings``).
    """
    outcome = Outcome(name, noun="items" if isinstance(mapper, ItemMapper) else "readings")
    wanted = mapper.required_fields()

    def load(wanted: list[str]) -> Table:
        if is_excel(name):
            snapshot = isinstance(mapper, ItemMapper) and source.items is not None and source.items.mode == "snapshot"
            return excel_table(name, data, source.sheet, wanted, pass_over_empty=not snapshot)
        return csv_table(name, data, source, wanted)

    try:
        table = load(wanted)
        date_field = mapper.mapping.time_fields[0] if isinstance(mapper, RecordMapper) else ""
        if date_field and table.header and missing_columns(table, wanted, ""):
            # No header with every mapped column. Without the date: perhaps the one day a pivot's filter or the
            # report's title names above the table (a filter line "Päivämäärä | 1.12.2026" is not the header).
            dated = load([w for w in wanted if w != date_field])
            day = (filter_day(name, dated, date_field) if not missing_columns(dated, wanted, date_field)
                   and missing_date_column(dated, date_field) and not holds_dates(dated) else None)
            if isinstance(day, Reason):
                outcome.add(day)
                outcome.rows = len(dated.rows)  # read, and refused with the file: the ledger adds up
                return outcome
            if day is not None:
                table = with_date_column(dated, date_field, day)
    except BadFile as e:
        outcome.add(reason_of(e))
        if isinstance(e, Undecodable):
            outcome.rows = e.rows  # read (as lines) and refused with the file: the ledger adds up
        return outcome
    except Exception as e:  # anything else while finding the table: this file's problem, not the pull's
        outcome.add(Reason("not_a_table", f"file {name} could not be read as a table ({short(e)})", file=name,
                           detail=short(e)))
        return outcome
    if not table.header:
        return outcome  # an empty file: nothing to import, nothing wrong
    # A wrapped header cell ("Jonossa⏎nyt"), doubled or non-breaking spaces, another case: the mapped name.
    table.header = as_mapped(table.header, mapper.mapped_fields())
    # An unmapped column that may hold a name or free text is never read, and does not refuse the file (a vendor's
    # export needs no reshaping); one with anything in it is left out of the copy kept (file_retire.scrub_file).
    outcome.private_at = [i for i in private_columns(table.header, mapper.mapped_fields())
                          if any(i < len(v) and not blank(v[i]) for _n, v in table.rows)]
    outcome.private_columns = [table.header[i] for i in outcome.private_at]
    outcome.header_number, outcome.delimiter = table.header_number, table.delimiter
    keys, repeated = column_keys(table.header)
    ambiguous = sorted(set(repeated) & mapper.mapped_fields())
    if ambiguous:
        columns = ", ".join(quote(c) for c in ambiguous)
        outcome.add(Reason("repeated_column", f"column {columns} appears more than once in file {name}; give each "
                           "column its own name", columns=columns, file=name), kind="configuration")
        return outcome
    try:  # an identity-code column still refuses the file
        if isinstance(mapper, RecordMapper):
            mapper.check_columns(keys, source_name=Reason("in_file", f"file {name}", file=name), every_metric=True,
                                 identity_only=True)
        else:  # an item source: its own check (every mapped field)
            mapper.check_columns(keys, source_name=Reason("in_file", f"file {name}", file=name), identity_only=True)
    except ConnectorError as e:
        outcome.add(reason_of(e), kind=e.kind)
        return outcome
    # Dates with slashes (an English-locale export): read in the order the file proves, or refused with why.
    unordered = slash_dates(name, table, set(time_columns(mapper)) & set(keys))
    mapper.begin(rows_in_order=True)  # a file is read whole, in its own order
    rows: list[tuple[str, list[Reading], bool]] = []  # (where, readings, time was a date alone)
    named = [bool(h) for h in table.header]
    for number, values in table.above:
        if any_identity_code(values):
            outcome.identity_lines.append(f"{table.unit} {number}")
            outcome.add(Reason("identity_code_above_header", "a value above the header looks like a personal "
                               "identity code (henkilötunnus); the board takes aggregates only"),
                        f"{table.unit} {number}")
    if not outcome.ok:
        return outcome
    station_field = mapper.mapping.station if isinstance(mapper, RecordMapper) else mapper.fields.station
    station_column = keys.index(station_field) if station_field in keys else None
    not_data = trailer_reasons([values for _number, values in table.rows], station_column, table.header,
                               mapper.names_station)
    clock_field = mapper.mapping.time_fields[-1] if isinstance(mapper, RecordMapper) else ""
    ranged = isinstance(mapper, RecordMapper) and clock_field in keys and any(
        _a_range(v[keys.index(clock_field)]) for _n, v in table.rows if keys.index(clock_field) < len(v))
    if ranged:  # a day's totals in the hour range column, and the days after a day's totals row, as they are
        day_totals(not_data, table.rows, keys.index(clock_field), station_column, mapper.names_station)
    spans: dict[int, Span] = {}
    refused_ranges: list[tuple[str, str | None, RangeKey | None]] = []
    units_row = bool(table.rows) and is_units_row(table.rows[0][1]) and not (
        station_column is not None and mapper.names_station(
            table.rows[0][1][station_column] if station_column < len(table.rows[0][1]) else None))
    saved = mapper.mapping if isinstance(mapper, RecordMapper) else None
    if units_row:  # kpl, min, %, h:mm under the names: not data, and it says what the numbers are in
        not_data[0] = UNITS_ROW_REASON
        if saved is not None and saved.layout == "wide":
            units = units_of(keys, table.rows[0][1], saved.metrics, saved.units, name,
                             f"{table.unit} {table.rows[0][0]}", text=table.unit == "line")
            if isinstance(units, Reason):
                outcome.add(units)
                outcome.rows = len(table.rows)  # read, and refused with the file: the ledger adds up
                return outcome
            mapper.mapping = saved.model_copy(update={"units": units})
    try:
        for index, (number, values) in enumerate(table.rows):
            outcome.rows += 1
            where = f"{table.unit} {number}"
            if index in unordered and index not in not_data:
                bad_row(outcome, source, where, unordered[index])
                if ranged and isinstance(mapper, RecordMapper):  # as any refused range row
                    refused_ranges.append((where, *mapper.range_key(dict(zip(keys, values, strict=False)))))
                continue
            if index in not_data:
                if any_identity_code(values):  # a note with a code is personal data, not a note to ignore
                    outcome.identity_lines.append(where)
                    bad_row(outcome, source, where, IDENTITY_CODE_REASON)
                else:
                    outcome.ignored.append((where, not_data[index]))
                continue
            try:
                mapped = mapper.map(record(keys, values, table.unit, named))
                rows.append((where, mapped, getattr(mapper, "last_date_only", False)))
                if getattr(mapper, "last_interval", None) is not None:
                    spans[len(rows) - 1] = mapper.last_interval
            except RecordIgnored as e:  # nothing wrong in it, nothing to count: listed as ignored, with why
                outcome.ignored.append((where, reason_of(e)))
            except RecordError as e:
                if str(e) == IDENTITY_CODE_REASON:
                    outcome.identity_lines.append(where)
                bad_row(outcome, source, where, reason_of(e))
                if ranged and isinstance(mapper, RecordMapper):  # its count may be missing from a running total
                    refused_ranges.append((where, *mapper.range_key(dict(zip(keys, values, strict=False)))))
            except ConnectorError as e:  # e.g. a station name that matches two stations: the mapping must say
                outcome.add(reason_of(e), where, kind=e.kind)
    finally:
        if saved is not None:
            mapper.mapping = saved  # the mapper serves the pull's other files too
    if spans:  # a row per hour range: each day's counts summed into the running total at each range's end
        assert isinstance(mapper, RecordMapper)
        once = merged_hours(rows, spans, mapper.zone, mapper.until, refused_ranges)  # the October hour listed once
        refused_ranges += [(rows[i][0], rows[i][1][0].station, (spans[i][0], spans[i][1])) for i in once]
        problems = running_totals(rows, spans, refused_ranges)
        problems.update(once)
        for index in sorted(problems):
            bad_row(outcome, source, rows[index][0], problems[index])
        rows = [row for index, row in enumerate(rows) if index not in problems]
    for where, readings, problem in one_value_per_key(rows):
        if problem is None and not readings:
            outcome.ignored.append((where, NOTHING_TO_STORE))
        elif problem is None:
            outcome.readings.extend(readings)
            outcome.row_sizes.append(len(readings))
        elif readings is DUPLICATE:
            outcome.duplicates += 1
            outcome.ignored.append((where, problem))
        else:
            bad_row(outcome, source, where, problem)
    if not outcome.ok:
        outcome.readings.clear()
        outcome.row_sizes.clear()
    return outcome


def day_totals(not_data: dict[int, str], rows: list[tuple[int, list[Any]]], clock: int, station: int | None,
               names_station: Callable[[Any], bool]) -> None:
    """In a report of hour ranges: a row whose range cell is a totals word (``1.12.2026;Yhteensä;…``) is a day's
    totals row, ignored alone; a range row below a totals row is the next day's data, not "below the totals"
    (each day of such a report has its total)."""
    for index, (_number, values) in enumerate(rows):
        cell = values[clock] if clock < len(values) else None
        if index not in not_data and is_total_word(cell):
            not_data[index] = DAY_TOTALS_REASON
        elif not_data.get(index) == BELOW_TOTALS_REASON:
            if _a_range(cell):
                del not_data[index]
            elif is_total(values, station, names_station) or is_total_word(cell):
                not_data[index] = DAY_TOTALS_REASON
        elif not_data.get(index) == TOTALS_REASON:
            not_data[index] = DAY_TOTALS_REASON


#: How every hour range ends (``-9.00``, ``– 09:00:00``, ``- klo 9``, ``- 1.12.2026 09:00``): a cell that does not
#: is none (a quick test before the parsers, which a table of plain times would otherwise run on every row).
_RANGE_END = re.compile(r"(?:-|–|—|\.\.)\s*(?:\d{1,2}\.\d{1,2}\.\d{4}\s+|\d{4}-\d{2}-\d{2}\s+)?(?:klo\.?\s*)?"
                        r"\d{1,2}(?:[.:]\d{2}){0,2}\s*$", re.IGNORECASE)


def _a_range(value: Any) -> bool:
    """An hour range (``8.00–9.00``), or one with its day in the same cell (``1.12.2026 8:00-9:00``)."""
    if not isinstance(value, str) or _RANGE_END.search(value) is None:
        return False
    try:
        if parse_interval(value) is not None:
            return True
        try:
            time_parts(value)  # a time (2026-12-01 08:00:00-05:00 ends like a range) is no range
            return False
        except ValueError:
            period = parse_period(value)
        return period is not None and len(period) == 3
    except ValueError:
        return True  # a range written wrong is a data row, refused with its reason


def missing_columns(table: Table, wanted: list[str], but: str) -> bool:
    """Whether ``table``'s header lacks a ``wanted`` column other than ``but``."""
    have = {header_key(h) for h in table.header}
    return any(header_key(w) not in have for w in wanted if w and w != but)


def bad_row(outcome: Outcome, source: FilesSource, where: str, reason: str) -> None:
    """One bad row: refused alone, or (``on_bad_row: refuse_file``) a problem that refuses the file."""
    if source.on_bad_row == "refuse_file":
        outcome.add(reason, where)
    else:
        outcome.refused.append((where, reason))


DUPLICATE: list[Reading] = []  # a marker: the row repeats an identical one


def one_value_per_key(rows: list[tuple[str, list[Reading], bool]]
                       ) -> Iterator[tuple[str, list[Reading], str | None]]:
    """Each row with its readings and None, or with the reason it cannot be stored as it is.

    Two rows giving the same station, metric and time (found by the same :class:`RepeatGuard` the sql and rest
    sources use): the same value is a repeat (the later row is a duplicate, taken once); another value refuses
    both rows (the whole file is at hand, and which one is right cannot be told). Several rows of a station on a
    date with no time of day get a reason that says to map the time. No bound on the keys: a file is read whole
    into memory anyway (``max_file_mb``), and the guard holds less than its readings.
    """
    guard = RepeatGuard(lambda index: rows[index][0], limit=sys.maxsize)
    conflicts: dict[int, tuple[int, float, Reading]] = {}  # row -> (other row, its value, this row's reading)
    repeats: dict[int, int] = {}
    for index, (_where, readings, _date_only) in enumerate(rows):
        clashes, repeated = guard.look(readings)
        for clash in clashes:
            ours = clash.reading
            conflicts.setdefault(index, (clash.first, clash.earlier, ours))
            conflicts.setdefault(clash.first, (index, ours.value, replace(ours, value=clash.earlier)))
        if repeated is not None:  # every reading of the row repeats one already read
            repeats[index] = repeated
        guard.remember(readings, index)
    for index, (where, readings, date_only) in enumerate(rows):
        if index in conflicts:
            other, theirs, ours = conflicts[index]
            yield where, readings, both_refused_reason(rows[other][0], theirs, ours, date_only or rows[other][2])
        elif index in repeats:
            other = rows[repeats[index]][0]
            yield where, DUPLICATE, Reason("duplicate_row", f"repeats {other} exactly {DUPLICATE_NOTE}",
                                            other=where_words(other))
        else:
            yield where, readings, None
