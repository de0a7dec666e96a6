"""The overview table's markup at scale: each distinct cell written once per table must be the cell it was, icons
drawn by one stylesheet rule per status instead of a data URI in every cell, and the cycle collector's pause."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from board.domain.metrics import Family
from board.domain.status import Status
from board.factory import create_board
from board.read import overview
from board.web import overview_html, style
from tests.test_overview import _view


def _rows(config_dir: Path, sqlite_url: str) -> list[overview.OverviewRow]:
    settings = create_board(config_dir, sqlite_url, sign_in="off").settings
    codes = [s.code for s in settings.stations]
    views = [_view(settings, codes[0], {Family.QUEUE: Status.ALERT}, 0.0),
             _view(settings, codes[1], {}, -0.0),  # equal to 0.0 as a key, but its own text ("-0")
             _view(settings, codes[2], {Family.QUEUE: Status.WARN}, 0.0),
             _view(settings, codes[3], {}, 0.0, is_open=False),  # the same value on a closed row: never coloured
             _view(settings, codes[4], {Family.QUEUE: Status.STALE}, 0.0)]
    views[4] = replace(views[4], tiles=[replace(t, stale=t.family is Family.QUEUE) for t in views[4].tiles])
    return overview.overview_rows(views)


def test_each_cell_is_written_as_if_alone(config_dir: Path, sqlite_url: str) -> None:
    """A cell taken from the table's own cache is byte for byte the cell of a table of that row alone."""
    rows = _rows(config_dir, sqlite_url)
    for lang in ("fi", "sv", "en"):
        whole = overview_html.render_overview(rows, lang, lambda _code: None)
        for r in rows:
            alone = overview_html.render_overview([r], lang, lambda _code: None)
            mine = re.search(rf'<tr data-station="{r.code}".*?</tr>', whole, re.S).group(0)
            assert mine == re.search(r"<tr data-station.*?</tr>", alone, re.S).group(0)
    html = overview_html.render_overview(rows, "fi", lambda _code: None)
    assert 'data-figure="queue_waiting" data-value="-0"' in html
    assert 'data-figure="queue_waiting" data-value="0"' in html


def test_the_table_draws_its_icons_from_the_stylesheet(config_dir: Path, sqlite_url: str) -> None:
    """No picture in the table itself (2.3 MB of data URIs at 900 stations); every icon's class has its picture
    in the overview's stylesheet."""
    html = overview_html.render_overview(_rows(config_dir, sqlite_url), "fi", lambda _code: None)
    assert "data:image" not in html and "<img" not in html
    used = set(re.findall(r'<span class="icon icon-([a-z_]+)" aria-hidden="true"></span>', html))
    assert {"alert", "warn", "stale", "ok", "closed"} <= used
    drawn = set(re.findall(r'span\.icon\.icon-([a-z_]+) \{ background-image: url\("data:image/svg\+xml;base64,',
                           style.OVERVIEW_CSS))
    assert drawn == {s.value for s in Status}


def test_a_red_row_without_a_message_does_not_say_no_alerts(config_dir: Path, sqlite_url: str) -> None:
    """The status word "Hälytys" is the red level; the alerts column lists the alert messages sent. A red row with
    no message must not read "Hälytys … ei hälytyksiä" (one word, two meanings): the column is "Hälytysviestit" and
    its empty cell "ei voimassa olevia", in each language."""
    rows = _rows(config_dir, sqlite_url)
    red = next(r for r in rows if r.status is Status.ALERT)
    assert not red.firing
    for lang, status, column, none, old in (("fi", "Hälytys", "Hälytysviestit", "ei voimassa olevia", "hälytyksiä"),
                                            ("sv", "Larm", "Larmmeddelanden", "inga aktiva", "inga larm"),
                                            ("en", "Alert", "Alert messages", "none active", "no alerts")):
        html = overview_html.render_overview(rows, lang, lambda _code: None)
        row = re.search(rf'<tr data-station="{red.code}".*?</tr>', html, re.S).group(0)
        assert f"{status}</span>" in row and f'<span class="quiet">{none}</span>' in row
        assert f'<th class="alerts" rowspan="2">{column}</th>' in html and old not in html.lower()


def test_a_same_day_share_of_few_handled_says_so_in_the_table(settings, store) -> None:
    """The wall's rule (fewer than 10 handled callbacks today: ``metrics.yaml: min_sample``) in the overview's "sama
    pv" column too: the share is shown unjudged with the wall's words, not a bare "0 %"; from 10 handled it is
    judged and the note goes. Built through the read side from stored readings, as the page builds it."""
    from datetime import UTC, datetime, timedelta

    from board.domain.reading import Reading

    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 11.00 Helsinki: open
    ts = now - timedelta(minutes=1)
    store.write_readings([Reading("paltamo", "queue_waiting", ts, 0), Reading("paltamo", "queue_handled_today", ts, 9),
                          Reading("paltamo", "queue_handled_same_day_today", ts, 0)], source="demo", now=now)

    def share_cell(lang: str) -> str:
        rows = overview.overview_rows(overview.all_station_views(settings, store, now, ["paltamo"]))
        html = overview_html.render_overview(rows, lang, lambda _code: None)
        return re.search(r'<td[^>]*data-figure="queue_same_day_share".*?</td>', html, re.S).group(0)

    for lang, few in (("fi", "vähän hoidettuja"), ("sv", "få hanterade"), ("en", "few handled")):
        cell = share_cell(lang)
        assert 'data-value="0"' in cell and 'data-status="neutral"' in cell
        assert f'<span class="few" data-few="queue_same_day_share">{few}</span>' in cell
    store.write_readings([Reading("paltamo", "queue_handled_today", now, 10)], source="demo", now=now)
    cell = share_cell("fi")
    assert 'data-value="0"' in cell and 'data-status="alert"' in cell and 'class="few"' not in cell
