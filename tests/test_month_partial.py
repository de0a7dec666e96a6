"""A partial month is not compared as if whole: its data start after its first day (a deployment's first month, the
demo's history from 8.10.) or, for a month over, end before its last (a source removed).

Decided from the store (each station's first and last day with data), for each station and the total, in the key
figures, the month table and the export; the page says which month is partial and from (or until) which day.
Readings as a daily contacts report writes them: the day's running totals, its last one at 23.59. Truths by hand:
each station has 10 phone contacts a day on each day with data.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from board import export_period
from board.domain.reading import Reading
from board.domain.timeutil import at_local, local_date, utcnow
from board.factory import create_board
from board.read.period import month_span, period_report, previous_month
from tests.conftest import pages_reading, write_config

ROOT = Path(__file__).resolve().parent.parent


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def daily(station: str, first: date, last: date) -> list[Reading]:
    out = []
    for d in days(first, last):
        for clock, phone in ((time(12), 4.0), (time(23, 59), 10.0)):
            ts = at_local(d, clock)
            out += [Reading(station, "contacts_phone_today", ts, phone),
                    *(Reading(station, f"contacts_{c}_today", ts, 0.0) for c in ("visit", "chat", "omasote"))]
    return out


def test_a_month_whose_data_start_or_end_inside_it_states_no_change(settings, store):
    # Kajaani from 8.10. (its first month), Sotkamo since September (whole), Paltamo until 20.11. (source removed)
    store.write_readings([*daily("kajaani", date(2026, 10, 8), date(2026, 11, 30)),
                          *daily("sotkamo", date(2026, 9, 28), date(2026, 12, 1)),
                          *daily("paltamo", date(2026, 10, 1), date(2026, 11, 20))],
                         source="raportti", now=datetime(2026, 12, 2, tzinfo=UTC))
    nov = month_span(2026, 11)
    oct_ = previous_month(nov)
    rep = period_report(settings, store, nov, [oct_], ["kajaani", "sotkamo", "paltamo"], date(2026, 12, 3))
    by = {r.code: r for r in rep.stations}
    # the figures are what they are: 30 and 24 days of Kajaani, 30 and 31 of Sotkamo, 20 and 31 of Paltamo
    assert (by["kajaani"].figures["contacts_total"], by["kajaani"].compared[0]["contacts_total"]) == (300, 240)
    assert (by["sotkamo"].figures["contacts_total"], by["sotkamo"].compared[0]["contacts_total"]) == (300, 310)
    assert (by["paltamo"].figures["contacts_total"], by["paltamo"].compared[0]["contacts_total"]) == (200, 310)
    assert by["sotkamo"].change("contacts_total") == -10  # whole against whole: stated
    assert by["kajaani"].change("contacts_total") is None  # not "+60": October is missing its first week
    assert by["paltamo"].change("contacts_total") is None  # not "−110": November's data end on the 20th
    assert rep.total.change("contacts_total") is None  # the sum misses the same days
    # a share is a rate of the days there are: still compared (all phone, no visits: 100 % both months)
    assert by["kajaani"].change("contacts_remote_share") == 0 and by["kajaani"].withheld("contacts_total")
    assert not by["kajaani"].withheld("contacts_remote_share")
    assert rep.data_days["kajaani"] == (date(2026, 10, 8), date(2026, 11, 30))
    # the export states no change where the page states none
    rows = list(csv.reader(io.StringIO(export_period.period_csv(rep, "fi").decode("utf-8-sig")), delimiter=";"))
    column = rows[0].index("Yhteydenotot yhteensä")
    changes = {r[0]: r[column] for r in rows if r[1].startswith("muutos")}
    assert changes["Sotkamon terveysasema"] == "-10"
    assert changes["Kajaanin terveysasema"] == changes["Paltamon terveysasema"] == ""
    # a month wholly before the first day has no data at all: nothing partial to say (September for Kajaani)
    sep = period_report(settings, store, oct_, [previous_month(oct_)], ["kajaani"], date(2026, 12, 3))
    assert sep.stations[0].partial == (True, False)


def _month_back(d: date, n: int) -> tuple[int, int]:
    y, m = d.year, d.month - n
    while m < 1:
        y, m = y - 1, m + 12
    return y, m


def test_the_monthly_page_says_the_month_compared_is_partial(tmp_path):
    """On the page (the real clock: months counted back from today, so any day of any month): the key figure
    says "vajaa kuukausi" where the change would be, the table likewise, and a line says which and why."""
    from streamlit.testing.v1 import AppTest

    today = local_date(utcnow())
    viewed, before = month_span(*_month_back(today, 2)), month_span(*_month_back(today, 3))
    start = before[0] + timedelta(days=7)  # data from the 8th of the month before
    config = write_config(tmp_path / "config")
    with pages_reading(create_board(config, f"sqlite:///{tmp_path / 'page.sqlite'}", sign_in="off")) as b:
        b.store.write_readings(daily("kajaani", start, viewed[1] + timedelta(days=1)), source="raportti",
                               now=utcnow())
        for lang, words, note in (("fi", "vajaa kuukausi", f"tiedot vasta {start.day}.{start.month}.{start.year}"),
                                  ("sv", "ofullständig månad", f"uppgifter först från {start.day}.{start.month}."),
                                  ("en", "partial month", "data only from")):
            at = AppTest.from_file(str(ROOT / "pages/month.py"), default_timeout=60)
            at.query_params.update({"month": f"{viewed[0]:%Y-%m}", "station": "kajaani", "lang": lang})
            at.run()
            assert not at.exception, at.exception
            contacts = at.metric[0]
            assert contacts.proto.delta == words, (lang, contacts.proto.delta)
            assert any(note in c.value for c in at.caption), (lang, [c.value for c in at.caption])
            row = at.dataframe[0].value.iloc[0]  # the contacts tab: each change against the month before
            assert words in list(row) and not any(str(v).startswith(("+", "−")) for v in row), row
