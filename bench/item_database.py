"""The bench's items as real systems hold them: one SQLite file, four systems' tables, read by the sql source.

Why: a region loads a year of items from its callback system's database (or an
export), not from a simulator. With ``--param items.source=database`` the
bench writes the simulator's items once into the tables a callback system, an
Omasote message store, a contact log and a feedback service keep (their own
Finnish column names, Helsinki local times without an offset, as such systems
write them; outcome, channel and needs-reaction in the system's own words) and
the load pulls them through the **sql item source documented in
docs/CONNECTORS.md** (the ``takaisinsoitot`` example's shape: the same query
over ``muutettu``, the same fields and outcome codes; changed only where an
administrator points it at their own system: the url, the units' codes, and
``parameters_as: text``, which CONNECTORS.md asks for on SQLite). So the
pull's time is what the board spends reading and mapping a database's rows,
and the simulator's cost is paid once, when the file is written.

The file is cached under ``bench-results/cache/`` by seed, stations, days and
the load's moment (a week's Tuesday, so a week's runs share one file); a run
copies it, because its incremental cycles write the minute's changes into it
as the systems would (:func:`write_changes`), outside the measured pull.

The rows are the simulator's items as :mod:`connectors.demo_items` tells them
(the same ids, so with the same ``id_key`` the stored items are the demo
source's, key for key: tests/test_item_database.py), with two differences a
real system has too: an open callback has no outcome code yet, and a local
time of the repeated autumn hour (03.00–03.59 on the last Sunday of October)
cannot say which of the two it was (the board reads the first).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from board.domain.items import ItemType
from board.domain.timeutil import HELSINKI, UTC, local_date
from connectors.demo_items import Record, station_records
from connectors.simulator import Simulator

#: Bump when the tables' layout or contents change: the cache key includes it.
FORMAT = 1

#: The callback system's outcome codes, as in docs/CONNECTORS.md's example (``outcomes`` maps them back).
OUTCOME_CODES = {"resolved": "HOIDETTU", "appointment": "AJANVARAUS", "not_reached": "EI_TAVOITETTU",
                 "redirected": "OHJATTU", "failure_demand": "UUSINTA"}
#: The contact log's channel words, as in docs/CONNECTORS.md's contact example (``channels`` maps them back).
CHANNEL_WORDS = {"phone": "puhelin", "chat": "chat", "omasote": "sähköinen asiointi", "visit": "käynti"}

#: Per item type: the table, its columns (id first, then the unit, ..., ``muutettu`` last) and the source's
#: ``items`` block for them.
TABLES: dict[ItemType, tuple[str, tuple[str, ...], dict[str, Any]]] = {
    ItemType.CALLBACKS: ("takaisinsoittopyynnot", ("pyynto_id", "yksikko", "luotu", "hoidettu", "tulos", "muutettu"),
                         {"item": "callbacks",
                          "fields": {"id": "pyynto_id", "station": "yksikko", "start": "luotu", "end": "hoidettu",
                                     "outcome": "tulos", "updated": "muutettu"},
                          "outcomes": {code: cls for cls, code in OUTCOME_CODES.items()}}),
    ItemType.MESSAGES: ("viestit", ("viesti_id", "yksikko", "vastaanotettu", "vastattu", "muutettu"),
                        {"item": "messages",
                         "fields": {"id": "viesti_id", "station": "yksikko", "start": "vastaanotettu",
                                    "end": "vastattu", "updated": "muutettu"}}),
    ItemType.CONTACTS: ("yhteydenotot", ("yhteydenotto_id", "yksikko", "aika", "kanava", "muutettu"),
                        {"item": "contacts",
                         "fields": {"id": "yhteydenotto_id", "station": "yksikko", "start": "aika",
                                    "channel": "kanava", "updated": "muutettu"},
                         "channels": {word: channel for channel, word in CHANNEL_WORDS.items()}}),
    ItemType.FEEDBACK: ("palautteet", ("vastaus_id", "yksikko", "vastattu", "suositteluhalukkuus",
                                       "vaatii_reagointia", "reagoitu", "muutettu"),
                        {"item": "feedback",
                         "fields": {"id": "vastaus_id", "station": "yksikko", "start": "vastattu",
                                    "score": "suositteluhalukkuus", "needs_reaction": "vaatii_reagointia",
                                    "end": "reagoitu", "updated": "muutettu"}}),
}
NAMES = {ItemType.CALLBACKS: "takaisinsoitot", ItemType.MESSAGES: "omasote-viestit",
         ItemType.CONTACTS: "yhteydenotot", ItemType.FEEDBACK: "palaute"}


def unit(code: str) -> str:
    """The systems' code for a station (``KAJAANI``): the sources' ``mapping.stations`` maps it back."""
    return code.upper()


def sources(url: str, codes: Sequence[str], id_key: str, backfill_days: int, **common: Any) -> list[dict[str, Any]]:
    """The four sql item sources over the file at ``url``, in the shape of CONNECTORS.md's sql example."""
    out = []
    for kind, (table, columns, items) in TABLES.items():
        out.append({
            "name": NAMES[kind], "type": "sql", "url": url,
            "query": f"SELECT {', '.join(columns)} FROM {table} WHERE muutettu >= :since AND muutettu <= :until",
            "parameters_as": "text",
            "mapping": {"stations": {unit(c): c for c in codes}},
            "backfill_days": backfill_days, "deliver": "items",
            "items": {**items, "id_key": id_key}, **common})
    return out


class _Local:
    """Epoch minutes as the systems write them: Helsinki local time, no offset (cached: stations share minutes)."""

    def __init__(self) -> None:
        self.cache: dict[int, str] = {}

    def __call__(self, minute: int | None) -> str | None:
        if minute is None:
            return None
        text = self.cache.get(minute)
        if text is None:
            text = self.cache[minute] = datetime.fromtimestamp(minute * 60, HELSINKI).strftime("%Y-%m-%d %H:%M:%S")
        return text


def rows(records: Iterable[Record], code: str, local: _Local) -> Iterator[tuple[ItemType, tuple[Any, ...]]]:
    """Each record as its system's row (its type, the row in the table's column order)."""
    station = unit(code)
    for kind, ident, arrival, end, channel, score, needs, outcome in records:
        start, ended = local(arrival), local(end)
        updated = ended or start
        if kind is ItemType.CALLBACKS:
            code_ = OUTCOME_CODES[outcome] if outcome is not None and end is not None else None  # open: no code yet
            yield kind, (ident, station, start, ended, code_, updated)
        elif kind is ItemType.MESSAGES:
            yield kind, (ident, station, start, ended, updated)
        elif kind is ItemType.CONTACTS:
            yield kind, (ident, station, start, CHANNEL_WORDS[channel], updated)  # type: ignore[index]
        else:
            yield kind, (ident, station, start, score, "K" if needs else "E", ended, updated)


def _latest(sim: Simulator, code: str, days: list[date], until: datetime) -> dict[str, Record]:
    """The station's records at ``until``, each id in its latest state (a later day tells a handled item again)."""
    latest: dict[str, Record] = {}
    for record in station_records(sim, code, days, until):
        latest[record[1]] = record
    return latest


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def create(path: Path, sim: Simulator, codes: Sequence[str], since: datetime, until: datetime,
           days_before: int) -> int:
    """Write the items of ``codes`` as they stand at ``until`` into a new file ``path``: every item of the days
    from ``days_before`` days before ``since``'s to ``until``'s (the demo source's own reach). The row count."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        for table, columns, _ in TABLES.values():
            db.execute(f"CREATE TABLE {table} ({columns[0]} TEXT PRIMARY KEY, {', '.join(columns[1:])})")
        days = _days(local_date(since) - timedelta(days=days_before), local_date(until))
        local = _Local()
        n = 0
        for code in codes:
            n += _write(db, rows(_latest(sim, code, days, until).values(), code, local), replace=False)
        for table, _, _ in TABLES.values():  # a system's change log is read by its change time
            db.execute(f"CREATE INDEX {table}_muutettu ON {table} (muutettu)")
        db.commit()
    finally:
        db.close()
    return n


def write_changes(path: Path, sim: Simulator, codes: Sequence[str], since: datetime, until: datetime,
                  days_before: int) -> int:
    """What the systems write in ``(since, until]``: every item arriving or ending in it, as it stands at
    ``until`` (inserted, or replacing the row of its id). The rows written."""
    first_minute = int(since.timestamp() // 60)
    days = _days(local_date(until) - timedelta(days=days_before), local_date(until))
    db = sqlite3.connect(path)
    try:
        local = _Local()
        n = 0
        for code in codes:
            changed = [r for r in _latest(sim, code, days, until).values()
                       if (r[3] if r[3] is not None else r[2]) > first_minute]
            n += _write(db, rows(changed, code, local), replace=True)
        db.commit()
    finally:
        db.close()
    return n


def _write(db: sqlite3.Connection, typed_rows: Iterable[tuple[ItemType, tuple[Any, ...]]], replace: bool) -> int:
    by_kind: dict[ItemType, list[tuple[Any, ...]]] = {k: [] for k in TABLES}
    for kind, row in typed_rows:
        by_kind[kind].append(row)
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    for kind, batch in by_kind.items():
        table, columns, _ = TABLES[kind]
        db.executemany(f"{verb} INTO {table} VALUES ({', '.join('?' * len(columns))})", batch)
    return sum(map(len, by_kind.values()))


def cache_key(seed: int, stations: Sequence[dict[str, Any]], days: int, until: datetime, days_before: int) -> str:
    what = repr((FORMAT, seed, [(s["code"], s.get("population")) for s in stations], days,
                 until.astimezone(UTC).isoformat(), days_before))
    return hashlib.sha256(what.encode()).hexdigest()[:16]


def prepare(cache_dir: Path, target: Path, sim: Simulator, stations: Sequence[dict[str, Any]], seed: int,
            since: datetime, until: datetime, days: int, days_before: int) -> tuple[Path, bool, int | None]:
    """A fresh copy at ``target`` of the cached file for these items (written first when missing). Returns
    the copy, whether the cache had it, and the rows written when it did not."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / f"items-{cache_key(seed, stations, days, until, days_before)}.sqlite"
    written = None
    hit = cached.exists()
    if not hit:
        part = cached.with_suffix(".part")
        written = create(part, sim, [s["code"] for s in stations], since, until, days_before)
        part.rename(cached)
    target.unlink(missing_ok=True)
    shutil.copyfile(cached, target)
    return target, hit, written
