"""The wall HTML for each state a tile can be in, and what it must never show."""

from datetime import UTC, datetime, timedelta

from board.domain.reading import Reading
from board.read.wall import station_view
from board.web.wall_html import render_wall

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 11.00 Helsinki: open


def put(store, *readings: Reading) -> None:
    store.write_readings(readings, source="demo", now=NOW)


def test_fresh_tile_shows_value_status_word_and_freshness(settings, store):
    put(store, Reading("paltamo", "queue_waiting", NOW - timedelta(minutes=1), 25),
        Reading("paltamo", "queue_oldest_wait_min", NOW - timedelta(minutes=1), 30))
    view = station_view(settings, store, "paltamo", NOW)
    html = render_wall(view)
    queue = html.split('data-family="queue"')[1].split("</section>")[0]
    assert 'data-status="alert"' in html  # 25 >= red 20 for Paltamo
    assert 'data-value="25"' in queue and ">25<" in queue
    assert "Hälytys" in queue and 'class="icon icon-alert"' in queue
    assert "päivitetty klo 10.59" in queue


def test_stale_tile_never_shows_the_old_number_as_current(settings, store):
    put(store, Reading("paltamo", "queue_waiting", NOW - timedelta(minutes=30), 17))
    html = render_wall(station_view(settings, store, "paltamo", NOW))
    queue = html.split('data-family="queue"')[1].split("</section>")[0]
    assert 'data-status="stale"' in queue and "Vanhentunut" in queue
    assert 'data-value=""' in queue and ">17<" not in queue  # the big number is a dash
    assert "viimeisin arvo 17" in queue and "Tieto vanhentunut: viimeisin klo 10.30" in queue


def test_no_data_and_closed_states(settings, store):
    html = render_wall(station_view(settings, store, "kuhmo", NOW))
    assert html.count('data-status="no_data"') == 4 and "Ei tietoa" in html
    sunday = NOW - timedelta(days=1)
    put(store, Reading("kuhmo", "queue_waiting", sunday - timedelta(minutes=1), 40))
    closed = render_wall(station_view(settings, store, "kuhmo", sunday),
                         next_opening=settings.opening_hours("kuhmo").next_opening(sunday))
    assert 'data-closed="true"' in closed and "Avataan ma klo 8.00" in closed
    queue = closed.split('data-family="queue"')[1].split("</section>")[0]
    assert 'data-status="closed"' in queue and "Suljettu" in queue


def test_configuration_text_is_escaped(settings, store):
    view = station_view(settings, store, "kajaani", NOW)
    view.station = view.station.model_copy(update={"name": "<script>alert(1)</script>"})
    html = render_wall(view)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_trend_of_today_is_drawn(settings, store):
    put(store, *[Reading("sotkamo", "queue_waiting", NOW - timedelta(minutes=10 * i), i) for i in range(6)])
    view = station_view(settings, store, "sotkamo", NOW)
    queue = next(t for t in view.tiles if t.family.value == "queue")
    assert [v for _, v in queue.trend] == [5, 4, 3, 2, 1, 0]
    assert 'class="spark"' in render_wall(view)


def test_daily_figures_reset_at_helsinki_midnight_on_a_dst_day(settings, store):
    # 25.10.2026: clocks go back, the day is 25 h and starts at 24.10. 21:00 UTC (00:00 EEST).
    now = datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # Sunday 11.00 EET
    put(store, Reading("sotkamo", "contacts_visit_today", datetime(2026, 10, 24, 20, 59, tzinfo=UTC), 90),
        Reading("sotkamo", "omasote_received_today", datetime(2026, 10, 24, 21, 1, tzinfo=UTC), 3))
    view = station_view(settings, store, "sotkamo", now)
    figures = {f.code: f.value for t in view.tiles for f in [t.headline, *t.figures]}
    assert figures["contacts_visit_today"] is None  # 23.59 on Saturday: yesterday's count
    assert figures["omasote_received_today"] == 3  # 00.01 on Sunday: today's


def test_closed_tiles_carry_no_red_marks_and_old_numbers_stay_old(settings, store):
    saturday_night = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # 22.00 Helsinki
    put(store, Reading("kuhmo", "queue_waiting", saturday_night - timedelta(minutes=1), 3),
        Reading("kuhmo", "queue_oldest_wait_min", saturday_night - timedelta(minutes=1), 900),
        Reading("kuhmo", "omasote_unanswered", saturday_night - timedelta(hours=5), 12))
    html = render_wall(station_view(settings, store, "kuhmo", saturday_night))
    queue = html.split('data-family="queue"')[1].split("</section>")[0]
    assert 'data-status="closed"' in queue and "mark-alert" not in queue and ">3<" in queue
    omasote = html.split('data-family="omasote"')[1].split("</section>")[0]
    assert 'data-status="closed"' in omasote and 'data-value=""' in omasote and "viimeisin arvo 12" in omasote


def test_the_same_day_share_says_so_far_while_callbacks_wait(settings, store):
    ts = NOW - timedelta(minutes=1)
    put(store, Reading("paltamo", "queue_waiting", ts, 30), Reading("paltamo", "queue_handled_today", ts, 12),
        Reading("paltamo", "queue_handled_same_day_today", ts, 12))
    for lang, label, under in (("fi", "samana päivänä", "tähän asti · tavoite 100\u00a0%"),
                               ("sv", "samma dag", "hittills · mål 100\u00a0%"),
                               ("en", "same day", "so far · target 100\u00a0%")):
        queue = render_wall(station_view(settings, store, "paltamo", NOW), lang).split('data-family="queue"')[1]
        share = queue.split('data-figure="queue_same_day_share"')[1].split("</div>")[0]
        assert f"<dt>{label}<" in share and f'<span class="target">{under}</span>' in share  # 100 % so far...
        assert "100" in share.split("</dd>")[0]
        assert "mark-alert" in share  # ...marked as the 30 waiting callbacks are (Paltamo's red is 20)


def test_sparklines_drawn_ahead_give_the_same_wall(settings, store):
    """The web server draws each station's polylines once per trend read (spark_line) and hands them to every
    screen's render: the HTML must be the one drawn from scratch, and a line that no longer fits (fewer points
    than the tile's trend, another window) must not be used."""
    from board.read.wall import station_trends, trend_window
    from board.web.wall_html import spark_line

    put(store, *[Reading("sotkamo", "queue_waiting", NOW - timedelta(minutes=10 * i), 3 + i % 4) for i in range(12)],
        *[Reading("sotkamo", "omasote_unanswered", NOW - timedelta(minutes=5 * i), 20 - i) for i in range(20)])
    window = trend_window(settings, "sotkamo", NOW)
    trends = station_trends(store, "sotkamo", window[0], NOW)
    view = station_view(settings, store, "sotkamo", NOW, trends=trends)
    lines = {f: spark_line(t, window) for f, t in trends.items() if len(t) >= 2}
    assert len(lines) == 2 and all(line.points.count(",") == line.count for line in lines.values())
    fresh = render_wall(view, version="3.1")
    assert render_wall(view, version="3.1", lines=lines) == fresh
    assert fresh.count('class="spark" src="data:image/svg+xml') == 2 and 'data-version="3.1"' in fresh
    early = station_view(settings, store, "sotkamo", NOW - timedelta(minutes=25), trends=trends)
    assert render_wall(early, lines=lines) == render_wall(early)  # fewer points by then: drawn afresh
    wrong = {f: spark_line(t, (window[0] - timedelta(hours=1), window[1])) for f, t in trends.items() if len(t) >= 2}
    assert render_wall(view, version="3.1", lines=wrong) == fresh


def _tile(html: str, family: str) -> str:
    return html.split(f'data-family="{family}"')[1].split("</section>")[0]


def test_a_tile_with_no_limits_shows_no_judgement_badge(settings, store):
    """The contacts tile has no thresholds (config/metrics.yaml): it is never judged, so it carries no badge (a grey
    "Ei arviota" was read from 4 m as a fault). The feedback tile has limits: on too few answers it still says
    "Ei arviota" (could not judge) and "vähän vastauksia"."""
    ts = NOW - timedelta(minutes=1)
    put(store, Reading("paltamo", "contacts_phone_today", ts, 40), Reading("paltamo", "contacts_visit_today", ts, 35),
        Reading("paltamo", "feedback_promoters_today", ts, 1), Reading("paltamo", "feedback_passives_today", ts, 0),
        Reading("paltamo", "feedback_detractors_today", ts, 2))
    for lang, word, few in (("fi", "Ei arviota", "vähän vastauksia"), ("sv", "Ingen bedömning", "få svar"),
                            ("en", "Not assessed", "few answers")):
        html = render_wall(station_view(settings, store, "paltamo", NOW), lang)
        contacts, feedback = _tile(html, "contacts"), _tile(html, "feedback")
        assert 'data-status="neutral" data-judged="false"' in contacts and 'data-value="75"' in contacts
        assert 'class="badge"' not in contacts and word not in contacts
        assert 'data-status="neutral"' in feedback and "data-judged" not in feedback
        assert 'class="badge"' in feedback and word in feedback and few in feedback


def test_a_same_day_share_of_few_handled_says_so(settings, store):
    """Fewer than 10 handled callbacks (metrics.yaml: min_sample): the share is shown unjudged, with a note like the
    NPS's "vähän vastauksia", so "0 %" is not read as judged; from 10 handled on it is judged and the note goes."""
    ts = NOW - timedelta(minutes=1)
    put(store, Reading("paltamo", "queue_waiting", ts, 0), Reading("paltamo", "queue_handled_today", ts, 9),
        Reading("paltamo", "queue_handled_same_day_today", ts, 0))
    for lang, few in (("fi", "vähän hoidettuja"), ("sv", "få hanterade"), ("en", "few handled")):
        share = _tile(render_wall(station_view(settings, store, "paltamo", NOW), lang), "queue") \
            .split('data-figure="queue_same_day_share"')[1].split("</div>")[0]
        assert 'data-value="0"' in share and "mark-" not in share
        assert f'<span class="few" data-few="queue_same_day_share">{few}</span>' in share
    put(store, Reading("paltamo", "queue_handled_today", NOW, 10))
    share = _tile(render_wall(station_view(settings, store, "paltamo", NOW)), "queue") \
        .split('data-figure="queue_same_day_share"')[1].split("</div>")[0]
    assert 'data-value="0"' in share and "mark-alert" in share and 'class="few"' not in share
