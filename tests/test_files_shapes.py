"""The drop-folder connector with export shapes from Finnish systems: date and time in separate columns,
Excel time cells, the DST nights. (The complete corpus with independent truths: test_export_corpus.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from board.domain.reading import Reading
from tests.test_files import drop, make, pull, xlsx

SPLIT = {"layout": "wide", "station": "Asema", "time": ["Päivämäärä", "Klo"],
         "metrics": {"Jonossa": "queue_waiting"}, "stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}
UNTIL = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_eight_hourly_rows_a_day_in_date_and_klo_columns_are_eight_readings(tmp_path):
    lines = ["Asema;Päivämäärä;Klo;Jonossa"]
    truth = {}
    for day in (27, 28):
        for hour in range(8, 16):
            klo = f"{hour:02d}.00" if hour % 2 else f"{hour}.00"
            lines.append(f"KAJ;{day}.11.2026;{klo};{hour - 7}")
            truth[datetime(2026, 11, day, hour - 2, 0, tzinfo=UTC)] = float(hour - 7)  # EET: UTC+2
    drop(tmp_path, "jono.csv", "\r\n".join(lines) + "\r\n", encoding="cp1252")
    readings, reasons = pull(make(tmp_path, SPLIT), UNTIL)
    assert reasons == []
    assert {r.ts: r.value for r in readings} == truth
    assert len(readings) == 16


def test_excel_date_cells_and_time_cells_or_day_fractions(tmp_path):
    content = xlsx([["Asema", "Päivämäärä", "Klo", "Jonossa"],
                    ["KAJ", date(2026, 11, 30), time(8, 0), 3],
                    ["KAJ", datetime(2026, 11, 30), 0.375, 4],      # 09.00 as Excel's fraction of a day
                    ["SOT", date(2026, 11, 30), time(10, 30), 5]])
    drop(tmp_path, "jono.xlsx", content)
    readings, reasons = pull(make(tmp_path, SPLIT), UNTIL)
    assert reasons == []
    assert readings == [Reading("kajaani", "queue_waiting", datetime(2026, 11, 30, 6, 0, tzinfo=UTC), 3.0),
                        Reading("kajaani", "queue_waiting", datetime(2026, 11, 30, 7, 0, tzinfo=UTC), 4.0),
                        Reading("sotkamo", "queue_waiting", datetime(2026, 11, 30, 8, 30, tzinfo=UTC), 5.0)]


def test_the_autumn_night_in_time_order_is_read_as_two_hours(tmp_path):
    rows = ["02.00", "03.00", "03.30", "03.00", "03.30", "04.00"]
    content = "Asema;Päivämäärä;Klo;Jonossa\n" + "".join(
        f"KAJ;25.10.2026;{klo};{i}\n" for i, klo in enumerate(rows))
    drop(tmp_path, "yo.csv", content)
    readings, reasons = pull(make(tmp_path, SPLIT), UNTIL)
    assert reasons == []
    start = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # 02.00 EEST
    expected = [start, start + timedelta(hours=1), start + timedelta(hours=1, minutes=30),
                start + timedelta(hours=2), start + timedelta(hours=2, minutes=30), start + timedelta(hours=3)]
    assert [r.ts for r in readings] == expected


# ------------------------------------------------------------------ row by row (on_bad_row: refuse_row)
QUEUE = {"layout": "wide", "station": "Asema", "time": "Aika", "metrics": {"Jonossa": "queue_waiting"},
         "stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}


def test_the_good_rows_of_a_file_load_and_each_bad_row_is_refused_with_its_line(tmp_path):
    content = ("Asema;Aika;Jonossa\r\n"
               "KAJ;30.11.2026 08.00;3\r\n"
               "KAJ;30.11.2026 09.00;kolme\r\n"       # line 3: not a number
               "PAL;30.11.2026 09.00;1\r\n"           # line 4: unknown station
               "SOT;30.11.2026 09.00;4\r\n")
    drop(tmp_path, "jono.csv", content, encoding="cp1252")
    connector = make(tmp_path, QUEUE)
    readings, reasons = pull(connector, UNTIL)
    assert [(r.station, r.value) for r in readings] == [("kajaani", 3.0), ("sotkamo", 4.0)]
    assert reasons == ["file jono.csv line 3: queue_waiting: 'kolme' is not a number",
                       "file jono.csv line 4: unknown station 'PAL' (add it to mapping.stations in sources.yaml, "
                       "or to this source's stations)"]
    connector.acknowledge()
    processed = tmp_path / "inbox" / "processed"
    assert sorted(p.name for p in processed.iterdir()) == ["jono.csv", "jono.csv.reason.txt"]
    text = (processed / "jono.csv.reason.txt").read_text("utf-8")
    assert "4 data rows, 2 readings stored, 2 rows refused, 0 rows ignored" in text
    assert "line 3: queue_waiting: 'kolme' is not a number\nline 4: unknown station 'PAL'" in text


def test_check_says_which_rows_would_be_refused(tmp_path):
    drop(tmp_path, "jono.csv", "Asema;Aika;Jonossa\r\nKAJ;30.11.2026 08.00;3\r\nKAJ;30.11.2026 09.00;x\r\n")
    result = make(tmp_path, QUEUE).check(UNTIL)
    assert (result.ok, result.kind) == (False, "data")
    assert result.message == ("file jono.csv line 3: queue_waiting: 'x' is not a number (1 of 2 rows would be "
                              "refused, 1 readings otherwise; 1 file waiting)")


def test_a_file_whose_every_row_is_refused_goes_back_whole(tmp_path):
    drop(tmp_path, "jono.csv", "Asema;Aika;Jonossa\r\nKAJ;30.11.2026 08.00;x\r\nKAJ;30.11.2026 09.00;y\r\n")
    readings, reasons = pull(make(tmp_path, QUEUE), UNTIL)
    assert readings == [] and len(reasons) == 2
    rejected = tmp_path / "inbox" / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == ["jono.csv", "jono.csv.reason.txt"]
    assert "2 rows refused" in (rejected / "jono.csv.reason.txt").read_text("utf-8")


def test_short_and_long_rows_are_refused_not_read_as_empty(tmp_path):
    content = ("Asema;Aika;Jonossa;Huom\r\n"
               "KAJ;30.11.2026 08.00;3;ok\r\n"
               "KAJ;30.11.2026 09.00\r\n"              # line 3: two fields
               "KAJ;30.11.2026 10.00;4;a;b\r\n"        # line 4: five fields
               "KAJ;30.11.2026 11.00;5;\r\n")          # an empty last cell is a field, not a short row
    drop(tmp_path, "jono.csv", content)
    readings, reasons = pull(make(tmp_path, QUEUE), UNTIL)
    assert [r.value for r in readings] == [3.0, 5.0]
    assert reasons == [
        "file jono.csv line 3: 2 fields but the header has 4 (a field is missing, or the line was cut short)",
        "file jono.csv line 4: 5 fields but the header has 4 (is a value containing the separator not quoted, "
        "or a decimal comma in a comma-separated file?)"]


def test_a_mapped_metric_column_missing_from_the_header_is_a_configuration_error(tmp_path):
    mapping = {**QUEUE, "metrics": {"Jonossa": "queue_waiting", "Puhelut tänään": "contacts_phone_today"}}
    drop(tmp_path, "jono.csv", "Asema;Aika;Jonossa;Puhelut\r\nKAJ;30.11.2026 08.00;3;4\r\n")
    connector = make(tmp_path, mapping)
    result = connector.check(UNTIL)
    assert (result.ok, result.kind) == (False, "configuration")
    assert result.message == ("metric column 'Puhelut tänään' missing from file jono.csv; its columns are: 'Asema', "
                              "'Aika', 'Jonossa', 'Puhelut' (fix the export or mapping.metrics in sources.yaml)")
    readings, reasons = pull(connector, UNTIL)
    assert readings == [] and reasons[0].startswith("metric column 'Puhelut tänään' missing from file jono.csv")


def test_an_identical_repeated_row_is_taken_once_and_a_conflicting_one_refuses_both(tmp_path):
    content = ("Asema;Aika;Jonossa\r\n"
               "KAJ;30.11.2026 08.00;3\r\n"
               "KAJ;30.11.2026 08.00;3\r\n"           # line 3: the same again (a duplicate)
               "SOT;30.11.2026 08.00;4\r\n"           # line 4 and line 5: two values for one instant
               "SOT;30.11.2026 08.00;6\r\n")
    drop(tmp_path, "jono.csv", content)
    connector = make(tmp_path, QUEUE)
    readings, reasons = pull(connector, UNTIL)
    assert readings == [Reading("kajaani", "queue_waiting", datetime(2026, 11, 30, 6, 0, tzinfo=UTC), 3.0)]
    assert reasons == [
        "file jono.csv line 4: queue_waiting of station sotkamo at 30.11.2026 08.00 is 4 here but 6 on line 5; "
        "both rows refused (which one is right cannot be told)",
        "file jono.csv line 5: queue_waiting of station sotkamo at 30.11.2026 08.00 is 6 here but 4 on line 4; "
        "both rows refused (which one is right cannot be told)"]
    connector.acknowledge()
    text = (tmp_path / "inbox" / "processed" / "jono.csv.reason.txt").read_text("utf-8")
    assert "line 3: repeats line 2 exactly (a duplicate, taken once)" in text


def test_a_date_alone_shared_by_rows_of_one_station_asks_for_the_time_column(tmp_path):
    content = "Asema;Päivämäärä;Klo;Jonossa\r\n" + "".join(
        f"KAJ;30.11.2026;{h:02d}.00;{h}\r\n" for h in (8, 9, 10))
    drop(tmp_path, "jono.csv", content)
    mapping = {**QUEUE, "time": "Päivämäärä"}
    readings, reasons = pull(make(tmp_path, mapping), UNTIL)
    assert readings == [] and len(reasons) == 3
    assert all("station kajaani has several rows on 30.11.2026 with no time of day" in r for r in reasons)
    assert all(r.endswith("map the time column too, e.g. time: [Päivämäärä, Klo]") for r in reasons)


def test_a_nonexistent_spring_time_refuses_that_row_only(tmp_path):
    content = "Asema;Päivämäärä;Klo;Jonossa\r\n" + "".join(
        f"KAJ;29.3.2026;{klo};{i}\r\n" for i, klo in enumerate(["02.30", "03.30", "04.30"]))
    drop(tmp_path, "kevat.csv", content)
    readings, reasons = pull(make(tmp_path, SPLIT), UNTIL)
    assert [r.ts for r in readings] == [datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
                                        datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    assert reasons == ["file kevat.csv line 3: column 'Päivämäärä' + 'Klo': 29.03.2026 03.30 does not exist in "
                       "Europe/Helsinki (the clocks were moved forward an hour); refused rather than moved to "
                       "another hour"]


def test_a_repeated_autumn_hour_out_of_order_is_refused_with_a_reason(tmp_path):
    content = "Asema;Päivämäärä;Klo;Jonossa\r\n" + "".join(
        f"KAJ;25.10.2026;{klo};{i}\r\n" for i, klo in enumerate(["04.00", "03.00", "02.00"]))
    drop(tmp_path, "syksy.csv", content)
    readings, reasons = pull(make(tmp_path, SPLIT), UNTIL)
    assert len(readings) == 2
    assert len(reasons) == 1 and reasons[0].startswith(
        "file syksy.csv line 3: column 'Päivämäärä' + 'Klo': 25.10.2026 03.00 happens twice in Europe/Helsinki")


# ------------------------------------------------------------------ where the table is
def test_title_lines_and_report_parameters_above_the_header_are_skipped(tmp_path):
    content = ("Jonoraportti;;\r\n"
               "Ajanjakso: 30.11.2026;;\r\n"
               ";;\r\n"
               "\r\n"
               "Asema;Aika;Jonossa\r\n"
               "KAJ;30.11.2026 08.00;3\r\n"
               "SOT;30.11.2026 08.00;4\r\n")
    drop(tmp_path, "jono.csv", content, encoding="cp1252")
    readings, reasons = pull(make(tmp_path, QUEUE), UNTIL)
    assert reasons == [] and [r.value for r in readings] == [3.0, 4.0]


def test_title_lines_without_separators_do_not_decide_the_separator(tmp_path):
    content = "Jonoraportti, Kainuu\nAsema\tAika\tJonossa\nKAJ\t30.11.2026 08.00\t3\n"
    drop(tmp_path, "jono.txt", content.encode("utf-16"))
    readings, reasons = pull(make(tmp_path, QUEUE, patterns=["*.txt"]), UNTIL)
    assert reasons == [] and [r.value for r in readings] == [3.0]


def test_a_totals_row_and_notes_below_the_data_are_ignored_not_refused(tmp_path):
    content = ("Asema;Aika;Jonossa\r\n"
               "KAJ;30.11.2026 08.00;3\r\n"
               "SOT;30.11.2026 08.00;4\r\n"
               "Yhteensä;;7\r\n"                    # line 4
               "\r\n"
               "Lähde: jonojärjestelmä;;\r\n")      # line 6
    drop(tmp_path, "jono.csv", content, encoding="cp1252")
    connector = make(tmp_path, QUEUE)
    readings, reasons = pull(connector, UNTIL)
    assert reasons == [] and [r.value for r in readings] == [3.0, 4.0]
    connector.acknowledge()
    text = (tmp_path / "inbox" / "processed" / "jono.csv.reason.txt").read_text("utf-8")
    assert "4 data rows, 2 readings stored, 0 rows refused, 2 rows ignored" in text
    assert "line 4: a totals row (not a station's figures)\nline 6: below the totals row (not data)" in text


def test_an_excel_report_with_a_title_a_totals_row_a_note_and_several_sheets(tmp_path):
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    cover = workbook.active
    cover.title = "Kansi"
    cover["A1"] = "Raportti"
    sheet = workbook.create_sheet("Jonot")
    sheet.append(["Jonotilanne marraskuu 2026"])
    sheet.append(["Ajettu 1.12.2026 klo 6.00"])
    sheet.append([])
    sheet.append(["Asema", "Päivämäärä", "Klo", "Jonossa"])
    sheet.append(["KAJ", date(2026, 11, 30), time(8, 0), 3])
    sheet.append(["SOT", date(2026, 11, 30), time(8, 0), 4])
    sheet.append(["Kaikki", None, None, 7])
    workbook.create_sheet("Muistiinpanot")["A1"] = "ei dataa"
    buffer = io.BytesIO()
    workbook.save(buffer)
    drop(tmp_path, "jono.xlsx", buffer.getvalue())
    connector = make(tmp_path, SPLIT, sheet="Jonot")
    readings, reasons = pull(connector, UNTIL)
    assert reasons == [] and [(r.station, r.value) for r in readings] == [("kajaani", 3.0), ("sotkamo", 4.0)]
    connector.acknowledge()
    text = (tmp_path / "inbox" / "processed" / "jono.xlsx.reason.txt").read_text("utf-8")
    assert "row 7: a totals row" in text


def test_a_header_of_30000_columns_over_the_csv_field_limit_stays_with_its_file(tmp_path):
    """Issue 19 item 2: sniffing the separator of such a header raised outside the per-file handling."""
    wide = ",".join(f"sarake{i}" for i in range(30_000))  # 200 000+ characters, one field for ';'
    drop(tmp_path, "leveä.csv", wide + "\r\n1\r\n", age=120)
    drop(tmp_path, "hyvä.csv", "Asema;Aika;Jonossa\r\nKAJ;30.11.2026 08.00;3\r\n", age=60)
    readings, reasons = pull(make(tmp_path, QUEUE), UNTIL)
    assert [r.value for r in readings] == [3.0]
    assert len(reasons) == 1 and reasons[0].startswith("column 'Asema', 'Aika' missing from file leveä.csv")
