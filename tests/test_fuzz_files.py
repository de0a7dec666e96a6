"""Fuzzing the files connector through the real collector, a real drop folder and a real SQLite store.

Documented behaviour (docs/CONNECTORS.md, docs/RELIABILITY.md): with
``on_bad_row: refuse_file`` a file is taken whole or not at all (row-by-row
refusal, the default, is reconciled row by row in test_export_corpus.py).
Whatever is dropped, the collector never raises, and after one run either
every reading of the file is in the store and the file is in ``processed/``, or nothing of it is stored, the file is in
``rejected/`` with a reason file, and the run counts one rejected item with
its reason.

Two generators: structured files (valid rows written in the ways Finnish
exports write them, with some cells broken on purpose, so the expected result
is known exactly) and plain garbage (random text and bytes, corrupt workbooks).
Examples are few and derandomized so CI is fast and repeatable.
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from board.collector import Collector
from tests.input_support import collector_for, stored

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HEADER = ["Asema", "Päivä", "Jonossa", "Vanhin odotus", "Huom"]
MAPPING = {"layout": "wide", "station": "Asema", "time": "Päivä",
           "metrics": {"Jonossa": "queue_waiting", "Vanhin odotus": "queue_oldest_wait_min"}}


@pytest.fixture(scope="module")
def board() -> Iterator[tuple[Collector, Path]]:
    """One collector and drop folder for all examples of the module (each example empties both)."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-files-"))
    inbox = root / "inbox"
    inbox.mkdir()
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
              "patterns": ["*.csv", "*.xlsx", "*.txt"], "mapping": MAPPING, "on_bad_row": "refuse_file"}
    try:
        with collector_for(root, source) as collector:
            yield collector, inbox
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _reset(collector: Collector, inbox: Path) -> None:
    shutil.rmtree(inbox)
    inbox.mkdir()
    with collector.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM readings"))


def run_one(collector: Collector, inbox: Path, name: str, data: bytes) -> tuple[bool, list]:
    """Drop one file, run the collector once, check the all-or-nothing invariants; (accepted, stored readings)."""
    _reset(collector, inbox)
    (inbox / name).write_bytes(data)
    [outcome] = collector.run_once()  # must not raise, whatever the file holds
    assert outcome.ok, outcome.error  # a bad file is a refused file, not a failed run
    readings = stored(collector)
    if (inbox / "processed" / name).exists():
        assert outcome.rejected == 0 and outcome.rejects == {}
        assert outcome.rows == len(readings)
        assert not (inbox / "rejected").exists()
        return True, readings
    reason_file = inbox / "rejected" / f"{name}.reason.txt"
    reason_text = reason_file.read_text(encoding="utf-8")
    if "the file was deleted, not kept" not in reason_text:  # a workbook holding an identity code is not kept
        assert (inbox / "rejected" / name).exists(), "a file must end in processed/ or rejected/"
    assert "Nothing in it was imported" in reason_text
    assert readings == [] and outcome.rows == 0
    [(reason, count)] = outcome.rejects.items()
    assert count == 1 and outcome.rejected == 1
    assert reason.strip() and len(reason) < 2000
    return False, readings


# ------------------------------------------------------------------ structured files
@dataclass
class Row:
    cells: list[str]
    bad: bool
    expected: list[tuple[str, str, float]]


def _count_text(n: int, style: str) -> str:
    if style == "comma":
        return f"{n},0"
    if style == "space" and n >= 1000:
        return f"{n // 1000} {n % 1000:03d}"
    if style == "nbsp" and n >= 1000:
        return f"{n // 1000}\u00a0{n % 1000:03d}"
    return str(n)


@st.composite
def rows(draw: st.DrawFn, index: int) -> Row:
    minute = index % 60
    hour = 8 + index // 60
    station = draw(st.sampled_from(["kajaani", "KAJAANI", " Sotkamo "]))
    when = draw(st.sampled_from([f"21.11.2026 {hour:02d}.{minute:02d}", f"21.11.2026 klo {hour}.{minute:02d}",
                                 f"2026-11-21T{hour:02d}:{minute:02d}:00+02:00",
                                 f"2026-11-21 {hour:02d}:{minute:02d}"]))
    queue = draw(st.integers(0, 99_999))
    queue_text = _count_text(queue, draw(st.sampled_from(["plain", "comma", "space", "nbsp"])))
    wait_tenths = draw(st.integers(0, 99_999))
    wait_text = f"{wait_tenths // 10},{wait_tenths % 10}"
    note = draw(st.sampled_from(["", "ok", 'sanoi "moi"', "a;b,c", "rivi\nrivi", "x" * 5000]))
    cells = [station, when, queue_text, wait_text, note]
    code = station.strip().lower()
    expected = [(code, "queue_waiting", float(queue)), (code, "queue_oldest_wait_min", wait_tenths / 10)]
    breakage = draw(st.sampled_from([None] * 6 + ["value", "count", "negative", "time", "station", "hetu"]))
    if breakage == "value":
        cells[2] = queue_text + "x"
    elif breakage == "count":
        cells[2] = f"{queue},5"
    elif breakage == "negative":
        cells[3] = "-" + wait_text if wait_tenths else "-1"
    elif breakage == "time":
        cells[1] = "32.13.2026 10.00"
    elif breakage == "station":
        cells[0] = "OUL"
    elif breakage == "hetu":
        cells[4] = "asiakas 131052-308T"
    return Row(cells, breakage is not None, [] if breakage else expected)


@st.composite
def tables(draw: st.DrawFn) -> list[Row]:
    count = draw(st.integers(1, 12))
    return [draw(rows(i)) for i in range(count)]


def _csv_bytes(table: list[Row], delimiter: str, encoding: str, newline: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(HEADER)
    writer.writerows(row.cells for row in table)
    return buffer.getvalue().encode(encoding)


@FUZZ
@given(table=tables(), delimiter=st.sampled_from([";", ",", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
       newline=st.sampled_from(["\r\n", "\n"]))
def test_structured_csv_is_taken_whole_exactly_when_every_row_is_valid(board, table, delimiter, encoding, newline):
    collector, inbox = board
    data = _csv_bytes(table, delimiter, encoding, newline)
    accepted, readings = run_one(collector, inbox, "vienti.csv", data)
    any_bad = any(row.bad for row in table)
    assert accepted == (not any_bad), (accepted, [row.cells for row in table])
    if accepted:
        assert readings == sorted(r for row in table for r in row.expected)


@FUZZ
@given(table=tables())
def test_structured_xlsx_is_taken_whole_exactly_when_every_row_is_valid(board, table):
    collector, inbox = board
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in table:
        sheet.append(row.cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    accepted, readings = run_one(collector, inbox, "raportti.xlsx", buffer.getvalue())
    assert accepted == (not any(row.bad for row in table))
    if accepted:
        assert readings == sorted(r for row in table for r in row.expected)


# ------------------------------------------------------------------ garbage
def _workbook_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(["kajaani", datetime(2026, 11, 21, 10, 0), 3, 1.5, ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WORKBOOK = _workbook_bytes()


@FUZZ
@given(data=st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=2000).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.lists(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=30), max_size=8), max_size=20)
      .map(lambda rows: "\n".join(";".join(r) for r in [HEADER, *rows]).encode("utf-8", "surrogatepass")),
))
@example(data=b"")
@example(data=codecs.BOM_UTF8)
@example(data=b"\xff\xfe\x00")
@example(data="Asema;Päivä;Jonossa\nkajaani;21.11.2026 10.00;1\n".encode("utf-16-le"))  # no BOM
@example(data=b'Asema;P\xc3\xa4iv\xc3\xa4;Jonossa\nkajaani;"21.11.2026 10.00;1\n')  # an unclosed quote
@example(data=("Asema;Päivä;Jonossa;Huom\nkajaani;21.11.2026 10.00;1;" + "x" * 200_000 + "\n").encode())
@example(data=b"Asema;Asema;Jonossa\nkajaani;kajaani;1\n")
@example(data=b"\x00\x01\x02;;;\n\n\n")
def test_garbage_csv_never_crashes_and_is_all_or_nothing(board, data):
    collector, inbox = board
    run_one(collector, inbox, "roska.csv", data)


@FUZZ
@given(cut=st.integers(0, len(WORKBOOK) - 1), flip=st.integers(0, len(WORKBOOK) - 1), byte=st.integers(0, 255),
       how=st.sampled_from(["truncate", "flip"]))
@example(cut=0, flip=0, byte=0, how="truncate")
def test_corrupt_workbooks_are_refused_whole(board, cut, flip, byte, how):
    collector, inbox = board
    data = WORKBOOK[:cut] if how == "truncate" else WORKBOOK[:flip] + bytes([byte]) + WORKBOOK[flip + 1:]
    accepted, readings = run_one(collector, inbox, "rikki.xlsx", data)
    if accepted:  # a flipped byte may land where it changes nothing (e.g. inside a timestamp in metadata)
        assert readings == [("kajaani", "queue_oldest_wait_min", 1.5), ("kajaani", "queue_waiting", 3.0)]


def test_the_huge_cell_and_unreadable_workbook_reasons_say_what_to_do(board):
    collector, inbox = board
    run_one(collector, inbox, "iso.csv", ("Asema;Päivä;Jonossa\nkajaani;21.11.2026 10.00;" + "1" * 200_000).encode())
    assert "is not valid CSV at line 2" in (inbox / "rejected" / "iso.csv.reason.txt").read_text(encoding="utf-8")
    run_one(collector, inbox, "rikki.xlsx", WORKBOOK[:100])
    assert "is not a readable Excel workbook" in (inbox / "rejected" / "rikki.xlsx.reason.txt").read_text("utf-8")
