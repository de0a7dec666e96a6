"""Who may open which page: roles, the fixed page matrix, and a signed-in user's roles from configuration.

Pure Python (no Streamlit): the pages ask :func:`viewer_for` who is looking
and :meth:`Viewer.can` what that person may see, so every rule here is tested
without a browser.

The matrix is fixed in code on purpose: which page shows what is a decision
about the data (a manager's week, an administrator's error messages), not a
setting a typo could widen. Configuration only says *who* has a role:

* by e-mail address (case-insensitive) — the ID token's ``email`` claim, or
  ``preferred_username`` when the provider sends no ``email`` (Entra ID does
  not by default);
* by the values of one ID-token claim (``role_claim``, default ``roles``):
  Entra ID *app roles* arrive in ``roles``, security groups (object IDs) in
  ``groups``. Only a tenant administrator can assign an app role, so this is
  the way to run it for real; e-mail lists are for a pilot.

The wall display is public: a corridor TV never signs in (and so never gets
signed out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    MANAGER = "manager"
    SHIFT_LEAD = "shift_lead"


class Page(StrEnum):
    """Pages and the two things that are more than reading (posting notices, acknowledging alerts)."""

    WALL = "wall"
    OVERVIEW = "overview"
    WEEK = "week"
    MONTH = "month"
    NOTICES = "notices"
    MANUAL = "manual"
    POST_NOTICE = "post_notice"
    NOTES = "notes"
    WRITE_NOTE = "write_note"
    SOURCES = "sources"
    ALERTS = "alerts"
    ACKNOWLEDGE = "acknowledge"


ALL_ROLES = frozenset(Role)
#: Pages anyone may open without signing in.
PUBLIC = frozenset({Page.WALL})
#: Who may open what. The overview is everyone's starting page; the week is the managers' report (a shift
#: lead's day is on the overview, which already compares today with the same weekday last week); notices
#: are read by managers too (what is on my stations' walls?) but written and withdrawn by the people on
#: shift and by administrators; the Sources page shows error texts and host names, for administrators only.
#: Alerts are acted on by the people on shift and watched by administrators (who names who acknowledged
#: which alert stays with them); a manager's report is the week.
MATRIX: Mapping[Page, frozenset[Role]] = {
    Page.WALL: ALL_ROLES,
    Page.OVERVIEW: ALL_ROLES,
    Page.WEEK: frozenset({Role.MANAGER, Role.ADMINISTRATOR}),
    Page.MONTH: frozenset({Role.MANAGER, Role.ADMINISTRATOR}),  # the week's report over a month
    Page.NOTICES: ALL_ROLES,
    Page.POST_NOTICE: frozenset({Role.SHIFT_LEAD, Role.ADMINISTRATOR}),
    # notes on the charts explain a week's figures: written by the manager who reads them and by the shift
    # lead who saw the day happen ("lakko", "2 hoitajaa sairaana")
    Page.NOTES: ALL_ROLES,
    Page.WRITE_NOTE: frozenset({Role.MANAGER, Role.SHIFT_LEAD, Role.ADMINISTRATOR}),
    # Typing a figure by hand while a source is down (the wall shows it marked): the people on shift, and
    # administrators, who also read the audit list of every entry on /sources.
    Page.MANUAL: frozenset({Role.SHIFT_LEAD, Role.ADMINISTRATOR}),
    Page.SOURCES: frozenset({Role.ADMINISTRATOR}),
    Page.ALERTS: frozenset({Role.SHIFT_LEAD, Role.ADMINISTRATOR}),
    Page.ACKNOWLEDGE: frozenset({Role.SHIFT_LEAD, Role.ADMINISTRATOR}),
}


def allowed(page: Page, roles: Iterable[Role]) -> bool:
    """May someone with ``roles`` open ``page``? Public pages need no role; an unknown page needs one nobody has."""
    if page in PUBLIC:
        return True
    return bool(MATRIX.get(page, frozenset()) & frozenset(roles))


@dataclass(frozen=True)
class RoleRule:
    """Who has one role: e-mail addresses (lower case) and values of the role claim."""

    emails: frozenset[str] = frozenset()
    claim_values: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AccessRules:
    role_claim: str | None = "roles"
    roles: Mapping[Role, RoleRule] = field(default_factory=dict)


def user_email(user: Mapping[str, Any]) -> str:
    """The signed-in person's address in lower case ('' if the token carries none)."""
    for claim in ("email", "preferred_username"):
        value = user.get(claim)
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return ""


def claim_values(user: Mapping[str, Any], claim: str | None) -> frozenset[str]:
    """A claim's values as a set: providers send a list, or one string for a single value."""
    if not claim:
        return frozenset()
    value = user.get(claim)
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(str(v) for v in value if isinstance(v, str | int))
    return frozenset()


def roles_for(user: Mapping[str, Any], rules: AccessRules) -> frozenset[Role]:
    """Every role the configuration gives this signed-in user (none is a real answer: no access)."""
    email = user_email(user)
    values = claim_values(user, rules.role_claim)
    return frozenset(role for role, rule in rules.roles.items()
                     if (email and email in rule.emails) or (values & rule.claim_values))


def display_name(user: Mapping[str, Any]) -> str:
    """How a notice names its writer: the person's name from the token, else the address."""
    for claim in ("name", "email", "preferred_username"):
        value = user.get(claim)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return ""


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page: signed in or not, with which roles.

    ``sign_in_off`` is the demo mode: nobody signs in, everyone has every role, and every page says so.
    """

    signed_in: bool
    roles: frozenset[Role] = frozenset()
    email: str = ""
    name: str = ""
    sign_in_off: bool = False
    #: Signed in once, but longer ago than the configured limit: must sign in again (roles may have changed).
    expired: bool = False

    def can(self, page: Page) -> bool:
        return allowed(page, self.roles)


def viewer_for(user: Mapping[str, Any], rules: AccessRules, sign_in_off: bool = False,
               now: float | None = None, max_age_hours: float | None = None) -> Viewer:
    """The viewer for Streamlit's ``st.user`` (its ID-token claims), or everyone-may-do-everything when off.

    Streamlit's identity cookie lives 30 days and carries the claims of the sign-in it came from, so a role
    taken away in the identity provider would last that long. With ``max_age_hours`` a sign-in older than
    that (the token's ``iat``, seconds since the epoch, against ``now``) counts as signed out: the person
    signs in again and the roles are fresh. A token without ``iat`` counts as too old.
    """
    if sign_in_off:
        return Viewer(signed_in=False, roles=ALL_ROLES, sign_in_off=True)
    if not user.get("is_logged_in"):
        return Viewer(signed_in=False)
    if max_age_hours is not None and now is not None:
        issued = user.get("iat")
        if not isinstance(issued, int | float) or isinstance(issued, bool) or now - issued > max_age_hours * 3600:
            return Viewer(signed_in=False, expired=True)
    return Viewer(signed_in=True, roles=roles_for(user, rules), email=user_email(user), name=display_name(user))


#: The keys ``st.login()`` needs in the ``[auth]`` table of ``.streamlit/secrets.toml`` (default provider).
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
#: The identity cookie (which carries the roles' claims) is signed with ``cookie_secret``: a short one could be
#: guessed and a role forged.
MIN_COOKIE_SECRET = 32


def auth_problems(auth: Mapping[str, Any] | None) -> list[str]:
    """What is missing or wrong in the ``[auth]`` table (empty: sign-in can work). Never echoes a value."""
    if not auth:  # name every key to set: "[auth] is missing" alone left an administrator guessing
        return [f"[auth] is missing: set {', '.join(AUTH_KEYS)}"]
    problems = [f"{key} is missing" for key in AUTH_KEYS if not str(auth.get(key) or "").strip()]
    redirect = str(auth.get("redirect_uri") or "")
    if redirect and not redirect.rstrip().endswith("/oauth2callback"):
        problems.append("redirect_uri must end with /oauth2callback")
    secret = str(auth.get("cookie_secret") or "")
    if secret and len(secret) < MIN_COOKIE_SECRET:
        problems.append(f"cookie_secret is shorter than {MIN_COOKIE_SECRET} characters")
    metadata = str(auth.get("server_metadata_url") or "")
    if metadata and not metadata.startswith(("https://", "http://")):
        problems.append("server_metadata_url must be an absolute https:// address")
    return problems
