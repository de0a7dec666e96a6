"""The read API says "not tracked" where the wall says "Ei seurata" and ``board status`` says ``tracked: false``.

Before, ``/api/v1/stations`` and ``/metrics`` gave ``no_data`` for a tile no enabled source is configured to
deliver for a station (a station fed by a callbacks source alone had three ``no_data`` tiles), so a
monitoring system alerting on ``no_data`` fired where the wall and ``board status`` see no fault. Over real
HTTP (uvicorn on loopback): a callback system pushes its callback requests as JSON; an Omasote source is
configured for one station but has sent nothing (a fault: ``no_data``). The truth is the test's own
configuration: which item type feeds which station, and the tile each item type fills (README, *Figures
from items*).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from board.cli_status import status_record
from board.factory import Board, create_board
from board.read.overview import all_station_views
from board.web.wall_html import render_tile
from tests.api_support import api_server
from tests.conftest import write_config
from tests.test_push_api import parse_exposition

TOKEN = "soitto-token-0123456789abcdefghij"
OMA = "omasote-token-0123456789abcdefghi"
KEY = "api-item-key-0123456789abcdef"
#: source -> (its item type, the tile that item type fills, the stations it is configured for)
FEEDS = {"soitot": ("callbacks", "queue", ["kajaani", "sotkamo"]),
         "viestit": ("messages", "omasote", ["sotkamo"])}
TILES = ("queue", "contacts", "omasote", "feedback")


def _source(name: str, token: str) -> dict[str, object]:
    item, _tile, stations = FEEDS[name]
    return {"name": name, "type": "push", "token": token, "stations": stations, "deliver": "items",
            "items": {"item": item, "id_key": "${ITEM_KEY}",
                      "fields": {"id": "id", "station": "yksikko", "start": "luotu", "end": "hoidettu"}}}


@pytest.fixture
def board(tmp_path: Path, database_url: str) -> Iterator[Board]:
    config = write_config(tmp_path / "config")
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [_source("soitot", "${SOITTO_TOKEN}"),
                                                                     _source("viestit", "${OMA_TOKEN}")]}),
                                         encoding="utf-8")
    # every station open: a closed station's tiles say "closed" whatever is tracked (no hour of day matters)
    b = create_board(config, database_url, environ={"SOITTO_TOKEN": TOKEN, "OMA_TOKEN": OMA, "ITEM_KEY": KEY,
                                                    "BOARD_ALWAYS_OPEN": "1"})
    yield b
    b.close()


def _expected_untracked(code: str) -> set[str]:
    """The tiles of ``code`` no configured source feeds: the truth from the configuration above."""
    return set(TILES) - {tile for _item, tile, stations in FEEDS.values() if code in stations}


def test_the_read_api_says_not_tracked_where_the_wall_says_ei_seurata(board: Board) -> None:
    now = datetime.now(UTC)
    # the callback system's webhook: three requests per station, one handled, as it sends them (ISO, offset)
    requests = [{"id": f"TS-{code[:3].upper()}-{n}", "yksikko": code,
                 "luotu": (now - timedelta(minutes=40 - n)).isoformat(),
                 "hoidettu": (now - timedelta(minutes=5)).isoformat() if n == 0 else None}
                for code in FEEDS["soitot"][2] for n in range(3)]
    with api_server(board) as api:
        pushed = httpx.post(f"{api}/push/soitot", json=requests, headers={"Authorization": f"Bearer {TOKEN}"},
                            timeout=30)
        assert pushed.status_code == 200, pushed.text
        stations = {s["station"]: s for s in httpx.get(f"{api}/api/v1/stations", timeout=30).json()["stations"]}
        scraped = parse_exposition(httpx.get(f"{api}/metrics", headers={
            "Accept": "application/openmetrics-text; version=1.0.0"}, timeout=30).text, openmetrics=True)

    tile_status = {(dict(labels)["station"], dict(labels)["tile"]): dict(labels)["status"]
                   for (name, labels), value in scraped.items() if name == "ohjaustaulu_tile_status" and value == 1}
    views = {v.station.code: v for v in all_station_views(board.settings, board.store, datetime.now(UTC))}
    for code in ("kajaani", "sotkamo", "kuhmo"):
        tiles = {t["tile"]: t for t in stations[code]["tiles"]}
        untracked = _expected_untracked(code)
        assert {k for k, t in tiles.items() if t["status"] == "not_tracked"} == untracked, code
        assert {k for k, t in tiles.items() if not t["tracked"]} == untracked, code
        assert all(f["status"] == "not_tracked" for k in untracked for f in tiles[k]["figures"]), code
        assert {tile for (st, tile), status in tile_status.items() if st == code and status == "not_tracked"} \
            == untracked, code
        # the same as ``board status`` and the wall
        record = {t["family"]: t["tracked"] for t in status_record(views[code], datetime.now(UTC))["tiles"]}
        assert {k for k, tracked in record.items() if not tracked} == untracked, code
        for tile in views[code].tiles:
            html = render_tile(tile, views[code], "fi")
            assert ("Ei seurata" in html) == (tile.family.value in untracked), (code, tile.family)
    # fed tiles have their figures: callbacks counted from the pushed requests (two waiting at each station)
    for code in FEEDS["soitot"][2]:
        queue = next(t for t in stations[code]["tiles"] if t["tile"] == "queue")
        assert queue["status"] not in ("no_data", "not_tracked")
        assert next(f for f in queue["figures"] if f["headline"])["value"] == sum(
            1 for r in requests if r["yksikko"] == code and r["hoidettu"] is None)
    # a configured source that has sent nothing is a fault, still ``no_data``
    omasote = next(t for t in stations["sotkamo"]["tiles"] if t["tile"] == "omasote")
    assert omasote["status"] == "no_data" and omasote["tracked"]
    assert tile_status[("sotkamo", "omasote")] == "no_data"
