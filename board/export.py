"""The week table for the steering group: CSV for Finnish Excel and a real ``.xlsx``.

One row per station and day, then the station's week, the previous week and
the change; the selected stations together in the same form; the targets last.
For an unfinished week the previous week's row covers it only up to the same
moment, and its label says which (``vko 46 ma–ti klo 8.14``), as the page's
labels do.
Finnish Excel opens a CSV correctly only in its own dialect: ``;`` between
fields, decimal comma, UTF-8 *with* a BOM (without it Excel reads ä as Ã¤),
``\\r\\n`` line ends. Shares are written as percent numbers there (``45,3``,
the header says ``(%)``), because a CSV cannot carry a cell format; in the
``.xlsx`` they are fractions with a percent format, so Excel computes with them.
A week-on-week change of a share is in percentage points: the CSV's change
row says so in its label ("muutos (osuudet %-yks.)"), the ``.xlsx`` in the
cell format ("+3,0 %-yks.").
Missing values are empty cells, never 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from board.formatting import fmt_day, fmt_days_span
from board.i18n import t
from board.read import access_to_care as atc
from board.read.week import ALL, FIGURES, KIND, StationWeek, WeekReport

Cell = str | date | float | None


@dataclass(frozen=True)
class Row:
    station: str
    period: str
    day: date | None
    #: figure -> value; ``change`` rows hold differences (shares as fractions: 0.03 = 3 percentage points)
    values: dict[str, float | None]
    is_change: bool = False


def station_name(entry: StationWeek, lang: str) -> str:
    return t("week.all_selected", lang) if entry.code == ALL else entry.name


def compared_span(report: WeekReport, lang: str = "fi") -> str:
    """What an unfinished week is compared with, for the labels: ``ma–ti klo 8.14`` (see
    :func:`board.formatting.fmt_days_span`)."""
    return fmt_days_span(report.compared_days, lang, report.compared_until)


def previous_label(report: WeekReport, lang: str = "fi") -> str:
    """The previous week's period: ``vko 46``, or ``vko 46 ma–ti klo 8.14`` when it is compared only up to
    the same moment."""
    week = report.week.previous().week
    if report.partial:
        return t("week.period.week_days", lang, week=week, days=compared_span(report, lang))
    return t("week.period.week", lang, week=week)


def columns(access: atc.AccessReport | None = None) -> dict[str, str]:
    """The figure columns and their units: the week's, then access to care when ``access`` has data."""
    return dict(KIND) | (access.columns if access is not None and access.has_data else {})


def headers(lang: str = "fi", access: atc.AccessReport | None = None) -> list[str]:
    return [t("week.col.station", lang), t("week.col.period", lang), t("week.col.date", lang),
            *(t(f"week.col.{f}", lang) for f in columns(access))]


def week_rows(report: WeekReport, lang: str = "fi", access: atc.AccessReport | None = None) -> Iterator[Row]:
    """The rows of the week table (shared by both exports and the page's daily table); with ``access`` (of
    the same week and stations, compared with the previous week) its columns too."""
    this, before = report.week, previous_label(report, lang)
    with_access = access is not None and access.has_data
    for entry in report.rows:
        name = station_name(entry, lang)
        acc = access.row(entry.code) if with_access else None  # type: ignore[union-attr]
        professions = access.professions if access is not None else ()

        def more(figures: atc.AccessFigures | None) -> dict[str, float | None]:
            return atc.values(figures, professions) if acc is not None else {}  # noqa: B023

        for d in entry.days:
            yield Row(name, fmt_day(d.day, lang), d.day, d.figures | more(acc.days.get(d.day) if acc else None))
        week_values, previous_values = more(acc.figures if acc else None), more(acc.previous if acc else None)
        yield Row(name, t("week.period.week", lang, week=this.week), None, entry.week | week_values)
        yield Row(name, before, None, entry.previous | previous_values)
        change = {f: entry.change(f) for f in FIGURES} | {
            f: None if week_values.get(f) is None or previous_values.get(f) is None
            else week_values[f] - previous_values[f] for f in week_values}  # type: ignore[operator]
        yield Row(name, t("week.period.change", lang), None, change, is_change=True)
    targets = {f: report.target(f) for f in FIGURES} | (access.targets() if with_access else {})  # type: ignore[union-attr]
    if any(v is not None for v in targets.values()):
        yield Row("", t("week.period.target", lang), None, targets)


# ----------------------------------------------------------------------- CSV
def _csv_number(figure: str, value: float | None, units: dict[str, str] = KIND) -> str:
    if value is None:
        return ""
    kind = units[figure]
    if kind == "share":
        value, digits = value * 100, 1
    elif kind == "count":
        digits = 0 if float(value).is_integer() else 2
    else:
        digits = 1
    if round(value, digits) == 0:
        value = 0.0  # never "-0,0"
    return f"{value:.{digits}f}".replace(".", ",")


def table_csv(head: list[str], units: dict[str, str], rows: Iterable[Row]) -> bytes:
    """A table of rows as CSV in the Finnish Excel dialect (UTF-8 with BOM, ``;``, decimal comma): the one
    writer behind the weekly, monthly and free-range exports."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(head)
    for row in rows:
        day = f"{row.day.day}.{row.day.month}.{row.day.year}" if row.day else ""
        writer.writerow([row.station, row.period, day, *(_csv_number(f, row.values.get(f), units) for f in units)])
    return buf.getvalue().encode("utf-8-sig")


def week_csv(report: WeekReport, lang: str = "fi", access: atc.AccessReport | None = None) -> bytes:
    """The week table as CSV (bytes, UTF-8 with BOM); with ``access``, access to care in columns of its own."""
    # a change of a share is in percentage points, not in the column's (%): the row's label says so
    rows = (replace(r, period=t("week.period.change_csv", lang)) if r.is_change else r
            for r in week_rows(report, lang, access))
    return table_csv(headers(lang, access), columns(access), rows)


# ---------------------------------------------------------------------- xlsx
# Format codes are written in Excel's neutral notation ("," thousands, "." decimals); Excel shows them in the
# reader's locale: 1 204 and 45,3 % on a Finnish machine.
_XLSX_FORMAT = {"count": "#,##0", "share": "0.0 %", "score": "0.0", "h": "0.0", "min": "0", "d": "0"}
#: A change of a share is in percentage points: the fraction's % scales it by 100 and the quoted rest says
#: points ("+3,0 %-yks."), so the cell stays a number Excel computes with.
_XLSX_POINTS = {"fi": '"-yks."', "sv": '"-enheter"', "en": '" points"'}


def _points_format(lang: str) -> str:
    unit = _XLSX_POINTS.get(lang, _XLSX_POINTS["fi"])
    return f"+0.0%{unit};-0.0%{unit};0.0%{unit}"


#: (the share's entry is the Finnish one; week_xlsx writes the points in the workbook's language)
_XLSX_CHANGE_FORMAT = {"count": "+#,##0;-#,##0;0", "share": _points_format("fi"), "score": "+0.0;-0.0;0.0",
                       "h": "+0.0;-0.0;0.0", "min": "+0;-0;0",
                       "d": "+0;-0;0"}


def table_xlsx(title: str, head: list[str], units: dict[str, str], rows: Iterable[Row], lang: str = "fi") -> bytes:
    """A table of rows as an Excel workbook: numbers as numbers, shares as fractions with a % format, changes
    of shares in percentage points; the one writer behind the weekly, monthly and free-range exports."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = PatternFill("solid", fgColor="DDE4EE")
    for r, row in enumerate(rows, start=2):
        ws.cell(r, 1, row.station)
        ws.cell(r, 2, row.period)
        if row.day:
            ws.cell(r, 3, row.day).number_format = "d.m.yyyy"
        for c, figure in enumerate(units, start=4):
            value = row.values.get(figure)
            if value is None:
                continue
            cell = ws.cell(r, c, float(value))
            if row.is_change and units[figure] == "share":
                cell.number_format = _points_format(lang)
            else:
                cell.number_format = (_XLSX_CHANGE_FORMAT if row.is_change else _XLSX_FORMAT)[units[figure]]
        if row.day is None:  # the period, previous period, change and target rows stand out from the days
            for c in range(1, len(head) + 1):
                ws.cell(r, c).font = Font(bold=True)
    widths = [max(22, *(len(str(c.value or "")) + 2 for c in ws["A"]))] + [10, 12] + [14] * len(units)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(width, 40)
    ws.row_dimensions[1].height = 62
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = ws.dimensions
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def week_xlsx(report: WeekReport, lang: str = "fi", access: atc.AccessReport | None = None) -> bytes:
    """The week table as an Excel workbook; with ``access``, access to care in columns of its own."""
    return table_xlsx(report.week.key, headers(lang, access), columns(access), week_rows(report, lang, access), lang)
