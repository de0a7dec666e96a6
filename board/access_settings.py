"""Typed model of ``access`` in ``config/board.yaml``: sign-in and who has which role.

The page matrix itself is fixed in code (:mod:`board.domain.access`); this
says only *who* has a role, by e-mail address or by an ID-token claim's
values. ``BOARD_SIGN_IN`` overrides ``sign_in`` (see
:func:`board.settings.load_settings`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from board.domain.access import AccessRules, Role, RoleRule


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleRuleModel(_Strict):
    """Who has one role: ``emails`` (matched case-insensitively) and ``claim_values`` of ``access.role_claim``."""

    emails: list[str] = []
    claim_values: list[str] = []

    @field_validator("emails")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        bad = [e for e in v if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", e.strip())]
        if bad:
            raise ValueError(f"not an e-mail address: {', '.join(map(repr, bad))}")
        return [e.strip().lower() for e in v]

    @field_validator("claim_values")
    @classmethod
    def _values(cls, v: list[str]) -> list[str]:
        if any(not x.strip() for x in v):
            raise ValueError("claim values must not be empty")
        return v


class AccessSettings(_Strict):
    """Sign-in and roles (board/domain/access.py has the page matrix). ``BOARD_SIGN_IN`` overrides ``sign_in``."""

    sign_in: Literal["required", "off"] = "required"
    #: The ID-token claim whose values ``claim_values`` match (Entra ID: ``roles`` for app roles, ``groups``).
    role_claim: str | None = "roles"
    roles: dict[str, RoleRuleModel] = {}
    #: Whom a signed-in person without a role should ask (shown on the "no access" page), e.g. a service desk.
    contact: str | None = Field(None, max_length=200)
    #: A sign-in lasts at most this long (then sign in again, with fresh roles); ``null``: Streamlit's 30 days.
    sign_in_hours: float | None = Field(12, gt=0, le=720)

    @field_validator("sign_in", mode="before")
    @classmethod
    def _yaml_off(cls, v: object) -> object:
        """YAML reads a bare ``off`` as false (and ``on`` as true): take them as meant."""
        return {False: "off", True: "required"}.get(v, v) if isinstance(v, bool) else v

    @field_validator("role_claim")
    @classmethod
    def _claim_name(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.:-]{0,99}", v):
            raise ValueError("must be the name of an ID-token claim, such as roles or groups")
        return v

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, v: dict[str, RoleRuleModel]) -> dict[str, RoleRuleModel]:
        known = [r.value for r in Role]
        unknown = sorted(set(v) - set(known))
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(known)}")
        return v

    @model_validator(mode="after")
    def _claim(self) -> AccessSettings:
        if not self.role_claim and any(r.claim_values for r in self.roles.values()):
            raise ValueError("roles use claim_values but role_claim is empty; set role_claim (e.g. roles)")
        return self

    def rules(self) -> AccessRules:
        return AccessRules(self.role_claim, {Role(name): RoleRule(frozenset(r.emails), frozenset(r.claim_values))
                                             for name, r in self.roles.items()})
