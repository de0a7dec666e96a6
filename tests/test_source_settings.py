"""sources.yaml for every kind: mistakes named by file and key, secrets from the environment or secrets.toml."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from board import secrets
from board.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def _forget_secrets():
    yield
    secrets._known.clear()


def write(config_dir: Path, *sources: dict) -> None:
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": list(sources)}), encoding="utf-8")


SQL = {"name": "dw", "type": "sql", "odbc": "Driver={FreeTDS};Server=dw;UID=board;PWD=${DW_PASSWORD}",
       "query": "SELECT asema, aika, jonossa FROM jono WHERE aika >= :since",
       "mapping": {"layout": "wide", "station": "asema", "time": "aika", "metrics": {"jonossa": "queue_waiting"},
                   "stations": {"KAJ": "kajaani"}}}
REST = {"name": "api", "type": "rest", "url": "https://jono.example/api/v1/queue",
        "auth": {"type": "bearer", "token": "${API_TOKEN}"}, "pagination": {"type": "next_link", "path": "next"}}
FILES = {"name": "vienti", "type": "files", "folder": "data/inbox"}


def test_every_kind_loads(config_dir: Path, monkeypatch):
    monkeypatch.setenv("DW_PASSWORD", "pw-from-env")
    monkeypatch.setenv("API_TOKEN", "token-from-env")
    write(config_dir, SQL, REST, FILES)
    settings = load_settings(config_dir, "sqlite://")
    dw, api, files = settings.sources
    assert dw.type == "sql" and "PWD=pw-from-env" in dw.odbc.get_secret_value()
    assert "pw-from-env" not in repr(dw)  # SecretStr: never in a repr or a log line
    assert api.auth.token.get_secret_value() == "token-from-env"
    assert files.type == "files" and files.interval_seconds == 60 and files.stale_after_seconds == 3600
    assert secrets.redact("login as board/pw-from-env failed") == "login as board/*** failed"


@pytest.mark.parametrize(("source", "expected"), [
    ({**SQL, "url": "sqlite://"}, "sources[0]: Value error, give exactly one of 'url'"),
    ({**SQL, "query": "SELECT * FROM jono"}, "sources[0]: Value error, the query must use the bound parameter :since"),
    ({**SQL, "mapping": {**SQL["mapping"], "metrics": {"jonossa": "jono"}}},
     "sources[0].mapping.metrics: Value error, unknown metric(s) jono"),
    ({**SQL, "mapping": {**SQL["mapping"], "stations": {"KAJ": "kajaanii"}}},
     "sources[0].mapping.stations.KAJ: unknown station 'kajaanii'"),
    ({**SQL, "mapping": {"layout": "wide"}}, "sources[0].mapping: Value error, layout 'wide' needs 'metrics'"),
    ({**SQL, "mapping": {"timezone": "Helsinki"}}, "sources[0].mapping.timezone: Value error, not a known time zone"),
    ({**REST, "url": "jono.example/api"}, "sources[0].url: Value error, must be an http:// or https:// URL"),
    ({**REST, "auth": {"type": "oauth"}}, "sources[0].auth: Input tag 'oauth' found using 'type' does not match"),
    ({**REST, "pagination": {"type": "page", "size": 0}}, "sources[0].pagination.size: Input should be greater"),
    ({**FILES, "encoding": "latin-9x"}, "sources[0].encoding: Value error, unknown encoding"),
    ({**FILES, "delimiter": ":"}, "sources[0].delimiter: Input should be 'auto'"),
    ({"name": "x", "type": "ftp"}, "sources[0]: Input tag 'ftp' found using 'type' does not match"),
    ({**FILES, "interval_seconds": -5}, "sources[0].interval_seconds: Input should be greater than or equal to 1"),
])
def test_mistakes_are_named_by_file_and_key(config_dir: Path, monkeypatch, source: dict, expected: str):
    monkeypatch.setenv("DW_PASSWORD", "x")
    monkeypatch.setenv("API_TOKEN", "y")
    write(config_dir, source)
    with pytest.raises(ConfigError) as e:
        load_settings(config_dir, "sqlite://")
    assert "sources.yaml: " + expected in str(e.value)


def test_a_missing_secret_names_the_key_and_both_places_to_set_it(config_dir: Path, monkeypatch):
    monkeypatch.delenv("DW_PASSWORD", raising=False)
    write(config_dir, SQL)
    with pytest.raises(ConfigError) as e:
        load_settings(config_dir, "sqlite://")
    message = str(e.value)
    assert "sources.yaml: sources[0].odbc: secret ${DW_PASSWORD} is not set" in message
    assert "environment variable DW_PASSWORD" in message and ".streamlit/secrets.toml" in message


def test_secrets_toml_is_read_and_the_environment_wins(tmp_path: Path):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        'DW_PASSWORD = "from-toml"\nAPI_TOKEN = "toml-token"\n[board]\nNESTED = "in-table"\n', encoding="utf-8")
    lookup = secrets.load_lookup(tmp_path, environ={"API_TOKEN": "env-token"})
    assert lookup["DW_PASSWORD"] == "from-toml" and lookup["API_TOKEN"] == "env-token"
    assert lookup["NESTED"] == "in-table"
    resolved = secrets.resolve({"a": ["PWD=${DW_PASSWORD};", "${NESTED}"], "b": 3}, lookup)
    assert resolved == {"a": ["PWD=from-toml;", "in-table"], "b": 3}


def test_redaction_covers_url_encoded_forms_and_log_records(caplog):
    secrets.register("p@ss word/1")
    assert secrets.redact("postgresql://u:p%40ss%20word%2F1@h/db") == "postgresql://u:***@h/db"
    assert secrets.redact("token=p%40ss+word%2F1") == "token=***"
    handler = logging.StreamHandler()
    handler.addFilter(secrets.RedactingFilter())
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed with %s", ("p@ss word/1",), None)
    handler.filter(record)
    assert record.getMessage() == "failed with ***"
