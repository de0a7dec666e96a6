"""``python -m board demo --always-open``: every station open all day, so an evening visitor sees a live board."""

from datetime import UTC, datetime, timedelta

from board.cli import _parser, demo_env
from board.domain.reading import Reading, ReadingBlock
from board.environment import read_environment
from board.factory import create_board
from board.read.wall import station_view
from board.web.wall_html import render_wall
from connectors import build_connector

EVENING = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # Wednesday 22.00 Helsinki: every configured station is closed


def test_the_option_reaches_the_settings_of_both_children(config_dir, sqlite_url):
    args = _parser().parse_args(["demo", "--always-open"])
    assert args.always_open
    board = create_board(config_dir, sqlite_url, environ={})
    try:
        env = demo_env(board.settings, always_open=args.always_open)
        assert env["BOARD_ALWAYS_OPEN"] == "1" and env["BOARD_SIGN_IN"] == "off"
        assert "BOARD_ALWAYS_OPEN" not in demo_env(board.settings, always_open=False)
        assert not board.settings.opening_hours("kajaani").is_open(EVENING)  # real hours without the option
    finally:
        board.close()
    child = create_board(config_dir, sqlite_url, environ=env)  # what the collector and web server read
    try:
        assert read_environment(env).always_open
        for station in child.settings.stations:
            hours = child.settings.opening_hours(station.code)
            assert hours.is_open(EVENING) and hours.is_open(datetime(2026, 12, 6, 1, 0, tzinfo=UTC))  # Independence Day
    finally:
        child.close()


def _wall_at_evening(config_dir, sqlite_url, environ: dict[str, str]) -> str:
    board = create_board(config_dir, sqlite_url, environ=environ)
    try:
        demo = next(s for s in board.settings.sources if s.type == "demo")
        pulled = build_connector(demo, board.settings).pull(EVENING - timedelta(hours=3), EVENING)
        readings = [item for item in pulled if isinstance(item, Reading | ReadingBlock)]
        board.store.write_readings(readings, source=demo.name, now=EVENING)
        hours = board.settings.opening_hours("kajaani")
        return render_wall(station_view(board.settings, board.store, "kajaani", EVENING),
                           next_opening=None if hours.is_open(EVENING) else hours.next_opening(EVENING))
    finally:
        board.close()


def test_the_wall_at_ten_in_the_evening_is_open_and_live(config_dir, tmp_path):
    closed = _wall_at_evening(config_dir, f"sqlite:///{tmp_path / 'a.sqlite'}", {})
    assert 'data-closed="true"' in closed and "Suljettu" in closed  # the issue: all grey in the evening
    live = _wall_at_evening(config_dir, f"sqlite:///{tmp_path / 'b.sqlite'}", {"BOARD_ALWAYS_OPEN": "1"})
    assert 'data-closed="true"' not in live and 'data-status="closed"' not in live and "Suljettu" not in live
    queue = live.split('data-family="queue"')[1].split("</section>")[0]
    assert 'data-value=""' not in queue and 'data-status="no_data"' not in queue  # a number, fresh from the demo
