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
