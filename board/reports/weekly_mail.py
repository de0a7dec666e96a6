"""The weekly report as an e-mail: the key figures against targets in the body, the week's workbook attached.

Plain text (every mail client shows it, a phone too): the selected stations
together, each key figure with its change from the week before and whether
it met its target, then one line per station, access to care and employee
NPS per station against their targets (:mod:`board.reports.mail_sections`),
the week's chart notes, and a link to the weekly view of the same week and
stations. The attachment is the weekly view's own xlsx
(``board.export.week_xlsx``, access to care included), so the numbers in the
mail and in the file are the same ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from board import export
from board import formatting as fmt
from board.alerts.channels import Attachment
from board.domain.weeks import IsoWeek
from board.i18n import t
from board.read.access_to_care import access_report
from board.read.chart_notes import notes_for, scope_name
from board.read.employee_nps import employee_report
from board.read.week import ALL, BETTER, StationWeek, week_report
from board.reports.mail_sections import access_lines, staff_lines
from board.settings import Settings
from board.store import Store

KEY_FIGURES = ("contacts_total", "contacts_remote_share", "queue_same_day_share", "feedback_nps",
               "omasote_unanswered")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class WeeklyMail:
    subject: str
    text: str
    attachment: Attachment


def verdict(figure: str, value: float | None, target: float | None, lang: str) -> str:
    """"tavoite 45 %: ei saavutettu" — met when at least the target (at most, for a figure where lower is better)."""
    if target is None:
        return ""
    shown = t("week.target", lang, value=fmt.format_figure(figure, target, lang))
    if value is None:
        return f"{shown}"
    met = value >= target if BETTER[figure] > 0 else value <= target
    return f"{shown}: {t('report.met' if met else 'report.not_met', lang)}"


def _figure_line(entry: StationWeek, figure: str, target: float | None, lang: str) -> str:
    value = entry.week.get(figure)
    line = f"- {t(f'week.fig.{figure}', lang)}: {fmt.format_figure(figure, value, lang)}"
    change = entry.change(figure)
    if change is not None:
        line += f" ({fmt.format_change(figure, change, lang)} {t('report.vs_previous', lang)})"
    judged = verdict(figure, value, target, lang)
    return f"{line}; {judged}" if judged else line


def compose(settings: Settings, store: Store, week: IsoWeek, stations: Sequence[str] | None,
            board_url: str | None, lang: str = "fi") -> WeeklyMail:
    """The report of ``week`` for ``stations`` (None: every station)."""
    report = week_report(settings, store, week.year, week.week, list(stations) if stations else None)
    before = week.previous()
    access = access_report(settings, store, week.monday, week.sunday, list(stations) if stations else None,
                           (before.monday, before.sunday))
    scope = report.total if len(report.stations) > 1 else report.stations[0]
    names = ", ".join(s.name for s in report.stations) if stations else t("week.all_stations", lang)
    label = fmt.fmt_week_label(week, lang, dates=True)
    lines = [t("report.heading", lang, week=label), t("report.stations", lang, stations=names), "",
             t("report.key_figures", lang)]
    lines += [_figure_line(scope, f, report.target(f), lang) for f in KEY_FIGURES]
    if len(report.stations) > 1:
        lines += ["", t("report.by_station", lang)]
        for entry in report.stations:
            values = ", ".join(f"{t(f'week.fig.{f}', lang)} {fmt.format_figure(f, entry.week.get(f), lang)}"
                               for f in KEY_FIGURES[:4])
            lines.append(f"- {entry.name}: {values}")
    lines += access_lines(access, lang)
    lines += staff_lines(employee_report(settings, store, week.monday, week.sunday,
                                         list(stations) if stations else None, (before.monday, before.sunday)),
                         lang)
    notes = notes_for(store, week.monday, week.sunday, list(stations) if stations else None,
                      {s.code: s.area for s in settings.stations})
    if notes:
        names_by_code = {s.code: s.name for s in settings.stations}
        lines += ["", t("notes.on_charts", lang) + ":"]
        for n in notes:
            where = scope_name(n, names_by_code, dict(settings.areas), lang)
            at = f" {t('notes.at', lang)} {n.clock.hour}.{n.clock.minute:02d}" if n.clock else ""
            lines.append(f"- {n.day.day}.{n.day.month}.{at} {where}: {n.text} ({n.author})")
    filename = f"viikko-{week.key}.xlsx"
    lines += ["", t("report.attached", lang, file=filename)]
    if board_url:
        query = urlencode([("week", week.key), *[("station", c) for c in (stations or [])]])
        lines.append(f"{t('report.link', lang)}: {board_url}/week?{query}")
    lines += ["", t("report.footer", lang)]
    subject = t("report.subject", lang, week=fmt.fmt_week_label(week, lang), stations=names)
    content = export.week_xlsx(report, lang, access if access.has_data else None)
    return WeeklyMail(subject, "\n".join(lines) + "\n", Attachment(filename, content, XLSX))


__all__ = ["ALL", "WeeklyMail", "compose", "verdict"]
