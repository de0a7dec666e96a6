"""Export shapes a new administrator still found mis-read in user check 6, each written the way its tool writes it
and loaded through a real ``files`` source (a drop folder and the collector's run).

Every truth is written out by hand from the rows below (or counted in plain Python with ``zoneinfo``), never by the
board's code, and every run accounts for each row read (read = stored + refused + ignored).
"""

from __future__ import annotations

import codecs
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.styles import Alignment
from sqlalchemy import text

from tests.test_reporting_exports import ledger, run, values

HEL = ZoneInfo("Europe/Helsinki")


def at(text_: str, fold: int = 0) -> datetime:
    """A Helsinki wall-clock time as the UTC instant it is (``fold=1``: the second pass of the October hour)."""
    return datetime.fromisoformat(text_).replace(tzinfo=HEL, fold=fold).astimezone(UTC)


def stored(store: Any, station: str, metric: str) -> dict[datetime, float]:
    """Every reading of one series, by its UTC instant."""
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT ts, value FROM readings JOIN series ON series.id = readings.series "
                                 "WHERE station = :s AND metric = :m"), {"s": station, "m": metric}).all()
    out = {}
    for ts, value in rows:
        ts = datetime.fromisoformat(ts) if isinstance(ts, str) else ts
        out[ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)] = float(value)
    return out


def drop(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder


def reason_file(folder: Path, name: str) -> str:
    for where in ("processed", "rejected"):
        path = folder / where / f"{name}.reason.txt"
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise AssertionError(f"no reason file for {name}")


# ------------------------------------------------------------------ Power BI's "Applied filters:" below the data
PER_STATION = {"layout": "wide", "station": "Toimipiste", "time": "Päivämäärä",
               "metrics": {"Puhelut": "contacts_phone_today", "Omasote-viestit": "contacts_omasote_today"}}


def power_bi_workbook(filters: str, with_date: bool = False) -> bytes:
    """Power BI's "Export data" (summarized) as .xlsx: the visual's table from A1, an empty row, and the filters
    applied to the visual in one cell whose lines are broken inside it (wrap text on)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Export"
    head = ["Toimipiste", *(["Päivämäärä"] if with_date else []), "Puhelut", "Omasote-viestit"]
    sheet.append(head)
    for name, calls, messages in (("Kajaanin terveysasema", 412, 96), ("Sotkamon terveysasema", 133, 40)):
        sheet.append([name, *([datetime(2026, 12, 1)] if with_date else []), calls, messages])
    sheet.append([])
    sheet.append([filters])
    sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(wrap_text=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_power_bis_applied_filters_name_the_day_of_a_table_without_a_date_column(config_dir, tmp_path):
    """Before: the file was refused whole for the missing column 'Päivämäärä', though the day is written under it."""
    data = power_bi_workbook("Applied filters:\nPäivämäärä is 1.12.2026\nAlue is Kainuu")
    folder = drop(tmp_path, "export.xlsx", data)
    outcome, store = run(config_dir, tmp_path, {"name": "powerbi", "type": "files", "folder": str(folder),
                                                "patterns": ["*.xlsx"], "mapping": PER_STATION})
    # Two stations' rows stored on 1.12.2026 (a date alone: the day's total at its last minute, 23.59); the
    # filters' cell is ignored with its own reason, not read as data.
    assert ledger(outcome) == (3, 2, 0, 1), [str(r) for r in outcome.rejects]
    day_end = at("2026-12-01 23:59")
    assert stored(store, "kajaani", "contacts_phone_today") == {day_end: 412.0}
    assert stored(store, "kajaani", "contacts_omasote_today") == {day_end: 96.0}
    assert stored(store, "sotkamo", "contacts_phone_today") == {day_end: 133.0}
    store.dispose()
    assert "row 5: Power BI's applied filters (not data)" in reason_file(folder, "export.xlsx")


def test_finnish_power_bis_filters_in_a_csv_name_the_day_too(config_dir, tmp_path):
    """Power BI in Finnish writes "Käytetyt suodattimet:"; its CSV quotes the cell with its line breaks."""
    csv = ('"Toimipiste","Puhelut","Omasote-viestit"\r\n'
           '"Kajaanin terveysasema","412","96"\r\n'
           '"Sotkamon terveysasema","133","40"\r\n'
           '"Käytetyt suodattimet:\nPäivämäärä on 1.12.2026\nToimipiste on Kajaanin terveysasema, '
           'Sotkamon terveysasema"\r\n')
    folder = drop(tmp_path, "export.csv", codecs.BOM_UTF8 + csv.encode("utf-8"))
    outcome, store = run(config_dir, tmp_path, {"name": "powerbi", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": PER_STATION})
    assert ledger(outcome) == (3, 2, 0, 1), [str(r) for r in outcome.rejects]
    assert stored(store, "sotkamo", "contacts_omasote_today") == {at("2026-12-01 23:59"): 40.0}
    store.dispose()


def test_power_bis_filters_of_several_days_refuse_the_file_saying_choose_one_day(config_dir, tmp_path):
    """Each row is then a sum over the days chosen: no day's figure. Before: refused for the missing column."""
    data = power_bi_workbook("Applied filters:\nPäivämäärä is 1.12.2026 or 2.12.2026")
    folder = drop(tmp_path, "export.xlsx", data)
    outcome, store = run(config_dir, tmp_path, {"name": "powerbi", "type": "files", "folder": str(folder),
                                                "patterns": ["*.xlsx"], "mapping": PER_STATION})
    read, kept, _refused, _ignored = ledger(outcome)
    assert (read, kept) == (3, 0)
    [reason] = [str(r) for r in outcome.rejects]
    assert "applied filters on row 5" in reason and "choose one day" in reason, reason
    assert values(store, "kajaani", ["contacts_phone_today"]) == {}
    store.dispose()


def test_power_bis_filters_of_a_period_refuse_the_file_too(config_dir, tmp_path):
    data = power_bi_workbook("Applied filters:\nPäivämäärä is on or after 1.12.2026 and is before 3.12.2026")
    folder = drop(tmp_path, "export.xlsx", data)
    outcome, store = run(config_dir, tmp_path, {"name": "powerbi", "type": "files", "folder": str(folder),
                                                "patterns": ["*.xlsx"], "mapping": PER_STATION})
    assert ledger(outcome)[1] == 0
    [reason] = [str(r) for r in outcome.rejects]
    assert "choose one day" in reason, reason
    store.dispose()


def test_power_bis_filters_under_a_table_with_its_date_column_are_ignored_not_read(config_dir, tmp_path):
    """The table's own dates count, whatever the filters say; the filters' cell is ignored, with its reason."""
    data = power_bi_workbook("Applied filters:\nAlue is Kainuu", with_date=True)
    folder = drop(tmp_path, "export.xlsx", data)
    outcome, store = run(config_dir, tmp_path, {"name": "powerbi", "type": "files", "folder": str(folder),
                                                "patterns": ["*.xlsx"], "mapping": PER_STATION})
    assert ledger(outcome) == (3, 2, 0, 1), [str(r) for r in outcome.rejects]
    assert list(stored(store, "kajaani", "contacts_phone_today").values()) == [412.0]  # (the date cell's day)
    assert list(stored(store, "sotkamo", "contacts_omasote_today").values()) == [40.0]
    store.dispose()
    assert "Power BI's applied filters" in reason_file(folder, "export.xlsx")


# ------------------------------------------------------------------ the October hour merged into one row
RANGES = {"layout": "wide", "station": "Jono", "time": ["Päivämäärä", "Aikaväli"],
          "metrics": {"Saapuneet puhelut": "contacts_phone_today", "Jonossa": "queue_waiting"}}


def test_the_october_hour_listed_once_covers_both_hours(config_dir, tmp_path):
    """A tool that groups by the wall clock's hour writes 03:00-04:00 once on 25.10.2026 with both hours' calls
    (9 + 11 = 20). Before: stamped at the first hour's end (01.00 UTC), a silent hour early for the day's total."""
    csv = ("Jono;Päivämäärä;Aikaväli;Saapuneet puhelut;Jonossa\r\n"
           "Kajaanin terveysasema;25.10.2026;02:00-03:00;7;2\r\n"
           "Kajaanin terveysasema;25.10.2026;03:00-04:00;20;0\r\n"
           "Kajaanin terveysasema;25.10.2026;04:00-05:00;13;1\r\n")
    folder = drop(tmp_path, "tunnit.csv", csv.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {"name": "tunnit", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": RANGES}, at="2026-10-25 12:00")
    assert ledger(outcome) == (3, 3, 0, 0), [str(r) for r in outcome.rejects]
    # 02-03 ends at 03.00 summer time (00.00 UTC); the merged row ends at 04.00 winter time (02.00 UTC), two real
    # hours after it began; 04-05 ends at 05.00 winter time (03.00 UTC).
    assert stored(store, "kajaani", "contacts_phone_today") == {
        datetime(2026, 10, 25, 0, tzinfo=UTC): 7.0, datetime(2026, 10, 25, 2, tzinfo=UTC): 27.0,
        datetime(2026, 10, 25, 3, tzinfo=UTC): 40.0}
    assert stored(store, "kajaani", "queue_waiting") == {
        datetime(2026, 10, 25, 0, tzinfo=UTC): 2.0, datetime(2026, 10, 25, 2, tzinfo=UTC): 0.0,
        datetime(2026, 10, 25, 3, tzinfo=UTC): 1.0}
    assert at("2026-10-25 04:00") == datetime(2026, 10, 25, 2, tzinfo=UTC)  # (the wall clock, checked by hand)
    store.dispose()


def test_the_october_hour_listed_twice_stays_two_hours(config_dir, tmp_path):
    """The other tools' way (listed twice) is unchanged: 01.00 and 02.00 UTC."""
    csv = ("Jono;Päivämäärä;Aikaväli;Saapuneet puhelut;Jonossa\r\n"
           "Kajaanin terveysasema;25.10.2026;02:00-03:00;7;2\r\n"
           "Kajaanin terveysasema;25.10.2026;03:00-04:00;9;3\r\n"
           "Kajaanin terveysasema;25.10.2026;03:00-04:00;11;0\r\n"
           "Kajaanin terveysasema;25.10.2026;04:00-05:00;13;1\r\n")
    folder = drop(tmp_path, "tunnit.csv", csv.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {"name": "tunnit", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": RANGES}, at="2026-10-25 12:00")
    assert ledger(outcome) == (4, 4, 0, 0)
    assert stored(store, "kajaani", "contacts_phone_today") == {
        datetime(2026, 10, 25, h, tzinfo=UTC): v for h, v in ((0, 7.0), (1, 16.0), (2, 27.0), (3, 40.0))}
    store.dispose()


# ------------------------------------------------------------------ US dates (an English-locale Power BI or Excel)
US_MAPPING = {"layout": "wide", "station": "Station", "time": "Date",
              "metrics": {"Queue": "queue_waiting"}}


def test_us_dates_with_am_and_pm_are_read_month_first(config_dir, tmp_path):
    """Power BI with an English (United States) locale writes M/d/yyyy h:mm:ss AM. Before: every row refused."""
    csv = ('"Station","Date","Queue"\r\n'
           '"Kajaanin terveysasema","12/1/2026 8:00:00 AM","4"\r\n'
           '"Kajaanin terveysasema","12/1/2026 12:30:00 PM","9"\r\n'
           '"Kajaanin terveysasema","12/2/2026 12:15:00 AM","1"\r\n'
           '"Sotkamon terveysasema","12/2/2026 2:00:00 PM","3"\r\n')
    folder = drop(tmp_path, "queue.csv", codecs.BOM_UTF8 + csv.encode("utf-8"))
    outcome, store = run(config_dir, tmp_path, {"name": "us", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": US_MAPPING})
    assert ledger(outcome) == (4, 4, 0, 0), [str(r) for r in outcome.rejects]
    assert stored(store, "kajaani", "queue_waiting") == {
        at("2026-12-01 08:00"): 4.0, at("2026-12-01 12:30"): 9.0, at("2026-12-02 00:15"): 1.0}
    assert stored(store, "sotkamo", "queue_waiting") == {at("2026-12-02 14:00"): 3.0}
    store.dispose()


def test_day_first_slash_dates_proven_by_a_day_over_twelve_are_read_day_first(config_dir, tmp_path):
    """English (United Kingdom) Excel writes d/m/yyyy: 13/11/2026 can only be the 13th, so 2/12/2026 is 2 December."""
    csv = ("Station,Date,Queue\r\n"
           "Kajaanin terveysasema,13/11/2026 14:00,5\r\n"
           "Kajaanin terveysasema,2/12/2026 14:00,6\r\n")
    folder = drop(tmp_path, "queue.csv", csv.encode("utf-8"))
    outcome, store = run(config_dir, tmp_path, {"name": "uk", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": US_MAPPING})
    assert ledger(outcome) == (2, 2, 0, 0), [str(r) for r in outcome.rejects]
    assert stored(store, "kajaani", "queue_waiting") == {at("2026-11-13 14:00"): 5.0, at("2026-12-02 14:00"): 6.0}
    store.dispose()


def test_slash_dates_the_file_does_not_order_are_refused_saying_how_to_fix(config_dir, tmp_path):
    """1/12/2026 and 2/12/2026 with a 24-hour clock: 1 December or 12 January? Never guessed."""
    csv = ("Station,Date,Queue\r\n"
           "Kajaanin terveysasema,1/12/2026 14:00,5\r\n"
           "Kajaanin terveysasema,2/12/2026 14:00,6\r\n")
    folder = drop(tmp_path, "queue.csv", csv.encode("utf-8"))
    outcome, store = run(config_dir, tmp_path, {"name": "uk", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": US_MAPPING})
    assert ledger(outcome) == (2, 0, 2, 0)
    for reason in (str(r) for r in outcome.rejects):
        assert "day or the month first" in reason and "d.m.yyyy" in reason, reason
    store.dispose()


def test_slash_dates_that_prove_both_orders_are_refused(config_dir, tmp_path):
    csv = ("Station,Date,Queue\r\n"
           "Kajaanin terveysasema,13/11/2026 14:00,5\r\n"
           "Kajaanin terveysasema,11/14/2026 14:00,6\r\n")
    folder = drop(tmp_path, "queue.csv", csv.encode("utf-8"))
    outcome, store = run(config_dir, tmp_path, {"name": "mixed", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": US_MAPPING})
    assert ledger(outcome) == (2, 0, 2, 0)
    assert all("both" in str(r) for r in outcome.rejects), [str(r) for r in outcome.rejects]
    store.dispose()


def test_a_half_hour_inside_the_october_hour_listed_once_is_refused_with_the_later_ranges(config_dir, tmp_path):
    """03:00-03:30 listed once holds two half hours an hour apart: no one stretch of time. Refused, and the day's
    later running totals with it (they would miss or misplace its calls); 02:30-03:00 before it is stored."""
    csv = ("Jono;Päivämäärä;Aikaväli;Saapuneet puhelut;Jonossa\r\n"
           "Kajaanin terveysasema;25.10.2026;02:30-03:00;7;2\r\n"
           "Kajaanin terveysasema;25.10.2026;03:00-03:30;5;1\r\n"
           "Kajaanin terveysasema;25.10.2026;03:30-04:00;6;0\r\n"
           "Kajaanin terveysasema;25.10.2026;04:00-04:30;3;1\r\n")
    folder = drop(tmp_path, "tunnit.csv", csv.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {"name": "tunnit", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": RANGES}, at="2026-10-25 12:00")
    assert ledger(outcome) == (4, 1, 3, 0), [str(r) for r in outcome.rejects]
    reasons = sorted(str(r) for r in outcome.rejects)
    assert "line 3: the hour range 25.10.2026 3.00–3.30 is within the hour that happened twice" in reasons[0]
    assert "line 4: the hour range 25.10.2026 3.30–4.00 is within" in reasons[1]
    assert "line 5: the day's running total" in reasons[2]
    assert stored(store, "kajaani", "contacts_phone_today") == {at("2026-10-25 03:00"): 7.0}  # 00.00 UTC
    store.dispose()


def test_a_callback_list_with_us_dates_and_times_in_two_columns_is_read_month_first(config_dir, tmp_path):
    """An English-locale Excel's callback list: the date M/d/yyyy and the time h:mm AM/PM in their own columns."""
    from tests.test_reporting_exports import values as latest

    csv = ("Request,Station,Created date,Created time,Handled date,Handled time\r\n"
           "901,KAJ,12/2/2026,8:05 AM,12/2/2026,9:10 AM\r\n"
           "902,KAJ,12/2/2026,1:30 PM,,\r\n"
           "903,KAJ,12/1/2026,3:40 PM,12/2/2026,8:20 AM\r\n")
    folder = drop(tmp_path, "callbacks.csv", csv.encode("utf-8"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "callbacks", "type": "files", "folder": str(folder), "patterns": ["*.csv"],
        "mapping": {"stations": {"KAJ": "kajaani"}}, "deliver": "items",
        "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Request", "station": "Station", "start": ["Created date", "Created time"],
                             "end": ["Handled date", "Handled time"]}}})
    assert ledger(outcome) == (3, 3, 0, 0), [str(r) for r in outcome.rejects]
    # At 20.00 on 2.12: 902 waiting since 13.30 (390 min); 901 and 903 handled today, 901 the same day.
    assert latest(store, "kajaani", ["queue_waiting", "queue_oldest_wait_min", "queue_handled_today",
                                     "queue_handled_same_day_today"]) == {
        "queue_waiting": 1.0, "queue_oldest_wait_min": 390.0, "queue_handled_today": 2.0,
        "queue_handled_same_day_today": 1.0}
    store.dispose()


# ------------------------------------------------------------------ a workbook with a hidden sheet before the data
def hidden_first_workbook(hide: str = "hidden") -> bytes:
    """A report workbook whose first sheet, hidden, keeps last run's rows under the same header (the template the
    report is copied from), the visible second sheet today's."""
    workbook = openpyxl.Workbook()
    kept = workbook.active
    kept.title = "Edellinen"
    kept.append(["Asema", "Aika", "Jonossa"])
    kept.append(["Kajaanin terveysasema", "1.12.2026 8.00", 99])
    kept.sheet_state = hide
    today = workbook.create_sheet("Jonot")
    today.append(["Asema", "Aika", "Jonossa"])
    today.append(["Kajaanin terveysasema", "2.12.2026 8.00", 5])
    today.append(["Sotkamon terveysasema", "2.12.2026 8.00", 3])
    workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_hidden_first_sheet_with_the_same_columns_is_not_read_in_place_of_the_visible_one(config_dir, tmp_path):
    """Before: the hidden sheet's 99 on 1.12 was stored and the visible sheet's rows never read, silently."""
    for hide in ("hidden", "veryHidden"):
        folder = drop(tmp_path / hide, "jono.xlsx", hidden_first_workbook(hide))
        outcome, store = run(config_dir, tmp_path / hide, {
            "name": "jono", "type": "files", "folder": str(folder), "patterns": ["*.xlsx"],
            "mapping": {"layout": "wide", "station": "Asema", "time": "Aika", "metrics": {"Jonossa": "queue_waiting"}}})
        assert ledger(outcome) == (2, 2, 0, 0), [str(r) for r in outcome.rejects]
        assert stored(store, "kajaani", "queue_waiting") == {at("2026-12-02 08:00"): 5.0}
        assert stored(store, "sotkamo", "queue_waiting") == {at("2026-12-02 08:00"): 3.0}
        store.dispose()


def test_a_hidden_sheet_named_in_sources_yaml_is_read(config_dir, tmp_path):
    folder = drop(tmp_path, "jono.xlsx", hidden_first_workbook())
    outcome, store = run(config_dir, tmp_path, {
        "name": "jono", "type": "files", "folder": str(folder), "patterns": ["*.xlsx"], "sheet": "Edellinen",
        "mapping": {"layout": "wide", "station": "Asema", "time": "Aika", "metrics": {"Jonossa": "queue_waiting"}}})
    assert ledger(outcome) == (1, 1, 0, 0)
    assert stored(store, "kajaani", "queue_waiting") == {at("2026-12-01 08:00"): 99.0}
    store.dispose()


def test_an_english_power_bis_filter_day_with_slashes_is_read_only_when_one_order_is_possible(config_dir, tmp_path):
    """``Date is 12/14/2026`` can only be 14 December; ``Date is 12/1/2026`` is 1 December or 12 January: refused
    saying so (before: refused as 'do not name one day', which is not what is wrong)."""
    mapping = {**PER_STATION, "time": "Date"}
    folder = drop(tmp_path / "clear", "export.xlsx", power_bi_workbook("Applied filters:\nDate is 11/14/2026"))
    outcome, store = run(config_dir, tmp_path / "clear", {"name": "powerbi", "type": "files", "folder": str(folder),
                                                          "patterns": ["*.xlsx"], "mapping": mapping})
    assert ledger(outcome) == (3, 2, 0, 1), [str(r) for r in outcome.rejects]
    assert stored(store, "kajaani", "contacts_phone_today") == {at("2026-11-14 23:59"): 412.0}
    store.dispose()
    folder = drop(tmp_path / "unclear", "export.xlsx", power_bi_workbook("Applied filters:\nDate is 12/1/2026"))
    outcome, store = run(config_dir, tmp_path / "unclear", {"name": "powerbi", "type": "files",
                                                            "folder": str(folder), "patterns": ["*.xlsx"],
                                                            "mapping": mapping})
    assert ledger(outcome)[1] == 0
    [reason] = [str(r) for r in outcome.rejects]
    assert "give the day with slashes ('Date is 12/1/2026')" in reason and "cannot be told" in reason, reason
    store.dispose()
