"""The collector's alert evaluation against a real store: projections from stored history, rules, messages, lease."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bench.projection import SimulatedDays
from board.alerts.evaluator import Evaluator
from board.alerts.projections import Projector
from board.collector import Collector
from board.domain import projection as pj
from board.domain.reading import Reading
from board.factory import create_board
from connectors.simulator import Simulator, StationProfile
from tests.alert_receivers import HttpReceiver, SmtpServer, http_receiver, smtp_server
from tests.conftest import write_config

NOON = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday 12.00 in Helsinki


def test_projections_from_the_store_are_the_backtests_projections(tmp_path: Path) -> None:
    """Stored history and today's readings (the demo source, through a real collector) give exactly the
    projection the backtest computes from the simulator directly."""
    config = write_config(tmp_path / "config", backfill_days=43, history_step_minutes=30, live_step_seconds=60)
    board = create_board(config, f"sqlite:///{tmp_path / 'board.sqlite'}")
    Collector(board.settings, board.store, clock=lambda: NOON).run_once()
    evaluator = Evaluator(board.settings, board.store, "test", clock=lambda: NOON)
    evaluator.turn()
    stored = board.store.projections()
    assert set(stored) == {s.code for s in board.settings.stations}

    s = board.settings
    sim = Simulator(7, [StationProfile(st.code, st.population or 5000, s.opening_hours(st.code)) for st in s.stations])
    days = SimulatedDays(sim, 60, 30)
    day = date(2026, 11, 24)
    for code in ("kajaani", "paltamo", "ristijarvi"):
        opens, closes = s.opening_hours(code).weekly[day.weekday()][0]  # one interval, in local minutes
        past = [days.history(code, d) for d in pj.comparable_days(day, lambda d: True)]
        expected = pj.project(days.today(code, day), pj.build_profile(past, opens, closes), 12 * 60, opens, closes)
        got = stored[code]
        assert got.ok, got
        assert (got.queue, got.queue_low, got.queue_high) == (expected.queue, expected.queue_low, expected.queue_high)
        assert got.same_day_share == pytest.approx(expected.same_day_share)
        assert got.closes_at == datetime.combine(day, datetime.min.time()).replace(
            tzinfo=UTC) + timedelta(minutes=closes) - timedelta(hours=2)
        assert got.path[0][0] == NOON and got.path[-1][0] == got.closes_at

    # The wall shows it under the queue ("ennuste klo 18.00: N jonossa (low–high)"), judged like a queue.
    from board.read.wall import station_view
    from board.web.wall_html import render_wall

    view = station_view(s, board.store, "kajaani", NOON, with_trend=False)
    p = stored["kajaani"]
    assert view.projection == p
    assert view.projection_status == s.thresholds_for("kajaani")["queue_waiting"].evaluate(p.queue)
    html = render_wall(view)
    band = f" ({p.queue_low:.0f}–{p.queue_high:.0f})" if p.queue_low != p.queue_high else ""
    assert f'data-projection="{p.queue:.6g}"' in html
    assert f"ennuste klo 18.00: {p.queue:.0f} jonossa{band}" in html
    stale = station_view(s, board.store, "kajaani", NOON + timedelta(minutes=6), with_trend=False)
    assert stale.projection is None  # the collector stopped computing: no old projection on the wall
    board.close()


def test_every_stations_projection_from_one_read_is_the_one_each_station_computes_alone(tmp_path: Path) -> None:
    """The alert turn reads today's new readings of every open station in one statement; the projections are
    those a projector computing one station at a time (its own read) gives, also on a later, incremental turn."""
    from sqlalchemy import event

    from board.alerts.projections import Projector

    config = write_config(tmp_path / "config", backfill_days=43, history_step_minutes=30, live_step_seconds=60)
    board = create_board(config, f"sqlite:///{tmp_path / 'board.sqlite'}")
    settings, store = board.settings, board.store
    Collector(settings, store, clock=lambda: NOON).run_once()
    batched = Projector(settings, store)
    first = batched.all(NOON)
    assert first == [Projector(settings, store).station(s.code, NOON) for s in settings.stations]
    later = NOON + timedelta(minutes=3)
    Collector(settings, store, clock=lambda: later).run_once()  # new readings since the first turn
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    got = batched.all(later)
    event.remove(store.engine, "before_cursor_execute", seen)
    alone = [Projector(settings, store).station(s.code, later) for s in settings.stations]
    assert got == alone
    assert sum(p.ok for p in got) >= 3 and got != first
    assert len(statements) == 1 and "FROM readings JOIN series" in statements[0]  # every station's new readings at once
    board.close()


def test_no_history_and_closed_stations_say_why(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", backfill_days=2, history_step_minutes=60, live_step_seconds=300)
    board = create_board(config, f"sqlite:///{tmp_path / 'board.sqlite'}")
    Collector(board.settings, board.store, clock=lambda: NOON).run_once()
    Evaluator(board.settings, board.store, "test").turn(NOON)
    got = board.store.projections()
    assert got["kajaani"].reason == "few_days" and "0 comparable days" in got["kajaani"].detail
    evening = NOON + timedelta(hours=7)  # 19.00: Kajaani closed at 18
    Evaluator(board.settings, board.store, "test").turn(evening)
    assert board.store.projections()["kajaani"].reason == "closed"
    board.close()


def feed_config(tmp_path: Path, smtp: SmtpServer, receiver: HttpReceiver) -> Path:
    """A board whose queue readings the test writes itself (source "feed"), with channels to the receivers."""
    config = write_config(tmp_path / "config")
    feed = {"name": "feed", "type": "sql", "enabled": False, "url": f"sqlite:///{tmp_path / 'feed.sqlite'}",
            "query": "SELECT station, metric, time, value FROM r WHERE time >= :since", "interval_seconds": 20,
            "stale_after_seconds": 600}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [feed]}), encoding="utf-8")
    alerts = {
        "board_url": "https://ohjaustaulu.example.fi",
        "rules": [{"name": "jono_punainen", "type": "threshold", "figure": "queue_waiting", "for_minutes": 10,
                   "keep_firing_minutes": 5}],
        "channels": {"sahkoposti": smtp.settings(), "teams": {"type": "teams", "url": receiver.url("/teams")}},
        "subscriptions": [
            {"name": "vastaava_paltamo", "channel": "sahkoposti", "to": ["vastaava.paltamo@example.fi"],
             "stations": ["paltamo"]},
            {"name": "teams_kainuu", "channel": "teams", "stations": "all"}],
    }
    (config / "alerts.yaml").write_text(yaml.safe_dump(alerts), encoding="utf-8")
    return config


@pytest.fixture
def receivers(tmp_path: Path):
    with smtp_server(tmp_path) as smtp, http_receiver() as receiver:
        yield smtp, receiver


def write_queue(store, station: str, at: datetime, waiting: float) -> None:
    store.write_readings([Reading(station, "queue_waiting", at, waiting)], "feed", at)


def test_a_threshold_alert_from_stored_readings_reaches_mail_and_teams(tmp_path: Path, receivers) -> None:
    smtp, receiver = receivers
    board = create_board(feed_config(tmp_path, smtp, receiver), f"sqlite:///{tmp_path / 'board.sqlite'}")
    evaluator = Evaluator(board.settings, board.store, "collector-a")
    for i in range(0, 31):
        now = NOON + timedelta(minutes=i)
        write_queue(board.store, "paltamo", now, 25.0 if i < 20 else 4.0)
        write_queue(board.store, "kajaani", now, 25.0)  # Kajaani's own red is 60: no alert
        evaluator.turn(now)
        if i == 10:
            assert [m.subject.split(":")[0] for m in smtp.mails] == ["Hälytys – Paltamon terveysasema"]
            assert len(receiver.on("/teams")) == 1
    assert [m.subject.split(" – ")[0] for m in smtp.mails] == ["Hälytys", "Päättyi"]
    assert [p.body["attachments"][0]["content"]["body"][0]["text"] for p in receiver.on("/teams")] == [
        "Hälytys – Paltamon terveysasema", "Päättyi – Paltamon terveysasema"]
    [alert] = board.store.alerts(since=NOON)
    assert alert.subject == "paltamo" and alert.since == NOON and alert.ended == "cleared"
    # A second collector sharing the store stands by while the first holds the lease.
    other = Evaluator(board.settings, board.store, "collector-b")
    assert not other.turn(NOON + timedelta(minutes=31)).evaluated
    assert evaluator.turn(NOON + timedelta(minutes=31)).evaluated
    board.close()


def test_a_stale_source_is_unknown_not_calm(tmp_path: Path, receivers) -> None:
    """Readings that stop (stale) do not end a firing alert: one missing source is not a recovery."""
    smtp, receiver = receivers
    board = create_board(feed_config(tmp_path, smtp, receiver), f"sqlite:///{tmp_path / 'board.sqlite'}")
    evaluator = Evaluator(board.settings, board.store, "collector-a")
    for i in range(12):
        now = NOON + timedelta(minutes=i)
        write_queue(board.store, "paltamo", now, 25.0)
        evaluator.turn(now)
    for i in range(12, 40):  # nothing new: stale after 10 minutes
        evaluator.turn(NOON + timedelta(minutes=i))
    assert [m.subject.split(" – ")[0] for m in smtp.mails] == ["Hälytys"]
    assert board.store.alerts(active_only=True)
    board.close()


def test_closing_time_ends_an_alert_and_the_dst_day_keeps_local_times(tmp_path: Path, receivers) -> None:
    """Kajaani closes at 18.00 Helsinki time: a red queue at 17.50 fires, closing ends it ("asema suljettiin"),
    nothing fires while closed. On the autumn DST day (25.10.2026, a Sunday the test opens) the projection's
    closing instant and the alert's "since" are right in local time."""
    smtp, receiver = receivers
    config = feed_config(tmp_path, smtp, receiver)
    alerts = yaml.safe_load((config / "alerts.yaml").read_text(encoding="utf-8"))
    alerts["subscriptions"][0]["stations"] = ["kajaani", "paltamo"]
    alerts["rules"][0]["by_time_of_day"] = [{"from": "00:00", "to": "23:59", "amber": 10, "red": 20}]
    (config / "alerts.yaml").write_text(yaml.safe_dump(alerts), encoding="utf-8")
    stations = yaml.safe_load((config / "stations.yaml").read_text(encoding="utf-8"))
    for st in stations["stations"]:
        if st["code"] == "kajaani":
            st["opening_hours"]["sun"] = "08:00-18:00"
    (config / "stations.yaml").write_text(yaml.safe_dump(stations, allow_unicode=True), encoding="utf-8")
    board = create_board(config, f"sqlite:///{tmp_path / 'board.sqlite'}")
    evaluator = Evaluator(board.settings, board.store, "collector-a")
    start = datetime(2026, 11, 24, 15, 40, tzinfo=UTC)  # Tuesday 17.40 in Helsinki (UTC+2)
    for i in range(40):  # to 18.19
        now = start + timedelta(minutes=i)
        write_queue(board.store, "kajaani", now, 30.0)
        evaluator.turn(now)
    mails = [m for m in smtp.mails if "Kajaanin" in m.subject]
    assert [m.subject.split(" – ")[0] for m in mails] == ["Hälytys", "Päättyi"]
    assert "asema suljettiin" in mails[1].subject and "Alkaen: klo 17.40 (ti 24.11.2026)" in mails[1].body
    assert "Päättyi: klo 18.00" in mails[1].body
    assert board.store.projections()["kajaani"].reason == "closed"

    dst = datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # Sunday 11.00 EET, the clocks went back at 04.00
    for i in range(12):
        now = dst + timedelta(minutes=i)
        write_queue(board.store, "kajaani", now, 30.0)
        evaluator.turn(now)
    p = board.store.projections()["kajaani"]
    assert p.closes_at == datetime(2026, 10, 25, 16, 0, tzinfo=UTC)  # 18.00 EET
    assert p.reason == "few_days"  # no Sunday history: no projection, and why
    dst_mail = [m for m in smtp.mails if "su 25.10.2026" in m.body]
    assert len(dst_mail) == 1 and "Alkaen: klo 11.00 (su 25.10.2026)" in dst_mail[0].body
    board.close()


def test_a_usual_day_missing_at_the_first_turn_is_looked_for_again_once_history_has_loaded(tmp_path: Path) -> None:
    """A collector's first alert turn can run before its first pull has loaded the history (`board demo`: eight
    weeks in the first run). The 'too little history' found then was kept for the whole day, so every wall of
    `demo --always-open` said so over eight weeks of history (found opening the overview as a shift lead)."""
    from board.alerts.projections import RETRY_MISSING, Projector

    config = write_config(tmp_path / "config", backfill_days=43, history_step_minutes=30, live_step_seconds=60)
    board = create_board(config, f"sqlite:///{tmp_path / 'board.sqlite'}")
    settings, store = board.settings, board.store
    projector = Projector(settings, store)
    assert projector.station("kajaani", NOON).reason == "few_days"  # nothing loaded yet
    Collector(settings, store, clock=lambda: NOON).run_once()  # the history arrives
    soon = NOON + RETRY_MISSING / 2
    assert projector.station("kajaani", soon).reason == "few_days"  # not looked for at every turn
    later = NOON + RETRY_MISSING + timedelta(seconds=61)
    got = projector.station("kajaani", later)
    assert got.ok, got
    assert got == Projector(settings, store).station("kajaani", later)
    board.close()


def test_a_usual_day_missing_is_looked_for_again_at_the_next_turn_after_a_pull_stored_earlier_days(
        tmp_path: Path) -> None:
    """The collector tells its projector when a pull stored readings of earlier days (a backfill): the usual day
    found missing at the first turn is looked for again at the next turn, not two minutes later (`board demo` from
    a fresh clone: the overview said "liian vähän historiaa" for two to three minutes over eight weeks of
    history). A pull of today's readings only does not make it look again."""
    clock = [NOON]
    config = write_config(tmp_path / "config", backfill_days=43, history_step_minutes=30, live_step_seconds=60)
    board = create_board(config, f"sqlite:///{tmp_path / 'board.sqlite'}")
    settings, store = board.settings, board.store
    collector = Collector(settings, store, clock=lambda: clock[0])
    projector = collector.evaluator.projector
    assert projector.station("kajaani", NOON).reason == "few_days"  # the first turn, before the first pull
    version = projector.history_version
    collector.run_source("demo")  # the backfill: 43 days
    assert projector.history_version != version
    got = projector.station("kajaani", NOON)  # the next turn, the same minute
    assert got.ok, got
    assert got == Projector(settings, store).station("kajaani", NOON)  # as a projector that never missed it

    clock[0] = NOON + timedelta(seconds=20)
    version = projector.history_version
    assert collector.run_source("demo").rows > 0  # today's readings only
    assert projector.history_version == version
    board.close()
