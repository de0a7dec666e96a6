"""Administrator messages in the UI's language: refusal reasons and run errors carry a code and params, are stored
with them, and the Sources page says them in Finnish, Swedish or English (issues 13 and 15)."""

from __future__ import annotations

import os
import pickle
import re
import string
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from board.collector import Collector
from board.domain.reasons import PREFIX, Reason, decode, encode
from board.domain.runs import Run
from board.domain.timeutil import HELSINKI
from board.factory import create_board
from board.i18n import LANGUAGES, TEXTS
from board.web.reasons import reason_text
from tests.conftest import pages_reading

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ every code has its text
def _codes_in_the_code() -> set[str]:
    """Every reason code the board's code constructs, found in its source (not from the module under test)."""
    codes: set[str] = set()
    for path in [*ROOT.glob("connectors/*.py"), *ROOT.glob("board/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'Reason\(\s*"(\w+)"', text)) | set(re.findall(r'_said\("(\w+)"', text))
        shaped = set(re.findall(r'_shape\("(\w+)"', text))  # connectors/rest.py: a JSON shape, with its keys or not
        codes |= shaped | {f"{code}_keys" for code in shaped}
        codes |= set(re.findall(r'\("the (?:pull|check) of ", "(\w+)"\)', text))  # the deadline's two codes
    return codes


def test_every_reason_code_has_a_text_in_all_three_languages():
    codes = _codes_in_the_code()
    assert {"unknown_station", "not_number", "out_of_range", "missing_columns", "unterminated_last_line",
            "file_too_big", "bad_encoding", "identity_code", "conflicting_rows", "cannot_connect", "no_answer",
            "pull_timeout", "pull_memory", "tls_untrusted", "too_many_pages", "json_not_list_keys",
            "answer_too_big"} <= codes  # the commonest, as the issue lists them
    def has(key: str, lang: str) -> bool:
        return bool(TEXTS.get(key, {}).get(lang))

    # A count's reason has a text for one and for any other number (board.reason_words: "1 more problem").
    missing = [(code, lang) for code in sorted(codes) for lang in LANGUAGES
               if not (has(f"reason.{code}", lang) or (has(f"reason.{code}.one", lang)
                                                      and has(f"reason.{code}.other", lang)))]
    assert missing == []


def test_each_reason_text_asks_for_the_same_params_in_every_language():
    for key, entry in TEXTS.items():
        if key.startswith("reason."):
            fields = {lang: {f for _, f, _, _ in string.Formatter().parse(entry[lang]) if f} for lang in LANGUAGES}
            assert fields["fi"] == fields["sv"] == fields["en"], key


# ------------------------------------------------------------------ stored with their code
def test_a_reason_survives_the_store_the_worker_pipe_and_older_plain_rows(config_dir, sqlite_url):
    inner = Reason("not_number", "'12,5x' is not a number", value="'12,5x'")
    outer = Reason("at_line", "file a.csv line 4: queue_waiting: '12,5x' is not a number", file="a.csv",
                   unit="line", line="4", reason=Reason("bad_value", "queue_waiting: '12,5x' is not a number",
                                                        metric="queue_waiting", reason=inner))
    assert pickle.loads(pickle.dumps(outer)).params["reason"].params["reason"].code == "not_number"
    assert encode(outer).startswith(PREFIX) and decode(encode(outer)) == outer and encode("plain") == "plain"
    assert decode("unknown station 'OUL'") == "unknown station 'OUL'"  # a row recorded before codes
    board = create_board(config_dir, sqlite_url)
    try:
        now = datetime.now(UTC)
        error = Reason("no_answer", "no answer from api.example within 30 s; will retry", host="api.example",
                       seconds=30.0)
        run = board.store.finish_run(
            Run(source="demo", started_at=now, finished_at=now, window_since=None, rows=0, rejected=3, attempts=1,
                ok=False, error_kind="transient", error=error),
            {outer: 2, "unknown station 'OUL'": 1})
        stored = board.store.rejects(run.id)
        assert stored == {outer: 2, "unknown station 'OUL'": 1}  # compared as the English sentences
        got = next(r for r in stored if r == outer)
        assert isinstance(got, Reason) and got.params["reason"].params["reason"].params == {"value": "'12,5x'"}
        assert not isinstance(next(r for r in stored if r != outer), Reason)
        assert isinstance(next(iter(board.store.rejects_since("demo", now - timedelta(hours=1)))), Reason)
        again = board.store.runs("demo", limit=1)[0].error
        assert again == str(error) and reason_text(again, "fi") == "api.example ei vastannut 30 sekunnissa; " \
                                                                     "yritetään uudelleen"
    finally:
        board.close()


def test_numbers_get_the_languages_decimal_mark_and_unknown_codes_show_as_stored():
    r = Reason("out_of_range", "queue_waiting: value 2.5 is out of range (allowed: a whole number from 0 to 100000)",
               metric="queue_waiting", value=2.5, unit="count", low=0.0, high=100000.0)
    assert reason_text(r, "fi") == ("queue_waiting: arvo 2,5 on sallitun alueen ulkopuolella "
                                    "(sallittu: kokonaisluku 0–100000)")
    assert reason_text(r, "en") == ("queue_waiting: value 2.5 is out of range (allowed: a whole number from 0 to "
                                    "100000)")
    assert reason_text(Reason("no_such_code", "as it was"), "fi") == "as it was"
    assert reason_text(Reason("unknown_station", "unknown station 'X'"), "sv") == "unknown station 'X'"  # no param


# ------------------------------------------------------------------ a real drop folder, a real run, the page
def _now_local(minutes_ago: int) -> str:
    return f"{datetime.now(HELSINKI) - timedelta(minutes=minutes_ago):%d.%m.%Y %H.%M}"


@pytest.fixture
def refused_files(config_dir: Path, sqlite_url: str, tmp_path: Path):
    """A files source whose drop folder holds an export with three bad rows and one that cannot be decoded,
    read by the real collector."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = ["Asema;Aika;Jonossa", f"kajaani;{_now_local(50)};4", f"Oulunsalo;{_now_local(40)};5",
            f"kajaani;{_now_local(30)};12,5x", f"kajaani;{_now_local(20)};999999", f"kajaani;{_now_local(10)};6"]
    (inbox / "jono.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    # 0x81 is neither UTF-8 (a lone continuation byte) nor any character of Windows-1252
    (inbox / "rikki.csv").write_bytes(b"Asema;Aika;Jonossa\r\nkajaani;1.12.2026 10.00;\x81\r\n")
    os.utime(inbox / "jono.csv", (1_700_000_000, 1_700_000_000))
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
              "interval_seconds": 60, "stale_after_seconds": 3600, "stations": ["kajaani"],
              "mapping": {"layout": "wide", "station": "Asema", "time": "Aika",
                          "metrics": {"Jonossa": "queue_waiting"}}}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        Collector(board.settings, board.store).run_once(only="vienti")
        assert sorted(p.name for p in (inbox / "rejected").iterdir()) == ["rikki.csv", "rikki.csv.reason.txt"]
        st.cache_data.clear()
        yield board


EXPECTED = {  # what an administrator reads, written here by hand in each language
    "fi": ["tiedosto jono.csv, rivi 3: tuntematon asema 'Oulunsalo' (lisää se kohtaan mapping.stations",
           "tiedosto jono.csv, rivi 4: queue_waiting: '12,5x' ei ole luku",
           "tiedosto jono.csv, rivi 5: queue_waiting: arvo 999999 on sallitun alueen ulkopuolella "
           "(sallittu: kokonaisluku 0–100000)",
           "tiedosto rikki.csv ei ole UTF-8- eikä Windows-1252 (cp1252) -tekstiä (rivi 2); tallenna se uudelleen "
           "muodossa CSV UTF-8 (katso rejected/rikki.csv.reason.txt)"],
    "sv": ["filen jono.csv, rad 3: okänd station 'Oulunsalo' (lägg till den i mapping.stations",
           "filen jono.csv, rad 4: queue_waiting: '12,5x' är inte ett tal",
           "filen jono.csv, rad 5: queue_waiting: värdet 999999 ligger utanför det tillåtna området "
           "(tillåtet: ett heltal 0–100000)",
           "filen rikki.csv är varken UTF-8- eller Windows-1252-text (cp1252) (rad 2); spara den igen som CSV UTF-8 "
           "(se rejected/rikki.csv.reason.txt)"],
    "en": ["file jono.csv line 3: unknown station 'Oulunsalo' (add it to mapping.stations",
           "file jono.csv line 4: queue_waiting: '12,5x' is not a number",
           "file jono.csv line 5: queue_waiting: value 999999 is out of range (allowed: a whole number from 0 to "
           "100000)",
           "file rikki.csv is neither UTF-8 nor Windows-1252 (cp1252) text (line 2); save it again as CSV UTF-8 "
           "(see rejected/rikki.csv.reason.txt)"],
}
ENGLISH_ONLY = ("unknown station", "is not a number", "is out of range", "is neither UTF-8")


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_sources_page_gives_a_refused_files_reasons_in_the_chosen_language(refused_files, lang):
    at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if len(d.value.columns) == 2 and d.value.shape[0] == 4)
    reasons = table.iloc[:, 0].tolist()
    for expected in EXPECTED[lang]:
        assert any(r.startswith(expected) for r in reasons), (expected, reasons)
    html = unescape("".join(h.value for h in at.html))
    assert sum(any(e in line for e in EXPECTED[lang]) for line in re.findall(r"<li>(.*?)</li>", html)) == 3
    if lang != "en":  # nothing of the English sentences is left on a Finnish or Swedish page
        shown = " ".join(reasons) + html
        assert not [w for w in ENGLISH_ONLY if w in shown]


def test_the_command_line_stays_english_and_the_reason_file_is_in_the_boards_language_then_english(refused_files):
    statuses = __import__("board.read.sources", fromlist=["x"]).source_statuses(refused_files.settings,
                                                                                 refused_files.store)
    assert any(str(r).startswith(EXPECTED["en"][1]) for r in statuses[0].day_rejects)
    folder = Path(refused_files.settings.sources[0].folder)
    note = (folder / "rejected" / "rikki.csv.reason.txt").read_text(encoding="utf-8")
    finnish, english = note.split("— Sama englanniksi (In English) —")  # board.yaml's language, fi, comes first
    assert finnish.startswith("Ohjaustaulu hylkäsi tiedoston rikki.csv")
    assert "is neither UTF-8 nor Windows-1252" not in finnish and "is neither UTF-8 nor Windows-1252" in english
    stamp = re.search(r"at (\d{4}-\d\d-\d\d \d\d:\d\d) (\w+)", note)
    assert stamp and stamp.group(2) in ("EET", "EEST")  # Helsinki time, not UTC (issue 15)


def test_a_repeated_key_with_another_value_is_worded_in_each_language():
    """The repeat guard's reasons (sql, rest, push: the first row kept; a file: both rows refused) have codes too."""
    from board.domain.reading import Reading
    from connectors.repeats import RepeatGuard, both_refused_reason

    ts = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 10.00 Helsinki
    guard = RepeatGuard(lambda n: f"row {n} of the result")
    guard.remember([Reading("kajaani", "queue_waiting", ts, 4.0)], 1)
    [refused] = guard.row([Reading("kajaani", "queue_waiting", ts, 5.5)], 2)
    assert reason_text(refused.reason, "fi").startswith(
        "01.12.2026 10.00 kajaani queue_waiting: 4 (tuloksen rivi 1) ja myöhemmin 5,5 (tuloksen rivi 2) samassa haussa")
    assert reason_text(refused.reason, "en") == str(refused.reason)
    both = both_refused_reason("line 7", 4.0, Reading("kajaani", "queue_waiting", ts, 5.5), date_only=False)
    assert reason_text(both, "sv").startswith("queue_waiting för stationen kajaani vid 01.12.2026 10.00 är 5,5 här "
                                              "men 4 på rad 7; båda raderna avvisades")
