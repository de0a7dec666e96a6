"""The month view's access-to-care and employee-feedback tables state no change for a month in progress.

The month's key figures stopped comparing a month in progress with the previous whole month (a66aa5b: "−11 963 ed.
kuukauteen" on the 3rd); the two tables under them still did: 2 days' share of visits within the limit against a
whole month, and an employee NPS of the first answers against a whole month's. The same rule
(:func:`board.domain.periods.unfinished`) now holds there and in the period's exports.

Data as the sources write them: a daily report's counts as running totals (the day's last reading counts) and a
survey's answers by class. The truths are worked by hand below.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time

from board import export_period
from board.domain.reading import Reading
from board.domain.timeutil import at_local
from board.read.access_to_care import access_report
from board.read.employee_nps import employee_report
from board.read.period import month_span, period_report, previous_month
from board.web import access_html, employee_html

NOV, OCT = month_span(2026, 11), previous_month(month_span(2026, 11))


def _readings() -> list[Reading]:
    out = []
    # access to care: October 40 of 50 visits of 23 and over within 3 months, November 3 of 4 so far (2 days)
    for day, visits, within in ((date(2026, 10, 5), 25, 20), (date(2026, 10, 20), 25, 20),
                                (date(2026, 11, 2), 2, 2), (date(2026, 11, 3), 2, 1)):
        for clock, part in ((time(11), 0.5), (time(23, 59), 1.0)):  # a running total, then the day's last
            ts = at_local(day, clock)
            out += [Reading("kajaani", "access_nonurgent_23plus_today", ts, float(int(visits * part))),
                    Reading("kajaani", "access_nonurgent_23plus_within_3m_today", ts, float(int(within * part))),
                    Reading("kajaani", "access_nonurgent_23plus_within_14d_today", ts, float(int(within * part))),
                    Reading("kajaani", "access_nonurgent_u23_today", ts, 0.0),
                    Reading("kajaani", "access_nonurgent_u23_within_14d_today", ts, 0.0),
                    Reading("kajaani", "access_nonurgent_u23_within_3m_today", ts, 0.0)]
    # employee feedback: October 8 promoters, 2 detractors (+60); November so far 5 promoters, 5 detractors (0)
    for day, promoters, detractors in ((date(2026, 10, 15), 8, 2), (date(2026, 11, 2), 5, 5)):
        ts = at_local(day, time(23, 59))
        out += [Reading("kajaani", "staff_promoters_today", ts, float(promoters)),
                Reading("kajaani", "staff_passives_today", ts, 0.0),
                Reading("kajaani", "staff_detractors_today", ts, float(detractors))]
    return out


def test_a_month_in_progress_states_no_change_in_the_access_and_staff_tables(settings, store):
    store.write_readings(_readings(), source="raportti", now=datetime(2026, 12, 2, tzinfo=UTC))
    label = "ed. kuukauteen"
    for today, in_progress in ((date(2026, 11, 3), True), (date(2026, 11, 30), True), (date(2026, 12, 1), False)):
        acc = access_report(settings, store, *NOV, ["kajaani"], OCT, today)
        staff = employee_report(settings, store, *NOV, ["kajaani"], OCT, today)
        [row], [staff_row] = acc.stations, staff.stations
        # the figures themselves are the same either way: 3 of 4 against 40 of 50 (-5 points); NPS 0 against +60
        assert row.figures.within_share == 0.75 and row.previous.within_share == 0.8
        assert (staff_row.now.score, staff_row.previous.score) == (0, 60)
        table, staff_table = access_html.render(acc, "fi", label), employee_html.render(staff, "fi", label)
        if in_progress:
            assert row.compared_with is None and staff_row.change() is None, today
            assert label not in table and label not in staff_table, today
        else:
            assert staff_row.change() == -60 and f"−60 {label}" in staff_table
            assert f"−5\u00a0%-yks. {label}" in table or f"−5 %-yks. {label}" in table, table
        # the month's export (csv) states no access change either while the month is in progress
        rep = period_report(settings, store, NOV, [OCT], ["kajaani"], today)
        rows = list(csv.reader(io.StringIO(export_period.period_csv(rep, "fi", acc).decode("utf-8-sig")),
                               delimiter=";"))
        head = rows[0]
        [change] = [r for r in rows if r[1].startswith("muutos")]
        within = change[head.index("Kiireettömät hoitotakuun sisällä (%)")]
        assert within == ("" if in_progress else "-5,0"), today
