"""Shares and durations as Finnish exports write them (``connectors.values``, through the mapping)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from board.source_settings import FieldMapping
from connectors.mapping import RecordError, RecordMapper
from connectors.values import parse_duration, parse_share

UNTIL = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "scale", "share"), [
    ("83,6", "auto", 0.836), ("83,6 %", "auto", 0.836), ("83,6%", "auto", 0.836), ("0,836", "auto", 0.836),
    ("100", "auto", 1.0), ("100 %", "auto", 1.0), ("0 %", "auto", 0.0), (0.5, "auto", 0.5), (97.8, "auto", 0.978),
    ("0,5", "percent", 0.005), ("0,5 %", "share", 0.005), ("1", "auto", 1.0), ("1", "percent", 0.01),
])
def test_shares_as_sources_state_them(text, scale, share):
    assert parse_share(text, scale) == pytest.approx(share)


@pytest.mark.parametrize("text", ["paljon", "83,6 %%", "", "%"])
def test_what_is_not_a_share_is_refused(text):
    with pytest.raises(ValueError, match="not a number"):
        parse_share(text)


@pytest.mark.parametrize(("value", "target", "plain", "expected"), [
    ("90", "min", None, 90.0), (90, "min", "s", 1.5), ("90", "h", "min", 1.5), ("5 400", "min", "s", 90.0),
    ("1:15", "min", None, 75.0), ("01:15:30", "min", None, 75.5), ("1 h 15 min", "min", None, 75.0),
    ("1h15min", "min", None, 75.0), ("2 vrk 3 h", "h", None, 51.0), ("45 min", "h", None, 0.75),
    ("1,5 h", "min", None, 90.0), ("90 s", "min", None, 1.5), ("3 pv", "d", None, 3.0), ("2 d 12 h", "d", None, 2.5),
    ("1 tunti 30 minuuttia", "min", None, 90.0), ("12,5", "min", None, 12.5),
])
def test_durations_as_sources_write_them(value, target, plain, expected):
    assert parse_duration(value, target, plain) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["1 h 15", "kauan", "1 vuosi", "1:75", "h 15", "15 min x", True])
def test_what_is_not_a_duration_is_refused(value):
    with pytest.raises(ValueError):
        parse_duration(value, "min")


def _map(record: dict, **mapping) -> list:
    base = {"layout": "wide", "station": "Asema", "time": "Aika",
            "metrics": {"Vanhin": "queue_oldest_wait_min", "Vastaamatta": "omasote_oldest_unanswered_h"}}
    return RecordMapper(FieldMapping.model_validate({**base, **mapping}), ["kajaani"], UNTIL).map(
        {"Asema": "kajaani", "Aika": "30.11.2026 08.00", **record})


def test_the_mapping_reads_durations_into_the_metrics_unit():
    readings = _map({"Vanhin": "1 h 15 min", "Vastaamatta": "2 vrk 3 h"})
    assert [(r.metric, r.value) for r in readings] == [("queue_oldest_wait_min", 75.0),
                                                       ("omasote_oldest_unanswered_h", 51.0)]
    readings = _map({"Vanhin": "5400", "Vastaamatta": "90"},
                    units={"queue_oldest_wait_min": "s", "omasote_oldest_unanswered_h": "min"})
    assert [r.value for r in readings] == [90.0, 1.5]


def test_a_duration_out_of_range_is_refused_after_conversion():
    assert _map({"Vanhin": "90 vrk", "Vastaamatta": "1"})[0].value == 129_600  # 90 days is the limit
    with pytest.raises(RecordError, match="queue_oldest_wait_min: value 131040 is out of range"):
        _map({"Vanhin": "91 vrk", "Vastaamatta": "1"})
    with pytest.raises(RecordError, match="not a duration"):
        _map({"Vanhin": "kauan", "Vastaamatta": "1"})


def test_units_must_fit_the_metric():
    with pytest.raises(ValidationError, match="queue_waiting is in count"):
        FieldMapping.model_validate({"units": {"queue_waiting": "s"}})
    with pytest.raises(ValidationError, match="unknown metric"):
        FieldMapping.model_validate({"units": {"jonossa": "s"}})
    assert FieldMapping.model_validate({"units": {"queue_oldest_wait_min": "s"}}).units
