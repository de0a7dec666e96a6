"""A file as a table: its header (found below any title lines), its numbered rows, and a row as a record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from board.domain.reasons import Reason
from connectors.mapping import RecordError
from connectors.table_shape import as_mapped, cell_text, find_header


@dataclass
class Table:
    """A file's header and non-empty rows, each with the number its author sees in an editor or Excel."""

    header: list[str]
    rows: list[tuple[int, list[Any]]]
    unit: str  # "line" (CSV, as a text editor counts) or "row" (Excel)
    #: Non-empty lines above the header (a title, report parameters): not data, but checked for identity codes.
    above: list[tuple[int, list[Any]]] = field(default_factory=list)
    #: The header's own line (row) number, and a CSV file's separator: where a kept copy's columns are emptied.
    header_number: int = 0
    delimiter: str = ""


def table_of(found: list[tuple[int, list[Any]]], wanted: Sequence[str], unit: str) -> Table:
    if not found:
        return Table([], [], unit)
    at = find_header([values for _number, values in found], wanted)
    header = as_mapped([cell_text(v) for v in found[at][1]], wanted)
    return Table(header, found[at + 1:], unit, found[:at], header_number=found[at][0])


def column_keys(header: Sequence[str]) -> tuple[list[str], list[str]]:
    """Unique record keys for the header, and the names that repeat.

    An unnamed column becomes ``(column N)`` and a repeated name
    ``Name (column N)``: they cannot be mapped, but their cells are still
    checked for identity codes.
    """
    keys: list[str] = []
    seen: set[str] = set()  # a set: a header of 30 000 columns is checked in linear time
    repeated: list[str] = []
    for number, name in enumerate(header, start=1):
        key = name or f"(column {number})"
        if key in seen:
            repeated.append(name)
            key = f"{name} (column {number})"
        keys.append(key)
        seen.add(key)
    return keys, repeated


def record(keys: list[str], values: list[Any], unit: str, named: list[bool] | None = None) -> dict[str, Any]:
    """A row as a mapping; values beyond the header are an error (in a CSV, usually an unquoted separator),
    and so is a CSV line with fewer fields than the header has named columns (never read as empty cells)."""
    if unit == "line" and len(values) < len(keys) and named is not None and any(named[len(values):]):
        raise RecordError(Reason("short_row", f"{len(values)} field{'s' if len(values) != 1 else ''} but the header "
                                 f"has {len(keys)} (a field is missing, or the line was cut short)",
                                 fields=len(values), header=len(keys)))
    used = len(values)
    while used > len(keys) and blank(values[used - 1]):
        used -= 1
    if used > len(keys):
        if unit == "line":
            raise RecordError(Reason("long_row", f"{used} fields but the header has {len(keys)} (is a value "
                                     "containing the separator not quoted, or a decimal comma in a comma-separated "
                                     "file?)", fields=used, header=len(keys)))
        raise RecordError(Reason("value_without_header", f"a value in column {used}, which has no header (the header "
                                 f"has {len(keys)} columns)", column=used, header=len(keys)))
    return {key: values[i] if i < len(values) else None for i, key in enumerate(keys)}


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
