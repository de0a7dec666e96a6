"""Where the table is in an export: the header below title lines, the totals row and notes below the data.

Reporting systems and Excel users put more than a table in an export:

* a title, the report's parameters ("Ajanjakso: 1.11.–30.11.2026") and
  blank lines **above** the header;
* a totals row (``Yhteensä``, ``Kaikki``; a pivot table's ``Kokonaissumma``), a survey tool's or an Excel
  user's summary rows (``Keskiarvo``, ``Mediaani``, ``Vastauksia yhteensä``; ``Average``, ``Median``),
  notes ("Lähde: …") and Power BI's applied filters (``Applied filters:⏎Päivämäärä is 1.12.2026``) **below**
  the data, and a pivot table's subtotal
  rows (``Kajaanin terveysasema Summa``) between a station's rows.

The header is the first row that holds every column the mapping needs; the
rows above it are not data and are not counted. A totals row and anything
after it, and single-cell lines after the last data row, are *ignored*:
counted with a reason, never refused and never stored; so is a subtotal row, and the rows after it are
read as data. Everything here is
one pass over the rows (a set look-up per cell), whatever their width.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from board.domain.reasons import Reason

#: Words a totals row starts with (compared without case, accents or a trailing colon/period).
TOTAL_WORDS = frozenset({
    "yhteensa", "yht", "kaikki", "kaikki yhteensa", "summa", "koko alue", "kaikki asemat",
    "totalt", "sammanlagt", "summa totalt", "alla", "total", "totals", "grand total", "sum", "all",
    # a pivot table's grand total, as Finnish, Swedish and English Excel write it
    "kokonaissumma", "loppusumma", "totalsumma",
})
#: Words a summary row starts with: an average, a median, a spread or an extreme of the rows above, or their
#: count, as survey tools (Webropol, Surveypal, Forms) and Excel users write them under the rows (fi, sv, en).
SUMMARY_WORDS = frozenset({
    "keskiarvo", "mediaani", "keskihajonta", "hajonta", "minimi", "maksimi", "pienin", "suurin", "moodi",
    "vastauksia", "vastauksia yhteensa", "vastaukset yhteensa", "vastaajia", "vastaajia yhteensa", "lukumaara",
    "lkm", "nps", "nps-luku", "suositteluindeksi",
    "medelvarde", "medel", "median", "standardavvikelse", "minsta", "storsta", "antal svar", "antal",
    "average", "mean", "avg", "std", "std dev", "standard deviation", "minimum", "maximum", "min", "max",
    "count", "responses", "total responses", "number of responses",
})
#: A pivot table's subtotal row ends its label with one of these (``Kajaanin terveysasema Summa``; Swedish
#: ``… Summa``, English ``… Total``), and a report's with ``yhteensä`` (``Kajaani yhteensä``).
SUBTOTAL_WORDS = frozenset({"summa", "yhteensa", "yht", "total", "totalt", "sammanlagt"})
# Why a row is not data: Reasons, so that the Sources page and the reason file word them in the board's language.
TOTALS_REASON = Reason("totals_row", "a totals row (not a station's figures)")
SUMMARY_REASON = Reason("summary_row", "a summary row (an average, median, extreme or count of the rows above, not "
                        "a station's figures)")
BELOW_TOTALS_REASON = Reason("below_totals", "below the totals row (not data)")
NOTE_REASON = Reason("note_below", "a note below the data (one cell, not a data row)")
SUBTOTAL_REASON = Reason("subtotal_row", "a subtotal row (a sum of the rows above it, not a station's figures)")
REPEATED_HEADER_REASON = Reason("repeated_header", "the header again (the report's next page), not data")
PAGE_TITLE_REASON = Reason("page_title", "a page's title above the repeated header (not data)")
APPLIED_FILTERS_REASON = Reason("applied_filters", "Power BI's applied filters (not data)")
#: How Power BI's "Export data" heads the filters it writes below the visual's rows (en, fi, sv), compared as
#: :func:`_normal` compares labels.
FILTERS_HEADINGS = frozenset({"applied filters", "kaytetyt suodattimet", "tillampade filter", "anvanda filter"})


def is_applied_filters(values: Sequence[Any]) -> bool:
    """Whether a row is the start of Power BI's applied filters: its first filled cell's first line is the heading
    (``Applied filters:``, ``Käytetyt suodattimet:``), the filters on the lines after it (one cell, wrapped)."""
    first = next((v for v in values if not blank(v)), None)
    return isinstance(first, str) and _normal(first.strip().splitlines()[0]) in FILTERS_HEADINGS


def applied_filters_at(rows: Sequence[Sequence[Any]]) -> int | None:
    """The index of the row where Power BI's applied filters begin (they and every row after them are not data)."""
    return next((i for i, values in enumerate(rows) if is_applied_filters(values)), None)


def cell_text(value: Any) -> str:
    """A header cell as compared with the mapping: text, stripped, without a BOM."""
    return "" if value is None else str(value).replace("\ufeff", "").strip()


def header_key(value: Any) -> str:
    """A header name as compared with the mapping's: runs of spaces, line breaks (a wrapped header cell,
    ``Jonossa⏎nyt``) and non-breaking spaces are one space, and case does not count."""
    return " ".join(cell_text(value).split()).casefold()


def as_mapped(header: Sequence[str], wanted: Iterable[str]) -> list[str]:
    """``header`` with each cell that differs from a mapped name only by spacing, line breaks or case written as
    the mapping writes it, so that ``Jonossa nyt`` in sources.yaml finds the wrapped cell ``Jonossa⏎nyt``. A
    name that matches exactly, or matches two cells, is left alone."""
    names = list(header)
    exact = set(names)
    for name in {w for w in wanted if w} - exact:
        at = [i for i, h in enumerate(names) if header_key(h) == header_key(name)]
        if len(at) == 1:
            names[at[0]] = name
    return names


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def find_header(rows: Sequence[Sequence[Any]], wanted: Iterable[str]) -> int:
    """Index of the header among non-blank ``rows``: the first holding every ``wanted`` column name.

    Without such a row, the first row (so that the missing-column error lists
    what the file has). Linear in the number of cells.
    """
    needed = {header_key(w) for w in wanted if w}
    if needed:
        for index, row in enumerate(rows):
            if len(row) >= len(needed) and needed <= {header_key(v) for v in row}:
                return index
    return 0


@functools.lru_cache(maxsize=4096)
def _normal(text: str) -> str:
    """A label as compared with the word lists: without accents, case, runs of spaces or a trailing colon. Kept
    for a while: a table's label cells repeat (its stations' names on every row), and each row is asked whether
    it is a total, a summary or a subtotal."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s+", " ", folded).strip(" :.-*")


def _a_station(values: Sequence[Any], station_index: int | None, names_station: Callable[[Any], bool]) -> bool:
    """Whether the row's station cell names a known station (then it is that station's row, whatever it reads)."""
    return station_index is not None and station_index < len(values) and names_station(values[station_index])


def _no_station(_value: Any) -> bool:
    return False


def is_total_word(value: Any) -> bool:
    """Whether a cell is a totals word (``Yhteensä``, ``Kaikki``, ``Total``)."""
    return isinstance(value, str) and _normal(value) in TOTAL_WORDS


def _labels(values: Sequence[Any], station_index: int | None) -> list[str]:
    """A row's label cells as compared with the word lists: its station cell and its first non-empty cell."""
    labels = []
    if station_index is not None and station_index < len(values):
        cell = values[station_index]
        if isinstance(cell, str) and cell.strip():
            labels.append(_normal(cell))
    first = next((v for v in values if not blank(v)), None)
    if isinstance(first, str):
        labels.append(_normal(first))
    return labels


def _labelled(values: Sequence[Any], station_index: int | None, names_station: Callable[[Any], bool],
              words: frozenset[str]) -> bool:
    return (any(label in words for label in _labels(values, station_index))
            and not _a_station(values, station_index, names_station))


def is_total(values: Sequence[Any], station_index: int | None,
             names_station: Callable[[Any], bool] = _no_station) -> bool:
    """A totals row: its station cell, or its first non-empty cell, is a totals word (``Yhteensä``, ``Kaikki``),
    and its station cell does not name a station (``Summa``, a village in Hamina; asked only of a row that reads
    like a total, so an ordinary row costs no station look-up)."""
    return _labelled(values, station_index, names_station, TOTAL_WORDS)


def is_summary(values: Sequence[Any], station_index: int | None,
               names_station: Callable[[Any], bool] = _no_station) -> bool:
    """A summary row: its station cell, or its first non-empty cell, is a summary word (``Keskiarvo``,
    ``Mediaani``, ``Vastauksia yhteensä``, ``Average``), and its station cell does not name a station."""
    return _labelled(values, station_index, names_station, SUMMARY_WORDS)


def is_subtotal(values: Sequence[Any], station_index: int | None,
                names_station: Callable[[Any], bool] = _no_station) -> bool:
    """A subtotal row: its station cell (or first non-empty cell) is a label of two or more words whose last is
    a totals word (``Kajaanin terveysasema Summa``, ``Sotkamo yhteensä``), and not a station's name
    (``Hamina Summa`` in mapping.stations)."""
    cell: Any = None
    if station_index is not None and station_index < len(values) and not blank(values[station_index]):
        cell = values[station_index]
    else:
        cell = next((v for v in values if not blank(v)), None)
    if not isinstance(cell, str):
        return False
    words = _normal(cell).split(" ")
    return len(words) >= 2 and words[-1] in SUBTOTAL_WORDS and not _a_station(values, station_index, names_station)


def filled(values: Sequence[Any]) -> int:
    """How many cells of a row hold something."""
    return sum(1 for v in values if not blank(v))


def trailer_reasons(rows: Sequence[Sequence[Any]], station_index: int | None,
                    header: Sequence[Any] = (), names_station: Callable[[Any], bool] = _no_station,
                    ) -> dict[int, str]:
    """Which data rows (by index) are not data, and why: a totals row and all below it, subtotal rows, single-cell
    notes at the end, Power BI's applied filters and all below them. A totals row right under the header (Qlik
    Sense puts its totals at the top of a table, and exports them so) is that row alone: the stations' rows follow
    it. A report exported page by page repeats its ``header`` on each page, under the page's title lines: those
    are not data either, and a totals row before a repeated header is that page's total alone (the next page's
    rows follow). A row whose station cell ``names_station`` is data, whatever its label reads like."""
    reasons: dict[int, str] = {}
    filters = applied_filters_at(rows)
    if filters is not None:  # Power BI's "Applied filters:" and anything after them: not data
        for index in range(filters, len(rows)):
            reasons[index] = APPLIED_FILTERS_REASON
        rows = rows[:filters]
    keys = _trimmed([header_key(h) for h in header])
    pages = [i for i, values in enumerate(rows) if keys and _trimmed([header_key(v) for v in values]) == keys]
    end = len(rows)  # where the totals row is, if any
    either = TOTAL_WORDS | SUMMARY_WORDS
    for index, values in enumerate(rows):
        if not any(label in either for label in _labels(values, station_index)):
            if is_subtotal(values, station_index, names_station):  # (an ordinary row: one look at its labels)
                reasons[index] = SUBTOTAL_REASON
            continue
        if index == 0 and is_total(values, station_index, names_station):
            reasons[index] = TOTALS_REASON  # totals at the top, under the header (Qlik Sense): the data follows
            continue
        if pages and index < pages[-1] and is_total(values, station_index, names_station):
            reasons[index] = TOTALS_REASON  # a page's total: the next page's header and rows follow
            continue
        if pages and index < pages[-1] and index > 0 and is_summary(values, station_index, names_station):
            reasons[index] = SUMMARY_REASON  # a page's average: the next page's header and rows follow
            continue
        if is_total(values, station_index, names_station):
            reasons[index] = TOTALS_REASON
            for below in range(index + 1, len(rows)):
                reasons[below] = BELOW_TOTALS_REASON
            end = index
            break
        if index > 0 and is_summary(values, station_index, names_station):
            # Summaries close the data (an average under the rows); each row below is one too, a total, or a note.
            for below in range(index, len(rows)):
                reasons[below] = (SUMMARY_REASON if is_summary(rows[below], station_index, names_station)
                                  else TOTALS_REASON if is_total(rows[below], station_index, names_station)
                                  else BELOW_TOTALS_REASON)
            end = index
            break
        if is_subtotal(values, station_index, names_station):
            reasons[index] = SUBTOTAL_REASON
    index = end - 1
    while index >= 0 and filled(rows[index]) <= 1:
        reasons[index] = NOTE_REASON
        index -= 1
    if index < 0:  # nothing but single cells: those are data rows gone wrong, not notes
        for i in range(end):
            if reasons.get(i) == NOTE_REASON:
                reasons.pop(i)
    for index in pages:
        if index < end and index not in reasons:
            reasons[index] = REPEATED_HEADER_REASON
            above = index - 1
            while above >= 0 and above not in reasons and filled(rows[above]) <= 1:
                reasons[above] = PAGE_TITLE_REASON
                above -= 1
    return reasons


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells
