"""Alerts with the real processes: ``python -m board collect`` evaluates and sends; no browser is open.

A source system (an SQLite file read by an ``sql`` source every second)
gets the queue values the test chooses; the collector pulls them, evaluates
the rules every 5 s and sends to a real SMTP server (STARTTLS and login) and
a real HTTP receiver (the Teams Workflows webhook) on loopback. Every station
is open around the clock here, so the tests do not depend on the hour they
run at (closing time and the DST nights are tested with a clock the test
sets: tests/test_alert_delivery.py, tests/test_alert_evaluator.py).
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from board.store import Store
from tests.alert_receivers import HttpReceiver, SmtpServer, http_receiver, smtp_server
from tests.faults_support import collector, stop, wait_for, write_sources

ROOT = Path(__file__).resolve().parent.parent

#: The rule holds this long before it fires (6 s); evaluated every 5 s; the source pulled every second.
FOR_MINUTES = 0.1
EVALUATE_SECONDS = 5
#: "Within one collector cycle of the rule holding": the wait, one evaluation interval, a pull, a margin.
WITHIN = FOR_MINUTES * 60 + EVALUATE_SECONDS + 1 + 6


class QueueFeed:
    """The source system: writes each station's chosen queue length once a second (UTC text times)."""

    QUERY = "SELECT station, metric, time, value FROM kpi WHERE time >= :since AND time <= :until"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.levels: dict[str, float] = {"paltamo": 3.0, "kajaani": 3.0}
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS kpi (station TEXT, metric TEXT, time TEXT, value REAL)")
        conn.close()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30)
        last = None
        while not self._stop.is_set():
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
            if stamp != last:
                with conn:
                    conn.executemany("INSERT INTO kpi VALUES (?, 'queue_waiting', ?, ?)",
                                     [(st, stamp, v) for st, v in dict(self.levels).items()])
                last = stamp
            self._stop.wait(0.2)
        conn.close()

    def break_table(self) -> None:
        """The source system's table renamed: every pull fails."""
        with sqlite3.connect(self.path, timeout=30) as conn:
            conn.execute("ALTER TABLE kpi RENAME TO kpi_old")
        conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def source(self) -> dict[str, Any]:
        return {"name": "jono", "type": "sql", "url": f"sqlite:///{self.path}", "query": self.QUERY,
                "parameters_as": "text", "mapping": {"timezone": "UTC"}, "interval_seconds": 1,
                "stale_after_seconds": 30, "backfill_days": 1, "stations": ["paltamo", "kajaani"]}


def board_config(tmp_path: Path, feed: QueueFeed, smtp: SmtpServer, receiver: HttpReceiver) -> Path:
    config = write_sources(tmp_path / "config", [feed.source()])
    stations = yaml.safe_load((config / "stations.yaml").read_text(encoding="utf-8"))
    # Round the clock and on public holidays too ("00:00-23:59" closed the last minute of every day, and a Finnish
    # holiday -- 6 Dec, Christmas -- closed every station, so the evaluator skipped them and nothing fired).
    stations["default_opening_hours"] = {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    for st in stations["stations"]:
        st.pop("opening_hours", None)
        st["open_on_holidays"] = True
    (config / "stations.yaml").write_text(yaml.safe_dump(stations, allow_unicode=True), encoding="utf-8")
    timing = {"for_minutes": FOR_MINUTES, "keep_firing_minutes": 0.05, "repeat_minutes": None}
    alerts = {
        "board_url": "https://ohjaustaulu.example.fi", "evaluate_seconds": EVALUATE_SECONDS,
        "rules": [{"name": "jono_punainen", "type": "threshold", "figure": "queue_waiting", **timing},
                  {"name": "lahde_ei_toimi", "type": "source", **timing}],
        "channels": {"sahkoposti": smtp.settings(), "teams": {"type": "teams", "url": receiver.url("/teams"),
                                                               "timeout_seconds": 60}},
        "subscriptions": [
            {"name": "vastaava_paltamo", "channel": "sahkoposti", "to": ["vastaava.paltamo@example.fi"],
             "stations": ["paltamo"], "rules": ["jono_punainen"]},
            {"name": "teams_kainuu", "channel": "teams", "stations": "all", "rules": ["jono_punainen"]},
            {"name": "yllapito", "channel": "sahkoposti", "to": ["it-tuki@example.fi"], "sources": "all"}],
    }
    (config / "alerts.yaml").write_text(yaml.safe_dump(alerts, allow_unicode=True), encoding="utf-8")
    return config


def started(url: str, config: Path, log: Path):  # type: ignore[no-untyped-def]
    """The store (tables made first), and a real collector once it has pulled the feed."""
    store = Store.open(url)
    proc = collector(config, url, log)
    if not wait_for(lambda: store.latest_values("paltamo"), 60):
        stop(proc)
        raise AssertionError(proc.tail())
    return store, proc


@pytest.fixture
def parts(tmp_path: Path):
    feed = QueueFeed(tmp_path / "source.sqlite")
    with smtp_server(tmp_path) as smtp, http_receiver() as receiver:
        yield feed, smtp, receiver, board_config(tmp_path, feed, smtp, receiver)
    feed.close()


def kinds(mails: list, to: str) -> list[str]:
    return [m.subject.split(" – ")[0] for m in mails if m.recipients == [to]]


def cards(receiver: HttpReceiver) -> list[str]:
    return [p.body["attachments"][0]["content"]["body"][0]["text"] for p in receiver.on("/teams")]


def shown(at: Any) -> str:
    """What an AppTest run put on the page instead of what was expected (titles, errors, texts), to name why."""
    kinds = ("title", "error", "warning", "info", "caption", "markdown", "button")
    parts = [f"{kind}: {getattr(e, 'value', None) or getattr(e, 'label', '')}" for kind in kinds
             for e in getattr(at, kind)]
    return "\n".join(parts)[:3000]


def test_held_released_and_a_channel_down_then_back(parts, sqlite_url: str, tmp_path: Path) -> None:
    feed, smtp, receiver, config = parts
    store, proc = started(sqlite_url, config, tmp_path / "collector.log")
    try:
        time.sleep(EVALUATE_SECONDS + 2)
        assert smtp.mails == [] and receiver.posts == []  # calm: nothing to say
        feed.levels["paltamo"] = 25.0  # red is 20
        held = time.monotonic()
        assert wait_for(lambda: kinds(smtp.mails, "vastaava.paltamo@example.fi") == ["Hälytys"], WITHIN + 10), \
            proc.tail()
        assert time.monotonic() - held <= WITHIN + 3
        assert wait_for(lambda: cards(receiver) == ["Hälytys – Paltamon terveysasema"], 10)
        assert "Seinänäyttö: https://ohjaustaulu.example.fi/wall?station=paltamo" in smtp.mails[0].body

        # Both channels go down; the queue clears meanwhile; nothing is lost when they come back.
        smtp.stop()
        receiver.status = 503
        feed.levels["paltamo"] = 4.0
        assert wait_for(lambda: receiver.refused >= 1, 30), proc.tail()
        time.sleep(EVALUATE_SECONDS)
        smtp.start()
        receiver.status = 202
        assert wait_for(lambda: kinds(smtp.mails, "vastaava.paltamo@example.fi") == ["Hälytys", "Päättyi"], 120), \
            proc.tail()
        assert wait_for(lambda: len(cards(receiver)) == 2, 60), proc.tail()
        time.sleep(3 * EVALUATE_SECONDS)  # a few more turns: no repeats
        assert kinds(smtp.mails, "vastaava.paltamo@example.fi") == ["Hälytys", "Päättyi"]
        assert cards(receiver) == ["Hälytys – Paltamon terveysasema", "Päättyi – Paltamon terveysasema"]
        assert len({p.headers["idempotency-key"] for p in receiver.on("/teams")}) == 2
        assert "kajaani" not in str([p.body for p in receiver.on("/teams")])  # Kajaani's own red is 60
    finally:
        stop(proc)
        store.dispose()


def test_a_source_that_fails_reaches_the_administrator(parts, sqlite_url: str, tmp_path: Path) -> None:
    feed, smtp, _receiver, config = parts
    store, proc = started(sqlite_url, config, tmp_path / "collector.log")
    try:
        feed.close()
        feed.break_table()
        assert wait_for(lambda: kinds(smtp.mails, "it-tuki@example.fi") == ["Hälytys"], 60), proc.tail()
        mail = next(m for m in smtp.mails if m.recipients == ["it-tuki@example.fi"])
        assert "Lähde: jono" in mail.body and "Virhe" in mail.subject
        assert "https://ohjaustaulu.example.fi/sources" in mail.body
        assert kinds(smtp.mails, "vastaava.paltamo@example.fi") == []  # the shift lead gets station alerts only
    finally:
        stop(proc)
        store.dispose()


def test_collector_killed_between_evaluation_and_sending(parts, sqlite_url: str, tmp_path: Path) -> None:
    """The Teams receiver holds the first request; the collector is killed (SIGKILL) while it waits, after the
    evaluation committed the messages: the next collector sends them, each once, and nothing is evaluated twice."""
    feed, smtp, receiver, config = parts
    receiver.delay = 120.0
    store, first = started(sqlite_url, config, tmp_path / "first.log")
    try:
        feed.levels["paltamo"] = 25.0
        assert wait_for(lambda: receiver.started >= 1, WITHIN + 20), first.tail()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    queued = store.outbox()
    assert {(k.split("|")[3], k.split("|")[-1]) for k, *_ in queued} == {("firing", "teams_kainuu"),
                                                                         ("firing", "vastaava_paltamo")}
    assert [sent for _, _, _, _, sent, _, _ in queued] == [None, None]
    assert smtp.mails == []  # the e-mail waited behind the Teams message in the same round
    receiver.delay = 0.0
    second = collector(config, sqlite_url, tmp_path / "second.log")
    try:
        assert wait_for(lambda: len(receiver.on("/teams")) >= 1 and len(smtp.mails) >= 1, 60), second.tail()
        time.sleep(2 * EVALUATE_SECONDS)
    finally:
        stop(second)
    assert kinds(smtp.mails, "vastaava.paltamo@example.fi") == ["Hälytys"]
    assert cards(receiver) == ["Hälytys – Paltamon terveysasema"]
    [alert] = store.alerts()
    assert alert.active and len([k for k, *_ in store.outbox()]) == 2  # the restart queued nothing new
    store.dispose()


def test_the_cli_sends_a_test_message_and_lists_alerts(parts, sqlite_url: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.harness import ROOT, board_env

    _feed, smtp, receiver, config = parts
    env = board_env(config, sqlite_url)
    out = subprocess.run([sys.executable, "-m", "board", "alerts", "--test", "sahkoposti"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "sahkoposti: OK - test message sent to it-tuki@example.fi, vastaava.paltamo@example.fi" in out.stdout
    assert [m.subject for m in smtp.mails] == ["Testiviesti: ohjaustaulun hälytyskanava sahkoposti toimii"]
    receiver.status = 404
    out = subprocess.run([sys.executable, "-m", "board", "alerts", "--test", "teams"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "teams: FAILED (configuration)" in out.stdout and "HTTP 404" in out.stdout
    out = subprocess.run([sys.executable, "-m", "board", "alerts"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and "2 rule(s); 0 alert(s) firing" in out.stdout


#: Reminders every 90 s in the acknowledgement test: long enough to acknowledge first through two AppTest runs
#: on a busy machine (45 s was not, with two cores under load), short enough to see one.
REPEAT_MINUTES = 1.5


def test_a_shift_lead_gets_it_acknowledges_on_the_overview_no_reminder_follows_and_the_end_comes(
        parts, sqlite_url: str, tmp_path: Path) -> None:
    """Issue 16's "done when": the shift lead subscribed to Paltamo gets the e-mail and the Teams card within one
    collector cycle of the rule holding, sees the alert on the overview, acknowledges it there (signed in, through
    the page), gets no reminder while Kajaani's unacknowledged alert is reminded of, and gets the "ended"
    message when the queue clears."""
    from streamlit.testing.v1 import AppTest

    from board.factory import create_board
    from tests.conftest import pages_reading
    from tests.test_access_pages import ACCESS, AUTH, SHIFT_LEAD

    feed, smtp, receiver, config = parts
    alerts = yaml.safe_load((config / "alerts.yaml").read_text(encoding="utf-8"))
    alerts["rules"][0]["repeat_minutes"] = REPEAT_MINUTES
    (config / "alerts.yaml").write_text(yaml.safe_dump(alerts, allow_unicode=True), encoding="utf-8")
    board_yaml = yaml.safe_load((config / "board.yaml").read_text(encoding="utf-8"))
    board_yaml["access"] = ACCESS
    (config / "board.yaml").write_text(yaml.safe_dump(board_yaml, allow_unicode=True), encoding="utf-8")
    store, proc = started(sqlite_url, config, tmp_path / "collector.log")
    shift_lead = "vastaava.paltamo@example.fi"
    try:
        feed.levels["paltamo"] = 25.0  # red is 20
        feed.levels["kajaani"] = 70.0  # Kajaani's red is 60: nobody takes this one
        held = time.monotonic()
        assert wait_for(lambda: kinds(smtp.mails, shift_lead) == ["Hälytys"], WITHIN + 10), proc.tail()
        assert time.monotonic() - held <= WITHIN + 3
        assert wait_for(lambda: "Hälytys – Paltamon terveysasema" in cards(receiver), 10)
        [alert] = [a for a in store.alerts(active_only=True) if a.subject == "paltamo"]

        # The shift lead, signed in, acknowledges it on the overview.
        with pages_reading(create_board(config, sqlite_url, environ={})):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
            at.user = SHIFT_LEAD
            at.secrets = {"auth": AUTH}
            at.run()
            assert not at.exception, at.exception
            table = next((h.value for h in at.html if '<table class="ov"' in h.value), None)
            assert table is not None, shown(at)
            assert f'data-alert="{alert.alert_id}"' in table and "kuittaamatta" in table
            assert not [w for w in at.text_input if w.key == "ack_author"]  # the name comes from the sign-in
            at.button(key=f"ov-ack-{alert.alert_id}").click().run()
            assert not at.exception, at.exception
        [taken] = [a for a in store.alerts(active_only=True) if a.subject == "paltamo"]
        assert taken.acknowledged_by == SHIFT_LEAD["name"]
        assert kinds(smtp.mails, shift_lead) == ["Hälytys"]  # acknowledged before its first reminder

        # Kajaani, not acknowledged, is reminded of; Paltamo, acknowledged, is not.
        assert wait_for(lambda: "Muistutus – Kajaanin terveysasema" in cards(receiver), 2 * REPEAT_MINUTES * 60 + 30), \
            proc.tail()
        time.sleep(REPEAT_MINUTES * 60)
        assert kinds(smtp.mails, shift_lead) == ["Hälytys"]
        assert "Muistutus – Paltamon terveysasema" not in cards(receiver)

        feed.levels["paltamo"] = 4.0
        assert wait_for(lambda: kinds(smtp.mails, shift_lead) == ["Hälytys", "Päättyi"], 60), proc.tail()
        assert wait_for(lambda: "Päättyi – Paltamon terveysasema" in cards(receiver), 10)
        assert "Vuorovastaava" not in str([m.body for m in smtp.mails]) + str([p.body for p in receiver.posts])
        [ended] = [a for a in store.alerts() if a.subject == "paltamo"]
        assert not ended.active and ended.acknowledged_by == SHIFT_LEAD["name"]
    finally:
        stop(proc)
        store.dispose()
