"""config/alerts.yaml: the shipped file and its commented examples load; mistakes stop the board with the key."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest
import yaml

from board.alerts.channels import EmailChannel, TeamsChannel, WebhookChannel
from board.domain import alerts as al
from board.domain.status import Status, Threshold
from board.settings import DEFAULT_CONFIG_DIR, ConfigError, load_settings

SECRETS = {"SMTP_PASSWORD": "smtp-pw-1234", "TEAMS_WORKFLOW_URL": "https://prod.example.fi/workflows/x?sig=abcd1234",
           "HOOK_TOKEN": "hook-token-99"}


def load(config_dir: Path, body: dict | str):
    text = body if isinstance(body, str) else yaml.safe_dump(body, allow_unicode=True)
    (config_dir / "alerts.yaml").write_text(text, encoding="utf-8")
    return load_settings(config_dir, "sqlite://").alerts


def test_the_shipped_file_loads(config_dir: Path) -> None:
    alerts = load_settings(config_dir, "sqlite://").alerts
    kinds = {type(r) for r in alerts.rules}
    assert kinds == {al.ThresholdRule, al.ProjectionRule, al.SourceRule}
    red = alerts.rule("jono_punainen")
    assert isinstance(red, al.ThresholdRule) and red.level is Status.ALERT and red.timing == al.Timing(10, 5, 60)
    assert alerts.channels == {} and alerts.subscriptions == []


def test_the_commented_examples_are_valid(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    text = (DEFAULT_CONFIG_DIR / "alerts.yaml").read_text(encoding="utf-8")
    text = text.replace("channels: {}", "channels:").replace("subscriptions: []", "subscriptions:")
    text = re.sub(r"^( +)# ", r"\1", text, flags=re.M)
    alerts = load(config_dir, text)
    assert isinstance(alerts.channels["sahkoposti"], EmailChannel)
    assert isinstance(alerts.channels["teams_kainuu"], TeamsChannel)
    hook = alerts.channels["paivystys"]
    assert isinstance(hook, WebhookChannel) and hook.headers == {"Authorization": "Bearer hook-token-99"}
    assert alerts.channels["sahkoposti"].password == "smtp-pw-1234"  # type: ignore[attr-defined]
    red = alerts.rule("jono_punainen")
    assert isinstance(red, al.ThresholdRule)
    assert red.windows == (al.DayWindow(time(8), time(10), Threshold(20, 40)),)
    subs = {s.name: s for s in alerts.subscriptions}
    assert subs["vastaava_paltamo"].stations == frozenset({"paltamo", "ristijarvi"})
    assert subs["vastaava_paltamo"].to == ("vastaava.paltamo@example.fi",)
    assert subs["teams_kainuu"].stations is None and subs["teams_kainuu"].events == frozenset(
        {al.Event.FIRING, al.Event.RESOLVED})
    assert subs["yllapito"].sources is None and subs["yllapito"].stations == frozenset()


def test_a_window_takes_the_direction_of_the_figure(config_dir: Path) -> None:
    alerts = load(config_dir, {"rules": [{"name": "osuus", "type": "threshold", "figure": "queue_same_day_share",
                                          "by_time_of_day": [{"from": "14:00", "to": "16:00", "amber": 0.9,
                                                              "red": 0.8}]}]})
    rule = alerts.rule("osuus")
    assert isinstance(rule, al.ThresholdRule)
    assert rule.windows[0].threshold == Threshold(0.9, 0.8, "lower_is_worse")


EMAIL = {"type": "email", "host": "smtp.example.fi", "sender": "a@example.fi"}


@pytest.mark.parametrize(("body", "message"), [
    ({"rules": [{"name": "x", "type": "threshold", "figure": "queue_lenght"}]}, "rules[0].figure: Value error, "
     "unknown figure 'queue_lenght'"),
    ({"rules": [{"name": "x", "type": "threshold", "figure": "queue_waiting", "stations": ["kajani"]}]},
     "rules[0] (x): unknown station(s) kajani"),
    ({"rules": [{"name": "x", "type": "source", "sources": ["dw"]}]}, "rules[0] (x): unknown source(s) dw"),
    ({"rules": [{"name": "x", "type": "threshold", "figure": "contacts_total_today"}]},
     "figure contacts_total_today has no thresholds in metrics.yaml"),
    ({"rules": [{"name": "x", "type": "projection"}, {"name": "x", "type": "projection"}]},
     "rule name(s) x appear more than once"),
    ({"rules": [{"name": "x", "type": "threshold", "figure": "queue_waiting",
                 "by_time_of_day": [{"from": "10:00", "to": "08:00", "amber": 1, "red": 2}]}]},
     "'to' (08:00) must be after 'from' (10:00)"),
    ({"rules": [{"name": "x", "type": "threshold", "figure": "queue_waiting", "for_minutes": -1}]},
     "for_minutes"),
    ({"rules": [{"name": "x", "type": "alarm"}]}, "rules[0]"),
    ({"channels": {"m": EMAIL}, "subscriptions": [{"name": "s", "channel": "mail", "stations": "all"}]},
     "subscriptions[0] (s): unknown channel 'mail'"),
    ({"channels": {"m": EMAIL}, "subscriptions": [{"name": "s", "channel": "m", "stations": "all"}]},
     "channel 'm' is e-mail: list the addresses in 'to'"),
    ({"channels": {"m": EMAIL}, "subscriptions": [{"name": "s", "channel": "m", "to": ["x@example.fi"]}]},
     "gets nothing"),
    ({"channels": {"m": EMAIL}, "subscriptions": [{"name": "s", "channel": "m", "to": ["x@example.fi"],
                                                   "stations": ["kajaani", "nowhere"]}]},
     "subscriptions[0].stations (s): unknown nowhere"),
    ({"channels": {"m": EMAIL}, "subscriptions": [{"name": "s", "channel": "m", "to": ["not-an-address"],
                                                   "stations": "all"}]}, "not an e-mail address"),
    ({"channels": {"m": {**EMAIL, "security": "none", "username": "u", "password": "p"}}}, "a login needs TLS"),
    ({"channels": {"m": {**EMAIL, "username": "u"}}}, "username given without password"),
    ({"channels": {"t": {"type": "teams", "url": "teams.example.fi/hook"}}}, "must be an http(s) URL"),
    ({"channels": {"t": {"type": "teams", "url": "${NO_SUCH_TEAMS_URL}"}}},
     "channels.t.url: secret ${NO_SUCH_TEAMS_URL} is not set"),
    ({"board_url": "ohjaustaulu.example.fi"}, "board_url"),
])
def test_mistakes_name_the_file_and_key(config_dir: Path, body: dict, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        load(config_dir, body)
    assert "alerts.yaml" in str(e.value) and message in str(e.value), str(e.value)
