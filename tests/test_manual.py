"""Manual entry (issue 14, the last resort): the rules, the wall and overview marks, expiry, a source taking over,
the audit list, and the /manual page by role.

The clock is injected: ``station_view(..., now)`` for the read side, ``timeutil.utcnow`` patched for pages. The
expected values are written out here (what was typed, what the source delivered), never read from the board.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from board.domain import timeutil
from board.domain.manual import (
    DEFAULT_EXPIRY,
    ENTERABLE,
    ManualEntry,
    ManualError,
    check_expiry,
    check_value,
    clean_author,
    clean_reason,
    entry_behind,
    in_effect,
)
from board.domain.reading import Reading
from board.domain.snapshot import Latest
from board.domain.status import Status
from board.factory import create_board
from board.read.overview import overview_rows
from board.read.wall import station_view
from board.store import Store
from board.web.manual_html import audit_table
from board.web.overview_html import render_overview
from board.web.wall_html import render_wall
from tests.conftest import pages_reading
from tests.test_access_pages import (
    ADMIN,
    MANAGER,
    NO_ROLE,
    SHIFT_LEAD,
    open_page,
    seeded,  # noqa: F401 (the fixture below asks for it: roles and one cycle)
)

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 8, 40, tzinfo=UTC)  # Monday 10.40 in Helsinki (winter, UTC+2): the station is open
HETU = "131052-308T"  # a valid personal identity code (the check character matches)


def entry(metric: str = "queue_waiting", value: float = 12, at: datetime = NOW, hours: float = 2,
          id: int = 1, **kw: object) -> ManualEntry:
    return ManualEntry(id, "kajaani", metric, value, at, at + timedelta(hours=hours), "Vilma", **kw)  # type: ignore


# ------------------------------------------------------------------ the rules
def test_only_stored_figures_a_wall_shows_can_be_typed():
    assert "queue_waiting" in ENTERABLE and "omasote_unanswered" in ENTERABLE
    assert "contacts_phone_today" in ENTERABLE and "feedback_needs_reaction" in ENTERABLE
    for derived_or_hidden in ("queue_same_day_share", "feedback_nps", "contacts_total_today",
                              "feedback_promoters_today", "access_assessments_today", "staff_promoters_today"):
        assert derived_or_hidden not in ENTERABLE
    with pytest.raises(ManualError) as e:
        check_value("feedback_nps", 40)
    assert e.value.code == "metric"


@pytest.mark.parametrize(("metric", "value", "ok"), [
    ("queue_waiting", 0, True), ("queue_waiting", 12, True), ("queue_waiting", 100_000, True),
    ("queue_waiting", -1, False), ("queue_waiting", 12.5, False), ("queue_waiting", 100_001, False),
    ("queue_oldest_wait_min", 37.5, True), ("queue_oldest_wait_min", 90 * 24 * 60 + 1, False),
    ("omasote_oldest_unanswered_h", 2160, True), ("omasote_oldest_unanswered_h", 2161, False),
    ("queue_waiting", math.inf, False), ("queue_waiting", math.nan, False),
])
def test_a_typed_value_passes_the_range_a_source_reading_passes(metric: str, value: float, ok: bool):
    if ok:
        assert check_value(metric, value) == value
    else:
        with pytest.raises(ManualError) as e:
            check_value(metric, value)
        assert e.value.code in ("range", "value")


def test_expiry_is_between_five_minutes_and_twelve_hours():
    check_expiry(NOW + DEFAULT_EXPIRY, NOW)
    check_expiry(NOW + timedelta(hours=12), NOW)
    for bad, code in ((timedelta(minutes=4), "expiry_short"), (timedelta(hours=12, minutes=1), "expiry_long"),
                      (-timedelta(minutes=1), "expiry_short")):
        with pytest.raises(ManualError) as e:
            check_expiry(NOW + bad, NOW)
        assert e.value.code == code


def test_names_and_reasons_are_one_line_and_never_hold_an_identity_code():
    assert clean_author("  Vilma \n Vuorovastaava ") == "Vilma Vuorovastaava"
    assert clean_reason("takaisinsoitto\tjärjestelmä  alhaalla") == "takaisinsoitto järjestelmä alhaalla"
    assert clean_reason("") == ""
    for bad in (lambda: clean_author(""), lambda: clean_author(f"Vilma {HETU}"),
                lambda: clean_reason(f"potilas {HETU} soitti"), lambda: clean_reason("x" * 121)):
        with pytest.raises(ManualError):
            bad()


def test_in_effect_newest_active_entry_unless_a_source_reading_is_newer():
    first, second = entry(value=12, id=1), entry(value=15, at=NOW + timedelta(minutes=5), id=2)
    later = NOW + timedelta(minutes=10)
    assert in_effect([first, second], {}, later) == {"queue_waiting": second}  # a correction replaces it
    withdrawn = entry(id=3, at=NOW + timedelta(minutes=6), withdrawn_at=later, withdrawn_by="Vilma")
    assert in_effect([first, withdrawn], {}, later + timedelta(seconds=1)) == {"queue_waiting": first}
    assert in_effect([first], {}, NOW + timedelta(hours=2)) == {}  # expired by itself
    older = {"queue_waiting": Latest(NOW - timedelta(minutes=30), 4, "demo")}
    newer = {"queue_waiting": Latest(NOW + timedelta(minutes=7), 3, "demo")}
    assert in_effect([first], older, later) == {"queue_waiting": first}
    assert in_effect([first], newer, later) == {}  # the source delivers again: it wins
    # A derived figure is marked when one of its inputs was typed
    phone = entry("contacts_phone_today", 40)
    assert entry_behind("contacts_total_today", {"contacts_phone_today": phone}) == phone
    assert entry_behind("queue_waiting", {"contacts_phone_today": phone}) is None


# ------------------------------------------------------------------ the wall and the overview
def _queue(view) -> str:  # type: ignore[no-untyped-def]
    sections = render_wall(view).split("<section ")[1:]
    return next(s.split("</section>")[0] for s in sections if 'data-family="queue"' in s)


def test_the_wall_shows_a_typed_figure_marked_until_it_expires(settings, store: Store):
    store.add_manual_entry("kajaani", "queue_waiting", 12, NOW + timedelta(hours=2), "Vilma", NOW, "ei yhteyttä")
    view = station_view(settings, store, "kajaani", NOW + timedelta(minutes=1))
    tile = view.tile(view.tiles[0].family)
    assert tile.headline.code == "queue_waiting" and tile.headline.value == 12 and not tile.stale
    assert tile.status is not Status.NO_DATA
    queue = _queue(view)
    assert 'data-figure="queue_waiting" data-value="12"' in queue
    assert 'data-manual="queue_waiting"' in queue and "käsin syötetty klo 10.40" in queue
    assert "has-manual" in queue
    assert "ei yhteyttä" not in render_wall(view)  # the reason is for the audit list, never the wall
    assert "inmatat för hand kl. 10.40" in render_wall(view, "sv")
    assert "entered by hand 10:40" in render_wall(view, "en")
    assert "has-manual" not in render_wall(station_view(settings, store, "sotkamo", NOW))  # its station only

    # Still there, and still not stale, an hour and 59 minutes on (a source would be stale after 15 minutes)
    late = station_view(settings, store, "kajaani", NOW + timedelta(hours=1, minutes=59))
    assert late.tiles[0].headline.value == 12 and not late.tiles[0].stale
    # Gone by itself at its expiry: nothing ever came from a source, so the tile has no data
    gone = station_view(settings, store, "kajaani", NOW + timedelta(hours=2))
    assert gone.manual == {} and gone.tiles[0].status is Status.NO_DATA and "manual-mark" not in render_wall(gone)


def test_a_source_delivering_again_takes_over(settings, store: Store):
    # The source delivered at 10.00 and then fell silent: at 10.40 its queue is stale and a shift lead types 12.
    store.write_readings([Reading("kajaani", "queue_waiting", NOW - timedelta(minutes=40), 4)], "demo",
                         NOW - timedelta(minutes=40))
    store.add_manual_entry("kajaani", "queue_waiting", 12, NOW + timedelta(hours=2), "Vilma", NOW)
    typed = station_view(settings, store, "kajaani", NOW + timedelta(minutes=5))
    assert typed.tiles[0].headline.value == 12 and "käsin syötetty" in _queue(typed)
    # 10.50: the source delivers 7 (a reading newer than the entry): the source's figure, unmarked
    store.write_readings([Reading("kajaani", "queue_waiting", NOW + timedelta(minutes=10), 7)], "demo",
                         NOW + timedelta(minutes=10))
    back = station_view(settings, store, "kajaani", NOW + timedelta(minutes=11))
    assert back.tiles[0].headline.value == 7 and back.manual == {} and "manual-mark" not in _queue(back)
    # Even when the source falls silent again, the old entry does not come back (the source's staleness rules)
    silent = station_view(settings, store, "kajaani", NOW + timedelta(minutes=40))
    assert silent.tiles[0].stale and "manual-mark" not in _queue(silent)


def test_one_typed_figure_beside_stale_ones_is_shown_and_the_rest_stay_unknown(settings, store: Store):
    old = NOW - timedelta(hours=1)
    store.write_readings([Reading("kajaani", "omasote_unanswered", old, 5),
                          Reading("kajaani", "omasote_received_today", old, 20)], "demo", old)
    store.add_manual_entry("kajaani", "omasote_unanswered", 9, NOW + timedelta(hours=1), "Vilma", NOW)
    view = station_view(settings, store, "kajaani", NOW)
    (tile,) = [t for t in view.tiles if t.family.value == "omasote"]
    assert not tile.stale and tile.headline.value == 9
    assert {f.code: f.value for f in tile.figures}["omasote_received_today"] is None  # stale: not shown as now


def test_the_overview_marks_a_typed_figure(settings, store: Store):
    store.add_manual_entry("kajaani", "queue_waiting", 12, NOW + timedelta(hours=2), "Vilma", NOW)
    views = [station_view(settings, store, code, NOW, with_trend=False) for code in ("kajaani", "sotkamo")]
    rows = overview_rows(views)
    assert rows[0].figures["queue_waiting"].value == 12
    html = render_overview(rows, "fi", lambda code: None)
    kajaani = html.split('data-station="kajaani"')[1].split("</tr>")[0]
    cell = kajaani.split('data-figure="queue_waiting"')[1].split("</td>")[0]
    assert 'data-value="12"' in cell and "käsin klo 10.40" in cell
    assert "manual-mark" not in html.split('data-station="sotkamo"')[1].split("</tr>")[0]


def test_every_entry_and_withdrawal_is_kept_for_the_audit_list(store: Store):
    a = store.add_manual_entry("kajaani", "queue_waiting", 12, NOW + timedelta(hours=2), "Vilma", NOW, "alhaalla")
    b = store.add_manual_entry("sotkamo", "omasote_unanswered", 3, NOW + timedelta(hours=1), "Aino",
                               NOW + timedelta(minutes=5))
    assert store.withdraw_manual_entry(b.id, "Aino Ylläpitäjä", NOW + timedelta(minutes=20))
    assert not store.withdraw_manual_entry(b.id, "Aino", NOW + timedelta(minutes=21))  # once
    assert not store.withdraw_manual_entry(a.id, "Aino", NOW + timedelta(hours=3))  # expired already
    assert [e.id for e in store.manual_entries(active_at=NOW + timedelta(minutes=30))] == [a.id]
    listed = store.manual_entries(since=NOW)
    assert [e.id for e in listed] == [b.id, a.id]  # newest first
    table = audit_table(listed, {"kajaani": "Kajaani", "sotkamo": "Sotkamo"}, "fi")
    assert list(table.columns) == ["Syötetty", "Kuka", "Asema", "Luku", "Arvo", "Voimassa asti", "Poistettu", "Syy"]
    first, second = table.to_dict("records")
    assert first["Kuka"] == "Aino" and first["Asema"] == "Sotkamo" and first["Arvo"] == "3"
    assert first["Luku"] == "Omasote-viestit: vastaamatta"
    assert first["Syötetty"] == "23.11.2026 klo 10.45" and first["Voimassa asti"] == "23.11.2026 klo 11.40"
    assert first["Poistettu"] == "23.11.2026 klo 11.00 (Aino Ylläpitäjä)"
    assert second["Kuka"] == "Vilma" and second["Arvo"] == "12" and second["Syy"] == "alhaalla"
    assert second["Poistettu"] == ""
    assert store.manual_entries(since=NOW + timedelta(hours=3)) == []  # the audit page's window


# ------------------------------------------------------------------ the page, sign-in off (the demo)
@pytest.fixture
def demo(config_dir: Path, sqlite_url: str) -> Iterator[Store]:
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        yield board.store


def run(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def type_in(at: AppTest, value: str, station: str = "kajaani", metric: str = "queue_waiting",
            author: str | None = "Maija Vastaava", reason: str = "") -> AppTest:
    at.selectbox(key="manual_station").set_value(station)
    at.selectbox(key="manual_metric").set_value(metric)
    at.text_input(key="manual_value").input(value)
    at.text_input(key="manual_reason").input(reason)
    if author is not None:
        at.text_input(key="manual_author").input(author)
    at.button(key="manual_submit").click().run()
    assert not at.exception, at.exception
    return at


def test_typing_a_figure_stores_it_with_the_default_expiry_and_lists_it(demo: Store, monkeypatch):
    monkeypatch.setattr(timeutil, "utcnow", lambda: NOW)
    at = type_in(run("pages/manual.py"), "12", reason="järjestelmä alhaalla")
    assert at.success[0].value == ("Syötetty: Kajaanin terveysasema, Takaisinsoitot: odottaa nyt 12, "
                                   "voimassa klo 12.40 asti.")
    (e,) = demo.manual_entries()
    assert (e.station, e.metric, e.value, e.author, e.reason) == ("kajaani", "queue_waiting", 12.0,
                                                                    "Maija Vastaava", "järjestelmä alhaalla")
    assert e.entered_at == NOW and e.expires_at == NOW + timedelta(hours=2)
    assert at.text_input(key="manual_value").value == ""  # emptied for the next one
    assert f'data-entry="{e.id}" data-state="shown"' in "".join(h.value for h in at.html)
    at.button(key=f"manual_withdraw_{e.id}").click().run()
    assert at.success[0].value == "Käsin syötetty luku poistettu seinältä."
    assert demo.manual_entries()[0].withdrawn_by == "Maija Vastaava"


@pytest.mark.parametrize(("value", "message"), [
    ("12,5", "Arvo ei käy tälle luvulle (sallittu: kokonaisluku 0–100\u202f000)."),
    ("-3", "Arvo ei käy tälle luvulle (sallittu: kokonaisluku 0–100\u202f000)."),
    ("kaksitoista", "Kirjoita arvoksi luku."),
    ("", "Kirjoita arvoksi luku."),
])
def test_a_value_out_of_range_is_refused_in_finnish_and_nothing_is_stored(demo: Store, value: str, message: str):
    at = type_in(run("pages/manual.py"), value)
    assert at.error[0].value == message and demo.manual_entries() == []


def test_an_identity_code_in_the_reason_is_refused(demo: Store):
    at = type_in(run("pages/manual.py"), "4", reason=f"soitti {HETU}")
    assert at.error[0].value == "Tekstissä on henkilötunnus. Jätä se pois." and demo.manual_entries() == []


def test_a_decimal_comma_is_a_decimal_for_an_age(demo: Store):
    type_in(run("pages/manual.py"), "37,5", metric="queue_oldest_wait_min")
    assert demo.manual_entries()[0].value == 37.5


# ------------------------------------------------------------------ by role, signed in (app.py's routing)
@pytest.fixture
def signed(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The pages on a store filled by one collector cycle, sign-in required, roles as test_access_pages.py."""
    cdir, url = request.getfixturevalue("seeded")
    with pages_reading(create_board(cdir, url, environ={})) as board:
        yield board.store


def page_html(at: AppTest) -> str:
    return "\n".join(h.value for h in at.html)


def test_a_shift_lead_types_a_figure_as_themselves_and_the_wall_shows_it_marked(signed: Store):
    at = open_page("pages/manual.py", SHIFT_LEAD)
    assert at.title[0].value == "Luvut käsin, kun lähde ei toimi"
    assert not [w for w in at.text_input if w.key == "manual_author"]  # no typed name to fake
    assert "Syöttäjä: Vilma Vuorovastaava" in [c.value for c in at.caption]
    at.selectbox(key="manual_station").set_value("kuhmo")
    at.selectbox(key="manual_metric").set_value("queue_waiting")
    at.text_input(key="manual_value").input("23")
    at.button(key="manual_submit").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Syötetty: Kuhmon terveysasema, Takaisinsoitot: odottaa nyt 23")
    (e,) = [e for e in signed.manual_entries() if e.station == "kuhmo"]
    assert e.author == "Vilma Vuorovastaava" and e.value == 23
    # The collector's readings are older than the entry, so the wall shows the typed figure, marked
    wall = AppTest.from_file(str(ROOT / "pages/wall.py"), default_timeout=60)
    wall.query_params["station"] = "kuhmo"
    wall.run()
    assert not wall.exception, wall.exception
    board = page_html(wall)
    queue = next(s for s in board.split("<section ")[1:] if 'data-family="queue"' in s)
    assert 'data-figure="queue_waiting" data-value="23"' in queue
    assert f"käsin syötetty {timeutil.local(e.entered_at):klo %-H.%M}" in queue
    signed.withdraw_manual_entry(e.id, "test", timeutil.utcnow())


@pytest.mark.parametrize("user", [MANAGER, NO_ROLE], ids=["manager", "no_role"])
def test_a_manager_or_someone_without_a_role_cannot_type_figures(signed: Store, user: dict):
    at = open_page("pages/manual.py", user)
    assert f'data-access="{"not-for-role" if user is MANAGER else "no-role"}"' in page_html(at)
    assert not [b for b in at.button if b.key == "manual_submit"] and not at.text_input
    assert at.title[0].value != "Luvut käsin, kun lähde ei toimi"


def test_the_shift_leads_header_links_to_manual_entry_and_the_managers_does_not(signed: Store):
    lead = [p.proto.page for p in open_page("pages/notices.py", SHIFT_LEAD).get("page_link")]
    manager = [p.proto.page for p in open_page("pages/notices.py", MANAGER).get("page_link")]
    assert "manual" in lead and "manual" not in manager


def test_the_administrator_reads_every_entry_on_sources(signed: Store):
    now = timeutil.utcnow()
    e = signed.add_manual_entry("sotkamo", "omasote_unanswered", 6, now + timedelta(hours=1), "Vilma V", now,
                                "Omasote-integraatio alhaalla")
    signed.withdraw_manual_entry(e.id, "Aino Ylläpitäjä", now + timedelta(seconds=1))
    at = open_page("pages/sources.py", ADMIN)
    assert "Käsin syötetyt luvut (30 vrk)" in [s.value for s in at.subheader]
    (table,) = [d for d in at.dataframe if "Syy" in d.value.columns]
    row = table.value[table.value["Syy"] == "Omasote-integraatio alhaalla"].iloc[0]
    assert row["Kuka"] == "Vilma V" and row["Asema"] == "Sotkamon terveysasema" and row["Arvo"] == "6"
    assert row["Poistettu"].endswith("(Aino Ylläpitäjä)")


def test_a_share_half_typed_half_from_a_source_is_unknown_and_a_sum_is_kept(settings, store: Store):
    # The sources' readings of 10.35 (fresh): 10 handled, 8 of them the same day, 2 waiting; contacts by channel
    old = NOW - timedelta(minutes=5)
    store.write_readings([Reading("kajaani", m, old, v) for m, v in (
        ("queue_handled_today", 10), ("queue_handled_same_day_today", 8), ("queue_waiting", 2),
        ("contacts_phone_today", 30), ("contacts_omasote_today", 10), ("contacts_chat_today", 0),
        ("contacts_visit_today", 10))], "demo", old)
    store.add_manual_entry("kajaani", "queue_handled_today", 23, NOW + timedelta(hours=2), "Vilma", NOW)
    store.add_manual_entry("kajaani", "contacts_phone_today", 45, NOW + timedelta(hours=2), "Vilma", NOW)
    view = station_view(settings, store, "kajaani", NOW + timedelta(minutes=1))
    figures = {f.code: f for t in view.tiles for f in (t.headline, *t.figures)}
    assert figures["queue_handled_today"].value == 23 and figures["queue_waiting"].value == 2
    # 8 handled the same day (the source) over 23 handled (typed) is no share of anything: unknown, unjudged
    assert figures["queue_same_day_share"].value is None
    assert figures["queue_same_day_share"].status is Status.NEUTRAL
    # Contacts today: the typed 45 by phone plus the source's 10 + 0 + 10, marked; the remote share is unknown
    assert figures["contacts_total_today"].value == 65 and figures["contacts_remote_share"].value is None
    html = render_wall(view)
    assert 'data-figure="queue_same_day_share" data-value="">–' in html
    assert 'data-manual="queue_same_day_share"' not in html  # no mark under a dash
    assert 'data-figure="contacts_total_today" data-value="65"' in html
    assert 'data-manual="contacts_phone_today"' in html
    # Withdrawn, the same readings give the share again: 8 of 10
    for e in store.manual_entries(active_at=NOW + timedelta(minutes=1)):
        store.withdraw_manual_entry(e.id, "Vilma", NOW + timedelta(minutes=2))
    again = station_view(settings, store, "kajaani", NOW + timedelta(minutes=3))
    shares = {f.code: f.value for t in again.tiles for f in t.figures}
    assert shares["queue_same_day_share"] == pytest.approx(0.8) and shares["contacts_remote_share"] is not None


def test_the_page_says_when_a_source_has_taken_over_an_entry(demo: Store):
    now = timeutil.utcnow()
    typed = demo.add_manual_entry("kajaani", "queue_waiting", 12, now + timedelta(hours=1), "Vilma",
                                  now - timedelta(minutes=10))
    kept = demo.add_manual_entry("sotkamo", "queue_waiting", 5, now + timedelta(hours=1), "Vilma",
                                 now - timedelta(minutes=10))
    demo.write_readings([Reading("kajaani", "queue_waiting", now - timedelta(minutes=1), 7)], "demo", now)
    page = "".join(h.value for h in run("pages/manual.py").html)
    assert f'data-entry="{typed.id}" data-state="superseded"' in page and "Lähde toimittaa taas" in page
    assert f'data-entry="{kept.id}" data-state="shown"' in page
