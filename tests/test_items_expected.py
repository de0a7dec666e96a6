"""What a source of items is expected to deliver, on /sources and for "Ei seurata", is what it stores.

Before, ``expected_metrics`` gave a source's ``mapping.metrics``, which an item source has none of: its
freshness grid on /sources showed only what had arrived (an Omasote source not heard from yet showed nothing at all
rather than "✕ Ei tietoa" under Omasote), while board/read/tracked.py had its own list. Now both read
the collector's own list (board/item_settings.py ``item_metrics``).

The truth is what the collector stores from real exports (tests/item_exports.py), not the board's list:
for each item type, the set of metrics stored by the source is the set /sources expected of it — and for
a source silent at first, the set it expected before the first export came.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from board.collector import Collector
from board.domain.items import Item, ItemType
from board.domain.metrics import METRICS
from board.environment import read_environment
from board.factory import create_board
from board.read.sources import expected_metrics, source_statuses
from board.read.tracked import source_families, tracked_by_station, tracked_families
from board.settings import load_settings
from board.store import Store
from tests.conftest import pages_reading
from tests.item_exports import CB, CON, FB, KEY, MSG, OUTCOME_WORDS, files_source, write_export

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday 14.00 in Helsinki
#: name, item type, stations, whether callbacks' outcome column is mapped
SOURCES = [("soitot", CB, ["kajaani"], True), ("soitot-sotkamo", CB, ["sotkamo"], False),
           ("viestit", MSG, ["kajaani"], True), ("yhteydet", CON, ["kajaani"], True),
           ("palaute", FB, ["sotkamo", "kuhmo"], True)]
SILENT = "viestit"  # configured, not pulled yet
DELIVERING = {name for name, *_ in SOURCES} - {SILENT}


def _items(kind: ItemType, stations: list[str], rng: random.Random) -> list[Item]:
    """A morning's items of ``kind``: whole minutes 8.00-13.50 Helsinki, some still open."""
    out = []
    for n in range(40):
        start = NOW - timedelta(minutes=10 + rng.randrange(350))
        end = start + timedelta(minutes=rng.randrange(1, 60)) if rng.random() < 0.7 else None
        end = end if end is None or end < NOW else None
        station = stations[n % len(stations)]
        key = f"{kind.value[:2].upper()}-{1000 + n}"
        if kind is CB:
            out.append(Item(kind, key, station, start, end, outcome=rng.choice(list(OUTCOME_WORDS)) if end else None))
        elif kind is MSG:
            out.append(Item(kind, key, station, start, end))
        elif kind is CON:
            out.append(Item(kind, key, station, start, channel=rng.choice(("phone", "omasote", "chat", "visit"))))
        else:
            out.append(Item(kind, key, station, start, end, score=rng.randint(0, 10), needs_reaction=end is not None))
    return out


def _configure(config_dir: Path, url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    entries = []
    for name, kind, stations, outcomes in SOURCES:
        folder = tmp_path / name
        folder.mkdir()
        entries.append(files_source(name, kind, folder, stations, outcomes))
    (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True),
                                             encoding="utf-8")
    return load_settings(config_dir, url, read_environment({"BOARD_ITEM_KEY": KEY}))


def _deliver(tmp_path: Path, rng: random.Random, names: set[str]) -> None:
    for name, kind, stations, _ in SOURCES:
        if name in names:
            write_export(tmp_path / name, kind, _items(kind, stations, rng), f"{name}.csv", cp1252=name != "palaute")


def _stored(store: Store) -> dict[str, set[str]]:
    """The metrics each source has stored (any station)."""
    out: dict[str, set[str]] = {}
    for src, _station, metric, _ts in store.newest_by_source():
        out.setdefault(src, set()).add(metric)
    return out


def _run(settings, store: Store, when: datetime, names: set[str]) -> None:  # type: ignore[no-untyped-def]
    """One run of each source in ``names`` (a files source of items that finds no export still stores its
    state at the pull's moment: the silent source is one not pulled yet)."""
    collector = Collector(settings, store, clock=lambda: when, sleep=lambda s: None)
    for name in sorted(names):
        for outcome in collector.run_once(only=name):
            assert outcome.ok, (name, outcome.error, outcome.rejects)


def test_an_item_source_expects_what_it_stores_and_tracked_agrees(config_dir: Path, sqlite_url: str,
                                                                   tmp_path: Path):
    settings = _configure(config_dir, sqlite_url, tmp_path)
    store = Store.open(sqlite_url)
    rng = random.Random(14)
    _deliver(tmp_path, rng, DELIVERING)
    _run(settings, store, NOW, DELIVERING)
    stored = _stored(store)
    by_name = {s.name: s for s in settings.sources}
    silent_expected = expected_metrics(by_name[SILENT])
    assert SILENT not in stored and silent_expected  # expected before anything came
    for name, *_ in SOURCES:
        if name == SILENT:
            continue
        source = by_name[name]
        assert expected_metrics(source) == stored[name], name
        assert source_families(source) == {METRICS[m].family for m in stored[name]}, name
    # the callbacks source without a mapped outcome column stores (and expects) no outcome classes
    assert stored["soitot"] > stored["soitot-sotkamo"]

    # /sources' read side: the silent source's grid names each figure it lacks, its tile "missing"
    statuses = {s.source.name: s for s in source_statuses(settings, store, NOW + timedelta(seconds=30))}
    row = statuses[SILENT].freshness["kajaani"]
    assert set(row) == silent_expected and all(f.ts is None for f in row.values())
    families = statuses[SILENT].family_freshness("kajaani")
    assert {f for f, v in families.items() if v is not None} == {METRICS[m].family for m in silent_expected}
    # a delivering source's grid has a time for every figure it expects
    fed = statuses["palaute"].freshness["kuhmo"]
    assert set(fed) == stored["palaute"] and all(f.ts is not None for f in fed.values())

    # the wall's "Ei seurata" and /sources agree: kuhmo is fed by feedback answers alone
    assert tracked_families(settings, "kuhmo") == {METRICS[m].family for m in stored["palaute"]}
    assert tracked_families(settings, "kajaani") == {METRICS[m].family for n in ("soitot", "yhteydet")
                                                     for m in stored[n]} | {METRICS[m].family
                                                                            for m in silent_expected}

    # the weekly view's station-by-station form answers the same
    codes = [s.code for s in settings.stations]
    assert tracked_by_station(settings, codes) == {c: tracked_families(settings, c) for c in codes}

    # the silent source's first export: it stores exactly what was expected of it
    _deliver(tmp_path, rng, {SILENT})
    _run(settings, store, NOW + timedelta(minutes=1), {SILENT})
    assert _stored(store)[SILENT] == silent_expected


@pytest.fixture
def items_page(config_dir: Path, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BOARD_ITEM_KEY", KEY)
    settings = _configure(config_dir, sqlite_url, tmp_path)
    with pages_reading(create_board(config_dir, sqlite_url, sign_in="off")) as board:
        _deliver(tmp_path, random.Random(15), DELIVERING)
        _run(board.settings, board.store, NOW, DELIVERING)
        st.cache_data.clear()
        yield settings, board.store


def _grid(html: str, source: str) -> str:
    card = html.index(f'data-source="{source}"')
    return html[html.index('<table class="fresh-grid"', card):]


def test_the_sources_page_shows_which_figure_an_item_source_lacks(items_page):
    settings, store = items_page
    at = AppTest.from_file(str(ROOT / "pages/sources.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    html = "".join(h.value for h in at.html)
    grids = {name: re.findall(r'<table class="fresh-grid".*?</table>', _grid(html, name), re.S)[0]
             for name, *_ in SOURCES}
    stored = _stored(store)
    by_name = {s.name: s for s in settings.sources}
    for name, _kind, stations, _ in SOURCES:
        for code in stations:
            row = re.search(rf'<tr data-station="{code}">.*?</tr>', grids[name]).group(0)
            cells = re.findall(r'data-fresh="([a-z]+)"', row)
            families = {METRICS[m].family for m in (stored.get(name) or expected_metrics(by_name[name]))}
            if name == SILENT:  # expected, nothing came: "✕ Ei tietoa" under its tile, the others not its
                assert cells.count("missing") == len(families) == 1 and cells.count("none") == len(cells) - 1
                assert "Ei tietoa" in row
            else:  # delivered (a fixed moment in the past: old by now, but there)
                assert cells.count("none") == len(cells) - len(families) and "missing" not in cells, (name, row)
    # "which figure is missing": the silent source's by-metric table lists each figure it expects, none arrived
    tables = [d.value for d in at.dataframe]
    silent = next(df for df in tables if df.shape[1] == 3 and set(df.iloc[:, 1]) == expected_metrics(by_name[SILENT]))
    assert set(silent.iloc[:, 2]) == {"–"} and len(silent) == len(expected_metrics(by_name[SILENT]))
