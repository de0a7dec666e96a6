"""Push senders as they really send: a batch with one bad record among good ones, a batch sent again after a
lost answer, an older state of an item arriving after a newer one, and a gzip-compressed body.

Over real HTTP (uvicorn on loopback, httpx as the sender). The times are a few minutes before the test's own
"now" and the figures asserted are the ones that do not depend on the day (waiting now, items kept), so the
tests hold at any hour, midnight included. Truths are counted by hand from the records sent.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from board.factory import Board, create_board
from tests.api_support import api_server
from tests.test_push_api import OTHER, READ, TOKEN, push_config

ITEMS = {"item": "callbacks", "id_key": "${ITEM_KEY}",
         "fields": {"id": "pyyntoId", "station": "yksikko", "start": "luotu", "end": "hoidettu",
                    "updated": "muutettu"}}


@pytest.fixture
def board(tmp_path: Path, sqlite_url: str) -> Iterator[Board]:
    config = push_config(tmp_path, deliver="items", items=ITEMS, mapping={"stations": {"KAJ": "kajaani"}})
    b = create_board(config, sqlite_url, environ={"JONO_TOKEN": TOKEN, "MUU_TOKEN": OTHER, "ITEM_KEY": "k" * 32})
    yield b
    b.close()


@pytest.fixture
def api(board: Board) -> Iterator[str]:
    with api_server(board, READ) as base:
        yield base


def ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).replace(microsecond=0).isoformat()


def callback(n: int, created: int, handled: int | None = None, station: str = "KAJ") -> dict[str, Any]:
    """A callback created ``created`` minutes ago, handled ``handled`` minutes ago (None: waiting)."""
    return {"pyyntoId": f"CB-{n}", "yksikko": station, "luotu": ago(created),
            "hoidettu": ago(handled) if handled is not None else None,
            "muutettu": ago(handled if handled is not None else created)}


def post(api: str, content: bytes, **headers: str) -> httpx.Response:
    return httpx.post(f"{api}/push/jono", content=content, timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", **headers})


def waiting(board: Board) -> float:
    return board.store.latest_values("kajaani", ["queue_waiting"])["queue_waiting"].value


def test_one_bad_record_among_good_ones_is_refused_with_its_position_and_the_rest_kept(api: str,
                                                                                       board: Board) -> None:
    batch = [callback(1, 30), callback(2, 25), {**callback(3, 20), "yksikko": None}, callback(4, 15, 5)]
    answer = post(api, json.dumps(batch).encode())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["rows"] == {"read": 4, "stored": 3, "refused": 1, "ignored": 0}
    assert [(r["row"], "'yksikko' is empty" in r["reason"]) for r in body["refused_rows"]] == [(3, True)]
    assert waiting(board) == 2  # CB-1 and CB-2; CB-4 handled
    assert board.store.item_count("jono") == 3


def test_a_batch_sent_again_counts_nothing_twice(api: str, board: Board) -> None:
    batch = json.dumps([callback(1, 30), callback(2, 25), callback(3, 20, 10)]).encode()
    first, again = post(api, batch), post(api, batch)  # the sender lost the first answer and sends again
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert waiting(board) == 2
    assert board.store.item_count("jono") == 3


def test_an_older_state_arriving_after_a_newer_one_changes_nothing(api: str, board: Board) -> None:
    newer = [callback(1, 30, 5)]  # handled 5 minutes ago
    older = [callback(1, 30)]  # its state before, sent late (a retry queue emptied out of order)
    assert post(api, json.dumps(newer).encode()).status_code == 200
    assert post(api, json.dumps(older).encode()).status_code == 200
    assert waiting(board) == 0


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_body_is_read(api: str, board: Board, encoding: str) -> None:
    raw = json.dumps([callback(1, 30), callback(2, 25)]).encode()
    body = gzip.compress(raw) if encoding == "gzip" else zlib.compress(raw)
    answer = post(api, body, **{"Content-Encoding": encoding})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"]["stored"] == 2
    assert waiting(board) == 2


def test_a_compressed_body_is_bounded_by_max_body_kb_once_inflated(api: str, board: Board) -> None:
    # 1 MB of spaces around a record: 1 KB compressed, over the default 1024 KB once inflated
    bomb = gzip.compress(b"[" + b" " * (1100 * 1024) + json.dumps(callback(1, 30)).encode() + b"]")
    assert len(bomb) < 10_000
    answer = post(api, bomb, **{"Content-Encoding": "gzip"})
    assert answer.status_code == 413, answer.text
    assert board.store.item_count("jono") == 0


def test_an_encoding_not_taken_is_said(api: str, board: Board) -> None:
    answer = post(api, b"\x00\x01", **{"Content-Encoding": "br"})
    assert answer.status_code == 415, answer.text
    assert "gzip" in answer.json()["fix"]
    broken = post(api, b"not gzip at all", **{"Content-Encoding": "gzip"})
    assert broken.status_code == 400 and "gzip" in broken.json()["error"]
