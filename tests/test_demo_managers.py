"""The demo's figures for managers (connectors/demo_managers.py): access to care and employee feedback are
there in a demo pull, the same for the same seed, consistent as counts, stated once per ended day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from board.collector import Collector
from board.domain.access_to_care import ASSESSED, ASSESSMENTS, t3_metric, visits_metric, within_metric
from board.domain.employee_nps import CLASSES
from board.domain.reading import ReadingBlock
from board.domain.timeutil import day_bounds, local_date
from board.factory import create_board
from board.read.access_to_care import access_report
from board.read.employee_nps import employee_report
from connectors import demo_managers
from connectors.demo import DemoConnector
from tests.conftest import write_config

UNTIL = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Wednesday: Monday and Tuesday have ended, today has not


def manager_blocks(config: Path, seed: int = 7) -> list[ReadingBlock]:
    board = create_board(config, "sqlite://")
    try:
        source = board.settings.sources[0].model_copy(update={"seed": seed})
        demo = DemoConnector.for_source(source, board.settings)
        items = demo.pull(UNTIL - timedelta(days=9), UNTIL)
        return [b for b in items if isinstance(b, ReadingBlock) and set(b.metrics) <= set(demo_managers.COLUMNS)]
    finally:
        board.close()


def by_day(blocks: list[ReadingBlock], station: str) -> dict[date, dict[str, float]]:
    out: dict[date, dict[str, float]] = {}
    for b in blocks:
        if b.station == station:
            for ts, row in zip(b.times, b.values, strict=True):
                out.setdefault(local_date(ts), {}).update(dict(zip(b.metrics, map(float, row), strict=True)))
    return out


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others(tmp_path: Path):
    config = write_config(tmp_path / "config")
    first, again, other = manager_blocks(config), manager_blocks(config), manager_blocks(config, seed=8)
    assert [by_day(first, s) for s in ("kajaani", "paltamo")] == [by_day(again, s) for s in ("kajaani", "paltamo")]
    assert by_day(first, "kajaani") != by_day(other, "kajaani")


def test_counts_are_consistent_and_stated_once_per_ended_day(tmp_path: Path):
    blocks = manager_blocks(write_config(tmp_path / "config"))
    for b in blocks:  # each at its day's last minute, never for today (not ended at UTC 10.00)
        assert all(ts == day_bounds(local_date(ts))[1] - timedelta(minutes=1) for ts in b.times)
        assert all(local_date(ts) < local_date(UNTIL) for ts in b.times)
    days = by_day(blocks, "kajaani")
    ended = [date(2026, 11, 16) + timedelta(days=n) for n in range(9)]
    assert sorted(days) == [d for d in ended if d.weekday() < 5]  # Kajaani is closed at weekends: nothing stated
    for day, v in days.items():
        for group in ("u23", "23plus"):
            assert 0 <= v[within_metric(group, "14d")] <= v[within_metric(group, "3m")] <= v[visits_metric(group)]
        assert 0 <= v[ASSESSED] <= v[ASSESSMENTS]
        assert all(v[c] >= 0 and v[c] == int(v[c]) for c in CLASSES)
        assert (t3_metric("doctor") in v) == (day.weekday() == 0)  # T3 is stated on Mondays


def test_a_demo_collector_run_gives_the_weekly_view_access_to_care_and_employee_feedback(tmp_path: Path):
    config = write_config(tmp_path / "config", backfill_days=9)
    board = create_board(config, f"sqlite:///{tmp_path / 'board.sqlite'}")
    try:
        Collector(board.settings, board.store, clock=lambda: UNTIL).run_once()
        monday, sunday = date(2026, 11, 16), date(2026, 11, 22)
        access = access_report(board.settings, board.store, monday, sunday)
        assert access.has_data
        kajaani = access.row("kajaani")
        assert kajaani is not None and kajaani.figures.t3["doctor"].stated == monday
        truth = by_day(manager_blocks(config), "kajaani")
        week = [truth.get(monday + timedelta(days=n), {}) for n in range(7)]
        assert kajaani.figures.assessments == sum(d.get(ASSESSMENTS, 0) for d in week)
        staff = employee_report(board.settings, board.store, monday, sunday)
        blocks = manager_blocks(config)
        assert staff.total.now.promoters == sum(
            by_day(blocks, s.code).get(monday + timedelta(days=n), {}).get(CLASSES[0], 0)
            for s in board.settings.stations for n in range(7))
    finally:
        board.close()
