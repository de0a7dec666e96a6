"""The shift lead's overview: worst first, sorting, filters in the URL, closed stations, today's curves."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from board.domain.metrics import Family
from board.domain.reading import Reading
from board.domain.snapshot import Figure, Tile
from board.domain.status import Status
from board.read import overview
from board.read.wall import StationView
from board.settings import load_settings
from board.store import Store

ROOT = Path(__file__).resolve().parent.parent
MONDAY = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 10.30 in Helsinki


def _view(settings, code: str, statuses: dict[Family, Status], value: float, is_open: bool = True) -> StationView:
    tiles = [Tile(f, statuses.get(f, Status.OK), Figure("x", value, statuses.get(f, Status.OK)),
                  [Figure("queue_waiting", value, Status.OK)] if f is Family.QUEUE else [], MONDAY, False)
             for f in Family]
    return StationView(settings.station(code), MONDAY, is_open, tiles)


def test_worst_first_puts_alerts_before_stale_and_closed_last(config_dir: Path):
    settings = load_settings(config_dir, "sqlite://")
    views = [
        _view(settings, "sotkamo", {}, 1),
        _view(settings, "kuhmo", {Family.QUEUE: Status.STALE}, 2),
        _view(settings, "paltamo", {Family.QUEUE: Status.WARN}, 3),
        _view(settings, "kajaani", {Family.QUEUE: Status.ALERT, Family.OMASOTE: Status.WARN}, 4),
        _view(settings, "puolanka", {Family.QUEUE: Status.ALERT}, 5),
        _view(settings, "hyrynsalmi", {Family.QUEUE: Status.ALERT}, 6, is_open=False),
    ]
    rows = overview.worst_first(overview.overview_rows(views))
    assert [(r.code, r.status) for r in rows] == [
        ("kajaani", Status.ALERT), ("puolanka", Status.ALERT), ("paltamo", Status.WARN), ("kuhmo", Status.STALE),
        ("sotkamo", Status.OK), ("hyrynsalmi", Status.CLOSED)]
    by_queue = overview.sort_by(rows, "queue_waiting", overview.directions(settings))
    assert [r.code for r in by_queue] == ["hyrynsalmi", "puolanka", "kajaani", "paltamo", "kuhmo", "sotkamo"]
    assert [r.code for r in overview.filter_rows(rows, ["kajaani", "sotkamo"])] == ["kajaani", "sotkamo"]
    assert [r.code for r in overview.filter_rows(rows, municipalities=["Kuhmo"])] == ["kuhmo"]
    # both kinds of filter: the union ("Kuhmo's stations and Kajaani"), as the README's bookmark means it
    assert [r.code for r in overview.filter_rows(rows, ["kajaani"], ["Kuhmo"])] == ["kajaani", "kuhmo"]
    assert [r.code for r in overview.filter_rows(rows, ["kajaani", "paltamo"], ["Kajaani"])] == ["kajaani", "paltamo"]


def test_lower_is_worse_sorts_the_smallest_first(config_dir: Path):
    settings = load_settings(config_dir, "sqlite://")
    rows = overview.overview_rows([_view(settings, c, {}, v) for c, v in (("kajaani", 0.9), ("sotkamo", 0.5))])
    for r in rows:
        r.figures["queue_same_day_share"] = Figure("queue_same_day_share", r.figures["x"].value, Status.OK)
    ordered = overview.sort_by(rows, "queue_same_day_share", overview.directions(settings))
    assert [r.code for r in ordered] == ["sotkamo", "kajaani"]  # a low same-day share is the worse one


def test_day_curves_overlay_last_week_on_todays_clock(config_dir: Path, sqlite_url: str):
    settings = load_settings(config_dir, sqlite_url)
    store = Store.open(sqlite_url)
    week = timedelta(days=7)
    t1 = MONDAY - timedelta(hours=1)
    readings = [Reading("kajaani", "queue_waiting", t1, 4.0), Reading("kajaani", "queue_waiting", MONDAY, 6.0),
                Reading("kajaani", "queue_waiting", t1 - week, 9.0),
                Reading("kajaani", "contacts_phone_today", t1, 10.0),
                Reading("kajaani", "contacts_chat_today", t1, 2.0),
                Reading("kajaani", "contacts_phone_today", MONDAY, 15.0)]
    store.write_readings(readings, source="demo", now=MONDAY)
    curves = overview.day_curves(settings, store, "kajaani", MONDAY)
    assert [(p[0].strftime("%H:%M"), p[1]) for p in curves.queue_today.points] == [("09:30", 4.0), ("10:30", 6.0)]
    assert [(p[0].strftime("%Y-%m-%d %H:%M"), p[1]) for p in curves.queue_last_week.points] == [
        ("2026-11-23 09:30", 9.0)]  # last Monday's 9.30 drawn at today's 9.30
    # contacts: channels summed, each carried forward until its next reading
    assert [p[1] for p in curves.contacts_today.points] == [12.0, 17.0]
    assert curves.contacts_last_week.points == []


def _rows(at: AppTest) -> list[tuple[str, str]]:
    html = next(h.value for h in at.html if '<table class="ov"' in h.value)
    return re.findall(r'<tr data-station="([a-z]+)" data-status="([a-z_]+)"', html)


def test_overview_page_lists_every_station_and_counts_the_view(seeded: Store):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    rows = _rows(at)
    assert len(rows) == 8
    html = next(h.value for h in at.html if '<table class="ov"' in h.value)
    kajaani = re.search(r'<tr data-station="kajaani".*?</tr>', html).group(0)
    shown = re.search(r'data-figure="omasote_unanswered" data-value="([^"]*)"', kajaani).group(1)
    assert float(shown) == seeded.latest_values("kajaani")["omasote_unanswered"].value
    assert at.title[0].value == "Tilannekuva"
    assert sum(n for _d, page, _s, n in seeded.page_views(datetime(2000, 1, 1).date(), datetime(2100, 1, 1).date())
               if page == "overview") == 1


def test_filters_and_sort_come_from_the_url_and_go_back_to_it(seeded: Store):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["station"] = ["kajaani", "paltamo", "atlantis"]
    at.query_params["sort"] = "omasote_unanswered"
    at.query_params["curve"] = "paltamo"
    at.run()
    assert not at.exception, at.exception
    codes = [c for c, _ in _rows(at)]
    assert sorted(codes) == ["kajaani", "paltamo"]  # the unknown station in an old bookmark is ignored
    values = {c: seeded.latest_values(c)["omasote_unanswered"].value for c in codes}
    assert codes == sorted(codes, key=lambda c: -values[c])
    assert len(at.get("plotly_chart")) == 2  # queue and contacts curves for Paltamo
    assert caption(at).split(" · ")[1] == "Omasote-viestit: vastaamatta (huonoin ensin)"  # the order it shows
    at.multiselect[1].set_value(["Kuhmo"]).run()  # a municipality as well: its stations join the chosen ones
    assert not at.exception and sorted(c for c, _ in _rows(at)) == ["kajaani", "kuhmo", "paltamo"]
    assert at.query_params["municipality"] == "Kuhmo"
    at.multiselect[0].set_value([]).run()
    assert [c for c, _ in _rows(at)] == ["kuhmo"] and "station" not in at.query_params
    at.selectbox(key="w_sort").set_value("worst").run()
    assert caption(at).split(" · ")[1] == "pahin ensin"


def caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Tilanne "))


def test_station_codes_in_the_url_match_whatever_their_case(seeded: Store):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["station"] = ["KAJAANI", "Paltamo "]
    at.query_params["municipality"] = "kuhmo"
    at.run()
    assert not at.exception and sorted(c for c, _ in _rows(at)) == ["kajaani", "kuhmo", "paltamo"]


def test_the_two_oldest_columns_are_told_apart_in_the_order_choice(seeded: Store):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    labels = list(at.selectbox(key="w_sort").options)  # as shown
    assert len(labels) == len(set(labels))
    assert "Takaisinsoitot: vanhin (huonoin ensin)" in labels and "Omasote-viestit: vanhin (huonoin ensin)" in labels


def test_overview_in_english(seeded: Store):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception and at.title[0].value == "Overview"
    html = next(h.value for h in at.html if '<table class="ov"' in h.value)
    assert "Callbacks" in html and "waiting" in html
