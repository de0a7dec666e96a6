"""``.xlsx`` bombs are refused before openpyxl expands them (issue 19, item 3).

The bombs are written here as a hostile author would: a zip of hand-made
SpreadsheetML, small on disk. Before the guard (measured on main):

* one shared string of 100 MB, a 101 kB file: 8 s and the reading process's
  peak RSS 53 → 261 MB (the issue's 617 kB one: 1.3 GB);
* 5 000 rows with a cell in column A and one in XFD, a 40 kB file: 69 s and
  55 → 713 MB (openpyxl pads each row to 16 384 cells and the board keeps them);

and a real export (openpyxl writes as Excel does: inline strings, a few
sheets, tens of thousands of rows) still passes.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import datetime, timedelta

import openpyxl
import pytest

from connectors import xlsx_guard
from connectors.xlsx_guard import workbook_problem
from tests.test_files import UNTIL, drop, make, names, pull, xlsx

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    "_rels/.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml":
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {NS} xmlns:r="{REL}">'
        '<sheets><sheet name="Raportti" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
}


def hand_made(rows: str, dimension: str = "A1", shared: tuple[str, ...] = ("Asema",)) -> bytes:
    """A workbook of one sheet whose ``<sheetData>`` is ``rows``, zipped at the highest compression."""
    strings = "".join(f"<si><t>{s}</t></si>" for s in shared)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                                 f'<sst {NS} count="{len(shared)}" uniqueCount="{len(shared)}">'
                                                 f"{strings}</sst>")
        archive.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                                     f'<worksheet {NS}><dimension ref="{dimension}"/>'
                                                     f"<sheetData>{rows}</sheetData></worksheet>")
    return buffer.getvalue()


def wide_rows(n: int, last: str = "XFD") -> str:
    return "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c><c r="{last}{i}"><v>1</v></c></row>'
                   for i in range(1, n + 1))


GOOD = xlsx([["Asema", "Päivämäärä", "Jonossa", "Puhelut"], ["KAJ", datetime(2026, 3, 10, 14, 30), 3, 4]])


def refused_beside_a_good_file(tmp_path, bomb: bytes) -> str:
    drop(tmp_path, "pommi.xlsx", bomb, age=120)
    drop(tmp_path, "hyva.xlsx", GOOD, age=60)
    connector = make(tmp_path)
    readings, reasons = pull(connector, UNTIL)
    connector.acknowledge()
    assert len(readings) == 2, reasons  # the good workbook beside it is imported
    assert len(reasons) == 1 and "file pommi.xlsx" in reasons[0] and "it was not opened" in reasons[0]
    assert names(tmp_path / "inbox" / "rejected") == ["pommi.xlsx", "pommi.xlsx.reason.txt"]
    assert names(tmp_path / "inbox" / "processed") == ["hyva.xlsx"]
    return reasons[0]


def test_one_huge_shared_string_is_refused_unopened(tmp_path, monkeypatch):
    bomb = hand_made('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=("A" * (30 * 1024 * 1024),))
    assert len(bomb) < 100_000
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a))  # (the good file too)
    drop(tmp_path, "pommi.xlsx", bomb)
    readings, reasons = pull(make(tmp_path), UNTIL)
    assert opened == [] and readings == []
    assert "file pommi.xlsx holds 30.0 MB of shared text, more than 20 MB: it was not opened" in reasons[0]


def test_the_shared_string_bomb_leaves_the_good_file_to_load(tmp_path):
    bomb = hand_made('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=("A" * (30 * 1024 * 1024),))
    assert "30.0 MB of shared text" in refused_beside_a_good_file(tmp_path, bomb)


def test_rows_padded_to_column_xfd_are_refused(tmp_path):
    """The cells are real (not only declared): the dimension says A1, the rows reach column XFD."""
    bomb = hand_made(wide_rows(5000))
    assert len(bomb) < 100_000
    reason = refused_beside_a_good_file(tmp_path, bomb)
    assert "has a sheet (xl/worksheets/sheet1.xml) of more than 5 000 000 cells" in reason


def test_a_sheet_declaring_the_whole_height_because_its_last_row_is_formatted_is_read(tmp_path):
    """Excel declares ``A1:F1048576`` when a formatted (empty) cell sits in the sheet's last row; a real export of
    two rows. The declaration is not what the board reads by (it resets it), so the file is read, not refused as
    a bomb of 6 291 456 cells; the rows it really has are what the guard counts."""
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Asema</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>Päivämäärä</t></is></c><c r="C1" t="inlineStr"><is><t>Jonossa</t></is></c>'
            '<c r="D1" t="inlineStr"><is><t>Puhelut</t></is></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>KAJ</t></is></c>'
            '<c r="B2" t="inlineStr"><is><t>10.3.2026 14.30</t></is></c><c r="C2"><v>3</v></c><c r="D2"><v>4</v></c>'
            '</row><row r="1048576">' + "".join(f'<c r="{c}1048576" s="0"/>' for c in "ABCDEF") + "</row>")
    drop(tmp_path, "jono.xlsx", hand_made(rows, dimension="A1:F1048576"))
    readings, reasons = pull(make(tmp_path), UNTIL)
    assert reasons == []
    assert sorted((r.station, r.metric, r.value) for r in readings) == [
        ("kajaani", "contacts_phone_today", 4.0), ("kajaani", "queue_waiting", 3.0)]


def test_real_cells_down_to_the_last_row_are_still_refused(tmp_path):
    """What the declaration said is checked on the cells themselves: a row of six cells in every one of the
    sheet's 1 048 576 rows, a value in each, is 6 291 456 cells, refused however small the file. (Formatted empty
    cells below the last value are not read at all: tests/test_reporting_exports_2.py.)"""
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c><c r="F{i}" s="0"/></row>' for i in range(1, 1_048_577))
    reason = refused_beside_a_good_file(tmp_path, hand_made(rows, dimension="A1:F1048576"))
    assert "of more than 5 000 000 cells" in reason


def test_a_part_packed_far_tighter_than_any_export_is_refused(tmp_path):
    """2 000 identical rows of 200 cells: under the cell limit, but packed ~500 times; a real sheet packs 5–30×."""
    rows = "".join("<row>" + "<c><v>7</v></c>" * 200 + "</row>" for _ in range(2000))
    bomb = hand_made(rows)
    reason = refused_beside_a_good_file(tmp_path, bomb)
    assert "has a part (xl/worksheets/sheet1.xml) packed" in reason and "more than 100 times" in reason


def test_too_many_parts_and_too_much_in_total_are_refused():
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(xlsx_guard.MAX_MEMBERS + 1):
            archive.writestr(f"xl/media/{i}.bin", b"")
    assert workbook_problem(many.getvalue()) == f"has {xlsx_guard.MAX_MEMBERS + 1} parts, more than 1000"
    big = io.BytesIO()
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as archive:
        for i in range(3):  # stored, not packed: the ratio is 1, the total 210 MB
            archive.writestr(f"xl/media/image{i}.png", bytes(70 * 1024 * 1024))
    assert workbook_problem(big.getvalue()) == "would unpack to 210.0 MB, more than 200 MB"


@pytest.mark.parametrize("prefixed", [False, True], ids=["plain", "x-prefix"])
def test_cells_are_counted_with_or_without_a_namespace_prefix(prefixed):
    rows = wide_rows(400, last="ZZZ")  # 400 × 18 278 columns = 7.3 M cells
    if prefixed:  # as some .NET generators write it: <x:worksheet xmlns:x="…"><x:row>…
        rows = rows.replace("<row", "<x:row").replace("</row", "</x:row").replace("<c ", "<x:c ") \
            .replace("</c>", "</x:c>").replace("<v>", "<x:v>").replace("</v>", "</x:v>")
    data = hand_made(rows)
    if prefixed:
        data = _prefix_worksheet(data)
    assert workbook_problem(data) == "has a sheet (xl/worksheets/sheet1.xml) of more than 5 000 000 cells"


def _prefix_worksheet(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            text = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = text.replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=").replace(
                    b"</worksheet>", b"</x:worksheet>").replace(b"<dimension", b"<x:dimension").replace(
                    b"<sheetData>", b"<x:sheetData>").replace(b"</sheetData>", b"</x:sheetData>")
            archive.writestr(info.filename, text)
    return out.getvalue()


def real_export(rows_per_sheet: int) -> bytes:
    """A report as a reporting tool writes it: three sheets of station rows, times, counts and decimals."""
    rng = random.Random(19)
    stations = ["Kajaani", "Sotkamo", "Paltamo", "Kuhmo", "Suomussalmi", "Hyrynsalmi", "Puolanka", "Ristijärvi"]
    workbook = openpyxl.Workbook(write_only=True)  # (the same XML, written faster)
    for title in ["Jonot", "Yhteydenotot", "Palaute"]:
        sheet = workbook.create_sheet(title)
        sheet.append(["Asema", "Päivämäärä", "Jonossa", "Puhelut", "Omasote", "Chat", "Käynnit", "Vanhin (min)"])
        time = datetime(2026, 1, 1, 8)
        for i in range(rows_per_sheet):
            time += timedelta(minutes=15) if i % len(stations) == 0 else timedelta(0)
            sheet.append([stations[i % len(stations)], time, rng.randint(0, 30), rng.randint(0, 400),
                          rng.randint(0, 80), rng.randint(0, 20), rng.randint(0, 150), round(rng.random() * 90, 1)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def excel_style(rows_per_sheet: int) -> bytes:
    """Three sheets as Excel itself saves a report: shared strings, ``spans``, dates as serial numbers (style 1).

    Written as text here because openpyxl needs minutes for 100 000 rows on a busy machine; the XML is Excel's.
    """
    rng = random.Random(19)
    stations = ["Kajaani", "Sotkamo", "Paltamo", "Kuhmo", "Suomussalmi", "Hyrynsalmi", "Puolanka", "Ristijärvi"]
    header = ["Asema", "Päivämäärä", "Jonossa", "Puhelut", "Omasote", "Chat", "Käynnit", "Vanhin (min)"]
    strings = header + stations
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:  # Excel packs at the default level
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/sharedStrings.xml", f'<sst {NS} count="{len(strings)}" uniqueCount="{len(strings)}">'
                         + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
        for number in (1, 2, 3):
            lines = ['<row r="1" spans="1:8">' + "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>'
                                                         for i in range(8)) + "</row>"]
            serial = 46023.333  # 1.1.2026 8.00
            for r in range(2, rows_per_sheet + 2):
                serial += 15 / 1440 if r % len(stations) == 2 else 0
                values = [rng.randint(0, 30), rng.randint(0, 400), rng.randint(0, 80), rng.randint(0, 20),
                          rng.randint(0, 150), round(rng.random() * 90, 1)]
                lines.append(f'<row r="{r}" spans="1:8"><c r="A{r}" t="s"><v>{8 + r % len(stations)}</v></c>'
                             f'<c r="B{r}" s="1"><v>{serial:.6f}</v></c>'
                             + "".join(f'<c r="{chr(67 + i)}{r}"><v>{v}</v></c>' for i, v in enumerate(values))
                             + "</row>")
            archive.writestr(f"xl/worksheets/sheet{number}.xml",
                             f'<worksheet {NS}><dimension ref="A1:H{rows_per_sheet + 1}"/><sheetData>'
                             + "".join(lines) + "</sheetData></worksheet>")
    return buffer.getvalue()


def test_a_real_export_of_a_few_mb_passes():
    data = excel_style(40_000)
    assert len(data) > 3 * 1024 * 1024  # a few MB on disk
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sum(m.file_size for m in archive.infolist()) > 25 * 1024 * 1024  # ~30 MB of XML
    assert workbook_problem(data) is None


def test_a_workbook_written_by_openpyxl_passes_and_is_read_whole():
    data = real_export(2000)
    assert workbook_problem(data) is None
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)["Palaute"]
    assert sum(1 for _ in sheet.iter_rows()) == 2001


def test_a_real_export_through_the_connector_is_imported(tmp_path):
    rows = [["Asema", "Päivämäärä", "Jonossa", "Puhelut"]]
    rows += [["KAJ" if i % 2 else "SOT", datetime(2026, 3, 10, 8) + timedelta(minutes=15 * (i // 2)), i % 30, i]
             for i in range(2000)]
    drop(tmp_path, "raportti.xlsx", xlsx(rows))
    readings, reasons = pull(make(tmp_path), UNTIL)
    assert reasons == [] and len(readings) == 2 * 2000
