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


def test_the_projection_of_a_station_open_all_day_is_for_the_end_of_the_day(tmp_path):
    """Open until midnight, the queue is projected for the day's end: "ennuste vuorokauden lopussa", not the
    "ennuste klo 0.00" the wall and the alert message said (which reads as the day's start)."""
    from html import unescape

    from board.alerts.evaluator import Evaluator
    from board.alerts.messages import render
    from board.collector import Collector
    from board.domain.alerts import Event, Notification, RuleKind
    from tests.conftest import write_config

    config = write_config(tmp_path / "config", backfill_days=29, history_step_minutes=60, live_step_seconds=300)
    board = create_board(config, f"sqlite:///{tmp_path / 'board.sqlite'}", environ={"BOARD_ALWAYS_OPEN": "1"})
    try:
        Collector(board.settings, board.store, clock=lambda: EVENING).run_once()
        Evaluator(board.settings, board.store, "test", clock=lambda: EVENING).turn()
        p = board.store.projections()["kajaani"]
        assert p.ok, p
        assert p.closes_at == datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # Thursday 00.00 in Helsinki (UTC+2)
        view = station_view(board.settings, board.store, "kajaani", EVENING, with_trend=False)
        assert view.projection == p
        for lang, words, clock in (("fi", "ennuste vuorokauden lopussa: ", "klo 0.00"),
                                   ("sv", "prognos vid dygnets slut: ", "kl. 0.00"),
                                   ("en", "projection at day's end: ", "00:00")):
            shown = unescape(render_wall(view, lang).split('class="proj-text">')[1].split("</span>")[0])
            assert shown.startswith(f"{words}{p.queue:.0f} "), shown
            assert clock not in shown
        note = Notification(Event.FIRING, "ennuste|kajaani", "ennuste", RuleKind.PROJECTION, "kajaani", EVENING,
                            EVENING, p.queue, "red", "queue_projected_close")
        message = render(note, subject_name="Kajaani", board_url=None, projection_closes=p.closes_at)
        assert message.summary.endswith(f": ennuste vuorokauden lopussa: {p.queue:.0f} jonossa"), message.summary
    finally:
        board.close()


def test_a_projection_made_under_the_other_opening_hours_is_not_shown(tmp_path):
    """One store, two modes: ``demo --always-open`` started on a store the plain demo had just written (and the
    reverse). The projection the other mode stored minutes ago is for another closing time (18.00 at Kajaani, or the
    day's end): the wall read "0 jonossa" beside 56 waiting. Through the read side it is not shown (the overview
    says "not computed") until the collector of this mode stores its own, which is then shown."""
    from board.alerts.evaluator import Evaluator
    from board.collector import Collector
    from board.read import overview
    from board.read.wall import MISSING
    from tests.conftest import write_config

    noon = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # Wednesday 14.00 Helsinki: open under both modes
    later = noon + timedelta(minutes=2)  # within the five minutes a stored projection counts as current
    plain, always = {}, {"BOARD_ALWAYS_OPEN": "1"}
    # Kajaani's closing today under each mode, from config/stations.yaml (8-18) and README (00-24): UTC+2
    closing = {"plain": datetime(2026, 12, 2, 16, 0, tzinfo=UTC), "always": datetime(2026, 12, 2, 22, 0, tzinfo=UTC)}
    config = write_config(tmp_path / "config", backfill_days=29, history_step_minutes=60, live_step_seconds=300)
    for first, second, name in ((plain, always, "always"), (always, plain, "plain")):
        url = f"sqlite:///{tmp_path / f'{name}.sqlite'}"
        board = create_board(config, url, environ=first)
        try:
            Collector(board.settings, board.store, clock=lambda: noon).run_once()
            Evaluator(board.settings, board.store, "test", clock=lambda: noon).turn()
            made = board.store.projections()["kajaani"]
            assert made.ok and made.closes_at != closing[name], made
        finally:
            board.close()
        board = create_board(config, url, environ=second)
        try:
            view = station_view(board.settings, board.store, "kajaani", later, with_trend=False)
            assert view.is_open and view.projection is None and view.projection_reason == MISSING, name
            assert 'class="proj-text"' not in render_wall(view)
            [row] = overview.overview_rows(overview.all_station_views(board.settings, board.store, later,
                                                                      ["kajaani"]))
            assert row.projection is None and row.projection_reason == MISSING
            Evaluator(board.settings, board.store, "test", clock=lambda: later).turn()  # this mode's own
            view = station_view(board.settings, board.store, "kajaani", later, with_trend=False)
            assert view.projection is not None and view.projection.closes_at == closing[name], name
        finally:
            board.close()


def test_the_always_open_demo_keeps_a_store_of_its_own(tmp_path):
    """A projection's usual day is learnt from the store's history: on a store the plain demo filled (closed
    evenings) the always-open evening was projected to drain by midnight, "0 jonossa" beside 56 waiting. So
    ``demo --always-open`` (or ``BOARD_ALWAYS_OPEN=1``) without ``BOARD_DATABASE_URL`` opens a store of its own; an
    explicit store stays as given, and the plain demo keeps data/board.sqlite."""
    from board.cli_servers import ALWAYS_OPEN_STORE, demo_database_url
    from board.settings import DEFAULT_DATA_DIR, default_database_url

    own = demo_database_url(True, {})
    assert own == f"sqlite:///{DEFAULT_DATA_DIR / ALWAYS_OPEN_STORE}" and own != default_database_url()
    assert demo_database_url(False, {"BOARD_ALWAYS_OPEN": "1"}) == own
    assert demo_database_url(False, {}) is None  # the plain demo: as configured
    mine = f"sqlite:///{tmp_path / 'mine.sqlite'}"
    assert demo_database_url(True, {"BOARD_DATABASE_URL": mine}) is None  # an administrator's store is theirs


def test_a_fresh_always_open_store_projects_the_evening_queue_it_has(tmp_path):
    """Why a store of its own: the same afternoon on a store the plain demo filled and on one the always-open demo
    filled. On the first the usual day has no evening (closed), and the queue at the day's end is projected at 0
    whatever waits; on its own store the projection keeps a queue."""
    from board.alerts.evaluator import Evaluator
    from board.collector import Collector
    from tests.conftest import write_config

    noon = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # Wednesday 14.00 Helsinki
    config = write_config(tmp_path / "config", backfill_days=29, history_step_minutes=60, live_step_seconds=300)
    found = {}
    for name, first in (("mixed", {}), ("own", {"BOARD_ALWAYS_OPEN": "1"})):
        url = f"sqlite:///{tmp_path / f'{name}.sqlite'}"
        board = create_board(config, url, environ=first)  # the store's history under this mode
        Collector(board.settings, board.store, clock=lambda: noon - timedelta(minutes=2)).run_once()
        board.close()
        board = create_board(config, url, environ={"BOARD_ALWAYS_OPEN": "1"})
        try:
            Collector(board.settings, board.store, clock=lambda: noon).run_once()
            Evaluator(board.settings, board.store, "test", clock=lambda: noon).turn()
            view = station_view(board.settings, board.store, "kajaani", noon, with_trend=False)
            found[name] = (view.tiles[0].headline.value, view.projection.queue)
        finally:
            board.close()
    waiting, projected = found["mixed"]
    assert waiting > 20 and projected == 0, found  # the leftover this avoids
    waiting, projected = found["own"]
    assert waiting > 20 and projected > 0, found
