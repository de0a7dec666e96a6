"""Alert channel failures on /sources, for administrators: the error in words (no secret), the messages waiting
and the next try; a channel that delivers says so, one never used says that.

Real parts: a real HTTP receiver (the Teams Workflows webhook) that accepts, a webhook to a loopback port where
nothing listens (refused: retried with backoff), the board's own sender writing the outbox as the collector does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from board.alerts.evaluator import Evaluator
from board.domain import alerts as al
from board.domain.status import Threshold
from board.domain.timeutil import utcnow
from board.factory import create_board
from board.read.sources import channel_statuses
from board.store import Store
from tests.alert_receivers import free_port, http_receiver
from tests.conftest import pages_reading, write_config

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "hook-token-9f3a1c77e2"


@pytest.fixture
def board(tmp_path: Path) -> Iterator[tuple[Store, object]]:
    with http_receiver() as receiver:
        config = write_config(tmp_path / "config")
        alerts = {
            "rules": [{"name": "jono_punainen", "type": "threshold", "figure": "queue_waiting"}],
            "channels": {"teams": {"type": "teams", "url": receiver.url("/teams"), "timeout_seconds": 5},
                         "paivystys": {"type": "webhook", "url": f"http://127.0.0.1:{free_port()}/hook",
                                       "headers": {"Authorization": "Bearer ${HOOK_TOKEN}"}, "timeout_seconds": 5},
                         "varalla": {"type": "webhook", "url": receiver.url("/spare")}},
            "subscriptions": [{"name": "teams_kainuu", "channel": "teams", "stations": "all"},
                              {"name": "paivystys", "channel": "paivystys", "stations": "all"}]}
        (config / "alerts.yaml").write_text(yaml.safe_dump(alerts), encoding="utf-8")
        b = create_board(config, f"sqlite:///{tmp_path / 'board.sqlite'}", sign_in="off",
                         environ={"HOOK_TOKEN": TOKEN})
        with pages_reading(b):
            yield b.store, b.settings


def test_a_failing_channel_shows_its_error_what_waits_and_the_next_try(board) -> None:
    store, settings = board
    rule = settings.alerts.rules[0]
    start = utcnow() - timedelta(minutes=15)
    for i in range(12):  # the queue at 25 (red 20) for 11 minutes: firing
        now = start + timedelta(minutes=i)
        stored = al.by_subject(store.alert_series())
        c = al.evaluate([rule], stored, {(rule.name, "paltamo"): rule.observe(25.0, Threshold(10, 20), time(12), True)},
                        now)
        store.save_cycle(c.changed(stored), c.notifications, al.deliveries(c.notifications,
                                                                           settings.alerts.subscriptions), now)
    sent_at = utcnow()
    Evaluator(settings, store, "test").sender.round(store, sent_at)  # the collector's sender, real channels

    states = {c.name: c for c in channel_statuses(settings, store)}
    assert list(states) == ["paivystys", "varalla", "teams"]  # failing first, then unused, then working
    hook = states["paivystys"]
    assert hook.health.value == "failing" and hook.waiting == 1 and hook.last_sent is None
    assert hook.next_try is not None and timedelta(seconds=25) <= hook.next_try - sent_at <= timedelta(seconds=35)
    assert states["teams"].health.value == "ok" and states["teams"].last_sent is not None
    assert states["varalla"].health.value == "never"

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/sources.py")
    at.run()
    assert not at.exception, at.exception
    page = "\n".join(h.value for h in at.html)
    assert "Hälytyskanavat" in [s.value for s in at.subheader]
    [card] = [c for c in page.split('<div class="src-card') if 'data-channel="paivystys"' in c]
    assert 'data-waiting="1"' in card and "Lähetys epäonnistui" in card and "seuraava yritys" in card
    assert "127.0.0.1" in card and TOKEN not in page  # where it failed, never the secret
    # in the page's language, from the error's code: "paivystys: webhook osoitteessa http://127.0.0.1: lähetys ei
    # onnistunut (ConnectError: …)", the English sentence only in the store's plain form and the logs
    assert "paivystys: webhook osoitteessa http://127.0.0.1: lähetys ei onnistunut (ConnectError" in card
    assert hook.error is not None and hook.error.startswith("paivystys: webhook at http://127.0.0.1: ConnectError")
    assert 'data-channel="teams" data-health="ok"' in page and "Toimii" in page
    assert 'data-channel="varalla" data-health="never"' in page and "Ei vielä viestejä" in page
