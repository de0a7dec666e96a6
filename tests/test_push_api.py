"""Push ingestion and the read API over real HTTP: uvicorn on loopback, httpx as the sender and the scraper.

The truths are the test's own: which rows it made bad and how, the value it pushed, the identity code it
built by the check-character rule; the board's answers, store and wall are compared with them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from board.collector import Collector
from board.domain.figures import Family
from board.factory import Board, create_board
from board.read.wall import station_view
from board.settings import ConfigError
from tests.api_support import api_server
from tests.conftest import write_config
from tests.harness import Process, board_env, free_port, stopping, wait_for

TOKEN = "jono-token-0123456789abcdefghij"
OTHER = "muu-token-0123456789abcdefghijkl"
READ = "read-token-0123456789abcdefghijk"
PUSH = {"name": "jono", "type": "push", "token": "${JONO_TOKEN}",
        "mapping": {"station": "asema", "metric": "mittari", "time": "aika", "value": "arvo"}}


def push_config(tmp: Path, **overrides: object) -> Path:
    config = write_config(tmp / "config")
    other = {**PUSH, "name": "muu", "token": "${MUU_TOKEN}"}
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [{**PUSH, **overrides}, other]}),
                                         encoding="utf-8")
    return config


def open_push_board(tmp: Path, url: str, **overrides: object) -> Board:
    return create_board(push_config(tmp, **overrides), url, environ={"JONO_TOKEN": TOKEN, "MUU_TOKEN": OTHER})


@pytest.fixture
def board(tmp_path: Path, database_url: str) -> Iterator[Board]:
    b = open_push_board(tmp_path, database_url)
    yield b
    b.close()


@pytest.fixture
def api(board: Board) -> Iterator[str]:
    with api_server(board, READ) as base:
        yield base


def stamp(minutes_ago: float = 1) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def record(station: str = "kajaani", metric: str = "queue_waiting", value: object = 17, **extra: object) -> dict:
    return {"asema": station, "mittari": metric, "aika": stamp(), "arvo": value, **extra}


def send(api: str, body: object, token: str = TOKEN, source: str = "jono", **kw: object) -> httpx.Response:
    return httpx.post(f"{api}/push/{source}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30,
                      **kw)


def identity_code() -> str:
    """A personal identity code that passes its check character (the nine digits modulo 31)."""
    date, number = "010190", "123"
    return f"{date}-{number}{'0123456789ABCDEFHJKLMNPRSTUVWXY'[int(date + number) % 31]}"


# ------------------------------------------------------------------ push
def test_a_push_is_stored_as_a_run_and_the_wall_shows_it(api: str, board: Board) -> None:
    answer = send(api, {"records": [record(value=17), record(metric="queue_oldest_wait_min", value=42)]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["rows"] == {"read": 2, "stored": 2, "refused": 0, "ignored": 0}
    assert body["refused_rows"] == []
    tile = station_view(board.settings, board.store, "kajaani").tile(Family.QUEUE)
    assert tile.headline.value == 17 and not tile.stale
    (run,) = board.store.runs("jono")
    assert run.ok and run.rows_read == 2 and run.rows_stored == 2 and run.rows == 2


def test_a_push_wakes_the_walls_long_poll_of_its_station_only(api: str, board: Board) -> None:
    """The push -> DOM path of issue 17: a wall waits on its station's change version (board/web/changes.py);
    a push over HTTP must move it (and answer that wait) in the API's own transaction, a refused push and
    another station's wall must not move."""
    import asyncio

    from board.web.changes import Versions, Watch

    versions = Versions(board.store.change_versions, max_age=0.05)

    async def push_while_waiting(code: str, body: list, status: int = 200) -> tuple[str, str]:
        watch = Watch(lambda: versions, period=0.05)  # one per event loop, as one per web server
        since = versions.of(code)
        waiting = asyncio.ensure_future(watch.wait(code, since, timeout=3))
        await asyncio.sleep(0.2)  # the wait is registered before the push
        answer = await asyncio.to_thread(send, api, body)
        assert answer.status_code == status, answer.text
        return since, await waiting

    since, seen = asyncio.run(push_while_waiting("kajaani", [record(value=23)]))
    assert seen != since and int(seen.split(".")[0]) == int(since.split(".")[0]) + 1
    since, seen = asyncio.run(push_while_waiting("sotkamo", [record(value=24)]))  # kajaani's push
    assert seen == since  # timed out unchanged: another station's push does not wake this wall
    since, seen = asyncio.run(push_while_waiting("kajaani", [record(station="oulu")], 422))  # all refused
    assert seen == since


@pytest.mark.parametrize("headers", [{}, {"Authorization": f"Bearer {OTHER}"}, {"Authorization": f"Bearer {TOKEN}x"},
                                     {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer"}])
def test_a_push_without_the_sources_own_token_is_refused_unread(api: str, board: Board, headers: dict) -> None:
    answer = httpx.post(f"{api}/push/jono", json=[record()], headers=headers, timeout=30)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in answer.json()["fix"]
    assert board.store.runs("jono") == [] and board.store.latest_values("kajaani") == {}


def test_bad_rows_are_refused_each_with_its_reason_and_the_ledger_adds_up(api: str, board: Board) -> None:
    rows = [
        record(value=5),                                       # 1 good
        record(station="oulu"),                                # 2 unknown station
        record(metric="jonon_pituus"),                         # 3 unknown metric
        record(value=-3),                                      # 4 a count below zero
        {**record(), "aika": stamp(minutes_ago=-120)},          # 5 two hours in the future
        {"asema": "kajaani", "mittari": "queue_waiting", "aika": stamp()},  # 6 no value
        "queue_waiting=5",                                     # 7 not an object
        record(station="sotkamo", value=8),                     # 8 good
    ]
    answer = send(api, rows)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [r["row"] for r in body["refused_rows"]] == [2, 3, 4, 5, 6, 7]
    reasons = {r["row"]: r["reason"] for r in body["refused_rows"]}
    assert "oulu" in reasons[2] and "jonon_pituus" in reasons[3] and "-3" in reasons[4]
    assert "future" in reasons[5] and "arvo" in reasons[6] and "object" in reasons[7]
    assert body["rows"] == {"read": 8, "stored": 2, "refused": 6, "ignored": 0}
    (run,) = board.store.runs("jono")
    assert run.ok and run.rows_read == run.rows_stored + run.rows_refused + run.rows_ignored == 8
    assert sum(board.store.rejects(run.id).values()) == 6
    assert board.store.latest_values("kajaani")["queue_waiting"].value == 5
    assert board.store.latest_values("sotkamo")["queue_waiting"].value == 8


def test_an_identity_code_refuses_the_record_and_is_never_echoed_or_stored(api: str, board: Board) -> None:
    code = identity_code()
    answer = send(api, [record(value=3, lisatieto=f"soittopyyntö {code}")])
    assert answer.status_code == 422  # the only record refused: nothing stored, the run failed
    body = answer.json()
    assert body["ok"] is False and body["rows"] == {"read": 1, "stored": 0, "refused": 1, "ignored": 0}
    assert "identity code" in body["refused_rows"][0]["reason"]
    assert code not in answer.text
    (run,) = board.store.runs("jono")
    assert not run.ok and code not in json.dumps(board.store.rejects(run.id)) and code not in (run.error or "")
    assert board.store.latest_values("kajaani") == {}


def test_what_is_not_a_push_is_answered_with_what_to_fix(tmp_path: Path, sqlite_url: str) -> None:
    board = open_push_board(tmp_path, sqlite_url, max_body_kb=1)
    with api_server(board, READ) as api:
        big = send(api, [record(padding="x" * 2000)])
        assert big.status_code == 413 and "KB" in big.json()["error"]
        chunked = httpx.post(f"{api}/push/jono", content=iter([b"[" + b" " * 1500, b"]"]),
                             headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        assert chunked.status_code == 413  # no Content-Length: the body is counted as it comes
        text = httpx.post(f"{api}/push/jono", content=b"a;b", headers={"Authorization": f"Bearer {TOKEN}",
                                                                      "Content-Type": "text/csv"})
        assert text.status_code == 415 and "application/json" in text.json()["fix"]
        broken = httpx.post(f"{api}/push/jono", content=b'[{"asema": ', headers={
            "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]
        wrong_shape = send(api, {"rows": []})
        assert wrong_shape.status_code == 400 and '"records"' in wrong_shape.json()["error"]
        assert send(api, [record()], source="eiole").status_code == 404
        assert board.store.runs("jono") == []  # nothing that was not read is recorded as a run
    board.close()


def test_the_collector_never_pulls_a_push_source(board: Board) -> None:
    collector = Collector(board.settings, board.store)
    assert collector.run_once() == [] and board.store.runs() == []
    with pytest.raises(KeyError, match="push source"):
        collector.run_once(only="jono")


def test_a_short_push_token_is_refused_at_start(tmp_path: Path, sqlite_url: str) -> None:
    with pytest.raises(ConfigError, match="at least 24"):
        create_board(push_config(tmp_path), sqlite_url, environ={"JONO_TOKEN": "lyhyt-token", "MUU_TOKEN": OTHER})


# ------------------------------------------------------------------ read API
def test_the_read_api_shows_the_wall_publicly_and_every_reading_with_the_token(api: str, board: Board) -> None:
    assert send(api, [record(value=23), record(metric="feedback_nps", value=40)]).status_code == 200
    public = httpx.get(f"{api}/api/v1/stations", timeout=30).json()["stations"]
    kajaani = next(s for s in public if s["station"] == "kajaani")
    queue = next(t for t in kajaani["tiles"] if t["tile"] == "queue")
    assert next(f for f in queue["figures"] if f["headline"])["value"] == 23
    assert all("readings" not in s for s in public)
    assert {s["station"] for s in public} == {s.code for s in board.settings.stations}
    full = httpx.get(f"{api}/api/v1/stations", headers={"Authorization": f"Bearer {READ}"}, timeout=30).json()
    readings = next(s for s in full["stations"] if s["station"] == "kajaani")["readings"]
    assert readings["queue_waiting"]["value"] == 23 and readings["queue_waiting"]["source"] == "jono"
    wrong = httpx.get(f"{api}/api/v1/stations", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert wrong.status_code == 401


#: The Prometheus text format, line by line (https://prometheus.io/docs/instrumenting/exposition_formats/).
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"({NAME})(?:\{{((?:{LABEL})(?:,{LABEL})*)?\}})? (-?[0-9.eE+-]+|NaN|[+-]Inf)")
HELP = re.compile(rf"# HELP ({NAME}) .*")
TYPE = re.compile(rf"# TYPE ({NAME}) (gauge|counter|untyped|summary|histogram)")


def parse_exposition(text: str, openmetrics: bool) -> dict[tuple[str, frozenset], float]:
    """Every sample of an exposition, strictly: each line must be HELP, TYPE or a sample of the declared family,
    families not interleaved, label names unique, and OpenMetrics ending in ``# EOF``."""
    assert text.endswith("\n")
    lines = text.rstrip("\n").split("\n")
    if openmetrics:
        assert lines.pop() == "# EOF"
    samples: dict[tuple[str, frozenset], float] = {}
    declared: list[str] = []
    for line in lines:
        if m := HELP.fullmatch(line):
            assert m.group(1) not in declared
            declared.append(m.group(1))
        elif m := TYPE.fullmatch(line):
            assert m.group(1) == declared[-1]
        else:
            m = SAMPLE.fullmatch(line)
            assert m, f"not a sample line: {line!r}"
            assert m.group(1) == declared[-1], f"{m.group(1)} outside its family"
            pairs = re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or "")
            assert len({k for k, _ in pairs}) == len(pairs)
            key = (m.group(1), frozenset(pairs))
            assert key not in samples, f"duplicate sample {line!r}"
            samples[key] = float(m.group(3))
    return samples


def test_metrics_parse_strictly_in_both_formats_and_carry_the_pushed_value(api: str, board: Board) -> None:
    assert send(api, [record(value=31)]).status_code == 200
    figure = ("ohjaustaulu_figure", frozenset({("station", "kajaani"), ("tile", "queue"),
                                               ("figure", "queue_waiting")}))
    plain = httpx.get(f"{api}/metrics", timeout=30)
    assert plain.headers["content-type"].startswith("text/plain; version=0.0.4")
    public = parse_exposition(plain.text, openmetrics=False)
    assert public[figure] == 31
    assert not any(name == "ohjaustaulu_reading" for name, _ in public)
    om = httpx.get(f"{api}/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0",
                                              "Authorization": f"Bearer {READ}"}, timeout=30)
    assert om.headers["content-type"].startswith("application/openmetrics-text")
    full = parse_exposition(om.text, openmetrics=True)
    reading = ("ohjaustaulu_reading", frozenset({("station", "kajaani"), ("metric", "queue_waiting"),
                                                 ("source", "jono")}))
    assert full[figure] == 31 and full[reading] == 31
    assert httpx.get(f"{api}/metrics", headers={"Authorization": "Bearer nope"}, timeout=30).status_code == 401


def test_python_m_board_api_serves_push_and_read_on_loopback(tmp_path: Path, sqlite_url: str) -> None:
    """The command itself: it listens on 127.0.0.1, takes the tokens from the environment, stores a push."""
    config = push_config(tmp_path)
    port = free_port()
    env = board_env(config, sqlite_url, JONO_TOKEN=TOKEN, MUU_TOKEN=OTHER, BOARD_API_TOKEN=READ)
    proc = Process(["api", "--port", str(port)], env, tmp_path / "api.log")
    base = f"http://127.0.0.1:{port}"
    with stopping(proc):
        up = wait_for(lambda: _answers(f"{base}/healthz") or not proc.alive(), 60)
        assert up and proc.alive(), proc.tail()
        assert send(base, [record(value=12)]).status_code == 200
        full = httpx.get(f"{base}/api/v1/stations", headers={"Authorization": f"Bearer {READ}"}, timeout=30)
        readings = next(s for s in full.json()["stations"] if s["station"] == "kajaani")["readings"]
        assert readings["queue_waiting"]["value"] == 12
    assert TOKEN not in proc.tail(100_000) and READ not in proc.tail(100_000)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_key_repeated_in_one_push_with_another_value_is_refused_and_the_first_kept(api: str, board: Board) -> None:
    first = record(value=9)
    answer = send(api, [first, {**first}, {**first, "arvo": 11}])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["rows"] == {"read": 3, "stored": 1, "refused": 1, "ignored": 1}
    assert [r["row"] for r in body["refused_rows"]] == [3]
    assert board.store.latest_values("kajaani")["queue_waiting"].value == 9


def test_a_push_of_items_is_counted_into_figures_with_the_same_guard(tmp_path: Path, sqlite_url: str) -> None:
    """deliver: items on a push source: the records are items (ids kept only as keyed hashes), counted by the
    board; one holding an identity code is refused with its position."""
    items = {"item": "contacts", "id_key": "${ITEM_KEY}", "channels": {"puhelin": "phone", "chat": "chat"},
             "fields": {"id": "id", "station": "yksikko", "start": "aika", "channel": "kanava"}}
    config = push_config(tmp_path, deliver="items", items=items)
    board = create_board(config, sqlite_url, environ={"JONO_TOKEN": TOKEN, "MUU_TOKEN": OTHER, "ITEM_KEY": "k" * 32})
    now = datetime.now(UTC) - timedelta(seconds=20)
    contacts = [{"id": f"YH-{n}", "yksikko": "kajaani", "aika": now.isoformat(), "kanava": channel}
                for n, channel in enumerate(["puhelin", "puhelin", "chat", "puhelin"], start=1)]
    contacts[3]["lisatieto"] = f"asiakas {identity_code()}"
    with api_server(board, READ) as api:
        answer = send(api, contacts)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["rows"] == {"read": 4, "stored": 3, "refused": 1, "ignored": 0}
    assert [r["row"] for r in body["refused_rows"]] == [4] and identity_code() not in answer.text
    values = board.store.latest_values("kajaani", ["contacts_phone_today", "contacts_chat_today"])
    assert values["contacts_phone_today"].value == 2 and values["contacts_chat_today"].value == 1
    assert board.store.item_count("jono") == 3
    board.close()


def test_the_sources_page_shows_a_push_as_a_run_and_says_the_source_pushes(api: str, board: Board) -> None:
    from board.read.sources import source_statuses
    from board.web.sources_html import render_card

    assert send(api, [record(value=4), record(station="oulu")]).status_code == 200
    status = next(s for s in source_statuses(board.settings, board.store) if s.source.name == "jono")
    assert status.health.value == "partial" and status.last_run is not None
    card = render_card(status, "en")
    assert "Pushes to the board" in card and "sends at least every" in card and "pulled every" not in card
    assert "Lähettää itse" in render_card(status, "fi")


def test_manager_only_figures_never_reach_the_public_read_api(api: str, board: Board) -> None:
    """Access to care and employee feedback are never on the wall (board/domain/access.py): without the read
    token neither the JSON nor /metrics may carry them; with it they are there."""
    private = [record(metric="access_assessments_today", value=37), record(metric="staff_promoters_today", value=6)]
    assert send(api, private).status_code == 200
    for path in ("/api/v1/stations", "/metrics"):
        public = httpx.get(f"{api}{path}", timeout=30).text
        assert "access_" not in public and "staff_" not in public, path
        full = httpx.get(f"{api}{path}", headers={"Authorization": f"Bearer {READ}"}, timeout=30).text
        assert "access_assessments_today" in full and "staff_promoters_today" in full, path


def test_concurrent_pushes_are_each_one_run_and_nothing_is_lost(api: str, board: Board) -> None:
    """Eight senders at once, to two sources: every push answered 200, one run each, every reading stored."""
    from concurrent.futures import ThreadPoolExecutor

    codes = [s.code for s in board.settings.stations][:4]

    def one(n: int) -> int:
        source, token = ("jono", TOKEN) if n % 2 else ("muu", OTHER)
        rows = [{**record(station=code, value=n), "aika": stamp(minutes_ago=1 + n / 60)} for code in codes]
        return send(api, rows, token=token, source=source).status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(one, range(8))) == [200] * 8
    runs = board.store.runs()
    assert len(runs) == 8 and all(r.ok and r.rows_stored == len(codes) for r in runs)
    assert {r.source for r in runs} == {"jono", "muu"}
