"""REST sources as real callback and feedback systems deliver them, through the collector into the store.

A small API on loopback answers as such systems do: the item list nested (``{"data": {"items": [...]}}``),
paged by ``offset``/``limit`` (a page that repeats the last item of the one before, because an item arrived
between the two requests; an empty last page) or by a cursor in the body, timestamps as ISO 8601 with ``Z``,
with ``+02:00``, without an offset (Helsinki) and as epoch milliseconds, ``null`` for not handled yet,
numbers as strings, HTTP 429 with ``Retry-After``, and a feedback service's 0–10 scores beside free-text
comments and the respondent's name.

Every truth is the test's own: the items are listed here with their Helsinki times, and the figures expected
at the pull's moment are counted by hand in the comments (never by the board's code). The run ledger is
checked: read = stored + refused + ignored.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml

from board.collector import Collector
from board.domain.items import METRICS_OF, ItemType
from board.environment import read_environment
from board.settings import load_settings
from board.store import Store

KEY = "test-item-key-0123456789abcdef"
HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=HKI).astimezone(UTC)  # Monday 23.11.2026 12.00 Helsinki


def hki(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HKI)


def epoch_ms(text: str) -> int:
    """A Helsinki wall time as the epoch milliseconds a JavaScript/Java back end writes."""
    return int(hki(text).timestamp() * 1000)


# ---------------------------------------------------------------------- the API
Page = Callable[[dict[str, list[str]], int], tuple[int, dict[str, str], Any]]


@contextmanager
def api(page: Page) -> Iterator[tuple[str, list[dict[str, list[str]]]]]:
    """An HTTP server on 127.0.0.1 answering ``page(query, request_number)``: (status, headers, JSON body)."""
    seen: list[dict[str, list[str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
            seen.append(query)
            status, headers, body = page(query, len(seen))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v2", seen
    finally:
        server.shutdown()
        server.server_close()


def run(config_dir: Path, database_url: str, source: dict[str, Any]) -> tuple[Any, Store, list[float]]:
    """One collector run of ``source`` at NOW; the outcome, the store and the sleeps the collector asked for."""
    base = {"interval_seconds": 60, "stale_after_seconds": 600, "stations": ["kajaani", "sotkamo"],
            "backfill_days": 2}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [{**base, **source}]}), encoding="utf-8")
    settings = load_settings(config_dir, database_url, read_environment({"BOARD_ITEM_KEY": KEY}))
    store = Store.open(database_url)
    sleeps: list[float] = []
    collector = Collector(settings, store, clock=lambda: NOW, sleep=sleeps.append)
    (outcome,) = collector.run_once()
    return outcome, store, sleeps


def latest(store: Store, station: str, kind: ItemType) -> dict[str, float]:
    return {m: v.value for m, v in store.latest_values(station, list(METRICS_OF[kind])).items()}


def ledger(outcome: Any) -> tuple[int, int, int, int]:
    r = outcome.run
    assert r.rows_read == r.rows_stored + r.rows_refused + r.rows_ignored, r
    return r.rows_read, r.rows_stored, r.rows_refused, r.rows_ignored


CALLBACKS = {"name": "soittopyynnot", "type": "rest", "records": "data.items",
             "params": {"updatedFrom": "{since}"},
             "mapping": {"stations": {"KAJ-TA": "kajaani", "SOT-TA": "sotkamo"}},
             "deliver": "items",
             "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}",
                       "fields": {"id": "id", "station": "unit.code", "start": "createdAt", "end": "handledAt",
                                  "updated": "updatedAt"}}}


def callback(n: int, unit: str, created: Any, handled: Any) -> dict[str, Any]:
    return {"id": f"CB-{n}", "unit": {"code": unit, "name": "Kajaanin terveysasema"}, "createdAt": created,
            "handledAt": handled, "updatedAt": handled if handled is not None else created,
            "priority": "2", "note": "Soita iltapäivällä"}


#: A callback system's list, newest first, each time written another way. Helsinki times:
#: CB-1 KAJ 08.00 -> 08.30 (Z: 06.00Z), CB-2 KAJ 09.00 -> open (+02:00), CB-3 KAJ 09.30 -> 10.15 (no offset),
#: CB-4 KAJ yesterday 15.00 -> 08.10 today (epoch ms), CB-5 SOT 10.00 -> open (epoch ms), CB-6 KAJ 11.00 -> open.
LIST = [
    callback(6, "KAJ-TA", "2026-11-23T11:00:00", None),
    callback(5, "SOT-TA", epoch_ms("2026-11-23 10:00"), None),
    callback(4, "KAJ-TA", epoch_ms("2026-11-22 15:00"), epoch_ms("2026-11-23 08:10")),
    callback(3, "KAJ-TA", "2026-11-23T09:30:00", "2026-11-23T10:15:00"),
    callback(2, "KAJ-TA", "2026-11-23T09:00:00+02:00", None),
    callback(1, "KAJ-TA", "2026-11-23T06:00:00Z", "2026-11-23T06:30:00Z"),
]
#: At 12.00, counted by hand: Kajaani waits CB-2 (since 09.00, 180 min) and CB-6 (11.00); handled today CB-1,
#: CB-3, CB-4; the same day CB-1 and CB-3; carried over from yesterday CB-4. Sotkamo waits CB-5 (120 min).
KAJAANI = {"queue_waiting": 2, "queue_oldest_wait_min": 180, "queue_handled_today": 3,
           "queue_handled_same_day_today": 2, "contacts_carried_over": 1}
SOTKAMO_WAITING = 1


def test_offset_paging_with_a_repeated_item_and_every_time_shape(config_dir, sqlite_url) -> None:
    """offset/limit paging while an item arrives: the second page starts with the first page's last item."""
    arrived = callback(7, "KAJ-TA", "2026-11-23T09:59:00Z", None)  # 11.59, after the first request: read next pull

    def page(query: dict[str, list[str]], n: int) -> tuple[int, dict[str, str], Any]:
        items = LIST if n == 1 else [arrived, *LIST]  # newest first: everything moves down by one
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        return 200, {}, {"data": {"items": items[offset: offset + limit]}, "total": len(items)}

    with api(page) as (url, seen):
        outcome, store, _ = run(config_dir, sqlite_url,
                                {**CALLBACKS, "url": f"{url}/callbacks",
                                 "pagination": {"type": "offset", "param": "offset", "size_param": "limit", "size": 3}})
    assert outcome.ok, outcome.error
    assert [(q["offset"], q["limit"]) for q in seen] == [(["0"], ["3"]), (["3"], ["3"]), (["6"], ["3"])]
    # pages: CB-6,5,4 | CB-4 (again),3,2 | CB-1: 7 records, 6 items, the repeat ignored as a repeat
    assert ledger(outcome) == (7, 6, 0, 1)
    assert latest(store, "kajaani", ItemType.CALLBACKS) == KAJAANI
    assert latest(store, "sotkamo", ItemType.CALLBACKS)["queue_waiting"] == SOTKAMO_WAITING


def test_offset_paging_stops_on_an_empty_last_page(config_dir, sqlite_url) -> None:
    def page(query: dict[str, list[str]], n: int) -> tuple[int, dict[str, str], Any]:
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        return 200, {}, {"data": {"items": LIST[offset: offset + limit]}}

    with api(page) as (url, seen):
        outcome, store, _ = run(config_dir, sqlite_url,
                                {**CALLBACKS, "url": f"{url}/callbacks",
                                 "pagination": {"type": "offset", "size": 3}})
    assert outcome.ok, outcome.error
    assert [q["offset"] for q in seen] == [["0"], ["3"], ["6"]]  # the third page is empty
    assert ledger(outcome) == (6, 6, 0, 0)
    assert latest(store, "kajaani", ItemType.CALLBACKS) == KAJAANI


def test_cursor_paging(config_dir, sqlite_url) -> None:
    """The next page's cursor in the body (``meta.nextCursor``), null on the last page."""
    cursors = {"": 0, "c2": 2, "c4": 4}
    follow = {0: "c2", 2: "c4", 4: None}

    def page(query: dict[str, list[str]], n: int) -> tuple[int, dict[str, str], Any]:
        start = cursors[query.get("cursor", [""])[0]]
        return 200, {}, {"data": {"items": LIST[start: start + 2]}, "meta": {"nextCursor": follow[start]}}

    with api(page) as (url, seen):
        outcome, store, _ = run(config_dir, sqlite_url,
                                {**CALLBACKS, "url": f"{url}/callbacks",
                                 "pagination": {"type": "cursor", "path": "meta.nextCursor", "param": "cursor"}})
    assert outcome.ok, outcome.error
    assert [q.get("cursor") for q in seen] == [None, ["c2"], ["c4"]]
    assert all(q["updatedFrom"] for q in seen)  # the window goes with every page
    assert ledger(outcome) == (6, 6, 0, 0)
    assert latest(store, "kajaani", ItemType.CALLBACKS) == KAJAANI


def test_http_429_waits_as_long_as_retry_after_says(config_dir, sqlite_url) -> None:
    def page(query: dict[str, list[str]], n: int) -> tuple[int, dict[str, str], Any]:
        if n == 1:
            return 429, {"Retry-After": "7"}, {"error": "rate limited"}
        return 200, {}, {"data": {"items": LIST}}

    with api(page) as (url, seen):
        outcome, store, sleeps = run(config_dir, sqlite_url, {**CALLBACKS, "url": f"{url}/callbacks"})
    assert outcome.ok, outcome.error
    assert len(seen) == 2
    assert sleeps == [7.0]  # not the collector's own 1 s backoff, which the API would refuse again
    assert outcome.run.attempts == 2
    assert latest(store, "kajaani", ItemType.CALLBACKS) == KAJAANI


FEEDBACK = {"name": "palautteet", "type": "rest", "records": "data.answers",
            "params": {"from": "{since}"},
            "mapping": {"stations": {"KAJ-TA": "kajaani", "SOT-TA": "sotkamo"}},
            "deliver": "items",
            "items": {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
                      "fields": {"id": "answerId", "station": "unitCode", "start": "answeredAt", "score": "nps",
                                 "needs_reaction": "contactRequested"}}}

SECRET_WORDS = ["Hoitaja oli tyly", "Matti Meikäläinen", "matti.meikalainen@example.fi", "Kiitos nopeasta avusta"]


def test_feedback_scores_with_free_text_never_stored_or_logged(config_dir, sqlite_url, tmp_path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    answers = [  # answeredAt as epoch ms, nps as numbers, strings and null; free text and names beside
        {"answerId": 501, "unitCode": "KAJ-TA", "answeredAt": epoch_ms("2026-11-23 08:12"), "nps": 10,
         "comment": "Kiitos nopeasta avusta", "contactRequested": False},
        {"answerId": 502, "unitCode": "KAJ-TA", "answeredAt": epoch_ms("2026-11-23 09:40"), "nps": "9",
         "comment": None, "contactRequested": False},
        {"answerId": 503, "unitCode": "KAJ-TA", "answeredAt": epoch_ms("2026-11-23 10:05"), "nps": "3",
         "comment": "Hoitaja oli tyly", "contactRequested": True,
         "respondent": {"name": "Matti Meikäläinen", "email": "matti.meikalainen@example.fi"}},
        {"answerId": 504, "unitCode": "KAJ-TA", "answeredAt": epoch_ms("2026-11-23 10:30"), "nps": 7,
         "comment": "", "contactRequested": False},
        {"answerId": 505, "unitCode": "KAJ-TA", "answeredAt": epoch_ms("2026-11-23 11:00"), "nps": None,
         "comment": "Kiitos nopeasta avusta", "contactRequested": False},
    ]

    def page(query: dict[str, list[str]], n: int) -> tuple[int, dict[str, str], Any]:
        return 200, {}, {"data": {"answers": answers}, "paging": {"total": len(answers)}}

    caplog.set_level(logging.DEBUG)
    with api(page) as (url, _):
        outcome, store, _ = run(config_dir, sqlite_url, {**FEEDBACK, "url": f"{url}/answers"})
    assert outcome.ok, outcome.error
    # 501 and 502 promoters, 503 a detractor needing a reaction (waiting 115 min = 1.9 h at 12.00), 504
    # passive, 505 left the score empty: ignored with a reason.
    assert ledger(outcome) == (5, 4, 0, 1)
    got = latest(store, "kajaani", ItemType.FEEDBACK)
    assert got["feedback_promoters_today"] == 2
    assert got["feedback_passives_today"] == 1
    assert got["feedback_detractors_today"] == 1
    assert got["feedback_needs_reaction"] == 1
    assert got["feedback_oldest_reaction_h"] == pytest.approx(115 / 60, abs=0.02)
    logged = caplog.text + json.dumps(outcome.rejects, ensure_ascii=False)
    kept = _kept_bytes(sqlite_url)
    for word in SECRET_WORDS:
        assert word not in logged
        assert word.encode() not in kept and word.encode("utf-16-le") not in kept


def _kept_bytes(sqlite_url: str) -> bytes:
    """Every byte the SQLite store holds, its write-ahead log included."""
    path = Path(sqlite_url.split("///", 1)[1])
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_an_older_dotnet_apis_date_format(config_dir, sqlite_url) -> None:
    """ASP.NET's old JSON dates, ``/Date(ms)/`` and ``/Date(ms+0200)/`` (the milliseconds are UTC; the offset
    only says the server's zone), as a WCF service of a long-lived vendor system still answers."""
    ms = epoch_ms("2026-11-23 09:00")
    answer = [{"id": "CB-1", "unit": {"code": "KAJ-TA"}, "createdAt": f"/Date({ms})/", "handledAt": None,
               "updatedAt": f"/Date({ms}+0200)/"},
              {"id": "CB-2", "unit": {"code": "KAJ-TA"}, "createdAt": f"/Date({ms + 3_600_000}+0200)/",
               "handledAt": None, "updatedAt": f"/Date({ms + 3_600_000})/"}]

    def page(query: dict[str, list[str]], n: int) -> tuple[int, dict[str, str], Any]:
        return 200, {}, {"data": {"items": answer}}

    with api(page) as (url, _):
        outcome, store, _ = run(config_dir, sqlite_url, {**CALLBACKS, "url": f"{url}/callbacks"})
    assert outcome.ok, outcome.error
    assert ledger(outcome) == (2, 2, 0, 0)
    got = latest(store, "kajaani", ItemType.CALLBACKS)
    assert (got["queue_waiting"], got["queue_oldest_wait_min"]) == (2, 180)  # since 09.00 and 10.00, at 12.00
