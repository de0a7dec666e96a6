"""The administrator's view of sources: health judged from the store, shown worst first, secrets never shown."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from board import secrets
from board.collector import Collector
from board.domain.reading import Reading, Rejected
from board.domain.source_health import RunFacts, SourceHealth, judge
from board.factory import create_board
from board.read.sources import source_statuses
from board.settings import load_settings
from board.store import Store
from connectors.base import CheckResult
from connectors.errors import ConfigurationError
from tests.conftest import pages_reading

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


# ------------------------------------------------------------------ the pure judgement
def _judge(last_ok: bool | None = True, run_age: float = 10, data_age: float | None = 30, enabled: bool = True):
    run = None if last_ok is None else RunFacts(NOW - timedelta(seconds=run_age + 1),
                                                NOW - timedelta(seconds=run_age), last_ok)
    newest = None if data_age is None else NOW - timedelta(seconds=data_age)
    return judge(enabled=enabled, interval_seconds=30, stale_after_seconds=300, last_run=run, newest_reading=newest,
                 now=NOW)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, SourceHealth.OK),
    ({"last_ok": False}, SourceHealth.FAILING),
    ({"last_ok": False, "run_age": 3600}, SourceHealth.FAILING),  # failing says more than late
    ({"run_age": 121}, SourceHealth.LATE),                         # 2 x 30 s + 60 s grace passed
    ({"run_age": 119}, SourceHealth.OK),
    ({"data_age": 301}, SourceHealth.STALE),
    ({"data_age": None}, SourceHealth.STALE),                      # runs fine, delivers nothing
    ({"last_ok": None}, SourceHealth.NEVER),
    ({"enabled": False, "last_ok": False}, SourceHealth.DISABLED),
])
def test_judge(kwargs, expected):
    assert _judge(**kwargs) is expected


# ------------------------------------------------------------------ from a real store
class FakeConnector:
    def __init__(self, name, items=(), error=None):
        self.name, self.items, self.error = name, list(items), error

    def pull(self, since, until):
        if self.error:
            raise self.error
        yield from self.items

    def check(self, until):
        return CheckResult(True, "ok", "fake")


def write_sources(config_dir: Path, *extra: dict) -> None:
    demo = {"name": "demo", "type": "demo", "interval_seconds": 5, "stale_after_seconds": 900, "seed": 7,
            "backfill_days": 1, "history_step_minutes": 60, "live_step_seconds": 300}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [demo, *extra]}), encoding="utf-8")


QUEUE_API = {"name": "queue-api", "type": "rest", "url": "http://127.0.0.1:1/api", "interval_seconds": 30,
             "stale_after_seconds": 600, "stations": ["kajaani", "sotkamo"],
             "mapping": {"metrics": {"jono": "queue_waiting"}}}
NEVER = {"name": "later", "type": "rest", "url": "http://127.0.0.1:1/x", "interval_seconds": 30,
         "stale_after_seconds": 600}


def test_statuses_worst_first_with_reasons_and_freshness(config_dir: Path, sqlite_url: str):
    write_sources(config_dir, QUEUE_API, NEVER)
    settings = load_settings(config_dir, sqlite_url)
    store = Store.open(sqlite_url)
    fresh = NOW - timedelta(minutes=2)
    good = FakeConnector("queue-api", [Reading("kajaani", "queue_waiting", fresh, 3.0),
                                       Rejected("unknown station 'OUL'"), Rejected("unknown station 'OUL'")])
    Collector(settings, store, connectors={"queue-api": good}, clock=lambda: NOW).run_once(only="queue-api")
    broken = FakeConnector("queue-api", error=ConfigurationError("the API refused the credentials (HTTP 401)"))
    Collector(settings, store, connectors={"queue-api": broken}, clock=lambda: NOW + timedelta(seconds=30),
              sleep=lambda s: None).run_once(only="queue-api")
    Collector(settings, store, clock=lambda: NOW).run_once(only="demo")

    statuses = source_statuses(settings, store, now=NOW + timedelta(seconds=40))
    assert [(s.source.name, s.health) for s in statuses] == [
        ("queue-api", SourceHealth.FAILING), ("later", SourceHealth.NEVER), ("demo", SourceHealth.OK)]
    api = statuses[0]
    assert api.last_run is not None and api.last_run.error == "the API refused the credentials (HTTP 401)"
    assert api.last_run.error_kind == "configuration" and api.consecutive_failures == 1
    assert api.last_success == NOW  # the earlier, successful run
    assert api.day_rejects == {"unknown station 'OUL'": 2}
    assert set(api.freshness) == {"kajaani", "sotkamo"}  # only this source's stations
    assert api.freshness["kajaani"]["queue_waiting"].ts == fresh and api.freshness["kajaani"]["queue_waiting"].fresh
    assert api.freshness["sotkamo"]["queue_waiting"].ts is None
    families = api.family_freshness("kajaani")
    assert families["queue"] is not None and families["contacts"] is None  # contacts do not come from this API


# ------------------------------------------------------------------ the page
@pytest.fixture
def page_env(monkeypatch, config_dir: Path, sqlite_url: str, tmp_path: Path):
    empty = tmp_path / "dw.sqlite"
    sqlite3.connect(empty).close()
    secret = "Salasana-1234-xyz"
    monkeypatch.setenv("DW_PASSWORD", secret)
    write_sources(config_dir, {
        "name": "dw", "type": "sql", "interval_seconds": 30, "stale_after_seconds": 600,
        "odbc": "Driver={ODBC Driver 18 for SQL Server};Server=dw.example;UID=board;PWD=${DW_PASSWORD}",
        "query": "SELECT asema, aika, jonossa FROM jono WHERE aika >= :since",
        "mapping": {"layout": "wide", "station": "asema", "time": "aika", "metrics": {"jonossa": "queue_waiting"}},
    })
    # Sign-in off: content tests; access: test_access_pages.py
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        settings, store = board.settings, board.store
        leaky = FakeConnector("dw", error=ConfigurationError(f"login failed for user 'board' with password {secret}"))
        Collector(settings, store, connectors={"dw": leaky}).run_once(only="dw")
        Collector(settings, store).run_once()  # the real connectors: demo works, dw has no such ODBC driver
        yield store, secret


def test_sources_page_puts_the_failing_source_first_in_words(page_env):
    store, secret = page_env
    at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    html = "".join(h.value for h in at.html)
    assert '<div class="src-summary" data-ok="1" data-total="2">' in html
    cards = re.findall(r'data-source="([^"]+)" data-health="([a-z]+)"', html)
    assert cards == [("dw", "failing"), ("demo", "ok")]
    assert "ODBC driver &#x27;ODBC Driver 18 for SQL Server&#x27; is not installed" in html
    assert "asetusvirhe" in html and "2 kertaa peräkkäin" in html
    assert "SQL-tietokanta" in html and "Demo (simulaattori)" in html
    # The secret was in an error message once: masked when recorded, never on the page.
    assert secret not in html and all(secret not in (r.error or "") for r in store.runs("dw"))
    assert any("***" in (r.error or "") for r in store.runs("dw"))
    titles = [e.label for e in at.expander]
    assert titles == ["Tuoreus ja viimeisimmät haut"] * 2  # no rejected rows: no rejects table


def test_sources_page_in_english_shows_the_freshness_grid(page_env):
    at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    html = "".join(h.value for h in at.html)
    assert "Data sources" in at.title[0].value and "1/2 sources working" in html
    grids = [h.value for h in at.html if '<table class="fresh-grid"' in h.value]
    assert len(grids) == 2  # one per source, in card order: dw (failing) first, demo last
    dw_row = re.search(r'<tr data-station="kajaani">.*?</tr>', grids[0]).group(0)
    demo_row = re.search(r'<tr data-station="kajaani">.*?</tr>', grids[1]).group(0)
    # the demo feeds all four tiles of a station; access to care and employee feedback (the managers' columns)
    # come from real sources only
    assert demo_row.count('data-fresh="fresh"') == 4 and demo_row.count('data-fresh="none"') == 2, demo_row
    assert dw_row.count('data-fresh="missing"') == 1 and dw_row.count('data-fresh="none"') == 5


@pytest.fixture(autouse=True)
def _forget_secrets():
    yield
    secrets._known.clear()


def test_rejected_rows_are_listed_with_their_reasons(page_env, config_dir: Path, sqlite_url: str):
    store, _secret = page_env
    settings = load_settings(config_dir, sqlite_url)
    now = datetime.now(UTC)
    rows = FakeConnector("dw", [Reading("kajaani", "queue_waiting", now, 3.0),
                                Rejected("queue_waiting: '12,5x' is not a number")])
    Collector(settings, store, connectors={"dw": rows}).run_once(only="dw")
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [e.label for e in at.expander].count("Hylätyt rivit 24 h (1)") == 1
    table = next(d.value for d in at.dataframe if "Syy" in d.value.columns)
    assert table.iloc[0].tolist() == ["queue_waiting: '12,5x' is not a number", 1]
    html = "".join(h.value for h in at.html)
    assert ("dw", "ok") in re.findall(r'data-source="([^"]+)" data-health="([a-z]+)"', html)
