"""Exports from reporting tools, connected by a new administrator from docs/CONNECTORS.md alone (user check 3).

Each file is written the way its tool writes it: a Power BI "Export data" CSV (UTF-8 with BOM, commas, every
value quoted, decimal commas, "(Tyhjä)" for a blank), SQL Server Management Studio's "Save Results As" CSV
(NULL for no value), a survey tool's answers whose open question is the free-text column's header, and a queue
workbook saved by a Finnish Excel with an instructions sheet before the data, a merged title, an autofilter, a
hidden column, dates as cells and as text, times as fractions of a day, numbers stored as text and formatted
empty rows under a totals row. Every truth is written out by hand from the rows below, and every run accounts
for each row read (read = stored + refused + ignored).
"""

from __future__ import annotations

import codecs
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from openpyxl.styles import Border, Font, Side

from board.collector import Collector
from board.environment import read_environment
from board.settings import load_settings
from board.store import Store
from tests.export_builders import OPEN_QUESTION, SCORE, survey_source
from tests.test_items_domain import HKI

KEY = "test-item-key-0123456789abcdef"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HKI).astimezone(UTC)


def run(config_dir: Path, tmp_path: Path, source: dict[str, Any], at: str = "2026-12-02 20:00"):
    """One collector run of ``source`` alone on a fresh SQLite store; the outcome and the store."""
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [
        {"settle_seconds": 0, "max_memory_mb": 0, **source}]}, allow_unicode=True), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'board.sqlite'}"
    settings = load_settings(config_dir, url, read_environment({"BOARD_ITEM_KEY": KEY}))
    store = Store.open(url)
    (outcome,) = Collector(settings, store, clock=lambda: local(at), sleep=lambda s: None).run_once()
    return outcome, store


def ledger(outcome: Any) -> tuple[int, int, int, int]:
    run_ = outcome.run
    assert run_.rows_read == run_.rows_stored + run_.rows_refused + run_.rows_ignored
    return run_.rows_read, run_.rows_stored, run_.rows_refused, run_.rows_ignored


def values(store: Store, station: str, metrics: list[str]) -> dict[str, float]:
    return {m: v.value for m, v in store.latest_values(station, metrics).items()}


# ------------------------------------------------------------------ Power BI "Export data"
NBSP = "\u00a0"
POWER_BI = (
    '"Toimipiste","Päivämäärä","Puhelut (kpl)","Omasote-viestit (kpl)","Vanhin vastaamaton (h)"\r\n'
    f'"Kajaanin terveysasema","1.12.2026","1{NBSP}204","310","12,5"\r\n'
    '"Sotkamon terveysasema","1.12.2026","204","(Tyhjä)","3,0"\r\n'      # no Omasote figure that day
    '"(Tyhjä)","1.12.2026","17","2","0,5"\r\n'                           # a blank station: whose figures?
    '"Kuhmon terveysasema","1.12.2026","99","41","(Tyhjä)"\r\n'
)
POWER_BI_METRICS = ["contacts_phone_today", "contacts_omasote_today", "omasote_oldest_unanswered_h"]


def test_a_power_bi_export_reads_tyhja_as_an_empty_cell(config_dir, tmp_path):
    folder = tmp_path / "powerbi"
    folder.mkdir()
    (folder / "export.csv").write_bytes(codecs.BOM_UTF8 + POWER_BI.encode("utf-8"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "powerbi", "type": "files", "folder": str(folder), "patterns": ["*.csv"],
        "mapping": {"layout": "wide", "station": "Toimipiste", "time": "Päivämäärä",
                    "metrics": {"Puhelut (kpl)": "contacts_phone_today",
                                "Omasote-viestit (kpl)": "contacts_omasote_today",
                                "Vanhin vastaamaton (h)": "omasote_oldest_unanswered_h"}}})
    # Four rows: three stations stored (their "(Tyhjä)" cells are no reading, not an error), the row of the
    # blank station refused with a reason that says so (not "unknown station '(Tyhjä)'").
    assert ledger(outcome) == (4, 3, 1, 0)
    assert [str(r) for r in outcome.rejects] == ["file export.csv line 4: column 'Toimipiste' is empty"]
    assert values(store, "kajaani", POWER_BI_METRICS) == {
        "contacts_phone_today": 1204.0, "contacts_omasote_today": 310.0, "omasote_oldest_unanswered_h": 12.5}
    assert values(store, "sotkamo", POWER_BI_METRICS) == {
        "contacts_phone_today": 204.0, "omasote_oldest_unanswered_h": 3.0}
    assert values(store, "kuhmo", POWER_BI_METRICS) == {
        "contacts_phone_today": 99.0, "contacts_omasote_today": 41.0}
    store.dispose()


# ------------------------------------------------------------------ SSMS "Save Results As" CSV, items
SSMS = (
    "pyynto_id,yksikko,luotu,hoidettu\r\n"
    "901,KAJ,2026-12-02 08:05:00.000,2026-12-02 09:10:00.000\r\n"
    "902,KAJ,2026-12-02 13:30:00.000,NULL\r\n"                  # not handled yet
    "903,KAJ,2026-12-01 15:40:00.000,2026-12-02 08:20:00.000\r\n"
    "904,SOT,2026-12-02 11:15:00.000,NULL\r\n"
)


def test_a_sql_server_results_export_reads_null_as_not_handled_yet(config_dir, tmp_path):
    folder = tmp_path / "soitot"
    folder.mkdir()
    (folder / "soitot.csv").write_bytes(SSMS.encode("utf-8"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "soitot", "type": "files", "folder": str(folder), "patterns": ["*.csv"],
        "mapping": {"stations": {"KAJ": "kajaani", "SOT": "sotkamo"}}, "deliver": "items",
        "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "pyynto_id", "station": "yksikko", "start": "luotu", "end": "hoidettu"}}})
    assert ledger(outcome) == (4, 4, 0, 0), [str(r) for r in outcome.rejects]
    queue = ["queue_waiting", "queue_oldest_wait_min", "queue_handled_today", "queue_handled_same_day_today"]
    # At 20.00 on 2.12: Kajaani has 902 waiting since 13.30 (390 min), 901 and 903 handled today, 901 the same day.
    assert values(store, "kajaani", queue) == {"queue_waiting": 1.0, "queue_oldest_wait_min": 390.0,
                                               "queue_handled_today": 2.0, "queue_handled_same_day_today": 1.0}
    # Sotkamo: 904 waiting since 11.15 (525 min), nothing handled.
    assert values(store, "sotkamo", queue) == {"queue_waiting": 1.0, "queue_oldest_wait_min": 525.0,
                                               "queue_handled_today": 0.0, "queue_handled_same_day_today": 0.0}
    store.dispose()


# ------------------------------------------------------------------ a survey's answers, the open question as header
PRIVATE = ("Kiitos Maijalle", "Jonotin liian kauan", "Terveisiä Teppo Testaajalle")
SURVEY = (
    f"Vastaus-ID;Toimipiste;Vastattu;{SCORE};{OPEN_QUESTION};Terveiset henkilökunnalle\r\n"
    f"1;Kajaanin terveysasema;2.12.2026 8.12;10;{PRIVATE[0]};\r\n"
    f"2;Kajaanin terveysasema;2.12.2026 9.30;6;{PRIVATE[1]};{PRIVATE[2]}\r\n"
    "3;Kajaanin terveysasema;2.12.2026 10.01;9;;\r\n"
    "4;Kajaanin terveysasema;2.12.2026 11.01;8;;\r\n"
)


def test_an_open_questions_answers_are_not_kept_on_disk(config_dir, tmp_path):
    folder = tmp_path / "palaute"
    folder.mkdir()
    (folder / "palaute.csv").write_bytes(SURVEY.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, survey_source("palaute", folder))
    assert ledger(outcome) == (4, 4, 0, 0)
    # 10 and 9: promoters; 8: passive; 6: detractor.
    assert values(store, "kajaani", ["feedback_promoters_today", "feedback_passives_today",
                                     "feedback_detractors_today"]) == {
        "feedback_promoters_today": 2.0, "feedback_passives_today": 1.0, "feedback_detractors_today": 1.0}
    store.dispose()
    kept = (folder / "processed" / "palaute.csv").read_bytes().decode("cp1252")
    assert not any(text in kept for text in PRIVATE)
    assert kept.splitlines()[0] == SURVEY.splitlines()[0]  # the header stays: what was left out can be seen
    assert kept.splitlines()[2] == "2;Kajaanin terveysasema;2.12.2026 9.30;6;;"
    reasons = (folder / "processed" / "palaute.csv.reason.txt").read_text(encoding="utf-8")
    assert f"'{OPEN_QUESTION}', 'Terveiset henkilökunnalle' may hold" in reasons


# ------------------------------------------------------------------ a queue workbook from a Finnish Excel
def queue_workbook(path: Path) -> None:
    """Instructions first, the data on the second sheet; as a Finnish Excel user leaves it."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "Ohje"
    workbook.active["A1"] = "Raportti päivittyy joka aamu klo 6. Jonot-välilehdellä luvut."
    sheet = workbook.create_sheet("Jonot")
    sheet["A1"] = "Jonotilanne 1.12.2026"
    sheet.merge_cells("A1:F1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(["Asema", "Päivämäärä", "Klo", "Jonossa", "Vanhin odotus (min)", "Sisäinen koodi"])
    rows = [
        ["Kajaanin terveysasema", date(2026, 12, 1), 0.375, 12, "20,5", "x1"],        # 09.00 as a day fraction
        ["Sotkamon terveysasema", "1.12.2026", 0.375, "7", "12,0", "x2"],             # text date, text numbers
        ["Kuhmon terveysasema", datetime(2026, 12, 1), time(9, 0), "3", "5,5", "x3"],  # a time cell
        ["Kajaanin terveysasema", date(2026, 12, 1), 10 / 24, 14, 22, "x4"],           # 10.00
    ]
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=4, max_row=7):
        cells[1].number_format = "d.m.yyyy"
        cells[2].number_format = "h:mm"
    sheet.append(["Yhteensä", None, None, "=SUM(D4:D7)", None, None])
    sheet.column_dimensions["F"].hidden = True
    sheet.auto_filter.ref = "A3:F7"
    line = Side(style="thin")
    for number in range(9, 120):  # formatted, empty rows under the table
        for column in range(1, 7):
            sheet.cell(row=number, column=column).border = Border(top=line)
    workbook.save(path)


QUEUE_SOURCE = {"name": "tyokirja", "type": "files", "patterns": ["*.xlsx"],
                "mapping": {"layout": "wide", "station": "Asema", "time": ["Päivämäärä", "Klo"],
                            "metrics": {"Jonossa": "queue_waiting", "Vanhin odotus (min)": "queue_oldest_wait_min"}}}


def test_a_workbook_with_its_data_after_an_instructions_sheet_is_read_without_naming_the_sheet(
        config_dir, tmp_path):
    folder = tmp_path / "tyokirja"
    folder.mkdir()
    queue_workbook(folder / "jonot.xlsx")
    outcome, store = run(config_dir, tmp_path, {**QUEUE_SOURCE, "folder": str(folder)})
    assert outcome.ok, (outcome.error, [str(r) for r in outcome.rejects])
    assert ledger(outcome) == (5, 4, 0, 1)  # four stations' rows; the totals row ignored
    nine, ten = local("2026-12-01 09:00"), local("2026-12-01 10:00")
    with store.engine.connect() as connection:
        stored = sorted(tuple(r) for r in connection.exec_driver_sql(
            "SELECT station, metric, ts, value FROM readings "
            "JOIN series ON series.id = readings.series ORDER BY station, metric, ts"))
    truth = sorted([
        ("kajaani", "queue_oldest_wait_min", nine, 20.5), ("kajaani", "queue_waiting", nine, 12.0),
        ("kajaani", "queue_oldest_wait_min", ten, 22.0), ("kajaani", "queue_waiting", ten, 14.0),
        ("kuhmo", "queue_oldest_wait_min", nine, 5.5), ("kuhmo", "queue_waiting", nine, 3.0),
        ("sotkamo", "queue_oldest_wait_min", nine, 12.0), ("sotkamo", "queue_waiting", nine, 7.0)])
    assert [(s, m, datetime.fromisoformat(str(t)).replace(tzinfo=UTC), v) for s, m, t, v in stored] == truth
    reasons = (folder / "processed" / "jonot.xlsx.reason.txt").read_text(encoding="utf-8")
    assert "row 8: a totals row" in reasons
    store.dispose()


def test_a_sheet_named_in_sources_yaml_is_read_even_when_another_has_the_columns(config_dir, tmp_path):
    folder = tmp_path / "tyokirja"
    folder.mkdir()
    queue_workbook(folder / "jonot.xlsx")
    outcome, store = run(config_dir, tmp_path, {**QUEUE_SOURCE, "folder": str(folder), "sheet": 0})
    [reason] = [str(r) for r in outcome.rejects]
    assert "missing from file jonot.xlsx; its columns are: 'Raportti päivittyy" in reason
    assert sorted(p.name for p in (folder / "rejected").iterdir()) == ["jonot.xlsx", "jonot.xlsx.reason.txt"]
    store.dispose()


# ------------------------------------------------------------------ a pivot table saved as CSV by a Finnish Excel
PIVOT = (
    "Rivitunnisteet;Päivämäärä;Summa kohteesta Puhelut;Summa kohteesta Käynnit\r\n"
    "Kajaanin terveysasema;1.12.2026;120;30\r\n"
    "Kajaanin terveysasema;2.12.2026;110;20\r\n"
    "Kajaanin terveysasema Summa;;230;50\r\n"          # a subtotal between the stations: not data
    "Sotkamon terveysasema;1.12.2026;40;12\r\n"
    "Sotkamon terveysasema Summa;;40;12\r\n"
    "Kokonaissumma;;270;62\r\n"                        # the grand total, as Finnish Excel names it
)


def test_a_pivot_tables_subtotals_and_grand_total_are_ignored_not_refused(config_dir, tmp_path):
    folder = tmp_path / "pivot"
    folder.mkdir()
    (folder / "pivot.csv").write_bytes(PIVOT.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "pivot", "type": "files", "folder": str(folder), "patterns": ["*.csv"],
        "mapping": {"layout": "wide", "station": "Rivitunnisteet", "time": "Päivämäärä",
                    "metrics": {"Summa kohteesta Puhelut": "contacts_phone_today",
                                "Summa kohteesta Käynnit": "contacts_visit_today"}}})
    assert ledger(outcome) == (6, 3, 0, 3), [str(r) for r in outcome.rejects]
    with store.engine.connect() as connection:
        stored = sorted(tuple(r) for r in connection.exec_driver_sql(
            "SELECT station, metric, ts, value FROM readings "
            "JOIN series ON series.id = readings.series ORDER BY station, metric, ts"))
    # A date alone is that day's total, stored at the day's last minute (23.59 Helsinki = 21.59 UTC).
    day1, day2 = local("2026-12-01 23:59"), local("2026-12-02 20:00")  # 2.12 is today: stored as now
    truth = sorted([("kajaani", "contacts_phone_today", day1, 120.0), ("kajaani", "contacts_visit_today", day1, 30.0),
                    ("kajaani", "contacts_phone_today", day2, 110.0), ("kajaani", "contacts_visit_today", day2, 20.0),
                    ("sotkamo", "contacts_phone_today", day1, 40.0), ("sotkamo", "contacts_visit_today", day1, 12.0)])
    assert [(s, m, datetime.fromisoformat(str(t)).replace(tzinfo=UTC), v) for s, m, t, v in stored] == truth
    reasons = (folder / "processed" / "pivot.csv.reason.txt").read_text(encoding="utf-8")
    assert "line 4: a subtotal row" in reasons and "line 6: a subtotal row" in reasons
    assert "line 7: a totals row" in reasons
    store.dispose()


# ------------------------------------------------------------------ wrapped header cells
def test_header_cells_wrapped_on_two_lines_match_the_names_as_seen(config_dir, tmp_path):
    """Excel shows a header cell wrapped with Alt+Enter as "Jonossa nyt"; the cell holds a line break. A report
    writes a non-breaking space where it keeps two words together. The administrator maps what is seen."""
    folder = tmp_path / "kaariytyva"
    folder.mkdir()
    workbook = openpyxl.Workbook()
    workbook.active.append(["Jonotilanne"])
    workbook.active.append(["Asema", "Päivämäärä", "Klo", "Jonossa\nnyt", "Vanhin odotus\u00a0(min)"])
    workbook.active.append(["Kajaanin terveysasema", "1.12.2026", "8.00", 3, "12,5"])
    workbook.save(folder / "jonot.xlsx")
    (folder / "jonot.csv").write_bytes(
        'Asema;Päivämäärä;Klo;"Jonossa\r\nnyt";Vanhin odotus\u00a0(min)\r\n'
        "Sotkamon terveysasema;1.12.2026;8.00;5;2\r\n".encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "kaariytyva", "type": "files", "folder": str(folder),
        "mapping": {"layout": "wide", "station": "Asema", "time": ["Päivämäärä", "Klo"],
                    "metrics": {"Jonossa nyt": "queue_waiting", "Vanhin odotus (min)": "queue_oldest_wait_min"}}})
    assert ledger(outcome) == (2, 2, 0, 0), [str(r) for r in outcome.rejects]
    metrics = ["queue_waiting", "queue_oldest_wait_min"]
    assert values(store, "kajaani", metrics) == {"queue_waiting": 3.0, "queue_oldest_wait_min": 12.5}
    assert values(store, "sotkamo", metrics) == {"queue_waiting": 5.0, "queue_oldest_wait_min": 2.0}
    store.dispose()


# ------------------------------------------------------------------ a survey tool writing the scale's ends with labels
LABELLED = (
    "Vastaus-ID;Toimipiste;Vastattu;Suosittelisitko meitä?\r\n"
    "11;Sotkamon terveysasema;2.12.2026 8.00;10 - Erittäin todennäköisesti\r\n"
    "12;Sotkamon terveysasema;2.12.2026 8.30;9\r\n"
    "13;Sotkamon terveysasema;2.12.2026 9.00;0 - En lainkaan todennäköisesti\r\n"
    "14;Sotkamon terveysasema;2.12.2026 9.30;7\r\n"
    "15;Sotkamon terveysasema;2.12.2026 10.00;10 - Erittäin todennäköisesti\r\n"
    "16;Sotkamon terveysasema;2.12.2026 10.30;kymmenen\r\n"          # not an answer on the scale: refused
)


def test_scores_written_with_the_scales_labels_are_read_as_their_numbers(config_dir, tmp_path):
    folder = tmp_path / "kysely"
    folder.mkdir()
    (folder / "vastaukset.csv").write_bytes(LABELLED.encode("utf-8"))
    outcome, store = run(config_dir, tmp_path, survey_source("kysely", folder, "Suosittelisitko meitä?",
                                                             patterns=None))
    assert ledger(outcome) == (6, 5, 1, 0)
    assert [str(r) for r in outcome.rejects] == ["file vastaukset.csv line 7: score: 'kymmenen' is not a number"]
    # 10, 9, 10: promoters; 7: passive; 0: detractor.
    assert values(store, "sotkamo", ["feedback_promoters_today", "feedback_passives_today",
                                     "feedback_detractors_today"]) == {
        "feedback_promoters_today": 3.0, "feedback_passives_today": 1.0, "feedback_detractors_today": 1.0}
    store.dispose()


# ------------------------------------------------------------------ Qlik Sense: the totals at the top
def test_a_totals_row_right_under_the_header_leaves_the_stations_below_it_as_data(config_dir, tmp_path):
    """Qlik Sense shows a table's totals at the top and exports them there: the first row under the header."""
    folder = tmp_path / "qlik"
    folder.mkdir()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Yksikkö", "Päivä", "Yhteydenotot puhelin", "Käynnit"])
    sheet.append(["Totals", None, 1544, 2046])
    sheet.append(["Kajaanin terveysasema", date(2026, 12, 1), 1234, 2001])
    sheet.append(["Suomussalmen terveysasema", date(2026, 12, 1), 310, 45])
    for cells in sheet.iter_rows(min_row=3, max_row=4):
        cells[1].number_format = "d.m.yyyy"
    workbook.save(folder / "qlik.xlsx")
    outcome, store = run(config_dir, tmp_path, {
        "name": "qlik", "type": "files", "folder": str(folder),
        "mapping": {"layout": "wide", "station": "Yksikkö", "time": "Päivä",
                    "metrics": {"Yhteydenotot puhelin": "contacts_phone_today", "Käynnit": "contacts_visit_today"}}})
    assert ledger(outcome) == (3, 2, 0, 1)
    metrics = ["contacts_phone_today", "contacts_visit_today"]
    assert values(store, "kajaani", metrics) == {"contacts_phone_today": 1234.0, "contacts_visit_today": 2001.0}
    assert values(store, "suomussalmi", metrics) == {"contacts_phone_today": 310.0, "contacts_visit_today": 45.0}
    reasons = (folder / "processed" / "qlik.xlsx.reason.txt").read_text(encoding="utf-8")
    assert "row 2: a totals row" in reasons and "below the totals row" not in reasons
    store.dispose()


# ------------------------------------------------------------------ a report exported page by page
PAGED = (
    "Jonotilanne tunneittain\r\n"
    "Asema;Päivämäärä;Klo;Jonossa\r\n"
    "Kajaanin terveysasema;1.12.2026;8.00;3\r\n"
    "Sotkamon terveysasema;1.12.2026;8.00;4\r\n"
    "Sivu 1 / 2\r\n"                                  # the page's footer
    ";;;\r\n"
    "Jonotilanne tunneittain\r\n"                     # the next page's title
    "Asema;Päivämäärä;Klo;Jonossa\r\n"                # and its header again
    "Kajaanin terveysasema;1.12.2026;9.00;6\r\n"
    "Sivu 2 / 2\r\n"
)


def test_a_report_exported_page_by_page_reads_every_pages_rows(config_dir, tmp_path):
    folder = tmp_path / "sivut"
    folder.mkdir()
    (folder / "jono.csv").write_bytes(PAGED.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "sivut", "type": "files", "folder": str(folder),
        "mapping": {"layout": "wide", "station": "Asema", "time": ["Päivämäärä", "Klo"],
                    "metrics": {"Jonossa": "queue_waiting"}}})
    assert ledger(outcome) == (7, 3, 0, 4), [str(r) for r in outcome.rejects]
    with store.engine.connect() as connection:
        stored = sorted(tuple(r) for r in connection.exec_driver_sql(
            "SELECT station, ts, value FROM readings "
            "JOIN series ON series.id = readings.series WHERE metric = 'queue_waiting' ORDER BY station, ts"))
    assert [(s, datetime.fromisoformat(str(t)).replace(tzinfo=UTC), v) for s, t, v in stored] == [
        ("kajaani", local("2026-12-01 08:00"), 3.0), ("kajaani", local("2026-12-01 09:00"), 6.0),
        ("sotkamo", local("2026-12-01 08:00"), 4.0)]
    reasons = (folder / "processed" / "jono.csv.reason.txt").read_text(encoding="utf-8")
    assert "line 5: a page's title above the repeated header" in reasons  # the footer "Sivu 1 / 2"
    assert "line 7: a page's title above the repeated header" in reasons
    assert "line 8: the header again (the report's next page)" in reasons
    assert "line 10: a note below the data" in reasons
    store.dispose()


# ------------------------------------------------------------------ Excel duration cells and #DIV/0!
def test_duration_cells_and_a_division_by_zero_in_an_excel_report(config_dir, tmp_path):
    """Ages kept as Excel times: ``h:mm`` (1:15, and 1,25 days shown as 6:00 of the next day) and ``[h]:mm``
    (30:30); the same-day share a formula that divides by zero where no callback was handled yet. The same report
    saved as CSV by a Finnish Excel writes what it shows: 1:15 and #JAKO/0!."""
    folder = tmp_path / "raportti"
    folder.mkdir()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Asema", "Aika", "Jonossa", "Vanhin odotus", "Vanhin vastaamaton viesti", "Samana päivänä"])
    sheet.append(["Kajaanin terveysasema", datetime(2026, 12, 1, 8, 0), 3, 1.25 / 24, 30.5 / 24, "#DIV/0!"])
    sheet.append(["Sotkamon terveysasema", datetime(2026, 12, 1, 8, 0), 4, 0.5 / 24, 1.25, 0.855])
    for row in (2, 3):
        sheet[f"B{row}"].number_format = "d.m.yyyy h:mm"
        sheet[f"D{row}"].number_format = "h:mm"
        sheet[f"F{row}"].number_format = "0.0 %"
    sheet["E2"].number_format = "[h]:mm"
    sheet["E3"].number_format = "h:mm"  # 1,25 days: openpyxl hands it over as 1.1.1900 6.00
    workbook.save(folder / "jono.xlsx")
    (folder / "paltamo.csv").write_bytes(
        ("Asema;Aika;Jonossa;Vanhin odotus;Vanhin vastaamaton viesti;Samana päivänä\r\n"
         "Paltamon terveysasema;1.12.2026 8.00;2;0:45;2:30;#JAKO/0!\r\n").encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "raportti", "type": "files", "folder": str(folder),
        "mapping": {"layout": "wide", "station": "Asema", "time": "Aika",
                    "metrics": {"Jonossa": "queue_waiting", "Vanhin odotus": "queue_oldest_wait_min",
                                "Vanhin vastaamaton viesti": "omasote_oldest_unanswered_h",
                                "Samana päivänä": "queue_same_day_share_stated"}}})
    assert ledger(outcome) == (3, 3, 0, 0), [str(r) for r in outcome.rejects]
    metrics = ["queue_waiting", "queue_oldest_wait_min", "omasote_oldest_unanswered_h", "queue_same_day_share_stated"]
    assert values(store, "kajaani", metrics) == {
        "queue_waiting": 3.0, "queue_oldest_wait_min": 75.0, "omasote_oldest_unanswered_h": 30.5}
    assert values(store, "sotkamo", metrics) == {
        "queue_waiting": 4.0, "queue_oldest_wait_min": 30.0, "omasote_oldest_unanswered_h": 30.0,
        "queue_same_day_share_stated": 0.855}
    assert values(store, "paltamo", metrics) == {
        "queue_waiting": 2.0, "queue_oldest_wait_min": 45.0, "omasote_oldest_unanswered_h": 2.5}
    store.dispose()


# ------------------------------------------------------------------ a callback report: dates and times in two columns
SPLIT_CALLBACKS = (
    "Takaisinsoittopyynnöt 2.12.2026\r\n"
    "Pyyntö;Yksikkö;Luontipvm;Luontiklo;Hoidettu pvm;Hoidettu klo\r\n"
    "K-1;Kajaanin terveysasema;2.12.2026;8.05;2.12.2026;9.10\r\n"
    "K-2;Kajaanin terveysasema;1.12.2026;15.40;2.12.2026;8.20\r\n"
    "K-3;Kajaanin terveysasema;2.12.2026;13.30;;\r\n"                 # not handled yet
    "K-4;Kajaanin terveysasema;2.12.2026;14.00;2.12.2026;\r\n"        # a handled date without its time: refused
)


def test_a_callback_report_with_dates_and_times_in_separate_columns(config_dir, tmp_path):
    folder = tmp_path / "soitot"
    folder.mkdir()
    (folder / "soitot.csv").write_bytes(SPLIT_CALLBACKS.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "soitot", "type": "files", "folder": str(folder), "deliver": "items",
        "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Pyyntö", "station": "Yksikkö", "start": ["Luontipvm", "Luontiklo"],
                             "end": ["Hoidettu pvm", "Hoidettu klo"]}}})
    assert ledger(outcome) == (4, 3, 1, 0)
    assert [str(r) for r in outcome.rejects] == ["file soitot.csv line 6: column 'Hoidettu klo' is empty"]
    queue = ["queue_waiting", "queue_oldest_wait_min", "queue_handled_today", "queue_handled_same_day_today"]
    # At 20.00: K-3 waits since 13.30 (390 min); K-1 and K-2 handled today, K-1 the same day.
    assert values(store, "kajaani", queue) == {"queue_waiting": 1.0, "queue_oldest_wait_min": 390.0,
                                               "queue_handled_today": 2.0, "queue_handled_same_day_today": 1.0}
    store.dispose()


# ------------------------------------------------------------------ workbooks openpyxl cannot read
def test_a_binary_or_opendocument_workbook_is_refused_with_what_to_save_it_as(config_dir, tmp_path):
    """"Save as" in Excel offers .xlsb, LibreOffice saves .ods; a pattern like "*.xls*" picks an .xlsb up. Both are
    zips (a binary workbook's sheets are .bin parts), never CSV text."""
    import io
    import zipfile

    folder = tmp_path / "kirjat"
    folder.mkdir()
    for name, parts in (("jono.xlsb", {"[Content_Types].xml": "<Types/>", "xl/workbook.bin": "\x83\x01\x00"}),
                        ("jono.ods", {"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                                      "content.xml": "<office:document-content/>"})):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part, text in parts.items():
                archive.writestr(part, text)
        (folder / name).write_bytes(buffer.getvalue())
    outcome, store = run(config_dir, tmp_path, {
        "name": "kirjat", "type": "files", "folder": str(folder), "patterns": ["*.xls*", "*.ods"],
        "mapping": {"layout": "wide", "station": "Asema", "time": "Aika", "metrics": {"Jonossa": "queue_waiting"}}})
    assert sorted(str(r) for r in outcome.rejects) == [
        "file jono.ods is an OpenDocument (.ods) workbook, which the board cannot read; save it as .xlsx or CSV "
        "(see rejected/jono.ods.reason.txt)",
        "file jono.xlsb is an Excel binary (.xlsb) workbook, which the board cannot read; save it as .xlsx or CSV "
        "(see rejected/jono.xlsb.reason.txt)"]
    store.dispose()


# ------------------------------------------------------------------ dates with their weekday, as Excel shows them
WEEKDAY_MESSAGES = (
    "Viesti;Yksikkö;Saapunut;Vastattu\r\n"
    "V-1;Kuhmon terveysasema;ti 1.12.2026 klo 15.10;ke 2.12.2026 klo 8.30\r\n"
    "V-2;Kuhmon terveysasema;ke 2.12.2026 klo 9.45;ke 2.12.2026 klo 10.05\r\n"
    "V-3;Kuhmon terveysasema;ke 2.12.2026 klo 12.00;\r\n"
)


def test_times_written_with_their_weekday_are_read(config_dir, tmp_path):
    """A Finnish Excel's date format "ddd d.m.yyyy" shows "ti 1.12.2026", and a CSV it saves writes just that."""
    folder = tmp_path / "viestit"
    folder.mkdir()
    (folder / "viestit.csv").write_bytes(WEEKDAY_MESSAGES.encode("cp1252"))
    (folder / "jono.csv").write_bytes("Asema;Päivä;Klo;Jonossa\r\nKuhmon terveysasema;ke 2.12.2026;9.00;4\r\n"
                                      .encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "viestit", "type": "files", "folder": str(folder), "patterns": ["viestit*.csv"], "deliver": "items",
        "items": {"item": "messages", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Viesti", "station": "Yksikkö", "start": "Saapunut", "end": "Vastattu"}}})
    assert ledger(outcome) == (3, 3, 0, 0), [str(r) for r in outcome.rejects]
    # At 20.00 on 2.12: V-3 unanswered since 12.00 (8 h); V-2 and V-3 received today, V-1 and V-2 answered today.
    assert values(store, "kuhmo", ["omasote_unanswered", "omasote_oldest_unanswered_h", "omasote_received_today",
                                   "omasote_answered_today"]) == {
        "omasote_unanswered": 1.0, "omasote_oldest_unanswered_h": 8.0, "omasote_received_today": 2.0,
        "omasote_answered_today": 2.0}
    store.dispose()
    outcome, store = run(config_dir, tmp_path, {
        "name": "jono", "type": "files", "folder": str(folder), "patterns": ["jono*.csv"],
        "mapping": {"layout": "wide", "station": "Asema", "time": ["Päivä", "Klo"],
                    "metrics": {"Jonossa": "queue_waiting"}}})
    assert ledger(outcome) == (1, 1, 0, 0), [str(r) for r in outcome.rejects]
    assert store.latest_values("kuhmo", ["queue_waiting"])["queue_waiting"].ts == local("2026-12-02 09:00")
    store.dispose()


def test_an_empty_template_sheet_with_the_same_header_before_the_data_is_passed_over(config_dir, tmp_path):
    folder = tmp_path / "tyokirja"
    folder.mkdir()
    queue_workbook(folder / "jonot.xlsx")
    workbook = openpyxl.load_workbook(folder / "jonot.xlsx")
    template = workbook.create_sheet("Pohja", 0)  # first: the form each day's sheet is copied from
    template.append(["Asema", "Päivämäärä", "Klo", "Jonossa", "Vanhin odotus (min)", "Sisäinen koodi"])
    workbook.save(folder / "jonot.xlsx")
    outcome, store = run(config_dir, tmp_path, {**QUEUE_SOURCE, "folder": str(folder)})
    assert ledger(outcome) == (5, 4, 0, 1)
    assert values(store, "kuhmo", ["queue_waiting"]) == {"queue_waiting": 3.0}
    store.dispose()


# ------------------------------------------------------------------ a station whose name is a totals word
# Summa is a village in Hamina; a unit there is written "Summa", or "Hamina Summa" by a report naming units by
# municipality and village. Such a row is that station's figures, not a total or a subtotal.
STATION_SUMMA = (
    "Asema;Päivämäärä;Puhelut;Käynnit\r\n"
    "Kajaanin terveysasema;1.12.2026;120;30\r\n"
    "Summa;1.12.2026;15;4\r\n"
    "Sotkamon terveysasema;1.12.2026;40;12\r\n"
    "Yhteensä;;175;46\r\n"                              # the report's own totals row
)
VILLAGE_SUMMA = (
    "Yksikkö;Päivämäärä;Puhelut;Käynnit\r\n"
    "Hamina Summa;2.12.2026;9;2\r\n"
    "Kuhmon terveysasema;2.12.2026;33;8\r\n"
)


def test_a_station_named_like_a_total_is_a_stations_row(config_dir, tmp_path):
    stations = yaml.safe_load((config_dir / "stations.yaml").read_text(encoding="utf-8"))
    stations["stations"].append({"code": "summa", "name": "Summa", "municipality": "Hamina", "population": 900})
    (config_dir / "stations.yaml").write_text(yaml.safe_dump(stations, allow_unicode=True), encoding="utf-8")
    folder = tmp_path / "summa"
    folder.mkdir()
    (folder / "asemat.csv").write_bytes(STATION_SUMMA.encode("cp1252"))
    metrics = {"Puhelut": "contacts_phone_today", "Käynnit": "contacts_visit_today"}
    outcome, store = run(config_dir, tmp_path, {
        "name": "asemat", "type": "files", "folder": str(folder), "patterns": ["asemat.csv"],
        "mapping": {"layout": "wide", "station": "Asema", "time": "Päivämäärä", "metrics": metrics}})
    # Three stations stored, the totals row ignored; before, "Summa" was taken for the totals row and it and
    # Sotkamo's row under it were ignored, and the run said OK.
    assert ledger(outcome) == (4, 3, 0, 1)
    day = ["contacts_phone_today", "contacts_visit_today"]
    assert values(store, "summa", day) == {"contacts_phone_today": 15.0, "contacts_visit_today": 4.0}
    assert values(store, "sotkamo", day) == {"contacts_phone_today": 40.0, "contacts_visit_today": 12.0}
    store.dispose()
    (folder / "kylat.csv").write_bytes(VILLAGE_SUMMA.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "kylat", "type": "files", "folder": str(folder), "patterns": ["kylat.csv"],
        "mapping": {"layout": "wide", "station": "Yksikkö", "time": "Päivämäärä", "metrics": metrics,
                    "stations": {"Hamina Summa": "summa"}}})
    # "Hamina Summa" is named in mapping.stations: a station, not a pivot's subtotal.
    assert ledger(outcome) == (2, 2, 0, 0)
    assert values(store, "summa", day) == {"contacts_phone_today": 9.0, "contacts_visit_today": 2.0}
    store.dispose()


# ------------------------------------------------------------------ a follow-up question that names the scale
# Survey tools ask those who gave a low score why, and the exported header carries the range the question was
# shown for. Its answers are free text, names in them, though the header holds a scale.
WHY = "Miksi annoit arvosanan (0-6)? Kerro omin sanoin"
WHY_PRIVATE = ("Lääkäri Virtanen ei kuunnellut", "Odotin Sirpan soittoa turhaan")
FOLLOW_UP = (
    f"Vastaus-ID;Toimipiste;Vastattu;{SCORE};{WHY}\r\n"
    "21;Kuhmon terveysasema;2.12.2026 8.12;9;\r\n"
    f"22;Kuhmon terveysasema;2.12.2026 9.30;3;{WHY_PRIVATE[0]}\r\n"
    f"23;Kuhmon terveysasema;2.12.2026 10.01;5;{WHY_PRIVATE[1]}\r\n"
)


def test_a_follow_up_questions_answers_are_not_kept_though_its_header_names_a_scale(config_dir, tmp_path):
    folder = tmp_path / "seuranta"
    folder.mkdir()
    (folder / "palaute.csv").write_bytes(FOLLOW_UP.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, survey_source("seuranta", folder))
    assert ledger(outcome) == (3, 3, 0, 0)
    # 9: a promoter; 3 and 5: detractors.
    assert values(store, "kuhmo", ["feedback_promoters_today", "feedback_detractors_today"]) == {
        "feedback_promoters_today": 1.0, "feedback_detractors_today": 2.0}
    store.dispose()
    kept = (folder / "processed" / "palaute.csv").read_bytes().decode("cp1252")
    assert not any(text in kept for text in WHY_PRIVATE)
    assert kept.splitlines()[2] == "22;Kuhmon terveysasema;2.12.2026 9.30;3;"


# ------------------------------------------------------------------ a paged report totalling each page
PAGE_TOTALS = (
    "Käynnit asemittain\r\n"
    "Asema;Päivämäärä;Puhelut;Käynnit\r\n"
    "Kajaanin terveysasema;1.12.2026;120;30\r\n"
    "Sotkamon terveysasema;1.12.2026;40;12\r\n"
    "Yhteensä;;160;42\r\n"                            # the page's total
    "Sivu 1 / 2\r\n"
    "Käynnit asemittain\r\n"
    "Asema;Päivämäärä;Puhelut;Käynnit\r\n"
    "Kuhmon terveysasema;1.12.2026;33;8\r\n"
    "Yhteensä;;33;8\r\n"
    "Sivu 2 / 2\r\n"
)


def test_a_paged_report_with_each_pages_total_reads_every_page(config_dir, tmp_path):
    folder = tmp_path / "sivusummat"
    folder.mkdir()
    (folder / "kaynnit.csv").write_bytes(PAGE_TOTALS.encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "sivusummat", "type": "files", "folder": str(folder),
        "mapping": {"layout": "wide", "station": "Asema", "time": "Päivämäärä",
                    "metrics": {"Puhelut": "contacts_phone_today", "Käynnit": "contacts_visit_today"}}})
    # Nine lines under the first header: three stations stored; two page totals, two footers, the next page's
    # title and header ignored. Before, page 1's total ended the data and Kuhmo was ignored: (9, 2, 0, 7), OK.
    assert ledger(outcome) == (9, 3, 0, 6), [str(r) for r in outcome.rejects]
    day = ["contacts_phone_today", "contacts_visit_today"]
    assert values(store, "kuhmo", day) == {"contacts_phone_today": 33.0, "contacts_visit_today": 8.0}
    assert values(store, "sotkamo", day) == {"contacts_phone_today": 40.0, "contacts_visit_today": 12.0}
    store.dispose()
