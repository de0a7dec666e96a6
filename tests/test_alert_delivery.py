"""From rule to inbox: evaluation, the outbox, real channels on loopback; down and back, no loss, no repeats."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from board.alerts.channels import ChannelError, EmailChannel, TeamsChannel
from board.alerts.delivery import MemoryOutbox, Sender
from board.alerts.messages import render
from board.domain import alerts as al
from board.domain.status import Threshold
from tests.alert_receivers import HttpReceiver, SmtpServer, http_receiver, smtp_server

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 10.00 Helsinki
RULE = al.ThresholdRule("jono_punainen", "queue_waiting", timing=al.Timing(10, 5, 60))
PALTAMO = al.Subscription("vastaava_paltamo", "mail", ("vastaava.paltamo@example.fi",),
                          stations=frozenset({"paltamo"}))
TEAMS = al.Subscription("teams_kainuu", "teams", stations=None)
NAMES = {"paltamo": "Paltamon terveysasema", "kajaani": "Kajaanin terveysasema"}


def renderer(n: al.Notification):
    return render(n, subject_name=NAMES.get(n.subject, n.subject), board_url="https://board.example.fi")


@pytest.fixture
def smtp(tmp_path: Path):
    with smtp_server(tmp_path) as server:
        yield server


@pytest.fixture
def receiver():
    with http_receiver() as r:
        yield r


def channels(smtp: SmtpServer, receiver: HttpReceiver) -> dict:
    s = smtp.settings()
    return {"mail": EmailChannel("mail", host=s["host"], port=s["port"], sender=s["sender"], username=s["username"],
                                 password=s["password"], ca_file=s["ca_file"], timeout=5),
            "teams": TeamsChannel("teams", url=receiver.url("/teams"), timeout=5)}


class Board:
    """The evaluation loop as the collector runs it, with a clock the test moves."""

    def __init__(self, smtp: SmtpServer, receiver: HttpReceiver) -> None:
        self.series: dict = {}
        self.outbox = MemoryOutbox()
        self.sender = Sender(channels(smtp, receiver), renderer)

    def minute(self, now: datetime, queue: dict[str, float], is_open: bool = True, send: bool = True) -> None:
        obs = {(RULE.name, code): RULE.observe(v, Threshold(10, 20), time(12), is_open) for code, v in queue.items()}
        cycle = al.evaluate([RULE], self.series, obs, now)
        self.series.update(al.by_subject(cycle.series))
        self.outbox.add(al.deliveries(cycle.notifications, [PALTAMO, TEAMS]), now)
        if send:
            self.sender.round(self.outbox, now)


def test_held_then_released_reaches_the_shift_lead_and_teams_once_each(smtp: SmtpServer,
                                                                       receiver: HttpReceiver) -> None:
    board = Board(smtp, receiver)
    for i in range(40):  # Paltamo red for 25 minutes, then calm; Kajaani always calm
        board.minute(T0 + timedelta(minutes=i), {"paltamo": 25.0 if i < 25 else 5.0, "kajaani": 3.0})
    assert [m.subject.split(":")[0] for m in smtp.mails] == ["Hälytys – Paltamon terveysasema",
                                                              "Päättyi – Paltamon terveysasema"]
    assert all(m.recipients == ["vastaava.paltamo@example.fi"] for m in smtp.mails)
    assert "Alkaen: klo 10.00 (ti 24.11.2026)" in smtp.mails[0].body
    cards = [p.body["attachments"][0]["content"]["body"][0]["text"] for p in receiver.on("/teams")]
    assert cards == ["Hälytys – Paltamon terveysasema", "Päättyi – Paltamon terveysasema"]
    # The firing went out when the rule had held 10 minutes, within the same evaluation.
    fired = board.outbox.rows[next(k for k in board.outbox.rows if "|firing|" in k and k.endswith("teams_kainuu"))]
    assert fired["sent_at"] == T0 + timedelta(minutes=10)


def test_a_channel_down_then_back_loses_nothing_and_repeats_nothing(smtp: SmtpServer,
                                                                    receiver: HttpReceiver) -> None:
    board = Board(smtp, receiver)
    smtp.stop()
    receiver.status = 503
    attempts_while_down = receiver.refused
    for i in range(40):
        board.minute(T0 + timedelta(minutes=i), {"paltamo": 25.0 if i < 25 else 5.0})
    assert smtp.mails == [] and receiver.on("/teams") == []
    # Backed off: a few tries in 40 minutes, not one per message per minute.
    assert 2 <= receiver.refused - attempts_while_down <= 8
    assert board.sender.health["teams"].last_error.startswith("teams: Teams workflow at http://127.0.0.1 "
                                                              "answered HTTP 503")
    smtp.start()
    receiver.status = 202
    for i in range(40, 80):  # calm; the channels are back
        board.minute(T0 + timedelta(minutes=i), {"paltamo": 5.0})
    assert [m.subject.split(" – ")[0] for m in smtp.mails] == ["Hälytys", "Päättyi"]
    assert [p.body["attachments"][0]["content"]["body"][0]["text"].split(" – ")[0]
            for p in receiver.on("/teams")] == ["Hälytys", "Päättyi"]
    assert board.sender.health["teams"].failures == 0


def test_killed_between_evaluation_and_sending_the_next_sender_sends(smtp: SmtpServer,
                                                                     receiver: HttpReceiver) -> None:
    board = Board(smtp, receiver)
    for i in range(11):
        board.minute(T0 + timedelta(minutes=i), {"paltamo": 25.0}, send=False)  # the process dies before sending
    assert len(board.outbox.due(T0 + timedelta(minutes=11))) == 2
    # A new process: a fresh sender over the same outbox; evaluating the same minute again adds nothing.
    board.sender = Sender(channels(smtp, receiver), renderer)
    board.minute(T0 + timedelta(minutes=10), {"paltamo": 25.0}, send=False)
    assert len(board.outbox.rows) == 2
    board.sender.round(board.outbox, T0 + timedelta(minutes=11))
    board.sender.round(board.outbox, T0 + timedelta(minutes=12))
    assert len(smtp.mails) == 1 and len(receiver.on("/teams")) == 1


def test_closing_time_ends_the_alert_and_nothing_fires_while_closed(smtp: SmtpServer,
                                                                    receiver: HttpReceiver) -> None:
    board = Board(smtp, receiver)
    for i in range(60):
        board.minute(T0 + timedelta(minutes=i), {"paltamo": 25.0}, is_open=i < 30)
    assert [m.subject.split(" – ")[0] for m in smtp.mails] == ["Hälytys", "Päättyi"]
    assert "asema suljettiin" in smtp.mails[1].subject


class Failing:
    def __init__(self, transient: bool) -> None:
        self.name, self.transient, self.calls = "x", transient, 0

    def send(self, message, to=()) -> None:
        self.calls += 1
        raise ChannelError("no", transient=self.transient)


def test_expired_and_unknown_channels_are_given_up_and_a_wrong_login_is_not_hammered() -> None:
    n = al.Notification(al.Event.FIRING, "r|paltamo|x", "r", al.RuleKind.THRESHOLD, "paltamo", T0, T0, 25.0)
    outbox = MemoryOutbox()
    outbox.add([al.Delivery("a", n, "s", "gone"), al.Delivery("b", n, "s", "mail"), al.Delivery("c", n, "s", "mail")],
               T0)
    failing = Failing(transient=False)
    sender = Sender({"mail": failing}, renderer)
    done = sender.round(outbox, T0)
    assert (done.failed, done.skipped) == (2, 1) and failing.calls == 1  # one login attempt, not one per message
    assert outbox.rows["a"]["gave_up"] and outbox.rows["a"]["pending"].last_error == \
        "channel 'gone' is no longer configured"
    # "b" waits 15 minutes for its next try; "c" was never tried (its channel was left alone), so it is still due.
    assert [p.delivery.key for p in outbox.due(T0 + timedelta(minutes=14))] == ["c"]
    assert sender.round(outbox, T0 + timedelta(minutes=14)).skipped == 1 and failing.calls == 1
    assert sender.round(outbox, T0 + timedelta(minutes=15)).failed == 1 and failing.calls == 2
    late = T0 + al.EXPIRE_AFTER + timedelta(minutes=1)
    done = sender.round(outbox, late)
    assert done.expired == 2 and outbox.due(late) == []
