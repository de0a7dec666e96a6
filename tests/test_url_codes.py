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
