"""Name and free-text columns of a dropped file: never read, and never kept on the board's disk.

A vendor's export carries columns nobody maps (``Asiakkaan nimi``, ``Vapaa palaute``). The file is imported
(no reshaping by the administrator), and the copy kept in ``processed/`` or ``rejected/`` goes without them: a
CSV with their cells emptied (the header kept), a workbook deleted, the reason file saying so. Station columns
named ``Toimipisteen nimi`` / ``Aseman nimi`` / ``Station name`` still work, mapped or not. The files are
written as the systems write them (cp1252 or UTF-8 with a BOM, ``;``, CRLF, a title line, ``d.m.yyyy h.mm``,
quoted multi-line free text, blank cells, a totals row); every truth is counted from the rows below.
"""

from __future__ import annotations

import csv
import io
import os
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from sqlalchemy import text

from board.collector import Collector
from board.environment import read_environment
from board.settings import load_settings
from board.source_settings import FilesSource
from board.store import Store
from connectors.files import FilesConnector
from connectors.private_columns import free_text_like, name_like, private_columns
from tests.test_items_domain import HKI

KEY = "test-item-key-0123456789abcdef"
NAMES = ("Matti Meikäläinen", "Maija Mallikas", "Teppo Testaaja", "matti@example.fi")
FREE = ("soitan takaisin; kiire", "Hyvä palvelu,\nkiitos!", "Jonotus kesti")
PRIVATE = (*NAMES, *FREE, "Hyvä palvelu", "kiitos!")


def local(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=HKI).astimezone(UTC)


def csv_bytes(rows: list[list[Any]], encoding: str) -> bytes:
    """Rows as Excel's "CSV (semicolon)" writes them: ``;``, CRLF, a value with ``;`` or a line end quoted."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    data = out.getvalue().encode("cp1252" if encoding == "cp1252" else "utf-8")
    return data if encoding == "cp1252" else b"\xef\xbb\xbf" + data


def settled(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    then = time.time() - 600
    os.utime(path, (then, then))
    return path


def run(tmp_path: Path, source: dict[str, Any]) -> tuple[Any, Store]:
    config = tmp_path / "config"
    from tests.conftest import write_config
    write_config(config)
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}, allow_unicode=True), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'board.sqlite'}"
    settings = load_settings(config, db, read_environment({"BOARD_ITEM_KEY": KEY}))
    store = Store.open(db)
    (outcome,) = Collector(settings, store, clock=lambda: local("2026-12-02 20:00"), sleep=lambda s: None).run_once()
    return outcome, store


def ledger(outcome: Any) -> tuple[int, int, int, int]:
    r = outcome.run
    return r.rows_read, r.rows_stored, r.rows_refused, r.rows_ignored


def nothing_private_in(data: bytes, encoding: str) -> None:
    for value in PRIVATE:
        for form in {value.encode(encoding, "replace"), value.encode("utf-8")}:
            assert form not in data, value


# ------------------------------------------------------------------ which headers
@pytest.mark.parametrize("header", ["Vastaajan nimi", "Asiakkaan nimi", "Potilaan nimi", "Namn", "Full name",
                                    "Sähköposti", "E-mail", "Nimi", "Etunimi", "Asiakas", "Palvelun käyttäjän nimi",
                                    "Puhelinnumero", "Kundens namn"])
def test_a_persons_name_or_contact_header_is_private(header):
    assert name_like(header) and private_columns([header], []) == [0]


@pytest.mark.parametrize("header", ["Vapaa palaute", "Kommentti", "Avoin vastaus", "Viesti", "Free text", "Comment",
                                    "Lisätieto", "Fritext", "Aihe", "Miksi annoit arvosanan (0-6)?",
                                    "Why did you give this score (0-6)?"])
def test_a_free_text_header_is_private(header):
    assert free_text_like(header) and private_columns([header], []) == [0]


@pytest.mark.parametrize("header", ["Toimipisteen nimi", "Aseman nimi", "Station name", "Stationens namn",
                                    "Yksikön nimi", "Toimipiste", "Vastaus nro", "Viesti-ID", "Vastausaika",
                                    "Suositteluhalukkuus (0-10)", "Palautteen aika", "Tila", "Kanava", "Jonossa",
                                    "Henkilötunnus", "Saitko apua? (1-5)"])
def test_a_station_code_time_or_number_header_is_not(header):
    assert not name_like(header) and not free_text_like(header)
    assert private_columns([header], []) == []


def test_a_mapped_column_is_the_administrators_choice():
    assert private_columns(["Nimi", "Vapaa palaute", "Aika"], ["Nimi"]) == [1]


# ------------------------------------------------------------------ a readings CSV (cp1252), processed/ and rejected/
QUEUE = [  # Toimipisteen nimi (mapped station), Aika, Jonossa, Asiakkaan nimi, Kommentti, Station name (unmapped)
    ["Kajaanin terveysasema", "2.12.2026 8.00", "4", NAMES[0], FREE[0], "Kajaani health centre"],
    ["Sotkamon terveysasema", "2.12.2026 8.00", "2", "", "", "Sotkamo health centre"],
    ["Kajaanin terveysasema", "2.12.2026 9.00", "6", NAMES[1], FREE[1], "Kajaani health centre"],
]
QUEUE_HEADER = ["Toimipisteen nimi", "Aika", "Jonossa", "Asiakkaan nimi", "Kommentti", "Station name"]


def queue_file(rows: list[list[str]]) -> bytes:
    total = str(sum(int(r[2]) for r in rows))
    return csv_bytes([["Jonotilanne 2.12.2026"], [], QUEUE_HEADER, *rows, ["Yhteensä", "", total, "", "", ""]],
                     "cp1252")


def queue_source(folder: Path) -> dict[str, Any]:
    return {"name": "jono", "type": "files", "folder": str(folder), "settle_seconds": 0, "max_memory_mb": 0,
            "mapping": {"layout": "wide", "station": "Toimipisteen nimi", "time": "Aika",
                        "metrics": {"Jonossa": "queue_waiting"}}}


def kept_rows(path: Path, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline=""), delimiter=";"))


def test_a_readings_csv_with_name_and_comment_columns_is_imported_and_kept_without_them(tmp_path):
    folder = tmp_path / "jono"
    settled(folder / "jono.csv", queue_file(QUEUE))

    outcome, store = run(tmp_path, queue_source(folder))

    assert outcome.ok, (outcome.error, outcome.rejects)
    assert ledger(outcome) == (len(QUEUE) + 1, len(QUEUE), 0, 1)  # the totals row is ignored
    with store.engine.connect() as conn:
        got = sorted((r[0], float(r[1])) for r in conn.execute(text(
            "SELECT station, value FROM readings "
            "JOIN series ON series.id = readings.series WHERE metric = 'queue_waiting'")))
    store.dispose()
    codes = {"Kajaanin terveysasema": "kajaani", "Sotkamon terveysasema": "sotkamo"}
    assert got == sorted((codes[r[0]], float(r[2])) for r in QUEUE)
    kept = folder / "processed" / "jono.csv"
    data = kept.read_bytes()
    nothing_private_in(data, "cp1252")
    rows = kept_rows(kept, "cp1252")
    assert rows[0] == ["Jonotilanne 2.12.2026"] and rows[2] == QUEUE_HEADER  # title and header as they came
    body = rows[3:]
    assert len(body) == len(QUEUE) + 1  # every row kept, the totals row too
    for kept_row, row in zip(body, QUEUE, strict=False):
        assert kept_row == [*row[:3], "", "", row[5]]  # the station names, mapped or not, stay
    reason = (folder / "processed" / "jono.csv.reason.txt").read_text(encoding="utf-8")
    assert "Columns 'Asiakkaan nimi', 'Kommentti' may hold a person's name" in reason
    assert "emptied in the copy of the file kept here (the header is kept)" in reason
    nothing_private_in(reason.encode("utf-8"), "utf-8")


def test_a_refused_csv_is_kept_in_rejected_without_them_too(tmp_path):
    folder = tmp_path / "jono"
    rows = [[("Kuopion terveysasema" if r[0].startswith("Kajaani") else r[0]), *r[1:]] for r in QUEUE]
    rows = [r for r in rows if r[0].startswith("Kuopio")]  # every row names a station the board does not know
    settled(folder / "jono.csv", queue_file(rows))

    outcome, store = run(tmp_path, queue_source(folder))
    store.dispose()

    read, stored, refused, ignored = ledger(outcome)
    assert (read, stored) == (len(rows) + 1, 0) and refused + ignored == read
    kept = folder / "rejected" / "jono.csv"
    nothing_private_in(kept.read_bytes(), "cp1252")
    assert [r[3:5] for r in kept_rows(kept, "cp1252")[3:]] == [["", ""]] * (len(rows) + 1)
    assert "may hold a person's name" in (folder / "rejected" / "jono.csv.reason.txt").read_text(encoding="utf-8")


def test_an_unmapped_station_name_column_is_kept_and_a_mapped_name_column_still_works(tmp_path):
    folder = tmp_path / "jono"
    header = ["Aseman nimi", "Aika", "Jonossa", "Toimipisteen nimi", "Nimi"]
    rows = [[r[0], r[1], r[2], r[0], r[0]] for r in QUEUE]
    settled(folder / "jono.csv", csv_bytes([header, *rows], "utf-8"))
    source = queue_source(folder)
    source["mapping"]["station"] = "Nimi"  # a column named just "Nimi", mapped: the administrator's choice

    outcome, store = run(tmp_path, source)
    store.dispose()

    assert outcome.ok and ledger(outcome) == (len(rows), len(rows), 0, 0)
    assert kept_rows(folder / "processed" / "jono.csv", "utf-8-sig") == [header, *rows]  # nothing emptied
    assert not (folder / "processed" / "jono.csv.reason.txt").exists()


def test_an_empty_comment_column_leaves_the_file_as_it_came(tmp_path):
    folder = tmp_path / "jono"
    rows = [[*r[:3], "", "", r[5]] for r in QUEUE]  # the export's name and comment columns, left empty
    dropped = settled(folder / "jono.csv", csv_bytes([QUEUE_HEADER, *rows], "cp1252")).read_bytes()

    outcome, store = run(tmp_path, queue_source(folder))
    store.dispose()

    assert outcome.ok and ledger(outcome) == (len(rows), len(rows), 0, 0)
    assert (folder / "processed" / "jono.csv").read_bytes() == dropped  # nothing to leave out: not rewritten
    assert not (folder / "processed" / "jono.csv.reason.txt").exists()


def test_check_says_which_columns_will_be_left_out(tmp_path):
    folder = tmp_path / "jono"
    settled(folder / "jono.csv", queue_file(QUEUE))
    source = FilesSource.model_validate(queue_source(folder))
    stations = {"kajaani": ("Kajaanin terveysasema", "Kajaani"), "sotkamo": ("Sotkamon terveysasema", "Sotkamo")}

    result = FilesConnector(source, stations).check(local("2026-12-02 20:00"))

    assert result.ok, result.message
    assert result.message.endswith("not read, and left out of the copy kept (may hold names or free text): "
                                   "'Asiakkaan nimi', 'Kommentti'"), result.message
    nothing_private_in(result.message.encode("utf-8"), "utf-8")
    assert (folder / "jono.csv").exists()  # a check moves nothing


def test_an_identity_code_column_still_refuses_the_file(tmp_path):
    folder = tmp_path / "jono"
    settled(folder / "jono.csv", csv_bytes([["Toimipisteen nimi", "Aika", "Jonossa", "Hetu"],
                                            [*QUEUE[1][:3], ""]], "utf-8"))

    outcome, store = run(tmp_path, queue_source(folder))
    store.dispose()

    assert outcome.rejected == 1
    assert "column 'Hetu' in file jono.csv looks like a person's name or identity code" in next(iter(outcome.rejects))


# ------------------------------------------------------------------ feedback answers: a CSV (UTF-8 BOM) and a workbook
ANSWERS = [  # Vastaus nro, Vastausaika, Toimipiste, Suositteluhalukkuus (0-10), Vapaa palaute, Vastaajan nimi
    ["101", "2.12.2026 8.12", "Kajaanin terveysasema", "10", FREE[1], NAMES[0]],
    ["102", "2.12.2026 9.05", "Kajaanin terveysasema", "9", "", NAMES[3]],
    ["103", "2.12.2026 9.40", "Sotkamon terveysasema", "6", FREE[2], ""],
    ["104", "2.12.2026 10.01", "Kajaanin terveysasema", "", "", NAMES[2]],  # no score: ignored
]
ANSWER_HEADER = ["Vastaus nro", "Vastausaika", "Toimipiste", "Suositteluhalukkuus (0-10)", "Vapaa palaute",
                 "Vastaajan nimi"]


def feedback_source(folder: Path, pattern: str) -> dict[str, Any]:
    return {"name": "palaute", "type": "files", "folder": str(folder), "patterns": [pattern], "settle_seconds": 0,
            "max_memory_mb": 0, "deliver": "items",
            "items": {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
                      "fields": {"id": "Vastaus nro", "station": "Toimipiste", "start": "Vastausaika",
                                 "score": "Suositteluhalukkuus (0-10)"}}}


def test_a_feedback_csv_is_kept_without_names_and_free_text(tmp_path):
    folder = tmp_path / "palaute"
    settled(folder / "palaute.csv", csv_bytes([["Asiakaspalaute 2.12.2026"], ANSWER_HEADER, *ANSWERS], "utf-8"))

    outcome, store = run(tmp_path, feedback_source(folder, "*.csv"))
    store.dispose()

    scored = sum(1 for a in ANSWERS if a[3])
    assert outcome.ok and ledger(outcome) == (len(ANSWERS), scored, 0, len(ANSWERS) - scored)
    kept = folder / "processed" / "palaute.csv"
    data = kept.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # written back in its own encoding
    nothing_private_in(data, "utf-8")
    rows = kept_rows(kept, "utf-8-sig")
    assert rows[1] == ANSWER_HEADER and [r[:4] for r in rows[2:]] == [a[:4] for a in ANSWERS]
    assert all(r[4:] == ["", ""] for r in rows[2:])
    reason = (folder / "processed" / "palaute.csv.reason.txt").read_text(encoding="utf-8")
    assert "'Vapaa palaute', 'Vastaajan nimi'" in reason
    nothing_private_in(reason.encode("utf-8"), "utf-8")


def test_a_feedback_workbook_is_deleted_after_import_and_the_reason_file_says_why(tmp_path):
    folder = tmp_path / "palaute"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Asiakaspalaute 2.12.2026"])
    sheet.append(ANSWER_HEADER)
    for a in ANSWERS:
        sheet.append([int(a[0]), a[1], a[2], int(a[3]) if a[3] else None, a[4] or None, a[5] or None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:  # the names are in the file as delivered
        assert NAMES[0].encode() in b"".join(z.read(n) for n in z.namelist())
    settled(folder / "palaute.xlsx", buffer.getvalue())

    outcome, store = run(tmp_path, feedback_source(folder, "*.xlsx"))
    store.dispose()

    scored = sum(1 for a in ANSWERS if a[3])
    assert outcome.ok and ledger(outcome) == (len(ANSWERS), scored, 0, len(ANSWERS) - scored)
    assert sorted(p.name for p in (folder / "processed").iterdir()) == ["palaute.xlsx.reason.txt"]
    assert not (folder / "palaute.xlsx").exists()
    reason = (folder / "processed" / "palaute.xlsx.reason.txt").read_text(encoding="utf-8")
    assert "'Vapaa palaute', 'Vastaajan nimi' may hold a person's name" in reason
    assert "the file was deleted after it was read" in reason
    assert f"{len(ANSWERS)} data rows, {scored} items stored" in reason
    nothing_private_in(reason.encode("utf-8"), "utf-8")
