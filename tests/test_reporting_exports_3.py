"""Export shapes a new administrator still found refused or worded wrong in user check 5, each written the way its
tool writes it and loaded through a real ``files`` source (a drop folder and the collector's run).

Every truth is written out by hand from the rows below (or counted in plain Python with ``zoneinfo``), never by the
board's code, and every run accounts for each row read (read = stored + refused + ignored).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from tests.export_builders import survey_source
from tests.test_reporting_exports import ledger, run, values

# ------------------------------------------------------------------ the reason file's counts agree with their numbers
ONE_OF_EACH = ("Asema;Päivämäärä;Klo;Jonossa\r\n"
               "Kajaanin terveysasema;2.12.2026;14.00;12\r\n"
               "Sotkamon terveysasema;2.12.2026;14.00;kaksi\r\n"
               "Yhteensä;;;12\r\n")


@pytest.mark.parametrize(("setting", "counts"), [
    (None, ": 3 datariviä, tallennettu 1 lukema, 1 hylätty rivi, 1 ohitettu rivi."),
    ("sv", ": 3 datarader, 1 mätvärde sparat, 1 rad avvisad, 1 rad förbigången."),
    ("en", ": 3 data rows, 1 reading stored, 1 row refused, 1 row ignored."),
], ids=["fi", "sv", "en"])
def test_the_reason_files_counts_agree_with_their_numbers(config_dir, tmp_path, setting, counts):
    """Before: '1 rows ignored', 'hylättyjä rivejä 1', '1 rader avvisade'."""
    folder = tmp_path / "jono"
    folder.mkdir()
    (folder / "jono.csv").write_bytes(ONE_OF_EACH.encode("cp1252"))
    source = {"name": "jono", "type": "files", "folder": str(folder), "patterns": ["*.csv"],
              "mapping": {"layout": "wide", "station": "Asema", "time": ["Päivämäärä", "Klo"],
                          "metrics": {"Jonossa": "queue_waiting"}}}
    if setting:
        source["reason_language"] = setting
    outcome, store = run(config_dir, tmp_path, source)
    assert ledger(outcome) == (3, 1, 1, 1)
    assert values(store, "kajaani", ["queue_waiting"]) == {"queue_waiting": 12.0}
    store.dispose()
    text = (folder / "processed" / "jono.csv.reason.txt").read_text(encoding="utf-8")
    assert counts in text, text
    # The English after the administrator's language agrees too.
    assert ": 3 data rows, 1 reading stored, 1 row refused, 1 row ignored." in text, text


def test_a_count_of_one_more_problem_is_singular_in_every_language():
    from board.domain.reasons import Reason
    from board.reason_words import reason_text

    inner = Reason("empty_field", "column 'Asema' is empty", what="column", field="Asema")
    one = Reason("more_problems", "column 'Asema' is empty (and 1 more problem)", reason=inner, n=1)
    two = Reason("more_problems", "column 'Asema' is empty (and 2 more problems)", reason=inner, n=2)
    assert reason_text(one, "en").endswith("(and 1 more problem)")
    assert reason_text(two, "en").endswith("(and 2 more problems)")
    assert reason_text(one, "fi").endswith("(ja 1 muu ongelma)")
    assert reason_text(two, "fi").endswith("(ja 2 muuta ongelmaa)")
    assert reason_text(one, "sv").endswith("(och 1 annat problem)")
    assert reason_text(two, "sv").endswith("(och 2 andra problem)")


# ------------------------------------------------------------------ hour ranges through the DST nights
HEL = ZoneInfo("Europe/Helsinki")


def night_rows(day: date, hours: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """A station's rows of a night as the contact-centre tool lists them in local time: (start, end, calls, queue)."""
    return [(a, b, 3 + 2 * i, i % 4) for i, (a, b) in enumerate(hours)]


#: 25.10.2026: the clocks go back at 04.00 summer time to 03.00, so the tool lists 03:00-04:00 twice.
OCTOBER = date(2026, 10, 25)
OCTOBER_HOURS = [(0, 1), (1, 2), (2, 3), (3, 4), (3, 4), (4, 5), (5, 6)]
#: 29.3.2026: the clocks go forward at 03.00 to 04.00, so 03:00-04:00 is not there.
MARCH = date(2026, 3, 29)
MARCH_HOURS = [(0, 1), (1, 2), (2, 3), (4, 5), (5, 6)]


def night_truth(day: date, rows: list[tuple[int, int, int, int]]) -> tuple[dict, dict]:
    """Each listed range is one real hour, in row order, from the local midnight (zoneinfo alone): the calls summed
    into the day's running total at each hour's end, the queue as it stood then."""
    midnight = datetime.combine(day, time(0), tzinfo=HEL).astimezone(UTC)
    calls, queue, total = {}, {}, 0
    for i, (_a, _b, c, q) in enumerate(rows):
        end = midnight + timedelta(hours=i + 1)
        total += c
        calls[end], queue[end] = float(total), float(q)
    return calls, queue


def night_csv(day: date, rows: list[tuple[int, int, int, int]], style: str) -> bytes:
    """The telephony tool's hourly report as CSV (UTF-8 with BOM, ``;``, CRLF), the range as ``03:00-04:00`` or
    ``3-4``."""
    lines = [f"Puhelut tunneittain {day.day}.{day.month}.{day.year}", "",
             "Jono;Päivämäärä;Aikaväli;Saapuneet puhelut;Jonossa"]
    for a, b, c, q in rows:
        span = f"{a:02d}:00-{b:02d}:00" if style == "24 h" else f"{a}-{b}"
        lines.append(f"Kajaanin terveysasema;{day.day}.{day.month}.{day.year};{span};{c};{q}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


NIGHT_MAPPING = {"layout": "wide", "station": "Jono", "time": ["Päivämäärä", "Aikaväli"],
                 "metrics": {"Saapuneet puhelut": "contacts_phone_today", "Jonossa": "queue_waiting"}}


def series(store, metric: str, day: date) -> dict[datetime, float]:
    start = datetime.combine(day, time(0), tzinfo=HEL).astimezone(UTC)
    return {r.ts: r.value for r in store.series("kajaani", [metric], start, start + timedelta(days=1))}


@pytest.mark.parametrize("style", ["24 h", "hour numbers"])
@pytest.mark.parametrize("night", ["October", "March"])
def test_hour_ranges_through_the_dst_nights_are_the_hours_that_happened(config_dir, tmp_path, night, style):
    """October: the second 03:00-04:00 is the winter-time hour (+02:00), after the summer-time one (+03:00) in row
    order; before, both were refused as overlapping, with every later hour of the day. March: 02:00-03:00 ends at
    04.00 summer time (the hour after it is 04:00-05:00); before, its end (03.00) did not exist and the row and the
    rest of the night were refused."""
    day, hours = (OCTOBER, OCTOBER_HOURS) if night == "October" else (MARCH, MARCH_HOURS)
    rows = night_rows(day, hours)
    folder = tmp_path / "yo"
    folder.mkdir()
    (folder / "tunnit.csv").write_bytes(night_csv(day, rows, style))
    outcome, store = run(config_dir, tmp_path, {"name": "yo", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": NIGHT_MAPPING},
                         at=f"{day + timedelta(days=1)} 08:00")
    assert ledger(outcome) == (len(rows), len(rows), 0, 0), [str(r) for r in outcome.rejects]
    calls, queue = night_truth(day, rows)
    assert series(store, "contacts_phone_today", day) == calls
    assert series(store, "queue_waiting", day) == queue
    store.dispose()


@pytest.mark.parametrize("listed", ["empty", "with figures"])
def test_the_march_nights_skipped_hour_listed_by_the_tool(config_dir, tmp_path, listed):
    """Some tools list all 24 hours, the skipped 03:00-04:00 too: empty (or zeros) it is no data, ignored with the
    reason; with figures they belong to no hour, so it is refused, and so are the day's later running totals (they
    would miss its calls). The hours before it are stored."""
    rows = night_rows(MARCH, MARCH_HOURS)
    data = night_csv(MARCH, rows, "24 h").decode("utf-8-sig")
    skipped = "Kajaanin terveysasema;29.3.2026;03:00-04:00;" + (";\r\n" if listed == "empty" else "7;2\r\n")
    data = data.replace("Kajaanin terveysasema;29.3.2026;04:00-05:00", skipped + "Kajaanin terveysasema;29.3.2026;"
                        "04:00-05:00")
    folder = tmp_path / "yo"
    folder.mkdir()
    (folder / "tunnit.csv").write_bytes(("\ufeff" + data).encode("utf-8"))
    outcome, store = run(config_dir, tmp_path, {"name": "yo", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": NIGHT_MAPPING}, at="2026-03-30 08:00")
    calls, queue = night_truth(MARCH, rows)
    reasons = [str(r) for r in outcome.rejects]
    if listed == "empty":  # lines 4-6 are 0-3, line 7 the skipped hour, lines 8-9 the hours after it
        assert ledger(outcome) == (6, 5, 0, 1), reasons
        assert series(store, "contacts_phone_today", MARCH) == calls
        text = (folder / "processed" / "tunnit.csv.reason.txt").read_text(encoding="utf-8")
        assert "line 7: an hour range the clocks skipped (moved forward an hour), with no figures (not data)" in text
        assert "rivi 7: tuntiväli, jota ei ollut (kelloja siirrettiin tunti eteenpäin)" in text
    else:
        assert ledger(outcome) == (6, 3, 3, 0), reasons
        assert any("line 7: column 'Päivämäärä' + 'Aikaväli': the hour range 29.3.2026 3.00–4.00 did not happen in "
                   "Europe/Helsinki" in r for r in reasons), reasons
        assert any("line 8: the day's running total at 29.3.2026 4.00–5.00 cannot be counted: an earlier hour "
                   "range of station kajaani (line 7) was refused" in r for r in reasons), reasons
        first_three = sorted(calls)[:3]
        assert series(store, "contacts_phone_today", MARCH) == {t: calls[t] for t in first_three}
        assert series(store, "queue_waiting", MARCH) == {t: queue[t] for t in first_three}
    store.dispose()


def test_the_october_nights_repeated_hour_in_half_hours_and_a_bad_count_in_its_second_pass(config_dir, tmp_path):
    """A 30-minute report: 03:00-03:30 and 03:30-04:00 twice. The second pass's 03:30-04:00 has a count '4x': that
    row is refused, and the day's running totals after it (04:00-04:30 …); the rows before it are stored, each at
    its own instant (the first pass at +03:00, the second at +02:00)."""
    halves = [(2 * 60, 2 * 60 + 30), (2 * 60 + 30, 3 * 60), (3 * 60, 3 * 60 + 30), (3 * 60 + 30, 4 * 60),
              (3 * 60, 3 * 60 + 30), (3 * 60 + 30, 4 * 60), (4 * 60, 4 * 60 + 30), (4 * 60 + 30, 5 * 60)]
    lines = ["Jono;Päivämäärä;Aikaväli;Saapuneet puhelut;Jonossa"]
    for i, (a, b) in enumerate(halves):
        calls = "4x" if i == 5 else str(i + 1)
        lines.append(f"Kajaanin terveysasema;25.10.2026;{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d};"
                     f"{calls};{i}")
    folder = tmp_path / "yo"
    folder.mkdir()
    (folder / "puolet.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {"name": "yo", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv"], "mapping": NIGHT_MAPPING}, at="2026-10-26 08:00")
    reasons = [str(r) for r in outcome.rejects]
    assert ledger(outcome) == (8, 5, 3, 0), reasons
    assert any("line 7: contacts_phone_today: '4x' is not a number" in r for r in reasons), reasons
    assert any("line 8: the day's running total at 25.10.2026 4.00–4.30 cannot be counted: an earlier hour range of "
               "station kajaani (line 7) was refused" in r for r in reasons), reasons
    # By hand: the rows are consecutive half hours from 02.00 summer time (23.00 UTC on 24.10); the first five
    # are stored, their calls 1..5 summed.
    start = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    truth = {start + timedelta(minutes=30 * (i + 1)): float(sum(range(1, i + 2))) for i in range(5)}
    assert series(store, "contacts_phone_today", OCTOBER) == truth
    assert series(store, "queue_waiting", OCTOBER) == {t: float(i) for i, t in enumerate(sorted(truth))}
    store.dispose()


# ------------------------------------------------------------------ the day and its hour range in one column
def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=HEL).astimezone(UTC)


#: A contact-centre tool's hourly export with the day and the range in one column, as Power BI's "Export data"
#: writes it (UTF-8 with BOM, commas, every value quoted). Truth by hand: calls summed per station and day up to
#: each range's end, the queue as it stood then; at 10.30 on 2.12 the 10-11 range is in progress (stamped now).
ONE_COLUMN = [
    ("Kajaanin terveysasema", "1.12.2026 8:00-9:00", 41, 6),
    ("Kajaanin terveysasema", "1.12.2026 9:00-10:00", 35, 2),
    ("Sotkamon terveysasema", "1.12.2026 8:00-9:00", 12, 0),
    ("Sotkamon terveysasema", "1.12.2026 9:00-10:00", 9, 1),
    ("Kajaanin terveysasema", "2.12.2026 8:00-9:00", 44, 7),
    ("Kajaanin terveysasema", "2.12.2026 9:00-10:00", 30, 4),
    ("Kajaanin terveysasema", "2.12.2026 10:00-11:00", 11, 5),
]
ONE_COLUMN_TRUTH = {
    ("kajaani", "contacts_phone_today"): {at(1, 9): 41, at(1, 10): 76, at(2, 9): 44, at(2, 10): 74, at(2, 10, 30): 85},
    ("kajaani", "queue_waiting"): {at(1, 9): 6, at(1, 10): 2, at(2, 9): 7, at(2, 10): 4, at(2, 10, 30): 5},
    ("sotkamo", "contacts_phone_today"): {at(1, 9): 12, at(1, 10): 21},
    ("sotkamo", "queue_waiting"): {at(1, 9): 0, at(1, 10): 1},
}
ONE_COLUMN_MAPPING = {"layout": "wide", "station": "Jono", "time": "Aikaväli",
                      "metrics": {"Saapuneet puhelut": "contacts_phone_today", "Jonossa": "queue_waiting"}}


@pytest.mark.parametrize("shape", ["Power BI CSV", "workbook, the end with its date"])
def test_the_day_and_its_hour_range_in_one_column_are_read(config_dir, tmp_path, shape):
    """Before: every row refused ("'1.12.2026 8:00-9:00' is not a time")."""
    folder = tmp_path / "tunnit"
    folder.mkdir()
    if shape == "Power BI CSV":
        lines = ['"Jono","Aikaväli","Saapuneet puhelut","Jonossa"']
        lines += [f'"{s}","{span}","{c}","{q}"' for s, span, c, q in ONE_COLUMN]
        (folder / "tunnit.csv").write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    else:  # a reporting tool's workbook: 01.12.2026 08:00 - 01.12.2026 09:00, a title, a totals row
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["Puhelujonot tunneittain"])
        sheet.append(["Jono", "Aikaväli", "Saapuneet puhelut", "Jonossa"])
        for s, span, c, q in ONE_COLUMN:
            day, hours = span.split(" ")
            d, m, y = (int(x) for x in day.split("."))
            a, b = (int(h.split(":")[0]) for h in hours.split("-"))
            sheet.append([s, f"{d:02d}.{m:02d}.{y} {a:02d}:00 - {d:02d}.{m:02d}.{y} {b:02d}:00", c, q])
        sheet.append(["Yhteensä", None, sum(c for *_x, c, _q in ONE_COLUMN), None])
        workbook.save(folder / "tunnit.xlsx")
    outcome, store = run(config_dir, tmp_path, {"name": "tunnit", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv", "*.xlsx"], "mapping": ONE_COLUMN_MAPPING},
                         at="2026-12-02 10:30")
    totals = 0 if shape == "Power BI CSV" else 1
    assert ledger(outcome) == (7 + totals, 7, 0, totals), [str(r) for r in outcome.rejects]
    for (station, metric), truth in ONE_COLUMN_TRUTH.items():
        got = {r.ts: r.value for r in store.series(station, [metric], at(1, 0), at(3, 0))}
        assert got == truth, (station, metric)
    store.dispose()


def test_a_period_of_days_in_one_column_is_that_day_or_refused_with_why(config_dir, tmp_path):
    """A reporting tool's daily export writes each row's period (``1.12.2026 - 1.12.2026``): one day, read as that
    day's total; a row over a week (``1.12.2026 - 7.12.2026``) cannot be put on a day and is refused, saying so."""
    folder = tmp_path / "paivat"
    folder.mkdir()
    (folder / "paivat.csv").write_bytes("\r\n".join([
        "Toimipiste;Aikaväli;Puhelut;Omasote-viestit",
        "Kajaanin terveysasema;1.12.2026 - 1.12.2026;412;96",
        "Sotkamon terveysasema;1.12.2026 - 1.12.2026;133;40",
        "Kuhmon terveysasema;1.12.2026 - 7.12.2026;57;11",
        "Yhteensä;;602;147", ""]).encode("cp1252"))
    outcome, store = run(config_dir, tmp_path, {
        "name": "paivat", "type": "files", "folder": str(folder), "patterns": ["*.csv"],
        "mapping": {"layout": "wide", "station": "Toimipiste", "time": "Aikaväli",
                    "metrics": {"Puhelut": "contacts_phone_today", "Omasote-viestit": "contacts_omasote_today"}}})
    assert ledger(outcome) == (4, 2, 1, 1), [str(r) for r in outcome.rejects]
    assert [str(r) for r in outcome.rejects] == [
        "file paivat.csv line 4: column 'Aikaväli': the period 1.12.2026–7.12.2026 is 7 days: a row of it cannot be "
        "put on one day; export a row per day"]
    day = ["contacts_phone_today", "contacts_omasote_today"]
    end = datetime(2026, 12, 1, 23, 59, tzinfo=HEL).astimezone(UTC)  # a day's total: at its last minute
    for station, truth in (("kajaani", (412.0, 96.0)), ("sotkamo", (133.0, 40.0))):
        assert {m: v.value for m, v in store.latest_values(station, day).items()} == dict(zip(day, truth, strict=True))
        assert {v.ts for v in store.latest_values(station, day).values()} == {end}
    assert store.latest_values("kuhmo", day) == {}
    store.dispose()


# ------------------------------------------------------------------ a filter with several items chosen
def pivot_with_filters(path, filters: list[tuple[str, object]]) -> None:
    """An Excel pivot table saved as it is, its report filters above it (one a row, the field and the chosen item
    or ``(Useita kohteita)``), a blank row, the ``Rivitunnisteet`` table and its grand total."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for field, chosen in filters:
        sheet.append([field, chosen])
    sheet.append([])
    sheet.append(["Rivitunnisteet", "Summa / Puhelut", "Summa / Omasote-viestit"])
    sheet.append(["Kajaanin terveysasema", 412, 96])
    sheet.append(["Sotkamon terveysasema", 133, 40])
    sheet.append(["Kokonaissumma", 545, 136])
    workbook.save(path)


PIVOT_MAPPING = {"layout": "wide", "station": "Rivitunnisteet", "time": "Päivämäärä",
                 "metrics": {"Summa / Puhelut": "contacts_phone_today",
                             "Summa / Omasote-viestit": "contacts_omasote_today"}}
DAY_FIGURES = ["contacts_phone_today", "contacts_omasote_today"]


@pytest.mark.parametrize("shape", ["Excel pivot, fi", "Excel pivot, en, with a day in the title too",
                                   "Power BI CSV, one cell", "Excel pivot, (Kaikki)"])
def test_a_date_filter_with_several_items_chosen_refuses_the_file_saying_to_choose_one_day(config_dir, tmp_path,
                                                                                           shape):
    """Before: refused as "column 'Päivämäärä' missing", which the administrator could not act on (the filter's
    field is right there above the table)."""
    folder = tmp_path / "pivot"
    folder.mkdir()
    if shape == "Power BI CSV, one cell":
        (folder / "pivot.csv").write_bytes("\r\n".join([
            "Päivämäärä: (Useita kohteita)", "", "Rivitunnisteet;Summa / Puhelut;Summa / Omasote-viestit",
            "Kajaanin terveysasema;412;96", "Sotkamon terveysasema;133;40", "Kokonaissumma;545;136", ""]).encode(
            "utf-8-sig"))
        where, value = "line 1", "'Päivämäärä: (Useita kohteita)'"
    else:
        chosen = "(Kaikki)" if "Kaikki" in shape else "(Multiple Items)" if "en" in shape else "(Useita kohteita)"
        filters = [("Päivämäärä", chosen)]
        if "title" in shape:
            filters.insert(0, ("Puhelut 1.12.2026", None))
        pivot_with_filters(folder / "pivot.xlsx", filters)
        where, value = f"row {len(filters)}", f"'Päivämäärä {chosen}'"
    outcome, store = run(config_dir, tmp_path, {"name": "pivot", "type": "files", "folder": str(folder),
                                                "patterns": ["*.csv", "*.xlsx"], "mapping": PIVOT_MAPPING})
    assert ledger(outcome) == (3, 0, 3, 0)
    (reason,) = [str(r) for r in outcome.rejects]
    name = "pivot.csv" if "CSV" in shape else "pivot.xlsx"
    assert reason.startswith(f"file {name}: the table has no date column and its date filter on {where} above it "
                             f"has several days or all of them chosen ({value}): a row is then a sum over those "
                             "days"), reason
    assert store.latest_values("kajaani", DAY_FIGURES) == {}
    store.dispose()
    text = (folder / "rejected" / f"{name}.reason.txt").read_text(encoding="utf-8")
    assert "valitse suodattimeen yksi päivä" in text


def test_several_stations_chosen_in_the_station_filter_leave_the_dates_filter_to_say_the_day(config_dir, tmp_path):
    """``Asema (Useita kohteita)`` is the station filter's: the rows are still one day's, the day the date filter
    names; read as ever."""
    folder = tmp_path / "pivot"
    folder.mkdir()
    pivot_with_filters(folder / "pivot.xlsx", [("Asema", "(Useita kohteita)"), ("Päivämäärä", "1.12.2026")])
    outcome, store = run(config_dir, tmp_path, {"name": "pivot", "type": "files", "folder": str(folder),
                                                "patterns": ["*.xlsx"], "mapping": PIVOT_MAPPING})
    assert ledger(outcome) == (3, 2, 0, 1), [str(r) for r in outcome.rejects]
    assert values(store, "kajaani", DAY_FIGURES) == {"contacts_phone_today": 412.0, "contacts_omasote_today": 96.0}
    assert values(store, "sotkamo", DAY_FIGURES) == {"contacts_phone_today": 133.0, "contacts_omasote_today": 40.0}
    store.dispose()


# ------------------------------------------------------------------ a callback system's daily item list from Excel
def callback_list_workbook(path) -> dict[str, tuple[float, ...]]:
    """The callback system's "Soittopyynnöt" list as its Excel export saves it: a title merged over the columns, the
    day and the unit in merged cells under it, a formatted header, one row per callback (a pseudonymous request
    number, the station, the created date and time as cells, the handled date and time as cells or a dash), and a
    totals row merged over the first columns. Returns the truth at 16.00 on 2.12.2026, counted by hand below."""
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Soittopyynnöt"
    sheet["A1"] = "Soittopyynnöt 2.12.2026"
    sheet.merge_cells("A1:F1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet["A2"] = "Yksikkö: Kainuun terveysasemat"
    sheet.merge_cells("A2:F2")
    sheet.append([])
    sheet.append(["Pyyntönro", "Asema", "Luontipvm", "Luontiklo", "Hoidettu pvm", "Hoidettu klo"])
    for cell in sheet[4]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
    d1, d2 = date(2026, 12, 1), date(2026, 12, 2)
    rows = [  # (request, station, created day, created time, handled day, handled time)
        ("SP-1001", "Kajaanin terveysasema", d1, time(15, 40), d2, time(8, 20)),   # from yesterday, handled today
        ("SP-1002", "Kajaanin terveysasema", d2, time(8, 5), d2, time(9, 10)),     # same day
        ("SP-1003", "Kajaanin terveysasema", d2, time(13, 30), "-", "-"),          # waiting since 13.30
        ("SP-1004", "Kajaanin terveysasema", d2, time(14, 50), None, None),        # waiting since 14.50
        ("SP-1005", "Sotkamon terveysasema", d2, time(11, 15), d2, time(11, 45)),  # same day
        ("SP-1006", "Sotkamon terveysasema", d1, time(9, 0), "-", "-"),            # waiting since yesterday 9.00
    ]
    for request, station, cday, ctime, hday, htime in rows:
        sheet.append([request, station, cday, ctime, hday, htime])
        row = sheet.max_row
        sheet[f"C{row}"].number_format = "d.m.yyyy"
        sheet[f"D{row}"].number_format = "h:mm"
        if isinstance(hday, date):
            sheet[f"E{row}"].number_format = "d.m.yyyy"
            sheet[f"F{row}"].number_format = "h:mm"
    total = sheet.max_row + 1
    sheet[f"A{total}"] = "Yhteensä"
    sheet.merge_cells(f"A{total}:D{total}")
    sheet[f"E{total}"] = f"{len(rows)} kpl"
    workbook.save(path)
    # By hand, at 16.00 on 2.12: waiting, oldest waiting (min), handled today, of them the same day.
    return {"kajaani": (2.0, 150.0, 2.0, 1.0),   # 1003 since 13.30 (150 min), 1004; 1001 and 1002 handled
            "sotkamo": (1.0, 1860.0, 1.0, 1.0)}  # 1006 since 1.12 9.00 (31 h); 1005 handled the same day


def test_a_callback_systems_daily_list_from_excel_with_merged_title_and_totals(config_dir, tmp_path):
    folder = tmp_path / "soittopyynnot"
    folder.mkdir()
    truth = callback_list_workbook(folder / "soittopyynnot.xlsx")
    outcome, store = run(config_dir, tmp_path, {
        "name": "soittopyynnot", "type": "files", "folder": str(folder), "patterns": ["*.xlsx"], "deliver": "items",
        "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Pyyntönro", "station": "Asema", "start": ["Luontipvm", "Luontiklo"],
                             "end": ["Hoidettu pvm", "Hoidettu klo"]}}}, at="2026-12-02 16:00")
    # Seven rows under the header: six callbacks stored, the totals row ignored.
    assert ledger(outcome) == (7, 6, 0, 1), [str(r) for r in outcome.rejects]
    queue = ["queue_waiting", "queue_oldest_wait_min", "queue_handled_today", "queue_handled_same_day_today"]
    for station, figures in truth.items():
        assert values(store, station, queue) == dict(zip(queue, figures, strict=True)), station
    store.dispose()


# ------------------------------------------------------------------ a feedback service's export with free text
FREE_TEXT = ('Hoitaja oli ystävällinen; lääkäri Mäkinen\r\nei ehtinyt kuunnella', 'Odotin "liian" kauan',
             'Kiitos!\r\nTerveisin Liisa')
FEEDBACK_EXPORT = (  # a Webropol-style export: ;, decimal commas, every answer's text quoted, answers over lines
    'Vastaaja;Vastausaika;Toimipiste;"Kuinka todennäköisesti suosittelisit meitä? (0-10)";'
    '"Kesto (min)";"Kerro vapaasti palautetta"\r\n'
    f'101;02.12.2026 08:12:33;Kajaanin terveysasema;10;2,5;"{FREE_TEXT[0]}"\r\n'
    f'102;02.12.2026 09:30:05;Kajaanin terveysasema;6;1,0;"{FREE_TEXT[1].replace(chr(34), chr(34) * 2)}"\r\n'
    '103;02.12.2026 10:01:40;Kajaanin terveysasema;;0,5;\r\n'                      # the score left unanswered
    f'104;02.12.2026 11:15:00;Sotkamon terveysasema;8;3,5;"{FREE_TEXT[2]}"\r\n'
    '105;02.12.2026 12:45:59;Sotkamon terveysasema;9;1,5;\r\n'
    '106;02.12.2026 13:05:10;Sotkamon terveysasema;11;0,5;\r\n'                   # off the scale: refused
    'Keskiarvo;;;8,8;1,6;\r\n'                                                    # the tool's summary line
)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_a_feedback_services_export_with_answers_over_several_lines(config_dir, tmp_path, encoding):
    """Free text over several lines and with ; and doubled quotes inside: the answer's record is the quoted
    field's whole, never stored or kept; the score counted, an empty score ignored, 11 refused on its own line."""
    folder = tmp_path / "palaute"
    folder.mkdir()
    (folder / "palaute.csv").write_bytes(FEEDBACK_EXPORT.encode(encoding))
    outcome, store = run(config_dir, tmp_path, survey_source(
        "palaute", folder, "Kuinka todennäköisesti suosittelisit meitä? (0-10)", id="Vastaaja", start="Vastausaika"))
    reasons = [str(r) for r in outcome.rejects]
    assert ledger(outcome) == (7, 4, 1, 2), reasons
    # The header is line 1; answer 101 spans lines 2-3, 104 lines 6-7, so 106 is on line 9.
    assert len(reasons) == 1 and reasons[0].startswith("file palaute.csv line 9: score: "), reasons
    # By hand: Kajaani 10 (promoter), 6 (detractor), 103 no score; Sotkamo 8 (passive), 9 (promoter).
    nps = ["feedback_promoters_today", "feedback_passives_today", "feedback_detractors_today"]
    assert values(store, "kajaani", nps) == {"feedback_promoters_today": 1.0, "feedback_passives_today": 0.0,
                                             "feedback_detractors_today": 1.0}
    assert values(store, "sotkamo", nps) == {"feedback_promoters_today": 1.0, "feedback_passives_today": 1.0,
                                             "feedback_detractors_today": 0.0}
    store.dispose()
    kept = (folder / "processed" / "palaute.csv").read_bytes().decode(encoding)
    for text in FREE_TEXT:
        for piece in text.replace('"', "").split("\r\n"):
            assert piece not in kept, piece
    assert "Kerro vapaasti palautetta" in kept  # the header stays: what was left out can be seen


# ------------------------------------------------------------------ summary rows under the answers
SUMMARY_ROWS = (  # a survey tool's export with its summary lines, and a report with Excel's AVERAGE/MEDIAN rows
    "Vastaaja;Vastausaika;Toimipiste;Suositteluindeksi (0-10)\r\n"
    "201;2.12.2026 8.00;Kuhmon terveysasema;9\r\n"
    "202;2.12.2026 8.10;Kuhmon terveysasema;10\r\n"
    "203;2.12.2026 8.40;Kuhmon terveysasema;4\r\n"
    "Keskiarvo;;;7,7\r\n"
    "Mediaani;;;9\r\n"
    "Vastauksia yhteensä;3;;\r\n"
)


@pytest.mark.parametrize("order", ["averages, then the count", "the count first", "English"])
def test_average_and_median_rows_under_the_answers_are_ignored_not_refused(config_dir, tmp_path, order):
    """Before: 'Keskiarvo' and 'Mediaani' were refused one by one ("column 'Toimipiste' is empty"), leaving the source
    partial after every export; they are summaries of the rows above, like a totals row."""
    text = SUMMARY_ROWS
    if order == "the count first":
        lines = text.split("\r\n")
        text = "\r\n".join([*lines[:4], lines[6], lines[4], lines[5], ""])
    elif order == "English":
        text = text.replace("Keskiarvo", "Average").replace("Mediaani", "Median").replace(
            "Vastauksia yhteensä", "Total responses")
    folder = tmp_path / "kysely"
    folder.mkdir()
    (folder / "kysely.csv").write_bytes(text.encode("utf-8-sig"))
    outcome, store = run(config_dir, tmp_path, survey_source(
        "kysely", folder, "Suositteluindeksi (0-10)", id="Vastaaja", start="Vastausaika"))
    assert ledger(outcome) == (6, 3, 0, 3), [str(r) for r in outcome.rejects]
    # By hand: 9 and 10 promoters, 4 a detractor.
    assert values(store, "kuhmo", ["feedback_promoters_today", "feedback_detractors_today"]) == {
        "feedback_promoters_today": 2.0, "feedback_detractors_today": 1.0}
    store.dispose()
    reasons = (folder / "processed" / "kysely.csv.reason.txt").read_text(encoding="utf-8")
    assert "summary row" in reasons or "yhteenvetorivi" in reasons, reasons


def test_a_time_with_a_negative_offset_is_a_time_not_an_hour_range():
    """``2026-12-01 08:00:00-05:00`` (Python's and many databases' text of an aware time west of UTC) ends like an
    hour range (``…08:00:00-05:00``); it is a time, read as ever, and so is ``2026-12-01 08:00:00+02:00``."""
    from board.source_settings import FieldMapping
    from connectors.mapping import RecordMapper

    mapping = FieldMapping(layout="wide", station="asema", time="aika", metrics={"jonossa": "queue_waiting"})
    mapper = RecordMapper(mapping, ["kajaani"], datetime(2026, 12, 2, tzinfo=UTC))
    mapper.begin(rows_in_order=True)  # as a file is read
    for text, utc in (("2026-12-01 08:00:00-05:00", datetime(2026, 12, 1, 13, 0, tzinfo=UTC)),
                      ("2026-12-01 08:00:00+02:00", datetime(2026, 12, 1, 6, 0, tzinfo=UTC))):
        (reading,) = mapper.map({"asema": "kajaani", "aika": text, "jonossa": "4"})
        assert (reading.ts, reading.value, mapper.last_interval) == (utc, 4.0, None), text


# ------------------------------------------------------------------ UTF-16 without a BOM (SQL Server's bcp -w)
BCP = ("Asema\tPvm\tKlo\tJonossa\tVanhin odotus (min)\r\n"          # the header, as the queryout's first SELECT
       "Kajaanin terveysasema\t2026-12-02\t14:00\t12\t35.5\r\n"
       "Ristijärven terveysasema\t2026-12-02\t14:00\t3\t7.0\r\n"
       "Sotkamon terveysasema\t2026-12-02\t14:00\tNULL\t2.0\r\n")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_export_without_a_bom_is_read(config_dir, tmp_path, codec):
    """``bcp "SELECT 'Asema', … UNION ALL SELECT …" queryout jono.txt -w``: UTF-16 with no BOM, tabs, CRLF. Before:
    read as Windows-1252, its header became 'A\\x00s\\x00e\\x00m\\x00a' and the file was refused for missing columns."""
    folder = tmp_path / "bcp"
    folder.mkdir()
    (folder / "jono.txt").write_bytes(BCP.encode(codec))
    outcome, store = run(config_dir, tmp_path, {
        "name": "bcp", "type": "files", "folder": str(folder), "patterns": ["*.txt"],
        "mapping": {"layout": "wide", "station": "Asema", "time": ["Pvm", "Klo"],
                    "metrics": {"Jonossa": "queue_waiting", "Vanhin odotus (min)": "queue_oldest_wait_min"}}})
    assert ledger(outcome) == (3, 3, 0, 0), [str(r) for r in outcome.rejects]
    metrics = ["queue_waiting", "queue_oldest_wait_min"]
    assert values(store, "kajaani", metrics) == {"queue_waiting": 12.0, "queue_oldest_wait_min": 35.5}
    assert values(store, "ristijarvi", metrics) == {"queue_waiting": 3.0, "queue_oldest_wait_min": 7.0}
    assert values(store, "sotkamo", metrics) == {"queue_oldest_wait_min": 2.0}  # NULL: no reading
    store.dispose()
