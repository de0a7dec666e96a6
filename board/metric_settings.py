"""``metrics.yaml``: thresholds (with per-station overrides), targets, the smallest sample judged, employee NPS."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from board.domain.metrics import KNOWN_FIGURES
from board.domain.snapshot import SAMPLE_OF
from board.domain.status import Threshold


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThresholdModel(_Strict):
    amber: float
    red: float
    direction: Literal["higher_is_worse", "lower_is_worse"] = "higher_is_worse"

    @model_validator(mode="after")
    def _order(self) -> ThresholdModel:
        Threshold(self.amber, self.red, self.direction)  # raises ValueError with a readable message
        return self

    def to_domain(self) -> Threshold:
        return Threshold(self.amber, self.red, self.direction)


def _check_figures(names: dict[str, Any]) -> None:
    unknown = sorted(set(names) - KNOWN_FIGURES)
    if unknown:
        raise ValueError(f"unknown figure(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_FIGURES))}")


class EmployeeNpsSettings(_Strict):
    #: A period's employee NPS is shown only with at least this many answers (no one's answer singled out).
    min_answers: int = Field(5, ge=1, le=1000)


class MetricsFile(_Strict):
    thresholds: dict[str, ThresholdModel] = {}
    station_overrides: dict[str, dict[str, ThresholdModel]] = {}
    targets: dict[str, float] = {}
    #: A share or score is judged (coloured) only when today's sample is at least this big.
    min_sample: dict[str, int] = {"feedback_nps": 5, "queue_same_day_share": 10, "contacts_remote_share": 20}
    #: Employee feedback (board/domain/employee_nps.py): managers' views only.
    employee_nps: EmployeeNpsSettings = EmployeeNpsSettings()

    @field_validator("min_sample")
    @classmethod
    def _known_samples(cls, v: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(v) - set(SAMPLE_OF))
        if unknown:
            raise ValueError(f"min_sample can be set for {', '.join(sorted(SAMPLE_OF))}, not {', '.join(unknown)}")
        if any(n < 1 for n in v.values()):
            raise ValueError("min_sample values must be at least 1")
        return v

    @field_validator("thresholds", "targets")
    @classmethod
    def _known(cls, v: dict[str, Any]) -> dict[str, Any]:
        _check_figures(v)
        return v

    @field_validator("station_overrides")
    @classmethod
    def _known_overrides(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for figures in v.values():
            _check_figures(figures)
        return v
