"""Sources that deliver items, end to end: a real SQLite database, a real HTTP server and a drop folder of
Finnish exports, through the collector into the store; the stored figures against a truth counted by the
plain-loop reference of tests/test_items_domain.py from the test's own list of items.

Covers both ways of delivering (changes since the bookmark, where an item updated later replaces its
earlier state; snapshots, where an item missing from the snapshot is closed at its time), the privacy guard
(ids only as keyed hashes, identity codes refused, free text never stored) and pruning.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from board.collector import Collector
from board.domain import figures
from board.domain.items import METRICS_OF, Item, ItemType
from board.environment import read_environment
from board.settings import load_settings
from board.store import Store
from board.store.schema import READINGS_BY_KEY, ItemRow
from tests.loopback import loopback
from tests.test_items_domain import HKI, reconciled, truth

KEY = "test-item-key-0123456789abcdef"
CB, MSG, CON, FB = ItemType.CALLBACKS, ItemType.MESSAGES, ItemType.CONTACTS, ItemType.FEEDBACK


def local(text: str) -> datetime:
    """'2026-11-23 10:40' Helsinki time as aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=HKI).astimezone(UTC)


def configure(config_dir: Path, database_url: str, source: dict[str, Any]):
    base = {"interval_seconds": 30, "stale_after_seconds": 600, "stations": ["kajaani", "sotkamo"]}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [{**base, **source}]}), encoding="utf-8")
    return load_settings(config_dir, database_url, read_environment({"BOARD_ITEM_KEY": KEY}))


def stored(store: Store, station: str, kind: ItemType) -> dict[datetime, dict[str, float]]:
    """Every stored reading of the type's metrics for ``station``, by instant."""
    out: dict[datetime, dict[str, float]] = {}
    with store.sessions() as s:
        k = READINGS_BY_KEY.c
        for r in s.execute(select(READINGS_BY_KEY).where(k.station == station, k.metric.in_(METRICS_OF[kind]))):
            out.setdefault(r.ts, {})[r.metric] = r.value
    return out


def reconcile(store: Store, station: str, kind: ItemType, items: list[Item]) -> int:
    """Every stored instant against the reference; how many instants were compared."""
    readings = stored(store, station, kind)
    assert readings, "nothing stored"
    mine = [i for i in items if i.station == station]
    for ts, row in readings.items():
        want = truth(kind, mine, ts)
        assert row == pytest.approx(want, abs=1e-6), (ts.astimezone(HKI), row, want)
    reconciled(station=station, type=kind.value, items=len(mine), instants=len(readings),
               figures_compared=sum(len(row) for row in readings.values()))
    return len(readings)


# ------------------------------------------------------------------ sql, changes
def _callbacks_db(path: Path, rows: list[tuple]) -> None:
    con = sqlite3.connect(path)
    con.execute("create table if not exists soitot (tunnus text primary key, asema text, luotu text, hoidettu text, "
                "tulos text, muutettu text, kommentti text)")
    con.executemany("insert or replace into soitot values (?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def test_sql_callbacks_changes_update_items_and_the_figures_reconcile(config_dir, database_url, tmp_path):
    db = tmp_path / "callbacks.sqlite"
    rows = [  # tunnus, asema, luotu, hoidettu, tulos, muutettu (Helsinki time as the system writes it), kommentti
        ("CB-1", "KAJ", "2026-11-22 23:50:00", "2026-11-23 00:10:00", "HOID", "2026-11-23 00:10:00", "soita heti"),
        ("CB-2", "KAJ", "2026-11-23 08:01:00", "2026-11-23 08:20:00", "AIKA", "2026-11-23 08:20:00", None),
        ("CB-3", "KAJ", "2026-11-23 08:05:00", None, None, "2026-11-23 08:05:00", "vaikea asia"),
        ("CB-4", "SOT", "2026-11-23 09:00:00", None, None, "2026-11-23 09:00:00", None),
        ("CB-5", "KAJ", "2026-11-22 15:00:00", None, None, "2026-11-22 15:00:00", None),
    ]
    _callbacks_db(db, rows)
    settings = configure(config_dir, database_url, {
        "name": "soitot", "type": "sql", "url": f"sqlite:///{db}", "parameters_as": "text", "backfill_days": 3,
        "query": "SELECT tunnus, asema, luotu, hoidettu, tulos, muutettu, kommentti FROM soitot "
                 "WHERE muutettu >= :since AND muutettu <= :until",
        "mapping": {"stations": {"KAJ": "kajaani", "SOT": "sotkamo"}},
        "deliver": "items",
        "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "tunnus", "station": "asema", "start": "luotu", "end": "hoidettu",
                             "outcome": "tulos", "updated": "muutettu"},
                  "outcomes": {"HOID": "resolved", "AIKA": "appointment"}}})
    store = Store.open(database_url)
    now = [local("2026-11-23 10:00")]
    collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)
    (outcome,) = collector.run_once()
    assert outcome.ok, outcome.error

    def items_now(rows: list[tuple]) -> list[Item]:
        st = {"KAJ": "kajaani", "SOT": "sotkamo"}
        return [Item(CB, r[0], st[r[1]], local(r[2]), local(r[3]) if r[3] else None) for r in rows]

    reconcile(store, "kajaani", CB, items_now(rows))
    latest = store.latest_values("kajaani", list(METRICS_OF[CB]))
    values = {m: v.value for m, v in latest.items()}
    # at 10.00: CB-3 (08.05) and CB-5 (yesterday 15.00) wait; CB-1 (23.50 -> 00.10) and CB-2 handled today,
    # only CB-2 the same day; carried over from yesterday: CB-1 and CB-5
    assert values == {"queue_waiting": 2, "queue_oldest_wait_min": 19 * 60, "queue_handled_today": 2,
                      "queue_handled_same_day_today": 1, "contacts_carried_over": 2}
    assert figures.derive(values)["queue_same_day_share"] == 0.5

    # later: CB-3 handled, CB-5 handled; a new one arrives; CB-2 was in fact handled at 08.40 (corrected)
    rows2 = [("CB-3", "KAJ", "2026-11-23 08:05:00", "2026-11-23 10:30:00", "EI", "2026-11-23 10:30:00", None),
             ("CB-5", "KAJ", "2026-11-22 15:00:00", "2026-11-23 10:45:00", "HOID", "2026-11-23 10:45:00", None),
             ("CB-6", "KAJ", "2026-11-23 10:50:00", None, None, "2026-11-23 10:50:00", None),
             ("CB-2", "KAJ", "2026-11-23 08:01:00", "2026-11-23 08:40:00", "AIKA", "2026-11-23 10:55:00", None)]
    _callbacks_db(db, rows2)
    now[0] = local("2026-11-23 11:00")
    (outcome,) = collector.run_once()
    assert outcome.ok, outcome.error
    final = {r[0]: r for r in rows} | {r[0]: r for r in rows2}
    n = reconcile(store, "kajaani", CB, items_now(list(final.values())))
    assert n >= 8
    reconcile(store, "sotkamo", CB, items_now(list(final.values())))
    assert store.bookmark("soitot") == local("2026-11-23 10:55")
    from connectors import build_connector

    check = build_connector(settings.sources[0], settings).check(local("2026-11-23 11:00"))
    assert check.ok and "kajaani callbacks item" in check.message, check

    # ids only as keyed hashes, no free text anywhere in the items table
    with store.sessions() as s:
        kept = list(s.scalars(select(ItemRow)))
    assert len(kept) == 6
    dump = json.dumps([{c.name: str(getattr(r, c.name)) for c in ItemRow.__table__.columns} for r in kept])
    for text in ("CB-", "soita heti", "vaikea asia"):
        assert text not in dump
    assert {r.outcome for r in kept} == {"resolved", "appointment", None}


# ------------------------------------------------------------------ rest, snapshot
def test_rest_messages_snapshot_closes_what_vanished_at_the_snapshots_time(config_dir, database_url):
    def body(*messages: dict[str, Any]) -> bytes:
        return json.dumps({"viestit": list(messages)}).encode()

    m1 = {"id": 101, "yksikko": "kajaani", "saapunut": "2026-11-23T07:30:00+02:00", "vastattu": None}
    m2 = {"id": 102, "yksikko": "kajaani", "saapunut": "2026-11-22T21:00:00+02:00", "vastattu": None}
    m3 = {"id": 103, "yksikko": "kajaani", "saapunut": "2026-11-23T09:10:00+02:00", "vastattu": None}
    with loopback() as server:
        server.set(body(m1, m2))
        settings = configure(config_dir, database_url, {
            "name": "omasote", "type": "rest", "url": server.url, "records": "viestit",
            "deliver": "items",
            "items": {"item": "messages", "mode": "snapshot", "id_key": "${BOARD_ITEM_KEY}",
                      "fields": {"id": "id", "station": "yksikko", "start": "saapunut", "end": "vastattu"}}})
        store = Store.open(database_url)
        now = [local("2026-11-23 09:00")]
        collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)
        assert collector.run_once()[0].ok
        server.set(body(m2, m3))  # m1 answered (gone from the open list), m3 new
        now[0] = local("2026-11-23 10:00")
        (outcome,) = collector.run_once()
        assert outcome.ok, outcome.error
    items = [Item(MSG, "1", "kajaani", local("2026-11-23 07:30"), local("2026-11-23 10:00")),
             Item(MSG, "2", "kajaani", local("2026-11-22 21:00")),
             Item(MSG, "3", "kajaani", local("2026-11-23 09:10"))]
    reconcile(store, "kajaani", MSG, items)
    values = {m: v.value for m, v in store.latest_values("kajaani", list(METRICS_OF[MSG])).items()}
    assert values == {"omasote_unanswered": 2, "omasote_oldest_unanswered_h": 13, "omasote_received_today": 2,
                      "omasote_answered_today": 1}


def test_a_snapshot_with_a_refused_record_closes_nothing(config_dir, database_url):
    m1 = {"id": 1, "yksikko": "kajaani", "saapunut": "2026-11-23T07:30:00+02:00"}
    bad = {"id": 2, "yksikko": "kajaani", "saapunut": "huomenna"}
    with loopback() as server:
        server.set(json.dumps([m1]).encode())
        settings = configure(config_dir, database_url, {
            "name": "omasote", "type": "rest", "url": server.url, "deliver": "items",
            "items": {"item": "messages", "mode": "snapshot", "id_key": "${BOARD_ITEM_KEY}",
                      "fields": {"id": "id", "station": "yksikko", "start": "saapunut", "end": "vastattu"}}})
        store = Store.open(database_url)
        now = [local("2026-11-23 09:00")]
        collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)
        assert collector.run_once()[0].ok
        server.set(json.dumps([bad]).encode())
        now[0] = local("2026-11-23 10:00")
        outcome = collector.run_once()[0]
    assert not outcome.ok and "refused" in (outcome.error or "")
    assert store.latest_values("kajaani", ["omasote_unanswered"])["omasote_unanswered"].value == 1


# ------------------------------------------------------------------ files: 100 feedback answers, NPS +53
def test_files_feedback_answers_give_the_nps_of_the_answers(config_dir, database_url, tmp_path):
    import random

    rng = random.Random(53)
    scores = [rng.choice((9, 10)) for _ in range(62)] + [rng.choice((7, 8)) for _ in range(29)] + \
        [rng.randint(0, 6) for _ in range(9)]
    rng.shuffle(scores)
    lines = ["Vastaus-ID;Yksikkö;Päivämäärä;Suositteluhalukkuus;Vaatii reagointia;Vapaa palaute"]
    for n, score in enumerate(scores):
        t = datetime(2026, 11, 23, 8, 0) + timedelta(minutes=5 * n)
        needs = "Kyllä" if n in (3, 50) else "Ei"
        lines.append(f"P{n:04d};Kajaanin terveysasema;{t:%d.%m.%Y %H.%M};{score};{needs};Kiitos hyvästä palvelusta")
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "palaute.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    settings = configure(config_dir, database_url, {
        "name": "palaute", "type": "files", "folder": str(folder), "settle_seconds": 0,
        "mapping": {"stations": {"Kajaanin terveysasema": "kajaani"}},
        "deliver": "items",
        "items": {"item": "feedback", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "Vastaus-ID", "station": "Yksikkö", "start": "Päivämäärä",
                             "score": "Suositteluhalukkuus", "needs_reaction": "Vaatii reagointia"}}})
    store = Store.open(database_url)
    collector = Collector(settings, store, clock=lambda: local("2026-11-23 20:00"), sleep=lambda s: None)
    (outcome,) = collector.run_once()
    assert outcome.ok, (outcome.error, outcome.rejects)
    values = {m: v.value for m, v in store.latest_values("kajaani", list(METRICS_OF[FB])).items()}
    derived = figures.derive(values)
    assert derived["feedback_answers_today"] == 100
    assert derived["feedback_nps"] == 53
    assert values["feedback_needs_reaction"] == 2
    with store.sessions() as s:
        assert "Kiitos" not in json.dumps([str(r.__dict__) for r in s.scalars(select(ItemRow))])


# ------------------------------------------------------------------ privacy
def test_an_identity_code_anywhere_in_an_item_refuses_it_and_a_name_column_refuses_the_result(
        config_dir, database_url):
    ok = {"id": 1, "yksikko": "kajaani", "aika": "2026-11-23T08:00:00+02:00", "kanava": "puhelin"}
    hetu = {"id": 2, "yksikko": "kajaani", "aika": "2026-11-23T08:05:00+02:00", "kanava": "puhelin",
            "lisatieto": "asiakas 010190-123M"}
    with loopback() as server:
        server.set(json.dumps([ok, hetu]).encode())
        settings = configure(config_dir, database_url, {
            "name": "yhteydet", "type": "rest", "url": server.url, "deliver": "items",
            "items": {"item": "contacts", "id_key": "${BOARD_ITEM_KEY}", "channels": {"puhelin": "phone"},
                      "fields": {"id": "id", "station": "yksikko", "start": "aika", "channel": "kanava"}}})
        store = Store.open(database_url)
        (outcome,) = Collector(settings, store, clock=lambda: local("2026-11-23 09:00"),
                               sleep=lambda s: None).run_once()
    assert outcome.ok
    assert outcome.rejected == 1
    run = outcome.run  # the run ledger: each record read is a row, stored as an item or refused
    assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored) == (2, 1, 1, 0)
    (reason,) = outcome.rejects
    assert "identity code" in reason and "010190" not in reason
    assert store.latest_values("kajaani", ["contacts_phone_today"])["contacts_phone_today"].value == 1
    assert store.item_count("yhteydet") == 1


def test_the_id_key_is_required_and_secret(config_dir, database_url):
    from board.environment import ConfigError

    with pytest.raises(Exception, match="BOARD_ITEM_KEY"):
        (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [{
            "name": "x", "type": "rest", "url": "http://127.0.0.1:9/x", "deliver": "items",
            "items": {"item": "contacts", "id_key": "${BOARD_ITEM_KEY}", "fields": {"channel": "c"}}}]}))
        load_settings(config_dir, database_url, read_environment({}))
    assert ConfigError


def test_closed_items_are_pruned_after_keep_closed_days_and_their_figures_stay(config_dir, database_url):
    day1 = [{"id": n, "yksikko": "kajaani", "aika": f"2026-11-20T08:0{n}:00+02:00", "kanava": "chat"}
            for n in range(3)]
    with loopback() as server:
        server.set(json.dumps(day1).encode())
        settings = configure(config_dir, database_url, {
            "name": "yhteydet", "type": "rest", "url": server.url, "deliver": "items", "backfill_days": 5,
            "items": {"item": "contacts", "id_key": "${BOARD_ITEM_KEY}", "keep_closed_days": 2,
                      "fields": {"id": "id", "station": "yksikko", "start": "aika", "channel": "kanava"}}})
        store = Store.open(database_url)
        now = [local("2026-11-20 12:00")]
        collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)
        assert collector.run_once()[0].ok
        assert store.item_count("yhteydet") == 3
        server.set(b"[]")
        now[0] = local("2026-11-23 12:00")
        assert collector.run_once()[0].ok
    assert store.item_count("yhteydet") == 0
    day = stored(store, "kajaani", CON)
    last_of_day1 = max(ts for ts in day if ts.astimezone(HKI).date().day == 20)
    assert day[last_of_day1]["contacts_chat_today"] == 3


# ------------------------------------------------------------------ a "no date" placeholder is refused, not counted
def test_a_placeholder_date_is_refused_with_a_reason_and_the_rest_is_counted(config_dir, database_url, tmp_path):
    """A callback system writes 1900-01-01 (SQL Server's default) or 0001-01-01 (.NET's DateTime.MinValue) where
    it has no time. Taken as a time, 1900 made a callback waiting for 126 years and a first load wrote a reading
    at every midnight since; 0001-01-01 raised OverflowError, so the run failed and the source was stuck on the
    same record for good. Now each is refused with a reason an administrator can read, and the rest counts."""
    db = tmp_path / "callbacks.sqlite"
    _callbacks_db(db, [
        ("CB-1", "KAJ", "2026-11-23 08:00:00", None, None, "2026-11-23 08:00:00", None),
        ("CB-2", "KAJ", "1900-01-01 00:00:00", None, None, "2026-11-23 08:10:00", None),
        ("CB-3", "KAJ", "2026-11-23 08:20:00", "0001-01-01 00:00:00", "HOID", "2026-11-23 08:30:00", None),
    ])
    settings = configure(config_dir, database_url, {
        "name": "soitot", "type": "sql", "url": f"sqlite:///{db}", "parameters_as": "text", "backfill_days": 3,
        "query": "SELECT tunnus, asema, luotu, hoidettu, tulos, muutettu FROM soitot "
                 "WHERE muutettu >= :since AND muutettu <= :until",
        "mapping": {"stations": {"KAJ": "kajaani"}},
        "deliver": "items",
        "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "tunnus", "station": "asema", "start": "luotu", "end": "hoidettu",
                             "outcome": "tulos", "updated": "muutettu"},
                  "outcomes": {"HOID": "resolved"}}})
    store = Store.open(database_url)
    (outcome,) = Collector(settings, store, clock=lambda: local("2026-11-23 09:00"), sleep=lambda s: None).run_once()
    assert outcome.ok, outcome.error
    run = outcome.run
    assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored) == (3, 1, 2, 0)
    assert store.item_count("soitot") == 1
    values = {m: v.value for m, v in store.latest_values("kajaani", list(METRICS_OF[CB])).items()}
    assert values["queue_waiting"] == 1 and values["queue_oldest_wait_min"] == 60
    from board.web.reasons import reason_text

    (stored_run,) = store.runs("soitot")
    shown = {reason_text(r, "fi") for r in store.rejects(stored_run.id)}
    assert any("1900-01-01 on ennen vuotta 2000" in s and "'luotu'" in s for s in shown), shown
    assert any("0001-01-01 on ennen vuotta 2000" in s and "'hoidettu'" in s for s in shown), shown


def test_an_item_sources_refusals_are_recorded_masked_and_every_row_is_in_the_ledger(config_dir, database_url,
                                                                                      tmp_path):
    """The collector hands an item source's records straight to the item run (no generator around them): a
    refusal's reason must still pass the collector's masking (one line, as /sources shows it), and the ledger
    must count each row once — items told to it with the next row count (RowLedger.items_read)."""
    settings = configure(config_dir, database_url, {
        "name": "soitot", "type": "sql", "url": f"sqlite:///{tmp_path / 'unused.sqlite'}", "backfill_days": 3,
        "query": "SELECT 1 WHERE :since <= :until", "deliver": "items",
        "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}",
                  "fields": {"id": "tunnus", "station": "asema", "start": "luotu", "end": "hoidettu"}}})
    from board.domain.reading import Ignored, Rejected, RowsRead

    class Records:
        name = "soitot"

        def pull(self, since, until):
            yield Item(CB, "k1", "kajaani", local("2026-11-23 08:00"))
            yield RowsRead(1)
            yield Rejected("a value\n   on two   lines", 1)
            yield RowsRead(1)
            yield Item(CB, "k2", "kajaani", local("2026-11-23 08:10"))
            yield Item(CB, "k3", "sotkamo", local("2026-11-23 08:20"))  # a row that gave two items
            yield RowsRead(1)
            yield Ignored("row 4", "a totals row")
            yield RowsRead(1)
            yield Item(CB, "k4", "kajaani", local("2026-11-23 08:30"))
            yield RowsRead(1)

    store = Store.open(database_url)
    (outcome,) = Collector(settings, store, connectors={"soitot": Records()}, clock=lambda: local("2026-11-23 09:00"),
                           sleep=lambda s: None).run_once()
    assert outcome.ok, outcome.error
    run = outcome.run
    assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored) == (5, 3, 1, 1)
    assert store.item_count("soitot") == 4
    (stored_run,) = store.runs("soitot")
    assert store.rejects(stored_run.id) == {"a value on two lines": 1}
