"""Nothing personal is stored: every path into the store refuses a personal identity code.

Paths into the store: the four connector kinds (through the collector), and
notices typed on /notices. Each connector is tried with an identity code in a
value and in a column (field) name; afterwards the SQLite file itself is
searched byte by byte, so a code cannot hide in a reading, a run's error or a
rejected row's reason. The demo simulator generates numbers only and cannot
carry one. Page views are counts per page and station, with no text.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from board.domain.notice import NoticeError, clean_author, clean_text
from board.i18n import t
from board.store import Store
from tests.input_support import collector_for, long_mapping, stored, wide_mapping
from tests.loopback import loopback
from tests.test_notices import board, fill, run  # noqa: F401  (board is a fixture)

HETU = "131052-308T"
HETU_2023 = "010594Y9032"  # the 2023 century signs


def nothing_personal_in(db: Path, *files: Path) -> None:
    """Neither the store's bytes nor any other file the run wrote holds the code (in any case)."""
    for path in (db, *files):
        data = path.read_bytes().lower()
        for code in (HETU, HETU_2023):
            assert code.lower().encode() not in data, f"{code} found in {path}"


def _csv(inbox: Path, name: str, header: str, *rows: str) -> None:
    inbox.mkdir(exist_ok=True)
    (inbox / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


# ------------------------------------------------------------------ files
@pytest.mark.parametrize("where", ["value", "column"])
def test_files_a_code_refuses_the_whole_file(tmp_path: Path, where: str):
    inbox = tmp_path / "inbox"
    if where == "value":
        _csv(inbox, "jono.csv", "Asema;Aika;Jonossa;Lisätieto", "kajaani;21.11.2026 10.00;4;",
             f"kajaani;21.11.2026 10.05;5;soitto {HETU}")
    else:
        _csv(inbox, "jono.csv", "Asema;Aika;Jonossa;Henkilötunnus", "kajaani;21.11.2026 10.00;4;x")
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0,
              "mapping": {**wide_mapping(), "metrics": {"Jonossa": "queue_waiting"}}, "on_bad_row": "refuse_file"}
    with collector_for(tmp_path, source) as collector:
        [outcome] = collector.run_once()
        assert stored(collector) == []
    assert outcome.rejected == 1
    [reason] = outcome.rejects
    if where == "value":
        assert "line 3: a value looks like a personal identity code (henkilötunnus); record refused" in reason
    else:
        assert "column 'Henkilötunnus' in file jono.csv looks like a person's name or identity code" in reason
    assert not (inbox / "jono.csv").exists()
    reason_file = inbox / "rejected" / "jono.csv.reason.txt"
    assert "Nothing in it was imported" in reason_file.read_text(encoding="utf-8")
    nothing_personal_in(tmp_path / "board.sqlite", reason_file)


def test_files_a_code_in_the_file_name_is_not_repeated(tmp_path: Path):
    inbox = tmp_path / "inbox"
    _csv(inbox, f"{HETU_2023}.csv", "Asema;Aika;Jonossa", "kajaani;21.11.2026 10.00;-1")
    source = {"name": "vienti", "type": "files", "folder": str(inbox), "settle_seconds": 0, "mapping": wide_mapping()}
    with collector_for(tmp_path, source) as collector:
        [outcome] = collector.run_once()
    assert outcome.rejected == 1 and "(identity code removed).csv" in next(iter(outcome.rejects))
    nothing_personal_in(tmp_path / "board.sqlite", *(inbox / "rejected").glob("*.reason.txt"))


# ------------------------------------------------------------------ rest
def test_rest_records_with_a_code_are_refused_and_the_others_kept(tmp_path: Path):
    ts = "2026-11-22T09:30:00+00:00"
    records = [
        {"station": "kajaani", "time": ts, "metric": "queue_waiting", "value": 4},
        {"station": "kajaani", "time": ts, "metric": "queue_handled_today", "value": 9, "note": f"hetu {HETU}"},
        {"station": "sotkamo", "time": ts, "metric": "queue_waiting", "value": 2, "patient": {"hetu": "x"}},
        {"station": HETU_2023, "time": ts, "metric": "queue_waiting", "value": 1},
    ]
    with loopback() as api:
        api.set(json.dumps(records).encode())
        source = {"name": "api", "type": "rest", "url": api.url, "mapping": long_mapping()}
        with collector_for(tmp_path, source) as collector:
            [outcome] = collector.run_once()
            assert stored(collector) == [("kajaani", "queue_waiting", 4.0)]
    assert outcome.ok and outcome.rejects == {
        "a value looks like a personal identity code (henkilötunnus); record refused: the board takes aggregates "
        "only": 2,
        # 'patient' (a name's field, unmapped) is not read; the 'hetu' inside it refuses the record
        "field 'hetu' looks like a person's name or identity code; record refused: the board takes aggregates "
        "only": 1,
    }
    nothing_personal_in(tmp_path / "board.sqlite")


# ------------------------------------------------------------------ sql
def _database(path: Path, extra_column: str, extra_value: str) -> None:
    con = sqlite3.connect(path)
    con.execute(f'create table t (station text, time text, metric text, value real, "{extra_column}" text)')
    con.executemany("insert into t values (?, ?, ?, ?, ?)", [
        ("kajaani", "2026-11-22 11:00:00", "queue_waiting", 3, ""),
        ("kajaani", "2026-11-22 11:01:00", "queue_waiting", 4, extra_value),
    ])
    con.commit()
    con.close()


@pytest.mark.parametrize("how", ["url", "odbc"])
def test_sql_a_code_in_a_value_refuses_the_row(tmp_path: Path, how: str):
    _database(tmp_path / "dw.sqlite", "lisatieto", f"asiakas {HETU}")
    connection = ({"url": f"sqlite:///{tmp_path / 'dw.sqlite'}"} if how == "url"
                  else {"odbc": f"Driver={{SQLite3}};Database={tmp_path / 'dw.sqlite'}"})
    source = {"name": "dw", "type": "sql", **connection, "backfill_days": 3650, "parameters_as": "text",
              "query": "SELECT * FROM t WHERE time >= :since", "mapping": long_mapping()}
    with collector_for(tmp_path, source) as collector:
        [outcome] = collector.run_once()
        assert stored(collector) == [("kajaani", "queue_waiting", 3.0)]
    assert outcome.rejected == 1 and "personal identity code" in next(iter(outcome.rejects))
    nothing_personal_in(tmp_path / "board.sqlite")


@pytest.mark.parametrize("how", ["url", "odbc"])
def test_sql_a_personal_column_refuses_the_whole_result(tmp_path: Path, how: str):
    _database(tmp_path / "dw.sqlite", "potilaan_hetu", HETU)
    connection = ({"url": f"sqlite:///{tmp_path / 'dw.sqlite'}"} if how == "url"
                  else {"odbc": f"Driver={{SQLite3}};Database={tmp_path / 'dw.sqlite'}"})
    source = {"name": "dw", "type": "sql", **connection, "backfill_days": 3650, "parameters_as": "text",
              "query": "SELECT * FROM t WHERE time >= :since", "mapping": long_mapping()}
    with collector_for(tmp_path, source) as collector:
        [outcome] = collector.run_once()
        assert stored(collector) == []
        [run_row] = collector.store.runs("dw")
    assert not outcome.ok and run_row.error_kind == "data"
    assert "column 'potilaan_hetu' in the query result looks like a person's name or identity code" in outcome.error
    nothing_personal_in(tmp_path / "board.sqlite")


# ------------------------------------------------------------------ notices
@pytest.mark.parametrize("text", [f"Soita asiakkaalle {HETU}", f"hetu:{HETU_2023.lower()} takaisinsoitto"])
def test_a_notice_with_a_code_is_refused(text: str):
    with pytest.raises(NoticeError, match="personal identity code"):
        clean_text(text)
    with pytest.raises(NoticeError, match="personal identity code"):
        clean_author(f"Maija {HETU}")
    assert clean_text("Puhelut 131052 kpl, jono 308") == "Puhelut 131052 kpl, jono 308"  # numbers alone are fine


def test_the_notices_page_refuses_a_code_in_words_and_stores_nothing(board: Store):  # noqa: F811
    at = fill(run("pages/notices.py"), f"Soittakaa {HETU} takaisin", ["kajaani"])
    assert at.error[0].value == t("notices.error.identity_code", "fi")
    assert "henkilötunnus" in at.error[0].value
    at = fill(run("pages/notices.py"), "Puhelinjono ruuhkautunut", ["kajaani"], author=f"Maija {HETU}")
    assert at.error[0].value == t("notices.error.author_identity_code", "fi")
    assert board.notices() == []


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_refusal_is_translated(board: Store, lang: str):  # noqa: F811
    at = fill(run("pages/notices.py", lang=lang), f"Ring {HETU}", ["kajaani"])
    assert at.error[0].value == t("notices.error.identity_code", lang)
    assert ("personbeteckning" if lang == "sv" else "personal identity code") in at.error[0].value


# ------------------------------------------------------------------ page views
def test_page_views_store_configured_station_codes_only(board: Store, sqlite_url: str):  # noqa: F811
    """A code typed into a wall's URL is not a station: it is not counted, so it never reaches the store."""
    run("pages/wall.py", station=HETU)
    run("pages/wall.py", station=["kajaani", HETU_2023])
    run("pages/notices.py")
    with board.engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql("SELECT page, station FROM page_views ORDER BY page")]
    assert rows == [("notices", ""), ("wall", "kajaani")]
    nothing_personal_in(Path(sqlite_url.removeprefix("sqlite:///")))
