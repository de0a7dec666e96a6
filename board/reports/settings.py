"""``config/reports.yaml``: when the weekly report leaves, through which e-mail channel, to whom, for which stations.

The channel is one of ``alerts.yaml``'s e-mail channels: the report leaves
through the same SMTP settings (and secrets) as the alerts, never a second
client. A missing file sends nothing.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,60}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportSubscription(_Strict):
    #: A role or a group, not a person's name (it names the report on /sources).
    name: str
    to: list[str] = Field(min_length=1)
    #: Station codes, or "all".
    stations: list[str] | Literal["all"] = "all"

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("must be letters, digits, '_', '-' or '.' (at most 60), e.g. esihenkilot_kainuu")
        return v

    @field_validator("to")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        for a in v:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", a):
                raise ValueError(f"{a!r} is not an e-mail address")
        return v


class WeeklyReport(_Strict):
    #: Helsinki time; the report is of the ISO week before the one this day falls in.
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    time: str = "07:00"
    #: An e-mail channel of alerts.yaml.
    channel: str
    #: A report not sent this long after its moment (the collectors were down) is not sent any more.
    send_within_hours: float = Field(48, gt=0, le=24 * 6)
    subscriptions: list[ReportSubscription] = []

    @field_validator("time")
    @classmethod
    def _clock(cls, v: str) -> str:
        m = re.fullmatch(r"([01]?\d|2[0-3])[:.]([0-5]\d)", str(v).strip())
        if not m:
            raise ValueError(f"{v!r} is not a clock time HH:MM")
        return f"{int(m[1]):02d}:{m[2]}"

    @model_validator(mode="after")
    def _unique(self) -> WeeklyReport:
        names = [s.name for s in self.subscriptions]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"subscription name(s) {', '.join(dupes)} appear more than once")
        return self

    @property
    def clock(self) -> time:
        return time.fromisoformat(self.time)

    @property
    def weekday_number(self) -> int:
        return WEEKDAYS.index(self.weekday)


class ReportsFile(_Strict):
    weekly: WeeklyReport | None = None


def check_report_references(file: ReportsFile, path: Path, stations: set[str], email_channels: set[str]) -> None:
    """The channel must be an e-mail channel of alerts.yaml and the stations configured ones (ValueError)."""
    weekly = file.weekly
    if weekly is None:
        return
    if weekly.channel not in email_channels:
        raise ValueError(f"{path}: weekly.channel: {weekly.channel!r} is not an e-mail channel of alerts.yaml; "
                         f"e-mail channels: {', '.join(sorted(email_channels)) or '(none)'}")
    for i, s in enumerate(weekly.subscriptions):
        unknown = sorted(set(s.stations if s.stations != "all" else []) - stations)
        if unknown:
            raise ValueError(f"{path}: weekly.subscriptions[{i}] ({s.name}): unknown station(s) {', '.join(unknown)}")
