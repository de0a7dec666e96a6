"""A file still being written (issue 13): never read half-written, never retired while its writer goes on.

The connector's own guards, then a real writer process that pauses for longer than ``settle_seconds`` twice
(once between lines, once in the middle of a line) while the real collector imports the drop folder into a
real SQLite store: every row ends in the store with its full value, and the file in processed/ is whole.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from board.domain.reading import Ignored, Reading, Rejected, RowsRead
from board.source_settings import FilesSource
from connectors.files import FilesConnector
from tests.input_support import collector_for
from tests.test_files import UNTIL, age_file, drop, names

MAPPING = {"layout": "wide", "station": "Asema", "time": "Aika", "metrics": {"Jonossa": "queue_waiting"}}
HEADER = "Asema;Aika;Jonossa\r\n"


def make(tmp_path: Path, settle: float) -> FilesConnector:
    source = FilesSource.model_validate({"name": "vienti", "type": "files", "folder": str(tmp_path / "inbox"),
                                         "settle_seconds": settle, "mapping": MAPPING})
    return FilesConnector(source, ["kajaani", "sotkamo"])


def pull(connector: FilesConnector) -> tuple[list[float], list[str], int]:
    """(values read, reasons refused or held, rows read); a held line is Ignored, a refused one Rejected."""
    items = list(connector.pull(None, UNTIL))
    return ([i.value for i in items if isinstance(i, Reading)],
            [i.reason for i in items if isinstance(i, Rejected | Ignored)],
            sum(i.rows for i in items if isinstance(i, RowsRead)))


def test_a_last_line_without_line_end_in_a_fresh_file_is_held_and_the_file_stays(tmp_path: Path) -> None:
    path = drop(tmp_path, "jono.csv", HEADER + "kajaani;10.3.2026 14.30;3\r\nkajaani;10.3.2026 14.45;1", age=10)
    connector = make(tmp_path, settle=5)  # grace: 10 x 5 s = 50 s
    items = list(connector.pull(None, UNTIL))
    assert [i.value for i in items if isinstance(i, Reading)] == [3.0]  # the half-written '1' (of '12'?) not stored
    assert sum(i.rows for i in items if isinstance(i, RowsRead)) == 2
    assert not [i for i in items if isinstance(i, Rejected)]  # held, not refused: it is read again next pull
    [held] = [i for i in items if isinstance(i, Ignored)]
    assert held.where == "file jono.csv line 3" and held.rows == 1
    assert held.reason.startswith("file jono.csv line 3: the last line has no line end") and "stays" in held.reason
    connector.acknowledge()
    assert "jono.csv" in names(tmp_path / "inbox") and names(tmp_path / "inbox" / "processed") == []

    path.write_bytes(path.read_bytes() + b"2\r\n")  # the writer finishes the line
    age_file(path, 10)
    values, reasons, read = pull(connector)
    assert values == [3.0, 12.0] and reasons == [] and read == 2
    connector.acknowledge()
    assert names(tmp_path / "inbox" / "processed") == ["jono.csv"]


def test_a_file_that_never_gets_a_last_line_end_is_read_whole_once_older_than_the_grace(tmp_path: Path) -> None:
    """Some exporters write no line end after the last row: such a file waits the grace, then loads whole."""
    drop(tmp_path, "jono.csv", HEADER + "kajaani;10.3.2026 14.30;3\r\nkajaani;10.3.2026 14.45;4", age=60)
    connector = make(tmp_path, settle=5)
    values, reasons, read = pull(connector)
    assert values == [3.0, 4.0] and reasons == [] and read == 2


QUOTED_HEADER = '"Asema";"Aika";"Jonossa"\r\n'


@pytest.mark.parametrize(("last", "whole"), [
    ('"kajaani";"10.3.2026 14.45";"12"', True),   # the quote closed: nothing of the value was cut
    ('"kajaani";"10.3.2026 14.45";"1', False),    # cut inside the quoted value: not valid CSV yet
    ('"kajaani";"10.3.2026 14.45"', False),       # cut after a closed quote, a field short
    ('kajaani;10.3.2026 14.45;12', False),        # unquoted: the 12 may be the start of 123
    ('kajaani;10.3.2026 14.45;12"', False),       # a quote ending an unquoted value proves nothing
])
def test_a_young_file_is_read_whole_only_when_its_last_record_is_provably_whole(tmp_path: Path, last: str,
                                                                                whole: bool) -> None:
    """A Windows reporting tool writing quoted fields and no line end after the last record: settled, within the
    grace (ten times settle_seconds), such a file was held at its last line every time. Now the last record is
    read at once when it has every field and its last field's quote is closed; anything less is held as before."""
    drop(tmp_path, "jono.csv", QUOTED_HEADER + '"kajaani";"10.3.2026 14.30";"3"\r\n' + last, age=10)
    connector = make(tmp_path, settle=5)  # grace: 50 s
    values, reasons, read = pull(connector)
    if whole:
        assert values == [3.0, 12.0] and reasons == [] and read == 2
        connector.acknowledge()
        assert names(tmp_path / "inbox" / "processed") == ["jono.csv"]
    else:
        assert values == [3.0] and len(reasons) == 1 and "line 3: the last line has no line end" in reasons[0]
        connector.acknowledge()
        assert "jono.csv" in names(tmp_path / "inbox")


def test_a_quoted_utf16_export_without_a_last_line_end_is_read_whole_at_once(tmp_path: Path) -> None:
    text = QUOTED_HEADER + '"kajaani";"10.3.2026 14.30";"3"\r\n"sotkamo";"10.3.2026 14.45";"7"'
    drop(tmp_path, "a.txt", "\ufeff" + text, encoding="utf-16-le", age=10)
    connector = FilesConnector(FilesSource.model_validate({
        "name": "vienti", "type": "files", "folder": str(tmp_path / "inbox"), "settle_seconds": 5,
        "patterns": ["*.txt"], "mapping": MAPPING}), ["kajaani", "sotkamo"])
    assert pull(connector) == ([3.0, 7.0], [], 2)


def test_utf16_and_a_bare_header_are_held_the_same_way(tmp_path: Path) -> None:
    text = HEADER + "kajaani;10.3.2026 14.30;3\r\nkajaani;10.3.2026 14.45;1"
    drop(tmp_path, "a.txt", "\ufeff" + text, encoding="utf-16-le", age=10)
    connector = FilesConnector(FilesSource.model_validate({
        "name": "vienti", "type": "files", "folder": str(tmp_path / "inbox"), "settle_seconds": 5,
        "patterns": ["*.txt"], "mapping": MAPPING}), ["kajaani"])
    values, reasons, read = pull(connector)
    assert values == [3.0] and len(reasons) == 1 and "line 3: the last line has no line end" in reasons[0]
    assert read == 2


def test_a_file_that_grows_after_it_was_retired_is_taken_back_and_read_again(tmp_path: Path) -> None:
    path = drop(tmp_path, "jono.csv", HEADER + "kajaani;10.3.2026 14.30;3\r\n", age=10)
    connector = make(tmp_path, settle=5)
    assert pull(connector)[0] == [3.0]
    connector.acknowledge()
    moved = tmp_path / "inbox" / "processed" / "jono.csv"
    assert moved.exists() and not path.exists()

    with moved.open("ab") as f:  # the writer, holding the file open, goes on after a pause
        f.write(b"kajaani;10.3.2026 14.45;5\r\n")
    assert pull(connector)[0] == []  # taken back into the folder, too fresh to read yet
    assert path.exists() and not moved.exists()
    age_file(path, 10)
    assert pull(connector)[0] == [3.0, 5.0]
    connector.acknowledge()
    assert moved.read_bytes().endswith(b"14.45;5\r\n")


WRITER = r"""
import os, sys, time
path, go = sys.argv[1], sys.argv[2]

def wait_for(marker):
    deadline = time.monotonic() + 120
    while not os.path.exists(go + marker):
        if time.monotonic() > deadline:
            sys.exit("the test never let the writer go on")
        time.sleep(0.05)

with open(path, "wb") as f:
    def write(text):
        f.write(text.encode("cp1252"))
        f.flush()
        os.fsync(f.fileno())
    write("Asema;Aika;Jonossa\r\n")
    write("kajaani;10.3.2026 14.00;1\r\nkajaani;10.3.2026 14.15;2\r\n")
    open(go + ".paused1", "w").close()
    wait_for(".resume1")              # paused between two lines, longer than settle_seconds
    write("kajaani;10.3.2026 14.30;1")
    open(go + ".paused2", "w").close()
    wait_for(".resume2")              # paused in the middle of a line ('1' of '12')
    write("2\r\nsotkamo;10.3.2026 14.45;7\r\n")
"""


def _wait(path: Path, proc: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, f"the writer never reached {path.name}"
        time.sleep(0.05)


def _settle(path: Path, seconds: float) -> None:
    """Wait until the file has not changed for ``seconds`` (the writer is paused: it will not change)."""
    while time.time() - path.stat().st_mtime < seconds:
        time.sleep(0.05)


def test_a_writer_that_pauses_longer_than_settle_seconds_loses_nothing(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # grace (10 x settle_seconds): 15 s, so that the pull right after the pause in mid-line still comes within it
    # on a loaded machine (each pull runs in a worker process; at 3 s the held line was read once under load)
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 1.5, "mapping": MAPPING}
    go = str(tmp_path / "go")
    target = inbox / "jono.csv"
    with collector_for(tmp_path, source) as collector:
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target), go], stderr=subprocess.PIPE)
        try:
            seen: list[dict[str, float]] = []

            def run() -> None:
                [outcome] = collector.run_once()
                assert outcome.ok, outcome.error
                assert outcome.run is not None and outcome.run.unaccounted == 0
                with collector.store.engine.connect() as conn:
                    seen.append({str(ts): v for ts, v in conn.exec_driver_sql("SELECT ts, value FROM readings")})

            _wait(Path(go + ".paused1"), proc)
            _settle(target, 1.7)
            run()  # the file looks finished: imported and retired to processed/ while its writer still holds it
            assert (inbox / "processed" / "jono.csv").exists() and sorted(seen[-1].values()) == [1.0, 2.0]
            Path(go + ".resume1").touch()

            _wait(Path(go + ".paused2"), proc)
            run()  # it grew in processed/: taken back into the folder
            assert target.exists()
            _settle(target, 1.7)
            run()  # settled, but its last line has no line end and it changed within the grace: that line is held
            assert 1.0 in seen[-1].values() and len(seen[-1]) == 2
            assert target.exists()  # not retired
            Path(go + ".resume2").touch()
            assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""

            _settle(target, 1.7)
            run()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    final = seen[-1]
    assert sorted(final.values()) == [1.0, 2.0, 7.0, 12.0]  # every row, with its whole value
    assert all(sorted(s.values()) in ([1.0, 2.0], [1.0, 2.0, 7.0, 12.0]) for s in seen)  # '1' of '12' never stored
    assert not target.exists()
    assert (inbox / "processed" / "jono.csv").read_bytes().endswith(b"sotkamo;10.3.2026 14.45;7\r\n")
    assert os.listdir(inbox) == ["processed"]


def test_a_workbook_cut_short_while_fresh_waits_and_is_refused_only_once_older(tmp_path: Path) -> None:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Asema", "Aika", "Jonossa"])
    book.active.append(["kajaani", "10.3.2026 14.30", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    whole = buffer.getvalue()
    path = drop(tmp_path, "jono.xlsx", whole[: len(whole) // 2], age=10)  # the writer has paused half-way
    connector = FilesConnector(FilesSource.model_validate({
        "name": "vienti", "type": "files", "folder": str(tmp_path / "inbox"), "settle_seconds": 5,
        "mapping": MAPPING}), ["kajaani"])
    assert pull(connector) == ([], [], 0)  # not refused: it stays
    assert "jono.xlsx" in names(tmp_path / "inbox") and names(tmp_path / "inbox" / "rejected") == []

    path.write_bytes(whole)  # the writer finishes
    age_file(path, 10)
    assert pull(connector)[0] == [3.0]

    path.write_bytes(whole[: len(whole) // 2])  # a workbook that stays broken is refused once older than the grace
    age_file(path, 60)
    values, reasons, _ = pull(connector)
    assert values == [] and len(reasons) == 1 and "not a readable Excel workbook" in reasons[0]


def test_a_half_written_line_is_counted_once_however_often_its_file_is_read(tmp_path: Path) -> None:
    """/sources' 24-hour refused count: a half-written last line re-read by every pull is held (ignored) in each
    run, not refused; once its file is final (here: its writer died, the line never got its end and the file
    grew older than the grace) it is refused once, with its reason. Every run's ledger adds up."""
    from board.read.sources import source_statuses

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 5, "mapping": MAPPING}
    path = drop(tmp_path, "jono.csv", HEADER + "kajaani;10.3.2026 14.30;3\r\nkajaani;10.3.2026 14.", age=10)
    with collector_for(tmp_path, source) as collector:
        for _ in range(4):  # four pulls within the grace (50 s): the file stays and is read again each time
            [outcome] = collector.run_once()
            run = outcome.run
            assert outcome.ok and run is not None, outcome.error
            assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored) == (2, 1, 0, 1)
            assert run.unaccounted == 0 and run.state == "ok"
            assert path.exists()
        [status] = source_statuses(collector.settings, collector.store)
        assert status.day_rejects == {} and status.warning is None

        age_file(path, 120)  # the writer died: the line never ends, and the file is now older than the grace
        for _ in range(3):
            [outcome] = collector.run_once()
            assert outcome.ok and outcome.run is not None and outcome.run.unaccounted == 0, outcome.error
        assert not path.exists()  # read whole once, retired to processed/ with its reason beside it
        [status] = source_statuses(collector.settings, collector.store)
        assert sum(status.day_rejects.values()) == 1, status.day_rejects
        [reason] = status.day_rejects
        assert "line 3" in reason
