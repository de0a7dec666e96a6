"""Access rules without Streamlit: the page matrix, roles from ID-token claims, the [auth] check, config errors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from board.domain.access import (
    ALL_ROLES,
    AccessRules,
    Page,
    Role,
    RoleRule,
    allowed,
    auth_problems,
    claim_values,
    display_name,
    roles_for,
    viewer_for,
)
from board.settings import DEFAULT_CONFIG_DIR, ConfigError, load_settings

A, M, S = Role.ADMINISTRATOR, Role.MANAGER, Role.SHIFT_LEAD

# Written out cell by cell (not derived from MATRIX): who may open what.
CELLS = [
    (Page.WALL, set(), True),
    (Page.OVERVIEW, set(), False), (Page.OVERVIEW, {S}, True), (Page.OVERVIEW, {M}, True), (Page.OVERVIEW, {A}, True),
    (Page.WEEK, {S}, False), (Page.WEEK, {M}, True), (Page.WEEK, {A}, True),
    (Page.NOTICES, {S}, True), (Page.NOTICES, {M}, True), (Page.NOTICES, {A}, True),
    (Page.POST_NOTICE, {S}, True), (Page.POST_NOTICE, {M}, False), (Page.POST_NOTICE, {A}, True),
    (Page.SOURCES, {S}, False), (Page.SOURCES, {M}, False), (Page.SOURCES, {A}, True),
    (Page.SOURCES, {S, M}, False), (Page.WEEK, {S, M}, True),
    (Page.ALERTS, set(), False), (Page.ALERTS, {S}, True), (Page.ALERTS, {M}, False), (Page.ALERTS, {A}, True),
    (Page.ACKNOWLEDGE, {S}, True), (Page.ACKNOWLEDGE, {M}, False), (Page.ACKNOWLEDGE, {A}, True),
    (Page.NOTES, set(), False), (Page.NOTES, {S}, True), (Page.NOTES, {M}, True), (Page.NOTES, {A}, True),
    (Page.WRITE_NOTE, set(), False), (Page.WRITE_NOTE, {S}, True), (Page.WRITE_NOTE, {M}, True),
    (Page.WRITE_NOTE, {A}, True),
]


@pytest.mark.parametrize(("page", "roles", "expected"), CELLS)
def test_the_page_matrix(page: Page, roles: set[Role], expected: bool):
    assert allowed(page, roles) is expected


RULES = AccessRules("roles", {
    A: RoleRule(emails=frozenset({"admin@example.fi"})),
    M: RoleRule(claim_values=frozenset({"Ohjaustaulu.Manager"})),
    S: RoleRule(emails=frozenset({"vuoro@example.fi"}), claim_values=frozenset({"Ohjaustaulu.ShiftLead"})),
})


@pytest.mark.parametrize(("user", "roles"), [
    ({"email": "Admin@EXAMPLE.fi"}, {A}),                                    # e-mail, any case
    ({"preferred_username": "admin@example.fi"}, {A}),                       # Entra ID without an email claim
    ({"email": "someone@example.fi", "roles": ["Ohjaustaulu.Manager"]}, {M}),
    ({"email": "someone@example.fi", "roles": "Ohjaustaulu.Manager"}, {M}),  # one value as a string
    ({"email": "vuoro@example.fi", "roles": ["Ohjaustaulu.Manager", "Other"]}, {M, S}),
    ({"email": "someone@example.fi", "roles": ["ohjaustaulu.manager"]}, set()),  # claim values are exact
    ({"email": "someone@example.fi", "groups": ["Ohjaustaulu.Manager"]}, set()),  # another claim than configured
    ({"email": "someone@example.fi"}, set()),
    ({}, set()),
])
def test_roles_come_from_the_address_and_the_role_claim(user: dict, roles: set[Role]):
    assert roles_for(user, RULES) == roles


def test_groups_can_be_the_role_claim():
    rules = AccessRules("groups", {M: RoleRule(claim_values=frozenset({"8f1c2e0a-group-id"}))})
    assert roles_for({"groups": ["x", "8f1c2e0a-group-id"], "roles": ["8f1c2e0a-group-id"]}, rules) == {M}
    assert roles_for({"roles": ["8f1c2e0a-group-id"]}, rules) == set()


def test_claim_values_ignore_what_is_not_a_list_of_strings():
    assert claim_values({"roles": {"nested": 1}}, "roles") == frozenset()
    assert claim_values({"roles": ["a", None, 3]}, "roles") == {"a", "3"}
    assert claim_values({"roles": ["a"]}, None) == frozenset()


def test_the_viewer_signed_out_signed_in_and_with_sign_in_off():
    assert viewer_for({"is_logged_in": False, "email": "admin@example.fi"}, RULES).signed_in is False
    assert viewer_for({"email": "admin@example.fi"}, RULES).roles == frozenset()  # no is_logged_in: not signed in
    v = viewer_for({"is_logged_in": True, "email": "Admin@example.fi", "name": " Aino  Ylläpitäjä "}, RULES)
    assert (v.signed_in, v.roles, v.email, v.name) == (True, {A}, "admin@example.fi", "Aino Ylläpitäjä")
    assert v.can(Page.SOURCES) and not viewer_for({"is_logged_in": True, "email": "x@example.fi"}, RULES).can(
        Page.OVERVIEW)
    off = viewer_for({}, RULES, sign_in_off=True)
    assert off.sign_in_off and off.roles == ALL_ROLES and all(off.can(p) for p in Page)


@pytest.mark.parametrize(("iat", "signed_in"), [(10_000 - 3599, True), (10_000 - 3601, False), (None, False),
                                                 ("9000", False), (True, False)])
def test_a_sign_in_older_than_the_limit_counts_as_signed_out(iat: object, signed_in: bool):
    user = {"is_logged_in": True, "email": "admin@example.fi", **({"iat": iat} if iat is not None else {})}
    v = viewer_for(user, RULES, now=10_000, max_age_hours=1)
    assert v.signed_in is signed_in and v.expired is (not signed_in)
    assert v.roles == ({A} if signed_in else set())
    assert viewer_for(user, RULES, now=10_000, max_age_hours=None).signed_in  # no limit: Streamlit's cookie decides


def test_display_name_prefers_the_name_then_the_address():
    assert display_name({"name": "Maija Vastaava", "email": "m@example.fi"}) == "Maija Vastaava"
    assert display_name({"name": "  ", "email": "m@example.fi"}) == "m@example.fi"
    assert display_name({}) == ""


GOOD_AUTH = {"redirect_uri": "https://board.example.fi/oauth2callback", "cookie_secret": "c" * 48,
             "client_id": "11111111-2222", "client_secret": "very-secret-value",
             "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration"}


def test_a_complete_auth_section_has_no_problems():
    assert auth_problems(GOOD_AUTH) == []


@pytest.mark.parametrize(("change", "problem"), [
    ({"client_secret": None}, "client_secret is missing"),
    ({"redirect_uri": "https://board.example.fi/"}, "redirect_uri must end with /oauth2callback"),
    ({"cookie_secret": "short-secret"}, "cookie_secret is shorter than 32 characters"),
    ({"server_metadata_url": "login.microsoftonline.com/t"}, "server_metadata_url must be an absolute https://"),
])
def test_auth_problems_name_the_key_and_never_the_value(change: dict, problem: str):
    auth = {k: v for k, v in {**GOOD_AUTH, **change}.items() if v is not None}
    problems = auth_problems(auth)
    assert len(problems) == 1 and problems[0].startswith(problem)
    assert not any(str(v) in problems[0] for v in auth.values() if len(str(v)) > 5)


def test_no_auth_section_at_all():
    """Every key to set is named: "[auth] is missing" alone left the administrator guessing what to write."""
    expected = ["[auth] is missing: set redirect_uri, cookie_secret, client_id, client_secret, server_metadata_url"]
    assert auth_problems(None) == expected == auth_problems({})


# ------------------------------------------------------------------ configuration
def _config(tmp_path: Path, access: object) -> Path:
    cdir = tmp_path / "config"
    cdir.mkdir()
    for f in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        (cdir / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (cdir / "board.yaml").write_text(yaml.safe_dump({"access": access}), encoding="utf-8")
    return cdir


@pytest.mark.parametrize(("access", "message"), [
    ({"roles": {"admin": {"emails": []}}},
     "board.yaml: access.roles: Value error, unknown role(s) admin; roles are administrator, manager, shift_lead"),
    ({"role_claim": None, "roles": {"manager": {"claim_values": ["X"]}}},
     "board.yaml: access: Value error, roles use claim_values but role_claim is empty"),
    ({"role_claim": "app roles"}, "board.yaml: access.role_claim: Value error, must be the name of an ID-token claim"),
    ({"roles": {"manager": {"claim_values": "Ohjaustaulu.Manager"}}},
     "board.yaml: access.roles.manager.claim_values: Input should be a valid list"),
    ({"roles": {"manager": {"emails": ["matti.example.fi"]}}},
     "board.yaml: access.roles.manager.emails: Value error, not an e-mail address: 'matti.example.fi'"),
    ({"roles": {"manager": {"email": ["m@example.fi"]}}}, "board.yaml: access.roles.manager.email: Extra inputs"),
    ({"sign_in": "maybe"}, "board.yaml: access.sign_in: Input should be 'required' or 'off'"),
])
def test_config_errors_name_the_file_and_key(tmp_path: Path, monkeypatch, access: dict, message: str):
    monkeypatch.delenv("BOARD_SIGN_IN", raising=False)
    with pytest.raises(ConfigError) as e:
        load_settings(_config(tmp_path, access))
    assert message in str(e.value)


def test_roles_from_config_and_the_environment_switch(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("BOARD_SIGN_IN", raising=False)
    cdir = _config(tmp_path, {"role_claim": "groups", "roles": {
        "administrator": {"emails": ["  Admin@Example.FI "]}, "shift_lead": {"claim_values": ["g-1"]}}})
    access = load_settings(cdir).board.access
    assert access.sign_in == "required"
    rules = access.rules()
    assert roles_for({"email": "admin@example.fi"}, rules) == {A}
    assert roles_for({"groups": ["g-1"]}, rules) == {S}
    monkeypatch.setenv("BOARD_SIGN_IN", "off")
    assert load_settings(cdir).board.access.sign_in == "off"
    monkeypatch.setenv("BOARD_SIGN_IN", "sometimes")
    with pytest.raises(ConfigError, match="BOARD_SIGN_IN: 'sometimes' is neither 'required' nor 'off'"):
        load_settings(cdir)


def test_a_bare_yaml_off_means_off(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("BOARD_SIGN_IN", raising=False)
    cdir = _config(tmp_path, {})
    (cdir / "board.yaml").write_text("access:\n  sign_in: off\n", encoding="utf-8")  # YAML 1.1: false
    assert load_settings(cdir).board.access.sign_in == "off"
    (cdir / "board.yaml").write_text("access:\n  sign_in: on\n", encoding="utf-8")
    assert load_settings(cdir).board.access.sign_in == "required"


def test_the_shipped_configuration_requires_sign_in_and_names_nobody(monkeypatch):
    monkeypatch.delenv("BOARD_SIGN_IN", raising=False)
    access = load_settings(DEFAULT_CONFIG_DIR).board.access
    assert access.sign_in == "required" and access.role_claim == "roles"
    assert set(access.roles) == {r.value for r in Role}
    assert all(not rule.emails and not rule.claim_values for rule in access.roles.values())
    lines = (DEFAULT_CONFIG_DIR / "board.yaml").read_text(encoding="utf-8").splitlines()
    assert "@" not in "".join(line.split("#")[0] for line in lines)  # examples live in comments only


def test_the_readme_example_is_valid_configuration(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("BOARD_SIGN_IN", raising=False)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if b.startswith("access:")]
    access = load_settings(_config(tmp_path, yaml.safe_load(block)["access"])).board.access
    assert roles_for({"roles": ["Ohjaustaulu.ShiftLead"]}, access.rules()) == {S}
    (toml,) = [b for b in re.findall(r"```toml\n(.*?)```", readme, re.S) if "[auth]" in b]
    assert set(tomllib.loads(toml)["auth"]) == {"redirect_uri", "cookie_secret", "client_id", "client_secret",
                                               "server_metadata_url"}


def test_serve_says_at_start_whether_sign_in_can_work(tmp_path: Path, monkeypatch):
    from board.cli import sign_in_note

    monkeypatch.delenv("BOARD_SIGN_IN", raising=False)
    settings = load_settings(_config(tmp_path, {}))
    secrets_file = tmp_path / "secrets.toml"
    monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(secrets_file))
    assert sign_in_note(settings).startswith(
        "sign-in: required but not configured ([auth] is missing: set redirect_uri, cookie_secret, client_id, "
        "client_secret, server_metadata_url)")
    secrets_file.write_text("[auth]\n" + "".join(f'{k} = "{v}"\n' for k, v in GOOD_AUTH.items() if k != "client_id"))
    note = sign_in_note(settings)
    assert "client_id is missing" in note and GOOD_AUTH["client_secret"] not in note
    secrets_file.write_text("[auth]\n" + "".join(f'{k} = "{v}"\n' for k, v in GOOD_AUTH.items()))
    assert sign_in_note(settings) == "sign-in: required ([auth] found)"
    secrets_file.write_text("[auth\n")
    assert "is not valid TOML" in sign_in_note(settings)
    monkeypatch.setenv("BOARD_SIGN_IN", "off")
    assert sign_in_note(load_settings(settings.config_dir)).startswith("sign-in: off")
