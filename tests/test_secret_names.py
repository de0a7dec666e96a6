"""A refused login or a missing secret names the ``${NAME}`` it needed (never its value) and where to set it.

A user check found an administrator left guessing: "the API refused the credentials" did not say which of the
secrets in sources.yaml was wrong, and a missing secret's message was English on a Finnish page. Here a real
loopback server refuses a rest source's bearer token read from ``${UC_TOKEN}``; the real collector records the
failure in a real SQLite store and the Sources card, in fi, sv and en, names ``${UC_TOKEN}``, the environment
variable and ``.streamlit/secrets.toml`` — and not the token. A sources.yaml that needs an unset secret gives
the page's message in the UI language, with the name, the key that needs it and the secrets file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from board.read.sources import source_statuses
from board.settings import MissingSecretError, load_settings
from board.web.sources_html import render_card
from board.web.streamlit_support import config_error_text
from tests.input_support import collector_for
from tests.loopback import loopback

TOKEN = "wrong-token-7d41c9"  # a test value, never a real secret
HINT = {"fi": "Tunnukset tulevat salaisuuksista ${UC_TOKEN}",
        "sv": "Inloggningen kommer från hemligheterna ${UC_TOKEN}",
        "en": "The credentials come from the secrets ${UC_TOKEN}"}


def test_a_refused_token_names_its_secret_on_the_sources_card(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("UC_TOKEN", TOKEN)
    with loopback() as api:
        api.answer.require_authorization = "Bearer the-right-one"
        source = {"name": "jono", "type": "rest", "url": api.url, "auth": {"type": "bearer", "token": "${UC_TOKEN}"}}
        with collector_for(tmp_path, source) as collector:
            [outcome] = collector.run_once()
            assert not outcome.ok
            assert any(r.get("authorization") == f"Bearer {TOKEN}" for r in api.answer.requests)
            [status] = source_statuses(collector.settings, collector.store)
            assert status.secrets == ("UC_TOKEN",)
            for lang, hint in HINT.items():
                card = render_card(status, lang)
                assert hint in card and "UC_TOKEN" in card.split(hint, 1)[1]  # the variable too
                assert ".streamlit/secrets.toml" in card and TOKEN not in card
                # a block of its own under the error: inline, it ran on from the error's last word ("existTunnukset")
                assert '<div class="secret-hint"' in card, card


def test_a_source_without_secrets_is_told_to_use_one(tmp_path: Path) -> None:
    with loopback() as api:
        api.answer.require_authorization = "Bearer the-right-one"
        source = {"name": "jono", "type": "rest", "url": api.url, "auth": {"type": "bearer", "token": "plain-9b2"}}
        with collector_for(tmp_path, source) as collector:
            collector.run_once()
            [status] = source_statuses(collector.settings, collector.store)
    assert status.secrets == ()
    assert "sources.yaml itself: move the password to a secret" in render_card(status, "en")


def test_a_source_without_credentials_is_not_told_it_has_some(tmp_path: Path, monkeypatch) -> None:
    """No auth at all (HTTP 401: 'add auth to this source'): the card must not say the credentials are written in
    sources.yaml, nor that they come from a secret (a ``${NAME}`` in the URL is no credential)."""
    monkeypatch.setenv("UC_AREA", "kainuu")
    with loopback() as api:
        api.answer.require_authorization = "Bearer the-right-one"
        source = {"name": "jono", "type": "rest", "url": api.url + "?alue=${UC_AREA}"}
        with collector_for(tmp_path, source) as collector:
            collector.run_once()
            [status] = source_statuses(collector.settings, collector.store)
    assert status.last_run is not None and status.last_run.error.code == "http_wants_credentials"
    card = render_card(status, "en")
    assert "add auth to this source" in card
    assert "secret-hint" not in card, card


@pytest.mark.parametrize(("lang", "words"), [("fi", "Salaisuutta ${UC_MISSING} ei ole asetettu"),
                                             ("sv", "Hemligheten ${UC_MISSING} är inte satt"),
                                             ("en", "The secret ${UC_MISSING} is not set")])
def test_a_missing_secret_is_named_in_the_ui_language(tmp_path: Path, monkeypatch, lang: str, words: str) -> None:
    from tests.conftest import write_config

    monkeypatch.delenv("UC_MISSING", raising=False)
    config = write_config(tmp_path / "config")
    sources = yaml.safe_load((config / "sources.yaml").read_text())["sources"]
    sources.append({"name": "dw", "type": "rest", "url": "http://127.0.0.1:9/x",
                    "auth": {"type": "basic", "username": "board", "password": "${UC_MISSING}"}})
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    with pytest.raises(MissingSecretError) as caught:
        load_settings(config, f"sqlite:///{tmp_path / 'b.sqlite'}")
    text = config_error_text(caught.value, lang)
    assert words in text and "auth.password" in text and "UC_MISSING =" in text
    assert text.count("secrets.toml") == 1
