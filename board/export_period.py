"""A month or a free date range as CSV for Finnish Excel and as ``.xlsx``: the weekly export's form and rules.

One row per station and day, then the period, each compared period (the month
before and the same month a year earlier, or the equally long range before)
with the change to it, the selected stations together in the same form, and
the targets last. With an access-to-care report of the same period, its
columns too (:mod:`board.read.access_to_care`). Periods are labelled by their
dates (``1.11.2026–30.11.2026``), so nothing needs a calendar to be read.
"""

from __future__ import annotations

from collections.abc import Iterator

from board.export import Row, columns, headers, table_csv, table_xlsx
from board.formatting import fmt_day, fmt_noon
from board.i18n import t
from board.read import access_to_care as atc
from board.read.period import ALL, PeriodReport, Span
from board.read.week import FIGURES


def span_label(span: Span, lang: str = "fi") -> str:
    first, last = fmt_noon(span[0], lang), fmt_noon(span[1], lang)
    return first if first == last else f"{first}–{last}"


def period_rows(report: PeriodReport, lang: str = "fi", access: atc.AccessReport | None = None) -> Iterator[Row]:
    with_access = access is not None and access.has_data
    professions = access.professions if access is not None else ()
    for entry in report.rows:
        name = t("week.all_selected", lang) if entry.code == ALL else entry.name
        acc = access.row(entry.code) if with_access else None  # type: ignore[union-attr]

        def more(figures: atc.AccessFigures | None) -> dict[str, float | None]:
            return atc.values(figures, professions) if acc is not None else {}  # noqa: B023

        for day, figures in entry.days.items():
            yield Row(name, fmt_day(day, lang), day, figures | more(acc.days.get(day) if acc else None))
        now_access = more(acc.figures if acc else None)
        yield Row(name, span_label(report.span, lang), None, entry.figures | now_access)
        for i, span in enumerate(report.compared):
            before_access = more(acc.previous if acc and i == 0 else None)
            yield Row(name, span_label(span, lang), None, entry.compared[i] | before_access)
            # none while the period is in progress (``comparable``: board.domain.periods.unfinished), like the rest
            stated = acc is not None and acc.comparable
            change = {f: entry.change(f, i) for f in FIGURES} | {
                f: None if not stated or now_access.get(f) is None or before_access.get(f) is None
                else now_access[f] - before_access[f] for f in now_access}  # type: ignore[operator]
            yield Row(name, f"{t('week.period.change', lang)} – {span_label(span, lang)}", None, change,
                      is_change=True)
    targets = {f: report.targets.get(f) for f in FIGURES} | (access.targets() if with_access else {})  # type: ignore[union-attr]
    if any(v is not None for v in targets.values()):
        yield Row("", t("week.period.target", lang), None, targets)


def period_csv(report: PeriodReport, lang: str = "fi", access: atc.AccessReport | None = None) -> bytes:
    """The period table as CSV in the Finnish Excel dialect (UTF-8 with BOM, ``;``, decimal comma)."""
    return table_csv(headers(lang, access), columns(access), period_rows(report, lang, access))


def period_xlsx(report: PeriodReport, lang: str = "fi", access: atc.AccessReport | None = None) -> bytes:
    """The period table as an Excel workbook: numbers as numbers, shares as fractions with a % format."""
    return table_xlsx(f"{report.span[0]:%Y-%m-%d}", headers(lang, access), columns(access),
                      period_rows(report, lang, access), lang)
