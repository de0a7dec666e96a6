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
from datetime import UTC, datetime, time
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Border, Side

from connectors.file_problems import BadFile
from connectors.xlsx_guard import check_workbook
from tests.test_items_domain import HKI
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


# ------------------------------------------------------------------ the day in a filter or title line above the table
def pivot_with_a_report_filter(path: Path, day: object) -> None:
    """An Excel pivot table saved as it is: its report filter above it (``Päivämäärä`` and the chosen day, a date
    cell or the item's text), a blank row, ``Rivitunnisteet`` and ``Summa / …`` headers, a grand total."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Pivot"
    sheet["A1"], sheet["B1"] = "Päivämäärä", day
    if not isinstance(day, str):
        sheet["B1"].number_format = "d.m.yyyy"
    sheet.append([])
    sheet.append(["Rivitunnisteet", "Summa / Puhelut", "Summa / Omasote-viestit"])
    sheet.append(["Kajaanin terveysasema", 412, 96])
    sheet.append(["Kuhmon terveysasema", 57, 11])
    sheet.append(["Sotkamon terveysasema", 133, 40])
    sheet.append(["Kokonaissumma", 602, 147])
    workbook.save(path)


def csv_with_lines_above(path: Path, lines: list[str], encoding: str = "utf-8-sig") -> None:
    """A reporting tool's CSV for one day (Finnish Windows: ``;``, CRLF), its parameters above the table."""
    table = ["Toimipiste;Puhelut;Omasote-viestit",
             "Kajaanin terveysasema;412;96",
             "Kuhmon terveysasema;57;11",
             "Sotkamon terveysasema;133;40",
             "Yhteensä;602;147"]
    path.write_bytes("\r\n".join([*lines, *table, ""]).encode(encoding))


DAILY = {"Puhelut": "contacts_phone_today", "Omasote-viestit": "contacts_omasote_today"}
#: By hand from the rows above: each station's two figures, on 1.12.2026 (stored at the day's last minute).
ON_THE_FIRST = {"kajaani": {"contacts_phone_today": 412.0, "contacts_omasote_today": 96.0},
                "kuhmo": {"contacts_phone_today": 57.0, "contacts_omasote_today": 11.0},
                "sotkamo": {"contacts_phone_today": 133.0, "contacts_omasote_today": 40.0}}
FIRST_DAYS_END = datetime(2026, 12, 1, 21, 59, tzinfo=UTC)  # 23.59 in Helsinki


@pytest.mark.parametrize("shape", [
    "pivot filter, date cell", "pivot filter, the item's text", "Ajanjakso a-b", "Raportti ajalta, cp1252",
    "Päivämäärä: and a run stamp"])
def test_the_day_named_above_a_table_without_a_date_column_is_every_rows_date(config_dir, tmp_path, shape):
    folder = tmp_path / "paiva"
    folder.mkdir()
    source = {"name": "paiva", "type": "files", "folder": str(folder), "patterns": ["*.csv", "*.xlsx"],
              "mapping": {"layout": "wide", "station": "Toimipiste", "time": "Päivämäärä", "metrics": DAILY}}
    if shape.startswith("pivot"):
        pivot_with_a_report_filter(folder / "pivot.xlsx", datetime(2026, 12, 1) if "cell" in shape else "1.12.2026")
        source["mapping"] = {"layout": "wide", "station": "Rivitunnisteet", "time": "Päivämäärä",
                             "metrics": {f"Summa / {k}": v for k, v in DAILY.items()}}
    elif shape == "Ajanjakso a-b":  # Power BI's paginated report saved as CSV
        csv_with_lines_above(folder / "yht.csv", ["Yhteydenotot asemittain", "Ajanjakso 1.12.2026 - 1.12.2026", ""])
    elif shape == "Raportti ajalta, cp1252":
        csv_with_lines_above(folder / "yht.csv", ["Yhteydenotot;;", "Raportti ajalta 1.12.2026;;", ";;"], "cp1252")
    else:
        csv_with_lines_above(folder / "yht.csv", ["Päivämäärä: 01.12.2026", "Ajettu 2.12.2026 klo 6.00"])
    outcome, store = run(config_dir, tmp_path, source)
    # Four rows under the header: three stations stored on 1.12, the grand total ignored.
    assert ledger(outcome) == (4, 3, 0, 1), [str(r) for r in outcome.rejects]
    for station, truth in ON_THE_FIRST.items():
        latest = store.latest_values(station, list(truth))
        assert {m: v.value for m, v in latest.items()} == truth
        assert {v.ts for v in latest.values()} == {FIRST_DAYS_END}
    store.dispose()


@pytest.mark.parametrize(("lines", "reason"), [
    (["Ajanjakso 1.12.2026 - 3.12.2026"],
     "file yht.csv: the table has no date column and line 1 above it gives the period 1.12.2026–3.12.2026: a row "
     "of it cannot be put on one day; export one day per file, or with the date as a column of the table"),
    (["Päivämäärä: 1.12.2026", "Raportti ajalta 2.12.2026"],
     "file yht.csv: the table has no date column and the lines above it name two different days (1.12.2026 on "
     "line 1, 2.12.2026 on line 2): which one its rows are for cannot be told; export one day per file, or with "
     "the date as a column of the table"),
], ids=["a period of three days", "two different days"])
def test_a_table_without_a_date_column_under_several_days_is_refused_whole(config_dir, tmp_path, lines, reason):
    folder = tmp_path / "paiva"
    folder.mkdir()
    csv_with_lines_above(folder / "yht.csv", lines)
    outcome, store = run(config_dir, tmp_path, {
        "name": "paiva", "type": "files", "folder": str(folder), "patterns": ["*.csv"],
        "mapping": {"layout": "wide", "station": "Toimipiste", "time": "Päivämäärä", "metrics": DAILY}})
    assert ledger(outcome) == (4, 0, 4, 0)
    assert [str(r) for r in outcome.rejects] == [f"{reason} (see rejected/yht.csv.reason.txt)"]
    assert (folder / "rejected" / "yht.csv").exists()
    assert store.latest_values("kajaani", list(DAILY.values())) == {}
    store.dispose()


# ------------------------------------------------------------------ a units row under the header
UNITS_CSV = ("Jonotilanne 2.12.2026\r\n"
             "Asema;Päivämäärä;Klo;Jonossa;Vanhin odotus;Samana päivänä;Puhelut tänään\r\n"
             ";pvm;klo;kpl;s;%;(kpl)\r\n"
             "Kajaanin terveysasema;2.12.2026;14.00;12;5400;83,6;1 204\r\n"
             "Sotkamon terveysasema;2.12.2026;14.00;4;90;0,5;310\r\n"
             "Yhteensä;;;16;;;1 514\r\n")
QUEUE = ["queue_waiting", "queue_oldest_wait_min", "queue_same_day_share_stated", "contacts_phone_today"]
UNITS_MAPPING = {"layout": "wide", "station": "Asema", "time": ["Päivämäärä", "Klo"],
                 "metrics": {"Jonossa": "queue_waiting", "Vanhin odotus": "queue_oldest_wait_min",
                             "Samana päivänä": "queue_same_day_share_stated",
                             "Puhelut tänään": "contacts_phone_today"}}


def units_workbook(path: Path) -> None:
    """The same report kept in Excel: the units row in brackets, the wait as h:mm time cells, the share as
    percent-formatted cells (which hold the fraction: 83,6 % is 0,836)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Jonotilanne 2.12.2026"])
    sheet.append(["Asema", "Päivämäärä", "Klo", "Jonossa", "Vanhin odotus", "Samana päivänä", "Puhelut tänään"])
    sheet.append([None, "(pvm)", "(klo)", "(kpl)", "(h:mm)", "(%)", "(kpl)"])
    sheet.append(["Kajaanin terveysasema", datetime(2026, 12, 2), time(14), 12, time(1, 30), 0.836, 1204])
    sheet.append(["Sotkamon terveysasema", datetime(2026, 12, 2), time(14), 4, time(0, 1, 30), 0.005, 310])
    sheet.append(["Yhteensä", None, None, 16, None, None, 1514])
    for row in (4, 5):
        sheet[f"B{row}"].number_format = "d.m.yyyy"
        sheet[f"E{row}"].number_format = "h:mm"
        sheet[f"F{row}"].number_format = "0.0 %"
    workbook.save(path)


@pytest.mark.parametrize("shape", ["CSV, cp1252", "workbook"])
def test_a_units_row_under_the_header_is_not_data_and_its_units_are_read(config_dir, tmp_path, shape):
    folder = tmp_path / "jono"
    folder.mkdir()
    if shape == "workbook":
        units_workbook(folder / "jono.xlsx")
    else:
        (folder / "jono.csv").write_bytes(UNITS_CSV.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {"name": "jono", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv", "*.xlsx"], "mapping": UNITS_MAPPING})
    # Four rows under the header: the units row and the totals row ignored, two stations stored.
    assert ledger(outcome) == (4, 2, 0, 2), [str(r) for r in outcome.rejects]
    # By hand: 5 400 s is 90 min and 90 s is 1,5 min; 83,6 % and 0,5 % (a percent under '%', not a half).
    assert values(store, "kajaani", QUEUE) == {"queue_waiting": 12.0, "queue_oldest_wait_min": 90.0,
                                               "queue_same_day_share_stated": 0.836, "contacts_phone_today": 1204.0}
    assert values(store, "sotkamo", QUEUE) == {"queue_waiting": 4.0, "queue_oldest_wait_min": 1.5,
                                               "queue_same_day_share_stated": 0.005, "contacts_phone_today": 310.0}
    store.dispose()


@pytest.mark.parametrize(("units", "setting", "reason"), [
    (";pvm;klo;%;s;%;kpl", {}, "file jono.csv line 3: the units row says '%' for column 'Jonossa', but queue_waiting "
     "is a count; map the column to a metric of that unit, or fix the units row"),
    (";pvm;klo;kpl;s;%;kpl", {"queue_oldest_wait_min": "min"}, "file jono.csv line 3: the units row says 's' for "
     "column 'Vanhin odotus', but mapping.units in sources.yaml says 'min' for queue_oldest_wait_min; which is "
     "right cannot be told: make them agree"),
], ids=["a percent under a count", "seconds against mapping.units"])
def test_a_units_row_that_cannot_be_the_metrics_refuses_the_file(config_dir, tmp_path, units, setting, reason):
    folder = tmp_path / "jono"
    folder.mkdir()
    (folder / "jono.csv").write_bytes(UNITS_CSV.replace(";pvm;klo;kpl;s;%;(kpl)", units).encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {"name": "jono", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": {**UNITS_MAPPING, "units": setting}})
    assert ledger(outcome) == (4, 0, 4, 0)
    assert [str(r) for r in outcome.rejects] == [f"{reason} (see rejected/jono.csv.reason.txt)"]
    assert values(store, "kajaani", QUEUE) == {}
    store.dispose()


# ------------------------------------------------------------------ a row per hour range (contact-centre reports)
HOURLY = [  # station, day, range, calls that came in, answered, in the queue at the range's end
    ("Kajaanin terveysasema", "1.12.2026", (8, 9), 41, 38, 6),
    ("Kajaanin terveysasema", "1.12.2026", (9, 10), 35, 35, 2),
    ("Kajaanin terveysasema", "1.12.2026", (10, 11), 20, 18, 3),
    ("Sotkamon terveysasema", "1.12.2026", (8, 9), 12, 12, 0),
    ("Sotkamon terveysasema", "1.12.2026", (9, 10), 9, 8, 1),
    ("TOTAL", "1.12.2026", None, 117, 111, None),
    ("Kajaanin terveysasema", "2.12.2026", (8, 9), 44, 40, 7),
    ("Kajaanin terveysasema", "2.12.2026", (9, 10), 30, 29, 4),
    ("Kajaanin terveysasema", "2.12.2026", (10, 11), 11, 9, 5),   # in progress at 10.30
    ("Kajaanin terveysasema", "2.12.2026", (11, 12), 0, 0, 0),    # still to come: no figures yet
    ("Sotkamon terveysasema", "2.12.2026", (8, 9), 10, 10, 1),
    ("Sotkamon terveysasema", "2.12.2026", (9, 10), 7, 7, 0),
    ("TOTAL", "2.12.2026", None, 102, 95, None),
]
HOURLY_AT = "2026-12-02 10:30"
RANGE_STYLES = {"en dash": "{a}.00–{b}.00", "hyphen, 24 h clock": "{a:02d}:00 - {b:02d}:00", "klo": "klo {a}-{b}"}


def hourly_csv(path: Path, style: str, encoding: str, rows: list[tuple] = HOURLY) -> None:
    """The telephony system's hourly queue report saved as CSV: title lines, ``;``, a ``Yhteensä`` per day."""
    lines = ["Jonoraportti tunneittain", "Ajettu 2.12.2026 klo 10.30", "",
             "Jono;Päivämäärä;Aikaväli;Saapuneet puhelut;Vastatut;Jonossa"]
    for station, day, hours, calls, answered, queue in rows:
        span = RANGE_STYLES[style].format(a=hours[0], b=hours[1]) if hours else "Yhteensä"
        lines.append(";".join(["" if station == "TOTAL" else station, day, span, str(calls), str(answered),
                               "" if queue is None else str(queue)]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


def hourly_workbook(path: Path) -> None:
    """The same report for 2.12 alone as the contact-centre tool saves it: the day only in the merged title, no
    date column, ``klo 8-9`` ranges, the day's ``Yhteensä`` in the range column."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Puhelujonot tunneittain 2.12.2026"])
    sheet.merge_cells("A1:E1")
    sheet.append([])
    sheet.append(["Jono", "Aikaväli", "Saapuneet puhelut", "Vastatut", "Jonossa"])
    for station, day, hours, calls, answered, queue in HOURLY:
        if day == "2.12.2026":
            sheet.append([None if station == "TOTAL" else station,
                          f"klo {hours[0]}-{hours[1]}" if hours else "Yhteensä", calls, answered, queue])
    workbook.save(path)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=HKI).astimezone(UTC)


#: By hand from HOURLY: calls summed over each day's ranges up to each range's end (the running total since
#: midnight), the queue as it stood at each range's end; the range in progress at 10.30, the hour to come not at all.
HOURLY_TRUTH = {
    ("kajaani", "contacts_phone_today"): {at(1, 9): 41, at(1, 10): 76, at(1, 11): 96,
                                          at(2, 9): 44, at(2, 10): 74, at(2, 10, 30): 85},
    ("kajaani", "queue_waiting"): {at(1, 9): 6, at(1, 10): 2, at(1, 11): 3,
                                   at(2, 9): 7, at(2, 10): 4, at(2, 10, 30): 5},
    ("sotkamo", "contacts_phone_today"): {at(1, 9): 12, at(1, 10): 21, at(2, 9): 10, at(2, 10): 17},
    ("sotkamo", "queue_waiting"): {at(1, 9): 0, at(1, 10): 1, at(2, 9): 1, at(2, 10): 0},
}
HOURLY_MAPPING = {"layout": "wide", "station": "Jono", "time": ["Päivämäärä", "Aikaväli"],
                  "metrics": {"Saapuneet puhelut": "contacts_phone_today", "Vastatut": "ignore",
                              "Jonossa": "queue_waiting"}}


def stored_series(store, station: str, metric: str) -> dict[datetime, float]:
    return {r.ts: r.value for r in store.series(station, [metric], at(1, 0), at(3, 0))}


@pytest.mark.parametrize("shape", ["CSV, en dash, BOM", "CSV, hyphen, 24 h clock, cp1252", "CSV, klo",
                                   "workbook, the day in the title"])
def test_a_report_of_hour_ranges_sums_the_counts_and_takes_the_queue_at_each_ranges_end(config_dir, tmp_path, shape):
    folder = tmp_path / "tunnit"
    folder.mkdir()
    mapping = dict(HOURLY_MAPPING)
    if shape.startswith("workbook"):
        hourly_workbook(folder / "tunnit.xlsx")
        days = {2}
    else:
        style = next(s for s in RANGE_STYLES if s in shape)
        hourly_csv(folder / "tunnit.csv", style, "cp1252" if "cp1252" in shape else "utf-8-sig")
        days = {1, 2}
    outcome, store = run(config_dir, tmp_path, {"name": "tunnit", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv", "*.xlsx"], "mapping": mapping}, at=HOURLY_AT)
    # 13 rows (7 of 2.12 alone in the workbook): the day's totals and the hour to come ignored, the others stored.
    assert ledger(outcome) == ((13, 10, 0, 3) if days == {1, 2} else (7, 5, 0, 2)), [str(r) for r in outcome.rejects]
    for (station, metric), truth in HOURLY_TRUTH.items():
        assert stored_series(store, station, metric) == {t: v for t, v in truth.items()
                                                         if t.astimezone(HKI).day in days}, (station, metric)
    store.dispose()


@pytest.mark.parametrize("case", ["overlapping ranges", "a bad count"])
def test_a_range_row_that_cannot_be_summed_refuses_the_running_totals_after_it(config_dir, tmp_path, case):
    """Overlapping ranges: 8.30–9.30 beside 8.00–9.00, the day's count cannot be summed from there on (9.00–10.00
    and 10.00–11.00 too: their totals would hold the overlap twice or miss it). A bad count, '3x' calls at
    9.00–10.00: that row refused, and 10.00–11.00 after it (its total would miss the 9–10 calls)."""
    folder = tmp_path / "tunnit"
    folder.mkdir()
    rows = list(HOURLY)
    overlap = case == "overlapping ranges"
    if overlap:
        rows.insert(1, ("Kajaanin terveysasema", "1.12.2026", (8, 9), 5, 5, 1))  # re-written as 8.30–9.30 below
    else:
        rows[1] = ("Kajaanin terveysasema", "1.12.2026", (9, 10), "3x", 35, 2)
    hourly_csv(folder / "tunnit.csv", "en dash", "utf-8-sig", rows)
    text = (folder / "tunnit.csv").read_bytes().decode("utf-8-sig").replace(
        "Kajaanin terveysasema;1.12.2026;8.00–9.00;5;5;1", "Kajaanin terveysasema;1.12.2026;8.30–9.30;5;5;1")
    (folder / "tunnit.csv").write_bytes(text.encode("utf-8-sig"))
    outcome, store = run(config_dir, tmp_path, {"name": "tunnit", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": HOURLY_MAPPING}, at=HOURLY_AT)
    reasons = sorted(str(r) for r in outcome.rejects)
    if overlap:  # lines 5-8 are Kajaani's 1.12: 8-9, 8.30-9.30, 9-10, 10-11
        assert ledger(outcome) == (14, 7, 4, 3)
        assert any("line 5: hour range 1.12.2026 8.00–9.00 overlaps 1.12.2026 8.30–9.30 on line 6" in r
                   for r in reasons), reasons
        assert any("line 8: the day's running total at 1.12.2026 10.00–11.00 cannot be counted: an earlier hour "
                   "range of station kajaani (line 5) was refused" in r for r in reasons), reasons
    else:  # line 6 is the bad count, line 7 the range after it
        assert ledger(outcome) == (13, 8, 2, 3)
        assert any("line 6: contacts_phone_today: '3x' is not a number" in r for r in reasons), reasons
        assert any("line 7: the day's running total at 1.12.2026 10.00–11.00 cannot be counted: an earlier hour "
                   "range of station kajaani (line 6) was refused" in r for r in reasons), reasons
    # Nothing of Kajaani's 1.12 from the bad row on is stored; its 2.12 and Sotkamo are as counted by hand.
    kajaani = stored_series(store, "kajaani", "contacts_phone_today")
    first_kept = {} if overlap else {at(1, 9): 41}
    assert kajaani == {**first_kept, at(2, 9): 44, at(2, 10): 74, at(2, 10, 30): 85}
    assert stored_series(store, "sotkamo", "contacts_phone_today") == HOURLY_TRUTH[("sotkamo", "contacts_phone_today")]
    store.dispose()


# ------------------------------------------------------------------ the reason file in the administrator's language
@pytest.mark.parametrize(("setting", "expected"), [
    (None, ["Ohjaustaulu luki tiedoston jono.csv lähteestä jono ",
            ": 5 datariviä, tallennettu 8 lukemaa, 1 hylätty rivi, 2 ohitettua riviä.",
            "Hylätyt rivit (korjaa ne ja pudota kansioon tiedosto, jossa on vain nämä rivit):\nrivi 6: queue_waiting: ",
            "Ohitetut rivit (eivät ole tietoa, tai toistoja):\n"
            "rivi 3: yksikkörivi otsikkorivin alla (ei tietoa; sen yksiköt otetaan käyttöön)\n"
            "rivi 7: yhteensärivi (ei aseman lukuja)\n"]),
    ("sv", ["Tavlan läste filen jono.csv från källan jono ",
            ": 5 datarader, 8 mätvärden sparade, 1 rad avvisad, 2 rader förbigångna.",
            "Förbigångna rader (inte data, eller upprepningar):\n"
            "rad 3: en enhetsrad under rubrikraden (inte data; dess enheter används)\n"
            "rad 7: en summarad (inte en stations siffror)\n"]),
    ("en", ["The board read the file jono.csv from source jono at ",
            "Ignored rows (not data, or repeats):\n"
            "line 3: a units row under the header (not data; its units are used)\n"
            "line 7: a totals row (not a station's figures)\n"]),
], ids=["board.yaml's language (fi)", "reason_language: sv", "reason_language: en"])
def test_the_reason_file_is_in_the_administrators_language_with_the_english_after_it(config_dir, tmp_path, setting,
                                                                                     expected):
    """Before, NAME.reason.txt and the ignored rows' reasons were English only, for a Finnish administrator."""
    folder = tmp_path / "jono"
    folder.mkdir()
    bad = UNITS_CSV.replace("Yhteensä;", "Kuhmon terveysasema;2.12.2026;14.00;kaksi;60;50;7\r\nYhteensä;")
    (folder / "jono.csv").write_bytes(bad.encode("cp1252"))
    source = {"name": "jono", "type": "files", "folder": str(folder), "patterns": ["*.csv"], "mapping": UNITS_MAPPING}
    if setting:
        source["reason_language"] = setting
    outcome, store = run(config_dir, tmp_path, source)
    assert ledger(outcome) == (5, 2, 1, 2)
    store.dispose()
    text = (folder / "processed" / "jono.csv.reason.txt").read_text(encoding="utf-8")
    separator = {None: "— Sama englanniksi (In English) —", "sv": "— Samma på engelska (In English) —"}.get(setting)
    own, english = text.split(separator) if separator else (text, text)
    for piece in expected:
        assert piece in own, (piece, own)
    # The English follows, as the logs say it; nothing of it in the administrator's part.
    assert "line 6: queue_waiting: 'kaksi' is not a number" in english
    if separator:
        assert "line " not in own and "is not a number" not in own


def test_a_query_or_api_giving_hour_ranges_has_its_counts_refused_not_taken_for_the_days_total():
    """Only a file is read whole, so only a file's ranges can be summed: a database view or an API page giving a
    count per hour range would otherwise store each hour's calls as the day's running total. Its gauges are read,
    at the range's end."""
    from board.source_settings import FieldMapping
    from connectors.mapping import RecordError, RecordMapper

    mapping = FieldMapping(layout="wide", station="asema", time=["pvm", "tunti"],
                           metrics={"puhelut": "contacts_phone_today", "jonossa": "queue_waiting"})
    mapper = RecordMapper(mapping, ["kajaani"], at(2, 12))
    with pytest.raises(RecordError) as refused:
        mapper.map({"asema": "kajaani", "pvm": "2.12.2026", "tunti": "9.00-10.00", "puhelut": "30", "jonossa": "4"})
    assert refused.value.args[0].code == "hour_range_not_summed"
    (reading,) = mapper.map({"asema": "kajaani", "pvm": "2.12.2026", "tunti": "9.00-10.00", "jonossa": "4"})
    assert (reading.metric, reading.ts, reading.value) == ("queue_waiting", at(2, 10), 4.0)


def test_a_date_above_a_table_that_has_its_own_dates_is_not_taken_for_every_rows(config_dir, tmp_path):
    """A date column under another name than sources.yaml's (``Pvm`` where the mapping says ``Päivämäärä``): the
    rows have dates of their own, so the title's date is not put on them; the missing column is refused as ever."""
    folder = tmp_path / "paiva"
    folder.mkdir()
    (folder / "yht.csv").write_bytes("\r\n".join([
        "Raportti ajalta 1.12.2026", "Toimipiste;Pvm;Puhelut;Omasote-viestit",
        "Kajaanin terveysasema;30.11.2026;412;96", "Kajaanin terveysasema;1.12.2026;57;11", ""]).encode("utf-8-sig"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "paiva", "type": "files", "folder": str(folder), "patterns": ["*.csv"],
        "mapping": {"layout": "wide", "station": "Toimipiste", "time": "Päivämäärä", "metrics": DAILY}})
    assert [str(r) for r in outcome.rejects] == [
        "column 'Toimipiste', 'Päivämäärä' missing from file yht.csv; its columns are: 'Raportti ajalta 1.12.2026' "
        "(fix the query/export or mapping in sources.yaml) (see rejected/yht.csv.reason.txt)"]
    assert store.latest_values("kajaani", list(DAILY.values())) == {}
    store.dispose()


def test_a_days_share_over_one_hour_range_is_refused_with_what_to_map_instead():
    """A share over 9.00–10.00 is not the day's share (queue_same_day_share_stated is the day's), and shares
    cannot be summed: the row is refused with the advice, in a file as anywhere."""
    from board.source_settings import FieldMapping
    from connectors.mapping import RecordError, RecordMapper

    mapping = FieldMapping(layout="wide", station="asema", time=["pvm", "tunti"],
                           metrics={"samana päivänä": "queue_same_day_share_stated"})
    mapper = RecordMapper(mapping, ["kajaani"], at(2, 12))
    mapper.begin(rows_in_order=True)  # as a file is read
    with pytest.raises(RecordError) as refused:
        mapper.map({"asema": "kajaani", "pvm": "2.12.2026", "tunti": "9.00-10.00", "samana päivänä": "80 %"})
    assert str(refused.value) == ("queue_same_day_share_stated: a share over one hour range is not the day's share, "
                                  "and shares cannot be summed; map the counts it is made of, or map this column to "
                                  "ignore")


def test_the_reason_files_note_on_left_out_columns_is_in_the_administrators_language_too(config_dir, tmp_path):
    """The survey export of user check 3 (an open question as a column's header): the note that its free-text
    columns were emptied in the copy kept comes in Finnish first, then in English as before."""
    from tests.export_builders import OPEN_QUESTION, survey_source
    from tests.test_reporting_exports import SURVEY

    folder = tmp_path / "palaute"
    folder.mkdir()
    (folder / "palaute.csv").write_bytes(SURVEY.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, survey_source("palaute", folder))
    store.dispose()
    assert ledger(outcome) == (4, 4, 0, 0)
    text = (folder / "processed" / "palaute.csv.reason.txt").read_text(encoding="utf-8")
    finnish, english = text.split("— Sama englanniksi (In English) —")
    columns = f"'{OPEN_QUESTION}', 'Terveiset henkilökunnalle'"
    assert (f"Sarakkeissa {columns} voi olla henkilön nimi, yhteystietoja tai vapaata tekstiä: ohjaustaulu ei lue "
            "niitä, ja ne on tyhjennetty tänne säilytetystä tiedoston kopiosta") in finnish
    assert f"Columns {columns} may hold a person's name" in english and "may hold" not in finnish
