"""An Excel workbook's table: one sheet, checked for bombs before it is opened, row numbers as Excel shows them."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from board.domain.reasons import Reason
from connectors.file_messages import short
from connectors.file_problems import BadFile
from connectors.file_table import Table, blank, table_of
from connectors.xlsx_guard import check_workbook

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


#: Workbooks openpyxl cannot read (read as CSV they would be gibberish): Excel's binary workbook and LibreOffice's.
OTHER_WORKBOOKS = {".xlsb": "Excel binary (.xlsb)", ".ods": "OpenDocument (.ods)"}


def is_excel(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(".xls"):  # a binary format openpyxl cannot read; read as CSV it would be gibberish
        raise BadFile(Reason("old_excel", f"file {name} is in the old Excel format (.xls); save it as .xlsx or CSV",
                             file=name))
    for suffix, kind in OTHER_WORKBOOKS.items():
        if lower.endswith(suffix):  # a pattern such as "*.xls*" picks up an .xlsb too
            raise BadFile(Reason("other_workbook", f"file {name} is an {kind} workbook, which the board cannot read; "
                                 "save it as .xlsx or CSV", file=name, kind=kind))
    return lower.endswith(EXCEL_SUFFIXES)


def excel_table(name: str, data: bytes, sheet: str | int | None, wanted: Sequence[str] = (),
                pass_over_empty: bool = True) -> Table:
    """Header (the first row holding every ``wanted`` column, else the first non-empty row) and rows of one
    sheet; row numbers as Excel shows them.

    ``sheet`` None (not set in sources.yaml): the first sheet that has such a header and rows under it, so a
    workbook whose data follows a cover, an instructions or an empty template sheet is read as it is saved; when
    none has rows, the first with the header; when none has the header, the first sheet (whose columns the
    missing-column error then lists).

    Visible sheets are searched first, in their order, and hidden ones (Excel's Hide, or "very hidden" by a
    macro) only after them: a hidden sheet is a template, a lookup, last period's rows or a pivot's source kept out
    of sight, not what the person who saved the workbook sees, so a hidden first sheet with the same columns is
    not read in place of the visible data (before 3 Dec 2026 it was, silently). ``sheet:`` reads any sheet named.

    ``pass_over_empty`` False (a snapshot of open items): an empty sheet with the header is not passed over for
    a later one with rows; the file is refused instead, naming both sheets. Why: an empty first sheet may be an
    unused template, or today's sheet with nothing open, and a later sheet yesterday's. Readings read twice are
    stored once, but a snapshot read from yesterday's sheet would show answered items as open again.
    """
    import openpyxl  # only a source with Excel files pays for the import

    # A bomb (huge shared text, cells, ratio) is refused before openpyxl expands it; else each sheet's last row
    # with a value, below which formatted empty cells (down to row 1 048 576, as Excel saves them) are not read.
    last_rows = check_workbook(name, data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # zipfile, XML and openpyxl errors alike mean: not a workbook we can read
        raise BadFile(f"file {name} is not a readable Excel workbook ({short(e)}); save it again as .xlsx "
                      "or CSV") from None
    try:
        if sheet is not None:
            return table_of(_rows(_sheet(name, workbook, sheet), last_rows), wanted, "row")
        first: Table | None = None
        headed: Table | None = None  # the first sheet with the header, when none has rows under it (an empty day)
        headed_name = ""
        for candidate in _visible_first(workbook.worksheets):  # tables only: chart sheets are not among them
            table = table_of(_rows(candidate, last_rows), wanted, "row")
            if first is None:
                first = table
            if wanted and set(w for w in wanted if w) <= set(table.header):
                if table.rows:  # a template sheet with the same header and nothing under it is passed over
                    if headed is not None and not pass_over_empty:
                        raise BadFile(Reason(
                            "ambiguous_sheet", f"file {name}: sheet {headed_name!r} has the mapped columns and no "
                            f"rows, sheet {candidate.title!r} has rows; a snapshot of open items cannot tell which "
                            "is the current one: name it with sheet in sources.yaml", file=name,
                            empty=headed_name, full=candidate.title))
                    return table
                if headed is None:
                    headed, headed_name = table, candidate.title
        return headed or first or Table([], [], "row")
    except BadFile:
        raise
    except Exception as e:
        raise BadFile(f"file {name}: the sheet could not be read ({short(e)})") from None
    finally:
        workbook.close()


def _visible_first(sheets: Sequence[Any]) -> list[Any]:
    """The sheets, visible ones first (each group in the workbook's order)."""
    def hidden(sheet: Any) -> bool:
        return getattr(sheet, "sheet_state", "visible") != "visible"
    return [s for s in sheets if not hidden(s)] + [s for s in sheets if hidden(s)]


def _rows(worksheet: Any, last_rows: dict[str, int]) -> list[tuple[int, list[Any]]]:
    """A sheet's non-empty rows, each with its number as Excel shows it, up to its last row holding a value."""
    # The declared used range is never trusted: some exporters write a wrong one, and Excel declares the whole
    # height (A1:F1048576) when a formatted cell sits in the last row. Read the rows there are (xlsx_guard relies
    # on this: it judges the cells a sheet really has, not what it declares), and none below the last value:
    # a sheet formatted down to row 1 048 576 has a cell for each, which the guard did not count.
    worksheet.reset_dimensions()
    last = last_rows.get(getattr(worksheet, "_worksheet_path", ""))
    if last == 0:
        return []  # no value anywhere: nothing to read
    found: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(worksheet.iter_rows(max_row=last), start=1):
        values = [_cell_value(c) for c in cells]
        if all(blank(v) for v in values):
            continue
        found.append((number, values))
    return found


def _sheet(name: str, workbook: Any, sheet: str | int) -> Any:
    names = list(workbook.sheetnames)
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise BadFile(f"file {name} has no sheet number {sheet} (counted from 0); its sheets are: "
                          f"{', '.join(repr(n) for n in names)} (sheet in sources.yaml)")
        chosen = workbook[names[sheet]]
    elif sheet in names:
        chosen = workbook[sheet]
    else:
        raise BadFile(f"file {name} has no sheet {sheet!r}; its sheets are: {', '.join(repr(n) for n in names)} "
                      "(sheet in sources.yaml)")
    if not hasattr(chosen, "iter_rows"):
        raise BadFile(f"sheet {chosen.title!r} in file {name} is a chart, not a table")
    return chosen


_QUOTED_OR_LOCALE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _cell_value(cell: Any) -> Any:
    """A cell's value; a date cell formatted without a time is a date (a daily total), as in a CSV."""
    value = cell.value
    if isinstance(value, datetime) and not (value.hour or value.minute or value.second or value.microsecond):
        shown = _QUOTED_OR_LOCALE.sub("", cell.number_format or "").lower()
        if "h" not in shown and "s" not in shown:
            return value.date()
    return value
