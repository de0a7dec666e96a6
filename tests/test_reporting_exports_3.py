"""Export shapes a new administrator still found refused or worded wrong in user check 5, each written the way its
tool writes it and loaded through a real ``files`` source (a drop folder and the collector's run).

Every truth is written out by hand from the rows below (or counted in plain Python with ``zoneinfo``), never by the
board's code, and every run accounts for each row read (read = stored + refused + ignored).
"""

from __future__ import annotations

import pytest

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
