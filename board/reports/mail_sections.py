"""The weekly report's body on what managers answer for: access to care and employee NPS, as plain text.

Managers (palvelupäällikkö, ylilääkäri) answer to the steering group for
exactly these, so they belong in the body, not only in the attached workbook.
The figures are the weekly view's own (:mod:`board.read.access_to_care`,
:mod:`board.read.employee_nps`: no SQL here), per subscribed station and, for
several, together:

* the care-guarantee rule the week is judged by, or, for a week that spans a
  change of the law, each part's days and rule (as the weekly view says it);
* the share of non-urgent visits within the limit (over how many visits)
  against ``within_limit_target``, the same-day assessment share against its
  target when one is configured, T3 per profession with the day it was stated
  (the waiting-list cap written as the cap, never as a wait);
* employee NPS only where the week has at least ``min_answers`` answers,
  otherwise "liian vähän vastauksia" and neither score nor count.

A section is left out when no subscribed station has its data in the week.
"""

from __future__ import annotations

from collections.abc import Callable

from board import formatting as fmt
from board.domain.access_to_care import AccessFigures
from board.i18n import t
from board.read.access_to_care import ALL, AccessReport, StationAccess
from board.read.employee_nps import EmployeeReport, StationEmployeeNps


def judged(value: float | None, target: float | None, lang: str) -> str:
    """"; tavoite 100 %: ei saavutettu" for a share where more is better ("" without a target)."""
    if target is None:
        return ""
    shown = t("week.target", lang, value=fmt.fmt_percent(target))
    if value is None:
        return f"; {shown}"
    return f"; {shown}: {t('report.met' if value >= target else 'report.not_met', lang)}"


def _change(now: float | None, before: float | None, lang: str, share: bool) -> str:
    if now is None or before is None:
        return ""
    diff = now - before
    text = f"{fmt.fmt_signed_int(diff * 100)}\u00a0{t('week.pp', lang)}" if share else fmt.fmt_signed_int(diff)
    return f" ({text} {t('report.vs_previous', lang)})"


def rule_lines(figures: AccessFigures, lang: str) -> list[str]:
    """The rule of the week, or each part's dates and rule when the week spans a change of the law."""
    parts = figures.judged
    if not parts:
        return [t("access.no_rule", lang)]
    if len(parts) == 1:
        return [t("access.rule", lang, rule=fmt.fmt_care_rule(parts[0].rule, lang))]  # type: ignore[arg-type]
    lines = [t("access.spans_change", lang)]
    for p in parts:
        first, last = fmt.fmt_noon(p.first, lang), fmt.fmt_noon(p.last, lang)
        span = first if first == last else f"{first}–{last}"
        lines.append(f"  {span}: {fmt.fmt_care_rule(p.rule, lang)}")  # type: ignore[arg-type]
    return lines


def _share_line(label: str, now: AccessFigures, before: AccessFigures | None,
                get: Callable[[AccessFigures], float | None], target: float | None, lang: str,
                extra: str = "") -> str:
    value = get(now)
    previous = get(before) if before is not None else None
    return (f"  - {label}: {fmt.fmt_percent(value)}{extra}{_change(value, previous, lang, share=True)}"
            f"{judged(value, target, lang)}")


def station_access_lines(row: StationAccess, report: AccessReport, lang: str) -> list[str]:
    """One station's (or the selection's) access to care, a figure a line."""
    name = t("week.all_selected", lang) if row.code == ALL else row.name
    now, before = row.figures, row.previous
    if not now.has_data:
        return [f"- {name}: –"]
    visits = now.within.visits if now.judged and now.within.visits else None
    extra = f" ({t('report.visits', lang, n=fmt.fmt_int(visits))})" if visits else ""
    lines = [f"- {name}:",
             _share_line(t("access.col.within", lang), now, before, lambda f: f.within_share,
                         report.within_limit_target, lang, extra),
             _share_line(t("access.col.same_day", lang), now, before, lambda f: f.same_day_share,
                         report.same_day_target, lang)]
    for profession in report.professions:
        label = t("access.col.t3", lang, profession=t(f"access.profession.{profession}", lang))
        value = now.t3.get(profession)
        if value is None:
            lines.append(f"  - {label}: –")
            continue
        stated = fmt.fmt_noon(value.stated, lang)
        if value.capped:
            shown = f"≥\u00a0{fmt.fmt_days(value.days, lang)} ({t('access.t3.waiting_list', lang, date=stated)})"
        else:
            shown = f"{fmt.fmt_days(value.days, lang)} ({t('access.t3.stated', lang, date=stated)})"
        old = before.t3.get(profession) if before else None
        if old is not None and old.stated != value.stated:
            shown += _change(value.days, old.days, lang, share=False)
        lines.append(f"  - {label}: {shown}")
    return lines


def access_lines(report: AccessReport, lang: str = "fi") -> list[str]:
    """The access-to-care section (a leading blank line), or none when no station has data in the week."""
    if not report.has_data:
        return []
    scope = report.total if len(report.stations) > 1 else report.stations[0]
    lines = ["", t("access.section", lang) + ":", *rule_lines(scope.figures, lang)]
    for row in report.rows:
        lines += station_access_lines(row, report, lang)
    return lines


def _staff_line(row: StationEmployeeNps, lang: str) -> str:
    name = t("week.all_selected", lang) if row.code == ALL else row.name
    now = row.now
    if now.shown:
        answers = t("report.answers", lang, n=fmt.fmt_int(now.answers))
        change = row.change()
        since = "" if change is None else f" ({fmt.fmt_signed_int(change)} {t('report.vs_previous', lang)})"
        return f"- {name}: {fmt.fmt_signed_int(now.score)} ({answers}){since}"
    return f"- {name}: {t('staff.too_few', lang) if now.too_few else '–'}"


def staff_lines(report: EmployeeReport, lang: str = "fi") -> list[str]:
    """The employee NPS section (a leading blank line), or none when no station has answers in either week."""
    if not report.has_data:
        return []
    return ["", t("staff.section", lang) + ":", *(_staff_line(r, lang) for r in report.rows),
            t("staff.caption", lang, n=report.min_answers)]
