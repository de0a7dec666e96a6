"""A CSV file's table: decoded, split by its separator, line numbers as a text editor shows them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from board.domain.reasons import Reason
from board.source_settings import FilesSource
from connectors.file_dialect import guess_delimiter
from connectors.file_encoding import decode
from connectors.file_problems import BadFile
from connectors.file_table import Table, table_of


def csv_table(name: str, data: bytes, source: FilesSource, wanted: Sequence[str] = ()) -> Table:
    """Header and rows of a CSV file; line numbers as a text editor shows them (line 1 is the file's first).

    The header is the first line holding every ``wanted`` column (title lines
    and report parameters above it are skipped), else the first non-empty line.
    """
    text = decode(name, data, source.encoding)
    delimiter = guess_delimiter(text, wanted) if source.delimiter == "auto" else source.delimiter
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    found: list[tuple[int, list[Any]]] = []
    last_line = 0
    try:
        for fields in reader:
            line, last_line = last_line + 1, reader.line_num  # a quoted value may span lines: number its first
            if all(not f.strip() for f in fields):
                continue  # an empty line, or Excel's ';;;' for an empty row
            found.append((line, list(fields)))
    except csv.Error as e:
        raise BadFile(Reason("bad_csv", f"file {name} is not valid CSV at line {reader.line_num}: {e}", file=name,
                             line=reader.line_num, detail=str(e))) from None
    table = table_of(found, wanted, "line")
    table.delimiter = delimiter
    return table
