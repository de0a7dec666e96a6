"""Callback outcome codes (issue 14, step 3): mapped per source to classes, counted per day by the board, and
shown on the weekly view and its exports as the failure-demand share and the not-reached callbacks.

Truths are counted here with plain loops from the test's own list; the week's share is hand-checked: 200
callbacks of which 27 were failure demand is 13.5 % (Kainuu's reported level after its board).
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml

from board import export
from board.collector import Collector
from board.domain import figures
from board.domain.items import OUTCOME_CLASSES, OUTCOME_METRICS, Item, ItemType, count, instants
from board.environment import read_environment
from board.read import week as weekly
from board.settings import load_settings
from board.store import Store
from tests.loopback import loopback
from tests.test_items_domain import HKI, reconciled

CB = ItemType.CALLBACKS
CODES = {"HOID": "resolved", "AIKA": "appointment", "EITAV": "not_reached", "OHJ": "redirected",
         "UUSI": "failure_demand"}


def local(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=HKI).astimezone(UTC)


def test_outcome_counts_per_day_reconcile_with_a_plain_count():
    rng = random.Random(7)
    origin = local(date(2026, 10, 23), 0)
    items = []
    for k in range(800):
        start = origin + timedelta(minutes=rng.randrange(4 * 24 * 60))
        end = start + timedelta(minutes=rng.randrange(1, 36 * 60)) if rng.random() < 0.9 else None
        items.append(Item(CB, str(k), "kajaani", start, end, outcome=rng.choice((*OUTCOME_CLASSES, None))))
    at = instants(items, origin, origin + timedelta(days=4))
    grid = count(CB, items, at, outcomes=True)
    assert grid.shape[1] == 5 + len(OUTCOME_METRICS)
    for row, t in zip(grid, at, strict=True):
        local_day = t.astimezone(HKI).date()
        for j, cls in enumerate(OUTCOME_CLASSES):
            want = sum(1 for i in items if i.end is not None and i.outcome == cls
                       and i.end.astimezone(HKI).date() == local_day and i.end <= t)
            assert row[5 + j] == want, (t, cls)
    reconciled(items=len(items), instants=len(at), figures_compared=len(at) * len(OUTCOME_CLASSES))


def test_failure_demand_share_is_failure_demand_over_classified_outcomes():
    values = dict(zip(OUTCOME_METRICS, (120, 40, 12, 1, 27), strict=True))
    assert figures.derive(values)["queue_outcomes_today"] == 200
    assert figures.derive(values)["queue_failure_demand_share"] == pytest.approx(0.135)


def test_the_weekly_view_and_its_exports_show_failure_demand_and_not_reached(config_dir, database_url):
    monday = date(2026, 11, 16)  # week 47
    classes = ["UUSI"] * 27 + ["EITAV"] * 12 + ["OHJ"] * 1 + ["AIKA"] * 40 + ["HOID"] * 120
    random.Random(47).shuffle(classes)
    records = []
    for n, code in enumerate(classes):  # 40 a weekday, Mon-Fri, every 10 minutes from 8.00
        day = monday + timedelta(days=n // 40)
        created = local(day, 8) + timedelta(minutes=10 * (n % 40))
        records.append({"id": f"T{n}", "unit": "kajaani", "created": created.isoformat(),
                        "handled": (created + timedelta(minutes=25)).isoformat(), "code": code})
    with loopback() as server:
        server.set(json.dumps(records).encode())
        (config_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [{
            "name": "soitot", "type": "rest", "url": server.url, "interval_seconds": 30, "stale_after_seconds": 600,
            "backfill_days": 10, "stations": ["kajaani"], "deliver": "items",
            "items": {"item": "callbacks", "id_key": "${BOARD_ITEM_KEY}", "outcomes": CODES,
                      "fields": {"id": "id", "station": "unit", "start": "created", "end": "handled",
                                 "outcome": "code"}}}]}), encoding="utf-8")
        settings = load_settings(config_dir, database_url, read_environment({"BOARD_ITEM_KEY": "k" * 32}))
        store = Store.open(database_url)
        (outcome,) = Collector(settings, store, clock=lambda: local(date(2026, 11, 23), 9),
                               sleep=lambda s: None).run_once()
    assert outcome.ok, outcome.error
    report = weekly.week_report(settings, store, 2026, 47, ["kajaani"])
    week = report.stations[0].week
    assert week["queue_outcomes"] == 200
    assert week["queue_not_reached"] == 12
    assert week["queue_failure_demand"] == 27
    assert week["queue_failure_demand_share"] == pytest.approx(0.135)
    days = {d.day: d.figures for d in report.stations[0].days}
    want_monday = sum(1 for c in classes[:40] if c == "UUSI")
    assert days[monday]["queue_failure_demand"] == want_monday

    rows = list(csv.reader(io.StringIO(export.week_csv(report, "fi").decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    share_col = header.index("Häiriökysynnän osuus lopputuloksista (%)")
    not_reached_col = header.index("Takaisinsoitot: asiakasta ei tavoitettu")
    week_row = next(r for r in rows if r[1] == "vko 47")
    assert week_row[share_col] == "13,5"
    assert week_row[not_reached_col] == "12"
    assert export.week_xlsx(report, "fi")[:2] == b"PK"
    reconciled(callbacks=200, outcomes=week["queue_outcomes"], failure_demand=week["queue_failure_demand"],
               share=week["queue_failure_demand_share"], not_reached=week["queue_not_reached"],
               shown_in="weekly view, CSV, xlsx")
