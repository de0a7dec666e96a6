"""The figure catalogue, its texts, one derivation for a moment and a period, and the wall's sparklines.

Adding a figure is one catalogue entry plus its texts: these tests fail while a
place that shows a figure has no words for it, and pin down the two ways a
figure is derived (a moment on the wall, a period on the weekly view), the
notice errors' codes, and that the wall's cached sparklines are merged into
new, immutable tiles.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest

from board import export
from board.domain.figures import FIGURES, TILE_LAYOUT, WEEK, Family, FigureDef, Kind, Unit, derive
from board.domain.notice import NoticeError, check_window, clean_author, clean_text
from board.domain.reading import Reading
from board.formatting import format_value
from board.i18n import LANGUAGES, TEXTS, t
from board.read.wall import station_trends, station_view, trend_window, with_trends

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 11.00 Helsinki: open


def _texts_for(code: str) -> list[str]:
    f = FIGURES[code]
    keys = []
    if f.tile:
        keys.append(f"fig.{code}")
    if f.overview:
        keys.append(f"ov.col.{code}")
    if f.week:
        keys += [f"week.fig.{f.week_code}", f"week.col.{f.week_code}"]
    return keys


@pytest.mark.parametrize("code", list(FIGURES))
def test_every_place_that_shows_a_figure_has_its_words_in_every_language(code: str):
    missing = [(key, lang) for key in _texts_for(code) for lang in LANGUAGES if not TEXTS.get(key, {}).get(lang)]
    assert missing == []


def test_every_tile_family_has_a_title_and_a_week_tab():
    assert all(TEXTS.get(f"family.{f.value}") and TEXTS.get(f"week.family.{f.value}") for f in Family)


def test_the_catalogue_shows_what_the_wall_has_always_shown():
    assert TILE_LAYOUT[Family.QUEUE] == ("queue_waiting", ("queue_oldest_wait_min", "queue_handled_today",
                                                           "queue_same_day_share", "contacts_carried_over"))
    assert "contacts_carried_over" not in TILE_LAYOUT[Family.CONTACTS][1]  # "eiliseltä" is the callbacks' backlog
    assert TILE_LAYOUT[Family.FEEDBACK][0] == "feedback_nps"
    assert list(WEEK)[:6] == ["contacts_phone", "contacts_omasote", "contacts_chat", "contacts_visit",
                              "contacts_total", "contacts_remote_share"]
    assert all(f.kind.value in ("gauge", "daily") for f in FIGURES.values() if f.unit in ("min", "h"))


@pytest.mark.parametrize(("unit", "inside", "outside", "written"), [
    ("count", 3, 2.5, "3"), ("min", 90, -1, "1\u00a0h 30\u00a0min"), ("h", 0.5, 2161, "30\u00a0min"),
    ("share", 0.836, 83.6, "84\u00a0%"), ("score", -40, 101, "−40"), ("d", 182, 400, "182\u00a0vrk"),
])
def test_a_stored_figure_of_any_unit_has_a_range_a_format_and_an_excel_format(unit, inside, outside, written):
    """A figure a source states (a share from an export, say) needs nothing but its entry to be read right."""
    figure = FigureDef(f"x_{unit}", Family.QUEUE, Kind.GAUGE, unit)

    def valid(value: float) -> bool:
        return figure.minimum <= value <= figure.maximum and not (figure.whole and value != int(value))

    assert valid(inside) and not valid(outside)
    assert format_value(unit, inside) == written
    assert unit in export._XLSX_FORMAT and unit in export._XLSX_CHANGE_FORMAT
    assert set(get_args(Unit)) == {"count", "min", "h", "d", "share", "score"}  # every unit is among the cases above


def test_a_moment_needs_every_nps_class_a_period_counts_a_missing_one_as_zero():
    only_promoters = {"feedback_promoters_today": 3.0}
    assert derive(only_promoters)["feedback_nps"] is None and derive(only_promoters)["feedback_answers_today"] is None
    period = derive(only_promoters, period=True)
    assert period["feedback_nps"] == 100 and period["feedback_answers_today"] == 3
    assert derive({}, period=True)["feedback_nps"] is None  # no class at all: still no data, never 0


def test_an_age_is_blank_when_nothing_waits_on_the_wall_but_kept_over_a_period():
    values = {"omasote_unanswered": 0, "omasote_oldest_unanswered_h": 0.0}
    assert derive(values)["omasote_oldest_unanswered_h"] is None
    assert derive(values, period=True)["omasote_oldest_unanswered_h"] == 0.0


@pytest.mark.parametrize(("attempt", "code", "words"), [
    (lambda now: clean_text("   "), "empty", "Tiedote on tyhjä."),
    (lambda now: clean_text("x" * 161), "too_long", "Tiedotteessa on 161 merkkiä; seinälle mahtuu enintään 160."),
    (lambda now: clean_text("soita 010190-123M"), "identity_code", "Tiedotteessa on henkilötunnus."),
    (lambda now: clean_author(" "), "author", "Kirjoita nimesi kirjoittajaksi."),
    (lambda now: clean_author("Eve 010190-123M"), "author_identity_code", "Kirjoittajan kohdassa on henkilötunnus"),
    (lambda now: check_window(now, now - timedelta(minutes=1), now), "past", "Päättymisaika on jo mennyt."),
    (lambda now: check_window(now + timedelta(hours=2), now + timedelta(hours=1), now), "order",
     "Päättymisajan pitää olla alkamisajan jälkeen."),
    (lambda now: check_window(now, now + timedelta(days=15), now), "too_far",
     "Tiedote voi näkyä enintään 14 vuorokautta."),
])
def test_every_notice_error_has_a_code_with_words_in_every_language(attempt, code: str, words: str):
    with pytest.raises(NoticeError) as caught:
        attempt(NOW)
    error = caught.value
    assert error.code == code
    assert all(TEXTS[f"notices.error.{code}"].get(lang) for lang in LANGUAGES)
    assert words in t(f"notices.error.{code}", "fi", **error.values)


def _put(store, *readings: Reading) -> None:
    store.write_readings(readings, source="demo", now=NOW)


def test_the_live_path_cached_sparklines_give_the_tested_view(settings, store):
    """The web server reads the sparklines apart (cached a minute) and hands them in: the same view."""
    _put(store, *[Reading("sotkamo", "queue_waiting", NOW - timedelta(minutes=10 * i), i) for i in range(4)],
         Reading("sotkamo", "omasote_unanswered", NOW - timedelta(hours=1), 5))
    read_now = station_view(settings, store, "sotkamo", NOW)
    cached = station_trends(store, "sotkamo", trend_window(settings, "sotkamo", NOW)[0], NOW)
    handed = station_view(settings, store, "sotkamo", NOW, trends=cached)
    assert handed == read_now
    assert [v for _, v in read_now.tile(Family.QUEUE).trend] == [3, 2, 1, 0]


def test_sparklines_make_new_tiles_up_to_the_views_clock_and_none_for_a_stale_tile(settings, store):
    _put(store, Reading("sotkamo", "queue_waiting", NOW - timedelta(minutes=1), 4),
         Reading("sotkamo", "omasote_unanswered", NOW - timedelta(hours=2), 7))  # older than the demo's limit
    numbers = station_view(settings, store, "sotkamo", NOW, with_trend=False)
    later = NOW + timedelta(seconds=30)  # a trend read after the numbers: its last point lies past their clock
    trends = {Family.QUEUE: [(NOW - timedelta(minutes=1), 4.0), (later, 9.0)],
              Family.OMASOTE: [(NOW - timedelta(hours=2), 7.0), (NOW - timedelta(hours=1), 7.0)]}
    drawn = with_trends(numbers, trends)
    assert drawn.tile(Family.QUEUE).trend == ((NOW - timedelta(minutes=1), 4.0),)
    assert drawn.tile(Family.OMASOTE).stale and drawn.tile(Family.OMASOTE).trend == ()
    assert numbers.tile(Family.QUEUE).trend == ()  # the cached view is not changed under another reader
    with pytest.raises(dataclasses.FrozenInstanceError):
        drawn.tile(Family.QUEUE).trend = ()  # type: ignore[misc]
