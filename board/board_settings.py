"""``board.yaml``: the board's language, the wall's refresh, typed-in figures' expiry, retention, sign-in and roles."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from board.access_settings import AccessSettings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WallSettings(_Strict):
    refresh_seconds: int = Field(15, ge=2, le=3600)


class RetentionSettings(_Strict):
    """How long readings stay at full resolution (``null`` switches a stage off); see board/retention.py."""

    #: After this many days keep the last and the highest reading of each hour (at least 8: the overview
    #: draws the same weekday last week at full resolution).
    hourly_after_days: int | None = Field(35, ge=8)
    #: After this many days keep the last and the highest reading of each day.
    daily_after_days: int | None = Field(400, ge=8)

    @model_validator(mode="after")
    def _order(self) -> RetentionSettings:
        if self.hourly_after_days and self.daily_after_days and self.daily_after_days <= self.hourly_after_days:
            raise ValueError(f"daily_after_days ({self.daily_after_days}) must be more than hourly_after_days "
                             f"({self.hourly_after_days})")
        return self


class ManualSettings(_Strict):
    """Figures typed by hand while a source is down (board/domain/manual.py): how long one stays by default."""

    #: The expiry the /manual form offers first; 5 minutes to 12 hours (board.domain.manual.MAX_EXPIRY).
    default_expiry_minutes: int = Field(120, ge=5, le=720)


class BoardSettings(_Strict):
    language: Literal["fi", "sv", "en"] = "fi"
    wall: WallSettings = WallSettings()
    manual_entry: ManualSettings = ManualSettings()
    retention: RetentionSettings = RetentionSettings()
    access: AccessSettings = AccessSettings()
