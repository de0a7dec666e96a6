"""The drop-folder connector against real CSV and Excel files on disk."""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from board.collector import Collector
from board.domain.reading import Reading, Rejected
from board.settings import PROJECT_DIR, load_settings
from board.source_settings import FilesSource
from board.store import Store
from connectors.errors import ConfigurationError
from connectors.files import FilesConnector

UNTIL = datetime(2026, 6, 20, 9, 0, tzinfo=UTC)  # 12.00 in Helsinki
STATIONS = ["kajaani", "sotkamo"]
HETU = "131052-308T"
WIDE = {"layout": "wide", "station": "Asema", "time": "Päivämäärä",
        "metrics": {"Jonossa": "queue_waiting", "Puhelut": "contacts_phone_today"},
        "stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}
JONO = {**WIDE, "metrics": {"Jonossa": "queue_waiting"}}  # a wide export with the queue column only
WHOLE = {"on_bad_row": "refuse_file"}  # the old all-or-nothing behaviour, still an option
LONG = {"layout": "long", "station": "station", "time": "time", "metric": "metric", "value": "value"}
WIDE_HEADER = "Asema;Päivämäärä;Jonossa;Puhelut\r\n"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make(tmp_path: Path, mapping: dict[str, Any] | None = None, **settings: Any) -> FilesConnector:
    source = FilesSource.model_validate({
        "name": "vienti", "type": "files", "folder": str(tmp_path / "inbox"), "settle_seconds": 0,
        "mapping": WIDE if mapping is None else mapping, **settings})
    return FilesConnector(source, STATIONS)


def drop(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8", age: float = 60) -> Path:
    """Write a file into the inbox, ``age`` seconds old (the order of import follows it)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    path = inbox / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    age_file(path, age)
    return path


def age_file(path: Path, age: float) -> None:
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))


def pull(connector: FilesConnector, until: datetime = UNTIL) -> tuple[list[Reading], list[str]]:
    readings: list[Reading] = []
    reasons: list[str] = []
    for item in connector.pull(None, until):
        if isinstance(item, Rejected):
            reasons.append(item.reason)
        elif isinstance(item, Reading):
            readings.append(item)
    return readings, reasons


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def xlsx(rows: list[list[Any]]) -> bytes:
    """A real workbook, as openpyxl (like Excel) writes it."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------ reading formats
def test_finnish_excel_csv_in_cp1252_with_decimal_commas_and_finnish_times(tmp_path):
    content = (WIDE_HEADER
               + "KAJ;10.03.2026 14.30;12,0;1 234\r\n"   # winter: UTC+2 (counts are whole: 12,5 is refused)
               + ";;;\r\n"                               # Excel's empty row
               + "SOT;15.06.2026 08.05;3;40\r\n"         # summer: UTC+3
               + "KAJ;11.03.2026;0;310\r\n")             # a date alone: that day's total
    path = drop(tmp_path, "jono.csv", content, encoding="cp1252")
    raw = path.read_bytes()
    assert b"P\xe4iv\xe4m\xe4\xe4r\xe4" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")

    readings, reasons = pull(make(tmp_path))

    assert reasons == []
    assert readings == [
        Reading("kajaani", "queue_waiting", utc(2026, 3, 10, 12, 30), 12.0),
        Reading("kajaani", "contacts_phone_today", utc(2026, 3, 10, 12, 30), 1234.0),
        Reading("sotkamo", "queue_waiting", utc(2026, 6, 15, 5, 5), 3.0),
        Reading("sotkamo", "contacts_phone_today", utc(2026, 6, 15, 5, 5), 40.0),
        Reading("kajaani", "queue_waiting", utc(2026, 3, 11, 21, 59), 0.0),
        Reading("kajaani", "contacts_phone_today", utc(2026, 3, 11, 21, 59), 310.0),
    ]


@pytest.mark.parametrize("bom", [True, False], ids=["utf8-bom", "utf8-plain"])
def test_utf8_comma_separated_long_layout_with_iso_times(tmp_path, bom):
    content = ("station,time,metric,value\n"
               "kajaani,2026-03-10T14:30:00+02:00,queue_waiting,7\n"
               "sotkamo,2026-06-15T08:00:00,contacts_phone_today,250\n"  # no offset: Helsinki
               "sotkamo,2026-06-16,contacts_phone_today,260\n")
    drop(tmp_path, "long.csv", ("\ufeff" if bom else "") + content)

    readings, reasons = pull(make(tmp_path, LONG))

    assert reasons == []
    assert readings == [
        Reading("kajaani", "queue_waiting", utc(2026, 3, 10, 12, 30), 7.0),
        Reading("sotkamo", "contacts_phone_today", utc(2026, 6, 15, 5, 0), 250.0),
        Reading("sotkamo", "contacts_phone_today", utc(2026, 6, 16, 20, 59), 260.0),
    ]


def test_quoted_field_containing_the_separator(tmp_path):
    drop(tmp_path, "quoted.csv", 'station,time,metric,value\nkajaani,2026-03-10 14:30,queue_oldest_wait_min,"12,5"\n'
                                 '"sotkamo",2026-03-10 14:30,"queue_oldest_wait_min","1,234.5"\n')

    readings, reasons = pull(make(tmp_path, LONG))

    assert reasons == []
    assert [(r.station, r.value) for r in readings] == [("kajaani", 12.5), ("sotkamo", 1234.5)]


def test_line_numbers_count_lines_as_an_editor_does(tmp_path):
    drop(tmp_path, "a.csv", "Asema;Päivämäärä;Jonossa;Huom\r\n\r\nKAJ;10.03.2026 14.30;yksi;\"kaksi\r\nriviä\"\r\n"
                            "KAJ;10.03.2026 14.35;kolme;\r\n")

    _, reasons = pull(make(tmp_path, JONO, **WHOLE))

    assert reasons[0].startswith("file a.csv line 3: queue_waiting: 'yksi' is not a number (and 1 more problem")
    reason_file = (tmp_path / "inbox" / "rejected" / "a.csv.reason.txt").read_text(encoding="utf-8")
    assert "\nline 5: queue_waiting: 'kolme' is not a number\n" in reason_file


@pytest.mark.parametrize("separator", ["\t", "|"], ids=["tab", "pipe"])
def test_tab_and_pipe_separators_are_recognised(tmp_path, separator):
    lines = [["station", "time", "metric", "value"], ["kajaani", "2026-03-10 14:30", "queue_waiting", "4"]]
    drop(tmp_path, "x.csv", "\n".join(separator.join(line) for line in lines) + "\n")

    readings, reasons = pull(make(tmp_path, LONG))

    assert (readings, reasons) == ([Reading("kajaani", "queue_waiting", utc(2026, 3, 10, 12, 30), 4.0)], [])


def test_an_unquoted_decimal_comma_in_a_comma_separated_file_is_refused_not_misread(tmp_path):
    drop(tmp_path, "shifted.csv", "station,time,metric,value\nkajaani,2026-03-10 14:30,queue_waiting,12,5\n")

    readings, reasons = pull(make(tmp_path, LONG))

    assert readings == []
    assert len(reasons) == 1
    assert reasons[0].startswith("file shifted.csv line 2: 5 fields but the header has 4")


def test_excel_workbook_with_date_cells_and_numbers(tmp_path):
    drop(tmp_path, "raportti.xlsx", xlsx([
        ["Asema", "Päivämäärä", "Jonossa", "Puhelut"],
        ["KAJ", datetime(2026, 3, 10, 14, 30), 12, 1234],
        [],  # an empty row is skipped
        ["SOT", datetime(2026, 6, 15, 8, 5), 3.0, None],  # an empty cell: no reading
        ["KAJ", date(2026, 3, 11), 0, "310"],  # a date cell without a time: that day's total
    ]))

    readings, reasons = pull(make(tmp_path))

    assert reasons == []
    assert readings == [
        Reading("kajaani", "queue_waiting", utc(2026, 3, 10, 12, 30), 12.0),
        Reading("kajaani", "contacts_phone_today", utc(2026, 3, 10, 12, 30), 1234.0),
        Reading("sotkamo", "queue_waiting", utc(2026, 6, 15, 5, 5), 3.0),
        Reading("kajaani", "queue_waiting", utc(2026, 3, 11, 21, 59), 0.0),
        Reading("kajaani", "contacts_phone_today", utc(2026, 3, 11, 21, 59), 310.0),
    ]


def test_excel_problems_name_the_row_as_excel_shows_it(tmp_path):
    drop(tmp_path, "raportti.xlsx", xlsx([
        ["Asema", "Päivämäärä", "Jonossa", "Puhelut"],
        ["KAJ", datetime(2026, 3, 10, 14, 30), 12, 1234],
        [],
        [],
        ["KAJ", datetime(2026, 3, 10, 15, 30), "12,5x", 1],
    ]))

    readings, reasons = pull(make(tmp_path, **WHOLE))

    assert readings == []
    assert reasons == ["file raportti.xlsx row 5: queue_waiting: '12,5x' is not a number "
                       "(see rejected/raportti.xlsx.reason.txt)"]


def test_a_workbook_with_a_wrong_used_range_is_read_whole(tmp_path):
    """Some exporters write a used range of A1:A1; trusting it would silently drop every row."""
    good = xlsx([["Asema", "Päivämäärä", "Jonossa"], ["KAJ", datetime(2026, 3, 10, 14, 30), 1],
                 ["SOT", datetime(2026, 3, 10, 14, 30), 2]])
    source, target = io.BytesIO(good), io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:C3"' in data
                data = data.replace(b'<dimension ref="A1:C3"', b'<dimension ref="A1:A1"')
            zout.writestr(item, data)
    drop(tmp_path, "a.xlsx", target.getvalue())

    readings, reasons = pull(make(tmp_path, JONO))

    assert reasons == [] and [r.value for r in readings] == [1.0, 2.0]


def test_a_chosen_sheet_is_read_and_a_missing_one_refuses_the_file(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Kansi"
    workbook.active["A1"] = "Jonotilanne"
    data = workbook.create_sheet("Luvut")
    data.append(["Asema", "Päivämäärä", "Jonossa"])
    data.append(["SOT", datetime(2026, 3, 10, 14, 30), 9])
    buffer = io.BytesIO()
    workbook.save(buffer)
    drop(tmp_path, "a.xlsx", buffer.getvalue())

    assert pull(make(tmp_path, JONO, sheet="Luvut")) == (
        [Reading("sotkamo", "queue_waiting", utc(2026, 3, 10, 12, 30), 9.0)], [])
    readings, reasons = pull(make(tmp_path, JONO, sheet="Data"))
    assert readings == []
    assert reasons[0].startswith("file a.xlsx has no sheet 'Data'; its sheets are: 'Kansi', 'Luvut'")


def test_a_corrupt_workbook_is_refused_with_a_readable_reason(tmp_path):
    drop(tmp_path, "rikki.xlsx", os.urandom(2048))

    readings, reasons = pull(make(tmp_path))

    assert readings == []
    assert len(reasons) == 1
    assert reasons[0].startswith("file rikki.xlsx is not a readable Excel workbook (BadZipFile")
    assert names(tmp_path / "inbox" / "rejected") == ["rikki.xlsx", "rikki.xlsx.reason.txt"]


def test_an_old_xls_workbook_is_refused_with_advice(tmp_path):
    drop(tmp_path, "vanha.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))

    readings, reasons = pull(make(tmp_path, patterns=["*.xls"]))

    assert readings == []
    assert reasons == ["file vanha.xls is in the old Excel format (.xls); save it as .xlsx or CSV "
                       "(see rejected/vanha.xls.reason.txt)"]


# ------------------------------------------------------------------ all or nothing (on_bad_row: refuse_file)
def test_one_bad_value_refuses_the_whole_file_and_a_good_file_is_still_imported(tmp_path):
    drop(tmp_path, "12.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\n\r\nKAJ;10.03.2026 14.35;12,5x;4\r\n"
         "KAJ;10.03.2026 14.40;5;-1\r\n", encoding="cp1252", age=120)
    drop(tmp_path, "13.csv", WIDE_HEADER + "SOT;10.03.2026 14.30;1;2\r\n", encoding="cp1252", age=60)
    connector = make(tmp_path, **WHOLE)

    readings, reasons = pull(connector)

    assert readings == [Reading("sotkamo", "queue_waiting", utc(2026, 3, 10, 12, 30), 1.0),
                        Reading("sotkamo", "contacts_phone_today", utc(2026, 3, 10, 12, 30), 2.0)]
    assert reasons == ["file 12.csv line 4: queue_waiting: '12,5x' is not a number "
                       "(and 1 more problem; see rejected/12.csv.reason.txt)"]
    inbox = tmp_path / "inbox"
    assert names(inbox / "rejected") == ["12.csv", "12.csv.reason.txt"]
    assert "12.csv" not in names(inbox)
    reason_file = (inbox / "rejected" / "12.csv.reason.txt").read_text(encoding="utf-8")
    assert "line 4: queue_waiting: '12,5x' is not a number\nline 5: contacts_phone_today: value -1 is out of range" \
        in reason_file
    assert "2 problems" in reason_file and "Nothing in it was imported" in reason_file
    # the time in it is Helsinki's with its zone, as the pages count the day (it was UTC, 2-3 hours off)
    from zoneinfo import ZoneInfo

    stamp = re.search(r"at (\d{4}-\d\d-\d\d \d\d:\d\d) (EET|EEST)\.", reason_file)
    assert stamp and "UTC" not in reason_file, reason_file
    helsinki = datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Europe/Helsinki"))
    assert abs(helsinki - datetime.now(UTC)) < timedelta(minutes=10)  # not two or three hours off
    connector.acknowledge()
    assert names(inbox / "processed") == ["13.csv"]
    assert names(inbox / "rejected") == ["12.csv", "12.csv.reason.txt"]


def test_an_unknown_station_refuses_the_file_and_names_the_station(tmp_path):
    drop(tmp_path, "a.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\nPAL;10.03.2026 14.30;3;4\r\n")

    readings, reasons = pull(make(tmp_path, **WHOLE))

    assert readings == []
    assert reasons[0].startswith("file a.csv line 3: unknown station 'PAL'")


def test_an_identity_code_in_a_cell_refuses_the_file_and_is_never_repeated(tmp_path):
    drop(tmp_path, "a.csv", "Asema;Päivämäärä;Jonossa;Huom\r\nKAJ;10.03.2026 14.30;3;ok\r\n"
                            f"KAJ;10.03.2026 14.35;4;soitto {HETU}\r\n")

    readings, reasons = pull(make(tmp_path, JONO, **WHOLE))

    assert readings == []
    assert len(reasons) == 1
    assert "line 3: a value looks like a personal identity code" in reasons[0]
    reason_file = (tmp_path / "inbox" / "rejected" / "a.csv.reason.txt").read_text(encoding="utf-8")
    assert "identity code" in reason_file
    assert HETU not in reasons[0] and HETU not in reason_file


def test_an_identity_code_in_a_file_name_is_kept_out_of_messages(tmp_path):
    drop(tmp_path, f"ajanvaraus_{HETU}.csv", "Asema;Päivämäärä;Jonossa\r\nKAJ;10.03.2026 14.30;x\r\n")
    connector = make(tmp_path, JONO, **WHOLE)

    checked = connector.check(UNTIL)
    readings, reasons = pull(connector)

    assert not checked.ok and checked.message.startswith("file ajanvaraus_(identity code removed).csv line 2:")
    assert readings == [] and len(reasons) == 1
    assert reasons[0].startswith("file ajanvaraus_(identity code removed).csv line 2:")
    assert HETU not in reasons[0] + checked.message


def test_an_unmapped_name_column_is_not_read_and_is_emptied_in_the_kept_copy(tmp_path):
    # Before: a column "Nimi" refused the file whole. It is never read, so the file loads, and the copy kept in
    # processed/ goes without its names (tests/test_private_columns.py has the vendors' exports).
    drop(tmp_path, "a.csv", "Asema;Päivämäärä;Nimi;Jonossa\r\nKAJ;10.03.2026 14.30;Matti;3\r\n")
    connector = make(tmp_path, JONO)

    readings, reasons = pull(connector)
    connector.acknowledge()

    assert [(r.station, r.value) for r in readings] == [("kajaani", 3.0)] and reasons == []
    kept = (tmp_path / "inbox" / "processed" / "a.csv").read_bytes().decode("utf-8")
    assert kept == "Asema;Päivämäärä;Nimi;Jonossa\r\nKAJ;10.03.2026 14.30;;3\r\n"
    assert "'Nimi' may hold a person's name" in (tmp_path / "inbox" / "processed" / "a.csv.reason.txt").read_text(
        encoding="utf-8")


def test_an_identity_code_column_refuses_the_file(tmp_path):
    drop(tmp_path, "a.csv", "Asema;Päivämäärä;Henkilötunnus;Jonossa\r\nKAJ;10.03.2026 14.30;;3\r\n")

    readings, reasons = pull(make(tmp_path, JONO))

    assert readings == []
    assert reasons[0].startswith("column 'Henkilötunnus' in file a.csv looks like a person's name or identity code")
    assert names(tmp_path / "inbox" / "rejected") == ["a.csv", "a.csv.reason.txt"]


def test_a_missing_column_refuses_the_file_and_lists_the_columns(tmp_path):
    drop(tmp_path, "a.csv", "Asema;Aika;Jonossa\r\nKAJ;10.03.2026 14.30;3\r\n")

    readings, reasons = pull(make(tmp_path))

    assert readings == []
    assert reasons[0].startswith("column 'Päivämäärä' missing from file a.csv; its columns are: 'Asema', 'Aika', "
                                 "'Jonossa'")


def test_empty_and_header_only_files_are_processed_with_no_readings(tmp_path):
    drop(tmp_path, "empty.csv", b"", age=120)
    drop(tmp_path, "header.csv", WIDE_HEADER + "\r\n", age=60)
    connector = make(tmp_path)

    assert pull(connector) == ([], [])
    connector.acknowledge()
    assert names(tmp_path / "inbox" / "processed") == ["empty.csv", "header.csv"]


# ------------------------------------------------------------------ retiring files
def test_files_are_read_oldest_first(tmp_path):
    drop(tmp_path, "b.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;1;\r\n", age=300)
    drop(tmp_path, "a.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;2;\r\n", age=100)
    drop(tmp_path, "c.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;\r\n", age=200)

    readings, _ = pull(make(tmp_path))

    assert [r.value for r in readings] == [1.0, 3.0, 2.0]


def test_acknowledge_moves_the_files_read_and_without_it_they_are_read_again(tmp_path):
    drop(tmp_path, "a.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\n")
    connector = make(tmp_path)
    inbox = tmp_path / "inbox"

    first, _ = pull(connector)
    again, _ = pull(connector)  # the first run was not committed: nothing retired
    assert len(first) == 2 and again == first
    assert "a.csv" in names(inbox)

    connector.acknowledge()
    assert names(inbox / "processed") == ["a.csv"]
    assert "a.csv" not in names(inbox)
    assert pull(connector) == ([], [])


def test_a_file_changed_between_pull_and_acknowledge_stays_and_is_read_again(tmp_path):
    path = drop(tmp_path, "a.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\n")
    connector = make(tmp_path)
    pull(connector)

    path.write_text(WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\nKAJ;10.03.2026 14.45;5;6\r\n", encoding="utf-8")
    age_file(path, 30)
    connector.acknowledge()

    assert names(tmp_path / "inbox" / "processed") == []
    readings, _ = pull(connector)
    assert [r.value for r in readings] == [3.0, 4.0, 5.0, 6.0]


def test_a_new_pull_forgets_what_an_unacknowledged_one_read(tmp_path):
    drop(tmp_path, "new.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\n", age=60)
    connector = make(tmp_path)
    pull(connector)
    drop(tmp_path, "old.csv", WIDE_HEADER + "SOT;10.03.2026 14.30;1;2\r\n", age=600)

    retry = connector.pull(None, UNTIL)
    assert next(retry) == Reading("sotkamo", "queue_waiting", utc(2026, 3, 10, 12, 30), 1.0)  # old.csv comes first
    connector.acknowledge()  # the retry did not finish a file: nothing may be retired

    assert names(tmp_path / "inbox" / "processed") == []
    assert {"new.csv", "old.csv"} <= set(names(tmp_path / "inbox"))


def test_a_file_dropped_again_with_the_same_name_is_read_again_and_kept_apart(tmp_path):
    connector = make(tmp_path)
    processed = tmp_path / "inbox" / "processed"
    drop(tmp_path, "jono.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;\r\n")
    pull(connector)
    connector.acknowledge()

    drop(tmp_path, "jono.csv", WIDE_HEADER + "KAJ;10.03.2026 15.30;8;\r\n")
    readings, _ = pull(connector)
    connector.acknowledge()

    assert readings == [Reading("kajaani", "queue_waiting", utc(2026, 3, 10, 13, 30), 8.0)]
    assert len(names(processed)) == 2 and "jono.csv" in names(processed)
    second = next(n for n in names(processed) if n != "jono.csv")
    assert re.fullmatch(r"jono\.\d{8}T\d{6}UTC[+-]\d{4}\.csv", second)
    assert "14.30" in (processed / "jono.csv").read_text(encoding="utf-8")
    assert "15.30" in (processed / second).read_text(encoding="utf-8")


def test_a_refused_file_dropped_again_does_not_overwrite_the_first(tmp_path):
    connector = make(tmp_path, **WHOLE)
    drop(tmp_path, "bad.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;x;\r\n")
    pull(connector)
    drop(tmp_path, "bad.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;y;\r\n")

    _, reasons = pull(connector)

    rejected = names(tmp_path / "inbox" / "rejected")
    assert len(rejected) == 4
    stored = next(n for n in rejected if re.fullmatch(r"bad\.\d{8}T\d{6}UTC[+-]\d{4}\.csv", n))
    assert f"{stored}.reason.txt" in rejected
    assert reasons[0].endswith(f"(see rejected/{stored}.reason.txt)")
    assert "'y' is not a number" in (tmp_path / "inbox" / "rejected" / f"{stored}.reason.txt").read_text("utf-8")


def test_a_file_is_read_only_once_it_has_settled(tmp_path):
    path = drop(tmp_path, "a.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\n", age=0)
    connector = make(tmp_path, settle_seconds=30)

    assert pull(connector) == ([], [])
    assert "1 file changed less than 30 s ago" in connector.check(UNTIL).message

    age_file(path, 31)
    readings, _ = pull(connector)
    assert len(readings) == 2


def test_lock_hidden_and_partial_files_are_ignored(tmp_path):
    garbage = os.urandom(512)
    for name in ("~$raportti.xlsx", ".piilo.csv", "kesken.csv.tmp", "lataus.part", "muistio.txt"):
        drop(tmp_path, name, garbage)
    drop(tmp_path, "RAPORTTI.CSV", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;\r\n")  # patterns ignore case
    connector = make(tmp_path)

    readings, reasons = pull(connector)
    connector.acknowledge()

    assert reasons == [] and len(readings) == 1
    assert names(tmp_path / "inbox") == sorted(
        ["~$raportti.xlsx", ".piilo.csv", "kesken.csv.tmp", "lataus.part", "muistio.txt", "processed"])


# ------------------------------------------------------------------ check and configuration
def test_a_missing_folder_is_a_configuration_error(tmp_path):
    connector = make(tmp_path)

    result = connector.check(UNTIL)

    assert (result.ok, result.kind) == (False, "configuration")
    assert result.message == f"drop folder {tmp_path / 'inbox'} does not exist (folder in sources.yaml)"
    with pytest.raises(ConfigurationError, match="does not exist"):
        list(connector.pull(None, UNTIL))
    assert not (tmp_path / "inbox").exists()


def test_a_relative_folder_is_relative_to_the_project(tmp_path):
    source = FilesSource.model_validate({"name": "vienti", "type": "files", "folder": "no-such-drop-folder-x",
                                         "mapping": WIDE})
    result = FilesConnector(source, STATIONS).check(UNTIL)
    assert not result.ok
    assert str(PROJECT_DIR / "no-such-drop-folder-x") in result.message


def test_check_reports_an_empty_folder_with_what_was_done_so_far(tmp_path):
    connector = make(tmp_path)
    drop(tmp_path, "good.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\n")
    drop(tmp_path, "bad.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;x;4\r\n")
    pull(connector)
    connector.acknowledge()

    result = connector.check(UNTIL)

    assert result.ok
    assert result.message == (f"drop folder {tmp_path / 'inbox'} reachable; no files waiting "
                              "(1 processed, 1 refused so far)")


def test_check_reads_the_oldest_waiting_file_and_moves_nothing(tmp_path):
    drop(tmp_path, "12.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\nSOT;10.03.2026 14.30;1;\r\n", age=120)
    drop(tmp_path, "13.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;x;4\r\n", age=60)
    connector = make(tmp_path)
    before = tree(tmp_path)

    result = connector.check(UNTIL)

    assert result == result.__class__(True, "ok", "2 files waiting; oldest 12.csv: 2 rows → 3 readings")
    assert tree(tmp_path) == before


def test_check_reports_a_bad_oldest_file_and_moves_nothing(tmp_path):
    drop(tmp_path, "12.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\nKAJ;10.03.2026 14.35;12,5x;4\r\n"
         "KAJ;10.03.2026 14.40;x;4\r\n")
    connector = make(tmp_path, **WHOLE)
    before = tree(tmp_path)

    result = connector.check(UNTIL)

    assert (result.ok, result.kind) == (False, "data")
    assert result.message == "file 12.csv line 3: queue_waiting: '12,5x' is not a number (and 1 more problem)"
    assert tree(tmp_path) == before


def test_check_calls_a_missing_column_a_configuration_problem(tmp_path):
    drop(tmp_path, "a.csv", "Asema;Aika;Jonossa\r\nKAJ;10.03.2026 14.30;3\r\n")

    result = make(tmp_path).check(UNTIL)

    assert (result.ok, result.kind) == (False, "configuration")
    assert "'Päivämäärä' missing from file a.csv" in result.message


# ------------------------------------------------------------------ with the collector
def test_the_collector_imports_refuses_and_retires_files(tmp_path, config_dir, sqlite_url):
    inbox = tmp_path / "inbox"
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
              "stations": STATIONS, "mapping": WIDE}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}, allow_unicode=True),
                                             encoding="utf-8")
    settings = load_settings(config_dir, sqlite_url)
    drop(tmp_path, "good.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;3;4\r\n", age=120)
    drop(tmp_path, "bad.csv", WIDE_HEADER + "KAJ;10.03.2026 14.30;x;4\r\n", age=60)
    store = Store.open(sqlite_url)
    try:
        outcome, = Collector(settings, store, clock=lambda: UNTIL, sleep=lambda s: None).run_once()
        assert (outcome.ok, outcome.rows, outcome.rejected) == (True, 2, 1)
        assert store.count_readings() == 2
        assert names(inbox / "processed") == ["good.csv"]
        assert names(inbox / "rejected") == ["bad.csv", "bad.csv.reason.txt"]
    finally:
        store.dispose()
