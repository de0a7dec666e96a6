"""A real collector over a temporary configuration and SQLite store, for the bad-input tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text

from board.collector import Collector
from board.settings import Settings, load_settings
from board.store import Store
from tests.conftest import write_config


@contextmanager
def collector_for(tmp_path: Path, *sources: dict[str, Any], name: str = "board") -> Iterator[Collector]:
    """A Collector (real settings validation, real SQLite store) for exactly ``sources``."""
    config = write_config(tmp_path / f"{name}-config")
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": list(sources)}, allow_unicode=True),
                                         encoding="utf-8")
    settings: Settings = load_settings(config, f"sqlite:///{tmp_path / f'{name}.sqlite'}")
    store = Store.open(settings.database_url)
    try:
        yield Collector(settings, store, sleep=lambda _s: None, backoff_seconds=0)
    finally:
        store.dispose()


def stored(collector: Collector) -> list[tuple[str, str, float]]:
    """Every reading in the store as (station, metric, value), whatever the connector."""
    with collector.store.engine.connect() as conn:
        rows = conn.execute(text("SELECT station, metric, value FROM readings "
                                 "JOIN series ON series.id = readings.series ORDER BY station, metric, value"))
        return [(r[0], r[1], float(r[2])) for r in rows]


def wide_mapping() -> dict[str, Any]:
    return {"layout": "wide", "station": "Asema", "time": "Aika",
            "metrics": {"Jonossa": "queue_waiting", "Vanhin": "queue_oldest_wait_min",
                        "Puhelut": "contacts_phone_today"}}


def long_mapping() -> dict[str, Any]:
    return {"station": "station", "time": "time", "metric": "metric", "value": "value"}
