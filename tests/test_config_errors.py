"""Configuration mistakes stop the start: exit code 2, a message naming the file and the key, no traceback.

Each mistake is tried through the real command line (``collect --once`` and
``serve``, which must refuse before it starts Streamlit) as an administrator
would meet it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Tosi-salainen-" + "7" * 10


def board(config_dir: Path, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOARD_CONFIG_DIR": str(config_dir), "BOARD_DATABASE_URL": db, "CFG_TEST_PW": SECRET,
           "BOARD_PORT": "1"}  # serve must stop before it would bind any port
    env.pop("CFG_MISSING_PW", None)
    return subprocess.run([sys.executable, "-m", "board", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def _source(**kw: object) -> dict[str, object]:
    return {"name": "dw", "type": "sql", "query": "SELECT * FROM t WHERE aika >= :since", **kw}


# (file, how to break it, what stderr must say)
MISTAKES = {
    "unknown station in thresholds": (
        "metrics.yaml", {"station_overrides": {"oulu": {"queue_waiting": {"amber": 5, "red": 10}}}},
        "metrics.yaml: station_overrides.oulu: unknown station"),
    "unknown figure in thresholds": (
        "metrics.yaml", {"thresholds": {"queue_lenght": {"amber": 5, "red": 10}}},
        "metrics.yaml: thresholds: Value error, unknown figure(s) queue_lenght"),
    "thresholds in the wrong order": (
        "metrics.yaml", {"thresholds": {"queue_waiting": {"amber": 30, "red": 10}}},
        "metrics.yaml: thresholds.queue_waiting"),
    "negative interval": (
        "sources.yaml", {"sources": [{"name": "demo", "type": "demo", "interval_seconds": -5}]},
        "sources.yaml: sources[0].interval_seconds: Input should be greater than or equal to 1 (got -5)"),
    "missing secret": (
        "sources.yaml", {"sources": [_source(odbc="Driver={SQLite3};Database=x;PWD=${CFG_MISSING_PW}")]},
        "sources.yaml: sources[0].odbc: secret ${CFG_MISSING_PW} is not set"),
    "invalid rest url": (
        "sources.yaml", {"sources": [{"name": "api", "type": "rest", "url": "https://jono example.fi/api"}]},
        "sources.yaml: sources[0].url: Value error, must be an http:// or https:// URL"),
    "rest url without a host": (
        "sources.yaml", {"sources": [{"name": "api", "type": "rest", "url": "https://[::1/api"}]},
        "sources.yaml: sources[0].url: Value error, is not a valid URL"),
    "invalid sql url (with a secret in it)": (
        "sources.yaml", {"sources": [_source(url="board:${CFG_TEST_PW}@dw/kpi")]},
        "sources.yaml: sources[0]: Value error, url is not a valid SQLAlchemy URL"),
    "unknown station in a source": (
        "sources.yaml", {"sources": [{"name": "demo", "type": "demo", "stations": ["oulu"]}]},
        "sources.yaml: sources[0].stations: unknown station 'oulu'"),
    "stale limit shorter than the interval": (
        "sources.yaml", {"sources": [{"name": "demo", "type": "demo", "interval_seconds": 60,
                                      "stale_after_seconds": 30}]},
        "sources.yaml: sources[0]: Value error, stale_after_seconds (30) must be more than"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_a_configuration_mistake_stops_collect_naming_file_and_key(mistake, config_dir, sqlite_url):
    file, content, message = MISTAKES[mistake]
    (config_dir / file).write_text(yaml.safe_dump(content), encoding="utf-8")
    result = board(config_dir, sqlite_url, "collect", "--once")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("configuration error: ")
    assert str(config_dir / file) in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert SECRET not in result.stderr


@pytest.mark.parametrize("mistake", ["negative interval", "invalid sql url (with a secret in it)"])
def test_serve_refuses_before_starting_the_web_server(mistake, config_dir, sqlite_url):
    file, content, message = MISTAKES[mistake]
    (config_dir / file).write_text(yaml.safe_dump(content), encoding="utf-8")
    result = board(config_dir, sqlite_url, "serve")
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "streamlit" not in (result.stdout + result.stderr).lower()
    assert SECRET not in result.stderr
