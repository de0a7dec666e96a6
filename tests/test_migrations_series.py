"""Migration 0017 (readings keyed by series): a store written before it reads the same figures after it, and back.

The store is made at revision 0016 and filled as the board wrote it then: readings keyed by (station, metric, ts)
from two sources (a queue system every five minutes over two Helsinki days, and a later push re-delivering some
of its instants with other values: the later write is what is stored), the day roll-ups and the newest rows those
writes kept. Every truth below is computed from that list of deliveries in plain Python, not by the board.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic import command

from board.domain.reading import Reading
from board.store import Store, UTCDateTime, make_engine

HELSINKI = ZoneInfo("Europe/Helsinki")
STATIONS = ("kajaani", "paltamo", "sotkamo")
METRICS = ("queue_waiting", "callbacks_handled_today")
#: 21.00 Helsinki on 23 Nov to 03.00 on 25 Nov: two midnights inside the deliveries.
FIRST = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
STEPS = 30 * 12  # five-minute readings over 30 hours


def _config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    from board import store

    config = Config()
    config.set_main_option("script_location", str(store.MIGRATIONS))
    return config


def _deliveries() -> list[tuple[str, str, str, datetime, float]]:
    """(source, station, metric, ts, value) in the order written: the queue system's, then the push's."""
    out = []
    for i in range(STEPS):
        ts = FIRST + timedelta(minutes=5 * i)
        for k, station in enumerate(STATIONS):
            out.append(("jono", station, "queue_waiting", ts, float((i * (k + 3)) % 17)))
            out.append(("jono", station, "callbacks_handled_today", ts, float(i // (k + 2))))
    for i in range(0, STEPS, 7):  # the push re-delivers every seventh instant of one station, with other values
        out.append(("push", "paltamo", "queue_waiting", FIRST + timedelta(minutes=5 * i), float(20 + i % 5)))
    return out


def _stored(deliveries: list[tuple[str, str, str, datetime, float]]) -> dict[tuple[str, str, datetime], tuple]:
    """What the store holds: per key the last delivery's value and source (an upsert by key)."""
    out: dict[tuple[str, str, datetime], tuple] = {}
    for source, station, metric, ts, value in deliveries:
        out[(station, metric, ts)] = (value, source)
    return out


def _fill_at_0016(engine: sa.Engine) -> dict[tuple[str, str, datetime], tuple]:
    deliveries = _deliveries()
    stored = _stored(deliveries)
    at = FIRST + timedelta(minutes=5 * STEPS)
    readings = sa.table("readings", sa.column("station"), sa.column("metric"), sa.column("ts", UTCDateTime()),
                        sa.column("value"), sa.column("source"), sa.column("collected_at", UTCDateTime()))
    daily = sa.table("daily_readings", sa.column("station"), sa.column("day", sa.Date()), sa.column("metric"),
                     sa.column("last_ts", UTCDateTime()), sa.column("last_value"), sa.column("max_ts", UTCDateTime()),
                     sa.column("max_value"))
    newest = sa.table("newest_readings", sa.column("source"), sa.column("station"), sa.column("metric"),
                      sa.column("ts", UTCDateTime()), sa.column("value"), sa.column("value_source"))
    days: dict[tuple[str, str, date], list] = {}
    for (station, metric, ts), (value, _) in sorted(stored.items()):
        key = (station, metric, ts.astimezone(HELSINKI).date())
        day = days.setdefault(key, [ts, value, ts, value])
        day[0], day[1] = ts, value  # sorted by time: the last so far
        if value >= day[3]:  # the latest of equal highest values
            day[2], day[3] = ts, value
    last_of: dict[tuple[str, str, str], datetime] = {}
    for source, station, metric, ts, _ in deliveries:
        last_of[(source, station, metric)] = max(ts, last_of.get((source, station, metric), ts))
    with engine.begin() as conn:
        conn.execute(readings.insert(), [{"station": st, "metric": m, "ts": ts, "value": v, "source": src,
                                          "collected_at": at} for (st, m, ts), (v, src) in stored.items()])
        conn.execute(daily.insert(), [{"station": st, "metric": m, "day": d, "last_ts": a[0], "last_value": a[1],
                                       "max_ts": a[2], "max_value": a[3]} for (st, m, d), a in days.items()])
        conn.execute(newest.insert(), [{"source": src, "station": st, "metric": m, "ts": ts,
                                        "value": stored[(st, m, ts)][0], "value_source": stored[(st, m, ts)][1]}
                                       for (src, st, m), ts in last_of.items()])
    return stored


def _figures(store: Store) -> dict[str, object]:
    """Every read of ``readings`` the pages use, over windows crossing the deliveries' midnights."""
    mid = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 24 Nov 00.00 Helsinki
    start, end = FIRST + timedelta(hours=1, minutes=2), FIRST + timedelta(hours=20)
    return {
        "series": [store.series(st, METRICS, start, end) for st in STATIONS],
        "series_since": store.series_since({"kajaani": start, "paltamo": mid}, ["queue_waiting"], end),
        "values_at": sorted(store.values_at(list(STATIONS), "queue_waiting", start, end)),
        "last_values": sorted(store.last_values(list(STATIONS), list(METRICS), start, end)),
        "day_last_values": sorted(store.last_values(list(STATIONS), list(METRICS), mid, mid + timedelta(hours=5))),
        "highest": store.highest_values(list(STATIONS), "queue_waiting", start, end),
        "peaks": store.combined_peaks(list(STATIONS), "queue_waiting", [(mid - timedelta(days=1), mid),
                                                                         (mid, mid + timedelta(days=1))]),
        "times": store.reading_times_of({("sotkamo", "queue_waiting"): mid}, end),
        "latest": store.latest_values_of(list(STATIONS)),
        "count": store.count_readings(),
    }


def _truth(stored: dict[tuple[str, str, datetime], tuple]) -> dict[str, object]:
    """:func:`_figures` from the stored readings in plain Python."""
    mid = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    start, end = FIRST + timedelta(hours=1, minutes=2), FIRST + timedelta(hours=20)

    def within(lo: datetime, hi: datetime, metric: str | None = None) -> list[tuple[str, str, datetime, float]]:
        return sorted((st, m, ts, v) for (st, m, ts), (v, _) in stored.items()
                      if lo <= ts < hi and (metric is None or m == metric))

    def last(lo: datetime, hi: datetime) -> list[tuple[str, str, float]]:
        latest: dict[tuple[str, str], tuple[datetime, float]] = {}
        for st, m, ts, v in within(lo, hi):
            latest[(st, m)] = (ts, v)
        return sorted((st, m, v) for (st, m), (_, v) in latest.items())

    def peak(lo: datetime, hi: datetime) -> float | None:
        rows = within(lo, hi, "queue_waiting")
        if not rows:
            return None
        now: dict[str, float] = {}
        best = None
        for ts in sorted({ts for _, _, ts, _ in rows}):
            now.update({st: v for st, _, t, v in rows if t == ts})
            total = sum(now.values())
            best = total if best is None else max(best, total)
        return best

    newest: dict[str, dict[str, tuple]] = {}
    for (st, m, ts), (v, src) in sorted(stored.items()):
        newest.setdefault(st, {})[m] = (ts, v, src)
    return {
        "series": [[Reading(st, m, ts, v) for s, m, ts, v in sorted(within(start, end), key=lambda r: (r[1], r[2]))
                    if s == st] for st in STATIONS],
        "series_since": {"kajaani": [Reading(*r) for r in within(start, end, "queue_waiting") if r[0] == "kajaani"],
                         "paltamo": [Reading(*r) for r in within(mid, end, "queue_waiting") if r[0] == "paltamo"]},
        "values_at": sorted((st, ts, v) for st, _, ts, v in within(start, end, "queue_waiting")),
        "last_values": last(start, end),
        "day_last_values": last(mid, mid + timedelta(hours=5)),
        "highest": {st: max(v for s, _, _, v in within(start, end, "queue_waiting") if s == st) for st in STATIONS},
        "peaks": [peak(mid - timedelta(days=1), mid), peak(mid, mid + timedelta(days=1))],
        "times": {("sotkamo", "queue_waiting"): [ts for st, _, ts, _ in within(mid, end + timedelta(microseconds=1),
                                                                               "queue_waiting") if st == "sotkamo"]},
        "latest": {st: {m: (ts, v, src) for m, (ts, v, src) in ms.items()} for st, ms in newest.items()},
        "count": len(stored),
    }


def _plain(figures: dict[str, object]) -> dict[str, object]:
    out = dict(figures)
    out["latest"] = {st: {m: (lv.ts, lv.value, lv.source) for m, lv in ms.items()}
                     for st, ms in figures["latest"].items()}  # type: ignore[union-attr]
    out["times"] = {k: sorted(v) for k, v in figures["times"].items()}  # type: ignore[union-attr]
    return out


def _utc(stored: object) -> datetime:
    """A time as the driver hands it over (SQLite: text; PostgreSQL: a naive datetime), as aware UTC."""
    return (datetime.fromisoformat(stored) if isinstance(stored, str) else stored).replace(  # type: ignore[union-attr]
        tzinfo=UTC)


@pytest.mark.parametrize("down", [False, True], ids=["up", "up-down-up"])
def test_a_store_from_before_the_series_key_reads_the_same_figures(database_url: str, down: bool):
    engine = make_engine(database_url)
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0016")
    stored = _fill_at_0016(engine)
    truth = _truth(stored)
    assert truth["peaks"][0] is not None and truth["peaks"][1] is not None  # both days have readings
    assert sum(1 for v, src in stored.values() if src == "push") > 10  # the re-delivered instants are in it
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0017")
        if down:  # back to the wide table, its rows as they were, then up again
            command.downgrade(config, "0016")
            wide = {(st, m, _utc(ts)): (v, src) for st, m, ts, v, src in conn.execute(sa.text(
                "SELECT station, metric, ts, value, source FROM readings")).all()}
            assert wide == stored
            command.upgrade(config, "0017")
        codes = conn.execute(sa.text("SELECT id, station, metric FROM series ORDER BY id")).all()
    assert [(st, m) for _, st, m in codes] == sorted({(st, m) for st, m, _ in stored})  # codes in key order
    store = Store(engine)
    store.create_schema()  # at head: nothing more to do
    assert _plain(_figures(store)) == truth
    # and the board writes on: a stored key overwritten, a new station's series made
    later = FIRST + timedelta(minutes=5 * STEPS)
    store.write_readings([Reading("kajaani", "queue_waiting", FIRST + timedelta(hours=2), 99.0),
                          Reading("kuhmo", "queue_waiting", later, 4.0)], "push", later)
    assert store.series("kajaani", ["queue_waiting"], FIRST + timedelta(hours=2),
                        FIRST + timedelta(hours=2, microseconds=1))[0].value == 99.0
    assert store.latest_values("kuhmo")["queue_waiting"].value == 4.0
    assert store.count_readings() == len(stored) + 1
    engine.dispose()


def test_a_downgrade_refuses_to_drop_readings_whose_code_is_not_in_series(database_url: str):
    """No foreign key keeps a reading's code in ``series`` (a stale code cache before session 16 could write such
    readings). The downgrade fills the wide table through a join to ``series`` and dropped them without a word;
    now it refuses and changes nothing, naming how many."""
    store = Store.open(database_url)
    store.write_readings([Reading("kajaani", "queue_waiting", FIRST, 1.0)], "jono", FIRST)
    with store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO readings (series, ts, value, source, collected_at) "
                             "VALUES (999, :ts, 2.0, 'jono', :ts)"), {"ts": FIRST.replace(tzinfo=None)})
    config = _config()
    with pytest.raises(RuntimeError, match="1 reading"), store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0016")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM readings")).scalar() == 2
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() != "0016"
    store.dispose()
