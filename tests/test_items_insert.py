"""Inserting many items on SQLite: a bigger page cache for the insert, then the connection's own again.

board/store/items.py runs an insert of at least ``BULK_ROWS`` items with a page cache of ``BULK_CACHE_KIB``
(an item's key is a hash: its rows land on random pages of the key index). The pooled connection must come back
with the cache it had, and every item must be stored as given, below and above the threshold.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from board.domain.items import Item, ItemType
from board.store import Store
from board.store import items as store_items
from board.store.schema import ItemRow

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _items(n: int, tag: str) -> list[Item]:
    return [Item(ItemType.CALLBACKS, f"{tag}-{k:06d}", "kajaani", T0 + timedelta(minutes=k),
                 None if k % 3 else T0 + timedelta(minutes=k + 7), outcome=None if k % 2 else "resolved",
                 updated=T0 + timedelta(minutes=k + 7)) for k in range(n)]


def _cache_size(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("PRAGMA cache_size")).scalar_one())


@pytest.mark.parametrize("n", [store_items.BULK_ROWS - 1, store_items.BULK_ROWS, 3 * store_items.BULK_ROWS + 7])
def test_insert_items_stores_each_and_restores_the_cache(sqlite_url: str, n: int) -> None:
    store = Store.open(sqlite_url)
    try:
        store.engine.pool.dispose()  # one pooled connection from here on, so the one the insert used is read after
        before = _cache_size(store)
        assert before != -store_items.BULK_CACHE_KIB
        given = _items(n, "a")
        store.insert_items("callbacks", given)
        assert _cache_size(store) == before
        with store.sessions() as s:
            rows = s.execute(select(ItemRow.key, ItemRow.start_ts, ItemRow.end_ts, ItemRow.outcome)
                             .where(ItemRow.source == "callbacks").order_by(ItemRow.key)).all()
        assert [(r.key, r.start_ts, r.end_ts, r.outcome) for r in rows] == [
            (i.key, i.start, i.end, i.outcome) for i in given]
    finally:
        store.dispose()
