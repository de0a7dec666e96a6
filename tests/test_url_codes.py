"""Station codes typed into an address match whatever their case (``?station=KAJAANI`` is kajaani)."""

from __future__ import annotations

from datetime import UTC, datetime

from board.web import kiosk
from board.web.week_support import read_selection


def test_the_wall_takes_a_code_in_capitals():
    plan = kiosk.plan_wall(["KAJAANI"], None, ["kajaani", "paltamo"], [])
    assert plan.stations == ("kajaani",) and plan.unknown == ()
    rotating = kiosk.plan_wall(["Kajaani", "PALTAMO", "atlantis"], "20", ["kajaani", "paltamo"], [])
    assert rotating.stations == ("kajaani", "paltamo") and rotating.unknown == ("atlantis",)


def test_the_weekly_view_takes_a_code_in_capitals(settings):
    chosen = read_selection(settings, "2026-W47", ["KAJAANI", "kajaani", " Paltamo"], datetime(2026, 12, 2, tzinfo=UTC))
    assert chosen.stations == ["kajaani", "paltamo"] and chosen.notes == []


def test_the_weekly_view_names_the_holidays_of_both_weeks():
    """Stations are closed on holidays, so a week with one is not like the week before: the page says which."""
    from board.domain.weeks import IsoWeek
    from board.web.week_support import holiday_notes

    # 2027-W01 (4.-10.1.) holds loppiainen, Wednesday 6.1; the week before (28.12.-3.1.) New Year's Day, Friday
    assert holiday_notes(IsoWeek(2027, 1), "fi") == [
        "Pyhäpäivät: pe 1.1. uudenvuodenpäivä, ke 6.1. loppiainen — asemat suljettuina, joten viikot eivät ole "
        "keskenään samanlaiset."]
    assert "to 6.1. trettondagen" not in holiday_notes(IsoWeek(2027, 1), "sv")[0]
    assert "ons 6.1. trettondagen" in holiday_notes(IsoWeek(2027, 1), "sv")[0]
    assert holiday_notes(IsoWeek(2026, 47), "fi") == []  # 16.-22.11. and the week before: ordinary weeks
