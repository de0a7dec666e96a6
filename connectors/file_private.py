"""A kept CSV copy without the cells of its name and free-text columns (see :mod:`connectors.private_columns`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence


def blank_columns(text: str, at: Sequence[int], header_number: int, delimiter: str) -> str:
    """``text`` (a CSV file's) with the cells of columns ``at`` emptied on every line below the header.

    The header stays, so whoever opens the copy sees which columns the board left out; lines above it (a title)
    stay as they are. Parsed the way :func:`connectors.file_csv.csv_table` numbers lines (a quoted value may span
    lines), and written back with the same separator and line ends (quoting may change where none is needed).
    """
    columns = set(at)
    ending = "\r\n" if "\r\n" in text else "\n"
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter or ";", lineterminator=ending)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or ";", strict=True)
    last_line = 0
    for fields in reader:
        line, last_line = last_line + 1, reader.line_num
        if line > header_number:
            fields = ["" if i in columns else f for i, f in enumerate(fields)]
        writer.writerow(fields)
    return out.getvalue()
