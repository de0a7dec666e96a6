"""Dates written with slashes (``12/2/2026 8:00 AM``): read in the order the file itself proves, never guessed.

A Power BI or Excel with an English locale writes dates as ``M/d/yyyy`` (United States, with ``AM``/``PM``) or
``d/M/yyyy`` (United Kingdom, a 24-hour clock), and an English tenant is real in Finland. ``2/12/2026`` alone is
2 December or 12 February. The file's time columns are read together for proof of the order:

* an ``AM``/``PM`` mark anywhere in them, or a second field over 12 (``11/14/2026``): month first;
* a first field over 12 (``13/11/2026``): day first.

With proof of one order every slash date of those columns is read in it (rewritten as ``yyyy-mm-dd`` before the
rows are mapped; an ``8:00 PM`` time of day as ``20:00``). With no proof, or proof of both (a file pasted together
from two tools), each row with a slash date is refused with a reason that says how to fix the export: a D/M swap
stores a figure on a day a month or more away, silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from board.domain.reasons import Reason
from connectors.file_table import Table
from connectors.mapping import quote

_SLASH = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})"
                    r"(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])?\.?[Mm]?\.?)?\s*$")
_AMPM_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])\.?[Mm]\.?\s*$")


def _hour(hour: int, mark: str | None) -> int | None:
    """A 12-hour clock's hour on the 24-hour clock (12 AM is 0, 12 PM is 12); None when it cannot be one."""
    if mark is None:
        return hour
    if not 1 <= hour <= 12:
        return None
    return hour % 12 + (12 if mark.lower() == "p" else 0)


def _iso(m: re.Match[str], month_first: bool) -> str | None:
    first, second, year, hour, minute, second_, mark = m.groups()
    month, day = (first, second) if month_first else (second, first)
    text = f"{year}-{int(month):02d}-{int(day):02d}"
    if hour is None:
        return text if mark is None else None
    hh = _hour(int(hour), mark)
    return None if hh is None else f"{text} {hh:02d}:{minute}:{second_ or '00'}"


def slash_dates(name: str, table: Table, columns: Iterable[str]) -> dict[int, Reason]:
    """Rewrite the slash dates of ``table``'s ``columns`` (header names) in the order the file proves, in place;
    return the rows (by index) to refuse because it proves none or both, with the reason."""
    at = [i for i, h in enumerate(table.header) if h in set(columns)]
    if not at:
        return {}
    found: list[tuple[int, int, re.Match[str] | None, re.Match[str] | None]] = []  # row, column, date, clock
    month_first = day_first = False
    for index, (_number, values) in enumerate(table.rows):
        for column in at:
            value = values[column] if column < len(values) else None
            if not isinstance(value, str) or ("/" not in value and "m" not in value.lower()):
                continue  # (a quick test: most time cells are neither, and this runs over every row)
            date_m, clock_m = _SLASH.match(value), _AMPM_CLOCK.match(value)
            if date_m is None and clock_m is None:
                continue
            found.append((index, column, date_m, clock_m))
            if clock_m is not None or (date_m is not None and date_m.group(7)):
                month_first = True
            if date_m is not None:
                first, second = int(date_m.group(1)), int(date_m.group(2))
                month_first |= second > 12
                day_first |= first > 12
    if not found:
        return {}
    refused: dict[int, Reason] = {}
    for index, column, date_m, clock_m in found:
        values = table.rows[index][1]
        if clock_m is not None:  # 8:00 PM, in a time-of-day column
            hh = _hour(int(clock_m.group(1)), clock_m.group(4))
            if hh is not None:
                values[column] = f"{hh:02d}:{clock_m.group(2)}:{clock_m.group(3) or '00'}"
            continue
        assert date_m is not None
        if month_first != day_first:
            iso = _iso(date_m, month_first)
            if iso is not None:
                values[column] = iso
            continue
        value = quote(values[column])
        if month_first:  # and day first: both orders in one file
            refused.setdefault(index, Reason(
                "slash_dates_both_orders", f"column {quote(table.header[column])}: {value} is a date with slashes, and "
                f"file {name} has both orders of them (a first field over 12, and a second field over 12 or AM/PM): "
                "whether its day or its month comes first cannot be told; export the file again from one tool, with "
                "the dates as d.m.yyyy or yyyy-mm-dd", column=quote(table.header[column]), value=value, file=name))
        else:
            refused.setdefault(index, Reason(
                "slash_date_unordered", f"column {quote(table.header[column])}: {value} is a date with slashes, and "
                f"file {name} does not show whether the day or the month first (no AM/PM, no field over 12 in any "
                "of its dates); never guessed: export with a Finnish date format (d.m.yyyy) or as yyyy-mm-dd, or "
                "with a 12-hour clock (AM/PM), which shows the month comes first",
                column=quote(table.header[column]), value=value, file=name))
    return refused


def time_columns(mapper: Any) -> list[str]:
    """The columns a mapper reads times from: a reading's ``time`` fields, an item's ``start``, ``end`` and
    ``updated``."""
    mapping = getattr(mapper, "mapping", None)
    if mapping is not None and hasattr(mapping, "time_fields"):
        return list(mapping.time_fields)
    fields = getattr(mapper, "fields", None)
    out: list[str] = []
    for name in ("start", "end", "updated"):
        value = getattr(fields, name, None)
        if isinstance(value, str):
            out.append(value)
        elif value:
            out += list(value)
    return out
