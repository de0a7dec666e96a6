"""The spring DST night (Sunday 29 March 2026, 03.00 -> 04.00 Helsinki) for items, through the store.

The autumn night has a large generated log reconciled in tests/test_items_domain.py; the spring night was
hand-checked only. Here a large generated log of all four item types, dense around the gap (items created
and handled from 02.50 to 04.10 local, which is 20 minutes of elapsed time, plus midnight bursts), goes as
the source systems' exports (tests/item_exports.py: ``d.m.yyyy h.mm`` wall-clock times, cp1252 or UTF-8
with a BOM, a totals row) through four ``files`` sources and the collector into SQLite and PostgreSQL.
Then a later export states some of them handled (after the fact) and the collector counts again.

Every stored reading of every instant is compared with a plain reference counter written here from the
README's definitions, with nothing but zoneinfo for the Helsinki day (tests/test_items_domain.py
``truth``, and the outcome classes' daily counts below): none of the board's counting is reused.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from board.collector import Collector
from board.domain.items import METRICS_OF, OUTCOME_CLASSES, Item, ItemType
from board.environment import read_environment
from board.settings import load_settings
from board.store import Store
from board.store.schema import READINGS_BY_KEY
from tests.item_exports import CB, CON, FB, HKI, KEY, MSG, files_source, write_export
from tests.test_items_domain import reconciled, truth

STATIONS = ["kajaani", "sotkamo"]
#: The gap: 02.59 is followed by 04.00 on the wall clock; one minute of elapsed time.
GAP_START = datetime(2026, 3, 29, 3, 0, tzinfo=HKI).astimezone(UTC)  # = 04.00 EEST, 01.00 UTC
BEFORE_GAP = datetime(2026, 3, 29, 2, 50, tzinfo=HKI).astimezone(UTC)
AFTER_GAP = datetime(2026, 3, 29, 4, 10, tzinfo=HKI).astimezone(UTC)
ORIGIN = datetime(2026, 3, 27, 0, 0, tzinfo=HKI).astimezone(UTC)  # Friday
FIRST_PULL = datetime(2026, 3, 30, 12, 0, tzinfo=HKI).astimezone(UTC)  # Monday noon
SECOND_PULL = FIRST_PULL + timedelta(hours=2)
NAMES = {CB: "takaisinsoitot", MSG: "omasote", CON: "yhteydenotot", FB: "palaute"}


def _minute(ts: datetime) -> datetime:
    """Exports write whole minutes: the item's times as the report states them."""
    return ts.replace(second=0, microsecond=0)


def _log(kind: ItemType, n: int, rng: random.Random) -> list[Item]:
    """Items of both stations from Friday to Monday morning; a third of them in 02.50-04.10 on the DST night
    (elapsed: 20 minutes), a tenth around midnights; ends minutes to a day later, some across the gap, some
    never. Generated as UTC instants, so no local time the clock skipped is ever made."""
    gap_span = int((AFTER_GAP - BEFORE_GAP).total_seconds())
    span = int((FIRST_PULL - timedelta(hours=3) - ORIGIN).total_seconds())
    out = []
    for k in range(n):
        pick = rng.random()
        if pick < 0.35:
            start = BEFORE_GAP + timedelta(seconds=rng.randrange(gap_span))
        elif pick < 0.45:
            day = ORIGIN.astimezone(HKI).date() + timedelta(days=rng.randrange(4))
            midnight = datetime(day.year, day.month, day.day, tzinfo=HKI).astimezone(UTC)
            start = midnight + timedelta(seconds=rng.randint(-1200, 1200))
        else:
            start = ORIGIN + timedelta(seconds=rng.randrange(span))
        start = _minute(start)
        lasting = rng.choice((0, 60 * rng.randrange(1, 40), 60 * rng.randrange(1, 600), 60 * rng.randrange(1, 1500)))
        end: datetime | None = _minute(start + timedelta(seconds=lasting))
        if end is not None and (end > FIRST_PULL - timedelta(minutes=1) or rng.random() < 0.12):
            end = None  # not handled by the first export
        station = STATIONS[k % 2]
        key = f"{kind.value[:3].upper()}-{k:05d}"
        if kind is CB:
            out.append(Item(kind, key, station, start, end,
                            outcome=rng.choice(OUTCOME_CLASSES) if end is not None else None))
        elif kind is MSG:
            out.append(Item(kind, key, station, start, end))
        elif kind is CON:
            out.append(Item(kind, key, station, start, channel=rng.choice(("phone", "omasote", "chat", "visit"))))
        else:
            needs = rng.random() < 0.35
            out.append(Item(kind, key, station, start, end if needs else None, score=rng.randint(0, 10),
                            needs_reaction=needs))
    return out


def _handled_later(items: list[Item], rng: random.Random) -> list[Item]:
    """The later export: open items that were handled (reacted to) between the pulls, stated again."""
    later = []
    for item in items:
        open_ = item.end is None and item.type is not CON and (item.type is not FB or item.needs_reaction)
        if open_ and rng.random() < 0.6:
            end = _minute(FIRST_PULL + timedelta(seconds=rng.randrange(60, 7000)))
            later.append(Item(item.type, item.key, item.station, item.start, end,
                              channel=item.channel, score=item.score, needs_reaction=item.needs_reaction,
                              outcome=rng.choice(OUTCOME_CLASSES) if item.type is CB else None))
    return later


def _outcome_truth(items: list[Item], t: datetime) -> dict[str, float]:
    """Callbacks handled on ``t``'s Helsinki day up to ``t``, by outcome class (zoneinfo only)."""
    day = t.astimezone(HKI).date()
    ds = datetime(day.year, day.month, day.day, tzinfo=HKI).astimezone(UTC)
    return {f"queue_{c}_today": float(sum(1 for i in items if i.end is not None and ds <= i.end <= t
                                          and i.outcome == c)) for c in OUTCOME_CLASSES}


def _stored(store: Store, station: str, metrics: tuple[str, ...]) -> dict[datetime, dict[str, float]]:
    out: dict[datetime, dict[str, float]] = {}
    with store.sessions() as s:
        k = READINGS_BY_KEY.c
        for r in s.execute(select(READINGS_BY_KEY).where(k.station == station, k.metric.in_(metrics))):
            out.setdefault(r.ts, {})[r.metric] = r.value
    return out


def _reconcile(store: Store, kind: ItemType, items: list[Item]) -> tuple[int, int, int]:
    """Every stored instant of both stations against the reference: (instants, of them in 02.50-04.10, values)."""
    outcomes = tuple(f"queue_{c}_today" for c in OUTCOME_CLASSES) if kind is CB else ()
    instants = near_gap = values = 0
    for station in STATIONS:
        mine = [i for i in items if i.station == station]
        readings = _stored(store, station, METRICS_OF[kind] + outcomes)
        assert readings, (kind, station)
        mismatches = []
        for ts, row in readings.items():
            want = truth(kind, mine, ts) | (_outcome_truth(mine, ts) if kind is CB else {})
            for metric, value in want.items():
                if row.get(metric) != pytest.approx(value, abs=1e-6):
                    mismatches.append((ts.astimezone(HKI).isoformat(), metric, row.get(metric), value))
            values += len(row)
        assert not mismatches, (kind.value, station, len(mismatches), mismatches[:5])
        instants += len(readings)
        near_gap += sum(1 for ts in readings if BEFORE_GAP <= ts <= AFTER_GAP)
    return instants, near_gap, values


def test_a_large_item_log_across_the_spring_night_reconciles_in_the_store(config_dir: Path, database_url: str,
                                                                           tmp_path: Path):
    rng = random.Random(329)
    logs = {kind: _log(kind, 600, rng) for kind in (CB, MSG, CON, FB)}
    # the generator did what the test is about: items on both sides of the gap, ends across it
    for kind, items in logs.items():
        assert sum(1 for i in items if BEFORE_GAP <= i.start < GAP_START) > 20, kind
        assert sum(1 for i in items if GAP_START <= i.start <= AFTER_GAP) > 20, kind
        if kind is not CON:
            assert sum(1 for i in items if i.start < GAP_START and i.end is not None
                       and GAP_START <= i.end <= AFTER_GAP + timedelta(hours=1)) > 5, kind
    entries = []
    for kind, name in NAMES.items():
        (tmp_path / name).mkdir()
        entries.append(files_source(name, kind, tmp_path / name, STATIONS))
        write_export(tmp_path / name, kind, logs[kind], f"{name}-1.csv", cp1252=kind in (CB, CON))
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True),
                                             encoding="utf-8")
    settings = load_settings(config_dir, database_url, read_environment({"BOARD_ITEM_KEY": KEY}))
    store = Store.open(database_url)
    now = [FIRST_PULL]
    collector = Collector(settings, store, clock=lambda: now[0], sleep=lambda s: None)
    for outcome in collector.run_once():
        assert outcome.ok, (outcome.source, outcome.error, outcome.rejects)
        # every row of the export is read: 600 items, none refused, and the totals row ignored
        assert (outcome.run.rows_read, outcome.run.rows_refused, outcome.run.rows_ignored) == (601, 0, 1), \
            (outcome.source, outcome.rejects)
    first = {kind: _reconcile(store, kind, items) for kind, items in logs.items()}

    # the later export: items handled after the first pull, some of them created on the DST night
    now[0] = SECOND_PULL
    for kind, name in NAMES.items():
        later = _handled_later(logs[kind], rng)
        if later:
            write_export(tmp_path / name, kind, later, f"{name}-2.csv", cp1252=kind is FB)
            by_key = {i.key: i for i in later}
            logs[kind] = [by_key.get(i.key, i) for i in logs[kind]]
    # some callbacks created on the DST night before the gap were handled only after the first pull
    assert sum(1 for i in logs[CB] if BEFORE_GAP <= i.start < GAP_START and i.end is not None
               and i.end >= FIRST_PULL) > 0
    for outcome in collector.run_once():
        assert outcome.ok, (outcome.source, outcome.error, outcome.rejects)
    second = {kind: _reconcile(store, kind, items) for kind, items in logs.items()}
    for kind in logs:
        assert first[kind][1] > 30, (kind, first[kind])  # many instants inside 02.50-04.10 were compared
        reconciled(store=database_url.split(":")[0], type=kind.value, items=len(logs[kind]),
                   instants_first=first[kind][0], near_gap=first[kind][1], instants_after_later=second[kind][0],
                   values_compared=first[kind][2] + second[kind][2], span="27.-30.3.2026 (the spring DST night)")
