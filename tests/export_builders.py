"""Realistic Finnish exports for the corpus (tests/test_export_corpus.py), each with its truth.

Each builder writes a file the way a reception or reporting system, or a
person with Excel, writes it — the encoding, separator, title lines, totals
row, notes, decimal commas, separate date and time columns, Excel time cells
— and returns, computed here in plain Python (``zoneinfo`` and arithmetic,
never the board's parsers), what the board must make of it:

* ``readings``: {(station, metric, UTC instant): value} that must be stored;
* ``refused``: {line or row number: reason} for the rows that must be refused.

Rows that must be ignored (totals, notes) are listed in ``ignored``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl

HEL = ZoneInfo("Europe/Helsinki")
#: What the shipped stations.yaml calls each station, as reports write them.
WRITTEN = {"kajaani": "KAJAANIN TERVEYSASEMA", "sotkamo": "Sotkamo", "ristijarvi": "Ristijärvi terveysasema",
           "paltamo": "Paltamon TA"}


@dataclass
class Export:
    name: str
    data: bytes
    mapping: dict
    settings: dict = field(default_factory=dict)
    readings: dict[tuple[str, str, datetime], float] = field(default_factory=dict)
    refused: dict[int, str] = field(default_factory=dict)
    ignored: list[int] = field(default_factory=list)
    unit: str = "line"


def utc_of(day: date, clock: time, fold: int = 0) -> datetime:
    return datetime.combine(day, clock, tzinfo=HEL).replace(fold=fold).astimezone(UTC)


def fi_number(value: float, decimals: int = 1) -> str:
    """A number as Finnish Excel writes it: decimal comma, no-break-free thousands with a space."""
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text


def queue_report_csv(encoding: str = "cp1252", days: int = 3) -> Export:
    """The queue report of issue 13: title lines, `Päivämäärä` + `Klo` (08.00), `;`, decimal commas, a same-day
    percent column, eight hourly rows a day for three stations, two bad rows, a totals row and a note."""
    lines = ["Jonotilanne tunneittain;;;;", "Kainuun hyvinvointialue, ajettu 1.12.2026 klo 6.00;;;;", ";;;;",
             "Asema;Päivämäärä;Klo;Jonossa;Vanhin odotus (min);Samana päivänä (%)"]
    export = Export("jonoraportti.csv", b"", {
        "layout": "wide", "station": "Asema", "time": ["Päivämäärä", "Klo"],
        "metrics": {"Jonossa": "queue_waiting", "Vanhin odotus (min)": "queue_oldest_wait_min",
                    "Samana päivänä (%)": "ignore"}})
    total = 0
    for d in range(days):
        day = date(2026, 11, 24) + timedelta(days=d)
        for hour in range(8, 16):
            for i, code in enumerate(("kajaani", "sotkamo", "ristijarvi")):
                queue = (hour * 7 + i * 3 + d) % 23
                wait = round(((hour + i) * 2.5 + d) % 60, 1)
                klo = f"{hour:02d}.00" if i != 1 else f"{hour}.00"
                line_number = len(lines) + 1
                if (d, hour, i) == (1, 10, 0):      # a bad count, as someone typed it
                    lines.append(f"{WRITTEN[code]};{day.day}.{day.month}.{day.year};{klo};kaksi;{fi_number(wait)};")
                    export.refused[line_number] = "queue_waiting: 'kaksi' is not a number"
                    continue
                if (d, hour, i) == (2, 14, 2):      # a row cut short
                    lines.append(f"{WRITTEN[code]};{day.day}.{day.month}.{day.year}")
                    export.refused[line_number] = ("2 fields but the header has 6 (a field is missing, or the line "
                                                   "was cut short)")
                    continue
                lines.append(f"{WRITTEN[code]};{day.day}.{day.month}.{day.year};{klo};{queue};{fi_number(wait)};"
                             f"{fi_number(80 + i * 5.5)}")
                at = utc_of(day, time(hour))
                export.readings[(code, "queue_waiting", at)] = float(queue)
                export.readings[(code, "queue_oldest_wait_min", at)] = wait
                total += queue
    export.ignored = [len(lines) + 1, len(lines) + 2]
    lines.append(f"Yhteensä;;;{total};;")
    lines.append("Lähde: jonojärjestelmä;;;;;")
    export.data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return export


def contacts_unicode_text() -> Export:
    """Excel's "Unicode text" (UTF-16, tab) with a date, an hour number, durations in words and a totals row."""
    lines = ["Yhteydenotot\t\t\t", "Yksikkö\tPvm\tTunti\tPuhelut tänään\tVanhin vastaamaton"]
    export = Export("yhteydet.txt", b"", {
        "layout": "wide", "station": "Yksikkö", "time": ["Pvm", "Tunti"],
        "metrics": {"Puhelut tänään": "contacts_phone_today", "Vanhin vastaamaton": "omasote_oldest_unanswered_h"}},
        {"patterns": ["*.txt"]})
    day = date(2026, 11, 27)
    ages = [("1 h 15 min", 1.25), ("2 vrk 3 h", 51.0), ("45 min", 0.75), ("3:30", 3.5), ("90 min", 1.5)]
    for n, hour in enumerate(range(9, 14)):
        for code in ("paltamo", "kajaani"):
            calls = 10 * n + len(code)
            written, hours = ages[n]
            lines.append(f"{WRITTEN[code]}\t{day:%d.%m.%Y}\t{hour}\t{calls}\t{written}")
            at = utc_of(day, time(hour))
            export.readings[(code, "contacts_phone_today", at)] = float(calls)
            export.readings[(code, "omasote_oldest_unanswered_h", at)] = hours
    export.ignored = [len(lines) + 1]
    lines.append("Kaikki\t\t\t100\t")
    export.data = ("\r\n".join(lines) + "\r\n").encode("utf-16")
    return export


def queue_workbook() -> Export:
    """A workbook as Excel saves it: a cover sheet, the data on sheet `Jonot` under a title, date cells and time
    cells, a bad row, a totals row, a notes sheet."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "Kansi"
    workbook.active["A1"] = "Jonoraportti marraskuu 2026"
    sheet = workbook.create_sheet("Jonot")
    sheet.append(["Jonotilanne, ajettu 1.12.2026"])
    sheet.append([])
    sheet.append(["Asema", "Päivämäärä", "Klo", "Jonossa"])
    export = Export("jonot.xlsx", b"", {"layout": "wide", "station": "Asema", "time": ["Päivämäärä", "Klo"],
                                        "metrics": {"Jonossa": "queue_waiting"}}, {"sheet": "Jonot"}, unit="row")
    row = 3
    for d in range(2):
        day = date(2026, 11, 25) + timedelta(days=d)
        for minutes in range(8 * 60, 12 * 60, 30):
            clock = time(minutes // 60, minutes % 60)
            for code in ("kajaani", "sotkamo"):
                row += 1
                queue = (minutes // 30 + d + len(code)) % 17
                if (d, minutes, code) == (1, 9 * 60 + 30, "sotkamo"):
                    sheet.append([WRITTEN[code], day, clock, -queue - 1])
                    export.refused[row] = f"queue_waiting: value {-queue - 1} is out of range"
                    continue
                # the cell as Excel keeps it: a date cell and a time cell (openpyxl writes both formats)
                sheet.append([WRITTEN[code], day, clock, queue])
                export.readings[(code, "queue_waiting", utc_of(day, clock))] = float(queue)
    sheet.append(["Yhteensä", None, None, 999])
    export.ignored = [row + 1]
    workbook.create_sheet("Muistiinpanot")["A1"] = "Luvut jonojärjestelmästä"
    buffer = io.BytesIO()
    workbook.save(buffer)
    export.data = buffer.getvalue()
    return export


def dst_nights_csv() -> Export:
    """UTF-8 with BOM, comma separated with quoted values: the spring night (03.xx does not exist: refused) and the
    autumn night in time order (the repeated hour read as two hours)."""
    lines = ['"Asema","Päivämäärä","Klo","Jonossa"']
    export = Export("yot.csv", b"", {"layout": "wide", "station": "Asema", "time": ["Päivämäärä", "Klo"],
                                     "metrics": {"Jonossa": "queue_waiting"}})
    spring = date(2026, 3, 29)
    for hour in (2, 3, 4):
        number = len(lines) + 1
        lines.append(f'"Sotkamo","29.3.2026","{hour}:00","{hour}"')
        if hour == 3:
            export.refused[number] = ("29.03.2026 03.00 does not exist in Europe/Helsinki (the clocks were moved "
                                      "forward an hour)")
        else:
            export.readings[("sotkamo", "queue_waiting", utc_of(spring, time(hour)))] = float(hour)
    autumn = date(2026, 10, 25)
    for n, (hour, minute, fold) in enumerate([(2, 30, 0), (3, 0, 0), (3, 30, 0), (3, 0, 1), (3, 30, 1), (4, 0, 0)]):
        lines.append(f'"Sotkamo","25.10.2026","{hour:02d}:{minute:02d}:00","{10 + n}"')
        export.readings[("sotkamo", "queue_waiting", utc_of(autumn, time(hour, minute), fold))] = float(10 + n)
    export.data = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
    return export


def power_bi_applied_filters() -> Export:
    """Power BI's "Export data" (.xlsx, Finnish UI) of a table visual with a row per station and no date: the day
    is only in the applied filters Power BI writes below the rows, one cell with its lines broken inside it."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Export"
    sheet.append(["Toimipiste", "Puhelut", "Omasote-viestit"])
    day = date(2026, 11, 23)
    export = Export("powerbi.xlsx", b"", {"layout": "wide", "station": "Toimipiste", "time": "Päivämäärä",
                                          "metrics": {"Puhelut": "contacts_phone_today",
                                                      "Omasote-viestit": "contacts_omasote_today"}}, unit="row")
    for code, calls, messages in (("kajaani", 412, 96), ("sotkamo", 133, 40), ("ristijarvi", 27, 5)):
        sheet.append([WRITTEN[code], calls, messages])
        at = utc_of(day, time(23, 59))  # a date alone: the day's total, at its last minute
        export.readings[(code, "contacts_phone_today", at)] = float(calls)
        export.readings[(code, "contacts_omasote_today", at)] = float(messages)
    sheet.append([])
    sheet.append(["Käytetyt suodattimet:\nPäivämäärä on 23.11.2026\nAlue on Kainuu"])
    export.ignored = [sheet.max_row]
    buffer = io.BytesIO()
    workbook.save(buffer)
    export.data = buffer.getvalue()
    return export


def october_hour_once_csv() -> Export:
    """A contact-centre tool that groups by the wall clock's hour: 25.10.2026 lists 03:00-04:00 once, with both
    hours' calls. Its end is 04.00 winter time; the day's calls are a running total over the ranges."""
    day = date(2026, 10, 25)
    lines = ["Jono;Päivämäärä;Aikaväli;Saapuneet puhelut;Jonossa"]
    export = Export("yo.csv", b"", {"layout": "wide", "station": "Jono", "time": ["Päivämäärä", "Aikaväli"],
                                    "metrics": {"Saapuneet puhelut": "contacts_phone_today",
                                                "Jonossa": "queue_waiting"}})
    total = 0
    for start in range(0, 6):  # 0-1 … 5-6, the 3-4 row once
        calls, queue = 3 + 4 * start, start % 3
        lines.append(f"Kajaanin terveysasema;25.10.2026;{start:02d}:00-{start + 1:02d}:00;{calls};{queue}")
        total += calls
        end = utc_of(day, time(start + 1))  # 03.00 (end of 2-3) summer time; 04.00 and later winter time only
        export.readings[("kajaani", "contacts_phone_today", end)] = float(total)
        export.readings[("kajaani", "queue_waiting", end)] = float(queue)
    export.data = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    return export


def us_dates_csv() -> Export:
    """Power BI with an English (United States) locale: UTF-8 with BOM, quoted, M/d/yyyy h:mm:ss AM/PM."""
    lines = ['"Station","Date","Queue"']
    export = Export("us.csv", b"", {"layout": "wide", "station": "Station", "time": "Date",
                                    "metrics": {"Queue": "queue_waiting"}})
    for day in (date(2026, 11, 9), date(2026, 11, 10)):
        for hour in (0, 8, 12, 15):
            twelve = hour % 12 or 12
            written = f"{day.month}/{day.day}/{day.year} {twelve}:00:00 {'AM' if hour < 12 else 'PM'}"
            queue = hour + day.day
            lines.append(f'"Sotkamon terveysasema","{written}","{queue}"')
            export.readings[("sotkamo", "queue_waiting", utc_of(day, time(hour)))] = float(queue)
    export.data = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
    return export


def hidden_first_sheet() -> Export:
    """A workbook copied from a template: the first sheet, hidden, keeps the previous run's rows under the same
    header, the visible sheet after it today's."""
    workbook = openpyxl.Workbook()
    kept = workbook.active
    kept.title = "Pohja"
    kept.append(["Asema", "Aika", "Jonossa"])
    kept.append([WRITTEN["kajaani"], "22.11.2026 8.00", 99])
    kept.sheet_state = "hidden"
    sheet = workbook.create_sheet("Jonot")
    sheet.append(["Asema", "Aika", "Jonossa"])
    export = Export("jonot2.xlsx", b"", {"layout": "wide", "station": "Asema", "time": "Aika",
                                         "metrics": {"Jonossa": "queue_waiting"}}, unit="row")
    day = date(2026, 11, 23)
    for hour in (8, 9):
        for code in ("kajaani", "paltamo"):
            queue = hour + len(code)
            sheet.append([WRITTEN[code], f"{day.day}.{day.month}.{day.year} {hour}.00", queue])
            export.readings[(code, "queue_waiting", utc_of(day, time(hour)))] = float(queue)
    workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    export.data = buffer.getvalue()
    return export


CORPUS = {"queue-cp1252": lambda: queue_report_csv("cp1252"), "queue-utf8-bom": lambda: queue_report_csv("utf-8-sig"),
          "contacts-utf16-tab": contacts_unicode_text, "queue-xlsx": queue_workbook, "dst-nights": dst_nights_csv,
          "power-bi-applied-filters": power_bi_applied_filters, "october-hour-once": october_hour_once_csv,
          "us-dates": us_dates_csv, "hidden-first-sheet": hidden_first_sheet}



# ------------------------------------------------------------------ a survey tool's answers, as items
#: A survey tool's (Webropol-style) NPS question and open question, as its export's headers write them.
SCORE = "Kuinka todennäköisesti suosittelisit meitä ystävällesi? (0-10)"
OPEN_QUESTION = "Mitä muuta haluaisit kertoa meille?"


def survey_source(name: str, folder: Path, score: str = SCORE, patterns: Sequence[str] | None = ("*.csv",),
                  **fields: str) -> dict[str, Any]:
    """The ``sources.yaml`` entry of a survey tool's drop folder, as docs/CONNECTORS.md (*Items*) writes it: each
    answer a feedback item, its ``id``, ``station``, ``start`` (when answered) and ``score`` columns (the answer
    id, ``Toimipiste``, ``Vastattu`` and the 0–10 question unless ``fields`` names others), the id pseudonymised
    with the test key."""
    source: dict[str, Any] = {
        "name": name, "type": "files", "folder": str(folder), "deliver": "items",
        "items": {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Vastaus-ID", "station": "Toimipiste", "start": "Vastattu", "score": score,
                             **fields}}}
    if patterns is not None:
        source["patterns"] = list(patterns)
    return source
