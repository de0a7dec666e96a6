"""The sql connector's item path, a chunk at a time (connectors/item_rows.py), against the definition: each row
through ``ItemMapper.map`` as a record, one by one, as the connector did before.

Generated rows of every item type mix good values with every kind of bad one the mapper refuses (empty and
missing fields, unknown stations and channels, times that do not parse, lie in the future, before 2000, in the
spring-forward gap, items ending before they start, scores out of range, flags that are not yes or no) and
identity codes in mapped and unmapped columns. The connector's pull must give the same items and the same
refusals with the same reasons in the same order, and its run ledger must count every row. A real SQLite file
and the real connector; small fetch chunks and a small memo so chunks, memo reuse and memo clearing all occur.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from board.domain.items import Item, ItemType
from board.domain.reading import Ignored, Rejected, RowsRead
from board.domain.reasons import reason_of
from board.environment import read_environment
from board.settings import load_settings
from connectors import build_connector, item_rows
from connectors import sql as sql_module
from connectors.item_rows import ItemRows
from connectors.items import ItemKeyer, item_key, mapper_for
from connectors.mapping import RecordError, RecordIgnored

KEY = "test-item-key-0123456789abcdef"
UNTIL = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a fixed clock: nothing here depends on the time of day
HETU = "010190-123M"  # a valid identity code (check character M)

FIELDS = {
    ItemType.CALLBACKS: {"id": "tunnus", "station": "asema", "start": "luotu", "end": "hoidettu", "outcome": "tulos",
                         "updated": "muutettu"},
    ItemType.MESSAGES: {"id": "tunnus", "station": "asema", "start": "luotu", "end": "hoidettu"},
    ItemType.CONTACTS: {"id": "tunnus", "station": "asema", "start": "luotu", "channel": "kanava",
                        "updated": "muutettu"},
    ItemType.FEEDBACK: {"id": "tunnus", "station": "asema", "start": "luotu", "score": "arvio",
                        "needs_reaction": "reagoi", "end": "hoidettu"},
}
COLUMNS = ("tunnus", "asema", "luotu", "hoidettu", "tulos", "kanava", "arvio", "reagoi", "muutettu", "kommentti")


def _pick(rng: random.Random, good: list[Any], bad: list[Any]) -> Any:
    return rng.choice(bad) if rng.random() < 0.08 else rng.choice(good)


def _time(rng: random.Random, base: datetime) -> str:
    return base.strftime(rng.choice(["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S+02:00", "%d.%m.%Y %H.%M"]))


BAD_TIMES = ["", "  ", None, "-", " – ", "garbage", "2027-01-01 00:00:00", "1999-12-31 10:00:00", "0001-01-01 00:00:00",
             "2026-03-29 03:30:00", "08:00", "2026-11-20", "31.02.2026 10.00"]


def _rows(rng: random.Random, n: int) -> list[tuple[Any, ...]]:
    rows = []
    first = datetime(2026, 10, 20, 7, 0)
    for i in range(n):
        start = first + timedelta(minutes=rng.randrange(0, 35 * 24 * 60))  # over the October night
        if rng.random() < 0.05:
            start = datetime(2026, 10, 25, 3, rng.randrange(60))  # the repeated hour
        end = start + timedelta(minutes=rng.randrange(-30, 600)) if rng.random() < 0.7 else None
        rows.append((
            _pick(rng, [f"id-{i}", f" id-{i} ", i], ["", " ", None, "-"]),
            _pick(rng, ["KAJAANI", "kajaani", "Sotkamo", " kajaani "], ["", None, "oulu", 7, "—"]),
            _pick(rng, [_time(rng, start)], BAD_TIMES),
            None if end is None else _pick(rng, [_time(rng, end), ""], BAD_TIMES),
            _pick(rng, ["HOIDETTU", "AJANVARAUS", None], ["TUNTEMATON", "", " "]),
            _pick(rng, ["puhelin", "chat", "phone", "Visit"], ["faksi", "", None]),
            _pick(rng, [*range(11), "7", "9,0", 8.0], [11, -1, "seitsemän", 7.5, "", None]),
            _pick(rng, ["K", "E", 1, 0, None, "kyllä"], ["ehkä", 2]),
            _pick(rng, [_time(rng, end or start), None], BAD_TIMES),
            rng.choice(["ok", "soita iltapäivällä", None]),
        ))
        if rng.random() < 0.01:  # an identity code in any column, mapped or not (whole chunks then go row by row)
            row = list(rows[-1])
            row[rng.randrange(len(row))] = rng.choice([HETU, f"asiakas {HETU}", f"x {HETU}"])
            rows[-1] = tuple(row)
    return rows


def _configure(config_dir: Path, tmp_path: Path, kind: ItemType, db: Path) -> Any:
    items = {"item": kind.value, "id_key": "${BOARD_ITEM_KEY}", "fields": FIELDS[kind],
             "channels": {"puhelin": "phone"}, "outcomes": {"HOIDETTU": "resolved", "AJANVARAUS": "appointment"}}
    source = {"name": "s", "type": "sql", "url": f"sqlite:///{db}", "query": "SELECT * FROM t WHERE :since IS NOT NULL",
              "mapping": {"stations": {"KAJAANI": "kajaani"}}, "deliver": "items", "items": items,
              "interval_seconds": 30, "stale_after_seconds": 600, "stations": ["kajaani", "sotkamo"]}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    return load_settings(config_dir, f"sqlite:///{tmp_path / 'board.sqlite'}",
                         read_environment({"BOARD_ITEM_KEY": KEY}))


def _reference(mapper: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> list[Item | Rejected | Ignored]:
    """The definition, row by row: the record as a dict through ``map``; a refusal (or a row deliberately left
    out: a feedback answer with no score) as the connector words it."""
    out: list[Item | Rejected | Ignored] = []
    for row in rows:
        try:
            out.append(mapper.map(dict(zip(columns, row, strict=False)))[0])
        except RecordIgnored as e:
            out.append(Ignored("a row of the result", str(e)))
        except RecordError as e:
            out.append(Rejected(reason_of(e)))
    return out


@pytest.mark.parametrize("kind", list(ItemType))
def test_the_chunked_pull_gives_what_map_gives_row_by_row(config_dir, tmp_path, monkeypatch, kind):
    monkeypatch.setattr(sql_module, "FETCH_ROWS", 37)
    monkeypatch.setattr(item_rows, "MEMO_LIMIT", 50)
    rows = _rows(random.Random(f"item-rows-{kind}"), 1500)
    db = tmp_path / "items.sqlite"
    con = sqlite3.connect(db)
    con.execute(f"create table t ({', '.join(COLUMNS)})")
    con.executemany(f"insert into t values ({', '.join('?' * len(COLUMNS))})", rows)
    con.commit()
    stored = con.execute("select * from t").fetchall()  # as SQLite gives them back (8.0 stays a float, 7 an int)
    con.close()
    settings = _configure(config_dir, tmp_path, kind, db)
    source = settings.sources[0]
    connector = build_connector(source, settings)
    quick = 0
    one = ItemRows._one

    def counted(self: ItemRows, row: Any) -> Any:
        nonlocal quick
        quick -= 1
        return one(self, row)

    monkeypatch.setattr(ItemRows, "_one", counted)
    pulled = list(connector.pull(None, UNTIL))
    quick += len(rows)
    got = [p for p in pulled if not isinstance(p, RowsRead)]
    want = _reference(mapper_for(source, connector.stations, UNTIL, "column"), list(COLUMNS), stored)
    assert got == want
    assert sum(p.rows for p in pulled if isinstance(p, RowsRead)) == len(rows)  # the ledger counts every row
    assert isinstance(pulled[-1], RowsRead)
    items = [g for g in got if isinstance(g, Item)]
    refused = [g for g in got if isinstance(g, Rejected)]
    assert len(items) > 300 and len(refused) > 100  # both kinds of outcome occur in number
    assert quick >= len(items) * 0.5  # most items came by the quick path (a chunk with a code goes row by row)
    assert any("identity code" in str(r.reason) for r in refused)
    assert not any(HETU in str(r.reason) for r in refused)


def test_chunks_of_plain_python_values_give_what_map_gives(config_dir, tmp_path):
    """Values a driver may give (naive and aware datetimes, Decimal, a list from a PostgreSQL array, bytes) and a
    repeated column name, straight through ItemRows against map."""
    db = tmp_path / "unused.sqlite"
    source = _configure(config_dir, tmp_path, ItemType.FEEDBACK, db).sources[0]
    mapper = mapper_for(source, ["kajaani", "sotkamo"], UNTIL, "column")
    columns = ["tunnus", "asema", "luotu", "arvio", "reagoi", "hoidettu", "kommentti", "asema"]
    spring = datetime(2026, 3, 29, 3, 30)  # the clock skipped it
    autumn = datetime(2026, 10, 25, 3, 30)  # the repeated hour
    plain = [
        ("a", "x", datetime(2026, 11, 23, 8, 0), 9, "K", None, None, "kajaani"),
        ("b", "x", datetime(2026, 11, 23, 6, 0, tzinfo=UTC), Decimal("7"), "E", "", b"raw", "sotkamo"),
        ("c", "x", autumn, 10, 1, autumn + timedelta(hours=1), None, "kajaani"),
        ("d", "x", spring, 3, "K", None, None, "kajaani"),
        ("e", "x", datetime(2026, 11, 23, 8, 0), Decimal("7.5"), "K", None, None, "kajaani"),
        (12, "x", datetime(2026, 11, 23, 8, 0), 6, True, None, None, "SOTKAMO"),
    ]
    with_list = [*plain, ("f", "x", datetime(2026, 11, 23, 8, 0), 9, "E", None, ["ok", f"x {HETU}"], "kajaani")]
    with_code_name = [*plain[:2]]
    for columns_, rows in ((columns, plain), (columns, with_list), ([*columns[:6], HETU, "asema"], with_code_name)):
        want = _reference(mapper, columns_, rows)
        got = [g if isinstance(g, Item) else Rejected(reason_of(g)) for g in ItemRows(mapper, columns_).map(rows)]
        assert got == want
    assert ItemRows(mapper, columns).quick and not ItemRows(mapper, [*columns[:6], HETU, "asema"]).quick
    assert sum(isinstance(g, Item) for g in _reference(mapper, columns, plain)) == 4


@pytest.mark.parametrize("key", [KEY, "", "k" * 64, "k" * 65, "avain-äöå-" * 20])
def test_the_keyer_hashes_as_item_key(key):
    keyer = ItemKeyer(key.encode("utf-8"))
    for raw in ["id-1", " id-1 ", "Ä-123", 42, "x" * 300, ""]:
        assert keyer(str(raw).strip()) == item_key(key.encode("utf-8"), raw)


def test_a_dash_means_no_value_in_an_item_field(config_dir, tmp_path):
    """Finnish reporting exports write "-" (or a spreadsheet's "–") for a callback not yet handled: the item is
    open, not refused. A dash where a value is required (the created time, the id) is refused as empty, by the
    quick path and by ``map`` alike; a dash in a yes/no field is no."""
    db = tmp_path / "unused.sqlite"
    source = _configure(config_dir, tmp_path, ItemType.FEEDBACK, db).sources[0]
    mapper = mapper_for(source, ["kajaani", "sotkamo"], UNTIL, "column")
    columns = ["tunnus", "asema", "luotu", "arvio", "reagoi", "hoidettu"]
    rows = [("a", "kajaani", "2026-11-23 08:00:00", 9, "K", "-"),
            ("b", "kajaani", "2026-11-23 08:00:00", 3, "–", " — "),
            ("c", "kajaani", "-", 9, "K", None),
            ("-", "kajaani", "2026-11-23 08:00:00", 9, "K", None)]
    quick = [g if isinstance(g, Item) else Rejected(reason_of(g)) for g in ItemRows(mapper, columns).map(rows)]
    assert quick == _reference(mapper, columns, rows)
    a, b, c, d = quick
    assert isinstance(a, Item) and a.end is None and a.needs_reaction is True
    assert isinstance(b, Item) and b.end is None and b.needs_reaction is False
    assert isinstance(c, Rejected) and "'luotu' is empty" in str(c.reason)
    assert isinstance(d, Rejected) and "'tunnus' is empty" in str(d.reason)
