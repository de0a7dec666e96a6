"""The identity-code guard, all spellings, both ways (``board.domain.privacy``), and what files do with a code.

Valid codes here are computed with their check character (the nine digits modulo 31) by the test itself.
"""

from __future__ import annotations

from datetime import UTC, datetime

import openpyxl
import pytest

from board.domain.privacy import holds_identity_code, redact_identity_codes
from tests.test_files import drop, make, names, pull

CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
UNTIL = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
QUEUE = {"layout": "wide", "station": "Asema", "time": "Aika", "metrics": {"Jonossa": "queue_waiting"},
         "stations": {"KAJ": "kajaani"}}


def code(ddmmyy: str, sign: str, number: str) -> str:
    """A valid identity code (the check character computed here, independently of the board)."""
    return f"{ddmmyy}{sign}{number}{CHECK[int(ddmmyy + number) % 31]}"


@pytest.mark.parametrize("text", [
    code("010190", "-", "123"),                       # hyphen (010190-123M)
    code("010190", "\u2013", "123"),                  # en dash, as Word and Outlook write it
    code("010190", "\u2212", "123"),                  # minus sign
    code("010190", "\u2011", "123"),                  # non-breaking hyphen
    code("010594", "Y", "903"), code("010594", "X", "903"), code("010594", "W", "903"),
    code("010594", "V", "903"), code("010594", "U", "903"),           # 2023 signs for the 1900s
    code("150305", "A", "123"), code("150305", "B", "123"), code("150305", "C", "123"),
    code("150305", "D", "123"), code("150305", "E", "123"), code("150305", "F", "123"),  # 2000s
    code("311299", "+", "001"),                       # 1800s
    "010190 - 123M", "010190 -123M", "010190-123 M",  # spaces inside
    "hetu010190-123M", "HETU:010190-123M", "asiakas010190-123Mx",  # glued to letters
    "soita " + code("010190", "-", "123").lower(),    # lower-case check character
    "010190\u00a0-\u00a0123M",                        # no-break spaces
])
def test_every_spelling_of_a_code_is_found(text):
    assert holds_identity_code(text)


@pytest.mark.parametrize("text", [
    "010190-123A",                  # wrong check character (M is right)
    "01.01.1990", "1.1.1990 klo 12.30", "2026-12-01", "01012026",      # dates
    "040-1234567", "+358 40 123 4567", "044 123 4567", "0401234567",    # phone numbers
    "010190-12345", "1010190-123M", "320190-123M", "011390-123M",       # too long / not a date
    "13.10.2026 8.00-16.00", "Jonossa 12, vanhin 1 h 15 min", "KAJ-123", "1234567-8",  # times, Y-tunnus
])
def test_dates_phone_numbers_and_look_alikes_are_not_codes(text):
    assert not holds_identity_code(text)


def test_redaction_removes_codes_and_keeps_the_rest():
    text = f"soitto {code('010190', '–', '123')}, puh. 040-1234567, 1.12.2026"
    assert redact_identity_codes(text, "(poistettu)") == "soitto (poistettu), puh. 040-1234567, 1.12.2026"


def test_a_code_in_any_column_refuses_its_row_the_reason_never_quotes_it_and_the_kept_file_has_it_removed(tmp_path):
    hetu = code("010190", "\u2013", "123")
    content = ("Asema;Aika;Jonossa;Viite\r\n"  # (a column named Lisätieto would be emptied whole: free text)
               "KAJ;30.11.2026 08.00;3;\r\n"
               f"KAJ;30.11.2026 09.00;4;soitto hetu{hetu}\r\n"       # an unmapped column, glued, en dash
               f"{hetu};30.11.2026 10.00;5;\r\n"                     # the mapped station column
               "KAJ;30.11.2026 11.00;6;puh. 040-1234567\r\n")        # a phone number: not a code
    drop(tmp_path, "jono.csv", content, encoding="cp1252")
    connector = make(tmp_path, QUEUE)
    readings, reasons = pull(connector, UNTIL)
    assert [r.value for r in readings] == [3.0, 6.0]
    assert reasons == [f"file jono.csv line {n}: a value looks like a personal identity code (henkilötunnus); "
                       "record refused: the board takes aggregates only" for n in (3, 4)]
    connector.acknowledge()
    processed = tmp_path / "inbox" / "processed"
    kept = (processed / "jono.csv").read_bytes().decode("cp1252")
    assert not holds_identity_code(kept) and "040-1234567" in kept and "(identity code removed)" in kept
    text = (processed / "jono.csv.reason.txt").read_text("utf-8")
    assert "Personal identity codes were found on line 3, line 4" in text and not holds_identity_code(text)


def test_a_workbook_refused_for_a_code_is_deleted_not_kept_and_the_reason_says_which_row(tmp_path):
    import io

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Asema", "Aika", "Jonossa", "Huom"])
    sheet.append(["KAJ", "30.11.2026 08.00", 3, code("150305", "B", "123")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    drop(tmp_path, "jono.xlsx", buffer.getvalue())
    readings, reasons = pull(make(tmp_path, QUEUE), UNTIL)
    assert readings == [] and len(reasons) == 1
    rejected = tmp_path / "inbox" / "rejected"
    assert names(rejected) == ["jono.xlsx.reason.txt"]
    text = (rejected / "jono.xlsx.reason.txt").read_text("utf-8")
    assert "Personal identity codes were found on row 2: the file was deleted" in text


def test_a_code_in_a_title_line_or_a_note_below_the_data_is_caught_too(tmp_path):
    hetu = code("010594", "Y", "903")
    drop(tmp_path, "a.csv", f"Raportti {hetu};;\r\nAsema;Aika;Jonossa\r\nKAJ;30.11.2026 08.00;3\r\n", age=120)
    drop(tmp_path, "b.csv", f"Asema;Aika;Jonossa\r\nKAJ;30.11.2026 08.00;3\r\nYhteensä;;3\r\nLaatija {hetu};;\r\n",
         age=60)
    connector = make(tmp_path, QUEUE)
    readings, reasons = pull(connector, UNTIL)
    assert [r.value for r in readings] == [3.0]  # b.csv's data row; a.csv is refused whole
    assert reasons[0].startswith("file a.csv line 1: a value above the header looks like a personal identity code")
    assert reasons[1] == ("file b.csv line 4: a value looks like a personal identity code (henkilötunnus); "
                          "record refused: the board takes aggregates only")
    connector.acknowledge()
    for folder in ("rejected", "processed"):
        for path in (tmp_path / "inbox" / folder).iterdir():
            assert not holds_identity_code(path.read_bytes().decode("utf-8")), path


def test_a_file_named_with_a_code_is_not_kept_under_that_name(tmp_path):
    hetu = code("010190", "-", "123")
    drop(tmp_path, f"ajanvaraus_{hetu}.csv", "Asema;Aika;Jonossa\r\nKAJ;30.11.2026 08.00;x\r\n")
    _readings, reasons = pull(make(tmp_path, QUEUE), UNTIL)
    assert not any(holds_identity_code(r) for r in reasons)
    assert names(tmp_path / "inbox" / "rejected") == ["ajanvaraus_(identity code removed).csv",
                                                      "ajanvaraus_(identity code removed).csv.reason.txt"]


def test_the_guard_without_generators_gives_the_walks_verdict():
    """connectors.mapping.holds_identity_code_in(record[, keys]) is the verdict the guard took from walking every
    leaf (and key) with generators: compared on flat rows, nested JSON, lists, tuples, str subclasses, codes in
    keys, values of other types, and clean records."""
    from decimal import Decimal

    from connectors.mapping import _keys, any_identity_code, holds_identity_code_in

    def _leaves(value):  # the plain walk, as the guard took it before (the reference)
        if isinstance(value, dict | list | tuple):
            for v in (value.values() if isinstance(value, dict) else value):
                yield from _leaves(v)
        else:
            yield value

    class Text(str):
        pass

    hetu = code("010190", "-", "123")
    records = [
        {"id": "P-1", "yksikko": "KAJ", "luotu": "2026-11-23 08:00:00", "pisteet": 9, "x": None, "d": Decimal("1.5")},
        {"id": "P-1", "lisatieto": f"soita {hetu}"},
        {"id": "P-1", hetu: "x"},
        {"unit": {"code": "KAJ", "note": [1, 2, {"deep": hetu}]}},
        {"unit": {"code": "KAJ", "note": [1, 2, {"deep": "ok"}]}, "t": (UNTIL, b"bytes", 3.5, True)},
        {"unit": {hetu: 1}},
        {"list": [{"a": [Text(hetu)]}]},
        {"sub": Text("clean"), "n": 0},
        {"tuple": ("a", (hetu,))},
        {1: "a", 2.5: {"b": None}},
        {"obj": object(), "when": UNTIL.date()},
    ]
    verdicts = []
    for record in records:
        leaves = any_identity_code(_leaves(record))
        assert holds_identity_code_in(record) is leaves, record
        both = leaves or any_identity_code(_keys(record))
        assert holds_identity_code_in(record, keys=True) is both, record
        verdicts.append((leaves, both))
    assert (True, True) in verdicts and (False, True) in verdicts and (False, False) in verdicts
