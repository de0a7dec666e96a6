"""Two enabled sources that deliver the same figure for one station: named by ``check``, ``collect``, ``status``
and /sources, and the store says which source's reading the wall shows (board/read/overlaps.py).

The case usercheck3 found: an item source's recount of the callback queue (``queue_waiting``) and a queue report's
``Jonossa nyt`` column for Kajaani. Both are real ``files`` sources reading Finnish exports (cp1252, ``;``, a title
line, ``d.m.yyyy h.mm``, a totals line); the expected figures are counted by hand from the rows written here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from board.collector import Collector
from board.domain.items import Item
from board.factory import create_board
from board.read.overlaps import Overlap, SeenOverlap, configured_overlaps, seen_overlaps
from board.read.sources import source_statuses
from board.settings import load_settings
from tests.conftest import pages_reading
from tests.item_exports import CB, files_source, write_export

ROOT = Path(__file__).resolve().parent.parent
HKI = ZoneInfo("Europe/Helsinki")


def _report(folder: Path, rows: list[tuple[str, datetime, str]]) -> None:
    """The queue report as the telephony system's "CSV (semicolon)" export writes it: title line, Finnish
    headers, Helsinki wall-clock times, decimal comma, a totals line; settled ten minutes ago."""
    lines = ["Jonotilanne, ajettu puhelinjärjestelmästä", "", "Asema;Aika;Jonossa nyt;Keskim. odotus"]
    for station, at, waiting in rows:
        local = at.astimezone(HKI)
        lines.append(f"{station};{local.day}.{local.month}.{local.year} {local.hour}.{local.minute:02d};{waiting};"
                     "3,5")
    lines.append(f"Yhteensä;;{len(rows)};")
    path = folder / "jono.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    settled = datetime.now(UTC).timestamp() - 600
    os.utime(path, (settled, settled))


def _queue_report(folder: Path, **extra: object) -> dict:
    return {"name": "jonoraportti", "type": "files", "folder": str(folder), "settle_seconds": 0,
            "interval_seconds": 60, "stale_after_seconds": 3600,
            "mapping": {"layout": "wide", "station": "Asema", "time": "Aika",
                        "metrics": {"Jonossa nyt": "queue_waiting", "Keskim. odotus": "ignore"}}, **extra}


def _write_sources(config_dir: Path, *sources: dict) -> None:
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": list(sources)}), encoding="utf-8")


# ------------------------------------------------------------------ from the configuration alone
def test_the_configuration_names_each_pair_and_the_stations_both_may_serve(config_dir: Path, sqlite_url: str,
                                                                          tmp_path: Path):
    demo_off = {"name": "demo", "type": "demo", "enabled": False, "interval_seconds": 5, "stale_after_seconds": 900,
                "backfill_days": 1, "live_step_seconds": 300}
    passthrough = {"name": "dw", "type": "rest", "url": "http://127.0.0.1:1/kpi",  # the API's own metric names
                   "stations": ["kajaani"]}
    feedback_only = {"name": "palaute", "type": "rest", "url": "http://127.0.0.1:1/nps", "stations": ["kajaani"],
                     "mapping": {"metrics": {"nps": "feedback_promoters_today"}}}
    _write_sources(config_dir, demo_off, files_source("soitot", CB, tmp_path, ["kajaani", "sotkamo"]),
                   _queue_report(tmp_path, stations=["kajaani", "kuhmo"]), passthrough, feedback_only)
    settings = load_settings(config_dir, sqlite_url)
    # callbacks (items) give queue_waiting for kajaani and sotkamo; the report gives it for kajaani and kuhmo.
    # The disabled simulator, the API passing its names through and the feedback source share nothing known.
    assert configured_overlaps(settings) == [Overlap(("soitot", "jonoraportti"), ("queue_waiting",), ("kajaani",))]

    # Neither lists its stations: every station, and said so.
    _write_sources(config_dir, files_source("soitot", CB, tmp_path, None), _queue_report(tmp_path))  # type: ignore[arg-type]
    settings = load_settings(config_dir, sqlite_url)
    [overlap] = configured_overlaps(settings)
    assert overlap.every_station and overlap.stations == tuple(s.code for s in settings.stations)
    assert "any station (neither lists its stations)" in overlap.words()

    # The simulator switched on overlaps the report in the one metric both have.
    demo_on = {**demo_off, "enabled": True}
    _write_sources(config_dir, demo_on, _queue_report(tmp_path, stations=["kuhmo"]))
    assert configured_overlaps(load_settings(config_dir, sqlite_url)) == [
        Overlap(("demo", "jonoraportti"), ("queue_waiting",), ("kuhmo",))]

    # Told apart by stations: no warning.
    _write_sources(config_dir, files_source("soitot", CB, tmp_path, ["sotkamo"]),
                   _queue_report(tmp_path, stations=["kajaani"]))
    assert configured_overlaps(load_settings(config_dir, sqlite_url)) == []


def _cli(*args: str, config_dir: Path, db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOARD_CONFIG_DIR": str(config_dir), "BOARD_DATABASE_URL": db}
    return subprocess.run([sys.executable, "-m", "board", *args], capture_output=True, env=env, cwd=ROOT,
                          text=True, timeout=120)


def test_check_warns_and_keeps_its_exit_status(config_dir: Path, sqlite_url: str, tmp_path: Path):
    inbox, calls = tmp_path / "inbox", tmp_path / "calls"
    inbox.mkdir()
    calls.mkdir()
    _write_sources(config_dir, files_source("soitot", CB, calls, ["kajaani", "sotkamo"], settle_seconds=0),
                   _queue_report(inbox, stations=["kajaani"]))
    result = _cli("check", config_dir=config_dir, db=sqlite_url)
    assert result.returncode == 0, result.stdout + result.stderr  # a warning, not a failure: it may be deliberate
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("warning: sources soitot and jonoraportti both deliver queue_waiting for station "
                                  "kajaani: the wall shows the newer reading")
    assert "enabled: false" in warnings[0] and "'ignore'" in warnings[0]
    # the sources' own lines are unchanged, for the scripts that read them
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["soitot (files)", "jonoraportti (files)"]
    # the collector says it when it starts (its log, on stderr), and collects both
    collect = _cli("collect", "--once", config_dir=config_dir, db=sqlite_url)
    assert collect.returncode == 0, collect.stdout + collect.stderr
    assert "sources soitot and jonoraportti both deliver queue_waiting for station kajaani" in collect.stderr
    # checking one of the others names nothing
    _write_sources(config_dir, files_source("soitot", CB, calls, ["kajaani", "sotkamo"], settle_seconds=0),
                   _queue_report(inbox, stations=["kajaani"]),
                   {**_queue_report(inbox, stations=["kuhmo"]), "name": "kuhmo-jono"})
    one = _cli("check", "kuhmo-jono", config_dir=config_dir, db=sqlite_url)
    assert "warning" not in one.stderr, one.stderr


# ------------------------------------------------------------------ at run time
@pytest.fixture
def overlapping(config_dir: Path, sqlite_url: str, tmp_path: Path):
    """Both sources collected: the callbacks' recount, then the report with a row at the same minute."""
    inbox, calls = tmp_path / "inbox", tmp_path / "calls"
    inbox.mkdir()
    calls.mkdir()
    # A minute in the past, on the minute (the report writes minutes): both sources write a reading at it.
    moment = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    # Kajaani's callbacks: three asked for, one handled -> 2 waiting at the moment.
    write_export(calls, CB, [
        Item(CB, "SP-1001", "kajaani", moment - timedelta(minutes=95)),
        Item(CB, "SP-1002", "kajaani", moment - timedelta(minutes=71),
             moment - timedelta(minutes=33), outcome="resolved"),
        Item(CB, "SP-1003", "kajaani", moment - timedelta(minutes=52)),
    ], "takaisinsoitot.csv")
    # The queue report: Kajaani 7 waiting at the same minute (and 5 a quarter earlier).
    _report(inbox, [("kajaani", moment - timedelta(minutes=15), "5"), ("kajaani", moment, "7")])
    _write_sources(config_dir, files_source("soitot", CB, calls, ["kajaani", "sotkamo"], settle_seconds=0),
                   _queue_report(inbox, stations=["kajaani"]))
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        Collector(board.settings, board.store, clock=lambda: moment).run_once(only="soitot")
        Collector(board.settings, board.store, clock=lambda: moment).run_once(only="jonoraportti")
        yield board, moment


def test_the_store_says_which_source_the_wall_shows(overlapping):
    board, moment = overlapping
    settings, store = board.settings, board.store
    now = moment + timedelta(seconds=30)
    # The report was written last at the shared minute: its 7 is the reading, and it says so.
    shown = store.latest_values("kajaani")["queue_waiting"]
    assert (shown.ts, shown.value, shown.source) == (moment, 7.0, "jonoraportti")
    assert seen_overlaps(settings, store, source_statuses(settings, store, now)) == [
        SeenOverlap(("soitot", "jonoraportti"), "queue_waiting", ("kajaani",), "jonoraportti")]
    # The callbacks counted again (a pull with no new file re-counts at its moment): their 2 replaces it, and
    # the store names the source that wrote it.
    Collector(settings, store, clock=lambda: moment).run_once(only="soitot")
    shown = store.latest_values("kajaani")["queue_waiting"]
    assert (shown.ts, shown.value, shown.source) == (moment, 2.0, "soitot")
    assert [o.shown for o in seen_overlaps(settings, store, source_statuses(settings, store, now))] == ["soitot"]
    # Sotkamo has callbacks only (0 waiting): one source, no overlap there. Once the report's readings are older
    # than its stale_after_seconds, nothing overlaps now.
    later = moment + timedelta(seconds=3601)
    assert seen_overlaps(settings, store, source_statuses(settings, store, later)) == []


def test_status_names_the_overlap(overlapping, config_dir: Path, sqlite_url: str):
    import json

    result = _cli("status", "--json", config_dir=config_dir, db=sqlite_url)
    overlaps = json.loads(result.stdout)["overlaps"]
    assert overlaps == [{"metric": "queue_waiting", "sources": ["soitot", "jonoraportti"], "stations": ["kajaani"],
                         "shown": "jonoraportti"}]
    text = _cli("status", "--station", "sotkamo", config_dir=config_dir, db=sqlite_url).stdout
    assert "overlap:" not in text  # only kajaani's figure is delivered twice
    text = _cli("status", "--station", "kajaani", config_dir=config_dir, db=sqlite_url).stdout
    assert ("overlap: queue_waiting at kajaani: fresh readings from soitot and jonoraportti; the wall shows "
            "jonoraportti's") in text
    check = _cli("check", config_dir=config_dir, db=sqlite_url)
    assert ("warning: now in the store: queue_waiting at kajaani: fresh readings from soitot and jonoraportti; "
            "the wall shows jonoraportti's") in check.stderr.splitlines()


@pytest.mark.parametrize(("lang", "words"), [
    ("fi", ("Sama luku useammasta lähteestä", "Lähteet soitot ja jonoraportti toimittavat kumpikin: odottaa nyt "
            "(queue_waiting). Asemat: Kajaanin terveysasema (kajaani).", "Nyt: luvulla odottaa nyt (queue_waiting) on "
            "asemilla Kajaanin terveysasema (kajaani) "
            "tuore lukema lähteistä soitot ja jonoraportti; seinällä näkyy lähteen jonoraportti lukema.")),
    ("sv", ("Samma tal från flera källor", "Källorna soitot och jonoraportti levererar båda: väntar nu "
            "(queue_waiting). Stationer: Kajaanin terveysasema (kajaani).",
            "väggen visar avläsningen från jonoraportti.")),
    ("en", ("The same figure from more than one source", "Sources soitot and jonoraportti both deliver: waiting now "
            "(queue_waiting). Stations: Kajaanin terveysasema (kajaani).",
            "has fresh readings from soitot and jonoraportti; the wall shows the reading from jonoraportti.")),
])
def test_sources_page_shows_both_and_which_the_wall_shows(overlapping, lang: str, words: tuple[str, ...]):
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    html = "".join(h.value for h in at.html)
    block = re.search(r'<div class="src-overlaps".*?</div>', html, re.S)
    assert block is not None, html[:2000]
    text = block.group(0)
    assert re.findall(r'data-overlap="(\w+)" data-sources="([^"]+)"', text) == [
        ("configured", "soitot jonoraportti"), ("seen", "soitot jonoraportti")]
    assert 'data-shown="jonoraportti"' in text
    for w in words:
        assert escape(w) in text, (w, text)
    assert "enabled: false" in text


def test_sources_page_without_an_overlap_has_no_block(config_dir: Path, sqlite_url: str, tmp_path: Path):
    _write_sources(config_dir, _queue_report(tmp_path, stations=["kajaani"]))
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")):
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        assert '<div class="src-overlaps"' not in "".join(h.value for h in at.html)
