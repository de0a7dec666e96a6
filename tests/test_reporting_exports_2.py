"""Export shapes the third user check left refused, connected by a new administrator from docs/CONNECTORS.md alone
(user check 4).

Each file is written the way its tool writes it (Excel's XML for a sheet formatted down to its last row; a pivot's
or Power BI's filter lines above the table; a units row under the header; a contact-centre report's hour ranges),
and each truth is written out by hand from the rows below, never computed by the board's code. Every run accounts
for each row read (read = stored + refused + ignored).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Border, Side

from connectors.file_problems import BadFile
from connectors.xlsx_guard import check_workbook
from tests.test_reporting_exports import ledger, run, values
from tests.test_xlsx_bombs import hand_made, wide_rows

LAST_ROW = 1_048_576


# ------------------------------------------------------------------ a sheet formatted down to row 1 048 576
def formatted_to_the_bottom(rows: list[list[object]], columns: str = "ABCDEFGH") -> bytes:
    """A workbook whose data is ``rows`` and whose columns ``columns`` were given a border down to the sheet's last
    row, saved as Excel saves it: the data, then a self-closing ``<c r="A5" s="1"/>`` for every formatted empty cell
    of every row down to 1 048 576, and the dimension ``A1:H1048576``. (openpyxl would need minutes to write a
    million rows; the data is written by openpyxl and the formatted rows are added to its XML.)"""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Jonot"
    for row in rows:
        sheet.append(row)
    thin = Side(style="thin")
    for column in columns:  # the border the user drew; openpyxl writes style 1 for it
        sheet[f"{column}{len(rows)}"].border = Border(bottom=thin)
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                empty = "".join(f'<row r="{r}" spans="1:{len(columns)}">'
                                + "".join(f'<c r="{c}{r}" s="1"/>' for c in columns) + "</row>"
                                for r in range(len(rows) + 1, LAST_ROW + 1))
                text = data.decode().replace("</sheetData>", empty + "</sheetData>")
                text = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{columns[-1]}{LAST_ROW}"/>', text)
                data = text.encode()
            archive.writestr(info.filename, data)
    return out.getvalue()


def test_a_sheet_formatted_down_to_its_last_row_is_read_as_the_rows_it_has(config_dir, tmp_path):
    """6 columns × 1 048 576 rows of formatted empty cells (6.3 M cells, 170 MB of XML, 14 MB on disk): before,
    refused as 'a sheet of more than 5 000 000 cells' with no word of what to do. The data is 4 rows."""
    folder = tmp_path / "jonot"
    folder.mkdir()
    data = formatted_to_the_bottom([
        ["Asema", "Päivämäärä", "Klo", "Jonossa", "Vanhin odotus (min)"],
        ["Kajaanin terveysasema", "2.12.2026", "14.00", 12, 35],
        ["Sotkamon terveysasema", "2.12.2026", "14.00", 4, 10],
        ["Yhteensä", None, None, 16, None],
    ], columns="ABCDEF")
    assert len(data) < 20 * 1024 * 1024  # under max_file_mb: only the cells make it large
    (folder / "jonot.xlsx").write_bytes(data)
    outcome, store = run(config_dir, tmp_path, {
        "name": "jonot", "type": "files", "folder": str(folder), "patterns": ["*.xlsx"],
        "mapping": {"layout": "wide", "station": "Asema", "time": ["Päivämäärä", "Klo"],
                    "metrics": {"Jonossa": "queue_waiting", "Vanhin odotus (min)": "queue_oldest_wait_min"}}})
    # Three rows under the header: two stations stored, the totals row ignored; the empty rows are not rows.
    assert ledger(outcome) == (3, 2, 0, 1), [str(r) for r in outcome.rejects]
    assert values(store, "kajaani", ["queue_waiting", "queue_oldest_wait_min"]) == {
        "queue_waiting": 12.0, "queue_oldest_wait_min": 35.0}
    assert values(store, "sotkamo", ["queue_waiting", "queue_oldest_wait_min"]) == {
        "queue_waiting": 4.0, "queue_oldest_wait_min": 10.0}
    store.dispose()


def test_a_workbook_too_large_to_open_says_what_to_delete():
    """The guard stays (5 000 rows reaching column XFD are 82 M cells as openpyxl pads them), and its reason says
    what an administrator can do, in the board's languages."""
    try:
        check_workbook("jono.xlsx", hand_made(wide_rows(5000)))
    except BadFile as e:
        reason = e.args[0]
    else:
        raise AssertionError("not refused")
    assert "delete the empty rows below the data and the empty columns after it" in reason
    from board.web.reasons import reason_text

    finnish = reason_text(reason, "fi")
    assert finnish.startswith("tiedosto jono.xlsx sisältää välilehden (xl/worksheets/sheet1.xml), jossa on yli "
                              "5 000 000 solua")
    assert "poista tyhjät rivit tietojen alta" in finnish
    assert "ta bort de tomma raderna" in reason_text(reason, "sv")


def test_values_below_formatted_empty_rows_are_still_read(tmp_path: Path):
    """The last row with a value decides where reading stops, not the first empty stretch: a row after 2 000
    formatted empty rows is read (and counted by the guard)."""
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Asema</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>Jonossa</t></is></c></row>'
            + "".join(f'<row r="{r}"><c r="A{r}" s="0"/><c r="B{r}" s="0"/></row>' for r in range(2, 2002))
            + '<row r="2002"><c r="A2002" t="inlineStr"><is><t>KAJ</t></is></c><c r="B2002"><v>3</v></c></row>'
            + "".join(f'<row r="{r}"><c r="A{r}" s="0"/></row>' for r in range(2003, 3000)))
    assert check_workbook("a.xlsx", hand_made(rows)) == {"xl/worksheets/sheet1.xml": 2002}
