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
from board.domain.reading import ONE_ROW, Ignored, Reading, Rejected, RowsRead
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


def write_sources(config_dir: Path, *extra: dict, backfill_days: int = 1) -> None:
    demo = {"name": "demo", "type": "demo", "interval_seconds": 5, "stale_after_seconds": 900, "seed": 7,
            "backfill_days": backfill_days, "history_step_minutes": 60, "live_step_seconds": 300}
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
    }, backfill_days=8)
    # Eight days back: the demo states the managers' figures at the end of each open day (fresh for eight days),
    # and with one day back the real clock's Sunday, Monday morning or a day after a holiday had no open day
    # ended in the pull, so the freshness grid lost those columns then (found by a clock sweep). The longest
    # closed run (Christmas or Easter and a weekend) is four days.
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
    # the demo feeds all four tiles of a station and the managers' columns (access to care and employee
    # feedback, stated at each day's end: fresh for eight days, connectors/demo_managers.py)
    assert demo_row.count('data-fresh="fresh"') == 6 and demo_row.count('data-fresh="none"') == 0, demo_row
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
    # A run that refused something is a warning, with the count and the first reason (this connector counts no
    # rows: the count is of refusals).
    assert ("dw", "partial") in re.findall(r'data-source="([^"]+)" data-health="([a-z]+)"', html)
    assert "Osa tiedoista hylätty: 1 hylkäystä" in html and "12,5x" in html


# ------------------------------------------------------------------ the run ledger on the page
def _ledger_page(config_dir: Path, sqlite_url: str, *runs: list, at_times: list[datetime] | None = None,
                 kind: dict | None = None) -> str:
    """The Sources page (Finnish) after the fake source ``dw`` ran once per item list in ``runs``."""
    write_sources(config_dir, {"name": "dw", "interval_seconds": 30, "stale_after_seconds": 600,
                               "stations": ["kajaani"],
                               **(kind or {"type": "rest", "url": "http://127.0.0.1:1/x"})})
    now = datetime.now(UTC)
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        for i, items in enumerate(runs):
            when = (at_times or [now] * len(runs))[i]
            Collector(board.settings, board.store, connectors={"dw": FakeConnector("dw", items)},
                      clock=lambda when=when: when).run_once(only="dw")
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        return "".join(h.value for h in at.html)


def _rows(now: datetime, good: int, bad: int) -> list:
    """``good`` rows of one reading each and ``bad`` refused rows, each followed by ONE_ROW (as sql/rest do)."""
    items: list = []
    for i in range(good):
        items += [Reading("kajaani", "queue_waiting", now - timedelta(minutes=good - i), float(i % 30)), ONE_ROW]
    for i in range(bad):
        items += [Rejected(f"queue_waiting: '{i},5x' is not a number"), ONE_ROW]
    return items


def test_a_run_that_refused_rows_is_a_warning_with_its_counts_and_first_reasons(config_dir: Path, sqlite_url: str):
    now = datetime.now(UTC)
    html = _ledger_page(config_dir, sqlite_url, _rows(now, 80, 2))
    assert re.findall(r'data-source="([^"]+)" data-health="([a-z]+)"', html)[0] == ("dw", "partial")
    assert "Osa hylätty" in html  # the badge
    assert "Osa riveistä hylätty: 2 / 82" in html
    assert "luettu 82 · tallennettu 80 · hylätty 2 · ohitettu 0 · 80 lukemaa" in html
    assert "Ensimmäiset syyt" in html and "&#x27;0,5x&#x27; is not a number (1)" in html
    assert "Ei uutta tietoa" not in html


def test_the_warning_stays_through_runs_that_read_nothing_and_beats_no_new_data(config_dir: Path, sqlite_url: str):
    """A files run that refused a file, then runs finding no file: still a warning, not "Ei uutta tietoa"
    (the readings are old, so without the refusal the source would be stale)."""
    now = datetime.now(UTC)
    old = now - timedelta(hours=3)
    refused_file = [Rejected("file b.csv line 3: queue_waiting: '12,5x' is not a number", rows=40), RowsRead(40)]
    html = _ledger_page(config_dir, sqlite_url, _rows(old, 3, 0), refused_file, [], [],
                        at_times=[old, now - timedelta(seconds=40), now - timedelta(seconds=20), now],
                        kind={"type": "files", "folder": str(config_dir)})
    assert re.findall(r'data-source="([^"]+)" data-health="([a-z]+)"', html)[0] == ("dw", "partial")
    assert "Osa riveistä hylätty: 40 / 40" in html and "b.csv line 3" in html
    assert "Ei uutta tietoa" not in html


def test_rows_that_do_not_add_up_are_reported_not_hidden(config_dir: Path, sqlite_url: str):
    """A connector that says it read 5 rows but accounts for 3: the page says 2 rows are unexplained."""
    now = datetime.now(UTC)
    miscount = [Reading("kajaani", "queue_waiting", now - timedelta(minutes=1), 3.0),
                Ignored("line 4", "totals row (Yhteensä)"), Rejected("line 5: not a number"), RowsRead(5)]
    html = _ledger_page(config_dir, sqlite_url, miscount)
    assert re.findall(r'data-source="([^"]+)" data-health="([a-z]+)"', html)[0] == ("dw", "partial")
    assert 'data-unaccounted="2"' in html
    assert "Rivit eivät täsmää: luettu 5, mutta tallennettu + hylätty + ohitettu = 3 (2 riviä ilman selitystä)" in html


def test_failures_in_a_row_are_counted_past_the_listed_history(config_dir: Path, sqlite_url: str):
    """36 failed pulls after a good one say 36 (the page lists the newest 20 runs; it once said 20)."""
    write_sources(config_dir, QUEUE_API, NEVER)
    settings = load_settings(config_dir, sqlite_url)
    store = Store.open(sqlite_url)
    good = FakeConnector("queue-api", [Reading("kajaani", "queue_waiting", NOW - timedelta(minutes=2), 3.0)])
    Collector(settings, store, connectors={"queue-api": good}, clock=lambda: NOW).run_once(only="queue-api")
    broken = FakeConnector("queue-api", error=ConfigurationError("the API refused the credentials (HTTP 401)"))
    for i in range(1, 37):
        Collector(settings, store, connectors={"queue-api": broken}, clock=lambda i=i: NOW + timedelta(minutes=i),
                  sleep=lambda s: None).run_once(only="queue-api")
    api = next(s for s in source_statuses(settings, store, now=NOW + timedelta(minutes=37))
               if s.source.name == "queue-api")
    assert api.consecutive_failures == 36 and len(api.recent_runs) == 20
    store.dispose()
