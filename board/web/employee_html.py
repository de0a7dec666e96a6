"""Employee feedback on the managers' views: a small HTML table, the same on screen and on paper.

A station with too few answers shows "liian vähän vastauksia" and neither its
score nor its number of answers (:mod:`board.domain.employee_nps`). Pure: a
report in, HTML out.
"""

from __future__ import annotations

from html import escape

from board import formatting as fmt
from board.i18n import t
from board.read.employee_nps import ALL, EmployeeReport, StationEmployeeNps


def _cells(row: StationEmployeeNps, lang: str, compared_label: str) -> str:
    now = row.now
    if now.shown:
        change = row.change()
        sub = "" if change is None else f"{fmt.fmt_signed_int(change)} {compared_label}"
        score = escape(fmt.fmt_signed_int(now.score)) + (f'<span class="sub">{escape(sub)}</span>' if sub else "")
        return f"<td>{score}</td><td>{escape(fmt.fmt_int(now.answers))}</td>"
    word = t("staff.too_few", lang) if now.too_few else "–"
    return f'<td colspan="2" class="too-few">{escape(word)}</td>'


def render(report: EmployeeReport, lang: str = "fi", compared_label: str = "") -> str:
    heads = [t("week.col.station", lang), t("staff.col.nps", lang), t("staff.col.answers", lang)]
    rows = []
    for row in report.rows:
        name = t("week.all_selected", lang) if row.code == ALL else row.name
        rows.append(f'<tr class="{"total" if row.code == ALL else "station"}" data-station="{escape(row.code)}">'
                    f"<td>{escape(name)}</td>{_cells(row, lang, compared_label)}</tr>")
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    caption = t("staff.caption", lang, n=report.min_answers)
    return (f'<section class="staff" aria-label="{escape(t("week.family.staff", lang))}">'
            f'<table class="access-table staff-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            f'</table><p class="access-rule">{escape(caption)}</p></section>')
