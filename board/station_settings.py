"""``stations.yaml`` (and each area's file): the stations, their codes, opening hours and exception days."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from board.area_settings import Area
from board.domain.hours import OpeningHours, parse_exceptions

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Station(_Strict):
    code: str
    name: str = Field(min_length=1)
    municipality: str = Field(min_length=1)
    population: int | None = Field(None, ge=0)
    opening_hours: dict[str, str] | None = None
    #: Dates with other hours than the weekday's: ``{2026-12-24: closed, 2026-03-12: "08:00-12:00"}``.
    exception_days: dict[date | str, str] = {}
    #: A unit open on public holidays (a 24/7 emergency unit); otherwise a holiday is a closed day.
    open_on_holidays: bool = False
    #: The wellbeing area (board/area_settings.py); empty here means the area of the file the station is in.
    area: str = ""

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is not None:
            OpeningHours.parse(v)  # raises ValueError naming the weekday and the expected form
        return v

    @field_validator("exception_days")
    @classmethod
    def _exceptions(cls, v: dict[date | str, str]) -> dict[date | str, str]:
        parse_exceptions(v)  # raises ValueError naming the date and the expected form
        return v

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not _CODE.match(v):
            raise ValueError("must be lowercase letters, digits, '-' or '_' (used in URLs: ?station=CODE)")
        return v


class StationsFile(_Strict):
    default_opening_hours: dict[str, str] = {d: "08:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    #: Exception days of every station (a station's own exception on the same date wins).
    exception_days: dict[date | str, str] = {}
    #: The wellbeing area of this file's stations (board/area_settings.py).
    area: Area = Area()
    stations: list[Station] = []

    @field_validator("exception_days")
    @classmethod
    def _exceptions(cls, v: dict[date | str, str]) -> dict[date | str, str]:
        parse_exceptions(v)
        return v

    @field_validator("default_opening_hours")
    @classmethod
    def _hours(cls, v: dict[str, str]) -> dict[str, str]:
        OpeningHours.parse(v)
        return v

    @model_validator(mode="after")
    def _unique(self) -> StationsFile:
        seen: dict[str, int] = {}
        for i, s in enumerate(self.stations):
            if s.code in seen:
                raise ValueError(f"station code {s.code!r} appears twice (stations[{seen[s.code]}] and "
                                 f"stations[{i}]); codes must be unique")
            seen[s.code] = i
        return self
