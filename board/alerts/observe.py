"""What each rule says about each station and source now: the evaluator's input, from plain values.

The evaluator reads the store (each station's current figures, its
projection, each source's health) and hands them here as plain data; this
module turns them into one :class:`~board.domain.alerts.Observation` per
rule and subject. Kept apart from the reading so it is tested without a
store, and so the pages and the evaluator judge the same values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time

from board.domain import alerts as al
from board.domain.status import Threshold


@dataclass(frozen=True)
class StationNow:
    """One station at the evaluation's moment."""

    code: str
    is_open: bool
    clock: time  # Helsinki wall clock now (time-of-day thresholds)
    #: Figures valid now (stored and derived); a stale figure is None, as the wall shows a dash.
    values: Mapping[str, float | None]
    thresholds: Mapping[str, Threshold]
    #: The projection at closing (median, band low), None when there is none (closed, too little history).
    projected: tuple[float, float] | None = None


@dataclass(frozen=True)
class SourceNow:
    name: str
    health: str  # board.domain.source_health.SourceHealth value
    any_station_open: bool


def observe(rules: Iterable[al.Rule], stations: Iterable[StationNow],
            sources: Iterable[SourceNow]) -> dict[tuple[str, str], al.Observation]:
    """Every (rule, subject) the rules cover, with what the rule says now."""
    stations = list(stations)
    sources = list(sources)
    out: dict[tuple[str, str], al.Observation] = {}
    for rule in rules:
        if isinstance(rule, al.SourceRule):
            for src in sources:
                if rule.sources is None or src.name in rule.sources:
                    out[(rule.name, src.name)] = rule.observe(src.health, src.any_station_open)
            continue
        for st in stations:
            if rule.stations is not None and st.code not in rule.stations:
                continue
            if isinstance(rule, al.ThresholdRule):
                obs = rule.observe(st.values.get(rule.figure), st.thresholds.get(rule.figure), st.clock, st.is_open)
            else:
                median, low = st.projected if st.projected is not None else (None, None)
                obs = rule.observe(median, low, st.is_open)
            out[(rule.name, st.code)] = obs
    return out
