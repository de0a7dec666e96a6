"""A units row under the header (``kpl``, ``min``, ``%``, ``h:mm``): not data, and it says what the numbers are in.

Reporting tools and hand-kept workbooks often write the unit of each column in a second header row rather than in
the column's name. Read as data it was refused row by row (``column 'Asema' is empty``), and its units were lost:
``s`` under a wait read as minutes. Here the first row under the header, when every cell of it is a unit, is
ignored with its reason, and each mapped metric column's unit is used as ``mapping.units`` would be: seconds,
minutes, hours or days for a duration, ``%`` for a share, ``kpl`` (pieces) for a count. A unit that cannot be the
metric's (``%`` under a count, ``min`` under a share), or that disagrees with ``mapping.units``, refuses the file
whole with the reason: which one is right cannot be told.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from board.domain.metrics import METRICS
from board.domain.reasons import Reason
from connectors.file_table import blank
from connectors.repeats import where_words

UNITS_ROW_REASON = Reason("units_row", "a units row under the header (not data; its units are used)")

#: Unit words as written under a header (compared lower case, without brackets) → the board's unit word.
_WORDS: dict[str, str] = {
    **dict.fromkeys(["kpl", "lkm", "st", "st.", "stk", "pcs", "count", "krt", "kpl.", "n"], "count"),
    **dict.fromkeys(["s", "sek", "sek.", "sekuntia", "sekunteina", "sec", "seconds", "sekunder"], "s"),
    **dict.fromkeys(["min", "min.", "minuuttia", "minuutteina", "minutes", "minuter", "mins"], "min"),
    **dict.fromkeys(["h", "t", "tuntia", "tunteina", "hours", "timmar", "tim"], "h"),
    **dict.fromkeys(["vrk", "pv", "pvä", "d", "päivää", "päivinä", "days", "dygn", "dagar"], "d"),
    **dict.fromkeys(["%", "prosenttia", "percent", "procent"], "percent"),
    # A duration written as a clock: the values say their units themselves (1:15 is 1 h 15 min).
    **dict.fromkeys(["h:mm", "hh:mm", "[h]:mm", "h:mm:ss", "hh:mm:ss", "[h]:mm:ss", "t:mm", "tt:mm"], "clock"),
    # Where a units row has the date and time columns, it names their format.
    **dict.fromkeys(["pvm", "päivämäärä", "dd.mm.yyyy", "d.m.yyyy", "pp.kk.vvvv", "klo", "hh.mm", "aika"], "label"),
}


def _word(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return _WORDS.get(value.strip().strip("()[]").strip().lower()) if value.strip() not in ("()", "[]") else None


def is_units_row(values: Sequence[Any]) -> bool:
    """Whether every non-empty cell of the row is a unit (and at least one is)."""
    cells = [v for v in values if not blank(v)]
    return bool(cells) and all(_word(v) is not None for v in cells)


def units_of(header: Sequence[str], values: Sequence[Any], metrics: Mapping[str, str],
             configured: Mapping[str, str], name: str, where: str, text: bool) -> dict[str, str] | Reason:
    """``mapping.units`` for the metrics the units row gives a unit to, or the Reason the file is refused.

    ``%`` makes a CSV's bare numbers percents (``0,5`` under ``%`` is 0,5 %); in a workbook (``text`` False) a
    percent cell holds its fraction (83,6 % is 0,836), so a share's numbers are read as ever (above 1 a percent,
    else a share)."""
    units = dict(configured)
    for index, column in enumerate(header):
        metric = metrics.get(column)
        if metric is None or metric not in METRICS or index >= len(values) or blank(values[index]):
            continue
        word, kind = _word(values[index]), METRICS[metric].unit
        said = str(values[index]).strip()
        if (word in ("label", "clock") and kind in ("min", "h", "d")) or (word == "count" and kind == "count"):
            continue  # nothing to convert: a clock names its units, a count is a count
        fits = (word in ("s", "min", "h", "d") and kind in ("min", "h", "d")) or (word == "percent" and kind == "share")
        if not fits:
            return Reason("unit_does_not_fit", f"file {name} {where}: the units row says {said!r} for column "
                          f"{column!r}, but {metric} is {_KIND[kind]}; map the column to a metric of that unit, or "
                          "fix the units row", file=name, where=where_words(where), written=said, column=column,
                          metric=metric, unit=kind)
        unit = str(word)
        if unit == "percent" and not text:
            continue
        if metric in configured and configured[metric] != unit:
            return Reason("unit_disagrees", f"file {name} {where}: the units row says {said!r} for column "
                          f"{column!r}, but mapping.units in sources.yaml says {configured[metric]!r} for {metric}; "
                          "which is right cannot be told: make them agree", file=name, where=where_words(where),
                          written=said, column=column, configured=configured[metric], metric=metric)
        units[metric] = unit
    return units


_KIND = {"count": "a count", "min": "minutes", "h": "hours", "d": "days", "share": "a share"}
