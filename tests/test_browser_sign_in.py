"""Signing in for real: Chromium, ``python -m board serve`` with an ``[auth]`` block, and an OpenID Connect
provider on loopback (tests/oidc_provider.py). Nothing about sign-in is simulated here: ``st.login`` redirects
to the provider, Authlib exchanges the code and checks the RS256-signed ID token against the provider's keys,
Streamlit sets its identity cookie, and the board reads the role from the token's ``roles`` claim.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import yaml

from tests.browser_support import ARTIFACTS, require_chromium, start_server
from tests.conftest import write_config
from tests.oidc_provider import Provider

pytestmark = pytest.mark.browser

CLIENT_ID, CLIENT_SECRET = "ohjaustaulu-test", secrets.token_urlsafe(24)
PERSON = {"email": "Vilma.Vuorovastaava@example.fi", "name": "Vilma Vuorovastaava", "roles": ["Ohjaustaulu.ShiftLead"]}


@pytest.fixture(scope="module")
def signed_in_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Provider]]:
    require_chromium()
    tmp = tmp_path_factory.mktemp("signin")
    provider = Provider(CLIENT_ID, CLIENT_SECRET, PERSON)
    config = write_config(tmp / "config")
    board = yaml.safe_load((config / "board.yaml").read_text(encoding="utf-8"))
    board["access"] = {"sign_in": "required", "role_claim": "roles",
                       "roles": {"shift_lead": {"claim_values": ["Ohjaustaulu.ShiftLead"]}}}
    (config / "board.yaml").write_text(yaml.safe_dump(board), encoding="utf-8")
    secrets_file = tmp / "secrets.toml"  # outside the project: other tests read the project's .streamlit/
    secrets_file.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'  # Streamlit fills in its own port
        f'cookie_secret = "{secrets.token_urlsafe(48)}"\n'
        f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n', encoding="utf-8")
    server = start_server(tmp, config, {"BOARD_SIGN_IN": "required", "STREAMLIT_SECRETS_FILES": str(secrets_file)})
    assert "sign-in: required ([auth] found)" in (tmp / "server.log").read_text()  # said at start
    yield server.base, provider
    server.stop()
    provider.stop()


def test_a_shift_lead_signs_in_through_the_provider_and_sees_the_overview(signed_in_server, browser):
    base, provider = signed_in_server
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{base}/")
    page.wait_for_selector('[data-access="sign-in"]', timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sign-in.png"))
    page.get_by_role("button", name="Kirjaudu sisään").click(timeout=30_000)
    page.wait_for_selector("table.ov tbody tr", timeout=30_000)  # back on the overview, signed in
    assert {"/authorize", "/token", "/jwks"} <= set(provider.requests)
    assert "Kirjautunut: Vilma Vuorovastaava · vuorovastaava" in page.inner_text("body")
    page.wait_for_selector('[data-testid="stPageLink"] a', timeout=30_000)  # drawn after the table
    links = [a.get_attribute("href") or "" for a in page.locator('[data-testid="stPageLink"] a').all()]
    pages = {h.rsplit("/", 1)[-1].split("?")[0] for h in links}  # the header: the pages this role may open
    assert {"notices", "alerts"} <= pages and not pages & {"week", "month", "sources"}  # not a manager's
    page.screenshot(path=str(ARTIFACTS / "signed-in-overview.png"))

    page.goto(f"{base}/sources")  # the same browser, a new session: the cookie signs it in
    page.wait_for_selector('[data-access="not-for-role"]', timeout=30_000)
    assert "Tietolähteet" not in page.inner_text("body")

    page.goto(f"{base}/notices")
    page.wait_for_selector('[data-author="signed-in"]', timeout=30_000)
    assert "Kirjoittaja: Vilma Vuorovastaava" in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "signed-in-notices.png"), full_page=True)

    page.get_by_role("button", name="Kirjaudu ulos").click()
    page.wait_for_selector('[data-access="sign-in"]', timeout=30_000)
    page.close()


def test_the_wall_needs_no_sign_in_on_the_same_server(signed_in_server, browser):
    base, _provider = signed_in_server
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{base}/wall?station=kajaani")
    page.wait_for_selector(".wall .tile", timeout=30_000)
    assert page.locator('[data-access]').count() == 0
    page.close()



def test_sign_in_returns_to_the_page_asked_for(signed_in_server, browser):
    """Streamlit's callback always redirects to ``/``; board.web.sign_in_return sends the browser back to the
    page where the sign-in button was pressed (here /manual in Swedish), through the real provider."""
    base, provider = signed_in_server
    context = browser.new_context(viewport={"width": 1366, "height": 768})  # no cookies of the other tests
    page = context.new_page()
    page.goto(f"{base}/manual?lang=sv")
    page.wait_for_selector('[data-access="sign-in"]', timeout=30_000)
    before = provider.requests.count("/token")
    page.locator('[class*="st-key-access_sign_in"] button').click(timeout=30_000)
    page.wait_for_selector('[class*="st-key-manual_submit"]', timeout=30_000)  # the manual-entry form, signed in
    assert provider.requests.count("/token") == before + 1  # a real code exchange happened
    assert page.url.split("?")[0].rstrip("/").endswith("/manual") and "lang=sv" in page.url
    assert page.locator('[data-access]').count() == 0
    assert "board_after_sign_in" not in {c["name"] for c in context.cookies()}  # used once, then dropped
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "signed-in-manual.png"))
    context.close()


@pytest.mark.parametrize("proxy", [None, "https"])
def test_the_return_cookie_is_httponly_lax_and_secure_behind_https(signed_in_server, browser, proxy):
    """The return page's cookie as the real /auth/login sets it: HttpOnly and SameSite=Lax always, Secure when
    the request came over HTTPS, here through a TLS-ending proxy's ``X-Forwarded-Proto: https`` (docs/DEPLOY.md)
    — without it the cookie went out over plain HTTP from a server only ever reached by HTTPS. Chromium keeps a
    Secure cookie from 127.0.0.1 (a trustworthy origin), so the return still works and the cookie is dropped."""
    base, _provider = signed_in_server
    headers = {"X-Forwarded-Proto": proxy} if proxy else {}
    context = browser.new_context(viewport={"width": 1366, "height": 768}, extra_http_headers=headers)
    page = context.new_page()
    page.goto(f"{base}/manual")
    page.wait_for_selector('[data-access="sign-in"]', timeout=30_000)
    with page.expect_response(lambda r: "/auth/login" in r.url, timeout=30_000) as login:
        page.locator('[class*="st-key-access_sign_in"] button').click(timeout=30_000)
    [cookie] = [h["value"] for h in login.value.headers_array() if h["name"].lower() == "set-cookie"
                and h["value"].startswith("board_after_sign_in=")]
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "max-age", "path"} <= attributes and "samesite=lax" in cookie.lower(), cookie
    assert ("secure" in attributes) is (proxy == "https"), cookie
    page.wait_for_selector('[class*="st-key-manual_submit"]', timeout=30_000)  # back on /manual, signed in
    assert page.url.split("?")[0].rstrip("/").endswith("/manual")
    assert "board_after_sign_in" not in {c["name"] for c in context.cookies()}
    context.close()
