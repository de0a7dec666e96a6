"""Series codes (board/store/series.py): made once per station and metric, kept by a store only once committed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import text

from board.domain.reading import Reading, ReadingBlock
from board.store import Store

AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def _series(store: Store) -> dict[tuple[str, str], int]:
    with store.engine.connect() as conn:
        return {(st, m): code for code, st, m in conn.execute(text("SELECT id, station, metric FROM series"))}


def _stored(store: Store) -> list[tuple[str, str, datetime, float]]:
    return sorted((r.station, r.metric, r.ts, r.value) for st in ("kajaani", "sotkamo", "kuhmo")
                  for r in store.series(st, ["queue_waiting", "contacts_today"], AT - timedelta(days=1),
                                        AT + timedelta(days=1)))


def test_a_rolled_back_writes_codes_are_not_kept(database_url: str):
    store = Store.open(database_url)
    store.write_readings([Reading("kajaani", "queue_waiting", AT, 3.0)], "jono", AT)

    def failing() -> Iterator[Reading | ReadingBlock]:
        yield ReadingBlock("sotkamo", ("queue_waiting", "contacts_today"), (AT, AT + timedelta(minutes=1)),
                           np.array([[1.0, 2.0], [3.0, 4.0]]))
        yield Reading("kuhmo", "queue_waiting", AT, 5.0)
        raise RuntimeError("the source broke off")

    with pytest.raises(RuntimeError):
        store.write_readings(failing(), "jono", AT)
    assert set(_series(store)) == {("kajaani", "queue_waiting")}  # the codes were rolled back with the write
    assert store.series_codes.get(("sotkamo", "queue_waiting")) is None
    assert store.series_codes.get(("kuhmo", "queue_waiting")) is None
    assert store.series_codes.get(("kajaani", "queue_waiting")) == _series(store)[("kajaani", "queue_waiting")]
    # the same readings again, as a list of blocks and a single one: codes made now, and kept after the commit
    store.write_readings([ReadingBlock("sotkamo", ("queue_waiting", "contacts_today"), (AT,), np.array([[1.0, 2.0]])),
                          Reading("kuhmo", "queue_waiting", AT, 5.0)], "jono", AT)
    codes = _series(store)
    assert set(codes) == {("kajaani", "queue_waiting"), ("sotkamo", "queue_waiting"), ("sotkamo", "contacts_today"),
                          ("kuhmo", "queue_waiting")}
    assert all(store.series_codes.get(pair) == code for pair, code in codes.items())
    assert _stored(store) == [("kajaani", "queue_waiting", AT, 3.0), ("kuhmo", "queue_waiting", AT, 5.0),
                              ("sotkamo", "contacts_today", AT, 2.0), ("sotkamo", "queue_waiting", AT, 1.0)]
    store.dispose()


def test_two_stores_on_one_database_share_each_pairs_code(database_url: str):
    """Two processes (a collector and the push service) each keep codes: a pair one made is found by the other,
    whose cache was read before it existed, and their readings go under one series."""
    first, second = Store.open(database_url), Store.open(database_url)
    first.write_readings([Reading("kajaani", "queue_waiting", AT, 1.0)], "jono", AT)
    second.write_readings([Reading("kajaani", "queue_waiting", AT + timedelta(minutes=1), 2.0)], "push", AT)
    second.write_readings([ReadingBlock("sotkamo", ("queue_waiting",), (AT,), np.array([[7.0]]))], "push", AT)
    first.write_readings([ReadingBlock("sotkamo", ("queue_waiting", "contacts_today"), (AT + timedelta(minutes=1),),
                                       np.array([[8.0, 9.0]]))], "jono", AT)
    codes = _series(first)
    assert len(codes) == 3 and len(set(codes.values())) == 3
    for store in (first, second):
        assert all(store.series_codes.get(pair) in (None, code) for pair, code in codes.items())
        assert _stored(store) == [
            ("kajaani", "queue_waiting", AT, 1.0), ("kajaani", "queue_waiting", AT + timedelta(minutes=1), 2.0),
            ("sotkamo", "contacts_today", AT + timedelta(minutes=1), 9.0), ("sotkamo", "queue_waiting", AT, 7.0),
            ("sotkamo", "queue_waiting", AT + timedelta(minutes=1), 8.0)]
    first.dispose()
    second.dispose()


def test_a_running_stores_codes_follow_the_series_table_made_again(database_url: str):
    """A collector (or the push service) keeps running while an administrator runs ``alembic downgrade 0016`` and
    ``alembic upgrade head`` (docs/DEPLOY.md): the upgrade gives the codes again, in key order. The running store's
    cached codes are of the old table; a reading written with one went under another pair's code (no foreign key
    notices), shown on the other station. Its next write must find the new table and its codes."""
    from alembic import command

    from board.store import MIGRATIONS

    running = Store.open(database_url)
    running.write_readings([Reading("sotkamo", "queue_waiting", AT, 1.0)], "jono", AT)  # first made: code 1
    running.write_readings([Reading("kajaani", "queue_waiting", AT, 2.0)], "jono", AT)  # code 2
    assert _series(running) == {("sotkamo", "queue_waiting"): 1, ("kajaani", "queue_waiting"): 2}

    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    admin = Store.open(database_url, create=False)
    with admin.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0016")
        command.upgrade(config, "head")
    assert _series(admin) == {("kajaani", "queue_waiting"): 1, ("sotkamo", "queue_waiting"): 2}  # key order

    running.write_readings([Reading("sotkamo", "queue_waiting", AT + timedelta(minutes=1), 3.0),
                            Reading("kuhmo", "queue_waiting", AT, 4.0)], "jono", AT)
    later = AT + timedelta(minutes=1)
    assert _stored(admin) == [("kajaani", "queue_waiting", AT, 2.0), ("kuhmo", "queue_waiting", AT, 4.0),
                              ("sotkamo", "queue_waiting", AT, 1.0), ("sotkamo", "queue_waiting", later, 3.0)]
    codes = _series(admin)
    assert len(set(codes.values())) == 3
    assert all(running.series_codes.get(pair) == code for pair, code in codes.items())
    admin.dispose()
    running.dispose()
