"""A run whose write fails: its ledger says nothing was stored, and why; the next run stores the rows.

Found in session 16: a run's ledger counted a row as *stored* once it passed the checks, before the write. When
the write then failed, the run was recorded as failed but said "stored 6", and a push was answered ``ok: false``
with "stored 6", while nothing was in the store. Now such rows are *not written* (board/domain/ledger.py), and
read = stored + refused + ignored + not written.

The failures are real, made by the PostgreSQL server itself (the shared server, a schema of the test's own): a
trigger on the table written that terminates its own connection mid-write (``pg_terminate_backend``, as an
administrator or a failover does), or that aborts the write as a deadlock (SQLSTATE 40P01) on every try, so the
store's retries run out. The truths are counted from the test's own rows: 6 rows sent, 6 readings each one.
For each kind of source (pulled, push, files, items) the failed run's record, the push's answer, ``board status``
and the /sources page must say that nothing was stored and why; the next run (trigger gone) stores all six, once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import text

from board.cli_status import _print_sources, _source_record
from board.collector import Collector
from board.domain.ledger import RowLedger
from board.domain.reading import ONE_ROW, Reading
from board.domain.runs import Run
from board.environment import read_environment
from board.factory import create_board
from board.read.sources import source_statuses
from board.settings import load_settings
from board.store import Store
from board.web.sources_html import render_card, runs_table
from tests.api_support import api_server
from tests.conftest import write_config
from tests.test_push_api import OTHER, TOKEN, push_config

pytestmark = pytest.mark.postgres

KEY = "test-item-key-0123456789abcdef"
KILL = "BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END"
DEADLOCK = "BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END"


def break_writes(store: Store, table: str, body: str) -> None:
    """Every insert into ``table`` fails, by the server's own hand (``body``: KILL or DEADLOCK)."""
    with store.engine.begin() as conn:
        conn.execute(text(f"CREATE FUNCTION fail_write() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"))
        conn.execute(text(f"CREATE TRIGGER fail_write BEFORE INSERT ON {table} FOR EACH ROW "
                          "EXECUTE FUNCTION fail_write()"))


def mend_writes(store: Store, table: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(f"DROP TRIGGER fail_write ON {table}"))
        conn.execute(text("DROP FUNCTION fail_write()"))


def count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def settings_for(tmp_path: Path, url: str, source: dict[str, Any]):  # type: ignore[no-untyped-def]
    config = write_config(tmp_path / "config")
    base = {"interval_seconds": 30, "stale_after_seconds": 600, "stations": ["kajaani", "sotkamo"]}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [{**base, **source}]}, allow_unicode=True),
                                         encoding="utf-8")
    return load_settings(config, url, read_environment({"BOARD_ITEM_KEY": KEY}))


def assert_failed_and_unwritten(run: Run, read: int = 6) -> None:
    """The failed run's record: nothing stored, every row read accounted for as not written, and why."""
    assert not run.ok
    assert (run.rows_read, run.rows_stored) == (read, 0), "a failed write's rows were counted as stored"
    assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored, run.rows_unwritten) == (
        read, 0, 0, 0, read)
    assert run.unaccounted == 0  # read = stored + refused + ignored + not written
    assert run.error  # why: the database's own words


def what_admins_see(settings, store: Store, name: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, str, dict]:  # type: ignore[no-untyped-def]
    """The /sources card (English and Finnish) and ``board status``'s text and JSON record for source ``name``."""
    [status] = [s for s in source_statuses(settings, store, datetime.now(UTC)) if s.source.name == name]
    card = render_card(status, "en") + render_card(status, "fi")
    table = runs_table(status, "en")
    assert table["Not written"].iloc[0] == 6 and table["Stored"].iloc[0] == 0
    record = _source_record(status)
    capsys.readouterr()
    _print_sources([record])
    return card, capsys.readouterr().out, record


def assert_said_everywhere(card: str, printed: str, record: dict, why: str) -> None:
    assert "stored 0" in card and "not written 6" in card  # the run's line (en)
    assert "tallennettu 0" in card and "ei kirjoitettu 6" in card  # (fi)
    assert 'data-unwritten="6"' in card and "none of them was stored" in card
    assert why in card
    last = record["last_run"]
    assert (last["rows_read"], last["rows_stored"], last["rows_unwritten"], last["ok"]) == (6, 0, 6, False)
    assert "read 6 = stored 0 + refused 0 + ignored 0 + not written 6" in printed
    assert "FAILED" in printed and why in printed


# ------------------------------------------------------------------ the rule itself
def test_rows_settled_after_the_last_commit_are_not_written_when_the_run_fails() -> None:
    led = RowLedger()
    for _ in range(4):
        led.readings(2)
        led.rows_read(1)
    led.committed()  # the first four rows' batch committed
    for _ in range(3):
        led.readings(1)
        led.rows_read(1)
    led.refused(1)
    led.rows_read(1)
    out = led.finish(written=False)
    assert (out.rows_read, out.rows_stored, out.rows_refused, out.rows_unwritten) == (8, 4, 1, 3)
    assert out.unaccounted == 0
    ok = RowLedger()
    ok.readings(1)
    ok.rows_read(1)
    ok.committed()
    assert ok.finish(written=True).rows_unwritten == 0


# ------------------------------------------------------------------ a pulled source
class Export:
    """A pulled source's six rows (one a station each, two readings a row), newer than ``since`` only."""

    name = "dw"

    def __init__(self, now: datetime) -> None:
        self.times = [now - timedelta(minutes=10 * n) for n in range(1, 4)]

    def pull(self, since, until):  # type: ignore[no-untyped-def]
        for t in self.times:
            for station in ("kajaani", "sotkamo"):
                if since is None or t > since:
                    yield Reading(station, "queue_waiting", t, 3.0)
                    yield Reading(station, "queue_oldest_wait_min", t, 12.0)
                    yield ONE_ROW


@pytest.mark.parametrize("failure", ["killed", "deadlock"])
def test_a_pulled_sources_failed_write_stores_nothing_and_says_so(
        tmp_path: Path, postgres_url: str, failure: str, capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_for(tmp_path, postgres_url, {"name": "dw", "type": "rest", "url": "http://127.0.0.1:1/x"})
    store = Store.open(postgres_url)
    try:
        collector = Collector(settings, store, sleep=lambda _s: None, backoff_seconds=0)
        collector.connectors["dw"] = Export(datetime.now(UTC))
        break_writes(store, "readings", KILL if failure == "killed" else DEADLOCK)
        [failed] = collector.run_once(only="dw")
        assert not failed.ok and failed.rows == 0
        assert count(store, "readings") == 0
        [run] = store.runs("dw", limit=1)
        assert_failed_and_unwritten(run)
        assert store.bookmark("dw") is None  # not moved: the next run reads the same rows
        why = "the connection is lost" if failure == "killed" else "deadlock detected"
        assert why in (run.error or "")
        card, printed, record = what_admins_see(settings, store, "dw", capsys)
        assert_said_everywhere(card, printed, record, why)

        mend_writes(store, "readings")
        [again] = collector.run_once(only="dw")
        assert again.ok and again.rows == 12
        [run2, _] = store.runs("dw", limit=2)
        assert (run2.rows_read, run2.rows_stored, run2.rows_unwritten) == (6, 6, 0)
        assert count(store, "readings") == 12  # the six rows' twelve readings, once
        assert store.bookmark("dw") is not None  # moved by the run that stored
        [third] = collector.run_once(only="dw")  # the lookback re-reads the newest rows: the store keeps them once
        assert third.ok
        assert count(store, "readings") == 12
    finally:
        store.dispose()


# ------------------------------------------------------------------ a push
def test_a_push_whose_write_fails_is_answered_stored_0_not_written_6(
        tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    board = create_board(push_config(tmp_path), postgres_url, environ={"JONO_TOKEN": TOKEN, "MUU_TOKEN": OTHER})
    now = datetime.now(UTC)
    body = [{"asema": station, "mittari": "queue_waiting", "aika": (now - timedelta(minutes=m)).isoformat(),
             "arvo": m} for station in ("kajaani", "sotkamo") for m in (3, 2, 1)]
    try:
        with api_server(board) as api:
            def send() -> httpx.Response:
                return httpx.post(f"{api}/push/jono", content=json.dumps(body),
                                  headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
                                  timeout=60)

            break_writes(board.store, "readings", KILL)
            answer = send()
            got = answer.json()
            assert got["ok"] is False and answer.status_code != 200
            assert got["rows"] == {"read": 6, "stored": 0, "refused": 0, "ignored": 0}
            assert got["rows_not_written"] == 6
            assert "not written 6" in got["ledger"] and "stored 0" in got["ledger"]
            assert "the connection is lost" in got["error"]
            assert count(board.store, "readings") == 0
            [run] = board.store.runs("jono", limit=1)
            assert_failed_and_unwritten(run)
            card, printed, record = what_admins_see(board.settings, board.store, "jono", capsys)
            assert_said_everywhere(card, printed, record, "the connection is lost")
            assert "must be sent again" in card  # a push is not pulled again: its sender sends it again

            mend_writes(board.store, "readings")
            again = send().json()
            assert again["ok"] is True
            assert again["rows"] == {"read": 6, "stored": 6, "refused": 0, "ignored": 0}
            assert again["rows_not_written"] == 0
            assert count(board.store, "readings") == 6
    finally:
        board.close()


# ------------------------------------------------------------------ a files source
def export_lines(now: datetime) -> bytes:
    """A Finnish reporting export as Excel writes it: cp1252, ';', decimal commas, d.m.yyyy h.mm."""
    lines = ["Asema;Aika;Jonossa;Vanhin"]
    for n in range(3):
        t = (now - timedelta(minutes=10 * (n + 1))).astimezone(UTC).replace(tzinfo=None)
        for station in ("kajaani", "sotkamo"):
            lines.append(f"{station};{t.day}.{t.month}.{t.year} {t.hour}.{t.minute:02d};{n + 1};{n + 2},5")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def test_a_files_sources_failed_write_keeps_the_file_and_stores_nothing(
        tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = settings_for(tmp_path, postgres_url, {
        "name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
        "mapping": {"timezone": "UTC", "layout": "wide", "station": "Asema", "time": "Aika",
                    "metrics": {"Jonossa": "queue_waiting", "Vanhin": "queue_oldest_wait_min"}}})
    (inbox / "jonot.csv").write_bytes(export_lines(datetime.now(UTC)))
    store = Store.open(postgres_url)
    try:
        collector = Collector(settings, store, sleep=lambda _s: None, backoff_seconds=0)
        break_writes(store, "readings", KILL)
        [failed] = collector.run_once(only="vienti")
        assert not failed.ok, failed.rejects
        [run] = store.runs("vienti", limit=1)
        assert_failed_and_unwritten(run)
        assert count(store, "readings") == 0
        assert (inbox / "jonot.csv").exists()  # not acknowledged: the next run reads it again
        card, printed, record = what_admins_see(settings, store, "vienti", capsys)
        assert_said_everywhere(card, printed, record, "the connection is lost")

        mend_writes(store, "readings")
        [again] = collector.run_once(only="vienti")
        assert again.ok and again.run is not None
        assert (again.run.rows_read, again.run.rows_stored, again.run.rows_unwritten) == (6, 6, 0)
        assert count(store, "readings") == 12
        assert not (inbox / "jonot.csv").exists()  # acknowledged now: moved to processed/
        [third] = collector.run_once(only="vienti")
        assert third.ok and count(store, "readings") == 12  # the file is not read a third time
    finally:
        store.dispose()


# ------------------------------------------------------------------ an items source
def feedback_drop(tmp_path: Path, postgres_url: str, answered: list[datetime], comment: str) -> tuple[Path, Any]:
    """A drop folder holding the feedback system's export of one answer per moment in ``answered`` (cp1252,
    ``;``, Finnish dates, a free-text column), and the settings of a files source delivering them as items."""
    folder = tmp_path / "drop"
    folder.mkdir()
    lines = ["Vastaus-ID;Yksikkö;Päivämäärä;Suositteluhalukkuus;Vaatii reagointia;Vapaa palaute"]
    lines += [f"P{n:04d};Kajaanin terveysasema;{t.replace(tzinfo=None):%d.%m.%Y %H.%M};{9 - n};Ei;{comment}"
              for n, t in enumerate(answered)]
    (folder / "palaute.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    settings = settings_for(tmp_path, postgres_url, {
        "name": "palaute", "type": "files", "folder": str(folder), "settle_seconds": 0,
        "mapping": {"timezone": "UTC", "stations": {"Kajaanin terveysasema": "kajaani"}},
        "deliver": "items",
        "items": {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Vastaus-ID", "station": "Yksikkö", "start": "Päivämäärä",
                             "score": "Suositteluhalukkuus", "needs_reaction": "Vaatii reagointia"}}})
    return folder, settings


def test_an_items_sources_failed_write_stores_no_item_and_says_so(
        tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Feedback answers from a drop folder, as the feedback system exports them; the items' write is killed."""
    now = datetime.now(UTC)
    folder, settings = feedback_drop(tmp_path, postgres_url, [now - timedelta(minutes=5 * (n + 1)) for n in range(6)],
                                     comment="Kiitos")
    store = Store.open(postgres_url)
    try:
        collector = Collector(settings, store, sleep=lambda _s: None, backoff_seconds=0)
        break_writes(store, "items", KILL)
        [failed] = collector.run_once(only="palaute")
        assert not failed.ok
        [run] = store.runs("palaute", limit=1)
        assert_failed_and_unwritten(run)
        assert store.item_count("palaute") == 0
        assert (folder / "palaute.csv").exists()
        card, printed, record = what_admins_see(settings, store, "palaute", capsys)
        assert_said_everywhere(card, printed, record, "the connection is lost")

        mend_writes(store, "items")
        [again] = collector.run_once(only="palaute")
        assert again.ok and again.run is not None, again.error
        assert (again.run.rows_read, again.run.rows_stored, again.run.rows_unwritten) == (6, 6, 0)
        assert store.item_count("palaute") == 6
    finally:
        store.dispose()


def test_an_items_first_load_whose_figures_fail_is_loaded_again_with_its_history(
        tmp_path: Path, postgres_url: str) -> None:
    """The items commit, then the figures' write is killed: before, the next run found the items unchanged and
    counted only its own moment (the six answers' instants never got figures). Now the failed first load's items
    are removed and the next run loads them again, counting every answer's instant (the truth: the file's times)."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    answered = [now - timedelta(minutes=50 * (n + 1)) for n in range(6)]
    _folder, settings = feedback_drop(tmp_path, postgres_url, answered, comment="")
    store = Store.open(postgres_url)
    try:
        collector = Collector(settings, store, sleep=lambda _s: None, backoff_seconds=0)
        break_writes(store, "readings", KILL)
        [failed] = collector.run_once(only="palaute")
        assert not failed.ok and failed.run is not None
        assert (failed.run.rows_stored, failed.run.rows_unwritten) == (0, 6)
        assert store.item_count("palaute") == 0  # undone: "stored 0" is true of the items too
        mend_writes(store, "readings")
        [again] = collector.run_once(only="palaute")
        assert again.ok, again.error
        with store.engine.connect() as conn:
            instants = {r[0] for r in conn.execute(text(
                "SELECT DISTINCT r.ts FROM readings r JOIN series s ON s.id = r.series WHERE s.station = 'kajaani'"))}
        counted = {t.replace(tzinfo=UTC) if t.tzinfo is None else t for t in instants}
        assert set(answered) <= counted, sorted(set(answered) - counted)
    finally:
        store.dispose()
