"""``config/care_guarantee.yaml``: the care-guarantee rules by date and the T3 professions shown.

A change of the law is a new dated entry here, never code. A missing file
means no rules: access to care is then shown without a within-limit share
(the counts are still stored and shown). A wrong key or a limit the sources
do not count stops the board at start with the file and the key, like every
other configuration file (:func:`board.settings.load_settings`).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from board.domain.access_to_care import CareGuarantee, CareRule, Limit
from board.domain.figures import AGE_GROUPS, T3_PROFESSIONS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RuleModel(_Strict):
    #: The first day the rule applies (Helsinki date).
    start: date = Field(alias="from")
    #: The legal basis, shown with the rule.
    basis: str = Field("", max_length=120)
    #: Age group -> limit: ``u23`` (under 23), ``23plus`` (23 and over); ``14 days`` or ``3 months``.
    limits: dict[str, str]

    @field_validator("limits")
    @classmethod
    def _limits(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(AGE_GROUPS))
        if unknown:
            raise ValueError(f"unknown age group(s) {', '.join(unknown)}; expected {', '.join(AGE_GROUPS)}")
        missing = [g for g in AGE_GROUPS if g not in v]
        if missing:
            raise ValueError(f"a limit is needed for every age group; missing {', '.join(missing)}")
        for text in v.values():
            Limit.parse(text)
        return v


class T3Model(_Strict):
    professions: list[str] = Field(default_factory=lambda: ["doctor", "nurse"], min_length=1)
    waiting_list_days: int = Field(182, ge=1, le=366)

    @field_validator("professions")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [p for p in v if p not in T3_PROFESSIONS]
        if unknown:
            raise ValueError(f"unknown profession(s) {', '.join(unknown)}; sources state T3 for "
                             f"{', '.join(T3_PROFESSIONS)}")
        return list(dict.fromkeys(v))


class CareGuaranteeFile(_Strict):
    rules: list[RuleModel] = Field(default_factory=list)
    t3: T3Model = Field(default_factory=T3Model)
    #: The share of non-urgent visits within the limit aimed at (the law: all of them).
    within_limit_target: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _dated(self) -> CareGuaranteeFile:
        starts = [r.start for r in self.rules]
        if len(set(starts)) != len(starts):
            raise ValueError("two rules start on the same day")
        return self

    def to_domain(self) -> CareGuarantee:
        rules = sorted(self.rules, key=lambda r: r.start)
        return CareGuarantee(
            tuple(CareRule(r.start, {g: Limit.parse(r.limits[g]) for g in AGE_GROUPS}, r.basis) for r in rules),
            tuple(self.t3.professions), self.t3.waiting_list_days)
