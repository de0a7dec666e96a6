"""Notes on the charts: the domain's guard, the store (SQLite and PostgreSQL), the /notes page, and the notes
drawn on the weekly charts and on today's curves, with who wrote them."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from board.domain import timeutil
from board.domain.chart_note import MAX_LENGTH, Scope, check_scope, clean_note_text
from board.domain.notice import NoticeError
from board.factory import create_board
from board.read.chart_notes import notes_for
from board.store import Store
from tests.conftest import pages_reading, write_config
from tests.test_weekly import MON, READINGS, SUN, TUE, write

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
HETU = "131052-308T"  # a valid code: 131052308 % 31 = 25 -> "T"


# ------------------------------------------------------------------ the domain
def test_a_note_is_one_clean_line_and_refuses_identity_codes_and_length():
    assert clean_note_text("  Lakko\n klo 8–12  ") == "Lakko klo 8–12"
    with pytest.raises(NoticeError) as refused:
        clean_note_text(f"Potilas {HETU} soitti")
    assert refused.value.code == "identity_code"
    with pytest.raises(NoticeError) as long:
        clean_note_text("x" * (MAX_LENGTH + 1))
    assert long.value.code == "too_long" and long.value.values["n"] == MAX_LENGTH + 1
    assert clean_note_text("x" * MAX_LENGTH) == "x" * MAX_LENGTH
    with pytest.raises(NoticeError):
        clean_note_text(" \n ")


def test_a_scope_must_be_a_configured_station_or_all():
    check_scope(Scope.ALL, "", {"kajaani"})
    check_scope(Scope.STATION, "kajaani", {"kajaani"})
    for scope, code in ((Scope.STATION, "oulu"), (Scope.ALL, "kajaani"), (Scope.AREA, "kainuu")):
        with pytest.raises(NoticeError):
            check_scope(scope, code, {"kajaani"})
    check_scope(Scope.AREA, "kainuu", {"kajaani"}, {"kainuu"})  # areas: once configured


# ------------------------------------------------------------------ the store
def test_notes_are_stored_listed_by_day_and_deleted_with_who(database_url: str):
    store = Store.open(database_url)
    try:
        late = store.add_chart_note(TUE, time(9, 30), "2 hoitajaa sairaana", Scope.STATION, "kajaani", "Vilma", NOW)
        early = store.add_chart_note(TUE, None, "Lakko", Scope.ALL, "", "Matti", NOW)
        store.add_chart_note(MON, None, "Paltamon oma", Scope.STATION, "paltamo", "Matti", NOW)
        store.add_chart_note(SUN + timedelta(days=1), None, "Seuraava viikko", Scope.ALL, "", "Matti", NOW)
        week = store.chart_notes(MON, SUN)
        assert [n.text for n in week] == ["Paltamon oma", "Lakko", "2 hoitajaa sairaana"]
        assert week[2].clock == time(9, 30) and week[2].author == "Vilma" and week[2].created_at == NOW
        assert [n.text for n in notes_for(store, MON, SUN, ["kajaani"])] == ["Lakko", "2 hoitajaa sairaana"]
        assert len(notes_for(store, MON, SUN)) == 3  # every station: every note
        assert store.delete_chart_note(late.id, "Pekka", NOW) and not store.delete_chart_note(late.id, "Pekka", NOW)
        assert [n.id for n in store.chart_notes(MON, SUN)] == [n.id for n in week if n.id != late.id]
        (gone,) = [n for n in store.chart_notes(MON, SUN, include_deleted=True) if n.id == late.id]
        assert gone.deleted_by == "Pekka" and gone.deleted_at == NOW
        assert early.scope is Scope.ALL
    finally:
        store.dispose()


# ------------------------------------------------------------------ the pages
@pytest.fixture
def board(tmp_path: Path) -> Iterator[Store]:
    """The weekly test's readings (week 47 of 2026), sign-in off (the demo: the writer types a name)."""
    config_dir = write_config(tmp_path / "config")
    with pages_reading(create_board(config_dir, f"sqlite:///{tmp_path / 'board.sqlite'}", sign_in="off")) as b:
        write(b.store, READINGS)
        yield b.store


@pytest.fixture
def in_week_47(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages' clock at NOW, Monday after week 47. The notes page lists notes from 62 days back to 31 ahead of
    its today, so at the real clock a note on 16.11.2026 vanished from the list from 17.1.2027 on (found by a
    clock sweep: scripts/test_clock.sh "2027-10-31 04:00")."""
    monkeypatch.setattr(timeutil, "utcnow", lambda: NOW)


def run(page: str, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def all_html(at: AppTest) -> str:
    return "\n".join(h.value for h in at.html)


def add(at: AppTest, text: str, day: date, scope: str = "kajaani", author: str = "Maija Vastaava",
        clock: time | None = None) -> AppTest:
    at.text_input(key="note_text").input(text)
    at.date_input(key="note_day").set_value(day)
    at.selectbox(key="note_scope").set_value(scope)
    at.text_input(key="note_author").input(author)
    if clock is not None:
        at.toggle(key="note_timed").set_value(True).run()
        at.time_input(key="note_clock").set_value(clock)
    at.button(key="note_add").click().run()
    assert not at.exception, at.exception
    return at


def test_a_note_is_added_listed_and_deleted_after_asking(board: Store, in_week_47: None):
    at = add(run("pages/notes.py"), "Uusi takaisinsoittojärjestelmä   käyttöön", MON)
    assert at.success[0].value == "Merkintä lisätty: se näkyy kaavioissa."
    (note,) = board.chart_notes(MON, MON)
    assert (note.text, note.scope, note.code, note.author) == (
        "Uusi takaisinsoittojärjestelmä käyttöön", Scope.STATION, "kajaani", "Maija Vastaava")
    assert f'data-note="{note.id}"' in all_html(at) and "Kajaanin terveysasema" in all_html(at)
    at.button(key=f"note_delete_{note.id}").click().run()  # asks first
    assert board.chart_notes(MON, MON) and "Poistetaanko merkintä kaavioista?" in [c.value for c in at.caption]
    at.button(key=f"note_delete_yes_{note.id}").click().run()
    assert board.chart_notes(MON, MON) == []
    (deleted,) = board.chart_notes(MON, MON, include_deleted=True)
    assert deleted.deleted_by == "Maija Vastaava"


def test_an_identity_code_is_refused_and_nothing_is_stored(board: Store):
    at = add(run("pages/notes.py"), f"Soitti {HETU.replace('-', ' - ')}", MON)
    assert "henkilötunnus" in at.error[0].value and board.chart_notes(MON, SUN) == []
    at = add(run("pages/notes.py"), "Lakko", MON, author=f"Maija {HETU}")
    assert "kirjoita vain nimesi" in at.error[0].value and board.chart_notes(MON, SUN) == []


def test_what_a_person_wrote_stays_literal(board: Store, in_week_47: None):
    at = add(run("pages/notes.py"), "<b>lakko</b> **x**", MON, author="<i>Eve</i>")
    assert "&lt;b&gt;lakko&lt;/b&gt; **x**" in all_html(at) and "<b>lakko" not in all_html(at)


def week_charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_the_weeks_notes_are_flagged_on_the_day_charts_and_listed_with_the_writer(board: Store):
    board.add_chart_note(TUE, None, "Lakko <klo 8–12>", Scope.ALL, "", "Matti Esihenkilö", NOW)
    board.add_chart_note(MON, time(9, 0), "2 hoitajaa sairaana", Scope.STATION, "kajaani", "Vilma", NOW)
    board.add_chart_note(MON, None, "Paltamon oma", Scope.STATION, "paltamo", "Vilma", NOW)
    board.add_chart_note(MON - timedelta(days=1), None, "Edellinen viikko", Scope.ALL, "", "Vilma", NOW)
    at = run("pages/week.py", week="2026-W47", station="kajaani")
    listing = next(h.value for h in at.html if 'class="chart-notes"' in h.value)
    # by day and time; Paltamo's note is not Kajaani's, last week's note not this week's
    assert html.unescape(listing).count("[") == 2
    assert "[1]</b> 16.11. klo 9.00 · Kajaanin terveysasema: 2 hoitajaa sairaana" in listing
    assert "[2]</b> 17.11. · Kaikki asemat: Lakko &lt;klo 8–12&gt;" in listing and "(Matti Esihenkilö)" in listing
    assert "Paltamon oma" not in all_html(at) and "Edellinen viikko" not in all_html(at)
    contacts, omasote, *_, peaks = week_charts(at)
    for chart in (contacts, omasote, peaks):
        flags = {a["x"]: a["text"] for a in chart["layout"].get("annotations", []) if "[" in a.get("text", "")}
        assert flags == {"ma<br>16.11.": "<b>[1]</b>", "ti<br>17.11.": "<b>[2]</b>"}
        hover = " ".join(a.get("hovertext", "") for a in chart["layout"]["annotations"])
        assert "Lakko &lt;klo 8–12&gt; (Matti Esihenkilö)" in hover  # literal, never plotly markup
    printed = run("pages/week.py", week="2026-W47", station="kajaani", print="1")
    assert any('class="chart-notes"' in h.value for h in printed.html)  # on the steering group's paper too


def test_a_week_without_notes_has_no_list(board: Store):
    at = run("pages/week.py", week="2026-W47")
    assert not any('class="chart-notes"' in h.value for h in at.html)


def test_todays_notes_are_on_the_overview_curves(board: Store):
    today = timeutil.local_date(timeutil.utcnow())
    board.add_chart_note(today, time(10, 15), "Uusi takaisinsoitto käyttöön", Scope.STATION, "kajaani", "Vilma",
                         NOW)
    board.add_chart_note(today, None, "Lakko", Scope.ALL, "", "Matti", NOW)
    board.add_chart_note(today - timedelta(days=1), None, "Eilinen", Scope.ALL, "", "Matti", NOW)
    at = run("pages/home.py", curve="kajaani")
    queue, contacts = week_charts(at)[-2:]
    for chart in (queue, contacts):
        lines = [s for s in chart["layout"].get("shapes", []) if s.get("line", {}).get("dash") == "dot"]
        assert [s["x0"][:16] for s in lines] == [f"{today.isoformat()}T10:15"]  # naive Helsinki, as the curves
        texts = sorted(a["text"] for a in chart["layout"]["annotations"] if "[" in a["text"])
        assert texts == ["<b>[1]</b>", "<b>[2]</b>"]  # whole-day "Lakko" first, then the 10.15 note
    listing = next(h.value for h in at.html if 'class="chart-notes"' in h.value)
    assert "Lakko" in listing and "klo 10.15" in listing and "(Vilma)" in listing and "Eilinen" not in listing


def test_the_monthly_view_has_the_weekly_charts_with_the_months_notes(tmp_path: Path):
    """November 2026 of tests/test_period.py: Kajaani's contacts 2.11 (phone 30, chat 10, visit 60) and 30.11
    (phone 20, visit 20); remote share 42,9 % against October's 50 %."""
    from tests.test_period import READINGS as MONTH_READINGS

    config = write_config(tmp_path / "config")
    with pages_reading(create_board(config, f"sqlite:///{tmp_path / 'board.sqlite'}", sign_in="off")) as b:
        b.store.write_readings(MONTH_READINGS, source="raportti", now=datetime(2026, 12, 2, tzinfo=UTC))
        b.store.add_chart_note(date(2026, 11, 30), None, "Lakko", Scope.ALL, "", "Matti", NOW)
        b.store.add_chart_note(date(2026, 10, 30), None, "Lokakuun", Scope.ALL, "", "Matti", NOW)
        at = run("pages/month.py", month="2026-11", station="kajaani")
        charts = week_charts(at)
        assert len(charts) == 5  # contacts and Omasote by day; remote share, same-day share and NPS by station
        contacts, remote = charts[0], charts[2]
        assert contacts["layout"]["title"]["text"] == "Yhteydenotot päivittäin kanavittain – Kajaanin terveysasema"
        phone = next(tr for tr in contacts["data"] if tr["name"] == "Puhelin")
        assert len(phone["x"]) == 30 and phone["x"][1] == "2.11." and phone["y"][1] == 30 and phone["y"][29] == 20
        assert phone["y"][0] is None  # a day without data is no bar, not 0
        weekends = [s for s in contacts["layout"]["shapes"] if s.get("fillcolor") == "#f1f3f6"]
        assert len(weekends) == 9  # 1.11. is a Sunday: 1, 7-8, 14-15, 21-22, 28-29
        flags = {a["x"]: a["text"] for a in contacts["layout"]["annotations"] if "[" in a.get("text", "")}
        assert flags == {"30.11.": "<b>[1]</b>"}
        bars = {tr["name"]: tr for tr in remote["data"]}
        assert bars["Tämä kuukausi"]["text"] == ["43\u00a0%"] and bars["Edellinen kuukausi"]["text"] == ["50\u00a0%"]
        assert "tavoite 45\u00a0%" in bars  # the target's dashed line named in the legend
        listing = next(h.value for h in at.html if 'class="chart-notes"' in h.value)
        assert "Lakko" in listing and "Lokakuun" not in listing


def test_an_area_note_shows_where_a_station_of_the_area_is_drawn(board: Store, in_week_47: None):
    at = add(run("pages/notes.py"), "Alueen uusi ajanvaraus", MON, scope="area:kainuu")
    (note,) = board.chart_notes(MON, MON)
    assert (note.scope, note.code) == (Scope.AREA, "kainuu")
    assert "Alue: Kainuun hyvinvointialue" in all_html(at)
    areas = {"kajaani": "kainuu", "oulu": "pohjois-pohjanmaa"}
    assert [n.id for n in notes_for(board, MON, SUN, ["kajaani"], areas)] == [note.id]
    assert notes_for(board, MON, SUN, ["oulu"], areas) == []  # another area's station
    assert notes_for(board, MON, SUN, ["kajaani"]) == []  # without knowing the areas, no area note
    week = run("pages/week.py", week="2026-W47", station="kajaani")
    listing = next(h.value for h in week.html if 'class="chart-notes"' in h.value)
    assert "Alue: Kainuun hyvinvointialue: Alueen uusi ajanvaraus" in listing
