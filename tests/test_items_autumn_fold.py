"""The autumn DST night (Sunday 25 October 2026, 03.00-03.59 Helsinki happens twice) for items' ends.

An export writes local times without an offset, so "3.28" in the repeated hour is read as its first pass
(summer time, fold=0). A callback created at 3.58 summer time and handled at 3.28 winter time (30 minutes
later) then seemed to end before it started and was refused. The rule (docs/CONNECTORS.md, *Local times*):
an end read before its start is read again as the second pass (fold=1) of the repeated hour, and kept when
that is not before the start; anything else stays refused with its reason.

The truth here is written by hand as instants with zoneinfo's ``fold``; the export is written from it the way
a reporting tool writes it (cp1252, CRLF, a title line, ``d.m.yyyy h.mm`` wall-clock times, a totals row), and
every stored figure is compared with the reference counter of tests/test_items_domain.py (none of the board's
counting reused). The files, sql and rest paths all come through ``ItemMapper.map``; the sql path's quick
reader and a JSON record with and without offsets are checked too.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from board.collector import Collector
from board.domain.items import METRICS_OF, Item
from board.domain.reading import Rejected
from board.domain.reasons import reason_of
from board.environment import read_environment
from board.settings import load_settings
from board.store import Store
from connectors.item_rows import ItemRows
from connectors.items import mapper_for
from connectors.mapping import RecordError
from tests.item_exports import CB, HEADERS, HKI, KEY, OUTCOME_WORDS, UNITS, files_source
from tests.test_items_domain import truth
from tests.test_items_spring_dst import _outcome_truth, _stored

STATION = "kajaani"
NOW = datetime(2026, 10, 25, 12, 0, tzinfo=HKI).astimezone(UTC)  # a fixed clock: the autumn Sunday's noon


def hki(hour: int, minute: int, fold: int = 0, day: int = 25) -> datetime:
    """A Helsinki wall-clock time of October 2026 as its UTC instant; ``fold`` 1: the repeated hour's second pass."""
    return datetime(2026, 10, day, hour, minute, tzinfo=HKI, fold=fold).astimezone(UTC)


def wall(ts: datetime) -> str:
    """As the reporting tool writes an instant: Helsinki ``d.m.yyyy h.mm``, no offset (no fold either)."""
    local = ts.astimezone(HKI)
    return f"{local.day}.{local.month}.{local.year} {local.hour}.{local.minute:02d}"


#: The truth: callbacks of the autumn night as they happened. Each is written, read back and must be kept.
KEPT = [
    Item(CB, "SOITTO-1", STATION, hki(3, 58), hki(3, 28, fold=1), outcome="resolved"),  # the case: 30 min
    Item(CB, "SOITTO-2", STATION, hki(3, 59), hki(3, 0, fold=1), outcome="appointment"),  # a minute later
    Item(CB, "SOITTO-3", STATION, hki(3, 40), hki(3, 5, fold=1), outcome="resolved"),
    Item(CB, "SOITTO-4", STATION, hki(3, 10), hki(3, 40), outcome="resolved"),  # both in the first pass
    Item(CB, "SOITTO-5", STATION, hki(3, 50), hki(4, 5), outcome="not_reached"),  # across the step back
    Item(CB, "SOITTO-6", STATION, hki(23, 50, day=24), hki(3, 15), outcome="resolved"),  # not handled the same day
    Item(CB, "SOITTO-7", STATION, hki(3, 45)),  # still waiting
    Item(CB, "SOITTO-8", STATION, hki(2, 45), hki(9, 30), outcome="resolved"),
]
#: Rows no reading of the repeated hour makes valid: the end is before the start whichever pass it is.
REFUSED_ROWS = [
    ("SOITTO-9", "25.10.2026 4.20", "25.10.2026 3.30"),  # 3.30 is 00.30 or 01.30 UTC, 4.20 is 02.20 UTC
    ("SOITTO-10", "25.10.2026 3.40", "25.10.2026 2.50"),  # 2.50 happens once
]


def write_callbacks_export(folder: Path) -> Path:
    """The callback report as the reporting tool saves "CSV (semicolon)": cp1252, CRLF, settled."""
    unit = UNITS[STATION]
    lines = ["Takaisinsoittopyynnöt, ajettu 25.10.2026 11.50", "", HEADERS[CB]]
    for item in KEPT:
        end = wall(item.end) if item.end else "-"
        outcome = OUTCOME_WORDS[item.outcome] if item.outcome else "-"
        lines.append(f"{item.key};{unit};{wall(item.start)};{end};{outcome};soita uudelleen")
    lines += [f"{key};{unit};{start};{end};Hoidettu;" for key, start, end in REFUSED_ROWS]
    lines.append(f"Yhteensä;{len(KEPT) + len(REFUSED_ROWS)};;;;")
    path = folder / "takaisinsoitot_20261025.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    settled = time.time() - 600
    os.utime(path, (settled, settled))
    return path


def test_callbacks_handled_in_the_repeated_hour_are_kept_and_counted(config_dir: Path, database_url: str,
                                                                      tmp_path: Path):
    # the export says what the issue saw: handled "3.28" written after created "3.58", no offsets
    assert wall(KEPT[0].start) == "25.10.2026 3.58" and wall(KEPT[0].end) == "25.10.2026 3.28"
    as_written = [i for i in KEPT if i.end is not None
                  and i.end.astimezone(HKI).replace(tzinfo=None) < i.start.astimezone(HKI).replace(tzinfo=None)]
    assert len(as_written) == 3  # three ends read as written (fold=0) come before their starts
    folder = tmp_path / "takaisinsoitot"
    folder.mkdir()
    text = write_callbacks_export(folder).read_bytes().decode("cp1252")
    assert "SOITTO-1;Kajaanin terveysasema;25.10.2026 3.58;25.10.2026 3.28;Hoidettu" in text
    source = files_source("takaisinsoitot", CB, folder, [STATION])
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}, allow_unicode=True),
                                             encoding="utf-8")
    settings = load_settings(config_dir, database_url, read_environment({"BOARD_ITEM_KEY": KEY}))
    store = Store.open(database_url)
    try:
        collector = Collector(settings, store, clock=lambda: NOW, sleep=lambda s: None)
        (outcome,) = collector.run_once()
        assert outcome.ok, (outcome.error, outcome.rejects)
        # no silent loss: every row stored or refused with its reason, the totals row ignored
        run = outcome.run
        assert (run.rows_read, run.rows_stored, run.rows_refused, run.rows_ignored, run.unaccounted) == (
            len(KEPT) + len(REFUSED_ROWS) + 1, len(KEPT), len(REFUSED_ROWS), 1, 0), outcome.rejects
        assert all("'Hoidettu' is before 'Luotu'" in str(reason) for reason in outcome.rejects), outcome.rejects

        # every stored figure of every instant against the reference counter, the outcome classes too
        metrics = METRICS_OF[CB] + tuple(f"queue_{c}_today" for c in ("resolved", "appointment", "not_reached",
                                                                        "redirected", "failure_demand"))
        readings = _stored(store, STATION, metrics)
        for item in as_written:  # the figures were stored at the true (winter time) ends
            assert item.end in readings, wall(item.end)
        mismatches = []
        for ts, row in readings.items():
            want = truth(CB, KEPT, ts) | _outcome_truth(KEPT, ts)
            mismatches += [(ts.astimezone(HKI).isoformat(), m, row.get(m), v) for m, v in want.items()
                           if row.get(m) != pytest.approx(v, abs=1e-9)]
        assert not mismatches, mismatches[:5]
        # the day's handled and same-day figures at noon, counted here from the truth
        handled = [i for i in KEPT if i.end is not None and i.end <= NOW]
        same_day = [i for i in handled if i.start.astimezone(HKI).date() == NOW.astimezone(HKI).date()]
        latest = readings[max(readings)]
        assert (latest["queue_handled_today"], latest["queue_handled_same_day_today"]) == (len(handled),
                                                                                          len(same_day))
        assert len(same_day) < len(handled)  # the callback of the evening before counts as handled, not same-day
    finally:
        store.dispose()


def _mapper(config_dir: Path, tmp_path: Path, what: str, until: datetime = NOW) -> Any:
    fields = {"id": "tunnus", "station": "asema", "start": "luotu", "end": "hoidettu"}
    source = {"name": "s", "type": "sql", "url": f"sqlite:///{tmp_path / 'unused.sqlite'}",
              "query": "SELECT * FROM t WHERE :since IS NOT NULL", "stations": [STATION],
              "deliver": "items", "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}", "fields": fields},
              "interval_seconds": 30, "stale_after_seconds": 600}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    settings = load_settings(config_dir, f"sqlite:///{tmp_path / 'board.sqlite'}",
                             read_environment({"BOARD_ITEM_KEY": KEY}))
    return mapper_for(settings.sources[0], [STATION], until, what)


def test_a_database_s_local_times_take_the_same_rule_on_the_quick_path(config_dir, tmp_path):
    """The sql connector's chunk reader (connectors/item_rows.py) gives what ``map`` gives, and both the truth:
    local time texts and naive datetimes of the repeated hour, as a database without time zones returns them."""
    mapper = _mapper(config_dir, tmp_path, "column")
    columns = ["tunnus", "asema", "luotu", "hoidettu"]
    rows = [("a", STATION, "2026-10-25 03:58:00", "2026-10-25 03:28:00"),
            ("b", STATION, datetime(2026, 10, 25, 3, 59), datetime(2026, 10, 25, 3, 0)),
            ("c", STATION, "2026-10-25 03:10:00", "2026-10-25 03:40:00"),
            ("d", STATION, "2026-10-25 04:20:00", "2026-10-25 03:30:00"),
            ("e", STATION, "2026-10-25 03:40:00", "2026-10-25 02:50:00")]
    want = {"a": (hki(3, 58), hki(3, 28, fold=1)), "b": (hki(3, 59), hki(3, 0, fold=1)),
            "c": (hki(3, 10), hki(3, 40))}
    got = ItemRows(mapper, columns).map(rows)
    by_map = []
    for row in rows:
        try:
            by_map.append(mapper.map(dict(zip(columns, row, strict=True)))[0])
        except RecordError as e:
            by_map.append(e)
    assert [g if isinstance(g, Item) else Rejected(reason_of(g)) for g in got] == \
        [g if isinstance(g, Item) else Rejected(reason_of(g)) for g in by_map]
    items = [g for g in got if isinstance(g, Item)]
    assert [(i.start, i.end) for i in items] == list(want.values())
    assert all(i.updated == i.end for i in items)  # no updated column: the later of start and end
    assert [str(g) for g in got if not isinstance(g, Item)] == [
        "column 'hoidettu' is before 'luotu': an item cannot end before it starts"] * 2


def test_a_json_record_s_offset_is_never_second_guessed(config_dir, tmp_path):
    """A rest source's record: a local time without an offset takes the rule; a time with its offset is the
    instant it says, so an end before its start stays refused."""
    mapper = _mapper(config_dir, tmp_path, "field")
    local = {"tunnus": "a", "asema": STATION, "luotu": "2026-10-25T03:58:00", "hoidettu": "2026-10-25T03:28:00"}
    (item,) = mapper.map(local)
    assert (item.start, item.end) == (hki(3, 58), hki(3, 28, fold=1))
    summer = {**local, "luotu": "2026-10-25T03:58:00+03:00", "hoidettu": "2026-10-25T03:28:00+03:00"}
    with pytest.raises(RecordError, match="before 'luotu'"):
        mapper.map(summer)
    winter = {**summer, "hoidettu": "2026-10-25T03:28:00+02:00"}
    (item,) = mapper.map(winter)
    assert item.end == hki(3, 28, fold=1)
    # read during the first pass (a pull at 3.35 summer time), the second pass is still in the future: the end
    # cannot be it, and the row is refused for ending before it starts (not for a time in the future)
    during = _mapper(config_dir, tmp_path, "field", until=hki(3, 35))
    with pytest.raises(RecordError, match="before 'luotu'"):
        during.map({**local, "luotu": "2026-10-25T03:30:00", "hoidettu": "2026-10-25T03:10:00"})
