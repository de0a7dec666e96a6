"""Access to care against the care guarantee: T3, visits within the limit, same-day assessment.

Every truth below is worked out by hand from the numbers written into the
sources (never by the board's code): a week and a month that span a change of
the legal limit, each day judged by its own rule; both DST weeks; T3 stated
monthly with the waiting-list cap. The first test goes the way real data comes:
the Finnish CSV exports of docs/CONNECTORS.md, read by the files connector and
the collector into a store.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import yaml

from board.collector import Collector
from board.domain.access_to_care import CareGuarantee, Limit, judge_period
from board.domain.reading import Reading
from board.domain.timeutil import at_local
from board.environment import ConfigError
from board.formatting import format_value
from board.read.access_to_care import access_report
from board.settings import load_settings
from board.store import Store

ROOT = Path(__file__).resolve().parent.parent

HEADER = ("Asema;Päivämäärä;Kiireettömät käynnit alle 23 v;Alle 23 v 14 vrk kuluessa;Alle 23 v 3 kk kuluessa;"
          "Kiireettömät käynnit 23 v täyttäneet;23 v täyttäneet 14 vrk kuluessa;23 v täyttäneet 3 kk kuluessa;"
          "Hoidon tarpeen arvioinnit;Arvioitu samana päivänä\r\n")
# Week 1 of 2025: Monday 30.12.2024 to Sunday 5.1.2025; the law changed on Wednesday 1.1.2025.
# u23 visits / within 14 d / within 3 m; 23+ the same; assessments / assessed the same day.
WEEK_1 = {
    "KAJ": {"30.12.2024": (10, 8, 10, 40, 20, 38, 120, 115), "31.12.2024": (5, 4, 5, 30, 15, 29, 80, 80),
            "2.1.2025": (6, 3, 6, 50, 10, 48, 150, 140), "3.1.2025": (4, 4, 4, 20, 5, 20, 60, 50)},
    "SOT": {"30.12.2024": (2, 2, 2, 10, 9, 10, 30, 30), "2.1.2025": (1, 0, 1, 8, 2, 7, 20, 19)},
}


def documented_source(name: str, folder: Path) -> dict:
    text = (ROOT / "docs" / "CONNECTORS.md").read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        entry = yaml.safe_load(block)
        if isinstance(entry, list) and entry[0].get("name") == name:
            return {**entry[0], "folder": str(folder), "settle_seconds": 0}
    raise AssertionError(f"docs/CONNECTORS.md has no source {name}")


def test_a_week_spanning_the_2025_change_is_judged_per_rule_from_finnish_exports(tmp_path, config_dir, sqlite_url):
    daily, t3 = tmp_path / "hoitoonpaasy", tmp_path / "t3"
    sources = [documented_source("hoitoonpaasy", daily), documented_source("t3", t3)]
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), "utf-8")
    daily.mkdir()
    t3.mkdir()
    lines = "".join(f"{st};{day};{';'.join(str(v) for v in values)}\r\n"
                    for st, days in WEEK_1.items() for day, values in days.items())
    (daily / "vko1.csv").write_bytes((HEADER + lines).encode("cp1252"))
    (t3 / "t3_2024_12.csv").write_bytes(
        "Asema;Päivämäärä;T3 lääkäri (vrk);T3 hoitaja (vrk)\r\nKAJ;1.12.2024;35;182\r\nSOT;1.12.2024;12;4\r\n"
        .encode("cp1252"))
    (t3 / "t3_2025_01.csv").write_bytes(  # stated after the week: not the week's
        "Asema;Päivämäärä;T3 lääkäri (vrk);T3 hoitaja (vrk)\r\nKAJ;6.1.2025;50;20\r\n".encode("cp1252"))
    for f in [*daily.iterdir(), *t3.iterdir()]:
        stamp = datetime(2025, 1, 10, tzinfo=UTC).timestamp() - 60
        os.utime(f, (stamp, stamp))
    settings = load_settings(config_dir, sqlite_url)
    store = Store.open(sqlite_url)
    try:
        outcomes = Collector(settings, store, clock=lambda: datetime(2025, 1, 10, 8, tzinfo=UTC),
                             sleep=lambda s: None).run_once()
        assert [(o.ok, o.rejected) for o in outcomes] == [(True, 0), (True, 0)]
        report = access_report(settings, store, date(2024, 12, 30), date(2025, 1, 5), ["kajaani", "sotkamo"])
    finally:
        store.dispose()
    kaj, sot = report.stations
    # Kajaani. 30.-31.12 (14 days for everyone): u23 8+4 of 10+5, 23+ 20+15 of 40+30.
    # 2.-3.1 (from 1.1.2025): u23 within 14 days 3+4 of 6+4; 23+ within 3 months 48+20 of 50+20.
    first, second = kaj.figures.judged
    assert (first.first, first.last, second.first, second.last) == (
        date(2024, 12, 30), date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 5))
    assert first.rule.same_limits() == Limit(14, "days") and second.rule.limits["23plus"] == Limit(3, "months")
    assert (first.total.within, first.total.visits) == (47, 85)
    assert (second.groups["u23"].within, second.groups["u23"].visits) == (7, 10)
    assert (second.groups["23plus"].within, second.groups["23plus"].visits) == (68, 70)
    assert kaj.figures.spans_change
    assert kaj.figures.within_share == pytest.approx(122 / 165)  # not 69/165 (14 d all week), not 154/165 (3 m)
    assert kaj.figures.group("23plus").share == pytest.approx((20 + 15 + 68) / (40 + 30 + 70))
    assert kaj.figures.same_day_share == pytest.approx((115 + 80 + 140 + 50) / (120 + 80 + 150 + 60))
    # T3: the latest stated by Sunday 5.1 (1.12.2024), not the one of 6.1; 182 is the waiting-list cap
    assert {p: (v.days, v.stated, v.capped) for p, v in kaj.figures.t3.items()} == {
        "doctor": (35, date(2024, 12, 1), False), "nurse": (182, date(2024, 12, 1), True)}
    # Sotkamo: 30.12 u23 2 of 2, 23+ 9 of 10; 2.1 u23 0 of 1 (14 d), 23+ 7 of 8 (3 m)
    assert sot.figures.within_share == pytest.approx((2 + 9 + 0 + 7) / (2 + 10 + 1 + 8))
    # Together: counts summed part by part, T3 the longest station's
    assert report.total.figures.within_share == pytest.approx((122 + 18) / (165 + 21))
    assert report.total.figures.t3["doctor"].days == 35 and report.total.figures.t3["nurse"].capped


def at(day: date, clock: str) -> datetime:
    hh, mm = clock.split(":")
    return at_local(day, time(int(hh), int(mm)))


def visits(station: str, day: date, clock: str, u23: tuple[int, int, int], adult: tuple[int, int, int]):
    names = ("access_nonurgent_{g}_today", "access_nonurgent_{g}_within_14d_today",
             "access_nonurgent_{g}_within_3m_today")
    return [Reading(station, n.format(g=g), at(day, clock), float(v))
            for g, values in (("u23", u23), ("23plus", adult)) for n, v in zip(names, values, strict=True)]


@pytest.fixture
def mid_month_rule(config_dir: Path) -> Path:
    """A later law in the middle of a month (a made-up one: 23 and over back to 14 days from 15.3.2025)."""
    care = yaml.safe_load((config_dir / "care_guarantee.yaml").read_text(encoding="utf-8"))
    care["rules"].append({"from": "2025-03-15", "basis": "testilaki", "limits": {"u23": "14 days",
                                                                                  "23plus": "14 days"}})
    (config_dir / "care_guarantee.yaml").write_text(yaml.safe_dump(care, allow_unicode=True), encoding="utf-8")
    return config_dir


def test_a_month_spanning_a_change_is_judged_per_rule_for_its_own_days(mid_month_rule, sqlite_url):
    settings = load_settings(mid_month_rule, sqlite_url)
    store = Store.open(sqlite_url)
    try:
        store.write_readings([
            # an intraday reading, then the day's last one (which counts)
            *visits("kajaani", date(2025, 3, 3), "10:00", (1, 1, 1), (5, 1, 5)),
            *visits("kajaani", date(2025, 3, 3), "16:00", (4, 3, 4), (20, 6, 18)),
            *visits("kajaani", date(2025, 3, 14), "16:00", (2, 2, 2), (10, 2, 9)),
            *visits("kajaani", date(2025, 3, 17), "16:00", (3, 1, 3), (30, 12, 27)),
            *visits("kajaani", date(2025, 3, 31), "16:00", (5, 5, 5), (10, 10, 10)),
            *visits("kajaani", date(2025, 4, 1), "16:00", (50, 0, 0), (50, 0, 0)),  # the next month
            *visits("kajaani", date(2025, 2, 28), "16:00", (50, 0, 0), (50, 0, 0)),  # the month before
        ], "test", datetime(2025, 4, 2, tzinfo=UTC))
        march = access_report(settings, store, date(2025, 3, 1), date(2025, 3, 31), ["kajaani"]).stations[0]
    finally:
        store.dispose()
    first, second = march.figures.judged
    assert (first.last, second.first, second.rule.basis) == (date(2025, 3, 14), date(2025, 3, 15), "testilaki")
    # 1.-14.3: u23 within 14 d 3+2 of 4+2, 23+ within 3 m 18+9 of 20+10 -> 32 of 36
    assert (first.total.within, first.total.visits) == (32, 36)
    # 15.-31.3: everyone within 14 d: u23 1+5 of 3+5, 23+ 12+10 of 30+10 -> 28 of 48
    assert (second.total.within, second.total.visits) == (28, 48)
    assert march.figures.within_share == pytest.approx(60 / 84)


@pytest.mark.parametrize(("monday", "change"), [(date(2026, 3, 23), date(2026, 3, 29)),
                                                (date(2026, 10, 19), date(2026, 10, 25))],
                         ids=["spring-forward", "fall-back"])
def test_the_dst_weeks_count_each_helsinki_day_once(config_dir, sqlite_url, monday, change):
    settings = load_settings(config_dir, sqlite_url)
    store = Store.open(sqlite_url)
    sunday, next_monday = monday + timedelta(days=6), monday + timedelta(days=7)
    try:
        store.write_readings([
            *visits("kajaani", monday, "00:00", (0, 0, 0), (0, 0, 0)),  # local midnight belongs to Monday
            *visits("kajaani", monday, "16:00", (2, 1, 2), (10, 4, 9)),
            *visits("kajaani", change, "02:30", (1, 1, 1), (1, 1, 1)),  # the night of the change, intraday
            *visits("kajaani", change, "23:30", (3, 3, 3), (6, 1, 5)),  # the DST day's last reading counts
            *visits("kajaani", next_monday, "00:30", (40, 0, 0), (40, 0, 0)),  # the next week's
            Reading("kajaani", "access_assessments_today", at(sunday, "23:59"), 9.0),
            Reading("kajaani", "access_assessed_same_day_today", at(sunday, "23:59"), 6.0),
            Reading("kajaani", "access_assessments_today", at(monday, "23:59"), 11.0),
            Reading("kajaani", "access_assessed_same_day_today", at(monday, "23:59"), 11.0),
        ], "test", datetime(2026, 11, 2, tzinfo=UTC))
        week = access_report(settings, store, monday, sunday, ["kajaani"]).stations[0].figures
    finally:
        store.dispose()
    assert sunday == change
    assert not week.spans_change
    # 2026: u23 14 d: 1 + 3 of 2 + 3; 23+ 3 months: 9 + 5 of 10 + 6
    assert (week.within.within, week.within.visits) == (18, 21)
    assert week.same_day_share == pytest.approx(17 / 20)


def test_days_before_the_first_rule_are_not_judged_and_a_missing_count_is_not_zero():
    guarantee = CareGuarantee(load_settings(ROOT / "config", "sqlite://").care_guarantee.rules)
    days = {date(2023, 8, 31): {"access_nonurgent_u23_today": 5, "access_nonurgent_u23_within_14d_today": 0},
            date(2023, 9, 1): {"access_nonurgent_u23_today": 4, "access_nonurgent_u23_within_14d_today": 3,
                               "access_nonurgent_23plus_today": 7}}  # 23+: no within count that day
    figures = judge_period(days, [date(2023, 8, 31), date(2023, 9, 1)], guarantee)
    assert [p.rule is None for p in figures.parts] == [True, False]
    assert (figures.within.within, figures.within.visits) == (3, 4)
    assert not figures.spans_change


@pytest.mark.parametrize(("limits", "says"), [
    ({"u23": "7 days", "23plus": "3 months"}, "sources count visits within 14 days, 3 months only"),
    ({"u23": "14 days"}, "missing 23plus"),
    ({"u23": "14 days", "23plus": "3 months", "65plus": "14 days"}, "unknown age group(s) 65plus"),
])
def test_a_rule_the_sources_cannot_answer_stops_the_board_with_the_key(config_dir, limits, says):
    (config_dir / "care_guarantee.yaml").write_text(
        yaml.safe_dump({"rules": [{"from": "2026-01-01", "limits": limits}]}), encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_settings(config_dir, "sqlite://")
    assert "care_guarantee.yaml: rules[0].limits" in str(e.value) and says in str(e.value)


def test_t3_is_written_in_days():
    assert format_value("d", 35) == "35\u00a0vrk" and format_value("d", 182, "sv") == "182\u00a0dygn"
