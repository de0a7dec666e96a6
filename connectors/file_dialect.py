"""A CSV file's separator when ``delimiter: auto``: the one that splits the header into the wanted columns."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Sequence

from connectors.table_shape import header_key

#: Separators ``delimiter: auto`` chooses from; a tie goes to the first (Finnish Excel writes ``;``).
DELIMITERS = (";", ",", "\t", "|")
#: How many non-empty lines from the top may hold title lines and report parameters above the header.
HEADER_SEARCH_LINES = 50


def guess_delimiter(text: str, wanted: Sequence[str] = ()) -> str:
    """The separator: the one that splits a line near the top into all ``wanted`` column names, else the one
    that splits the first non-empty line into the most fields (a tie goes to ``;``).

    A line that one separator cannot split (a field over the csv module's
    limit, a stray quote) counts as a single field for it, never an error.
    """
    lines = [line for line in itertools.islice(
        (ln for ln in text.splitlines() if ln.strip()), HEADER_SEARCH_LINES)]
    needed = {header_key(w) for w in wanted if w}
    if needed:
        for line in lines:
            for d in DELIMITERS:
                if needed <= {header_key(f) for f in _split(line, d)}:
                    return d
    first = lines[0] if lines else ""
    counts = {d: len(_split(first, d)) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter not in line:
        return [line]
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return [line]
