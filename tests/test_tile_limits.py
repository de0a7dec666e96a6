"""The machine outputs say whether a tile has limits at all, as the wall does by showing it no badge.

Since e1d5563 a tile none of whose figures has limits (contacts as shipped) shows no judgement badge on the wall,
but ``board status --json``, ``/api/v1/stations`` and ``/metrics`` said only ``neutral``: the same word as a tile
with limits that could not be judged now (an NPS from two answers). A monitoring system could not tell "never
judged" from "could not judge". Each now says it: ``"limits": false`` in the JSON, ``ohjaustaulu_tile_limits`` 0
in the exposition, added beside the old fields (existing consumers read what they read before).

The truth is the configuration itself: a tile has limits at a station when a threshold of ``metrics.yaml``
(region-wide, or the station's override) names one of the tile's figures, read from the YAML here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from board.factory import Board, create_board
from tests.api_support import api_server
from tests.conftest import write_config
from tests.test_cli import board as run_board
from tests.test_push_api import parse_exposition

#: The figures on each wall tile, as the README's table of tiles lists them (headline first).
TILE_FIGURES = {
    "queue": {"queue_waiting", "queue_oldest_wait_min", "queue_handled_today", "queue_same_day_share",
              "contacts_carried_over"},
    "contacts": {"contacts_total_today", "contacts_phone_today", "contacts_omasote_today", "contacts_chat_today",
                 "contacts_visit_today", "contacts_remote_share"},
    "omasote": {"omasote_unanswered", "omasote_oldest_unanswered_h", "omasote_received_today",
                "omasote_answered_today"},
    "feedback": {"feedback_nps", "feedback_answers_today", "feedback_needs_reaction", "feedback_oldest_reaction_h"},
}
#: Paltamo judges its remote share (an override of its own): its contacts tile has limits, no other station's.
OVERRIDE = {"contacts_remote_share": {"amber": 0.35, "red": 0.25, "direction": "lower_is_worse"}}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    config = write_config(tmp_path / "config")
    metrics = yaml.safe_load((config / "metrics.yaml").read_text(encoding="utf-8"))
    metrics.setdefault("station_overrides", {}).setdefault("paltamo", {}).update(OVERRIDE)
    (config / "metrics.yaml").write_text(yaml.safe_dump(metrics), encoding="utf-8")
    return config


@pytest.fixture
def opened(config: Path, sqlite_url: str) -> Iterator[Board]:
    b = create_board(config, sqlite_url)
    yield b
    b.close()


def _limits(config: Path) -> dict[tuple[str, str], bool]:
    """(station, tile) -> whether a threshold of metrics.yaml names one of the tile's figures there."""
    metrics = yaml.safe_load((config / "metrics.yaml").read_text(encoding="utf-8"))
    stations = [s["code"] for s in yaml.safe_load((config / "stations.yaml").read_text(encoding="utf-8"))["stations"]]
    out = {}
    for code in stations:
        limited = set(metrics["thresholds"]) | set((metrics.get("station_overrides") or {}).get(code) or {})
        for tile, figures in TILE_FIGURES.items():
            out[(code, tile)] = bool(limited & figures)
    return out


def test_status_json_and_the_read_api_say_whether_a_tile_has_limits(config: Path, sqlite_url: str,
                                                                     opened: Board) -> None:
    truth = _limits(config)
    assert truth[("kajaani", "contacts")] is False and truth[("paltamo", "contacts")] is True
    assert truth[("kajaani", "queue")] is True

    status = run_board("status", "--json", config_dir=config, db=sqlite_url)
    assert status.stdout, status.stderr
    from_cli = {(st["station"], t["family"]): t for st in json.loads(status.stdout)["stations"]
                for t in st["tiles"]}
    assert {k: t["limits"] for k, t in from_cli.items()} == truth
    assert all("tracked" in t and "status" in t for t in from_cli.values())  # the old fields stay
    text = run_board("status", "--station", "kajaani", config_dir=config, db=sqlite_url).stdout
    contacts_line = next(line for line in text.splitlines() if line.strip().startswith("contacts"))
    assert "no limits: never judged" in contacts_line

    with api_server(opened) as api:
        stations = httpx.get(f"{api}/api/v1/stations", timeout=60).json()["stations"]
        scraped = parse_exposition(httpx.get(f"{api}/metrics", headers={
            "Accept": "application/openmetrics-text; version=1.0.0"}, timeout=60).text, openmetrics=True)
        plain = parse_exposition(httpx.get(f"{api}/metrics", timeout=60).text, openmetrics=False)
    assert {(s["station"], t["tile"]): t["limits"] for s in stations for t in s["tiles"]} == truth
    for exposition in (scraped, plain):
        gauge = {(dict(labels)["station"], dict(labels)["tile"]): value
                 for (name, labels), value in exposition.items() if name == "ohjaustaulu_tile_limits"}
        assert gauge == {k: float(v) for k, v in truth.items()}
        # the status family is as it was: one series per tile, labels station, tile, status
        statuses = [dict(labels) for (name, labels), _v in exposition.items() if name == "ohjaustaulu_tile_status"]
        assert len(statuses) == len(truth) and all(set(s) == {"station", "tile", "status"} for s in statuses)
