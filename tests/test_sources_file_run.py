"""/sources for a files source whose newest pull found no file: the run that read the last file stays in view.

The evidence run's card said "Viimeisin haku klo 4.46: 40 lukemaa" (a pull with no new file, re-counting)
while the run that read the file (read 101 · stored 100 · ignored 1) was only in the collapsed runs table.
Here the real files connector reads a Finnish export (cp1252, ``;``, d.m.yyyy h.mm, one bad number), then
pulls again with no new file; the card shows both, the file's counts as the test counts them from its CSV.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from board.collector import Collector
from board.factory import create_board
from board.read.sources import RUN_HISTORY, source_statuses
from tests.conftest import pages_reading

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Asema;Aika;Jonossa"


def _export(now: datetime) -> tuple[list[str], int, int]:
    """A queue export of the last hours as the callback system writes it, and its good and bad row counts."""
    lines, good, bad = [HEADER], 0, 0
    start = (now - timedelta(hours=3)).astimezone(ZoneInfo("Europe/Helsinki"))  # the export's local time
    for i in range(12):
        at = start + timedelta(minutes=10 * i)
        if i == 7:
            lines.append(f"kajaani;{at.day}.{at.month}.{at.year} {at.hour}.{at.minute:02d};4,5x")  # not a number
            bad += 1
        else:
            lines.append(f"kajaani;{at.day}.{at.month}.{at.year} {at.hour}.{at.minute:02d};{i % 6}")
            good += 1
    return lines, good, bad


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_the_run_that_read_the_file_is_shown_beside_the_newest_empty_pull(config_dir: Path, sqlite_url: str,
                                                                         tmp_path: Path, lang: str):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    now = datetime.now(UTC)
    lines, good, bad = _export(now)
    (inbox / "jono.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    os.utime(inbox / "jono.csv", (now.timestamp() - 600, now.timestamp() - 600))
    vienti = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0, "interval_seconds": 60,
              "stations": ["kajaani"], "mapping": {"layout": "wide", "station": "Asema", "time": "Aika",
                                                   "metrics": {"Jonossa": "queue_waiting"}}}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [vienti]}), encoding="utf-8")
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        read_at, empty_at = now - timedelta(minutes=5), now - timedelta(seconds=30)
        Collector(board.settings, board.store, clock=lambda: read_at).run_once(only="vienti")
        Collector(board.settings, board.store, clock=lambda: empty_at).run_once(only="vienti")
        first, newest = sorted(board.store.runs("vienti"), key=lambda r: r.started_at)
        assert (first.rows_read, first.rows_stored, first.rows_refused) == (good + bad, good, bad)
        assert not newest.rows_read  # the second pull found no new file

        (status,) = source_statuses(board.settings, board.store, now)
        assert status.last_run is not None and status.last_run.id == newest.id
        assert status.read_run is not None and status.read_run.id == first.id

        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60)
        at.query_params["lang"] = lang
        at.run()
        assert not at.exception, at.exception
        html = "".join(h.value for h in at.html)
    card = re.search(r'data-source="vienti".*?</div></div>', html, re.S)
    assert card is not None
    shown = re.search(rf'data-read-run="{first.id}"><b>([^<]*)</b>([^<]*)<', card.group(0))
    assert shown is not None, card.group(0)
    label, text = shown.groups()
    assert label == {"fi": "Viimeksi luettu tiedosto", "en": "Last file read"}[lang]
    words = {"fi": ("luettu", "tallennettu", "hylätty"), "en": ("read", "stored", "refused")}[lang]
    assert f"{words[0]} {good + bad} · {words[1]} {good} · {words[2]} {bad}" in text


def test_no_second_line_when_the_newest_pull_read_the_file(config_dir: Path, sqlite_url: str, tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    now = datetime.now(UTC)
    lines, _good, _bad = _export(now)
    (inbox / "jono.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    vienti = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
              "stations": ["kajaani"], "mapping": {"layout": "wide", "station": "Asema", "time": "Aika",
                                                   "metrics": {"Jonossa": "queue_waiting"}}}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [vienti]}), encoding="utf-8")
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        Collector(board.settings, board.store, clock=lambda: now).run_once(only="vienti")
        (status,) = source_statuses(board.settings, board.store, now)
        assert status.last_run is not None and status.last_run.rows_read and status.read_run is None


def test_the_file_run_is_found_past_the_runs_listed(config_dir: Path, sqlite_url: str, tmp_path: Path):
    """More empty pulls than the card's run history (RUN_HISTORY): the store is asked for the file's run."""
    from board.read.sources import RUN_HISTORY

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    now = datetime.now(UTC)
    lines, good, bad = _export(now)
    (inbox / "jono.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    vienti = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
              "stations": ["kajaani"], "mapping": {"layout": "wide", "station": "Asema", "time": "Aika",
                                                   "metrics": {"Jonossa": "queue_waiting"}}}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [vienti]}), encoding="utf-8")
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        for i in range(RUN_HISTORY + 2):
            at = now - timedelta(minutes=RUN_HISTORY + 2 - i)
            Collector(board.settings, board.store, clock=lambda at=at: at).run_once(only="vienti")
        (status,) = source_statuses(board.settings, board.store, now)
        assert status.read_run is not None and status.read_run.rows_read == good + bad
        assert status.read_run.id not in {r.id for r in status.recent_runs}  # older than the runs listed


def test_an_item_source_s_empty_pull_that_recounts_keeps_the_refusal_warning(config_dir: Path, sqlite_url: str,
                                                                             tmp_path: Path):
    """An items ``files`` source re-counts its figures from stored items on every pull, also when no file is
    waiting: that pull stores readings but reads nothing, so it must not wipe out the warning ("Osa hylätty") of
    the run that refused a row of the file (docs/CONNECTORS.md: an empty files run does not clear it)."""
    from board.domain.items import Item
    from board.domain.source_health import SourceHealth
    from tests.item_exports import CB, files_source, write_export

    inbox = tmp_path / "soitot"
    inbox.mkdir()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    created = now - timedelta(hours=2)
    good = [Item(CB, f"p{i}", "kajaani", created + timedelta(minutes=i), None) for i in range(3)]
    path = write_export(inbox, CB, good, "soitot.csv")
    # One row as the tool writes a broken one: handled before it was created -> refused with its reason.
    text = path.read_bytes().decode("cp1252").replace(
        "Yhteensä;3", f"p9;Kajaanin terveysasema;{created:%d.%m.%Y} 10.00;{created:%d.%m.%Y} 9.00;-;\r\nYhteensä;4")
    path.write_bytes(text.encode("cp1252"))
    os.utime(path, (now.timestamp() - 600, now.timestamp() - 600))
    source = files_source("soitot", CB, inbox, ["kajaani"], outcomes=False, settle_seconds=0)
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        Collector(board.settings, board.store, clock=lambda: now - timedelta(minutes=3)).run_once(only="soitot")
        Collector(board.settings, board.store, clock=lambda: now - timedelta(minutes=1)).run_once(only="soitot")
        first, newest = sorted(board.store.runs("soitot"), key=lambda r: r.started_at)
        # read 5 = stored 3 + refused 1 (handled before created) + ignored 1 (the totals row)
        assert (first.rows_read, first.rows_stored, first.rows_refused, first.rows_ignored) == (5, 3, 1, 1)
        assert not newest.rows_read and newest.rows  # no file: nothing read, the figures re-counted and stored
        (status,) = source_statuses(board.settings, board.store, now)
        assert status.health is SourceHealth.PARTIAL, status.health
        assert status.read_run is not None and status.read_run.id == first.id
        # Past the runs /sources lists (RUN_HISTORY): the store's own look-up must say the same.
        for k in range(RUN_HISTORY + 1):
            at = now - timedelta(seconds=50 - 2 * k)
            Collector(board.settings, board.store, clock=lambda at=at: at).run_once(only="soitot")
        (status,) = source_statuses(board.settings, board.store, now)
        assert status.health is SourceHealth.PARTIAL, status.health
