"""Access to care as the manager's views show it: one HTML table, on screen and on paper alike.

Per station (and the selected stations together): the share of non-urgent
visits within the care-guarantee limit (and per age group), the visits it is
computed over, the same-day assessment share, and T3 per profession with the
day it was stated; each with its change from the compared period. Above the
table the rule that applies, and when the period spans a change of the law,
each part's rule and dates ("each day is judged by its own rule"). A T3 at the
waiting-list cap is written as the cap ("≥ 182 vrk") with the word
"jonotuslista", never as a wait. Everything that comes from configuration is
escaped. Pure: a report in, HTML out, so tests read it without Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from board import formatting as fmt
from board.domain.access_to_care import AccessFigures, RulePart
from board.i18n import t
from board.read.access_to_care import ALL, AccessReport, StationAccess

CSS = """
<style>
.access-rule { margin: .25rem 0 .5rem; font-size: .9rem; }
.access-rule.change { padding: .5rem .75rem; border-left: 4px solid #926c05; background: #fffce7; }
table.access-table { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.access-table th, table.access-table td { border-bottom: 1px solid #d5dae3; padding: .35rem .5rem;
  text-align: right; vertical-align: top; }
table.access-table th:first-child, table.access-table td:first-child { text-align: left; }
table.access-table th { background: #eef1f6; font-weight: 600; }
table.access-table tr.total td { font-weight: 600; }
table.access-table .sub { display: block; font-size: .78rem; color: #4a5160; font-weight: 400; }
</style>
"""


def _span(part: RulePart, lang: str) -> str:
    first, last = fmt.fmt_noon(part.first, lang), fmt.fmt_noon(part.last, lang)
    return first if first == last else f"{first}–{last}"


def rules_note(figures: AccessFigures, lang: str) -> str:
    """Which rule the period is judged by; for a period spanning a change, each part's dates and rule."""
    judged = figures.judged
    if not judged:
        return f'<p class="access-rule">{escape(t("access.no_rule", lang))}</p>'
    if len(judged) == 1:
        return (f'<p class="access-rule">{escape(t("access.rule", lang, rule=fmt.fmt_care_rule(judged[0].rule, lang)))}'
                "</p>")  # type: ignore[arg-type]
    parts = " · ".join(f"{_span(p, lang)}: {fmt.fmt_care_rule(p.rule, lang)}" for p in judged)  # type: ignore[arg-type]
    return (f'<p class="access-rule change" role="note"><strong>{escape(t("access.spans_change", lang))}</strong> '
            f"{escape(parts)}</p>")


def _cell(value: str, sub: str = "") -> str:
    return f"<td>{escape(value)}" + (f'<span class="sub">{escape(sub)}</span>' if sub else "") + "</td>"


def _change(now: float | None, before: float | None, unit: str, lang: str, label: str) -> str:
    if now is None or before is None:
        return ""
    diff = now - before
    share = unit == "share"
    text = f"{fmt.fmt_signed_int(diff * 100)}\u00a0{t('week.pp', lang)}" if share else fmt.fmt_signed_int(diff)
    return f"{text} {label}"


def _share_cell(now: AccessFigures, before: AccessFigures | None, get: Callable[[AccessFigures], float | None],
                lang: str, label: str) -> str:
    value = get(now)
    return _cell(fmt.fmt_percent(value), _change(value, get(before) if before else None, "share", lang, label))


def _group_share(group: str) -> Callable[[AccessFigures], float | None]:
    def get(f: AccessFigures) -> float | None:
        count = f.group(group)
        return count.share if count else None
    return get


def _t3_cell(row: StationAccess, profession: str, lang: str, label: str) -> str:
    value = row.figures.t3.get(profession)
    if value is None:
        return _cell("–")
    if value.capped:
        shown = f"≥\u00a0{fmt.fmt_days(value.days, lang)}"
        sub = t("access.t3.waiting_list", lang, date=fmt.fmt_noon(value.stated, lang))
    else:
        shown = fmt.fmt_days(value.days, lang)
        sub = t("access.t3.stated", lang, date=fmt.fmt_noon(value.stated, lang))
    before = row.compared_with.t3.get(profession) if row.compared_with else None
    if before is not None and before.stated != value.stated:
        sub += " · " + _change(value.days, before.days, "d", lang, label)
    return _cell(shown, sub)


def render(report: AccessReport, lang: str = "fi", compared_label: str = "") -> str:
    """The section's HTML: heading, the rule note and the table (``compared_label``: ``ed. viikkoon``)."""
    scope = report.total if len(report.stations) > 1 else report.stations[0]
    target = report.within_limit_target
    within_head = t("access.col.within", lang)
    if target is not None:
        within_head += f" ({t('week.target', lang, value=fmt.fmt_percent(target))})"
    same_day_head = t("access.col.same_day", lang)
    if report.same_day_target is not None:
        same_day_head += f" ({t('week.target', lang, value=fmt.fmt_percent(report.same_day_target))})"
    heads = [t("week.col.station", lang), within_head, t("access.group.u23", lang), t("access.group.23plus", lang),
             t("access.col.visits", lang), same_day_head,
             *(t("access.col.t3", lang, profession=t(f"access.profession.{p}", lang)) for p in report.professions)]
    rows = []
    for row in report.rows:
        now, before = row.figures, row.compared_with  # none while the period is in progress
        name = t("week.all_selected", lang) if row.code == ALL else row.name
        visits = now.within.visits if now.judged and now.within.visits else None
        cells = [
            _cell(name),
            _share_cell(now, before, lambda f: f.within_share, lang, compared_label),
            _share_cell(now, before, _group_share("u23"), lang, compared_label),
            _share_cell(now, before, _group_share("23plus"), lang, compared_label),
            _cell(fmt.fmt_int(visits)),
            _share_cell(now, before, lambda f: f.same_day_share, lang, compared_label),
            *(_t3_cell(row, p, lang, compared_label) for p in report.professions),
        ]
        rows.append(f'<tr class="{"total" if row.code == ALL else "station"}" data-station="{escape(row.code)}">'
                    + "".join(cells) + "</tr>")
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    return (f'{CSS}<section class="access" aria-label="{escape(t("week.family.access", lang))}">'
            f"{rules_note(scope.figures, lang)}"
            f'<table class="access-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f'<p class="access-rule">{escape(t("access.caption", lang))}</p></section>')
