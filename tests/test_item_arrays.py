"""The column counting (board/domain/item_arrays.py) gives exactly the reference's figures (board/domain/items.py).

The collector counts with the columns; :func:`board.domain.items.count`, :func:`~board.domain.items.instants`,
:func:`~board.domain.items.relevant` and :func:`board.retention.as_kept` stay the definitions. Here both are run
on the same generated item logs — both DST nights, midnights, events to the microsecond, items handled in the
same minute as created, open items from long before, items whose state changed after the fact — and must agree
bit for bit: the same instants, the same float figures (``array_equal``, not ``allclose``), the same thinned
blocks.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board.domain import item_arrays as arr
from board.domain.items import CLOSED, OUTCOME_CLASSES, Item, ItemType, count, instants, relevant, window_start
from board.domain.reading import ReadingBlock
from board.retention import as_kept, kept_blocks

HKI = ZoneInfo("Europe/Helsinki")
#: The spring-forward night (a 23-hour day), the fall-back night (25 hours), an ordinary midnight.
EDGES = [datetime(2026, 3, 29, 3, 0, tzinfo=HKI), datetime(2026, 10, 25, 3, 0, tzinfo=HKI, fold=1),
         datetime(2026, 10, 25, 4, 0, tzinfo=HKI), datetime(2026, 11, 2, 0, 0, tzinfo=HKI)]
CHANNELS = ("phone", "omasote", "chat", "visit", "fax", None)


def generated(kind: ItemType, rng: random.Random, n: int, around: datetime) -> list[Item]:
    """``n`` items of ``kind`` within about three days of ``around``, with the edges made likely."""
    centre = around.astimezone(UTC)
    out = []
    for k in range(n):
        shape = rng.random()
        if shape < 0.2:  # right on a minute, often on the midnight or the DST hour itself
            start = centre + timedelta(minutes=rng.randint(-180, 180))
        elif shape < 0.25:  # open since long before the window
            start = centre - timedelta(days=rng.randint(5, 40), seconds=rng.randint(0, 86_399))
        else:
            start = centre + timedelta(seconds=rng.randint(-3 * 86_400, 3 * 86_400), microseconds=rng.randint(0, 3))
        end = None
        e = rng.random()
        if e < 0.1:
            end = start  # handled the moment it came
        elif e < 0.15:
            end = start + timedelta(microseconds=1)
        elif e < 0.75:
            end = start + timedelta(seconds=rng.choice([59, 60, 61, 3_600, rng.randint(1, 2 * 86_400)]))
        score = rng.choice([None, *range(11)])
        needs = rng.random() < 0.4
        if kind is ItemType.FEEDBACK and not needs and rng.random() < 0.8:
            end = None
        out.append(Item(kind, f"k{k}", "st", start, end, channel=rng.choice(CHANNELS), score=score,
                        needs_reaction=needs, outcome=rng.choice([*OUTCOME_CLASSES, None, "other", CLOSED]),
                        updated=end or start))
    return out


def compare(kind: ItemType, items: list[Item], since: datetime, until: datetime, held: list[datetime]) -> None:
    """The collector's path (ItemRun._blocks) against the reference's, for one station and type."""
    first = window_start(since)
    ref_items = [i for i in items if relevant(i, first, until)]
    ref_at = sorted(set(instants(ref_items, since, until)) | set(held))
    columns = arr.ItemArrays.of(kind, items).relevant(arr.micros(first), arr.micros(until))
    assert sorted(columns.start.tolist()) == sorted(arr.micros(i.start) for i in ref_items)
    since_us, until_us = arr.micros(since), arr.micros(until)
    kept = [arr.micros(t) for t in held]
    midnights = arr.midnights_for(columns, since_us, until_us, kept)
    at = arr.instants(columns, since_us, until_us, midnights)
    if kept:
        at = np.union1d(at, np.array(kept, dtype=np.int64))
    assert [arr.from_micros(t) for t in at.tolist()] == ref_at
    for outcomes in (False, True):
        expected = count(kind, ref_items, ref_at, outcomes)
        got = arr.count(columns, at, midnights, outcomes)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert np.array_equal(got, expected), np.argwhere(got != expected)[:5]


@pytest.mark.parametrize("kind", list(ItemType))
@pytest.mark.parametrize("edge", EDGES)
def test_generated_logs_give_the_reference_figures(kind: ItemType, edge: datetime) -> None:
    rng = random.Random(f"{kind}{edge}")
    for n in (0, 1, 2, 7, 400):
        items = generated(kind, rng, n, edge)
        centre = edge.astimezone(UTC)
        for since, until in ((centre - timedelta(days=2), centre + timedelta(days=2, seconds=17)),
                             (centre - timedelta(minutes=1), centre + timedelta(minutes=1)),
                             (centre, centre), (centre - timedelta(hours=30, microseconds=5), centre)):
            held = sorted({since + timedelta(seconds=rng.randint(0, int((until - since).total_seconds())))
                           for _ in range(rng.randint(0, 5))})
            compare(kind, items, since, until, held)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(list(ItemType)), seed=st.integers(0, 2**32), n=st.integers(0, 60),
       edge=st.sampled_from(EDGES), before=st.integers(0, 4 * 86_400_000_000), after=st.integers(0, 86_400_000_000))
def test_any_log_gives_the_reference_figures(kind: ItemType, seed: int, n: int, edge: datetime, before: int,
                                             after: int) -> None:
    items = generated(kind, random.Random(seed), n, edge)
    centre = edge.astimezone(UTC)
    compare(kind, items, centre - timedelta(microseconds=before), centre + timedelta(microseconds=after), [])


def test_a_state_changed_after_the_fact_counts_as_the_reference() -> None:
    """A callback handled later (its new state replaces the old one) and one whose creation time was corrected."""
    t0 = datetime(2026, 10, 24, 20, 50, tzinfo=UTC)  # 23.50 Helsinki summer time, the evening before fall-back
    before = [Item(ItemType.CALLBACKS, "a", "st", t0), Item(ItemType.CALLBACKS, "b", "st", t0 + timedelta(hours=2))]
    after = [Item(ItemType.CALLBACKS, "a", "st", t0, t0 + timedelta(minutes=20)),
             Item(ItemType.CALLBACKS, "b", "st", t0 + timedelta(hours=1), t0 + timedelta(hours=5))]
    for items in (before, after):
        compare(ItemType.CALLBACKS, items, t0 - timedelta(days=1), t0 + timedelta(days=1), [])


def test_thinned_blocks_equal_as_kept() -> None:
    """kept_blocks (instants as microseconds) gives as_kept's blocks: times, metrics and values, block for block."""
    rng = random.Random(7)
    start = datetime(2026, 3, 20, tzinfo=UTC)
    minutes = set(rng.sample(range(0, 60 * 24 * 240), 40_000))  # across both DST nights
    bounds = [datetime(2026, 10, 1, 21, tzinfo=UTC), datetime(2026, 10, 28, 22, tzinfo=UTC),
              datetime(2026, 5, 1, 21, tzinfo=UTC)]  # the stages' own instants: each belongs to the later part
    minutes |= {int((b - start).total_seconds()) // 60 + d for b in bounds for d in (-1, 0, 1)}
    times = [start + timedelta(minutes=m) for m in sorted(minutes)]
    values = np.array([[rng.choice([0, 1, 2, 3, 3.5]) for _ in range(3)] for _ in times])
    metrics = ("a", "b", "c")
    for stages in ([], [(bounds[0], "day"), (bounds[1], "hour")], [(bounds[2], "hour")],
                   [(datetime(2027, 1, 1, tzinfo=UTC), "day")], [(datetime(2025, 1, 1, tzinfo=UTC), "day")]):
        us = np.array([arr.micros(t) for t in times], dtype=np.int64)
        midnights = arr.Midnights.covering(int(us[0]), int(us[-1]))
        expected = as_kept(ReadingBlock("st", metrics, tuple(times), values), stages)
        got = kept_blocks("st", metrics, us, values, stages, midnights, arr.from_micros)
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            assert (a.station, a.metrics, a.times) == (b.station, b.metrics, b.times)
            assert np.array_equal(a.values, b.values)


def test_an_item_from_the_year_one_counts_as_the_reference() -> None:
    """An item open since long before is counted without a Helsinki midnight for every day since its start: that
    was a cost growing with the item's age at every count (~0.09 s per station and type for an item from 1900,
    ~0.7 s from the year 1000), and for a source's "no date" placeholder (.NET's DateTime.MinValue, 0001-01-01,
    which the mapper lets through) an OverflowError. The reference counts it like any old item; so must the
    columns."""
    t0 = datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    ancient = datetime(1, 1, 1, 10, 0, tzinfo=UTC)
    for kind in ItemType:
        items = [Item(kind, "open", "st", ancient, None, needs_reaction=True, score=2, channel="phone",
                      updated=ancient),
                 Item(kind, "done", "st", ancient, t0 - timedelta(hours=3), needs_reaction=True, score=9,
                      channel="phone", outcome=OUTCOME_CLASSES[0], updated=t0 - timedelta(hours=3)),
                 Item(kind, "new", "st", t0 - timedelta(minutes=30), t0 - timedelta(minutes=5), needs_reaction=True,
                      score=7, channel="chat", outcome=OUTCOME_CLASSES[0], updated=t0 - timedelta(minutes=5))]
        for since in (t0 - timedelta(hours=1), t0 - timedelta(days=2)):
            compare(kind, items, since, t0, [since + timedelta(minutes=7)])
