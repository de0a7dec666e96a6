"""A figure no source delivers for a station is "not tracked", not missing data; a configured source that is
silent still is missing data (board/read/tracked.py).

The case a shift lead met: a station fed by a callbacks source alone, its callbacks fine (none waiting, all
handled the same day), showed "Ei tietoa" as its overview row because its Omasote, contacts and feedback tiles
had nothing, and ``board status`` failed for it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from board.cli_status import status_record
from board.domain.metrics import Family
from board.domain.reading import Reading
from board.domain.status import Status
from board.read import overview
from board.read.tracked import tracked_families
from board.settings import load_settings
from board.store import Store
from board.web.wall_html import render_tile

MONDAY = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 10.30 in Helsinki, a working day with no holiday
KEY = "k" * 32


def _items_source(name: str, item: str, stations: list[str], folder: Path, **fields: str) -> dict[str, object]:
    return {"name": name, "type": "files", "folder": str(folder), "stations": stations, "deliver": "items",
            "interval_seconds": 60, "stale_after_seconds": 900,
            "items": {"item": item, "id_key": KEY, "fields": {"id": "id", "station": "station", "start": "start",
                                                              **fields}}}


def _settings(config_dir: Path, sqlite_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    for d in ("callbacks", "messages"):
        (tmp_path / d).mkdir()
    sources = [
        # kajaani and sotkamo have callbacks; sotkamo also has an Omasote source that has delivered nothing yet.
        _items_source("soitot", "callbacks", ["kajaani", "sotkamo"], tmp_path / "callbacks", end="end"),
        _items_source("omasote", "messages", ["sotkamo"], tmp_path / "messages", end="end"),
    ]
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    # every station open all day, on holidays too: the test does not depend on the hour or the calendar
    stations = yaml.safe_load((config_dir / "stations.yaml").read_text(encoding="utf-8"))
    for s in stations["stations"]:
        s["opening_hours"] = {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        s["open_on_holidays"] = True
    (config_dir / "stations.yaml").write_text(yaml.safe_dump(stations, allow_unicode=True), encoding="utf-8")
    return load_settings(config_dir, sqlite_url)


def _fine_callbacks(store: Store, code: str) -> None:
    """None waiting, 12 handled today, all of them the same day they came: 100 %."""
    values = {"queue_waiting": 0, "queue_oldest_wait_min": 0, "queue_handled_today": 12,
              "queue_handled_same_day_today": 12, "contacts_carried_over": 0}
    store.write_readings([Reading(code, m, MONDAY, float(v)) for m, v in values.items()], source="soitot",
                         now=MONDAY)


def test_a_station_fed_by_callbacks_alone_is_judged_by_its_callbacks(config_dir: Path, sqlite_url: str,
                                                                      tmp_path: Path):
    settings = _settings(config_dir, sqlite_url, tmp_path)
    store = Store.open(sqlite_url)
    for code in ("kajaani", "sotkamo"):
        _fine_callbacks(store, code)
    assert tracked_families(settings, "kajaani") == {Family.QUEUE}
    assert tracked_families(settings, "sotkamo") == {Family.QUEUE, Family.OMASOTE}
    views = {v.station.code: v for v in overview.all_station_views(settings, store, MONDAY)}
    rows = {r.code: r for r in overview.overview_rows(views.values())}
    queue = views["kajaani"].tile(Family.QUEUE)
    assert queue.status is Status.OK and queue.headline.value == 0
    # the tiles nobody delivers here are still empty, but they are no fault: the row is its callbacks' status
    assert views["kajaani"].tile(Family.OMASOTE).status is Status.NO_DATA
    assert rows["kajaani"].status is Status.OK
    # a configured source that is silent is a fault: sotkamo's Omasote source has delivered nothing
    assert rows["sotkamo"].status is Status.NO_DATA
    # a station no source serves at all has no data
    assert rows["kuhmo"].status is Status.NO_DATA
    # worst first: the silent source's station before the fine one
    order = [r.code for r in overview.worst_first(list(rows.values()))]
    assert order.index("sotkamo") < order.index("kajaani")

    # the wall says which: "not tracked" for kajaani's Omasote tile, "no data" for sotkamo's
    kajaani_omasote = render_tile(views["kajaani"].tile(Family.OMASOTE), views["kajaani"], "fi")
    sotkamo_omasote = render_tile(views["sotkamo"].tile(Family.OMASOTE), views["sotkamo"], "fi")
    assert "Ei seurata" in kajaani_omasote and 'data-tracked="false"' in kajaani_omasote
    assert "Ei tietoa" not in kajaani_omasote
    assert "Ei tietoa" in sotkamo_omasote and "data-tracked" not in sotkamo_omasote

    # ``board status`` (its JSON and its exit code) tells the same apart
    record = {t["family"]: t for t in status_record(views["kajaani"], MONDAY)["tiles"]}
    assert record["queue"]["tracked"] and not record["omasote"]["tracked"]
    assert {t["family"]: t["tracked"] for t in status_record(views["sotkamo"], MONDAY)["tiles"]}["omasote"]


def test_a_source_passing_names_through_tracks_every_tile(config_dir: Path, sqlite_url: str):
    """A readings source without a metric mapping may deliver anything: every tile it serves is tracked."""
    settings = load_settings(config_dir, sqlite_url)  # the demo source: the wall's figures for every station
    assert tracked_families(settings, "kajaani") == {Family.QUEUE, Family.CONTACTS, Family.OMASOTE,
                                                     Family.FEEDBACK}
