"""Notices: the domain rules, the notices page, the wall banner, and which station a rotating kiosk shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from board.domain import timeutil
from board.domain.notice import (
    ALL_STATIONS,
    MAX_LENGTH,
    Notice,
    NoticeError,
    check_window,
    clean_author,
    clean_text,
)
from board.factory import create_board
from board.read.wall import station_view
from board.settings import load_settings
from board.store import Store
from board.web import kiosk
from board.web.wall_html import render_wall
from tests.conftest import pages_reading

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 10.00 in Helsinki
CODES = ["kajaani", "sotkamo", "kuhmo", "suomussalmi"]
SHORT = {"kajaani": "Kajaani", "sotkamo": "Sotkamo", "kuhmo": "Kuhmo", "suomussalmi": "Suomussalmi"}


# ------------------------------------------------------------------ the domain rules
@pytest.mark.parametrize(("raw", "cleaned"), [
    ("  Kahvihuone suljettu  ", "Kahvihuone suljettu"),
    ("Rivi 1\nRivi 2\r\nRivi 3", "Rivi 1 Rivi 2 Rivi 3"),
    ("sarkain\tja   monta    väliä", "sarkain ja monta väliä"),
    ("ohjaus\x00merkki\x1b[31m ja\u200bnollaleveä", "ohjaus merkki [31m ja nollaleveä"),
    ("rivin\u2028erotin ja\u00a0sitova väli", "rivin erotin ja sitova väli"),
    ("a\u0308iti", "äiti"),  # decomposed ä becomes one character (NFC)
])
def test_text_becomes_one_clean_line(raw: str, cleaned: str):
    assert clean_text(raw) == cleaned


def test_length_is_counted_after_cleaning_and_capped():
    assert clean_text("x" * MAX_LENGTH) == "x" * MAX_LENGTH
    assert clean_text("x" * 80 + " " * 200 + "y" * 79) == "x" * 80 + " " + "y" * 79  # 160 once spaces collapse
    with pytest.raises(NoticeError, match="161 characters; at most 160"):
        clean_text("x" * (MAX_LENGTH + 1))


@pytest.mark.parametrize("raw", ["", "   ", "\n\t\x00", None])
def test_empty_text_is_refused(raw):
    with pytest.raises(NoticeError, match="empty"):
        clean_text(raw)


def test_author_is_one_trimmed_line_of_at_most_80():
    assert clean_author("  Maija\n Meikäläinen ") == "Maija Meikäläinen"
    assert len(clean_author("x" * 200)) == 80
    with pytest.raises(NoticeError, match="who writes"):
        clean_author(" \n ")


def test_window_must_end_in_the_future_after_the_start_within_two_weeks():
    check_window(NOW, NOW + timedelta(hours=6), NOW)
    check_window(NOW + timedelta(days=1), NOW + timedelta(days=14), NOW)  # two weeks from now, exactly
    with pytest.raises(NoticeError, match="already passed"):
        check_window(NOW - timedelta(hours=2), NOW, NOW)
    with pytest.raises(NoticeError, match="after the start"):
        check_window(NOW + timedelta(hours=3), NOW + timedelta(hours=2), NOW)
    with pytest.raises(NoticeError, match="at most 14 days"):
        check_window(NOW, NOW + timedelta(days=14, minutes=1), NOW)


def test_a_notice_is_active_in_its_window_on_its_stations():
    n = Notice(1, "t", ("kajaani", "sotkamo"), NOW, NOW + timedelta(hours=1), "a", NOW)
    assert n.is_active(NOW) and not n.is_active(NOW - timedelta(seconds=1))
    assert not n.is_active(NOW + timedelta(hours=1))  # the end is exclusive
    assert n.shows_on("sotkamo") and not n.shows_on("kuhmo")
    everywhere = Notice(2, "t", (ALL_STATIONS,), NOW, NOW + timedelta(hours=1), "a", NOW)
    assert everywhere.shows_on("kuhmo")
    withdrawn = Notice(3, "t", ("kajaani",), NOW, NOW + timedelta(hours=1), "a", NOW, NOW, "b")
    assert not withdrawn.is_active(NOW + timedelta(minutes=1))


# ------------------------------------------------------------------ the wall's view and HTML
def test_the_station_view_carries_the_notices_of_that_station_only(settings, store):
    store.add_notice("Vain Kajaani", ["kajaani"], NOW, NOW + timedelta(hours=2), "a", NOW)
    store.add_notice("Kaikille", [ALL_STATIONS], NOW, NOW + timedelta(hours=2), "a", NOW)
    store.add_notice("Päättynyt", ["kajaani"], NOW - timedelta(hours=3), NOW - timedelta(minutes=1), "a", NOW)
    store.add_notice("Tulossa", ["kajaani"], NOW + timedelta(hours=1), NOW + timedelta(hours=2), "a", NOW)
    gone = store.add_notice("Poistettu", ["kajaani"], NOW, NOW + timedelta(hours=2), "a", NOW)
    store.withdraw_notice(gone.id, "b", NOW)
    assert [n.text for n in station_view(settings, store, "kajaani", NOW).notices] == ["Kaikille", "Vain Kajaani"]
    assert [n.text for n in station_view(settings, store, "sotkamo", NOW).notices] == ["Kaikille"]
    later = NOW + timedelta(hours=2)  # both have ended by themselves
    assert station_view(settings, store, "kajaani", later).notices == []


def test_the_banner_escapes_the_text_and_shows_at_most_two(settings, store):
    for text in ("<script>alert(1)</script>", "**bold** & <b>x</b>", "kolmas"):
        store.add_notice(text, ["kajaani"], NOW, NOW + timedelta(hours=2), "a", NOW)
    html = render_wall(station_view(settings, store, "kajaani", NOW))
    banner = html.split('<ul class="notices"')[1].split("</ul>")[0]
    assert "<script>" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" not in banner  # the oldest of three waits its turn
    assert "**bold** &amp; &lt;b&gt;x&lt;/b&gt;" in banner and "kolmas" in banner
    assert banner.count('class="notice"') == 2 and "Muita tiedotteita: 1" in banner
    assert 'class="wall has-notices"' in html
    assert 'class="notices"' not in render_wall(station_view(settings, store, "sotkamo", NOW))


# ------------------------------------------------------------------ kiosk rotation (pure)
def test_plain_wall_and_the_station_picker():
    assert kiosk.plan_wall(["kajaani"], None, CODES, []) == kiosk.WallPlan(("kajaani",))
    assert kiosk.plan_wall([], None, CODES, []) == kiosk.WallPlan(())
    assert kiosk.plan_wall(["oulu"], None, CODES, []) == kiosk.WallPlan((), ("oulu",))


def test_listed_stations_rotate_in_url_order_and_unknown_ones_are_skipped():
    plan = kiosk.plan_wall(["sotkamo", "oulu", "kajaani", "sotkamo"], "20", CODES, ["kuhmo"])
    assert plan == kiosk.WallPlan(("sotkamo", "kajaani"), ("oulu",), 20)
    assert kiosk.plan_wall(["kajaani", "sotkamo"], None, CODES, []).rotate_seconds == 20  # several: rotate anyway
    assert kiosk.plan_wall(["oulu", "turku"], "20", CODES, []) == kiosk.WallPlan((), ("oulu", "turku"))
    # one known station left: the plain wall, with the skipped code named
    assert kiosk.plan_wall(["kajaani", "oulu"], "20", CODES, []) == kiosk.WallPlan(("kajaani",), ("oulu",))
    assert kiosk.plan_wall(["kajaani"], "20", CODES, []).rotate_seconds is None


def test_rotate_without_stations_uses_the_open_ones_or_all():
    assert kiosk.plan_wall([], "30", CODES, ["suomussalmi", "kajaani"]).stations == ("kajaani", "suomussalmi")
    assert kiosk.plan_wall([], "30", CODES, []).stations == tuple(CODES)


@pytest.mark.parametrize(("raw", "seconds"), [("20", 20), (" 45 ", 45), ("1", 3), ("99999", 3600), ("x", 20),
                                              ("", 20), (None, 20)])
def test_rotate_seconds_are_kept_within_limits(raw, seconds):
    assert kiosk.rotate_seconds(raw) == seconds


def test_each_tick_shows_the_next_station_and_names_the_one_after():
    plan = kiosk.WallPlan(("kajaani", "sotkamo", "kuhmo"), (), 20)
    spots = [kiosk.choose(plan, tick, SHORT) for tick in range(5)]
    assert [s.code for s in spots] == ["kajaani", "sotkamo", "kuhmo", "kajaani", "sotkamo"]
    assert spots[1] == kiosk.Spot("sotkamo", 2, 3, "Kuhmo")
    assert spots[2].next_name == "Kajaani"
    assert kiosk.rotation_index(7, 1) == 0 and kiosk.rotation_index(-1, 3) == 0
    with pytest.raises(ValueError):
        kiosk.rotation_index(0, 0)


def test_open_stations_follow_the_opening_hours(config_dir: Path):
    settings = load_settings(config_dir, "sqlite://")
    monday_17 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 17.00: only Kajaani is open until 18
    assert kiosk.open_stations(settings, monday_17) == ["kajaani"]
    assert len(kiosk.open_stations(settings, NOW)) == len(settings.stations)
    assert kiosk.open_stations(settings, NOW - timedelta(days=1)) == []  # Sunday


def test_the_kiosk_line_names_position_next_station_and_skipped_codes(settings, store):
    view = station_view(settings, store, "sotkamo", NOW)
    html = render_wall(view, spot=kiosk.Spot("sotkamo", 2, 3, "Kuhmo"), skipped=["<oulu>"])
    assert 'data-position="2" data-total="3"' in html and "2/3 · seuraavaksi Kuhmo" in html
    assert "ohitettu tuntematon asema: &lt;oulu&gt;" in html
    assert "kiosk" not in render_wall(view)


# ------------------------------------------------------------------ pages through AppTest
@pytest.fixture
def board(config_dir: Path, sqlite_url: str) -> Iterator[Store]:
    """An empty store (notices need no readings) and the pages pointed at it."""
    # Sign-in off: content tests; access: test_access_pages.py
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        yield board.store


def run(page: str, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def fill(at: AppTest, text: str, stations: list[str], author: str = "Maija Vastaava") -> AppTest:
    at.text_area(key="notice_text").input(text)
    at.multiselect(key="notice_stations").set_value(stations)
    at.text_input(key="notice_author").input(author)
    at.button(key="notice_post").click().run()
    assert not at.exception, at.exception
    return at


def all_html(at: AppTest) -> str:
    return "\n".join(h.value for h in at.html)


def test_posting_stores_the_cleaned_notice_and_lists_it(board: Store):
    at = fill(run("pages/notices.py"), "Puhelinpalvelu\nruuhkautunut,   ohjatkaa Omasoteen", ["kajaani", "sotkamo"])
    assert "Tiedote julkaistu: Kajaani, Sotkamo" in at.success[0].value
    (n,) = board.notices()
    assert n.text == "Puhelinpalvelu ruuhkautunut, ohjatkaa Omasoteen"
    assert n.stations == ("kajaani", "sotkamo") and n.author == "Maija Vastaava"
    assert abs((n.starts_at - timeutil.utcnow()).total_seconds()) < 60
    assert n.ends_at > timeutil.utcnow()
    assert at.text_area(key="notice_text").value == ""  # emptied for the next one
    assert f'data-notice="{n.id}" data-state="active"' in all_html(at)
    assert at.button(key=f"withdraw_{n.id}").label == "Poista"


def test_all_stations_wins_over_single_ones(board: Store):
    fill(run("pages/notices.py"), "Kaikille", ["kajaani", ALL_STATIONS])
    assert board.notices()[0].stations == (ALL_STATIONS,)


def test_too_long_text_shows_the_reason_and_stores_nothing(board: Store):
    at = fill(run("pages/notices.py"), "x" * 170, ["kajaani"])
    assert "Tiedotteessa on 170 merkkiä; seinälle mahtuu enintään 160." in at.error[0].value
    assert board.notices() == []
    assert "10 merkkiä liikaa" in all_html(at)
    assert at.text_area(key="notice_text").value == "x" * 170  # kept for shortening


@pytest.mark.parametrize(("stations", "author", "message"), [
    ([], "Maija", "Valitse vähintään yksi asema."),
    (["kajaani"], "  ", "Kirjoita nimesi kirjoittajaksi."),
])
def test_missing_station_or_writer_is_refused(board: Store, stations, author, message):
    at = fill(run("pages/notices.py"), "Teksti", stations, author)
    assert at.error[0].value == message and board.notices() == []


def test_an_end_in_the_past_is_refused_in_swedish(board: Store):
    at = run("pages/notices.py", lang="sv")
    at.date_input(key="notice_end_date").set_value(date(2020, 1, 1))
    at = fill(at, "Text", ["kajaani"])
    assert at.error[0].value == "Sluttiden har redan passerat." and board.notices() == []


def test_a_later_start_makes_an_upcoming_notice(board: Store):
    at = run("pages/notices.py")
    tomorrow = timeutil.local_date(timeutil.utcnow()) + timedelta(days=1)
    at.toggle(key="notice_later").set_value(True).run()
    at.date_input(key="notice_start_date").set_value(tomorrow)
    at.time_input(key="notice_start_time").set_value(time(8, 0))
    at.date_input(key="notice_end_date").set_value(tomorrow)
    at.time_input(key="notice_end_time").set_value(time(12, 0))
    at = fill(at, "Huomenna", ["kuhmo"])
    (n,) = board.notices()
    assert (n.starts_at, n.ends_at) == (timeutil.at_local(tomorrow, time(8)), timeutil.at_local(tomorrow, time(12)))
    assert 'data-state="upcoming"' in all_html(at) and "alkaa " in all_html(at)


@pytest.mark.parametrize(("local_now", "end"), [(time(10, 0), time(16, 0)), (time(16, 21), time(18, 25))])
def test_default_end_is_today_at_four_or_in_two_hours(board: Store, monkeypatch, local_now: time, end: time):
    day = date(2026, 11, 24)
    monkeypatch.setattr(timeutil, "utcnow", lambda: timeutil.at_local(day, local_now))
    at = run("pages/notices.py")
    assert at.date_input(key="notice_end_date").value == day
    assert at.time_input(key="notice_end_time").value == end


def test_withdrawing_ends_the_notice_at_once(board: Store):
    now = timeutil.utcnow()
    n = board.add_notice("Poistettava", ["kajaani"], now, now + timedelta(hours=1), "Maija", now)
    at = run("pages/notices.py")
    at.text_input(key="notice_author").input("Pekka")
    at.button(key=f"withdraw_{n.id}").click().run()  # "Poista" asks first
    assert board.notices()[0].withdrawn_at is None
    assert "Poistetaanko tiedote seinänäytöiltä?" in [c.value for c in at.caption]
    at.button(key=f"withdraw_no_{n.id}").click().run()  # "Peru": nothing happens, the button is back
    assert board.notices()[0].withdrawn_at is None and at.button(key=f"withdraw_{n.id}").label == "Poista"
    at.button(key=f"withdraw_{n.id}").click().run()
    at.button(key=f"withdraw_yes_{n.id}").click().run()  # "Kyllä, poista"
    (after,) = board.notices()
    assert after.withdrawn_at is not None and after.withdrawn_by == "Pekka"
    assert board.notices(active_at=timeutil.utcnow()) == []
    assert f'data-notice="{n.id}" data-state="withdrawn"' in all_html(at)
    assert not any(b.key == f"withdraw_{n.id}" for b in at.button)
    assert "Tiedote poistettu seinänäytöiltä" in at.success[0].value


def test_user_text_is_shown_literally_never_as_html_or_markdown(board: Store):
    at = fill(run("pages/notices.py"), "<script>alert(1)</script> **bold** _x_", ["kajaani"], "<b>Eve</b>")
    html = all_html(at)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **bold** _x_" in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html
    assert "<script>" not in html and "<b>Eve" not in html
    assert not any("alert(1)" in m.value or "Eve" in m.value for m in [*at.markdown, *at.caption, *at.success])


def test_ended_notices_of_the_last_week_are_listed(board: Store):
    now = timeutil.utcnow()
    board.add_notice("Eilinen", ["kajaani"], now - timedelta(days=1), now - timedelta(hours=20), "M", now)
    board.add_notice("Vanha", ["kajaani"], now - timedelta(days=9), now - timedelta(days=8), "M", now)
    html = all_html(run("pages/notices.py"))
    assert "Eilinen" in html and 'data-state="ended"' in html and "päättyi" in html
    assert "Vanha" not in html


def wall(at: AppTest) -> str:
    return next(h.value for h in at.html if 'class="wall' in h.value)


def test_the_wall_shows_a_notice_on_the_stations_it_names_only(board: Store):
    now = timeutil.utcnow()
    board.add_notice("<script>alert(1)</script> **Kahvi**", ["kajaani"], now, now + timedelta(hours=1), "M", now)
    board.add_notice("Päättynyt", ["kajaani"], now - timedelta(hours=2), now - timedelta(seconds=1), "M", now)
    gone = board.add_notice("Poistettu", ["kajaani"], now, now + timedelta(hours=1), "M", now)
    board.withdraw_notice(gone.id, "P", now)
    html = wall(run("pages/wall.py", station="kajaani"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **Kahvi**" in html and "<script>" not in html
    assert "Päättynyt" not in html and "Poistettu" not in html
    assert 'class="notices"' not in wall(run("pages/wall.py", station="sotkamo"))


def test_a_rotating_wall_starts_with_the_first_station_and_counts_it(board: Store):
    at = run("pages/wall.py", station=["oulu", "sotkamo", "kajaani"], rotate="20", lang="sv")
    html = wall(at)
    assert 'data-station="sotkamo"' in html and 'data-lang="sv"' in html
    assert "1/2 · nästa Kajaani" in html and "okänd station hoppades över: oulu" in html
    today = timeutil.local_date(timeutil.utcnow())
    assert [(p, s) for _d, p, s, _n in board.page_views(today, today)] == [("wall", "sotkamo")]


def test_rotate_alone_cycles_through_the_open_stations(board: Store, config_dir: Path):
    settings = load_settings(config_dir, "sqlite://")
    expected = (kiosk.open_stations(settings, timeutil.utcnow()) or [s.code for s in settings.stations])[0]
    html = wall(run("pages/wall.py", rotate="20"))
    assert f'data-station="{expected}"' in html


def test_the_plain_wall_counts_one_view_per_session(board: Store):
    at = run("pages/wall.py", station="kuhmo")
    at.run()  # a second run of the same session (the page rerunning) is not a new view
    today = timeutil.local_date(timeutil.utcnow())
    assert board.page_views(today, today) == [(today, "wall", "kuhmo", 1)]
    assert "kiosk" not in wall(at)


def test_no_notice_markup_without_notices(board: Store):
    assert not re.search(r'class="wall[^"]*has-notices', wall(run("pages/wall.py", station="kajaani")))
