"""A station fed only by a feedback service that pushes its answers: the weekly view has every day.

Reproduced first (``/week`` in AppTest): a feedback service pushes its answers as they come; a small
station gets none on some days, so nothing is pushed and no run counts those days. The item counter counted
a station again only from its earliest changed item, so Tuesday, with no answers, had no figures at all and
the page said "Kajaanin terveysasema: tiedot 4/7 päivältä" — although the items say exactly what Tuesday
was (no answers, nothing waiting for a reaction). Now a count fills the days since the station's figures were
last counted (board/item_collect.py ``_fill_days``).

The truth is the test's own list of answers: the answers and the NPS of each day counted by hand here.
"""

from __future__ import annotations

import html as html_lib
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from board.domain.reading import Reading
from board.domain.timeutil import local_date, utcnow
from board.domain.weeks import IsoWeek
from board.factory import Board, create_board
from board.push import PushDesk
from board.read import week as weekly
from tests.conftest import pages_reading, write_config

ROOT = Path(__file__).resolve().parent.parent
HKI = ZoneInfo("Europe/Helsinki")
SOURCE = {"name": "palaute", "type": "push", "token": "${PALAUTE_TOKEN}", "stations": ["kajaani"],
          "deliver": "items",
          "items": {"item": "feedback", "id_key": "${ITEM_KEY}",
                    "fields": {"id": "answerId", "station": "unit", "start": "answeredAt", "score": "score",
                               "needs_reaction": "needsReaction", "end": "reactedAt"}}}
#: The days of the week (Monday 0) the service pushed answers on, and the hour (Helsinki) it did.
PUSHED = {0: 10, 2: 12, 4: 9, 6: 20}


@pytest.fixture
def board(tmp_path: Path, sqlite_url: str) -> Iterator[Board]:
    config = write_config(tmp_path / "config")
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [SOURCE]}), encoding="utf-8")
    with pages_reading(create_board(config, sqlite_url, sign_in="off", environ={
            "PALAUTE_TOKEN": "p" * 32, "ITEM_KEY": "feedback-key-0123456789abcdef"})) as b:
        yield b


def _push_week(board: Board, week: IsoWeek, pushed: dict[int, int] = PUSHED) -> dict:  # type: ignore[type-arg]
    """The service's pushes of ``week`` (a few answers each time, as JSON with offsets); answers per day."""
    rng = random.Random(48)
    desk = PushDesk(board.settings, board.store)
    by_day: dict = {}
    for weekday, hour in pushed.items():
        day = week.days[weekday]
        at = datetime(day.year, day.month, day.day, hour, 0, tzinfo=HKI)
        scores = [rng.randint(0, 10) for _ in range(rng.randint(2, 6))]
        answers = [{"answerId": f"V-{day:%m%d}-{n}", "unit": "kajaani",
                    "answeredAt": (at - timedelta(minutes=7 * n + 3)).isoformat(), "score": s,
                    "needsReaction": "true" if s <= 3 else "false", "reactedAt": None}
                   for n, s in enumerate(scores)]
        desk.collector.clock = lambda at=at: at.astimezone(UTC)
        result = desk.take("palaute", answers).as_json()
        assert result["rows"] == {"read": len(answers), "stored": len(answers), "refused": 0, "ignored": 0}
        by_day[day] = scores
    return by_day


def _nps(scores: list[int]) -> float | None:
    return None if not scores else 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def test_a_feedback_only_station_has_every_day_of_the_week_on_the_weekly_view(board: Board):
    week = IsoWeek.of(local_date(utcnow()) - timedelta(days=7))  # the last full week, as the page shows
    pushed = _push_week(board, week)
    assert any(s <= 3 for scores in pushed.values() for s in scores)  # some answers wait for a reaction

    report = weekly.week_report(board.settings, board.store, week.year, week.week, ["kajaani"])
    (row,) = report.stations
    for d in row.days:
        scores = pushed.get(d.day, [])
        assert d.figures["feedback_answers"] == len(scores), d.day  # 0 on a day without answers, never "–"
        assert d.figures["feedback_nps"] == pytest.approx(_nps(scores)) if scores else d.figures["feedback_nps"] is None
        # answers needing a reaction (none reacted to) wait on through the days without answers too
        waiting = sum(s <= 3 for day, scores_ in pushed.items() if day <= d.day for s in scores_)
        assert d.figures["feedback_needs_reaction"] == waiting, d.day
    assert row.days_with_data == 7

    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages/week.py"), default_timeout=60)
    at.query_params["week"] = week.key
    at.query_params["station"] = "kajaani"
    at.run()
    assert not at.exception, at.exception
    page = html_lib.unescape("".join(h.value for h in at.html))
    gaps = re.findall(r"[^>]*päivältä[^<]*", page)
    assert not gaps, gaps  # no "Kajaanin terveysasema: tiedot 4/7 päivältä": every day is there
    all_scores = [s for scores in pushed.values() for s in scores]
    nps = next(m for m in at.metric if m.label.startswith("NPS"))
    assert nps.value.replace("−", "-").replace("+", "") == str(round(_nps(all_scores)))


def _gaps(week: IsoWeek) -> list[str]:
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages/week.py"), default_timeout=60)
    at.query_params["week"] = week.key
    at.query_params["station"] = "kajaani"
    at.run()
    assert not at.exception, at.exception
    return re.findall(r"[^>]*päivältä[^<]*", html_lib.unescape("".join(h.value for h in at.html)))


def test_the_days_are_counted_over_the_tiles_the_station_tracks(board: Board):
    """Kajaani's callbacks came from a source removed since (its readings stay in the store every day of the
    week); now only the feedback service feeds it, from Thursday on. The days shown as covered are the
    feedback's, not the old callbacks'."""
    week = IsoWeek.of(local_date(utcnow()) - timedelta(days=7))
    for day in week.days:
        at = datetime(day.year, day.month, day.day, 15, 0, tzinfo=HKI).astimezone(UTC)
        board.store.write_readings([Reading("kajaani", "queue_handled_today", at, 12.0),
                                    Reading("kajaani", "queue_handled_same_day_today", at, 11.0)],
                                   source="vanha-jono", now=at)
    pushed = _push_week(board, week, {3: 11, 6: 19})
    first, last = min(pushed), max(pushed)
    covered = (last - first).days + 1  # Thursday's first push to Sunday's: the days the service reported
    report = weekly.week_report(board.settings, board.store, week.year, week.week, ["kajaani"])
    assert report.stations[0].days_with_data == 7  # any data: the old callbacks' too
    assert _gaps(week) == [f"Kajaanin terveysasema: tiedot {covered}/7 päivältä"]


def _week_page(week: IsoWeek, lang: str) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages/week.py"), default_timeout=60)
    at.query_params["week"] = week.key
    at.query_params["station"] = "kajaani"
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


def _chart_titles(at: AppTest) -> list[str]:
    import json

    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_feedback_only_station_gets_the_feedback_figures_and_a_line_naming_the_rest(board: Board, lang: str):
    """The evidence run's weekly view of a feedback-only station drew empty contacts and Omasote charts and a
    queue peak chart with a title and no plot. The station's one source (SOURCE) delivers feedback items, so
    the page draws feedback only and names the three other tile families once, in the page's language."""
    from board.i18n import t

    week = IsoWeek.of(local_date(utcnow()) - timedelta(days=7))
    _push_week(board, week)
    at = _week_page(week, lang)
    page = html_lib.unescape("".join(h.value for h in at.html))
    untracked = ["queue", "contacts", "omasote"]  # every wall family but the feedback SOURCE delivers
    (line,) = re.findall(r'data-untracked="([^"]*)">([^<]*)<', page)
    assert sorted(line[0].split()) == sorted(untracked)
    for family in untracked:
        assert t(f"week.family.{family}", lang) in line[1]
    assert t("week.family.feedback", lang) not in line[1]
    assert _chart_titles(at) == [t("week.chart.feedback_nps", lang)]  # the NPS by station, nothing empty
    assert [tab.label for tab in at.tabs] == [t("week.family.feedback", lang)]
    labels = [m.label for m in at.metric]  # the NPS card and the board's own page views, no empty card
    assert len(labels) == 2 and labels[0].startswith("NPS") and labels[1] == t("week.usage.views", lang), labels


def test_a_station_tracking_every_family_gets_every_chart_and_no_line(tmp_path: Path, sqlite_url: str):
    """The control: the demo source delivers all four wall families, so all six charts and no line."""
    config = write_config(tmp_path / "config")
    with pages_reading(create_board(config, sqlite_url, sign_in="off")) as b:
        week = IsoWeek.of(local_date(utcnow()) - timedelta(days=7))
        for day in week.days:
            at = datetime(day.year, day.month, day.day, 15, 0, tzinfo=HKI).astimezone(UTC)
            b.store.write_readings([Reading("kajaani", "queue_handled_today", at, 12.0),
                                    Reading("kajaani", "queue_handled_same_day_today", at, 11.0)],
                                   source="demo", now=at)
        page = _week_page(week, "fi")
        assert len(_chart_titles(page)) == 6
        assert 'data-untracked' not in "".join(h.value for h in page.html)
        assert len(page.tabs) == 4


def test_a_family_no_longer_tracked_still_shows_the_weeks_it_has_figures_for(board: Board):
    """Kajaani's callbacks came from a source removed since (or switched off for a while): its figures of last
    week are in the store. Before, the page hid the callbacks' charts and table for every past week, because no
    source tracks them now; the line named the callbacks as "not tracked" over figures that exist. Now a family
    with figures in the week is drawn; the line names only the families the week has nothing of."""
    from board.i18n import t

    week = IsoWeek.of(local_date(utcnow()) - timedelta(days=7))
    for day in week.days:
        at = datetime(day.year, day.month, day.day, 15, 0, tzinfo=HKI).astimezone(UTC)
        board.store.write_readings([Reading("kajaani", "queue_handled_today", at, 12.0),
                                    Reading("kajaani", "queue_handled_same_day_today", at, 11.0)],
                                   source="vanha-jono", now=at)
    _push_week(board, week)
    at = _week_page(week, "fi")
    page = html_lib.unescape("".join(h.value for h in at.html))
    (line,) = re.findall(r'data-untracked="([^"]*)">([^<]*)<', page)
    assert sorted(line[0].split()) == ["contacts", "omasote"]  # the callbacks have figures: not left out
    assert t("week.family.queue", "fi") in [tab.label for tab in at.tabs]
    assert t("week.chart.queue_same_day_share", "fi") in _chart_titles(at)
