"""Shares a source states (issue 13): stored as their own figures, shown where the derived share is when the
counts are missing; derived from counts wins when both are there; never used over a period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from board.domain.figures import METRICS, derive, value_of
from board.domain.reading import Reading
from board.read.wall import station_view
from board.source_settings import FilesSource
from board.web.wall_html import render_wall
from connectors.files import FilesConnector

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 11.00 Helsinki: open


def test_the_stated_shares_are_stored_figures_with_the_share_range() -> None:
    for code in ("queue_same_day_share_stated", "contacts_remote_share_stated"):
        assert code in METRICS and METRICS[code].unit == "share"


def test_derived_from_counts_wins_and_the_stated_share_fills_in_only_without_counts() -> None:
    counts = {"queue_handled_same_day_today": 45.0, "queue_handled_today": 50.0}
    assert derive(counts)["queue_same_day_share"] == 0.9                                   # 45 / 50
    both = {**counts, "queue_same_day_share_stated": 0.5}
    assert derive(both)["queue_same_day_share"] == 0.9                                     # counts win
    assert value_of("queue_same_day_share", both) == 0.9
    stated = {"queue_same_day_share_stated": 0.836}
    assert derive(stated)["queue_same_day_share"] == 0.836                                 # only the share
    assert value_of("queue_same_day_share", stated) == 0.836
    assert derive(stated, period=True)["queue_same_day_share"] is None                     # never over a period
    remote = {"contacts_remote_share_stated": 0.61}
    assert derive(remote)["contacts_remote_share"] == 0.61
    channels = {"contacts_phone_today": 20.0, "contacts_omasote_today": 6.0, "contacts_chat_today": 4.0,
                "contacts_visit_today": 10.0}
    assert derive({**remote, **channels})["contacts_remote_share"] == 0.75                 # 30 of 40 remote


def _queue_tile(html: str) -> str:
    return html.split('data-family="queue"')[1].split("</section>")[0]


def test_the_wall_shows_the_stated_share_where_the_derived_one_is(settings, store) -> None:
    t = NOW - timedelta(minutes=2)
    store.write_readings([Reading("paltamo", "queue_waiting", t, 3),
                          Reading("paltamo", "queue_same_day_share_stated", t, 0.836)], source="demo", now=NOW)
    tile = _queue_tile(render_wall(station_view(settings, store, "paltamo", NOW)))
    assert 'data-figure="queue_same_day_share" data-value="0.836"' in tile  # the stated share, where the derived is
    store.write_readings([Reading("paltamo", "queue_handled_today", t, 50),
                          Reading("paltamo", "queue_handled_same_day_today", t, 45)], source="demo", now=NOW)
    tile = _queue_tile(render_wall(station_view(settings, store, "paltamo", NOW)))
    assert 'data-figure="queue_same_day_share" data-value="0.9"' in tile  # now the counts win: 45 / 50


def test_an_export_with_a_percent_column_stores_the_stated_share(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "jono.csv").write_bytes("Asema;Aika;Jonossa;Samana päivänä (%)\r\n"
                                     "kajaani;23.11.2026 10.00;4;83,6\r\n".encode("cp1252"))
    source = FilesSource.model_validate({
        "name": "jono", "type": "files", "folder": str(inbox), "settle_seconds": 0,
        "mapping": {"layout": "wide", "station": "Asema", "time": "Aika",
                    "metrics": {"Jonossa": "queue_waiting", "Samana päivänä (%)": "queue_same_day_share_stated"}}})
    readings = [i for i in FilesConnector(source, ["kajaani"]).pull(None, NOW) if isinstance(i, Reading)]
    assert {(r.metric, round(r.value, 6)) for r in readings} == {("queue_waiting", 4.0),
                                                               ("queue_same_day_share_stated", 0.836)}
