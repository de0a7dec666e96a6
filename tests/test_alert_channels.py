"""Alert channels against real receivers on loopback: SMTP with STARTTLS and login, Teams and JSON webhooks."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from board import secrets
from board.alerts.channels import ChannelError, EmailChannel, TeamsChannel, WebhookChannel
from board.alerts.messages import Message, render
from board.domain.alerts import ENDED_CLOSED, Event, Notification, RuleKind
from tests.alert_receivers import PASSWORD, USER, HttpReceiver, SmtpServer, http_receiver, smtp_server

SINCE = datetime(2026, 11, 24, 8, 12, tzinfo=UTC)  # ti 24.11.2026 klo 10.12 in Helsinki
BOARD = "https://ohjaustaulu.example.fi"


def firing(**kw: object) -> Notification:
    base = dict(event=Event.FIRING, alert_id="jono_punainen|paltamo|2026-11-24T08:12:00+00:00",
                rule="jono_punainen", kind=RuleKind.THRESHOLD, subject="paltamo", at=SINCE + timedelta(minutes=10),
                since=SINCE, value=25.0, level="red", figure="queue_waiting")
    base.update(kw)
    return Notification(**base)  # type: ignore[arg-type]


def message(n: Notification | None = None, lang: str = "fi") -> Message:
    return render(n or firing(), subject_name="Paltamon terveysasema", board_url=BOARD, lang=lang)


@pytest.fixture
def smtp(tmp_path: Path):
    with smtp_server(tmp_path) as server:
        yield server


@pytest.fixture
def receiver():
    with http_receiver() as r:
        yield r


def email_channel(smtp: SmtpServer, **kw: object) -> EmailChannel:
    s = smtp.settings()
    args = dict(host=s["host"], port=s["port"], sender=s["sender"], username=USER, password=PASSWORD,
                ca_file=s["ca_file"], timeout=5)
    args.update(kw)
    return EmailChannel("sahkoposti", **args)  # type: ignore[arg-type]


# ------------------------------------------------------------------ what a message says
def test_a_message_names_station_figure_value_since_and_the_wall() -> None:
    m = message()
    assert m.subject() == "Hälytys – Paltamon terveysasema: Paltamon terveysasema – Takaisinsoitot, odottaa nyt: " \
                          "25 (Hälytys)"
    text = m.text()
    for expected in ("Asema: Paltamon terveysasema", "Arvo: 25 (Hälytys)", "Alkaen: klo 10.12 (ti 24.11.2026)",
                     "Sääntö: jono_punainen", f"Seinänäyttö: {BOARD}/wall?station=paltamo"):
        assert expected in text, (expected, text)
    assert m.data["station"] == "paltamo" and m.data["value"] == 25.0 and m.data["since"] == SINCE.isoformat()
    sv = message(lang="sv").text()
    assert "Sedan: kl. 10.12" in sv and "Väggskärm:" in sv


def test_resolved_projection_and_source_messages() -> None:
    ended = message(firing(event=Event.RESOLVED, value=8.0, ended=ENDED_CLOSED, acknowledged_by="Vastaava Virtanen"))
    assert ended.title.startswith("Päättyi") and "asema suljettiin" in ended.summary
    assert "Virtanen" not in ended.text() and "Virtanen" not in str(ended.data)  # who acknowledged stays inside
    proj = render(firing(kind=RuleKind.PROJECTION, figure="queue_projected_close", value=12.0),
                  subject_name="Paltamon terveysasema", board_url=BOARD,
                  projection_closes=datetime(2026, 11, 24, 14, 0, tzinfo=UTC))
    assert "ennuste klo 16.00: 12 jonossa" in proj.summary
    src = render(firing(kind=RuleKind.SOURCE, subject="dw", figure=None, value=None, level="failing"),
                 subject_name="dw", board_url=BOARD)
    assert "Lähde: dw" in src.text() and "Virhe" in src.summary and src.link == f"{BOARD}/sources"


# ------------------------------------------------------------------ e-mail
def test_email_over_starttls_with_login_arrives(smtp: SmtpServer) -> None:
    m = message()
    email_channel(smtp).send(m, ["vastaava.paltamo@example.fi"])
    assert len(smtp.mails) == 1
    mail = smtp.mails[0]
    assert mail.recipients == ["vastaava.paltamo@example.fi"]
    assert mail.subject == m.subject()
    assert "Alkaen: klo 10.12 (ti 24.11.2026)" in mail.body and f"{BOARD}/wall?station=paltamo" in mail.body
    assert smtp.state.logins == [(USER, True)]
    # The same message sent again carries the same Message-ID (a resend after a crash shows once).
    email_channel(smtp).send(m, ["vastaava.paltamo@example.fi"])
    assert smtp.mails[0].message["Message-ID"] == smtp.mails[1].message["Message-ID"]


def test_a_wrong_password_is_not_retried_and_not_shown(smtp: SmtpServer) -> None:
    secrets.register("vaara-salasana-1")
    with pytest.raises(ChannelError) as e:
        email_channel(smtp, password="vaara-salasana-1").send(message(), ["v@example.fi"])
    assert not e.value.transient
    assert f"refused the login for '{USER}'" in str(e.value) and "535" in str(e.value)
    assert "vaara-salasana-1" not in str(e.value)
    assert smtp.mails == []


def test_a_busy_server_is_transient_and_the_next_try_goes_through(smtp: SmtpServer) -> None:
    smtp.state.refuse = 1
    channel = email_channel(smtp)
    with pytest.raises(ChannelError, match="451") as e:
        channel.send(message(), ["v@example.fi"])
    assert e.value.transient
    channel.send(message(), ["v@example.fi"])
    assert len(smtp.mails) == 1


def test_a_server_that_is_down_is_transient(smtp: SmtpServer) -> None:
    smtp.stop()
    with pytest.raises(ChannelError, match=f"127.0.0.1:{smtp.port}") as e:
        email_channel(smtp).send(message(), ["v@example.fi"])
    assert e.value.transient
    smtp.start()  # back on the same port
    email_channel(smtp).send(message(), ["v@example.fi"])
    assert len(smtp.mails) == 1


def test_an_untrusted_certificate_is_refused(smtp: SmtpServer) -> None:
    with pytest.raises(ChannelError, match="certificate is not trusted") as e:
        email_channel(smtp, ca_file=None).send(message(), ["v@example.fi"])
    assert not e.value.transient and smtp.mails == []


def test_no_login_without_tls() -> None:
    with pytest.raises(ValueError, match="a login needs TLS"):
        EmailChannel("x", host="127.0.0.1", port=25, sender="a@example.fi", security="none", username="u")


# ------------------------------------------------------------------ Teams and webhooks
def test_teams_gets_an_adaptive_card(receiver: HttpReceiver) -> None:
    m = message()
    TeamsChannel("teams", url=receiver.url("/workflows/abc/triggers/manual/paths/invoke?sig=SIGNATURE")).send(m)
    [post] = receiver.posts
    assert post.headers["content-type"] == "application/json" and post.headers["idempotency-key"] == m.key
    attachment = post.body["attachments"][0]
    assert post.body["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"] == m.title
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert facts["Asema"] == "Paltamon terveysasema" and facts["Arvo"] == "25 (Hälytys)"
    assert facts["Alkaen"] == "klo 10.12 (ti 24.11.2026)"
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Seinänäyttö",
                                "url": f"{BOARD}/wall?station=paltamo"}]


def test_the_webhook_gets_the_fields(receiver: HttpReceiver) -> None:
    WebhookChannel("hook", url=receiver.url(), headers={"Authorization": "Bearer t0ken-xyz"}).send(message())
    [post] = receiver.posts
    assert post.headers["authorization"] == "Bearer t0ken-xyz"
    body = post.body
    assert {k: body[k] for k in ("event", "station", "figure", "value", "level", "since", "rule")} == {
        "event": "firing", "station": "paltamo", "figure": "queue_waiting", "value": 25.0, "level": "red",
        "since": SINCE.isoformat(), "rule": "jono_punainen"}
    assert body["link"] == f"{BOARD}/wall?station=paltamo" and body["source"] == "ohjaustaulu"


def test_http_answers_transient_or_not_and_the_signature_never_shows(receiver: HttpReceiver) -> None:
    url = receiver.url("/workflows/abc?sig=VerySecretSignature99")
    secrets.register(url)  # as a ${TEAMS_URL} reference would
    channel = TeamsChannel("teams", url=url)
    receiver.status = 503
    with pytest.raises(ChannelError, match="HTTP 503") as e:
        channel.send(message())
    assert e.value.transient and "VerySecretSignature99" not in str(e.value)
    receiver.status = 404
    with pytest.raises(ChannelError, match=r"HTTP 404.*check the URL") as e:
        channel.send(message())
    assert not e.value.transient and "VerySecretSignature99" not in str(e.value)
    receiver.status = 429
    with pytest.raises(ChannelError) as e:
        channel.send(message())
    assert e.value.transient
    receiver.status = 202
    channel.send(message())
    assert len(receiver.posts) == 1 and receiver.refused == 3


def test_a_receiver_that_never_answers_times_out(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection into its backlog, never answers
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
        with pytest.raises(ChannelError, match="did not answer within 1 s") as e:
            WebhookChannel("hook", url=url, timeout=1).send(message())
    assert e.value.transient


def test_a_refused_connection_is_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ChannelError, match="ConnectError") as e:
        WebhookChannel("hook", url=f"http://127.0.0.1:{port}/hook", timeout=2).send(message())
    assert e.value.transient


def test_not_an_http_url() -> None:
    with pytest.raises(ValueError, match="not an http"):
        WebhookChannel("hook", url="ftp://example.fi/x")
